"""Attention Lab, home page: the chapter's path, with the book's example computed live."""

import streamlit as st

from attention import simplified_self_attention
from attention.data import BOOK_PRINTED
from ui import charts, compute
from ui.layout import PAGES, page_link, page_setup, prose, show_source

settings = page_setup("Home", "home")


def book4(values: list[float] | tuple[float, ...]) -> str:
    """Numbers as the book prints them: four decimals, trailing zeros kept."""
    return "[" + ", ".join(f"{v:.4f}" for v in values) + "]"


st.title("🔍 Attention Lab")
st.subheader(
    "Self-attention from chapter 3 of *Build a Large Language Model (From Scratch)*, to touch"
)
prose("home")

st.header("The chapter's path")
# the first two stops share the RNN page, each with its own part of it; the others say what
# their page teaches (None)
RNN_PROBLEM = (
    "An encoder-decoder RNN squeezes the whole input into one hidden state: watch a trained "
    "one forget long inputs."
)
RNN_BAHDANAU = (
    "The decoder looks back at every encoder state: see its attention weights, step by step."
)
TOUR = (
    ("1. The problem: RNN encoder-decoders", "3.1", PAGES[0], RNN_PROBLEM),
    ("2. Bahdanau attention: look back at every input", "3.2", PAGES[0], RNN_BAHDANAU),
    ("3. Simplified self-attention", "3.3", PAGES[1], None),
    ("4. Scaled dot-product attention", "3.4", PAGES[2], None),
    ("5. Why scale by √d_k", "3.4", PAGES[3], None),
    ("6. Causal mask, dropout, multi-head", "3.5-3.6", PAGES[4], None),
)
cols = st.columns(3)  # two rows of three: wide enough to read, even in projector mode
for i, (step, section, page, blurb) in enumerate(TOUR):
    col = cols[i % 3]
    with col, st.container(border=True):
        # one element per card: every element costs the browser time on each rerun
        st.markdown(f"**{step}**  \n§ {section}\n\n:small[:gray[{blurb or page.teaches}]]")
        if page.exists:
            page_link(page, "Open")

st.header("The book's example, computed live")
st.markdown(
    f"The sentence *{' '.join(settings.tokens)}*, each token a {settings.d_in}-d embedding. "
    "Hover a cell for its exact value."
)
trace = compute.simplified(settings.inputs)
left, right = st.columns(2)
with left:
    charts.show(
        charts.heatmap(
            compute.to_lists(trace.attn_weights),
            settings.tokens,
            settings.tokens,
            title="Attention weights: softmax(inputs @ inputs.T, dim=-1)",
            x_title="key (attended-to token)",
            y_title="query token",
            value_title="weight",
            highlight_row=settings.query,
        ),
    )
with right:
    st.markdown(f"**Context vector of the query *{settings.query_token}*** (section 3.3):")
    st.dataframe(
        charts.matrix_frame(
            [compute.to_lists(trace.context_vecs[settings.query])],
            ["z"],
            [f"dim {j + 1}" for j in range(settings.d_in)],
        ),
    )
    if settings.is_book_state and settings.query == 1:
        st.success(
            f"Matches the book: z⁽²⁾ = {book4(BOOK_PRINTED['simplified.context_vec_2'])} "
            f"and the weights of 'journey' are {book4(BOOK_PRINTED['simplified.attn_weights_2'])}.",
            icon="📖",
        )
    scaled = compute.self_attention(
        settings.inputs, settings.d_out, settings.qkv_seeds, settings.weight_edits
    )
    st.markdown(
        f"**With trainable weights** (section 3.4, seed {settings.qkv_seeds[0]}, d_out = {settings.d_out}), "
        f"the context vector of *{settings.query_token}* is "
        f"`{book4(compute.to_lists(scaled.context_vecs[settings.query]))}`."
    )
show_source(simplified_self_attention, title="The code behind these numbers")
