# ---
# case = "init_huge_line"
# attack = """
# The probe patched to send a 13 MB result: the runner drops the line (grader/host/run.py),
# the call fails when the process's time is up (the batch's --timeout, 30 s); the
# other tests are untouched."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "ran past 30 s"
# ---
# %% @setup
import numpy as np

import grader.inside.probes as _probes
_array = _probes.array
def _inflated(value, call, max_size):
    # The probe's own size bound bypassed: one result becomes a 13 MB JSON line.
    out = _array(value, call, max_size)
    if call.startswith("he_normal(100, 100, 1)"):
        out["values"] = out["values"] * 60
    return out
_probes.array = _inflated

