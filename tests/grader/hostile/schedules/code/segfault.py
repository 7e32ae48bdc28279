# ---
# case = "segfault"
# attack = """
# A segfault: the process dies with SIGSEGV; the others run in a fresh one."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_piecewise_constant_fn = "SIGSEGV"
# ---
# %% answer_piecewise_constant_fn
import ctypes
def piecewise_constant_fn(epoch):
    return ctypes.string_at(0)
