# ---
# case = "lr_reads_heldout"
# attack = """
# Tries to read the held-out test set (the data folder, Keras's download): neither is
# there, so its answer cell fails and its grading run saves nothing."""
# points = 4  # of 5
# model = "trained"  # the saved model it submits (hostile_corpus.MODEL_KINDS)
# first_cell_error_in = "answer_training"  # it has cell errors, the first in this cell
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_trains = "no saved model"
# ---
# %% answer_training
import keras
(_, _), (x_test, y_test) = keras.datasets.mnist.load_data()
LEARNING_RATE = 1e-3
EPOCHS = 2
