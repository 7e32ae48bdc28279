# ---
# case = "disk_hog_bytes"
# attack = """
# Quotas on what student code writes: 48 files of 60 MiB (each under the file-size
# limit), 2.8 GiB in all, stopped by the tmpfs quota on bytes; the check fails with
# the quota's name."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "quota of 256 MiB"
# ---
# %% answer_scheduler_exp

def scheduler_exp(epoch, lr):
    # 48 files of 60 MiB (each under the file-size limit): 2.8 GiB in all.
    block = b"x" * (60 * 2**20)
    for i in range(48):
        with open(f"hog-{i}.bin", "wb") as f:
            f.write(block)
    return lr

