"""Time what a student sees: a control's input event -> the last change on screen, in Chromium.

Shared by ``bench_controls.py`` (every control of every page) and usable on its own. The page
under test gets an init script that stamps

* ``window.__inputAt``: the moment the control takes its new value (a key press, or a click's
  release: a toggle or a radio changes on "click", after the button comes up);
* ``window.__lastChange``: the last change of anything a student can see: a DOM change in the
  app (Streamlit's running-man status widget and toasts excluded: they animate on their own),
  or a drawing call on any canvas (charts drawn on canvas, the data editor's grid).

A round trip is ``__lastChange - __inputAt`` once the script has finished and the page has been
quiet for ``QUIET_MS``. Nothing waits a fixed time for the app: every wait is for a condition.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

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
QUIET_MS = 350  # the page counts as settled after this long without a visible change
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

STAMP_CHANGES = """
(() => {
  const ignored = (node) => {
    const element = node && (node.nodeType === 1 ? node : node.parentElement);
    return !element || !element.closest ||
      !!element.closest('[data-testid="stStatusWidget"], [data-testid="stToast"], ' +
                        '[data-testid="stToastContainer"], head');
  };
  const stamp = () => { window.__lastChange = performance.now(); };
  // the server's answer: any message on the app's websocket after the input
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => { window.__answeredAt = performance.now(); });
    }
  };
  for (const name of ["fillRect", "fillText", "fill", "stroke", "drawImage", "putImageData"]) {
    const original = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...args) {
      stamp();
      return original.apply(this, args);
    };
  }
  for (const type of ["click", "keydown"])
    document.addEventListener(type, () => { window.__inputAt = performance.now(); }, true);
  new MutationObserver((records) => {
    if (records.some((r) => !ignored(r.target))) stamp();
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  window.__answeredAt = 0;
  window.__lastChange = 0;
  window.__inputAt = 0;
})();
"""


def launch(playwright):
    """Debian's Chromium, headless (browser downloads are impossible here)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_page(browser, url: str, width: int = 1280, height: int = 1400):
    """A fresh tab on ``url``, timed; returns the tab once the script has run and it is quiet."""
    tab = browser.new_page(viewport={"width": width, "height": height})
    tab.add_init_script(STAMP_CHANGES)
    tab.goto(url)
    tab.wait_for_selector(DONE, timeout=120_000)
    settle(tab)
    return tab


def settle(tab, timeout_s: float = 20.0) -> None:
    """Wait until the script is done and nothing visible has changed for ``QUIET_MS``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        tab.wait_for_selector(DONE, timeout=timeout_s * 1000)
        quiet = tab.evaluate("() => performance.now() - (window.__lastChange || 0)")
        if quiet >= QUIET_MS:
            return
        tab.wait_for_timeout(min(QUIET_MS, max(20, QUIET_MS - quiet + 5)))
    raise TimeoutError("the page kept changing")


def wait_answered(tab, before: float, timeout_s: float = 5.0) -> bool:
    """After an input: wait until the server sent a message after ``before`` (True), or time
    out (the input did not reach the app)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if tab.evaluate("() => window.__answeredAt || 0") >= before:
            return True
        tab.wait_for_timeout(5)
    return False


def round_trip(tab, act: Callable[[], None]) -> float | None:
    """One interaction: input event -> last visible change, in ms (None if nothing changed)."""
    tab.bring_to_front()  # a tab in the background is drawn late: the one measured is in front
    tab.evaluate(
        "() => { window.__inputAt = 0; window.__lastChange = 0; window.__answeredAt = 0; }"
    )
    act()
    start = tab.evaluate("() => window.__inputAt || performance.now()")
    if not wait_answered(tab, start):
        return None  # no answer: the input did not reach the app
    settle(tab)
    last = tab.evaluate("() => window.__lastChange || 0")
    return last - start if last > start else None


@dataclass(frozen=True)
class Summary:
    median: float
    p90: float
    n: int

    def __str__(self) -> str:
        return f"{self.median:7.1f} ms  p90 {self.p90:7.1f}  (n={self.n})"


def summarize(times: list[float]) -> Summary | None:
    if not times:
        return None
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return Summary(statistics.median(ordered), p90, len(ordered))
