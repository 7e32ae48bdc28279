# ---
# case = "string_numbers"
# attack = """
# Strings that parse as numbers are not numbers."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_piecewise_constant_fn = "returned str"
# ---
# %% answer_piecewise_constant_fn
def piecewise_constant_fn(epoch):
    return str(0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001)
