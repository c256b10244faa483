"""The seq2seq model half: plain vs attention GRU encoder-decoders on the copy task."""

import contextlib
import io
import json
import subprocess
import sys
import threading
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import torch

import attention.seq2seq.model as seq2seq_model
from attention.additive import bahdanau_attention
from attention.seq2seq import (
    DEFAULT_EVAL_SEED,
    KINDS,
    RECORD_SAMPLES,
    SHIPPED,
    Seq2SeqConfig,
    TrainedPair,
    TrainingBusyError,
    TrainingJobs,
    accuracy_by_length,
    accuracy_by_position,
    build_model,
    checkpoint_path,
    config_key,
    copy_batch,
    decode,
    greedy_decode,
    load_checkpoint,
    load_pretrained,
    parameter_counts,
    parse_digits,
    shipped_pair,
    train_both,
)
from attention.seq2seq.jobs import DONE, FAILED, QUEUED, TRAINING

ROOT = Path(__file__).resolve().parent.parent
TINY = Seq2SeqConfig(
    embedding_size=8,
    hidden_size=16,
    attention_size=16,
    num_steps=20,
    batch_size=16,
    min_length=3,
    max_length=8,
    seed=7,
)


@pytest.fixture(scope="module")
def pretrained():
    return load_pretrained()


def _train_tiny():
    steps = []
    pair = train_both(TINY, lambda step, rnn, att: steps.append((step, rnn, att)))
    return pair, steps


def test_training_is_deterministic_from_the_seed():
    first, steps = _train_tiny()
    second, _ = _train_tiny()
    assert [s for s, _, _ in steps] == list(range(1, TINY.num_steps + 1))
    assert torch.equal(first.rnn_losses, torch.tensor([r for _, r, _ in steps]))
    assert torch.equal(first.attention_losses, torch.tensor([a for _, _, a in steps]))
    assert torch.equal(first.rnn_losses, second.rnn_losses)
    assert torch.equal(first.attention_losses, second.attention_losses)
    for a, b in ((first.rnn, second.rnn), (first.attention, second.attention)):
        sa, sb = a.state_dict(), b.state_dict()
        assert sa.keys() == sb.keys()
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
    other = train_both(replace(TINY, seed=8, num_steps=2))
    assert not torch.equal(first.rnn_losses[:2], other.rnn_losses)


def test_training_and_evaluation_leave_the_global_rng_alone(pretrained):
    state = torch.get_rng_state()
    pair = train_both(replace(TINY, num_steps=3))
    build_model(TINY, attention=True)
    accuracy_by_length(pair.attention, [3, 5], 8)
    accuracy_by_position(pair.rnn, 4, 8)
    decode(pretrained.attention.model, "0123456")
    load_checkpoint(checkpoint_path("rnn"))
    parameter_counts()
    assert torch.equal(torch.get_rng_state(), state)


def test_checkpoints_load_with_weights_only_and_hold_the_default_config():
    for kind in KINDS:
        payload = torch.load(checkpoint_path(kind), weights_only=True)
        assert payload["kind"] == kind
        assert payload["config"] == asdict(Seq2SeqConfig())
        assert payload["accuracy"]["lengths"] == list(range(1, 31))
        assert payload["losses"].shape == (Seq2SeqConfig().num_steps,)
        assert checkpoint_path(kind).stat().st_size < 1_000_000


def test_checkpoints_meet_the_targets(pretrained):
    att, rnn = pretrained.attention.accuracy, pretrained.rnn.accuracy
    assert min(att.at(n) for n in range(4, 21)) >= 0.98
    assert rnn.at(4) >= 0.95
    assert rnn.at(20) <= rnn.at(4) - 0.3


def test_checkpoints_reproduce_their_recorded_accuracy(pretrained):
    for checkpoint in (pretrained.rnn, pretrained.attention):
        fresh = accuracy_by_length(checkpoint.model, [4, 20], num_samples=300, seed=7)
        for n in (4, 20):
            assert fresh.at(n) == pytest.approx(checkpoint.accuracy.at(n), abs=0.05)
    fresh_att = accuracy_by_length(pretrained.attention.model, [20], 300, seed=7).at(20)
    fresh_rnn = accuracy_by_length(pretrained.rnn.model, [4, 20], 300, seed=7)
    assert fresh_att >= 0.98
    assert fresh_rnn.at(20) <= fresh_rnn.at(4) - 0.3


def test_evaluate_json_cli_has_the_documented_shape():
    cmd = [sys.executable, "-m", "attention.seq2seq", "evaluate", "--json", "--samples", "16"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"rnn", "attention"}
    for curve in data.values():
        assert list(curve) == [str(n) for n in range(1, 31)]
        assert all(isinstance(a, float) and 0.0 <= a <= 1.0 for a in curve.values())


def test_attention_decoding_exposes_alignment_and_context(pretrained):
    d = decode(pretrained.attention.model, "3141592653")
    assert d.kind == "attention"
    assert d.output_digits == d.input_digits == (3, 1, 4, 1, 5, 9, 2, 6, 5, 3)
    assert d.alignment.shape == d.energies.shape == (10, 10)
    torch.testing.assert_close(d.alignment.sum(dim=-1), torch.ones(10))
    assert d.context_vecs.shape == (10, Seq2SeqConfig().hidden_size)
    torch.testing.assert_close(d.context_vecs, d.alignment @ d.encoder_states)
    # copying: output step i looks mostly at input position i
    assert torch.equal(d.alignment.argmax(dim=-1), torch.arange(10))


def test_plain_decoding_exposes_only_the_bottleneck(pretrained):
    d = decode(pretrained.rnn.model, [1, 2, 3, 4])
    assert d.kind == "rnn"
    assert d.output_digits == (1, 2, 3, 4)
    assert d.alignment is None and d.energies is None and d.context_vecs is None
    assert d.bottleneck.shape == (Seq2SeqConfig().hidden_size,)
    torch.testing.assert_close(d.bottleneck, d.encoder_states[-1])  # h_T


def test_parameter_counts_differ_only_by_the_attention_parts():
    counts = parameter_counts(TINY)
    assert counts.attention == counts.rnn + sum(n for _, n in counts.attention_parts)
    rnn, att = build_model(TINY, attention=False), build_model(TINY, attention=True)
    shared, extra = rnn.state_dict(), att.state_dict()
    assert set(extra) - set(shared) == {"W_a", "U_a", "v_a"}
    for name, value in shared.items():  # same init; the attention model adds columns for c_i
        index = tuple(slice(0, n) for n in value.shape)
        assert torch.equal(extra[name][index], value), name
    assert counts.difference == parameter_counts(TINY).attention - parameter_counts(TINY).rnn


def test_attention_decoder_calls_the_core_bahdanau_attention(monkeypatch):
    model = build_model(TINY, attention=True)
    batch = copy_batch(4, 6, torch.Generator().manual_seed(0))
    with torch.no_grad():
        encoder_states, s0 = model.encode(batch.src)
        _, _, trace = model.step(batch.dec_in[:, 0], s0, encoder_states)
        expected = bahdanau_attention(s0, encoder_states, model.W_a, model.U_a, model.v_a)
    torch.testing.assert_close(trace.attn_weights, expected.attn_weights)
    torch.testing.assert_close(trace.context_vec, expected.context_vec)

    calls = []

    def spy(*args):
        calls.append(args[1].shape)
        return bahdanau_attention(*args)

    monkeypatch.setattr(seq2seq_model, "bahdanau_attention", spy)
    with torch.no_grad():
        model(batch.src, batch.dec_in)
    assert calls == [(4, 6, TINY.hidden_size)] * 6  # once per decoder step, over all h_j


@pytest.mark.parametrize("attention", [False, True])
def test_teacher_forcing_equals_stepping_the_decoder(attention):
    model = build_model(TINY, attention=attention)
    batch = copy_batch(3, 5, torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = model(batch.src, batch.dec_in)
        encoder_states, s = model.encode(batch.src)
        for i in range(5):
            step_logits, s, _ = model.step(batch.dec_in[:, i], s, encoder_states)
            torch.testing.assert_close(logits[:, i], step_logits)


def test_accuracy_by_position_averages_to_accuracy_by_length(pretrained):
    model = pretrained.rnn.model
    by_position = accuracy_by_position(model, 12, num_samples=64, seed=3)
    by_length = accuracy_by_length(model, [12], num_samples=64, seed=3)
    assert by_position.accuracy.shape == (12,)
    assert float(by_position.accuracy.mean()) == pytest.approx(by_length.at(12), abs=1e-6)


def test_batched_greedy_decoding_matches_single_decoding(pretrained):
    model = pretrained.attention.model
    src = torch.tensor([[5, 0, 5, 1, 7], [9, 9, 9, 9, 9]])
    batched = greedy_decode(model, src).predictions
    for row in range(2):
        assert decode(model, src[row]).output_digits == tuple(batched[row].tolist())


@pytest.mark.parametrize("bad", ["12a", "", [], [10], [-1], [1.5], "٣"])
def test_parse_digits_rejects_non_digits(bad):
    with pytest.raises(ValueError):
        parse_digits(bad)


def test_parse_digits_accepts_strings_lists_and_tensors():
    assert parse_digits("3 14") == parse_digits([3, 1, 4]) == parse_digits(torch.tensor([3, 1, 4]))


# ---- the recorded curves and the command line ----------------------------------------------


def test_recorded_curves_are_what_evaluate_measures(pretrained):
    """The checkpoints record 1000 strings per length from seed 2024, the command line's
    defaults; measuring the loaded models again gives exactly those numbers (a few lengths
    here; tests/test_page_rnn.py runs the whole command against the page's chart)."""
    for checkpoint in (pretrained.rnn, pretrained.attention):
        recorded = checkpoint.accuracy
        assert (recorded.num_samples, recorded.seed) == (RECORD_SAMPLES, DEFAULT_EVAL_SEED)
        again = accuracy_by_length(checkpoint.model, (1, 11, 22), RECORD_SAMPLES, DEFAULT_EVAL_SEED)
        assert [again.at(n) for n in (1, 11, 22)] == [recorded.at(n) for n in (1, 11, 22)]
    help_text = subprocess.run(
        [sys.executable, "-m", "attention.seq2seq", "evaluate", "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert f"(default {RECORD_SAMPLES}, as in the checkpoints' recorded curves)" in " ".join(
        help_text.split()
    )


def test_cli_train_runs_through_the_job_runner_and_records_what_evaluate_prints(tmp_path):
    """``train`` (2 steps, 5 strings per length) writes both checkpoints; ``evaluate`` with the
    same samples prints exactly the curves they recorded."""
    from attention.seq2seq.__main__ import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["train", "--steps", "2", "--samples", "5", "--dir", str(tmp_path)]) == 0
    trained = load_pretrained(tmp_path)
    assert trained.rnn.config == replace(Seq2SeqConfig(), num_steps=2)
    assert trained.rnn.losses.shape == (2,) and trained.rnn.accuracy.num_samples == 5
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["evaluate", "--json", "--samples", "5", "--dir", str(tmp_path)]) == 0
    data = json.loads(printed.getvalue())
    for kind, checkpoint in (("rnn", trained.rnn), ("attention", trained.attention)):
        assert data[kind] == {k: round(a, 4) for k, a in checkpoint.accuracy.as_dict().items()}


# ---- TrainingJobs: bounded background training, shared by the page and the CLI -------------


def quick_jobs(**kwargs) -> TrainingJobs:
    return TrainingJobs(eval_lengths=(1, 5, 10), eval_samples=20, **kwargs)


def fake_trainer(gate: threading.Event | None = None, fail: bool = False):
    """A stand-in for train_both: fresh models, an optional wait on ``gate``, or an error."""
    calls: list[Seq2SeqConfig] = []

    def train(config: Seq2SeqConfig, callback) -> TrainedPair:
        calls.append(config)
        if gate is not None:
            assert gate.wait(30)
        if fail:
            raise RuntimeError("out of patience")
        for step in range(1, config.num_steps + 1):
            callback(step, 1.0 / step, 0.5 / step)
        losses = torch.ones(config.num_steps)
        rnn_model, att_model = (build_model(config, a) for a in (False, True))
        return TrainedPair(config, rnn_model, att_model, losses, losses, 0.01)

    return train, calls


def test_jobs_result_is_train_both_and_its_curves():
    jobs = quick_jobs()
    status = jobs.submit(TINY)
    assert status.state in (QUEUED, TRAINING)
    done = jobs.wait(status.key, timeout=60)
    assert done.state == DONE and done.step == TINY.num_steps and done.fraction == 1.0
    pair = jobs.result(status.key)
    reference = train_both(TINY)
    assert list(pair.rnn_losses) == pytest.approx(reference.rnn_losses.tolist(), abs=1e-6)
    assert list(done.attention_losses) == pytest.approx(
        reference.attention_losses.tolist(), abs=1e-6
    )
    curve = accuracy_by_length(reference.attention, (1, 5, 10), 20, DEFAULT_EVAL_SEED)
    assert pair.attention_curve.accuracy == pytest.approx(curve.accuracy)
    assert pair.key == config_key(TINY) and pair.model("rnn") is pair.rnn


def test_jobs_share_one_job_per_config():
    gate = threading.Event()
    train, calls = fake_trainer(gate)
    jobs = quick_jobs(train=train)
    first = jobs.submit(TINY)
    again = jobs.submit(replace(TINY))  # an equal config from another session
    assert again.key == first.key and again.state == TRAINING
    gate.set()
    jobs.wait(first.key)
    assert jobs.submit(TINY).state == DONE  # finished: returned, not retrained
    assert len(calls) == 1


def test_jobs_bound_running_and_waiting_jobs():
    gate = threading.Event()
    train, calls = fake_trainer(gate)
    jobs = quick_jobs(train=train, max_running=1, max_queued=1)
    a = jobs.submit(replace(TINY, seed=1))
    b = jobs.submit(replace(TINY, seed=2))
    assert a.state == TRAINING and b.state == QUEUED and b.queue_position == 1
    with pytest.raises(TrainingBusyError, match="The lab is busy: 1 training running and 1"):
        jobs.submit(replace(TINY, seed=3))
    assert [c.seed for c in calls] == [1]  # one at a time (b waits for a)
    gate.set()
    assert jobs.wait(b.key).state == DONE
    assert [c.seed for c in calls] == [1, 2]  # first come, first served
    assert jobs.submit(replace(TINY, seed=3)).key  # room again


def test_jobs_keep_only_a_few_finished_jobs():
    train, _ = fake_trainer()
    jobs = quick_jobs(train=train, max_finished=2)
    keys = []
    for seed in (1, 2, 3):
        keys.append(jobs.submit(replace(TINY, seed=seed)).key)
        jobs.wait(keys[-1])
    assert jobs.result(keys[0]) is None and jobs.status(keys[0]) is None  # the oldest went
    assert [s.key for s in jobs.finished()] == keys[1:]


def test_jobs_report_a_failure_and_allow_a_retry():
    train, calls = fake_trainer(fail=True)
    jobs = quick_jobs(train=train)
    status = jobs.wait(jobs.submit(TINY).key)
    assert status.state == FAILED and "out of patience" in status.error
    assert jobs.result(status.key) is None and not status.active
    jobs.submit(TINY)  # a failed job can be asked for again
    jobs.wait(status.key)
    assert len(calls) == 2


def test_job_status_reports_progress_and_time_left():
    gate = threading.Event()
    steps_done = threading.Event()

    def train(config, callback):
        for step in range(1, 4):
            callback(step, 1.0, 0.5)
        steps_done.set()
        assert gate.wait(30)
        return fake_trainer()[0](config, lambda *a: None)

    jobs = quick_jobs(train=train)
    key = jobs.submit(replace(TINY, num_steps=6)).key
    assert steps_done.wait(30)
    status = jobs.status(key)
    assert (status.step, status.num_steps, status.fraction) == (3, 6, 0.5)
    assert status.rnn_losses == (1.0, 1.0, 1.0) and status.eta_seconds is not None
    gate.set()
    seen = []
    assert jobs.wait(key, on_progress=seen.append).state == DONE
    assert jobs.status("retrained:nothing") is None and jobs.wait("retrained:nothing") is None


def test_config_keys_tell_configs_apart():
    keys = {config_key(c) for c in (Seq2SeqConfig(), TINY, replace(TINY, seed=8))}
    assert len(keys) == 3
    assert config_key(Seq2SeqConfig()) == "retrained:defaults" != SHIPPED
    assert config_key(replace(Seq2SeqConfig(), seed=5)) == "retrained:seed=5"


def test_shipped_pair_is_the_checkpoints(pretrained):
    pair = shipped_pair()
    assert pair.key == SHIPPED and pair.config == pretrained.rnn.config
    assert pair.rnn_curve == pretrained.rnn.accuracy
    assert pair.attention_losses == tuple(pretrained.attention.losses.tolist())
