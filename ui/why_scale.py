"""Glue for the page "Why scale by √d_k": controls' options, URL checks, one cached curve,
the numbers as markdown tables, one table across every d_k and the page's charts.

The statistics come from the core (``attention.why_scale``) through ``ui.compute``; the only
computation here is the effective-tokens-versus-temperature curve, which reuses the core's
random draw and ``softmax_with_temperature`` on many temperatures at once (no autograd), so
that moving d_k costs one draw instead of one autograd pass per temperature.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st
import torch

from attention.self_attention import softmax_with_temperature
from attention.why_scale import SaturationStats, random_queries_keys
from ui import charts, compute
from ui.compute import CACHE
from ui.inputs import InputError, parse_int
from ui.state import MAX_SEED, get_settings

PAGE = "why_scale"
CONTENT = Path(__file__).resolve().parent.parent / "content" / "why_scale.md"

D_KS: tuple[int, ...] = tuple(2**i for i in range(11))  # 1, 2, 4, ..., 1024
# Powers of sqrt(2) from 1/4 to 128: sqrt(d_k) of every d_k above is one of them.
TEMPERATURES: tuple[float, ...] = tuple(2 ** (i / 2) for i in range(-4, 15))
NUM_QUERIES: int = 256  # the core's default: every statistic is a mean or median over these
MIN_TOKENS, MAX_TOKENS = 4, 32
DEFAULTS = {"d_k": 64, "num_tokens": 8, "qk_seed": 0, "temperature": 1.0}

# Okabe-Ito colours (colour-blind safe), the same meaning in every chart of the page.
UNSCALED, SCALED, THEORY = "#D55E00", "#0072B2", "#7F7F7F"
VERSIONS = ("unscaled: softmax(q·k)", "scaled: softmax(q·k / √d_k)")


def format_temperature(temperature: float) -> str:
    """A temperature as the select slider and the URL show it: 0.25, 0.707, 1, 1.41, 5.66."""
    return f"{temperature:.3g}"


def sqrt_dk_temperature(d_k: int) -> float:
    """The option of ``TEMPERATURES`` equal to sqrt(d_k) (d_k is a power of two)."""
    return min(TEMPERATURES, key=lambda t: abs(t - math.sqrt(d_k)))


# ---- prose and URL --------------------------------------------------------------------------


def prose_section(name: str) -> str:
    """One section of ``content/why_scale.md``, between ``<!-- section: name -->`` markers."""
    text = CONTENT.read_text(encoding="utf-8")
    for part in text.split("<!-- section: ")[1:]:
        head, _, body = part.partition("-->")
        if head.strip() == name:
            return body.strip()
    raise KeyError(f"no section {name!r} in {CONTENT.name}")


def url_notes(params: Mapping[str, str]) -> tuple[str, ...]:
    """Which of this page's URL parameters will be ignored, and why (read before the widgets).

    Streamlit drops an invalid bound value silently; this says so to the student.
    """
    notes: list[str] = []

    def check(name: str, valid: bool, rule: str) -> None:
        if name in params and not valid:
            notes.append(f"`?{name}={params[name]}` was ignored: {rule} Using the default.")

    if "d_k" in params:
        check(
            "d_k",
            params["d_k"] in {str(d) for d in D_KS},
            "d_k must be a power of two from 1 to 1024 (1, 2, 4, …, 1024).",
        )
    if "num_tokens" in params:
        try:
            parse_int(params["num_tokens"], "num_tokens", MIN_TOKENS, MAX_TOKENS)
            ok = True
        except InputError:
            ok = False
        check(
            "num_tokens",
            ok,
            f"the number of keys must be a whole number, {MIN_TOKENS} to {MAX_TOKENS}.",
        )
    if "qk_seed" in params:
        try:
            parse_int(params["qk_seed"], "qk_seed", 0, MAX_SEED)
            ok = True
        except InputError:
            ok = False
        check("qk_seed", ok, f"the seed must be a whole number from 0 to {MAX_SEED}.")
    if "temperature" in params:
        check(
            "temperature",
            params["temperature"] in {format_temperature(t) for t in TEMPERATURES},
            "T must be one of the slider's values (0.25, 0.354, 0.5, …, 128).",
        )
    return tuple(notes)


# ---- the one computation of the page: effective tokens versus temperature -------------------


@dataclass(frozen=True)
class TemperaturePoint:
    """Softmax peakedness at one temperature T, for the same queries and keys as the sweep.

    alpha = softmax(q K^T / T);  H = -sum_j alpha_j log alpha_j;  effective tokens = e^H
    """

    temperature: float
    max_weight: float
    entropy: float
    effective_tokens: float
    example_weights: tuple[float, ...]


@st.cache_data(**CACHE)
def temperature_curve(
    d_k: int, num_tokens: int, seed: int, temperatures: tuple[float, ...] = TEMPERATURES
) -> tuple[TemperaturePoint, ...]:
    """softmax(q K^T / T) for every T, on the core's random draw (the one the sweep uses).

    At T = sqrt(d_k) this is ``softmax_saturation(d_k, scaled=True)``; at T = 1, unscaled.

    Shapes:
        queries (Q, d_k); keys (Q, num_tokens, d_k) -> raw_scores (Q, num_tokens)
    """
    queries, keys, _ = random_queries_keys(d_k, num_tokens, NUM_QUERIES, seed)
    # (Q, d_k) -> (Q, 1, d_k) @ (Q, d_k, T) -> (Q, 1, T) -> (Q, T)
    raw_scores = (queries.unsqueeze(1) @ keys.transpose(1, 2)).squeeze(1)
    points = []
    with torch.no_grad():
        for temperature in temperatures:
            attn_weights = softmax_with_temperature(raw_scores, temperature)  # (Q, T)
            entropy = -(attn_weights * attn_weights.clamp_min(1e-30).log()).sum(-1)
            points.append(
                TemperaturePoint(
                    temperature=temperature,
                    max_weight=attn_weights.max(-1).values.mean().item(),
                    entropy=entropy.mean().item(),
                    effective_tokens=entropy.exp().mean().item(),
                    example_weights=tuple(attn_weights[0].tolist()),
                )
            )
    return tuple(points)


# The page reads these two on every move of d_k or T. Their values are tuples of frozen
# dataclasses (immutable), so ``cache_resource`` can hand out the cached object itself, where
# ``cache_data`` would unpickle a copy on every read.


@st.cache_resource(show_spinner=False, max_entries=CACHE["max_entries"])
def temperature_curves(
    d_ks: tuple[int, ...], num_tokens: int, seed: int
) -> tuple[tuple[TemperaturePoint, ...], ...]:
    """``temperature_curve`` at every d_k of the sweep, computed together (~60 ms once).

    Like the sweep, this depends only on num_tokens and seed, so moving d_k reads the cache.
    """
    return tuple(temperature_curve(d_k, num_tokens, seed) for d_k in d_ks)


@st.cache_resource(show_spinner=False, max_entries=CACHE["max_entries"])
def cached_sweep(num_tokens: int, seed: int) -> tuple[SaturationStats, ...]:
    """``ui.compute.saturation_sweep`` over ``D_KS``: unscaled and scaled at every d_k."""
    return compute.saturation_sweep(D_KS, num_tokens, seed)


# ---- the controls' current values ------------------------------------------------------------


@dataclass(frozen=True)
class Controls:
    """The experiment's settings, as its three widgets (keys d_k, num_tokens, qk_seed) hold them."""

    d_k: int
    num_tokens: int
    seed: int


def current_controls() -> Controls:
    """The widgets' values from the session, defaults where a widget has none yet (a cleared
    seed box included). The page's fragments read this: a fragment rerun does not redraw the
    widgets, so their values come from the session state, not from the widget calls."""
    state = st.session_state
    seed = state.get("qk_seed")
    return Controls(
        d_k=state.get("d_k", DEFAULTS["d_k"]),
        num_tokens=state.get("num_tokens", DEFAULTS["num_tokens"]),
        seed=DEFAULTS["qk_seed"] if seed is None else seed,
    )


# ---- the numbers at your d_k, as markdown tables ---------------------------------------------
#
# A table in one st.markdown is one element for the browser to update, where a row of st.metric
# is a dozen; it is a real HTML table (selectable, read by screen readers).

YOU = "👉"  # marks your choice in a table


class Peakedness(Protocol):
    """What ``SaturationStats`` and ``TemperaturePoint`` share: how peaked a softmax row is."""

    max_weight: float
    entropy: float
    effective_tokens: float


def by_d_k(sweep: Sequence[SaturationStats], d_k: int) -> tuple[SaturationStats, SaturationStats]:
    """The (unscaled, scaled) pair of the sweep at one d_k."""
    unscaled = next(s for s in sweep if s.d_k == d_k and not s.scaled)
    scaled = next(s for s in sweep if s.d_k == d_k and s.scaled)
    return unscaled, scaled


def times(ratio: float) -> str:
    """A ratio as "47,512×" (large) or "1.02×" (small)."""
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.2f}×"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table: the first column left-aligned, the numbers right-aligned."""
    lines = ["| " + " | ".join(head) + " |", "| :-- |" + " --: |" * (len(head) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _bounds(num_tokens: int) -> tuple[str, str, str]:
    """max weight, entropy and effective tokens from uniform to one-hot, for n keys."""
    return (
        f"*{1 / num_tokens:.3f} … 1*",
        f"*{math.log(num_tokens):.3f} … 0*",
        f"*{num_tokens} … 1*",
    )


def your_d_k_table(
    d_k: int, num_tokens: int, unscaled: SaturationStats, scaled: SaturationStats, steps: int = 3
) -> str:
    """Every measure at your d_k, unscaled beside scaled (the rows of steps 1 to ``steps``).

    One row per measure, so that the table stays narrow enough for a phone.
    """
    max_weight, entropy, tokens = _bounds(num_tokens)
    rows = [
        (
            f"std of the scores (√d_k = {math.sqrt(d_k):.2f})",
            f"{unscaled.raw_score_std:.2f}",
            f"{scaled.score_std:.2f}",
            "",
        )
    ]
    if steps >= 2:
        rows += [
            ("max weight", f"{unscaled.max_weight:.3f}", f"{scaled.max_weight:.3f}", max_weight),
            ("entropy (nats)", f"{unscaled.entropy:.3f}", f"{scaled.entropy:.3f}", entropy),
            (
                "effective tokens",
                f"{unscaled.effective_tokens:.2f}",
                f"{scaled.effective_tokens:.2f}",
                tokens,
            ),
        ]
    if steps >= 3:
        ratio = times(scaled.score_grad_norm / unscaled.score_grad_norm)
        rows.append(
            (
                f"gradient at the softmax input (scaled: {ratio})",
                f"{unscaled.score_grad_norm:.2e}",
                f"{scaled.score_grad_norm:.2e}",
                "",
            )
        )
    head = (f"at d_k = {d_k}", "unscaled", "scaled (÷ √d_k)", "uniform … one-hot")
    intro = (
        f"**Your d_k = {d_k}**, measured on {NUM_QUERIES} random queries of {num_tokens} keys "
        "each (means; the gradient is the median):"
    )
    return f"{intro}\n\n{_table(head, rows)}"


def temperature_table(
    d_k: int,
    num_tokens: int,
    temperature: float,
    rows: Sequence[tuple[str, Peakedness]],
    raw_score_std: float,
) -> str:
    """Max weight, entropy and effective tokens at T = 1, T = √d_k and your T, then a sentence
    on where your T sits (``raw_score_std``: the measured std of q·k at this d_k)."""
    lines = [
        (label, f"{p.max_weight:.3f}", f"{p.entropy:.3f}", f"{p.effective_tokens:.2f}")
        for label, p in rows
    ]
    lines.append(("*uniform … one-hot*", *_bounds(num_tokens)))
    head = (f"softmax(q·k / T) at your d_k = {d_k}", "max weight", "entropy", "effective tokens")
    verdict = temperature_verdict(temperature, d_k, raw_score_std)
    return f"{_table(head, lines)}\n\n{verdict}"


def temperature_verdict(temperature: float, d_k: int, raw_score_std: float) -> str:
    """Where your T sits against √d_k, and what that does to the softmax."""
    root, shown = sqrt_dk_temperature(d_k), format_temperature(temperature)
    if math.isclose(temperature, root):
        return (
            f"🎯 **T = √d_k = {shown}: this is scaled dot-product attention.** Its row is the "
            "scaled one of step 2; move d_k and it stays about the same."
        )
    spread = raw_score_std / temperature  # the std of the scores that softmax sees
    if temperature < root:
        return (
            f"T = {shown} is below √d_k: the scores' spread is {spread:.1f} instead of 1, so "
            "softmax is sharper than scaled attention."
        )
    return (
        f"T = {shown} is above √d_k: the scores' spread is {spread:.2f}, below 1, so the "
        "weights are flatter than scaled attention's."
    )


def largest_d_k_note(sweep: Sequence[SaturationStats]) -> str:
    """The chapter's claim in numbers: the gradient at d_k = 1024, unscaled against scaled."""
    unscaled, scaled = by_d_k(sweep, D_KS[-1])
    return (
        f"At d_k = {D_KS[-1]}, the gradient at the softmax input is "
        f"**{unscaled.score_grad_norm:.1e}** without scaling and "
        f"**{scaled.score_grad_norm:.2f}** with it: "
        f"{scaled.score_grad_norm / unscaled.score_grad_norm:,.0f} times less "
        'signal for W_query and W_key. That is "gradients nearing zero, learning stagnates".'
    )


# ---- the one table across every d_k ----------------------------------------------------------

# (the step that introduces it, column, number format, value of (unscaled, scaled))
SWEEP_COLUMNS: tuple[tuple[int, str, str, Any], ...] = (
    (1, "√d_k", "%.2f", lambda u, s: math.sqrt(u.d_k)),
    (1, "std q·k", "%.2f", lambda u, s: u.raw_score_std),
    (1, "std q·k/√d_k", "%.2f", lambda u, s: s.score_std),
    (2, "max weight, unscaled", "%.3f", lambda u, s: u.max_weight),
    (2, "max weight, scaled", "%.3f", lambda u, s: s.max_weight),
    (2, "entropy, unscaled", "%.3f", lambda u, s: u.entropy),
    (2, "entropy, scaled", "%.3f", lambda u, s: s.entropy),
    (2, "eff. tokens, unscaled", "%.2f", lambda u, s: u.effective_tokens),
    (2, "eff. tokens, scaled", "%.2f", lambda u, s: s.effective_tokens),
    (3, "gradient, unscaled", "%.2e", lambda u, s: u.score_grad_norm),
    (3, "gradient, scaled", "%.2e", lambda u, s: s.score_grad_norm),
    (3, "scaled ÷ unscaled", "%.0f", lambda u, s: s.score_grad_norm / u.score_grad_norm),
)


def sweep_table(sweep: Sequence[SaturationStats], steps: int = 3) -> pd.DataFrame:
    """Every number behind the charts of steps 1 to ``steps``: one row per d_k."""
    pairs = [by_d_k(sweep, d_k) for d_k in D_KS]
    data = {"d_k": list(D_KS)}
    for step, column, _, value in SWEEP_COLUMNS:
        if step <= steps:
            data[column] = [value(u, s) for u, s in pairs]
    return pd.DataFrame(data)


def sweep_table_config() -> dict[str, Any]:
    """Number formats of ``sweep_table``'s columns."""
    number = st.column_config.NumberColumn
    config = {"d_k": number(format="%d", pinned=True)}
    config.update({column: number(format=fmt) for _, column, fmt, _ in SWEEP_COLUMNS})
    return config


# ---- charts ---------------------------------------------------------------------------------
#
# Building an Altair chart costs 50-80 ms here (deep copies while layering), and Streamlit turns
# every dataset into Arrow: a rerun must stay near 60 ms. So each chart's *shape* is built once
# with Altair (named data, the lab's font sizes through ``charts.configure``), turned into a
# Vega-Lite dict and cached; a rerun only attaches the numbers as named datasets, already in
# Arrow (~0.1 ms each).
#
# In the browser, each chart whose data changed costs ~8 ms per rerun. So the charts across
# every d_k do not mark your d_k (they change only with the keys per query and the seed); the
# numbers at your d_k sit in a table under the controls, and only one chart (one query's
# weights) follows d_k.


Records = list[dict[str, Any]]


def _projector() -> bool:
    return get_settings().projector


def _height(projector: bool) -> int:
    return 380 if projector else 280


def _panel_height(projector: bool) -> int:
    """One panel of two stacked in one chart: a little lower than a chart on its own."""
    return 300 if projector else 210


def _to_spec(chart: alt.TopLevelMixin, description: str) -> dict:
    """The lab's font sizes, then a Vega-Lite dict whose height is the plot's own, drawn on a
    canvas and described for screen readers.

    Streamlit's default autosize ("fit") squeezes the legend and titles into the height, which
    flattens a chart with a legend below it; "fit-x" fits the width only (stacked panels, a
    ``vconcat``, included: each panel gets the page's width, less its axis). A canvas is one
    DOM node where SVG makes hundreds, and every DOM node slows each rerun of the page a little;
    the numbers are in the tables, the description says what the chart shows.
    """
    spec = charts.configure(chart).to_dict()
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    spec["description"] = description
    return spec


def _fill(template: dict, data: Mapping[str, Records]) -> dict:
    """The cached chart spec with its data attached as named Arrow datasets.

    A shallow copy: the template is shared by every session and never changed.
    """
    spec = dict(template)
    spec["datasets"] = {name: charts.arrow_bytes(_arrow(rows)) for name, rows in data.items()}
    return spec


def _arrow(rows: Records) -> pa.Table:
    """Records -> an Arrow table, numbers as float64 (an int column and a float one would
    otherwise make two datasets of the same chart disagree on the type of d_k)."""
    if not rows:
        return pa.table({})
    columns = {key: [row[key] for row in rows] for key in rows[0]}
    return pa.table(
        {
            key: pa.array(values, pa.float64())
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            else pa.array(values)
            for key, values in columns.items()
        }
    )


def _d_k_axis() -> alt.X:
    return alt.X(
        "d_k:Q",
        title="d_k (key dimension, log₂ scale)",
        scale=alt.Scale(type="log", base=2, domain=[1, 1024]),
        axis=alt.Axis(values=list(D_KS), format="d"),
    )


def _version_color(legend: alt.Legend | None = None) -> alt.Color:
    """Vermillion = unscaled, blue = scaled, in every chart."""
    return alt.Color(
        "version:N",
        title=None,
        scale=alt.Scale(domain=list(VERSIONS), range=[UNSCALED, SCALED]),
        legend=legend,
    )


def _sweep_records(sweep: Sequence[SaturationStats]) -> Records:
    """The sweep as one record per (d_k, version): every measure a line chart plots."""
    return [
        {
            "d_k": s.d_k,
            "version": VERSIONS[s.scaled],
            "effective_tokens": s.effective_tokens,
            "max_weight": s.max_weight,
            "score_grad_norm": s.score_grad_norm,
        }
        for s in sorted(sweep, key=lambda s: (s.scaled, s.d_k))
    ]


def _sweep_lines(
    field: str, measure: str, y_title: str, fmt: str, *, log_y: bool = False
) -> alt.Chart:
    """One measure of the sweep (data "sweep") against d_k, unscaled and scaled."""
    scale = alt.Scale(type="log", base=10) if log_y else alt.Scale(zero=True)
    # a log axis labels powers of ten only (its default draws a grid line at every 2, 3, ... 9)
    axis = alt.Axis(values=[10.0**-i for i in range(9)], format="~e") if log_y else alt.Axis()
    return (
        alt.Chart(alt.NamedData(name="sweep"))
        .mark_line(point=True)
        .encode(
            x=_d_k_axis(),
            y=alt.Y(f"{field}:Q", title=y_title, scale=scale, axis=axis),
            color=_version_color(alt.Legend(orient="top", direction="vertical")),
            tooltip=[
                alt.Tooltip("d_k:Q", title="d_k"),
                alt.Tooltip("version:N", title="softmax"),
                alt.Tooltip(f"{field}:Q", title=measure, format=fmt),
            ],
        )
    )


SPREAD_SERIES = {
    "std of q·k, measured": lambda unscaled, scaled: unscaled.raw_score_std,
    "√d_k, the variance argument": lambda unscaled, scaled: math.sqrt(unscaled.d_k),
    "std of q·k / √d_k, measured": lambda unscaled, scaled: scaled.score_std,
}
SPREAD_TITLE = "std of q·k grows like √d_k; scaled, it stays 1"
SPREAD_LEGEND = alt.Legend(orient="bottom", direction="vertical", symbolType="stroke")


@st.cache_resource(show_spinner=False)
def _spread_template(projector: bool) -> dict:
    names = list(SPREAD_SERIES)
    lines = (
        alt.Chart(alt.NamedData(name="lines"))
        .mark_line(point=True)
        .encode(
            x=_d_k_axis(),
            y=alt.Y(
                "value:Q",
                title="standard deviation of the scores (log₂)",
                scale=alt.Scale(type="log", base=2),
            ),
            # colour and dash share one legend (same field, title and legend): its symbols
            # are strokes, so the dashed √d_k line shows as dashed there too
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=names, range=[UNSCALED, THEORY, SCALED]),
                legend=SPREAD_LEGEND,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=None,
                scale=alt.Scale(domain=names, range=[[1, 0], [6, 4], [1, 0]]),
                legend=SPREAD_LEGEND,
            ),
            tooltip=[
                alt.Tooltip("d_k:Q", title="d_k"),
                alt.Tooltip("series:N", title="series"),
                alt.Tooltip("value:Q", title="value", format=".3f"),
            ],
        )
    )
    chart = lines.properties(title=SPREAD_TITLE, height=_height(projector))
    return _to_spec(
        chart,
        "Line chart against d_k from 1 to 1024: the measured std of q·k follows √d_k; divided "
        "by √d_k it stays near 1. The table under step 3 lists every value.",
    )


def spread_chart(sweep: Sequence[SaturationStats]) -> dict:
    """Step 1: std(q·k) measured, sqrt(d_k) in theory, and std after scaling, against d_k."""
    records = []
    for d_k in D_KS:
        unscaled, scaled = by_d_k(sweep, d_k)
        for name, value in SPREAD_SERIES.items():
            records.append({"d_k": d_k, "series": name, "value": value(unscaled, scaled)})
    return _fill(_spread_template(_projector()), {"lines": records})


WEIGHTS_TITLE = "One query's weights over its keys at your d_k: unscaled beside scaled"


@st.cache_resource(show_spinner=False)
def _weights_template(labels: bool, projector: bool) -> dict:
    """Bars of one query's weights (data "bars": key, weight, version), unscaled and scaled
    side by side per key, y fixed to [0, 1]; the weights printed on the bars if ``labels``."""
    base = alt.Chart(alt.NamedData(name="bars"))
    x = alt.X("key:N", sort=None, title="key token", axis=alt.Axis(labelAngle=0))
    y = alt.Y("weight:Q", title="attention weight", scale=alt.Scale(domain=[0, 1]))
    offset = alt.XOffset("version:N", sort=list(VERSIONS))
    tooltip = [
        alt.Tooltip("key:N", title="key"),
        alt.Tooltip("weight:Q", title="weight", format=".4f"),
        alt.Tooltip("version:N", title="softmax"),
    ]
    legend = alt.Legend(orient="top", direction="vertical")
    chart = alt.layer(
        base.mark_bar().encode(
            x=x, xOffset=offset, y=y, color=_version_color(legend), tooltip=tooltip
        )
    )
    if labels:
        chart += base.mark_text(dy=-7, fontSize=charts.font_sizes()["cell"] - 1).encode(
            x=x, xOffset=offset, y=y, text=alt.Text("weight:Q", format=".2f"), tooltip=tooltip
        )
    chart = chart.properties(title=WEIGHTS_TITLE, height=_height(projector))
    return _to_spec(
        chart,
        "Bar chart: the first query's attention weight on each key, unscaled beside scaled, "
        "at your d_k. The table under the controls gives the means over all queries.",
    )


def weights_chart(unscaled: SaturationStats, scaled: SaturationStats) -> dict:
    """Step 2 at your d_k: the first query's weights over its keys, unscaled and scaled."""
    bars = [
        {"key": f"k{j + 1}", "weight": stats.example_weights[j], "version": VERSIONS[stats.scaled]}
        for j in range(unscaled.num_tokens)
        for stats in (unscaled, scaled)
    ]
    template = _weights_template(unscaled.num_tokens <= 8, _projector())
    return _fill(template, {"bars": bars})


PEAKEDNESS_TITLE = "Without scaling, softmax saturates as d_k grows"


@st.cache_resource(show_spinner=False)
def _peakedness_template(projector: bool) -> dict:
    """Effective tokens and max weight against d_k, two panels stacked in one chart."""
    height = _panel_height(projector)
    tokens = _sweep_lines("effective_tokens", "effective tokens", "effective tokens e^H", ".2f")
    peak = _sweep_lines("max_weight", "max weight", "max weight", ".3f")
    chart = alt.vconcat(
        tokens.properties(title="How many keys a query really uses (mean)", height=height),
        peak.properties(title="The largest weight of a row (mean)", height=height),
        spacing=24,
    ).properties(title=PEAKEDNESS_TITLE)
    return _to_spec(
        chart,
        "Two line charts against d_k: effective tokens and max weight, unscaled and scaled. "
        "The table under step 3 lists every value.",
    )


def peakedness_chart(sweep: Sequence[SaturationStats]) -> dict:
    """Step 2 across every d_k: effective tokens and max weight, unscaled and scaled."""
    return _fill(_peakedness_template(_projector()), {"sweep": _sweep_records(sweep)})


GRADIENT_TITLE = "Gradient that reaches the scores, ‖∂L/∂ω‖ (autograd)"


@st.cache_resource(show_spinner=False)
def _gradient_template(projector: bool) -> dict:
    lines = _sweep_lines(
        "score_grad_norm", "gradient", "gradient norm (log scale)", ".3e", log_y=True
    )
    chart = lines.properties(title=GRADIENT_TITLE, height=_height(projector))
    return _to_spec(
        chart,
        "Line chart against d_k, log scale: the gradient at the softmax input, unscaled and "
        "scaled. The table under this chart lists every value.",
    )


def gradient_chart(sweep: Sequence[SaturationStats]) -> dict:
    """Step 3: the gradient at the softmax input against d_k, unscaled and scaled (log y)."""
    return _fill(_gradient_template(_projector()), {"sweep": _sweep_records(sweep)})


TEMPERATURE_TITLE = "Effective tokens against T, one curve per d_k (● = T = √d_k)"


@st.cache_resource(show_spinner=False)
def _temperature_template(projector: bool) -> dict:
    """Effective tokens against T for every d_k (data "curves"), a dot where T = √d_k
    ("roots"), rules at T = 1 and at your T ("rules") and the uniform ceiling ("uniform")."""
    x = alt.X(
        "T:Q",
        title="temperature T (log₂ scale)",
        scale=alt.Scale(type="log", base=2),
        axis=alt.Axis(values=[2.0**i for i in range(-2, 8)], format="~g"),
    )
    y = alt.Y("effective tokens:Q", title="effective tokens e^H", scale=alt.Scale(zero=True))
    color = alt.Color(
        "d_k:Q",
        title="d_k",
        # viridis from green (small d_k) to dark purple, without its palest yellow
        scale=alt.Scale(type="log", base=2, scheme=alt.SchemeParams("viridis", extent=[0.85, 0])),
        legend=alt.Legend(values=list(D_KS), format="d", orient="right"),
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
        .encode(x=x, y=y, color=color, detail="d_k:N", tooltip=tooltip)
    )
    roots = (
        alt.Chart(alt.NamedData(name="roots"))
        .mark_point(filled=True, size=90, stroke="black", strokeWidth=1, opacity=1)
        .encode(x=x, y=y, color=color, tooltip=tooltip)
    )
    rules = alt.Chart(alt.NamedData(name="rules"))
    rule = rules.mark_rule(strokeDash=[5, 4], strokeWidth=2).encode(
        x="T:Q",
        color=alt.value("black"),
        tooltip=[alt.Tooltip("label:N", title="rule"), alt.Tooltip("T:Q", format=".3g")],
    )
    # labelled at the foot of the plot: the top-left holds the "uniform" label
    rule += rules.mark_text(align="left", dx=5, dy=-8, fontWeight="bold").encode(
        x="T:Q", y=alt.value(_height(projector)), text="label:N"
    )
    top = alt.Chart(alt.NamedData(name="uniform"))
    uniform = top.mark_rule(color=THEORY, strokeDash=[2, 3]).encode(y="y:Q")
    uniform += top.mark_text(align="left", dy=10, color=THEORY).encode(
        x=alt.datum(TEMPERATURES[0]), y="y:Q", text="label:N"
    )
    chart = (curves + roots + rule + uniform).properties(
        title=TEMPERATURE_TITLE, height=_height(projector)
    )
    return _to_spec(
        chart,
        "Line chart: effective tokens against the temperature T, one curve per d_k, a dot at "
        "T = √d_k on each, dashed rules at T = 1 and at your T. The table above gives the "
        "numbers at your d_k.",
    )


def temperature_chart(
    curves: Sequence[Sequence[TemperaturePoint]], temperature: float, num_tokens: int
) -> dict:
    """Effective tokens against T (log₂) for every d_k of ``D_KS`` (``curves``, in that order),
    a dot on each curve at T = sqrt(d_k), dashed rules at T = 1 and at your T."""
    records = [
        {
            "d_k": d_k,
            "T": p.temperature,
            "effective tokens": p.effective_tokens,
            "max weight": p.max_weight,
        }
        for d_k, curve in zip(D_KS, curves, strict=True)
        for p in curve
    ]
    roots = [r for r in records if math.isclose(r["T"], sqrt_dk_temperature(int(r["d_k"])))]
    rules = [{"T": 1.0, "label": "T = 1"}]
    if not math.isclose(temperature, 1.0):
        rules.append({"T": temperature, "label": f"your T = {format_temperature(temperature)}"})
    data = {
        "curves": records,
        "roots": roots,
        "rules": rules,
        "uniform": [{"y": num_tokens, "label": f"uniform: all {num_tokens} keys"}],
    }
    return _fill(_temperature_template(_projector()), data)


# ---- the snippet ----------------------------------------------------------------------------


def snippet(d_k: int, num_tokens: int, seed: int, temperature: float) -> str:
    """Pure torch, self-contained: prints the numbers this page shows for these settings."""
    return f"""import math
import torch

d_k, num_tokens, num_queries, seed = {d_k}, {num_tokens}, {NUM_QUERIES}, {seed}
T = {temperature!r}  # your temperature ({format_temperature(temperature)}); sqrt(d_k) = scaled attention

torch.manual_seed(seed)  # same draws as the page's torch.Generator().manual_seed(seed)
queries = torch.randn(num_queries, d_k)  # entries ~ N(0, 1)
keys = torch.randn(num_queries, num_tokens, d_k)  # num_tokens keys per query
upstream = torch.randn(num_queries, num_tokens)  # a fixed gradient dL/d(attn_weights)

# (Q, d_k) -> (Q, 1, d_k) @ (Q, d_k, num_tokens) -> (Q, 1, num_tokens) -> (Q, num_tokens)
attn_scores = (queries.unsqueeze(1) @ keys.transpose(1, 2)).squeeze(1)
print(f"std of q.k = {{attn_scores.std():.3f}}, sqrt(d_k) = {{math.sqrt(d_k):.3f}}")

for name, temperature in [("unscaled", 1.0), ("scaled", math.sqrt(d_k)), ("your T", T)]:
    scores = (attn_scores / temperature).requires_grad_(True)  # the softmax input
    attn_weights = torch.softmax(scores, dim=-1)  # (Q, num_tokens)
    (attn_weights * upstream).sum().backward()  # L = sum_j alpha_j g_j
    entropy = -(attn_weights * attn_weights.clamp_min(1e-30).log()).sum(-1)
    print(
        f"{{name:>8}} (T = {{temperature:.3g}}): "
        f"max weight {{attn_weights.max(-1).values.mean():.3f}}, "
        f"entropy {{entropy.mean():.3f}}, "
        f"effective tokens {{entropy.exp().mean():.2f}}, "
        f"gradient {{scores.grad.norm(dim=-1).median():.2e}}"
    )
"""
