"""The why-scale lesson's charts: builders for ``ui.charts`` and the records they are filled with.

Each builder takes only its layout and the sizes (its template is cached); the numbers arrive
as named datasets. Vermillion is the unscaled softmax, blue the scaled one, in every chart.
Titles hold no number a control changes: those are in the text and tables beside the charts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import altair as alt

from attention.why_scale import SaturationStats, TemperaturePoint, by_d_k, query_gradient_ratio
from lessons.why_scale.controls import D_KS, TEMPERATURES, sqrt_dk_temperature
from ui import charts
from ui.charts import BLUE, GREY, VERMILLION, Sizes

Records = list[dict[str, Any]]
VERSIONS = ("unscaled: softmax(ω)", "scaled: softmax(ω / √d_k)")
LOG_TEN = [10.0**i for i in range(-24, 8)]  # a log axis labels powers of ten only


def _d_k_axis() -> alt.X:
    return alt.X(
        "d_k:Q",
        title="d_k (key dimension, log₂ scale)",
        scale=alt.Scale(type="log", base=2, domain=[1, D_KS[-1]]),
        axis=alt.Axis(values=list(D_KS), format="d"),
    )


def _version_colour() -> alt.Color:
    return alt.Color(
        "version:N",
        title=None,
        scale=alt.Scale(domain=list(VERSIONS), range=[VERMILLION, BLUE]),
        legend=alt.Legend(orient="top", direction="vertical"),
    )


def _your_d_k(s: Sizes) -> alt.LayerChart:
    """A dashed rule at your d_k (data "you"), labelled at the top of the plot."""
    you = alt.Chart(alt.NamedData(name="you"))
    rule = you.mark_rule(strokeDash=[5, 4], color="black").encode(
        x="d_k:Q", tooltip=[alt.Tooltip("d_k:Q", title="your d_k")]
    )
    label = you.mark_text(align="left", dx=4, dy=8, fontSize=s.mark_text).encode(
        x="d_k:Q", y=alt.value(0), text=alt.value("your d_k")
    )
    return rule + label


def _lines(field: str, measure: str, y: alt.Y, fmt: str) -> alt.Chart:
    """One measure of the sweep (data "sweep") against d_k, unscaled and scaled."""
    return (
        alt.Chart(alt.NamedData(name="sweep"))
        .mark_line(point=True)
        .encode(
            x=_d_k_axis(),
            y=y,
            color=_version_colour(),
            tooltip=[
                alt.Tooltip("d_k:Q", title="d_k"),
                alt.Tooltip("version:N", title="softmax"),
                alt.Tooltip(f"{field}:Q", title=measure, format=fmt),
            ],
        )
    )


def sweep_records(sweep: Sequence[SaturationStats]) -> Records:
    """One record per (d_k, version) with every measure the charts across d_k plot."""
    return [
        {
            "d_k": s.d_k,
            "version": VERSIONS[s.scaled],
            "effective_tokens": s.effective_tokens,
            "max_weight": s.max_weight,
            "query_grad_norm": s.query_grad_norm,
        }
        for s in sorted(sweep, key=lambda s: (s.scaled, s.d_k))
    ]


# ---- step 1: spread -------------------------------------------------------------------------

SPREAD_SERIES = ("std of ω = q·k, measured", "√d_k, the variance argument",
                 "std of ω / √d_k, measured")  # fmt: skip


def spread_chart(s: Sizes) -> tuple[alt.TopLevelMixin, str]:
    """std of ω measured, √d_k, and std of ω / √d_k against d_k (data "lines", "you")."""
    legend = alt.Legend(orient="bottom", direction="vertical", symbolType="stroke")
    names = list(SPREAD_SERIES)
    lines = (
        alt.Chart(alt.NamedData(name="lines"))
        .mark_line(point=True)
        .encode(
            x=_d_k_axis(),
            y=alt.Y(
                "value:Q",
                title="standard deviation (log₂ scale)",
                scale=alt.Scale(type="log", base=2),
            ),
            # colour and dash share one legend: its symbols are strokes, so √d_k shows dashed
            color=alt.Color("series:N", title=None, legend=legend,
                            scale=alt.Scale(domain=names, range=[VERMILLION, GREY, BLUE])),
            strokeDash=alt.StrokeDash("series:N", title=None, legend=legend,
                                      scale=alt.Scale(domain=names, range=[[1, 0], [6, 4], [1, 0]])),
            tooltip=[
                alt.Tooltip("d_k:Q", title="d_k"),
                alt.Tooltip("series:N", title="series"),
                alt.Tooltip("value:Q", title="value", format=".3f"),
            ],
        )
    )  # fmt: skip
    chart = (lines + _your_d_k(s)).properties(
        title="std of ω grows like √d_k; divided by √d_k it stays near 1", height=s.height
    )
    return chart, (
        "Line chart against d_k from 1 to 1024, log scales: the measured standard deviation of "
        "the scores q·k follows √d_k; divided by √d_k it stays near 1. The table beside it "
        "lists every value."
    )


def spread_data(sweep: Sequence[SaturationStats], d_k: int) -> dict[str, Records]:
    records = []
    for d in D_KS:
        unscaled, scaled = by_d_k(sweep, d)
        values = (unscaled.raw_score_std, math.sqrt(d), scaled.score_std)
        records += [
            {"d_k": d, "series": name, "value": v}
            for name, v in zip(SPREAD_SERIES, values, strict=True)
        ]
    return {"lines": records, "you": [{"d_k": d_k}]}


# ---- step 2: saturation ---------------------------------------------------------------------


def peakedness_chart(s: Sizes) -> tuple[alt.TopLevelMixin, str]:
    """Effective tokens and max weight against d_k, two panels in one chart."""
    height = round(s.height * 0.75)
    tokens = _lines(
        "effective_tokens",
        "effective tokens",
        alt.Y("effective_tokens:Q", title="effective tokens e^H", scale=alt.Scale(zero=True)),
        ".2f",
    )
    peak = _lines("max_weight", "max weight", alt.Y(
        "max_weight:Q", title="max weight", scale=alt.Scale(domain=[0, 1])), ".3f")  # fmt: skip
    chart = alt.vconcat(
        (tokens + _your_d_k(s)).properties(title="How many keys a query uses (mean)",
                                           height=height),
        (peak + _your_d_k(s)).properties(title="The largest weight of a row (mean)",
                                         height=height),
        spacing=24,
    ).properties(title="Without scaling, softmax saturates")  # fmt: skip
    return chart, (
        "Two line charts against d_k: the effective tokens and the max weight of a row, "
        "unscaled and scaled, means over the queries. The table beside it lists every value."
    )


def sweep_data(sweep: Sequence[SaturationStats], d_k: int) -> dict[str, Records]:
    return {"sweep": sweep_records(sweep), "you": [{"d_k": d_k}]}


# ---- step 3: the gradient ---------------------------------------------------------------------


def query_gradient_chart(s: Sizes) -> tuple[alt.TopLevelMixin, str]:
    """‖∂L/∂q‖ against d_k, unscaled and scaled, log y."""
    y = alt.Y(
        "query_grad_norm:Q",
        title="‖∂L/∂q‖, median (log scale)",
        scale=alt.Scale(type="log", base=10),
        axis=alt.Axis(values=LOG_TEN, format="~e", labelOverlap=True),
    )
    lines = _lines("query_grad_norm", "‖∂L/∂q‖", y, ".3g")
    chart = (lines + _your_d_k(s)).properties(
        title="The gradient that reaches the query, ‖∂L/∂q‖", height=s.height
    )
    return chart, (
        "Line chart against d_k, log scales: the median norm of the gradient at the query, "
        "unscaled and scaled. The table beside it lists every value."
    )


def ratio_chart(s: Sizes) -> tuple[alt.TopLevelMixin, str]:
    """‖∂L/∂q‖ scaled ÷ unscaled against d_k (data "ratio", "you"), a rule at 1."""
    ratio = (
        alt.Chart(alt.NamedData(name="ratio"))
        .mark_line(point=True, color=BLUE)
        .encode(
            x=_d_k_axis(),
            y=alt.Y(
                "ratio:Q",
                title="scaled ÷ unscaled (log scale)",
                scale=alt.Scale(type="log", base=10),
                axis=alt.Axis(values=LOG_TEN, format="~g", labelOverlap=True),
            ),
            tooltip=[
                alt.Tooltip("d_k:Q", title="d_k"),
                alt.Tooltip("ratio:Q", title="scaled ÷ unscaled", format=",.3g"),
            ],
        )
    )
    one = alt.Chart(alt.NamedData(name="one"))
    rule = one.mark_rule(color=GREY, strokeDash=[2, 3]).encode(y="ratio:Q")
    # labelled at the right end, where the curve is far from 1
    above = one.mark_text(align="right", dx=-4, dy=-8, color=BLUE, fontSize=s.mark_text).encode(
        x=alt.datum(D_KS[-1]), y="ratio:Q", text=alt.value("↑ scaled sends q more")
    )
    below = one.mark_text(
        align="right", dx=-4, dy=14, color=VERMILLION, fontSize=s.mark_text
    ).encode(x=alt.datum(D_KS[-1]), y="ratio:Q", text=alt.value("↓ unscaled sends q more"))
    chart = (ratio + rule + above + below + _your_d_k(s)).properties(
        title="Does scaling pay? ‖∂L/∂q‖ scaled ÷ unscaled", height=s.height
    )
    return chart, (
        "Line chart against d_k, log scales: the query gradient of the scaled model divided by "
        "the unscaled one's; above the dotted line at 1 scaling sends the query more gradient."
    )


def gradient_data(sweep: Sequence[SaturationStats], d_k: int) -> dict[str, Records]:
    ratios = [{"d_k": d, "ratio": query_gradient_ratio(*by_d_k(sweep, d))} for d in D_KS]
    return {"sweep": sweep_records(sweep), "ratio": ratios, "one": [{"ratio": 1.0}],
            "you": [{"d_k": d_k}]}  # fmt: skip


# ---- step 4: the temperature ------------------------------------------------------------------


def _t_axis() -> alt.X:
    return alt.X(
        "T:Q",
        title="temperature T (log₂ scale)",
        scale=alt.Scale(type="log", base=2, domain=[TEMPERATURES[0], TEMPERATURES[-1]]),
        axis=alt.Axis(values=[2.0**i for i in range(-2, 8)], format="~g"),
    )


def _t_rules(s: Sizes) -> alt.LayerChart:
    """Dashed rules at T = 1, √d_k and your T (data "rules": T, label), labelled at the foot."""
    rules = alt.Chart(alt.NamedData(name="rules"))
    rule = rules.mark_rule(strokeDash=[5, 4], strokeWidth=1.5, color="black").encode(
        x="T:Q", tooltip=[alt.Tooltip("label:N", title="rule"), alt.Tooltip("T:Q", format=".3g")]
    )
    text = rules.mark_text(align="left", dx=4, fontWeight="bold", fontSize=s.mark_text).encode(
        x="T:Q", y="y:Q", text="label:N"
    )
    return rule + text


def temperature_chart(s: Sizes) -> tuple[alt.TopLevelMixin, str]:
    """Effective tokens against T, one curve per d_k (data "curves"), a dot at T = √d_k
    ("roots"), the uniform ceiling ("uniform") and rules at T = 1 and your T ("rules")."""
    x = _t_axis()
    y = alt.Y("effective tokens:Q", title="effective tokens e^H", scale=alt.Scale(zero=True))
    colour = alt.Color(
        "d_k:Q",
        title="d_k",
        # viridis from green (small d_k) to dark purple, without its palest yellow
        scale=alt.Scale(type="log", base=2, scheme=alt.SchemeParams("viridis", extent=[0.85, 0])),
        legend=alt.Legend(values=list(D_KS), format="d", orient="bottom", columns=6),
    )
    tooltip = [
        alt.Tooltip("d_k:Q", title="d_k"),
        alt.Tooltip("T:Q", title="T", format=".3g"),
        alt.Tooltip("effective tokens:Q", format=".3f"),
        alt.Tooltip("max weight:Q", format=".3f"),
    ]
    curves = (
        alt.Chart(alt.NamedData(name="curves"))
        .mark_line(strokeWidth=1.5)
        .encode(x=x, y=y, color=colour, detail="d_k:N", tooltip=tooltip)
    )
    roots = (
        alt.Chart(alt.NamedData(name="roots"))
        .mark_point(filled=True, size=90, stroke="black", strokeWidth=1, opacity=1)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    top = alt.Chart(alt.NamedData(name="uniform"))
    uniform = top.mark_rule(color=GREY, strokeDash=[2, 3]).encode(y="y:Q")
    uniform += top.mark_text(align="left", dy=10, color=GREY, fontSize=s.mark_text).encode(
        x=alt.datum(TEMPERATURES[0]), y="y:Q", text="label:N"
    )
    chart = (curves + roots + uniform + _t_rules(s)).properties(
        title=alt.Title("Effective tokens against T", subtitle="one curve per d_k, ● at T = √d_k"),
        height=s.height,
    )
    return chart, (
        "Line chart: effective tokens against the temperature T, one curve per d_k from 1 to "
        "1024, a dot at T = √d_k on each, dashed rules at T = 1 and at your T."
    )


def _rules(temperature: float, d_k: int | None, y: float) -> Records:
    rules = [{"T": 1.0, "label": "T = 1", "y": y}]
    if d_k is not None and d_k > 1:
        rules.append({"T": sqrt_dk_temperature(d_k), "label": "√d_k", "y": y})
    if not any(math.isclose(r["T"], temperature) for r in rules):
        rules.append({"T": temperature, "label": "your T", "y": y})
    else:
        for r in rules:
            if math.isclose(r["T"], temperature):
                r["label"] += " = your T"
    return rules


def temperature_data(
    curves: Sequence[Sequence[TemperaturePoint]], temperature: float, num_tokens: int
) -> dict[str, Records]:
    records = [
        {"d_k": d_k, "T": p.temperature, "effective tokens": p.effective_tokens,
         "max weight": p.max_weight}
        for d_k, curve in zip(D_KS, curves, strict=True)
        for p in curve
    ]  # fmt: skip
    roots = [r for r in records if math.isclose(r["T"], sqrt_dk_temperature(int(r["d_k"])))]
    return {
        "curves": records,
        "roots": roots,
        "uniform": [{"y": num_tokens, "label": f"uniform: all {num_tokens} keys"}],
        "rules": _rules(temperature, None, 0.3),
    }


def temperature_gradient_chart(s: Sizes) -> tuple[alt.TopLevelMixin, str]:
    """‖∂L/∂q‖ against T at your d_k (data "grad"), rules at T = 1, √d_k and your T."""
    line = (
        alt.Chart(alt.NamedData(name="grad"))
        .mark_line(point=True, color=BLUE)
        .encode(
            x=_t_axis(),
            y=alt.Y(
                "query_grad_norm:Q",
                title="‖∂L/∂q‖, median (log scale)",
                scale=alt.Scale(type="log", base=10),
                axis=alt.Axis(values=LOG_TEN, format="~e", labelOverlap=True),
            ),
            tooltip=[
                alt.Tooltip("T:Q", title="T", format=".3g"),
                alt.Tooltip("query_grad_norm:Q", title="‖∂L/∂q‖", format=".3g"),
            ],
        )
    )
    chart = (line + _t_rules(s)).properties(
        title="The gradient at the query against T, at your d_k", height=s.height
    )
    return chart, (
        "Line chart: the median norm of the gradient at the query against the temperature T, "
        "at your d_k, with dashed rules at T = 1, T = √d_k and your T."
    )


def temperature_gradient_data(
    stats: Sequence[SaturationStats], temperature: float, d_k: int
) -> dict[str, Records]:
    points = [{"T": s.temperature, "query_grad_norm": s.query_grad_norm} for s in stats]
    low = min(p["query_grad_norm"] for p in points)
    return {"grad": points, "rules": _rules(temperature, d_k, low)}


# ---- what the page calls -----------------------------------------------------------------------


def spec(builder, data: dict[str, Records], projector: bool) -> dict[str, Any]:
    """A builder's cached template with this run's data (``ui.charts.spec``)."""
    return charts.spec(builder, data=data, projector=projector)
