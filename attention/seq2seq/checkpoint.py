"""Save and load trained models as small ``.pt`` files readable with ``weights_only=True``.

A checkpoint is a plain dict (no pickled classes):

    kind             "rnn" or "attention"
    config           Seq2SeqConfig as a dict
    state_dict       the model's parameters
    accuracy         {"lengths", "accuracy", "num_samples", "seed"}: token accuracy recorded at
                     save time, so a page can draw the curves without decoding anything
    losses           (num_steps,) training loss at each step
    train_seconds    wall time of the training run that produced it (both models together)
"""

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from attention.seq2seq.evaluate import LengthAccuracy
from attention.seq2seq.model import KINDS, Seq2SeqConfig, Seq2SeqGRU, model_from_state_dict

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"
FORMAT_VERSION = 1


def checkpoint_path(kind: str, directory: Path | str = CHECKPOINT_DIR) -> Path:
    """``<directory>/rnn.pt`` or ``<directory>/attention.pt``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    return Path(directory) / f"{kind}.pt"


@dataclass(frozen=True)
class Checkpoint:
    """A loaded model with what was recorded when it was trained.

    Shapes:
        losses: (num_steps,) float
    """

    kind: str
    model: Seq2SeqGRU
    config: Seq2SeqConfig
    accuracy: LengthAccuracy
    losses: torch.Tensor
    train_seconds: float


@dataclass(frozen=True)
class Pretrained:
    """The two shipped models."""

    rnn: Checkpoint
    attention: Checkpoint


def save_checkpoint(
    path: Path | str,
    model: Seq2SeqGRU,
    accuracy: LengthAccuracy,
    losses: torch.Tensor,
    train_seconds: float,
) -> Path:
    """Write ``model`` and its recorded accuracy curve to ``path`` (parents are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT_VERSION,
        "kind": model.kind,
        "config": asdict(model.config),
        "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "accuracy": {
            "lengths": list(accuracy.lengths),
            "accuracy": list(accuracy.accuracy),
            "num_samples": accuracy.num_samples,
            "seed": accuracy.seed,
        },
        "losses": losses.detach().clone().float(),
        "train_seconds": float(train_seconds),
    }
    torch.save(payload, path)
    return path


def load_checkpoint(path: Path | str) -> Checkpoint:
    """Load a checkpoint written by :func:`save_checkpoint` (``weights_only=True``, no RNG)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"No checkpoint at {path}. Run `python -m attention.seq2seq train` to create it."
        )
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path} has checkpoint format {payload.get('format')!r}, "
                         f"expected {FORMAT_VERSION}.")  # fmt: skip
    config = Seq2SeqConfig(**payload["config"])
    kind = payload["kind"]
    model = model_from_state_dict(config, kind == "attention", payload["state_dict"])
    model.requires_grad_(False)
    acc = payload["accuracy"]
    accuracy = LengthAccuracy(
        tuple(acc["lengths"]), tuple(acc["accuracy"]), acc["num_samples"], acc["seed"]
    )
    return Checkpoint(kind, model, config, accuracy, payload["losses"], payload["train_seconds"])


def load_pretrained(directory: Path | str = CHECKPOINT_DIR) -> Pretrained:
    """Both shipped models, from ``attention/checkpoints/{rnn,attention}.pt``."""
    rnn, attention = (load_checkpoint(checkpoint_path(kind, directory)) for kind in KINDS)
    return Pretrained(rnn, attention)
