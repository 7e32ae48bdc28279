"""The README's book command: a real `jupyter-book build -W` of the quick profile, and
that site as a student sees it, in a real browser (the test_browser_* tests below)."""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from tests.browser import (
    BROWSERS_OWN_REQUEST,
    LOCAL_HOSTS,
    assert_accessible,
    axe_in_both_themes,
    chromium,
    console_errors,
    drain_logs,
    overflow_problems,
    serve,
)

pytestmark = pytest.mark.slow


def toc_files(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


def guide_files(root: Path) -> list[str]:
    """The guides for students, instructors and maintainers: the pages of _toc.yml's last
    part, prose only (no code runs on them, so they show no plot, runtime or output)."""
    return [name for name in toc_files(root) if name.startswith("book/guides/")]


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
        if name in ("book/intro", "book/data", "book/reproduction", *guide_files(root)):
            continue
        assert page.count("<img") >= 1, f"{name} shows no plot"
        # The column every comparison table keeps (one without a published reference
        # has no reference column: dlcourse.report drops a column with no value).
        assert "full profile: mean ± std (n)" in page, f"{name} has no reference-vs-measured table"


# What a library's warning or log line looks like, whichever library wrote it: Python's
# warnings ("UserWarning: ..."), the logging module ("WARNING:tensorflow:..."), absl and
# the C++ runtimes ("W0000 00:00:..." / "I1202 ..."), and the notices TensorFlow prints.
LIBRARY_NOISE = re.compile(r"\b\w*Warning: |\b(?:WARNING|ERROR|INFO|DEBUG):\S|^[IWEF]\d{4} \d\d:"
                           r"|oneDNN|cpu_feature_guard|absl::|TF_ENABLE_ONEDNN|retracing",
                           re.MULTILINE)
# A value a cell returned and Jupyter showed as its repr, which no page means to show: a
# quoted string, None, an object's default repr, a Keras History.
BARE_REPR = re.compile(r"^(?:'[^'\n]*'|\"[^\"\n]*\"|None|<[\w.]+ object at 0x[0-9a-f]+>"
                       r"|<keras\.[\w.]+ at 0x[0-9a-f]+>)$")


def test_no_library_warning_or_log_line_on_the_pages(built_book, root):
    for name, page in pages(built_book, root).items():
        assert 'class="output stderr' not in page, f"{name} shows a cell's stderr"
        for output in re.findall(r'<div class="output[^"]*"><div class="highlight"><pre>'
                                 r'<span></span>(.*?)</pre>', page, flags=re.S):
            text = html.unescape(re.sub(r"<[^>]+>", "", output))
            noise = LIBRARY_NOISE.search(text)
            assert not noise, f"{name} shows a library's log line: {noise.group(0)!r} in {text[:300]!r}"


def test_no_cell_shows_a_bare_value(built_book, root):
    """A cell's result shows only when it is meant to: a figure, a table, printed text."""
    for name, page in pages(built_book, root).items():
        results = re.findall(r'<div class="output text_plain[^"]*"><div class="highlight"><pre>'
                             r'<span></span>(.*?)</pre>', page, flags=re.S)
        for text in (html.unescape(re.sub(r"<[^>]+>", "", r)).strip() for r in results):
            assert not BARE_REPR.match(text), f"{name} shows the bare value {text!r}"


def test_each_cell_prints_one_block(built_book, root):
    """A cell's printed lines show as one output box, not a box per write."""
    for name, page in pages(built_book, root).items():
        for output in page.split('<div class="cell_output docutils container">')[1:]:
            boxes = output.split('<div class="cell docutils container')[0].count('class="output stream')
            assert boxes <= 1, f"{name}: a cell's printed output is split into {boxes} boxes"


def test_no_script_or_style_comes_from_another_host(built_book, root):
    for name, page in pages(built_book, root).items():
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
        assert not remote, f"{name} loads {remote}"
    assert (built_book / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()


# --- Every comparative sentence holds for the numbers of this build (dlcourse/claims.py)
#
# A chapter's claims are glued by the cells that have the numbers; the executed
# notebooks' glue (jupyter_execute/<page>.glue.json) is the claim list of each chapter.

CLAIMING_CHAPTERS = {"book/learning_rate", "book/optimizers", "book/schedules",
                     "book/initialization", "book/regularization", "book/cifar10"}


def test_every_claim_holds_for_the_numbers_of_this_build(built_book, root):
    """A sentence about this build says what its numbers give, and the page shows it; a
    sentence about the recorded runs is in the chapter's prose and the records bear it
    out. Each rule is evaluated again here, from the numbers the notebook glued."""
    from dlcourse.claims import check_build

    found, problems = check_build(built_book.parent, root, toc_files(root))
    missing = sorted(c for c in CLAIMING_CHAPTERS if not found.get(c))
    assert not missing, f"no claim glued on {missing}"
    assert not problems, "\n".join(problems)


def test_each_chapter_page_lists_its_references_with_their_links(built_book, root):
    """The References section's cell renders: every source of the chapter, linked."""
    from dlcourse.claims import page_text
    from dlcourse.report import chapter_sources
    from dlcourse.sources import SOURCES

    for name in toc_files(root):
        source = (root / f"{name}.md").read_text()
        call = re.search(r'show_references\("(\w+)"((?:, "\w+")*)\)', source)
        if not call:
            continue
        page = (built_book / f"{name}.html").read_text()
        assert re.search(r"<h2>References<a", page), f"{name}: no References heading"
        section = page.split('id="references"', 1)[1]
        text = page_text(section)
        for key in chapter_sources(call.group(1), *re.findall(r'"(\w+)"', call.group(2))):
            s = SOURCES[key]
            assert " ".join(s.title.split()) in text, f"{name}: {key} not listed"
            if s.url:
                assert f'href="{html.escape(s.url)}"' in section, f"{name}: {key} not linked"


# A host name reserved for examples (RFC 2606), or a launch link of the theme's.
PLACEHOLDER_OR_LAUNCH = re.compile(r'href="[^"]*(?:\bexample\.(?:org|com|net)\b|/hub/user-redirect/'
                                   r'|mybinder\.org|colab\.research\.google\.com|deepnote\.com)[^"]*"')


def test_no_page_links_to_a_placeholder_or_unset_hub(built_book, root):
    """The launch button shows only when _config.yml sets a hub; no page links to an
    example host (a placeholder left in the config) or to a launch URL without one."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    hub = (config.get("launch_buttons") or {}).get("jupyterhub_url")
    assert not hub or not re.search(r"\bexample\.(?:org|com|net)\b", hub), f"placeholder hub {hub}"
    for path in sorted(built_book.rglob("*.html")):
        page = path.read_text()
        found = [] if hub else PLACEHOLDER_OR_LAUNCH.findall(page) + \
            re.findall(r'class="[^"]*dropdown-launch-buttons', page)
        found += re.findall(r'href="[^"]*\bexample\.(?:org|com|net)\b[^"]*"', page)
        assert not found, f"{path.relative_to(built_book)} links to {found[:3]}"


def test_the_readme_leads_to_each_guide_and_the_guides_are_the_books_last_part(root):
    """The README is short: the two commands, what they need, and where to go next, which
    names each guide by its path in the repository; the guides are the last pages of the
    book, and every other page of _toc.yml is the introduction or a chapter."""
    readme = (root / "README.md").read_text()
    guides = guide_files(root)
    assert len(guides) == 3 and set(guides) <= NO_EXPERIMENT, guides
    assert toc_files(root)[-len(guides):] == guides, "the guides are not the book's last part"
    next_steps = readme.split("## Where to go next", 1)[1]
    for guide in guides:
        assert f"]({guide}.md)" in next_steps, f"the README does not link {guide}.md"
    assert len(readme.splitlines()) <= 60, "the README is long again: its details go in a guide"


def test_intro_links_the_repository_and_gives_the_readmes_install_steps(built_book, root):
    config = yaml.safe_load((root / "_config.yml").read_text())
    page = (built_book / "book" / "intro.html").read_text()
    assert f'href="{config["repository"]["url"]}"' in page, "the introduction does not link the repository"
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    quick_start = (root / "README.md").read_text().split("## Quick start", 1)[1]
    commands = re.search(r"```bash\n(.*?)```", quick_start, flags=re.S).group(1).splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["make book", "make test"], commands
    for command in commands:
        assert command in text, f"the introduction lacks the README's {command!r}"
    for need in ("Python 3.11", "internet", "chromium", "npm", ".ci/run"):
        assert need in text, f"the introduction does not say that the commands need {need}"


def test_reproduction_page_pastes_this_builds_numbers(built_book):
    page = (built_book / "book" / "reproduction.html").read_text()
    assert "Reproduction table" in page
    assert "0.3456" in page, "the reference of learning rate 0.5 is missing"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)
    assert len(rows) > 20
    assert "nan" not in page, "a chapter did not glue what it measured"


# --- The site as students see it: the built book in a real browser -------------------
#
# Debian's chromium, driven headless by Selenium through Debian's chromedriver (both
# from apt; `.ci/run` installs them, and nothing here downloads a browser or a driver).
# The quick-profile build above is served on 127.0.0.1 and every page of _toc.yml is
# visited once; the tests below check what that visit recorded. A full-page screenshot
# of each page goes to $DLCOURSE_SCREENSHOTS (default: _build/screenshots/).

# The other pages run code and state its runtime; the guides (book/guides/) are prose.
NO_EXPERIMENT = {"book/intro", "book/reproduction", "book/guides/students", "book/guides/instructors",
                 "book/guides/maintainers"}


@pytest.fixture(scope="module")
def site(built_book):
    """The built site on http://127.0.0.1:<free port>/."""
    with serve(built_book) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture(scope="module")
def screenshot_dir(root) -> Path:
    out = Path(os.environ.get("DLCOURSE_SCREENSHOTS") or root / "_build" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    return out


def _wait_for(driver, script: str, timeout: float = 30, what: str = ""):
    """Poll a JavaScript expression until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return ({script});")
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or script}")
        time.sleep(0.1)


def _screenshot(driver, path: Path) -> None:
    """The whole page, not only the window: the window is made as tall as the page."""
    width, height = driver.execute_script("return [window.innerWidth,"
                                          " document.documentElement.scrollHeight];")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": min(height, 16000), "deviceScaleFactor": 1, "mobile": False})
    try:
        time.sleep(0.2)  # one layout and paint at the new size
        driver.save_screenshot(str(path))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# What a visit reads from the page, after MathJax has typeset it.
PAGE_FACTS_JS = r"""
const article = document.querySelector("article") || document.body;
const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
const prose = article.cloneNode(true);
prose.querySelectorAll("pre, code, .cell_output, .highlight, mjx-container, script, style")
     .forEach((el) => el.remove());
const runtime = Array.from(article.querySelectorAll("p"))
                     .map((p) => p.innerText).find((t) => t.startsWith("Runtime:"));
const download = (label) => { const a = document.querySelector(`a.btn-${label}`); return a ? a.href : null; };
return {
  title: (article.querySelector("h1") || {}).innerText,
  text: article.innerText,
  prose: Array.from(prose.querySelectorAll("p, li, td, th")).map((el) => el.textContent).join("\n"),
  images: Array.from(document.images).map((img) => ({
    src: img.currentSrc || img.src, complete: img.complete,
    width: img.naturalWidth, height: img.naturalHeight, shown: visible(img),
    in_article: article.contains(img), alt: img.getAttribute("alt") || "",
    rendered_width: img.getBoundingClientRect().width,
    caption: ((img.closest("figure") || {querySelector: () => null})
              .querySelector("figcaption") || {textContent: ""}).textContent.trim()})),
  links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
  math: Array.from(article.querySelectorAll(".math")).map((el) => ({
    typeset: el.querySelector("mjx-container") !== null, text: el.textContent.slice(0, 80)})),
  outputs: Array.from(article.querySelectorAll(".cell_output")).map((el) => ({
    shown: visible(el), in_solution: el.closest(".solution") !== null,
    text: el.innerText.slice(0, 80), full_text: el.innerText,
    kinds: Array.from(el.querySelectorAll(".output")).map((o) => o.className),
    images: el.querySelectorAll("img").length})),
  tables: Array.from(article.querySelectorAll("table")).map((t) => ({
    rows: Array.from(t.rows).map((r) => ({
      height: r.getBoundingClientRect().height,
      cells: Array.from(r.cells).map((c) => c.innerText.trim())}))})),
  code_cells: article.querySelectorAll(".cell .cell_input").length,
  runtime: runtime || null,
  download_ipynb: download("download-notebook-button"),
  download_source: download("download-source-button"),
  launch: Array.from(document.querySelectorAll(".dropdown-launch-buttons a")).map((a) => a.href),
  sidebar: Array.from(document.querySelectorAll("nav.bd-docs-nav a.reference"))
                .map((a) => [a.innerText.trim(), a.href]),
  page_toc: Array.from(document.querySelectorAll("#pst-page-toc-nav a")).map((a) => a.innerText.trim()),
  sections: Array.from(article.querySelectorAll("section > h2")).map((h) => h.innerText.trim()),
  theme_switch: document.querySelector(".theme-switch-button") !== null,
};
"""

MATHJAX_DONE_JS = """
const done = arguments[arguments.length - 1];
if (window.MathJax && MathJax.startup && MathJax.startup.promise)
  MathJax.startup.promise.then(() => done("typeset"), (err) => done("error: " + err));
else done(window.MathJax ? "loading" : "none");
"""


@pytest.fixture(scope="module")
def visits(browser, site, root, screenshot_dir) -> dict[str, dict]:
    """Visit every page of _toc.yml once; what each visit saw, by page name."""
    browser.get(site)  # index.html: the redirect to the first page
    _wait_for(browser, "location.pathname === '/book/intro.html' && document.readyState === 'complete'",
              what="index.html to lead to the introduction")
    drain_logs(browser)
    seen = {}
    for name in toc_files(root):
        started = time.monotonic()
        browser.get(site + name + ".html")
        _wait_for(browser, "document.readyState === 'complete'", what=f"{name} to load")
        mathjax = browser.execute_async_script(MATHJAX_DONE_JS)
        if mathjax == "loading":  # the script tag ran but MathJax has not started yet
            _wait_for(browser, "window.MathJax && MathJax.startup && MathJax.startup.promise",
                      what=f"MathJax on {name}")
            mathjax = browser.execute_async_script(MATHJAX_DONE_JS)
        # Scroll through the page so that anything loaded lazily is loaded, then back up.
        browser.execute_script("window.scrollTo(0, document.documentElement.scrollHeight);")
        _wait_for(browser, "Array.from(document.images).every((img) => img.complete)",
                  what=f"the images of {name}")
        browser.execute_script("window.scrollTo(0, 0);")
        facts = browser.execute_script(PAGE_FACTS_JS)
        shot = screenshot_dir / (name.replace("/", "_") + ".png")
        _screenshot(browser, shot)
        facts["console"], facts["network"] = drain_logs(browser)
        checked = time.monotonic()  # what the accessibility checks cost, apart
        facts["axe"] = axe_in_both_themes(browser)
        facts["overflow"] = overflow_problems(browser)
        facts.update(mathjax=mathjax, url=browser.current_url, screenshot=shot,
                     seconds=time.monotonic() - started, a11y_seconds=time.monotonic() - checked)
        seen[name] = facts
    summary = {name: {"seconds": round(page["seconds"], 2),
                      "a11y_seconds": round(page["a11y_seconds"], 2), "images": len(page["images"]),
                      "formulas": len(page["math"]), "outputs": len(page["outputs"]),
                      "links": len(page["links"]), "screenshot": page["screenshot"].name,
                      "requests": sum(e["method"] == "Network.requestWillBeSent"
                                      for e in page["network"]),
                      "console": [e["message"] for e in page["console"]]}
               for name, page in seen.items()}
    (screenshot_dir / "pages.json").write_text(json.dumps(summary, indent=1) + "\n")
    return seen


def _get(url: str, cache: dict = {}) -> tuple[int, bytes]:  # noqa: B006 (a per-run cache)
    if url not in cache:
        try:
            with urllib.request.urlopen(url, timeout=30) as reply:
                cache[url] = (reply.status, reply.read())
        except urllib.error.HTTPError as err:
            cache[url] = (err.code, b"")
    return cache[url]


def test_browser_pages_load_withoutconsole_errors(visits):
    for name, page in visits.items():
        assert page["url"].endswith(name + ".html"), f"{name} redirected to {page['url']}"
        errors = console_errors(page["console"])
        assert not errors, f"{name}: console errors {errors}"
        failed = [(event["params"]["response"]["status"], event["params"]["response"]["url"])
                  for event in page["network"] if event["method"] == "Network.responseReceived"
                  and event["params"]["response"]["status"] >= 400
                  and not BROWSERS_OWN_REQUEST.match(event["params"]["response"]["url"])]
        assert not failed, f"{name}: failed requests {failed}"
        assert page["screenshot"].stat().st_size > 10_000, f"{name}: empty screenshot"


def test_browser_no_request_leaves_localhost(visits):
    requests = 0
    for name, page in visits.items():
        for event in page["network"]:
            if event["method"] != "Network.requestWillBeSent":
                continue
            requests += 1
            url = urllib.parse.urlsplit(event["params"]["request"]["url"])
            assert url.scheme in ("data", "blob") or url.hostname in LOCAL_HOSTS, \
                f"{name} requested {event['params']['request']['url']} (the site must work offline)"
    assert requests >= 10 * len(visits), "the network log recorded too few requests to be believed"


def test_browser_every_image_loads(visits):
    for name, page in visits.items():
        for img in page["images"]:
            assert img["complete"] and img["width"] > 0 and img["height"] > 0, \
                f"{name}: image {img['src']} did not load"
            if img["in_article"]:
                assert img["shown"], f"{name}: image {img['src']} takes no space on the page"
        if name not in NO_EXPERIMENT:
            plots = [img for img in page["images"] if img["in_article"]]
            assert plots, f"{name} shows no plot"


# An alt text that is only where the image came from: a file name, a path or a hash.
FILE_NAME_ALT = re.compile(r"^\S*\.(?:png|svg|jpe?g|gif)$|^[0-9a-f]{16,}|^\S*/\S*$", re.I)


def test_browser_every_figure_has_alt_text_from_its_data_and_a_caption(visits):
    """Issue 30: a figure's alt text says what it shows (a series and a value), not its
    file's name, and a caption under it says what it is."""
    for name, page in visits.items():
        for img in (i for i in page["images"] if i["in_article"]):
            alt, where = img["alt"].strip(), f"{name}: the image {img['src'][:60]}"
            assert alt and not FILE_NAME_ALT.search(alt), f"{where} has the alt text {alt!r}"
            assert re.search(r"\d", alt) and len(alt.split()) >= 5, f"{where}: alt {alt!r} names no data"
            assert img["caption"], f"{where} has no caption"


def test_browser_figures_are_not_shrunk_out_of_reading(visits):
    """At 1280 px a figure shows at no less than half its own width (its text was set
    for that width): a 17-inch wide PNG squeezed into the column had 4 px legends."""
    for name, page in visits.items():
        for img in (i for i in page["images"] if i["in_article"]):
            assert img["rendered_width"] >= img["width"] / 2, \
                f"{name}: {img['src'][:60]} shown {img['rendered_width']:.0f} px of {img['width']}"


# The figures of a page at a phone's width, and their brightness in dark mode.
FIGURES_JS = """
return Array.from(document.querySelectorAll("article img")).map((img) => {
  const r = img.getBoundingClientRect();
  return {width: img.naturalWidth, shown: r.width, x: r.left + window.scrollX,
          y: r.top + window.scrollY, h: r.height,
          photo: img.closest("figure.dl-photo") !== null};
});"""


def test_browser_figures_on_a_phone(browser, site, visits, screenshot_dir):
    """At 390 px (a phone) every figure still shows at half its width or more."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        for name in ("book/learning_rate", "book/regularization"):
            browser.get(site + name + ".html")
            _wait_for(browser, "document.readyState === 'complete'")
            _wait_for(browser, "Array.from(document.images).every((img) => img.complete)")
            figures = browser.execute_script(FIGURES_JS)
            assert figures, f"{name} shows no figure"
            for fig in figures:
                assert fig["shown"] >= fig["width"] / 2, f"{name} at 390 px: {fig}"
            browser.execute_script("document.querySelector('article img').scrollIntoView();")
            browser.save_screenshot(str(screenshot_dir / (name.replace("/", "_") + "-phone.png")))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_browser_figures_are_dark_in_dark_mode(browser, site, visits, screenshot_dir):
    """In dark mode a figure is no light slab: the pixels where it shows are dark on
    average (a white-backed PNG averages near white)."""
    from io import BytesIO

    from PIL import Image

    browser.get(site + "book/learning_rate.html")
    _wait_for(browser, "document.readyState === 'complete'")
    browser.execute_script("localStorage.setItem('mode', 'dark');"
                           " document.documentElement.dataset.theme = 'dark';")
    try:
        _wait_for(browser, "Array.from(document.images).every((img) => img.complete)")
        time.sleep(0.5)  # the colours change with a transition
        figures = [f for f in browser.execute_script(FIGURES_JS) if not f["photo"]]
        assert figures, "learning_rate shows no figure"
        for i, fig in enumerate(figures):
            browser.execute_script(f"window.scrollTo(0, {fig['y'] - 20});")
            time.sleep(0.2)
            top = browser.execute_script("return window.scrollY;")
            shot = Image.open(BytesIO(browser.get_screenshot_as_png())).convert("L")
            box = (int(fig["x"]), int(fig["y"] - top), int(fig["x"] + fig["shown"]),
                   int(fig["y"] - top + min(fig["h"], shot.height - (fig["y"] - top))))
            region = shot.crop(box)
            region.save(screenshot_dir / f"book_learning_rate-dark-figure{i}.png")
            brightness = sum(region.getdata()) / (region.width * region.height)
            assert brightness < 100, f"figure {i} averages {brightness:.0f} of 255 in dark mode"
    finally:
        browser.execute_script("localStorage.setItem('mode', 'auto');")


def test_browser_internal_links_resolve(visits, site):
    checked = set()
    for name, page in visits.items():
        for href in page["links"]:
            if not href.startswith(site):
                continue  # another host (the launch button's JupyterHub): a link, not a request
            target, _, fragment = href.partition("#")
            target = target.split("?")[0]
            if (target, fragment) in checked:
                continue
            checked.add((target, fragment))
            status, body = _get(target)
            assert status == 200, f"{name} links to {href}: HTTP {status}"
            if fragment and target.endswith(".html"):
                anchor = urllib.parse.unquote(fragment)
                assert re.search(rf'id="{re.escape(anchor)}"', body.decode("utf-8")), \
                    f"{name} links to {href}: no element with id {anchor!r}"
    assert len(checked) > 50, "suspiciously few links"


def test_browser_math_is_rendered(visits):
    typeset = 0
    for name, page in visits.items():
        raw = [m["text"] for m in page["math"] if not m["typeset"]]
        assert not raw, f"{name}: formulas left as raw TeX {raw[:3]} (MathJax: {page['mathjax']})"
        typeset += len(page["math"])
        leftovers = re.findall(r"\$[^$\s][^$\n]*\$|\\\(|\\\[", page["prose"])
        assert not leftovers, f"{name}: raw TeX in the prose {leftovers[:3]}"
        if page["math"]:
            assert page["mathjax"] == "typeset", f"{name}: MathJax {page['mathjax']}"
    assert typeset >= 10, "the book's formulas were not found on the pages"


def test_browser_code_cells_show_their_outputs(visits):
    """Each code cell whose executed notebook has an output a reader should see shows it."""
    for name, page in visits.items():
        if page["download_ipynb"] is None:
            assert page["code_cells"] == 0, f"{name} has code but no notebook"
            continue
        status, body = _get(page["download_ipynb"])
        assert status == 200
        cells = [c for c in json.loads(body)["cells"] if c["cell_type"] == "code"]
        expected = 0
        for cell in cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if "remove-output" in tags or "remove-cell" in tags:
                continue
            shown = [o for o in cell.get("outputs", []) if o.get("name") != "stderr"
                     and not all(k.startswith("application/papermill.record/")
                                 for k in o.get("data", {"text": 1}))]
            expected += bool(shown)
        outputs = page["outputs"]
        assert len(outputs) == expected, \
            f"{name}: {expected} cells have outputs, the page shows {len(outputs)}"
        hidden = [o["text"] for o in outputs if not o["shown"] and not o["in_solution"]]
        assert not hidden, f"{name}: outputs take no space {hidden[:3]}"
        if name not in NO_EXPERIMENT:
            assert expected >= 2, f"{name}: its code shows almost nothing"


def test_browser_outputs_are_single_blocks_without_library_noise_or_bare_values(visits):
    """The classes of output a reader once saw on these pages, checked on every page: a
    library's warning or log line, a cell's stderr, a returned value shown as its repr,
    and one cell's printed lines split into a box per line."""
    for name, page in visits.items():
        for output in page["outputs"]:
            noise = LIBRARY_NOISE.search(output["full_text"])
            assert not noise, f"{name}: a library's log line {noise.group(0)!r} in {output['text']!r}"
            kinds = output["kinds"]
            assert not any("stderr" in k for k in kinds), f"{name}: a cell shows its stderr"
            assert sum("stream" in k for k in kinds) <= 1, \
                f"{name}: one cell's printed lines in {len(kinds)} boxes ({output['text']!r})"
            if any("text_plain" in k for k in kinds):
                assert not BARE_REPR.match(output["full_text"].strip()), \
                    f"{name} shows the bare value {output['full_text']!r}"


def test_browser_every_page_that_runs_code_states_its_versions_and_backend(visits):
    for name, page in visits.items():
        if not page["code_cells"]:
            continue
        line = next((p for p in page["text"].splitlines() if p.startswith("Executed with:")), "")
        assert re.search(r"Python 3\.\d+\.\d+, Keras 3\.\d+\.\d+ on the (jax|tensorflow|torch) "
                         r"\d[\w.]* backend, NumPy \d", line), f"{name}: {line!r}"
        assert "profile" in line, f"{name}: {line!r}"


def test_browser_comparison_tables_keep_rows_short_and_name_each_source_once(visits):
    tables = 0
    for name, page in visits.items():
        for table in page["tables"]:
            header, *rows = table["rows"]
            if "full profile: mean ± std (n)" not in header["cells"]:
                continue
            tables += 1
            for row in rows:
                long = [c for c in row["cells"] if len(c) > 60]
                assert not long, f"{name}: a table cell of {len(long[0])} characters: {long[0]!r}"
                # Four lines at most (a long label may wrap; a source in every row did not fit
                # in eight).
                assert row["height"] <= 125, f"{name}: a table row {row['height']:.0f} px tall {row['cells']}"
            cited = {n for row in rows for n in re.findall(r"\[(\d+)\]", " ".join(row["cells"]))}
            legend = next((line for line in page["text"].splitlines()
                           if line.startswith("References: ")), "")
            for number in cited:
                assert f"[{number}] " in legend, \
                    f"{name}: reference [{number}] is cited but no legend names its source"
    assert tables >= 7, f"only {tables} comparison tables found"


def test_every_chapter_ends_with_exercises_and_executed_solutions(built_book):
    """3-5 exercises after the last section's heading, each with its solution, whose
    code ran at build time (outputs on the page) and whose numbers are glued in."""
    from dlcourse.experiments import chapters

    for chapter in chapters():
        page = (built_book / "book" / f"{chapter}.html").read_text()
        exercises = re.findall(r'<div class="exercise admonition" id="([\w-]+)"', page)
        assert 3 <= len(exercises) <= 5, f"{chapter}: {len(exercises)} exercises"
        assert 'id="exercises"' in page and \
            page.rfind('id="exercises"') < page.find('class="exercise admonition"'), \
            f"{chapter}: the exercises are not in a closing 'Exercises' section"
        solutions = page.split('<div class="solution dropdown admonition"')[1:]
        assert len(solutions) == len(exercises), \
            f"{chapter}: {len(exercises)} exercises but {len(solutions)} solutions in a dropdown"
        for exercise, solution in zip(exercises, solutions):
            assert f'href="#{exercise}"' in solution[:2000], f"{chapter}: solutions out of order"
            assert 'class="cell_output' in solution, f"{chapter}: the solution to {exercise} shows no run"


OPEN_SOLUTIONS_JS = """
return Array.from(document.querySelectorAll("article .solution")).map((s) => {
  const content = s.querySelector("section") || s.children[1];
  const r = content.getBoundingClientRect();
  return {id: s.id, hidden: s.classList.contains("toggle-hidden"), shown: r.width > 0 && r.height > 0,
          button: s.querySelector("button.toggle-button") !== null};
});
"""


def test_browser_solutions_start_hidden_and_open_on_a_click(browser, site, visits):
    """Offline like every visit: sphinx-togglebutton's script and style come from the site."""
    from selenium.webdriver.common.by import By

    from dlcourse.experiments import chapters

    for chapter in chapters():
        browser.get(f"{site}book/{chapter}.html")
        _wait_for(browser, "document.readyState === 'complete' && "
                  "document.querySelector('article .solution button.toggle-button')",
                  what=f"the solutions' toggle buttons on {chapter}")
        before = browser.execute_script(OPEN_SOLUTIONS_JS)
        assert len(before) >= 3, f"{chapter}: {len(before)} solutions"
        for solution in before:
            assert solution["button"] and solution["hidden"] and not solution["shown"], \
                f"{chapter}: solution {solution['id']} does not start hidden: {solution}"
        for button in browser.find_elements(By.CSS_SELECTOR, "article .solution button.toggle-button"):
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
            button.click()
        _wait_for(browser, "Array.from(document.querySelectorAll('article .solution'))"
                  ".every((s) => !s.classList.contains('toggle-hidden'))",
                  what=f"every solution on {chapter} to open")
        after = browser.execute_script(OPEN_SOLUTIONS_JS)
        assert all(s["shown"] for s in after), f"{chapter}: a solution did not open: {after}"
        outputs = browser.execute_script(
            "return Array.from(document.querySelectorAll('article .solution .cell_output'))"
            ".map((o) => { const r = o.getBoundingClientRect(); return r.width > 0 && r.height > 0; });")
        assert outputs and all(outputs), f"{chapter}: an opened solution's output takes no space"
        console, network = drain_logs(browser)
        assert not console_errors(console), f"{chapter}: console errors {console_errors(console)}"
        hosts = {urllib.parse.urlsplit(e["params"]["request"]["url"]).hostname for e in network
                 if e["method"] == "Network.requestWillBeSent"}
        assert hosts <= LOCAL_HOSTS | {None}, f"{chapter}: requests to {hosts - LOCAL_HOSTS}"


def test_browser_every_chapter_states_its_runtime_per_profile(visits):
    for name, page in visits.items():
        if name in NO_EXPERIMENT:
            continue
        line = page["runtime"]
        assert line, f"{name} has no 'Runtime:' line"
        assert "full profile" in line and "quick profile" in line, f"{name}: {line!r}"
        assert re.search(r"\d|few|one|two|three|four|five", line), f"{name}: {line!r}"
        assert "nan" not in line.split(), f"{name}: {line!r}"


def test_browser_download_launch_and_table_of_contents(visits, root, site):
    config = yaml.safe_load((root / "_config.yml").read_text())
    hub = (config["launch_buttons"].get("jupyterhub_url") or "").rstrip("/")
    repo = config["repository"]["url"].rstrip("/").rsplit("/", 1)[1]
    titles = {name: page["title"] for name, page in visits.items()}
    for name, page in visits.items():
        # The table of contents in the sidebar: every page, by its title, in the book's order.
        sidebar = [(title, href.split("#")[0]) for title, href in page["sidebar"]]
        linked = [href for _, href in sidebar]
        for other in toc_files(root):
            assert site + other + ".html" in linked, f"{name}: the sidebar misses {other}"
        assert [t for t, _ in sidebar if t in titles.values()] == \
            [titles[n] for n in toc_files(root)], f"{name}: sidebar {sidebar}"
        # The page's own contents: its sections.
        assert set(page["sections"]) <= set(page["page_toc"]), \
            f"{name}: its contents {page['page_toc']} miss sections of {page['sections']}"
        assert page["theme_switch"], f"{name} has no dark-mode switch"
        assert page["download_source"], f"{name}: no download of its source"
        if page["code_cells"] == 0:
            continue
        # Download: the executed notebook (outputs included) as .ipynb.
        assert page["download_ipynb"] and page["download_ipynb"].endswith(name + ".ipynb"), name
        status, body = _get(page["download_ipynb"])
        notebook = json.loads(body)
        assert status == 200 and notebook["nbformat"] == 4
        assert any(cell.get("outputs") for cell in notebook["cells"]), f"{name}: notebook not executed"
        # Launch: this chapter in JupyterLab on the configured JupyterHub (nbgitpuller),
        # and no launch button at all while no hub is set.
        if not hub:
            assert not page["launch"], f"{name} offers a launch with no hub set: {page['launch']}"
            continue
        launch = [href for href in page["launch"] if href.startswith(hub + "/")]
        assert launch, f"{name}: no launch button to {hub} ({page['launch']})"
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(launch[0]).query)
        assert query["urlpath"] == [f"lab/tree/{repo}/{name}.md"], launch[0]
        assert query["repo"] == [config["repository"]["url"]], launch[0]
    intro = visits["book/intro"]["text"]
    for name in toc_files(root)[1:]:
        assert titles[name] in intro, f"the introduction's contents miss {titles[name]!r}"


def test_browser_dark_mode_switch(browser, site, visits, screenshot_dir):
    browser.get(site + "book/learning_rate.html")
    _wait_for(browser, "document.readyState === 'complete'")
    theme = "document.documentElement.dataset.theme"
    background = ("getComputedStyle(document.body).backgroundColor"
                  ".match(/\\d+/g).slice(0, 3).map(Number).reduce((a, b) => a + b)")
    assert browser.execute_script(f"return {theme};") == "light"
    light = browser.execute_script(f"return {background};")
    for _ in range(3):  # the switch cycles light -> dark -> auto
        browser.find_element("css selector", ".theme-switch-button").click()
        if browser.execute_script(f"return {theme};") == "dark":
            break
    assert browser.execute_script(f"return {theme};") == "dark"
    time.sleep(0.5)  # the colours change with a transition
    dark = browser.execute_script(f"return {background};")
    assert dark < 3 * 80 < light, f"background {light} in light mode, {dark} in dark mode"
    _screenshot(browser, screenshot_dir / "book_learning_rate-dark.png")
    browser.get(site + "book/data.html")  # the choice is kept from page to page
    _wait_for(browser, "document.readyState === 'complete'")
    assert browser.execute_script(f"return {theme};") == "dark"
    errors = console_errors(browser.get_log("browser"))
    browser.execute_script("localStorage.setItem('mode', 'auto');")  # back to the default
    assert not errors, errors


def test_browser_search_finds_the_chapter_for_a_word_it_nearly_alone_contains(browser, site, visits,
                                                                      screenshot_dir):
    texts = {name: page["text"].lower() for name, page in visits.items()}
    searched = {}
    for name, page in visits.items():
        others = [text for other, text in texts.items() if other != name]
        # A word of the page's prose that the fewest other pages contain (none, where the
        # page has such a word), so that the page must rank among few results.
        words = re.findall(r"\b[a-z]{8,}\b", page["prose"].lower())
        assert words, f"{name} has no prose"
        word = min(words, key=lambda w: sum(w in text for text in others))
        assert sum(word in text for text in others) <= 2, f"{name} shares all its words"
        browser.get(site + "search.html?q=" + word)
        status = _wait_for(browser, "(document.querySelector('#search-results .search-summary')"
                                    " || {}).innerText", what=f"search results for {word!r}")
        found = browser.execute_script(
            "return Array.from(document.querySelectorAll('#search-results ul.search li a'))"
            ".map((a) => a.href.split(/[?#]/)[0]);")
        searched[word] = [href.removeprefix(site) for href in found]
        assert site + name + ".html" in found, f"searching {word!r}: {status} {found}"
        if name == "book/optimizers":
            _screenshot(browser, screenshot_dir / f"search-{word}.png")
    (screenshot_dir / "search.json").write_text(json.dumps(searched, indent=1) + "\n")
    errors = console_errors(browser.get_log("browser"))
    assert not errors, errors


# --- Every reader can read it (WCAG 2.1 AA) ----------------------------------------


def test_browser_axe_finds_nothing_serious_in_light_or_dark_mode(visits):
    """axe-core on every page, in the theme's light and dark colours (the visits ran it)."""
    assert_accessible({f"{name} ({mode} mode)": violations
                       for name, page in visits.items() for mode, violations in page["axe"].items()})


def test_browser_tables_and_outputs_fit_or_scroll_visibly(visits):
    """At 1280 px and at a phone's 390 px, nothing is cut off: a wide table scrolls in a
    box that shows it scrolls and that the keyboard reaches; long output lines wrap."""
    problems = [f"{name} at {width}: {problem}" for name, page in visits.items()
                for width, found in page["overflow"].items() for problem in found]
    assert not problems, f"{len(problems)} boxes do not fit:\n" + "\n".join(problems[:20])


def test_browser_wide_tables_scroll_in_a_named_region(browser, site, visits):
    """The reproduction page's table is wider than a phone: its scrolling box is a named
    region the keyboard reaches (axe's scrollable-region-focusable), with a focus ring."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(site + "book/reproduction.html")
    _wait_for(browser, "document.readyState === 'complete'")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": False})
    try:
        box = _wait_for(browser, "Array.from(document.querySelectorAll('article table'))"
                        ".map((t) => t.parentElement).find((b) => b.scrollWidth > b.clientWidth"
                        " && b.tabIndex === 0)", what="a table box that scrolls and takes focus")
        assert box.get_attribute("role") == "region" and box.get_attribute("aria-label"), \
            box.get_attribute("outerHTML")[:300]
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});"
                               "arguments[0].focus();", box)
        ActionChains(browser).send_keys(Keys.ARROW_RIGHT * 5).perform()
        _wait_for(browser, "document.activeElement.scrollLeft > 0", timeout=5,
                  what="the arrow keys to scroll the focused table")  # smoothly: it takes a while
        assert _focus_ring(browser, box), "the focused table box shows no focus ring"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


FOCUS_RING_JS = """
const el = arguments[0], s = getComputedStyle(el);
const luminance = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map((v) => {
  v = Number(v) / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
let bg = el, bgColor = "rgb(255, 255, 255)";
while (bg) { const c = getComputedStyle(bg).backgroundColor;
  if (c && !c.startsWith("rgba(0, 0, 0, 0)") && c !== "transparent") { bgColor = c; break; }
  bg = bg.parentElement; }
const [a, b] = [luminance(s.outlineColor), luminance(bgColor)];
return {focused: document.activeElement === el, style: s.outlineStyle,
        width: parseFloat(s.outlineWidth), color: s.outlineColor, background: bgColor,
        contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
"""


def _focus_ring(driver, element) -> bool:
    """Whether ``element`` has the focus and shows it: an outline at least 2 px wide whose
    colour has at least 3:1 contrast with the background behind it (WCAG 2.4.7, 1.4.11)."""
    ring = driver.execute_script(FOCUS_RING_JS, element)
    return ring["focused"] and ring["style"] not in ("none", "hidden") and ring["width"] >= 2 \
        and ring["contrast"] >= 3


PREVIOUS_TAB_STOP_JS = """
const target = arguments[0];
const stops = Array.from(document.querySelectorAll(
  "a[href], button, input, select, textarea, summary, [tabindex]")).filter((el) =>
  el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0);
const previous = stops[stops.indexOf(target) - 1];
previous.scrollIntoView({block: "center"});
previous.focus();
return previous.outerHTML.slice(0, 120);
"""


def test_browser_solutions_open_from_the_keyboard_with_a_visible_focus(browser, site, visits):
    """Tab reaches each solution's toggle, which shows a focus ring; Enter opens it, Space
    closes it and opens it again."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from dlcourse.experiments import chapters

    hidden = "arguments[0].closest('.solution').classList.contains('toggle-hidden')"
    for chapter in chapters():
        browser.get(f"{site}book/{chapter}.html")
        _wait_for(browser, "document.readyState === 'complete' && "
                  "document.querySelector('article .solution button.toggle-button')")
        toggles = browser.find_elements(By.CSS_SELECTOR, "article .solution button.toggle-button")
        for number, toggle in enumerate(toggles, 1):
            where = f"{chapter}: solution {number}'s toggle"
            before = browser.execute_script(PREVIOUS_TAB_STOP_JS, toggle)
            ActionChains(browser).send_keys(Keys.TAB).perform()
            assert browser.switch_to.active_element == toggle, f"{where}: Tab from {before} misses it"
            ring = browser.execute_script(FOCUS_RING_JS, toggle)
            assert _focus_ring(browser, toggle), f"{where} shows no visible focus: {ring}"
            for key, opened in ((Keys.ENTER, True), (Keys.SPACE, False), (Keys.SPACE, True)):
                ActionChains(browser).send_keys(key).perform()
                state = "!" if opened else ""
                _wait_for(browser, f"{state}{hidden}".replace("arguments[0]", "document.activeElement"),
                          timeout=5, what=f"{where} to {'open' if opened else 'close'} on {key!r}")
