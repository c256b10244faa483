"""The seq2seq model half: plain vs attention GRU encoder-decoders on the copy task."""

import json
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import torch

import attention.seq2seq.model as seq2seq_model
from attention.additive import bahdanau_attention
from attention.seq2seq import (
    KINDS,
    Seq2SeqConfig,
    accuracy_by_length,
    accuracy_by_position,
    build_model,
    checkpoint_path,
    copy_batch,
    decode,
    greedy_decode,
    load_checkpoint,
    load_pretrained,
    parameter_counts,
    parse_digits,
    train_both,
)

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
