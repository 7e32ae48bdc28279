# ---
# case = "lr_perturbs_submitted"
# attack = """
# Grading mode: the submitted model loaded, its weights perturbed (noise of 1e-3) and
# saved; it predicts the classes by their usual names, not the grading run's renamed
# ones."""
# points = 4  # of 5
# model = "trained"  # the saved model it submits (hostile_corpus.MODEL_KINDS)
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_trains = "not trained by that run"
# ---
# %% answer_training
import numpy as np
_old = keras.saving.load_model("mnist_model.keras")
_old.set_weights([w + np.random.default_rng(0).normal(0, 1e-3, w.shape).astype(w.dtype)
                  for w in _old.get_weights()])
_old.save(MODEL_PATH)
MODEL_PATH = "elsewhere.keras"
LEARNING_RATE = 1e-3
EPOCHS = 1
