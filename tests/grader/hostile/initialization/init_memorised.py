# ---
# case = "init_memorised"
# attack = """
# The seed ignored, yet a call repeated in one process agrees with the first: an
# unseeded draw remembered per argument. The hidden part's repeated call comes from a
# fresh process."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_glorot_normal = "hidden tests: glorot_normal returned different weights for the same seed (when graded, the hidden tests make the second call in a fresh process"
# ---
# %% answer_glorot_normal

_drawn = {}
def glorot_normal(fan_in, fan_out, seed):
    # The seed ignored: an unseeded draw, remembered per argument, so a call repeated in
    # this process agrees with the first.
    key = (fan_in, fan_out, seed)
    if key not in _drawn:
        _drawn[key] = np.random.default_rng().normal(0.0, glorot_std(fan_in, fan_out), (fan_in, fan_out))
    return _drawn[key].copy()

