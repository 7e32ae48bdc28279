"""Sphinx extension of the book: serve MathJax from the site itself, not from a CDN.

Sphinx points ``mathjax_path`` at a CDN by default, so formulas would not render for a
reader offline. MathJax 3 comes from a Python package (``django-static-mathjax``, no
dependencies) at build time; nothing third-party is committed here.

It adds the book's stylesheet for readers (``static/a11y.css``: outputs that wrap, tables
that scroll visibly, focus rings) and its versions of two theme components
(``templates/``: buttons named by what they show), and makes each table's scrolling box
a named region the keyboard reaches, so that every reader can read the site.

It also drops the inline scripts Sphinx 7.4 writes twice into every page: an inline
script registered after the builder started (sphinx-thebe's ``const THEBE_JS_URL``,
sphinx-togglebutton's selector) is added once as filename ``None`` and again as ``''``
when writing starts, and the second ``const`` is a SyntaxError in the reader's console.

It adds the site's two stylesheets: ``static/a11y.css`` (wrapped outputs, tables that
scroll visibly, focus rings) and ``static/figures.css`` (the figures' width, caption and
dark mode, the one place the page styles what :func:`dlcourse.plotting.show` writes).

And it offers a reader each chapter's notebook to download, the executed one, on every
build: the theme offers ``_sources/<chapter>.ipynb`` (copied from ``jupyter_execute/``)
only when a launch button is configured, and a course without a JupyterHub has none; and
when MyST-NB takes a chapter's outputs from its execution cache, it writes the notebook
without them.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

MATHJAX_ENTRY = "mathjax/tex-mml-chtml.js"
HERE = Path(__file__).resolve().parent
# The site's own style for readers (WCAG 2.1 AA): wrapped outputs, tables that scroll
# visibly, focus rings (static/a11y.css); the figures (static/figures.css); and two of
# the theme's components, named as they read (templates/).
STYLESHEETS = ("a11y.css", "figures.css")


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


def _add_reader_style(app, config) -> None:
    """Before the builder loads its templates: ours first, then the theme's."""
    config.templates_path.insert(0, str(HERE / "templates"))
    config.html_static_path.append(str(HERE / "static"))


TABLE_BOX = '<div class="pst-scrollable-table-container">'


def _name_table_boxes(app, pagename, templatename, context, doctree) -> None:
    """The theme's box around each table scrolls when the table is wider than the page;
    a screen reader announces it as a region named for its table, and the keyboard
    reaches it (the theme's script removes the tab stop where the table fits)."""
    body = context.get("body")
    if not body or TABLE_BOX not in body:
        return
    count = iter(range(1, body.count(TABLE_BOX) + 1))
    context["body"] = re.sub(re.escape(TABLE_BOX), lambda _: (
        f'<div class="pst-scrollable-table-container" tabindex="0" role="region" '
        f'aria-label="Table {next(count)} (scrolls sideways where it does not fit)">'), body)


def _offer_notebook(app, pagename, templatename, context, doctree) -> None:
    """Put a MyST notebook page's executed notebook into ``_sources/`` and name it in the
    context, where the theme's download menu (built after this, at priority 501) looks."""
    if app.builder.format != "html" or "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


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


def setup(app):
    app.connect("config-inited", _add_reader_style)
    for stylesheet in STYLESHEETS:
        app.add_css_file(stylesheet, priority=900)  # after the themes' own
    app.connect("html-page-context", _name_table_boxes)
    app.connect("builder-inited", _add_local_mathjax)
    app.connect("build-finished", _downloads_with_outputs)
    # Before the theme builds its download menu from the context (priority 501).
    app.connect("html-page-context", _offer_notebook, priority=500)
    # After the themes have added their per-page scripts (they use the default, 500).
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
