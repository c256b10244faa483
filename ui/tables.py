"""The one table renderer: every table of numbers in the lab, heatmaps included, as HTML.

A heatmap here *is* a table: each cell prints its number and is coloured by it, its row and
column headers are the token names, hovering a cell names its row, column and exact value.
So a chart and "the table beside it" are one element, which a screen reader reads as a real
table and a browser redraws in next to no time (a Vega chart costs about 15 ms on every rerun
of its scope, changed or not; see docs/performance.md).

    matrix(values, rows, cols, ...)   a matrix as a heatmap table (the lab's heatmap)
    columns(data, ...)                named columns, one row per entry (optionally with bars)
    row_of(tables)                    several captioned tables side by side, wrapping
    show(html)                        put one on the page

Colours are colour-blind safe: viridis for weights (0..1), blue-white-orange for signed
numbers; the text on a cell is black or white, whichever contrasts more.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

Matrix = Sequence[Sequence[float]]

VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e",
           "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725")  # fmt: skip
BLUE_ORANGE = ("#08519c", "#3182bd", "#6baed6", "#c6dbef", "#f7f7f7",
               "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603")  # fmt: skip
DENSE_COLUMNS = 10  # a matrix with more columns than this packs its cells tighter
MARK = "▶ "  # before the label of the marked row (the query)


LEVELS = 48  # colour steps per palette: smooth to the eye, and a class name per step


@dataclass(frozen=True)
class Heat:
    """How numbers become colours: a domain [low, high] and a palette.

    ``low`` takes the palette's first colour and ``high`` its last; ``low > high`` runs the
    palette the other way (a diverging table whose "good" end should be blue)."""

    low: float
    high: float
    diverging: bool = False

    def level(self, value: float) -> int:
        """The colour step of ``value``: 0 at ``low`` .. LEVELS - 1 at ``high``."""
        span = self.high - self.low
        t = 0.5 if span == 0 else (value - self.low) / span
        return round(min(1.0, max(0.0, t)) * (LEVELS - 1))

    def css_class(self, value: float) -> str:
        """The cell's class: ``s0``.. (viridis) or ``d0``.. (diverging); -inf/nan have theirs."""
        if not math.isfinite(value):
            return "lab-nan" if math.isnan(value) else "lab-inf"
        return f"{'d' if self.diverging else 's'}{self.level(value)}"

    def colour(self, value: float) -> str:
        """The background colour of ``value`` (what its class paints)."""
        stops = BLUE_ORANGE if self.diverging else VIRIDIS
        return _interpolate(stops, self.level(value) / (LEVELS - 1))


def heat_for(
    values: Matrix, *, diverging: bool | None = None, domain: tuple[float, float] | None = None
) -> Heat:
    """A Heat that fits ``values``: diverging (symmetric around 0) when any value is negative,
    unless said otherwise; ``domain`` fixes the range (weights: (0, 1))."""
    finite = [v for row in values for v in row if math.isfinite(v)]
    if diverging is None:
        diverging = any(v < 0 for v in finite)
    if domain is not None:
        return Heat(domain[0], domain[1], diverging)
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if diverging:
        bound = max(abs(low), abs(high), 1e-12)
        return Heat(-bound, bound, True)
    return Heat(low, high, False) if high > low else Heat(low - 0.5, high + 0.5, False)


def _interpolate(stops: Sequence[str], t: float) -> str:
    position = t * (len(stops) - 1)
    i = min(int(position), len(stops) - 2)
    frac = position - i
    a, b = _rgb(stops[i]), _rgb(stops[i + 1])
    return "#" + "".join(f"{round(x + (y - x) * frac):02x}" for x, y in zip(a, b, strict=True))


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(background: str) -> str:
    """Black or white, whichever has the higher WCAG contrast on ``background``."""
    lum = _luminance(background)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


# ---- cells ------------------------------------------------------------------------------------


def number(value: Any, fmt: str = ".4f") -> str:
    """A cell's text: floats with ``fmt`` (inf and nan as the book prints them), ints as is."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "-inf" if value < 0 else "inf"
        return format(value, fmt)
    return html.escape(str(value))


@dataclass(frozen=True)
class Bar:
    """A number drawn as a bar in its cell, scaled so that ``scale`` fills half the cell
    (bars grow right from the middle for positive numbers, left for negative ones)."""

    value: float
    scale: float
    colour: str = "#0072B2"


def _bar(bar: Bar, fmt: str) -> str:
    width = 0.0 if not bar.scale or not math.isfinite(bar.value) else abs(bar.value) / bar.scale
    width = min(width, 1.0) * 50
    side = "left: 50%" if bar.value >= 0 else f"left: {50 - width:.1f}%"
    return (
        f'<span class="lab-bar"><span style="{side}; width: {width:.1f}%; '
        f'background: {bar.colour}"></span></span><span class="lab-num">'
        f"{number(bar.value, fmt)}</span>"
    )


def _td(value: Any, fmt: str, heat: Heat | None) -> str:
    """One cell. A coloured one names its colour step by class (``HEAT_CSS``), and carries
    its exact value as a tooltip when the printed one is rounded."""
    if isinstance(value, Bar):
        return f'<td class="lab-bar-cell">{_bar(value, fmt)}</td>'
    shown = number(value, fmt)
    exact = number(value, ".8g") if isinstance(value, float) and math.isfinite(value) else shown
    tip = f' title="{exact}"' if exact != shown else ""
    if heat is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="{heat.css_class(float(value))}"{tip}>{shown}</td>'
    return f"<td{tip}>{shown}</td>"


def _wrap(
    table: str,
    *,
    label: str,
    max_height: int | None,
    wide: bool,
    projector: bool,
    dense: bool = False,
) -> str:
    """The scroll box around a table: reachable by keyboard (tabindex) and named for screen
    readers, since a box that scrolls must be operable without a mouse. ``dense`` packs the
    cells tighter (a matrix of many columns, such as the RNN page's 16 × 16 alignment)."""
    classes = "lab-table" + (" lab-wide" if wide else "") + (" lab-projector" if projector else "")
    classes += " lab-dense" if dense else ""
    height = f' style="max-height: {max_height}px"' if max_height else ""
    name = html.escape(label, quote=True)
    return (
        f'<div class="{classes}"{height} role="region" tabindex="0" aria-label="{name}">'
        f"{table}</div>"
    )


def matrix(
    values: Matrix,
    rows: Sequence[str],
    cols: Sequence[str],
    *,
    caption: str,
    row_title: str = "query",
    col_title: str = "key",
    heat: Heat | None = None,
    colour: bool = True,
    fmt: str = ".4f",
    mark_row: int | None = None,
    max_height: int | None = None,
    projector: bool = False,
) -> str:
    """A matrix as a heatmap table: one row per ``rows`` label, one column per ``cols`` label.

    ``caption`` (HTML) heads it; the corner cell says which way rows and columns run
    (``row_title`` ↓, ``col_title`` →). Each cell shows its number with ``fmt`` (its exact
    value on hover), coloured by ``heat`` (fitted to the values when None; no colour when
    ``colour`` is False). The row ``mark_row`` (the query) is marked ▶ and outlined.
    """
    if colour and heat is None:
        heat = heat_for(values)
    shown = heat if colour else None
    corner = f"{html.escape(row_title)} ↓ · {html.escape(col_title)} →"
    head = f"<th scope='col'>{corner}</th>" + "".join(
        f"<th scope='col'>{html.escape(str(c))}</th>" for c in cols
    )
    body = []
    for i, (label, row) in enumerate(zip(rows, values, strict=True)):
        marked = i == mark_row
        name = (MARK if marked else "") + str(label)
        cells = "".join(_td(v, fmt, shown) for v in row)
        attrs = ' class="lab-mark"' if marked else ""
        body.append(f"<tr{attrs}><th scope='row'>{html.escape(name)}</th>{cells}</tr>")
    table = (
        f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    return _wrap(
        table,
        label=_plain(caption),
        max_height=max_height,
        wide=False,
        projector=projector,
        dense=len(cols) > DENSE_COLUMNS,
    )


def columns(
    data: Mapping[str, Sequence[Any]],
    *,
    caption: str,
    fmt: str | Mapping[str, str] = ".4f",
    mark_row: int | None = None,
    heat: Mapping[str, Heat] | None = None,
    max_height: int | None = None,
    wrap: bool = False,
    projector: bool = False,
) -> str:
    """Named columns as a table; the first column labels the rows.

    ``fmt`` is one format or one per column; ``heat`` colours the named columns; a ``Bar``
    value draws its number as a bar. ``wrap`` lets long text cells break over lines.
    """
    names = list(data)
    length = len(data[names[0]]) if names else 0
    head = "".join(f"<th scope='col'>{html.escape(n)}</th>" for n in names)
    body = []
    for i in range(length):
        label = data[names[0]][i]
        marked = i == mark_row
        cells = []
        for name in names[1:]:
            column_fmt = fmt if isinstance(fmt, str) else fmt.get(name, ".4f")
            value = data[name][i]
            cells.append(_td(value, column_fmt, (heat or {}).get(name)))
        attrs = ' class="lab-mark"' if marked else ""
        shown = (MARK if marked else "") + number(label)
        body.append(f"<tr{attrs}><th scope='row'>{shown}</th>{''.join(cells)}</tr>")
    table = (
        f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    return _wrap(
        table, label=_plain(caption), max_height=max_height, wide=wrap, projector=projector
    )


def row_of(tables: Sequence[str]) -> str:
    """Several tables side by side; on a narrow screen they wrap under each other."""
    return '<div class="lab-row">' + "".join(f"<div>{t}</div>" for t in tables) + "</div>"


def show(*parts: str) -> None:
    """Tables (and any HTML made here) on the page, as one element."""
    st.html("".join(parts))


def _plain(caption: str) -> str:
    """A caption's text without its tags, for the box's accessible name."""
    out, inside = [], False
    for ch in caption:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        elif not inside:
            out.append(ch)
    return html.unescape("".join(out)).strip() or "table"


#: The tables' look, sent once per page by ``ui.frame`` (a ``<style>`` in every table would
#: make the browser restyle the page whenever one changes). Nothing is sticky: a sticky cell
#: is a layer of its own that the browser recomposes on every frame.
CSS = """
.lab-table {overflow: auto; max-width: 100%; margin-bottom: 0.5rem;
  content-visibility: auto; contain-intrinsic-size: auto 12rem;}
.lab-table:focus-visible {outline: 2px solid #0072B2; outline-offset: 2px;}
.lab-table table {border-collapse: collapse; font-size: 0.875rem; margin: 0;
  font-variant-numeric: tabular-nums;}
.lab-table caption {caption-side: top; text-align: left; padding: 0 0 0.35rem 0;
  color: #31333f; font-size: 0.95rem;}
.lab-table th, .lab-table td {padding: 0.2rem 0.45rem; white-space: nowrap;
  border: 1px solid rgba(49, 51, 63, 0.12);}
.lab-table td {text-align: right;}
.lab-table thead th {background: #f0f2f6; color: #31333f; font-weight: 600;
  text-align: right;}
.lab-table thead th:first-child {text-align: left; font-weight: 400; color: #4a4d57;}
.lab-table tbody th {background: #ffffff; font-weight: 600; text-align: left; color: #31333f;}
.lab-table tr.lab-mark th {color: #b3261e;}
.lab-table tr.lab-mark td {outline: 2px solid #b3261e; outline-offset: -2px;}
.lab-table.lab-wide td {white-space: normal; text-align: left;}
.lab-table.lab-dense table {font-size: 0.75rem;}
.lab-table.lab-dense th, .lab-table.lab-dense td {padding: 0.1rem 0.25rem;}
.lab-table.lab-projector table {font-size: 1.35rem;}
.lab-table.lab-projector caption {font-size: 1.4rem;}
.lab-bar-cell {position: relative; min-width: 9rem;}
.lab-bar {position: absolute; inset: 0.25rem 0.3rem; opacity: 0.35;}
.lab-bar span {position: absolute; top: 0; bottom: 0;}
.lab-num {position: relative;}
.lab-row {display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start;}
.lab-row > div {min-width: 0; max-width: 100%;}
.lab-table td.lab-inf {background: #ffffff; color: #4a4d57;}
.lab-table td.lab-nan {background: #d9d9d9; color: #000000;}
"""


def _heat_css() -> str:
    """One class per colour step of each palette: its background and a readable text colour."""
    rules = []
    for prefix, stops in (("s", VIRIDIS), ("d", BLUE_ORANGE)):
        for level in range(LEVELS):
            background = _interpolate(stops, level / (LEVELS - 1))
            rules.append(
                f".lab-table td.{prefix}{level} {{background: {background}; "
                f"color: {text_colour(background)};}}"
            )
    return "\n".join(rules)


CSS += _heat_css()
