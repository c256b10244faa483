"""The frame every page shares: config, sidebar navigation, reset and share, reveal, code.

The registry ``PAGES`` feeds the sidebar, the home page's tour and the smoke tests, so a new
page is added in one place.
"""

import functools
import gc
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ui import state
from ui.blocks import markdown

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@dataclass(frozen=True)
class Page:
    """One entry of the lab: its file, its menu label and the section of the chapter it teaches."""

    path: str
    label: str
    icon: str
    section: str
    teaches: str

    @property
    def exists(self) -> bool:
        return (ROOT / self.path).exists()


HOME = Page(
    "app.py",
    "Home: the chapter's path",
    "🏠",
    "",
    "The tour, with the book's example computed live.",
)
PAGES: tuple[Page, ...] = (
    Page(
        "pages/1_RNN_vs_attention.py",
        "RNN vs attention",
        "🔁",
        "3.1-3.2",
        "Why attention: a trained encoder-decoder RNN forgets long inputs; Bahdanau attention does not.",
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
        "Without scaling softmax saturates as d_k grows and gradients vanish: measured.",
    ),
    Page(
        "pages/5_Causal_and_multi_head.py",
        "Masks, dropout, heads",
        "🎭",
        "3.5-3.6",
        "Hide the future with a causal mask, drop weights with dropout, split d_out into heads.",
    ),
)


# Projector mode: larger text in the main area (prose, widget labels, tables, markdown tables,
# metrics, captions); charts get larger fonts and cells from ui.charts. The sidebar keeps its size.
# (Charts too wide for their column get a row of their own: see FIT_CSS.)
PROJECTOR_CSS = """<style>
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] .stMarkdown li,
[data-testid="stMain"] [data-testid="stWidgetLabel"] p,
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stTable"] td, [data-testid="stMain"] [data-testid="stTable"] th,
[data-testid="stMain"] .stMarkdown td, [data-testid="stMain"] .stMarkdown th
  {font-size: 1.3rem;}
[data-testid="stMain"] [data-testid="stMetricValue"] {font-size: 2.6rem;}
</style>"""


# Nothing is cut off, on any page, in any mode. A row of columns holding a chart may wrap: a
# column holding a chart or a number table (ui.blocks) is at least as wide as that chart or
# table, so when the two do not fit side by side (big projector heatmaps with the sidebar open,
# a wide table beside its heatmap at 1280 px) the second goes under the first, full width;
# with room they stay side by side. A markdown table wider than the page (a phone) scrolls in
# its own box. It names Streamlit's test ids: after an upgrade that renames them, it would
# simply do nothing. Sent once per page, in the sidebar's first block, which never changes.
FIT_CSS = """<style>
[data-testid="stMain"] [data-testid="stHorizontalBlock"]:has([data-testid="stVegaLiteChart"])
  {flex-wrap: wrap;}
[data-testid="stMain"] [data-testid="stColumn"]:has([data-testid="stVegaLiteChart"]),
[data-testid="stMain"] [data-testid="stColumn"]:has(.lab-table)
  {min-width: min-content !important;}
[data-testid="stMain"] .stMarkdown table {display: block; max-width: 100%; overflow-x: auto;}
</style>"""


def page_setup(title: str, page_id: str) -> state.LabSettings:
    """Call first on every page: config, sidebar, URL state. Returns the shared settings."""
    st.set_page_config(page_title=f"{title} · Attention Lab", page_icon="🔍", layout="wide")
    _freeze_imports()
    url_errors = state.read_url_once()
    _sidebar(page_id)
    settings = state.get_settings()
    if settings.projector:
        st.html(PROJECTOR_CSS)
    for message in url_errors:
        st.warning(f"A setting in the link was not used. {message}", icon="🔗")
    state.write_url(settings)
    return settings


def _freeze_imports() -> None:
    """Move everything imported so far (torch, pandas, altair) out of the GC's way, once.

    Streamlit runs ``gc.collect(2)`` after each rerun; with torch loaded that costs about 100 ms
    per interaction. Frozen objects are skipped, and the collector stays on.
    """
    if not getattr(_freeze_imports, "done", False):
        gc.freeze()
        _freeze_imports.done = True


def page_link(page: Page, label: str) -> None:
    """``st.page_link`` to a page of the registry.

    Under a server the entrypoint is ``app.py`` and every page resolves. ``AppTest`` runs one
    page file as its own entrypoint, where links to the others cannot resolve: there the link
    becomes plain text, so each page still runs (and is tested) on its own.
    """
    try:
        st.page_link(page.path, label=label, icon=page.icon)
    except StreamlitPageNotFoundError:
        st.markdown(f"{page.icon} {label}")


def _sidebar(page_id: str) -> None:
    with st.sidebar:
        st.markdown(
            f"{FIT_CSS}\n\n### 🔍 Attention Lab\n"
            ":small[:gray[Chapter 3 of *Build a Large Language Model (From Scratch)*, to touch.]]",
            unsafe_allow_html=True,
        )
        page_link(HOME, HOME.label)
        for page in PAGES:
            if page.exists:
                page_link(page, f"{page.section} · {page.label}")
        st.divider()
        settings = state.get_settings()
        st.toggle(
            "Projector mode",
            value=settings.projector,
            key=state.init_widget(page_id, "projector", settings.projector),
            on_change=state.sync_widget,
            args=(page_id, "projector"),
            help="Bigger fonts and charts for a live demo.",
        )
        st.toggle(
            "Reveal step by step",
            key=state.init_widget(page_id, "reveal", settings.reveal),
            on_change=state.sync_widget,
            args=(page_id, "reveal"),
            help="Show one step at a time, with a 'Next step' button: for teaching.",
        )
        st.button(
            "Reset to the book's example",
            on_click=state.reset,
            help="Back to 'Your journey starts with one step', seed 123, d_out = 2.",
            width="stretch",
        )
        st.caption(
            "🔗 **Share:** the address bar always holds this state (tokens, embeddings, seeds, "
            "d_out, scaling, projector mode; the mask and dropout of the scaled page; the "
            "why-scale controls). "
            "Copy it to share exactly what you see."
        )


def _reveal_key(page_id: str) -> str:
    """Session key of how many steps a page shows in reveal mode."""
    return f"lab.reveal.{page_id}"


def _show_steps(page_id: str, count: int) -> None:
    """Show ``count`` steps of the page, rerunning all of it (the sidebar's progress too, even
    when the button sits in a fragment)."""
    st.session_state[_reveal_key(page_id)] = count
    st.rerun()


def stepper(page_id: str, steps: tuple[str, ...]) -> int:
    """How many of a page's steps to show: all of them, unless 'Reveal step by step' is on.

    In reveal mode the sidebar shows the steps, a progress bar and 'Next step' / 'Start over'
    buttons: always in reach while the instructor scrolls down to the step just revealed.
    A page wraps each step in ``if shown > i:``.
    """
    if not state.get_settings().reveal:
        return len(steps)
    shown = min(st.session_state.get(_reveal_key(page_id), 1), len(steps))
    with st.sidebar:
        st.markdown("**Steps on this page**")
        st.progress(shown / len(steps), text=f"Step {shown} of {len(steps)}")
        st.markdown(
            "\n".join(
                f"{i + 1}. {'**' + name + '** ◀' if i + 1 == shown else name}"
                + ("" if i < shown else " *(hidden)*")
                for i, name in enumerate(steps)
            )
        )
        left, right = st.columns(2)
        if left.button("Next step ▶", key=f"w.{page_id}.next", disabled=shown >= len(steps)):
            _show_steps(page_id, shown + 1)
        if right.button("Start over", key=f"w.{page_id}.restart"):
            _show_steps(page_id, 1)
    st.info(
        f"Step by step: {shown} of {len(steps)} steps shown. **Next step ▶** is in the sidebar "
        "and under the last step shown.",
        icon="👣",
    )
    return shown


def next_step_button(page_id: str, steps: tuple[str, ...], shown: int) -> None:
    """In reveal mode, 'Next step' below the last step shown, where the class is looking.

    The sidebar has the same button; on a projector it sits below the fold. The new step
    appears right here, where this button was.
    """
    if not state.get_settings().reveal or shown >= len(steps):
        return
    label = f"Next step ▶ {shown + 1} · {steps[shown]}"
    if st.button(label, key=f"w.{page_id}.next_main", type="primary"):
        _show_steps(page_id, shown + 1)


def hides_answers(page_id: str, steps: tuple[str, ...]) -> bool:
    """True while 'Reveal step by step' has not reached the last step: keep results hidden.

    A page that shows a result (a context vector, the book's printed values) above its steps
    checks this, so the class does not see the answer before the steps that lead to it.
    """
    shown = st.session_state.get(_reveal_key(page_id), 1)
    return state.get_settings().reveal and shown < len(steps)


HIDDEN_ANSWER = "🙈 *The result and the book's numbers appear with the last step.*"


@functools.lru_cache(maxsize=128)
def prose_text(name: str) -> str:
    """The lesson text ``content/<name>.md`` (prose lives in markdown, not code).

    Read once per server process, not on every rerun: restart the server after editing it.
    """
    return (CONTENT / f"{name}.md").read_text(encoding="utf-8").strip()


def prose(name: str, before: str = "", after: str = "") -> None:
    """Render a lesson text from ``content/<name>.md``.

    ``before`` and ``after`` are live lines shown with it, in the same element: every element
    on a page costs the browser time on each rerun, so a step's text is one element.
    """
    markdown(before, prose_text(name), after)


def show_source(
    *functions: Callable, title: str = "The code that ran", key: str | None = None
) -> None:
    """The core functions behind a step, as source: what the student sees is what ran."""
    code_expander(f"🐍 {title}", lambda: sources(functions), key)


def sources(functions: Sequence[Callable], heading: str | None = None) -> str:
    """The source of ``functions`` (what ran), under a ``# ---- heading ----`` comment if given."""
    text = "\n\n".join(source_of(f) for f in functions)
    return f"# ---- {heading} ----\n\n{text}" if heading else text


def code_expander(label: str, code: Callable[[], str], key: str | None = None) -> None:
    """An expander holding Python code.

    With a ``key`` the code is built and sent only while the expander is open (opening it
    reruns the page): closed, highlighted code still costs the browser time on every rerun.
    """
    if key is None:
        with st.expander(label):
            st.code(code(), language="python")
        return
    with st.expander(label, key=key, on_change="rerun") as box:
        if box.open:
            st.code(code(), language="python")


@functools.lru_cache(maxsize=256)
def source_of(function: Callable) -> str:
    """A function's or class's source (cached: ``inspect.getsource`` re-reads the file)."""
    return inspect.getsource(function)


def show_snippet(
    code: str | Callable[[], str],
    title: str = "Reproduce this in a notebook",
    key: str | None = None,
) -> None:
    """A self-contained snippet with the current values, to paste into a notebook."""
    code_expander(f"📋 {title}", code if callable(code) else lambda: code, key)
