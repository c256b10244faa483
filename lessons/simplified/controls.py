"""The simplified lesson's own controls, with the settings they are bound to: the key whose dot
product is spelled out, the direction of softmax, and the 2-d view of the geometry step.

Each drawing function returns what its widgets now hold; the page passes that on. Stored
values that no longer fit the embeddings (a key beyond the last token, a coordinate beyond
d_in) fall back to a valid one before the widget is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from attention.geometry import VIEW_DIMS, VIEW_SVD
from ui import keys
from ui.fmt import sup
from ui.inputs import MAX_D_IN, MAX_TOKENS, dim_name, parse_choice, parse_flag, parse_int
from ui.settings import LabSettings

DIMS: tuple[int, int] = (-1, 0)
VIEWS: tuple[str, str] = (VIEW_DIMS, VIEW_SVD)
VIEW_LABELS = {VIEW_DIMS: "Two of the coordinates", VIEW_SVD: "Best plane through the origin (SVD)"}

KEY = keys.declare(
    "simplified.key",
    0,
    param="simplified_key",
    parse_one=lambda t: parse_int(t, "simplified_key", 0, MAX_TOKENS - 1),
)
DIM = keys.declare(
    "simplified.dim",
    -1,
    param="simplified_dim",
    parse_one=lambda t: parse_choice(t, "simplified_dim", DIMS),
)
VIEW = keys.declare(
    "simplified.view",
    VIEW_DIMS,
    param="simplified_view",
    parse_one=lambda t: parse_choice(t, "simplified_view", VIEWS),
)
# the axes are 0-based here, "dim 1" ... in the link as on screen
AXIS_X = keys.declare(
    "simplified.axis_x",
    0,
    param="simplified_x",
    parse_one=lambda t: parse_int(t, "simplified_x", 1, MAX_D_IN) - 1,
    to_text=lambda j: str(j + 1),
)
AXIS_Y = keys.declare(
    "simplified.axis_y",
    1,
    param="simplified_y",
    parse_one=lambda t: parse_int(t, "simplified_y", 1, MAX_D_IN) - 1,
    to_text=lambda j: str(j + 1),
)
ALL_Z = keys.declare(
    "simplified.all_z",
    False,
    param="simplified_all_z",
    parse_one=lambda t: parse_flag(t, "simplified_all_z"),
    to_text=lambda on: "1" if on else "0",
)


@dataclass(frozen=True)
class Geometry:
    """The 2-d view of step 5: which view, its two coordinates (0-based), all z or one."""

    view: str = VIEW_DIMS
    axes: tuple[int, int] = (0, 1)
    show_all: bool = False


def _fitted(setting: keys.Setting[int], size: int, fallback: int) -> int:
    """The stored index if it is below ``size``, else ``fallback`` (stored, so the widget and
    the link agree)."""
    value = keys.value(setting)
    if 0 <= value < size:
        return value
    keys.store(setting, fallback)
    return fallback


def key_picker(page: str, current: LabSettings) -> int:
    """The key token x⁽ʲ⁾ whose dot product with the query is spelled out."""
    tokens = current.tokens
    _fitted(KEY, len(tokens), 0)
    return st.selectbox(
        "Spell out the score with the key x⁽ʲ⁾",
        list(range(len(tokens))),
        format_func=lambda j: f"{tokens[j]}  (x{sup(j + 1)})",
        help="Pick any token: its score with the query is written out number by number.",
        width=360,
        **keys.bind(KEY, page, name="key"),
    )


def softmax_dim(page: str) -> int:
    """Softmax over dim=-1 (the book) or dim=0."""
    return st.radio(
        "Softmax over",
        DIMS,
        format_func=lambda d: (
            "dim=-1: along each row (the book)" if d == -1 else "dim=0: down each column"
        ),
        horizontal=True,
        **keys.bind(DIM, page, name="dim"),
    )


def geometry(page: str, current: LabSettings) -> Geometry:
    """The 2-d view (when d_in > 2), its two coordinates (two-coordinate view) and 'all z'."""
    d_in = current.d_in
    view, axes = VIEW_DIMS, (0, min(1, d_in - 1))
    if d_in > 2:
        view = st.radio(
            "2-d view of the embeddings",
            VIEWS,
            format_func=VIEW_LABELS.get,
            help="Two coordinates show those numbers as they are; the SVD plane is the flat "
            "view that keeps the most of the vectors' length.",
            **keys.bind(VIEW, page, name="view"),
        )
        if view == VIEW_DIMS:
            options = list(range(d_in))
            x_col, y_col = st.columns(2)
            pickers = []
            for col, setting, name, label, default in (
                (x_col, AXIS_X, "axis_x", "Horizontal axis", 0),
                (y_col, AXIS_Y, "axis_y", "Vertical axis", 1),
            ):
                _fitted(setting, d_in, min(default, d_in - 1))
                with col:
                    pickers.append(
                        st.selectbox(
                            label, options, format_func=dim_name, **keys.bind(setting, page, name=name)
                        )
                    )  # fmt: skip
            axes = (pickers[0], pickers[1])
    show_all = st.checkbox(
        "Show all context vectors",
        help="Grey diamonds: z of the other queries. Every one stays inside the hull too.",
        **keys.bind(ALL_Z, page, name="all_z"),
    )
    return Geometry(view, axes, bool(show_all))
