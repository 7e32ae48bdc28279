# ---
# case = "lr_one_step"
# attack = """
# A fresh network trained on one image for one step."""
# points = 4  # of 5
# model = "trained"  # the saved model it submits (hostile_corpus.MODEL_KINDS)
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_trains = "not above 0.5"
# ---
# %% answer_training
x_train, y_train = x_train[:1], y_train[:1]
LEARNING_RATE = 1e-3
EPOCHS = 1
