"""The copy task: read a random digit string, write it back.

    input   src     = x_1 x_2 ... x_T            (digits 0-9)
    decoder dec_in  = BOS x_1 ... x_{T-1}        (teacher forcing: the true previous digit)
    target  target  = x_1 x_2 ... x_T

Every batch holds sequences of a single length, so no padding (and no mask in the
attention softmax) is needed. All sampling goes through a local ``torch.Generator``.
"""

from dataclasses import dataclass

import torch

from attention.seq2seq.model import BOS, NUM_DIGITS


@dataclass(frozen=True)
class CopyBatch:
    """One batch of the copy task.

    Shapes (b = batch, T = length):
        src: (b, T); dec_in: (b, T), starts with BOS; target: (b, T), equals src
    """

    src: torch.Tensor
    dec_in: torch.Tensor
    target: torch.Tensor


def random_digits(batch_size: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """Uniform random digits, shape (batch_size, length), int64."""
    if length < 1:
        raise ValueError(f"length must be at least 1, got {length}.")
    return torch.randint(0, NUM_DIGITS, (batch_size, length), generator=generator)


def copy_batch(batch_size: int, length: int, generator: torch.Generator) -> CopyBatch:
    """A teacher-forcing batch of ``batch_size`` random digit strings of one ``length``."""
    src = random_digits(batch_size, length, generator)  # (b, T)
    bos = torch.full((batch_size, 1), BOS, dtype=src.dtype)  # (b, 1)
    dec_in = torch.cat([bos, src[:, :-1]], dim=1)  # (b, 1) + (b, T-1) -> (b, T)
    return CopyBatch(src, dec_in, src)


def eval_generator(seed: int, length: int) -> torch.Generator:
    """The evaluation stream for one length: same (seed, length), same sequences, any model."""
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + int(length))
