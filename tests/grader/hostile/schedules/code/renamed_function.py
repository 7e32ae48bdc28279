# ---
# case = "renamed_function"
# attack = """
# A renamed function: the notebook defines no scheduler_exp."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "defines no 'scheduler_exp'"
# ---
# %% answer_scheduler_exp
def scheduler_exponential(epoch, lr):
    return lr
