"""The sample submissions of the deep CIFAR-10 assignment, with the points and reasons
each must get (grader/authoring/samples.py). Each is trained by a real kernel in the tests."""
from grader.authoring.samples import model_samples, replaced

SAMPLES = model_samples(
    # The network asked for, saved without training ("forgot to fit").
    partial=replaced({"history = model.fit(": "history = None and model.fit("}),
    # The network of part (a), without batch normalisation, trained.
    wrong=replaced({"               keras.layers.BatchNormalization(),\n": "",
                    "keras.layers.Flatten(), keras.layers.BatchNormalization()]":
                    "keras.layers.Flatten()]"}),
)
