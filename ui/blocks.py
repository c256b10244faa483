"""Blocks of text and code every lesson uses: merged markdown, the lesson's prose, code.

markdown(*parts)          several headings/paragraphs as one element
prose(lesson, section)    a section of ``lessons/<lesson>/lesson.md``
code(label, build, key)   an expander of Python code, built only while it is open
source(*functions)        the source of core functions: the code that ran
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from pathlib import Path

import streamlit as st

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


def markdown(*parts: str) -> None:
    """Markdown parts (empty ones skipped) as one element: a step's heading, prose and live
    sentence belong together."""
    st.markdown("\n\n".join(part for part in parts if part))


def small(text: str) -> str:
    """Markdown for caption-sized text inside a larger markdown block."""
    return f":small[{text}]"


@functools.lru_cache(maxsize=64)
def _sections(lesson: str) -> dict[str, str]:
    """``lessons/<lesson>/lesson.md`` split at its ``<!-- section: name -->`` markers.

    Read once per server process: restart the server after editing the prose.
    """
    text = (LESSONS / lesson / "lesson.md").read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    for part in text.split("<!-- section: ")[1:]:
        head, _, body = part.partition("-->")
        sections[head.strip()] = body.strip()
    return sections


def prose(lesson: str, section: str) -> str:
    """One section of a lesson's prose (markdown), for ``markdown`` to show."""
    try:
        return _sections(lesson)[section]
    except KeyError:
        raise KeyError(f"no section {section!r} in lessons/{lesson}/lesson.md") from None


def code(label: str, build: Callable[[], str], key: str, language: str = "python") -> None:
    """An expander of code that is built and sent only while it is open (opening it reruns
    the page): closed, highlighted code would still weigh on every rerun."""
    with st.expander(label, key=key, on_change="rerun") as box:
        if box.open:
            st.code(build(), language=language)


@functools.lru_cache(maxsize=256)
def _source(function: Callable) -> str:
    return inspect.getsource(function)


def source(*functions: Callable, heading: str | None = None) -> str:
    """The source of core functions or classes, one after another (what the page ran)."""
    text = "\n\n".join(_source(f) for f in functions)
    return f"# ---- {heading} ----\n\n{text}" if heading else text


def sources(parts: Sequence[tuple[str, Sequence[Callable]]]) -> str:
    """Several headed groups of sources, in order."""
    return "\n\n\n".join(source(*functions, heading=heading) for heading, functions in parts)
