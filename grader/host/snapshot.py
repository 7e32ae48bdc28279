"""What the grader reads of a submission: a copy of its regular files, taken without
ever following a link out of it.

Everything the grader opens of a submission (the notebook, a saved model, the files
the student's code may read) comes from this copy, never from the submitted folder
itself. The walk opens every folder and file relative to its parent's descriptor with
``O_NOFOLLOW``, so no path component can be a link; a link is read as a link and taken
only when it resolves to a regular file inside the submission. Every other kind of
entry (a link out of the folder, to a folder, or to nothing; a FIFO, socket or device;
a hard link, which is a second name of another file) is left out, with a reason that
names it and never quotes what it points at. Sizes are checked from ``lstat`` before
anything is read (a sparse file counts at its full size), and the walk stops after a
bounded number of entries, so neither a huge folder nor a huge file is ever copied.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

# Folders that editors leave behind and grading never needs.
SKIPPED = {".ipynb_checkpoints", "__pycache__"}
MAX_DEPTH = 8
CHUNK = 1 << 20


def shown(name: str) -> str:
    """A file name as feedback shows it: quoted, with anything unprintable escaped (a
    name can hold newlines, right-to-left marks or zero-width spaces)."""
    if name.isprintable() and "'" not in name:
        return f"'{name}'"
    return ascii(name)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n} bytes"


class SnapshotError(Exception):
    """The submission folder itself cannot be read safely (it is a link, or not a
    folder): every test fails with this reason."""


@dataclass
class Snapshot:
    """The copy at ``root`` (``None`` when only the digest was computed), the files in it
    (relative POSIX names, in order), and the entries left out: name -> reason."""

    root: Path | None
    files: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)
    digest: str = ""
    bytes: int = 0

    def notes(self, required: set[str] = frozenset()) -> list[str]:
        """The left-out entries as feedback notes (the required ones fail their tests
        with their reason instead)."""
        return [f"left out of grading: {reason}" for name, reason in self.refused.items()
                if name not in required]


_KINDS = [(stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder")]


def _kind(mode: int) -> str:
    return next((text for test, text in _KINDS if test(mode)), "not a regular file")


def _open_folder(folder: Path) -> int:
    """A descriptor of ``folder``, refusing a link at the folder or its parent (the
    student's folder in ``submitted/``)."""
    folder = Path(os.path.abspath(folder))
    parent = os.open(folder.parent.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part, what in ((folder.parent.name, "your folder in submitted/"),
                           (folder.name, "the submission folder")):
            try:
                fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
            except OSError as exc:
                try:
                    mode = os.lstat(part, dir_fd=parent).st_mode
                except OSError:
                    raise SnapshotError(f"{what} cannot be read ({exc.strerror})") from None
                if stat.S_ISLNK(mode):
                    raise SnapshotError(f"{what} is a link to another place: hand in the "
                                        "folder itself") from None
                raise SnapshotError(f"{what} is {_kind(mode)}, not a folder") from None
            os.close(parent)
            parent = fd
        return parent
    except BaseException:
        os.close(parent)
        raise


def _open_inside(root_fd: int, parts: list[str]) -> int:
    """Open the regular file ``parts`` under ``root_fd``, no component a link."""
    fds = []
    try:
        fd = root_fd
        for part in parts[:-1]:
            fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            fds.append(fd)
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    finally:
        for fd in fds:
            os.close(fd)


@dataclass
class _Folder:
    name: str


@dataclass
class _Found:
    name: str          # relative POSIX name in the submission
    source: list[str]  # the regular file's path components to read (a link's target)
    size: int
    link: str | None = None
    stamp: tuple = ()  # what identifies this version of the file (:func:`_stamp`)


def _stamp(st: os.stat_result) -> tuple:
    """A file's identity and version: the same inode, size and times."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class _Changed(Exception):
    """A file is not the version the walk saw: the submission changes while it is read."""


def _walk(root_fd: int, real_root: str, max_entries: int):
    """Yield ``_Found`` for each usable file, and ``(name, reason)`` for each entry left
    out, in name order; at most ``max_entries`` entries are looked at."""
    seen = 0

    def visit(fd: int, prefix: list[str], depth: int):
        nonlocal seen
        with os.scandir(fd) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            name = "/".join(prefix + [entry.name])
            seen += 1
            if seen > max_entries:
                yield name, f"{shown(name)} and the rest: the submission has more than " \
                            f"{max_entries} entries"
                return
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # gone since the folder was listed
                raise _Changed(name) from None
            if stat.S_ISDIR(st.st_mode):
                if entry.name in SKIPPED:
                    continue
                if depth >= MAX_DEPTH:
                    yield name, f"{shown(name)} is nested more than {MAX_DEPTH} folders deep"
                    continue
                yield _Folder(name)
                try:
                    sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                                  dir_fd=fd)
                except OSError:  # replaced or gone since it was listed
                    raise _Changed(name) from None
                try:
                    yield from visit(sub, prefix + [entry.name], depth + 1)
                finally:
                    os.close(sub)
                if seen > max_entries:
                    return
            elif stat.S_ISREG(st.st_mode):
                if st.st_nlink > 1:
                    yield name, (f"{shown(name)} is a hard link (a second name of another "
                                 "file): submit a copy of the file")
                else:
                    yield _Found(name, prefix + [entry.name], st.st_size, stamp=_stamp(st))
            elif stat.S_ISLNK(st.st_mode):
                yield _link(fd, entry.name, prefix, real_root)
            else:
                yield name, f"{shown(name)} is not a regular file ({_kind(st.st_mode)})"

    yield from visit(root_fd, [], 0)


def _link(fd: int, entry: str, prefix: list[str], real_root: str):
    """A link is taken only when it resolves to a regular file inside the submission."""
    name = "/".join(prefix + [entry])
    try:
        target = os.readlink(entry, dir_fd=fd)
    except OSError:  # replaced or gone since it was listed
        raise _Changed(name) from None
    resolved = os.path.realpath(os.path.join(real_root, *prefix, target))
    inside = resolved.startswith(real_root + os.sep)
    if not inside:
        if os.path.isdir(resolved):
            return name, (f"{shown(name)} is a link to a folder outside your submission: "
                          "submit the files themselves")
        return name, (f"{shown(name)} is a link to a file outside your submission: "
                      "submit the file itself")
    try:
        st = os.lstat(resolved)
    except OSError:
        return name, f"{shown(name)} is a link to nothing (a broken link)"
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
        return name, f"{shown(name)} is a link to {_kind(st.st_mode)}, not to a file"
    parts = os.path.relpath(resolved, real_root).split(os.sep)
    return _Found(name, parts, st.st_size, link=target, stamp=_stamp(st))


# How often a submission that changes while it is read is read again.
ATTEMPTS = 3


def take(folder: str | Path, dest: str | Path | None, *, required: dict[str, int],
         max_bytes: int, max_files: int) -> Snapshot:
    """Copy the usable files of ``folder`` into ``dest`` (or only compute the digest when
    ``dest`` is None). ``required`` maps the names the assignment needs (the notebook, a
    saved model) to their own size limits; they are taken first, then the others in
    name order while the total stays within ``max_bytes`` and ``max_files``.

    The copy is of one version of the folder: each file's size, bytes and hash come
    from one open file that is the one the walk saw, and the whole folder is walked
    again afterwards; if anything changed meanwhile (a notebook swapped during
    grading), it is read again from scratch, and refused after :data:`ATTEMPTS`
    tries. So the digest is always that of the bytes graded."""
    root_fd = _open_folder(Path(folder))
    try:
        real_root = os.path.realpath(f"/proc/self/fd/{root_fd}")
        if not os.path.isdir(real_root):  # no /proc: the folder's own real path
            real_root = os.path.realpath(folder)
        max_entries = max(4 * max_files, 64)
        for _ in range(ATTEMPTS):
            if dest is not None and os.path.lexists(dest):
                shutil.rmtree(dest)
            before = _signature(root_fd, max_entries)
            try:
                snap = _take(root_fd, real_root, dest, required, max_bytes, max_files,
                             max_entries)
            except _Changed:
                continue
            if _signature(root_fd, max_entries) == before:
                return snap
        raise SnapshotError(f"the submission changed while the grader read it, {ATTEMPTS} "
                            "times: grade it again once nothing writes to it")
    finally:
        os.close(root_fd)


def _signature(root_fd: int, max_entries: int) -> list:
    """Every entry's name and version (links as links), in walk order: equal before and
    after a read when nothing changed in between."""
    out = []
    for folder, dirs, files, fd in os.fwalk(".", dir_fd=root_fd):
        dirs.sort()
        for name in sorted(dirs + files):
            try:
                st = os.lstat(name, dir_fd=fd)
            except OSError:
                st = None
            out.append((folder, name, _stamp(st) if st else None, st and st.st_mode))
            if len(out) > max_entries:
                return out
    return out


def _take(root_fd: int, real_root: str, dest, required: dict[str, int], max_bytes: int,
          max_files: int, max_entries: int) -> Snapshot:
    """One read of the folder (:func:`take`)."""
    found, refused, folders = [], {}, set()
    for item in _walk(root_fd, real_root, max_entries=max_entries):
        if isinstance(item, _Found):
            found.append(item)
        elif isinstance(item, _Folder):
            folders.add(item.name)
        else:
            refused[item[0]] = item[1]
    found.sort(key=lambda f: (f.name not in required, f.name))
    chosen, total = [], 0
    for f in found:
        limit = required.get(f.name)
        if limit is not None and f.size > limit:
            refused[f.name] = (f"{shown(f.name)} is {_size(f.size)}, over the limit of "
                               f"{_size(limit)} for it")
        elif len(chosen) >= max_files:
            refused[f.name] = (f"{shown(f.name)}: the submission may hold at most "
                               f"{max_files} files")
        elif total + f.size > max_bytes:
            refused[f.name] = (f"{shown(f.name)} ({_size(f.size)}): the submission may "
                               f"hold at most {_size(max_bytes)} in all")
        else:
            chosen.append(f)
            total += f.size
    snap = Snapshot(Path(dest) if dest is not None else None, bytes=total, folders=folders)
    h = hashlib.sha256()
    for f in sorted(chosen, key=lambda f: f.name):
        try:
            data_hash = _copy(root_fd, f, snap.root)
        except OSError as exc:
            refused[f.name] = f"{shown(f.name)} cannot be read ({exc.strerror})"
            continue
        snap.files.append(f.name)
        h.update(f"F\0{f.name}\0{f.link or ''}\0{data_hash}\n".encode())
    for name in sorted(refused):
        h.update(f"R\0{name}\0{refused[name]}\n".encode())
    snap.refused = dict(sorted(refused.items()))
    snap.digest = h.hexdigest()
    return snap


def _copy(root_fd: int, f: _Found, dest: Path | None) -> str:
    """Copy at most ``f.size`` bytes of the file (it cannot grow past its checked size
    meanwhile) and return their hash."""
    fd = _open_inside(root_fd, f.source)
    h = hashlib.sha256()
    with contextlib.ExitStack() as stack:
        src = stack.enter_context(os.fdopen(fd, "rb"))
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        if _stamp(st) != f.stamp:
            raise _Changed(f.name)
        out = None
        if dest is not None:
            target = dest.joinpath(*f.name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            out = stack.enter_context(open(target, "xb"))
        left = f.size
        while left > 0:
            block = src.read(min(CHUNK, left))
            if not block:
                break
            left -= len(block)
            h.update(block)
            if out is not None:
                out.write(block)
        if _stamp(os.fstat(fd)) != f.stamp:  # written to while it was read
            raise _Changed(f.name)
    return h.hexdigest()
