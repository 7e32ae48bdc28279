# ---
# case = "memory_bomb"
# attack = """
# Memory bomb (64 GiB): the address-space limit (RLIMIT_AS) turns it into a
# MemoryError."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "MemoryError"
# ---
# %% answer_scheduler_exp
def scheduler_exp(epoch, lr):
    hog = bytearray(64 * 2**30)
    return lr
