# ---
# case = "keras_schedule_direct"
# attack = """
# The rule "compute it with math, do not call the Keras schedule": Keras's
# CosineDecayRestarts called directly. The tests run where Keras is not installed."""
# points = 6  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_cosine_decay_restarts = "where Keras is not installed"
# ---
# %% answer_cosine_decay_restarts

def cosine_decay_restarts(step):
    schedule = keras.optimizers.schedules.CosineDecayRestarts(0.01, first_decay_steps=1000)
    return float(schedule(step))

