"""The "initialization" assignment: weight initialisers written by hand, the signal they
let through a stack of layers, and a short real training run from them.

Each check calls the student's function at its ``visible`` inputs (the released
notebook's test cells) and its ``hidden`` ones (only the autograder's copy): other
fan-ins and fan-outs, seeds, widths, depths and initialisations, and another network
for the training run. The references and the training live in
``grader/checks/initialization.py``. This file is the instructor's: nbgrader's release
leaves it out.
"""
from grader.assignments.spec import Assignment, CodeTest
from grader.checks.initialization import (ActivationCheck, FormulaCheck, SampleCheck,
                                          TrainingCheck, glorot_std, he_std)
from grader.checks.schedules import pointwise
from grader.config import Limits

CHAPTER = [100] * 6  # the chapter's setting: 100 features through five Dense(100) layers

glorot_std_check = FormulaCheck("glorot_std", {
    "visible": [(100, 100), (50, 50), (784, 100)],
    "hidden": [(1, 1), (50, 200), (300, 30), (1000, 10), (64, 64), (3, 5), (2048, 512)],
}, pointwise(glorot_std))
he_std_check = FormulaCheck("he_std", {
    "visible": [100, 784, 50], "hidden": [1, 2, 30, 64, 200, 512, 1000, 4096],
}, pointwise(he_std))
# (fan_in, fan_out, seed): a call repeated (the same weights), one with another seed of
# the same shape (other, uncorrelated weights), and shapes where fan_in and fan_out differ.
glorot_normal_check = SampleCheck("glorot_normal", {
    "visible": [(100, 100, 0), (100, 100, 0), (100, 100, 1), (784, 100, 0)],
    "hidden": [(300, 60, 7), (300, 60, 7), (300, 60, 8), (40, 800, 3), (1000, 20, 11),
               (128, 256, 5)],
}, glorot_std)
he_normal_check = SampleCheck("he_normal", {
    "visible": [(100, 100, 0), (100, 100, 0), (100, 100, 1), (784, 100, 0)],
    "hidden": [(250, 80, 3), (250, 80, 3), (250, 80, 4), (30, 900, 9), (600, 40, 2),
               (512, 128, 6)],
}, lambda fan_in, fan_out: he_std(fan_in))
# (init, activation, widths, n, seed)
activation_stds_check = ActivationCheck("activation_stds", {
    "visible": [("normal_1", "sigmoid", CHAPTER, 1000, 0), ("glorot", "tanh", CHAPTER, 1000, 0),
                ("he", "relu", CHAPTER, 1000, 0), ("normal_0.01", "relu", CHAPTER, 1000, 0)],
    "hidden": [("glorot", "relu", [50, 120, 80, 200, 60], 800, 3),
               ("he", "relu", [64] * 9, 1000, 5),
               ("he", "tanh", [100, 150, 150, 150], 1000, 7),
               ("normal_1", "tanh", [80, 80, 80, 80], 500, 2),
               ("normal_0.01", "sigmoid", [100, 50, 50, 50, 50, 50, 50], 1000, 4),
               ("normal_0.01", "tanh", [120, 60, 120, 60], 1000, 9),
               ("glorot", "sigmoid", [200, 100, 50, 25], 1000, 1),
               ("normal_1", "relu", [100, 100, 100, 100, 100], 1000, 6),
               ("he", "sigmoid", [30, 300, 30], 1000, 8)],
})
# he_normal for each hidden layer of a deep ReLU network on MNIST's 784 pixels, then one
# of those calls again; the grader trains the network from these weights itself.
he_trains_check = TrainingCheck("he_trains", {
    "visible": [(784, 100, 11), (100, 100, 12), (100, 100, 13), (100, 100, 14), (100, 100, 15),
                (100, 100, 13)],
    "hidden": [(784, 120, 21), (120, 80, 22), (80, 120, 23), (120, 80, 24), (80, 100, 25),
               (100, 60, 26), (80, 120, 23)],
})

ASSIGNMENT = Assignment(
    name="initialization",
    title="weight initialisers by hand, the signal through a stack, a training run",
    tests={
        "test_glorot_std": CodeTest(glorot_std_check, "glorot_std", "`glorot_std(fan_in, fan_out)`"),
        "test_he_std": CodeTest(he_std_check, "he_std", "`he_std(fan_in)`"),
        "test_glorot_normal": CodeTest(glorot_normal_check, "glorot_normal",
                                       "`glorot_normal(fan_in, fan_out, seed)`: shape, mean, "
                                       "std, normality, seeds"),
        "test_he_normal": CodeTest(he_normal_check, "he_normal",
                                   "`he_normal(fan_in, fan_out, seed)`: the same"),
        "test_activation_stds": CodeTest(activation_stds_check, "activation_stds",
                                         "`activation_stds(init, activation, widths, n, seed)`"),
        "test_he_trains": CodeTest(he_trains_check, "he_normal",
                                   "a deep ReLU network started from your `he_normal` weights "
                                   "trains on MNIST (a short run by the grader)"),
    },
    # NumPy functions on small arrays: well under a second each once the cells ran; the
    # training runs in the grader's own process, not in this one.
    limits=Limits(timeout_s=180, memory_bytes=4 * 2**30, file_size_bytes=64 * 2**20,
                  disk_bytes=256 * 2**20, submission_bytes=32 * 2**20),
    # The notebook's rule "NumPy only" holds where Keras is not installed.
    isolated={grade_id: ("numpy",) for grade_id in (
        "test_glorot_std", "test_he_std", "test_glorot_normal", "test_he_normal",
        "test_activation_stds", "test_he_trains")},
    isolation_note="this test runs where Keras is not installed (only Python's standard "
                   "library and NumPy): write it with NumPy, not with Keras",
)
