"""Section 3.3, simplified self-attention: scores, softmax weights and context vectors, live."""

import streamlit as st

from ui import charts
from ui import simplified as glue
from ui.editor import embeddings_editor, query_picker
from ui.layout import (
    HIDDEN_ANSWER,
    hides_answers,
    page_setup,
    prose,
    show_snippet,
    show_source,
    stepper,
)
from ui.state import LabSettings, get_settings, widget_key

PAGE = "simplified"
STEPS = (
    "Attention scores: dot products",
    "Attention weights: softmax",
    "The context vector: a weighted sum",
    "All queries at once",
    "Geometry: where z lands",
)

settings = page_setup("Simplified self-attention", PAGE)
st.title("🔹 Simplified self-attention")
st.caption(
    "Section 3.3 of *Build a Large Language Model (From Scratch)* · no trainable weights yet"
)
prose("simplified/intro")

# ---- the inputs and the query -----------------------------------------------------------
st.header("Your tokens and their embeddings")
edit_col, result_col = st.columns([3, 2], gap="large")
with edit_col:
    embeddings_editor(PAGE)
with result_col:
    query_picker(PAGE, label="Query token: whose attention do we follow?")
    settings = get_settings()
    tokens, inputs, q = settings.tokens, settings.inputs, settings.query
    qname, qsup = settings.query_token, glue.sup(q + 1)
    v = glue.view(inputs)
    if isinstance(v, str):  # the editor validates, so this is a last line of defence
        st.error(v)
        st.stop()
    spoiler = hides_answers(PAGE, STEPS)
    if spoiler:
        st.markdown(
            f"**Context vector of *{qname}***: the result of the steps below.\n\n{HIDDEN_ANSWER}"
        )
    else:
        st.markdown(
            f"**Context vector of *{qname}***, the result of the three steps below:\n\n"
            f"#### z{qsup} = {glue.fmt_vector(v.context_vecs[q])}"
        )
    st.caption(
        f"{len(tokens)} tokens, d_in = {settings.d_in}. It changes as soon as you edit a number."
    )

if spoiler:
    pass  # the book's numbers would give the answers away before the steps
elif glue.is_book_query(settings):
    ours = (v.attn_scores[q], v.attn_weights[q], v.context_vecs[q])
    names = ("attn_scores_2", "attn_weights_2", "context_vec_2")
    matches = all(
        abs(a - b) < 5.01e-5
        for row, name in zip(ours, names, strict=True)
        for a, b in zip(row, glue.book_values(name), strict=True)
    )
    rows = "\n".join(
        f"| {label} | `{glue.fmt_vector(row)}` | `{glue.fmt_vector(glue.book_values(name))}` |"
        for label, row, name in zip(
            ("scores ω₂ⱼ", "weights α₂ⱼ", "context vector z⁽²⁾"), ours, names, strict=True
        )
    )
    table = (
        f"| query *journey* | computed live | printed in the book (3.3.1) |\n|---|---|---|\n{rows}"
    )
    if matches:
        st.success(f"📖 **Matches the book.**\n\n{table}")
    else:
        st.warning(f"These numbers differ from the book's:\n\n{table}")
elif settings.is_book_state:
    st.info("📖 Pick the query **journey** to compare with the numbers the book prints.")
else:
    st.caption(
        "📖 You have changed the book's example, so the numbers it prints no longer apply: "
        "**Reset to the book's example** in the sidebar brings them back."
    )

shown = stepper(PAGE, STEPS)

# ---- step 1: scores ----------------------------------------------------------------------
st.header(f"Step 1 · Attention scores: how similar is *{qname}* to each token?")
prose("simplified/step1")


@st.fragment
def spelled_out_score(
    tokens: tuple[str, ...], inputs: tuple, v: glue.SimplifiedView, q: int, book: bool
) -> None:
    """The key picker changes only this part: it reruns (and redraws) alone."""
    key_options = list(range(len(tokens)))
    key_widget = widget_key(PAGE, "key")
    if st.session_state.get(key_widget) not in key_options:
        st.session_state[key_widget] = 0
    pick_col, formula_col = st.columns([1, 3], vertical_alignment="center")
    with pick_col:
        k = st.selectbox(
            "Spell out the dot product with the key",
            key_options,
            format_func=lambda j: f"{tokens[j]}  (token {j + 1})",
            key=key_widget,
            help="Pick any token: its score with the query is written out number by number.",
        )
    with formula_col:
        st.latex(glue.dot_product_latex(inputs[q], inputs[k], v.attn_scores[q][k], q + 1, k + 1))
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        charts.show(glue.scores_spec(tokens, v.attn_scores[q], k, tokens[q]), width="stretch")
    with table_col:
        glue.show_table(glue.query_scores_table(tokens, v, q, book))


spelled_out_score(tokens, inputs, v, q, glue.is_book_query(settings))
show_source(*glue.STEP_SOURCES["scores"])


@st.fragment
def softmax_direction(tokens: tuple[str, ...], v: glue.SimplifiedView, q: int) -> None:
    """The dim switch changes only this part: it reruns (and redraws) alone."""
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
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        # the dim is named here, not in the chart's title: a changed title would make the
        # browser rebuild the chart instead of updating its numbers
        st.markdown(f"**`torch.softmax(attn_scores, dim={dim})`**")
        charts.show(
            charts.heatmap(
                weights,
                tokens,
                tokens,
                title="Attention weights, softmax over the chosen dim",
                x_title="key (attended-to token)",
                y_title="query token",
                value_title="weight",
                domain=(0.0, 1.0),
                highlight_row=q,
            ),
            width="content",
        )
    with table_col:
        sums_tab, numbers_tab = st.tabs(["Row and column sums", "All the weights"])
        with sums_tab:
            glue.show_table(glue.row_col_sums_table(weights, tokens))
        with numbers_tab:
            glue.show_table(glue.sums_table(weights, tokens))
    st.markdown(glue.dim_verdict(dim, tokens, weights, q))


# ---- step 2: weights ---------------------------------------------------------------------
if shown > 1:
    st.header("Step 2 · Attention weights: softmax makes them sum to 1")
    prose("simplified/step2")
    chart_col, table_col = st.columns([2, 3])
    with chart_col:
        charts.show(
            glue.weights_spec(tokens, v.attn_weights[q], v.naive_weights[q], qname),
            width="stretch",
        )
    with table_col:
        glue.show_table(glue.query_weights_table(tokens, v, q, glue.is_book_query(settings)))
    st.markdown(glue.naive_verdict(tokens, v.naive_weights[q], v.attn_weights[q]))
    if any(s > 709 for s in v.attn_scores[q]):
        st.caption(
            "exp(ω) overflows here (inf in the table), yet softmax still works: "
            "`torch.softmax` subtracts the row's largest score before exponentiating."
        )

    st.subheader("Which way does softmax run? `dim=-1` versus `dim=0`")
    prose("simplified/step2_dim")
    softmax_direction(tokens, v, q)
    show_source(*glue.STEP_SOURCES["weights"])

# ---- step 3: context vector ------------------------------------------------------------
if shown > 2:
    st.header(f"Step 3 · The context vector z{qsup}: a weighted sum of all the inputs")
    prose("simplified/step3")
    st.latex(glue.weighted_sum_latex(v.attn_weights[q], inputs, v.context_vecs[q], q + 1))
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        charts.show(
            glue.contributions_spec(tokens, inputs, v.attn_weights[q], v.context_vecs[q], qname),
            width="stretch",
        )
    with table_col:
        glue.show_table(glue.contributions_table(tokens, inputs, v, q))
        st.caption(
            "Each row is one input scaled by its weight; adding the rows gives z "
            "(the black ticks in the chart)."
        )
    show_source(*glue.STEP_SOURCES["context"])

# ---- all queries -------------------------------------------------------------------------
if shown > 3:
    st.header("Step 4 · All queries at once: three matrix operations")
    prose("simplified/all")
    dims = glue.dims_labels(settings.d_in)
    matrices = (
        (
            "attn_scores = inputs @ inputs.T",
            v.attn_scores,
            tokens,
            "key",
            "score",
            None,
        ),
        (
            "attn_weights = torch.softmax(attn_scores, dim=-1)",
            v.attn_weights,
            tokens,
            "key",
            "weight",
            (0.0, 1.0),
        ),
        (
            "all_context_vecs = attn_weights @ inputs",
            v.context_vecs,
            dims,
            "dimension",
            "value",
            None,
        ),
    )
    for title, matrix, columns, x_title, value_title, domain in matrices:
        chart_col, table_col = st.columns([3, 2])
        with chart_col:
            charts.show(
                charts.heatmap(
                    matrix,
                    tokens,
                    columns,
                    title=title,
                    x_title=x_title,
                    y_title="query token",
                    value_title=value_title,
                    diverging=glue.has_negative(matrix),
                    domain=domain,
                    highlight_row=q,
                ),
                width="content",
            )
        with table_col:
            glue.show_table(glue.matrix_table(matrix, tokens, columns))
    show_source(*glue.STEP_SOURCES["all"])


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
        elif settings.d_in == 2:
            st.caption("d_in = 2: the embeddings live in this plane, nothing is hidden.")
        show_all = st.checkbox(
            "Show all context vectors",
            key=widget_key(PAGE, "all_z"),
            help="Grey diamonds: z of the other queries. All of them stay inside the hull too.",
        )
    proj = glue.project(inputs, v.context_vecs, mode, axes)
    with chart_col:
        charts.show(
            glue.geometry_spec(
                tokens,
                proj,
                v.attn_weights[q],
                q,
                show_all,
                size=680 if settings.projector else 520,
            ),
            width="stretch",
        )
    with control_col:
        st.markdown(glue.geometry_verdict(proj, q, settings.query_token))
        if proj.kept is not None:
            st.caption(
                f"This plane keeps {proj.kept:.0%} of the vectors' squared length; "
                "the rest points out of the screen."
            )


# ---- geometry -----------------------------------------------------------------------------
if shown > 4:
    st.header(f"Step 5 · Geometry: z{qsup} lies inside the inputs' convex hull")
    prose("simplified/geometry")
    geometry(settings, v)

show_snippet(glue.reproduce_snippet(tokens, inputs, q, v))
