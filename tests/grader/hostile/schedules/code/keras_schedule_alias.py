# ---
# case = "keras_schedule_alias"
# attack = """
# The rule "compute it with math, do not call the Keras schedule": Keras's
# CosineDecayRestarts imported under another name. The tests run where Keras is not
# installed."""
# points = 6  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_cosine_decay_restarts = "where Keras is not installed"
# ---
# %% answer_cosine_decay_restarts

from keras.optimizers.schedules import CosineDecayRestarts as Schedule
_schedule = Schedule(0.01, 1000)
def cosine_decay_restarts(step):
    return float(_schedule(step))

