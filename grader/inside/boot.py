"""The first code that runs in a submission's sandbox, before any student code: it makes
the only places the submission may write, then gives up every privilege.

bubblewrap starts it with the capability to mount (``CAP_SYS_ADMIN``, inside the
sandbox's own mount namespace; in a user namespace when the grader is not root). It

1. mounts a tmpfs at ``/scratch`` limited to the assignment's quota of bytes and of
   files (``size=``, ``nr_inodes=``): writing past either fails with "No space left on
   device", and the whole of it vanishes with the sandbox;
2. copies the submission (``/snapshot``, read-only) into ``/scratch/submission``, the
   working directory, and binds ``/scratch/tmp`` and ``/scratch/shm`` over ``/tmp`` and
   ``/dev/shm``, so that every writable place shares the one quota;
3. drops every capability (bounding set included), sets no-new-privileges and, when the
   grader is root, switches to the sandbox's own user id;
4. checks that no capability is left, joins a fresh session keyring of its own and
   installs the seccomp filter (:mod:`grader.host.syscall_filter`: no keyrings, no memory
   outside the limits, no new namespaces, mounts or tracing), then runs
   :mod:`grader.inside.runner`.

With ``confined`` false (``--sandbox none``) it does none of this and runs the runner in
the working directory the grader prepared. Standard library only.
"""
from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import sys

MS_NOSUID, MS_NODEV, MS_MOVE, MS_BIND, MS_REC = 2, 4, 8192, 4096, 16384
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 38, 47, 4
PR_SET_SECCOMP, SECCOMP_MODE_FILTER, KEYCTL_JOIN_SESSION_KEYRING = 22, 2, 1
CAP_VERSION_3 = 0x20080522
SCRATCH = "/scratch"


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, options: str | None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), options.encode() if options else None),
           f"mount {target}")


def make_scratch(quota_bytes: int, quota_files: int, uid: int | None) -> str:
    """Steps 1 and 2; returns the working directory."""
    _mount("tmpfs", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={quota_bytes},nr_inodes={quota_files},mode=0755")
    work = os.path.join(SCRATCH, "submission")
    shutil.copytree("/snapshot", work)
    for name, target in (("tmp", "/tmp"), ("shm", "/dev/shm")):
        path = os.path.join(SCRATCH, name)
        os.mkdir(path)
        os.chmod(path, 0o1777)
        if os.path.isdir(target):
            _cover(path, target)
    if uid is not None:
        for folder, dirs, files in os.walk(work):
            os.chown(folder, uid, uid)
            for name in files:
                os.chown(os.path.join(folder, name), uid, uid)
    return work


def _mounts_under(folder: str) -> list[str]:
    """The top-most mount points strictly inside ``folder`` (the Python installation
    when it lives under /tmp, say), from /proc/self/mountinfo."""
    points = []
    for line in open("/proc/self/mountinfo"):
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
        if point.startswith(folder.rstrip("/") + "/"):
            points.append(point)
    return [p for p in points if not any(p != q and p.startswith(q + "/") for q in points)]


def _cover(source: str, target: str) -> None:
    """Bind ``source`` over ``target``, keeping the mounts that were inside ``target``
    where they were (moved aside, then back onto folders made in ``source``)."""
    kept = _mounts_under(target)
    held = []
    for i, point in enumerate(kept):
        aside = os.path.join(SCRATCH, ".held", str(i))
        os.makedirs(aside)
        _mount(point, aside, None, MS_MOVE, None)
        held.append((aside, point))
    _mount(source, target, None, MS_BIND | MS_REC, None)
    for aside, point in held:
        os.makedirs(point, mode=0o755, exist_ok=True)
        _mount(aside, point, None, MS_MOVE, None)
        os.rmdir(aside)
    if held:
        os.rmdir(os.path.join(SCRATCH, ".held"))


def drop_privileges(uid: int | None) -> None:
    """Step 3, then step 4's check."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0), "drop capability")
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # from root: clears the permitted and effective sets
    header, data = _CapHeader(CAP_VERSION_3, 0), (_CapData * 2)()  # and the inheritable one
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")
    status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines()
                  if line.startswith("Cap"))
    left = {k: v.strip() for k, v in status.items() if int(v, 16) != 0}
    if left:
        raise RuntimeError(f"capabilities left after dropping them: {left}")


def confine_syscalls(spec: dict) -> None:
    """Step 4's last part: a session keyring of this process's own (the one inherited
    is the grader's), then the filter (no-new-privileges is set already)."""
    if spec.get("keyctl") is not None:
        _libc.syscall(ctypes.c_long(spec["keyctl"]), KEYCTL_JOIN_SESSION_KEYRING, None)
    bpf = bytes.fromhex(spec["bpf"])
    buffer = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0),
           "seccomp filter")


def main(argv: list[str]) -> None:
    run(json.loads(argv[1]))


def run(spec: dict) -> None:
    """Steps 1 to 4 for the boot ``spec`` (from :meth:`grader.host.sandbox.Sandbox.boot_spec`);
    a warm start's submission process (:mod:`grader.inside.zygote`) calls it after its fork."""
    if spec["confined"]:
        try:
            work = make_scratch(spec["quota_bytes"], spec["quota_files"], spec.get("uid"))
            drop_privileges(spec.get("uid"))
            if spec.get("seccomp"):
                confine_syscalls(spec["seccomp"])
        except Exception as exc:  # noqa: BLE001 - the sandbox's failure, not the student's
            print(f"grader sandbox: cannot start: {type(exc).__name__}: {exc}", file=sys.stderr)
            os._exit(70)
        os.chdir(work)
        sys.path_importer_cache.clear()  # '' on sys.path: now this folder (a warm fork's too)
    # Before any student code runs: the grader tells a sandbox that failed to start (its
    # problem) from a submission that ended early (the student's).
    os.write(spec["events_fd"], b'{"event": "booted"}\n')
    from grader.inside.runner import main as run
    run(spec["events_fd"])


if __name__ == "__main__":
    main(sys.argv)
