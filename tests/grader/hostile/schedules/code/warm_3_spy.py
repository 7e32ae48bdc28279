# ---
# case = "warm_3_spy"
# attack = """
# The warm process: graded after warm_0 to warm_2 by the same warm process, looks for
# every trace they tried to leave; its cell fails (a cell error) if it finds any.
# Unconfined (--sandbox none) it does find them. Full points, no cell error."""
# points = 8  # of 8: every test passes
# cell_errors = []  # the cell errors the gradebook records
# ---
# %% @setup

import builtins, os, socket, sys
import numpy, keras
found = []
mine = {1, os.getpid()}
others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in mine]
if others:
    found.append(f"processes {others}")
for folder in ("/tmp", "/dev/shm", ".", "/scratch"):
    for name in os.listdir(folder) if os.path.isdir(folder) else ():
        if "left" in name or folder == "/scratch" and name not in ("submission", "tmp", "shm"):
            found.append(f"{folder}/{name}")
if os.path.isdir("/inbox") and os.listdir("/inbox"):
    found.append("other submissions in /inbox")
probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    probe.connect("\0dlcourse-left-behind")
    found.append("the previous student's socket")
except OSError:
    pass
for where, obj in (("numpy", numpy), ("keras", keras), ("builtins", builtins)):
    if hasattr(obj, "left_behind"):
        found.append(f"a change to {where}")
if "left_behind" in sys.modules or "LEFT_BEHIND" in os.environ:
    found.append("a module or variable of the previous student")
if "left-behind" in open("/proc/keys").read():  # every key this process may see
    found.append("the previous student's key")
for kind in ("shm", "msg", "sem"):
    if len(open(f"/proc/sysvipc/{kind}").read().splitlines()) > 1:
        found.append(f"System V {kind}")
import ctypes
if ctypes.CDLL("librt.so.1").mq_open(b"/dlcourse-left-behind", os.O_RDONLY) >= 0:
    found.append("the previous student's message queue")
state = numpy.random.get_state()[1][:4].tolist()
numpy.random.seed(12345)
if numpy.random.get_state()[1][:4].tolist() == state:
    found.append("the previous student's random state")
assert not found, "left by an earlier submission: " + "; ".join(found)

