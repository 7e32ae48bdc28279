# ---
# case = "fork_bomb"
# attack = """
# Fork bomb: RLIMIT_NPROC for the sandbox's own user stops it; the PID namespace takes
# every child down with the sandbox. Its cell checks that the bomb was refused (a cell
# error if not); its functions are right: full points."""
# points = 8  # of 8: every test passes
# cell_errors = []  # the cell errors the gradebook records
# ---
# %% @setup

import subprocess, sys
# A small interpreter that forks until the kernel refuses (each child sleeps), then
# tidies up; the notebook's own process then goes on to be graded as usual.
BOMB = """
import os, signal, time
children = []
try:
    while len(children) < 100_000:
        pid = os.fork()
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        children.append(pid)
except OSError as exc:
    print(f"fork refused after {len(children)} children: {exc}")
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
assert len(children) < 1000, "the fork bomb was not stopped"
"""
done = subprocess.run([sys.executable, "-c", BOMB], capture_output=True, text=True, timeout=100)
assert done.returncode == 0 and "fork refused" in done.stdout, done.stdout + done.stderr[-500:]

