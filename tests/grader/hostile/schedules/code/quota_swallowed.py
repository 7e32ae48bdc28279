# ---
# case = "quota_swallowed"
# attack = """
# Fills /tmp until it refuses (files under the file-size limit), swallows the error
# and answers right: the check fails all the same, saying it reached the quota."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_piecewise_constant_fn = "reached the quota"
# ---
# %% answer_piecewise_constant_fn

def piecewise_constant_fn(epoch):
    # Fill /tmp until it refuses (files under the file-size limit), swallow the error,
    # and answer right.
    try:
        for i in range(100):
            with open(f"/tmp/fill-{i}.bin", "wb") as f:
                for _ in range(60):
                    f.write(b"x" * 2**20)
    except OSError:
        pass
    return 0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001

