"""Train the plain and the attention encoder-decoder side by side on the same batches.

At step t both models see the same copy-task batch and minimise the same token-level
cross-entropy with Adam (learning rate on a cosine decay to 0) and gradient-norm clipping.
Each batch has one length L in [min_length, max_length], drawn with probability proportional
to L, so that every *digit* position is equally likely to be trained on: long sequences,
the hard ones, are not underrepresented. Nothing is printed: progress goes to an optional callback
``callback(step, rnn_loss, attention_loss)`` so that the caller (a CLI or a page) owns the
progress display.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn.functional import cross_entropy

from attention.seq2seq.data import CopyBatch, copy_batch
from attention.seq2seq.model import NUM_DIGITS, Seq2SeqConfig, Seq2SeqGRU, build_model

ProgressCallback = Callable[[int, float, float], None]


@dataclass(frozen=True)
class TrainedPair:
    """Both models after training, with their loss curves.

    Shapes:
        rnn_losses, attention_losses: (num_steps,) float, the loss at each step (before update)
    """

    config: Seq2SeqConfig
    rnn: Seq2SeqGRU
    attention: Seq2SeqGRU
    rnn_losses: torch.Tensor
    attention_losses: torch.Tensor
    seconds: float


def copy_loss(model: Seq2SeqGRU, batch: CopyBatch) -> torch.Tensor:
    """Mean cross-entropy over all output positions, with teacher forcing."""
    logits = model(batch.src, batch.dec_in)  # (b, T, NUM_DIGITS)
    # (b, T, NUM_DIGITS) -> (b * T, NUM_DIGITS); target (b, T) -> (b * T,)
    return cross_entropy(logits.reshape(-1, NUM_DIGITS), batch.target.reshape(-1))


def learning_rate(config: Seq2SeqConfig, step: int) -> float:
    """Cosine decay from ``config.learning_rate`` at step 0 to 0 after the last step."""
    return 0.5 * config.learning_rate * (1.0 + math.cos(math.pi * step / config.num_steps))


def train_both(
    config: Seq2SeqConfig | None = None, callback: ProgressCallback | None = None
) -> TrainedPair:
    """Train the rnn and the attention model for ``config.num_steps`` steps each.

    Deterministic from ``config.seed`` on CPU with a fixed thread count: the parameters and
    the batches come from local generators (the global RNG is never used or reseeded).
    ``callback(step, rnn_loss, attention_loss)`` is called after every step, step = 1 .. N.
    """
    config = config or Seq2SeqConfig()
    start = time.perf_counter()
    models = (build_model(config, attention=False), build_model(config, attention=True))
    optimizers = [torch.optim.Adam(m.parameters(), lr=config.learning_rate) for m in models]
    data = torch.Generator().manual_seed(config.seed)
    losses = torch.zeros(2, config.num_steps)
    # P(L) proportional to L for L = min_length .. max_length
    length_weights = torch.arange(config.min_length, config.max_length + 1, dtype=torch.float)
    for step in range(config.num_steps):
        lr = learning_rate(config, step)
        for optimizer in optimizers:
            for group in optimizer.param_groups:
                group["lr"] = lr
        length = config.min_length + int(torch.multinomial(length_weights, 1, generator=data))
        batch = copy_batch(config.batch_size, length, data)
        for m, (model, optimizer) in enumerate(zip(models, optimizers, strict=True)):
            optimizer.zero_grad(set_to_none=True)
            loss = copy_loss(model, batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            losses[m, step] = loss.detach()
        if callback is not None:
            callback(step + 1, float(losses[0, step]), float(losses[1, step]))
    for model in models:
        model.requires_grad_(False)
    rnn, attention = models
    return TrainedPair(config, rnn, attention, losses[0], losses[1], time.perf_counter() - start)
