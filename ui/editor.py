"""Controls the self-attention pages share: the embeddings editor and the query picker.

Both write into the shared settings (``ui.state``), so an edit on one page shows on every
other. An edit is committed in the editor's ``on_change`` callback only if it is valid; an
invalid one stays visible in the editor with a message beside it, while the page keeps
showing the last valid state.
"""

import pandas as pd
import streamlit as st

from attention.data import BOOK_SEED
from ui import state
from ui.inputs import (
    MAX_D_IN,
    MAX_TOKENS,
    InputError,
    apply_editor_delta,
    resize_embeddings,
    sentence_to_embeddings,
)

ERROR_KEY = "lab.editor_error"


def embeddings_editor(page_id: str) -> None:
    """Editable token embeddings (one row per token), a sentence box and a d_in control."""
    embeddings_grid(page_id)
    st.caption(EDITOR_HINT)
    sentence_col, d_in_col = st.columns([3, 1])
    with sentence_col:
        sentence_box(page_id)
    with d_in_col:
        d_in_box(page_id)


#: What the grid lets you do, in one sentence (for a caption or a page's prose).
EDITOR_HINT = (
    "Edit any cell, rename a token, add a row (new tokens get a seeded random embedding, "
    f"as in the book) or delete one. 1 to {MAX_TOKENS} tokens."
)


def embeddings_grid(page_id: str) -> None:
    """The editable table of token embeddings, and the message for a rejected edit."""
    settings = state.get_settings()
    columns = ["token"] + [f"x{j + 1}" for j in range(settings.d_in)]
    rows = [[t, *row] for t, row in zip(settings.tokens, settings.inputs, strict=True)]
    editor_key = state.widget_key(page_id, f"embeddings.{state.editor_version()}")
    column_config = {
        "token": st.column_config.TextColumn(
            "token", help="The token's name (unique).", required=True
        ),
        **{
            c: st.column_config.NumberColumn(c, help=f"Embedding dimension {c[1:]}", format="%.4g")
            for c in columns[1:]
        },
    }
    st.data_editor(
        _frame(rows, columns),
        key=editor_key,
        num_rows="dynamic",
        hide_index=True,
        column_config=column_config,
        on_change=_commit_edit,
        args=(editor_key,),
        width="stretch",
    )
    error = st.session_state.get(ERROR_KEY)
    if error:
        st.error(f"{error} The charts still show the last valid embeddings.", icon="✏️")


def sentence_box(page_id: str) -> None:
    """A text box: each word of a sentence becomes a token (Enter commits)."""
    st.text_input(
        "…or type a sentence of your own",
        key=state.widget_key(page_id, "sentence"),
        placeholder="The cat sat on the mat",
        on_change=_use_sentence,
        args=(page_id,),
        help="Press Enter: each word becomes a token. Words from the book keep the book's vectors.",
    )


def d_in_box(page_id: str, width: int | str = "stretch") -> None:
    """The embedding size d_in: new dimensions come from each token's seeded embedding."""
    settings = state.get_settings()
    st.number_input(
        "d_in",
        min_value=1,
        max_value=MAX_D_IN,
        step=1,
        key=state.init_widget(page_id, f"d_in.{state.editor_version()}", settings.d_in),
        on_change=_resize,
        args=(page_id,),
        help="The embedding size: numbers per token. New dimensions are filled from each "
        "token's seeded embedding; a smaller d_in drops the last columns.",
        width=width,
    )


def _frame(rows: list[list], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _commit_edit(editor_key: str) -> None:
    settings = state.get_settings()
    try:
        tokens, inputs = apply_editor_delta(
            settings.tokens, settings.inputs, st.session_state[editor_key], BOOK_SEED
        )
    except InputError as error:
        st.session_state[ERROR_KEY] = str(error)
        return
    st.session_state[ERROR_KEY] = None
    state.set_embeddings(tokens, inputs)


def _use_sentence(page_id: str) -> None:
    sentence = st.session_state.get(state.widget_key(page_id, "sentence"), "")
    if not sentence.strip():
        return
    try:
        tokens, inputs = sentence_to_embeddings(sentence, state.get_settings().d_in, BOOK_SEED)
    except InputError as error:
        st.session_state[ERROR_KEY] = str(error)
        return
    st.session_state[ERROR_KEY] = None
    state.set_embeddings(tokens, inputs)


def _resize(page_id: str) -> None:
    settings = state.get_settings()
    d_in = st.session_state[state.widget_key(page_id, f"d_in.{state.editor_version()}")]
    try:
        inputs = resize_embeddings(settings.tokens, settings.inputs, int(d_in), BOOK_SEED)
    except InputError as error:
        st.session_state[ERROR_KEY] = str(error)
        return
    state.set_embeddings(settings.tokens, inputs)


def query_picker(page_id: str, label: str = "Query token") -> int:
    """Choose the query token x^(i); returns its index (shared with every page)."""
    settings = state.get_settings()
    options = list(range(len(settings.tokens)))
    wkey = state.widget_key(page_id, f"query.{state.editor_version()}")
    if st.session_state.get(wkey) not in options:
        st.session_state[wkey] = settings.query
    st.selectbox(
        label,
        options,
        format_func=lambda i: f"{settings.tokens[i]}  (token {i + 1})",
        key=wkey,
        on_change=lambda: state.update(query=st.session_state[wkey]),
        help="The token whose attention we follow step by step. The book uses 'journey', x⁽²⁾.",
    )
    return state.get_settings().query
