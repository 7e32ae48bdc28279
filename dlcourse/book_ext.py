"""Sphinx extension of the book: serve MathJax from the site itself, not from a CDN.

Sphinx points ``mathjax_path`` at a CDN by default, so formulas would not render for a
reader offline. MathJax 3 comes from a Python package (``django-static-mathjax``, no
dependencies) at build time; nothing third-party is committed here.

It also drops the inline scripts Sphinx 7.4 writes twice into every page: an inline
script registered after the builder started (sphinx-thebe's ``const THEBE_JS_URL``,
sphinx-togglebutton's selector) is added once as filename ``None`` and again as ``''``
when writing starts, and the second ``const`` is a SyntaxError in the reader's console.

It adds the figures' stylesheet (``dlcourse/static/figures.css``: their width, caption and
dark mode), the one place the page styles what :func:`dlcourse.plotting.show` writes.

And it makes the notebook a reader downloads (``_sources/<chapter>.ipynb``, which the
theme copies from ``jupyter_execute/``) the executed one on every build: when MyST-NB
takes a chapter's outputs from its execution cache, it writes the notebook without them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

MATHJAX_ENTRY = "mathjax/tex-mml-chtml.js"
STATIC = Path(__file__).parent / "static"
FIGURES_CSS = "figures.css"


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


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    if "script_files" not in context:
        return
    seen, unique = set(), []
    for script in context["script_files"]:
        attributes = getattr(script, "attributes", {})
        key = (str(getattr(script, "filename", script) or ""), repr(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _downloads_with_outputs(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    notebooks = sorted(Path(app.outdir, "_sources").rglob("*.ipynb"))
    if not notebooks:
        return
    import nbformat
    from jupyter_cache import get_cache

    cache_path = app.config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache"
    if not Path(cache_path).is_dir():
        return
    cache = get_cache(str(cache_path))
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        if any(cell.get("outputs") for cell in notebook.cells):
            continue
        try:
            _, executed = cache.merge_match_into_notebook(notebook)
        except KeyError:  # not in the cache: it was executed in place, outputs and all
            continue
        nbformat.write(executed, path)


def _add_figures_css(app) -> None:
    if app.builder.format == "html":
        app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("builder-inited", _add_figures_css)
    app.add_css_file(FIGURES_CSS)
    app.connect("builder-inited", _add_local_mathjax)
    app.connect("build-finished", _downloads_with_outputs)
    # After the themes have added their per-page scripts (they use the default, 500).
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
