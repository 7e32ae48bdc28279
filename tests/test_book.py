"""The README's book command: a real `jupyter-book build -W` of the quick profile."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow


def toc_files(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.fixture(scope="session")
def built_book(root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "DLCOURSE_PROFILE": "quick"}
    proc = subprocess.run([str(jb), "build", "-W", "--keep-going", "--path-output", str(out),
                           str(root)], env=env, capture_output=True, text=True, timeout=3000)
    assert proc.returncode == 0, f"jupyter-book build -W failed:\n{proc.stdout[-6000:]}"
    return out / "_build" / "html"


def pages(built_book, root):
    return {name: (built_book / f"{name}.html").read_text() for name in toc_files(root)}


def test_every_toc_page_is_built(built_book, root):
    for name in toc_files(root):
        assert (built_book / f"{name}.html").is_file(), f"{name} missing from the site"


def test_data_page_shows_executed_outputs(built_book):
    page = (built_book / "book" / "data.html").read_text()
    assert "run profile: quick" in page
    assert "per class [5923 6742 5958]" in page, "MNIST counts missing from the executed output"
    assert page.count("<img") >= 3, "the sample-image plots are missing"


def test_every_chapter_shows_plots_and_a_comparison_table(built_book, root):
    for name, page in pages(built_book, root).items():
        if name in ("book/intro", "book/data", "book/reproduction"):
            continue
        assert page.count("<img") >= 1, f"{name} shows no plot"
        assert "full vs reference" in page, f"{name} has no reference-vs-measured table"


def test_no_tensorflow_log_noise_on_the_pages(built_book, root):
    for name, page in pages(built_book, root).items():
        for noise in ("oneDNN", "cpu_feature_guard", "absl::InitializeLog", "TF_ENABLE_ONEDNN"):
            assert noise not in page, f"{name} shows TensorFlow's log line {noise!r}"


def test_no_script_or_style_comes_from_another_host(built_book, root):
    for name, page in pages(built_book, root).items():
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
        assert not remote, f"{name} loads {remote}"
    assert (built_book / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()


def test_reproduction_page_pastes_this_builds_numbers(built_book):
    page = (built_book / "book" / "reproduction.html").read_text()
    assert "Reproduction table" in page
    assert "0.3456" in page, "the reference of learning rate 0.5 is missing"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)
    assert len(rows) > 20
    assert "nan" not in page, "a chapter did not glue what it measured"
