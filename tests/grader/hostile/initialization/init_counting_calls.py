# ---
# case = "init_counting_calls"
# attack = """
# Other weights on every other call (the training check's repeated call among them):
# the same seed must give the same weights within each test."""
# points = 5  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "different weights for the same seed"
# test_he_trains = "different weights for the same seed"
# ---
# %% answer_he_normal

_calls = [0]
def he_normal(fan_in, fan_out, seed):
    # Right on odd calls, another draw on even ones: which call is which check's?
    _calls[0] += 1
    rng = np.random.default_rng(seed if _calls[0] % 2 else seed + 10**6)
    return rng.normal(0.0, he_std(fan_in), size=(fan_in, fan_out))

