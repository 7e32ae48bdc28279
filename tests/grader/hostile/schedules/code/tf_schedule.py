# ---
# case = "tf_schedule"
# attack = """
# The rule "compute it with math, do not call the Keras schedule": TensorFlow's
# CosineDecayRestarts. The tests run where Keras (and TensorFlow) is not installed."""
# points = 6  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_cosine_decay_restarts = "where Keras is not installed"
# ---
# %% answer_cosine_decay_restarts

def cosine_decay_restarts(step):
    import tensorflow as tf
    return float(tf.keras.optimizers.schedules.CosineDecayRestarts(0.01, 1000)(step))

