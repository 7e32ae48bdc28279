# ---
# case = "disk_hog_files"
# attack = """
# Quotas on what student code writes: 200,000 empty files, stopped by the tmpfs quota
# on files; the check fails with the quota's name."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_exponential_decay_fn = "quota of 2000 files"
# ---
# %% answer_exponential_decay_fn

import os
def exponential_decay_fn(epoch):
    os.makedirs("many", exist_ok=True)
    for i in range(200_000):
        open(f"many/{i}", "w").close()
    return 0.01 * 0.1 ** (epoch / 20)

