"""The learning-rate assignment (MNIST, RMSprop), end to end: see model_assignment_harness."""
from model_assignment_harness import make_tests

ASSIGNMENT = "learning_rate"
REPLACEMENTS = {
    # The network asked for, but a rate far too small for one epoch: it barely trains.
    "partial": {"LEARNING_RATE = 1e-3": "LEARNING_RATE = 1e-7", "EPOCHS = 10": "EPOCHS = 1"},
    # Another network (two hidden layers), trained well.
    "wrong": {'keras.layers.Dense(100, activation="relu"),':
              'keras.layers.Dense(300, activation="relu"), keras.layers.Dense(100, activation="relu"),'},
}

globals().update(make_tests(ASSIGNMENT, REPLACEMENTS))
