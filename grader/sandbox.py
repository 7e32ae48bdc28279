"""Where a submission's process runs: a bubblewrap (``bwrap``) sandbox.

Inside it the student's code sees a private root: the system (``/usr``, ``/etc``,
read-only), the Python installation and its site-packages (read-only, with the
course's own packages masked), ``/runtime`` (read-only: the few grader modules that
run next to student code, and the training data of a model assignment), a scratch
copy of the submission at ``/submission`` (the working directory, the only place it
can write, with a private ``/tmp``) and ``/channel``, where the probes' results go.
It has no network, its own PID namespace (``kill -1`` or a fork bomb reach only
itself; everything dies with it), a fresh environment, and, when the grader runs as
root, a user id of its own, so that ``RLIMIT_NPROC`` bounds its processes. The hidden
tests, the references, the held-out labels, the gradebook and other submissions are
not in its filesystem at all.

``kind="none"`` runs the same program with the same layout but without confinement,
for trusted code or a machine without bubblewrap.
"""
from __future__ import annotations

import os
import resource
import shutil
import sys
from pathlib import Path

import grader
from grader.config import Limits

GRADER_DIR = Path(grader.__file__).resolve().parent
# The sandbox's `grader` package: file -> the grader module it is a copy of (or its text).
RUNTIME_MODULES = {
    "__init__.py": "",
    "limits.py": GRADER_DIR / "limits.py",
    "probes.py": GRADER_DIR / "probes.py",
    "runner.py": GRADER_DIR / "runner.py",
    "data.py": GRADER_DIR / "notebook_facade.py",
    "thresholds.py": "from grader.data import threshold  # noqa: F401\n",
}
INSIDE = {"work": "/submission", "runtime": "/runtime", "channel": "/channel"}
TMPFS_BYTES = 256 * 2**20


class SandboxError(RuntimeError):
    """The sandbox cannot run on this machine: the instructor's problem, not a student's."""


def write_runtime(folder: Path) -> Path:
    """Write the sandbox's ``grader`` package into ``folder``."""
    package = folder / "grader"
    package.mkdir(parents=True, exist_ok=True)
    for name, origin in RUNTIME_MODULES.items():
        text = origin.read_text() if isinstance(origin, Path) else origin
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


class Sandbox:
    def __init__(self, kind: str = "bwrap"):
        if kind not in ("bwrap", "none"):
            raise ValueError(f"unknown sandbox {kind!r}: 'bwrap' or 'none'")
        self.kind = kind
        self.bwrap = shutil.which("bwrap")
        self.setpriv = shutil.which("setpriv")
        # Root drops to a user id of its own per grading process (RLIMIT_NPROC never
        # binds root); two graders running at once get different ones.
        self.uid = 100_000 + os.getpid() % 100_000 if os.geteuid() == 0 else None

    def check(self) -> None:
        """Raise :class:`SandboxError` unless a submission can be confined here."""
        if self.kind == "none":
            return
        if not self.bwrap:
            raise SandboxError("bubblewrap is not installed (`apt install bubblewrap`); it "
                               "confines student code. `--sandbox none` grades without it "
                               "(only for code you trust)")
        if self.uid is not None and not self.setpriv:
            raise SandboxError("setpriv (util-linux) is needed to drop root's rights")

    def paths(self, work: Path, runtime: Path, channel: Path) -> dict[str, str]:
        """The three folders as the process sees them."""
        if self.kind == "none":
            return {"work": str(work), "runtime": str(runtime), "channel": str(channel)}
        return dict(INSIDE)

    def give(self, *folders: Path) -> None:
        """Hand the writable folders to the sandbox's user."""
        if self.kind == "bwrap" and self.uid is not None:
            for folder in folders:
                for path in [folder, *folder.rglob("*")]:
                    os.lchown(path, self.uid, self.uid)

    def command(self, argv: list[str], work: Path, runtime: Path, channel: Path,
                env: dict[str, str]) -> list[str]:
        """``argv`` (a command inside the sandbox) wrapped in the sandbox."""
        if self.kind == "none":
            return argv
        args = [self.bwrap, "--die-with-parent", "--new-session", "--unshare-pid",
                "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if self.uid is None:
            args.append("--unshare-user")
        args += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
                 "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm"]
        python = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix,
                                                        sys.exec_prefix, sys.base_exec_prefix)})
        python = [p for p in python if not any(p != q and p.startswith(q + "/") for q in python)]
        made = {"/", "/usr", "/etc", "/tmp", "/proc", "/dev"}
        for root in python:
            if root.startswith("/usr/") or root == "/usr":
                continue
            for parent in reversed(Path(root).parents):  # readable path down to it
                if str(parent) not in made:
                    args += ["--perms", "0755", "--dir", str(parent)]
                    made.add(str(parent))
            args += ["--ro-bind", root, root]
        for secret in self._secrets():  # the course's own code and data, if under a bind
            if any(secret == root or secret.startswith(root + "/") for root in python):
                args += ["--tmpfs", secret]
        args += ["--ro-bind", str(runtime), INSIDE["runtime"],
                 "--bind", str(work), INSIDE["work"],
                 "--bind", str(channel), INSIDE["channel"],
                 "--chdir", INSIDE["work"], "--clearenv"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        if self.uid is not None:
            args += [self.setpriv, "--reuid", str(self.uid), "--regid", str(self.uid),
                     "--clear-groups", "--no-new-privs"]
        return args + argv

    @staticmethod
    def _secrets() -> list[str]:
        import dlcourse
        found = [str(GRADER_DIR), str(Path(dlcourse.__file__).resolve().parent)]
        data = os.environ.get("DLCOURSE_DATA_DIR")
        if data and os.path.isdir(data):
            found.append(os.path.realpath(data))
        return found

    def limit(self, limits: Limits):
        """A ``preexec_fn`` that sets the process's resource limits (inherited by the
        sandbox and everything it starts)."""
        nproc = limits.processes
        if self.uid is None:  # our own user: its processes elsewhere count too
            nproc += _tasks_of(os.getuid())

        def apply():
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_FSIZE,
                               (limits.file_size_bytes, limits.file_size_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if self.kind == "bwrap":
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        return apply
