"""Sphinx extension of the book: serve MathJax from the site itself, not from a CDN.

Sphinx points ``mathjax_path`` at a CDN by default, so formulas would not render for a
reader offline. MathJax 3 comes from a Python package (``django-static-mathjax``, no
dependencies) at build time; nothing third-party is committed here.
"""
from __future__ import annotations

import shutil
from pathlib import Path

MATHJAX_ENTRY = "mathjax/tex-mml-chtml.js"


def _mathjax_es5() -> Path:
    import mathjax  # the package django-static-mathjax installs

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def _add_local_mathjax(app) -> None:
    if app.builder.format != "html":
        return
    # Copy only the browser bundle (es5/) into a folder that Sphinx copies to _static/.
    static_root = Path(app.outdir).parent / "_offline_static"
    target = static_root / "mathjax"
    source = _mathjax_es5()
    if not (target / "tex-mml-chtml.js").exists():
        shutil.copytree(source, target, dirs_exist_ok=True)
    app.config.html_static_path.append(str(static_root))
    app.config.mathjax_path = MATHJAX_ENTRY


def setup(app):
    app.connect("builder-inited", _add_local_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
