"""The "RNN vs attention" page (sections 3.1-3.2): every control under AppTest, every sentence
that states a number, and Chromium for what only a browser shows.

Every number the page shows is checked against the core (``attention.seq2seq``): recorded
curves, ``accuracy_by_position``, ``decode`` outputs, alignment, context vectors, bottleneck,
parameter counts, and the models a live training produced. Sentences are checked for the
shipped models and for a changed state (another length or step, a retrained pair).
The steps open one at a time: a test opens one by setting ``lab.rnn.step``, as ``?rnn_step=`` does.
"""

import contextlib
import io
import json
import random
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pyarrow as pa
import pytest
import torch
from streamlit.testing.v1 import AppTest

from attention.seq2seq import (
    DEFAULT_EVAL_SEED,
    RECORD_SAMPLES,
    SHIPPED,
    LengthAccuracy,
    Seq2SeqConfig,
    TrainedPair,
    TrainingJobs,
    accuracy_by_length,
    accuracy_by_position,
    build_model,
    config_key,
    decode,
    load_pretrained,
    parameter_counts,
    train_both,
)
from attention.seq2seq.jobs import EVAL_LENGTHS
from lessons.rnn import charts, controls, snippet, text, view
from lessons.rnn.controls import DEFAULT_DIGITS
from lessons.rnn.text import pct
from tests.conftest import (
    ROOT,
    act,
    assert_no_exception,
    key_selector,
    open_app,
    run_link,
    run_page,
    settle,
)
from tests.tables import table
from ui.inputs import InputError

PAGE = "pages/1_RNN_vs_attention.py"
STEP_NAMES = (
    "Accuracy against input length",
    "Accuracy digit by digit",
    "Copy a sequence yourself",
    "Where attention looks",
    "The bottleneck",
    "Retrain live",
    "The code",
)
PRINTED_3 = 5.01e-4  # a table printed with 3 decimals
PRINTED_4 = 5.01e-5  # ... with 4
TINY = dict(hidden=8, lengths=(3, 6), steps=20, seed=3)  # trains in about a second


@pytest.fixture(scope="module")
def pretrained():
    return load_pretrained()


@pytest.fixture(autouse=True)
def fresh_runner():
    """Each test starts with an empty process-wide job runner (trainings do not leak)."""
    view.jobs.clear()
    yield
    view.jobs.clear()


# ---- reading the page ------------------------------------------------------------------------


def open_step(at: AppTest, k: int) -> AppTest:
    """Open step ``k``'s tab (as ``?rnn_step=k`` or a click on its label would)."""
    at.session_state["lab.rnn.step"] = k
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.segmented_control(key="rnn.steps").value == f"{k} · {STEP_NAMES[k - 1]}"
    return at


def run_step(k: int, **settings) -> AppTest:
    return run_page(PAGE, **{"rnn.step": k, **settings})


def md(at: AppTest) -> str:
    """Every markdown element and caption of the page, as one text."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


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


def chart(at: AppTest, title: str) -> tuple[dict, dict[str, list[dict]]]:
    (found,) = [c for c in charts_on(at) if c[0].get("title") == title]
    return found


def line(at: AppTest, title: str, model: str, x: str) -> list[float]:
    """One model's accuracy line ("plain RNN" or "RNN + attention"), ordered by x."""
    points = chart(at, title)[1]["lines"]
    return [p["accuracy"] for p in sorted(points, key=lambda p: p[x]) if p["model"] == model]


def column(frame, name: str, exact: bool = True) -> list:
    """One column of a page table: its exact values (a rounded cell's tooltip), or as shown."""
    k = list(frame.columns).index(name)
    if not exact:
        return list(frame.iloc[:, k])
    rows = frame.attrs["exact"]  # kept as rows (label first) by tests.tables
    rows = rows.values.tolist() if hasattr(rows, "values") else rows
    return [row[k] for row in rows]


def exact_rows(frame) -> list[list[float]]:
    """A matrix table's exact values, without the row labels."""
    rows = frame.attrs["exact"]
    rows = rows.values.tolist() if hasattr(rows, "values") else rows
    return [[float(v) for v in row[1:]] for row in rows]


def grid(at: AppTest):
    """The digit grid of step 3: rows input / plain RNN / RNN + attention."""
    frame = table(at, "Both copies of your")
    return frame.set_index(frame.columns[0])


def grid_row(at: AppTest, start: str) -> tuple[int, ...]:
    frame = grid(at)
    (label,) = [r for r in frame.index if r.startswith(start)]
    return tuple(int(v) for v in frame.loc[label])


def grid_html(at: AppTest) -> str:
    (found,) = [h.value for h in at.html if "Both copies of your" in h.value]
    return found


def shipped_models() -> view.Models:
    return view.shipped()


def set_retrain(at: AppTest, hidden: int, lengths: tuple[int, int], steps: int, seed: int):
    at.select_slider(key="rnn.hidden").set_value(hidden)
    at.slider(key="rnn.train_lengths").set_value(lengths)
    at.select_slider(key="rnn.train_steps").set_value(steps)
    at.number_input(key="rnn.train_seed").set_value(seed).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def wait_until(at: AppTest, condition, timeout: float = 90.0) -> None:
    """Rerun the page until ``condition(at)`` holds (a background training has to finish)."""
    deadline = time.monotonic() + timeout
    while not condition(at):
        assert time.monotonic() < deadline, "the page never got there"
        time.sleep(0.2)
        at.run()
        assert not at.exception, [e.value for e in at.exception]


def switched(at: AppTest) -> bool:
    return any("Now showing your retrained models" in s.value for s in at.success)


def tiny_config() -> Seq2SeqConfig:
    return controls.retrain_config(TINY["hidden"], TINY["lengths"], TINY["steps"], TINY["seed"])


# ---- fake trainings (fast, and each under control) -------------------------------------------


def fake_trainer(gate: threading.Event | None = None, fail: bool = False):
    """A stand-in for train_both: fresh (untrained) models, an optional wait, or an error."""
    calls: list[Seq2SeqConfig] = []

    def train(config: Seq2SeqConfig, callback) -> TrainedPair:
        calls.append(config)
        if gate is not None:
            assert gate.wait(30)
        if fail:
            raise RuntimeError("out of patience")
        for step in range(1, config.num_steps + 1):
            callback(step, 2.0 / step, 1.0 / step)
        losses = torch.tensor([2.0 / s for s in range(1, config.num_steps + 1)])
        rnn_model, att_model = (build_model(config, a) for a in (False, True))
        return TrainedPair(config, rnn_model, att_model, losses, losses / 2, 0.01)

    return train, calls


@pytest.fixture
def fake_jobs(monkeypatch):
    """The page's runner replaced by one whose trainings are fakes, measured on 20 strings."""
    train, calls = fake_trainer()
    runner = TrainingJobs(train=train, eval_samples=20)
    monkeypatch.setattr(view, "jobs", lambda: runner)
    runner.calls = calls
    return runner


# ---- the models line ----------------------------------------------------------------------


def test_models_line_names_the_shipped_models_and_their_lengths(pretrained) -> None:
    at = run_page(PAGE)
    c = pretrained.rnn.config
    line_ = next(m.value for m in at.markdown if "Models on this page" in m.value)
    assert line_ == text.models_line(shipped_models())
    assert "the shipped checkpoints" in line_
    assert f"Hidden size H = **{c.hidden_size}**" in line_
    assert f"trained on strings of **{c.min_length} to {c.max_length} digits**" in line_
    assert f"{c.num_steps} steps of {c.batch_size} strings, seed {c.seed}" in line_
    assert not at.radio  # one pair on the server: no choice to make
    # the static intro states no training length of its own: the box does, from the models
    assert "3 to 20" not in blocks_prose("intro") and "20 digits" not in blocks_prose("intro")
    assert "**bidirectional**" in blocks_prose("intro") and "**left to right only**" in md(at)


def blocks_prose(section: str) -> str:
    from ui import blocks

    return blocks.prose("rnn", section)


def test_first_load_starts_no_training() -> None:
    before = {t.name for t in threading.enumerate()}
    run_page(PAGE)
    started = {t.name for t in threading.enumerate()} - before
    assert not any(name.startswith("train ") for name in started)
    assert view.jobs().jobs() == []


# ---- 1 · accuracy against input length -------------------------------------------------------


def test_length_chart_and_table_are_the_recorded_curves(pretrained) -> None:
    at = run_page(PAGE)
    title = "Copy accuracy against input length"
    for model, checkpoint in (
        ("plain RNN", pretrained.rnn),
        ("RNN + attention", pretrained.attention),
    ):
        assert line(at, title, model, "length") == list(checkpoint.accuracy.accuracy)
    frame = table(at, "Token accuracy by input length")
    assert list(frame["length"]) == [str(n) for n in range(1, 31)]
    assert column(frame, "plain RNN") == pytest.approx(list(pretrained.rnn.accuracy.accuracy))
    shown = column(frame, "RNN + attention", exact=False)
    assert shown == pytest.approx(list(pretrained.attention.accuracy.accuracy), abs=PRINTED_3)
    trained = [n for n, mark in zip(range(1, 31), frame["trained on"], strict=True) if mark == "✓"]
    assert trained == list(range(3, 21))  # the training range, also shaded on the chart
    (band,) = chart(at, title)[1]["band"]
    assert (band["start"], band["end"], band["label"]) == (2.5, 20.5, "trained on lengths 3-20")
    assert "plain RNN copies **38%** of the digits" in md(at)
    assert "Each point: **1,000** random strings of that length (seed 2024)" in md(at)
    assert "recorded in the checkpoints when they were trained" in md(at)
    assert pretrained.rnn.accuracy.at(20) == pytest.approx(0.378, abs=0.001)


def test_length_summary_is_built_from_the_shipped_curves(pretrained) -> None:
    rnn, att = pretrained.rnn.accuracy, pretrained.attention.accuracy
    summary = text.length_summary(shipped_models())
    assert summary in md(run_page(PAGE))
    assert f"the attention model **{pct(att.at(20))}**" in summary
    assert f"At **30**, longer than any training string: **{pct(rnn.at(30))}** against " \
           f"**{pct(att.at(30))}**" in summary  # fmt: skip
    first = next(n for n, a in zip(rnn.lengths, rnn.accuracy, strict=True) if a < 0.9)
    assert first == 7 and f"first falls below 90% at length **{first}**" in summary
    assert min(att.accuracy) >= 0.9 and "attention model stays at or above 90% up to length 30" \
        in summary  # fmt: skip
    ahead = sum(a > r for r, a in zip(rnn.accuracy, att.accuracy, strict=True))
    assert f"at **{ahead}** of the 30 lengths" in summary
    drop = round((rnn.at(1) - rnn.at(30)) * 100)
    assert f"the plain RNN loses {drop} percentage points" in summary
    assert summary.endswith("the shape of Bahdanau's Fig. 2.")
    assert pct(0.9962) == "99.6%" and pct(0.999999) == "99.9%" and pct(0.0004) == "0.1%"


def length_models(rnn: list[float], att: list[float], max_length: int = 20) -> view.Models:
    """Models whose recorded curves are ``rnn`` and ``att`` (lengths 1 .. len)."""
    lengths = tuple(range(1, len(rnn) + 1))
    config = replace(Seq2SeqConfig(), max_length=max_length, min_length=min(3, max_length))
    shipped = view.shipped()
    return replace(
        shipped,
        key="retrained:test",
        config=config,
        rnn_curve=LengthAccuracy(lengths, tuple(rnn), 50, 7),
        attention_curve=LengthAccuracy(lengths, tuple(att), 50, 7),
    )


def test_length_summary_follows_other_curves() -> None:
    """A flat pair trained on 1-30: no point beyond training, no Fig. 2 shape, ties counted."""
    flat = length_models([0.5] * 30, [0.5] * 29 + [0.4], max_length=30)
    summary = text.length_summary(flat)
    assert "At length **30**, the longest the models trained on" in summary
    assert "longer than any training string" not in summary
    assert "The plain RNN is below 90% already at length **1**" in summary
    assert "at **0** of the 30 lengths (as many at 29, fewer at 1)" in summary
    assert summary.endswith("not the shape of Bahdanau's Fig. 2.")
    assert "**50** random strings" in text.measured_on(flat.rnn_curve, False)
    assert "measured right after this training" in text.measured_on(flat.rnn_curve, False)


def test_parameter_counts_come_from_the_core(pretrained) -> None:
    at = run_page(PAGE)
    counts = parameter_counts(pretrained.rnn.config)
    both = table(at, "Parameters of each model")
    assert column(both, "parameters") == [float(counts.rnn), float(counts.attention)]
    parts = table(at, "What attention adds")
    names = list(parts["attention-only part"])
    assert names == [n for n, _ in counts.attention_parts] + ["all of them"]
    assert column(parts, "parameters") == [float(n) for _, n in counts.attention_parts] + [
        float(counts.difference)
    ]
    assert sum(n for _, n in counts.attention_parts) == counts.attention - counts.rnn
    sentence = text.separate_models(shipped_models(), counts)
    assert sentence in md(at)
    assert f"**{counts.difference:,}** extra parameters are all attention" in sentence
    assert "**two separate models** with the same architecture" in sentence
    assert "same initial weights (seed 123)" in sentence and "same 800 batches" in sentence


def test_parameter_counts_are_cached_per_config(monkeypatch) -> None:
    """The counts build models (on the meta device) once per config, not on every rerun."""
    view._counts.clear()
    built = []
    real = view.parameter_counts
    monkeypatch.setattr(view, "parameter_counts", lambda c: built.append(c) or real(c))
    at = run_step(6)
    at.run()
    at.select_slider(key="rnn.hidden").set_value(16).run()
    at.run()
    assert [c.hidden_size for c in built] == [64, 16]
    assert view.counts(replace(Seq2SeqConfig(), hidden_size=16, attention_size=16)) == \
        parameter_counts(replace(Seq2SeqConfig(), hidden_size=16, attention_size=16))  # fmt: skip


def test_evaluate_json_prints_exactly_the_curves_the_page_draws() -> None:
    """``python -m attention.seq2seq evaluate --json`` (its defaults: 1000 strings per length,
    seed 2024) against the chart's data, both rounded to the 4 decimals the CLI prints."""
    at = run_page(PAGE)
    cmd = [sys.executable, "-m", "attention.seq2seq", "evaluate", "--json"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    title = "Copy accuracy against input length"
    for kind, model in (("rnn", "plain RNN"), ("attention", "RNN + attention")):
        drawn = line(at, title, model, "length")
        assert printed[kind] == {
            str(n): round(a, 4) for n, a in zip(range(1, 31), drawn, strict=True)
        }
    curve = shipped_models().rnn_curve
    assert (curve.num_samples, curve.seed) == (RECORD_SAMPLES, DEFAULT_EVAL_SEED)
    cli = snippet.cli(shipped_models())
    assert "python -m attention.seq2seq evaluate --json\n" in cli
    assert f"the same\n# {RECORD_SAMPLES}" not in cli and f"{RECORD_SAMPLES} strings" in cli


# ---- 2 · accuracy digit by digit ---------------------------------------------------------


def test_position_slider_shows_accuracy_by_position(pretrained) -> None:
    at = run_step(2)
    at.slider(key="rnn.position_length").set_value(12).run()
    assert at.query_params["rnn_len"] == "12"
    frame = table(at, "Token accuracy by position, inputs of 12 digits")
    title = "Accuracy at each output position"
    for model, checkpoint in (
        ("plain RNN", pretrained.rnn),
        ("RNN + attention", pretrained.attention),
    ):
        expected = accuracy_by_position(checkpoint.model, 12, RECORD_SAMPLES, DEFAULT_EVAL_SEED)
        assert column(frame, model) == pytest.approx(expected.accuracy.tolist(), abs=1e-6)
        assert line(at, title, model, "position") == pytest.approx(expected.accuracy.tolist())
    assert "Inputs of **12 digits** (1,000 random strings, seed 2024)" in md(at)


@pytest.mark.parametrize("length", [11, 20])
def test_position_text_says_what_the_numbers_show(pretrained, length: int) -> None:
    """Issue 11, items 3-4: the positions below 50% are listed (later ones may recover), and
    "towards chance" is said only where the last positions are near it."""
    at = run_step(2, **{"rnn.position_length": length})
    acc = accuracy_by_position(pretrained.rnn.model, length, RECORD_SAMPLES, DEFAULT_EVAL_SEED)
    acc = acc.accuracy.tolist()
    summary = next(m.value for m in at.markdown if m.value.startswith("Inputs of"))
    assert summary == text.position_summary(view.positions(shipped_models(), length),
                                            shipped_models())  # fmt: skip
    below = [i + 1 for i, a in enumerate(acc) if a < 0.5]
    assert f"**first** digit right **{pct(acc[0])}**" in summary
    assert f"the **last** one **{pct(acc[-1])}**" in summary
    assert f"at positions **{text.positions_text(below)}**: {len(below)} of {length}" in summary
    if length == 11:  # 8-10 below 50%, the 11th recovers (about 0.55): recency
        assert text.positions_text(below) == "8-10" and acc[-1] > 0.5
        assert f"**recovers** to {pct(acc[-1])} at the last position" in summary
        assert "towards chance" not in summary
    else:  # the last third near chance
        tail = acc[-(length // 3) :]
        assert sum(tail) / len(tail) < 0.2
        assert f"the last {len(tail)} average {pct(sum(tail) / len(tail))}" in summary
        assert "recovers" not in summary
    curve = pretrained.rnn.accuracy.at(length)
    assert f"which read {pct(curve)} and" in summary
    assert f"Averaged over the {length} positions: {pct(sum(acc) / length)} and" in summary


def position_view(rnn: list[float], att: list[float] | None = None) -> view.PositionView:
    return view.PositionView(len(rnn), tuple(rnn), tuple(att or [1.0] * len(rnn)), 50, 7)


def test_position_text_covers_every_shape() -> None:
    models = length_models([0.5] * 30, [0.9] * 30)
    chance = text.position_summary(position_view([0.12, 0.08, 0.1, 0.11]), models)
    assert "close to **chance** (1 in 10) at every position: at most 12%" in chance
    assert "recovers" not in chance and "towards chance" not in chance
    good = text.position_summary(position_view([0.9, 0.8, 0.7]), models)
    assert "right more often than wrong (at least 50%) at every position" in good
    one = text.position_summary(position_view([0.3, 0.6, 0.45, 0.3, 0.2, 0.49]), models)
    assert "at positions **1 and 3-6**: 5 of 6" in one
    assert "recovers" not in one  # 30% first, 20% lowest: no real dip, however it ends
    dip = text.position_summary(position_view([0.9, 0.5, 0.3, 0.45]), models)
    assert "lowest point is position **3** (30%)" in dip and "**recovers** to 45%" in dip
    single = text.position_summary(position_view([0.7], [0.2]), models)
    assert "Inputs of **1 digit**" in single and "**70%**" in single and "**20%**" in single
    assert (
        text.positions_text([2]) == "2" and text.positions_text([1, 2, 5, 7, 8]) == "1-2, 5 and 7-8"
    )


# ---- 3 · copy a sequence yourself --------------------------------------------------------


def test_default_input_outputs_are_decode_outputs(pretrained) -> None:
    at = run_step(3)
    plain = decode(pretrained.rnn.model, DEFAULT_DIGITS)
    att = decode(pretrained.attention.model, DEFAULT_DIGITS)
    assert grid_row(at, "input") == plain.input_digits
    assert grid_row(at, "plain RNN") == plain.output_digits
    assert grid_row(at, "RNN + attention") == att.output_digits
    html = grid_html(at)
    wrong = len(plain.correct) - sum(plain.correct) + len(att.correct) - sum(att.correct)
    assert html.count("<del><strong>") == wrong + 1  # +1: the caption's example
    assert f"plain RNN · {sum(plain.correct)}/16 right" in html
    assert 'class="lab-table lab-digits"' in html and "style=" not in html  # no inline styles
    summary = text.copy_summary(view.copies(shipped_models(), plain.input_digits),
                                pretrained.rnn.config)  # fmt: skip
    assert summary in md(at)
    wrong_at = [i + 1 for i, ok in enumerate(plain.correct) if not ok]
    assert f"Plain RNN: **{sum(plain.correct)} of 16** digits right (wrong at positions " \
           f"{text.positions_text(wrong_at)})" in summary  # fmt: skip
    assert "within the training lengths (3-20)" in summary


def test_typed_digits_are_copied_by_both_models(pretrained) -> None:
    at = run_step(3)
    typed = "3 1 4 1 5 9 2 6 5 3 5 8 9 7 9 3 2 3 8 4 6 2 6"  # spaces are ignored
    at.text_input(key="rnn.digits").set_value(typed).run()
    for start, checkpoint in (
        ("plain RNN", pretrained.rnn),
        ("RNN + attention", pretrained.attention),
    ):
        assert grid_row(at, start) == decode(checkpoint.model, typed).output_digits
    assert not at.error
    assert at.session_state["lab.rnn.digits"] == typed.replace(" ", "")
    assert at.query_params["rnn_digits"] == typed.replace(" ", "")
    assert "Your input has **23** digits, longer than any training string (3-20)" in md(at)
    at.text_input(key="rnn.digits").set_value("12").run()
    assert "Your input has **2** digits, shorter than any training string (3-20)" in md(at)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12a45", "Only the digits 0-9 can be copied (spaces are ignored); not 'a'."),
        ("1,2;3", "not ',', ';'"),
        ("", "Type at least one digit"),
        ("   ", "Type at least one digit"),
        ("1" * 41, "At most 40 digits, got 41"),
        ("٣٤", "not '٣', '٤'"),  # Arabic-Indic digits: isdigit() but not 0-9
        ("1e5", "not 'e'"),
        ("nan", "not 'a', 'n'"),
    ],
)
def test_bad_input_gives_a_message_and_keeps_everything_else(typed: str, message: str) -> None:
    at = run_step(3, **{"rnn.position_length": 9, "rnn.decoder_step": 2})
    at.text_input(key="rnn.digits").set_value("98765").run()
    at.text_input(key="rnn.digits").set_value(typed).run()
    assert not at.exception
    (error,) = at.error
    assert message in error.value
    assert "Still showing the last valid input, 98765" in error.value
    assert grid_row(at, "input") == (9, 8, 7, 6, 5)
    assert at.session_state["lab.rnn.position_length"] == 9  # other settings kept
    assert at.session_state["lab.rnn.digits"] == "98765"
    open_step(at, 4)  # the other steps use the last valid input too
    assert at.slider(key="rnn.decoder_step").value == 2 and len(at.error) == 1
    at.text_input(key="rnn.digits").set_value("42").run()
    assert not at.error
    open_step(at, 3)
    assert grid_row(at, "input") == (4, 2)


def test_random_button_draws_digits_of_the_chosen_length(pretrained) -> None:
    torch_state, py_state = torch.random.get_rng_state(), random.getstate()
    at = run_step(3)
    at.number_input(key="rnn.random_length").set_value(25).run()
    at.button(key="rnn.random").click().run()
    first = at.text_input(key="rnn.digits").value
    assert len(first) == 25 and first.isdigit()
    assert first == controls.random_digits_text(25, 1)
    assert (
        grid_row(at, "RNN + attention") == decode(pretrained.attention.model, first).output_digits
    )
    at.button(key="rnn.random").click().run()
    assert at.text_input(key="rnn.digits").value == controls.random_digits_text(25, 2) != first
    assert torch.equal(torch.random.get_rng_state(), torch_state)  # the global RNGs untouched
    assert random.getstate() == py_state


def test_the_digit_grid_marks_wrong_digits_by_more_than_colour() -> None:
    copies = view.copies(shipped_models(), (1, 2, 3))
    plain = replace(copies.rnn, output_digits=(1, 7, 3), correct=(True, False, True))
    html = charts.digit_grid(replace(copies, rnn=plain))
    assert html.count("<del><strong>7</strong></del>") == 1
    assert 'title="position 2: wrong, the input has 2"' in html
    assert f'class="{charts.WRONG}"' in html and "plain RNN · 2/3 right" in html


# ---- 4 · where attention looks ------------------------------------------------------------


def test_alignment_table_is_the_decoders_weights(pretrained) -> None:
    at = run_step(4)
    att = decode(pretrained.attention.model, DEFAULT_DIGITS)
    frame = table(at, "Alignment matrix α (16, 16)")
    assert list(frame.columns[1:]) == [f"x{sup(j)}={d}" for j, d in enumerate(DEFAULT_DIGITS, 1)]
    assert [str(r).removeprefix("▶ ") for r in frame.iloc[:, 0]] == [
        f"y{sup(i)}={d}" for i, d in enumerate(att.output_digits, 1)
    ]
    for shown, expected in zip(exact_rows(frame), att.alignment.tolist(), strict=True):
        assert shown == pytest.approx(expected, abs=1e-6)
    assert frame.attrs["marked"] == 0  # decoder step 1 is the marked row
    diagonal = float(att.alignment.diagonal().mean())
    own = int((att.alignment.argmax(dim=-1) == torch.arange(16)).sum())
    assert f"**{pct(diagonal)}** of its weight on the input it has to copy" in md(at)
    assert f"**{own} of 16** steps weight their own position most" in md(at)
    assert "v_a^\\top \\tanh" in md(at)  # the formulas, in the step's text
    assert "Self-attention" in md(at) and "two sequences" in md(at) and "one sequence" in md(at)


def sup(n: int) -> str:
    from ui import fmt

    return fmt.sup(n)


def test_decoder_step_slider_shows_that_steps_weights_and_context(pretrained) -> None:
    at = run_step(4)
    at.slider(key="rnn.decoder_step").set_value(9).run()
    assert at.query_params["rnn_i"] == "9"
    att = decode(pretrained.attention.model, DEFAULT_DIGITS)
    weights = table(at, "Decoder step 9: energy and weight of each input")
    assert weights.attrs["marked"] == 8
    assert column(weights, "energy e₉ⱼ") == pytest.approx(att.energies[8].tolist(), abs=1e-6)
    assert column(weights, "weight α₉ⱼ", exact=False) == pytest.approx(
        att.alignment[8].tolist(), abs=PRINTED_4
    )
    j = int(att.alignment[8].argmax()) + 1
    context = table(at, "Context vector c₉")
    assert list(context.columns[1:]) == ["c₉", f"h{sub(j)}"]
    assert column(context, "c₉") == pytest.approx(att.context_vecs[8].tolist(), abs=1e-6)
    assert column(context, f"h{sub(j)}") == pytest.approx(att.encoder_states[j - 1].tolist(),
                                                         abs=1e-6)  # fmt: skip
    assert table(at, "Alignment matrix").attrs["marked"] == 8
    summary = text.step_summary(view.copies(shipped_models(), att.input_digits).attention, 9)
    assert summary in md(at)
    assert f"writes **y⁽⁹⁾ = {att.output_digits[8]}** (right)" in summary
    assert f"**{pct(float(att.alignment[8, j - 1]))}** of its weight on input position **j = {j}**" \
        in summary  # fmt: skip
    gap = float((att.context_vecs[8] - att.encoder_states[j - 1]).abs().max())
    assert f"by at most **{gap:.3f}** in any dimension" in md(at)
    at.slider(key="rnn.decoder_step").set_value(1).run()  # another step, another sentence
    j1 = int(att.alignment[0].argmax()) + 1
    gap1 = float((att.context_vecs[0] - att.encoder_states[j1 - 1]).abs().max())
    assert f"With {pct(float(att.alignment[0, j1 - 1]))} of the weight on h{sub(j1)}" in md(at)
    assert f"by at most **{gap1:.3f}** in any dimension" in md(at) and gap1 != gap
    at.slider(key="rnn.decoder_step").set_value(9).run()
    code = next(c.value for c in snippet_codes(at))
    assert "print(d.alignment[8])  # alpha_9j: where decoder step 9 looked" in code


def sub(n: int) -> str:
    from ui import fmt

    return fmt.sub(n)


def snippet_codes(at: AppTest):
    open_step(at, 7)
    return [c for c in at.code if "d.alignment[" in c.value]


def test_step_summary_for_a_wrong_step_and_a_stray_look() -> None:
    copies = view.copies(shipped_models(), (1, 2, 3))
    att = copies.attention
    stray = replace(
        att,
        output_digits=(1, 9, 3),
        correct=(True, False, True),
        alignment=((1.0, 0.0, 0.0), (0.7, 0.2, 0.1), (0.0, 0.0, 1.0)),
    )
    summary = text.step_summary(stray, 2)
    assert "writes **y⁽²⁾ = 9** (wrong: the input digit x⁽²⁾ is 2)" in summary
    assert "**70%** of its weight on input position **j = 1** (digit 1)" in summary
    assert "not the position it copies (2), which gets 20%" in summary
    assert "**2 of 3** steps weight their own position most" in text.alignment_summary(stray)


def test_decoder_step_is_clamped_when_the_input_gets_shorter() -> None:
    at = run_step(4)
    at.slider(key="rnn.decoder_step").set_value(16).run()
    at.text_input(key="rnn.digits").set_value("123").run()
    assert not at.exception
    assert at.slider(key="rnn.decoder_step").value == 3
    at.text_input(key="rnn.digits").set_value("7").run()  # one step: no slider at all
    assert not at.exception and not at.slider
    assert len(table(at, "Decoder step 1: energy").index) == 1


# ---- 5 · the bottleneck --------------------------------------------------------------------


def test_bottleneck_is_h_T_against_the_context_vectors(pretrained) -> None:
    at = run_step(5)
    plain = decode(pretrained.rnn.model, DEFAULT_DIGITS)
    att = decode(pretrained.attention.model, DEFAULT_DIGITS)
    frame = table(at, "What each decoder gets of the input")
    assert list(frame.columns[1:]) == ["h_T (plain)"] + [f"c{sub(i)}" for i in range(1, 17)]
    assert column(frame, "h_T (plain)") == pytest.approx(plain.bottleneck.tolist(), abs=1e-6)
    assert column(frame, "c₁₆") == pytest.approx(att.context_vecs[15].tolist(), abs=1e-6)
    assert "**64 numbers for all 16 digits** (4.0 per digit)" in md(at)
    assert "**16 × 64 = 1,024 numbers**" in md(at)
    at.text_input(key="rnn.digits").set_value("12345").run()
    assert "**64 numbers for all 5 digits** (12.8 per digit)" in md(at)
    assert "**5 × 64 = 320 numbers**" in md(at)


# ---- 6 · retrain live ----------------------------------------------------------------------


def test_retrain_controls_show_the_configs_parameter_counts() -> None:
    at = set_retrain(run_step(6), 16, (2, 9), 50, 5)
    config = controls.retrain_config(16, (2, 9), 50, 5)
    assert (config.hidden_size, config.min_length, config.max_length) == (16, 2, 9)
    counts = parameter_counts(config)
    assert f"{counts.rnn:,} parameters in the plain model, {counts.attention:,} with" in md(at)
    assert view.status(config_key(config)) is None  # nothing trains until asked
    assert at.query_params["rnn_hidden"] == "16"  # the share link follows
    assert at.query_params["rnn_train"] == "2-9" and at.query_params["rnn_steps"] == "50"
    assert at.query_params["rnn_seed"] == "5"


def test_the_shipped_settings_say_so() -> None:
    at = run_step(6)
    assert "The shipped checkpoints were trained with these settings" in md(at)


def test_loss_chart_and_table_are_the_recorded_losses(pretrained) -> None:
    at = run_step(6)
    _, data = chart(at, "Cross-entropy loss at each training step")
    plain = {p["step"]: p["loss"] for p in data["loss"] if p["model"] == "plain RNN"}
    assert sorted(plain) == [s + 1 for s in charts.loss_steps(800, 400)]  # every 2nd, and 800
    for step, loss in plain.items():
        assert loss == pytest.approx(pretrained.rnn.losses[int(step) - 1].item())
    frame = table(at, "Training loss at about 20 steps")
    steps = [int(s) for s in column(frame, "step")]
    assert steps[0] == 1 and steps[-1] == 800
    assert column(frame, "RNN + attention") == pytest.approx(
        [pretrained.attention.losses[s - 1].item() for s in steps], abs=1e-6
    )
    last = pretrained.rnn.losses[-50:].mean().item()
    assert f"plain RNN **{last:.4f}**" in md(at)
    assert f"trained together in {pretrained.rnn.train_seconds:.0f} s: 800 steps" in md(at)


def test_retrain_flow_swaps_in_the_trained_models(pretrained) -> None:
    """A real tiny training (H = 8, 20 steps) through the page: it switches every step to the
    new models, and every sentence follows them."""
    at = set_retrain(run_step(6), **TINY)
    at.button(key="rnn.train").click().run()
    config = tiny_config()
    key = config_key(config)
    assert view.status(key) is not None
    wait_until(at, switched)
    pair = view.jobs().result(key)
    assert pair is not None and pair.config == config
    radio = at.radio(key="rnn.models")
    assert radio.value == key and radio.options[0] == "Shipped checkpoints"
    assert radio.options[1] == "Retrained: H = 8, lengths 3-6, 20 steps, seed 3"
    assert "models retrained on this server" in md(at)
    assert "trained on strings of **3 to 6 digits**, 20 steps" in md(at)
    # the same config gives the same training, step for step (deterministic from the seed)
    reference = train_both(config)
    assert list(pair.rnn_losses) == pytest.approx(reference.rnn_losses.tolist(), abs=1e-6)
    assert "These are the models on the page now." in md(at)
    # step 1: the new curves, measured on 200 strings per length, and the sentences
    open_step(at, 1)
    curve = accuracy_by_length(pair.rnn, EVAL_LENGTHS, 200, DEFAULT_EVAL_SEED)
    assert line(at, "Copy accuracy against input length", "plain RNN", "length") == \
        pytest.approx(list(curve.accuracy))  # fmt: skip
    assert f"At length **6**, the longest the models trained on, the plain RNN copies " \
           f"**{pct(curve.at(6))}**" in md(at)  # fmt: skip
    assert "**200** random strings" in md(at) and "measured right after this training" in md(at)
    (band,) = chart(at, "Copy accuracy against input length")[1]["band"]
    assert band["label"] == "trained on lengths 3-6"
    counts = parameter_counts(config)
    assert f"**{counts.difference:,}** extra parameters" in md(at) and "(seed 3)" in md(at)
    # step 2 uses the same 200 strings
    open_step(at, 2)
    by_position = accuracy_by_position(pair.rnn, 20, 200, DEFAULT_EVAL_SEED).accuracy.tolist()
    assert f"Inputs of **20 digits** (200 random strings, seed 2024): the plain RNN gets the " \
           f"**first** digit right **{pct(by_position[0])}**" in md(at)  # fmt: skip
    # step 3: the new models copy the input
    open_step(at, 3)
    for start, model in (("plain RNN", pair.rnn), ("RNN + attention", pair.attention)):
        assert grid_row(at, start) == decode(model, DEFAULT_DIGITS).output_digits
    assert "longer than any training string (3-6)" in md(at)
    assert "These models trained on 3 to 6 digits" in at.text_input(key="rnn.digits").help
    open_step(at, 5)
    assert "**8 numbers for all 16 digits** (0.5 per digit)" in md(at)
    # step 7: the notebook code retrains this config; the CLI says it is for the shipped ones
    open_step(at, 7)
    code = "\n".join(c.value for c in at.code)
    assert "num_steps=20, seed=3)" in code and "hidden_size=8, attention_size=8" in code
    assert "evaluates the SHIPPED checkpoints, not your retrained models" in code
    # back to the shipped models
    at.radio(key="rnn.models").set_value(SHIPPED).run()
    open_step(at, 3)
    assert grid_row(at, "plain RNN") == decode(pretrained.rnn.model, DEFAULT_DIGITS).output_digits


def test_progress_follows_a_running_job_on_every_step_and_its_failure(monkeypatch) -> None:
    gate, halfway = threading.Event(), threading.Event()

    def train(config, callback):  # 5 of 20 steps, then it waits, then it fails
        for step in range(1, 6):
            callback(step, 2.0 / step, 1.0 / step)
        halfway.set()
        assert gate.wait(30)
        raise RuntimeError("out of patience")

    runner = TrainingJobs(train=train, eval_samples=5)
    monkeypatch.setattr(view, "jobs", lambda: runner)
    at = set_retrain(run_step(6), 16, (3, 8), 20, 1)
    at.button(key="rnn.train").click().run()
    assert halfway.wait(30)
    at.run()
    (bar,) = at.get("progress")
    assert bar.proto.text.startswith("Training both models: step 5 of 20, about ")
    assert bar.proto.value == 25  # percent
    live = chart(at, "Training loss so far")[1]["loss"]
    assert [p["loss"] for p in live if p["model"] == "plain RNN"] == [2.0 / s for s in range(1, 6)]
    assert "Already training on this server: Train follows that run." in md(at)
    open_step(at, 3)  # the models line polls on every step; the live chart stays in step 6
    assert len(at.get("progress")) == 1
    assert not [c for c in charts_on(at) if c[0].get("title") == "Training loss so far"]
    gate.set()
    wait_until(at, lambda a: bool(a.error))
    assert "The training you started failed: RuntimeError: out of patience" in at.error[0].value
    assert not at.get("progress") and at.session_state["lab.rnn.watching"] == ""
    assert "the shipped checkpoints" in md(at)


def test_asking_for_a_finished_config_switches_at_once(fake_jobs) -> None:
    config = controls.retrain_config(8, (3, 6), 20, 3)
    fake_jobs.wait(fake_jobs.submit(config).key)
    at = set_retrain(run_step(6), 8, (3, 6), 20, 3)
    assert "Already trained on this server" in md(at)
    at.button(key="rnn.train").click().run()
    wait_until(at, switched)  # one poll: the job is done already
    assert len(fake_jobs.calls) == 1


def test_a_retrained_pair_near_chance_gets_honest_sentences(fake_jobs) -> None:
    """Untrained models (the fake trainer): step 1 and 2 say what their numbers show."""
    at = set_retrain(run_step(6), 8, (3, 6), 20, 9)
    at.button(key="rnn.train").click().run()
    wait_until(at, switched)
    models = view.models(config_key(controls.retrain_config(8, (3, 6), 20, 9)))
    fake = [2.0 / s for s in range(1, 21)]  # the fake trainer's losses
    assert f"Mean loss over the last 20 steps: plain RNN **{sum(fake) / 20:.4f}**, RNN + " \
           f"attention **{sum(fake) / 40:.4f}**" in md(at)  # fmt: skip
    open_step(at, 1)
    assert text.length_summary(models) in md(at)
    assert "not the shape of Bahdanau's Fig. 2" in md(at)
    open_step(at, 2)
    positions = view.positions(models, 20)
    assert positions.num_samples == 20
    assert text.position_summary(positions, models) in md(at)


def test_a_busy_server_says_so_and_keeps_the_page(monkeypatch) -> None:
    full = TrainingJobs(max_running=0, max_queued=0)  # takes no job at all
    monkeypatch.setattr(view, "jobs", lambda: full)
    at = run_step(6)
    at.select_slider(key="rnn.train_steps").set_value(20).run()
    at.button(key="rnn.train").click().run()
    assert not at.exception
    (warning,) = at.warning
    assert "The lab is busy" in warning.value and "the models on the page stay" in warning.value
    assert "the shipped checkpoints" in md(at) and not at.get("progress")


def test_dropped_models_fall_back_to_the_shipped_ones(fake_jobs) -> None:
    key = fake_jobs.submit(controls.retrain_config(8, (3, 6), 20, 4)).key
    fake_jobs.wait(key)
    at = run_page(PAGE, **{"rnn.models": key})
    assert at.radio(key="rnn.models").value == key and "retrained on this server" in md(at)
    fake_jobs._forget(fake_jobs._by_key[key])  # the runner dropped it to make room
    at.run()
    assert "were dropped to make room" in at.warning[0].value
    assert "the shipped checkpoints" in md(at) and not at.radio


# ---- 7 · the code ------------------------------------------------------------------------------


def test_sources_and_snippets_show_the_code_that_ran() -> None:
    at = run_step(7)
    code = "\n".join(c.value for c in at.code)
    for name in ("def bahdanau_attention", "def step(", "def encode(", "def greedy_decode",
                 "def accuracy_by_position", "def accuracy_by_length"):  # fmt: skip
        assert name in code
    assert "\ndef step(" in code  # methods dedented to the margin
    assert "python -m attention.seq2seq evaluate --json" in code
    assert f'decode(model, "{DEFAULT_DIGITS}")' in code
    for key, source in (("rnn.code_length", "def accuracy_by_length"),
                        ("rnn.code_train", "def train_both")):  # fmt: skip
        at = run_step(1 if key == "rnn.code_length" else 6)
        assert source not in "\n".join(c.value for c in at.code)  # closed: not built
        at.session_state[key] = True
        at.run()
        assert source in "\n".join(c.value for c in at.code)


def test_notebook_snippet_runs_and_prints_what_the_page_shows(pretrained) -> None:
    at = run_step(3)
    at.text_input(key="rnn.digits").set_value("90210").run()
    at.session_state["lab.rnn.position_length"] = 6
    at.session_state["lab.rnn.decoder_step"] = 4
    open_step(at, 7)
    code = next(c.value for c in at.code if "d.alignment[" in c.value)
    assert code == snippet.reproduce(shipped_models(), (9, 0, 2, 1, 0), 4, 6)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, {})
    lines = printed.getvalue().splitlines()
    assert lines[0] == f"rnn {round(pretrained.rnn.accuracy.at(20), 4)}"
    assert lines[1] == f"attention {round(pretrained.attention.accuracy.at(20), 4)}"
    plain = decode(pretrained.rnn.model, "90210")
    assert f"rnn {''.join(map(str, plain.output_digits))} {plain.accuracy:.0%}" in lines
    assert "attention 90210 100%" in lines
    assert "torch.Size([5, 5])" in lines


# ---- the frame: reveal, projector, reset, links ---------------------------------------------


def test_reveal_mode_shows_one_step_at_a_time() -> None:
    at = run_page(PAGE, reveal=True)
    assert at.segmented_control(key="rnn.steps").options == [f"1 · {STEP_NAMES[0]}"]
    for expected in range(2, 8):
        at.button(key="rnn.next_step").click().run()
        assert not at.exception
        assert len(at.segmented_control(key="rnn.steps").options) == expected
        assert at.session_state["lab.rnn.step"] == expected
    at.button(key="rnn.start_over").click().run()
    assert len(at.segmented_control(key="rnn.steps").options) == 1


def test_every_step_opens_from_the_step_picker() -> None:
    at = run_page(PAGE)
    for k in range(1, 8):
        at.segmented_control(key="rnn.steps").set_value(f"{k} · {STEP_NAMES[k - 1]}").run()
        assert not at.exception, k
        assert any(m.value.startswith(f"## {k} · ") for m in at.markdown), k
    at.button(key="rnn.previous_step").click().run()
    assert at.session_state["lab.rnn.step"] == 6 and not at.exception
    assert at.query_params["rnn_step"] == "6"


def test_projector_mode_enlarges_chart_and_table_text() -> None:
    at = run_page(PAGE)
    normal = chart(at, "Copy accuracy against input length")[0]["config"]["axis"]["labelFontSize"]
    at.toggle(key="rnn.projector").set_value(True).run()
    big = chart(at, "Copy accuracy against input length")[0]["config"]["axis"]["labelFontSize"]
    assert big > normal
    assert any("lab-projector" in h.value for h in at.html)


def test_reset_button_brings_back_the_defaults() -> None:
    at = run_step(3)
    at.text_input(key="rnn.digits").set_value("555").run()
    at.session_state["lab.rnn.position_length"] = 5
    reset = next(b for b in at.sidebar.button if "Reset" in b.label)
    reset.click().run()
    assert not at.exception
    open_step(at, 3)
    assert at.text_input(key="rnn.digits").value == DEFAULT_DIGITS
    open_step(at, 2)
    assert at.slider(key="rnn.position_length").value == 20


def test_a_link_opens_the_page_as_shared() -> None:
    at = run_link(PAGE, rnn_step="4", rnn_digits="31415", rnn_i="3")
    assert at.text_input(key="rnn.digits").value == "31415"
    assert at.slider(key="rnn.decoder_step").value == 3
    assert table(at, "Alignment matrix α (5, 5)").attrs["marked"] == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rnn_digits": "12a"}, "`?rnn_digits=12a` was ignored: Only the digits 0-9"),
        ({"rnn_len": "99"}, "`?rnn_len=99` was ignored: rnn_len must be between 1 and 30"),
        ({"rnn_hidden": "7"}, "`?rnn_hidden=7` was ignored: rnn_hidden must be one of 8, 16"),
        ({"rnn_train": "20-3"}, "the shortest length comes first"),
        ({"rnn_train": "nan"}, "write the shortest and longest"),
        ({"rnn_steps": "inf"}, "rnn_steps must be one of 20, 50"),
        ({"rnn_seed": "-1"}, "rnn_seed must be between 0 and"),
        ({"rnn_i": "x"}, "rnn_i is 'x', not a whole number"),
        ({"rnn_step": "9"}, "rnn_step must be between 1 and 7"),
    ],
)
def test_a_tampered_link_says_what_it_ignored(params: dict, message: str) -> None:
    at = run_link(PAGE, rnn_random="5", **params)
    assert not at.exception
    assert any(message in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.session_state["lab.rnn.random_length"] == 5  # the rest of the link applies


# ---- small helpers -------------------------------------------------------------------------


def test_parse_input_accepts_digits_and_spaces_only() -> None:
    assert controls.parse_input(" 12 3 ") == (1, 2, 3)
    assert controls.parse_input("0" * 40) == (0,) * 40
    for bad in ("", "x", "1.5", "-1", "9" * 41, "²"):
        with pytest.raises(InputError):
            controls.parse_input(bad)


def test_parse_lengths() -> None:
    assert controls.parse_lengths("3-20") == (3, 20)
    for bad in ("3", "0-5", "5-31", "9-2", "a-b"):
        with pytest.raises(InputError):
            controls.parse_lengths(bad)


def test_status_text_says_where_a_job_is() -> None:
    train, _ = fake_trainer(threading.Event())
    runner = TrainingJobs(train=train, max_running=1, max_queued=2)
    a = runner.submit(replace(tiny_config(), seed=1))
    b = runner.submit(replace(tiny_config(), seed=2))
    assert text.status_text(a, EVAL_LENGTHS) == "Training both models: step 0 of 20."
    assert text.status_text(b, EVAL_LENGTHS).startswith("Waiting for a free slot")
    assert "(yours is next)" in text.status_text(b, EVAL_LENGTHS)


# ---- the browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_rnn_copy_step_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}/RNN_vs_attention?rnn_step=3")
    assert_no_exception(page)
    box = page.get_by_role("textbox", name="Digits to copy (0-9, 1 to 40 of them)")
    act(page, lambda: (box.fill("1234567890123456789012"), box.press("Enter")))
    assert_no_exception(page)
    grid_box = page.locator(".lab-digits")
    grid_box.get_by_text("RNN + attention · 22/22 right").wait_for()
    right = sum(decode(load_pretrained().rnn.model, "1234567890123456789012").correct)
    assert grid_box.get_by_text(f"plain RNN · {right}/22 right").count() == 1
    assert "rnn_digits=1234567890123456789012" in page.url
    act(page, lambda: (box.fill("12x"), box.press("Enter")))
    page.get_by_text("Only the digits 0-9 can be copied").wait_for()
    assert_no_exception(page)


@pytest.mark.browser
@pytest.mark.parametrize("step", [1, 3, 4, 5])
def test_rnn_page_fits_a_phone_and_wide_tables_scroll_in_their_box(
    server: str, phone, step: int
) -> None:
    digits = "1234567890" * 4
    open_app(phone, f"{server}/RNN_vs_attention?rnn_step={step}&rnn_digits={digits}")
    assert_no_exception(phone)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    if step == 3:
        box = phone.locator(".lab-digits")
        box.scroll_into_view_if_needed()  # off screen, content-visibility skips its layout
        # the grid scrolls in its own box, not the page
        phone.wait_for_function(
            "() => { const e = document.querySelector('.lab-digits');"
            " return e.scrollWidth > e.clientWidth; }"
        )
        assert box.get_attribute("tabindex") == "0"  # reachable by keyboard


@pytest.mark.browser
def test_rnn_decoder_step_slider_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}/RNN_vs_attention?rnn_step=4")
    handle = page.locator(f"{key_selector('rnn.decoder_step')} input[type=range]")
    act(page, lambda: (handle.focus(), handle.press("ArrowRight")))
    assert_no_exception(page)
    assert "rnn_i=2" in page.url
    page.get_by_text("Decoder step 2: energy and weight").wait_for()


@pytest.mark.browser
def test_rnn_retrain_polls_and_switches_in_chromium(server: str, page) -> None:
    """A real tiny training on the test server: the progress fragment polls, then the page
    switches to the new models on its own."""
    open_app(page, f"{server}/RNN_vs_attention?rnn_step=6&rnn_hidden=8&rnn_train=3-6"
                   "&rnn_steps=20&rnn_seed=21")  # fmt: skip
    act(page, page.locator(key_selector("rnn.train")).get_by_role("button").click)
    page.get_by_text("Now showing your retrained models").wait_for(timeout=120_000)
    settle(page)
    assert_no_exception(page)
    assert page.get_by_text("trained on strings of 3 to 6 digits").count() == 1
    radio = page.get_by_role("radiogroup")
    assert radio.get_by_text("Retrained: H = 8, lengths 3-6, 20 steps, seed 21").count() == 1
