"""Sections 3.5-3.6: the causal mask, dropout, CausalAttention and multi-head attention.

The lesson, top to bottom: the controls several steps share, then one function per step.
The numbers come from cached passes of the core (``lessons.multihead.view``), which runs the
book's own classes with locally seeded parameters; every matrix is a heatmap table.
"""

import streamlit as st

from attention.causal import (
    CausalAttention,
    compare_causal_weights,
    run_causal_attention,
    seed_linear_layers,
)
from attention.multihead import (
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    compare_wrapper_and_multihead,
    count_parameters,
    multihead_trace,
)
from attention.self_attention import (
    apply_causal_mask,
    apply_dropout,
    causal_mask,
    dropout_mask,
    renormalized_causal_weights,
    scale_scores,
    self_attention,
)
from lessons.multihead import controls, snippet, text, view
from lessons.multihead.controls import PAGE, STEPS, Choices
from lessons.multihead.text import Verdict
from ui import blocks, embeddings, fmt, frame, keys, settings, tables
from ui.blocks import markdown, prose, small
from ui.settings import LabSettings, WeightEdits

WEIGHTS = tables.Heat(0.0, 1.0)  # attention weights: one colour scale from 0 to 1
HEADS_SHOWN_CELLS = 2_400  # per-head tables on screen at most (a long input shows fewer heads)


def lesson_text(section: str) -> str:
    return prose(PAGE, section)


def square(current: LabSettings, values, caption: str, **kw) -> str:
    """An (n, n) matrix over the tokens: rows are queries i, columns keys j."""
    titles = {"row_title": "query i", "col_title": "key j", **kw}
    return tables.matrix(
        values, current.tokens, current.tokens, caption=caption,
        projector=current.projector, **titles,
    )  # fmt: skip


def by_token(current: LabSettings, values, cols, caption: str, **kw) -> str:
    """A matrix with one row per token (context vectors, outputs)."""
    return tables.matrix(
        values, current.tokens, cols, caption=caption,
        row_title="token", col_title="coordinate", projector=current.projector, **kw,
    )  # fmt: skip


def show_verdict(verdict: Verdict | None) -> None:
    if verdict is None:
        return
    if verdict.matched:
        st.success(verdict.text)
    else:
        st.info(verdict.text)


def intro() -> None:
    markdown(
        "# 🎭 Causal mask, dropout, multi-head",
        small(
            "Sections 3.5-3.6 of *Build a Large Language Model (From Scratch)* · the embeddings "
            "and d_out are shared with the other pages"
        ),
        lesson_text("intro"),
        "## Your controls",
    )


def your_controls(current: LabSettings) -> Choices:
    """The controls several steps share, and the input (shared with every page)."""
    d_out_col, heads_col, seed_col = st.columns(3, vertical_alignment="bottom")
    with d_out_col:
        d_out = controls.d_out(PAGE)
    with heads_col:
        num_heads = controls.num_heads(PAGE, d_out)
    with seed_col:
        seed = controls.module_seed(PAGE)
    book_v2 = controls.weights_switch(PAGE)
    n = len(current.tokens)
    st.markdown(
        f"**The input** (shared with every page): {n} tokens of d_in = {current.d_in} numbers, "
        f"*{' '.join(current.tokens)}*. Type a sentence or edit the numbers:"
    )
    embeddings.editor(PAGE)
    return Choices(bool(book_v2), int(num_heads), int(seed))


def step_causal(current: LabSettings, choices: Choices, edits: WeightEdits) -> None:
    n = len(current.tokens)
    attn = view.causal(current, choices.book_v2, edits)
    roads = view.roads(attn.attn_scores, attn.d_k)
    markdown(
        "## 1 · Causal mask: no peeking at the future",
        lesson_text("mask"),
        f"**Weights:** {text.weights_source(current, choices.book_v2)}",
    )
    tables.show(
        tables.row_of(
            [
                square(current, attn.mask, f"<strong>mask</strong> ({n}, {n}): 1 = hidden",
                       fmt=".0f", heat=WEIGHTS),
                square(current, attn.masked_scores,
                       "<strong>masked</strong>: the raw scores, −inf where hidden"),
                square(current, attn.attn_weights,
                       f"<strong>attn_weights</strong> = softmax(masked / √{attn.d_k})",
                       heat=WEIGHTS),
            ]
        )
    )  # fmt: skip
    markdown(text.order(roads, attn.d_k))
    show_verdict(text.causal_verdict(current, choices.book_v2, attn, roads))
    markdown(lesson_text("renorm"))
    tables.show(
        tables.row_of(
            [
                square(current, roads.unmasked,
                       f"① softmax(attn_scores / √{attn.d_k}): no mask", heat=WEIGHTS),
                square(current, roads.masked_simple,
                       "② <strong>masked_simple</strong> = ① × tril(ones)", heat=WEIGHTS),
                square(current, roads.renormalized,
                       "③ <strong>masked_simple_norm</strong> = ② / row sums", heat=WEIGHTS),
            ]
        )
    )  # fmt: skip
    markdown(text.renormalized(roads))


def step_dropout(current: LabSettings, choices: Choices, edits: WeightEdits) -> None:
    n = len(current.tokens)
    markdown("## 2 · Dropout: a regulariser, for training only", lesson_text("dropout"))
    p, seed = controls.dropout(PAGE)
    attn = view.causal(current, choices.book_v2, edits, p, seed)
    ones = view.dropout_on_ones(n, p, seed)
    stats = text.dropout_stats(attn)
    top = max(1.0, max(map(max, ones)))
    tables.show(
        tables.row_of(
            [
                square(current, ones,
                       f"<strong>dropout(torch.ones({n}, {n}))</strong>: 0 = dropped",
                       fmt=".4g", heat=tables.Heat(0.0, top), row_title="row", col_title="column"),
                square(current, attn.dropped_weights,
                       "<strong>dropout(attn_weights)</strong>, step 1's weights",
                       heat=tables.Heat(0.0, max(1.0, max(map(max, attn.dropped_weights))))),
                tables.columns(
                    {"query i": list(current.tokens), "row sum": list(stats.sums)},
                    caption="<strong>row sums</strong>",
                    projector=current.projector,
                ),
            ]
        )
    )  # fmt: skip
    markdown(
        text.dropout_summary(stats, p),
        text.row_sums(stats),
        text.zero_rows(stats, current.tokens, attn.context_vecs),
    )
    show_verdict(text.dropout_verdict(current, choices.book_v2, p, seed, ones, attn))
    tables.show(
        by_token(current, attn.context_vecs, fmt.dims(current.d_out),
                 f"<strong>context_vecs</strong> = dropout(attn_weights) @ values "
                 f"({n}, {current.d_out})")
    )  # fmt: skip


def step_causal_attention(current: LabSettings, choices: Choices) -> None:
    n, d_in, d_out = len(current.tokens), current.d_in, current.d_out
    markdown("## 3 · CausalAttention: a batch, a buffer, a slice", lesson_text("causal_attention"))
    with st.columns([1, 2])[0]:
        c = controls.context_length(PAGE, n)
    module = view.causal_module(current.inputs, d_out, c, choices.seed)
    markdown(
        f"`batch = torch.stack((inputs, inputs), dim=0)`: shape **{module.batch_shape}** "
        f"(2 copies, {n} tokens, d_in = {d_in}).  \n"
        f"`torch.manual_seed({choices.seed}); ca = CausalAttention(d_in={d_in}, d_out={d_out}, "
        f"context_length={c}, dropout=0.0)`"
    )
    kinds = [("parameter", "trained") for _ in module.parameters]
    kinds += [("buffer", "saved in state_dict, never trained") for _ in module.buffers]
    listed = module.parameters + module.buffers
    positions = [str(i + 1) for i in range(c)]
    used = len(module.mask_used)
    tables.show(
        tables.row_of(
            [
                tables.columns(
                    {
                        "name": [name for name, _ in listed],
                        "shape": [str(shape) for _, shape in listed],
                        "kind": [kind for kind, _ in kinds],
                        "what happens to it": [what for _, what in kinds],
                    },
                    caption="What <code>ca</code> holds (<code>named_parameters</code>, "
                    "<code>named_buffers</code>)",
                    projector=current.projector,
                ),
                tables.matrix(
                    module.mask, positions, positions,
                    caption=f"<strong>self.mask</strong>, the buffer ({c}, {c}): made once "
                    "in <code>__init__</code>", row_title="position", col_title="position",
                    fmt=".0f", heat=WEIGHTS, max_height=420, projector=current.projector,
                ),
                tables.matrix(
                    module.mask_used, current.tokens[:used], current.tokens[:used],
                    caption=f"<code>self.mask.bool()[:{n}, :{n}]</code>: "
                    f"({used}, {used}), what this input gets",
                    row_title="query i", col_title="key j", fmt=".0f", heat=WEIGHTS,
                    projector=current.projector,
                ),
            ]
        )
    )  # fmt: skip
    if module.error is not None:
        st.error(f"{text.context_failure(n, c)}\n\n`RuntimeError: {module.error}`", icon="🚫")
        return
    if module.unmasked:
        st.warning(text.unmasked_warning(n), icon="⚠️")
    markdown(
        f"`context_vecs = ca(batch)`: shape **{module.output_shape}**. The two copies of the "
        f"batch get {text.same(module.copies_gap)} context vectors; the first:"
    )
    tables.show(
        by_token(current, module.context_vecs, fmt.dims(d_out),
                 f"<strong>context_vecs[0]</strong> ({n}, {d_out})")
    )  # fmt: skip
    show_verdict(text.causal_module_verdict(current, choices.seed, module))


def step_multihead(current: LabSettings, choices: Choices) -> None:
    n, d_in, d_out, H = len(current.tokens), current.d_in, current.d_out, choices.num_heads
    mh = view.multihead(current.inputs, d_out, H, choices.seed)
    h = mh.head_dim
    markdown(
        "## 4 · Multi-head attention: d_out split into heads",
        lesson_text("multihead"),
        f"`torch.manual_seed({choices.seed}); mha = MultiHeadAttention(d_in={d_in}, "
        f"d_out={d_out}, context_length={n}, dropout=0.0, num_heads={H})`: **head_dim = "
        f"d_out / num_heads = {d_out} / {H} = {h}**, and each head divides its scores by "
        f"√head_dim = √{h} = {h**0.5:.4f}.",
    )
    tables.show(
        tables.columns(
            {
                "step": [label for label, _ in mh.shapes],
                "shape": [str(shape) for _, shape in mh.shapes],
            },
            caption=f"The shapes after every reshape (b = 1 sentence, n = {n}, "
            f"num_heads = {H}, head_dim = {h})",
            projector=current.projector,
        )
    )
    shown = max(1, min(H, HEADS_SHOWN_CELLS // (n * n)))
    note = "" if shown == H else f" (the first {shown} of {H}: a long input leaves room for fewer)"
    st.markdown(f"**Each head's attention weights**{note}: its own pattern over the same tokens.")
    tables.show(
        tables.row_of(
            [
                square(current, mh.attn_weights[k],
                       f"<strong>head {k + 1}</strong>: attn_weights[0, {k}]", heat=WEIGHTS)
                for k in range(shown)
            ]
        )
    )  # fmt: skip
    verdict = text.mha_verdict(current, choices, mh.context_vecs)
    parts = [
        by_token(current, mh.context_vecs, fmt.dims(d_out),
                 f"<strong>context_vecs</strong> = out_proj(concat of the heads) ({n}, {d_out})")
    ]  # fmt: skip
    if verdict.applies:
        parts.append(
            by_token(current, text.BOOK_MHA, fmt.dims(d_out),
                     "<strong>the book prints</strong> (3.6.2), each copy of the batch")
        )  # fmt: skip
    tables.show(tables.row_of(parts))
    show_verdict(verdict)


def step_wrapper(current: LabSettings, choices: Choices) -> None:
    d_in, d_out, H = current.d_in, current.d_out, choices.num_heads
    c = view.comparison(current.inputs, d_out, H, choices.seed)
    markdown("## 5 · The wrapper versus MultiHeadAttention", lesson_text("wrapper"))
    tables.show(
        tables.columns(
            text.meanings_table(c, d_in, d_out),
            caption=f"Two meanings of d_out (d_in = {d_in}, d_out = {d_out}, num_heads = {H})",
            wrap=True,
            projector=current.projector,
        )
    )
    wrapper_cols = [f"head {k + 1} · dim {j + 1}" for k in range(H) for j in range(d_out)]
    tables.show(
        tables.row_of(
            [
                by_token(current, c.wrapper_out, wrapper_cols,
                         f"<strong>MultiHeadAttentionWrapper</strong>: output {c.wrapper_shape}, "
                         "the first copy"),
                by_token(current, c.mha_out, fmt.dims(d_out),
                         f"<strong>MultiHeadAttention</strong>: output {c.mha_shape}, the first "
                         "copy"),
            ]
        )
    )  # fmt: skip
    markdown(text.first_head(c), text.scaling(c, d_out))
    show_verdict(text.wrapper_verdict(current, choices, c.wrapper_out))
    show_verdict(text.mha_verdict(current, choices, c.mha_out))


def answer(name: str, label: str, steps: frame.Steps, build) -> None:
    """The book's answer in an expander that is built only while open (hidden while reveal
    mode has not reached the last step)."""
    if steps.hides_answers:
        st.markdown(frame.HIDDEN_ANSWER)
        return
    with st.expander(label, key=keys.widget_key(PAGE, name), on_change="rerun") as box:
        if box.open:
            build()


def step_exercises(current: LabSettings, choices: Choices, steps: frame.Steps) -> None:
    n = len(current.tokens)
    markdown("## 6 · The chapter's exercises", lesson_text("ex32"))
    with st.columns([1, 2])[0]:
        d = controls.exercise_32(PAGE)
    wrapped = view.wrapper(current.inputs, d, 2, choices.seed)
    solved, sentence = text.exercise_32(d, wrapped.shape)
    (st.success if solved else st.info)(sentence)
    cols = [f"head {k + 1} · dim {j + 1}" for k in range(2) for j in range(d)]
    tables.show(
        by_token(current, wrapped.context_vecs, cols,
                 f"<strong>context_vecs[0]</strong> of the wrapper (seed {choices.seed})")
    )  # fmt: skip

    def answer_32() -> None:
        book = view.wrapper(current.inputs, 1, 2, choices.seed)
        ok = book.shape[-1] == 2
        st.markdown(
            "The book's solution: **d_out = 1**. Each of the 2 heads then returns one column, "
            f"and the wrapper concatenates them: computed now, `MultiHeadAttentionWrapper(d_in, "
            f"1, {n}, 0.0, num_heads=2)(batch).shape` = `{book.shape}` {'✔' if ok else '✘'}. "
            "(The solutions notebook also lists numbers for this cell, as text rather than as "
            "the output of a run; this page checks the shape, not those numbers.)"
        )

    answer("ex32_answer", "📖 The book's answer to exercise 3.2", steps, answer_32)
    st.divider()
    markdown(lesson_text("ex33"))
    sizes = controls.exercise_33(PAGE)
    count = view.parameter_count(sizes)
    ok, sentence = text.exercise_33(sizes, count)
    if count.error:
        st.error(sentence, icon="🚫")
    else:
        (st.success if ok else st.info)(sentence)
        listed = count.parameters + count.buffers
        tables.show(
            tables.columns(
                {
                    "tensor": [name for name, _, _ in listed],
                    "shape": [str(shape) for _, shape, _ in listed],
                    "numbers": [f"{k:,}" for _, _, k in listed],
                    "kind": ["parameter"] * len(count.parameters) + ["buffer"] * len(count.buffers),
                },
                caption="Where the numbers sit (<code>named_parameters</code> and "
                "<code>named_buffers</code>, on the meta device)",
                projector=current.projector,
            )
        )

    def answer_33() -> None:
        gpt2 = view.parameter_count(controls.Sizes(768, 768, 12, 1024, False))
        st.markdown(text.gpt2_answer(gpt2))

    answer("ex33_answer", "📖 The book's answer to exercise 3.3", steps, answer_33)


SOURCES = (
    ("3.5.1 · the causal mask", "code_mask", (causal_mask, apply_causal_mask, scale_scores,
                                              renormalized_causal_weights,
                                              compare_causal_weights, self_attention)),
    ("3.5.2 · dropout", "code_dropout", (dropout_mask, apply_dropout)),
    ("3.5.3 · CausalAttention", "code_causal", (CausalAttention, seed_linear_layers,
                                                run_causal_attention)),
    ("3.6 · the wrapper and MultiHeadAttention", "code_heads", (
        MultiHeadAttentionWrapper, MultiHeadAttention, multihead_trace,
        compare_wrapper_and_multihead, count_parameters)),
)  # fmt: skip


def the_code(current: LabSettings, choices: Choices, edits: WeightEdits) -> None:
    """A notebook snippet that reproduces the page, then the core's code, one section each."""
    markdown("## 7 · The code that ran", lesson_text("code"), "**Reproduce this in a notebook:**")
    st.code(
        snippet.reproduce(
            current,
            book_v2=choices.book_v2,
            edits=edits,
            dropout=keys.value(controls.DROPOUT),
            dropout_seed=keys.value(controls.DROPOUT_SEED),
            context_length=keys.value(controls.CONTEXT_LENGTH) or len(current.tokens),
            num_heads=choices.num_heads,
            seed=choices.seed,
        ),
        language="python",
    )
    st.markdown("**The core's code** (each section opens on a click):")
    for label, name, functions in SOURCES:
        blocks.code(
            f"Section {label}",
            lambda functions=functions: blocks.source(*functions),
            keys.widget_key(PAGE, name),
        )


# ---- the page --------------------------------------------------------------------------------


def lesson() -> None:
    """The shared controls on top; the steps below, one at a time."""
    current = settings.current()
    intro()
    choices = your_controls(current)
    current = settings.current()  # a control above may have changed d_out
    edits, ignored = controls.fitting_edits(current)
    if not choices.book_v2:
        for message in ignored:
            st.warning(f"A hand edit of the weights is not used here: {message}", icon="✏️")
    markdown(text.status(current, choices))
    steps = frame.Steps(PAGE, STEPS)
    with steps.open_step():
        if steps.current == 1:
            step_causal(current, choices, edits)
        elif steps.current == 2:
            step_dropout(current, choices, edits)
        elif steps.current == 3:
            step_causal_attention(current, choices)
        elif steps.current == 4:
            step_multihead(current, choices)
        elif steps.current == 5:
            step_wrapper(current, choices)
        elif steps.current == 6:
            step_exercises(current, choices, steps)
        else:
            the_code(current, choices, edits)
        steps.next_button()


frame.setup(PAGE, "Causal mask, dropout, multi-head", STEPS)
frame.run(lesson)
