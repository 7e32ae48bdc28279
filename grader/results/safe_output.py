"""Text a student controls (a folder name, an exception message in a reason) in what the
grader writes for people and other programs: terminal lines, CSV cells, file names.

A student is known to the grader by :func:`student_id`, the folder name made
:func:`printable` once, where it is collected: everything after that (the gradebook's
keys and rows, pytest's node ids and reports, nbgrader's student ids, the terminal
summary) holds no newline, terminal escape, zero-width character or byte that is not
UTF-8, and two folder names never share an id.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re


def printable(text: str) -> str:
    """``text`` itself when it is printable and has no backslash; otherwise with every
    backslash and unprintable character (newline, ESC, a zero-width space, a byte that
    was not UTF-8, kept by Python as a lone surrogate) written as Python writes it in a
    string literal (``\\\\``, ``\\n``, ``\\x1b``, ``\\u200b``, ``\\udcff``). Since an
    escaped text always holds a backslash and a text left as it is never does, no two
    texts give the same result: it names its text losslessly."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(c if c.isprintable() and c != "\\" else ascii(c)[1:-1] for c in text)


def transportable(value):
    """``value`` (text, or lists, tuples and dicts of it) with every lone surrogate
    written as its escape: text that UTF-8 can carry (pytest-xdist's reports, a file)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, (list, tuple)):
        return type(value)(transportable(v) for v in value)
    if isinstance(value, dict):
        return {transportable(k): transportable(v) for k, v in value.items()}
    return value


def student_id(folder_name: str) -> str:
    """The grader's name for the student of ``submitted/<folder_name>/``."""
    return printable(folder_name)


# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A CSV cell that a spreadsheet shows as written: a text that starts with a
    formula's character gets a leading ``'`` (OWASP's advice). Numbers (int, float and
    bool) are the grader's own and stay numbers; every text is treated alike, so a
    student's folder named ``-1`` or ``+1`` is shown as that text, not computed."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(rows) -> str:
    """The CSV text of ``rows`` (the header first), every cell through :func:`csv_cell`:
    the one way the grader writes CSV."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return text.getvalue()


# A student id that is its own file name: ASCII word characters and a few marks, not
# starting with one (no hidden ".x", no "-rf" read as an option), short enough for the
# suffixes the grader adds; never a "~", which only the hashed names below hold.
PLAIN_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+=,-]{0,99}")
READABLE_BYTES = 64


def file_stem(student: str) -> str:
    """The stem of the files named after ``student`` (a :func:`student_id`):
    ``feedback/<stem>.txt``, ``log/<stem>.txt``. An ordinary id is its own stem; any
    other gets a readable part (unsafe characters as ``_``, cut to 64 bytes) and
    ``~`` with 16 hex digits of the id's SHA-256, so that every stem is a safe file
    name of at most 81 bytes, and two students never share one (look-alikes and names
    that differ past the cut included; a plain stem never holds a ``~``)."""
    if PLAIN_FILE.fullmatch(student):
        return student
    readable = re.sub(r"[^\w.@+=,-]", "_", student)
    if not re.match(r"\w", readable):
        readable = "_" + readable
    while len(readable.encode()) > READABLE_BYTES:
        readable = readable[:-1]
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{readable}~{digest[:16]}"
