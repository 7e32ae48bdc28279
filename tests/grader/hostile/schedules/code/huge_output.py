# ---
# case = "huge_output"
# attack = """
# Huge output: RLIMIT_FSIZE on the output file; Python gets "File too large"."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_piecewise_constant_fn = "File too large"
# ---
# %% answer_piecewise_constant_fn
def piecewise_constant_fn(epoch):
    while True:
        print('x' * 100_000)
