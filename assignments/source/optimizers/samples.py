"""The sample submissions of the optimizers assignment, with the points and reasons
each must get (grader/authoring/samples.py). Each is trained by a real kernel in the tests."""
from grader.authoring.samples import model_samples, replaced

SAMPLES = model_samples(
    # The network asked for, with plain SGD at a rate far too small for one epoch.
    partial=replaced({"optimizer = keras.optimizers.Adam()":
                      "optimizer = keras.optimizers.SGD(learning_rate=1e-6)",
                      "EPOCHS = 5": "EPOCHS = 1"}),
    # Another network (a wider hidden layer), trained well.
    wrong=replaced({'keras.layers.Dense(100, activation="relu"),':
                    'keras.layers.Dense(200, activation="relu"),'}),
)
