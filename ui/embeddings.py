"""The controls two lessons share: the token embeddings (sentence, d_in, the grid) and the query.

The embeddings are one shared setting (``ui.settings.EMBEDDINGS``): edit them on the
simplified page and the scaled page shows the same sentence. Every control validates what
it gets (``ui.inputs``); a bad value leaves a message beside the control and the last valid
embeddings in place, so nothing else the student set is lost.

The grid keeps its key and data while the student edits it (``ui.grids``).
"""

from __future__ import annotations

import math
import zlib

import pandas as pd
import streamlit as st

from attention.data import BOOK_SEED
from ui import grids, keys, settings
from ui.fmt import sup
from ui.inputs import (
    MAX_D_IN,
    MAX_TOKENS,
    InputError,
    apply_editor_delta,
    dim_name,
    resize_embeddings,
    sentence_to_embeddings,
)

ERROR = keys.declare("embeddings_error", None)  # the last rejected edit's message

HINT = (
    f"Edit any cell, rename a token, add a row (a new token gets a seeded random embedding, as "
    f"in the book) or delete one: 1 to {MAX_TOKENS} tokens, 1 to {MAX_D_IN} numbers each."
)


def _commit(tokens: tuple[str, ...], inputs: tuple) -> None:
    keys.store(ERROR, None)
    settings.set_embeddings(tokens, inputs)


def _reject(error: InputError) -> None:
    keys.store(ERROR, str(error))


def sentence_box(page: str) -> None:
    """A text box: each word of a sentence becomes a token (Enter commits)."""
    key = keys.widget_key(page, "sentence")

    def use_sentence() -> None:
        sentence = st.session_state.get(key) or ""
        if not sentence.strip():  # a cleared box: say so, keep the tokens in use
            tokens = " ".join(settings.current().tokens)
            _reject(
                InputError(f"The sentence box is empty: the tokens stay *{tokens}*. Type at "
                           "least one word and press Enter.")
            )  # fmt: skip
            return
        try:
            current = settings.current()
            _commit(*sentence_to_embeddings(sentence, current.d_in, BOOK_SEED))
        except InputError as error:
            _reject(error)

    st.text_input(
        "Type a sentence of your own",
        key=key,
        placeholder="Type words, then press Enter",
        on_change=use_sentence,
        help="Press Enter: each word becomes a token. Words from the book keep the book's "
        "vectors; other words get a seeded random one.",
    )


def d_in_box(page: str) -> None:
    """The embedding size d_in: new coordinates come from each token's seeded embedding."""
    key = keys.widget_key(page, "d_in")
    current = settings.current()
    if st.session_state.get(key) != current.d_in:
        st.session_state[key] = current.d_in

    def resize() -> None:
        now = settings.current()
        d_in = st.session_state.get(key)
        if d_in is None:
            st.session_state[key] = now.d_in
            return
        try:
            _commit(now.tokens, resize_embeddings(now.tokens, now.inputs, int(d_in), BOOK_SEED))
        except InputError as error:
            _reject(error)

    st.number_input(
        "d_in",
        min_value=1,
        max_value=MAX_D_IN,
        step=1,
        key=key,
        on_change=resize,
        help="The embedding size. A larger d_in adds coordinates from each token's seeded "
        "embedding; a smaller one drops the last ones.",
    )


def grid(page: str) -> None:
    """The editable table of token embeddings (one row per token, columns dim 1..d_in)."""
    key, (base_tokens, base_inputs) = grids.session(page, "grid", keys.value(settings.EMBEDDINGS))
    columns = ["token"] + [dim_name(j) for j in range(len(base_inputs[0]))]
    frame = pd.DataFrame(
        [[t, *row] for t, row in zip(base_tokens, base_inputs, strict=True)], columns=columns
    )
    column_config = {
        "token": st.column_config.TextColumn("token", help="The token's name (unique).", required=True),
        **{
            c: st.column_config.NumberColumn(c, help=f"Coordinate {c} of the embedding", format="%.4g")
            for c in columns[1:]
        },
    }  # fmt: skip

    def commit_edit() -> None:
        try:
            new = apply_editor_delta(base_tokens, base_inputs, st.session_state[key], BOOK_SEED)
        except InputError as error:
            _reject(error)
            return
        grids.owns(page, "grid", new)
        _commit(*new)

    st.data_editor(
        frame,
        key=key,
        num_rows="dynamic",
        hide_index=True,
        column_config=column_config,
        on_change=commit_edit,
        width="stretch",
    )


def editor(page: str, *, expanded_label: str = "✏️ Edit the numbers (a grid)") -> None:
    """The sentence box and d_in side by side, the grid in an expander built only while it is
    open, and the message of a rejected edit."""
    sentence_col, d_in_col = st.columns([3, 1], vertical_alignment="bottom")
    with sentence_col:
        sentence_box(page)
    with d_in_col:
        d_in_box(page)
    with st.expander(
        expanded_label, key=keys.widget_key(page, "grid_open"), on_change="rerun"
    ) as box:
        if box.open:
            st.caption(HINT)
            grid(page)
    error = keys.value(ERROR)
    if error:
        st.error(f"{error} Everything on the page still uses the last valid embeddings.", icon="✏️")


def query_sliders(page: str, columns: int = 3) -> None:
    """One slider per coordinate of the query's embedding x⁽ⁱ⁾: drag and watch.

    The quickest way to change an embedding (a grid edit takes Streamlit a quarter of a
    second more); each release commits the new value to the shared embeddings.
    """
    current = settings.current()
    q, row = current.query, current.inputs[current.query]
    bound = float(max(2, math.ceil(max(abs(v) for v in current.inputs[q]))))
    st.markdown(
        f"**Move the query x{sup(q + 1)} ({current.query_token}), coordinate by coordinate:**"
    )
    cols = st.columns(min(columns, len(row)))
    for j, value in enumerate(row):
        key = keys.widget_key(page, f"nudge.{_tokens_tag(current.tokens)}.{q}.{j}")
        if st.session_state.get(key) != value:
            st.session_state[key] = float(value)

        def moved(j: int = j, key: str = key) -> None:
            now = settings.current()
            new_row = list(now.inputs[now.query])
            new_row[j] = round(float(st.session_state[key]), 4)
            inputs = tuple(
                tuple(new_row) if i == now.query else r for i, r in enumerate(now.inputs)
            )
            _commit(now.tokens, inputs)

        with cols[j % len(cols)]:
            st.slider(
                dim_name(j), min_value=-bound, max_value=bound, step=0.01, key=key,
                on_change=moved, help=f"Coordinate {dim_name(j)} of x{sup(q + 1)}.",
            )  # fmt: skip


def _tokens_tag(tokens: tuple[str, ...]) -> str:
    return f"{zlib.crc32(repr(tokens).encode()):08x}"


def query_picker(page: str, label: str = "Query token x⁽ⁱ⁾: whose attention do we follow?") -> int:
    """Choose the query token; returns its index (shared with every page)."""
    current = settings.current()
    options = list(range(len(current.tokens)))
    return st.selectbox(
        label,
        options,
        format_func=lambda i: f"{current.tokens[i]}  (x{sup(i + 1)})",
        help="The token whose attention we follow step by step. The book follows 'journey', x⁽²⁾.",
        **keys.bind(settings.QUERY, page, name=f"query.{_tokens_tag(current.tokens)}"),
    )
