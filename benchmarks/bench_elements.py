"""What an element costs the browser on each rerun: the cost model behind "Keeping pages fast".

    .venv/bin/python benchmarks/bench_elements.py [--elements 40] [--round-trips 20]

Three small apps, each the bare one-slider heatmap app of ``bench_pages.py``, measured in turn
(and again, in a second round, since the machine's load drifts):

* **bare**: the slider, the chart and a line of text;
* **re-sent**: the same plus N one-line ``st.markdown`` after it; moving the slider reruns the
  whole script, so all N are sent again;
* **left in place**: the slider, chart and text inside an ``@st.fragment``, the N markdown
  outside it; moving the slider reruns the fragment only, so the N stay as they were.

The round trip (slider key press -> chart repainted) of each, minus the bare app's, divided by
N, is what one element costs per rerun. This is a measurement, not a test: it prints numbers
and exits 0.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import CONTROLS, ROOT, _start, round_trips, summary

BARE = (ROOT / "benchmarks" / "bare_app.py").read_text()
MARKDOWN = "for i in range({n}):\n    st.markdown(f'Line {{i}} of text that stays the same.')\n"


def in_fragment(app: str) -> str:
    """The bare app's body (from the slider on) inside ``@st.fragment``."""
    head, body = app.split("value = st.slider", 1)
    indented = "\n".join(f"    {line}" if line else line for line in body.splitlines())
    return f"{head}@st.fragment\ndef part():\n    value = st.slider{indented}\n\n\npart()\n"


def apps(n: int) -> dict[str, str]:
    return {
        "bare": BARE,
        f"re-sent: bare + {n} markdown": BARE + MARKDOWN.format(n=n),
        f"left in place: fragment + {n} markdown": in_fragment(BARE) + MARKDOWN.format(n=n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=40)
    parser.add_argument("--round-trips", type=int, default=20)
    args = parser.parse_args()
    slider = CONTROLS[0]  # the bare app's control: its slider, by keyboard
    folder = Path(tempfile.mkdtemp())
    medians: dict[str, list[float]] = {}
    servers = {}
    try:
        for i, (name, source) in enumerate(apps(args.elements).items()):
            path = folder / f"app_{i}.py"
            path.write_text(source)
            servers[name] = _start(str(path))  # run from the repo: its .streamlit config
        print("Browser round trip, slider -> chart repainted (Chromium), two rounds")
        for round_ in (1, 2):
            for name, (_, url) in servers.items():
                times = round_trips(url, slider, args.round_trips)
                medians.setdefault(name, []).append(statistics.median(times))
                print(f"  round {round_}  {name:<42} {summary(times)}")
    finally:
        for proc, _ in servers.values():
            proc.terminate()
    bare = statistics.mean(medians.pop("bare"))
    print(
        f"\nPer element and rerun (mean of the rounds' medians, minus the bare app's {bare:.1f} ms)"
    )
    for name, values in medians.items():
        extra = statistics.mean(values) - bare
        print(f"  {name:<42} {extra / args.elements:5.2f} ms per element")


if __name__ == "__main__":
    main()
