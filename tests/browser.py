"""A real browser for the tests: Debian's chromium, driven headless by Selenium through
Debian's chromedriver (both from apt; `.ci/run` installs them, and nothing here
downloads a browser or a driver), offline (no host name resolves, only 127.0.0.1 is
reached), and a static folder served on 127.0.0.1 as `python -m http.server` serves it.
The book's test (tests/book/test_book.py) and the grader's reports' (tests/grader/test_instructor_path.py)
both use it, and both check each page's accessibility with axe-core (:func:`axe_violations`)."""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

# No Selenium Manager: the browser and driver paths are given, and it must not phone home.
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
                  "--disable-default-apps", "--mute-audio", "--hide-scrollbars", "--lang=en-US",
                  "--force-color-profile=srgb", "--window-size=1280,1000",
                  # As for a reader offline: no host name resolves, only 127.0.0.1 is reached.
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# The browser asks for /favicon.ico by itself; the sites have no icon, and no page asks for one.
BROWSERS_OWN_REQUEST = re.compile(r"http://127\.0\.0\.1:\d+/favicon\.ico\b")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the browser dropping a connection when it leaves a page is no error of the site


@contextlib.contextmanager
def serve(folder: Path):
    """``folder`` on http://127.0.0.1:<free port>/ while the block runs (yields the URL)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(profile: Path):
    """A headless chromium with its console and network events logged."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (binary and driver_path):
        pytest.fail("the browser test needs Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver; .ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    # Console messages, and the network events of each page (every request it makes).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def drain_logs(driver) -> tuple[list[dict], list[dict]]:
    """(console messages, network events) since the last call."""
    console = driver.get_log("browser")
    network = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    return console, [event for event in network if event["method"].startswith("Network.")]


def console_errors(entries: list[dict]) -> list[str]:
    return [entry["message"] for entry in entries if entry["level"] == "SEVERE"
            and not BROWSERS_OWN_REQUEST.match(entry["message"])]


# --- Accessibility: axe-core (WCAG 2.1 AA), run inside the page ----------------------

# npm's axe-core at the version tests/axe/package-lock.json pins; `make install` puts it
# here (npm ci), and the tests inject it into each page: nothing is fetched at test time.
AXE_JS = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# What fails a page: a violation that blocks or seriously hinders some reader. axe's
# "moderate" and "minor" ones (best practices, mostly) are left to review.
BLOCKING = ("serious", "critical")

RUN_AXE_JS = """
const done = arguments[arguments.length - 1];
const options = {resultTypes: ["violations"]};
if (arguments[0]) options.runOnly = {type: "rule", values: arguments[0]};
axe.run(document, options)
   .then((r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
         targets: v.nodes.map((n) => n.target.join(" ")),
         summary: (v.nodes[0] || {}).failureSummary || ""}))))
   .catch((err) => done({error: String(err)}));
"""


@functools.cache
def _axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run `make install`, which installs it "
                    "with npm from tests/axe/package-lock.json")
    return AXE_JS.read_text()


def axe_violations(driver, rules: list[str] | None = None) -> list[dict]:
    """axe-core's violations on the page the browser shows now (every rule axe runs by
    default: WCAG 2.1 A and AA, and its best practices; or only ``rules``),
    each as {id, impact, help, targets, summary}. axe is injected into the page if it is
    not there yet."""
    if not driver.execute_script("return typeof window.axe === 'object';"):
        driver.execute_script(_axe_source())
    found = driver.execute_async_script(RUN_AXE_JS, rules)
    if isinstance(found, dict):
        pytest.fail(f"axe-core failed on {driver.current_url}: {found['error']}")
    return found


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe_violations(where: str, violations: list[dict], shown: int = 3) -> str:
    """One line per violation: rule id, impact, how many elements, the first targets."""
    return "\n".join(
        f"{where}: {v['id']} ({v['impact']}, {len(v['targets'])} element(s): {v['help']}) "
        f"at {', '.join(v['targets'][:shown])}" + (f"; {v['summary'].splitlines()[-1].strip()}"
                                                   if v["summary"] else "")
        for v in violations)


def set_theme(driver, mode: str) -> None:
    """The pydata theme's light or dark colours, as its header switch sets them (without
    storing the choice), once its colour transitions have finished."""
    driver.execute_script("document.documentElement.dataset.theme = arguments[0];"
                          "document.documentElement.dataset.mode = arguments[0];", mode)
    deadline = time.monotonic() + 5
    while driver.execute_script("return document.getAnimations().some((a) => a.playState === 'running');"):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)


# What the theme's mode changes: colours only. In dark mode axe runs its AA colour rules
# (text contrast, links told apart from text), which halves what the second run costs.
# (Not the tag "cat.color": it also holds the AAA contrast rule, which axe leaves off.)
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def axe_in_both_themes(driver) -> dict[str, list[dict]]:
    """axe's violations in light mode (every rule) and in dark mode (its colour rules);
    the page is left in light mode."""
    set_theme(driver, "light")
    found = {"light": axe_violations(driver)}
    set_theme(driver, "dark")
    found["dark"] = axe_violations(driver, COLOUR_RULES)
    set_theme(driver, "light")
    return found


def assert_accessible(found: dict[str, list[dict]]) -> None:
    """Fail on every serious or critical violation of ``found`` ({where: violations}),
    all pages at once, so that one run lists everything there is to fix."""
    lines = [describe_violations(where, blocking(violations))
             for where, violations in found.items() if blocking(violations)]
    if lines:
        pytest.fail("axe-core found serious or critical accessibility violations "
                    "(rule id, impact, elements, first targets):\n" + "\n".join(lines),
                    pytrace=False)


# --- Content that does not fit: clipped, or scrolled with a cue ----------------------

# Every box in the page's content that cuts its content off sideways (overflow other than
# visible, and wider content than box) must let a reader get at the rest: it scrolls
# (overflow-x auto or scroll), the keyboard reaches it (tabindex >= 0, so arrow keys
# scroll it), and it shows that it scrolls (a shadow at the edge with more, as a
# background gradient, or a scrollbar the site styles, which is drawn whether or not the
# pointer is over it). And the page itself is never wider than the window.
OVERFLOW_JS = r"""
const root = document.querySelector("article") || document.querySelector("main") || document.body;
const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
  + Array.from(el.classList).slice(0, 3).map((c) => "." + c).join("")
  + ` (${el.scrollWidth} px of content in ${el.clientWidth} px: `
  + JSON.stringify(el.innerText.slice(0, 60)) + ")";
// What a reader sees of an element: not MathJax's copy of a formula for screen readers
// (mjx-assistive-mml, clipped to nothing), which widens a formula's scrollWidth.
const shown = (el) => el.getClientRects().length > 0 && !el.closest("mjx-assistive-mml");
const cutOff = (box) => { const edge = box.getBoundingClientRect().right + 1;
  return Array.from(box.querySelectorAll("*")).find((el) => shown(el)
    && el.getBoundingClientRect().right > edge); };
const problems = [];
for (const el of root.querySelectorAll("*")) {
  const style = getComputedStyle(el);
  if (style.overflowX === "visible" || el.scrollWidth <= el.clientWidth + 1) continue;
  if (el.getBoundingClientRect().width === 0) continue;  // not shown (a closed solution)
  const why = [];
  if (!["auto", "scroll"].includes(style.overflowX)) {
    const hidden = cutOff(el);
    if (hidden) why.push(`cut off (overflow-x: ${style.overflowX}) at ${hidden.tagName.toLowerCase()}`
                         + ` ${JSON.stringify((hidden.innerText || "").slice(0, 40))}`);
  }
  else {
    if (el.tabIndex < 0) why.push("scrolls, but the keyboard cannot reach it");
    const shadow = style.backgroundImage.includes("gradient");
    const scrollbar = style.scrollbarColor !== "auto" && style.scrollbarWidth !== "none";
    if (!shadow && !scrollbar) why.push("scrolls, but shows no scrollbar or shadow");
  }
  if (why.length) problems.push(describe(el) + ": " + why.join("; "));
}
const page = document.documentElement;
if (page.scrollWidth > window.innerWidth + 1) {
  // The outermost element past the window's edge that no box of its own clips or scrolls.
  const clips = (el) => { for (let a = el.parentElement; a && a !== page; a = a.parentElement)
    if (getComputedStyle(a).overflowX !== "visible") return true; return false; };
  const past = Array.from(document.body.querySelectorAll("*")).find((el) => shown(el)
    && el.getBoundingClientRect().right > window.innerWidth + 1 && !clips(el));
  problems.push(`the page is ${page.scrollWidth} px wide in a ${window.innerWidth} px window`
                + (past ? ` (${describe(past)})` : ""));
}
return problems;
"""

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": False}


def overflow_problems(driver, widths=(None, PHONE)) -> dict[str, list[str]]:
    """What does not fit on the page shown, at the window's width (None) and as on each
    emulated screen of ``widths``: {width: problems}."""
    found = {}
    for screen in widths:
        if screen:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", screen)
            time.sleep(0.4)  # a layout at the new width; the theme sets tab stops 300 ms later
        try:
            width = driver.execute_script("return window.innerWidth;")
            found[f"{width} px"] = driver.execute_script(OVERFLOW_JS)
        finally:
            if screen:
                driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return found
