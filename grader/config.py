"""Everything the grader and the assignments' nbgrader set-up agree on, in one place:
the course id, the tests and their points, the reference settings, the tolerances and
the time limits. ``assignments/nbgrader_config.py``, the notebook's test cells (through
:mod:`grader.checks.schedules`), the grader and the tests all read it from here.
"""
from __future__ import annotations

from dataclasses import dataclass

COURSE_ID = "dlcourse"

# --- limits -------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """What one submission may use; each assignment has its own (``limits`` in
    ``ASSIGNMENTS``; ``python -m grader grade --timeout/--memory`` override them).

    Its process (:mod:`grader.sandbox`):

    - ``timeout_s``: wall clock of the process. If it is reached, the process group is
      killed, the check that was running fails as "timed out", and the remaining ones
      run in a fresh process.
    - ``memory_bytes``: address space (RLIMIT_AS). TensorFlow's CPU runtime needs about
      3 GiB of it to start; a grading run of the largest assignment stays below 4 GiB.
    - ``file_size_bytes``: any one file it writes, its captured output included.
    - ``processes``: its processes and threads (RLIMIT_NPROC; TensorFlow starts a few
      dozen threads), which bounds a fork bomb.
    - ``disk_bytes``, ``disk_files``: the quotas of what it may write, in all (its
      scratch folder, ``/tmp`` and ``/dev/shm`` share one tmpfs of this size and number
      of files, the copy of the submission included). Reaching one fails the check
      that was running; the others run in a fresh process.

    What the grader itself reads of the submission (:mod:`grader.snapshot`), checked
    before anything is parsed or copied:

    - ``submission_bytes``, ``submission_files``: the whole folder (a sparse file
      counts at its full size); files past them are left out, with a note;
    - ``notebook_bytes``, ``model_bytes``: the notebook, and a saved model (the
      submitted one and the one the grading run writes).
    """

    timeout_s: float = 300
    memory_bytes: int = 6 * 2**30
    file_size_bytes: int = 256 * 2**20
    processes: int = 512
    disk_bytes: int = 512 * 2**20
    disk_files: int = 2000
    submission_bytes: int = 128 * 2**20
    submission_files: int = 200
    notebook_bytes: int = 16 * 2**20
    model_bytes: int = 64 * 2**20

    def __post_init__(self):
        if self.disk_bytes <= self.submission_bytes:
            raise ValueError("disk_bytes must leave room beyond the submission's own copy")


# One call of student code (a check's probe) is interrupted after CALL_TIMEOUT_S, in the
# notebook as in the grader's sandbox; a function that never returns fails its test and
# the others still run.
CALL_TIMEOUT_S = 15
# nbgrader's own per-cell limit (Execute.timeout), and the grader's per-cell limit: a
# backstop above CALL_TIMEOUT_S that also covers the set-up cell, whose `import keras`
# takes ~15 s on a busy 2-core machine.
CELL_TIMEOUT_S = 120
DEFAULT_LIMITS = Limits()
# The file checks of a model assignment (no student code; loads a saved model and scores
# it on up to 10,000 images).
MODEL_CHECK_TIMEOUT_S = 180

# --- tolerances ------------------------------------------------------------------------
# Keras computes rates in float32 and the optimizer stores them as float32.
RTOL = 1e-5
ATOL = 1e-8

# --- the "schedules" assignment ------------------------------------------------------
SCHEDULES = "schedules"
SCHEDULES_NOTEBOOK = "schedules.ipynb"

EXPONENTIAL_DECAY = {"lr0": 0.01, "s": 20}
PIECEWISE_CONSTANT = {"boundaries": [5, 15], "values": [0.01, 0.005, 0.001]}
COSINE_DECAY_RESTARTS = {"initial_learning_rate": 0.01, "first_decay_steps": 1000,
                         "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0}

# The points each check calls the student's function at. "visible" ones are in the
# released notebook's test cells; "hidden" ones only in the autograder's copy.
SCHEDULER_EXP_POINTS = {
    "visible": [(0, 0.01), (1, 0.01), (3, 0.002)],
    "hidden": [(0, 0.05), (0, 1e-4), (2, 0.05), (7, 0.3), (10, 1e-3), (50, 0.1), (100, 2.0)],
}
EXPONENTIAL_DECAY_EPOCHS = {"visible": [0, 20, 40], "hidden": [1, 3, 7, 10, 13, 19, 21, 29, 55, 99, 150]}
PIECEWISE_CONSTANT_EPOCHS = {"visible": [0, 5, 15], "hidden": [1, 4, 6, 10, 14, 16, 20, 30, 100]}
COSINE_DECAY_RESTARTS_STEPS = {
    "visible": [0, 500, 1000, 2000],
    "hidden": [1, 250, 999, 1001, 1500, 2999, 3000, 3001, 4500, 6999, 7000, 7001, 10000, 20000],
}

# The 1cycle checks run a real fit on tiny random data (`samples` rows of `features`
# numbers, `batch_size` per batch, `epochs` epochs) with the student's callback, and record
# the rate the optimizer holds when each batch starts. `callback` is what the callback is
# constructed with. A run longer than `iterations` checks that the rate then stays at
# `last_rate`.
ONE_CYCLE_RUNS = {
    "one_cycle_default": {
        "visible": {"samples": 64, "features": 4, "batch_size": 8, "epochs": 3,
                    "callback": {"iterations": 24, "max_rate": 0.05}},
        "hidden": {"samples": 70, "features": 3, "batch_size": 10, "epochs": 4,
                   "callback": {"iterations": 28, "max_rate": 0.2}},
    },
    "one_cycle_options": {
        "visible": {"samples": 64, "features": 4, "batch_size": 8, "epochs": 3,
                    "callback": {"iterations": 24, "max_rate": 0.05, "start_rate": 0.01,
                                 "last_iterations": 6, "last_rate": 1e-4}},
        "hidden": {"samples": 60, "features": 2, "batch_size": 6, "epochs": 4,
                   "callback": {"iterations": 36, "max_rate": 0.1, "start_rate": 0.002,
                                "last_iterations": 9, "last_rate": 1e-5}},
    },
}

# grade_id of each autograded test cell -> (the check it runs, the name the student's
# notebook defines, points). The notebook's cell metadata must give the same points
# (a test checks it).
SCHEDULES_TESTS = {
    "test_scheduler_exp": ("scheduler_exp", "scheduler_exp", 1),
    "test_exponential_decay_fn": ("exponential_decay_fn", "exponential_decay_fn", 1),
    "test_piecewise_constant_fn": ("piecewise_constant_fn", "piecewise_constant_fn", 1),
    "test_cosine_decay_restarts": ("cosine_decay_restarts", "cosine_decay_restarts", 2),
    "test_one_cycle_default": ("one_cycle_default", "OneCycleScheduler", 2),
    "test_one_cycle_options": ("one_cycle_options", "OneCycleScheduler", 1),
}

ASSIGNMENTS = {
    # Pure functions and a 1cycle fit on tiny data: seconds each, once Keras is imported.
    SCHEDULES: {"notebook": SCHEDULES_NOTEBOOK, "tests": SCHEDULES_TESTS,
                "checks": "grader.checks.schedules",
                "limits": Limits(timeout_s=180, memory_bytes=4 * 2**30,
                                 file_size_bytes=64 * 2**20, disk_bytes=256 * 2**20,
                                 submission_bytes=32 * 2**20),
                # grade_id -> the only packages (besides Python's standard library) its
                # test's process can import: the notebook's rule "compute it with math,
                # do not call the Keras schedule" holds where Keras is not installed.
                "isolated": {"test_cosine_decay_restarts": ("numpy",)},
                "isolation_note": "this test runs where Keras is not installed (only "
                                  "Python's standard library and NumPy): compute the rate "
                                  "with math, not with the Keras schedule"},
}


def max_points(assignment: str = SCHEDULES) -> int:
    return sum(points for _, _, points in ASSIGNMENTS[assignment]["tests"].values())


# --- the model assignments -------------------------------------------------------------
# Students train a network and save it; the grader loads the saved file itself (Keras's
# safe mode, in a process that never runs student code), checks it is the network
# asked for, and scores it on held-out data the notebook never loads: the dataset's
# official test set (its first `test_size` images in the quick profile).
#
# Thresholds come from this course's own measured runs, the book's
# `book/results/reproduction.json`: the recorded mean of `threshold_from` in the active
# profile, less `margin` (which also covers the gap between the validation set the
# record was measured on and the test set graded here), rounded down to 0.01.
#
# "Grading mode" (`$DLCOURSE_GRADING=1`, set by nbgrader_config.py for autograde and by
# the grader for its run of the notebook): the notebook's data are the quick profile's
# slices and the notebook saves to `grading_file`, so re-running the student's code to
# see that it trains takes seconds and never overwrites the submitted model.
GRADING_ENV = "DLCOURSE_GRADING"

# An assignment's tests: grade_id -> (check, target, points). A model check's target is
# a file of the submission ("file:" + name), which the grader opens in a clean process.
LEARNING_RATE, OPTIMIZERS, DEEP_CIFAR10 = "learning_rate", "optimizers", "deep_cifar10"


def _model_tests(assignment: str, model_file: str, grading_file: str) -> dict:
    return {
        "test_architecture": (f"{assignment}:architecture", "file:" + model_file, 1),
        "test_accuracy": (f"{assignment}:accuracy", "file:" + model_file, 3),
        "test_trains": (f"{assignment}:trains", "file:" + grading_file, 1),
    }


MODEL_ASSIGNMENTS = {
    LEARNING_RATE: {
        "title": "a learning rate for RMSprop on MNIST",
        "dataset": "mnist", "settings_key": "mnist_lr",
        "model_file": "mnist_model.keras", "grading_file": "mnist_model.grading.keras",
        "threshold_from": ("mnist_rmsprop_lr_0.001", "test_accuracy"), "margin": 0.02,
        # The network is fixed (chapter 1's): the student chooses the rate and epochs.
        "architecture": {"input_shape": [784], "hidden": [(100, "relu")], "batch_norm": 0,
                         "allowed": ["Dense"], "optimizer": "RMSprop"},
        "trains_above": 0.5,
    },
    OPTIMIZERS: {
        "title": "an optimizer for Fashion-MNIST",
        "dataset": "fashion_mnist", "settings_key": "fashion_optimizers",
        "model_file": "fashion_model.keras", "grading_file": "fashion_model.grading.keras",
        "threshold_from": ("fashion_adam", "val_accuracy"), "margin": 0.03,
        "architecture": {"input_shape": [28, 28], "hidden": [(100, "relu")], "batch_norm": 0,
                         "allowed": ["Flatten", "Dense"],
                         "loss": "sparse_categorical_crossentropy"},
        "trains_above": 0.5,
    },
    DEEP_CIFAR10: {
        "title": "a batch-normalised deep network on CIFAR-10",
        "dataset": "cifar10", "settings_key": "cifar10_deep",
        "model_file": "cifar10_model.keras", "grading_file": "cifar10_model.grading.keras",
        "threshold_from": ("cifar10_c_batchnorm", "val_accuracy"), "margin": 0.05,
        # Exercise 8(c): 20 hidden Dense(100) with ELU, batch normalisation for each.
        "architecture": {"input_shape": [32, 32, 3], "hidden": [(100, "elu")] * 20,
                         "batch_norm": 20, "kernel_initializer": "HeNormal",
                         "allowed": ["Flatten", "Dense", "BatchNormalization", "Activation"],
                         "optimizer": "Nadam", "learning_rate": 5e-4},
        "trains_above": 0.15,
    },
}
for _name, _spec in MODEL_ASSIGNMENTS.items():
    _spec["notebook"] = f"{_name}.ipynb"
    _spec["tests"] = _model_tests(_name, _spec["model_file"], _spec["grading_file"])
    # The grading run trains on the quick slices: CIFAR-10's takes about a minute.
    ASSIGNMENTS[_name] = {"notebook": _spec["notebook"], "tests": _spec["tests"],
                          "checks": "grader.checks.models", "limits": DEFAULT_LIMITS}
