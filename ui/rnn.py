"""Glue for the "RNN vs attention" page: models, cached measurements, charts and live training.

The page never touches a tensor: everything here turns the core's results
(:mod:`attention.seq2seq`) into plain lists, tables, HTML and Vega-Lite specs.

    ModelPair             the two models the page shows (shipped or retrained), with their
                          recorded accuracy curves and loss curves
    shipped_pair          the shipped checkpoints, loaded once per process (st.cache_resource)
    decodings, ...        cached measurements keyed on primitives (a source key and digits)
    TrainingRegistry      a bounded, process-wide set of background training jobs keyed by the
                          frozen Seq2SeqConfig: one student's training never blocks another's
                          page, and two students asking for the same config share one job
    *_chart               Vega-Lite specs built once per layout, data filled in per rerun
"""

from __future__ import annotations

import functools
import html
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from attention.seq2seq import (
    DEFAULT_EVAL_SEED,
    LengthAccuracy,
    Seq2SeqConfig,
    Seq2SeqGRU,
    TrainedPair,
    accuracy_by_length,
    accuracy_by_position,
    decode,
    load_pretrained,
    parameter_counts,
    parse_digits,
    train_both,
)
from ui import charts, compute  # compute: torch runs on one thread, process-wide
from ui.inputs import InputError
from ui.state import get_settings

PAGE = "rnn"
SHIPPED = "shipped"  # the source key of the shipped checkpoints
MAX_INPUT_LENGTH = 40  # the page's limit (a 40 x 40 alignment heatmap still has cell labels)
EVAL_LENGTHS = tuple(range(1, 31))  # the accuracy curves: trained on 3-20, tested up to 30
POSITION_SAMPLES = 300  # random sequences per length for accuracy by position
RETRAIN_EVAL_SAMPLES = 200  # per length, for a retrained pair's accuracy curve
DEFAULT_DIGITS = "2718281828459045"  # e: the plain model gets the first digits, then drifts
HIDDEN_SIZES = (8, 16, 32, 64, 128)
STEP_CHOICES = (20, 50, 100, 200, 400, 800)
CHANCE = 1 / 10  # guessing one of ten digits

# Okabe-Ito colours: told apart with every common colour-vision deficiency
RNN_COLOR = "#E69F00"  # orange
ATTENTION_COLOR = "#0072B2"  # blue
WRONG_COLOR = "#D55E00"  # vermillion
MODEL_NAMES = {"rnn": "plain RNN", "attention": "RNN + attention"}

_ = compute  # imported for its side effect: torch.set_num_threads(1)


# ---- the models on the page ------------------------------------------------------------------


@dataclass(frozen=True)
class ModelPair:
    """The plain and the attention model the page shows, with what their training recorded.

    ``key`` is ``"shipped"`` or a retrained job's key; cached measurements are keyed on it.
    """

    key: str
    label: str
    config: Seq2SeqConfig
    rnn: Seq2SeqGRU
    attention: Seq2SeqGRU
    rnn_curve: LengthAccuracy
    attention_curve: LengthAccuracy
    rnn_losses: tuple[float, ...]
    attention_losses: tuple[float, ...]
    train_seconds: float

    def model(self, kind: str) -> Seq2SeqGRU:
        return self.attention if kind == "attention" else self.rnn


def config_label(config: Seq2SeqConfig) -> str:
    """The four settings a student can change, in words."""
    return (
        f"hidden {config.hidden_size}, lengths {config.min_length}-{config.max_length}, "
        f"{config.num_steps} steps, seed {config.seed}"
    )


def config_key(config: Seq2SeqConfig) -> str:
    """A stable text key for a retrained config: the fields that differ from the defaults."""
    default = Seq2SeqConfig()
    diff = [
        f"{f.name}={getattr(config, f.name)}"
        for f in fields(Seq2SeqConfig)
        if getattr(config, f.name) != getattr(default, f.name)
    ]
    return "retrained:" + (",".join(diff) or "defaults")


def retrain_config(
    hidden_size: int, lengths: tuple[int, int], num_steps: int, seed: int
) -> Seq2SeqConfig:
    """The config behind the page's retrain controls (attention_size follows hidden_size)."""
    return replace(
        Seq2SeqConfig(),
        hidden_size=int(hidden_size),
        attention_size=int(hidden_size),
        min_length=int(lengths[0]),
        max_length=int(lengths[1]),
        num_steps=int(num_steps),
        seed=int(seed),
    )


@st.cache_resource(show_spinner=False)
def shipped_pair() -> ModelPair:
    """The shipped checkpoints (loaded once per process, shared: never mutate them)."""
    pretrained = load_pretrained()
    rnn, att = pretrained.rnn, pretrained.attention
    return ModelPair(
        key=SHIPPED,
        label=f"shipped checkpoints ({config_label(rnn.config)})",
        config=rnn.config,
        rnn=rnn.model,
        attention=att.model,
        rnn_curve=rnn.accuracy,
        attention_curve=att.accuracy,
        rnn_losses=tuple(rnn.losses.tolist()),
        attention_losses=tuple(att.losses.tolist()),
        train_seconds=rnn.train_seconds,
    )


def model_pair(key: str) -> ModelPair | None:
    """The pair behind a source key: shipped, or a finished job (None if it was dropped)."""
    if key == SHIPPED:
        return shipped_pair()
    return registry().result(key)


# ---- cached measurements (keyed on primitives) -----------------------------------------------


def _existing_pair(key: str) -> ModelPair:
    pair = model_pair(key)
    if pair is None:  # an exception is not cached: a retrained pair may come back later
        raise LookupError(f"no models under {key!r} (dropped from the registry)")
    return pair


@dataclass(frozen=True)
class DecodingView:
    """One model's greedy copy of the input, as plain lists for the page.

    ``alignment``/``energies`` are (T_out, T_in) and ``context_vecs`` (T_out, H) for the
    attention model, empty for the plain one; ``bottleneck`` is h_T, (H,).
    """

    kind: str
    input_digits: tuple[int, ...]
    output_digits: tuple[int, ...]
    correct: tuple[bool, ...]
    bottleneck: list[float]
    energies: list[list[float]]
    alignment: list[list[float]]
    context_vecs: list[list[float]]

    @property
    def num_correct(self) -> int:
        return sum(self.correct)


@st.cache_data(max_entries=256, show_spinner=False)
def decodings(key: str, digits: tuple[int, ...]) -> tuple[DecodingView, DecodingView]:
    """Both models' greedy copies of ``digits`` (LookupError, never cached, if the pair is gone)."""
    pair = _existing_pair(key)

    def view(kind: str) -> DecodingView:
        d = decode(pair.model(kind), digits)
        return DecodingView(
            kind,
            d.input_digits,
            d.output_digits,
            d.correct,
            d.bottleneck.tolist(),
            [] if d.energies is None else d.energies.tolist(),
            [] if d.alignment is None else d.alignment.tolist(),
            [] if d.context_vecs is None else d.context_vecs.tolist(),
        )

    return view("rnn"), view("attention")


@st.cache_data(max_entries=128, show_spinner=False)
def position_accuracy(key: str, length: int) -> tuple[list[float], list[float]]:
    """Accuracy at each output position, plain then attention (``POSITION_SAMPLES`` sequences)."""
    pair = _existing_pair(key)
    plain, att = (
        accuracy_by_position(pair.model(kind), length, POSITION_SAMPLES, DEFAULT_EVAL_SEED)
        for kind in ("rnn", "attention")
    )
    return plain.accuracy.tolist(), att.accuracy.tolist()


@functools.lru_cache(maxsize=32)
def parameter_table(config: Seq2SeqConfig) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Both totals, and where the attention model's extra parameters sit (cached: read only)."""
    counts = parameter_counts(config)
    totals = pd.DataFrame(
        {"model": [MODEL_NAMES["rnn"], MODEL_NAMES["attention"]],
         "parameters": [counts.rnn, counts.attention]}
    )  # fmt: skip
    extra = pd.DataFrame(
        {"attention-only part": [name for name, _ in counts.attention_parts],
         "parameters": [n for _, n in counts.attention_parts]}
    )  # fmt: skip
    return totals, extra, counts.rnn, counts.attention


def parameters_markdown(config: Seq2SeqConfig) -> str:
    """Both models' parameter counts and the attention model's extra parts, as markdown tables."""
    totals, extra, n_rnn, n_attention = parameter_table(config)
    rows = "\n".join(
        f"| {m} | {n:,} |" for m, n in zip(totals["model"], totals["parameters"], strict=True)
    )
    parts = "\n".join(
        f"| {name} | {n:,} |"
        for name, n in zip(extra["attention-only part"], extra["parameters"], strict=True)
    )
    return (
        f"| model | parameters |\n|---|---:|\n{rows}\n\n"
        f"| attention-only part | parameters |\n|---|---:|\n{parts}\n"
        f"| **all of them** | **{n_attention - n_rnn:,}** |"
    )


def curve_frame(pair: ModelPair) -> pd.DataFrame:
    """Accuracy by input length, both models, one row per length."""
    frame = pd.DataFrame(
        {
            "length": list(pair.rnn_curve.lengths),
            MODEL_NAMES["rnn"]: list(pair.rnn_curve.accuracy),
            MODEL_NAMES["attention"]: list(pair.attention_curve.accuracy),
        }
    )
    lo, hi = pair.config.min_length, pair.config.max_length
    frame["trained on"] = ["✓" if lo <= n <= hi else "" for n in frame["length"]]
    return frame.set_index("length")


def length_summary(pair: ModelPair) -> str:
    """The curves in words: at the longest training length, and at 30 if that is longer."""
    hi = pair.config.max_length
    rnn_curve, att_curve = pair.rnn_curve, pair.attention_curve
    text = (
        f"At length **{hi}**, the longest it trained on, the plain RNN copies "
        f"**{rnn_curve.at(hi):.0%}** of the digits and the attention model "
        f"**{att_curve.at(hi):.0%}**. "
    )
    longest = max(rnn_curve.lengths)
    if hi < longest:
        text += (
            f"At **{longest}**, longer than anything either saw: **{rnn_curve.at(longest):.0%}** "
            f"against **{att_curve.at(longest):.0%}**. "
        )
    return text + (
        f"(Each point: {rnn_curve.num_samples} random strings of that length, seed "
        f"{rnn_curve.seed}, measured when the models were trained.)"
    )


def position_frame(rnn_acc: Sequence[float], attention_acc: Sequence[float]) -> pd.DataFrame:
    """Accuracy by output position, both models, indexed by position."""
    frame = pd.DataFrame(
        {MODEL_NAMES["rnn"]: list(rnn_acc), MODEL_NAMES["attention"]: list(attention_acc)},
        index=pd.RangeIndex(1, len(rnn_acc) + 1, name="position"),
    )
    return frame


def position_summary(rnn_acc: Sequence[float], attention_acc: Sequence[float]) -> str:
    """What the accuracy-by-position curves show, in words, with their numbers."""
    below_half = first_below(rnn_acc, 0.5)
    where = (
        f"from position **{below_half}** on it is wrong more often than right"
        if below_half
        else "it stays above 50% at every position"
    )
    return (
        f"Inputs of **{len(rnn_acc)} digits** ({POSITION_SAMPLES} random strings): the plain RNN "
        f"gets the **first** digit right **{rnn_acc[0]:.0%}** of the time and the **last** one "
        f"**{rnn_acc[-1]:.0%}**; {where}. The attention model's worst position scores "
        f"**{min(attention_acc):.0%}**."
    )


def first_below(values: Sequence[float], threshold: float) -> int | None:
    """The first 1-based position whose value is below ``threshold``, or None."""
    return next((i + 1 for i, v in enumerate(values) if v < threshold), None)


# ---- the input sequence ----------------------------------------------------------------------


def parse_input(text: str) -> tuple[int, ...]:
    """The digits typed by a student; a readable ``InputError`` for anything else."""
    stripped = "".join(text.split())
    if not stripped:
        raise InputError("Type at least one digit (0-9) to copy.")
    bad = sorted({ch for ch in stripped if ch not in "0123456789"})
    if bad:
        shown = ", ".join(f"'{ch}'" for ch in bad[:5])
        raise InputError(f"Only the digits 0-9 can be copied (spaces are ignored); not {shown}.")
    if len(stripped) > MAX_INPUT_LENGTH:
        raise InputError(
            f"At most {MAX_INPUT_LENGTH} digits, got {len(stripped)}: the models were trained on "
            "3-20 and the charts stay readable up to 40."
        )
    return parse_digits(stripped)


def random_digits_text(length: int, draw: int) -> str:
    """``length`` random digits, draw number ``draw``: a local generator, never the global one."""
    rng = random.Random(f"rnn-page-{length}-{draw}")
    return "".join(str(rng.randrange(10)) for _ in range(length))


def digits_text(digits: Iterable[int]) -> str:
    return "".join(str(d) for d in digits)


def outputs_html(rnn: DecodingView, attention: DecodingView) -> str:
    """The input and both outputs side by side, one cell per digit, wrong digits in vermillion.

    Wrong cells are also struck through and bold, so the colour is not the only cue.
    """
    cell = (
        "padding:2px 0;min-width:1.6em;width:1.6em;text-align:center;font-family:monospace;"
        "font-size:1.15em;"
    )
    head = "padding:2px 8px 2px 0;text-align:right;white-space:nowrap;font-weight:600;"

    def row(name: str, digits: Sequence[int], correct: Sequence[bool] | None) -> str:
        cells = []
        for i, d in enumerate(digits):
            if correct is None:
                style = "background:#eeeeee;"
            elif correct[i]:
                style = "background:#e3eef8;"
            else:
                style = (
                    f"background:{WRONG_COLOR};color:white;font-weight:700;"
                    "text-decoration:line-through;"
                )
            tip = "" if correct is None else (' title="right"' if correct[i] else ' title="wrong"')
            cells.append(f'<td style="{cell}{style}"{tip}>{d}</td>')
        return f'<tr><th style="{head}">{html.escape(name)}</th>{"".join(cells)}</tr>'

    positions = "".join(
        f'<td style="{cell}font-size:0.75em;color:#555;">{i + 1}</td>'
        for i in range(len(rnn.input_digits))
    )
    score = lambda v: f"{v.num_correct}/{len(v.correct)} right"  # noqa: E731
    rows = [
        f'<tr><th style="{head}font-weight:400;color:#555;">position</th>{positions}</tr>',
        row("input", rnn.input_digits, None),
        row(f"{MODEL_NAMES['rnn']} · {score(rnn)}", rnn.output_digits, rnn.correct),
        row(
            f"{MODEL_NAMES['attention']} · {score(attention)}",
            attention.output_digits,
            attention.correct,
        ),
    ]
    return (
        '<div style="overflow-x:auto"><table style="border-collapse:separate;border-spacing:2px;'
        f'border:none">{"".join(rows)}</table></div>'
    )


def outputs_frame(rnn: DecodingView, attention: DecodingView) -> pd.DataFrame:
    """The same as a plain table: one row per position."""
    return pd.DataFrame(
        {
            "position": list(range(1, len(rnn.input_digits) + 1)),
            "input": list(rnn.input_digits),
            MODEL_NAMES["rnn"]: list(rnn.output_digits),
            "plain right?": ["✓" if c else "✗" for c in rnn.correct],
            MODEL_NAMES["attention"]: list(attention.output_digits),
            "attention right?": ["✓" if c else "✗" for c in attention.correct],
        }
    )


def input_labels(digits: Sequence[int]) -> list[str]:
    """Column labels of the alignment matrix: ``x3=1`` = the input digit at position 3 is 1."""
    return [f"x{j + 1}={d}" for j, d in enumerate(digits)]


def output_labels(digits: Sequence[int]) -> list[str]:
    """Row labels of the alignment matrix: ``y3=1`` = decoder step 3 wrote 1."""
    return [f"y{i + 1}={d}" for i, d in enumerate(digits)]


def step_frame(attention: DecodingView, step: int) -> pd.DataFrame:
    """Decoder step ``step`` (1-based): energy e_j and weight alpha_j of every input position."""
    i = step - 1
    return pd.DataFrame(
        {
            "input digit": [str(d) for d in attention.input_digits],
            "energy e_j": attention.energies[i],
            "weight α_j": attention.alignment[i],
        },
        index=pd.RangeIndex(1, len(attention.input_digits) + 1, name="j"),
    )


def strongest_input(attention: DecodingView, step: int) -> tuple[int, float]:
    """The 1-based input position that decoder step ``step`` weights most, and its weight."""
    row = attention.alignment[step - 1]
    j = max(range(len(row)), key=row.__getitem__)
    return j + 1, row[j]


def diagonal_weight(attention: DecodingView) -> float:
    """Mean weight a decoder step puts on the input position it copies: mean of alpha_ii."""
    rows = attention.alignment
    return sum(row[i] for i, row in enumerate(rows)) / len(rows)


def vectors_frame(columns: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Vectors side by side: one column each, one row per hidden dimension."""
    frame = pd.DataFrame({name: list(values) for name, values in columns.items()})
    frame.index = [f"dim {k + 1}" for k in range(len(frame))]
    return frame


# ---- snippets ----------------------------------------------------------------------------------


def reproduce_snippet(pair: ModelPair, digits: Sequence[int], step: int) -> str:
    """Notebook code that loads (or retrains) the models and decodes the current input."""
    text = digits_text(digits)
    if pair.key == SHIPPED:
        load = (
            "from attention.seq2seq import load_pretrained, decode\n\n"
            "pretrained = load_pretrained()  # attention/checkpoints/{rnn,attention}.pt\n"
            "rnn, attention = pretrained.rnn.model, pretrained.attention.model\n"
        )
    else:
        c = pair.config
        load = (
            "from attention.seq2seq import Seq2SeqConfig, decode, train_both\n\n"
            f"config = Seq2SeqConfig(hidden_size={c.hidden_size}, attention_size={c.attention_size}, "
            f"min_length={c.min_length},\n"
            f"                       max_length={c.max_length}, num_steps={c.num_steps}, "
            f"seed={c.seed})\n"
            "torch.set_num_threads(1)  # the page trains on one thread: same numbers\n"
            "pair = train_both(config)\n"
            "rnn, attention = pair.rnn, pair.attention\n"
        )
        load = "import torch\n" + load
    return (
        f"{load}\n"
        f"for model in (rnn, attention):\n"
        f'    d = decode(model, "{text}")\n'
        f'    print(d.kind, "".join(map(str, d.output_digits)), f"{{d.accuracy:.0%}}")\n\n'
        f'd = decode(attention, "{text}")\n'
        f"print(d.alignment.shape)  # (T_out, T_in) = ({len(digits)}, {len(digits)})\n"
        f"print(d.alignment[{step - 1}])  # where decoder step {step} looked\n"
        f"print(d.context_vecs[{step - 1}])  # its context vector c_{step}\n"
        "print(decode(rnn, " + f'"{text}"' + ").bottleneck)  # h_T: all the plain decoder gets\n"
    )


CLI_SNIPPET = """# token accuracy by input length, both shipped models (what the first chart shows)
python -m attention.seq2seq evaluate --json
# retrain both from the seed and rewrite attention/checkpoints/*.pt
python -m attention.seq2seq train
"""


# ---- charts: built once per layout, data filled in on each rerun -----------------------------
#
# Each chart's Altair spec is built once per layout (titles, options, projector fonts) and kept
# as JSON; a rerun only attaches the numbers as named Arrow datasets. Titles hold no number a
# control changes (those go in the text beside the chart), so the spec stays the same and the
# browser can put new data into the chart it already drew instead of building a new one.


Records = list[dict[str, Any]]


def _projector() -> bool:
    return get_settings().projector


def _to_template(chart: alt.TopLevelMixin, description: str) -> str:
    """The chart as Vega-Lite JSON: full width, drawn on a canvas, described for screen readers.

    A canvas is repainted in one pass when the numbers change; SVG would replace hundreds of
    DOM nodes (the accuracy lines with their points took ~35 ms to redraw after each move of
    the length slider). The numbers are in the table beside each chart.
    """
    spec = charts.configure(chart).to_dict(validate=False)
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    spec["description"] = description
    return json.dumps(spec)


def arrow_bytes(records: Records) -> bytes:
    """Records as Arrow IPC bytes: Streamlit sends them as they are (no pandas on the way)."""
    table = pa.Table.from_pylist(records)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _fill(template: str, data: Mapping[str, Records]) -> dict:
    """A fresh spec from a cached template, its named datasets attached."""
    spec = json.loads(template)
    spec["datasets"] = {name: arrow_bytes(records) for name, records in data.items()}
    return spec


def _model_color() -> alt.Color:
    names = [MODEL_NAMES["rnn"], MODEL_NAMES["attention"]]
    return alt.Color(
        "model:N",
        title="model",
        scale=alt.Scale(domain=names, range=[RNN_COLOR, ATTENTION_COLOR]),
        legend=alt.Legend(orient="bottom", direction="horizontal"),
    )


def _long(xs: Sequence[int], rnn: Sequence[float], attention: Sequence[float], x: str) -> Records:
    return [
        {x: int(n), "model": MODEL_NAMES[kind], "accuracy": float(a)}
        for kind, values in (("rnn", rnn), ("attention", attention))
        for n, a in zip(xs, values, strict=True)
    ]


@functools.lru_cache(maxsize=64)
def _accuracy_template(x: str, x_title: str, title: str, band: bool, projector: bool) -> str:
    """Two accuracy lines (plain, attention) over ``x``, a chance line, an optional band."""
    tooltip = [
        alt.Tooltip(f"{x}:Q", title=x_title),
        alt.Tooltip("model:N", title="model"),
        alt.Tooltip("accuracy:Q", title="accuracy", format=".3f"),
    ]
    x_enc = alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(tickMinStep=1, format="d"))
    y_enc = alt.Y("accuracy:Q", title="token accuracy", scale=alt.Scale(domain=[0, 1]))
    layers: list[alt.Chart] = []
    if band:
        shade = alt.Chart(alt.NamedData("band"))
        layers.append(
            shade.mark_rect(color="#999999", opacity=0.18).encode(
                x="start:Q", x2="end:Q", tooltip=[alt.Tooltip("label:N", title="")]
            )
        )
        layers.append(
            shade.mark_text(align="left", baseline="middle", dx=6, color="#444")
            .encode(x="start:Q", y="label_y:Q", text="label:N")
        )  # fmt: skip
    chance = alt.Chart(alt.NamedData("chance"))
    layers.append(chance.mark_rule(strokeDash=[4, 4], color="#666").encode(y="accuracy:Q"))
    layers.append(
        chance.mark_text(align="left", baseline="top", dx=4, dy=3, color="#666")
        .encode(x=alt.value(0), y="accuracy:Q", text="label:N")
    )  # fmt: skip
    layers.append(
        alt.Chart(alt.NamedData("lines"))
        .mark_line(point=alt.OverlayMarkDef(size=45), strokeWidth=2.5)
        .encode(x=x_enc, y=y_enc, color=_model_color(), tooltip=tooltip)
    )
    chart = alt.layer(*layers).properties(title=title, height=380 if projector else 300)
    description = (
        f"Line chart: {title}, plain RNN against RNN + attention; the table beside it lists "
        "the values."
    )
    return _to_template(chart, description)


CHANCE_RECORDS = [{"accuracy": CHANCE, "label": "chance (1 in 10)"}]


def length_chart(pair: ModelPair) -> dict:
    """Accuracy against input length for both models, training lengths shaded (Bahdanau Fig. 2)."""
    lo, hi = pair.config.min_length, pair.config.max_length
    template = _accuracy_template(
        "length", "input length (digits)", "Copy accuracy against input length", True, _projector()
    )
    curves = (pair.rnn_curve, pair.attention_curve)
    band = {"start": lo - 0.5, "end": hi + 0.5, "label_y": 0.2}
    return _fill(
        template,
        {
            "lines": _long(curves[0].lengths, curves[0].accuracy, curves[1].accuracy, "length"),
            "band": [{**band, "label": f"trained on lengths {lo}-{hi}"}],
            "chance": CHANCE_RECORDS,
        },
    )


def position_chart(rnn_acc: Sequence[float], attention_acc: Sequence[float]) -> dict:
    """Accuracy at each output position for inputs of one length."""
    template = _accuracy_template(
        "position",
        "output position (digit number)",
        "Accuracy at each output position",
        False,
        _projector(),
    )
    positions = list(range(1, len(rnn_acc) + 1))
    lines = _long(positions, rnn_acc, attention_acc, "position")
    return _fill(template, {"lines": lines, "chance": CHANCE_RECORDS})


COPY_ROLE, OTHER_ROLE = "the input this step should copy", "other inputs"


@functools.lru_cache(maxsize=16)
def _step_template(projector: bool) -> str:
    base = alt.Chart(alt.NamedData("bars"))
    tooltip = [
        alt.Tooltip("label:N", title="input"),
        alt.Tooltip("weight:Q", title="weight α_j", format=".4f"),
        alt.Tooltip("energy:Q", title="energy e_j", format=".3f"),
        alt.Tooltip("role:N", title="role"),
    ]
    axis = alt.Axis(labelAngle=-40, labelOverlap=False)
    x = alt.X("label:N", sort=None, title="input position j = digit", axis=axis)
    y = alt.Y("weight:Q", title="attention weight α_j", scale=alt.Scale(domain=[0, 1]))
    color = alt.Color(
        "role:N",
        title=None,
        scale=alt.Scale(domain=[COPY_ROLE, OTHER_ROLE], range=[ATTENTION_COLOR, "#9ecae1"]),
        legend=alt.Legend(orient="bottom", labelLimit=320),
    )
    bars = base.mark_bar().encode(x=x, y=y, color=color, tooltip=tooltip)
    text = base.mark_text(dy=-6, fontSize=11).encode(
        x=x, y=y, text=alt.Text("weight:Q", format=".2f"), tooltip=tooltip
    )
    title = "One decoder step's attention weights: α = softmax(e)"
    chart = alt.layer(bars, text).properties(title=title, height=300 if projector else 240)
    description = (
        "Bar chart: one decoder step's attention weight on each input position; the table "
        "beside it lists them."
    )
    return _to_template(chart, description)


def alignment_chart(attention: DecodingView, step: int) -> dict:
    """The alignment matrix (decoder step x input position), decoder step ``step`` outlined.

    The outline comes as data (``charts.heatmap``): moving the step slider updates the chart.
    """
    return charts.heatmap(
        attention.alignment,
        output_labels(attention.output_digits),
        input_labels(attention.input_digits),
        title="Alignment matrix: attention weights α_ij",
        x_title="input position j = digit",
        y_title="decoder step i = digit written",
        value_title="weight α_ij",
        domain=(0.0, 1.0),
        fmt=".1f",
        highlight_row=step - 1,
    )


def step_chart(attention: DecodingView, step: int) -> dict:
    """Decoder step ``step``'s attention weights over the input positions (one alignment row)."""
    i = step - 1
    rows = zip(
        input_labels(attention.input_digits),
        attention.alignment[i],
        attention.energies[i],
        strict=True,
    )
    records = [
        {
            "label": label,
            "weight": float(w),
            "energy": float(e),
            "role": COPY_ROLE if j == i else OTHER_ROLE,
        }
        for j, (label, w, e) in enumerate(rows)
    ]
    return _fill(_step_template(_projector()), {"bars": records})


@functools.lru_cache(maxsize=32)
def _vectors_template(title: str, single: bool, projector: bool) -> str:
    """Vectors as rows of coloured cells. GRU states lie in (-1, 1), and so do their weighted
    means c_i, so one fixed colour scale fits all of them."""
    tooltip = [
        alt.Tooltip("row:N", title="vector"),
        alt.Tooltip("dim:O", title="dimension"),
        alt.Tooltip("value:Q", title="value", format=".4f"),
    ]
    ticks = [1, 16, 32, 48, 64, 96, 128]
    chart = (
        alt.Chart(alt.NamedData("cells"))
        .mark_rect()
        .encode(
            x=alt.X("dim:O", title="hidden dimension", axis=alt.Axis(labelAngle=0, values=ticks)),
            y=alt.Y("row:N", sort=None, title=None),
            color=alt.Color(
                "value:Q",
                title="value",
                scale=alt.Scale(scheme=charts.DIVERGING, domain=[-1, 1]),
                legend=alt.Legend(orient="right", gradientLength=60 if single else 120),
            ),
            tooltip=tooltip,
        )
    )
    step = (40 if single else 22) * (1.4 if projector else 1)
    description = (
        f"Heatmap: {title}, one row per vector, one column per hidden dimension; the values "
        "are in a table on this page."
    )
    return _to_template(chart.properties(title=title, height=alt.Step(step)), description)


def vectors_chart(rows: Sequence[Sequence[float]], labels: Sequence[str], title: str) -> dict:
    """A compact heatmap: one row per vector, one column per hidden dimension (no cell text)."""
    records = [
        {"row": label, "dim": k + 1, "value": float(v)}
        for label, row in zip(labels, rows, strict=True)
        for k, v in enumerate(row)
    ]
    template = _vectors_template(title, len(labels) == 1, _projector())
    return _fill(template, {"cells": records})


@functools.lru_cache(maxsize=16)
def _loss_template(title: str, projector: bool) -> str:
    chart = (
        alt.Chart(alt.NamedData("loss"))
        .mark_line(strokeWidth=1.8)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y("loss:Q", title="cross-entropy loss (log scale)", scale=alt.Scale(type="log")),
            color=_model_color(),
            tooltip=[
                alt.Tooltip("step:Q", title="step"),
                alt.Tooltip("model:N", title="model"),
                alt.Tooltip("loss:Q", title="loss", format=".4f"),
            ],
        )
    )
    description = (
        f"Line chart: {title}, plain RNN against RNN + attention; the table beside it lists "
        "the loss at about 20 steps."
    )
    return _to_template(
        chart.properties(title=title, height=340 if projector else 260), description
    )


def loss_records(
    rnn: Sequence[float], attention: Sequence[float], max_points: int = 400
) -> Records:
    """Both loss curves in long form, thinned to at most ``max_points`` steps per model."""
    stride = max(1, len(rnn) // max_points)
    return [
        {"step": s + 1, "model": MODEL_NAMES[kind], "loss": float(values[s])}
        for kind, values in (("rnn", rnn), ("attention", attention))
        for s in range(0, len(values), stride)
    ]


def loss_chart(rnn: Sequence[float], attention: Sequence[float], title: str) -> dict:
    return _fill(_loss_template(title, _projector()), {"loss": loss_records(rnn, attention)})


def loss_frame(rnn: Sequence[float], attention: Sequence[float]) -> pd.DataFrame:
    """Both loss curves at about 20 evenly spaced steps (and the last), indexed by step."""
    every = max(1, len(rnn) // 20)
    steps = sorted({*range(0, len(rnn), every), len(rnn) - 1}) if rnn else []
    return pd.DataFrame(
        {
            MODEL_NAMES["rnn"]: [rnn[s] for s in steps],
            MODEL_NAMES["attention"]: [attention[s] for s in steps],
        },
        index=pd.Index([s + 1 for s in steps], name="step"),
    )


# ---- live training: a bounded, process-wide job registry -------------------------------------


QUEUED, TRAINING, EVALUATING, DONE, FAILED = "queued", "training", "evaluating", "done", "failed"


class RegistryBusyError(RuntimeError):
    """Too many trainings running or waiting: the caller shows the message and tries later."""


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of one training job, safe to read from any session."""

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
        if self.state in (DONE, EVALUATING):
            return 1.0
        return self.step / self.num_steps if self.num_steps else 1.0

    @property
    def active(self) -> bool:
        return self.state in (QUEUED, TRAINING, EVALUATING)

    @property
    def eta_seconds(self) -> float | None:
        if self.state != TRAINING or self.step == 0:
            return None
        return self.elapsed / self.step * (self.num_steps - self.step)


class _Job:
    """One training run; its fields change under the registry's lock only."""

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


class TrainingRegistry:
    """Background training jobs for the whole process, keyed by the frozen config.

    * ``submit(config)`` returns the existing job for that config if there is one (running,
      queued or finished), so a class asking for the same config trains it once.
    * At most ``max_running`` jobs train at a time (one thread each, torch on one thread);
      up to ``max_queued`` more wait their turn, first come first served. Beyond that,
      ``submit`` raises :class:`RegistryBusyError`.
    * At most ``max_finished`` finished jobs are kept (least recently used dropped first).
    """

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

    # -- asking ---------------------------------------------------------------------------------

    def submit(self, config: Seq2SeqConfig) -> JobStatus:
        """Start (or queue, or find) the job for ``config``; returns its status."""
        with self._lock:
            job = self._jobs.get(config)
            if job is not None and job.state != FAILED:
                job.last_used = time.monotonic()
                return self._snapshot(job)
            active = [j for j in self._jobs.values() if j.state in (QUEUED, TRAINING, EVALUATING)]
            if len(active) >= self.max_running + self.max_queued:
                running = sum(j.state != QUEUED for j in active)
                raise RegistryBusyError(
                    f"The lab is busy: {running} training running and {len(active) - running} "
                    "waiting, the most this server takes at once (it has two cores for the whole "
                    "class). Try again in a minute; the shipped models stay on the page."
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

    def wait(self, key: str, timeout: float = 60.0) -> JobStatus | None:
        """Block until the job is done or failed (for tests and scripts); None if unknown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(key)
            if status is None or not status.active:
                return status
            time.sleep(0.02)
        raise TimeoutError(f"job {key} still running after {timeout} s")

    # -- inside (called with the lock held) ----------------------------------------------------

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

    # -- the worker thread ----------------------------------------------------------------------

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
            curves = [
                accuracy_by_length(model, self.eval_lengths, self.eval_samples, DEFAULT_EVAL_SEED)
                for model in (trained.rnn, trained.attention)
            ]
            pair = ModelPair(
                key=job.key,
                label=f"retrained ({config_label(job.config)})",
                config=job.config,
                rnn=trained.rnn,
                attention=trained.attention,
                rnn_curve=curves[0],
                attention_curve=curves[1],
                rnn_losses=tuple(trained.rnn_losses.tolist()),
                attention_losses=tuple(trained.attention_losses.tolist()),
                train_seconds=trained.seconds,
            )
            with self._lock:
                job.result, job.state = pair, DONE
        except Exception as error:  # reported on the page, never raised into a session
            with self._lock:
                job.state, job.error = FAILED, f"{type(error).__name__}: {error}"
        finally:
            with self._lock:
                job.finished = time.monotonic()
                job.last_used = job.finished
                self._start_waiting()
                self._evict()


@st.cache_resource(show_spinner=False)
def registry() -> TrainingRegistry:
    """The one registry of this server process, shared by every session."""
    return TrainingRegistry()


def status_text(status: JobStatus) -> str:
    """One line for the progress bar."""
    if status.state == QUEUED:
        ahead = status.queue_position - 1
        return "Waiting for a free slot: the server trains one pair at a time" + (
            f" ({ahead} ahead of yours)." if ahead else " (yours is next)."
        )
    if status.state == TRAINING:
        eta = status.eta_seconds
        tail = f", about {eta:.0f} s to go" if eta is not None else ""
        return f"Training both models: step {status.step} of {status.num_steps}{tail}."
    if status.state == EVALUATING:
        return "Trained. Measuring accuracy at lengths 1-30 …"
    if status.state == DONE:
        return f"Done in {status.elapsed:.0f} s."
    return f"Training failed: {status.error}"
