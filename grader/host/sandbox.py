"""Where a submission's process runs: a bubblewrap (``bwrap``) sandbox.

Inside it the student's code sees a private root, read-only everywhere but one tmpfs:

- the system (``/usr``) and the Python installation with its site-packages (the
  course's own packages and assignments' folders masked, where they lie inside it); of ``/etc`` only what the loader and a user lookup
  need (``ld.so.cache``, ``localtime``, and a ``passwd``, ``group`` and ``hosts`` of
  the sandbox's own), so no configuration file of the grading machine is readable;
- ``/runtime``: the few grader modules that run next to student code, and the data a
  model assignment's notebook trains on (never held-out labels);
- ``/snapshot``: the grader's checked copy of the submission (:mod:`grader.host.snapshot`);
- ``/scratch``: a tmpfs that :mod:`grader.inside.boot` mounts with the assignment's quotas of
  bytes and files; the working directory ``/scratch/submission`` (a copy of the
  snapshot), ``/tmp`` and ``/dev/shm`` all live in it, and it vanishes with the sandbox.

It has no network, its own PID and IPC namespaces (``kill -1`` or a fork bomb reach only
itself; everything dies with it), a fresh environment, no capability once the boot has
mounted the tmpfs, a seccomp filter (:mod:`grader.host.syscall_filter`: no keyrings, no
memory outside the limits, no new namespaces, mounts or tracing), and, when the grader
runs as root, a user id of its own, so that ``RLIMIT_NPROC`` bounds its processes. Results come back on a pipe, files on a
descriptor whose size ``RLIMIT_FSIZE`` bounds. The hidden tests, the references, the
held-out labels, the gradebook and other submissions are not in its filesystem at all.

:class:`Unconfined` (``--sandbox none``) runs the same program without confinement (no
tmpfs, no quota), for trusted code or a machine without bubblewrap.
"""
from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import grader
from grader.assignments.spec import SOURCE
from grader.config import Limits
from grader.host import warm
from grader.host.errors import SandboxError  # noqa: F401 (raised here, caught by callers)

GRADER_DIR = Path(grader.__file__).resolve().parent
INSIDE_DIR = GRADER_DIR / "inside"
# The sandbox's `grader` package: the whole of grader/inside/ (which imports nothing of
# the grader outside itself: tests/grader/test_architecture.py), and the notebook API's
# two modules, answered from the files the grader writes (grader/inside/notebook_facade.py).
NOTEBOOK_API = {
    "data.py": INSIDE_DIR / "notebook_facade.py",
    "thresholds.py": "from grader.data import threshold  # noqa: F401\n",
}


def runtime_modules() -> dict[str, Path | str]:
    """The sandbox's ``grader`` package: path inside it -> the file it copies (or its text)."""
    inside = {f"inside/{p.name}": p for p in sorted(INSIDE_DIR.glob("*.py"))}
    return {"__init__.py": "", **inside, **NOTEBOOK_API}
INSIDE = {"runtime": "/runtime", "snapshot": "/snapshot"}
# The program bubblewrap starts: the copied grader modules first, then the working
# directory (a notebook's own helper modules), as a kernel started there would see them.
BOOT = "import sys; sys.path[:0] = [{runtime!r}, '']; from grader.inside.boot import main; main(sys.argv)"
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
# What of the machine's /etc the sandbox sees (when present).
ETC_FILES = ("ld.so.cache", "localtime", "fonts")
# What the boot needs to mount the tmpfs and drop privileges, and nothing more.
ROOT_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_CHOWN",
             "CAP_FOWNER")
USERNS_CAPS = ("CAP_SYS_ADMIN", "CAP_SETPCAP")
# A warm process (grader/inside/zygote.py) also brings up each new network namespace's loopback.
WARM_CAPS = ("CAP_NET_ADMIN",)


def write_runtime(folder: Path) -> Path:
    """Write the sandbox's ``grader`` package into ``folder``."""
    package = folder / "grader"
    for name, origin in runtime_modules().items():
        text = origin.read_text() if isinstance(origin, Path) else origin
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    return folder


def _tasks_of(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (what RLIMIT_NPROC counts)."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                pass
    return count


def _site_packages(roots: list[str]) -> list[str]:
    return sorted({os.path.realpath(p) for p in sys.path
                   if p.endswith("site-packages") and os.path.isdir(p)
                   and any(os.path.realpath(p).startswith(r + "/") for r in roots)})


# How a bubblewrap sandbox's processes start (grader/host/warm.py).
STARTS = ("warm", "cold")


class Cold:
    """A cold start's process: its process group is what a kill ends."""

    def __init__(self, proc: subprocess.Popen):
        self.proc, self.stdin = proc, proc.stdin

    @property
    def returncode(self):
        return self.proc.returncode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        return self.proc.wait(timeout=timeout)



class Sandbox:
    """Where a submission's process runs. Each kind (:data:`KINDS`) supplies the
    command, the environment, the working directory and the limits of that process, so
    the code that starts it (:mod:`grader.host.run`) never asks which kind it has."""

    kind = ""
    confined = False  # told to the boot (grader/inside/boot.py): mount the quotas, drop privileges

    def __init__(self):
        # Root switches to a user id of its own per grading process (RLIMIT_NPROC never
        # binds root); two graders running at once get different ones.
        self.uid = 100_000 + os.getpid() % 100_000 if os.geteuid() == 0 else None

    def work_folder(self) -> Path:
        """A new folder for one submission's grading (its snapshot, its processes' logs)."""
        from grader.host import workspace
        return workspace.folder("grading-")

    def check(self) -> None:
        """Raise :class:`SandboxError` unless a submission can run this way here."""

    def paths(self, runtime: Path, snapshot: Path) -> dict[str, str]:
        """The two folders as the process sees them."""
        return {"runtime": str(runtime), "snapshot": str(snapshot)}

    def boot_spec(self, limits: Limits, events_fd: int) -> dict:
        spec = {"confined": self.confined, "uid": self.uid, "events_fd": events_fd,
                "quota_bytes": limits.disk_bytes, "quota_files": limits.disk_files + 8}
        if self.confined:
            from grader.host import syscall_filter
            spec["seccomp"] = syscall_filter.boot_spec()
        return spec

    def quota(self, limits: Limits) -> dict | None:
        """The write quotas the process enforces on itself (None: none)."""
        return None

    def environment(self) -> dict[str, str]:
        """The variables the process gets besides the grader's own."""
        return {}

    def prepare(self, argv: list[str], runtime: Path, snapshot: Path, env: dict[str, str],
                packages: tuple[str, ...] | None, folder: Path) -> tuple[list[str], Path, dict]:
        """``(command, working directory, environment)`` of the process that runs
        ``argv`` on a copy of ``snapshot``; ``folder`` is the grader's for this launch.
        ``packages``: the only site-packages the process may import (None: all)."""
        raise NotImplementedError

    def start(self, runtime: Path, snapshot: Path, env: dict[str, str],
              packages: tuple[str, ...] | None, limits: Limits, boot: dict, folder: Path,
              log_fd: int, events_fd: int, outputs_fd: int):
        """Start the process that runs the boot ``boot`` on ``snapshot``, its output to
        ``log_fd``; returns it (``stdin``, ``wait``, ``kill``, ``returncode``). A new
        interpreter, unless the kind starts its processes otherwise."""
        argv = [sys.executable, "-I", "-c",
                BOOT.format(runtime=self.paths(runtime, snapshot)["runtime"]), json.dumps(boot)]
        argv, cwd, env = self.prepare(argv, runtime, snapshot, env, packages, folder)
        return Cold(subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.PIPE, stdout=log_fd, stderr=subprocess.STDOUT,
            start_new_session=True, env=env, pass_fds=(events_fd, outputs_fd),
            preexec_fn=self.limit(limits)))

    def write_etc(self, runtime: Path) -> None:
        """The sandbox's own ``passwd``, ``group`` and ``hosts``."""
        etc = runtime / "etc"
        etc.mkdir(exist_ok=True)
        uid = self.uid if self.uid is not None else os.getuid()
        gid = self.uid if self.uid is not None else os.getgid()
        (etc / "passwd").write_text(f"root:x:0:0::/nonexistent:/usr/sbin/nologin\n"
                                    f"student:x:{uid}:{gid}::/tmp:/usr/sbin/nologin\n")
        (etc / "group").write_text(f"root:x:0:\nstudent:x:{gid}:\n")
        (etc / "hosts").write_text("127.0.0.1 localhost\n")

    def rlimits(self, limits: Limits) -> list[tuple[int, int]]:
        """The process's resource limits, ``(RLIMIT_..., value)``, computed here, in the
        grader's process (inherited by everything the process starts)."""
        return [(resource.RLIMIT_AS, limits.memory_bytes),
                (resource.RLIMIT_FSIZE, limits.file_size_bytes),
                (resource.RLIMIT_NOFILE, limits.open_files),
                (resource.RLIMIT_MSGQUEUE, 0),
                (resource.RLIMIT_CORE, 0), *self.more_limits(limits)]

    def limit(self, limits: Limits):
        """A ``preexec_fn`` that sets :meth:`rlimits`."""
        rlimits = self.rlimits(limits)

        def apply():
            for which, value in rlimits:
                resource.setrlimit(which, (value, value))
        return apply

    def more_limits(self, limits: Limits) -> list[tuple[int, int]]:
        """A kind's own resource limits, ``(RLIMIT_..., value)``."""
        return []


class Unconfined(Sandbox):
    """The same program without confinement (no tmpfs, no quota, the grader's own
    environment, a plain copy of the submission as its working directory): for trusted
    code or a machine without bubblewrap."""

    kind = "none"

    def prepare(self, argv, runtime, snapshot, env, packages, folder):
        cwd = folder / "submission"
        shutil.copytree(snapshot, cwd)
        return argv, cwd, {**os.environ, **env}


class Bubblewrap(Sandbox):
    """The bubblewrap sandbox this module's docstring describes."""

    kind = "bwrap"
    confined = True

    def __init__(self, start: str = "warm"):
        super().__init__()
        self.bwrap = shutil.which("bwrap")
        if start not in STARTS:
            raise ValueError(f"unknown start {start!r}: {' or '.join(map(repr, STARTS))}")
        self.warm = start == "warm"

    def work_folder(self) -> Path:
        if not self.warm:
            return super().work_folder()
        import tempfile

        from grader.host import workspace
        path = Path(tempfile.mkdtemp(prefix="grading-", dir=workspace.inbox()))
        path.chmod(0o755)
        return path

    def start(self, runtime, snapshot, env, packages, limits, boot, folder, log_fd, events_fd,
              outputs_fd):
        if not self.warm:
            return super().start(runtime, snapshot, env, packages, limits, boot, folder,
                                 log_fd, events_fd, outputs_fd)
        return warm.start(self, runtime, snapshot, env, packages, limits, boot, log_fd,
                          events_fd, outputs_fd)

    def check(self) -> None:
        if not self.bwrap:
            raise SandboxError("bubblewrap is not installed (`apt install bubblewrap`); it "
                               "confines student code. `--sandbox none` grades without it "
                               "(only for code you trust)")
        from grader.host import syscall_filter
        try:
            syscall_filter.program()
        except syscall_filter.FilterError as exc:
            raise SandboxError(str(exc)) from None

    def paths(self, runtime: Path, snapshot: Path) -> dict[str, str]:
        return dict(INSIDE)

    def quota(self, limits: Limits) -> dict | None:
        return {"bytes": limits.disk_bytes, "files": limits.disk_files}

    def environment(self) -> dict[str, str]:
        return {"HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "KERAS_HOME": "/tmp/keras",
                "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}

    def prepare(self, argv, runtime, snapshot, env, packages, folder):
        return self.command(argv, runtime, snapshot, env, packages), folder, env

    def command(self, argv: list[str], runtime: Path, snapshot: Path | None, env: dict[str, str],
                packages: tuple[str, ...] | None = None, inbox: Path | None = None) -> list[str]:
        """``argv`` (a command inside the sandbox) wrapped in the sandbox. ``packages``:
        the only site-packages the process may import (None: all of them). A warm
        process (:mod:`grader.host.warm`) gets the worker's ``inbox`` instead of a snapshot,
        and the capabilities to make each submission's namespaces."""
        args = [self.bwrap, "--die-with-parent", "--new-session", "--unshare-pid",
                "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if self.uid is None:
            args.append("--unshare-user")
            caps = USERNS_CAPS
        else:
            args += ["--cap-drop", "ALL"]
            caps = ROOT_CAPS
        for cap in caps + (WARM_CAPS if inbox is not None else ()):
            args += ["--cap-add", cap]
        args += ["--ro-bind", "/usr", "/usr", "--dir", "/etc"]
        for name in ETC_FILES:
            if os.path.exists(f"/etc/{name}"):
                args += ["--ro-bind", os.path.realpath(f"/etc/{name}"), f"/etc/{name}"]
        for name in ("passwd", "group", "hosts"):
            args += ["--ro-bind", str(runtime / "etc" / name), f"/etc/{name}"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        # /dev by hand (bwrap's --dev stops the boot's tmpfs mount in a user namespace):
        # the harmless devices, read-only around them.
        args += ["--proc", "/proc", "--tmpfs", "/dev"]
        for device in DEVICES:
            args += ["--dev-bind", f"/dev/{device}", f"/dev/{device}"]
        for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
            args += ["--symlink", target, f"/dev/{name}"]
        args += ["--dir", "/dev/shm", "--remount-ro", "/dev", "--dir", "/scratch"]
        # A warm process writes its imports' caches (Matplotlib's, Keras's, joblib's test
        # of semaphores) in a /tmp and /dev/shm of its own, which each submission's own
        # cover (grader/inside/boot.py).
        args += ["--dir", "/tmp"] if inbox is None else ["--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
        python = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix,
                                                        sys.exec_prefix, sys.base_exec_prefix)})
        python = [p for p in python if not any(p != q and p.startswith(q + "/") for q in python)]
        made = {"/", "/usr", "/etc", "/tmp", "/proc", "/dev", "/scratch"}
        for root in python:
            if root.startswith("/usr/") or root == "/usr":
                continue
            for parent in reversed(Path(root).parents):  # readable path down to it
                if str(parent) not in made:
                    args += ["--perms", "0755", "--dir", str(parent)]
                    made.add(str(parent))
            args += ["--ro-bind", root, root]
        masked = [s for s in self._secrets()  # the course's own code and data, if under a bind
                  if any(s == root or s.startswith(root + "/") for root in python)]
        for secret in masked:
            args += ["--tmpfs", secret, "--remount-ro", secret]
        if packages is not None:  # a test's process that may import only these
            for site in _site_packages(python):
                args += ["--tmpfs", site]
                for name in packages:
                    for entry in (name, f"{name}.libs"):
                        if os.path.isdir(os.path.join(site, entry)):
                            args += ["--ro-bind", os.path.join(site, entry), os.path.join(site, entry)]
                args += ["--remount-ro", site]
        args += ["--ro-bind", str(runtime), INSIDE["runtime"]]
        args += (["--ro-bind", str(snapshot), INSIDE["snapshot"]] if inbox is None else
                 ["--ro-bind", str(inbox), "/inbox", "--dir", INSIDE["snapshot"]])
        args += ["--remount-ro", "/", "--chdir", "/", "--clearenv"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        return args + argv

    @staticmethod
    def _secrets() -> list[str]:
        import importlib.util
        spec = importlib.util.find_spec("dlcourse")
        found = [str(GRADER_DIR), str(SOURCE)] + [os.path.realpath(p) for p in
                                                  (spec.submodule_search_locations or []) if spec]
        data = os.environ.get("DLCOURSE_DATA_DIR")
        if data and os.path.isdir(data):
            found.append(os.path.realpath(data))
        return found

    def more_limits(self, limits: Limits) -> list[tuple[int, int]]:
        """RLIMIT_NPROC, which bounds a fork bomb: the sandbox's processes and threads
        (its own user id under root; our user's other processes count too otherwise)."""
        nproc = limits.processes
        if self.uid is None:
            nproc += _tasks_of(os.getuid())
        return [(resource.RLIMIT_NPROC, nproc)]


KINDS = {cls.kind: cls for cls in (Bubblewrap, Unconfined)}


def sandbox_of(kind: str = "bwrap", start: str = "warm") -> Sandbox:
    """A sandbox of ``kind`` (``bwrap`` or ``none``). ``start``: ``warm`` forks each
    bubblewrap sandbox's process from a warm process (:mod:`grader.host.warm`), ``cold``
    starts a new interpreter each time; ``none`` always starts cold."""
    if kind not in KINDS:
        raise ValueError(f"unknown sandbox {kind!r}: {' or '.join(map(repr, KINDS))}")
    return Bubblewrap(start) if kind == "bwrap" else KINDS[kind]()
