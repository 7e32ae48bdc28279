# ---
# case = "write_outside"
# attack = """
# Writes to the gradebook, another submission, its own submitted folder, the grader,
# /tmp of the machine: read-only or absent in the sandbox (the batch checks that none
# changed). Its functions are right: full points."""
# points = 8  # of 8: every test passes
# ---
# %% @setup

import os, glob
targets = ["@OUT@/gradebook.json", "@OUT@/feedback/zz_correct.txt",
           "@SUBMITTED@/zz_correct/schedules/schedules.ipynb",
           "@SUBMITTED@/write_outside/schedules/schedules.ipynb",
           "@REPO@/grader/config.py", "@REPO@/assignments/source/schedules/assignment.py",
           "/tmp/hostile-was-here"]
for path in targets + glob.glob("/tmp/grading-*/submission/schedules.ipynb"):
    try:
        with open(path, "a") as f:
            f.write("overwritten")
        print("wrote", path)
    except OSError as exc:
        print("refused", path, type(exc).__name__)

