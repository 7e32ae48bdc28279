"""The optimizers assignment (Fashion-MNIST), end to end: see model_assignment_harness."""
from model_assignment_harness import make_tests

ASSIGNMENT = "optimizers"
REPLACEMENTS = {
    # The network asked for, with plain SGD at a rate far too small for one epoch.
    "partial": {"optimizer = keras.optimizers.Adam()":
                "optimizer = keras.optimizers.SGD(learning_rate=1e-6)",
                "EPOCHS = 5": "EPOCHS = 1"},
    # Another network (a wider hidden layer), trained well.
    "wrong": {'keras.layers.Dense(100, activation="relu"),':
              'keras.layers.Dense(200, activation="relu"),'},
}

globals().update(make_tests(ASSIGNMENT, REPLACEMENTS))
