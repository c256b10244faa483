"""Every chart in the lab: one heatmap function, and the long-form tables behind it.

Following the Annotated Transformer: a matrix becomes a tidy table (row, column, value,
row_token, col_token), then an Altair ``mark_rect`` with a tooltip and, for small matrices,
the value printed in each cell. Colours are colour-blind safe (viridis for weights,
blue-orange for signed scores).

Speed: building and validating an Altair chart costs about 50 ms, and a page has several.
So the heatmap's Altair chart is built once per layout (labels, titles, options) and kept as
a Vega-Lite spec; each rerun only swaps in the numbers. Render every chart with ``show``.

The browser redraws a chart in place (new data into the same Vega view, ~15 ms cheaper than
building a new view) only when the spec is unchanged and just its datasets differ. So every
number lives in the dataset, the colour scale's range included, and a title holds no number
that a control changes: the page writes such numbers beside the chart.
"""

import functools
import json
import textwrap
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from ui.state import get_settings

SEQUENTIAL = "viridis"
DIVERGING = "blueorange"
MAX_CELLS_WITH_TEXT = 400
DATASET = "cells"
OUTLINE = "outline"  # the dataset of the outlined row's cells


def font_sizes() -> dict[str, int]:
    """Bigger text in projector mode, so the back row can read the numbers."""
    if get_settings().projector:
        return {"title": 26, "label": 20, "axis_title": 20, "cell": 20}
    return {"title": 16, "label": 13, "axis_title": 13, "cell": 12}


def matrix_frame(
    values: Sequence[Sequence[float]], row_labels: Sequence[str], col_labels: Sequence[str]
) -> pd.DataFrame:
    """A matrix as a table with token names on both sides (shown beside every heatmap)."""
    values = values.tolist() if hasattr(values, "tolist") else values
    return pd.DataFrame([list(r) for r in values], index=list(row_labels), columns=list(col_labels))


def long_form(
    values: Sequence[Sequence[float]], row_labels: Sequence[str], col_labels: Sequence[str]
) -> list[dict[str, Any]]:
    """Matrix -> one record per cell: row, column, value, row_token, col_token."""
    return [
        {
            "row": i,
            "column": j,
            "value": float(v),
            "row_token": row_labels[i],
            "col_token": col_labels[j],
        }
        for i, row in enumerate(values)
        for j, v in enumerate(row)
    ]


def _domain(values: list[float], diverging: bool) -> tuple[float, float]:
    finite = [v for v in values if v not in (float("inf"), float("-inf"))]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if diverging:
        bound = max(abs(low), abs(high), 1e-9)
        low, high = -bound, bound
    return (low, high) if high > low else (low - 0.5, high + 0.5)


def heatmap(
    values: Sequence[Sequence[float]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    title: str,
    x_title: str,
    y_title: str,
    value_title: str = "value",
    diverging: bool = False,
    domain: tuple[float, float] | None = None,
    highlight_row: int | None = None,
    fmt: str = ".2f",
) -> dict[str, Any]:
    """A labelled heatmap with exact values on hover, as a Vega-Lite spec for ``show``.

    Rows run top to bottom in the given order; ``highlight_row`` outlines one row (the query).
    Tensors are accepted (converted with ``.tolist()``).
    """
    values = values.tolist() if hasattr(values, "tolist") else values
    flat = [float(v) for row in values for v in row]
    low, high = domain or _domain(flat, diverging)
    mid = (low + high) / 2
    # white text on dark cells, black on light ones (the diverging scale's orange stays light
    # until about 70% of the way to its end: white on mid-orange would be hard to read)
    if diverging:
        text_color = ["black" if abs(v - mid) < 0.7 * (high - mid) else "white" for v in flat]
    else:
        text_color = ["black" if v > mid else "white" for v in flat]
    n_cols = len(col_labels)
    cells = pa.table(
        {
            "row": pa.array([i // n_cols for i in range(len(flat))], pa.int64()),
            "column": pa.array([i % n_cols for i in range(len(flat))], pa.int64()),
            "value": pa.array(flat, pa.float64()),
            "row_token": [row_labels[i // n_cols] for i in range(len(flat))],
            "col_token": [col_labels[i % n_cols] for i in range(len(flat))],
            "text_color": text_color,
            # the colour scale's range, read by the spec's params (see _heatmap_template)
            "low": pa.array([low] * len(flat), pa.float64()),
            "high": pa.array([high] * len(flat), pa.float64()),
        }
    )
    spec = json.loads(
        _heatmap_template(
            tuple(row_labels), tuple(col_labels), title, x_title, y_title, value_title,
            diverging, highlight_row is not None, fmt, len(flat) <= MAX_CELLS_WITH_TEXT,
            get_settings().projector,
        )
    )  # fmt: skip
    spec["datasets"] = {DATASET: arrow_bytes(cells)}
    if highlight_row is not None:  # the outlined row is data too: another row, same spec
        outline = {"row_token": [row_labels[highlight_row]] * n_cols, "col_token": list(col_labels)}
        spec["datasets"][OUTLINE] = arrow_bytes(pa.table(outline))
    return spec


def arrow_bytes(table: pa.Table) -> bytes:
    """A dataset as Arrow IPC bytes, sent as is (Streamlit would route a list of dicts through
    pandas). The same numbers give the same bytes, so the browser leaves that chart alone."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


@functools.lru_cache(maxsize=512)
def _heatmap_template(
    row_labels: tuple[str, ...],
    col_labels: tuple[str, ...],
    title: str,
    x_title: str,
    y_title: str,
    value_title: str,
    diverging: bool,
    outlined: bool,
    fmt: str,
    with_text: bool,
    projector: bool,
) -> str:
    """The heatmap's Altair chart for one layout, as Vega-Lite JSON (data left out)."""
    sizes = font_sizes()
    # Cells shrink with more tokens so that chart, axes and legend fit half a wide page.
    # The plot stays within ~300 px (~380 px in projector mode) and the legend sits below it,
    # so a heatmap fits half a page even beside its table.
    n = max(len(col_labels), 1)
    cell = min(int(44 * 1.25), 380 // n) if projector else min(44, 300 // n)
    cell = max(cell, 14)
    # labelOverlap=False: every token keeps its label (Vega would drop every other one)
    x_axis = alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=120)
    x = alt.X("col_token:N", sort=list(col_labels), title=x_title, axis=x_axis)
    y_axis = alt.Axis(labelOverlap=False, labelLimit=120)
    y = alt.Y("row_token:N", sort=list(row_labels), title=y_title, axis=y_axis)
    tooltip = [
        alt.Tooltip("row_token:N", title=y_title),
        alt.Tooltip("col_token:N", title=x_title),
        alt.Tooltip("value:Q", title=value_title, format=".4f"),
    ]
    # The colour range comes with the data (columns low, high), so that new numbers update
    # the chart in place; a domain written into the spec would rebuild the chart.
    scale = alt.Scale(
        scheme=DIVERGING if diverging else SEQUENTIAL,
        domain=alt.ExprRef("[domain_low, domain_high]"),
    )
    base = alt.Chart(alt.NamedData(DATASET)).encode(x=x, y=y)
    layers = [
        base.mark_rect(stroke="white", strokeWidth=0.5).encode(
            color=alt.Color(
                "value:Q",
                title=value_title,
                scale=scale,
                legend=alt.Legend(
                    orient="bottom", direction="horizontal", gradientLength=min(cell * n, 240)
                ),
            ),
            tooltip=tooltip,
        )
    ]
    if with_text:
        text = base.mark_text(fontSize=sizes["cell"]).encode(
            text=alt.Text("value:Q", format=fmt),
            # a condition, not a scale=None channel: Vega-Lite fails to merge a null colour
            # scale with the rect layer's and the whole chart stays blank in the browser
            color=alt.condition(
                "datum.text_color === 'black'", alt.value("black"), alt.value("white")
            ),
            tooltip=tooltip,
        )
        layers.append(text)
    if outlined:  # which row: the OUTLINE dataset says (see heatmap)
        outline = alt.Chart(alt.NamedData(OUTLINE)).encode(x=x, y=y)
        layers.append(outline.mark_rect(fill=None, stroke="#d62728", strokeWidth=3))
    first = f"length(data('{DATASET}')) ? data('{DATASET}')[0]"
    chart = (
        alt.layer(*layers)
        .add_params(
            alt.param(name="domain_low", expr=f"{first}.low : 0"),
            alt.param(name="domain_high", expr=f"{first}.high : 1"),
        )
        .properties(
            title=wrap_title(title, cell * len(col_labels) + 120, sizes["title"]),
            width=cell * len(col_labels),
            height=cell * len(row_labels),
            # "pad": width/height are the cells' area; axes and legend add to it (Streamlit's
            # default "fit" would squeeze the cells to make room for them)
            autosize=alt.AutoSizeParams(type="pad"),
        )
    )
    spec = configure(chart).to_dict()
    # Drawn on a canvas: a new matrix repaints it in one pass, where SVG would replace a few
    # DOM nodes per cell (~15 ms less per updated heatmap). Screen readers get the description,
    # and the exact numbers are in the table beside every heatmap.
    spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    spec["description"] = (
        f"Heatmap: {title}. Rows: {y_title}; columns: {x_title}; colour: {value_title}. "
        "The table beside it lists every value."
    )
    return json.dumps(spec)


def wrap_title(title: str, width_px: int, font_px: int) -> list[str]:
    """Break a long title into lines that fit the chart (Vega clips a title at the chart's width)."""
    return textwrap.wrap(title, width=max(20, int(width_px / (0.55 * font_px))))


def configure(chart: alt.Chart | alt.LayerChart) -> alt.Chart:
    """Apply the lab's font sizes to any other chart (bars, lines, scatter)."""
    sizes = font_sizes()
    return (
        chart.configure_axis(labelFontSize=sizes["label"], titleFontSize=sizes["axis_title"])
        .configure_title(fontSize=sizes["title"], anchor="start")
        .configure_legend(labelFontSize=sizes["label"], titleFontSize=sizes["axis_title"])
    )


def show(
    chart: alt.TopLevelMixin | dict[str, Any],
    *,
    width: str | int = "content",
    key: str | None = None,
) -> None:
    """Render a heatmap spec or any Altair chart, skipping Altair's slow schema validation.

    ``st.altair_chart`` validates the whole spec against Vega-Lite's JSON schema on every rerun
    (~50 ms a chart); our charts are built by Altair, so they are valid by construction.
    """
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    st.vega_lite_chart(spec, width=width, key=key)


def table(frame: pd.DataFrame, fmt: str = "%.4f", **kwargs: Any) -> None:
    """The numeric table beside a chart, every number column printed with ``fmt``.

    Cheaper than a pandas Styler (which costs ~15 ms a table to marshal on every rerun).
    """
    number_columns = {
        str(c): st.column_config.NumberColumn(format=fmt)
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c])
    }
    st.dataframe(frame, column_config=number_columns, **kwargs)
