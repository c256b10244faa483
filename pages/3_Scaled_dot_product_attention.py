"""Section 3.4, scaled dot-product attention: trainable W_query, W_key, W_value, every step live.

Options from section 3.5: the causal mask and dropout. Layout only: the numbers come from the
cached core (ui.compute) through ui.scaled, which also holds this page's callbacks.

Built for speed in the browser, which re-renders every element of a page on each rerun: a
step's heading, badge and prose are one markdown block, the number tables are plain HTML
(``ui.blocks``), and the √d_k switch reruns only the keyed fragments that depend on it.
"""

import streamlit as st

from ui import charts, state
from ui import scaled as glue
from ui.blocks import html_tables_row, markdown, page_intro, show_table, small
from ui.editor import embeddings_editor, query_picker
from ui.layout import (
    HIDDEN_ANSWER,
    hides_answers,
    next_step_button,
    page_setup,
    prose_text,
    show_snippet,
    show_source,
    stepper,
)
from ui.state import MAX_D_OUT, MAX_SEED, get_settings

PAGE = glue.PAGE
STEPS = (
    "Weight parameters W_query, W_key, W_value",
    "Queries, keys, values",
    "Attention scores",
    "Scale by √d_k",
    "Attention weights: softmax",
    "Context vectors",
)
PARAMS_BADGE = ":blue-badge[weight parameters · learned]"
ATTN_BADGE = ":orange-badge[attention weights · computed per input]"

settings = page_setup("Scaled dot-product attention", PAGE)
for note in glue.read_options_from_url():
    st.warning(f"A setting in the link was not used. {note}", icon="🔗")
page_intro(
    "# 🔷 Scaled dot-product attention",
    small(
        "Section 3.4 of *Build a Large Language Model (From Scratch)*, with the causal mask and "
        "dropout of 3.5 as options · tokens, embeddings, seeds, d_out and scaling are shared "
        "with the other pages"
    ),
    prose_text("scaled/intro"),
    "## Your controls",
)


def heatmap(values: list, rows: list[str], cols: list[str], **options: object) -> None:
    charts.show(charts.heatmap(values, rows, cols, **options))


def table(
    values: list, rows: list[str], cols: list[str], mark: int | None = None, corner: str = "token"
) -> None:
    """The exact numbers beside a chart (the query's row marked ▶), as a light HTML table."""
    show_table(glue.arrow_table(values, rows, cols, mark, corner))


def heatmap_and_table(values: list, rows: list[str], cols: list[str], **options: object) -> None:
    chart_col, table_col = st.columns([1, 1], gap="medium")
    with chart_col:
        heatmap(values, rows, cols, **options)
    with table_col:
        table(values, rows, cols, options.get("highlight_row"))


# ---- the controls -----------------------------------------------------------------------
inputs_col, params_col = st.columns([1, 1], gap="large")
with inputs_col:
    st.markdown(
        "### ① The input: token embeddings\n"
        ":orange-badge[changes the attention weights, never the weight parameters]"
    )
    embeddings_editor(PAGE)
    query_picker(PAGE, label="Query token: whose attention do we follow?")

with params_col:
    settings = get_settings()
    options = glue.get_options()
    st.markdown(
        "### ② The weight parameters\n"
        ":blue-badge[learned: change only with the seed, d_out or your edits]"
    )
    st.toggle(
        "One seed per matrix",
        key=glue.option_key("per_matrix_seeds"),
        on_change=glue.on_seed_mode,
        help="Off: one seed draws W_query, W_key and W_value in turn, as in the book. "
        "On: each matrix gets its own seed (and keeps its place in the draw order).",
    )
    if options.per_matrix_seeds:
        for index, (label, col) in enumerate(zip(glue.SEED_LABELS, st.columns(3), strict=True)):
            col.number_input(
                f"seed of W_{label}",
                min_value=0,
                max_value=MAX_SEED,
                step=1,
                key=glue.bind(f"seed_{label}", settings.qkv_seeds[index]),
                on_change=glue.on_matrix_seed,
                args=(index,),
            )
    else:
        st.number_input(
            "seed (torch.manual_seed)",
            min_value=0,
            max_value=MAX_SEED,
            step=1,
            key=glue.bind("seed", settings.qkv_seeds[0]),
            on_change=glue.on_single_seed,
            help="The book uses 123. A new seed draws new random weight parameters.",
        )
    reroll_col, d_out_col = st.columns([1, 1], vertical_alignment="bottom")
    reroll_col.button(
        "🎲 Re-roll",
        on_click=glue.reroll,
        help="New random seed(s): new weight parameters. Your hand edits are discarded.",
        width="stretch",
    )
    d_out_col.number_input(
        "d_out (= d_k)",
        min_value=1,
        max_value=MAX_D_OUT,
        step=1,
        key=glue.bind("d_out", settings.d_out),
        on_change=glue.on_d_out,
        help="Output size of each weight matrix; the book uses 2. Changing it clears hand edits.",
    )
    st.markdown(
        "### ③ Options\n"
        ":small[:gray[The √d_k switch sits at step 5, between the scaled and unscaled weights.]]"
    )
    st.toggle(
        "Causal mask (section 3.5)",
        key=glue.option_key("causal"),
        on_change=glue.sync_option,
        args=("causal",),
        help="Hide the future: scores above the diagonal become -inf, their weights 0.",
    )
    st.toggle(
        "Dropout (section 3.5)",
        key=glue.option_key("dropout"),
        on_change=glue.sync_option,
        args=("dropout",),
        help="Training only: zero each weight with probability p, scale the rest by 1/(1-p).",
    )
    if options.dropout:
        p_col, seed_col = st.columns(2)
        p_col.select_slider(
            "dropout rate p",
            options=glue.DROPOUT_RATES,
            key=glue.option_key("dropout_p"),
            on_change=glue.sync_option,
            args=("dropout_p",),
        )
        seed_col.number_input(
            "dropout seed",
            min_value=0,
            max_value=MAX_SEED,
            step=1,
            key=glue.option_key("dropout_seed"),
            on_change=glue.sync_option,
            args=("dropout_seed",),
            help="The book calls torch.manual_seed(123) before its dropout example.",
        )

# ---- one pass of self-attention ---------------------------------------------------------
settings = get_settings()
options = glue.get_options()
glue.write_options_to_url(options)
edits, dropped_edits = glue.check_weight_edits(settings)
if edits != settings.weight_edits:
    state.update(weight_edits=edits)
    settings = get_settings()
for message in dropped_edits:
    st.warning(f"A hand edit of the weights was discarded: {message}", icon="✏️")
try:
    view = glue.build_view(settings, options)
except ValueError as error:  # the inputs are validated upstream: a last line of defence
    st.error(f"These numbers cannot be used: {error}")
    st.stop()

tokens = list(settings.tokens)
q, qname, n = settings.query, settings.query_token, len(settings.tokens)
d_in, d_out, d_k = settings.d_in, settings.d_out, view.d_k
dim_cols = glue.dims(d_out)

# ---- the book and what changed ----------------------------------------------------------
if hides_answers(PAGE, STEPS):
    st.markdown(HIDDEN_ANSWER)  # the book's printed values would give the steps away
elif settings.is_book_state:
    st.success(
        "**Matches the book** (section 3.4.1): the book's six tokens, seed 123, d_out = 2. "
        "Its printed values for the query *journey* stand beside ours below, ours computed "
        "the book's way (scaled, no mask, no dropout).",
        icon="📖",
    )
    show_table(glue.book_frame(settings), wrap=True)  # printed vectors: wrap, no scroll
else:
    st.info(
        "Not the book's example: "
        + "; ".join(glue.book_differences(settings))
        + ". The sidebar's **Reset to the book's example** brings it back.",
        icon="📖",
    )

markdown("## What changed? Two kinds of weights", prose_text("scaled/two_kinds"))

# The √d_k switch (step 5) reruns only what depends on it: these keyed fragments, in this
# order (they run first to last; the cards track the change that the others then read).
SCALING_PARTS = ("scaled.changes", "scaled.params_badge", "scaled.attn_badge", "scaled.in_use")


def on_scaling() -> None:
    """``on_change`` of the √d_k switch: store it, then rerun only the parts that show it."""
    state.sync_widget(PAGE, "scaled")
    st.rerun(list(SCALING_PARTS))


@st.fragment(key="scaled.changes")
def what_changed() -> None:
    """Two cards, one per kind of weights, and the rules table, lit up by the last change.

    It tracks the change (against what the page showed before); the parts after it, in page
    order and in SCALING_PARTS' order, read it with ``glue.last_change``.
    """
    settings, options = get_settings(), glue.get_options()
    change = glue.track_change(settings, options, glue.build_view(settings, options))
    summary = glue.change_summary(change)
    n, d_in, d_out = len(settings.tokens), settings.d_in, settings.d_out
    params_card, attn_card = st.columns(2, gap="medium")
    # each card is one markdown element (title, what happened, shape): fewer elements
    with params_card, st.container(border=True):
        st.markdown(
            f"#### 🧱 Weight parameters\n{PARAMS_BADGE}\n\n{summary.params}\n\n"
            f":small[:gray[W_query, W_key, W_value: each ({d_in}, {d_out}), "
            f"{glue.weights_origin(settings)}.]]"
        )
    with attn_card, st.container(border=True):
        st.markdown(
            f"#### 🎯 Attention weights\n{ATTN_BADGE}\n\n{summary.attention}\n\n"
            f":small[:gray[α: ({n}, {n}), one row per query token, recomputed on every run.]]"
        )
    markdown(f"**Your last change:** {summary.cause}", glue.rules_markdown(change))
    if summary.toast and change.cause != "options":  # the √d_k switch says it beside itself
        st.toast(summary.toast, icon="🔎")


@st.fragment(key="scaled.params_badge")
def params_badge() -> None:
    """Step 1's heading, its badge (did your last change touch the parameters?) and prose."""
    settings = get_settings()
    d_in, d_out = settings.d_in, settings.d_out
    markdown(
        f"## 1 · Weight parameters: W_query, W_key, W_value, each ({d_in}, {d_out})",
        f"{PARAMS_BADGE} {glue.change_summary(glue.last_change()).params_short}",
        prose_text("scaled/weights"),
    )


@st.fragment(key="scaled.attn_badge")
def attention_badge() -> None:
    """Step 5's heading, its badge (did your last change touch the weights?) and prose."""
    n = len(get_settings().tokens)
    markdown(
        f"## 5 · Attention weights α = softmax(…, dim=-1): ({n}, {n}), each row sums to 1",
        f"{ATTN_BADGE} {glue.change_summary(glue.last_change()).attention_short}",
        prose_text("scaled/softmax"),
    )


what_changed()
shown = stepper(PAGE, STEPS)

# ---- step 1: weight parameters ----------------------------------------------------------
if shown >= 1:
    params_badge()
    input_dims = [f"x{i + 1}" for i in range(d_in)]
    signature = glue.editor_signature(settings)
    for name, col in zip(glue.NAMES, st.columns(3, gap="medium"), strict=True):
        with col:
            heatmap(
                view.W[name],
                input_dims,
                dim_cols,
                title=f"{name} ({d_in}, {d_out})",
                x_title="output dimension",
                y_title="input dimension",
                value_title=name,
                diverging=True,
                fmt=".2f",
            )
            editor_key = state.widget_key(PAGE, f"{name}.{signature}")
            st.data_editor(
                glue.table_frame(view.W[name], input_dims, dim_cols),
                key=editor_key,
                on_change=glue.on_weight_edit,
                args=(name, editor_key),
                num_rows="fixed",
                column_config=glue.weight_columns(dim_cols),
                width="stretch",
            )
            error = glue.weight_error(name, settings)
            if error:
                st.error(f"{error} {name} keeps its last valid values.", icon="✏️")
    st.caption(glue.matrices_origin(settings))

# ---- step 2: queries, keys, values ------------------------------------------------------
if shown >= 2:
    markdown(
        f"## 2 · Queries, keys, values: ({n}, {d_in}) @ ({d_in}, {d_out}) → ({n}, {d_out})",
        prose_text("scaled/qkv"),
        f"The query of *{qname}*: `query_{q + 1} = inputs[{q}] @ W_query` = "
        f"`{glue.fmt_vector(view.queries[q])}`",
    )
    st.html(
        html_tables_row(
            [
                (
                    f"<strong><code>{name} = inputs @ {weight}</code></strong> · "
                    f"shape ({n}, {d_out})",
                    glue.arrow_table(values, tokens, dim_cols, q),
                )
                for name, weight, values in (
                    ("queries", "W_query", view.queries),
                    ("keys", "W_key", view.keys),
                    ("values", "W_value", view.values),
                )
            ]
        )
    )

# ---- step 3: attention scores -----------------------------------------------------------
if shown >= 3:
    markdown(
        f"## 3 · Attention scores ω = queries @ keys.T: ({n}, {d_out}) @ ({d_out}, {n}) → "
        f"({n}, {n})",
        prose_text("scaled/scores"),
        glue.dot_product_text(view, q, qname),
    )
    heatmap_and_table(
        view.attn_scores,
        tokens,
        tokens,
        title=f"Attention scores ω ({n}, {n})",
        x_title="key token",
        y_title="query token",
        value_title="score ω",
        diverging=True,
        highlight_row=q,
    )

# ---- step 4: scale by sqrt(d_k), and the causal mask ------------------------------------
if shown >= 4:
    markdown(
        f"## 4 · Scale by √d_k = √{d_k}: the shape stays ({n}, {n})",
        prose_text("scaled/scale"),
        f"`d_k = keys.shape[-1] = {d_k}`, so every score is divided by "
        f"√{d_k} = **{d_k**0.5:.4f}**. (The switch at step 5 decides whether softmax gets "
        "these scaled scores or the raw ones of step 3.)",
    )
    heatmap_and_table(
        view.scaled_scores,
        tokens,
        tokens,
        title=f"Scaled scores ω / √{d_k} ({n}, {n})",
        x_title="key token",
        y_title="query token",
        value_title="ω / √d_k",
        diverging=True,
        highlight_row=q,
    )
    if view.mask is not None:
        markdown(prose_text("scaled/mask"))
        mask_col, masked_col = st.columns([1, 1], gap="medium")
        with mask_col:
            heatmap(
                view.mask,
                tokens,
                tokens,
                title=f"mask ({n}, {n}): 1 = hidden",
                x_title="key token",
                y_title="query token",
                value_title="hidden",
                domain=(0.0, 1.0),
                fmt=".0f",
            )
        with masked_col:
            st.html(
                html_tables_row(
                    [
                        (
                            "<strong>Masked scaled scores</strong>: <code>scaled.masked_fill("
                            f"mask.bool(), -torch.inf)</code> · shape ({n}, {n})",
                            glue.arrow_table(view.masked_scores, tokens, tokens, q),
                        )
                    ]
                )
            )

# ---- step 5: attention weights, scaled and unscaled side by side ------------------------
if shown >= 5:
    attention_badge()
    # one colour scale for both, from 0 to the largest weight: the contrast shows the peaks
    top = max(max(map(max, view.attn_weights_scaled)), max(map(max, view.attn_weights_unscaled)))
    scaled_col, unscaled_col = st.columns(2, gap="medium")
    for kind, values, col in (
        ("scaled", view.attn_weights_scaled, scaled_col),
        ("unscaled", view.attn_weights_unscaled, unscaled_col),
    ):
        with col:
            formula = f"softmax(ω / √{d_k})" if kind == "scaled" else "softmax(ω)"
            heatmap(
                values,
                tokens,
                tokens,
                title=f"{kind.capitalize()}: {formula}",
                x_title="key token",
                y_title="query token",
                value_title="weight α",
                domain=(0.0, top),
                highlight_row=q,
            )
            table(values, tokens, tokens, q)


# ---- the scaling switch, and what it feeds: dropout, step 6, the code -------------------
# Both weight matrices above are drawn whatever the switch says, so the switch and everything
# downstream of it form one fragment; flipping it reruns that and the other SCALING_PARTS
# (the cards and badges above) only. The source of the core functions does not depend on the
# switch: it stays outside.


@st.fragment(key="scaled.in_use")
def weights_in_use(shown: int) -> None:
    """Step 5's switch (which weights go on), the dropout of 3.5, step 6 and the snippet."""
    settings, options = get_settings(), glue.get_options()
    state.write_url(settings)  # a fragment rerun skips page_setup: keep the share link current
    view = glue.build_view(settings, options)
    change = glue.last_change()
    tokens, q, n = list(settings.tokens), settings.query, len(settings.tokens)
    if shown >= 5:
        switch = st.container(border=True)
        switch.toggle(
            "**Scale the scores by √d_k** (the book's way): which weights go on to step 6?",
            key=glue.bind("scaled", settings.scaled),
            on_change=on_scaling,
            help="On: the *Scaled* weights go on to step 6. Off: the *Unscaled* ones.",
        )
        comparison = glue.scaling_comparison(view, q, settings.query_token, settings.scaled)
        if change is not None and change.cause == "options":
            comparison += f"\n\n🔎 **Your last change:** {glue.change_summary(change).toast}."
        switch.markdown(comparison)
        if view.dropout_mask is not None:
            markdown(
                prose_text("scaled/dropout"),
                f"**p = {options.dropout:g}**: dropped weights are 0, the kept ones are "
                f"multiplied by 1 / (1 - p) = **{1 / (1 - options.dropout):.3g}**.",
            )
            heatmap_and_table(
                view.dropped_weights,
                tokens,
                tokens,
                title="Attention weights after dropout",
                x_title="key token",
                y_title="query token",
                value_title="weight",
                highlight_row=q,
            )
    if shown >= 6:
        context_vectors(view, settings, n, q)
    show_snippet(
        lambda: glue.reproduce_snippet(settings, options),
        key=state.widget_key(PAGE, "snippet"),  # built and sent only while open
    )


def context_vectors(view: glue.View, settings: state.LabSettings, n: int, q: int) -> None:
    """Step 6: z = weights @ values, one row per token."""
    weights_name = "dropped_weights" if view.dropout_mask is not None else "attn_weights"
    d_out = settings.d_out
    kind = ":green-badge[scaled weights]" if settings.scaled else ":orange-badge[unscaled weights]"
    after_dropout = " after dropout" if view.dropout_mask is not None else ""
    markdown(
        f"## 6 · Context vectors z = {weights_name} @ values: ({n}, {n}) @ ({n}, {d_out}) → "
        f"({n}, {d_out})",
        f"{kind} from step 5{after_dropout}, as the √d_k switch there says.",
        prose_text("scaled/context"),
        f"Context vector of *{settings.query_token}*: `context_vec_{q + 1}` = "
        f"`{glue.fmt_vector(view.context_vecs[q])}`",
    )
    heatmap_and_table(
        view.context_vecs,
        list(settings.tokens),
        glue.dims(d_out),
        title=f"Context vectors z ({n}, {d_out})",
        x_title="output dimension",
        y_title="token",
        value_title="z",
        diverging=True,
        highlight_row=q,
    )


weights_in_use(shown)
next_step_button(PAGE, STEPS, shown)
show_source(*glue.functions_that_ran(glue.get_options()), key=state.widget_key(PAGE, "source"))
