# ---
# case = "read_reference"
# attack = """
# Reads the course's reference code, its source file, the held-out data and the
# grader's config: none of it is in the sandbox."""
# points = 5  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "ModuleNotFoundError"
# test_exponential_decay_fn = "FileNotFoundError"
# test_piecewise_constant_fn = "FileNotFoundError"
# ---
# %% answer_scheduler_exp

import os
def scheduler_exp(epoch, lr):
    from dlcourse.schedules import scheduler_exp as reference   # the course's own answer
    return reference(epoch, lr)

def exponential_decay_fn(epoch):
    namespace = {}
    exec(open("@REPO@/dlcourse/schedules.py").read(), namespace)
    return namespace["exponential_decay"](0.01, 20)(epoch)

def piecewise_constant_fn(epoch):
    readable = []                             # held-out labels, the grader, hidden test points
    for path in ("@DATA@/mnist.npz", "@REPO@/grader/config.py",
                 "@REPO@/assignments/source/schedules/assignment.py"):
        try:
            open(path, "rb").read(10)
            readable.append(path)
        except FileNotFoundError:
            pass
    if not readable:
        raise FileNotFoundError("none of the grader's files is here")
    return 0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001

# %% answer_exponential_decay_fn
pass
# %% answer_piecewise_constant_fn
pass
