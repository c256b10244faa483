"""A class on one server: 30 students, each on a page, changing controls for minutes.

    .venv/bin/python benchmarks/bench_class.py [--clients 30] [--minutes 2] [--pauses 3,1]
                                               [--app DIR] [--moves FILE] [--cloud]

Each student is a real Streamlit websocket session (``st_client.Session``: the page's
protocol without a browser), spread over the six pages. Each opens its page, then changes one
of that page's controls after another, waiting ``pause`` seconds (±30%) between moves, for
``minutes``. Printed per pause:

* interactions, errors (a failed run, an exception on the page, a lost connection);
* p50 / p95 of the server's answer: the time from the ``rerun_script`` message to the
  ``script_finished`` message, per page and in all;
* the server's memory (RSS): before anyone connects, once every student has opened a page,
  its peak, at the end, and 30 s after every session closed; and the growth per minute after
  the first minute (a flat line is the target).

Then the opening: ``clients`` students open the link within 10 s on a fresh server; the time
each waits for its first page. A bare one-slider app is measured under the same load first.

Targets (issue "A class at once"), at the 3 s pause: 0 errors, p95 <= 500 ms, memory never
above 600 MB and flat after the first minute; 30 students opening within 10 s each see their
page within 5 s. This prints figures and exits 0: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from st_client import Session

ROOT = Path(__file__).resolve().parent.parent
OPENING_WINDOW_S = 10.0


@dataclass(frozen=True)
class Move:
    """One control and the values a student moves it through (cycled)."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Lesson:
    page: str  # URL path ("" = home)
    moves: tuple[Move, ...]
    query: str = ""  # the link's parameters (to open a step)


# Each page's controls as the lab draws them (keys from ui.keys: "<page>.<name>").
LESSONS: tuple[Lesson, ...] = (
    Lesson("", (Move("home.projector", (True, False)),)),
    Lesson("RNN_vs_attention", (Move("rnn.position_length", (19, 12, 20)),), "rnn_step=2"),
    Lesson("RNN_vs_attention", (Move("rnn.decoder_step", (3, 1, 7)),), "rnn_step=4"),
    Lesson("Simplified_self_attention", (
        Move("simplified.nudge.", (0.3, 0.55, 0.9)),
        Move("simplified.key", ("starts  (x⁽³⁾)", "Your  (x⁽¹⁾)")),
    )),
    Lesson("Simplified_self_attention", (
        Move("simplified.dim", ("dim=0: down each column", "dim=-1: along each row (the book)")),
    ), "simplified_step=2"),
    Lesson("Scaled_dot_product_attention", (
        Move("scaled.seed", (7, 123, 42)),
        Move("scaled.d_out", (4, 2, 8)),
        Move("scaled.causal", (True, False)),
        Move("scaled.nudge.", (0.3, 0.55, 0.9)),
    )),
    Lesson("Why_scale", (
        Move("why_scale.d_k", ("128", "64", "256")),
        Move("why_scale.num_tokens", (12, 8)),
        Move("why_scale.qk_seed", (3, 0)),
    )),
    Lesson("Causal_and_multi_head", (
        Move("multihead.d_out", (4, 2)),
        Move("multihead.seed", (7, 123)),
        Move("multihead.book_v2", (False, True)),
    )),
    Lesson("Causal_and_multi_head", (
        Move("multihead.dropout", ("0.3", "0.5")),
        Move("multihead.dropout_seed", (7, 123)),
    ), "multihead_step=2"),
)  # fmt: skip
BARE = (Lesson("", (Move("value", (51, 50, 75, 20)),)),)


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, page: str, seconds: float) -> None:
        self.times.setdefault(page or "home", []).append(seconds * 1000)

    @property
    def all(self) -> list[float]:
        return [t for times in self.times.values() for t in times]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")
    )


def rss_mb(pid: int) -> float:
    """The process's resident memory in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(app_dir: Path, app: str, cloud: bool) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    extra = ["--server.runOnSave", "true", "--client.showErrorDetails", "none"] if cloud else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *extra],
        cwd=app_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


async def student(
    url: str,
    lesson: Lesson,
    until: float,
    pause: float,
    tally: Tally,
    rng: random.Random,
    opened: asyncio.Event | None = None,
) -> None:
    """Open the page, then move its controls until ``until`` (monotonic seconds)."""
    session = Session(url, lesson.page, lesson.query)
    try:
        await session.connect()
        first = await session.run()
        if not first.ok:
            tally.errors.append(f"{lesson.page or 'home'}: first run {first.exceptions[:1]}")
        if opened is not None:
            opened.set()
        step = 0
        while time.monotonic() < until:
            await asyncio.sleep(pause * rng.uniform(0.7, 1.3))
            move = lesson.moves[step % len(lesson.moves)]
            value = move.values[(step // len(lesson.moves)) % len(move.values)]
            step += 1
            widget = session.find(move.key)
            if widget is None:
                tally.errors.append(f"{lesson.page or 'home'}: no widget {move.key}")
                continue
            run = await session.change(widget, value)
            tally.add(lesson.page, run.seconds)
            if not run.ok:
                tally.errors.append(f"{lesson.page or 'home'} {move.key}: {run.exceptions[:1]}")
    except Exception as error:  # a lost connection or a timeout is an error of the run
        tally.errors.append(f"{lesson.page or 'home'}: {type(error).__name__}: {error}")
    finally:
        await session.close()


async def load(
    url: str, pid: int, lessons: Sequence[Lesson], clients: int, minutes: float, pause: float
) -> dict[str, Any]:
    """``clients`` students for ``minutes``; memory sampled every 5 s."""
    rng = random.Random(0)
    tally = Tally()
    memory = [(0.0, rss_mb(pid))]
    started = time.monotonic()
    until = started + minutes * 60
    opened = [asyncio.Event() for _ in range(clients)]
    tasks = [
        asyncio.create_task(
            student(url, lessons[i % len(lessons)], until, pause, tally,
                    random.Random(rng.random()), opened[i])
        )
        for i in range(clients)
    ]  # fmt: skip
    loaded_at = None
    while not all(t.done() for t in tasks):
        await asyncio.sleep(1.0)
        now = time.monotonic() - started
        if loaded_at is None and all(e.is_set() for e in opened):
            loaded_at = (now, rss_mb(pid))
        if not memory or now - memory[-1][0] >= 5:
            memory.append((now, rss_mb(pid)))
    end = rss_mb(pid)
    await asyncio.sleep(30)  # let the server drop the closed sessions
    after = rss_mb(pid)
    later = [(t, m) for t, m in memory if t >= 60]
    slope = (
        statistics.linear_regression([t / 60 for t, _ in later], [m for _, m in later]).slope
        if len(later) >= 3
        else float("nan")
    )
    return {
        "tally": tally,
        "before": memory[0][1],
        "loaded": loaded_at[1] if loaded_at else float("nan"),
        "peak": max(m for _, m in memory),
        "end": end,
        "after": after,
        "slope": slope,
    }


async def opening(url: str, lessons: Sequence[Lesson], clients: int) -> list[float]:
    """``clients`` students open the link within ``OPENING_WINDOW_S``: each one's wait, in s."""
    rng = random.Random(1)
    waits: list[float] = []

    async def one(lesson: Lesson, delay: float) -> None:
        await asyncio.sleep(delay)
        session = Session(url, lesson.page, lesson.query)
        start = time.perf_counter()
        try:
            await session.connect()
            run = await session.run()
            waits.append(time.perf_counter() - start if run.ok else float("inf"))
        except Exception:
            waits.append(float("inf"))
        finally:
            await session.close()

    await asyncio.gather(*(one(lessons[i % len(lessons)], rng.uniform(0, OPENING_WINDOW_S))
                           for i in range(clients)))  # fmt: skip
    return waits


def report(name: str, result: dict[str, Any]) -> None:
    tally: Tally = result["tally"]
    times = tally.all
    print(f"  {name}: {len(times)} interactions, {len(tally.errors)} errors, "
          f"p50 {percentile(times, 0.5):.0f} ms, p95 {percentile(times, 0.95):.0f} ms")  # fmt: skip
    for page, values in sorted(tally.times.items()):
        print(f"      {page:<32} n={len(values):4d}  p50 {percentile(values, 0.5):6.0f} ms  "
              f"p95 {percentile(values, 0.95):6.0f} ms")  # fmt: skip
    print(f"    memory (MB): before {result['before']:.0f}, loaded {result['loaded']:.0f}, "
          f"peak {result['peak']:.0f}, end {result['end']:.0f}, 30 s after closing "
          f"{result['after']:.0f}; after the first minute {result['slope']:+.1f} MB/min")  # fmt: skip
    for error in tally.errors[:5]:
        print(f"    error: {error}")


def load_lessons(path: Path | None) -> tuple[Lesson, ...]:
    if path is None:
        return LESSONS
    spec = importlib.util.spec_from_file_location("moves", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["moves"] = module
    spec.loader.exec_module(module)
    return module.LESSONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--pauses", default="3,1", help="seconds between moves, one run each")
    parser.add_argument("--app", type=Path, default=ROOT)
    parser.add_argument("--moves", type=Path, help="a file defining LESSONS for --app")
    parser.add_argument("--cloud", action="store_true", help="Community Cloud's forced settings")
    parser.add_argument("--no-bare", action="store_true")
    args = parser.parse_args()
    lessons = load_lessons(args.moves)
    pauses = [float(p) for p in args.pauses.split(",")]
    print(f"{args.clients} students, {args.minutes:g} min each run, pages: "
          + ", ".join(lesson.page or "home" for lesson in lessons))  # fmt: skip
    for pause in pauses:
        print(f"\nPause {pause:g} s between moves")
        runs: list[tuple[str, Path, str, tuple[Lesson, ...]]] = []
        if not args.no_bare:
            runs.append(("bare one-slider app", ROOT, "benchmarks/bare_app.py", BARE))
        runs.append(("the lab", args.app, "app.py", lessons))
        for name, app_dir, app, spec in runs:
            proc, url = start(app_dir, app, args.cloud)
            try:
                result = asyncio.run(load(url, proc.pid, spec, args.clients, args.minutes, pause))
                report(name, result)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
    print(f"\nOpening: {args.clients} students open the link within {OPENING_WINDOW_S:g} s "
          "(a fresh server)")  # fmt: skip
    proc, url = start(args.app, "app.py", args.cloud)
    try:
        waits = asyncio.run(opening(url, lessons, args.clients))
        print(f"  first page after p50 {percentile(waits, 0.5):.1f} s, p95 "
              f"{percentile(waits, 0.95):.1f} s, max {max(waits):.1f} s (target <= 5 s)")  # fmt: skip
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
