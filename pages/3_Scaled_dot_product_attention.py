"""Section 3.4, scaled dot-product attention, with the causal mask and dropout of 3.5, and
3.4.2's classes SelfAttention_v1 and SelfAttention_v2 with exercise 3.1.

The lesson, top to bottom: the controls, what changed, then one function per step. The
numbers come from one cached pass of the core (``lessons.scaled.view``); every matrix is a
heatmap table (``ui.tables``).
"""

import streamlit as st

from attention import (
    apply_causal_mask,
    apply_dropout,
    causal_mask,
    dropout_mask,
    init_qkv_weights,
    scale_scores,
    self_attention,
)
from lessons.scaled import changes, controls, snippet, text, view
from lessons.scaled.changes import Change
from lessons.scaled.controls import ClassOptions, Options
from ui import blocks, embeddings, fmt, frame, keys, settings, tables
from ui.blocks import markdown, prose, small
from ui.compute import NAMES, AttentionView
from ui.settings import LabSettings

PAGE = "scaled"
STEPS = ("Weights", "Q, K, V", "Scores", "Scale", "Softmax", "Context", "Classes v1, v2", "Code")
WHY_SCALE = next(p for p in frame.PAGES if p.path.endswith("4_Why_scale.py"))
PARAMS_BADGE = ":blue-badge[weight parameters · learned]"
ATTN_BADGE = ":orange-badge[attention weights · computed per input]"


def lesson_text(section: str) -> str:
    return prose(PAGE, section)


def intro() -> None:
    markdown(
        "# 🔷 Scaled dot-product attention",
        small(
            "Section 3.4 of *Build a Large Language Model (From Scratch)*, with the causal mask "
            "and dropout of 3.5 as options · the embeddings, seeds, d_out and scaling are "
            "shared with the other pages"
        ),
        lesson_text("intro"),
    )


def your_controls(current: LabSettings) -> Options:
    """① the input, ② the weight parameters, ③ the options; returns the options."""
    st.markdown("## Your controls")
    # side by side; on a projector the bigger tables need the full width: one under the other
    inputs_col, params_col = (
        (st.container(), st.container()) if current.projector else st.columns(2, gap="large")
    )
    with inputs_col:
        st.markdown(
            "### ① The input: token embeddings\n"
            ":orange-badge[changes the attention weights, never the weight parameters]"
        )
        tables.show(
            tables.matrix(
                current.inputs, current.tokens, fmt.dims(current.d_in),
                caption=f"<strong>inputs</strong> ({len(current.tokens)}, {current.d_in}): one "
                "row x⁽ⁱ⁾ per token",
                row_title="token", col_title="coordinate",
                mark_row=current.query, projector=current.projector,
            )
        )  # fmt: skip
        embeddings.query_picker(PAGE)
        embeddings.query_sliders(PAGE)
        embeddings.editor(PAGE)
    with params_col:
        st.markdown(
            "### ② The weight parameters\n"
            ":blue-badge[learned: change only with the seed, d_out or your edits]"
        )
        controls.weight_parameters(PAGE, current)
        st.markdown("### ③ Options")
        return controls.options(PAGE)


def your_query(
    current: LabSettings, attn: AttentionView, options: Options, steps: frame.Steps
) -> None:
    """The query's row through every step, in one table: it follows every change at once.

    In the book's state (and the book's options) the book's printed values stand beside ours.
    In reveal mode the table holds the steps revealed so far, and the book's values wait for the
    last step.
    """
    q, token = current.query, current.query_token
    rows = [r for r in text.query_rows(attn, q) if r.step <= steps.available]
    if not rows:
        markdown(f"### Your query *{token}*, step by step", frame.HIDDEN_ANSWER)
        return
    book = (
        view.book_values(current)
        if current.is_book_state and q == 1 and not steps.hides_answers
        else None
    )
    data = {
        "step": [r.step for r in rows],
        f"for the query {token}, x{fmt.sup(q + 1)}": [r.what for r in rows],
        "this lab computes": [fmt.vector(r.values) for r in rows],
    }
    book_options = current.scaled and not options.causal and not options.dropout
    if book is not None and book_options:
        data["the book prints (3.4.1)"] = text.book_column(book, rows)
    if steps.hides_answers:  # reveal mode: the steps revealed so far, without the book's values
        heading, note = f"### Your query *{token}*, the steps so far", frame.HIDDEN_ANSWER
    else:
        heading, note = (
            f"### Your query *{token}*, step by step",
            text.book_note(current, options, book),
        )
    markdown(heading, note)
    tables.show(
        tables.columns(
            data, caption="Follows every change you make", wrap=True, projector=current.projector
        )
    )


def what_changed(current: LabSettings, change: Change | None) -> None:
    """What the last change did to each kind of weights, in three lines (the rules: step 1)."""
    with st.container(border=True, key=keys.widget_key(PAGE, "what_changed")):
        markdown(
            f"**What changed?** Your last change: {changes.cause(change)}",
            changes.summary(change, current),
        )


def step_weights(current: LabSettings, attn: AttentionView, change: Change | None) -> None:
    d_in, d_out = current.d_in, current.d_out
    markdown(
        f"## 1 · Weight parameters W_query, W_key, W_value: each ({d_in}, {d_out})",
        lesson_text("two_kinds"),
        changes.rules_table(change),
        f"{PARAMS_BADGE} {changes.badge(change and change.params_changed)}",
        lesson_text("weights"),
    )
    tables.show(
        tables.row_of(
            [
                tables.matrix(
                    attn.weights(name), fmt.dims(d_in), fmt.dims(d_out),
                    caption=f"<strong>{name}</strong> ({d_in}, {d_out})",
                    row_title="input", col_title="output",
                    projector=current.projector,
                )
                for name in NAMES
            ]
        )
    )  # fmt: skip
    st.caption(text.weights_origin(current))
    controls.weight_editors(PAGE, current)


def step_qkv(current: LabSettings, attn: AttentionView) -> None:
    n, d_in, d_out, q = len(current.tokens), current.d_in, current.d_out, current.query
    markdown(
        f"## 2 · Queries, keys, values: ({n}, {d_in}) @ ({d_in}, {d_out}) → ({n}, {d_out})",
        lesson_text("qkv"),
        f"The query of *{current.query_token}*: q{fmt.sup(q + 1)} = `inputs[{q}] @ W_query` = "
        f"`{fmt.vector(attn.queries[q])}` (Python counts rows from 0: row {q} is "
        f"x{fmt.sup(q + 1)})",
    )
    tables.show(
        tables.row_of(
            [
                tables.matrix(
                    values, current.tokens, fmt.dims(d_out),
                    caption=f"<code>{name} = inputs @ {weight}</code> ({n}, {d_out})",
                    row_title="token", col_title="coordinate",
                    mark_row=q, projector=current.projector,
                )
                for name, weight, values in (
                    ("queries", "W_query", attn.queries),
                    ("keys", "W_key", attn.keys),
                    ("values", "W_value", attn.values),
                )
            ]
        )
    )  # fmt: skip


def score_table(current: LabSettings, values, caption: str, **kw) -> str:
    """An (n, n) matrix over the tokens: rows are queries i, columns keys j."""
    kw = {"row_title": "query i", "col_title": "key j", **kw}
    return tables.matrix(
        values, current.tokens, current.tokens, caption=caption,
        mark_row=current.query, projector=current.projector, **kw,
    )  # fmt: skip


def step_scores(current: LabSettings, attn: AttentionView) -> None:
    n, d_out = len(current.tokens), current.d_out
    markdown(
        f"## 3 · Attention scores ω = queries @ keys.T: ({n}, {d_out}) @ ({d_out}, {n}) → ({n}, {n})",
        lesson_text("scores"),
        text.dot_product(attn, current.query, current.query_token),
    )
    tables.show(
        score_table(current, attn.attn_scores, f"<strong>attn_scores</strong> ω ({n}, {n})")
    )


def step_scale(current: LabSettings, attn: AttentionView, spreads, moments) -> None:
    n, d_k = len(current.tokens), attn.d_k
    title = "Mask, then scale by √d_k" if attn.mask is not None else "Scale by √d_k"
    markdown(f"## 4 · {title} = √{d_k}: the shape stays ({n}, {n})")
    parts = []
    if attn.mask is not None:
        markdown(lesson_text("mask"))
        parts += [
            score_table(
                current, attn.mask, f"<strong>mask</strong> ({n}, {n}): 1 = hidden",
                fmt=".0f", heat=tables.Heat(0.0, 1.0),
            ),
            score_table(
                current, attn.masked_scores,
                "<strong>masked scores</strong>: <code>attn_scores.masked_fill(mask.bool(), "
                "-torch.inf)</code>",
            ),
        ]  # fmt: skip
    markdown(
        lesson_text("scale"),
        f"`d_k = keys.shape[-1] = {d_k}`, so every score is divided by √{d_k} = "
        f"**{d_k**0.5:.4f}**.",
    )
    scaled_name = "masked scores / √d_k" if attn.mask is not None else "attn_scores / √d_k"
    parts.append(
        score_table(current, attn.scaled_scores, f"<strong>{scaled_name}</strong> ({n}, {n})")
    )
    tables.show(tables.row_of(parts))
    markdown(
        text.spread(
            spreads, moments, d_k, current.qkv_seeds[0], current.inputs,
            text.sweep_is_not_the_page(current),
        )
    )  # fmt: skip
    frame.page_link(WHY_SCALE, "Why scale by √d_k: the argument, measured on vectors that meet it")


def step_softmax(
    current: LabSettings, attn: AttentionView, options: Options, change: Change | None, spreads
) -> None:
    n, d_k = len(current.tokens), attn.d_k
    markdown(
        f"## 5 · Attention weights α = softmax(…, dim=-1): ({n}, {n}), each row sums to 1",
        f"{ATTN_BADGE} {changes.badge(change and change.attention_changed)}",
        lesson_text("softmax"),
        text.scaling(attn, current.query, current.query_token, spreads),
    )
    # one colour scale for both, from 0 to the largest weight: the contrast shows the peaks
    top = max(max(map(max, attn.attn_weights_scaled)), max(map(max, attn.attn_weights_unscaled)))
    heat = tables.Heat(0.0, top)
    in_use = " · in use" if attn.scaled else ""
    off = "" if attn.scaled else " · in use"
    # short corner titles and 3 decimals (exact values on hover): the two fit side by side
    pair = {"heat": heat, "fmt": ".3f", "row_title": "i", "col_title": "j"}
    tables.show(
        tables.row_of(
            [
                score_table(current, attn.attn_weights_scaled,
                            f"<strong>Scaled</strong>: softmax(ω / √{d_k}){in_use}", **pair),
                score_table(current, attn.attn_weights_unscaled,
                            f"<strong>Unscaled</strong>: softmax(ω){off}", **pair),
            ]
        )
    )  # fmt: skip
    st.caption(
        "Rows: the queries i; columns: the keys j. Three decimals here, so that the two fit "
        "side by side: hover a cell for its exact value (the query's row, to four, is above)."
    )
    if attn.dropout_mask is not None:
        markdown(lesson_text("dropout"), text.dropout(attn, options))
        tables.show(
            score_table(
                current, attn.dropped_weights,
                f"<strong>Attention weights after dropout</strong> (p = {options.dropout:g})",
                heat=tables.Heat(0.0, max(map(max, attn.dropped_weights)) or 1.0),
            )
        )  # fmt: skip


def step_context(current: LabSettings, attn: AttentionView) -> None:
    n, d_out = len(current.tokens), current.d_out
    weights = "dropped_weights" if attn.dropout_mask is not None else "attn_weights"
    kind = ":green-badge[scaled weights]" if attn.scaled else ":orange-badge[unscaled weights]"
    markdown(
        f"## 6 · Context vectors z = {weights} @ values: ({n}, {n}) @ ({n}, {d_out}) → ({n}, {d_out})",
        f"{kind} from step 5{' after dropout' if attn.dropout_mask is not None else ''}.",
        lesson_text("context"),
        text.context(attn, current.query, current.query_token),
    )
    tables.show(
        tables.matrix(
            attn.context_vecs, current.tokens, fmt.dims(d_out),
            caption=f"<strong>context_vecs</strong> z ({n}, {d_out})",
            row_title="token", col_title="coordinate",
            mark_row=current.query, projector=current.projector,
        )
    )  # fmt: skip


def class_tables(
    names: tuple[str, ...],
    matrices,
    rows: list[str],
    cols: list[str],
    titles: tuple[str, str],
    projector: bool,
) -> str:
    """Three weight matrices side by side, on one diverging colour scale (-1 .. 1)."""
    heat = tables.Heat(-1.0, 1.0, diverging=True)
    return tables.row_of([
        tables.matrix(m, rows, cols, caption=name, row_title=titles[0], col_title=titles[1],
                      heat=heat, projector=projector)
        for name, m in zip(names, matrices, strict=True)
    ])  # fmt: skip


def step_classes(current: LabSettings, options: Options, steps: frame.Steps) -> None:
    """3.4.2: SelfAttention_v1 and SelfAttention_v2, and exercise 3.1 checked live."""
    d_in, d_out, n = current.d_in, current.d_out, len(current.tokens)
    markdown(
        "## 7 · The book's classes: SelfAttention_v1 → SelfAttention_v2 (section 3.4.2)",
        lesson_text("classes"),
    )
    v1_seed, v2_seed = controls.class_seeds(PAGE)
    tables_box, exercise_box = st.container(), st.container()
    with exercise_box:
        markdown(lesson_text("exercise"))
        copy = controls.weight_copy(PAGE)
    class_options = ClassOptions(v1_seed, v2_seed, copy)
    classes = view.build_classes(current, class_options)
    with tables_box:
        dims_in, dims_out = fmt.dims(d_in), fmt.dims(d_out)
        st.markdown(
            f"**`sa_v1 = SelfAttention_v1(d_in, d_out)`** after `torch.manual_seed({v1_seed})`: "
            f"each weight an `nn.Parameter`, stored (d_in, d_out) = ({d_in}, {d_out})"
        )
        tables.show(
            class_tables(tuple(f"<strong>sa_v1.{name}</strong>" for name in NAMES),
                         classes.v1_weights, dims_in, dims_out, ("in", "out"),
                         current.projector)
        )  # fmt: skip
        st.markdown(
            f"**`sa_v2 = SelfAttention_v2(d_in, d_out)`** after `torch.manual_seed({v2_seed})`: "
            f"each weight the `.weight` of an `nn.Linear`, stored (d_out, d_in) = ({d_out}, {d_in})"
        )
        tables.show(
            class_tables(tuple(f"<strong>sa_v2.{name}.weight</strong>" for name in NAMES),
                         classes.v2_weights, dims_out, dims_in, ("out", "in"),
                         current.projector)
        )  # fmt: skip
        differences = text.steps_are_not_v1(current, options, v1_seed)
        markdown(
            text.class_ranges(classes, d_in), text.class_is_steps(classes, v1_seed, differences)
        )
        outputs = [
            tables.matrix(
                classes.v1_output, current.tokens, dims_out,
                caption=f"<strong>sa_v1(inputs)</strong> ({n}, {d_out}), seed {v1_seed}",
                row_title="token", col_title="coordinate", projector=current.projector,
            ),
            tables.matrix(
                classes.v2_output, current.tokens, dims_out,
                caption=f"<strong>sa_v2(inputs)</strong> ({n}, {d_out}), seed {v2_seed}",
                row_title="token", col_title="coordinate", projector=current.projector,
            ),
        ]  # fmt: skip
        tables.show(tables.row_of(outputs))
        if steps.hides_answers:
            markdown(frame.HIDDEN_ANSWER)
        else:
            markdown(text.book_outputs_note(view.book_outputs(classes, current, class_options)))
    with exercise_box:
        if classes.v1_after is not None:
            tables.show(
                tables.matrix(
                    classes.v1_after, current.tokens, dims_out,
                    caption=f"<strong>sa_v1(inputs)</strong> after the copy ({n}, {d_out})",
                    row_title="token", col_title="coordinate", projector=current.projector,
                )
            )  # fmt: skip
        markdown(text.exercise_result(classes, d_in, n))
        blocks.code(
            "🐍 The two classes and the exercise, in a notebook",
            lambda: snippet.classes(current, class_options),
            key=keys.widget_key(PAGE, "classes_code"),
        )


def the_code(current: LabSettings, options: Options) -> None:
    """The core functions behind the page, and a snippet that reproduces it."""
    functions = [init_qkv_weights, self_attention, scale_scores]
    if options.causal:
        functions += [causal_mask, apply_causal_mask]
    if options.dropout:
        functions += [dropout_mask, apply_dropout]
    markdown("## 8 · The code that ran", lesson_text("code"))
    st.code(blocks.source(*functions), language="python")
    st.markdown("**Reproduce this in a notebook:**")
    st.code(snippet.reproduce(current, options), language="python")


# ---- the page --------------------------------------------------------------------------------


def lesson() -> None:
    """The controls and the query's path stay on top; the steps follow below, one at a time."""
    current = settings.current()
    intro()
    options = your_controls(current)
    current, dropped = controls.keep_valid_edits(current)
    for message in dropped:
        st.warning(f"A hand edit of the weights was discarded: {message}", icon="✏️")
    attn = view.build(current, options)
    spreads = view.spread(current.inputs, current.qkv_seeds[0], current.d_out)
    moments = view.moments(attn.queries, attn.keys)
    change = changes.track(current, options, attn)
    steps = frame.Steps(PAGE, STEPS)
    what_changed(current, change)
    your_query(current, attn, options, steps)
    with steps.open_step():
        if steps.current == 1:
            step_weights(current, attn, change)
        elif steps.current == 2:
            step_qkv(current, attn)
        elif steps.current == 3:
            step_scores(current, attn)
        elif steps.current == 4:
            step_scale(current, attn, spreads, moments)
        elif steps.current == 5:
            step_softmax(current, attn, options, change, spreads)
        elif steps.current == 6:
            step_context(current, attn)
        elif steps.current == 7:
            step_classes(current, options, steps)
        else:
            the_code(current, options)
        steps.next_button()


frame.setup(PAGE, "Scaled dot-product attention", STEPS)
frame.run(lesson)
