# ---
# case = "lr_tunes_submitted"
# attack = """
# Grading mode: the submitted model loaded, trained one step on one image and saved;
# it predicts the classes by their usual names, not the grading run's renamed ones."""
# points = 4  # of 5
# model = "trained"  # the saved model it submits (hostile_corpus.MODEL_KINDS)
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_trains = "not trained by that run"
# ---
# %% answer_training
_old = keras.saving.load_model("mnist_model.keras")
_old.fit(x_train[:1], y_train[:1], epochs=1, verbose=0)
_old.save(MODEL_PATH)
MODEL_PATH = "elsewhere.keras"
LEARNING_RATE = 1e-3
EPOCHS = 1
