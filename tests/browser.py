"""A real browser for the tests: Debian's chromium, driven headless by Selenium through
Debian's chromedriver (both from apt; `.ci/run` installs them, and nothing here
downloads a browser or a driver), offline (no host name resolves, only 127.0.0.1 is
reached), and a static folder served on 127.0.0.1 as `python -m http.server` serves it.
The book's test (tests/test_book.py) and the grader's reports' (tests/test_instructor_path.py)
both use it."""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import threading
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
