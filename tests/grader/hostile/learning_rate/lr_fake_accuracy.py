# ---
# case = "lr_fake_accuracy"
# attack = """
# Prints a great accuracy; its model is untrained and its rate far too small."""
# points = 1  # of 5
# model = "untrained"  # the saved model it submits (hostile_corpus.MODEL_KINDS)
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_accuracy = "below the threshold"
# test_trains = "not above"
# ---
# %% answer_training
LEARNING_RATE = 1e-6
EPOCHS = 1
print('val_accuracy: 0.9912')
