# ---
# case = "alarm_ignored"
# attack = """
# A function that ignores the alarm and never returns: the process's wall-clock limit
# (the batch's --timeout, 60 s) kills the whole group; the remaining checks run in a
# fresh process."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "ran past 60 s"
# ---
# %% answer_scheduler_exp
import signal
def scheduler_exp(epoch, lr):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass
