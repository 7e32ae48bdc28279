# ---
# case = "leak_in_hidden"
# attack = """
# A hidden input in an exception's message, in a class's name, in the exit status: a
# hidden part's reason holds none of the student's text (the instructor's log keeps
# it)."""
# points = 5  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "hidden tests: failed (your code raised ValueError)"
# test_exponential_decay_fn = "hidden tests: failed (your code raised an exception of its own class, a kind of Exception)"
# test_piecewise_constant_fn = "hidden tests: failed (the submission's process ended"
# ---
# %% answer_scheduler_exp

import math, os, json
VISIBLE = [(0, 0.01), (1, 0.01), (3, 0.002)]
def scheduler_exp(epoch, lr):
    if (epoch, lr) in VISIBLE:
        return lr if epoch == 0 else lr * math.exp(-1)
    raise ValueError(f"LEAK epoch={epoch} lr={lr}")       # a hidden input, in the message
def exponential_decay_fn(epoch):
    if epoch in (0, 20, 40):
        return 0.01 * 0.1 ** (epoch / 20)
    raise type(f"LEAK_{epoch}", (Exception,), {})()       # ... in a class's name
def piecewise_constant_fn(epoch):
    if epoch in (0, 5, 15):
        return 0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001
    os._exit(epoch % 256)                                 # ... in the exit status

# %% answer_exponential_decay_fn
pass
# %% answer_piecewise_constant_fn
pass
