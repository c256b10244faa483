"""Section 3.3, simplified self-attention: scores, softmax weights and context vectors, live.

Built for speed in the browser, which re-renders every element of a page on each rerun:

* few elements: a heading and its prose are one markdown block, a chart shares a row with
  its table, all the code sits in one expander at the end;
* fragments: the query picker reruns only the lesson below the editor (``lesson``), and the
  key picker, the softmax switch and the geometry controls only their own part of it.
"""

import streamlit as st

from ui import charts
from ui import simplified as glue
from ui.blocks import code_section, markdown, page_intro, show_table, small
from ui.editor import EDITOR_HINT, d_in_box, embeddings_grid, query_picker, sentence_box
from ui.layout import (
    HIDDEN_ANSWER,
    hides_answers,
    next_step_button,
    page_setup,
    prose_text,
    stepper,
)
from ui.state import LabSettings, get_settings, widget_key, write_url

PAGE = "simplified"
STEPS = (
    "Attention scores: dot products",
    "Attention weights: softmax",
    "The context vector: a weighted sum",
    "All queries at once",
    "Geometry: where z lands",
)


# ---- the result, and the book's numbers ----------------------------------------------------
def result(settings: LabSettings, v: glue.SimplifiedView) -> None:
    """The query's context vector and how it compares with the book, in one block."""
    q, qname = settings.query, settings.query_token
    if hides_answers(PAGE, STEPS):  # the answers would come before the steps that lead there
        markdown(f"**Context vector of *{qname}***: the result of the steps below.", HIDDEN_ANSWER)
        return
    z = (
        f"**Context vector of *{qname}***, the result of the three steps below:\n\n"
        f"#### z{glue.sup(q + 1)} = {glue.fmt_vector(v.context_vecs[q])}\n\n"
        + small(
            f"{len(settings.tokens)} tokens, d_in = {settings.d_in}. It changes as soon as you "
            "edit a number."
        )
    )
    if glue.is_book_query(settings):
        matches, table = glue.book_comparison(v, q)
        if matches:
            st.success(f"{z}\n\n📖 **Matches the book.**\n\n{table}")
        else:
            st.warning(f"{z}\n\nThese numbers differ from the book's:\n\n{table}")
    elif settings.is_book_state:
        markdown(z, "📖 Pick the query **journey** to compare with the numbers the book prints.")
    else:
        markdown(
            z,
            small(
                "📖 You have changed the book's example, so the numbers it prints no longer "
                "apply: **Reset to the book's example** in the sidebar brings them back."
            ),
        )


# ---- step 1: scores ------------------------------------------------------------------------
@st.fragment
def spelled_out_score(settings: LabSettings, v: glue.SimplifiedView) -> None:
    """The key picker changes only this part: it reruns (and redraws) alone."""
    tokens, inputs, q = settings.tokens, settings.inputs, settings.query
    key_options = list(range(len(tokens)))
    key_widget = widget_key(PAGE, "key")
    if st.session_state.get(key_widget) not in key_options:
        st.session_state[key_widget] = 0
    k = st.selectbox(
        "Spell out the dot product with the key",
        key_options,
        format_func=lambda j: f"{tokens[j]}  (token {j + 1})",
        key=key_widget,
        help="Pick any token: its score with the query is written out number by number.",
        width=360,
    )
    st.latex(glue.dot_product_latex(inputs[q], inputs[k], v.attn_scores[q][k], q + 1, k + 1))
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        charts.show(glue.scores_spec(tokens, v.attn_scores[q], k), width="stretch")
    with table_col:
        show_table(glue.query_scores_table(tokens, v, q, glue.is_book_query(settings)))


# ---- step 2: weights -----------------------------------------------------------------------
def weights_step(settings: LabSettings, v: glue.SimplifiedView) -> None:
    """Softmax against score / sum for the query, then which way softmax runs."""
    tokens, q = settings.tokens, settings.query
    markdown(
        "## Step 2 · Attention weights: softmax makes them sum to 1",
        prose_text("simplified/step2"),
    )
    chart_col, table_col = st.columns([2, 3])
    with chart_col:
        charts.show(
            glue.weights_spec(tokens, v.attn_weights[q], v.naive_weights[q]), width="stretch"
        )
    with table_col:
        show_table(glue.query_weights_table(tokens, v, q, glue.is_book_query(settings)))
    overflow = any(s > 709 for s in v.attn_scores[q])
    markdown(
        glue.naive_verdict(tokens, v.naive_weights[q], v.attn_weights[q]),
        small(
            "exp(ω) overflows here (inf in the table), yet softmax still works: "
            "`torch.softmax` subtracts the row's largest score before exponentiating."
        )
        if overflow
        else "",
        "### Which way does softmax run? `dim=-1` versus `dim=0`",
        prose_text("simplified/step2_dim"),
    )
    softmax_direction(settings, v)


@st.fragment
def softmax_direction(settings: LabSettings, v: glue.SimplifiedView) -> None:
    """The dim switch changes only this part: it reruns (and redraws) alone."""
    tokens, q = settings.tokens, settings.query
    dim = st.radio(
        "Softmax over",
        (-1, 0),
        format_func=lambda d: (
            "dim=-1: along each row (the book)" if d == -1 else "dim=0: down each column"
        ),
        horizontal=True,
        key=widget_key(PAGE, "dim"),
    )
    weights = v.attn_weights if dim == -1 else v.weights_dim0
    # the dim is named here, not in the chart's title: a changed title would make the
    # browser build the chart again instead of updating its numbers
    st.markdown(
        f"**`torch.softmax(attn_scores, dim={dim})`** · {glue.dim_verdict(dim, tokens, weights, q)}"
    )
    chart_col, table_col = st.columns(2)
    with chart_col:
        charts.show(
            glue.query_heatmap(
                weights,
                tokens,
                tokens,
                q,
                title="Attention weights, softmax over the chosen dim",
                x_title="key (attended-to token)",
                value_title="weight",
                domain=(0.0, 1.0),
            ),
            width="content",
        )
    with table_col:
        show_table(glue.sums_table(weights, tokens))


# ---- step 3: the context vector --------------------------------------------------------
def context_step(settings: LabSettings, v: glue.SimplifiedView) -> None:
    """z of the query as a weighted sum: the formula with the numbers, and each input's share."""
    tokens, inputs, q = settings.tokens, settings.inputs, settings.query
    formula = glue.weighted_sum_latex(v.attn_weights[q], inputs, v.context_vecs[q], q + 1)
    markdown(
        f"## Step 3 · The context vector z{glue.sup(q + 1)}: a weighted sum of all the inputs",
        prose_text("simplified/step3"),
        f"$$\n{formula}\n$$",
        "In the table, each row is one input scaled by its weight; adding the rows gives z "
        "(the black ticks in the chart).",
    )
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        charts.show(
            glue.contributions_spec(tokens, inputs, v.attn_weights[q], v.context_vecs[q]),
            width="stretch",
        )
    with table_col:
        show_table(glue.contributions_table(tokens, inputs, v, q))


# ---- step 4: all queries -----------------------------------------------------------------
def all_queries_step(settings: LabSettings, v: glue.SimplifiedView) -> None:
    """The three matrices of section 3.3.2, each as a heatmap with its table beside it."""
    tokens, q = settings.tokens, settings.query
    markdown(
        "## Step 4 · All queries at once: three matrix operations", prose_text("simplified/all")
    )
    dims = glue.dims_labels(settings.d_in)
    matrices = (
        ("attn_scores = inputs @ inputs.T", v.attn_scores, tokens, "key", "score", None),
        (
            "attn_weights = torch.softmax(attn_scores, dim=-1)",
            v.attn_weights,
            tokens,
            "key",
            "weight",
            (0.0, 1.0),
        ),
        ("all_context_vecs = attn_weights @ inputs", v.context_vecs, dims, "dimension", "value", None),
    )  # fmt: skip
    for title, matrix, columns, x_title, value_title, domain in matrices:
        chart_col, table_col = st.columns(2)
        with chart_col:
            charts.show(
                glue.query_heatmap(
                    matrix,
                    tokens,
                    columns,
                    q,
                    title=title,
                    x_title=x_title,
                    value_title=value_title,
                    domain=domain,
                ),
                width="content",
            )
        with table_col:
            show_table(glue.matrix_table(matrix, tokens, columns))


# ---- step 5: geometry ----------------------------------------------------------------------
@st.fragment
def geometry(settings: LabSettings, v: glue.SimplifiedView) -> None:
    """The view's controls change only this part: it reruns (and redraws) alone."""
    tokens, inputs, q = settings.tokens, settings.inputs, settings.query
    control_col, chart_col = st.columns([1, 2], gap="large")
    with control_col:
        mode, axes = glue.VIEW_DIMS, (0, min(1, settings.d_in - 1))
        if settings.d_in > 2:
            mode = st.radio("2-d view of the embeddings", glue.VIEWS, key=widget_key(PAGE, "view"))
            if mode == glue.VIEW_DIMS:
                dim_options = list(range(settings.d_in))
                axes = tuple(
                    glue.axis_picker(PAGE, name, label, default, dim_options)
                    for name, label, default in (
                        ("axis_x", "Horizontal axis", 0),
                        ("axis_y", "Vertical axis", 1),
                    )
                )
        show_all = st.checkbox(
            "Show all context vectors",
            key=widget_key(PAGE, "all_z"),
            help="Grey diamonds: z of the other queries. All of them stay inside the hull too.",
        )
    proj = glue.project(inputs, v.context_vecs, mode, axes)
    with chart_col:
        size = 680 if settings.projector else 520
        charts.show(
            glue.geometry_spec(tokens, proj, v.attn_weights[q], q, show_all, size=size),
            width="stretch",
        )
    with control_col:
        markdown(
            small("d_in = 2: the embeddings live in this plane, nothing is hidden.")
            if settings.d_in == 2
            else "",
            glue.geometry_verdict(proj, q, settings.query_token),
            small(
                f"This plane keeps {proj.kept:.0%} of the vectors' squared length; "
                "the rest points out of the screen."
            )
            if proj.kept is not None
            else "",
        )


# ---- everything that follows the query -------------------------------------------------------
@st.fragment
def lesson(shown: int) -> None:
    """The query picker and every step: picking another query reruns this part only."""
    query_picker(PAGE, label="Query token: whose attention do we follow?")
    settings = get_settings()
    write_url(settings)  # the address bar follows the query (a fragment skips page_setup)
    v = glue.view(settings.inputs)
    if isinstance(v, str):  # the editor validates, so this is a last line of defence
        st.error(v)
        return
    result(settings, v)
    markdown(
        f"## Step 1 · Attention scores: how similar is *{settings.query_token}* to each token?",
        prose_text("simplified/step1"),
    )
    spelled_out_score(settings, v)
    if shown > 1:
        weights_step(settings, v)
    if shown > 2:
        context_step(settings, v)
    if shown > 3:
        all_queries_step(settings, v)
    if shown > 4:
        markdown(
            f"## Step 5 · Geometry: z{glue.sup(settings.query + 1)} lies inside the inputs' "
            "convex hull",
            prose_text("simplified/geometry"),
        )
        geometry(settings, v)
    next_step_button(PAGE, STEPS, shown)
    code_section(
        "🐍 The code that ran, and the same in a notebook",
        glue.code_that_ran(shown),
        glue.reproduce_snippet(settings.tokens, settings.inputs, settings.query, v),
    )


# ---- the page ----------------------------------------------------------------------------------
page_setup("Simplified self-attention", PAGE)
page_intro(
    "# 🔹 Simplified self-attention",
    small(
        "Section 3.3 of *Build a Large Language Model (From Scratch)* · no trainable weights yet"
    ),
    prose_text("simplified/intro"),
    "## Your tokens and their embeddings",
    small(EDITOR_HINT),
)
edit_col, more_col = st.columns([3, 2], gap="large")
with edit_col:
    embeddings_grid(PAGE)
with more_col:
    sentence_box(PAGE)
    d_in_box(PAGE, width=160)
lesson(stepper(PAGE, STEPS))
