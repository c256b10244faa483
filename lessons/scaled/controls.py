"""The scaled lesson's controls: the weight parameters (seeds, re-roll, d_out, hand edits) and
the options of section 3.5 (causal mask, dropout), with the settings they are bound to.

Each drawing function returns what its widgets now hold; the page passes that on.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from attention import BOOK_DROPOUT_SEED
from attention.data import BOOK_SEED, BOOK_V2_SEED
from ui import compute, grids, keys, settings
from ui.compute import NAMES
from ui.inputs import (
    MAX_D_OUT,
    MAX_SEED,
    InputError,
    Matrix,
    dim_name,
    parse_choice,
    parse_flag,
    parse_int,
    parse_number,
)
from ui.settings import LabSettings

SEED_LABELS: tuple[str, str, str] = ("query", "key", "value")
REROLL_RANGE = 10_000  # re-rolled seeds stay short enough to read aloud
DROPOUT_RATES: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

PER_MATRIX = keys.declare("per_matrix_seeds", False)
CAUSAL = keys.declare(
    "causal", False, parse_one=lambda t: parse_flag(t, "causal"), to_text=lambda on: "1"
)
DROPOUT = keys.declare(
    "dropout",
    0.0,
    parse_one=lambda t: parse_choice(t, "dropout", DROPOUT_RATES, lambda p: f"{p:g}"),
    to_text=lambda p: f"{p:g}",
)
DROPOUT_SEED = keys.declare(
    "dropout_seed",
    BOOK_DROPOUT_SEED,
    parse_one=lambda t: parse_int(t, "dropout_seed", 0, MAX_SEED),
)
WEIGHT_ERROR = keys.declare("weight_error", None)  # (matrix name, message) of a rejected edit

# 3.4.2: the two classes' seeds (the book's: 123 and 789) and exercise 3.1's weight copy
V1_SEED = keys.declare(
    "scaled.v1_seed", BOOK_SEED, param="v1_seed",
    parse_one=lambda t: parse_int(t, "v1_seed", 0, MAX_SEED),
)  # fmt: skip
V2_SEED = keys.declare(
    "scaled.v2_seed", BOOK_V2_SEED, param="v2_seed",
    parse_one=lambda t: parse_int(t, "v2_seed", 0, MAX_SEED),
)  # fmt: skip
COPIES: tuple[str, ...] = ("none", "transposed", "as_is")
COPY = keys.declare(
    "scaled.copy", "none", param="ex31", parse_one=lambda t: parse_choice(t, "ex31", COPIES)
)
COPY_LABELS = {
    "none": "not yet: each class keeps its own weights",
    "transposed": "`sa_v1.W_query = nn.Parameter(sa_v2.W_query.weight.T)`, transposed",
    "as_is": "`sa_v1.W_query = nn.Parameter(sa_v2.W_query.weight)`, as stored",
}


@dataclass(frozen=True)
class Options:
    """The lesson's own switches (section 3.5), on top of the shared settings."""

    causal: bool = False
    dropout: float = 0.0  # 0 = off
    dropout_seed: int = BOOK_DROPOUT_SEED


# ---- weight parameters: seeds, re-roll, d_out ---------------------------------------------


def _set_seeds(seeds: tuple[int, int, int]) -> None:
    """New seeds draw new matrices: the hand edits of a redrawn matrix are discarded."""
    old = settings.current()
    redrawn = {n for n, a, b in zip(NAMES, old.qkv_seeds, seeds, strict=True) if a != b}
    keys.store(settings.SEEDS, seeds)
    keys.store(
        settings.WEIGHT_EDITS, tuple((n, m) for n, m in old.weight_edits if n not in redrawn)
    )
    keys.store(WEIGHT_ERROR, None)


def _new_seed(avoid: tuple[int, ...]) -> int:
    """A fresh random seed from the OS (never the global torch or Python generator)."""
    while (seed := secrets.randbelow(REROLL_RANGE)) in avoid:
        pass
    return seed


def _reroll(per_matrix: bool) -> None:
    old = settings.current().qkv_seeds
    if per_matrix:
        _set_seeds((_new_seed(old), _new_seed(old), _new_seed(old)))
    else:
        seed = _new_seed(old)
        _set_seeds((seed, seed, seed))


def _seed_box(page: str, label: str, index: int | None, seeds: tuple[int, int, int]) -> None:
    """One seed (``index``) of the three, or all three at once (``index`` None)."""
    key = keys.widget_key(page, "seed" if index is None else f"seed_{SEED_LABELS[index]}")
    shown = seeds[0 if index is None else index]
    if st.session_state.get(key) != shown:
        st.session_state[key] = shown

    def changed() -> None:
        new = st.session_state.get(key)
        if new is None:  # a cleared box: keep the seed
            st.session_state[key] = shown
            return
        now = list(settings.current().qkv_seeds)
        if index is None:
            now = [int(new)] * 3
        else:
            now[index] = int(new)
        _set_seeds((now[0], now[1], now[2]))

    st.number_input(
        label,
        min_value=0,
        max_value=MAX_SEED,
        step=1,
        key=key,
        on_change=changed,
        help="The book uses 123. A new seed draws new random weight parameters."
        if index is None
        else f"The seed of W_{SEED_LABELS[index]}; it keeps its place in the draw order.",
    )


def weight_parameters(page: str, current: LabSettings) -> None:
    """Seeds (one, or one per matrix), re-roll and d_out."""

    def mode_changed(per_matrix: bool) -> None:
        if not per_matrix:  # back to one seed: the query's seed draws all three
            _set_seeds((settings.current().qkv_seeds[0],) * 3)

    per_matrix = (
        st.toggle(
            "One seed per matrix",
            help="Off: one seed draws W_query, W_key and W_value in turn, as in the book. On: "
            "each matrix gets its own seed (and keeps its place in the draw order).",
            **keys.bind(PER_MATRIX, page, then=mode_changed),
        )
        or len(set(current.qkv_seeds)) > 1
    )
    if per_matrix:
        for index, col in enumerate(st.columns(3)):
            with col:
                _seed_box(page, f"seed of W_{SEED_LABELS[index]}", index, current.qkv_seeds)
    else:
        _seed_box(page, "seed (torch.manual_seed)", None, current.qkv_seeds)
    reroll_col, d_out_col = st.columns(2, vertical_alignment="bottom")
    reroll_col.button(
        "🎲 Re-roll the weights",
        key=keys.widget_key(page, "reroll"),
        on_click=_reroll,
        args=(per_matrix,),
        help="New random seed(s): new weight parameters. Your hand edits are discarded.",
        width="stretch",
    )
    d_out_col.number_input(
        "d_out (= d_k)",
        min_value=1,
        max_value=MAX_D_OUT,
        step=1,
        help="The output size of each weight matrix; the book uses 2. A new d_out reshapes "
        "every matrix and discards hand edits.",
        **keys.bind(settings.D_OUT, page, then=lambda _: keys.store(settings.WEIGHT_EDITS, ())),
    )


def options(page: str) -> Options:
    """The √d_k switch, the causal mask and dropout (with its seed while p > 0)."""
    st.toggle(
        "Scale the scores by √d_k (the book's way)",
        help="On: softmax gets ω / √d_k. Off: the raw scores ω. Step 5 shows both; this "
        "decides which go on to step 6.",
        **keys.bind(settings.SCALED, page),
    )
    causal = st.toggle(
        "Causal mask (section 3.5)",
        help="Hide the future: scores above the diagonal become -inf, their weights 0.",
        **keys.bind(CAUSAL, page),
    )
    p_col, seed_col = st.columns(2)
    with p_col:
        dropout = st.select_slider(
            "Dropout rate p (section 3.5; 0 = off)",
            options=DROPOUT_RATES,
            format_func=lambda p: "0 (off)" if p == 0 else f"{p:g}",
            help="Training only: each attention weight is zeroed with probability p and the "
            "rest are multiplied by 1 / (1 - p).",
            **keys.bind(DROPOUT, page),
        )
    dropout_seed = keys.value(DROPOUT_SEED)
    if dropout:
        with seed_col:
            dropout_seed = st.number_input(
                "dropout seed",
                min_value=0,
                max_value=MAX_SEED,
                step=1,
                help="The book calls torch.manual_seed(123) before its dropout example.",
                **keys.bind(DROPOUT_SEED, page),
            )
    return Options(bool(causal), float(dropout), int(dropout_seed))


@dataclass(frozen=True)
class ClassOptions:
    """Section 3.4.2's two classes: the seed each is built after, and exercise 3.1's copy."""

    v1_seed: int = BOOK_SEED
    v2_seed: int = BOOK_V2_SEED
    copy: str = "none"  # one of COPIES


def class_seeds(page: str) -> tuple[int, int]:
    """The seeds of SelfAttention_v1 and SelfAttention_v2, side by side."""
    v1_col, v2_col = st.columns(2)
    with v1_col:
        v1 = st.number_input(
            "seed of SelfAttention_v1",
            min_value=0, max_value=MAX_SEED, step=1,
            help="torch.manual_seed(seed), then SelfAttention_v1(d_in, d_out). The book: 123.",
            **keys.bind(V1_SEED, page, name="v1_seed"),
        )  # fmt: skip
    with v2_col:
        v2 = st.number_input(
            "seed of SelfAttention_v2",
            min_value=0, max_value=MAX_SEED, step=1,
            help="torch.manual_seed(seed), then SelfAttention_v2(d_in, d_out). The book: 789 "
            "(its exercise solution: 123).",
            **keys.bind(V2_SEED, page, name="v2_seed"),
        )  # fmt: skip
    return int(v1), int(v2)


def weight_copy(page: str) -> str:
    """Exercise 3.1's choice: how v2's weights go into v1 (or not yet)."""
    return st.radio(
        "Copy each of v2's weights into v1 (W_query shown; W_key and W_value alike):",
        COPIES,
        format_func=COPY_LABELS.get,
        help="nn.Linear stores its weight as (d_out, d_in); SelfAttention_v1 computes "
        "inputs @ W with W of shape (d_in, d_out).",
        **keys.bind(COPY, page, name="copy"),
    )


def current_options() -> Options:
    """The options as stored (for a page that does not draw their widgets)."""
    return Options(keys.value(CAUSAL), keys.value(DROPOUT), keys.value(DROPOUT_SEED))


# ---- hand edits of the weight parameters ------------------------------------------------


def keep_valid_edits(current: LabSettings) -> tuple[LabSettings, tuple[str, ...]]:
    """Drop the hand edits that no longer fit; returns the settings and why each went."""
    edits, dropped = settings.fitting_weight_edits(current)
    if edits != current.weight_edits:
        keys.store(settings.WEIGHT_EDITS, edits)
        current = settings.current()
    return current, dropped


def apply_weight_delta(matrix: Matrix, delta: Mapping[str, Any], name: str) -> Matrix:
    """A data editor's ``edited_rows`` applied to a weight matrix, every cell validated.

    Rows are the input coordinates dim 1 .. d_in, columns the output coordinates
    "dim 1" .. "dim d_out". Raises ``InputError`` on an empty or non-numeric cell.
    """
    rows = [list(r) for r in matrix]
    for index, changes in (delta.get("edited_rows") or {}).items():
        i = int(index)
        for column, raw in changes.items():
            j = int(str(column).split()[-1]) - 1
            if 0 <= i < len(rows) and 0 <= j < len(rows[i]):
                rows[i][j] = parse_number(raw, f"{name}[dim {i + 1}, dim {j + 1}]")
    return tuple(tuple(float(v) for v in r) for r in rows)


def _same(a: Matrix, b: Matrix) -> bool:
    """Equal as float32 (the seeded values come back from float32 tensors)."""
    return all(
        math.isclose(x, y, rel_tol=1e-7, abs_tol=1e-9)
        for ra, rb in zip(a, b, strict=True)
        for x, y in zip(ra, rb, strict=True)
    )


def weight_editors(page: str, current: LabSettings) -> None:
    """'Train by hand': the three matrices as editable grids, built only while open.

    A valid edit is stored in the shared ``weight_edits``; one that restores the seeded values
    is dropped, so the book's state (and its numbers) can come back.
    """
    label = "✏️ Train by hand: edit W_query, W_key, W_value"
    with st.expander(label, key=keys.widget_key(page, "edit_weights"), on_change="rerun") as box:
        if not box.open:
            return
        st.caption(
            "Double-click a cell and type a number: every step after this one follows. A new "
            "seed or d_out discards your edits."
        )
        seeded = dict(zip(NAMES, compute.seeded_weights(
            current.d_in, current.d_out, current.qkv_seeds), strict=True))  # fmt: skip
        edited = dict(current.weight_edits)
        error = keys.value(WEIGHT_ERROR)
        for name, col in zip(NAMES, st.columns(3), strict=True):
            with col:
                _weight_grid(page, name, edited.get(name, seeded[name]))
                if error and error[0] == name:
                    st.error(f"{error[1]} {name} keeps its last valid values.", icon="✏️")


def commit_weight_edit(page: str, name: str, delta: Mapping[str, Any]) -> None:
    """Commit the editor of ``name``'s edit record ``delta`` (its ``edited_rows``, counted from
    the data the editor was built on): every cell validated; a matrix edited back to its
    seeded values is no longer an edit. A bad cell leaves a message and the last valid values.
    """
    current = settings.current()
    seeded = dict(zip(NAMES, compute.seeded_weights(
        current.d_in, current.d_out, current.qkv_seeds), strict=True))[name]  # fmt: skip
    shown = dict(current.weight_edits).get(name, seeded)
    _, base = grids.session(page, name, shown)
    try:
        new = apply_weight_delta(base, delta, name)
    except InputError as error:
        keys.store(WEIGHT_ERROR, (name, str(error)))
        return
    keys.store(WEIGHT_ERROR, None)
    grids.owns(page, name, new)
    edits = dict(current.weight_edits)
    if _same(new, seeded):
        edits.pop(name, None)
    else:
        edits[name] = new
    keys.store(settings.WEIGHT_EDITS, tuple((n, edits[n]) for n in NAMES if n in edits))


def _weight_grid(page: str, name: str, matrix: Matrix) -> None:
    key, base = grids.session(page, name, matrix)
    columns = [dim_name(j) for j in range(len(base[0]))]
    frame = pd.DataFrame([list(r) for r in base], columns=columns)
    frame.index = [dim_name(i) for i in range(len(base))]

    st.markdown(f"**{name}** ({len(base)}, {len(columns)})")
    st.data_editor(
        frame,
        key=key,
        num_rows="fixed",
        on_change=lambda: commit_weight_edit(page, name, st.session_state.get(key) or {}),
        column_config={
            c: st.column_config.NumberColumn(c, format="%.4f", required=True) for c in columns
        },
        width="stretch",
    )
