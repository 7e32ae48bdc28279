# ---
# case = "warm_4_keyring_read"
# attack = """
# The warm process: its answers are stubs; it reads back the answers
# warm_0_keyring_store put in the keyrings and runs them. Refused by the seccomp
# filter, so every function is missing. Unconfined, in a keyring session of its own,
# it does get full points (the attack is real). No cell error."""
# points = 0  # of 8
# cell_errors = []  # the cell errors the gradebook records
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "defines no 'scheduler_exp'"
# test_exponential_decay_fn = "defines no 'exponential_decay_fn'"
# test_piecewise_constant_fn = "defines no 'piecewise_constant_fn'"
# test_cosine_decay_restarts = "defines no 'cosine_decay_restarts'"
# test_one_cycle_default = "defines no 'OneCycleScheduler'"
# test_one_cycle_options = "defines no 'OneCycleScheduler'"
# ---
# %% @setup

import ctypes, errno
_libc = ctypes.CDLL(None, use_errno=True)
ADD_KEY, KEYCTL = 248, 250  # x86_64
USER, SESSION = -4, -3      # the user's and the session's keyring

# Stubs for answers, and the code of an earlier student read back from the keyrings.
_libc.syscall.restype = ctypes.c_long
for ring in (USER, SESSION):
    key = _libc.syscall(KEYCTL, 10, ring, b"user", b"dlcourse-answers", 0)  # KEYCTL_SEARCH
    if key < 0:
        print("keyctl search:", errno.errorcode[ctypes.get_errno()])
        continue
    buffer = ctypes.create_string_buffer(1 << 16)
    size = _libc.syscall(KEYCTL, 11, key, buffer, len(buffer))  # KEYCTL_READ
    if size > 0:
        exec(buffer.raw[:size].decode())
        break

# %% answer_scheduler_exp
pass
# %% answer_exponential_decay_fn
pass
# %% answer_piecewise_constant_fn
pass
# %% answer_cosine_decay_restarts
pass
# %% answer_one_cycle
pass
