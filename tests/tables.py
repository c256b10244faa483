"""Read the pages' HTML tables (``ui.tables``) back into pandas frames, for tests.

Each frame holds the cells as shown (numbers as floats, "-inf" as -inf); its ``attrs`` hold

* ``caption``: the caption's text, without its tags;
* ``marked``: the index of the row marked ▶ (the query), or None (the label keeps its ▶;
  ``labels`` gives them without it);
* ``exact``: the rows' exact values, label first (a rounded cell carries its exact value as a
  tooltip), so that a test can compare with the core to float precision (plain lists: attrs
  are copied and compared by pandas, which a frame inside them would break);
* ``corner``: the corner cell's text ("query i ↓ · key j →").
"""

from __future__ import annotations

import math
from html.parser import HTMLParser

import pandas as pd
from streamlit.testing.v1 import AppTest

MARK = "▶ "


class _TableReader(HTMLParser):
    """Collects the caption, header cells and body rows of every ``<table>`` in some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._row: list[tuple[str, str | None]] | None = None
        self._cell: list[str] | None = None
        self._title: str | None = None
        self._caption: list[str] | None = None
        self._in_head = False
        self._marked_row = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": "", "header": [], "rows": [], "marked": None})
        elif tag == "caption":
            self._caption = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
            self._marked_row = "lab-mark" in (attributes.get("class") or "")
        elif tag in ("th", "td"):
            self._cell = []
            self._title = attributes.get("title")

    def handle_endtag(self, tag: str) -> None:
        table = self.tables[-1] if self.tables else None
        if tag == "caption" and self._caption is not None and table is not None:
            table["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append(("".join(self._cell).strip(), self._title))
            self._cell = None
        elif tag == "tr" and self._row is not None and table is not None:
            if self._in_head:
                table["header"].extend(text for text, _ in self._row)
            else:
                if self._marked_row:
                    table["marked"] = len(table["rows"])
                table["rows"].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None and self._cell is None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def _value(text: str) -> float | str | None:
    if text == "–":
        return None
    if text in ("-inf", "inf", "nan"):
        return float(text)
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return text


def _frame(table: dict) -> pd.DataFrame:
    header = table["header"]
    shown, exact = [], []
    for row in table["rows"]:
        label = row[0][0]
        shown.append([label] + [_value(text) for text, _ in row[1:]])
        exact.append([label] + [_value(title or text) for text, title in row[1:]])
    columns = header or None
    frame = pd.DataFrame(shown, columns=columns)
    frame.attrs = {
        "caption": table["caption"],
        "marked": table["marked"],
        "corner": header[0] if header else "",
        "exact": exact,
    }
    return frame


def read_tables(html: str) -> list[pd.DataFrame]:
    """Every table in ``html`` as a frame: header cells as column names, numbers as floats."""
    reader = _TableReader()
    reader.feed(html)
    return [_frame(table) for table in reader.tables]


def page_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every HTML table on the page, in page order."""
    return [frame for element in at.html for frame in read_tables(element.value)]


def table(at: AppTest, caption: str) -> pd.DataFrame:
    """The one table whose caption starts with ``caption``."""
    found = [t for t in page_tables(at) if t.attrs["caption"].startswith(caption)]
    assert len(found) == 1, (caption, [t.attrs["caption"] for t in page_tables(at)])
    return found[0]


def captions(at: AppTest) -> list[str]:
    return [t.attrs["caption"] for t in page_tables(at)]


def labels(frame: pd.DataFrame) -> list[str]:
    """The row labels, the marked row's ▶ taken off."""
    return [str(label).removeprefix(MARK) for label in frame.iloc[:, 0]]


def values(frame: pd.DataFrame, exact: bool = True) -> list[list[float]]:
    """The numbers of a matrix table (without its row labels): exact, or as shown."""
    rows = frame.attrs["exact"] if exact else frame.values.tolist()
    return [[float(v) for v in row[1:]] for row in rows]


def close(shown: list[list[float]], expected, tol: float = 1e-6) -> bool:
    """Equal entry by entry (infinities equal themselves), to ``tol`` relative or absolute."""
    expected = [list(row) for row in expected]
    if len(shown) != len(expected):
        return False
    for row_a, row_b in zip(shown, expected, strict=True):
        if len(row_a) != len(row_b):
            return False
        for a, b in zip(row_a, row_b, strict=True):
            if math.isinf(a) or math.isinf(b):
                if a != b:
                    return False
            elif not math.isclose(a, b, rel_tol=tol, abs_tol=tol):
                return False
    return True


def rounded(expected, fmt: str = ".4f") -> list[list[float]]:
    """A matrix rounded as a table shows it."""
    return [[float(format(v, fmt)) for v in row] for row in expected]
