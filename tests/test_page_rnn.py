"""The "RNN vs attention" page: every control under AppTest, the training registry, and Chromium.

Every number the page shows is checked against the core (``attention.seq2seq``): recorded
curves, ``accuracy_by_position``, ``decode`` outputs, alignment, context vectors, bottleneck,
parameter counts, and the models a live training produced.
"""

import contextlib
import io
import json
import random
import threading
import time
from dataclasses import replace

import pyarrow as pa
import pytest
import torch
from streamlit.testing.v1 import AppTest

from attention.seq2seq import (
    DEFAULT_EVAL_SEED,
    Seq2SeqConfig,
    TrainedPair,
    accuracy_by_length,
    accuracy_by_position,
    build_model,
    decode,
    load_pretrained,
    parameter_counts,
    train_both,
)
from tests.conftest import assert_no_exception, run_page, wait_for_app, wait_for_rerun
from tests.tables import page_tables
from ui import rnn
from ui.inputs import InputError

PAGE = "pages/1_RNN_vs_attention.py"
KEY = "w.rnn."
DEFAULT = rnn.DEFAULT_DIGITS
PRINTED_3 = 5.01e-4  # a table printed with 3 decimals
PRINTED_4 = 5.01e-5  # ... with 4


@pytest.fixture(scope="module")
def pretrained():
    return load_pretrained()


# ---- reading the page ------------------------------------------------------------------------


def charts_on(at: AppTest) -> list[tuple[dict, dict[str, list[dict]]]]:
    """Every chart: its Vega-Lite spec and its named datasets (sent as Arrow)."""
    found = []
    for element in at.get("vega_lite_chart"):
        data = {
            d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist()
            for d in element.proto.datasets
        }
        found.append((json.loads(element.proto.spec), data))
    return found


def title_of(spec: dict) -> str:
    title = spec.get("title", "")
    return " ".join(title) if isinstance(title, list) else str(title)


def chart(at: AppTest, start: str) -> tuple[dict, dict[str, list[dict]]]:
    """The one chart whose title starts with ``start``: (spec, datasets)."""
    (found,) = [c for c in charts_on(at) if title_of(c[0]).startswith(start)]
    return found


def data(at: AppTest, start: str, name: str) -> list[dict]:
    return chart(at, start)[1][name]


def line_values(at: AppTest, start: str, model: str, x: str) -> list[float]:
    """The accuracy line of one model ("plain RNN" or "RNN + attention"), ordered by x."""
    points = sorted((p[x], p["accuracy"]) for p in data(at, start, "lines") if p["model"] == model)
    return [a for _, a in points]


def frame(at: AppTest, *columns: str, index: str | None = None):
    """The first table on the page holding all these columns (and this index name).

    Tables are HTML (``ui.blocks.html_table``): the first column labels the rows, so it
    becomes the frame's index; numbers come back as printed.
    """
    for table in page_tables(at):
        value = table.set_index(table.columns[0])
        if all(c in value.columns for c in columns) and index in (None, value.index.name):
            return value
    raise AssertionError(f"no table with columns {columns}")


def outputs(at: AppTest):
    return frame(at, "input", "plain RNN", "RNN + attention")


def digits_of(column) -> tuple[int, ...]:
    return tuple(int(d) for d in column)


def markdown_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def section_headings(at: AppTest) -> list[str]:
    """The numbered section headings ("## 1 · ..."): they share a block with their prose."""
    return [line for m in at.markdown for line in m.value.splitlines() if line.startswith("## ")]


def outputs_html(at: AppTest) -> str:
    """The row of input and output digits (the one HTML block that is not a table of numbers)."""
    (found,) = [h.value for h in at.html if "right</th>" in h.value]
    return found


def wait_until(at: AppTest, condition, timeout: float = 60.0) -> None:
    """Rerun the page until ``condition(at)`` holds (a background training has to finish)."""
    deadline = time.monotonic() + timeout
    while not condition(at):
        assert time.monotonic() < deadline, "the page never got there"
        time.sleep(0.2)
        at.run()
        assert not at.exception, [e.value for e in at.exception]


# ---- first load: recorded curves, parameter counts, no training ------------------------------


def test_length_chart_and_table_are_the_recorded_curves(pretrained) -> None:
    at = run_page(PAGE)
    title = "Copy accuracy against input length"
    for model, checkpoint in (
        ("plain RNN", pretrained.rnn),
        ("RNN + attention", pretrained.attention),
    ):
        assert line_values(at, title, model, "length") == pytest.approx(
            list(checkpoint.accuracy.accuracy)
        )
    table = frame(at, "plain RNN", "RNN + attention", "trained on")
    assert list(table.index) == list(range(1, 31))
    assert table["plain RNN"].tolist() == pytest.approx(
        list(pretrained.rnn.accuracy.accuracy), abs=PRINTED_3
    )
    trained = [n for n, mark in zip(table.index, table["trained on"], strict=True) if mark]
    assert trained == list(range(3, 21))  # the training range, also shaded on the chart
    (band,) = data(at, title, "band")
    assert (band["start"], band["end"], band["label"]) == (2.5, 20.5, "trained on lengths 3-20")
    assert "plain RNN copies **38%**" in markdown_text(at)  # at length 20, from the curve
    assert pretrained.rnn.accuracy.at(20) == pytest.approx(0.378, abs=0.001)


def test_parameter_counts_come_from_the_core(pretrained) -> None:
    at = run_page(PAGE)
    counts = parameter_counts(pretrained.rnn.config)
    text = markdown_text(at)
    assert f"| plain RNN | {counts.rnn:,} |" in text
    assert f"| RNN + attention | {counts.attention:,} |" in text
    for name, n in counts.attention_parts:
        assert f"| {name} | {n:,} |" in text
    assert sum(n for _, n in counts.attention_parts) == counts.attention - counts.rnn
    assert f"| **all of them** | **{counts.difference:,}** |" in text
    assert f"**{counts.difference:,}** extra parameters are all attention" in text


def test_first_load_starts_no_training() -> None:
    before = {t.name for t in threading.enumerate()}
    jobs = len(rnn.registry().jobs())
    run_page(PAGE)
    started = {t.name for t in threading.enumerate()} - before
    assert not any(name.startswith("train ") for name in started)
    assert len(rnn.registry().jobs()) == jobs


# ---- accuracy by position --------------------------------------------------------------------


def test_position_slider_shows_accuracy_by_position(pretrained) -> None:
    at = run_page(PAGE)
    at.slider(key=KEY + "position_length").set_value(12).run()
    table = frame(at, "plain RNN", "RNN + attention", index="position")
    title = "Accuracy at each output position"
    for model, checkpoint in (
        ("plain RNN", pretrained.rnn),
        ("RNN + attention", pretrained.attention),
    ):
        expected = accuracy_by_position(checkpoint.model, 12, 300, DEFAULT_EVAL_SEED).accuracy
        assert table[model].tolist() == pytest.approx(expected.tolist(), abs=PRINTED_3)
        assert line_values(at, title, model, "position") == pytest.approx(expected.tolist())
    assert "Inputs of **12 digits**" in markdown_text(at)


def test_position_text_tells_the_measured_story(pretrained) -> None:
    """At length 20 the plain model loses its *later* positions: 0.97 first, about 0.1 last."""
    at = run_page(PAGE)
    acc = accuracy_by_position(pretrained.rnn.model, 20, 300, DEFAULT_EVAL_SEED).accuracy
    assert acc[0] > 0.9 and acc[-1] < 0.2
    text = markdown_text(at)
    assert f"**first** digit right **{acc[0]:.0%}**" in text
    assert f"**last** one **{acc[-1]:.0%}**" in text
    first_wrong = next(i + 1 for i, a in enumerate(acc.tolist()) if a < 0.5)
    assert f"from position **{first_wrong}** on" in text


# ---- one input: outputs, alignment, bottleneck -------------------------------------------------


def test_default_input_outputs_are_decode_outputs(pretrained) -> None:
    at = run_page(PAGE)
    table = outputs(at)
    plain, att = decode(pretrained.rnn.model, DEFAULT), decode(pretrained.attention.model, DEFAULT)
    assert digits_of(table["input"]) == plain.input_digits
    assert digits_of(table["plain RNN"]) == plain.output_digits
    assert digits_of(table["RNN + attention"]) == att.output_digits
    html = outputs_html(at)
    assert html.count("line-through") == len(plain.correct) - sum(plain.correct)
    assert f"{sum(plain.correct)}/{len(plain.correct)} right" in html


def test_typed_digits_are_copied_by_both_models(pretrained) -> None:
    at = run_page(PAGE)
    typed = "3 1 4 1 5 9 2 6 5 3 5 8 9 7 9 3 2 3 8 4 6 2 6"  # spaces are ignored
    at.text_input(key=KEY + "digits").set_value(typed).run()
    table = outputs(at)
    for column, checkpoint in (
        ("plain RNN", pretrained.rnn),
        ("RNN + attention", pretrained.attention),
    ):
        assert digits_of(table[column]) == decode(checkpoint.model, typed).output_digits
    assert not at.error


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12a45", "Only the digits 0-9 can be copied (spaces are ignored); not 'a'."),
        ("1,2;3", "not ',', ';'"),
        ("", "Type at least one digit"),
        ("   ", "Type at least one digit"),
        ("1" * 41, "At most 40 digits, got 41"),
        ("٣٤", "not '٣', '٤'"),  # Arabic-Indic digits: isdigit() but not 0-9
    ],
)
def test_bad_input_gives_a_message_and_keeps_everything_else(typed: str, message: str) -> None:
    at = run_page(PAGE)
    at.slider(key=KEY + "position_length").set_value(9)
    at.text_input(key=KEY + "digits").set_value("98765").run()
    at.text_input(key=KEY + "digits").set_value(typed).run()
    assert not at.exception
    (error,) = at.error
    assert message in error.value
    assert "Still showing the last valid input, 98765" in error.value
    assert digits_of(outputs(at)["input"]) == (9, 8, 7, 6, 5)
    assert at.slider(key=KEY + "position_length").value == 9  # other settings kept
    at.text_input(key=KEY + "digits").set_value("42").run()
    assert not at.error and digits_of(outputs(at)["input"]) == (4, 2)


def test_random_button_draws_digits_of_the_chosen_length(pretrained) -> None:
    torch_state, py_state = torch.random.get_rng_state(), random.getstate()
    at = run_page(PAGE)
    at.number_input(key=KEY + "random_length").set_value(25).run()
    at.button(key=KEY + "random").click().run()
    first = at.text_input(key=KEY + "digits").value
    assert len(first) == 25 and first.isdigit()
    assert first == rnn.random_digits_text(25, 1)
    assert digits_of(outputs(at)["RNN + attention"]) == (
        decode(pretrained.attention.model, first).output_digits
    )
    at.button(key=KEY + "random").click().run()
    assert at.text_input(key=KEY + "digits").value != first
    assert torch.equal(torch.random.get_rng_state(), torch_state)  # the global RNGs untouched
    assert random.getstate() == py_state


def test_alignment_heatmap_and_table_are_the_decoders_weights(pretrained) -> None:
    at = run_page(PAGE)
    att = decode(pretrained.attention.model, DEFAULT)
    cells = data(at, "Alignment matrix", "cells")
    shown = [[None] * len(DEFAULT) for _ in DEFAULT]
    for cell in cells:
        shown[cell["row"]][cell["column"]] = cell["value"]
    assert shown == [pytest.approx(row, abs=1e-6) for row in att.alignment.tolist()]
    table = frame(at, "x1=2", "x16=5")
    assert table.to_numpy().ravel().tolist() == pytest.approx(
        att.alignment.flatten().tolist(), abs=5e-4
    )  # rounded to 3 decimals
    diagonal = float(att.alignment.diagonal().mean())
    assert f"**{diagonal:.0%}** of its weight on the input" in markdown_text(at)
    assert "v_a^\\top \\tanh" in markdown_text(at)  # the formulas, in the section's text


def test_decode_step_slider_shows_that_steps_weights_and_context(pretrained) -> None:
    at = run_page(PAGE)
    at.slider(key=KEY + "step").set_value(9).run()
    att = decode(pretrained.attention.model, DEFAULT)
    table = frame(at, "energy e_j", "weight α_j")
    assert table["weight α_j"].tolist() == pytest.approx(att.alignment[8].tolist(), abs=PRINTED_4)
    assert table["energy e_j"].tolist() == pytest.approx(att.energies[8].tolist(), abs=PRINTED_4)
    bars = data(at, "One decoder step's attention weights", "bars")
    assert [b["weight"] for b in bars] == pytest.approx(att.alignment[8].tolist())
    assert [b["role"] for b in bars].index(rnn.COPY_ROLE) == 8
    assert f"Decoder step **i = 9** writes **y9 = {att.output_digits[8]}**" in markdown_text(at)
    context = data(at, "Context vector c_i", "cells")
    assert [c["row"] for c in context] == ["c_9"] * 64
    assert [c["value"] for c in context] == pytest.approx(att.context_vecs[8].tolist(), abs=1e-6)
    spec, datasets = chart(at, "Alignment matrix")
    assert spec["layer"][-1]["data"] == {"name": "outline"}  # the chosen row is outlined:
    assert {c["row_token"] for c in datasets["outline"]} == {f"y9={att.output_digits[8]}"}
    snippet = next(c.value for c in at.code if "d.alignment[" in c.value)
    assert "print(d.alignment[8])  # where decoder step 9 looked" in snippet


def test_decode_step_is_clamped_when_the_input_gets_shorter() -> None:
    at = run_page(PAGE)
    at.slider(key=KEY + "step").set_value(16).run()
    at.text_input(key=KEY + "digits").set_value("123").run()
    assert not at.exception
    assert at.slider(key=KEY + "step").value == 3
    at.text_input(key=KEY + "digits").set_value("7").run()  # one step: no slider at all
    assert not at.exception
    assert len(data(at, "One decoder step's attention weights", "bars")) == 1


def test_bottleneck_is_h_T_against_the_context_vectors(pretrained) -> None:
    at = run_page(PAGE)
    plain, att = decode(pretrained.rnn.model, DEFAULT), decode(pretrained.attention.model, DEFAULT)
    table = frame(at, "h_T", "c_1", "c_16")
    assert table["h_T"].tolist() == pytest.approx(plain.bottleneck.tolist(), abs=5e-4)
    assert table["c_16"].tolist() == pytest.approx(att.context_vecs[15].tolist(), abs=5e-4)
    one = data(at, "Plain decoder: h_T", "cells")
    assert [c["value"] for c in one] == pytest.approx(plain.bottleneck.tolist())
    many = data(at, "Attention decoder: a context vector c_i per step", "cells")
    assert [c["value"] for c in many] == pytest.approx(att.context_vecs.flatten().tolist())
    text = markdown_text(at)
    assert "**64 numbers for all 16 digits**" in text and "**16 × 64 = 1024 numbers**" in text


def test_sources_and_snippets_show_the_code_that_ran() -> None:
    at = run_page(PAGE)
    code = "\n".join(c.value for c in at.code)
    for name in (
        "def bahdanau_attention",
        "def step(",
        "def greedy_decode",
        "def accuracy_by_position",
        "def train_both",
    ):
        assert name in code
    assert "python -m attention.seq2seq evaluate --json" in code
    assert 'decode(model, "2718281828459045")' in code


def test_notebook_snippet_runs_and_decodes_the_current_input(pretrained) -> None:
    at = run_page(PAGE)
    at.text_input(key=KEY + "digits").set_value("90210").run()
    snippet = next(c.value for c in at.code if "d.alignment[" in c.value)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(snippet, {})
    lines = printed.getvalue().splitlines()
    plain = decode(pretrained.rnn.model, "90210")
    assert lines[0] == f"rnn {''.join(map(str, plain.output_digits))} {plain.accuracy:.0%}"
    assert lines[1].startswith("attention 90210")


def test_reveal_mode_shows_one_step_at_a_time() -> None:
    at = run_page(PAGE, reveal=True)
    assert len(section_headings(at)) == 1
    for expected in range(2, 7):
        at.button(key=KEY + "next").click().run()
        assert len(section_headings(at)) == expected
    assert not at.exception
    at.button(key=KEY + "restart").click().run()
    assert len(section_headings(at)) == 1


def test_projector_mode_enlarges_chart_text() -> None:
    at = run_page(PAGE)
    normal = chart(at, "Copy accuracy")[0]["config"]["axis"]["labelFontSize"]
    at.toggle(key=KEY + "projector").set_value(True).run()
    assert chart(at, "Copy accuracy")[0]["config"]["axis"]["labelFontSize"] > normal


# ---- retraining: controls, the flow on the page, the registry ----------------------------------


def test_retrain_controls_show_the_configs_parameter_counts() -> None:
    at = run_page(PAGE)
    at.select_slider(key=KEY + "hidden").set_value(16)
    at.slider(key=KEY + "lengths").set_value((2, 9))
    at.select_slider(key=KEY + "steps").set_value(50)
    at.number_input(key=KEY + "seed").set_value(5).run()
    config = rnn.retrain_config(16, (2, 9), 50, 5)
    assert (config.hidden_size, config.min_length, config.max_length) == (16, 2, 9)
    counts = parameter_counts(config)
    captions = " ".join(c.value for c in at.caption)
    assert f"{counts.rnn:,} parameters in the plain model, {counts.attention:,} with" in captions
    assert rnn.registry().status(rnn.config_key(config)) is None  # nothing trains until asked


def test_retrain_flow_swaps_in_the_trained_models() -> None:
    """Tiny config (hidden 16, 20 steps): train, wait, the page shows the new models' outputs."""
    at = run_page(PAGE)
    at.select_slider(key=KEY + "hidden").set_value(16)
    at.slider(key=KEY + "lengths").set_value((3, 8))
    at.select_slider(key=KEY + "steps").set_value(20)
    at.number_input(key=KEY + "seed").set_value(11).run()
    at.button(key=KEY + "train").click().run()
    config = rnn.retrain_config(16, (3, 8), 20, 11)
    key = rnn.config_key(config)
    assert rnn.registry().status(key) is not None
    wait_until(at, lambda a: any("Now showing your retrained" in s.value for s in a.success))
    pair = rnn.registry().result(key)
    assert pair is not None and pair.config == config
    radio = at.radio(key=KEY + "models")
    assert radio.value == key and radio.options[0] == "Shipped checkpoints"
    table = outputs(at)
    for column, model in (("plain RNN", pair.rnn), ("RNN + attention", pair.attention)):
        assert digits_of(table[column]) == decode(model, DEFAULT).output_digits
    curve = line_values(at, "Copy accuracy against input length", "plain RNN", "length")
    assert curve == pytest.approx(list(pair.rnn_curve.accuracy))
    assert at.info and "trust those" in at.info[0].value
    # the same config gives the same training, step for step (deterministic from the seed)
    reference = train_both(config)
    assert list(pair.rnn_losses) == pytest.approx(reference.rnn_losses.tolist(), abs=1e-6)
    # back to the shipped models
    at.radio(key=KEY + "models").set_value(rnn.SHIPPED).run()
    assert digits_of(outputs(at)["plain RNN"]) == (
        decode(load_pretrained().rnn.model, DEFAULT).output_digits
    )


def test_asking_for_a_finished_config_switches_at_once() -> None:
    config = rnn.retrain_config(8, (3, 6), 20, 3)
    rnn.registry().submit(config)
    rnn.registry().wait(rnn.config_key(config), timeout=60)
    at = run_page(PAGE)
    at.select_slider(key=KEY + "hidden").set_value(8)
    at.slider(key=KEY + "lengths").set_value((3, 6))
    at.select_slider(key=KEY + "steps").set_value(20)
    at.number_input(key=KEY + "seed").set_value(3).run()
    assert "Already trained on this server" in " ".join(c.value for c in at.caption)
    at.button(key=KEY + "train").click().run()
    assert any("Now showing your retrained" in s.value for s in at.success)


def test_a_busy_server_says_so_and_keeps_the_page(monkeypatch) -> None:
    full = rnn.TrainingRegistry(max_running=0, max_queued=0)  # takes no job at all
    monkeypatch.setattr(rnn, "registry", lambda: full)
    at = run_page(PAGE)
    at.select_slider(key=KEY + "steps").set_value(20).run()
    at.button(key=KEY + "train").click().run()
    assert not at.exception
    (warning,) = at.warning
    assert "The lab is busy" in warning.value and "shipped models stay" in warning.value
    assert digits_of(outputs(at)["input"]) == tuple(int(d) for d in DEFAULT)


def test_reset_button_brings_back_the_defaults() -> None:
    at = run_page(PAGE)
    at.text_input(key=KEY + "digits").set_value("555").run()
    at.slider(key=KEY + "position_length").set_value(5).run()
    reset = next(b for b in at.sidebar.button if "Reset" in b.label)
    reset.click().run()
    assert not at.exception
    assert at.text_input(key=KEY + "digits").value == DEFAULT
    assert at.slider(key=KEY + "position_length").value == 20


TINY = Seq2SeqConfig(
    embedding_size=8, hidden_size=16, attention_size=16, num_steps=20, batch_size=16,
    min_length=3, max_length=8, seed=7,
)  # fmt: skip


def quick_registry(**kwargs) -> rnn.TrainingRegistry:
    return rnn.TrainingRegistry(eval_lengths=(1, 5, 10), eval_samples=20, **kwargs)


def test_registry_result_is_train_both_and_its_curves() -> None:
    registry = quick_registry()
    status = registry.submit(TINY)
    assert status.state in (rnn.QUEUED, rnn.TRAINING)
    done = registry.wait(status.key, timeout=60)
    assert done.state == rnn.DONE and done.step == TINY.num_steps and done.fraction == 1.0
    pair = registry.result(status.key)
    reference = train_both(TINY)
    assert list(pair.rnn_losses) == pytest.approx(reference.rnn_losses.tolist(), abs=1e-6)
    assert list(done.attention_losses) == pytest.approx(
        reference.attention_losses.tolist(), abs=1e-6
    )
    curve = accuracy_by_length(reference.attention, (1, 5, 10), 20, DEFAULT_EVAL_SEED)
    assert pair.attention_curve.accuracy == pytest.approx(curve.accuracy)


def fake_trainer(gate: threading.Event | None = None, fail: bool = False):
    """A stand-in for train_both: fresh models, optional wait on ``gate``, or an error."""
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


def test_registry_shares_one_job_per_config() -> None:
    gate = threading.Event()
    train, calls = fake_trainer(gate)
    registry = quick_registry(train=train)
    first = registry.submit(TINY)
    again = registry.submit(replace(TINY))  # an equal config from another session
    assert again.key == first.key and again.state == rnn.TRAINING
    gate.set()
    registry.wait(first.key)
    assert registry.submit(TINY).state == rnn.DONE  # finished: returned, not retrained
    assert len(calls) == 1


def test_registry_bounds_running_and_waiting_jobs() -> None:
    gate = threading.Event()
    train, calls = fake_trainer(gate)
    registry = quick_registry(train=train, max_running=1, max_queued=1)
    a = registry.submit(replace(TINY, seed=1))
    b = registry.submit(replace(TINY, seed=2))
    assert a.state == rnn.TRAINING and b.state == rnn.QUEUED and b.queue_position == 1
    assert "Waiting for a free slot" in rnn.status_text(b)
    with pytest.raises(rnn.RegistryBusyError, match="The lab is busy"):
        registry.submit(replace(TINY, seed=3))
    time.sleep(0.1)
    assert len(calls) == 1  # one at a time
    gate.set()
    assert registry.wait(b.key).state == rnn.DONE
    assert [c.seed for c in calls] == [1, 2]  # first come, first served


def test_registry_keeps_only_a_few_finished_jobs() -> None:
    train, _ = fake_trainer()
    registry = quick_registry(train=train, max_finished=2)
    keys = []
    for seed in (1, 2, 3):
        keys.append(registry.submit(replace(TINY, seed=seed)).key)
        registry.wait(keys[-1])
    assert registry.result(keys[0]) is None  # the oldest was dropped
    assert [s.key for s in registry.finished()] == keys[1:]


def test_registry_reports_a_failure_and_allows_a_retry() -> None:
    train, calls = fake_trainer(fail=True)
    registry = quick_registry(train=train)
    status = registry.wait(registry.submit(TINY).key)
    assert status.state == rnn.FAILED and "out of patience" in status.error
    assert registry.result(status.key) is None
    assert "Training failed" in rnn.status_text(status)
    registry.submit(TINY)  # a failed job can be asked for again
    registry.wait(status.key)
    assert len(calls) == 2


# ---- small helpers -------------------------------------------------------------------------


def test_parse_input_accepts_digits_and_spaces_only() -> None:
    assert rnn.parse_input(" 12 3 ") == (1, 2, 3)
    assert rnn.parse_input("0" * 40) == (0,) * 40
    for bad in ("", "x", "1.5", "-1", "9" * 41):
        with pytest.raises(InputError):
            rnn.parse_input(bad)


def test_config_keys_tell_configs_apart() -> None:
    keys = {
        rnn.config_key(c)
        for c in (
            Seq2SeqConfig(),
            TINY,
            replace(TINY, seed=8),
            rnn.retrain_config(64, (3, 20), 800, 123),
        )
    }
    assert len(keys) == 3  # the last one is the default config
    assert rnn.config_key(Seq2SeqConfig()) == "retrained:defaults" != rnn.SHIPPED


# ---- the browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_rnn_page_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/RNN_vs_attention")
    # before the first run starts, the app can already report "notRunning": wait for content
    page.get_by_role("heading", name="6 · Retrain both models live").wait_for(timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)
    # chart elements mount once the chart library has loaded, after the script has finished
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]').length >= 6",
        timeout=30_000,
    )
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.scroll_into_view_if_needed()
    charts.first.locator("canvas, svg.marks").first.wait_for(timeout=10_000)
    box = page.get_by_role("textbox", name="Digits to copy (0-9, 1 to 40 of them)")
    box.fill("1234567890123456789012")
    box.press("Enter")
    wait_for_rerun(page)
    assert_no_exception(page)
    html = page.locator('[data-testid="stHtml"]', has_text="RNN + attention ·")
    html.get_by_text("RNN + attention · 22/22 right").wait_for(timeout=10_000)
    expected = decode(load_pretrained().rnn.model, "1234567890123456789012")
    right = sum(expected.correct)
    assert html.get_by_text(f"plain RNN · {right}/22 right").count() == 1
    box.fill("12x")
    box.press("Enter")
    wait_for_rerun(page)
    page.get_by_text("Only the digits 0-9 can be copied").wait_for(timeout=10_000)
    assert_no_exception(page)
