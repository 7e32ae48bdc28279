# ---
# case = "lr_copies_submitted"
# attack = """
# Grading mode, trained nothing: the submitted model copied to MODEL_PATH (the cell
# then trains and saves elsewhere); its weight matrices are the submitted ones."""
# points = 4  # of 5
# model = "trained"  # the saved model it submits (hostile_corpus.MODEL_KINDS)
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_trains = "weight matrices of the model you submitted, unchanged"
# ---
# %% answer_training
import shutil
shutil.copy("mnist_model.keras", MODEL_PATH)
MODEL_PATH = "elsewhere.keras"
LEARNING_RATE = 1e-3
EPOCHS = 1
