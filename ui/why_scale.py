"""Glue for the page "Why scale by √d_k": controls' options, URL checks, one cached curve,
tidy tables and the page's charts.

The statistics come from the core (``attention.why_scale``) through ``ui.compute``; the only
computation here is the effective-tokens-versus-temperature curve, which reuses the core's
random draw and ``softmax_with_temperature`` on many temperatures at once (no autograd), so
that moving d_k costs one draw instead of one autograd pass per temperature.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st
import torch

from attention.self_attention import softmax_with_temperature
from attention.why_scale import SaturationStats, random_queries_keys
from ui import charts
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
UNSCALED, SCALED, THEORY, CHOSEN = "#D55E00", "#0072B2", "#7F7F7F", "#009E73"
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


@st.cache_data(**CACHE)
def temperature_curves(
    d_ks: tuple[int, ...], num_tokens: int, seed: int
) -> tuple[tuple[TemperaturePoint, ...], ...]:
    """``temperature_curve`` at every d_k of the sweep, computed together (~60 ms once).

    Like the sweep, this depends only on num_tokens and seed, so moving d_k reads the cache.
    """
    return tuple(temperature_curve(d_k, num_tokens, seed) for d_k in d_ks)


# ---- tables ---------------------------------------------------------------------------------

Records = list[dict[str, Any]]
YOU = "👉"  # marks your row in a table, in the column "you"


def by_d_k(sweep: Sequence[SaturationStats], d_k: int) -> tuple[SaturationStats, SaturationStats]:
    """The (unscaled, scaled) pair of the sweep at one d_k."""
    unscaled = next(s for s in sweep if s.d_k == d_k and not s.scaled)
    scaled = next(s for s in sweep if s.d_k == d_k and s.scaled)
    return unscaled, scaled


def times(ratio: float) -> str:
    """A ratio as "47,512×" (large) or "1.02×" (small)."""
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.2f}×"


def spread_table(sweep: Sequence[SaturationStats], d_k: int) -> pd.DataFrame:
    """Step 1's numbers: one row per d_k, 👉 on yours."""
    pairs = [by_d_k(sweep, dim) for dim in D_KS]
    return pd.DataFrame(
        {
            "you": [YOU if u.d_k == d_k else "" for u, _ in pairs],
            "d_k": [u.d_k for u, _ in pairs],
            "√d_k": [math.sqrt(u.d_k) for u, _ in pairs],
            "std(q·k)": [u.raw_score_std for u, _ in pairs],
            "std(q·k/√d_k)": [s.score_std for _, s in pairs],
        }
    )


def measure_table(sweep: Sequence[SaturationStats], d_k: int, field: str) -> pd.DataFrame:
    """``SaturationStats.<field>`` per d_k, unscaled beside scaled, 👉 on your d_k.

    The gradient's table adds how many times larger the scaled gradient is.
    """
    pairs = [by_d_k(sweep, dim) for dim in D_KS]
    data = {
        "you": [YOU if u.d_k == d_k else "" for u, _ in pairs],
        "d_k": [u.d_k for u, _ in pairs],
        "unscaled": [getattr(u, field) for u, _ in pairs],
        "scaled": [getattr(s, field) for _, s in pairs],
    }
    if field == "score_grad_norm":
        data["ratio"] = [times(s.score_grad_norm / u.score_grad_norm) for u, s in pairs]
    return pd.DataFrame(data)


def curve_frame(curve: Sequence[TemperaturePoint], d_k: int, temperature: float) -> pd.DataFrame:
    """One row per temperature: the numbers behind the effective-tokens curve."""
    root = sqrt_dk_temperature(d_k)

    def note(t: float) -> str:
        notes = [YOU] if math.isclose(t, temperature) else []
        notes += ["√d_k"] if math.isclose(t, root) else []
        notes += ["1 (unscaled)"] if t == 1.0 else []
        return " ".join(notes)

    return pd.DataFrame(
        {
            "T": [p.temperature for p in curve],
            "T is": [note(p.temperature) for p in curve],
            "effective tokens": [p.effective_tokens for p in curve],
            "max weight": [p.max_weight for p in curve],
        }
    )


TABLE_FORMATS = {"effective_tokens": "%.2f", "max_weight": "%.3f", "score_grad_norm": "%.2e"}


def column_config(field: str | None = None) -> dict[str, Any]:
    """Number formats of the page's tables (``field``: the measure in "unscaled"/"scaled")."""
    number = st.column_config.NumberColumn
    config: dict[str, Any] = {
        "you": st.column_config.TextColumn(width=44, help="👉 = your choice"),
        "d_k": number(format="%d", width=60),
        "T": number(format="%.3g", width=60),
        "T is": st.column_config.TextColumn(width=120, help="👉 = your T"),
        "√d_k": number(format="%.2f"),
        "std(q·k)": number(format="%.2f"),
        "std(q·k/√d_k)": number(format="%.2f"),
        "max weight": number(format="%.3f"),
        "entropy (nats)": number(format="%.3f"),
        "effective tokens": number(format="%.2f"),
    }
    if field is not None:
        config["unscaled"] = number(format=TABLE_FORMATS[field])
        config["scaled"] = number(format=TABLE_FORMATS[field])
        config["ratio"] = st.column_config.TextColumn(help="scaled / unscaled")
    return config


# ---- charts ---------------------------------------------------------------------------------
#
# Building an Altair chart costs 50-80 ms here (deep copies while layering), and Streamlit turns
# every dataset into Arrow: a rerun must stay near 60 ms. So each chart's *shape* is built once
# with Altair (named data, the lab's font sizes through ``charts.configure``), turned into a
# Vega-Lite dict and cached; a rerun only attaches the numbers as named datasets, already in
# Arrow (~0.1 ms each). The spec itself stays the same from one rerun to the next, so the
# browser redraws a chart in place and only where its data changed (moving d_k moves one
# rule, instead of rebuilding eight charts). Pages draw the result with ``ui.charts.show``.


def _projector() -> bool:
    return get_settings().projector


def _height(projector: bool) -> int:
    return 380 if projector else 280


def _to_spec(chart: alt.TopLevelMixin) -> dict:
    """The lab's font sizes, then a Vega-Lite dict whose height is the plot's own.

    Streamlit's default autosize ("fit") squeezes the legend and titles into the height, which
    flattens a chart with a legend below it; "fit-x" fits the width only.
    """
    spec = charts.configure(chart).to_dict()
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def _fill(template: dict, data: Mapping[str, Records], title: str | None = None) -> dict:
    """The cached chart spec with its data attached as named Arrow datasets (and its title).

    A shallow copy: the template is shared by every session and never changed.
    """
    spec = dict(template)
    spec["datasets"] = {name: charts.arrow_bytes(_table(rows)) for name, rows in data.items()}
    if title is not None:
        spec["title"] = title
    return spec


def _table(rows: Records) -> pa.Table:
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


def _d_k_rule() -> alt.LayerChart:
    """A dashed black rule at the chosen d_k (data "you": d_k, y, label), labelled."""
    base = alt.Chart(alt.NamedData(name="you"))
    rule = base.mark_rule(color="black", strokeDash=[5, 4], strokeWidth=2).encode(
        x="d_k:Q", tooltip=[alt.Tooltip("d_k:Q", title="your d_k")]
    )
    # the label sits on the side of the rule with room for it
    left = (
        base.transform_filter("datum.d_k < 128")
        .mark_text(align="left", dx=6, fontWeight="bold")
        .encode(x="d_k:Q", y="y:Q", text="label:N")
    )
    right = (
        base.transform_filter("datum.d_k >= 128")
        .mark_text(align="right", dx=-6, fontWeight="bold")
        .encode(x="d_k:Q", y="y:Q", text="label:N")
    )
    return rule + left + right


def _you(d_k: int, y: float) -> Records:
    return [{"d_k": d_k, "y": y, "label": f"your d_k = {d_k}"}]


def _lines(sweep: Sequence[SaturationStats], series: Mapping[str, Any]) -> Records:
    """Sweep -> one record per (d_k, series); ``series`` maps a name to f(unscaled, scaled)."""
    records = []
    for d_k in sorted({s.d_k for s in sweep}):
        unscaled, scaled = by_d_k(sweep, d_k)
        for name, value in series.items():
            records.append({"d_k": d_k, "series": name, "value": value(unscaled, scaled)})
    return records


@st.cache_resource(show_spinner=False)
def _bars_template(color: str, labels: bool, projector: bool) -> dict:
    """Bars of one query's weights (data "bars": key, weight, version), y fixed to [0, 1]."""
    base = alt.Chart(alt.NamedData(name="bars"))
    x = alt.X("key:N", sort=None, title="key token", axis=alt.Axis(labelAngle=0))
    y = alt.Y("weight:Q", title="attention weight", scale=alt.Scale(domain=[0, 1]))
    tooltip = [
        alt.Tooltip("key:N", title="key"),
        alt.Tooltip("weight:Q", title="weight", format=".4f"),
        alt.Tooltip("version:N", title="softmax"),
    ]
    color_enc = alt.Color(
        "version:N", title=None, scale=alt.Scale(range=[color]), legend=alt.Legend(orient="top")
    )
    chart = alt.layer(base.mark_bar().encode(x=x, y=y, color=color_enc, tooltip=tooltip))
    if labels:
        text = base.mark_text(dy=-8, fontSize=charts.font_sizes()["cell"]).encode(
            x=x, y=y, text=alt.Text("weight:Q", format=".2f"), tooltip=tooltip
        )
        chart += text
    return _to_spec(chart.properties(title="-", height=_height(projector)))


def weight_bars(weights: Sequence[float], *, title: str, version: str, color: str) -> dict:
    """One query's attention weights over its keys, as a bar chart spec (values on the bars
    when there are at most 12 keys)."""
    data = [
        {"key": f"k{j + 1}", "weight": weight, "version": version}
        for j, weight in enumerate(weights)
    ]
    template = _bars_template(color, len(weights) <= 12, _projector())
    return _fill(template, {"bars": data}, title=title)


SPREAD_SERIES = {
    "std of q·k, measured": lambda unscaled, scaled: unscaled.raw_score_std,
    "√d_k, the variance argument": lambda unscaled, scaled: math.sqrt(unscaled.d_k),
    "std of q·k / √d_k, measured": lambda unscaled, scaled: scaled.score_std,
}


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
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=names, range=[UNSCALED, THEORY, SCALED]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=names, range=[[1, 0], [6, 4], [1, 0]]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("d_k:Q", title="d_k"),
                alt.Tooltip("series:N", title="series"),
                alt.Tooltip("value:Q", title="value", format=".3f"),
            ],
        )
    )
    chart = (lines + _d_k_rule()).properties(
        title="std of q·k grows like √d_k; scaled, it stays 1",
        height=_height(projector),
    )
    return _to_spec(chart)


def spread_chart(sweep: Sequence[SaturationStats], d_k: int) -> dict:
    """std(q·k) measured, sqrt(d_k) in theory, and std after scaling, against d_k."""
    data = {"lines": _lines(sweep, SPREAD_SERIES), "you": _you(d_k, 24.0)}
    return _fill(_spread_template(_projector()), data)


@st.cache_resource(show_spinner=False)
def _sweep_template(measure: str, y_title: str, log_y: bool, fmt: str, projector: bool) -> dict:
    scale = alt.Scale(type="log", base=10) if log_y else alt.Scale(zero=True)
    # a log axis labels powers of ten only (its default draws a grid line at every 2, 3, ... 9)
    axis = alt.Axis(values=[10.0**-i for i in range(9)], format="~e") if log_y else alt.Axis()
    lines = (
        alt.Chart(alt.NamedData(name="lines"))
        .mark_line(point=True)
        .encode(
            x=_d_k_axis(),
            y=alt.Y("value:Q", title=y_title, scale=scale, axis=axis),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(VERSIONS), range=[UNSCALED, SCALED]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            tooltip=[
                alt.Tooltip("d_k:Q", title="d_k"),
                alt.Tooltip("series:N", title="softmax"),
                alt.Tooltip("value:Q", title=measure, format=fmt),
            ],
        )
    )
    chart = (lines + _d_k_rule()).properties(title="-", height=_height(projector))
    return _to_spec(chart)


def sweep_chart(
    sweep: Sequence[SaturationStats],
    d_k: int,
    *,
    field: str,
    measure: str,
    title: str,
    y_title: str,
    y_label: float,
    log_y: bool = False,
    fmt: str = ".3f",
) -> dict:
    """``SaturationStats.<field>`` against d_k, unscaled (vermillion) and scaled (blue)."""
    series = {
        VERSIONS[0]: lambda unscaled, scaled: getattr(unscaled, field),
        VERSIONS[1]: lambda unscaled, scaled: getattr(scaled, field),
    }
    template = _sweep_template(measure, y_title, log_y, fmt, _projector())
    data = {"lines": _lines(sweep, series), "you": _you(d_k, y_label)}
    return _fill(template, data, title=title)


TEMPERATURE_MARKS = ("T = 1: unscaled", "T = √d_k: scaled")
TEMPERATURE_TITLE = "Effective tokens against T (◆ = your T)"


@st.cache_resource(show_spinner=False)
def _temperature_template(projector: bool) -> dict:
    x = alt.X(
        "T:Q",
        title="temperature T (log₂ scale)",
        scale=alt.Scale(type="log", base=2),
        axis=alt.Axis(values=[2.0**i for i in range(-2, 8)], format="~g"),
    )
    y = alt.Y("effective tokens:Q", title="effective tokens e^H", scale=alt.Scale(zero=True))
    tooltip = [
        alt.Tooltip("T:Q", title="T", format=".3g"),
        alt.Tooltip("effective tokens:Q", format=".3f"),
        alt.Tooltip("max weight:Q", format=".3f"),
    ]
    line = (
        alt.Chart(alt.NamedData(name="curve"))
        .mark_line(point=True, color=CHOSEN)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    rules = (
        alt.Chart(alt.NamedData(name="marks"))
        .mark_rule(strokeDash=[5, 4], strokeWidth=2)
        .encode(
            x="T:Q",
            color=alt.Color(
                "mark:N",
                title=None,
                scale=alt.Scale(domain=list(TEMPERATURE_MARKS), range=[UNSCALED, SCALED]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            tooltip=[alt.Tooltip("mark:N", title="rule"), alt.Tooltip("T:Q", format=".3g")],
        )
    )
    rules += (
        alt.Chart(alt.NamedData(name="marks"))
        .mark_text(align="left", dx=5, dy=-4, angle=0, fontWeight="bold")
        .encode(x="T:Q", y=alt.value(100), text="label:N")
    )
    point = (
        alt.Chart(alt.NamedData(name="you"))
        .mark_point(shape="diamond", size=260, filled=True, color="black")
        .encode(x=x, y=y, tooltip=tooltip)
    )
    top = alt.Chart(alt.NamedData(name="uniform"))
    uniform = top.mark_rule(color=THEORY, strokeDash=[2, 3]).encode(y="y:Q")
    uniform += top.mark_text(align="left", dy=10, color=THEORY).encode(
        x=alt.datum(TEMPERATURES[0]), y="y:Q", text="label:N"
    )
    chart = (line + rules + point + uniform).properties(title="-", height=_height(projector))
    return _to_spec(chart)


def temperature_chart(
    curve: Sequence[TemperaturePoint], d_k: int, temperature: float, num_tokens: int
) -> dict:
    """Effective tokens against T (log₂), rules at T = 1 and T = sqrt(d_k), your T a diamond."""
    points = [
        {"T": p.temperature, "effective tokens": p.effective_tokens, "max weight": p.max_weight}
        for p in curve
    ]
    data = {
        "curve": points,
        "marks": [
            {"T": 1.0, "mark": TEMPERATURE_MARKS[0], "label": "T = 1"},
            {
                "T": math.sqrt(d_k),
                "mark": TEMPERATURE_MARKS[1],
                "label": f"√d_k = {format_temperature(math.sqrt(d_k))}" if d_k > 1 else "",
            },
        ],
        "you": [p for p in points if math.isclose(p["T"], temperature)],
        "uniform": [{"y": num_tokens, "label": f"uniform: all {num_tokens} keys"}],
    }
    # d_k is written beside the chart by the page: a number in the title would rebuild it
    return _fill(_temperature_template(_projector()), data, title=TEMPERATURE_TITLE)


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
