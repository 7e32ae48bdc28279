"""The README's book command: a real `jupyter-book build -W` of the quick profile."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def built_book(root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "DLCOURSE_PROFILE": "quick"}
    proc = subprocess.run([str(jb), "build", "-W", "--keep-going", "--path-output", str(out),
                           str(root)], env=env, capture_output=True, text=True, timeout=3000)
    assert proc.returncode == 0, f"jupyter-book build -W failed:\n{proc.stdout[-6000:]}"
    return out / "_build" / "html"


def test_every_toc_page_is_built(built_book, root):
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    for name in files:
        assert (built_book / f"{name}.html").is_file(), f"{name} missing from the site"


def test_data_page_shows_executed_outputs(built_book):
    page = (built_book / "book" / "data.html").read_text()
    assert "run profile: quick" in page
    assert "per class [5923 6742 5958]" in page, "MNIST counts missing from the executed output"
    assert page.count("<img") >= 3, "the sample-image plots are missing"
