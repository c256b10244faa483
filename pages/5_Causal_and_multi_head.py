"""Sections 3.5-3.6: causal mask, dropout and multi-head attention, on the shared embeddings."""

import streamlit as st

from attention import (
    MultiHeadAttention,
    apply_causal_mask,
    apply_dropout,
    causal_mask,
    dropout_mask,
    multihead_trace,
    renormalized_causal_weights,
)
from attention.data import BOOK_D_OUT, BOOK_PRINTED, BOOK_SEED, BOOK_V2_SEED
from ui import charts, compute, state
from ui.layout import page_setup, prose, show_snippet, show_source, stepper
from ui.multihead import divisors, reproduce_snippet, shapes_frame

PAGE = "multihead"
settings = page_setup("Causal mask and multi-head attention", PAGE)
st.title("🎭 Causal mask, dropout and multi-head attention")
st.caption("Sections 3.5-3.6 · tokens, embeddings, seeds and d_out are shared with the other pages")
prose("multihead")
tokens = settings.tokens
shown = stepper(PAGE, ("Causal mask", "Dropout", "Multi-head attention"))


def show_heatmap(values: list, title: str, **kwargs: object) -> None:
    """A weights heatmap over the tokens, with its numeric table beside it."""
    chart_col, table_col = st.columns(2)
    chart = charts.heatmap(
        values,
        tokens,
        tokens,
        title=title,
        x_title="key token",
        y_title="query token",
        value_title="weight",
        **kwargs,
    )
    with chart_col:
        charts.show(chart)
    with table_col:
        charts.table(charts.matrix_frame(values, tokens, tokens), "%.3f")


# ---- 1. Causal mask ----------------------------------------------------------------------
st.header("1 · Causal mask: no peeking at the future")
book_v2 = st.toggle(
    "Use the book's section 3.5 weights (SelfAttention_v2: nn.Linear layers, seed 789)",
    key=state.init_widget(PAGE, "book_v2", True),
    help="Off: the weights of the Scaled dot-product page (torch.rand, your seeds and edits).",
)
seeds, edits = ((BOOK_V2_SEED,) * 3, ()) if book_v2 else (settings.qkv_seeds, settings.weight_edits)
causal = compute.self_attention(
    settings.inputs, settings.d_out, seeds, edits, causal=True, linear=book_v2
)
source = (
    "the book's `SelfAttention_v2` (three `nn.Linear(d_in, d_out, bias=False)` after "
    "`torch.manual_seed(789)`)"
    if book_v2
    else f"the *Scaled dot-product attention* page's weights (seeds {settings.qkv_seeds})"
)
st.markdown(
    f"Scaled scores from {source}, d_out = {settings.d_out}, masked: each token keeps only "
    "itself and the tokens before it."
)
left, right = st.columns(2)
with left:
    st.markdown("**mask** = `torch.triu(torch.ones(n, n), diagonal=1)` — 1 = hidden")
    mask = [[int(hidden) for hidden in row] for row in compute.to_lists(causal.mask)]
    st.dataframe(charts.matrix_frame(mask, tokens, tokens))
with right:
    st.markdown("**masked scores / √d_k** — `-inf` above the diagonal")
    # printed as the book prints them: "-inf" for a hidden score
    printed_scores = [
        [f"{v:.4f}" if v != float("-inf") else "-inf" for v in row]
        for row in compute.to_lists(causal.masked_scores)
    ]
    st.dataframe(charts.matrix_frame(printed_scores, tokens, tokens))
show_heatmap(
    compute.to_lists(causal.attn_weights),
    "Causal attention weights: 0 above the diagonal, each row sums to 1",
    domain=(0.0, 1.0),
    highlight_row=settings.query,
)
book_state = settings.tokens == state.DEFAULTS.tokens and settings.inputs == state.DEFAULTS.inputs
if book_v2 and book_state and settings.d_out == BOOK_D_OUT:
    printed = ", ".join(f"{v:.4f}" for v in BOOK_PRINTED["causal.attn_weights_2"])
    st.success(
        f"📖 Matches the book (section 3.5.1): the causal weights of *journey* are [{printed}]."
    )
gap = compute.causal_renormalization_gap(settings.inputs, settings.d_out, seeds, edits, book_v2)
st.info(
    "The book first tries softmax → zero the future → divide by the row sums. The largest "
    f"difference between those weights and the ones above is **{gap:.1e}**: the same weights, "
    "from one softmax instead of a second normalisation.",
    icon="🟰",
)
show_source(causal_mask, apply_causal_mask, renormalized_causal_weights)


# ---- 2. Dropout --------------------------------------------------------------------------
@st.fragment
def dropout_section() -> None:
    """Its own fragment: moving the dropout controls reruns and redraws only this section."""
    st.header("2 · Dropout on the attention weights")
    c1, c2 = st.columns(2)
    dropout = c1.slider(
        "dropout rate p",
        0.0,
        0.9,
        step=0.05,
        key=state.init_widget(PAGE, "dropout", 0.5),
        help="Each weight is zeroed with probability p; the others are multiplied by 1 / (1 - p).",
    )
    dropout_seed = c2.number_input(
        "dropout seed",
        0,
        2**31 - 1,
        step=1,
        key=state.init_widget(PAGE, "dropout_seed", BOOK_SEED),
        help="The book uses torch.manual_seed(123) before its dropout example.",
    )
    dropped = compute.self_attention(
        settings.inputs,
        settings.d_out,
        seeds,
        edits,
        causal=True,
        dropout=dropout,
        dropout_seed=int(dropout_seed),
        linear=book_v2,
    )
    if dropout == 0:
        st.markdown("With p = 0 nothing is dropped: the weights are those of step 1.")
    else:
        st.markdown(
            f"{1 - dropped.dropped_fraction:.0%} of the weights kept (expected {1 - dropout:.0%}); "
            f"the kept ones are scaled by 1 / (1 - {dropout:g}) = **{1 / (1 - dropout):.3g}**, so "
            "rows sum to 1 *on average*."
        )
    show_heatmap(
        compute.to_lists(dropped.dropped_weights),
        # p is in the sentence above: a title that changes would rebuild the chart
        "Causal attention weights after dropout",
        highlight_row=settings.query,
    )


if shown >= 2:
    dropout_section()
    # outside the fragment: the source does not change with p, so it is not re-sent
    show_source(dropout_mask, apply_dropout)


# ---- 3. Multi-head -----------------------------------------------------------------------
@st.fragment
def multihead_section() -> None:
    """Its own fragment; changing the shared d_out reruns the whole page (step 1 uses it)."""
    st.header("3 · Multi-head attention")
    c1, c2, c3 = st.columns(3)
    d_out = c1.select_slider(
        "d_out (shared)",
        options=list(range(1, 17)),
        key=state.init_widget(PAGE, "d_out", settings.d_out),
        on_change=state.sync_widget,
        args=(PAGE, "d_out"),
        help="The output size of all heads together; shared with the scaled dot-product page.",
    )
    if d_out != settings.d_out:
        st.rerun()  # the causal section above uses d_out too
    heads = divisors(d_out)
    num_heads = c2.selectbox(
        "num_heads",
        heads,
        index=min(1, len(heads) - 1),
        key=state.widget_key(PAGE, f"num_heads.{d_out}"),
        help="Only divisors of d_out: each head gets head_dim = d_out / num_heads dimensions.",
    )
    mha_seed = c3.number_input(
        "weights seed",
        0,
        2**31 - 1,
        step=1,
        key=state.init_widget(PAGE, "mha_seed", BOOK_SEED),
        help="The module's nn.Linear layers, as after torch.manual_seed(seed) (drawn locally).",
    )
    mha = compute.multihead(settings.inputs, d_out, num_heads, 0.0, int(mha_seed))
    st.markdown(
        f"`MultiHeadAttention(d_in={settings.d_in}, d_out={d_out}, context_length={len(tokens)}, "
        f"dropout=0.0, num_heads={num_heads})`: **head_dim = {d_out} / {num_heads} = {mha.head_dim}**."
    )
    st.dataframe(shapes_frame(mha), hide_index=True)
    head_cols = st.columns(min(num_heads, 4))
    for h in range(num_heads):
        with head_cols[h % len(head_cols)]:
            charts.show(
                charts.heatmap(
                    compute.to_lists(mha.attn_weights[h]),
                    tokens,
                    tokens,
                    title=f"Head {h + 1} weights",
                    x_title="key token",
                    y_title="query token",
                    value_title="weight",
                    domain=(0.0, 1.0),
                ),
            )
    st.subheader("Context vectors after out_proj")
    context = charts.matrix_frame(
        compute.to_lists(mha.context_vecs), tokens, [f"dim {j + 1}" for j in range(d_out)]
    )
    charts.table(context)
    book = (
        settings.tokens == state.DEFAULTS.tokens
        and settings.inputs == state.DEFAULTS.inputs
        and (d_out, num_heads, int(mha_seed)) == (2, 2, BOOK_SEED)
    )
    if book:
        printed = BOOK_PRINTED["multihead.context_vecs"]
        st.success(
            "📖 Matches the book (section 3.6.2): its printed `context_vecs` are "
            f"{[list(printed[i : i + 2]) for i in range(0, len(printed), 2)]}.",
        )
    show_source(MultiHeadAttention, multihead_trace)
    show_snippet(reproduce_snippet(settings.inputs, d_out, num_heads, int(mha_seed)))


if shown >= 3:
    multihead_section()
