"""Read the pages' HTML tables (``ui.blocks.html_table``) back into pandas frames for tests."""

from html.parser import HTMLParser

import pandas as pd
from streamlit.testing.v1 import AppTest


class _TableReader(HTMLParser):
    """Collects the header cells and the body rows of every ``<table>`` in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            header, rows = self.tables[-1]
            if self._in_head:
                header.extend(self._row)
            else:
                rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _value(text: str) -> float | str | None:
    if text == "–":
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return text


def read_tables(html: str) -> list[pd.DataFrame]:
    """Every table in ``html`` as a frame: header cells as column names, numbers as floats."""
    reader = _TableReader()
    reader.feed(html)
    return [
        pd.DataFrame([[_value(cell) for cell in row] for row in rows], columns=header or None)
        for header, rows in reader.tables
    ]


def page_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every HTML table on the page, in page order."""
    return [frame for element in at.html for frame in read_tables(element.value)]
