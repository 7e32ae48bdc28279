"""The grader's copy of a submission (grader/host/snapshot.py): links are never followed out
of the folder, only regular files are read, sizes are checked before anything is read,
and the digest sees what the copy would hold."""
from __future__ import annotations

import os

import pytest

from grader.host.snapshot import SnapshotError, take

NB = "schedules.ipynb"


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "submitted" / "alice" / "schedules"
    path.mkdir(parents=True)
    (path / NB).write_text("{}")
    return path


def snap(folder, dest=None, **limits):
    options = {"required": {NB: 1000}, "max_bytes": 10_000, "max_files": 10, **limits}
    return take(folder, dest, **options)


def test_regular_files_are_copied_and_links_out_refused(folder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's")
    os.symlink(secret, folder / "out.txt")
    os.symlink("/etc", folder / "etc")
    os.symlink("nowhere", folder / "broken")
    os.symlink(NB, folder / "alias.ipynb")  # inside: taken, as a file
    os.mkfifo(folder / "pipe")
    got = snap(folder, tmp_path / "copy")
    assert got.files == ["alias.ipynb", NB]
    assert (tmp_path / "copy" / "alias.ipynb").read_text() == "{}"
    assert not (tmp_path / "copy" / "alias.ipynb").is_symlink()
    assert "outside your submission" in got.refused["out.txt"]
    assert "a folder outside" in got.refused["etc"]
    assert "broken link" in got.refused["broken"]
    assert "(a FIFO)" in got.refused["pipe"]
    assert not any("the instructor's" in r for r in got.refused.values())


def test_a_linked_folder_is_refused(folder, tmp_path):
    other = tmp_path / "submitted" / "bob"
    other.mkdir()
    os.symlink(folder, other / "schedules")
    with pytest.raises(SnapshotError, match="submission folder is a link"):
        snap(other / "schedules")
    os.symlink(folder.parent, tmp_path / "submitted" / "carol")
    with pytest.raises(SnapshotError, match="your folder in submitted/ is a link"):
        snap(tmp_path / "submitted" / "carol" / "schedules")


def test_sizes_are_checked_from_lstat_before_reading(folder, tmp_path):
    with open(folder / "sparse.bin", "wb") as f:
        f.truncate(2**40)  # 1 TiB, no disk: never read
    (folder / NB).write_text("x" * 2000)
    got = snap(folder, tmp_path / "copy")
    assert got.files == []
    assert "over the limit of 1000 bytes" in got.refused[NB]
    assert "1048576.0 MiB" in got.refused["sparse.bin"]


def test_files_past_the_count_are_left_out(folder, tmp_path):
    for i in range(20):
        (folder / f"f{i:02}").write_text("x")
    got = snap(folder, tmp_path / "copy")
    assert got.files[0] == NB or NB in got.files
    assert len(got.files) == 10 and len(got.refused) == 11


def test_hard_links_are_refused(folder, tmp_path):
    outside = tmp_path / "solution.ipynb"
    outside.write_text("{}")
    os.link(outside, folder / "copy.ipynb")
    assert "hard link" in snap(folder).refused["copy.ipynb"]


def test_the_digest_follows_contents_not_link_targets(folder, tmp_path):
    before = snap(folder).digest
    (folder / NB).write_text("{ }")
    changed = snap(folder).digest
    assert changed != before
    target = tmp_path / "t.txt"
    target.write_text("a")
    os.symlink(target, folder / "out")
    linked = snap(folder).digest
    target.write_text("b")  # what a refused link points at never enters the digest
    assert snap(folder).digest == linked


def _swapping(folder, versions: dict[str, bytes], stop):
    """Swap the notebook atomically between two versions, as fast as it can, until
    ``stop`` is set (an editor's save, or a student's script, during grading)."""
    import itertools
    for i in itertools.count():
        if stop.is_set():
            return
        tmp = folder.parent / f".{NB}.tmp"  # beside the folder: the folder holds one version
        tmp.write_bytes(versions[sorted(versions)[i % 2]])
        os.replace(tmp, folder / NB)


def test_a_folder_changed_while_it_is_read_gives_one_whole_version(folder, tmp_path):
    """Two versions of different sizes, swapped without pause during the reads: each copy
    is one version whole (never one's size with the other's bytes), with that version's
    digest, or it is refused as changing; never a mixture, never a crash."""
    import threading
    versions = {"a": b'{"v": "a"}' * 50, "b": b'{"v": "bb"}' * 70}
    digests = {}
    for name, text in versions.items():
        stable = tmp_path / f"stable-{name}" / "x" / "schedules"
        stable.mkdir(parents=True)
        (stable / NB).write_bytes(text)
        (stable / "data.txt").write_bytes(b"beside")
        digests[name] = snap(stable).digest
    (folder / "data.txt").write_bytes(b"beside")
    # The fixture's notebook is a third version: replace it before the swapper starts,
    # or a read that runs before the swapper's first save sees it (as CI once did).
    (folder / NB).write_bytes(versions["a"])
    stop = threading.Event()
    swapper = threading.Thread(target=_swapping, args=(folder, versions, stop))
    swapper.start()
    seen, refused = set(), 0
    try:
        for i in range(300):
            dest = tmp_path / f"copy{i}"
            try:
                got = snap(folder, dest)
            except SnapshotError as exc:
                assert "changed while the grader read it" in str(exc)
                refused += 1
                continue
            version = next((v for v, d in digests.items() if d == got.digest), None)
            assert version is not None, (got.files, got.refused)
            assert (dest / NB).read_bytes() == versions[version]
            assert (dest / "data.txt").read_bytes() == b"beside"
            seen.add(version)
    finally:
        stop.set()
        swapper.join()
    assert seen or refused
