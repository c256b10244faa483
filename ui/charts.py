"""The one chart pipeline: a chart's layout is built once, its numbers are filled in per run.

Heatmaps are tables (``ui.tables.matrix``); this module draws what a table cannot: lines,
bars and points (accuracy curves, the why-scale sweeps, the geometry of context vectors).

    spec(builder, *layout, data=..., projector=...)   -> a Vega-Lite dict ready for ``show``
    show(spec)                                        -> on the page

A *builder* is a function ``builder(*layout, sizes) -> (altair chart, description)`` that
uses named datasets only (``alt.NamedData("points")``). Its result for one layout (titles,
labels, options, projector mode) is cached as a Vega-Lite template: building an Altair chart
costs tens of milliseconds, filling one in well under one. ``data`` maps each dataset name to
records, sent as Arrow bytes. Every chart is drawn on a canvas, fits its column's width, and
carries a description for screen readers (the numbers are in a table beside it).

A Vega chart costs the browser about 15 ms on every rerun of the script (or fragment) it sits
in, changed or not: keep few in the reach of any one control (docs/performance.md).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pyarrow as pa
import streamlit as st

Records = Sequence[Mapping[str, Any]]

# Okabe-Ito: told apart with every common colour-vision deficiency.
BLUE, ORANGE, GREEN, PURPLE = "#0072B2", "#E69F00", "#009E73", "#CC79A7"
SKY, VERMILLION, YELLOW, BLACK, GREY = "#56B4E9", "#D55E00", "#F0E442", "#000000", "#7F7F7F"
OKABE_ITO = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK)


@dataclass(frozen=True)
class Sizes:
    """Font sizes and a plot height for the current mode (projector mode: bigger)."""

    title: int
    label: int
    axis_title: int
    mark_text: int
    height: int


def sizes(projector: bool) -> Sizes:
    return Sizes(24, 18, 18, 16, 380) if projector else Sizes(16, 13, 13, 12, 280)


Builder = Callable[..., tuple[alt.TopLevelMixin, str]]


def configure(chart: alt.TopLevelMixin, s: Sizes) -> alt.TopLevelMixin:
    """The lab's font sizes on any chart."""
    return (
        chart.configure_axis(labelFontSize=s.label, titleFontSize=s.axis_title)
        .configure_title(fontSize=s.title, anchor="start")
        .configure_legend(labelFontSize=s.label, titleFontSize=s.axis_title, labelLimit=320)
    )


@functools.lru_cache(maxsize=256)
def _template(builder: Builder, layout: tuple[Hashable, ...], projector: bool) -> str:
    """A builder's chart for one layout, as Vega-Lite JSON without data (cached)."""
    s = sizes(projector)
    chart, description = builder(*layout, s)
    spec = configure(chart, s).to_dict(validate=False)
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    # a canvas is one DOM node where SVG makes hundreds: cheaper to redraw
    spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    spec["description"] = description
    return json.dumps(spec)


def arrow_bytes(records: Records) -> bytes:
    """Records as Arrow IPC bytes (numbers as float64), sent to the browser as they are."""
    if not records:
        table = pa.table({})
    else:
        names = list(records[0])
        table = pa.table({name: _column([r[name] for r in records]) for name in names})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _column(values: list[Any]) -> pa.Array:
    """A numeric column as float64 (ints and floats mixed would make two types), else as is."""
    numeric = all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values
    )
    return pa.array(values, pa.float64()) if numeric else pa.array(values)


def spec(
    builder: Builder,
    *layout: Hashable,
    data: Mapping[str, Records],
    projector: bool = False,
) -> dict[str, Any]:
    """The cached template of ``builder`` for ``layout``, with ``data`` attached."""
    out = json.loads(_template(builder, tuple(layout), projector))
    out["datasets"] = {name: arrow_bytes(rows) for name, rows in data.items()}
    return out


def show(chart: Mapping[str, Any], *, key: str | None = None) -> None:
    """A spec from ``spec`` on the page, the width of its column (no schema validation: it
    was built by Altair, so it is valid by construction)."""
    st.vega_lite_chart(dict(chart), width="stretch", key=key)
