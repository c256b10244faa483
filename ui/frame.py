"""The frame every page shares: page config, sidebar menu, projector mode, reveal, reset.

    PAGES, HOME             the registry: the sidebar, the home page's tour and the tests
    setup(page, title)      call first on every page; returns the shared settings
    run(lesson)             the page's body, rerun alone when one of its controls changes
    Steps(page, names)      the lesson's steps, one at a time, under a step picker

The registry is the one list of pages: a new page is added here and nowhere else.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ui import keys, settings, tables
from ui.inputs import parse_int
from ui.settings import LabSettings

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Page:
    """One page of the lab: its file, menu label, icon, the chapter's section, what it teaches."""

    path: str
    label: str
    icon: str
    section: str
    teaches: str


HOME = Page("app.py", "Home: the chapter's path", "🏠", "", "The tour, with the book's example.")
PAGES: tuple[Page, ...] = (
    Page(
        "pages/1_RNN_vs_attention.py",
        "RNN vs attention",
        "🔁",
        "3.1-3.2",
        "Why attention: a trained encoder-decoder RNN loses long inputs through its one hidden "
        "state; with Bahdanau attention the decoder looks back at every input.",
    ),
    Page(
        "pages/2_Simplified_self_attention.py",
        "Simplified self-attention",
        "🔹",
        "3.3",
        "Scores as dot products, softmax over dim=-1, context vectors as weighted sums.",
    ),
    Page(
        "pages/3_Scaled_dot_product_attention.py",
        "Scaled dot-product attention",
        "🔷",
        "3.4",
        "W_query, W_key, W_value; attention weights versus weight parameters; scaling by √d_k.",
    ),
    Page(
        "pages/4_Why_scale.py",
        "Why scale by √d_k",
        "📏",
        "3.4",
        "Without scaling, softmax saturates as d_k grows; measure when that costs the gradient.",
    ),
    Page(
        "pages/5_Causal_and_multi_head.py",
        "Causal mask, dropout, multi-head",
        "🎭",
        "3.5-3.6",
        "Hide the future with a causal mask, drop weights with dropout, split d_out into heads.",
    ),
)

# Projector mode: larger text everywhere in the main area (tables carry their own class, and
# charts their own font sizes). The sidebar keeps its size.
PROJECTOR_CSS = """
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] .stMarkdown li,
[data-testid="stMain"] .stMarkdown td, [data-testid="stMain"] .stMarkdown th,
[data-testid="stMain"] [data-testid="stWidgetLabel"] p,
[data-testid="stMain"] [data-testid="stCaptionContainer"] {font-size: 1.3rem;}
[data-testid="stMain"] input, [data-testid="stMain"] [data-baseweb="select"] div,
[data-testid="stMain"] button p, [data-testid="stMain"] [data-testid="stButtonGroup"] p,
[data-testid="stMain"] [data-testid="stExpander"] summary p,
[data-testid="stMain"] [data-testid="stSliderThumbValue"],
[data-testid="stMain"] [data-testid="stCode"] code {font-size: 1.2rem;}
"""

# A markdown table wider than the screen (a phone) scrolls in its own box. It names a
# Streamlit class: after an upgrade that renames it, it would simply do nothing.
LAYOUT_CSS = """
[data-testid="stMain"] .stMarkdown table {display: block; max-width: 100%; overflow-x: auto;}
"""


def setup(page: str, title: str, steps: tuple[str, ...] = ()) -> LabSettings:
    """Call first on every page: config, the link, the sidebar. Returns the shared settings.

    ``page`` is the page's id (its widgets' key prefix), ``title`` its browser-tab title,
    ``steps`` the names of its steps (for the sidebar's list in reveal mode).
    """
    st.set_page_config(page_title=f"{title} · Attention Lab", page_icon="🔍", layout="wide")
    _freeze_imports()
    if steps:  # declared before the link is read, so that ?<page>_step= applies
        step_setting(page, len(steps))
    notes = keys.read_url(page)
    notes += _check_query()
    _sidebar(page)
    if steps and keys.value(settings.REVEAL):
        Steps(page, steps).reveal_panel()
    current = settings.current()
    for note in notes:
        st.warning(f"A setting in the link was not used. {note}", icon="🔗")
    keys.write_url()
    return current


_FULL_RERUN = "lab._full_rerun"  # set by a control whose change the sidebar must show


def run(lesson: Callable[[], None]) -> None:
    """Run a page's body (everything below the sidebar) as one fragment.

    This is the lab's one partial-rerun mechanism: a control in the body reruns the body,
    not the sidebar and the page frame (docs/performance.md). The body reads the settings
    itself, so every control's value reaches what it changes through the body's arguments.
    A change that the sidebar must show too (revealing a step) asks for a full run.
    """

    def body() -> None:
        if st.session_state.pop(_FULL_RERUN, False):
            st.rerun(scope="app")
        lesson()

    st.fragment(body)()


def _check_query() -> tuple[str, ...]:
    """A link's ``?query=`` must name one of its tokens (checked once the tokens are known)."""
    tokens, _ = keys.value(settings.EMBEDDINGS)
    query = keys.value(settings.QUERY)
    if 0 <= query < len(tokens):
        return ()
    keys.forget(settings.QUERY)
    return (
        f"`?query={query}` was ignored: the sentence has {len(tokens)} tokens, so the query "
        f"is 0 to {len(tokens) - 1}.",
    )


def _freeze_imports() -> None:
    """Move everything imported so far (torch, pandas, altair) out of the collector's way.

    With torch loaded a full ``gc.collect`` costs ~100 ms; frozen objects are skipped. Done
    once per process; the collector stays on (``.streamlit/config.toml`` only turns off
    Streamlit's extra collection after every run).
    """
    if not getattr(_freeze_imports, "done", False):
        gc.freeze()
        _freeze_imports.done = True


def page_link(page: Page, label: str) -> None:
    """``st.page_link`` to a registered page; plain text where it cannot resolve (AppTest runs
    one page file as its own app, so every page still runs, and is tested, on its own)."""
    try:
        st.page_link(page.path, label=label, icon=page.icon)
    except StreamlitPageNotFoundError:
        st.markdown(f"{page.icon} {label}")


def _reset() -> None:
    """Back to the book's example; projector mode and reveal stay (mid-lecture)."""
    keys.reset_all(keep=settings.PRESENTATION)


def _sidebar(page: str) -> None:
    with st.sidebar:
        st.html(f"<style>{tables.CSS}{LAYOUT_CSS}</style>")
        if keys.value(settings.PROJECTOR):
            st.html(f"<style>{PROJECTOR_CSS}</style>")
        st.markdown(
            "### 🔍 Attention Lab\n"
            "Chapter 3 of *Build a Large Language Model (From Scratch)*, to touch."
        )
        page_link(HOME, HOME.label)
        for entry in PAGES:
            page_link(entry, f"{entry.section} · {entry.label}")
        st.divider()
        st.toggle(
            "Projector mode",
            help="Bigger text, tables and charts, for a live demo.",
            **keys.bind(settings.PROJECTOR, page),
        )
        st.toggle(
            "Reveal step by step",
            help="Show one step at a time, with a 'Next step' button: for teaching.",
            **keys.bind(settings.REVEAL, page),
        )
        st.button(
            "Reset to the book's example",
            key=keys.widget_key(page, "reset"),
            on_click=_reset,
            help="Back to 'Your journey starts with one step', seed 123, d_out = 2.",
            width="stretch",
        )
        st.caption(
            "🔗 **Share:** the address bar always holds what you changed (tokens, embeddings, "
            "seeds, d_out, scaling, each page's own settings, projector mode). Copy it to "
            "share exactly what you see."
        )


# ---- steps: one at a time, under a picker --------------------------------------------------------


def step_setting(page: str, count: int) -> keys.Setting[int]:
    """The open step of a page (1-based), in the link as ``?<page>_step=``."""
    return keys.declare(
        f"{page}.step",
        1,
        param=f"{page}_step",
        parse_one=lambda text: parse_int(text, f"{page}_step", 1, count),
    )


class Steps:
    """A lesson's steps, one at a time: a step picker, and the open step built alone.

    The page keeps its controls and the result it follows above the picker, so every change
    shows there at once; below it the open step is shown in full. (Each element a run rebuilds costs
    the browser time: docs/performance.md.) The selected step is a setting, so the share link
    opens on it (``?scaled_step=3``).

    'Reveal step by step' (the sidebar) limits the picker to the steps revealed so far, for a
    class: 'Next step ▶' reveals the next one and opens it; results that would give a later
    step away stay hidden until the last one (``hides_answers``).
    """

    def __init__(self, page: str, names: tuple[str, ...]) -> None:
        self.page = page
        self.names = names
        self.labels = tuple(f"{i + 1} · {name}" for i, name in enumerate(names))
        self.revealing = keys.value(settings.REVEAL)
        self._step = step_setting(page, len(names))
        self._revealed = keys.declare(f"{page}.revealed", 1)
        self.available = (
            min(max(keys.value(self._revealed), 1), len(names)) if self.revealing else len(names)
        )
        self.current = min(keys.value(self._step), self.available)

    @property
    def hides_answers(self) -> bool:
        """True while reveal mode has not reached the last step: keep results hidden."""
        return self.revealing and self.available < len(self.names)

    def _open(self, step: int) -> None:
        keys.store(self._step, step)

    def _reveal(self, step: int) -> None:
        keys.store(self._revealed, step)
        keys.store(self._step, step)
        st.session_state[_FULL_RERUN] = True  # the sidebar lists what is revealed

    def open_step(self):  # -> a Streamlit container
        """Draw the step picker (the revealed steps) and return the container of the open step.

        The picker is a segmented control, not ``st.tabs``: the open step is built alone
        either way, and a segmented control costs the browser next to nothing on each rerun
        (a tab bar about 20 ms: docs/performance.md).
        """
        key = keys.widget_key(self.page, "steps")
        label = self.labels[self.current - 1]
        if st.session_state.get(key) != label:
            st.session_state[key] = label

        def picked() -> None:
            chosen = st.session_state.get(key)
            if chosen is None:  # a click on the open step: it stays open
                st.session_state[key] = label
                return
            self._open(self.labels.index(chosen) + 1)

        st.segmented_control(
            "Steps of this lesson",
            list(self.labels[: self.available]),
            key=key,
            on_change=picked,
            help="One step at a time: the controls and the result above follow every change.",
        )
        return st.container(key=keys.widget_key(self.page, "step_body"))

    def _start_over(self) -> None:  # a sidebar button: its click reruns the whole page
        keys.store(self._revealed, 1)
        keys.store(self._step, 1)

    def reveal_panel(self) -> None:
        """The sidebar's list of steps, what is revealed, and 'Start over' (reveal mode)."""
        n, shown = len(self.names), self.available
        with st.sidebar:
            listing = "\n".join(
                f"{i + 1}. {'**' + name + '**' if i < shown else name + ' *(hidden)*'}"
                for i, name in enumerate(self.names)
            )
            st.markdown(f"**Steps on this page**\n\n{listing}")
            st.progress(shown / n, text=f"{shown} of {n} steps revealed")
            st.button(
                "Start over",
                key=keys.widget_key(self.page, "start_over"),
                on_click=self._start_over,
            )

    def next_button(self) -> None:
        """Under the open step: 'Next step ▶' (reveal mode: reveals it), and '◀ Previous'."""
        k, n = self.current, len(self.names)
        left, right = st.columns(2)
        if k > 1:
            left.button(
                f"◀ {self.labels[k - 2]}",
                key=keys.widget_key(self.page, "previous_step"),
                on_click=self._open,
                args=(k - 1,),
            )
        if k < n:
            reveal = self.revealing and k >= self.available
            right.button(
                f"{'Reveal' if reveal else 'Next'}: {self.labels[k]} ▶",
                key=keys.widget_key(self.page, "next_step"),
                type="primary",
                on_click=self._reveal if reveal else self._open,
                args=(k + 1,),
            )


HIDDEN_ANSWER = "🙈 *The result and the book's numbers appear with the last step.*"
