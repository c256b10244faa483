"""Shared fixtures: AppTest for one page at a time, and a real Streamlit server + Chromium.

Browser helpers wait for conditions, never for fixed times: a rerun has finished when the
app says its script is not running *and* nothing on the page has changed for a while (the
page stamps its own changes, see ``STAMP``), so the tests pass on a busy machine too.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
QUIET_MS = 300
SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

# Stamps the last visible change (a DOM change outside the status widget, or a canvas draw)
# and counts the messages the server sent, so a test can wait for "the server answered, then
# quiet". (The app's script-state attribute is no signal: a fast fragment run can start and
# end within one frame, and the attribute never changes.)
STAMP = """
(() => {
  window.__lastChange = performance.now();
  window.__answers = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => { window.__answers += 1; });
    }
  };
  const ignored = (node) => {
    const element = node && (node.nodeType === 1 ? node : node.parentElement);
    return !element || !element.closest ||
      !!element.closest('[data-testid="stStatusWidget"], [data-testid="stToast"], head');
  };
  for (const name of ["fillRect", "fillText", "drawImage"]) {
    const original = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...args) {
      window.__lastChange = performance.now();
      return original.apply(this, args);
    };
  }
  new MutationObserver((records) => {
    if (records.some((r) => !ignored(r.target))) window.__lastChange = performance.now();
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();
"""


def run_page(path: str, **settings: object) -> AppTest:
    """Run one page file on its own under AppTest, with settings pre-set if given.

    ``settings`` maps setting names (``ui.keys``) to values, stored under ``lab.<name>``
    exactly as another page would have left them: ``run_page(p, seeds=(7, 7, 7))``.
    """
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for name, value in settings.items():
        at.session_state[f"lab.{name}"] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_link(path: str, **params: str) -> AppTest:
    """Run a page opened from a link with these URL parameters."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(config: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free loopback port (extra ``--key value`` options)."""
    port = _free_port()
    options = [f"--{k}={v}" for k, v in (config or {}).items()]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *options],
        cwd=ROOT,
        env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("streamlit server did not start within 90 s")


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """A real ``streamlit run app.py`` on a free loopback port; yields its base URL.

    It runs with Community Cloud's forced settings (``runOnSave``, error details hidden), so
    the tests see the app as a class opening the Cloud link does.
    """
    proc, url = start_server({"server.runOnSave": "true", "client.showErrorDetails": "none"})
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (browser downloads are impossible here)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium missing: run the README's test command"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_tab(browser, width: int = 1280, height: int = 800):
    """A fresh tab (its own context) that stamps its changes."""
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    tab.add_init_script(STAMP)
    tab.set_default_timeout(60_000)
    return tab


@pytest.fixture
def page(browser):
    """A fresh 1280x800 browser tab."""
    tab = new_tab(browser)
    yield tab
    tab.context.close()


@pytest.fixture
def phone(browser):
    """A fresh tab at a phone's width (390 px)."""
    tab = new_tab(browser, 390, 844)
    yield tab
    tab.context.close()


def settle(tab, timeout_s: float = 60.0) -> None:
    """Wait until the script has finished and the page has been quiet for ``QUIET_MS``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        tab.wait_for_selector(SCRIPT_DONE, timeout=timeout_s * 1000)
        quiet = tab.evaluate("() => performance.now() - window.__lastChange")
        skeletons = tab.locator('[data-testid="stSkeleton"]').count()
        if quiet >= QUIET_MS and skeletons == 0:
            return
        tab.wait_for_timeout(50)
    raise TimeoutError("the page did not settle")


def open_app(tab, url: str) -> None:
    """Go to ``url`` and wait until the page has run and drawn."""
    tab.goto(url)
    settle(tab)


def act(tab, action) -> None:
    """Do ``action`` (a function of no arguments), then wait until the server has answered
    and the page is quiet again."""
    answers = tab.evaluate("() => window.__answers")
    action()
    tab.wait_for_function(f"() => window.__answers > {answers}", timeout=60_000)
    settle(tab)


def assert_no_exception(tab) -> None:
    """No Streamlit exception box anywhere on the page."""
    errors = tab.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.text_content()


def key_selector(key: str) -> str:
    """The CSS selector of a keyed widget's container (Streamlit: ``st-key-<key>``)."""
    return ".st-key-" + key.replace(".", "-")
