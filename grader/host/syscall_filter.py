"""The seccomp filter every submission's process runs under: the system calls no
notebook needs, refused, so that nothing of a submission outlives it or escapes its
limits through the kernel.

bubblewrap's namespaces give each submission its own files, processes, network
(abstract sockets included) and System V IPC; the resource limits and the scratch
tmpfs's quotas bound its memory and disk. What is left, and closed here:

- **state the kernel keeps per user, not per namespace**: keyrings (``add_key``,
  ``keyctl``, ``request_key``); every student of a grading worker runs as that worker's
  user id, so a key one student stores, the next one could read;
- **memory no resource limit counts**: ``memfd_create`` and ``memfd_secret`` files,
  System V shared memory, message queues and semaphores, POSIX message queues, eBPF
  maps, io_uring's rings (none is charged to ``RLIMIT_AS`` or to the tmpfs quota);
- **ways out of the sandbox or into other processes**: new namespaces (``unshare``,
  ``setns``, ``clone`` with a ``CLONE_NEW*`` flag; ``clone3``, whose flags a filter
  cannot read, answers ``ENOSYS``, so the C library falls back to ``clone``), every
  mount call, ``ptrace``, reading or writing other processes' memory, ``perf_event_open``,
  ``userfaultfd``, kernel modules, ``kexec``, ``reboot``, the clock, swap, quotas.

The filter is compiled once per grader by libseccomp (through ctypes; Debian's
``libseccomp2``, which ``apt`` itself depends on) into classic BPF; the sandbox's boot
(:mod:`grader.inside.boot`, standard library only) installs those bytes with
``prctl(PR_SET_SECCOMP)`` after it has mounted the tmpfs and dropped every privilege,
right before the student's first cell. A refused call fails with ``EPERM``, as a
call the kernel does not allow, so a notebook that tries one gets an ``OSError`` and
goes on.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os

# Refused with EPERM.
REFUSED = (
    # keyrings
    "add_key", "keyctl", "request_key",
    # memory outside RLIMIT_AS and the quotas
    "memfd_create", "memfd_secret", "shmget", "shmat", "msgget", "semget", "mq_open",
    "bpf", "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
    # namespaces and mounts
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount",
    "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # other processes and the kernel
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
    "pidfd_getfd", "perf_event_open", "lookup_dcookie", "name_to_handle_at",
    "open_by_handle_at", "fanotify_init", "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "syslog", "acct",
    "quotactl", "quotactl_fd", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "iopl", "ioperm", "vhangup",
)
# Refused with ENOSYS: the C library then uses the older call, which the filter can read.
NOT_THERE = ("clone3",)
# clone() with any of these flags (a new namespace) is refused.
CLONE_NEW = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000,
             "CLONE_NEWUTS": 0x04000000, "CLONE_NEWIPC": 0x08000000,
             "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
             "CLONE_NEWNET": 0x40000000, "CLONE_NEWTIME": 0x00000080}

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_MASKED_EQ = 7


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


class FilterError(RuntimeError):
    """libseccomp is missing or refused the filter: the instructor's problem."""


def _library():
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError:
        raise FilterError("libseccomp is not installed (`apt install libseccomp2`); the "
                          "grader needs it to confine student code") from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def syscall_number(lib, name: str) -> int | None:
    number = lib.seccomp_syscall_resolve_name(name.encode())
    return number if number >= 0 else None


@functools.lru_cache(maxsize=1)
def program() -> bytes:
    """The filter as classic BPF (``struct sock_filter`` records), for this machine's
    architecture."""
    lib = _library()
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        raise FilterError("libseccomp could not start a filter")
    try:
        def add(action: int, name: str, *compare: _ArgCmp) -> None:
            number = syscall_number(lib, name)
            if number is None:  # not a call of this architecture or kernel headers
                return
            args = (_ArgCmp * len(compare))(*compare) if compare else None
            result = lib.seccomp_rule_add_array(ctx, action, number, len(compare), args)
            if result != 0:
                raise FilterError(f"libseccomp refused the rule for {name}: "
                                  f"{os.strerror(-result)}")

        for name in REFUSED:
            add(_errno_action(errno.EPERM), name)
        for name in NOT_THERE:
            add(_errno_action(errno.ENOSYS), name)
        for flag in CLONE_NEW.values():
            add(_errno_action(errno.EPERM), "clone", _ArgCmp(0, SCMP_CMP_MASKED_EQ, flag, flag))
        read, write = os.pipe()
        try:
            result = lib.seccomp_export_bpf(ctx, write)
            os.close(write)
            write = None
            if result != 0:
                raise FilterError(f"libseccomp could not export the filter: {os.strerror(-result)}")
            chunks = []
            while chunk := os.read(read, 1 << 16):
                chunks.append(chunk)
        finally:
            os.close(read)
            if write is not None:
                os.close(write)
    finally:
        lib.seccomp_release(ctx)
    bpf = b"".join(chunks)
    if not bpf or len(bpf) % 8:
        raise FilterError("libseccomp exported no filter")
    return bpf


@functools.lru_cache(maxsize=1)
def boot_spec() -> dict:
    """What the boot needs to install the filter: its bytes (hex) and the number of
    ``keyctl``, with which it first joins a fresh session keyring."""
    return {"bpf": program().hex(), "keyctl": syscall_number(_library(), "keyctl")}
