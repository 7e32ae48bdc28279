# ---
# case = "sys_exit"
# attack = """
# sys.exit inside a function: SystemExit is caught like any error."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_exponential_decay_fn = "SystemExit"
# ---
# %% answer_exponential_decay_fn
import sys
def exponential_decay_fn(epoch):
    sys.exit(0)
