# ---
# case = "init_four_points"
# attack = """
# Not a normal distribution, though its mean, standard deviation and share within one
# standard deviation are N(0, s^2)'s: the Kolmogorov-Smirnov test
# (grader/checks/initialization.py)."""
# points = 5  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "he_normal(100, 100, 0): the weights are not distributed as N(0, std²)"
# test_he_trains = "he_normal(784, 100, 11): the weights are not distributed as N(0, std²)"
# ---
# %% answer_he_normal

def he_normal(fan_in, fan_out, seed):
    # Four values, +-0.5 and +-1.617 standard deviations, in the shares that give the
    # mean, the standard deviation and the share within one standard deviation of N(0, s^2).
    p = 0.6826894921370859
    rng = np.random.default_rng(seed)
    values = rng.choice([0.5, -0.5, 1.617, -1.617], size=(fan_in, fan_out),
                        p=[p / 2, p / 2, (1 - p) / 2, (1 - p) / 2])
    return values * he_std(fan_in)

