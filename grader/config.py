"""What every assignment of the course shares: the course id, the limits, the time
limits, the tolerances and the grading mode. ``assignments/nbgrader_config.py`` and the
grader both read them from here; what belongs to one assignment lives in its folder
(:mod:`grader.assignments`).
"""
from __future__ import annotations

from dataclasses import dataclass

COURSE_ID = "dlcourse"

# --- limits -------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """What one submission may use; each assignment has its own (``limits`` in its
    spec; ``python -m grader grade --timeout/--memory`` override them).

    Its process (:mod:`grader.host.sandbox`):

    - ``timeout_s``: wall clock of the process. If it is reached, the process group is
      killed, the check that was running fails as "timed out", and the remaining ones
      run in a fresh process.
    - ``memory_bytes``: address space (RLIMIT_AS). TensorFlow's CPU runtime needs about
      3 GiB of it to start; a grading run of the largest assignment stays below 4 GiB.
    - ``file_size_bytes``: any one file it writes, its captured output included.
    - ``processes``: its processes and threads (RLIMIT_NPROC; TensorFlow starts a few
      dozen threads), which bounds a fork bomb.
    - ``open_files``: its open descriptors (RLIMIT_NOFILE), which bounds what it can
      hold in pipes' and sockets' kernel buffers.
    - ``disk_bytes``, ``disk_files``: the quotas of what it may write, in all (its
      scratch folder, ``/tmp`` and ``/dev/shm`` share one tmpfs of this size and number
      of files, the copy of the submission included). Reaching one fails the check
      that was running; the others run in a fresh process.

    What the grader itself reads of the submission (:mod:`grader.host.snapshot`), checked
    before anything is parsed or copied:

    - ``submission_bytes``, ``submission_files``: the whole folder (a sparse file
      counts at its full size); files past them are left out, with a note;
    - ``notebook_bytes``, ``model_bytes``: the notebook, and a saved model (the
      submitted one and the one the grading run writes).
    """

    timeout_s: float = 300
    memory_bytes: int = 6 * 2**30
    file_size_bytes: int = 256 * 2**20
    processes: int = 512
    open_files: int = 1024
    disk_bytes: int = 512 * 2**20
    disk_files: int = 2000
    submission_bytes: int = 128 * 2**20
    submission_files: int = 200
    notebook_bytes: int = 16 * 2**20
    model_bytes: int = 64 * 2**20

    def __post_init__(self):
        if self.disk_bytes <= self.submission_bytes:
            raise ValueError("disk_bytes must leave room beyond the submission's own copy")


# One call of student code (a check's probe) is interrupted after CALL_TIMEOUT_S, in the
# notebook as in the grader's sandbox; a function that never returns fails its test and
# the others still run.
CALL_TIMEOUT_S = 15
# nbgrader's own per-cell limit (Execute.timeout), and the grader's per-cell limit: a
# backstop above CALL_TIMEOUT_S that also covers the set-up cell, whose `import keras`
# takes ~15 s on a busy 2-core machine.
CELL_TIMEOUT_S = 120
DEFAULT_LIMITS = Limits()
# The file checks of a model assignment (no student code; loads a saved model and scores
# it on up to 10,000 images).
MODEL_CHECK_TIMEOUT_S = 180

# --- tolerances ------------------------------------------------------------------------
# Keras computes rates in float32 and the optimizer stores them as float32.
RTOL = 1e-5
ATOL = 1e-8

# "Grading mode" (`$DLCOURSE_GRADING=1`, set by nbgrader_config.py for autograde and by
# the grader for its run of the notebook): a model assignment's notebook trains on the
# quick profile's slices and saves to its `grading_file`, so re-running the student's
# code to see that it trains takes seconds and never overwrites the submitted model.
GRADING_ENV = "DLCOURSE_GRADING"
