"""Every control of every page, timed as a student feels it, beside a bare Streamlit app.

    .venv/bin/python benchmarks/bench_controls.py [--trips 8] [--only scaled,why_scale]
                                                  [--app DIR] [--controls FILE]

For each control (sliders, number inputs, switches, radios, select boxes, buttons, the
embedding editor's cell edit, the sentence box, and the frame's switches: projector mode,
reveal step by step, reset), in a real ``streamlit run`` and Debian's Chromium:

* the round trip, input event -> last change on screen (``browser_timing``), median and p90;
* the same for a bare one-slider heatmap app (``bare_app.py``), measured just before each
  page, and the ratio of the two (the machine's load drifts: a ratio compares neighbours);
* the real server's script time for those interactions (``timed_server.py``).

Then the cold start: a new server process, launch -> the home page drawn and quiet.

Targets (issue "One lesson, one place"): lesson controls, median over all <= 1.5x the bare
app and none over 3x; the frame's switches <= 5x; cold start <= 5 s. This prints figures
and exits 0: it is a measurement, not a test.

``--app DIR`` measures another checkout (an older commit, for a before/after table) with the
control list of ``--controls FILE`` (a Python file defining ``PAGES`` like this one's).
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_timing import launch, open_page, round_trip, settle, summarize

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"

Action = Callable[[object, int], None]  # (tab, i): make the i-th change


# ---- how to touch each kind of control (selected by its widget key's CSS class) -------------


def key_class(key: str) -> str:
    """Streamlit gives a keyed widget's container the class ``st-key-<key>`` (dots -> dashes).

    A key ending in "*" matches any suffix (keys that carry a version number).
    """
    if not key:
        return ""
    name = key.replace(".", "-")
    if name.endswith("*"):
        return f'[class*="st-key-{name[:-1]}"]'
    return f".st-key-{name}"


def slider(key: str, back_and_forth: tuple[str, str] = ("ArrowRight", "ArrowLeft")) -> Action:
    """A slider or select slider: one arrow key, then the other."""

    def act(tab, i: int) -> None:
        handle = tab.locator(f'{key_class(key)} input[type="range"]').first
        handle.focus()
        tab.keyboard.press(back_and_forth[i % 2])

    return act


def number(key: str) -> Action:
    """A number input: arrow up, then arrow down (each steps and commits at once)."""

    def act(tab, i: int) -> None:
        box = tab.locator(f"{key_class(key)} input").first
        box.focus()
        tab.keyboard.press("ArrowUp" if i % 2 == 0 else "ArrowDown")

    return act


def click(key: str, inner: str = "label") -> Action:
    """A toggle, checkbox or button: click it."""

    def act(tab, i: int) -> None:
        tab.locator(f"{key_class(key)} {inner}").first.click()

    return act


def radio(key: str, first: str, second: str) -> Action:
    """A radio: one option, then the other (clicking the chosen one would change nothing)."""

    def act(tab, i: int) -> None:
        option = first if i % 2 == 0 else second
        tab.locator(f'{key_class(key)} label:has-text("{option}")').first.click()

    return act


def selectbox(key: str, first: str, second: str) -> Action:
    """A select box: open it, pick one option, then the other next time."""

    def act(tab, i: int) -> None:
        box = tab.locator(f'{key_class(key)} [role="combobox"]').first
        box.scroll_into_view_if_needed()  # a menu opened while the page scrolls closes again
        box.click()
        option = first if i % 2 == 0 else second
        tab.locator(f'[role="option"]:has-text("{option}")').first.click()

    return act


def sentence(key: str, first: str, second: str) -> Action:
    """A text box committed with Enter."""

    def act(tab, i: int) -> None:
        box = tab.locator(f"{key_class(key)} input").first
        box.fill(first if i % 2 == 0 else second)
        box.press("Enter")

    return act


def grid_cell(key: str, x: int, right: int, first: str, second: str) -> Action:
    """A data editor: click row 1 ``x`` px from the grid's left edge (inside the first
    column that takes a click: past a row marker), move ``right`` cells, type, Enter."""

    def act(tab, i: int) -> None:
        grid = tab.locator(f'{key_class(key)} [data-testid="data-grid-canvas"]').first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        # row 1 (under the 35 px header), column 1: the grid's scroller takes the click
        tab.mouse.click(box["x"] + x, box["y"] + 52)
        for _ in range(right):
            tab.keyboard.press("ArrowRight")
        tab.keyboard.type(first if i % 2 == 0 else second)
        tab.keyboard.press("Enter")

    return act


def steps(page: str, first: str, second: str) -> Action:
    """The step picker (a segmented control): one step's button, then another's."""

    def act(tab, i: int) -> None:
        label = first if i % 2 == 0 else second
        tab.locator(f'{key_class(page + ".steps")} button:has-text("{label}")').first.click()

    return act


@dataclass(frozen=True)
class Control:
    name: str
    act: Action
    frame: bool = False  # a frame switch (projector, reveal, reset): target <= 5x
    setup: Action | None = None  # run once before the round trips (e.g. open a section)
    pairs: bool = True  # the i-th and (i+1)-th action undo each other (else: every action)


@dataclass(frozen=True)
class Page:
    name: str
    url_path: str
    controls: tuple[Control, ...]
    query: str = ""  # extra URL parameters for the page's state


# ---- this checkout's pages and controls ---------------------------------------------------


def frame(page: str) -> tuple[Control, ...]:
    """The sidebar's switches, on every page."""
    return (
        Control("projector mode", click(f"{page}.projector"), frame=True),
        Control("reveal step by step", click(f"{page}.reveal"), frame=True),
        Control("reset", click(f"{page}.reset", "button"), frame=True, pairs=False),
    )


def embeddings(page: str) -> tuple[Control, ...]:
    """The shared embedding controls (``ui.embeddings``)."""
    return (
        Control(
            "embedding cell edit",
            grid_cell(f"{page}.grid.*", 80, 1, "7", "3"),
            setup=click(f"{page}.grid_open", "summary"),
        ),
        Control(
            "sentence box",
            sentence(
                f"{page}.sentence", "The cat sat on the mat", "Your journey starts with one step"
            ),
        ),
        Control("d_in", number(f"{page}.d_in")),
        Control("query", selectbox(f"{page}.query.*", "Your", "journey")),
    )


PAGES: tuple[Page, ...] = (
    Page("home", "", frame("home")),
    Page("rnn", "RNN_vs_attention", (Control("step picker", steps("rnn", "2 ·", "1 ·")), *frame("rnn"))),
    Page("rnn@2", "RNN_vs_attention", (Control("position length", slider("rnn.position_length")),),
         query="?rnn_step=2&rnn_len=19"),
    Page("rnn@3", "RNN_vs_attention", (
        Control("digits box", sentence("rnn.digits", "31415926535897", "2718281828459045")),
        Control("random length", number("rnn.random_length")),
        Control("random digits", click("rnn.random", "button"), pairs=False),
    ), query="?rnn_step=3"),
    Page("rnn@4", "RNN_vs_attention", (Control("decoder step", slider("rnn.decoder_step")),),
         query="?rnn_step=4&rnn_i=5"),
    Page("rnn@6", "RNN_vs_attention", (
        Control("hidden size", slider("rnn.hidden", ("ArrowLeft", "ArrowRight"))),
        Control("training lengths", slider("rnn.train_lengths")),
        Control("training steps", slider("rnn.train_steps", ("ArrowLeft", "ArrowRight"))),
        Control("training seed", number("rnn.train_seed")),
    ), query="?rnn_step=6"),
    Page(
        "scaled",
        "Scaled_dot_product_attention",
        (
            *embeddings("scaled"),
            Control("query's dim 1 slider", slider("scaled.nudge.*")),
            Control("step picker", steps("scaled", "5 ·", "1 ·")),
            Control("seed", number("scaled.seed")),
            Control("d_out", number("scaled.d_out")),
            Control("re-roll", click("scaled.reroll", "button"), pairs=False),
            Control("one seed per matrix", click("scaled.per_matrix_seeds")),
            Control("scaling switch", click("scaled.scaled")),
            Control("causal mask", click("scaled.causal")),
            Control("dropout rate", slider("scaled.dropout")),
            Control(
                "W_query cell edit",
                grid_cell("scaled.W_query.*", 12, 1, "7", "3"),
                setup=click("scaled.edit_weights", "summary"),
            ),
            *frame("scaled"),
        ),
    ),
    Page(
        "scaled+dropout",
        "Scaled_dot_product_attention",
        (Control("dropout seed", number("scaled.dropout_seed")),),
        query="?dropout=0.5",
    ),
    Page(
        "why_scale",
        "Why_scale",
        (
            Control("d_k", slider("why_scale.d_k")),
            Control("keys per query", slider("why_scale.num_tokens")),
            Control("sample seed", number("why_scale.qk_seed")),
            Control("step picker", steps("why_scale", "2 ·", "1 ·")),
            *frame("why_scale"),
        ),
    ),
    Page(
        "why_scale@4",
        "Why_scale",
        (
            Control("temperature", slider("why_scale.temperature")),
            Control("T = √d_k", click("why_scale.t_root", "button"), pairs=False),
        ),
        query="?why_scale_step=4",
    ),
    Page(
        "multihead",
        "Causal_and_multi_head",
        (
            Control("d_out (shared)", number("multihead.d_out")),
            Control("num_heads", selectbox("multihead.num_heads", "1", "2")),
            Control("modules' seed", number("multihead.seed")),
            Control("book weights switch", click("multihead.book_v2")),
            Control("sentence box", sentence("multihead.sentence", "The cat sat on the mat",
                                             "Your journey starts with one step")),
            Control("d_in", number("multihead.d_in")),
            Control("step picker", steps("multihead", "4 ·", "1 ·")),
            *frame("multihead"),
        ),
    ),
    Page(
        "multihead@2",
        "Causal_and_multi_head",
        (
            Control("dropout rate", slider("multihead.dropout")),
            Control("dropout seed", number("multihead.dropout_seed")),
        ),
        query="?multihead_step=2",
    ),
    Page(
        "multihead@3",
        "Causal_and_multi_head",
        (Control("context_length", number("multihead.context_length")),),
        query="?multihead_step=3",
    ),
    Page(
        "multihead@6",
        "Causal_and_multi_head",
        (
            Control("exercise 3.2 d_out", number("multihead.ex32_d_out")),
            Control("exercise 3.3 heads", number("multihead.ex33_num_heads")),
        ),
        query="?multihead_step=6",
    ),
)  # fmt: skip


# ---- running ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app_dir: Path, app: str, log: Path | None) -> tuple[subprocess.Popen, str, float]:
    """``streamlit run`` (timed with ``log``); returns the process, URL and seconds to health."""
    port = _free_port()
    launcher = [str(BENCH / "timed_server.py"), str(log)] if log else ["-m", "streamlit"]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *launcher, "run", app, "--server.port", str(port),
         "--server.headless", "true"],
        cwd=app_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return proc, url, time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def measure(tab, control: Control, trips: int, bare_tab=None) -> tuple[list[float], list[float]]:
    """``trips`` round trips after two warm-ups (each a change and its undo when ``pairs``);
    with ``bare_tab``, each is followed by one on the bare app, so that both are measured
    under the same load. Returns (control's times, bare app's times)."""
    times, bare = [], []
    for i in range(trips + 2):
        ms = round_trip(tab, lambda i=i: control.act(tab, i))
        if i >= 2 and ms is not None:
            times.append(ms)
        if bare_tab is not None:
            ms = round_trip(bare_tab, lambda i=i: BARE.act(bare_tab, i))
            if i >= 2 and ms is not None:
                bare.append(ms)
    return times, bare


def script_times(log: Path, count: int) -> list[float]:
    lines = log.read_text().split() if log.exists() else []
    return [float(v) for v in lines][-count:] if lines else []


@dataclass
class Row:
    page: str
    control: str
    frame: bool
    median: float | None
    p90: float | None
    bare: float
    script: float | None
    ratio: float | None = field(init=False)

    def __post_init__(self) -> None:
        self.ratio = self.median / self.bare if self.median is not None else None


def run_page(browser, url: str, bare_url: str, page: Page, trips: int, log: Path) -> list[Row]:
    bare_tab = open_page(browser, bare_url)
    rows = []
    for control in page.controls:
        tab = open_page(browser, f"{url}/{page.url_path}{page.query}")
        try:
            if control.setup:
                control.setup(tab, 0)
                settle(tab)
            log.write_text("")
            times, bare_times = measure(tab, control, trips, bare_tab)
        except Exception as error:  # a control this checkout lacks: say so, go on
            print(f"  {page.name:<12} {control.name:<34} failed: {str(error).splitlines()[0]}")
            tab.close()
            continue
        # the app's script runs only (the bare app runs in its own server)
        script = script_times(log, trips)
        tab.close()
        result, bare = summarize(times), summarize(bare_times)
        rows.append(
            Row(
                page.name,
                control.name,
                control.frame,
                result.median if result else None,
                result.p90 if result else None,
                bare.median,
                statistics.median(script) if script else None,
            )
        )
        print(format_row(rows[-1]), flush=True)
    bare_tab.close()
    return rows


BARE = Control("bare app: slider", slider("value"))


def format_row(row: Row) -> str:
    if row.median is None:
        return f"  {row.page:<12} {row.control:<34} no change seen"
    script = f"{row.script:6.1f}" if row.script is not None else "   n/a"
    return (
        f"  {row.page:<12} {row.control:<34} {row.median:7.1f} ms  p90 {row.p90:7.1f}  "
        f"{row.ratio:5.2f}x bare ({row.bare:5.1f})  script {script} ms"
    )


def editor_floor(browser, trips: int) -> str:
    """A cell edit in ``bare_editor_app.py``: what any Streamlit grid edit costs here."""
    proc, url, _ = start_server(ROOT, "benchmarks/bare_editor_app.py", None)
    try:
        tab = open_page(browser, url)
        times, _ = measure(tab, Control("cell", grid_cell("grid", 40, 1, "7", "3")), trips)
        tab.close()
    finally:
        proc.terminate()
    return str(summarize(times)) if times else "no change seen"


def cold_start(app_dir: Path, browser) -> tuple[float, float]:
    """A new server: (launch -> health, launch -> home page drawn and quiet), in seconds."""
    started = time.perf_counter()
    proc, url, health = start_server(app_dir, "app.py", None)
    try:
        tab = open_page(browser, url)
        ready = time.perf_counter() - started
        tab.close()
    finally:
        proc.terminate()
    return health, ready


def load_pages(path: Path | None) -> tuple[Page, ...]:
    if path is None:
        return PAGES
    spec = importlib.util.spec_from_file_location("controls", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["controls"] = module
    spec.loader.exec_module(module)
    return module.PAGES


def report(rows: list[Row]) -> None:
    lesson = [r.ratio for r in rows if not r.frame and r.ratio is not None]
    frame = [r.ratio for r in rows if r.frame and r.ratio is not None]
    print("\nSummary")
    if lesson:
        worst = max((r for r in rows if not r.frame and r.ratio), key=lambda r: r.ratio)
        print(f"  lesson controls: median {statistics.median(lesson):.2f}x bare over "
              f"{len(lesson)} controls (target <= 1.5x); worst {worst.ratio:.2f}x "
              f"({worst.page}: {worst.control}; target <= 3x)")  # fmt: skip
    if frame:
        print(f"  frame switches: worst {max(frame):.2f}x bare (target <= 5x)")
    unseen = [f"{r.page}: {r.control}" for r in rows if r.median is None]
    if unseen:
        print(f"  no change seen for: {', '.join(unseen)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trips", type=int, default=8, help="round trips per control")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--app", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--controls", type=Path, help="a file defining PAGES for --app")
    parser.add_argument("--no-cold-start", action="store_true")
    args = parser.parse_args()
    pages = load_pages(args.controls)
    if args.only:
        wanted = set(args.only.split(","))
        pages = tuple(p for p in pages if p.name in wanted)

    log = Path(tempfile.mkdtemp()) / "script_ms.txt"
    bare_proc, bare_url, _ = start_server(ROOT, "benchmarks/bare_app.py", None)
    app_proc, app_url, _ = start_server(args.app, "app.py", log)
    rows: list[Row] = []
    print("Round trip, input -> last change on screen (Chromium, 1280 px), every control")
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for page in pages:
                rows += run_page(browser, app_url, bare_url, page, args.trips, log)
            report(rows)
            if any("cell edit" in r.control for r in rows):
                floor = editor_floor(browser, args.trips)
                print(f"  a grid's own floor: a cell edit in an app holding only a data editor "
                      f"takes {floor} (Streamlit's editor, whatever the page)")  # fmt: skip
            if not args.no_cold_start:
                health, ready = cold_start(args.app, browser)
                print(f"\nCold start: launch -> server up {health:.1f} s, -> home page ready "
                      f"{ready:.1f} s (target <= 5 s)")  # fmt: skip
            browser.close()
    finally:
        for proc in (bare_proc, app_proc):
            proc.terminate()


if __name__ == "__main__":
    main()
