"""The deep CIFAR-10 assignment (exercise 8(c)), end to end: see model_assignment_harness."""
from model_assignment_harness import make_tests

ASSIGNMENT = "deep_cifar10"
REPLACEMENTS = {
    # The network asked for, saved without training ("forgot to fit").
    "partial": {"history = model.fit(": "history = None and model.fit("},
    # The network of part (a), without batch normalisation, trained.
    "wrong": {"               keras.layers.BatchNormalization(),\n": "",
              "keras.layers.Flatten(), keras.layers.BatchNormalization()]":
              "keras.layers.Flatten()]"},
}

globals().update(make_tests(ASSIGNMENT, REPLACEMENTS))
