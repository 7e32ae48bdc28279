# ---
# case = "loop_forever"
# attack = """
# A function that never returns: interrupted by the per-call alarm (CALL_TIMEOUT_S)."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "did not finish within"
# ---
# %% answer_scheduler_exp
def scheduler_exp(epoch, lr):
    while True:
        pass
