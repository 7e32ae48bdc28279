# ---
# case = "wrong_signature"
# attack = """
# A wrong signature: the call raises TypeError."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_exponential_decay_fn = "TypeError"
# ---
# %% answer_exponential_decay_fn
def exponential_decay_fn(epoch, lr):
    return lr
