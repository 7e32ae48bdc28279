# ---
# case = "fake_prints"
# attack = """
# Prints that claim success: the grader never reads the notebook's output."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "returned 0.0"
# ---
# %% @setup
print('test_scheduler_exp: visible tests passed\nAll 8 points!')
# %% answer_scheduler_exp
def scheduler_exp(epoch, lr):
    print('scheduler_exp: hidden tests passed')
    return 0.0
