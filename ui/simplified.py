"""Glue for the simplified self-attention page (section 3.3): cached views, formulas, charts.

Everything the page shows is computed here from primitives (the shared settings' tuples), by
the core in ``attention.simplified``, and returned as plain tuples of floats so the page only
lays things out. The 2-d view of the embeddings (two chosen dimensions, or the best plane
through the origin by SVD) is a linear map, so a context vector, a weighted average of the
inputs, lands inside the convex hull of the projected inputs whatever view is chosen.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pyarrow as pa
import streamlit as st
import torch

from attention.data import BOOK_PRINTED
from attention.simplified import (
    attention_scores,
    attention_weights,
    context_vectors,
    naive_attention_weights,
    simplified_self_attention,
)
from ui import charts
from ui.charts import configure
from ui.compute import CACHE, tensor
from ui.inputs import Matrix
from ui.layout import sources
from ui.state import LabSettings, get_settings, widget_key

Vector = tuple[float, ...]

#: The core functions each step runs, in step order: shown as source, one step after another.
STEP_SOURCES = (
    ("Step 1 · scores", (attention_scores,)),
    ("Step 2 · weights", (attention_weights, naive_attention_weights)),
    ("Step 3 · context vector", (context_vectors,)),
    ("Step 4 · all queries at once", (simplified_self_attention,)),
)

#: Okabe-Ito: a palette that colour-blind readers can tell apart.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
BLUE, ORANGE, VERMILLION, SKY = "#0072B2", "#E69F00", "#D55E00", "#56B4E9"
BOOK_QUERY = 1  # the book follows x^(2), "journey"

VIEW_DIMS = "Two of the dimensions"
VIEW_SVD = "Best plane through the origin (SVD)"
VIEWS = (VIEW_DIMS, VIEW_SVD)


# ---- numbers --------------------------------------------------------------------------


@dataclass(frozen=True)
class SimplifiedView:
    """Every number the page shows, as plain tuples (n tokens, d_in dims).

    attn_scores, attn_weights (softmax over dim=-1), weights_dim0 (softmax over dim=0) and
    naive_weights (score / row sum) are (n, n); context_vecs is (n, d_in).
    """

    attn_scores: Matrix
    attn_weights: Matrix
    weights_dim0: Matrix
    naive_weights: Matrix
    context_vecs: Matrix


def _rows(values: torch.Tensor) -> Matrix:
    return tuple(tuple(float(v) for v in row) for row in values.tolist())


@st.cache_data(**CACHE)
def view(inputs: Matrix) -> SimplifiedView | str:
    """Section 3.3 on ``inputs``; a message instead if the core refuses them."""
    try:
        trace = simplified_self_attention(tensor(inputs))
    except ValueError as error:
        return str(error)
    return SimplifiedView(
        attn_scores=_rows(trace.attn_scores),
        attn_weights=_rows(trace.attn_weights),
        weights_dim0=_rows(attention_weights(trace.attn_scores, dim=0)),
        naive_weights=_rows(naive_attention_weights(trace.attn_scores)),
        context_vecs=_rows(trace.context_vecs),
    )


def sup(n: int) -> str:
    """x⁽²⁾-style superscript for a 1-based token position."""
    return "⁽" + str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")) + "⁾"


def fmt_vector(values: Sequence[float], digits: int = 4) -> str:
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


def safe_exp(value: float) -> float:
    """exp(score) as the book's naive softmax computes it; inf once it overflows."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def is_book_query(settings: LabSettings) -> bool:
    """The book's printed values apply: its inputs and its query, 'journey'."""
    return settings.is_book_state and settings.query == BOOK_QUERY


def book_values(name: str) -> Vector:
    return BOOK_PRINTED[f"simplified.{name}"]


BOOK_ROWS = (
    ("scores ω₂ⱼ", "attn_scores_2"),
    ("weights α₂ⱼ", "attn_weights_2"),
    ("context vector z⁽²⁾", "context_vec_2"),
)


def book_comparison(v: "SimplifiedView", query: int) -> tuple[bool, str]:
    """Does the query's row match what the book prints (to its 4 decimals)? And the table."""
    ours = (v.attn_scores[query], v.attn_weights[query], v.context_vecs[query])
    matches = all(
        abs(a - b) < 5.01e-5
        for row, (_, name) in zip(ours, BOOK_ROWS, strict=True)
        for a, b in zip(row, book_values(name), strict=True)
    )
    rows = "\n".join(
        f"| {label} | `{fmt_vector(row)}` | `{fmt_vector(book_values(name))}` |"
        for row, (label, name) in zip(ours, BOOK_ROWS, strict=True)
    )
    header = "| query *journey* | computed live | printed in the book (3.3.1) |\n|---|---|---|"
    return matches, f"{header}\n{rows}"


# ---- formulas -------------------------------------------------------------------------


def _num(value: float, bracket: bool = True) -> str:
    """A number as typed (0.43, 1e6), negatives bracketed so that products read clearly."""
    text = f"{value:.4g}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    return f"({text})" if value < 0 and bracket else text


def _chunks(terms: list[str], per_line: int) -> list[str]:
    return [" + ".join(terms[i : i + per_line]) for i in range(0, len(terms), per_line)]


def dot_product_latex(
    query_vec: Vector, key_vec: Vector, score: float, i: int, j: int, per_line: int = 4
) -> str:
    """ω_ij = x⁽ⁱ⁾ · x⁽ʲ⁾ spelled out: products of the coordinates, then their sum.

    ``i`` and ``j`` are 1-based positions. The total is the core's score (float32), so the
    formula and the charts agree to the last printed digit.
    """
    products = [f"{_num(q)} \\times {_num(k)}" for q, k in zip(query_vec, key_vec, strict=True)]
    values = [f"{q * k:.4f}" for q, k in zip(query_vec, key_vec, strict=True)]
    lines = [f"\\omega_{{{i}{j}}} = x^{{({i})}} \\cdot x^{{({j})}}"]
    lines += ["&= " + _chunks(products, per_line)[0]]
    lines += ["&\\quad + " + chunk for chunk in _chunks(products, per_line)[1:]]
    lines += ["&= " + _chunks(values, per_line + 2)[0]]
    lines += ["&\\quad + " + chunk for chunk in _chunks(values, per_line + 2)[1:]]
    lines += [f"&= \\mathbf{{{score:.4f}}}"]
    return "\\begin{aligned}" + lines[0] + " " + " \\\\ ".join(lines[1:]) + "\\end{aligned}"


def weighted_sum_latex(
    weights: Vector, inputs: Matrix, context: Vector, i: int, max_terms: int = 8
) -> str:
    """z⁽ⁱ⁾ = Σ_j α_ij x⁽ʲ⁾ with the numbers in: one line per input."""
    terms = [
        f"{w:.4f} \\cdot [{', '.join(_num(v, bracket=False) for v in x)}]"
        for w, x in zip(weights, inputs, strict=True)
    ]
    shown = terms[:max_terms]
    lines = [f"z^{{({i})}} &= {shown[0]}"] + [f"&\\quad + {t}" for t in shown[1:]]
    if len(terms) > max_terms:
        lines.append(f"&\\quad + \\dots \\text{{ ({len(terms) - max_terms} more)}}")
    lines.append(f"&= \\mathbf{{[{', '.join(f'{v:.4f}' for v in context)}]}}")
    return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


# ---- tables -------------------------------------------------------------------------
#
# Tables are Arrow tables with the labels in the first column, shown with
# ``ui.blocks.show_table``. Label columns that are not tokens start with a space: token names
# are stripped, so they never collide.

LABEL = " "  # the header of a table's label column


def table(
    labels: Sequence[str], columns: dict[str, Sequence[float]], label: str = LABEL
) -> pa.Table:
    """Rows named by ``labels``, one numeric column per entry of ``columns``."""
    return pa.table(
        {label: list(labels), **{name: [float(x) for x in col] for name, col in columns.items()}}
    )


def query_scores_table(
    tokens: Sequence[str], v: SimplifiedView, query: int, book: bool
) -> pa.Table:
    """Step 1: the query's score against every key (and the book's, when it applies)."""
    columns = {"score ω": v.attn_scores[query]}
    if book:
        columns["book prints"] = book_values("attn_scores_2")
    return table(tokens, columns, label="key")


def query_weights_table(
    tokens: Sequence[str], v: SimplifiedView, query: int, book: bool
) -> pa.Table:
    """Step 2: score -> exp(score) -> softmax weight, and score / sum for comparison."""
    scores = v.attn_scores[query]
    exps = [safe_exp(s) for s in scores]
    columns = {
        "score ω": [*scores, math.fsum(scores)],
        "exp(ω)": [*exps, math.fsum(exps)],
        "softmax α": [*v.attn_weights[query], math.fsum(v.attn_weights[query])],
        "ω / sum(ω)": [*v.naive_weights[query], math.fsum(v.naive_weights[query])],
    }
    if book:
        printed = book_values("attn_weights_2")
        columns["book prints α"] = [*printed, math.fsum(printed)]
    return table([*tokens, "Σ sum"], columns, label="key")


def sums_table(weights: Matrix, tokens: Sequence[str]) -> pa.Table:
    """A weight matrix with each row's sum as a last column and each column's sum as a last row."""
    n = len(tokens)
    columns = {
        t: [*(row[j] for row in weights), math.fsum(row[j] for row in weights)]
        for j, t in enumerate(tokens)
    }
    row_sums = [math.fsum(row) for row in weights]
    columns[" row sum"] = [*row_sums, math.fsum(row_sums)]
    return table([*tokens[:n], " column sum"], columns, label=" query \\ key")


def matrix_table(values: Matrix, row_labels: Sequence[str], col_labels: Sequence[str]) -> pa.Table:
    """``charts.matrix_frame`` as an Arrow table: the numbers beside a heatmap."""
    columns = {c: [row[j] for row in values] for j, c in enumerate(col_labels)}
    return table(row_labels, columns, label=" query")


def contributions_table(
    tokens: Sequence[str], inputs: Matrix, v: SimplifiedView, query: int
) -> pa.Table:
    """Step 3: α_j · x⁽ʲ⁾ per dimension for every input j; the last row is their sum, z."""
    weights = v.attn_weights[query]
    labels = [*(f"α·x{sup(j + 1)} {t}" for j, t in enumerate(tokens)), f"z{sup(query + 1)} = Σ"]
    columns = {"α": [*weights, math.fsum(weights)]}
    for d, dim in enumerate(dims_labels(len(inputs[0]))):
        columns[f"α·{dim}"] = [*(w * x[d] for w, x in zip(weights, inputs, strict=True))]
        columns[f"α·{dim}"].append(v.context_vecs[query][d])
    return table(labels, columns)


def dims_labels(d_in: int) -> list[str]:
    return [f"x{d + 1}" for d in range(d_in)]


def has_negative(matrix: Matrix) -> bool:
    return any(x < 0 for row in matrix for x in row)


# ---- verdicts: one sentence that says what the numbers show ---------------------------


def naive_verdict(tokens: Sequence[str], naive: Vector, softmax: Vector) -> str:
    """Does score / sum work for this query? Say where it breaks, or why it looks fine."""
    if not all(math.isfinite(w) for w in naive):
        return (
            "⚠️ **score / sum breaks here:** the scores add up to 0, so dividing by their sum "
            "is undefined. Softmax is still fine."
        )
    worst = min(range(len(naive)), key=lambda j: naive[j])
    if naive[worst] < 0 or max(naive) > 1:
        j = worst if naive[worst] < 0 else max(range(len(naive)), key=lambda i: naive[i])
        return (
            f"⚠️ **score / sum breaks here:** the weight of *{tokens[j]}* comes out as "
            f"**{naive[j]:.4f}**, which is not a share of anything; softmax gives it "
            f"{softmax[j]:.4f}. Softmax weights are always between 0 and 1."
        )
    top = max(range(len(naive)), key=lambda j: naive[j])  # the best match (highest score)
    if softmax[top] > naive[top]:
        lean = "leans more towards the best match"
    elif softmax[top] < naive[top]:
        lean = "is flatter here: it gives the best match less"  # scores close together, all < 1
    else:
        lean = "gives the best match the same share"
    return (
        f"✅ With these scores both ways give positive weights that sum to 1. Softmax {lean} "
        f"(*{tokens[top]}*: {softmax[top]:.4f} against {naive[top]:.4f} by score / sum). "
        "Make some scores negative to see score / sum fail."
    )


def dim_verdict(dim: int, tokens: Sequence[str], weights: Matrix, query: int) -> str:
    """Which sums are 1 for this choice of ``dim``, and what that means for the query."""
    row_sum = math.fsum(weights[query])
    col_sum = math.fsum(row[query] for row in weights)
    name = tokens[query]
    if dim == -1:
        return (
            f"✅ Every **row** sums to 1 (row *{name}*: {row_sum:.4f}): each query spreads "
            f"exactly 1 over the keys, so its context vector is a weighted average. The "
            f"columns need not (column *{name}*: {col_sum:.4f})."
        )
    return (
        f"⚠️ Now every **column** sums to 1 (column *{name}*: {col_sum:.4f}) but the rows do "
        f"not: row *{name}* sums to **{row_sum:.4f}**, so its weights are no longer shares of "
        f"a whole. Here the scores are symmetric (x⁽ⁱ⁾ · x⁽ʲ⁾ = x⁽ʲ⁾ · x⁽ⁱ⁾), so `dim=0` gives "
        f"exactly the transpose of `dim=-1`; with the separate W_query and W_key of section "
        f"3.4 the two would differ completely."
    )


def axis_picker(page: str, name: str, label: str, default: int, options: list[int]) -> int:
    """A dimension for one axis of the 2-d view; falls back to ``default`` if d_in shrank."""
    wkey = widget_key(page, name)
    if st.session_state.get(wkey) not in options:
        st.session_state[wkey] = min(default, options[-1])
    return st.selectbox(label, options, format_func=lambda d: f"x{d + 1}", key=wkey)


# ---- charts: built once per shape with Altair, then the numbers are swapped in ---------
#
# Building an Altair chart and validating its spec takes 20-80 ms, far too slow to redo on
# every keystroke. So each chart is built (and validated) once per *shape* (tokens, axis
# titles, projector mode) from named data sources, cached as a Vega-Lite dict, and each
# rerun only drops the current numbers into ``datasets``. Nothing that the query or an edit
# changes is written into a spec (titles say "the query", not its name): the browser then
# updates the chart it drew, where a changed spec makes it build the chart again (~30 ms).


# Streamlit's default "fit" squeezes titles, legends and axes into the given height; with
# "fit-x" the width follows the page and the height is the plot's own.
FIT_X = {"type": "fit-x", "contains": "padding"}
FIT = {"type": "fit", "contains": "padding"}


def _sized(spec: dict, autosize: dict, description: str) -> dict:
    """Size the chart and draw it on a canvas, its ``description`` for screen readers.

    A canvas is repainted in one pass when the numbers change, where SVG updates many DOM
    nodes (~5 ms per chart on each rerun). The numbers are in the table beside each chart.
    """
    spec["autosize"] = autosize
    spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    spec["description"] = description
    return spec


def _fill(spec: dict, data: dict[str, list[dict]]) -> dict:
    """The cached spec (a fresh copy: st.cache_data hands out copies) with these numbers in.

    Every number is data: the spec stays the same whatever the query or the embeddings, so
    the browser puts the new numbers into the chart it drew instead of building a new one.
    """
    # Arrow tables go to the browser as they are (a list of dicts would pass through pandas)
    spec["datasets"] = {name: pa.Table.from_pylist(rows) for name, rows in data.items()}
    return spec


@st.cache_data(**CACHE)
def _scores_template(tokens: tuple[str, ...], projector: bool) -> dict:
    shown = ("spelled out above", "other keys")
    chart = (
        alt.Chart(alt.Data(name="scores"))
        .mark_bar()
        .encode(
            x=alt.X(
                "key:N",
                sort=list(tokens),
                title="key token x⁽ʲ⁾",
                axis=alt.Axis(labelAngle=-40, labelOverlap=False),
            ),
            y=alt.Y("score:Q", title="score ω = query · key"),
            color=alt.Color(
                "shown:N",
                title="",
                scale=alt.Scale(domain=list(shown), range=[ORANGE, BLUE]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("key:N", title="key"),
                alt.Tooltip("score:Q", title="score ω", format=".4f"),
            ],
        )
        .properties(title="Attention scores of the query", height=230)
    )
    description = (
        "Bar chart: the query's attention score with each key; the table beside it lists them."
    )
    return _sized(configure(chart).to_dict(), FIT_X, description)


def scores_spec(tokens: Sequence[str], scores: Vector, key: int) -> dict:
    """Step 1: the query's score with every key, as bars; the spelled-out key in orange."""
    data = [
        {"key": t, "score": s, "shown": "spelled out above" if j == key else "other keys"}
        for j, (t, s) in enumerate(zip(tokens, scores, strict=True))
    ]
    spec = _scores_template(tuple(tokens), get_settings().projector)
    return _fill(spec, {"scores": data})


WEIGHT_KINDS = ("softmax (the book)", "score / sum")


@st.cache_data(**CACHE)
def _weights_template(tokens: tuple[str, ...], projector: bool) -> dict:
    chart = (
        alt.Chart(alt.Data(name="weights"))
        .mark_bar()
        .encode(
            x=alt.X(
                "key:N",
                sort=list(tokens),
                title="key token x⁽ʲ⁾",
                axis=alt.Axis(labelAngle=-40, labelOverlap=False),
            ),
            xOffset=alt.XOffset("method:N", sort=list(WEIGHT_KINDS)),
            y=alt.Y("weight:Q", title="attention weight α"),
            color=alt.Color(
                "method:N",
                title="normalised by",
                scale=alt.Scale(domain=list(WEIGHT_KINDS), range=[BLUE, ORANGE]),
                legend=alt.Legend(orient="top", direction="vertical"),
            ),
            tooltip=[
                alt.Tooltip("key:N", title="key"),
                alt.Tooltip("method:N", title="normalised by"),
                alt.Tooltip("weight:Q", title="weight", format=".4f"),
            ],
        )
        .properties(title="Attention weights of the query", height=250)
    )
    description = (
        "Bar chart: the query's attention weights, softmax beside score / sum, for each key; "
        "the table beside it lists them."
    )
    return _sized(configure(chart).to_dict(), FIT_X, description)


def weights_spec(tokens: Sequence[str], softmax_row: Vector, naive_row: Vector) -> dict:
    """Step 2: softmax weights beside score / sum for each key. Both sum to 1."""
    data = [
        {"key": t, "method": kind, "weight": w if math.isfinite(w) else None}
        for kind, row in zip(WEIGHT_KINDS, (softmax_row, naive_row), strict=True)
        for t, w in zip(tokens, row, strict=True)
    ]
    spec = _weights_template(tuple(tokens), get_settings().projector)
    return _fill(spec, {"weights": data})


@st.cache_data(**CACHE)
def _contributions_template(tokens: tuple[str, ...], d_in: int, projector: bool) -> dict:
    dims = dims_labels(d_in)
    colours = [OKABE_ITO[j % len(OKABE_ITO)] for j in range(len(tokens))]
    bars = (
        alt.Chart(alt.Data(name="contributions"))
        .mark_bar()
        .encode(
            x=alt.X("dimension:N", sort=dims, title="dimension of the embedding"),
            y=alt.Y("contribution:Q", title="α_j · x⁽ʲ⁾, stacked", stack="zero"),
            color=alt.Color(
                "input:N",
                sort=list(tokens),
                title="from input",
                scale=alt.Scale(domain=list(tokens), range=colours),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("input:N", title="input x⁽ʲ⁾"),
                alt.Tooltip("dimension:N"),
                alt.Tooltip("weight:Q", title="α", format=".4f"),
                alt.Tooltip("x:Q", title="x value", format=".4f"),
                alt.Tooltip("contribution:Q", title="α · x", format=".4f"),
            ],
        )
    )
    ticks = (
        alt.Chart(alt.Data(name="z"))
        .mark_tick(color="black", thickness=3, size=44)
        .encode(
            x=alt.X("dimension:N", sort=dims),
            y=alt.Y("z:Q"),
            tooltip=[
                alt.Tooltip("dimension:N"),
                alt.Tooltip("z:Q", title="z of the query (the sum)", format=".4f"),
            ],
        )
    )
    chart = alt.layer(bars, ticks).properties(
        title="z of the query, input by input (black tick = the sum)", height=270
    )
    description = (
        "Stacked bar chart: each input's weighted contribution to the query's context vector, "
        "per dimension; the table beside it lists them."
    )
    return _sized(configure(chart).to_dict(), FIT_X, description)


def contributions_spec(
    tokens: Sequence[str], inputs: Matrix, weights: Vector, context: Vector
) -> dict:
    """Step 3: stacked bars of α_j x⁽ʲ⁾ per dimension; the black tick is their sum, z."""
    dims = dims_labels(len(inputs[0]))
    data = [
        {
            "dimension": dims[d],
            "input": t,
            "order": j,
            "weight": w,
            "x": row[d],
            "contribution": w * row[d],
        }
        for j, (t, w, row) in enumerate(zip(tokens, weights, inputs, strict=True))
        for d in range(len(dims))
    ]
    z = [{"dimension": dim, "z": value} for dim, value in zip(dims, context, strict=True)]
    spec = _contributions_template(tuple(tokens), len(dims), get_settings().projector)
    return _fill(spec, {"contributions": data, "z": z})


# ---- heatmaps with the query's row outlined ------------------------------------------


def query_heatmap(
    matrix: Matrix,
    tokens: Sequence[str],
    columns: Sequence[str],
    query: int,
    *,
    title: str,
    x_title: str,
    value_title: str,
    domain: tuple[float, float] | None = None,
) -> dict:
    """``charts.heatmap`` of a matrix with one row per query token, the query's row outlined.

    The outline comes as data (``charts.heatmap``): picking another query updates the chart.
    """
    return charts.heatmap(
        matrix,
        tokens,
        columns,
        title=title,
        x_title=x_title,
        y_title="query token",
        value_title=value_title,
        diverging=has_negative(matrix),
        domain=domain,
        highlight_row=query,
    )


# ---- geometry -----------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """Inputs and context vectors in a 2-d view, the inputs' convex hull and axis names."""

    inputs: Matrix  # (n, 2)
    contexts: Matrix  # (n, 2)
    hull: Matrix  # closed polygon (first point repeated last)
    x_title: str
    y_title: str
    kept: float | None  # share of the squared length the SVD plane keeps


def _cross(o: Vector, a: Vector, b: Vector) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: Sequence[Vector]) -> Matrix:
    """Andrew's monotone chain: the hull's corners counter-clockwise, closed (first = last)."""
    unique = sorted({(round(x, 12), round(y, 12)) for x, y in points})
    if len(unique) <= 2:
        return (*unique, unique[0])
    lower: list[Vector] = []
    for p in unique:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Vector] = []
    for p in reversed(unique):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    return (*hull, hull[0])


def inside_hull(point: Vector, hull: Matrix, tol: float = 1e-6) -> bool:
    """Is ``point`` inside (or on) the closed counter-clockwise polygon ``hull``?"""
    corners = hull[:-1]
    if len(corners) < 3:  # a point or a segment: check the distance to the segment
        a, b = corners[0], corners[-1]
        ab = (b[0] - a[0], b[1] - a[1])
        length2 = ab[0] ** 2 + ab[1] ** 2
        t = (
            0.0
            if length2 == 0
            else ((point[0] - a[0]) * ab[0] + (point[1] - a[1]) * ab[1]) / length2
        )
        t = min(1.0, max(0.0, t))
        closest = (a[0] + t * ab[0], a[1] + t * ab[1])
        scale = max(1.0, math.hypot(*a), math.hypot(*b))
        return math.dist(point, closest) <= tol * scale
    scale = max(1.0, *(abs(c) for p in corners for c in p))
    return all(
        _cross(corners[k], corners[(k + 1) % len(corners)], point) >= -tol * scale**2
        for k in range(len(corners))
    )


@st.cache_data(**CACHE)
def project(inputs: Matrix, context_vecs: Matrix, mode: str, dims: tuple[int, int]) -> Projection:
    """A linear 2-d view: two chosen dimensions, or the best plane through the origin (SVD).

    Linear maps keep weighted averages, so each projected context vector is the same weighted
    average of the projected inputs and stays inside their convex hull.
    """
    X = torch.tensor(inputs, dtype=torch.float64)  # (n, d_in)
    Z = torch.tensor(context_vecs, dtype=torch.float64)  # (n, d_in)
    d_in = X.shape[1]
    kept = None
    if d_in == 1:
        basis = torch.tensor([[1.0, 0.0]], dtype=torch.float64)  # (1, 2): a line
        x_title, y_title = "x1", "(d_in = 1: every vector lies on this line)"
    elif mode == VIEW_SVD:
        _, s, Vh = torch.linalg.svd(X, full_matrices=True)  # Vh: (d_in, d_in)
        basis = Vh[:2].T.clone()  # (d_in, 2): the two best directions
        signs = torch.sign((X @ basis).sum(dim=0))  # point each axis towards the data
        basis = basis * torch.where(signs == 0, torch.ones_like(signs), signs)
        energy = (s**2).sum().item()
        kept = (s[:2] ** 2).sum().item() / energy if energy > 0 else 1.0
        x_title, y_title = "SVD direction 1", "SVD direction 2"
    else:
        basis = torch.zeros(d_in, 2, dtype=torch.float64)
        basis[dims[0], 0] = 1.0
        basis[dims[1], 1] = 1.0
        x_title, y_title = f"x{dims[0] + 1}", f"x{dims[1] + 1}"
    points = _rows(X @ basis)  # (n, d_in) @ (d_in, 2) -> (n, 2)
    return Projection(
        inputs=points,
        contexts=_rows(Z @ basis),
        hull=convex_hull(points),
        x_title=x_title,
        y_title=y_title,
        kept=kept,
    )


def geometry_verdict(proj: "Projection", query: int, query_token: str) -> str:
    """Say where the query's context vector landed (inside the hull, as it must)."""
    point = proj.contexts[query]
    where = f"({point[0]:.3f}, {point[1]:.3f})"
    if inside_hull(point, proj.hull):
        return (
            f"✅ z{sup(query + 1)} of *{query_token}* sits at {where}, inside the shaded hull: "
            "a weighted average of the inputs, pulled towards those with the biggest weights."
        )
    return f"⚠️ z{sup(query + 1)} at {where} looks outside the hull: a rounding effect."


GEOMETRY_PARAMS = ("x_c", "y_c", "half")
QUERY_ROLE, INPUT_ROLE, Z_ROLE, OTHER_Z_ROLE = (
    "the query x⁽ⁱ⁾",
    "the inputs x⁽ʲ⁾",
    "its context vector z⁽ⁱ⁾",
    "other context vectors",
)


@st.cache_data(**CACHE)
def _geometry_template(
    x_title: str, y_title: str, show_all: bool, size: int, projector: bool
) -> dict:
    roles = [QUERY_ROLE, INPUT_ROLE, Z_ROLE]
    palette = [ORANGE, BLUE, VERMILLION]
    if show_all:
        roles.append(OTHER_Z_ROLE)
        palette.append("#555555")
    # The view's centre and half-span come with the data (the one row of "origin", a dataset
    # a layer draws: Vega drops unused ones), not in the spec: a new query or an edited
    # number then updates the drawn chart instead of building it again.
    params = [
        alt.param(name=name, expr=f"length(data('origin')) ? data('origin')[0].{name} : 1")
        for name in GEOMETRY_PARAMS
    ]
    # Equal scales on both axes whatever the chart's width, so angles on screen are true:
    # the longer side of the plot (Vega's width/height signals) gets the wider domain.
    x_half = "half * max(1, width / height)"
    y_half = "half * max(1, height / width)"
    x_domain = alt.ExprRef(f"[x_c - {x_half}, x_c + {x_half}]")
    y_domain = alt.ExprRef(f"[y_c - {y_half}, y_c + {y_half}]")
    x = alt.X("x:Q", title=x_title, scale=alt.Scale(domain=x_domain, nice=False))
    y = alt.Y("y:Q", title=y_title, scale=alt.Scale(domain=y_domain, nice=False))
    colour = alt.Color(
        "role:N",
        title="",
        scale=alt.Scale(domain=roles, range=palette),
        legend=alt.Legend(orient="top", columns=2),
    )
    arrow_tip = [
        alt.Tooltip("token:N", title="input"),
        alt.Tooltip("x:Q", title=x_title, format=".4f"),
        alt.Tooltip("y:Q", title=y_title, format=".4f"),
        alt.Tooltip("weight:Q", title="weight from the query", format=".4f"),
    ]
    hull = (
        alt.Chart(alt.Data(name="hull"))
        .mark_line(
            interpolate="linear-closed",
            fill=SKY,
            fillOpacity=0.18,
            stroke=SKY,
            strokeDash=[4, 3],
            strokeWidth=1.5,
        )
        .encode(x=x, y=y, order="order:Q")
    )
    shafts = (
        alt.Chart(alt.Data(name="arrows"))
        .mark_rule(strokeWidth=2)
        .encode(x=x, y=y, x2="x0:Q", y2="y0:Q", color=colour, tooltip=arrow_tip)
    )
    heads = (
        alt.Chart(alt.Data(name="arrows"))
        .mark_point(shape="triangle", filled=True, opacity=1)
        .encode(
            x=x,
            y=y,
            angle=alt.Angle("angle:Q", scale=None),
            size=alt.Size("weight:Q", scale=alt.Scale(domain=[0, 1], range=[60, 700]), legend=None),
            color=colour,
            tooltip=arrow_tip,
        )
    )
    labels = (
        alt.Chart(alt.Data(name="arrows"))
        .mark_text(align="left", dx=9, dy=-9, fontSize=18 if projector else 13)
        .encode(x=x, y=y, text="token:N", color=colour)
    )
    diamonds = (
        alt.Chart(alt.Data(name="contexts"))
        .mark_point(shape="diamond", filled=True, size=190, opacity=1, stroke="white")
        .encode(
            x=x,
            y=y,
            color=colour,
            tooltip=[
                alt.Tooltip("token:N", title="context vector"),
                alt.Tooltip("of:N", title="of the query"),
                alt.Tooltip("x:Q", title=x_title, format=".4f"),
                alt.Tooltip("y:Q", title=y_title, format=".4f"),
            ],
        )
    )
    z_label = (
        alt.Chart(alt.Data(name="z_label"))
        .mark_text(align="left", dx=10, dy=14, fontSize=20 if projector else 15, fontWeight="bold")
        .encode(x=x, y=y, text="token:N", color=colour)
    )
    origin = (
        alt.Chart(alt.Data(name="origin"))
        .mark_point(shape="cross", filled=True, size=80, color="#555555")
        .encode(x=x, y=y, tooltip=alt.value("the origin (0, 0)"))
    )
    chart = (
        alt.layer(hull, shafts, heads, labels, origin, diamonds, z_label)
        .add_params(*params)
        .properties(
            title="The inputs as arrows from the origin, and the query's z",
            height=size,
        )
    )
    description = (
        "The inputs as arrows from the origin in a 2-d view, their convex hull, and the "
        "query's context vector inside it; the text beside the chart gives its coordinates."
    )
    return _sized(configure(chart).to_dict(), FIT, description)


def geometry_spec(
    tokens: Sequence[str],
    proj: Projection,
    weights: Vector,
    query: int,
    show_all: bool,
    size: int = 440,
) -> dict:
    """Inputs as arrows from the origin, their convex hull, the query and its context vector."""
    arrows = [
        {
            "token": t,
            "x": p[0],
            "y": p[1],
            "x0": 0.0,
            "y0": 0.0,
            "weight": w,
            "role": QUERY_ROLE if j == query else INPUT_ROLE,
            # the arrowhead's rotation: Vega's angle is clockwise from "up"
            "angle": math.degrees(math.atan2(p[0], p[1])),
        }
        for j, (t, p, w) in enumerate(zip(tokens, proj.inputs, weights, strict=True))
    ]
    contexts = [
        {
            "token": f"z{sup(j + 1)}",
            "of": t,
            "x": p[0],
            "y": p[1],
            "role": Z_ROLE if j == query else OTHER_Z_ROLE,
        }
        for j, (t, p) in enumerate(zip(tokens, proj.contexts, strict=True))
        if show_all or j == query
    ]
    hull = [{"x": p[0], "y": p[1], "order": i} for i, p in enumerate(proj.hull)]
    xs = [0.0, *(p[0] for p in proj.inputs), *(c["x"] for c in contexts)]
    ys = [0.0, *(p[1] for p in proj.inputs), *(c["y"] for c in contexts)]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) * 1.2
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    spec = _geometry_template(proj.x_title, proj.y_title, show_all, size, get_settings().projector)
    data = {
        "hull": hull,
        "arrows": arrows,
        "contexts": contexts,
        "z_label": [c for c in contexts if c["of"] == tokens[query]],
        "origin": [{"x": 0.0, "y": 0.0, "x_c": cx, "y_c": cy, "half": span / 2}],
    }
    return _fill(spec, data)


# ---- the code -----------------------------------------------------------------------


def code_that_ran(shown: int) -> str:
    """The core functions behind the first ``shown`` steps, one step after another."""
    return "\n\n\n".join(sources(functions, heading) for heading, functions in STEP_SOURCES[:shown])


# ---- reproduce this -------------------------------------------------------------------


def reproduce_snippet(tokens: Sequence[str], inputs: Matrix, query: int, v: SimplifiedView) -> str:
    """Self-contained notebook code (only torch) that recomputes this page, in the book's words."""
    n = query + 1
    width = max(len(repr(t)) for t in tokens)
    rows = "\n".join(
        f"        [{', '.join(repr(float(x)) for x in row)}],  # {t!r:<{width}} (x^{j + 1})"
        for j, (t, row) in enumerate(zip(tokens, inputs, strict=True))
    )
    return f"""import torch

inputs = torch.tensor(
    [
{rows}
    ]
)

# Section 3.3.1: one query, {tokens[query]!r} (x^{n})
query = inputs[{query}]
attn_scores_{n} = torch.empty(inputs.shape[0])
for i, x_i in enumerate(inputs):
    attn_scores_{n}[i] = torch.dot(x_i, query)  # step 1: dot products
print(attn_scores_{n})  # expect {fmt_vector(v.attn_scores[query])}

attn_weights_{n} = torch.softmax(attn_scores_{n}, dim=0)  # step 2: softmax, sums to 1
print(attn_weights_{n}, attn_weights_{n}.sum())  # expect {fmt_vector(v.attn_weights[query])}

context_vec_{n} = torch.zeros(query.shape)
for i, x_i in enumerate(inputs):
    context_vec_{n} += attn_weights_{n}[i] * x_i  # step 3: weighted sum
print(context_vec_{n})  # expect {fmt_vector(v.context_vecs[query])}

# Section 3.3.2: every query at once
attn_scores = inputs @ inputs.T
attn_weights = torch.softmax(attn_scores, dim=-1)  # each row sums to 1
all_context_vecs = attn_weights @ inputs
print(all_context_vecs)
"""
