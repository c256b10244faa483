"""The RNN lesson's charts (``ui.charts`` builders and their records) and its digit grid.

Orange is the plain RNN, blue the RNN with attention, in every chart (Okabe-Ito colours).
Titles hold no number a control changes: those are in the text beside the charts.

The digit grid (step 3) is the one table ``ui.tables`` cannot draw: a wrong digit is marked by
more than colour (struck through and bold), so its cells hold markup. It is drawn here with the
lab's table classes (``ui.tables.CSS``, sent once by the frame): no inline styles.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import altair as alt

from lessons.rnn.text import CHANCE, MODEL_NAMES
from lessons.rnn.view import Copies, CopyView, Models, PositionView
from ui import tables
from ui.charts import BLUE, GREY, ORANGE, Sizes

Records = list[dict[str, Any]]
WRONG = tables.Heat(0.0, 1.0, diverging=True).css_class(1.0)  # dark orange, white text
CHANCE_RECORDS: Records = [{"accuracy": CHANCE, "label": "chance (1 in 10)"}]


def _model_colour() -> alt.Color:
    names = [MODEL_NAMES["rnn"], MODEL_NAMES["attention"]]
    return alt.Color(
        "model:N",
        title="model",
        scale=alt.Scale(domain=names, range=[ORANGE, BLUE]),
        legend=alt.Legend(orient="bottom", direction="horizontal"),
    )


def accuracy_chart(
    x: str, x_title: str, title: str, band: bool, s: Sizes
) -> tuple[alt.TopLevelMixin, str]:
    """Two accuracy lines (data "lines": x, model, accuracy), the chance line (data "chance")
    and, with ``band``, the training lengths shaded (data "band": start, end, label)."""
    tooltip = [
        alt.Tooltip(f"{x}:Q", title=x_title),
        alt.Tooltip("model:N", title="model"),
        alt.Tooltip("accuracy:Q", title="token accuracy", format=".3f"),
    ]
    x_enc = alt.X(
        f"{x}:Q",
        title=x_title,
        axis=alt.Axis(tickMinStep=1, format="d"),
        scale=alt.Scale(zero=False, nice=False),
    )
    y_enc = alt.Y("accuracy:Q", title="token accuracy", scale=alt.Scale(domain=[0, 1]))
    layers: list[alt.Chart] = []
    if band:
        shade = alt.Chart(alt.NamedData("band"))
        layers.append(
            shade.mark_rect(color=GREY, opacity=0.18).encode(
                x="start:Q", x2="end:Q", tooltip=[alt.Tooltip("label:N", title="")]
            )
        )
        layers.append(
            shade.mark_text(align="left", baseline="bottom", dx=6, dy=-6, color="#444",
                            fontSize=s.mark_text)
            .encode(x="start:Q", y=alt.value(s.height), text="label:N")
        )  # fmt: skip
    chance = alt.Chart(alt.NamedData("chance"))
    layers.append(chance.mark_rule(strokeDash=[4, 4], color="#555").encode(y="accuracy:Q"))
    layers.append(
        chance.mark_text(align="left", baseline="bottom", dx=4, dy=-3, color="#444",
                         fontSize=s.mark_text)
        .encode(x=alt.value(0), y="accuracy:Q", text="label:N")
    )  # fmt: skip
    layers.append(
        alt.Chart(alt.NamedData("lines"))
        .mark_line(point=alt.OverlayMarkDef(size=40), strokeWidth=2.5)
        .encode(x=x_enc, y=y_enc, color=_model_colour(), tooltip=tooltip)
    )
    chart = alt.layer(*layers).properties(title=title, height=s.height)
    description = (
        f"Line chart: {title}, plain RNN (orange) against RNN + attention (blue), with the "
        "chance line; the table beside it lists every value."
    )
    return chart, description


def loss_chart(title: str, s: Sizes) -> tuple[alt.TopLevelMixin, str]:
    """Both training losses against the step (data "loss": step, model, loss), log scale."""
    chart = (
        alt.Chart(alt.NamedData("loss"))
        .mark_line(strokeWidth=1.6)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y("loss:Q", title="cross-entropy loss (log scale)", scale=alt.Scale(type="log")),
            color=_model_colour(),
            tooltip=[
                alt.Tooltip("step:Q", title="step"),
                alt.Tooltip("model:N", title="model"),
                alt.Tooltip("loss:Q", title="loss", format=".4f"),
            ],
        )
        .properties(title=title, height=s.height)
    )
    description = (
        f"Line chart: {title}, plain RNN (orange) against RNN + attention (blue); a table "
        "lists the loss at about 20 steps."
    )
    return chart, description


# ---- records ----------------------------------------------------------------------------------


def _long(xs: Sequence[int], rnn: Sequence[float], att: Sequence[float], x: str) -> Records:
    return [
        {x: int(n), "model": MODEL_NAMES[kind], "accuracy": float(a)}
        for kind, values in (("rnn", rnn), ("attention", att))
        for n, a in zip(xs, values, strict=True)
    ]


def length_records(models: Models) -> dict[str, Records]:
    """Step 1's datasets: both curves, the training band, the chance line."""
    lo, hi = models.config.min_length, models.config.max_length
    rnn, att = models.rnn_curve, models.attention_curve
    return {
        "lines": _long(rnn.lengths, rnn.accuracy, att.accuracy, "length"),
        "band": [{"start": lo - 0.5, "end": hi + 0.5, "label": f"trained on lengths {lo}-{hi}"}],
        "chance": CHANCE_RECORDS,
    }


def position_records(view: PositionView) -> dict[str, Records]:
    positions = list(range(1, view.length + 1))
    return {
        "lines": _long(positions, view.rnn, view.attention, "position"),
        "chance": CHANCE_RECORDS,
    }


def loss_steps(n: int, points: int) -> list[int]:
    """About ``points`` evenly spaced 0-based steps of ``n``, the last one included."""
    if n == 0:
        return []
    every = max(1, n // points)
    return sorted({*range(0, n, every), n - 1})


def loss_records(
    rnn: Sequence[float], attention: Sequence[float], max_points: int = 400
) -> dict[str, Records]:
    """Both loss curves in long form, thinned to about ``max_points`` steps each."""
    steps = loss_steps(min(len(rnn), len(attention)), max_points)
    return {
        "loss": [
            {"step": s + 1, "model": MODEL_NAMES[kind], "loss": float(values[s])}
            for kind, values in (("rnn", rnn), ("attention", attention))
            for s in steps
        ]
    }


# ---- the digit grid -------------------------------------------------------------------------


def _digit_row(name: str, view: CopyView | None, digits: Sequence[int]) -> str:
    cells = []
    for i, d in enumerate(digits):
        if view is None or view.correct[i]:
            tip = "" if view is None else f' title="position {i + 1}: right"'
            cells.append(f"<td{tip}>{d}</td>")
        else:
            tip = f"position {i + 1}: wrong, the input has {view.input_digits[i]}"
            cells.append(f'<td class="{WRONG}" title="{tip}"><del><strong>{d}</strong></del></td>')
    return f"<tr><th scope='row'>{html.escape(name)}</th>{''.join(cells)}</tr>"


def digit_grid(copies: Copies, projector: bool = False) -> str:
    """The input and both copies, one column per position; a wrong digit is struck through,
    bold, on dark orange. Wider than the screen, it scrolls in its own box."""
    rnn, att = copies.rnn, copies.attention
    T = len(rnn.input_digits)

    def score(v: CopyView) -> str:
        return f"{v.num_correct}/{T} right"

    head = "<th scope='col'>position →</th>" + "".join(
        f"<th scope='col'>{i + 1}</th>" for i in range(T)
    )
    rows = [
        _digit_row("input", None, rnn.input_digits),
        _digit_row(f"{MODEL_NAMES['rnn']} · {score(rnn)}", rnn, rnn.output_digits),
        _digit_row(f"{MODEL_NAMES['attention']} · {score(att)}", att, att.output_digits),
    ]
    caption = (
        f"<strong>Both copies of your {T} digit{'s' if T > 1 else ''}</strong>: a wrong digit "
        "is <del><strong>struck through</strong></del> on dark orange"
    )
    table = (
        f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    classes = "lab-table lab-digits" + (" lab-projector" if projector else "")
    return (
        f'<div class="{classes}" role="region" tabindex="0" aria-label="Both copies of your '
        f'digits">{table}</div>'
    )
