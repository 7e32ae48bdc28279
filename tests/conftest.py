"""Shared fixtures. Tests use the real data directory (``$DLCOURSE_DATA_DIR`` or
Keras's cache); `.ci/run` fills it from ../shared/data when that is present."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Keep TensorFlow's C++ start-up notices out of test output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# pytest-xdist: with --dist loadfile (pyproject.toml) a module's tests run on one worker.
# tests/grader/test_assignment_samples.py is parametrized over the assignments; each
# assignment's tests there are a unit of their own, so two assignments train and grade
# their samples on two workers at once.
PER_PARAM = ("tests/grader/test_assignment_samples.py",)


def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class PerAssignment(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            if scope in PER_PARAM and nodeid.endswith("]"):
                return f"{scope}[{nodeid.rsplit('[', 1)[1]}"
            return scope

    return PerAssignment(config, log)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def run_python(tmp_path):
    """Run a snippet in a fresh interpreter (for settings read at import, like KERAS_HOME)."""

    def run(code: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=full_env,
                              capture_output=True, text=True, timeout=timeout)
        assert proc.returncode == 0, f"snippet failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        return proc

    return run
