# ---
# case = "memory_outside_limits"
# attack = """
# Memory that no resource limit counts, 1 GiB of each: memfd files, System V shared
# memory, a POSIX message queue, a tmpfs of its own in a new user namespace, POSIX
# shared memory in /dev/shm. Each refused (by the seccomp filter, RLIMIT_MSGQUEUE, the
# quota); the cell checks that it held nothing. Full points, no cell error."""
# points = 8  # of 8: every test passes
# cell_errors = []  # the cell errors the gradebook records
# ---
# %% @setup

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

