"""Every chart in the lab: one heatmap function, and the long-form tables behind it.

Following the Annotated Transformer: a matrix becomes a tidy table (row, column, value,
row_token, col_token), then an Altair ``mark_rect`` with a tooltip and, for small matrices,
the value printed in each cell. Colours are colour-blind safe (viridis for weights,
blue-orange for signed scores).
"""

import textwrap
from collections.abc import Sequence

import altair as alt
import pandas as pd

from ui.state import get_settings

SEQUENTIAL = "viridis"
DIVERGING = "blueorange"
MAX_CELLS_WITH_TEXT = 400


def font_sizes() -> dict[str, int]:
    """Bigger text in projector mode, so the back row can read the numbers."""
    if get_settings().projector:
        return {"title": 26, "label": 20, "axis_title": 20, "cell": 20}
    return {"title": 16, "label": 13, "axis_title": 13, "cell": 12}


def matrix_frame(
    values: Sequence[Sequence[float]], row_labels: Sequence[str], col_labels: Sequence[str]
) -> pd.DataFrame:
    """A matrix as a table with token names on both sides (shown beside every heatmap)."""
    return pd.DataFrame([list(r) for r in values], index=list(row_labels), columns=list(col_labels))


def long_form(
    values: Sequence[Sequence[float]], row_labels: Sequence[str], col_labels: Sequence[str]
) -> pd.DataFrame:
    """Matrix -> one row per cell: row, column, value, row_token, col_token."""
    records = [
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
    return pd.DataFrame.from_records(records)


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
) -> alt.Chart:
    """A labelled heatmap with exact values on hover.

    Rows run top to bottom in the given order; ``highlight_row`` outlines one row (the query).
    Pass tensors through ``.tolist()`` first (``ui.compute.to_lists``).
    """
    values = values.tolist() if hasattr(values, "tolist") else values
    data = long_form(values, row_labels, col_labels)
    sizes = font_sizes()
    if domain is None:
        finite = data["value"].replace([float("inf"), float("-inf")], pd.NA).dropna()
        low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        if diverging:
            bound = max(abs(low), abs(high), 1e-9)
            low, high = -bound, bound
        domain = (low, high) if high > low else (low - 0.5, high + 0.5)
    scale = alt.Scale(scheme=DIVERGING if diverging else SEQUENTIAL, domain=list(domain))
    # Cells shrink with more tokens so that chart, axes and legend fit half a wide page.
    cell = max(20, min(44, 360 // max(len(col_labels), 1)))
    if get_settings().projector:
        cell = int(cell * 1.4)
    # labelOverlap=False: every token keeps its label (Vega would drop every other one)
    x_axis = alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=120)
    x = alt.X("col_token:N", sort=list(col_labels), title=x_title, axis=x_axis)
    y = alt.Y(
        "row_token:N",
        sort=list(row_labels),
        title=y_title,
        axis=alt.Axis(labelOverlap=False, labelLimit=120),
    )
    tooltip = [
        alt.Tooltip("row_token:N", title=y_title),
        alt.Tooltip("col_token:N", title=x_title),
        alt.Tooltip("value:Q", title=value_title, format=".4f"),
    ]
    base = alt.Chart(data).encode(x=x, y=y)
    rect = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("value:Q", title=value_title, scale=scale), tooltip=tooltip
    )
    layers = [rect]
    if len(data) <= MAX_CELLS_WITH_TEXT:
        mid = (domain[0] + domain[1]) / 2
        dark_text = (
            alt.datum.value > mid if not diverging else abs(alt.datum.value) < (domain[1] - mid) / 2
        )
        text = base.mark_text(fontSize=sizes["cell"]).encode(
            text=alt.Text("value:Q", format=fmt),
            color=alt.condition(dark_text, alt.value("black"), alt.value("white")),
            tooltip=tooltip,
        )
        layers.append(text)
    if highlight_row is not None:
        outline = (
            alt.Chart(data[data["row"] == highlight_row])
            .mark_rect(fill=None, stroke="#d62728", strokeWidth=3)
            .encode(x=x, y=y)
        )
        layers.append(outline)
    return (
        alt.layer(*layers)
        .properties(
            title=wrap_title(title, cell * len(col_labels) + 120, sizes["title"]),
            width=cell * len(col_labels),
            height=cell * len(row_labels),
            # "pad": width/height are the cells' area; axes and legend add to it (Streamlit's
            # default "fit" would squeeze the cells to make room for them)
            autosize=alt.AutoSizeParams(type="pad"),
        )
        .configure_axis(labelFontSize=sizes["label"], titleFontSize=sizes["axis_title"])
        .configure_title(fontSize=sizes["title"], anchor="start")
        .configure_legend(labelFontSize=sizes["label"], titleFontSize=sizes["axis_title"])
    )


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
