"""A single-node Slurm cluster of Debian's packages (``slurmctld``, ``slurmd``, ``munge``),
started in a folder of its own for a test and stopped after it.

As root, with a generated munge key, ``proctrack/linuxproc`` and ``task/none`` (no
cgroups), it starts in about a second; its job records stay an hour (``MinJobAge``),
so ``scontrol show job`` tells a finished task's state without an accounting database.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "scontrol")


def available() -> str | None:
    """Why a cluster cannot start here (None: it can)."""
    missing = [d for d in DAEMONS if not shutil.which(d)]
    if missing:
        return f"{', '.join(missing)} not installed (apt install slurmctld slurmd slurm-client munge)"
    if os.geteuid() != 0:
        return "the test cluster runs its daemons as root"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONF = """ClusterName=dlcourse
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MinJobAge=3600
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=grading Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


class Cluster:
    def __init__(self, folder: Path):
        self.folder = folder
        self.env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf")}

    def run(self, *argv: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        proc = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(argv)}: {proc.returncode}\n{proc.stdout}{proc.stderr}"
                                 + self.logs())
        return proc

    def logs(self) -> str:
        return "".join(f"\n--- {p.name} ---\n{p.read_text()[-2000:]}"
                       for p in sorted(self.folder.glob("*.log")))

    def task_states(self, job: str) -> dict[int, str]:
        """Array task -> its state (COMPLETED, CANCELLED, FAILED, ...), from slurmctld."""
        text = self.run("scontrol", "show", "job", job, "--oneliner").stdout
        states = {}
        for line in text.splitlines():
            task = re.search(r"ArrayTaskId=(\d+)\b", line)
            state = re.search(r"JobState=(\w+)", line)
            if task and state:
                states[int(task.group(1))] = state.group(1)
        return states

    def wait_for(self, job: str, timeout: float = 1800) -> dict[int, str]:
        """Until no task of ``job`` is pending or running (squeue), then their states."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.run("squeue", "-h", "-j", job, check=False).stdout.strip():
                return self.task_states(job)
            time.sleep(1)
        raise AssertionError(f"job {job} still queued after {timeout} s" + self.logs())


@contextlib.contextmanager
def cluster(folder: Path):
    """A running cluster in ``folder`` (``Cluster.env`` has its ``SLURM_CONF``)."""
    munge = folder / "munge"
    for sub in (munge, folder / "state", folder / "spool"):
        sub.mkdir(parents=True)
    munge.chmod(0o700)
    key = munge / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    host = socket.gethostname()
    (folder / "slurm.conf").write_text(CONF.format(
        host=host, ctld_port=_free_port(), slurmd_port=_free_port(), cpus=os.cpu_count(),
        munge_socket=munge / "munge.socket", folder=folder))
    c = Cluster(folder)
    pid_files = [munge / "munged.pid", folder / "slurmctld.pid", folder / "slurmd.pid"]
    try:
        c.run("munged", "--force", f"--key-file={key}", f"--socket={munge / 'munge.socket'}",
              f"--pid-file={pid_files[0]}", f"--log-file={munge / 'munged.log'}",
              f"--seed-file={munge / 'munged.seed'}")
        c.run("slurmctld", "-i")
        c.run("slurmd", "-N", host)
        deadline = time.monotonic() + 60
        while c.run("sinfo", "-h", "-o", "%t", check=False).stdout.strip() != "idle":
            if time.monotonic() > deadline:
                raise AssertionError("the node did not become idle" + c.logs())
            time.sleep(0.5)
        yield c
    finally:
        for pid_file in reversed(pid_files):
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
        time.sleep(1)
