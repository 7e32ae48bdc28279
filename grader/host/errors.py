"""The grading machine's failures: the instructor's problem, never a student's."""


class SandboxError(RuntimeError):
    """The sandbox cannot run on this machine: the instructor's problem, not a student's."""
