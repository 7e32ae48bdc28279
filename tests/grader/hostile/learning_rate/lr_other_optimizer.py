# ---
# case = "lr_other_optimizer"
# attack = """
# The notebook's rule "trained with RMSprop", broken: RMSprop swapped for Adam, which
# the saved file says."""
# points = 0  # of 5
# model = "adam"  # the saved model it submits (hostile_corpus.MODEL_KINDS)
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_architecture = "compiled with the optimizer Adam, not RMSprop"
# test_accuracy = "compiled with the optimizer Adam, not RMSprop"
# test_trains = "compiled with the optimizer Adam, not RMSprop"
# ---
# %% answer_training
LEARNING_RATE = 1e-3
EPOCHS = 2
keras.optimizers.RMSprop = keras.optimizers.Adam
