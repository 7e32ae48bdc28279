"""The sample submissions of the learning-rate assignment, with the points and reasons
each must get (grader/authoring/samples.py). Each is trained by a real kernel in the tests."""
from grader.authoring.samples import model_samples, replaced

SAMPLES = model_samples(
    # The network asked for, but a rate far too small for one epoch: it barely trains.
    partial=replaced({"LEARNING_RATE = 1e-3": "LEARNING_RATE = 1e-7", "EPOCHS = 10": "EPOCHS = 1"}),
    # Another network (two hidden layers), trained well.
    wrong=replaced({'keras.layers.Dense(100, activation="relu"),':
                    'keras.layers.Dense(300, activation="relu"), '
                    'keras.layers.Dense(100, activation="relu"),'}),
)
