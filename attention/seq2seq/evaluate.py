"""Greedy decoding and accuracy measurements for the page.

Decoding is greedy with the known target length: the decoder emits exactly T digits, each
the argmax of its logits, fed back as the next input. Token accuracy is the fraction of
output positions that equal the input digit at that position.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch

from attention.seq2seq.data import eval_generator, random_digits
from attention.seq2seq.model import BOS, NUM_DIGITS, Seq2SeqGRU

DEFAULT_EVAL_SEED = 2024  # differs from the training seed; sequences are fresh either way
#: Sequences per length of the accuracy curves stored in the checkpoints, and the command
#: line's default: with the same seed, ``evaluate`` measures exactly the curves they record.
RECORD_SAMPLES = 1000
MAX_DECODE_LENGTH = 200  # decode() refuses longer inputs: a page should never hang


@dataclass(frozen=True)
class GreedyOutput:
    """A batch decoded greedily.

    Shapes (b = batch, T = input length = output length, H = hidden_size):
        predictions: (b, T) digits; encoder_states: (b, T, H); bottleneck: (b, H), h_T
        energies, alignment: (b, T_out, T_in), alignment rows sum to 1; None without attention
        context_vecs: (b, T_out, H), c_i at each step; None without attention
    """

    predictions: torch.Tensor
    encoder_states: torch.Tensor
    bottleneck: torch.Tensor
    energies: torch.Tensor | None
    alignment: torch.Tensor | None
    context_vecs: torch.Tensor | None


@torch.no_grad()
def greedy_decode(model: Seq2SeqGRU, src: torch.Tensor) -> GreedyOutput:
    """Decode ``src`` (b, T) into T digits per row, feeding back each argmax."""
    encoder_states, bottleneck = model.encode(src)  # (b, T, H), (b, H)
    s = bottleneck  # s_0 = h_T
    y = torch.full((src.shape[0],), BOS, dtype=torch.long)  # (b,)
    predictions, energies, alignment, context_vecs = [], [], [], []
    for _ in range(src.shape[1]):
        logits, s, trace = model.step(y, s, encoder_states)  # (b, NUM_DIGITS), (b, H)
        y = logits.argmax(dim=-1)  # (b, NUM_DIGITS) -> (b,)
        predictions.append(y)
        if trace is not None:
            energies.append(trace.energies)  # (b, T_in)
            alignment.append(trace.attn_weights)  # (b, T_in)
            context_vecs.append(trace.context_vec)  # (b, H)

    def stack(steps: list[torch.Tensor]) -> torch.Tensor | None:
        return torch.stack(steps, dim=1) if steps else None  # T_out x (b, ...) -> (b, T_out, ...)

    return GreedyOutput(
        torch.stack(predictions, dim=1),  # T x (b,) -> (b, T)
        encoder_states,
        bottleneck,
        stack(energies),
        stack(alignment),
        stack(context_vecs),
    )


@dataclass(frozen=True)
class LengthAccuracy:
    """Token accuracy of one model at each input length.

    ``accuracy[k]`` belongs to ``lengths[k]``; each was measured on ``num_samples`` random
    sequences drawn from ``seed`` (the same sequences for every model).
    """

    lengths: tuple[int, ...]
    accuracy: tuple[float, ...]
    num_samples: int
    seed: int

    def at(self, length: int) -> float:
        """Accuracy at one length (KeyError if it was not measured)."""
        try:
            return self.accuracy[self.lengths.index(length)]
        except ValueError:
            raise KeyError(f"length {length} was not measured") from None

    def as_dict(self) -> dict[str, float]:
        """{"1": 1.0, "2": 0.99, ...}: string keys, as in the CLI's JSON."""
        return {str(n): a for n, a in zip(self.lengths, self.accuracy, strict=True)}


@dataclass(frozen=True)
class PositionAccuracy:
    """Token accuracy at each output position for inputs of one length.

    Shapes:
        accuracy: (length,) float, accuracy[i] = fraction of sequences whose i-th digit is right
    """

    length: int
    accuracy: torch.Tensor
    num_samples: int
    seed: int


def _check_count(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}.")


def _correct(model: Seq2SeqGRU, length: int, num_samples: int, seed: int) -> torch.Tensor:
    """(num_samples, length) bool: which output digits are right on the (seed, length) stream."""
    _check_count("length", length, 1, MAX_DECODE_LENGTH)
    _check_count("num_samples", num_samples, 1, 100_000)
    src = random_digits(num_samples, length, eval_generator(seed, length))
    return greedy_decode(model, src).predictions == src


def accuracy_by_length(
    model: Seq2SeqGRU,
    lengths: Iterable[int] = range(1, 31),
    num_samples: int = 300,
    seed: int = DEFAULT_EVAL_SEED,
) -> LengthAccuracy:
    """Token accuracy for each input length, on fresh random digit strings."""
    lengths = tuple(int(n) for n in lengths)
    accuracy = tuple(float(_correct(model, n, num_samples, seed).float().mean()) for n in lengths)
    return LengthAccuracy(lengths, accuracy, num_samples, int(seed))


def accuracy_by_position(
    model: Seq2SeqGRU, length: int, num_samples: int = 300, seed: int = DEFAULT_EVAL_SEED
) -> PositionAccuracy:
    """Accuracy at each output position for inputs of ``length`` digits.

    Uses the same sequences as :func:`accuracy_by_length` with the same ``seed``, so the mean
    over positions equals that function's value at ``length``.
    """
    correct = _correct(model, length, num_samples, seed)  # (num_samples, length)
    return PositionAccuracy(length, correct.float().mean(dim=0), num_samples, int(seed))


@dataclass(frozen=True)
class Decoding:
    """One input decoded greedily, with what the decoder could see of it.

    Shapes (T = number of input digits = number of output digits, H = hidden_size):
        encoder_states: (T, H), h_1 .. h_T
        bottleneck: (H,), h_T: the plain decoder's *only* view of the input (its s_0);
            the attention decoder starts from it too but also looks back at every h_j
        energies, alignment: (T_out, T_in), row i = where decoder step i looked, sums to 1;
            None for the rnn model
        context_vecs: (T_out, H), c_i = alignment[i] @ encoder_states; None for the rnn model
    """

    kind: str
    input_digits: tuple[int, ...]
    output_digits: tuple[int, ...]
    correct: tuple[bool, ...]
    encoder_states: torch.Tensor
    bottleneck: torch.Tensor
    energies: torch.Tensor | None
    alignment: torch.Tensor | None
    context_vecs: torch.Tensor | None

    @property
    def accuracy(self) -> float:
        return sum(self.correct) / len(self.correct)


def parse_digits(digits: str | Sequence[int] | torch.Tensor) -> tuple[int, ...]:
    """Digits as a tuple: "30719", "3 0 7 1 9" or [3, 0, 7, 1, 9] -> (3, 0, 7, 1, 9).

    Raises a readable ``ValueError`` for anything else (letters, 12, empty input, too long).
    """
    if isinstance(digits, torch.Tensor):
        digits = digits.flatten().tolist()
    if isinstance(digits, str):
        text = "".join(digits.split())
        if not text.isdigit() or not text.isascii():
            raise ValueError(f"Type digits 0-9 only (spaces are ignored), got {digits!r}.")
        digits = [int(ch) for ch in text]
    parsed = tuple(digits)
    if not parsed:
        raise ValueError("Give at least one digit to copy.")
    if len(parsed) > MAX_DECODE_LENGTH:
        raise ValueError(f"At most {MAX_DECODE_LENGTH} digits, got {len(parsed)}.")
    for d in parsed:
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d < NUM_DIGITS:
            raise ValueError(f"Every digit must be an integer 0-9, got {d!r}.")
    return parsed


def decode(model: Seq2SeqGRU, digits: str | Sequence[int] | torch.Tensor) -> Decoding:
    """Copy ``digits`` with ``model`` (greedy, known length) and keep what the page shows."""
    inputs = parse_digits(digits)
    src = torch.tensor([inputs], dtype=torch.long)  # (T,) -> (b=1, T)
    out = greedy_decode(model, src)

    def first(t: torch.Tensor | None) -> torch.Tensor | None:
        return None if t is None else t[0]  # drop the batch of one: (1, ...) -> (...)

    outputs = tuple(out.predictions[0].tolist())
    return Decoding(
        kind=model.kind,
        input_digits=inputs,
        output_digits=outputs,
        correct=tuple(a == b for a, b in zip(inputs, outputs, strict=True)),
        encoder_states=out.encoder_states[0],
        bottleneck=out.bottleneck[0],
        energies=first(out.energies),
        alignment=first(out.alignment),
        context_vecs=first(out.context_vecs),
    )
