# ---
# case = "nan_inf"
# attack = """
# NaN and infinity for answers: reported as such."""
# points = 5  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_piecewise_constant_fn = "returned nan"
# test_cosine_decay_restarts = "returned inf"
# ---
# %% answer_piecewise_constant_fn
def piecewise_constant_fn(epoch):
    return float('nan')
# %% answer_cosine_decay_restarts
def cosine_decay_restarts(step):
    return float('inf')
