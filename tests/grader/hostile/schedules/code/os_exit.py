# ---
# case = "os_exit"
# attack = """
# os._exit inside a function: the process ends mid-check; the check fails, the others
# run again."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_exponential_decay_fn = "before its checks finished"
# ---
# %% answer_exponential_decay_fn
import os
def exponential_decay_fn(epoch):
    os._exit(0)
