# ---
# case = "warm_2_attack"
# attack = """
# The warm process: kills every process it can name and writes to every process's
# memory, and looks for the warm process's socket among its descriptors. Its PID
# namespace holds only itself and its reaper (which ignores signals from inside and
# holds no capability); the warm process is not in it; the socket is not in its
# filesystem. Full points, no cell error."""
# points = 8  # of 8: every test passes
# cell_errors = []  # the cell errors the gradebook records
# ---
# %% @setup

import os, signal
# Kill every process it can name, read and write every process's memory: its PID
# namespace holds only itself and its reaper (PID 1), which ignores signals from inside
# and holds no capability; the warm process is not in it at all. (Its own threads are
# spared: a signal to one ends the whole process, as it would outside any sandbox.)
mine = {os.getpid(), *map(int, os.listdir("/proc/self/task"))}
for pid in range(1, 4096):
    if pid in mine:
        continue
    for sig in (signal.SIGKILL, signal.SIGSTOP):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    for name in ("mem", "environ", "maps"):
        try:
            with open(f"/proc/{pid}/{name}", "rb+") as f:
                f.write(b"x")
        except OSError:
            pass
# The socket the warm process listens on is not in its filesystem (a socket pair).
for fd in range(3, 256):
    try:
        os.fstat(fd)
    except OSError:
        continue
    if os.path.islink(f"/proc/self/fd/{fd}") and "socket" in os.readlink(f"/proc/self/fd/{fd}"):
        raise AssertionError(f"descriptor {fd} is a socket")

