# ---
# case = "init_string_array"
# attack = """
# Nested lists of strings: not an array of numbers."""
# points = 3  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "not of real numbers"
# test_he_trains = "not of real numbers"
# test_activation_stds = "activation_stds raised"
# ---
# %% answer_he_normal
def he_normal(fan_in, fan_out, seed):
    return [['0.1'] * fan_out for _ in range(fan_in)]
