# ---
# case = "init_nan_inf"
# attack = """
# NaN in the weights, infinite standard deviations."""
# points = 3  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "NaN or infinite"
# test_he_trains = "NaN or infinite"
# test_activation_stds = "standard deviation is inf"
# ---
# %% answer_he_normal
def he_normal(fan_in, fan_out, seed):
    w = np.random.default_rng(seed).normal(0.0, he_std(fan_in), (fan_in, fan_out))
    w[0, 0] = np.nan
    return w
# %% answer_activation_stds
def activation_stds(init, activation, widths, n=1000, seed=0):
    return [float('inf')] * (len(widths) - 1)
