"""Section 3.3, simplified self-attention: scores, softmax weights and context vectors, live.

The lesson, top to bottom: the controls, the query's context vector (and the book's numbers),
then one function per step. The numbers come from cached views of the core
(``lessons.simplified.view``); every matrix is a heatmap table and every row of bars a table
of bars (``ui.tables``); the geometry step draws the lesson's one chart.
"""

import math

import streamlit as st

from attention.geometry import convex_hull, inside_hull, project_2d, projection_basis
from attention.simplified import (
    attention_scores,
    attention_weights,
    context_contributions,
    context_vectors,
    naive_attention_weights,
    simplified_self_attention,
    softmax_naive,
)
from lessons.simplified import charts as plots
from lessons.simplified import controls, snippet, text, view
from ui import blocks, charts, embeddings, fmt, frame, settings, tables
from ui.blocks import markdown, prose, small
from ui.compute import SimplifiedView
from ui.settings import LabSettings

PAGE = "simplified"
STEPS = ("Scores", "Weights", "Context vector", "All queries", "Geometry", "Code")


def lesson_text(section: str) -> str:
    return prose(PAGE, section)


def intro() -> None:
    markdown(
        "# 🔹 Simplified self-attention",
        small(
            "Section 3.3 of *Build a Large Language Model (From Scratch)* · no trainable weights "
            "yet · the embeddings and the query are shared with the other pages"
        ),
        lesson_text("intro"),
    )


def your_controls(current: LabSettings) -> None:
    """The embeddings (a table, the query's sliders, the sentence, d_in, the grid) and the query."""
    st.markdown("## Your tokens and their embeddings")
    st.caption(lesson_text("controls"))
    table_col, controls_col = st.columns(2, gap="large")
    with table_col:
        tables.show(
            tables.matrix(
                current.inputs, current.tokens, fmt.dims(current.d_in),
                caption=f"<strong>inputs</strong> ({len(current.tokens)}, {current.d_in}): one "
                "row x⁽ʲ⁾ per token (▶ the query x⁽ⁱ⁾)",
                row_title="token", col_title="coordinate",
                mark_row=current.query, projector=current.projector,
            )
        )  # fmt: skip
    with controls_col:
        embeddings.query_picker(PAGE)
        embeddings.query_sliders(PAGE)
    embeddings.editor(PAGE)


def your_result(current: LabSettings, simple: SimplifiedView, steps: frame.Steps) -> None:
    """The query's context vector, its path (scores, weights), and the book's printed values."""
    if steps.hides_answers:  # the answers would come before the steps that lead there
        markdown(f"### The context vector of *{current.query_token}*", frame.HIDDEN_ANSWER)
        return
    book = view.book_values(simple) if view.applies(current) else None
    rows = text.query_rows(current, simple)
    data = {
        "step": [r[0] for r in rows],
        f"for the query {current.query_token}, x{fmt.sup(current.query + 1)}": [r[1] for r in rows],
        "this lab computes": [fmt.vector(r[2]) for r in rows],
    }
    if book is not None:
        data["the book prints (3.3.1)"] = text.book_column(book)
    markdown(
        text.headline(current, simple),
        small(text.headline_note(current)),
        text.book_note(current, book),
    )
    tables.show(
        tables.columns(
            data, caption="The query's path through the three steps", wrap=True,
            projector=current.projector,
        )
    )  # fmt: skip


def key_label(tokens, j: int) -> str:
    return f"{tokens[j]} (x{fmt.sup(j + 1)})"


def step_scores(current: LabSettings, simple: SimplifiedView) -> None:
    tokens, inputs, q = current.tokens, current.inputs, current.query
    i = q + 1
    markdown(
        f"## 1 · Attention scores ω{fmt.sub(i)}ⱼ: how similar is "
        f"*{current.query_token}* to each token?",
        lesson_text("scores"),
    )
    k = controls.key_picker(PAGE, current)
    st.latex(text.dot_product_latex(inputs[q], inputs[k], simple.attn_scores[q][k], i, k + 1))
    scores = simple.attn_scores[q]
    scale = max(abs(s) for s in scores) or 1.0
    data = {
        "key j": [key_label(tokens, j) for j in range(len(tokens))],
        "x⁽ʲ⁾": [fmt.vector(x, 2) for x in inputs],
        f"score ω{fmt.sub(i)}ⱼ = x{fmt.sup(i)} · x⁽ʲ⁾": [tables.Bar(s, scale) for s in scores],
    }
    if view.applies(current):
        data["the book prints (3.3.1)"] = list(view.book_values(simple)[0].book)
    tables.show(
        tables.columns(
            data,
            caption=f"<strong>Scores of the query {current.query_token}</strong> with every key "
            "(▶ the key spelled out above)",
            fmt=text.table_format(scores), mark_row=k, projector=current.projector,
        )
    )  # fmt: skip
    markdown(text.best_match(tokens, inputs, scores, q))


def step_weights(current: LabSettings, simple: SimplifiedView) -> None:
    tokens, q = current.tokens, current.query
    i, si = q + 1, fmt.sub(q + 1)
    row = view.query(current.inputs, q)
    scores, weights, naive = simple.attn_scores[q], simple.attn_weights[q], simple.naive_weights[q]
    markdown(
        f"## 2 · Attention weights α{si}ⱼ: softmax makes them sum to 1", lesson_text("weights")
    )
    naive_scale = max([1.0, *(abs(w) for w in naive if math.isfinite(w))])
    overflow = not all(math.isfinite(e) for e in row.exp_scores)
    data = {
        "key j": [*(key_label(tokens, j) for j in range(len(tokens))), "Σ sum"],
        f"score ω{si}ⱼ": [*scores, math.fsum(scores)],
        f"exp(ω{si}ⱼ)": [*row.exp_scores, math.fsum(row.exp_scores)],
        f"softmax α{si}ⱼ": [*(tables.Bar(w, 1.0) for w in weights), math.fsum(weights)],
        f"ω{si}ⱼ / Σₖ ω{si}ₖ": [
            *(tables.Bar(w, naive_scale, charts.ORANGE) for w in naive),
            math.fsum(naive),
        ],
    }
    if overflow:
        data["the book's softmax_naive"] = [*row.naive_softmax, math.fsum(row.naive_softmax)]
    if view.applies(current):
        printed = view.book_values(simple)[1].book
        data["the book prints α₂ⱼ"] = [*printed, math.fsum(printed)]
    tables.show(
        tables.columns(
            data,
            caption=f"<strong>From scores to weights</strong>, for the query "
            f"{current.query_token} (x{fmt.sup(i)}): softmax (blue) and score / sum (orange)",
            fmt={f"exp(ω{si}ⱼ)": ".5g", f"score ω{si}ⱼ": text.table_format(scores)},
            projector=current.projector,
        )
    )  # fmt: skip
    markdown(
        text.naive_verdict(tokens, scores, naive, weights),
        small(text.overflow_note(scores, row.exp_scores)),
        "### Which way does softmax run? `dim=-1` versus `dim=0`",
        lesson_text("dim"),
    )
    dim = controls.softmax_dim(PAGE)
    chosen = simple.attn_weights if dim == -1 else simple.weights_dim0
    gap = text.transpose_gap(simple.attn_weights, simple.weights_dim0)
    markdown(
        f"**`torch.softmax(attn_scores, dim={dim})`** · "
        + text.dim_verdict(dim, tokens, chosen, q, gap)
    )
    n = len(tokens)
    tables.show(
        tables.row_of(
            [
                tables.matrix(
                    chosen, tokens, tokens,
                    caption=f"<strong>Attention weights</strong>, softmax over dim={dim} ({n}, {n})",
                    row_title="query i", col_title="key j", heat=tables.Heat(0.0, 1.0),
                    mark_row=q, projector=current.projector,
                ),
                tables.columns(
                    {
                        "token": list(tokens),
                        "row sum (as query i)": [math.fsum(r) for r in chosen],
                        "column sum (as key j)": [
                            math.fsum(r[j] for r in chosen) for j in range(n)
                        ],
                    },
                    caption="<strong>Row and column sums</strong> of these weights",
                    mark_row=q, projector=current.projector,
                ),
            ]
        )
    )  # fmt: skip


def step_context(current: LabSettings, simple: SimplifiedView) -> None:
    tokens, inputs, q = current.tokens, current.inputs, current.query
    i, si = q + 1, fmt.sub(q + 1)
    weights, z = simple.attn_weights[q], simple.context_vecs[q]
    contributions = view.query(inputs, q).contributions
    markdown(
        f"## 3 · The context vector z{fmt.sup(i)}: a weighted sum of all the inputs",
        lesson_text("context"),
    )
    st.latex(text.weighted_sum_latex(weights, inputs, z, i))
    dims = fmt.dims(current.d_in)
    data = {
        "input x⁽ʲ⁾": [*(key_label(tokens, j) for j in range(len(tokens))),
                       f"z{fmt.sup(i)} = Σⱼ"],
        f"α{si}ⱼ": [*(tables.Bar(w, 1.0) for w in weights), math.fsum(weights)],
    }  # fmt: skip
    for k, dim in enumerate(dims):
        column = [row[k] for row in contributions]
        scale = max([abs(v) for v in column] + [abs(z[k])]) or 1.0
        data[f"α{si}ⱼ · {dim}"] = [
            *(tables.Bar(v, scale, charts.GREEN) for v in column),
            tables.Bar(z[k], scale),
        ]
    tables.show(
        tables.columns(
            data,
            caption=f"<strong>Each input's share of z{fmt.sup(i)}</strong>: row j is "
            f"α{si}ⱼ · x⁽ʲ⁾, coordinate by coordinate; the last row, their sum, is z{fmt.sup(i)} "
            "(bars to scale within each column)",
            mark_row=q, projector=current.projector,
        )
    )  # fmt: skip
    markdown(text.between(z, inputs, q))


def step_all(current: LabSettings, simple: SimplifiedView) -> None:
    tokens, q, n, d_in = current.tokens, current.query, len(current.tokens), current.d_in
    markdown("## 4 · All queries at once: three matrix operations", lesson_text("all"))
    square = {"row_title": "query i", "col_title": "key j", "mark_row": q,
              "projector": current.projector}  # fmt: skip
    tables.show(
        tables.row_of(
            [
                tables.matrix(
                    simple.attn_scores, tokens, tokens,
                    caption=f"<code>attn_scores = inputs @ inputs.T</code> ({n}, {n})", **square,
                ),
                tables.matrix(
                    simple.attn_weights, tokens, tokens, heat=tables.Heat(0.0, 1.0),
                    caption="<code>attn_weights = torch.softmax(attn_scores, dim=-1)</code> "
                    f"({n}, {n})",
                    **square,
                ),
                tables.matrix(
                    simple.context_vecs, tokens, fmt.dims(d_in),
                    caption=f"<code>all_context_vecs = attn_weights @ inputs</code> ({n}, {d_in})",
                    row_title="query i", col_title="coordinate", mark_row=q,
                    projector=current.projector,
                ),
            ]
        )
    )  # fmt: skip
    markdown(text.all_queries(current, simple))


def step_geometry(current: LabSettings, simple: SimplifiedView) -> None:
    tokens, q = current.tokens, current.query
    markdown(
        f"## 5 · Geometry: z{fmt.sup(q + 1)} lies inside the inputs' convex hull",
        lesson_text("geometry"),
    )
    control_col, chart_col = st.columns([1, 2], gap="large")
    with control_col:
        options = controls.geometry(PAGE, current)
    proj = view.projection(current.inputs, options.view, options.axes)
    weights = simple.attn_weights[q]
    with chart_col:
        charts.show(
            plots.geometry_spec(tokens, proj, weights, q, options.show_all, current.projector)
        )
    with control_col:
        markdown(
            text.geometry_verdict(proj, q, current.query_token, options.show_all, current.d_in),
            small(text.view_note(proj, current.d_in, options.view, options.axes)),
        )
    points = {
        "point": [*(key_label(tokens, j) for j in range(len(tokens))), f"z{fmt.sup(q + 1)}"],
        f"horizontal: {proj.x_title}": [*(p[0] for p in proj.inputs), proj.contexts[q][0]],
    }
    if current.d_in > 1:  # d_in = 1: every point is on the horizontal axis
        points[f"vertical: {proj.y_title}"] = [*(p[1] for p in proj.inputs), proj.contexts[q][1]]
    points[f"weight α{fmt.sub(q + 1)}ⱼ"] = [*(tables.Bar(w, 1.0) for w in weights), None]
    tables.show(
        tables.columns(
            points,
            caption="<strong>The points of the chart</strong>: each input x⁽ʲ⁾ and the query's "
            f"z{fmt.sup(q + 1)} in this view",
            mark_row=q, projector=current.projector,
        )
    )  # fmt: skip


def the_code(current: LabSettings, simple: SimplifiedView) -> None:
    """The core functions behind the page, and a snippet that reproduces it."""
    markdown("## 6 · The code that ran", lesson_text("code"))
    st.code(
        blocks.sources(
            [
                ("Step 1 · scores", (attention_scores,)),
                ("Step 2 · weights", (attention_weights, softmax_naive, naive_attention_weights)),
                ("Step 3 · context vector", (context_vectors, context_contributions)),
                ("Step 4 · all queries at once", (simplified_self_attention,)),
                ("Step 5 · geometry", (project_2d, projection_basis, convex_hull, inside_hull)),
            ]
        ),
        language="python",
    )
    st.markdown("**Reproduce this in a notebook:**")
    st.code(
        snippet.reproduce(current.tokens, current.inputs, current.query, simple),
        language="python",
    )


# ---- the page --------------------------------------------------------------------------------


def lesson() -> None:
    """The controls and the query's result stay on top; the steps follow below, one at a time."""
    current = settings.current()
    intro()
    your_controls(current)
    try:
        simple = view.simplified(current.inputs)
    except ValueError as error:  # the editor validates, so this is a last line of defence
        st.error(f"{error} The page shows nothing until the embeddings are valid again.")
        return
    steps = frame.Steps(PAGE, STEPS)
    your_result(current, simple, steps)
    with steps.open_step():
        if steps.current == 1:
            step_scores(current, simple)
        elif steps.current == 2:
            step_weights(current, simple)
        elif steps.current == 3:
            step_context(current, simple)
        elif steps.current == 4:
            step_all(current, simple)
        elif steps.current == 5:
            step_geometry(current, simple)
        else:
            the_code(current, simple)
        steps.next_button()


frame.setup(PAGE, "Simplified self-attention", STEPS)
frame.run(lesson)
