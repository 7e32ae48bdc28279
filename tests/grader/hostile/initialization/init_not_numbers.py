# ---
# case = "init_not_numbers"
# attack = """
# A string for a number, a dict for an array (and activation_stds, which uses it,
# fails)."""
# points = 4  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_glorot_std = "returned str"
# test_glorot_normal = "returned dict"
# test_activation_stds = "activation_stds raised"
# ---
# %% answer_glorot_std
def glorot_std(fan_in, fan_out):
    return str(np.sqrt(2 / (fan_in + fan_out)))
# %% answer_glorot_normal
def glorot_normal(fan_in, fan_out, seed):
    return {'weights': [[0.1] * fan_out] * fan_in}
