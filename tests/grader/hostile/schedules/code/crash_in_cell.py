# ---
# case = "crash_in_cell"
# attack = """
# A crash in an answer cell: that cell's function is missing, the rest still runs, and
# the cell's error is reported."""
# points = 7  # of 8
# cell_errors = [{cell = "answer_scheduler_exp", error = "RuntimeError: not finished"}]  # the cell errors the gradebook records
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "defines no 'scheduler_exp'"
# ---
# %% answer_scheduler_exp
raise RuntimeError('not finished')
def scheduler_exp(epoch, lr):
    return lr
