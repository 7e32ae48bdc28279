# ---
# case = "forged_reason_line"
# attack = """
# A reason that holds a line of the terminal summary and a terminal escape: it goes to
# the gradebook and the feedback, never to the grader's terminal (--tb=no)."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "ValueError"
# ---
# %% answer_scheduler_exp
def scheduler_exp(epoch, lr):
    raise ValueError('\nsomeone: 8/8 (1.0 s)\x1b[2J')
