# ---
# case = "warm_1_leave_behind"
# attack = """
# The warm process: leaves all it can behind for the next student (processes that
# outlive it, an abstract socket, files in /tmp, /dev/shm and its folder, changed
# modules, builtins and environment, the random state, keyring keys, System V IPC, a
# POSIX queue), for warm_3_spy to find. Full points, no cell error."""
# points = 8  # of 8: every test passes
# cell_errors = []  # the cell errors the gradebook records
# ---
# %% @setup

import builtins, os, socket, subprocess, sys, time
import numpy, keras
# Processes that outlive the notebook: a daemon (double fork, new session) and a child.
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(@LINGER@)
        os._exit(0)
    os._exit(0)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(@LINGER@)"], start_new_session=True)
# A listening abstract socket, files in /tmp, /dev/shm and the working folder.
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind("\0dlcourse-left-behind")
listener.listen(1)
for path in ("/tmp/left-behind", "/dev/shm/left-behind", "left-behind"):
    open(path, "w").write("secret of the previous student")
# The modules the warm process imported, builtins, the environment.
numpy.left_behind = keras.left_behind = builtins.left_behind = True
sys.modules["left_behind"] = numpy
os.environ["LEFT_BEHIND"] = "1"
numpy.random.seed(12345)
# What the kernel keeps beside the filesystem: a key in each keyring, System V shared
# memory, a message queue and semaphores, a POSIX message queue (each refused by the
# seccomp filter; the spy looks for them all the same).
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
for ring in (-4, -3):
    _libc.syscall(248, b"user", b"dlcourse-left-behind", b"secret", 6, ring)
for call in (_libc.shmget, _libc.msgget, _libc.semget):
    call(4242, *((4096,) if call is _libc.shmget else ()), *((1,) if call is _libc.semget else ()),
         0o1000 | 0o666)
ctypes.CDLL("librt.so.1").mq_open(b"/dlcourse-left-behind", os.O_CREAT | os.O_RDWR, 0o666, None)

