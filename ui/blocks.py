"""Page blocks that cost the browser little: fewer elements, and light ones.

Every element on a page costs the browser time on every rerun, even when it did not change:
Streamlit re-renders the whole page each time a script run starts and ends. So

* a heading, its prose and a caption-sized note are one ``st.markdown`` call (``markdown``);
* the code of a section (its sources and a snippet) sits in one expander (``code_section``);
* a table of numbers is plain HTML (``html_table``): an ``st.dataframe`` is an interactive
  grid that costs about 2 ms on every rerun even when unchanged, an HTML table next to nothing.
  Screen readers read it as a real table;
* the page's first block (``page_intro``) brings a small stylesheet (``PAGE_CSS``): the
  tables' look.
"""

import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st

from ui.state import get_settings


def small(text: str) -> str:
    """Markdown for caption-sized grey text, to put inside a larger markdown block."""
    return f":small[:gray[{text}]]"


def markdown(*parts: str) -> None:
    """Several markdown blocks (headings, prose, notes) as one element; empty parts are skipped."""
    st.markdown("\n\n".join(part for part in parts if part))


def page_intro(*parts: str) -> None:
    """A page's first block (title, prose), carrying the page's style (``PAGE_CSS``).

    The stylesheet comes once, in a block that never changes: a ``<style>`` inside each table
    would make the browser restyle the whole page whenever a table changes.
    """
    st.markdown("\n\n".join([PAGE_CSS, *parts]), unsafe_allow_html=True)


def code_section(
    title: str, code: str, extra: str | None = None, extra_language: str = "python"
) -> None:
    """One expander: Python ``code`` (usually ``sources(...)``), then an optional snippet.

    ``extra`` is a notebook or shell version of what the page shows, in ``extra_language``.
    """
    with st.expander(title):
        st.code(code, language="python")
        if extra:
            st.code(extra, language=extra_language)


# ---- tables -------------------------------------------------------------------------------

#: The page's style, sent once in ``page_intro``:
#:
#: * tables look like Streamlit's own; a wide or long one scrolls inside its box. (Nothing is
#:   sticky: a sticky cell is a layer of its own, which the browser recomposes on every frame.)
PAGE_CSS = """<style>
.lab-table {overflow: auto; max-width: 100%; border: 1px solid rgba(49, 51, 63, 0.1);
  border-radius: 0.5rem;}
.lab-table table {border-collapse: collapse; font-size: 0.875rem; margin: 0; width: 100%;
  font-variant-numeric: tabular-nums;}
.lab-table th, .lab-table td {padding: 0.2rem 0.6rem; white-space: nowrap;
  border-bottom: 1px solid rgba(49, 51, 63, 0.1);}
.lab-table td {text-align: right;}
.lab-table thead th {background: #f8f9fb;
  color: rgba(49, 51, 63, 0.75); font-weight: 600; text-align: right;}
.lab-table tbody th {background: #ffffff; font-weight: 400;
  text-align: left; color: rgba(49, 51, 63, 0.75);}
.lab-table thead th:first-child {text-align: left;}
.lab-table.projector table {font-size: 1.3rem;}
.lab-table.wrap td {white-space: normal; text-align: left;}
.lab-table.wrap thead th {text-align: left;}
.lab-row {display: flex; flex-wrap: wrap; gap: 1rem;}
.lab-row figure {flex: 1 1 12rem; min-width: 0; margin: 0;}
.lab-row figcaption {margin-bottom: 0.4rem;}
.lab-row.projector figcaption {font-size: 1.3rem;}
</style>"""


def _cell(value: Any, fmt: str) -> str:
    """One cell's text: numbers with ``fmt`` (whole numbers as they are), text escaped."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(value) if not math.isfinite(value) else format(value, fmt)
    return html.escape(str(value))


def _columns(data: pa.Table | pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """Column names and values; a pandas index becomes the first (label) column."""
    if isinstance(data, pd.DataFrame):
        if data.index.name is not None or not isinstance(data.index, pd.RangeIndex):
            data = data.rename_axis(data.index.name or "").reset_index()
        return [str(c) for c in data.columns], [data[c].tolist() for c in data.columns]
    return list(data.column_names), [data.column(c).to_pylist() for c in data.column_names]


def _classes(name: str) -> str:
    """A block's CSS classes: ``name``, plus ``projector`` in projector mode (bigger text)."""
    return f"{name} projector" if get_settings().projector else name


def html_table(
    data: pa.Table | pd.DataFrame,
    fmt: str = ".4f",
    max_height: int | None = None,
    wrap: bool = False,
) -> str:
    """A numeric table as HTML: the first column labels the rows, numbers printed with ``fmt``.

    ``max_height`` (px) keeps a long table in a box that scrolls. ``wrap`` lets long cells
    (text, printed vectors) break over lines, left-aligned, instead of scrolling sideways.
    The page's ``page_intro`` brings the table style.
    """
    names, columns = _columns(data)
    head = "".join(f"<th>{html.escape(name.strip())}</th>" for name in names)
    rows = "".join(
        f"<tr><th>{_cell(label, fmt)}</th>"
        + "".join(f"<td>{_cell(v, fmt)}</td>" for v in rest)
        + "</tr>"
        for label, *rest in zip(*columns, strict=True)
    )
    box = f' style="max-height: {max_height}px"' if max_height else ""
    kind = _classes("lab-table") + (" wrap" if wrap else "")
    return (
        f'<div class="{kind}"{box}><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def html_tables_row(tables: Sequence[tuple[str, pa.Table | pd.DataFrame]], fmt: str = ".4f") -> str:
    """Several captioned tables side by side (they wrap on a narrow screen), as one HTML block.

    Each item is ``(caption, table)``; the caption is HTML (escape any text you pass in).
    One element instead of a row of columns holding a caption and a table each.
    """
    figures = "".join(
        f"<figure><figcaption>{caption}</figcaption>{html_table(table, fmt)}</figure>"
        for caption, table in tables
    )
    return f'<div class="{_classes("lab-row")}">{figures}</div>'


def show_table(
    data: pa.Table | pd.DataFrame,
    fmt: str = ".4f",
    max_height: int | None = None,
    wrap: bool = False,
) -> None:
    """``html_table`` on the page."""
    st.html(html_table(data, fmt, max_height, wrap))
