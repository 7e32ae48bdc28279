# ---
# case = "init_huge_array"
# attack = """
# An array of 10^12 elements (a broadcast view: no memory), refused by its size before
# anything is copied (grader/inside/probes.py)."""
# points = 3  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "more than the 131072 it may"
# test_he_trains = "more than the 131072 it may"
# test_activation_stds = "activation_stds raised ValueError"
# ---
# %% answer_he_normal
def he_normal(fan_in, fan_out, seed):
    return np.broadcast_to(np.float64(0.1), (10**6, 10**6))
