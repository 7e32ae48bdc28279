# ---
# case = "warm_0_keyring_store"
# attack = """
# The warm process a worker forks submissions from (grader/host/warm.py), first of the
# warm_* cases graded one after another by one warm process: stores its own answers in
# the kernel's keyrings (the user's and the session's), readable by the user id, for
# warm_4_keyring_read; the seccomp filter refuses add_key. Full points, no cell error."""
# points = 8  # of 8: every test passes
# cell_errors = []  # the cell errors the gradebook records
# ---
# %% @setup

import ctypes, errno
_libc = ctypes.CDLL(None, use_errno=True)
ADD_KEY, KEYCTL = 248, 250  # x86_64
USER, SESSION = -4, -3      # the user's and the session's keyring

import json
# Its own (correct) answers, stored where the kernel keeps them per user: every student
# of a grading worker runs as the same user id. The seccomp filter refuses add_key.
answers = "\n\n".join("".join(c["source"]) for c in json.load(open("schedules.ipynb"))["cells"]
                      if c.get("metadata", {}).get("nbgrader", {}).get("solution")).encode()
for ring in (USER, SESSION):
    key = _libc.syscall(ADD_KEY, b"user", b"dlcourse-answers", answers, len(answers), ring)
    print("add_key:", key if key >= 0 else errno.errorcode[ctypes.get_errno()])
    if key >= 0:  # readable by every process of the user id (KEYCTL_SETPERM)
        _libc.syscall(KEYCTL, 5, key, 0x3F3F3F3F)

