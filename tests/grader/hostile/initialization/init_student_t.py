# ---
# case = "init_student_t"
# attack = """
# Heavy tails: Student's t with 3 degrees of freedom, rescaled (the deep stacks of
# activation_stds feel them too)."""
# points = 3  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "lie within one standard deviation of 0"
# test_he_trains = "lie within one standard deviation of 0"
# test_activation_stds = "hidden tests: activation_stds is wrong"
# ---
# %% answer_he_normal

def he_normal(fan_in, fan_out, seed):
    # Student's t with 3 degrees of freedom (variance 3), rescaled to He's standard deviation.
    t = np.random.default_rng(seed).standard_t(3, size=(fan_in, fan_out))
    return t / np.sqrt(3.0) * he_std(fan_in)

