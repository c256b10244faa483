"""Training jobs for the whole process: bounded, shared, run in the background.

Used by the RNN page (every student of a class on one server) and by the command line
(``python -m attention.seq2seq train``), so both train through the same runner:

    ModelPair        both models with their recorded accuracy and loss curves
    shipped_pair     the shipped checkpoints as a ModelPair
    TrainingJobs     submit(config) -> JobStatus; status(key); result(key); wait(key)

Rules of ``TrainingJobs``, so that one class cannot exhaust a two-core server:

* Students who ask for the same config share one job (running, queued or finished).
* At most ``max_running`` jobs train at once (one thread each) and ``max_queued`` more wait,
  first come first served. Beyond that ``submit`` raises :class:`TrainingBusyError`, whose
  message says so; nothing is queued for that request.
* At most ``max_finished`` finished jobs keep their models (least recently used dropped first).

No streamlit here: progress is read with ``status``; the caller owns the display.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from attention.seq2seq.checkpoint import CHECKPOINT_DIR, load_pretrained
from attention.seq2seq.evaluate import DEFAULT_EVAL_SEED, LengthAccuracy, accuracy_by_length
from attention.seq2seq.model import Seq2SeqConfig, Seq2SeqGRU
from attention.seq2seq.train import TrainedPair, train_both

SHIPPED = "shipped"  # the key of the shipped checkpoints
EVAL_LENGTHS = tuple(range(1, 31))  # accuracy curves: trained on 3-20, tested up to 30
RETRAIN_EVAL_SAMPLES = 200  # random strings per length for a retrained pair's accuracy curve

QUEUED, TRAINING, EVALUATING, DONE, FAILED = "queued", "training", "evaluating", "done", "failed"


@dataclass(frozen=True)
class ModelPair:
    """The plain and the attention model, with what their training recorded.

    ``key`` is ``SHIPPED`` or a job's key (``config_key``); cached measurements use it.

    Shapes: rnn_losses, attention_losses: one loss per training step.
    """

    key: str
    config: Seq2SeqConfig
    rnn: Seq2SeqGRU
    attention: Seq2SeqGRU
    rnn_curve: LengthAccuracy
    attention_curve: LengthAccuracy
    rnn_losses: tuple[float, ...]
    attention_losses: tuple[float, ...]
    train_seconds: float

    def model(self, kind: str) -> Seq2SeqGRU:
        """The model of ``kind``: "rnn" or "attention"."""
        return self.attention if kind == "attention" else self.rnn


def shipped_pair(directory=CHECKPOINT_DIR) -> ModelPair:
    """The shipped checkpoints (``attention/checkpoints``) as a pair."""
    pretrained = load_pretrained(directory)
    rnn, att = pretrained.rnn, pretrained.attention
    return ModelPair(
        key=SHIPPED,
        config=rnn.config,
        rnn=rnn.model,
        attention=att.model,
        rnn_curve=rnn.accuracy,
        attention_curve=att.accuracy,
        rnn_losses=tuple(rnn.losses.tolist()),
        attention_losses=tuple(att.losses.tolist()),
        train_seconds=rnn.train_seconds,
    )


def config_key(config: Seq2SeqConfig) -> str:
    """A stable text key for a config: the fields that differ from the defaults."""
    default = Seq2SeqConfig()
    diff = [
        f"{f.name}={getattr(config, f.name)}"
        for f in fields(Seq2SeqConfig)
        if getattr(config, f.name) != getattr(default, f.name)
    ]
    return "retrained:" + (",".join(diff) or "defaults")


def pair_from_training(
    key: str,
    trained: TrainedPair,
    eval_lengths: Sequence[int] = EVAL_LENGTHS,
    eval_samples: int = RETRAIN_EVAL_SAMPLES,
) -> ModelPair:
    """Measure both trained models' accuracy by length and keep everything as a pair."""
    curves = [
        accuracy_by_length(model, eval_lengths, eval_samples, DEFAULT_EVAL_SEED)
        for model in (trained.rnn, trained.attention)
    ]
    return ModelPair(
        key=key,
        config=trained.config,
        rnn=trained.rnn,
        attention=trained.attention,
        rnn_curve=curves[0],
        attention_curve=curves[1],
        rnn_losses=tuple(trained.rnn_losses.tolist()),
        attention_losses=tuple(trained.attention_losses.tolist()),
        train_seconds=trained.seconds,
    )


class TrainingBusyError(RuntimeError):
    """Too many trainings running or waiting: the request was refused, nothing was queued."""


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of one training job, safe to read from any thread."""

    key: str
    config: Seq2SeqConfig
    state: str
    step: int
    rnn_losses: tuple[float, ...]
    attention_losses: tuple[float, ...]
    elapsed: float
    queue_position: int  # 1 = next to start; 0 when not queued
    error: str | None

    @property
    def num_steps(self) -> int:
        return self.config.num_steps

    @property
    def fraction(self) -> float:
        """How far the job is, 0 to 1 (evaluation counts as the end of training)."""
        if self.state in (DONE, EVALUATING):
            return 1.0
        return self.step / self.num_steps if self.num_steps else 1.0

    @property
    def active(self) -> bool:
        return self.state in (QUEUED, TRAINING, EVALUATING)

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the pace so far (None before the first step)."""
        if self.state != TRAINING or self.step == 0:
            return None
        return self.elapsed / self.step * (self.num_steps - self.step)


class _Job:
    """One training run; its fields change under the runner's lock only."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        self.config = config
        self.key = config_key(config)
        self.state = QUEUED
        self.step = 0
        self.rnn_losses: list[float] = []
        self.attention_losses: list[float] = []
        self.started: float | None = None
        self.finished: float | None = None
        self.last_used = time.monotonic()
        self.result: ModelPair | None = None
        self.error: str | None = None


class TrainingJobs:
    """Background training jobs for the whole process, keyed by the frozen config."""

    def __init__(
        self,
        *,
        max_running: int = 1,
        max_queued: int = 3,
        max_finished: int = 4,
        eval_lengths: Sequence[int] = EVAL_LENGTHS,
        eval_samples: int = RETRAIN_EVAL_SAMPLES,
        train: Callable[..., TrainedPair] = train_both,
    ) -> None:
        self.max_running = max_running
        self.max_queued = max_queued
        self.max_finished = max_finished
        self.eval_lengths = tuple(eval_lengths)
        self.eval_samples = eval_samples
        self._train = train
        self._lock = threading.Lock()
        self._jobs: dict[Seq2SeqConfig, _Job] = {}
        self._by_key: dict[str, _Job] = {}

    # -- asking ------------------------------------------------------------------------------

    def submit(self, config: Seq2SeqConfig) -> JobStatus:
        """Start (or queue, or find) the job for ``config``; returns its status.

        Raises TrainingBusyError when ``max_running + max_queued`` jobs are already active.
        """
        with self._lock:
            job = self._jobs.get(config)
            if job is not None and job.state != FAILED:
                job.last_used = time.monotonic()
                return self._snapshot(job)
            active = [j for j in self._jobs.values() if j.state in (QUEUED, TRAINING, EVALUATING)]
            if len(active) >= self.max_running + self.max_queued:
                running = sum(j.state != QUEUED for j in active)
                raise TrainingBusyError(
                    f"The lab is busy: {running} training running and {len(active) - running} "
                    "waiting, the most this server takes at once (it has two cores for the whole "
                    "class). Your request was not queued: try again in a minute; the models on "
                    "the page stay as they are."
                )
            if job is not None:  # a failed attempt: try again
                self._forget(job)
            job = _Job(config)
            self._jobs[config] = job
            self._by_key[job.key] = job
            self._start_waiting()
            self._evict()
            return self._snapshot(job)

    def status(self, key: str) -> JobStatus | None:
        with self._lock:
            job = self._by_key.get(key)
            return None if job is None else self._snapshot(job)

    def result(self, key: str) -> ModelPair | None:
        """The trained pair of a finished job (None if unknown, unfinished or dropped)."""
        with self._lock:
            job = self._by_key.get(key)
            if job is None or job.result is None:
                return None
            job.last_used = time.monotonic()
            return job.result

    def finished(self) -> list[JobStatus]:
        """Finished jobs with models, oldest first."""
        with self._lock:
            return [self._snapshot(j) for j in self._jobs.values() if j.state == DONE]

    def jobs(self) -> list[JobStatus]:
        with self._lock:
            return [self._snapshot(j) for j in self._jobs.values()]

    def wait(
        self,
        key: str,
        timeout: float = 600.0,
        on_progress: Callable[[JobStatus], None] | None = None,
        poll: float = 0.05,
    ) -> JobStatus | None:
        """Block until the job is done or failed (None if unknown); ``on_progress`` sees each
        new step. For scripts and tests; a page polls ``status`` instead."""
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            status = self.status(key)
            if status is None or not status.active:
                return status
            if on_progress is not None and status.step != seen:
                seen = status.step
                on_progress(status)
            time.sleep(poll)
        raise TimeoutError(f"job {key} still running after {timeout} s")

    # -- inside (called with the lock held) ---------------------------------------------------

    def _snapshot(self, job: _Job) -> JobStatus:
        queued = [j for j in self._jobs.values() if j.state == QUEUED]
        end = job.finished or time.monotonic()
        return JobStatus(
            key=job.key,
            config=job.config,
            state=job.state,
            step=job.step,
            rnn_losses=tuple(job.rnn_losses),
            attention_losses=tuple(job.attention_losses),
            elapsed=0.0 if job.started is None else end - job.started,
            queue_position=queued.index(job) + 1 if job in queued else 0,
            error=job.error,
        )

    def _start_waiting(self) -> None:
        running = sum(j.state in (TRAINING, EVALUATING) for j in self._jobs.values())
        for job in list(self._jobs.values()):
            if running >= self.max_running:
                break
            if job.state == QUEUED:
                job.state = TRAINING
                job.started = time.monotonic()
                running += 1
                threading.Thread(
                    target=self._run, args=(job,), name=f"train {job.key}", daemon=True
                ).start()

    def _forget(self, job: _Job) -> None:
        self._jobs.pop(job.config, None)
        self._by_key.pop(job.key, None)

    def _evict(self) -> None:
        done = [j for j in self._jobs.values() if j.state in (DONE, FAILED)]
        done.sort(key=lambda j: j.last_used)
        for job in done[: max(0, len(done) - self.max_finished)]:
            self._forget(job)

    # -- the worker thread -------------------------------------------------------------------

    def _run(self, job: _Job) -> None:
        def progress(step: int, rnn_loss: float, attention_loss: float) -> None:
            with self._lock:
                job.step = step
                job.rnn_losses.append(rnn_loss)
                job.attention_losses.append(attention_loss)

        try:
            trained = self._train(job.config, progress)
            with self._lock:
                job.state = EVALUATING
            pair = pair_from_training(job.key, trained, self.eval_lengths, self.eval_samples)
            with self._lock:
                job.result, job.state = pair, DONE
        except Exception as error:  # reported through status, never raised into a caller
            with self._lock:
                job.state, job.error = FAILED, f"{type(error).__name__}: {error}"
        finally:
            with self._lock:
                job.finished = time.monotonic()
                job.last_used = job.finished
                self._start_waiting()
                self._evict()
