# ---
# case = "init_rounded"
# attack = """
# Weights rounded to 0.1."""
# points = 5  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "he_normal(100, 100, 0): 71.5% of the weights"
# test_he_trains = "the weights' standard deviation is 0.05765"
# ---
# %% answer_he_normal

def he_normal(fan_in, fan_out, seed):
    w = np.random.default_rng(seed).normal(0.0, he_std(fan_in), (fan_in, fan_out))
    return np.round(w, 1)

