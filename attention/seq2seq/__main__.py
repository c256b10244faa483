"""Command line: ``python -m attention.seq2seq train`` and ``python -m attention.seq2seq evaluate``.

train     retrain both models from the default config's seed (CPU, a few minutes), through
          the same job runner as the RNN page, and write attention/checkpoints/rnn.pt and
          attention.pt with their accuracy curves
evaluate  token accuracy by input length for both checkpoints on fresh random sequences;
          --json prints {"rnn": {"1": 1.0, ...}, "attention": {"1": 1.0, ...}}
"""

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import torch

from attention.seq2seq.checkpoint import (
    CHECKPOINT_DIR,
    checkpoint_path,
    load_pretrained,
    save_checkpoint,
)
from attention.seq2seq.evaluate import DEFAULT_EVAL_SEED, RECORD_SAMPLES, accuracy_by_length
from attention.seq2seq.jobs import EVAL_LENGTHS, JobStatus, TrainingJobs
from attention.seq2seq.model import Seq2SeqConfig


def _train(args: argparse.Namespace) -> int:
    """Train through the same job runner as the RNN page, then write both checkpoints."""
    config = Seq2SeqConfig()
    if args.steps is not None:
        config = replace(config, num_steps=args.steps)
    if args.seed is not None:
        config = replace(config, seed=args.seed)

    def progress(status: JobStatus) -> None:
        if status.rnn_losses and (status.step % 50 == 0 or status.step == config.num_steps):
            print(f"step {status.step:4d}/{config.num_steps}  loss rnn "
                  f"{status.rnn_losses[-1]:.4f}  attention {status.attention_losses[-1]:.4f}",
                  file=sys.stderr, flush=True)  # fmt: skip

    jobs = TrainingJobs(eval_lengths=EVAL_LENGTHS, eval_samples=args.samples)
    key = jobs.submit(config).key
    status = jobs.wait(key, timeout=3600, on_progress=progress)
    pair = jobs.result(key)
    if pair is None:
        print(f"training failed: {status.error if status else 'unknown job'}", file=sys.stderr)
        return 1
    print(f"trained both models in {pair.train_seconds:.1f} s")
    for kind, curve, losses in (
        ("rnn", pair.rnn_curve, pair.rnn_losses),
        ("attention", pair.attention_curve, pair.attention_losses),
    ):
        path = save_checkpoint(
            checkpoint_path(kind, args.dir),
            pair.model(kind),
            curve,
            torch.tensor(losses),
            pair.train_seconds,
        )
        points = "  ".join(f"{n}:{curve.at(n):.3f}" for n in (4, 10, 20, 25, 30))
        print(f"{kind:9s} -> {path} ({path.stat().st_size / 1024:.0f} KiB)  accuracy {points}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    pretrained = load_pretrained(args.dir)
    lengths = range(1, args.max_length + 1)
    results = {
        kind: accuracy_by_length(checkpoint.model, lengths, args.samples, args.seed)
        for kind, checkpoint in (("rnn", pretrained.rnn), ("attention", pretrained.attention))
    }
    if args.json:
        print(json.dumps({k: {n: round(a, 4) for n, a in v.as_dict().items()}
                          for k, v in results.items()}))  # fmt: skip
        return 0
    print(f"token accuracy, {args.samples} random sequences per length (seed {args.seed})")
    print("length     rnn  attention")
    for n in lengths:
        print(f"{n:6d}  {results['rnn'].at(n):6.3f}  {results['attention'].at(n):9.3f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attention.seq2seq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="retrain both models and write the checkpoints")
    train.add_argument("--steps", type=int, help="override the config's num_steps")
    train.add_argument("--seed", type=int, help="override the config's seed")
    train.add_argument("--samples", type=int, default=RECORD_SAMPLES,
                       help="sequences per length for the recorded accuracy curves")  # fmt: skip
    train.add_argument("--dir", type=Path, default=CHECKPOINT_DIR, help="output directory")
    train.set_defaults(func=_train)
    evaluate = sub.add_parser("evaluate", help="token accuracy by input length, both models")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--samples", type=int, default=RECORD_SAMPLES,
                          help=f"sequences per length (default {RECORD_SAMPLES}, as in the "
                          "checkpoints' recorded curves)")  # fmt: skip
    evaluate.add_argument("--seed", type=int, default=DEFAULT_EVAL_SEED, help="data seed")
    evaluate.add_argument("--max-length", type=int, default=30, help="evaluate lengths 1..N")
    evaluate.add_argument("--dir", type=Path, default=CHECKPOINT_DIR, help="checkpoint dir")
    evaluate.set_defaults(func=_evaluate)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
