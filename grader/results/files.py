"""Files the grader writes for people and other programs."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader (or a crash) never sees half a file.
    Always UTF-8: a lone surrogate (a byte that was not UTF-8, in a process's output or
    an exception message) is written as its escape, not a reason to fail."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
        f.write(text)
    os.replace(tmp, path)
