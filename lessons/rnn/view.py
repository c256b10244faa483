"""The RNN lesson's models and measurements, cached and turned into tuples for the page.

    jobs()                    the one TrainingJobs of this server process (every session's)
    shipped() / models(key)   the models the page shows, as ``Models`` (no tensor inside)
    copies(models, digits)    both models' greedy copies of one input, every intermediate
    positions(models, length) accuracy at each output position, both models
    counts(config)            parameter counts per config (models built once per config)

Measurements are cached per (models key, arguments) and shared by every session. A key names
one training: the shipped checkpoints, or a config that ``TrainingJobs`` trained (the same
config trains to the same models, so a result cached under its key stays true).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from attention.seq2seq import (
    SHIPPED,
    JobStatus,
    LengthAccuracy,
    ModelPair,
    ParameterCounts,
    Seq2SeqConfig,
    TrainingJobs,
    accuracy_by_position,
    decode,
    parameter_counts,
    shipped_pair,
)
from ui import compute
from ui.compute import CACHE
from ui.inputs import Matrix

# ---- the models -------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def jobs() -> TrainingJobs:
    """The one job runner of this server process, shared by every session (the class): at most
    one training at a time, three waiting, four finished pairs kept (``TrainingJobs``)."""
    return TrainingJobs()


@dataclass(frozen=True)
class Models:
    """The pair of models the page shows, as plain values; ``handle`` reaches the torch models
    for the cached measurements below (the page never uses it)."""

    key: str  # SHIPPED or a training's key (attention.seq2seq.config_key)
    config: Seq2SeqConfig
    rnn_curve: LengthAccuracy  # token accuracy by input length, recorded after training
    attention_curve: LengthAccuracy
    rnn_losses: tuple[float, ...]  # the loss at every training step
    attention_losses: tuple[float, ...]
    train_seconds: float
    handle: ModelPair = field(repr=False, compare=False)

    @property
    def shipped(self) -> bool:
        return self.key == SHIPPED


def _models(pair: ModelPair) -> Models:
    return Models(
        key=pair.key,
        config=pair.config,
        rnn_curve=pair.rnn_curve,
        attention_curve=pair.attention_curve,
        rnn_losses=pair.rnn_losses,
        attention_losses=pair.attention_losses,
        train_seconds=pair.train_seconds,
        handle=pair,
    )


@st.cache_resource(show_spinner=False)
def shipped() -> Models:
    """The shipped checkpoints (attention/checkpoints), loaded once per process."""
    return _models(shipped_pair())


def models(key: str) -> Models | None:
    """The models under ``key``: the shipped ones, or a finished training still kept (None if
    it was dropped to make room)."""
    if key == SHIPPED:
        return shipped()
    pair = jobs().result(key)
    return None if pair is None else _models(pair)


def submit(config: Seq2SeqConfig) -> JobStatus:
    """Ask the process's runner for ``config`` (TrainingBusyError when it is full)."""
    return jobs().submit(config)


def status(key: str) -> JobStatus | None:
    return jobs().status(key)


def finished() -> list[JobStatus]:
    """The finished trainings this server keeps, oldest first."""
    return jobs().finished()


@st.cache_resource(**CACHE)
def _counts(embedding_size: int, hidden_size: int, attention_size: int) -> ParameterCounts:
    config = Seq2SeqConfig(
        embedding_size=embedding_size, hidden_size=hidden_size, attention_size=attention_size
    )
    return parameter_counts(config)


def counts(config: Seq2SeqConfig) -> ParameterCounts:
    """Both models' parameter counts (they depend on the three sizes only; built once each)."""
    return _counts(config.embedding_size, config.hidden_size, config.attention_size)


# ---- one input, copied by both models ---------------------------------------------------------


@dataclass(frozen=True)
class CopyView:
    """One model's greedy copy of the input (``attention.seq2seq.Decoding``) as tuples.

    T = number of digits, H = hidden size:
        encoder_states: (T, H), h_1 .. h_T; bottleneck: (H,), h_T
        energies, alignment: (T_out, T_in), row i = decoder step i; None without attention
        context_vecs: (T_out, H), c_i = alignment[i] @ encoder_states; None without attention
    """

    kind: str
    input_digits: tuple[int, ...]
    output_digits: tuple[int, ...]
    correct: tuple[bool, ...]
    encoder_states: Matrix
    bottleneck: tuple[float, ...]
    energies: Matrix | None
    alignment: Matrix | None
    context_vecs: Matrix | None

    @property
    def num_correct(self) -> int:
        return sum(self.correct)


@dataclass(frozen=True)
class Copies:
    """Both models' copies of the same input."""

    rnn: CopyView
    attention: CopyView


def _copy_view(pair: ModelPair, kind: str, digits: tuple[int, ...]) -> CopyView:
    d = decode(pair.model(kind), digits)

    def maybe(t):
        return None if t is None else compute.rows(t)

    return CopyView(
        kind=d.kind,
        input_digits=d.input_digits,
        output_digits=d.output_digits,
        correct=d.correct,
        encoder_states=compute.rows(d.encoder_states),
        bottleneck=compute.rows(d.bottleneck),
        energies=maybe(d.energies),
        alignment=maybe(d.alignment),
        context_vecs=maybe(d.context_vecs),
    )


@st.cache_resource(**CACHE)
def _copies(key: str, digits: tuple[int, ...], _pair: ModelPair) -> Copies:
    return Copies(_copy_view(_pair, "rnn", digits), _copy_view(_pair, "attention", digits))


def copies(models: Models, digits: tuple[int, ...]) -> Copies:
    """Both models copy ``digits`` greedily (``attention.seq2seq.decode``), cached per key."""
    return _copies(models.key, tuple(digits), models.handle)


# ---- accuracy by position ---------------------------------------------------------------------


@dataclass(frozen=True)
class PositionView:
    """Accuracy at each output position for inputs of ``length`` digits, both models, measured
    on ``num_samples`` random strings from ``seed``: the strings of the length curve's point
    at ``length`` when these are the curve's samples and seed."""

    length: int
    rnn: tuple[float, ...]
    attention: tuple[float, ...]
    num_samples: int
    seed: int


@st.cache_resource(**CACHE)
def _positions(
    key: str, length: int, num_samples: int, seed: int, _pair: ModelPair
) -> PositionView:
    rnn, att = (
        accuracy_by_position(_pair.model(kind), length, num_samples, seed)
        for kind in ("rnn", "attention")
    )
    return PositionView(
        length, compute.rows(rnn.accuracy), compute.rows(att.accuracy), num_samples, seed
    )


def positions(models: Models, length: int) -> PositionView:
    """Accuracy by position on the same strings as the length curve (its samples and seed), so
    the mean over positions is the curve's point at ``length``."""
    curve = models.rnn_curve
    return _positions(models.key, int(length), curve.num_samples, curve.seed, models.handle)
