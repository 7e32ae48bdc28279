# ---
# case = "init_process_salt"
# attack = """
# The seed ignored, yet a call repeated in one process agrees with the first: a salt
# drawn once per process. The hidden part's repeated call comes from a fresh process."""
# points = 5  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "hidden tests: he_normal returned different weights for the same seed (when graded"
# test_he_trains = "hidden tests: he_normal returned different weights for the same seed (when graded"
# ---
# %% answer_he_normal

import os
_salt = int.from_bytes(os.urandom(4), "little")  # one per process
def he_normal(fan_in, fan_out, seed):
    return np.random.default_rng([seed, _salt]).normal(0.0, he_std(fan_in), (fan_in, fan_out))

