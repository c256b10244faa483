"""Speed of every page: server-side rerun time and the browser round trip, printed as figures.

    .venv/bin/python benchmarks/bench_pages.py [--reruns 30] [--round-trips 15]

1. Server side: each page under AppTest, one control changed back and forth; median and p90
   of the rerun time (AppTest's own overhead included, so an upper bound). Target: median
   <= 60 ms at default sizes.
2. Browser: a real ``streamlit run`` and Debian's Chromium. For each page, one control is
   changed by keyboard or click; the round trip is the time from the input event (keydown, or
   the click that flips a toggle) to the last change of any chart on the page. The same is
   measured on a bare one-slider heatmap app just before each page (the machine's load
   drifts, so each ratio compares neighbours). Target: each page's median <= 1.5 x the bare
   app's. The servers run under ``timed_server.py``, which also prints the
   real server's script time for those reruns (AppTest's figure above adds its own overhead:
   it compiles the script anew on every run).

This is a measurement, not a test: it prints numbers and exits 0.
"""

import argparse
import math
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Control:
    """One page and how to change one of its controls, under AppTest and in the browser."""

    name: str
    path: str  # page file, relative to the repo
    url_path: str  # deep link
    apptest: Callable[[AppTest, int], None]  # change the control to its i-th value, no rerun
    browser_selector: str  # what to act on in the page
    browser_key: str | None  # key to press after focusing it (None: click)
    # for a radio: what to click every other time (clicking a chosen option changes nothing)
    browser_alternate: str | None = None
    # the chart to keep on screen, when it sits too far below the control to share the window
    # (Streamlit draws a chart only when it is on screen)
    browser_watch: str | None = None


def _slider(key: str, values: tuple) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.slider(key=key).set_value(values[i % len(values)])


def _select_slider(key: str, values: tuple) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.select_slider(key=key).set_value(values[i % len(values)])


def _toggle(key: str) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.toggle(key=key).set_value(i % 2 == 0)


def _number(key: str, values: tuple) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.number_input(key=key).set_value(values[i % len(values)])


def _radio(key: str, values: tuple) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.radio(key=key).set_value(values[i % len(values)])


def _selectbox(key: str, values: tuple) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.selectbox(key=key).set_value(values[i % len(values)])


SLIDER = '[data-testid="stSlider"] input[type="range"]'
CONTROLS: list[Control] = [
    Control(
        "bare app (baseline)",
        "benchmarks/bare_app.py",
        "",
        _slider("value", (51, 50)),
        SLIDER,
        "ArrowRight",
    ),
    Control(
        "home: projector mode",
        "app.py",
        "",
        _toggle("w.home.projector"),
        'label:has-text("Projector mode")',
        None,
    ),
    Control(
        "rnn vs attention: position length",
        "pages/1_RNN_vs_attention.py",
        "RNN_vs_attention",
        _slider("w.rnn.position_length", (19, 20)),
        SLIDER,
        "ArrowLeft",
    ),
    Control(
        "simplified: softmax dim",
        "pages/2_Simplified_self_attention.py",
        "Simplified_self_attention",
        _radio("w.simplified.dim", (0, -1)),
        'label:has-text("dim=0: down each column")',
        None,
        'label:has-text("dim=-1: along each row")',
    ),
    Control(
        "scaled: scaling toggle",
        "pages/3_Scaled_dot_product_attention.py",
        "Scaled_dot_product_attention",
        _toggle("w.scaled.scaled"),
        'label:has-text("Scale the scores")',
        None,
    ),
    Control(
        "why scale: d_k",
        "pages/4_Why_scale.py",
        "Why_scale",
        _select_slider("d_k", (128, 64)),
        SLIDER,
        "ArrowRight",
        # step 2's chart, one query's weights at your d_k (after step 1's chart)
        browser_watch='[data-testid="stVegaLiteChart"] >> nth=1',
    ),
    Control(
        "causal + multi-head: dropout",
        "pages/5_Causal_and_multi_head.py",
        "Causal_and_multi_head",
        _slider("w.multihead.dropout", (0.55, 0.5)),
        SLIDER,
        "ArrowRight",
    ),
]


def server_side(control: Control, reruns: int) -> list[float]:
    """Rerun times in ms after changing the control, first (cold) run excluded."""
    at = AppTest.from_file(str(ROOT / control.path), default_timeout=60).run()
    times = []
    for i in range(reruns):
        try:
            control.apptest(at, i)
        except KeyError:  # a keyed-fragment rerun left AppTest only those fragments' elements
            at.run()  # (not timed) a full run brings the control back
            control.apptest(at, i)
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception, at.exception
    return times


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(app: str, log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run app``; with ``log``, every script run's duration goes there."""
    port = _free_port()
    launcher = (
        [str(ROOT / "benchmarks" / "timed_server.py"), str(log)] if log else ["-m", "streamlit"]
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            *launcher,
            "run",
            app,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


# A chart is "updated" at the last change inside a Vega-Lite chart element: a DOM change for
# charts drawn as SVG (Streamlit's default for small charts), a 2-d drawing call for canvases.
STAMP_CHART_UPDATES = """
const inChart = (node) => {
  const element = node && (node.nodeType === 1 ? node : node.parentElement);
  return !!(element && element.closest && element.closest('[data-testid="stVegaLiteChart"]'));
};
for (const name of ["fillRect", "fillText", "fill", "stroke"]) {
  const original = CanvasRenderingContext2D.prototype[name];
  CanvasRenderingContext2D.prototype[name] = function (...args) {
    if (inChart(this.canvas)) window.__lastChart = performance.now();
    return original.apply(this, args);
  };
}
// the moment the control takes its new value: a key press, or a click's release (a toggle
// or a radio changes on "click", after the button comes up, not when it goes down)
for (const type of ["click", "keydown"])
  document.addEventListener(type, () => { window.__inputAt = performance.now(); }, true);
new MutationObserver((records) => {
  if (records.some((r) => inChart(r.target))) window.__lastChart = performance.now();
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def round_trips(url: str, control: Control, count: int) -> list[float]:
    """Input event -> last chart change, in ms, in Chromium."""
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
    ]
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        tab = browser.new_page(viewport={"width": 1280, "height": 1400})
        tab.add_init_script(STAMP_CHART_UPDATES)
        tab.goto(f"{url}/{control.url_path}")
        tab.wait_for_selector(DONE, timeout=60_000)
        tab.wait_for_timeout(1500)
        target = tab.locator(control.browser_selector).first
        other = tab.locator(control.browser_alternate or control.browser_selector).first
        # Streamlit draws a chart only once it is on screen: put the control at the top of a
        # tall window so that the chart it changes (below it) is visible, or, if that chart is
        # too far down, the chart itself (the control then takes keys without scrolling).
        shown = tab.locator(control.browser_watch).first if control.browser_watch else target
        shown.evaluate(
            "e => e.closest('[data-testid=stElementContainer]').scrollIntoView({block: 'start'})"
        )
        tab.wait_for_timeout(1000)
        for i in range(count + 2):  # two warm-ups
            tab.evaluate("() => { window.__inputAt = 0; window.__lastChart = 0; }")
            if control.browser_key:
                target.evaluate("e => e.focus({preventScroll: true})")
                tab.keyboard.press(
                    control.browser_key if i % 2 == 0 else _opposite(control.browser_key)
                )
            else:
                (target if i % 2 == 0 else other).click()
            tab.wait_for_timeout(150)
            tab.wait_for_selector(DONE, timeout=30_000)
            tab.wait_for_timeout(400)  # quiet period: charts have finished redrawing
            start, last = tab.evaluate("() => [window.__inputAt || 0, window.__lastChart || 0]")
            if i >= 2 and start and last > start:
                times.append(last - start)
        browser.close()
    return times


def _opposite(key: str) -> str:
    return {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}.get(key, key)


def summary(times: list[float]) -> str:
    if not times:
        return "no samples"
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms   (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=30)
    parser.add_argument("--round-trips", type=int, default=15)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()

    print("Server-side rerun after a control change (AppTest; target median <= 60 ms)")
    for control in CONTROLS:
        print(f"  {control.name:<45} {summary(server_side(control, args.reruns))}")
    if args.skip_browser:
        return

    print("\nBrowser round trip, input -> last chart change (Chromium; target <= 1.5 x bare app)")
    print("  each page right after the bare app (load drifts: a ratio compares neighbours), and,")
    print("  below each, the real server's script time for that page's reruns")
    log = Path(tempfile.mkdtemp()) / "script_ms.txt"
    bare_proc, bare_url = _start("benchmarks/bare_app.py", log)
    app_proc, app_url = _start("app.py", log)
    bare, *pages = CONTROLS
    try:
        for control in pages:
            baseline = round_trips(bare_url, bare, args.round_trips)
            print(f"  {bare.name:<45} {summary(baseline)}")
            log.write_text("")
            times = round_trips(app_url, control, args.round_trips)
            ratio = statistics.median(times) / statistics.median(baseline) if times else math.nan
            print(f"  {control.name:<45} {summary(times)}   {ratio:4.2f} x bare")
            # the last runs are the measured interactions (the first ones load the page)
            script = [float(line) for line in log.read_text().split()][-args.round_trips :]
            print(f"    {'script run (server)':<43} {summary(script)}")
    finally:
        for proc in (bare_proc, app_proc):
            proc.terminate()


if __name__ == "__main__":
    main()
