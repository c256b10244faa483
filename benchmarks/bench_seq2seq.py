"""Speed and accuracy of the seq2seq models: training both, and the page's first view.

    .venv/bin/python benchmarks/bench_seq2seq.py [--skip-training] [--repeats 5]

1. Training: both models with the default ``Seq2SeqConfig`` (800 steps, hidden 64), on CPU
   with torch's default thread count; wall time, then token accuracy at lengths 4 and 20 on
   500 fresh sequences. Targets: <= 90 s; attention >= 0.98 at lengths 4-20; rnn >= 0.95 at
   length 4 and at least 0.3 lower at length 20.
2. First view: load both shipped checkpoints, read their recorded accuracy curves (lengths
   1-30) and decode one sequence with each model; median of ``--repeats``. Also a fresh
   evaluation of both curves with 300 samples per length, for comparison. Target: first view
   well under 1 s.

This is a measurement, not a test: it prints numbers and exits 0. Training times depend on
what else the machine runs: check ``uptime`` (load average) next to the figures.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from attention.seq2seq import (  # noqa: E402
    Seq2SeqConfig,
    accuracy_by_length,
    checkpoint_path,
    decode,
    load_pretrained,
    train_both,
)


def bench_training() -> None:
    config = Seq2SeqConfig()
    print(f"training both models: {config}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average before {os.getloadavg()[0]:.2f}")  # fmt: skip
    pair = train_both(config)
    print(f"  train both: {pair.seconds:.1f} s (target <= 90 s), "
          f"load average after {os.getloadavg()[0]:.2f}")  # fmt: skip
    for name, model in (("rnn", pair.rnn), ("attention", pair.attention)):
        acc = accuracy_by_length(model, range(4, 21), num_samples=500, seed=11)
        print(f"  {name:9s} accuracy at 4: {acc.at(4):.3f}  at 20: {acc.at(20):.3f}  "
              f"min over 4-20: {min(acc.accuracy):.3f}  "
              f"final loss {float(getattr(pair, name + '_losses')[-1]):.4f}")  # fmt: skip


def first_view() -> tuple[dict[str, dict[str, float]], tuple]:
    """What the page shows first: recorded curves for 1-30 and one decode per model."""
    pretrained = load_pretrained()
    curves = {c.kind: c.accuracy.as_dict() for c in (pretrained.rnn, pretrained.attention)}
    digits = "31415926535897"
    decodings = (decode(pretrained.rnn.model, digits), decode(pretrained.attention.model, digits))
    return curves, decodings


def bench_first_view(repeats: int) -> None:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        curves, decodings = first_view()
        times.append(time.perf_counter() - start)
    print(f"first view (load both checkpoints + recorded curves + one decode each), "
          f"{repeats} runs: median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms (target well under 1 s)")  # fmt: skip
    for d in decodings:
        print(f"  {d.kind:9s} decodes {''.join(map(str, d.input_digits))} -> "
              f"{''.join(map(str, d.output_digits))}")  # fmt: skip
    for kind in curves:
        size = checkpoint_path(kind).stat().st_size
        print(f"  {kind:9s} checkpoint {size / 1024:.0f} KiB; recorded accuracy at 4: "
              f"{curves[kind]['4']:.3f}, 20: {curves[kind]['20']:.3f}, 30: {curves[kind]['30']:.3f}")  # fmt: skip
    pretrained = load_pretrained()
    start = time.perf_counter()
    for c in (pretrained.rnn, pretrained.attention):
        accuracy_by_length(c.model, range(1, 31), num_samples=300)
    print(f"fresh curves, lengths 1-30 x 300 samples, both models: "
          f"{time.perf_counter() - start:.2f} s (not on the first view)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-training", action="store_true", help="only the first view")
    parser.add_argument("--repeats", type=int, default=5, help="first-view runs")
    args = parser.parse_args()
    bench_first_view(args.repeats)
    if not args.skip_training:
        bench_training()


if __name__ == "__main__":
    main()
