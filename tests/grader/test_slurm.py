"""A class graded on a real Slurm cluster (a single node, :mod:`tests.slurm_cluster`) with
the scripts of ``deploy/slurm/``: an array job of shards, merged, gives the gradebook a
single run gives; a cancelled shard, run again alone, completes it with every student
exactly once. Also: the Kubernetes manifest asks for what the grader needs."""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import slurm_cluster
import yaml

from grader.assignments.registry import get as assignment_spec
from grader.authoring import samples

ROOT = Path(__file__).resolve().parents[2]
SBATCH = ROOT / "deploy" / "slurm" / "grade.sbatch"
GRADE_CLASS = ROOT / "deploy" / "slurm" / "grade-class.sh"
ASSIGNMENT = "schedules"
SHARDS = 3
# Two of each quick sample (the looping one waits out its call limit: left out).
KINDS = ("correct", "partial", "wrong", "crashing")


def grader(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *argv], capture_output=True,
                          text=True, timeout=1800, cwd=ROOT)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A class of 8 and its gradebook from one run on this machine."""
    folder = tmp_path_factory.mktemp("slurm-course")
    spec = assignment_spec(ASSIGNMENT)
    found = samples.load(spec)
    for i in range(2):
        for kind in KINDS:
            target = folder / "submitted" / f"{kind}{i}" / ASSIGNMENT
            target.mkdir(parents=True)
            nbformat.write(samples.submission(spec, found[kind]), str(target / spec.notebook))
    single = folder / "single"
    proc = grader("grade", str(folder / "submitted"), "--assignment", ASSIGNMENT, "--out", str(single))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return folder


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    why = slurm_cluster.available()
    if why:
        pytest.skip(why)
    with slurm_cluster.cluster(tmp_path_factory.mktemp("slurm")) as cluster:
        cluster.env["PYTHON"] = sys.executable
        yield cluster


def students_once(out: Path) -> list[str]:
    """The students of a gradebook, checking that each is there once per test."""
    with open(out / "gradebook.csv") as f:
        rows = list(csv.DictReader(f))
    keys = [(r["student"], r["test"]) for r in rows]
    assert len(keys) == len(set(keys)), "a student graded twice"
    return sorted({r["student"] for r in rows})


def test_a_class_graded_as_a_slurm_array_equals_a_single_run(course, slurm):
    """``grade-class.sh``: an array of shards, and the merge as a job that depends on it."""
    out = course / "on-slurm"
    proc = subprocess.run([str(GRADE_CLASS), ASSIGNMENT, str(course / "submitted"), str(out),
                           str(SHARDS), f"--chdir={ROOT}"], env=slurm.env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    array, merge = re.findall(r"job (\d+)", proc.stdout)
    states = slurm.wait_for(array)
    assert states == {k: "COMPLETED" for k in range(1, SHARDS + 1)}, states
    slurm.wait_for(merge)
    assert "COMPLETED" in slurm.run("scontrol", "show", "job", merge).stdout, slurm.logs()
    compared = grader("compare", str(course / "single"), str(out / "class"))
    assert compared.returncode == 0, compared.stdout
    assert students_once(out / "class") == students_once(course / "single")


def test_a_cancelled_shard_run_again_alone_completes_the_class(course, slurm):
    out = course / "cancelled"
    submit = ["sbatch", "--parsable", f"--chdir={ROOT}", f"--output={out}/grade-%A_%a.log"]
    args = [str(SBATCH), ASSIGNMENT, str(course / "submitted"), str(out), str(SHARDS)]
    out.mkdir()
    job = slurm.run(*submit, f"--array=1-{SHARDS}", *args).stdout.strip()
    slurm.run("scancel", f"{job}_2")
    states = slurm.wait_for(job)
    # A task cancelled while pending has no record of its own (None).
    assert states.get(1) == states.get(3) == "COMPLETED" and states.get(2) in (None, "CANCELLED"), states
    assert not (out / "shard-2" / "gradebook.json").exists()
    again = slurm.run(*submit, "--array=2", *args).stdout.strip()
    assert slurm.wait_for(again) == {2: "COMPLETED"}
    merged = grader("merge", *(str(out / f"shard-{k}") for k in range(1, SHARDS + 1)),
                    "--out", str(out / "class"))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    compared = grader("compare", str(course / "single"), str(out / "class"))
    assert compared.returncode == 0, compared.stdout
    assert students_once(out / "class") == students_once(course / "single")


def test_the_kubernetes_job_runs_one_shard_per_index():
    job = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "grade-job.yaml").read_text())
    spec = job["spec"]
    assert job["kind"] == "Job" and spec["completionMode"] == "Indexed"
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["SHARDS"]) == spec["completions"]
    script = " ".join(container["args"])
    assert "JOB_COMPLETION_INDEX + 1" in script and '--shard "$k/$SHARDS"' in script
    assert "-m grader grade" in script and os.path.basename(str(SBATCH)) not in script
