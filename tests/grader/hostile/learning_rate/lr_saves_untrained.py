# ---
# case = "lr_saves_untrained"
# attack = """
# A fresh network trained for no epoch, saved."""
# points = 4  # of 5
# model = "trained"  # the saved model it submits (hostile_corpus.MODEL_KINDS)
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_trains = "not above 0.5"
# ---
# %% answer_training
LEARNING_RATE = 1e-3
EPOCHS = 0
