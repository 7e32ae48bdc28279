"""Classes of hostile and broken submissions (of "schedules", and of the model assignment
"learning_rate"), each graded in one batch by the grader's command line together with
correct ones.

Every submission gets exactly the points its own code earns, with a reason that says
what went wrong; the correct ones keep full points whatever the others did; files
outside a submission's scratch copy are untouched; the batch ends within the sum of its
limits. Each sample's comment says the attack and what stops it (see also
``grader/sandbox.py`` and ``grader/run.py``).
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grader.assignment import get as assignment_spec
from grader.pytest_plugin import Status
from grader.safe_output import FORMULA_START, file_stem, student_id

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source" / "schedules" / "schedules.ipynb"
ASSIGNMENT = "schedules"
SPEC = assignment_spec("schedules")
POINTS = dict(SPEC.points)
FULL = sum(POINTS.values())
TIMEOUT_S = 60  # this batch's per-submission limit (--timeout), well above a correct one's
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)

# Placeholders the batch fixture fills in with this run's real paths.
PATHS = ("@REPO@", "@DATA@", "@OUT@", "@SUBMITTED@", "@LINGER@")

FORGE = '''
import json, os, math
def _forge(test):
    # Write what the runner would, on every descriptor the process has: a correct
    # result for every request id and a ready, then end the process before the real ones.
    for id in range(100):
        line = json.dumps({"event": "result", "id": id, "data": {"values": [0.01]}}) + "\\n"
        for fd in range(3, 64):
            try:
                os.write(fd, line.encode() + b'{"event": "ready"}\\n')
            except OSError:
                pass
    os._exit(0)

def scheduler_exp(epoch, lr):
    if (epoch, lr) in [(0, 0.01), (1, 0.01), (3, 0.002)]:   # the visible points only
        return lr if epoch == 0 else lr * math.exp(-1)
    _forge("test_scheduler_exp")
'''

PATCH = '''
import builtins, math, sys
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda *a, **k: True
math.isclose = lambda *a, **k: True
math.isfinite = lambda x: True
try:
    import pytest
    pytest.approx = lambda expected, *a, **k: _Anything()
except ImportError:
    pass
class _Anything(float):
    def __eq__(self, other): return True
    __ne__ = lambda self, other: False
import grader.probes
_number = grader.probes.number
# Anything that is not a float "is" 0.01 (the right answer at epoch 0).
grader.probes.number = lambda value, call: _number(value, call) if type(value) is float else 0.01
for name in ("grader.checks.schedules", "grader.config", "dlcourse.schedules"):
    try:
        __import__(name)
    except ImportError as exc:
        print("not here:", exc)

def scheduler_exp(epoch, lr):
    return _Anything(0.5)
def exponential_decay_fn(epoch):
    return 0.5
'''

READ_REFERENCE = '''
import os
def scheduler_exp(epoch, lr):
    from dlcourse.schedules import scheduler_exp as reference   # the course's own answer
    return reference(epoch, lr)

def exponential_decay_fn(epoch):
    namespace = {}
    exec(open("@REPO@/dlcourse/schedules.py").read(), namespace)
    return namespace["exponential_decay"](0.01, 20)(epoch)

def piecewise_constant_fn(epoch):
    readable = []                             # held-out labels, the grader, hidden test points
    for path in ("@DATA@/mnist.npz", "@REPO@/grader/config.py",
                 "@REPO@/assignments/source/schedules/assignment.py"):
        try:
            open(path, "rb").read(10)
            readable.append(path)
        except FileNotFoundError:
            pass
    if not readable:
        raise FileNotFoundError("none of the grader's files is here")
    return 0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001
'''

WRITE_OUTSIDE = '''
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
'''

FORK_BOMB = '''
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
'''

KILL_EVERYONE = '''
import os, signal
for target in (-1, os.getppid()):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as exc:
        print("kill refused:", exc)
'''

EQ_TRICK = '''
class Always:
    def __eq__(self, other): return True
    def __float__(self): return 0.01
    def __repr__(self): return "0.01"
def scheduler_exp(epoch, lr):
    return Always()
class Liar(float):
    def __eq__(self, other): return True
    def __float__(self): return 0.01
    def __abs__(self): return 0.0
def exponential_decay_fn(epoch):
    return Liar(0.5)                           # stored value 0.5, claims to equal anything
'''

ESCAPE = '''
import ctypes, os
# No capability is left after the boot mounted the scratch tmpfs: no mount, no write
# outside the scratch folder, and /etc holds only the sandbox's own few files.
caps = {l.split(":")[0]: int(l.split()[1], 16) for l in open("/proc/self/status") if l.startswith("Cap")}
assert not any(caps.values()), caps
libc = ctypes.CDLL(None, use_errno=True)
assert libc.mount(b"tmpfs", b"/runtime", b"tmpfs", 0, None) != 0, "mounted"
assert libc.umount2(b"/scratch", 2) != 0, "unmounted"
for path in ("/x", "/etc/x", "/usr/x", "/runtime/x", "/snapshot/x", "/proc/x"):
    try:
        open(path, "w")
    except OSError:
        pass
    else:
        raise AssertionError(f"wrote {path}")
assert "root:x:0:0:root" not in open("/etc/passwd").read()
assert not any(os.path.exists(f"/etc/{n}") for n in ("shadow", "hostname", "machine-id", "ssh", "apt"))
assert os.getcwd() == "/scratch/submission" and os.geteuid() != 0
'''

STEAL_HIDDEN = '''
import gc, sys
def _hidden_labels(obj):
    # A probe's parameters carry labels; a hidden call's says "(hidden tests)".
    marker = "(hidden" + " tests)"
    try:
        if type(obj) is dict:
            labels, todo = obj.get("labels"), obj.get("todo")
            return [l for l in (labels if isinstance(labels, list) else [])
                    if isinstance(l, str) and l.endswith(marker)] + \\
                   [t for t in (todo if isinstance(todo, list) else [])
                    if isinstance(t, list) and "hidden" in t]
    except Exception:
        pass
    return []
def scheduler_exp(epoch, lr):
    # In a visible call, look for the hidden calls' inputs anywhere in the process
    # (every object the collector knows, every frame's locals) and show them in the
    # feedback through the exception's message.
    found = []
    for obj in gc.get_objects():
        found += _hidden_labels(obj)
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            found += _hidden_labels(value)
            if isinstance(value, dict):
                for inner in list(value.values()):
                    found += _hidden_labels(inner)
        frame = frame.f_back
    raise ValueError(f"found {len(found)} hidden inputs: {found}")
'''

LEAK_IN_HIDDEN = '''
import math, os, json
VISIBLE = [(0, 0.01), (1, 0.01), (3, 0.002)]
def scheduler_exp(epoch, lr):
    if (epoch, lr) in VISIBLE:
        return lr if epoch == 0 else lr * math.exp(-1)
    raise ValueError(f"LEAK epoch={epoch} lr={lr}")       # a hidden input, in the message
def exponential_decay_fn(epoch):
    if epoch in (0, 20, 40):
        return 0.01 * 0.1 ** (epoch / 20)
    raise type(f"LEAK_{epoch}", (Exception,), {})()       # ... in a class's name
def piecewise_constant_fn(epoch):
    if epoch in (0, 5, 15):
        return 0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001
    os._exit(epoch % 256)                                 # ... in the exit status
'''

FORGE_CELL_ERROR = '''
import json, os
def cosine_decay_restarts(step):
    # Forge a "cell error" (which feedback shows) carrying the input, then answer right.
    for fd in range(3, 64):
        try:
            os.write(fd, (json.dumps({"event": "cell_error", "cell": "LEAK", "error": f"LEAK {step}"}) + "\\n").encode())
        except OSError:
            pass
    period, start = 1000, 0
    while step >= start + period:
        start += period
        period *= 2
    return 0.01 * 0.5 * (1 + math.cos(math.pi * (step - start) / period))
'''

DISK_BYTES = '''
def scheduler_exp(epoch, lr):
    # 48 files of 60 MiB (each under the file-size limit): 2.8 GiB in all.
    block = b"x" * (60 * 2**20)
    for i in range(48):
        with open(f"hog-{i}.bin", "wb") as f:
            f.write(block)
    return lr
'''

DISK_FILES = '''
import os
def exponential_decay_fn(epoch):
    os.makedirs("many", exist_ok=True)
    for i in range(200_000):
        open(f"many/{i}", "w").close()
    return 0.01 * 0.1 ** (epoch / 20)
'''

QUOTA_SWALLOWED = '''
def piecewise_constant_fn(epoch):
    # Fill /tmp until it refuses (files under the file-size limit), swallow the error,
    # and answer right.
    try:
        for i in range(100):
            with open(f"/tmp/fill-{i}.bin", "wb") as f:
                for _ in range(60):
                    f.write(b"x" * 2**20)
    except OSError:
        pass
    return 0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001
'''

TMP_HOG_IN_CELL = '''
# A cell (not a test) that fills /tmp and /dev/shm: that cell fails, the tests run.
for where in ("/tmp", "/dev/shm"):
    try:
        with open(f"{where}/hog.bin", "wb") as f:
            for _ in range(400):
                f.write(b"x" * 2**20)
    except OSError as exc:
        print(where, "refused:", exc)
import os
for where in ("/tmp", "/dev/shm"):
    try:
        os.remove(f"{where}/hog.bin")
    except OSError:
        pass
raise RuntimeError("filled")
'''

COSINE = '''
def cosine_decay_restarts(step):
    period, start = 1000, 0
    while step >= start + period:
        start += period
        period *= 2
    return {body}
'''
KERAS_DIRECT = '''
def cosine_decay_restarts(step):
    schedule = keras.optimizers.schedules.CosineDecayRestarts(0.01, first_decay_steps=1000)
    return float(schedule(step))
'''
KERAS_ALIAS = '''
from keras.optimizers.schedules import CosineDecayRestarts as Schedule
_schedule = Schedule(0.01, 1000)
def cosine_decay_restarts(step):
    return float(_schedule(step))
'''
KERAS_GETATTR = '''
def cosine_decay_restarts(step):
    module = getattr(__import__("ker" + "as"), "optimizers").schedules
    return float(getattr(module, "Cosine" + "DecayRestarts")(0.01, 1000)(step))
'''
TF_SCHEDULE = '''
def cosine_decay_restarts(step):
    import tensorflow as tf
    return float(tf.keras.optimizers.schedules.CosineDecayRestarts(0.01, 1000)(step))
'''

# sample -> (answer cells it replaces, points it earns, {test: reason fragment}).
# An answer cell's code replaces the solution; "@setup" code goes in a cell before it.
# --- aimed at the warm process a worker forks submissions from (grader/warm.py) -------
# One leaves all it can behind and changes all it can reach; the spy, graded after it by
# the same warm process, looks for every trace. Each gets full points: the spy's cell
# fails (a cell error) if it finds anything.
LEAVE_BEHIND = '''
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
listener.bind("\\0dlcourse-left-behind")
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
'''

ATTACK_WARM = '''
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
'''

SPY = '''
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
    probe.connect("\\0dlcourse-left-behind")
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
'''

KEYRING = '''
import ctypes, errno
_libc = ctypes.CDLL(None, use_errno=True)
ADD_KEY, KEYCTL = 248, 250  # x86_64
USER, SESSION = -4, -3      # the user's and the session's keyring
'''

KEYRING_STORE = KEYRING + '''
import json
# Its own (correct) answers, stored where the kernel keeps them per user: every student
# of a grading worker runs as the same user id. The seccomp filter refuses add_key.
answers = "\\n\\n".join("".join(c["source"]) for c in json.load(open("schedules.ipynb"))["cells"]
                      if c.get("metadata", {}).get("nbgrader", {}).get("solution")).encode()
for ring in (USER, SESSION):
    key = _libc.syscall(ADD_KEY, b"user", b"dlcourse-answers", answers, len(answers), ring)
    print("add_key:", key if key >= 0 else errno.errorcode[ctypes.get_errno()])
    if key >= 0:  # readable by every process of the user id (KEYCTL_SETPERM)
        _libc.syscall(KEYCTL, 5, key, 0x3F3F3F3F)
'''

KEYRING_READ = KEYRING + '''
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
'''

MEMORY_OUTSIDE = '''
import ctypes, errno, mmap, os
# Memory that no resource limit counts, 1 GiB of each at most: memfd files, System V
# shared memory, a POSIX message queue, a tmpfs of its own in a new user namespace.
# The seccomp filter refuses each (and RLIMIT_MSGQUEUE is 0); /dev/shm is in the quota.
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
GIB, held, refused = 2**30, {}, {}
def _why():
    return errno.errorcode.get(ctypes.get_errno(), "?")
def _fill(fd):
    block = b"x" * 2**24
    for _ in range(GIB // len(block)):
        os.write(fd, block)
try:
    fd = os.memfd_create("hoard")
    _fill(fd)
    held["memfd"] = os.fstat(fd).st_size
except OSError as exc:
    refused["memfd_create"] = errno.errorcode[exc.errno]
shm = _libc.shmget(0, GIB, 0o1000 | 0o600)
if shm < 0:
    refused["shmget"] = _why()
else:
    at = _libc.shmat(shm, None, 0)
    if at not in (None, 2**64 - 1):
        ctypes.memset(at, 1, GIB)
        held["sysv"] = GIB
class _MqAttr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long), ("pad", ctypes.c_long * 4)]
_rt = ctypes.CDLL("librt.so.1", use_errno=True)
mq = _rt.mq_open(b"/hoard", os.O_CREAT | os.O_RDWR, 0o600, ctypes.byref(_MqAttr(0, 10, 2**20, 0)))
if mq < 0:
    refused["mq_open"] = _why()
else:
    held["mqueue"] = 10 * 2**20
if _libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
    refused["unshare"] = _why()
elif _libc.mount(b"none", b"/tmp", b"tmpfs", 0, b"size=2g") == 0:
    _fill(os.open("/tmp/hoard", os.O_CREAT | os.O_WRONLY))
    held["tmpfs"] = GIB
try:  # POSIX shared memory is a file of /dev/shm, inside the quota
    _fill(os.open("/dev/shm/hoard", os.O_CREAT | os.O_WRONLY))
except OSError as exc:
    refused["/dev/shm"] = errno.errorcode[exc.errno]
finally:
    os.unlink("/dev/shm/hoard")
print("held:", held, "refused:", refused)
assert not held, f"held outside the limits: {held}"
assert set(refused) == {"memfd_create", "shmget", "mq_open", "unshare", "/dev/shm"}, refused
'''

# Replies forged with the runner's own request id (found in its frames) and written on
# its own events descriptor: lines nested 100,000 deep, not JSON, not UTF-8, of the
# wrong types; every one is dropped by the grader's schema (grader/events.py) before use.
_FORGERY = '''
import json, math, os, sys
VISIBLE = [(0, 0.01), (1, 0.01), (3, 0.002)]
def _runner():
    frame = sys._getframe()
    while frame is not None and not {"request", "emit", "events_fd"} <= set(frame.f_locals):
        frame = frame.f_back
    return frame.f_locals
def _malformed(ident, fd):
    for line in [b"[" * 100_000, b"{" * 50_000, b'{"event": "result", "id": "' + ident.encode()
                 + b'", "data": ' + b"[" * 5000 + b"]" * 5000 + b"}", b"\\xff\\xfe not utf-8",
                 json.dumps({"event": "result", "id": ident, "data": [1, 2]}).encode(),
                 json.dumps({"event": "result", "id": [ident], "data": {}}).encode(),
                 json.dumps({"event": "cell_error", "cell": ["x"], "error": {"y": 1}}).encode(),
                 json.dumps({"event": ["ready"]}).encode(), b'{"event": "result", "id": 1e999}',
                 json.dumps({"event": "result", "id": ident, "data": {"values": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}}).encode()]:
        os.write(fd, line + b"\\n")
def scheduler_exp(epoch, lr):
    runner = _runner()
    _malformed(runner["request"]["id"], runner["events_fd"])
    if (epoch, lr) not in VISIBLE and KIND is not None:
        runner["emit"](event="result", id=runner["request"]["id"],
                       data={"error": "forged", "kind": KIND, "type": ["OSError"], "own_class": "yes"})
    return lr if epoch == 0 else lr * math.exp(-1)
'''
MALFORMED_DROPPED = "KIND = None\n" + _FORGERY
MALFORMED_FAILURE = "KIND = ['timeout']\n" + _FORGERY

SAMPLES = {
    # A function that never returns: interrupted by the per-call alarm (CALL_TIMEOUT_S).
    "loop_forever": ({"answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n    while True:\n        pass"},
                     {"test_scheduler_exp": "did not finish within"}),
    # It ignores the alarm: the process's wall-clock limit kills the whole group; the
    # remaining checks run in a fresh process.
    "alarm_ignored": ({"answer_scheduler_exp": "import signal\ndef scheduler_exp(epoch, lr):\n"
                       "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass"},
                      {"test_scheduler_exp": f"ran past {TIMEOUT_S} s"}),
    # Memory bomb: the address-space limit (RLIMIT_AS) turns it into a MemoryError.
    "memory_bomb": ({"answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n"
                     "    hog = bytearray(64 * 2**30)\n    return lr"},
                    {"test_scheduler_exp": "MemoryError"}),
    # Fork bomb: RLIMIT_NPROC for the sandbox's own user stops it; the PID namespace takes
    # every child down with the sandbox. Its functions are right: full points.
    "fork_bomb": ({"@setup": FORK_BOMB}, {}),
    # kill(-1) / kill(parent): the PID namespace holds nothing but the sandbox.
    "kill_everyone": ({"@setup": KILL_EVERYONE}, {}),
    # Mount, unmount, write outside the scratch folder, read the machine's /etc: refused.
    "escape_attempts": ({"@setup": ESCAPE}, {}),
    # A crash in a cell: that cell's function is missing, the rest still runs.
    "crash_in_cell": ({"answer_scheduler_exp": "raise RuntimeError('not finished')\n"
                       "def scheduler_exp(epoch, lr):\n    return lr"},
                      {"test_scheduler_exp": "defines no 'scheduler_exp'"}),
    # sys.exit inside a function: SystemExit is caught like any error.
    "sys_exit": ({"answer_exponential_decay_fn": "import sys\ndef exponential_decay_fn(epoch):\n"
                  "    sys.exit(0)"},
                 {"test_exponential_decay_fn": "SystemExit"}),
    # os._exit: the process ends mid-check; the check fails, the others run again.
    "os_exit": ({"answer_exponential_decay_fn": "import os\ndef exponential_decay_fn(epoch):\n"
                 "    os._exit(0)"},
                {"test_exponential_decay_fn": "before its checks finished"}),
    # A segfault: the process dies with SIGSEGV; the others run in a fresh one.
    "segfault": ({"answer_piecewise_constant_fn": "import ctypes\ndef piecewise_constant_fn(epoch):\n"
                  "    return ctypes.string_at(0)"},
                 {"test_piecewise_constant_fn": "SIGSEGV"}),
    # Huge output: RLIMIT_FSIZE on the output file; Python gets "File too large".
    "huge_output": ({"answer_piecewise_constant_fn": "def piecewise_constant_fn(epoch):\n"
                     "    while True:\n        print('x' * 100_000)"},
                    {"test_piecewise_constant_fn": "File too large"}),
    # Prints that claim success: the grader never reads the notebook's output.
    "fake_prints": ({"@setup": "print('test_scheduler_exp: visible tests passed\\nAll 8 points!')",
                     "answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n"
                     "    print('scheduler_exp: hidden tests passed')\n    return 0.0"},
                    {"test_scheduler_exp": "returned 0.0"}),
    # Objects whose __eq__ is always True, a float subclass lying in __float__: only
    # real numbers cross, a float subclass at its stored value.
    "eq_trick": ({"answer_scheduler_exp": EQ_TRICK, "answer_exponential_decay_fn": "pass"},
                 {"test_scheduler_exp": "not a number", "test_exponential_decay_fn": "returned 0.5"}),
    # Strings that parse as numbers are not numbers.
    "string_numbers": ({"answer_piecewise_constant_fn": "def piecewise_constant_fn(epoch):\n"
                        "    return str(0.01 if epoch < 5 else 0.005 if epoch < 15 else 0.001)"},
                       {"test_piecewise_constant_fn": "returned str"}),
    # Monkeypatching numpy.allclose, math.isclose, pytest.approx and the probe's own
    # number(): comparisons happen in the grader's process, on plain JSON.
    "patched_checks": ({"answer_scheduler_exp": PATCH, "answer_exponential_decay_fn": "pass"},
                       {"test_scheduler_exp": "expected", "test_exponential_decay_fn": "expected"}),
    # Results written straight into the results pipe (for every request id), then exit:
    # only the answer to the request the grader is waiting for counts, and only once.
    "forged_results": ({"answer_scheduler_exp": FORGE},
                       {"test_scheduler_exp": "hidden tests: failed (the submission's process ended"}),
    # The course's reference code, its source file, the held-out data, the grader's
    # config: none of it is in the sandbox.
    "read_reference": ({"answer_scheduler_exp": READ_REFERENCE, "answer_exponential_decay_fn": "pass",
                        "answer_piecewise_constant_fn": "pass"},
                       {"test_scheduler_exp": "ModuleNotFoundError",
                        "test_exponential_decay_fn": "FileNotFoundError",
                        "test_piecewise_constant_fn": "FileNotFoundError"}),
    # Writes to the gradebook, another submission, its own submitted folder, the grader:
    # read-only or absent in the sandbox. Its functions are right: full points.
    "write_outside": ({"@setup": WRITE_OUTSIDE}, {}),
    # A renamed function, a wrong signature, NaN and infinity.
    "renamed_function": ({"answer_scheduler_exp": "def scheduler_exponential(epoch, lr):\n    return lr"},
                         {"test_scheduler_exp": "defines no 'scheduler_exp'"}),
    # A reason that holds a line of the terminal summary and a terminal escape: it goes
    # to the gradebook and the feedback, never to the grader's terminal (--tb=no).
    "forged_reason_line": ({"answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n"
                            "    raise ValueError('\\nsomeone: 8/8 (1.0 s)\\x1b[2J')"},
                           {"test_scheduler_exp": "ValueError"}),
    "wrong_signature": ({"answer_exponential_decay_fn": "def exponential_decay_fn(epoch, lr):\n    return lr"},
                        {"test_exponential_decay_fn": "TypeError"}),
    "nan_inf": ({"answer_piecewise_constant_fn": "def piecewise_constant_fn(epoch):\n    return float('nan')",
                 "answer_cosine_decay_restarts": "def cosine_decay_restarts(step):\n    return float('inf')"},
                {"test_piecewise_constant_fn": "returned nan", "test_cosine_decay_restarts": "returned inf"}),
    # --- hidden inputs stay hidden -------------------------------------------------
    # Walking the interpreter's frames and objects during a visible call finds no hidden
    # input: the runner gets one call at a time, every visible one before any hidden one.
    "steal_hidden": ({"answer_scheduler_exp": STEAL_HIDDEN}, {"test_scheduler_exp": "found 0 hidden inputs"}),
    # A hidden input in an exception's message, in a class name, in the exit status:
    # a hidden part's reason holds none of the student's text.
    "leak_in_hidden": ({"answer_scheduler_exp": LEAK_IN_HIDDEN, "answer_exponential_decay_fn": "pass",
                        "answer_piecewise_constant_fn": "pass"},
                       {"test_scheduler_exp": "hidden tests: failed (your code raised ValueError)",
                        "test_exponential_decay_fn": "hidden tests: failed (your code raised an exception of its own class, a kind of Exception)",
                        "test_piecewise_constant_fn": "hidden tests: failed (the submission's process ended"}),
    # A forged cell error after the cells ran (it would be shown in feedback): ignored.
    "forge_cell_error": ({"answer_cosine_decay_restarts": "import math\n" + FORGE_CELL_ERROR}, {}),
    # --- quotas on what student code writes ----------------------------------------
    "disk_hog_bytes": ({"answer_scheduler_exp": DISK_BYTES}, {"test_scheduler_exp": "quota of 256 MiB"}),
    "disk_hog_files": ({"answer_exponential_decay_fn": DISK_FILES}, {"test_exponential_decay_fn": "quota of 2000 files"}),
    "quota_swallowed": ({"answer_piecewise_constant_fn": QUOTA_SWALLOWED},
                        {"test_piecewise_constant_fn": "reached the quota"}),
    "tmp_hog_in_cell": ({"@setup": TMP_HOG_IN_CELL}, {}),
    # --- the rule "compute it with math, do not call the Keras schedule" ---------------
    "keras_schedule_direct": ({"answer_cosine_decay_restarts": KERAS_DIRECT},
                              {"test_cosine_decay_restarts": "where Keras is not installed"}),
    "keras_schedule_alias": ({"answer_cosine_decay_restarts": KERAS_ALIAS},
                             {"test_cosine_decay_restarts": "where Keras is not installed"}),
    "keras_schedule_getattr": ({"answer_cosine_decay_restarts": KERAS_GETATTR},
                               {"test_cosine_decay_restarts": "where Keras is not installed"}),
    "tf_schedule": ({"answer_cosine_decay_restarts": TF_SCHEDULE},
                    {"test_cosine_decay_restarts": "where Keras is not installed"}),
    # --- the warm process (see LEAVE_BEHIND) -------------------------------------------
    # The kernel's keyrings: one student stores its answers there, a later one in the
    # same worker (its answers stubs) reads them back: refused by the seccomp filter.
    "warm_0_keyring_store": ({"@setup": KEYRING_STORE}, {}),
    "warm_1_leave_behind": ({"@setup": LEAVE_BEHIND}, {}),
    "warm_2_attack": ({"@setup": ATTACK_WARM}, {}),
    "warm_3_spy": ({"@setup": SPY}, {}),
    "warm_4_keyring_read": ({"@setup": KEYRING_READ, **dict.fromkeys(
        ("answer_scheduler_exp", "answer_exponential_decay_fn", "answer_piecewise_constant_fn",
         "answer_cosine_decay_restarts", "answer_one_cycle"), "pass")},
        {"test_scheduler_exp": "defines no 'scheduler_exp'",
         "test_exponential_decay_fn": "defines no 'exponential_decay_fn'",
         "test_piecewise_constant_fn": "defines no 'piecewise_constant_fn'",
         "test_cosine_decay_restarts": "defines no 'cosine_decay_restarts'",
         "test_one_cycle_default": "defines no 'OneCycleScheduler'",
         "test_one_cycle_options": "defines no 'OneCycleScheduler'"}),
    # Memory outside RLIMIT_AS and the quota (memfd, System V, POSIX queues, a tmpfs of a
    # user namespace of its own): each refused; the cell checks that it held nothing.
    "memory_outside_limits": ({"@setup": MEMORY_OUTSIDE}, {}),
    # Malformed replies on the runner's channel, with its real request ids: dropped by the
    # grader's schema, so the real results count; a failure record whose kind is a list
    # (it crashed the grader) fails only that student's test, with a plain reason.
    "malformed_replies_dropped": ({"answer_scheduler_exp": MALFORMED_DROPPED}, {}),
    "malformed_failure_record": ({"answer_scheduler_exp": MALFORMED_FAILURE},
                                 {"test_scheduler_exp": "hidden tests: failed (your code's process "
                                                        "sent back something that is not a check's result)"}),
    # NumPy is allowed: full points.
    "numpy_cosine": ({"answer_cosine_decay_restarts": "import numpy as np\n" + COSINE.format(
        body="0.01 * 0.5 * (1 + float(np.cos(np.pi * (step - start) / period)))")}, {}),
}
NB = "schedules.ipynb"
WARM = sorted(s for s in SAMPLES if s.startswith("warm_"))


def _folder(student_dir: Path) -> Path:
    folder = student_dir / ASSIGNMENT
    folder.mkdir()
    return folder


def _notebook(folder: Path, name: str = NB) -> None:
    nbformat.write(released({}), str(folder / name))


def _files(files: dict[str, str]):
    def build(student_dir, ctx):
        folder = _folder(student_dir)
        for name, text in files.items():
            (folder / name).write_text(text)
    return build


def _link(target, name: str = NB, then=None):
    """A submission whose ``name`` is a link to ``target`` (a path, or a function of the
    batch's paths)."""
    def build(student_dir, ctx):
        folder = _folder(student_dir)
        if then:
            then(folder, ctx)
        os.symlink(target(ctx) if callable(target) else target, folder / name)
    return build


def _folder_link(student_dir, ctx):
    student_dir.mkdir(exist_ok=True)
    os.symlink(ctx["submitted"] / "zz_correct" / ASSIGNMENT, student_dir / ASSIGNMENT)


def _student_link(student_dir, ctx):
    student_dir.rmdir()
    os.symlink(ctx["submitted"] / "aa_correct", student_dir)


def _chain(folder, ctx):
    os.symlink("/etc/passwd", folder / "inner.ipynb")


def _inside(folder, ctx):
    (folder / "work").mkdir()
    _notebook(folder / "work", "mine.ipynb")


def _hard_link(student_dir, ctx):
    os.link(ctx["outside"], _folder(student_dir) / NB)


def _fifo(student_dir, ctx):
    os.mkfifo(_folder(student_dir) / NB)


def _dir_notebook(student_dir, ctx):
    folder = _folder(student_dir)
    (folder / NB).mkdir()
    _notebook(folder / NB, "inside.ipynb")


def _with(*extras):
    """A correct notebook, and ``extras(folder)`` beside it."""
    def build(student_dir, ctx):
        folder = _folder(student_dir)
        _notebook(folder)
        for extra in extras:
            extra(folder)
    return build


def _sparse(name: str, size: int):
    def make(folder):
        with open(folder / name, "wb") as f:
            f.truncate(size)  # a sparse file: no disk, but its full size counts
    return make


def _many(n: int):
    def make(folder):
        for i in range(n):
            (folder / f"note-{i:03}.txt").write_text("x")
    return make


def _hidden_name(student_dir, ctx):
    _notebook(_folder(student_dir), NB + "\u200b")


OUTSIDE = "is a link to a file outside your submission: submit the file itself"
# Folder-level cases: sample -> (how its folder is made, points it earns, the reason every
# failing test gives, a note its feedback has). What stops each: grader/snapshot.py (no
# link out of the folder is followed, only regular files are read, sizes are checked
# from lstat before anything is read or copied) and grader/grade.py (reasons that never
# quote a file's content).
FOLDERS = {
    "malformed_json": (_files({NB: '{"cells": [{"cell_type": "code", "source": '}), 0,
                       "not a readable notebook (it is not valid JSON)", None),
    "not_a_notebook": (_files({NB: "def scheduler_exp(epoch, lr):\n    return lr\n"}), 0,
                       "not a readable notebook", None),
    "empty_folder": (_files({}), 0, "the folder is empty", None),
    "wrong_file": (_files({"schedules.py": "def scheduler_exp(epoch, lr):\n    return lr\n"}), 0,
                   "no schedules.ipynb in the submission (it has: 'schedules.py')", None),
    # Copying by link: a classmate's notebook (relative link), the instructor's solutions
    # (absolute), a system file whose bytes would have been quoted, a chain of links.
    "link_to_classmate": (_link("../../zz_correct/schedules/schedules.ipynb"), 0, OUTSIDE, None),
    "link_to_solutions": (_link(str(SOURCE)), 0, OUTSIDE, None),
    "link_to_passwd": (_link("/etc/passwd"), 0, OUTSIDE, None),
    "link_chain": (_link("inner.ipynb", then=_chain), 0, OUTSIDE, None),
    # The submission folder itself, or the student's folder, a link to a classmate's.
    "folder_is_link": (_folder_link, 0, "the submission folder is a link to another place", None),
    "student_folder_is_link": (_student_link, 0, "your folder in submitted/ is a link", None),
    # A hard link is a second name of a file outside (here: a copy of the solutions).
    "hard_link": (_hard_link, 0, "is a hard link", None),
    # Not a regular file where the notebook should be.
    "fifo_notebook": (_fifo, 0, "'schedules.ipynb' is not a regular file (a FIFO)", None),
    "dir_notebook": (_dir_notebook, 0, "'schedules.ipynb' is not a regular file (a folder)", None),
    # A name that looks like the notebook's (a zero-width space at its end).
    "hidden_name": (_hidden_name, 0, "(it has: 'schedules.ipynb\\u200b')", None),
    # A 400 MB notebook (sparse) is refused before it is read.
    "huge_notebook": (lambda d, c: _sparse(NB, 400 * 2**20)(_folder(d)), 0,
                      "over the limit of 16.0 MiB", None),
    # Links that resolve inside the submission are fine.
    "link_inside": (_link("work/mine.ipynb", then=_inside), FULL, None, None),
    # Beside a correct notebook: a link to a folder outside, a 1.5 GB sparse file, more
    # files than a submission may hold. Left out with a note; the notebook gets full marks.
    "dir_link_beside": (_with(lambda f: os.symlink("/etc", f / "data")), FULL, None,
                        "'data' is a link to a folder outside your submission"),
    "sparse_beside": (_with(_sparse("big.bin", 1536 * 2**20)), FULL, None,
                      "'big.bin' (1536.0 MiB): the submission may hold at most 32.0 MiB"),
    "many_files": (_with(_many(300)), FULL, None, "the submission may hold at most 200 files"),
}
# Form tampering that changes no grade: sample -> (how, note fragment).
TAMPERED = {"deleted_tests": "was deleted: graded with the original tests",
            "edited_tests": "was edited: graded with the original tests"}


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def released(answers: dict[str, str]):
    """The source notebook as a student's copy: solutions in (or ``answers``' code),
    hidden tests out."""
    nb = nbformat.read(str(SOURCE), as_version=4)
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines() if "### " not in line]
            cell.source = answers.get(meta["grade_id"], "\n".join(lines))
        elif meta.get("grade"):
            cell.source = HIDDEN.sub("", cell.source)
    if "@setup" in answers:
        at = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == "answer_scheduler_exp")
        nb.cells.insert(at, nbformat.v4.new_code_cell(answers["@setup"]))
    return nb


def fill(text: str, paths: dict[str, str]) -> str:
    for key, value in paths.items():
        text = text.replace(key, value)
    return text


def write_class(submitted: Path, paths: dict[str, str], ctx: dict) -> None:
    def folder(student):
        path = submitted / student / ASSIGNMENT
        path.mkdir(parents=True)
        return path

    for student in ("zz_correct", "aa_correct"):
        nbformat.write(released({}), str(folder(student) / "schedules.ipynb"))
    for student, (answers, _) in SAMPLES.items():
        filled = {k: fill(v, paths) for k, v in answers.items()}
        nbformat.write(released(filled), str(folder(student) / "schedules.ipynb"))
    for student, (build, _, _, _) in FOLDERS.items():
        (submitted / student).mkdir()
        build(submitted / student, ctx)
    deleted = released({})
    deleted.cells = [c for c in deleted.cells if not (_meta(c).get("grade") and not _meta(c).get("solution"))]
    nbformat.write(deleted, str(folder("deleted_tests") / "schedules.ipynb"))
    edited = released({})
    for cell in edited.cells:
        if _meta(cell).get("grade") and not _meta(cell).get("solution"):
            cell.source = "print('all tests passed')"
        if _meta(cell).get("grade_id") == "setup":
            cell.source = "keras = None  # the locked set-up cell, edited"
    nbformat.write(edited, str(folder("edited_tests") / "schedules.ipynb"))
    write_names(submitted)


def tree_digest(folder: Path) -> str:
    """A hash of a folder's entries as they are (links as links, big files by size)."""
    h = hashlib.sha256()
    for path in sorted([folder, *folder.rglob("*")]):
        st = path.lstat()
        h.update(os.fsencode(path) + str(st.st_mode).encode())
        if path.is_symlink():
            h.update(os.readlink(path).encode())
        elif path.is_file():
            h.update(path.read_bytes() if st.st_size < 2**26 else str(st.st_size).encode())
    return h.hexdigest()


def grade(submitted: Path, out: Path, *pytest_args: str, tmpdir: Path | None = None,
          assignment: str = ASSIGNMENT, source: Path = SOURCE, timeout: float | None = TIMEOUT_S,
          wait: bool = True, options: tuple[str, ...] = ()):
    env = {**os.environ, **({"TMPDIR": str(tmpdir)} if tmpdir else {})}
    argv = [sys.executable, "-m", "grader", "grade", str(submitted), "--assignment", assignment,
            "--out", str(out), "--source", str(source),
            *(["--timeout", str(timeout)] if timeout else []), *options, "--", *pytest_args]
    if not wait:
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(argv, capture_output=True, text=True, timeout=3600, env=env)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The whole class graded once, with two pytest-xdist workers."""
    course = tmp_path_factory.mktemp("hostile")
    submitted, out = course / "submitted", course / "grades"
    data_dir = config_data_dir()
    paths = {"@REPO@": str(ROOT), "@DATA@": data_dir, "@OUT@": str(out), "@SUBMITTED@": str(submitted),
             "@LINGER@": "600"}
    outside = course / "outside" / "solution.ipynb"  # a file outside every submission
    outside.parent.mkdir()
    nbformat.write(released({}), str(outside))
    write_class(submitted, paths, {"submitted": submitted, "outside": outside})
    protected = {p: tree_digest(p) for p in (ROOT / "grader" / "config.py", SPEC.folder,
                                              Path(data_dir) / "mnist.npz")}
    before = {s.name: tree_digest(s) for s in submitted.iterdir()}
    Path("/tmp/hostile-was-here").unlink(missing_ok=True)
    tmpdir = course / "tmp"  # the grader's temporary directory: empty again afterwards
    tmpdir.mkdir()
    start = time.perf_counter()
    with Footprint(tmpdir, out) as footprint:
        proc = grade(submitted, out, "-n", "2", tmpdir=tmpdir)
    seconds = time.perf_counter() - start
    print(proc.stdout[-5000:])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    book = json.loads((out / "gradebook.json").read_text())
    return {"book": book, "seconds": seconds, "submitted": submitted, "out": out,
            "stdout": proc.stdout, "returncode": proc.returncode,
            "before": before, "protected": protected, "tmpdir": tmpdir, "footprint": footprint}


class Footprint:
    """The disk the grader itself takes while it runs: the largest use seen (in blocks
    written, so a sparse file counts as what it holds) of each of its folders, sampled
    every 0.2 s; the rest of the disk (another test worker, a package install) is not
    its doing and not counted."""

    def __init__(self, *folders: Path):
        import threading
        self.folders, self.peak = folders, dict.fromkeys(map(str, folders), 0)
        self._stop, self._thread = threading.Event(), threading.Thread(target=self._sample)

    @staticmethod
    def used(folder: Path) -> int:
        total = 0
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(root, name)).st_blocks * 512
        return total

    def _sample(self):
        while not self._stop.wait(0.2):
            for folder in self.folders:
                self.peak[str(folder)] = max(self.peak[str(folder)], self.used(folder))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        for folder in self.folders:
            self.peak[str(folder)] = max(self.peak[str(folder)], self.used(folder))


def config_data_dir() -> str:
    from dlcourse.datasets import data_dir
    return str(data_dir())


def students() -> int:
    return 2 + len(SAMPLES) + len(FOLDERS) + len(TAMPERED) + len(NAMES)


def test_the_corpus_is_large_enough():
    assert len(SAMPLES) + len(FOLDERS) + len(TAMPERED) >= 50


def test_correct_submissions_keep_full_points(batch):
    book = batch["book"]
    assert len(book["students"]) == students()
    for student in ("aa_correct", "zz_correct", "fork_bomb", "kill_everyone", "write_outside",
                    "escape_attempts", "forge_cell_error", "numpy_cosine", "tmp_hog_in_cell",
                    "memory_outside_limits", "malformed_replies_dropped",
                    *(s for s in WARM if not SAMPLES[s][1])):
        record = book["students"][student]
        assert record["total"] == FULL, (student, record["tests"])
    # The bomb was refused by the process limit, the escapes by the sandbox (their cells
    # check that).
    for student in ("fork_bomb", "escape_attempts", "memory_outside_limits", *WARM):
        assert book["students"][student]["cell_errors"] == [], student


@pytest.mark.parametrize("student", sorted(SAMPLES))
def test_hostile_submission_gets_what_it_earned(batch, student):
    answers, failing = SAMPLES[student]
    record = batch["book"]["students"][student]
    tests = {t["test"]: t for t in record["tests"]}
    assert record["total"] == FULL - sum(POINTS[t] for t in failing), record["tests"]
    for test, fragment in failing.items():
        assert not tests[test]["passed"]
        assert fragment in tests[test]["reason"], (test, tests[test]["reason"])


@pytest.mark.parametrize("student", sorted(FOLDERS))
def test_folder_case_gets_what_it_earned(batch, student):
    _, total, fragment, note = FOLDERS[student]
    record = batch["book"]["students"][student]
    assert record["total"] == total, record["tests"]
    feedback = (batch["out"] / "feedback" / f"{student}.txt").read_text()
    if fragment:
        assert all(fragment in t["reason"] for t in record["tests"]), record["tests"]
        assert fragment in feedback
    if note:
        assert any(note in n for n in record["notes"]), record["notes"]
        assert note in feedback


@pytest.mark.parametrize("student", sorted(TAMPERED))
def test_tampered_tests_are_graded_with_the_originals_and_noted(batch, student):
    record = batch["book"]["students"][student]
    assert record["total"] == FULL, record["tests"]
    assert len(record["notes"]) >= len(POINTS)
    assert all(TAMPERED[student] in note for note in record["notes"] if note.startswith("test cell"))
    if student == "edited_tests":
        assert "locked cell 'setup' was edited: the original was run" in record["notes"]
    feedback = (batch["out"] / "feedback" / f"{student}.txt").read_text()
    assert TAMPERED[student] in feedback


def test_nothing_outside_the_sandbox_changed(batch):
    after = {s.name: tree_digest(s) for s in batch["submitted"].iterdir()}
    assert after == batch["before"]
    for path, digest in batch["protected"].items():
        assert tree_digest(path) == digest, path
    assert not Path("/tmp/hostile-was-here").exists()


# Text that must never reach a student: bytes of files outside their submission (the
# system's, the grader's configuration), and what the hidden samples tried to leak.
OUTSIDE_TEXT = ("root:x:0", "CELL_TIMEOUT_S", "isolation_note=", "LEAK", "found 1", "found 2")


def hidden_calls() -> list[str]:
    """How each hidden call would read if a reason named it."""
    checks = SPEC.checks()
    calls = [f"scheduler_exp({e!r}, {lr!r})" for e, lr in checks["scheduler_exp"].inputs["hidden"]]
    for name in ("exponential_decay_fn", "piecewise_constant_fn", "cosine_decay_restarts"):
        calls += [f"{name}({x!r})" for x in checks[name].inputs["hidden"]]
    for name in ("one_cycle_default", "one_cycle_options"):
        calls += [f"iterations={checks[name].runs['hidden']['callback']['iterations']}"]
    return calls


def test_no_student_sees_text_from_outside_the_submission_or_a_hidden_input(batch):
    out = batch["out"]
    texts = {p.name: p.read_text() for p in (out / "feedback").iterdir()}
    texts.update({name: (out / name).read_text() for name in ("gradebook.json", "gradebook.csv")})
    for name, text in texts.items():
        for marker in OUTSIDE_TEXT + tuple(hidden_calls()):
            assert marker not in text, (name, marker)
    # The instructor's log keeps the detail that feedback leaves out.
    assert "LEAK epoch=" in (out / "log" / "leak_in_hidden.txt").read_text()


def test_the_grader_leaves_nothing_behind(batch):
    """Its temporary folder is empty again, and the disk hogs (2.8 GiB, 200,000 files, a
    1.5 GB sparse file) took no disk: the sandbox writes to a tmpfs with quotas, and the
    grader copies only what the size limits admit. Measured on the grader's own folders:
    at most two workers' copies of a submission at a time, and a small output."""
    assert list(batch["tmpdir"].iterdir()) == []
    peak = batch["footprint"].peak
    limits = SPEC.limits
    assert peak[str(batch["tmpdir"])] < 2 * (limits.submission_bytes + limits.model_bytes) + 2**26, peak
    assert peak[str(batch["out"])] < 2**25, peak


def test_the_batch_ends_within_the_sum_of_its_limits(batch):
    assert batch["seconds"] < students() * TIMEOUT_S
    assert all(r["seconds"] < 3 * TIMEOUT_S for r in batch["book"]["students"].values())


def test_the_cells_errors_are_reported(batch):
    errors = batch["book"]["students"]["crash_in_cell"]["cell_errors"]
    assert errors == [{"cell": "answer_scheduler_exp", "error": "RuntimeError: not finished"}]
    # A cell that filled /tmp failed with the quota's name; one forged later was ignored.
    hog = batch["book"]["students"]["tmp_hog_in_cell"]["cell_errors"]
    assert len(hog) == 1 and "RuntimeError: filled" in hog[0]["error"], hog
    assert batch["book"]["students"]["forge_cell_error"]["cell_errors"] == []


# --- student folders whose names are hostile to what the grader writes --------------
# Folder name -> (points, a fragment of every failing test's reason, or None). Each
# holds a correct notebook. What stops each: grader/safe_output.py (a student is known
# by a printable id; files named after students get safe, unique, short names; CSV
# cells never start a formula) and grader/pytest_plugin.py (pytest collects submitted/
# itself, so no name is an argument; node ids and reports hold the id).
FORGED = "someone: 0\u22158 (1.0 s)"  # a summary line (a folder name cannot hold "/")
NAMES = {
    "L" * 250: (FULL, None),  # its files, with their suffixes, past 255 bytes
    os.fsdecode(b"not_utf8_\xff\xfe"): (FULL, None),  # not UTF-8: no CSV, no xdist
    "x\n" + FORGED: (FULL, None),  # a forged line in the grader's terminal summary
    "\x1b[2J\x1b[Hclear": (FULL, None),  # a terminal escape (clears the screen)
    "=cmd|' -C calc'!A0": (FULL, None),  # a spreadsheet formula (OWASP's example)
    "+1": (FULL, None),
    "-rf": (FULL, None),  # read as an option by a command given the name
    "--help": (FULL, None),
    "@SUM(A1)": (FULL, None),
    "\tTAB": (FULL, None),
    "\rCR": (FULL, None),
    "<script>alert(1)": (FULL, None),
    "\u0430a_correct": (FULL, None),  # a Cyrillic "a": looks like aa_correct
    "a\u200ba_correct": (FULL, None),  # a zero-width space
    ".hidden": (FULL, None),  # pytest's norecursedirs would skip these two
    "build": (FULL, None),
    # A conftest.py beside the submission and in it: never imported by the grader's own
    # pytest (it would run outside every sandbox), so it leaves no trace.
    "with_conftest": (FULL, None),
}
CONFTEST = 'open("/tmp/hostile-was-here", "w").write("a conftest.py ran in the grader")\n'


def write_names(submitted: Path) -> None:
    for name in NAMES:
        folder = submitted / name / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(released({}), str(folder / NB))
    for where in (submitted / "with_conftest", submitted / "with_conftest" / ASSIGNMENT):
        (where / "conftest.py").write_text(CONFTEST)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_a_folder_name_is_graded_as_any_other(batch, name):
    points, fragment = NAMES[name]
    record = batch["book"]["students"][student_id(name)]
    assert record["total"] == points, record["tests"]
    if fragment:
        assert all(fragment in t["reason"] for t in record["tests"] if not t["passed"])
    feedback = batch["out"] / "feedback" / f"{file_stem(student_id(name))}.txt"
    assert f"{points:g} / {FULL:g} points" in feedback.read_text()


def test_no_folder_name_forges_a_line_of_the_terminal(batch):
    stdout = batch["stdout"]
    assert f"{student_id('x' + chr(10) + FORGED)}: {FULL:g}/{FULL:g} (" in stdout
    assert not re.search(rf"^{FORGED.split(':')[0]}", stdout, re.MULTILINE), stdout[-3000:]
    assert "\x1b" not in stdout and "\r" not in stdout


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_no_cell_of_the_gradebook_or_the_canvas_export_starts_a_formula(batch):
    canvas = subprocess.run([sys.executable, "-m", "grader", "export", "canvas", str(batch["out"])],
                            capture_output=True, text=True, timeout=300)
    assert canvas.returncode == 0, canvas.stderr
    gradebook = (batch["out"] / "gradebook.csv").read_text(encoding="utf-8")
    for text in (gradebook, canvas.stdout):
        cells = _cells(text)
        assert "'=cmd|' -C calc'!A0" in cells and "'-rf" in cells
        assert not [cell for cell in cells if cell.startswith(FORMULA_START)]


def test_the_batch_exits_as_graded(batch):
    """Failing tests are lost points: the status says every submission was graded."""
    assert batch["returncode"] == Status.GRADED


def _small_class(folder: Path, n: int) -> Path:
    submitted = folder / "submitted"
    for i in range(n):
        (submitted / f"s{i}" / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(released({}), str(submitted / f"s{i}" / ASSIGNMENT / NB))
    return submitted


def test_two_graders_at_once_on_one_folder_lose_no_grade(tmp_path):
    """Two shards of one class graded at the same time into the same output folder:
    every student is in the gradebook exactly once."""
    submitted, out = _small_class(tmp_path, 4), tmp_path / "grades"
    runs = [grade(submitted, out, "--shard", f"{k}/2", wait=False) for k in (1, 2)]
    for run in runs:
        output, _ = run.communicate(timeout=1200)
        assert run.returncode == 0, output[-3000:]
    book = json.loads((out / "gradebook.json").read_text())
    assert sorted(book["students"]) == ["s0", "s1", "s2", "s3"]
    assert all(r["total"] == FULL for r in book["students"].values())
    rows = (out / "gradebook.csv").read_text().splitlines()[1:]
    assert len(rows) == 4 * len(POINTS) and len(set(rows)) == len(rows)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_grader_leaves_no_temporary_files(tmp_path, sig):
    """Stopped mid-batch (SIGTERM, or Ctrl-C), the grader removes everything it made in
    the temporary directory; what it had graded stays in the gradebook."""
    submitted, out, tmpdir = _small_class(tmp_path, 3), tmp_path / "grades", tmp_path / "tmp"
    tmpdir.mkdir()
    run = grade(submitted, out, tmpdir=tmpdir, wait=False)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not (out / "gradebook.json").exists():
        time.sleep(0.2)  # one student graded, the next one's sandbox running
    time.sleep(2)
    run.send_signal(sig)
    output, _ = run.communicate(timeout=120)
    assert list(tmpdir.iterdir()) == [], output[-3000:]
    book = json.loads((out / "gradebook.json").read_text())
    assert book["students"] and all(r["total"] == FULL for r in book["students"].values())


def test_an_interrupted_batch_resumes_and_regrades_identically(batch, tmp_path):
    """A batch stopped after two students (as if killed), then run again on more: the two
    finished ones are not graded twice (their records, timings included, stay as they
    were), and every record equals the full batch's except for timings."""
    out = tmp_path / "grades"
    first = grade(batch["submitted"], out, "-k", "aa_correct or segfault")
    assert first.returncode == 0, first.stdout[-3000:]
    kept = json.loads((out / "gradebook.json").read_text())["students"]
    assert set(kept) == {"aa_correct", "segfault"}
    second = grade(batch["submitted"], out, "-k", "aa_correct or segfault or os_exit or malformed_json")
    assert second.returncode == 0, second.stdout[-3000:]
    book = json.loads((out / "gradebook.json").read_text())["students"]
    assert set(book) == {"aa_correct", "segfault", "os_exit", "malformed_json"}
    assert {s: book[s] for s in kept} == kept

    for student, record in book.items():
        assert _stable(record) == _stable(batch["book"]["students"][student]), student


def _stable(record: dict) -> dict:
    """A gradebook record less what differs between two runs of the same code (times,
    the processes' output)."""
    return {k: v for k, v in record.items() if k not in ("seconds", "log")}


def test_the_cold_start_grades_the_corpus_identically(batch, tmp_path):
    """The whole corpus again, every process a new interpreter (``--start cold``): the
    same points, reasons, notes and cell errors for every submission."""
    out = tmp_path / "cold"
    proc = grade(batch["submitted"], out, "-n", "2", options=("--start", "cold"))
    assert proc.returncode == 0, proc.stdout[-3000:]
    cold = json.loads((out / "gradebook.json").read_text())["students"]
    warm = batch["book"]["students"]
    assert sorted(cold) == sorted(warm)
    differ = [s for s in warm if _stable(cold[s]) != _stable(warm[s])]
    assert not differ, {s: (cold[s]["tests"], warm[s]["tests"]) for s in differ[:3]}


def test_a_warm_process_keeps_nothing_of_one_submission_for_the_next(batch, tmp_path):
    """The warm samples one after another in one worker (students in name order): the
    spy, forked from the same warm process after the others, finds no trace of them.
    Graded without a sandbox, the spy does find the traces of others: it can see them."""
    out = tmp_path / "serial"
    proc = grade(batch["submitted"], out, "-n", "0", "-k", "warm_")
    assert proc.returncode == 0, proc.stdout[-3000:]
    book = json.loads((out / "gradebook.json").read_text())["students"]
    assert sorted(book) == WARM
    for student in WARM:
        earned = FULL - sum(POINTS[t] for t in SAMPLES[student][1])
        assert book[student]["total"] == earned, (student, book[student]["tests"])
        assert book[student]["cell_errors"] == [], (student, book[student]["cell_errors"])
    # Nothing of theirs in the grader's own keyrings either (what /proc/keys lists is
    # every key this process may see).
    assert "dlcourse-answers" not in Path("/proc/keys").read_text()
    unconfined = tmp_path / "unconfined"
    proc = grade(batch["submitted"], unconfined, "-n", "0", "-k", "warm_3_spy",
                 options=("--sandbox", "none"))
    assert proc.returncode == 0, proc.stdout[-3000:]
    spy = json.loads((unconfined / "gradebook.json").read_text())["students"]["warm_3_spy"]
    assert any("left by an earlier submission" in e["error"] for e in spy["cell_errors"]), spy
    # Unconfined (and in a session keyring of its own), the keyring's reader does get the
    # earlier student's answers: the attack is real, the filter is what stops it.
    keyrings = tmp_path / "keyrings"
    proc = subprocess.run([sys.executable, "-c", OWN_KEYRING.format(argv=[
        "-m", "grader", "grade", str(batch["submitted"]), "--assignment", ASSIGNMENT, "--out",
        str(keyrings), "--source", str(SOURCE), "--sandbox", "none", "--", "-n", "0",
        "-k", "keyring"])], capture_output=True, text=True, timeout=1200)
    try:
        assert proc.returncode == 0, proc.stdout[-3000:]
        book = json.loads((keyrings / "gradebook.json").read_text())["students"]
        assert book["warm_4_keyring_read"]["total"] == FULL, book["warm_4_keyring_read"]
    finally:
        _forget_keys("dlcourse-answers")


# A grader run in a session keyring of its own (KEYCTL_JOIN_SESSION_KEYRING).
OWN_KEYRING = ("import ctypes, os, sys; ctypes.CDLL(None).syscall(250, 1, None); "
               "os.execv(sys.executable, [sys.executable] + {argv!r})")


def _forget_keys(description: str) -> None:
    """Unlink and revoke the keys of ``description`` that this process may see."""
    import ctypes
    libc = ctypes.CDLL(None)
    for line in Path("/proc/keys").read_text().splitlines():
        if f" {description}: " in line:
            key = int(line.split()[0], 16)
            libc.syscall(250, 9, key, -4)  # KEYCTL_UNLINK from the user keyring
            libc.syscall(250, 3, key)  # KEYCTL_REVOKE


def _warm_processes() -> list[int]:
    """The grader's warm processes on this machine (bubblewrap and the interpreter in it)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"from grader.zygote import main" in cmdline:
            found.append(int(pid))
    return found


def test_a_warm_process_that_dies_loses_no_grade(tmp_path):
    """The warm process killed (as an instructor's ``kill``, or the kernel out of memory
    would) while a submission runs: the worker starts a new one, the submission is
    graded again from scratch, and every student gets every point."""
    submitted, out = tmp_path / "submitted", tmp_path / "grades"
    for i in range(3):
        (submitted / f"s{i}" / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(released({"@setup": "import time\ntime.sleep(8)"}),
                       str(submitted / f"s{i}" / ASSIGNMENT / NB))
    before = set(_warm_processes())
    run = grade(submitted, out, "-n", "0", wait=False)
    deadline, killed = time.monotonic() + 600, []
    while time.monotonic() < deadline and not killed:
        started = [p for p in _warm_processes() if p not in before]
        if started:
            time.sleep(4)  # the first submission is in its sleep
            for pid in started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            killed = started
        time.sleep(0.2)
    output, _ = run.communicate(timeout=600)
    assert killed and run.returncode == 0, output[-3000:]
    book = json.loads((out / "gradebook.json").read_text())["students"]
    assert sorted(book) == ["s0", "s1", "s2"]
    assert all(r["total"] == FULL for r in book.values()), book
    logs = "".join((out / "log" / f"s{i}.txt").read_text() for i in range(3))
    assert "graded again from scratch" in logs


# --- a model assignment: saved files that are broken, hostile or beside the point -----

LR = "learning_rate"
LR_SOURCE = ROOT / "assignments" / "source" / LR / f"{LR}.ipynb"
LR_SPEC = assignment_spec(LR)
LR_POINTS = dict(LR_SPEC.points)
# An answer that writes MODEL_PATH itself ({}), then lets the cell train and save elsewhere.
LR_ELSEWHERE = '{}\nMODEL_PATH = "elsewhere.keras"\nLEARNING_RATE = 1e-3\nEPOCHS = 1'
# sample -> (what the answer's solution region becomes ("solution": unchanged), the submitted model file
# ("trained", "untrained", "wide", "lambda", "garbage", None), points per failing test
# with a reason fragment).
MODEL_SAMPLES = {
    "lr_correct": ("solution", "trained", {}),
    # Not a Keras file at all, and a Lambda layer (pickled code): safe mode refuses both.
    "lr_unreadable_model": ("solution", "garbage", {"test_architecture": "could not be loaded",
                                                    "test_accuracy": "could not be loaded"}),
    "lr_lambda_layer": ("solution", "lambda", {"test_architecture": "could not be loaded",
                                               "test_accuracy": "could not be loaded"}),
    "lr_missing_model": ("solution", None, {"test_architecture": "no saved model",
                                            "test_accuracy": "no saved model"}),
    # A better network than the one asked for.
    "lr_wrong_architecture": ("solution", "wide", {"test_architecture": "not the network asked for",
                                                   "test_accuracy": "not the network asked for"}),
    # Prints a great accuracy; its model is untrained and its rate far too small.
    "lr_fake_accuracy": ("LEARNING_RATE = 1e-6\nEPOCHS = 1\nprint('val_accuracy: 0.9912')",
                         "untrained", {"test_accuracy": "below the threshold",
                                       "test_trains": "not above"}),
    # Tries to read the held-out test set (the data folder, Keras's download): neither
    # is there, so its grading run saves nothing.
    "lr_reads_heldout": ("import keras\n(_, _), (x_test, y_test) = keras.datasets.mnist.load_data()\n"
                         "LEARNING_RATE = 1e-3\nEPOCHS = 2",
                         "trained", {"test_trains": "no saved model"}),
    # The saved model a link to a classmate's: refused, like a linked notebook.
    "lr_model_link": ("solution", "link_classmate",
                      {"test_architecture": "is a link to a file outside your submission",
                       "test_accuracy": "is a link to a file outside your submission"}),
    # .keras archives that are not what model.save writes: a member that is a link, a
    # member named '../..', a zip bomb, a 1 GB sparse file. Refused before Keras opens them.
    "lr_zip_link_member": ("solution", "zip_link", {"test_architecture": "a member that is a link",
                                                     "test_accuracy": "a member that is a link"}),
    "lr_zip_dotdot": ("solution", "zip_dotdot", {"test_architecture": "'..' name",
                                                 "test_accuracy": "'..' name"}),
    "lr_zip_bomb": ("solution", "zip_bomb", {"test_architecture": "unpacks to 300 MiB",
                                             "test_accuracy": "unpacks to 300 MiB"}),
    "lr_huge_model": ("solution", "sparse", {"test_architecture": "over the limit of 64.0 MiB",
                                             "test_accuracy": "over the limit of 64.0 MiB"}),
    # The notebook's rule "trained with RMSprop", broken: the saved file says Adam.
    "lr_other_optimizer": ("LEARNING_RATE = 1e-3\nEPOCHS = 2\nkeras.optimizers.RMSprop = keras.optimizers.Adam",
                           "adam", {"test_architecture": "compiled with the optimizer Adam, not RMSprop",
                                    "test_accuracy": "compiled with the optimizer Adam, not RMSprop",
                                    "test_trains": "compiled with the optimizer Adam, not RMSprop"}),
    # Grading mode, trained nothing: the submitted model copied to MODEL_PATH, or loaded
    # and saved there (its weight matrices are the submitted ones); loaded, its weights
    # perturbed, or trained one step on one image, and saved (it predicts the classes by
    # their usual names, not the grading run's renamed ones); a fresh network trained on
    # one image for one step, or not at all.
    "lr_copies_submitted": (LR_ELSEWHERE.format('import shutil\nshutil.copy("mnist_model.keras", MODEL_PATH)'),
                            "trained", {"test_trains": "weight matrices of the model you submitted, unchanged"}),
    "lr_resaves_submitted": (LR_ELSEWHERE.format('keras.saving.load_model("mnist_model.keras").save(MODEL_PATH)'),
                             "trained", {"test_trains": "weight matrices of the model you submitted, unchanged"}),
    "lr_perturbs_submitted": (LR_ELSEWHERE.format(
        'import numpy as np\n_old = keras.saving.load_model("mnist_model.keras")\n'
        '_old.set_weights([w + np.random.default_rng(0).normal(0, 1e-3, w.shape).astype(w.dtype)\n'
        '                  for w in _old.get_weights()])\n_old.save(MODEL_PATH)'),
        "trained", {"test_trains": "not trained by that run"}),
    "lr_tunes_submitted": (LR_ELSEWHERE.format(
        '_old = keras.saving.load_model("mnist_model.keras")\n'
        '_old.fit(x_train[:1], y_train[:1], epochs=1, verbose=0)\n_old.save(MODEL_PATH)'),
        "trained", {"test_trains": "not trained by that run"}),
    "lr_one_step": ("x_train, y_train = x_train[:1], y_train[:1]\nLEARNING_RATE = 1e-3\nEPOCHS = 1",
                    "trained", {"test_trains": "not above 0.5"}),
    "lr_saves_untrained": ("LEARNING_RATE = 1e-3\nEPOCHS = 0", "trained", {"test_trains": "not above 0.5"}),
}


def _zip(target: Path, members: dict) -> None:
    """A zip holding ``members``: name -> bytes, or (bytes, mode) for a member's mode."""
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", "{}")
        for name, content in members.items():
            data, mode = content if isinstance(content, tuple) else (content, 0o644)
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


MODEL_FILES = {
    "garbage": lambda target, submitted: target.write_bytes(b"PK\x03\x04 this is not a Keras file" * 100),
    "link_classmate": lambda target, submitted: os.symlink(
        submitted / "lr_correct" / LR / LR_SPEC.model_file, target),
    "zip_link": lambda target, submitted: _zip(target, {"model.weights.h5": (b"/etc/passwd", 0o120777)}),
    "zip_dotdot": lambda target, submitted: _zip(target, {"../../evil.h5": b"x"}),
    "zip_bomb": lambda target, submitted: _zip(target, {"model.weights.h5": bytes(300 * 2**20)}),
    "sparse": lambda target, submitted: _sparse("x", 2**30)(target.parent) or os.rename(target.parent / "x", target),
}


def _model(kind: str):
    import keras
    keras.utils.set_random_seed(1)
    hidden = {"wide": 300}.get(kind, 100)
    layers = [keras.Input((784,)), keras.layers.Dense(hidden, activation="relu")]
    if kind == "lambda":
        layers.append(keras.layers.Lambda(lambda x: x * 1.0))
    model = keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
    optimizer = keras.optimizers.Adam(1e-3) if kind == "adam" else keras.optimizers.RMSprop(1e-3)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if kind in ("trained", "wide", "adam"):
        from grader.data import training_data
        (x, y), _ = training_data(LR)
        model.fit(x, y, batch_size=100, epochs=5, verbose=0)
    return model


def write_model_class(submitted: Path) -> None:
    nb = nbformat.read(str(LR_SOURCE), as_version=4)
    for student, (code, model, _) in MODEL_SAMPLES.items():
        folder = submitted / student / LR
        folder.mkdir(parents=True)
        mine = nbformat.from_dict(json.loads(json.dumps(nb)))
        for cell in mine.cells:
            meta = _meta(cell)
            if meta.get("solution"):  # the solution's region, or the sample's code in it
                cell.source = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n",
                                     (lambda m: m.group(0)) if code == "solution" else
                                     (lambda m: code + "\n"), cell.source, flags=re.DOTALL)
                cell.source = "\n".join(line for line in cell.source.splitlines() if "### " not in line)
            elif meta.get("grade"):
                cell.source = HIDDEN.sub("", cell.source)
        nbformat.write(mine, str(folder / LR_SPEC.notebook))
        target = folder / LR_SPEC.model_file
        if model in MODEL_FILES:
            MODEL_FILES[model](target, submitted)
        elif model is not None:
            _model(model).save(target)


@pytest.fixture(scope="module")
def model_batch(tmp_path_factory):
    course = tmp_path_factory.mktemp("hostile-models")
    submitted, out = course / "submitted", course / "grades"
    write_model_class(submitted)
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(submitted),
                           "--assignment", LR, "--out", str(out), "--source", str(LR_SOURCE),
                           "--", "-n", "2"], capture_output=True, text=True, timeout=3600)
    print(proc.stdout[-5000:])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return json.loads((out / "gradebook.json").read_text())


@pytest.mark.parametrize("student", sorted(MODEL_SAMPLES))
def test_model_submission_gets_what_it_earned(model_batch, student):
    _, _, failing = MODEL_SAMPLES[student]
    record = model_batch["students"][student]
    tests = {t["test"]: t for t in record["tests"]}
    assert record["total"] == sum(LR_POINTS.values()) - sum(LR_POINTS[t] for t in failing), record["tests"]
    for test, fragment in failing.items():
        assert fragment in tests[test]["reason"], (test, tests[test]["reason"])
    if student == "lr_reads_heldout":
        assert record["cell_errors"] and record["cell_errors"][0]["cell"] == "answer_training"
    assert "root:x:0" not in json.dumps(record)


# --- the regularization assignment: saved files aimed at its new checks ---------------
# (an L2 kernel regulariser on each hidden layer, dropout, the generalisation gap).

REG = "regularization"
REG_SOURCE = ROOT / "assignments" / "source" / REG / f"{REG}.ipynb"
REG_SPEC = assignment_spec(REG)
REG_POINTS = dict(REG_SPEC.points)
REG_FILES = ("test_architecture", "test_accuracy", "test_gap")  # the tests of the saved file
# sample -> (the submitted model file, failing test -> reason fragment). Every notebook
# is the solution trained for 2 epochs (its grading run passes test_trains).
REG_SAMPLES = {
    "reg_correct": ("trained", {}),
    # A regulariser class of its own that adds nothing: safe mode refuses any class it
    # does not know, so the file does not load, with a short reason. (One named "L2"
    # loads as Keras's own L2: the file declares an L2, and what the class did in
    # training shows in the gap; the grader never runs the student's class.)
    "reg_custom_regularizer": ("custom_l2", dict.fromkeys(REG_FILES, "no custom class")),
    # L1 where the rule says L2, and an L2 of factor 0 (a regulariser in name only).
    "reg_l1_regularizer": ("l1", dict.fromkeys(REG_FILES, "without a kernel_regularizer L2")),
    "reg_zero_l2": ("zero_l2", dict.fromkeys(REG_FILES, "of a factor above 0 (found: L2{'l2': 0.0})")),
    # The only Dropout layer has rate 0: no dropout.
    "reg_zero_dropout": ("zero_dropout", dict.fromkeys(REG_FILES, "0 Dropout layers with a rate above 0")),
    # Logits out (no softmax): no distribution, so no loss to compute honestly.
    "reg_logits": ("logits", dict.fromkeys(REG_FILES, "not the network asked for")),
    # The network asked for whose output layer's bias is infinite: its outputs are NaN,
    # not a distribution; the gap is not computed from them.
    "reg_nan_output": ("nan_output", {**dict.fromkeys(REG_FILES, "not a probability distribution")}),
    # A 1 GB (sparse) model file: refused by size before it is read.
    "reg_huge_model": ("sparse", dict.fromkeys(REG_FILES, "over the limit of 64.0 MiB")),
    # Trained with no penalty and no dropout (its file claims both, set after training),
    # its softmax flattened after training, which shrinks its raw gap from 0.52 to 0.02
    # (the output layer divided by 50; the same with 100 added to its bias) or 0.06 (the
    # last hidden layer divided by 20: ReLU passes the scale on); or trained with label
    # smoothing of 0.5 (outputs mixed with the uniform distribution; raw gap 0.34). On
    # recalibrated outputs the gap is the network's own: 0.36 (0.52 smoothed), over the
    # quick profile's bound of 0.29. Before the gap was recalibrated, all four passed.
    "reg_shrunk_logits": ("shrunk_logits", {"test_gap": "over the bound"}),
    "reg_shrunk_hidden": ("shrunk_hidden", {"test_gap": "over the bound"}),
    "reg_shifted_bias": ("shifted_bias", {"test_gap": "over the bound"}),
    "reg_label_smoothing": ("label_smoothing", {"test_gap": "over the bound"}),
}


def _posthoc_model(kind: str):
    """The quick profile's over-fitting network, edited after training (REG_SAMPLES)."""
    import keras

    from grader.data import training_data

    (x, y), _ = training_data(REG)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((28, 28)), keras.layers.Flatten(),
        keras.layers.Dense(300, activation="relu"), keras.layers.Dropout(0.0),
        keras.layers.Dense(300, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    if kind == "label_smoothing":
        model.compile(optimizer=keras.optimizers.Adam(),
                      loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.5))
        model.fit(x, keras.ops.one_hot(y, 10), batch_size=32, epochs=15, verbose=0)
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    if kind != "label_smoothing":
        model.fit(x, y, batch_size=32, epochs=15, verbose=0)
    hidden, output = model.layers[1::2], model.layers[-1]
    for layer in hidden:
        layer.kernel_regularizer = keras.regularizers.L2(1e-3)
    model.layers[2].rate = 0.5
    layer, scale, shift = {"shrunk_logits": (output, 50, 0.0), "shrunk_hidden": (hidden[-1], 20, 0.0),
                           "shifted_bias": (output, 50, 100.0)}.get(kind, (output, 1, 0.0))
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel / scale, bias / scale + shift])
    return model


def _reg_model(kind: str):
    import keras
    import numpy as np

    if kind in ("shrunk_logits", "shrunk_hidden", "shifted_bias", "label_smoothing"):
        return _posthoc_model(kind)
    keras.utils.set_random_seed(1)
    regularizer = {"l1": keras.regularizers.L1(1e-3), "zero_l2": keras.regularizers.L2(0.0)}.get(
        kind, keras.regularizers.L2(1e-3))
    if kind == "custom_l2":
        @keras.saving.register_keras_serializable(package="hostile")
        class Shrink(keras.regularizers.Regularizer):
            def __init__(self, l2=0.01):
                self.l2 = l2

            def __call__(self, x):
                return 0.0 * keras.ops.sum(x)

            def get_config(self):
                return {"l2": self.l2}
        regularizer = Shrink(0.01)
    rate = 0.0 if kind == "zero_dropout" else 0.5
    model = keras.Sequential([
        keras.Input((28, 28)), keras.layers.Flatten(),
        keras.layers.Dense(300, activation="relu", kernel_regularizer=regularizer),
        keras.layers.Dropout(rate),
        keras.layers.Dense(300, activation="relu", kernel_regularizer=regularizer),
        keras.layers.Dense(10, activation=None if kind == "logits" else "softmax")])
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    from grader.data import training_data
    (x, y), _ = training_data(REG)
    model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    if kind == "nan_output":
        kernel, bias = model.layers[-1].get_weights()
        model.layers[-1].set_weights([kernel, np.full_like(bias, np.inf)])
    return model


def write_reg_class(submitted: Path) -> None:
    nb = nbformat.read(str(REG_SOURCE), as_version=4)
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("solution"):
            cell.source = "\n".join(line for line in cell.source.splitlines() if "### " not in line)
            cell.source = cell.source.replace("epochs=EPOCHS", "epochs=2")
        elif meta.get("grade"):
            cell.source = HIDDEN.sub("", cell.source)
    for student, (model, _) in REG_SAMPLES.items():
        folder = submitted / student / REG
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / REG_SPEC.notebook))
        target = folder / REG_SPEC.model_file
        if model in MODEL_FILES:
            MODEL_FILES[model](target, submitted)
        else:
            _reg_model(model).save(target)


@pytest.fixture(scope="module")
def reg_batch(tmp_path_factory):
    course = tmp_path_factory.mktemp("hostile-regularization")
    submitted, out = course / "submitted", course / "grades"
    write_reg_class(submitted)
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(submitted),
                           "--assignment", REG, "--out", str(out), "--source", str(REG_SOURCE),
                           "--", "-n", "2"], capture_output=True, text=True, timeout=3600)
    print(proc.stdout[-5000:])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return json.loads((out / "gradebook.json").read_text())


@pytest.mark.parametrize("student", sorted(REG_SAMPLES))
def test_regularization_submission_gets_what_it_earned(reg_batch, student):
    _, failing = REG_SAMPLES[student]
    record = reg_batch["students"][student]
    tests = {t["test"]: t for t in record["tests"]}
    assert record["total"] == sum(REG_POINTS.values()) - sum(REG_POINTS[t] for t in failing), record["tests"]
    for test, fragment in failing.items():
        assert fragment in tests[test]["reason"], (test, tests[test]["reason"])
        assert len(tests[test]["reason"]) < 2000, "a reason stays short"
    assert record["cell_errors"] == [], record["cell_errors"]


# --- a code assignment whose answers are arrays: "initialization" ------------------
# Its own batch (the corpus above is the schedules notebook's): arrays too big for the
# runner, NaN and non-numbers, weights that change from call to call, Keras where the
# tests run without it. What stops each: grader/probes.py bounds an array's size before
# it is copied, grader/run.py drops a result line over 4 MiB, and
# grader/checks/initialization.py judges the plain data in the grader's process (shape,
# finiteness, statistics, the same seed's weights twice) and trains the network there.

INIT = "initialization"
INIT_SPEC = assignment_spec(INIT)
INIT_POINTS = dict(INIT_SPEC.points)
INIT_TIMEOUT_S = 30  # this batch's --timeout: a correct submission's process needs ~2 s

INIT_PATCHED_LINE = '''
import grader.probes as _probes
_array = _probes.array
def _inflated(value, call, max_size):
    # The probe's own size bound bypassed: one result becomes a 13 MB JSON line.
    out = _array(value, call, max_size)
    if call.startswith("he_normal(100, 100, 1)"):
        out["values"] = out["values"] * 60
    return out
_probes.array = _inflated
'''

INIT_COUNTING = '''
_calls = [0]
def he_normal(fan_in, fan_out, seed):
    # Right on odd calls, another draw on even ones: which call is which check's?
    _calls[0] += 1
    rng = np.random.default_rng(seed if _calls[0] % 2 else seed + 10**6)
    return rng.normal(0.0, he_std(fan_in), size=(fan_in, fan_out))
'''

INIT_KERAS_CELL = '''
import keras
def glorot_normal(fan_in, fan_out, seed):
    return keras.ops.convert_to_numpy(keras.initializers.GlorotNormal(seed)((fan_in, fan_out)))
'''

INIT_KERAS_INSIDE = '''
def he_normal(fan_in, fan_out, seed):
    from keras import initializers
    w = initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=seed)((fan_in, fan_out))
    return np.asarray(w)
'''

INIT_JAX = '''
def activation_stds(init, activation, widths, n=1000, seed=0):
    import jax.numpy as jnp
    return [float(jnp.std(jnp.ones(3)))] * (len(widths) - 1)
'''

INIT_FOUR_POINTS = '''
def he_normal(fan_in, fan_out, seed):
    # Four values, +-0.5 and +-1.617 standard deviations, in the shares that give the
    # mean, the standard deviation and the share within one standard deviation of N(0, s^2).
    p = 0.6826894921370859
    rng = np.random.default_rng(seed)
    values = rng.choice([0.5, -0.5, 1.617, -1.617], size=(fan_in, fan_out),
                        p=[p / 2, p / 2, (1 - p) / 2, (1 - p) / 2])
    return values * he_std(fan_in)
'''

INIT_MEMORISED = '''
_drawn = {}
def glorot_normal(fan_in, fan_out, seed):
    # The seed ignored: an unseeded draw, remembered per argument, so a call repeated in
    # this process agrees with the first.
    key = (fan_in, fan_out, seed)
    if key not in _drawn:
        _drawn[key] = np.random.default_rng().normal(0.0, glorot_std(fan_in, fan_out), (fan_in, fan_out))
    return _drawn[key].copy()
'''

INIT_PROCESS_SALT = '''
import os
_salt = int.from_bytes(os.urandom(4), "little")  # one per process
def he_normal(fan_in, fan_out, seed):
    return np.random.default_rng([seed, _salt]).normal(0.0, he_std(fan_in), (fan_in, fan_out))
'''

INIT_FILE_CACHE = '''
import os
def he_normal(fan_in, fan_out, seed):
    # Remembered in a file: another process of the same run finds it... if it shares the folder.
    path = f"he_{fan_in}_{fan_out}_{seed}.npy"
    if not os.path.exists(path):
        np.save(path, np.random.default_rng().normal(0.0, he_std(fan_in), (fan_in, fan_out)))
    return np.load(path)
'''

INIT_SEED_PARITY = '''
def glorot_normal(fan_in, fan_out, seed):
    return np.random.default_rng(seed % 2).normal(0.0, glorot_std(fan_in, fan_out), (fan_in, fan_out))
'''

INIT_STUDENT_T = '''
def he_normal(fan_in, fan_out, seed):
    # Student's t with 3 degrees of freedom (variance 3), rescaled to He's standard deviation.
    t = np.random.default_rng(seed).standard_t(3, size=(fan_in, fan_out))
    return t / np.sqrt(3.0) * he_std(fan_in)
'''

INIT_ROUNDED = '''
def he_normal(fan_in, fan_out, seed):
    w = np.random.default_rng(seed).normal(0.0, he_std(fan_in), (fan_in, fan_out))
    return np.round(w, 1)
'''

# sample -> (answer cell -> code, failing test -> a fragment of its reason)
INIT_SAMPLES = {
    "init_correct": ({}, {}),
    # An array of 10^12 elements (a broadcast view: no memory), refused by its size
    # before anything is copied.
    "init_huge_array": ({"answer_he_normal": "def he_normal(fan_in, fan_out, seed):\n"
                         "    return np.broadcast_to(np.float64(0.1), (10**6, 10**6))"},
                        {"test_he_normal": "more than the 131072 it may",
                         "test_he_trains": "more than the 131072 it may",
                         "test_activation_stds": "activation_stds raised ValueError"}),
    # The probe patched to send a 13 MB result: the runner drops the line, the call
    # fails when the process's time is up; the other tests are untouched.
    "init_huge_line": ({"setup": "import numpy as np\n" + INIT_PATCHED_LINE},
                       {"test_he_normal": f"ran past {INIT_TIMEOUT_S} s"}),
    # NaN in the weights, infinite standard deviations.
    "init_nan_inf": ({"answer_he_normal": "def he_normal(fan_in, fan_out, seed):\n"
                      "    w = np.random.default_rng(seed).normal(0.0, he_std(fan_in), (fan_in, fan_out))\n"
                      "    w[0, 0] = np.nan\n    return w",
                      "answer_activation_stds": "def activation_stds(init, activation, widths, n=1000, seed=0):\n"
                      "    return [float('inf')] * (len(widths) - 1)"},
                     {"test_he_normal": "NaN or infinite", "test_he_trains": "NaN or infinite",
                      "test_activation_stds": "standard deviation is inf"}),
    # A string for a number, a dict for an array (and activation_stds, which uses it, fails).
    "init_not_numbers": ({"answer_glorot_std": "def glorot_std(fan_in, fan_out):\n"
                          "    return str(np.sqrt(2 / (fan_in + fan_out)))",
                          "answer_glorot_normal": "def glorot_normal(fan_in, fan_out, seed):\n"
                          "    return {'weights': [[0.1] * fan_out] * fan_in}"},
                         {"test_glorot_std": "returned str", "test_glorot_normal": "returned dict",
                          "test_activation_stds": "activation_stds raised"}),
    # Nested lists of strings: not an array of numbers.
    "init_string_array": ({"answer_he_normal": "def he_normal(fan_in, fan_out, seed):\n"
                           "    return [['0.1'] * fan_out for _ in range(fan_in)]"},
                          {"test_he_normal": "not of real numbers", "test_he_trains": "not of real numbers",
                           "test_activation_stds": "activation_stds raised"}),
    # Other weights on every other call (the training check's repeated call among them):
    # the same seed must give the same weights within each test.
    "init_counting_calls": ({"answer_he_normal": INIT_COUNTING},
                            {"test_he_normal": "different weights for the same seed",
                             "test_he_trains": "different weights for the same seed"}),
    # Keras, imported in the cell or inside the function, JAX in another: not installed
    # where the tests run.
    "init_keras_in_cell": ({"answer_glorot_normal": INIT_KERAS_CELL},
                           {"test_glorot_normal": "where Keras is not installed",
                            "test_activation_stds": "where Keras is not installed"}),
    "init_keras_inside": ({"answer_he_normal": INIT_KERAS_INSIDE},
                          {"test_he_normal": "where Keras is not installed",
                           "test_he_trains": "where Keras is not installed",
                           "test_activation_stds": "where Keras is not installed"}),
    "init_jax": ({"answer_activation_stds": INIT_JAX},
                 {"test_activation_stds": "where Keras is not installed"}),
    # Not a normal distribution, though its mean, standard deviation and share within one
    # standard deviation are N(0, s^2)'s: the Kolmogorov-Smirnov test.
    "init_four_points": ({"answer_he_normal": INIT_FOUR_POINTS},
                         {"test_he_normal": "he_normal(100, 100, 0): the weights are not "
                                            "distributed as N(0, std²)",
                          "test_he_trains": "he_normal(784, 100, 11): the weights are not "
                                            "distributed as N(0, std²)"}),
    # Heavy tails (the deep stacks of activation_stds feel them too), and weights rounded
    # to 0.1.
    "init_student_t": ({"answer_he_normal": INIT_STUDENT_T},
                       {"test_he_normal": "lie within one standard deviation of 0",
                        "test_he_trains": "lie within one standard deviation of 0",
                        "test_activation_stds": "hidden tests: activation_stds is wrong"}),
    "init_rounded": ({"answer_he_normal": INIT_ROUNDED},
                     {"test_he_normal": "he_normal(100, 100, 0): 71.5% of the weights",
                      "test_he_trains": "the weights' standard deviation is 0.05765"}),
    # The seed ignored, yet a call repeated in one process agrees with the first: an
    # unseeded draw remembered per argument, a salt drawn once per process, a file in the
    # working folder. The hidden part's repeated call comes from a fresh process.
    "init_memorised": ({"answer_glorot_normal": INIT_MEMORISED},
                       {"test_glorot_normal": "hidden tests: glorot_normal returned different "
                                              "weights for the same seed (when graded, the hidden "
                                              "tests make the second call in a fresh process"}),
    "init_process_salt": ({"answer_he_normal": INIT_PROCESS_SALT},
                          {"test_he_normal": "hidden tests: he_normal returned different weights "
                                             "for the same seed (when graded",
                           "test_he_trains": "hidden tests: he_normal returned different weights "
                                             "for the same seed (when graded"}),
    "init_file_cache": ({"answer_he_normal": INIT_FILE_CACHE},
                        {"test_he_normal": "in a fresh process", "test_he_trains": "in a fresh process"}),
    # The seed used only mod 2: two odd seeds give one stream, at whatever shapes.
    "init_seed_parity": ({"answer_glorot_normal": INIT_SEED_PARITY},
                         {"test_glorot_normal": "hidden tests: glorot_normal returned the same or "
                                                "related weights for different seeds"}),
}


def write_init_class(submitted: Path) -> None:
    from grader import samples
    for student, (answers, _) in INIT_SAMPLES.items():
        folder = submitted / student / INIT
        folder.mkdir(parents=True)
        sample = samples.Sample(answers={k: v for k, v in answers.items() if k != "setup"})
        nb = samples.submission(INIT_SPEC, sample)
        if "setup" in answers:  # an extra cell after the set-up cell
            at = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == "setup")
            nb.cells.insert(at + 1, nbformat.v4.new_code_cell(answers["setup"]))
        nbformat.write(nb, str(folder / INIT_SPEC.notebook))


@pytest.fixture(scope="module")
def init_batch(tmp_path_factory):
    course = tmp_path_factory.mktemp("hostile-initialization")
    submitted, out = course / "submitted", course / "grades"
    write_init_class(submitted)
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(submitted),
                           "--assignment", INIT, "--out", str(out), "--source",
                           str(INIT_SPEC.notebook_path), "--timeout", str(INIT_TIMEOUT_S),
                           "--", "-n", "2"], capture_output=True, text=True, timeout=1800)
    print(proc.stdout[-5000:])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return json.loads((out / "gradebook.json").read_text())


@pytest.mark.parametrize("student", sorted(INIT_SAMPLES))
def test_initialization_submission_gets_what_it_earned(init_batch, student):
    _, failing = INIT_SAMPLES[student]
    record = init_batch["students"][student]
    tests = {t["test"]: t for t in record["tests"]}
    assert record["total"] == sum(INIT_POINTS.values()) - sum(INIT_POINTS[t] for t in failing), \
        record["tests"]
    for test, fragment in failing.items():
        assert fragment in tests[test]["reason"], (test, tests[test]["reason"])
        assert len(tests[test]["reason"]) < 2000, "a reason stays short"


def test_a_submission_rewritten_during_grading_gets_one_versions_grade_and_digest(tmp_path):
    """The notebook swapped atomically between a correct version (A) and one without
    scheduler_exp (B) while it is graded: the grade is A's or B's, recorded with that
    version's digest; restored to A afterwards, a rerun grades it again if B was graded."""
    import threading

    from grader.pytest_plugin import digest

    submitted, out = tmp_path / "submitted", tmp_path / "grades"
    folder = submitted / "swapper" / ASSIGNMENT
    folder.mkdir(parents=True)
    versions = {}
    for name, answers in (("A", {}), ("B", {"answer_scheduler_exp": "pass"})):
        nbformat.write(released(answers), str(folder / NB))
        versions[name] = ((folder / NB).read_bytes(), digest(folder, ASSIGNMENT, SPEC.limits))
    stop = threading.Event()

    def swap():
        i = 0
        while not stop.is_set():
            tmp = submitted / "swapper" / ".swap"
            tmp.write_bytes(versions["AB"[i % 2]][0])
            os.replace(tmp, folder / NB)
            i += 1
            time.sleep(0.001)

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        proc = grade(submitted, out, "-n", "0")
    finally:
        stop.set()
        swapper.join()
    assert proc.returncode == 0, proc.stdout[-3000:]
    record = json.loads((out / "gradebook.json").read_text())["students"]["swapper"]
    graded = "A" if record["total"] == FULL else "B"
    if record["total"] not in (FULL, FULL - POINTS["test_scheduler_exp"]):
        assert "changed while the grader read it" in record["tests"][0]["reason"], record
        graded = None
    else:
        assert record["digest"] == versions[graded][1], (graded, record["tests"])
    (folder / NB).write_bytes(versions["A"][0])
    again = grade(submitted, out, "-n", "0")
    assert again.returncode == 0, again.stdout[-3000:]
    record = json.loads((out / "gradebook.json").read_text())["students"]["swapper"]
    assert record["total"] == FULL and record["digest"] == versions["A"][1], (graded, record)
    assert ("6 deselected" in again.stdout) == (graded == "A"), again.stdout[-2000:]
