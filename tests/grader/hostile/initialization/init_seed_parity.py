# ---
# case = "init_seed_parity"
# attack = """
# The seed used only mod 2: two odd seeds give one stream, at whatever shapes."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_glorot_normal = "hidden tests: glorot_normal returned the same or related weights for different seeds"
# ---
# %% answer_glorot_normal

def glorot_normal(fan_in, fan_out, seed):
    return np.random.default_rng(seed % 2).normal(0.0, glorot_std(fan_in, fan_out), (fan_in, fan_out))

