"""The "schedules" assignment: five learning-rate schedules, checked against references.

Each check calls the student's object at its ``visible`` inputs (the released
notebook's test cells) and its ``hidden`` ones (only the autograder's copy). This file
is the instructor's: nbgrader's release leaves it out.
"""
from dlcourse import schedules as ref
from grader.assignments.spec import Assignment, CodeTest
from grader.checks.schedules import (CallbackCheck, FunctionCheck,
                                     keras_cosine_decay_restarts, pointwise)
from grader.config import Limits

EXPONENTIAL_DECAY = {"lr0": 0.01, "s": 20}
PIECEWISE_CONSTANT = {"boundaries": [5, 15], "values": [0.01, 0.005, 0.001]}
COSINE_DECAY_RESTARTS = {"initial_learning_rate": 0.01, "first_decay_steps": 1000,
                         "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0}

scheduler_exp = FunctionCheck("scheduler_exp", {
    "visible": [(0, 0.01), (1, 0.01), (3, 0.002)],
    "hidden": [(0, 0.05), (0, 1e-4), (2, 0.05), (7, 0.3), (10, 1e-3), (50, 0.1), (100, 2.0)],
}, pointwise(ref.scheduler_exp))
exponential_decay_fn = FunctionCheck("exponential_decay_fn", {
    "visible": [0, 20, 40], "hidden": [1, 3, 7, 10, 13, 19, 21, 29, 55, 99, 150],
}, pointwise(ref.exponential_decay(**EXPONENTIAL_DECAY)))
piecewise_constant_fn = FunctionCheck("piecewise_constant_fn", {
    "visible": [0, 5, 15], "hidden": [1, 4, 6, 10, 14, 16, 20, 30, 100],
}, pointwise(ref.piecewise_constant(**PIECEWISE_CONSTANT)))
cosine_decay_restarts = FunctionCheck("cosine_decay_restarts", {
    "visible": [0, 500, 1000, 2000],
    "hidden": [1, 250, 999, 1001, 1500, 2999, 3000, 3001, 4500, 6999, 7000, 7001, 10000, 20000],
}, keras_cosine_decay_restarts(**COSINE_DECAY_RESTARTS))
# The 1cycle checks run a real fit on tiny random data (grader.checks.schedules.CallbackCheck).
one_cycle_default = CallbackCheck("one_cycle_default", {
    "visible": {"samples": 64, "features": 4, "batch_size": 8, "epochs": 3,
                "callback": {"iterations": 24, "max_rate": 0.05}},
    "hidden": {"samples": 70, "features": 3, "batch_size": 10, "epochs": 4,
               "callback": {"iterations": 28, "max_rate": 0.2}},
})
one_cycle_options = CallbackCheck("one_cycle_options", {
    "visible": {"samples": 64, "features": 4, "batch_size": 8, "epochs": 3,
                "callback": {"iterations": 24, "max_rate": 0.05, "start_rate": 0.01,
                             "last_iterations": 6, "last_rate": 1e-4}},
    "hidden": {"samples": 60, "features": 2, "batch_size": 6, "epochs": 4,
               "callback": {"iterations": 36, "max_rate": 0.1, "start_rate": 0.002,
                            "last_iterations": 9, "last_rate": 1e-5}},
})

ASSIGNMENT = Assignment(
    name="schedules",
    title="learning-rate schedules",
    tests={
        "test_scheduler_exp": CodeTest(scheduler_exp, "scheduler_exp",
                                       "`scheduler_exp(epoch, lr)`"),
        "test_exponential_decay_fn": CodeTest(exponential_decay_fn, "exponential_decay_fn",
                                              "`exponential_decay_fn(epoch)`"),
        "test_piecewise_constant_fn": CodeTest(piecewise_constant_fn, "piecewise_constant_fn",
                                               "`piecewise_constant_fn(epoch)`"),
        "test_cosine_decay_restarts": CodeTest(cosine_decay_restarts, "cosine_decay_restarts",
                                               "`cosine_decay_restarts(step)`"),
        "test_one_cycle_default": CodeTest(one_cycle_default, "OneCycleScheduler",
                                           "`OneCycleScheduler` with its default settings, "
                                           "in a real fit"),
        "test_one_cycle_options": CodeTest(one_cycle_options, "OneCycleScheduler",
                                           "`OneCycleScheduler` with `start_rate`, "
                                           "`last_iterations`, `last_rate` given"),
    },
    # Pure functions and a 1cycle fit on tiny data: seconds each, once Keras is imported.
    limits=Limits(timeout_s=180, memory_bytes=4 * 2**30, file_size_bytes=64 * 2**20,
                  disk_bytes=256 * 2**20, submission_bytes=32 * 2**20),
    # The notebook's rule "compute it with math, do not call the Keras schedule" holds
    # where Keras is not installed.
    isolated={"test_cosine_decay_restarts": ("numpy",)},
    isolation_note="this test runs where Keras is not installed (only Python's standard "
                   "library and NumPy): compute the rate with math, not with the Keras schedule",
)
