"""Shared fixtures: AppTest for one page at a time, and a real Streamlit server + Chromium."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
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


def run_page(path: str, **session: object) -> AppTest:
    """Run one page file on its own under AppTest, with shared settings pre-set if given.

    ``session`` maps shared-setting names to values (``tokens=..., inputs=...``); they are
    stored under their ``lab.*`` keys, exactly as another page would have left them.
    """
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for name, value in session.items():
        at.session_state[f"lab.{name}"] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """A real ``streamlit run app.py`` on a free loopback port; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "STREAMLIT_SERVER_HEADLESS": "true",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit server did not start within 60 s")
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

    assert Path(CHROMIUM).exists(), (
        "Chromium missing: run the README's test command (it installs it)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh 1280x800 browser tab."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    yield tab
    context.close()


SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_for_app(tab, timeout: float = 30_000) -> None:
    """Wait until the page's script has run to the end (Streamlit marks stApp's script state)."""
    tab.wait_for_selector(SCRIPT_DONE, timeout=timeout)
    tab.wait_for_timeout(300)  # let charts finish drawing


def wait_for_rerun(tab, timeout: float = 30_000) -> None:
    """After an interaction: wait for the rerun to start (if it has not already) and to end."""
    # a very fast rerun may already be over when we look: then the wait times out harmlessly
    with contextlib.suppress(PlaywrightTimeout):
        tab.wait_for_selector(SCRIPT_DONE, state="detached", timeout=2_000)
    wait_for_app(tab, timeout)


def assert_no_exception(tab) -> None:
    """No Streamlit exception box anywhere on the page."""
    errors = tab.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.text_content()
