"""Attention Lab, home page: the chapter's path, and the book's example computed live."""

import streamlit as st

from attention import simplified_self_attention
from lessons.home import text
from ui import blocks, compute, fmt, frame, keys, settings, tables
from ui.blocks import markdown, prose

PAGE = "home"


def intro() -> None:
    markdown(
        "# 🔍 Attention Lab",
        "### Self-attention from chapter 3 of *Build a Large Language Model (From Scratch)*, "
        "to touch",
        prose(PAGE, "intro"),
    )


def tour() -> None:
    """The six stops of the chapter, in reading order row by row (they stack 1, 2, 3 ... on a
    phone)."""
    st.markdown("## The chapter's path")
    for start in range(0, len(text.TOUR), 3):
        for stop, col in zip(text.TOUR[start : start + 3], st.columns(3), strict=False):
            with col, st.container(border=True):
                st.markdown(f"**{stop.title}**  \n§ {stop.section}\n\n{stop.blurb}")
                frame.page_link(stop.page, "Open")


def live_example(current: settings.LabSettings) -> None:
    """Section 3.3 on the shared embeddings, and the scaled page's result for the same query."""
    simple = compute.simplified(current.inputs)
    edits = text.fitting_edits(current)
    attn = compute.self_attention(
        current.inputs, current.d_out, current.qkv_seeds, edits, scaled=current.scaled
    )
    q = current.query
    markdown(
        "## The book's example, computed live"
        if current.is_book_embeddings
        else "## Your sentence, computed live (the book's example: Reset)",
        prose(PAGE, "example"),
        f"*{' '.join(current.tokens)}*: {len(current.tokens)} tokens, d_in = {current.d_in}. "
        "Row i holds the weights of the query x⁽ⁱ⁾ over every key j: each row sums to 1 "
        "(colours from 0 to the largest weight).",
    )
    tables.show(
        tables.matrix(
            simple.attn_weights, current.tokens, current.tokens,
            caption="<strong>Attention weights</strong> softmax(inputs @ inputs.T, dim=-1)",
            row_title="query i", col_title="key j",
            heat=tables.Heat(0.0, max(map(max, simple.attn_weights))),
            mark_row=q, projector=current.projector,
        )
    )  # fmt: skip
    st.markdown(
        f"**Context vector of the query *{current.query_token}*** (section 3.3): "
        f"z{fmt.sup(q + 1)} = `{fmt.vector(simple.context_vecs[q])}`"
    )
    check = text.book_check(current, simple)
    if check:
        st.success(check, icon="📖")
    st.markdown(text.trainable(current, attn, edits))
    blocks.code(
        "🐍 The code behind these numbers",
        lambda: blocks.source(simplified_self_attention),
        key=keys.widget_key(PAGE, "source"),
    )


def lesson() -> None:
    current = settings.current()
    intro()
    tour()
    live_example(current)


frame.setup(PAGE, "Home")
frame.run(lesson)
