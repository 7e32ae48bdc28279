# ---
# case = "tmp_hog_in_cell"
# attack = """
# A cell (not a test) that fills /tmp and /dev/shm: that cell fails with one cell
# error, the tests run. Full points."""
# points = 8  # of 8: every test passes
# cell_errors = [{error_contains = "RuntimeError: filled"}]  # the cell errors the gradebook records
# ---
# %% @setup

# A cell (not a test) that fills /tmp and /dev/shm: that cell fails, the tests run.
for where in ("/tmp", "/dev/shm"):
    try:
        with open(f"{where}/hog.bin", "wb") as f:
            for _ in range(400):
                f.write(b"x" * 2**20)
    except OSError as exc:
        print(where, "refused:", exc)
import os
for where in ("/tmp", "/dev/shm"):
    try:
        os.remove(f"{where}/hog.bin")
    except OSError:
        pass
raise RuntimeError("filled")

