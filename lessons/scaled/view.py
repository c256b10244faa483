"""Cached views of the core for the scaled lesson (tuples; the page never sees a tensor)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from attention.data import BOOK_D_OUT, BOOK_PRINTED, BOOK_SEED, BOOK_TOKENS, BOOK_V2_SEED
from attention.self_attention import (
    BOOK_PRINTED_CLASSES,
    QKMoments,
    ScoreSpread,
    SelfAttention_v1,
    SelfAttention_v2,
    copy_v2_weights_into_v1,
    qk_moments,
    score_spread,
)
from lessons.scaled.controls import ClassOptions, Options
from ui import compute
from ui.book import BookValue
from ui.compute import CACHE, AttentionView
from ui.inputs import Matrix
from ui.settings import LabSettings

SPREAD_D_OUTS: tuple[int, ...] = (2, 4, 8, 16)  # where the spread of the scores is measured


def build(current: LabSettings, options: Options) -> AttentionView:
    """One pass on the current settings and options (cached, shared by every session)."""
    return compute.self_attention(
        current.inputs,
        current.d_out,
        current.qkv_seeds,
        current.weight_edits,
        scaled=current.scaled,
        causal=options.causal,
        dropout=options.dropout,
        dropout_seed=options.dropout_seed,
    )


@st.cache_resource(**CACHE)
def spread(inputs: Matrix, seed: int, d_out: int) -> tuple[ScoreSpread, ...]:
    """The spread of raw and scaled scores at several d_out (and at ``d_out``), weights drawn
    from ``seed`` as the book draws them."""
    d_outs = tuple(sorted({*SPREAD_D_OUTS, d_out}))
    return score_spread(compute.tensor(inputs), d_outs, seed)


@st.cache_resource(**CACHE)
def moments(queries: Matrix, keys: Matrix) -> QKMoments:
    """What the √d_k argument assumes, measured on the page's own queries and keys."""
    return qk_moments(compute.tensor(queries), compute.tensor(keys))


@dataclass(frozen=True)
class ClassesView:
    """Section 3.4.2 and exercise 3.1 on the page's embeddings and d_out (tuples).

    v1_weights: W_query, W_key, W_value of SelfAttention_v1, each (d_in, d_out) as stored;
    v2_weights: W_query.weight, ... of SelfAttention_v2, each (d_out, d_in) as stored;
    v1_output, v2_output: (n, d_out); steps_output: steps 1-6 with v1's seed, (n, d_out).
    copy: exercise 3.1's choice; v1_after (n, d_out) or None with PyTorch's ``error``.
    """

    v1_weights: tuple[Matrix, Matrix, Matrix]
    v2_weights: tuple[Matrix, Matrix, Matrix]
    v1_output: Matrix
    v2_output: Matrix
    steps_difference: float  # v1's output against steps 1-6 with one seed, v1's
    copy: str
    copied_shape: tuple[int, int]
    v1_after: Matrix | None
    error: str
    equal: bool
    max_difference: float | None


@st.cache_resource(**CACHE)
def classes(inputs: Matrix, d_out: int, v1_seed: int, v2_seed: int, copy: str) -> ClassesView:
    """SelfAttention_v1 and _v2 built from their seeds on these embeddings, and exercise 3.1's
    copy of v2's weights into v1 (``copy``: "none", "transposed" or "as_is")."""
    x = compute.tensor(inputs)
    d_in = x.shape[1]
    sa_v1 = SelfAttention_v1.from_seed(d_in, d_out, v1_seed)
    sa_v2 = SelfAttention_v2.from_seed(d_in, d_out, v2_seed)
    result = copy_v2_weights_into_v1(sa_v1, sa_v2, x, transpose=copy != "as_is")
    steps = compute.self_attention(inputs, d_out, (v1_seed,) * 3).context_vecs
    difference = (result.v1_before - compute.tensor(steps)).abs().max().item()
    copied = copy != "none"
    return ClassesView(
        v1_weights=tuple(compute.rows(sa_v1.get_parameter(n)) for n in compute.NAMES),
        v2_weights=tuple(compute.rows(getattr(sa_v2, n).weight) for n in compute.NAMES),
        v1_output=compute.rows(result.v1_before),
        v2_output=compute.rows(result.v2_output),
        steps_difference=difference,
        copy=copy,
        copied_shape=tuple(result.copied[0].shape),
        v1_after=compute.rows(result.v1_after) if copied and result.v1_after is not None else None,
        error=result.error if copied else "",
        equal=copied and result.equal,
        max_difference=result.max_difference if copied else None,
    )


def build_classes(current: LabSettings, options: ClassOptions) -> ClassesView:
    """The classes on the current embeddings and d_out (cached)."""
    return classes(current.inputs, current.d_out, options.v1_seed, options.v2_seed, options.copy)


@dataclass(frozen=True)
class BookOutput:
    """An output the book prints in 3.4.2 or its exercise 3.1 solution, beside ours."""

    what: str  # e.g. "SelfAttention_v1 after torch.manual_seed(123)"
    where: str  # "section 3.4.2" or "exercise 3.1's solution"
    book: Matrix
    ours: Matrix

    @property
    def matches(self) -> bool:
        return all(
            abs(a - b) <= 1e-4
            for row_a, row_b in zip(self.book, self.ours, strict=True)
            for a, b in zip(row_a, row_b, strict=True)
        )


def book_outputs(
    view: ClassesView, current: LabSettings, options: ClassOptions
) -> tuple[BookOutput, ...]:
    """The book's printed outputs that apply: its six tokens, d_out = 2, and the seeds it uses
    (v1: 123; v2: 789 in 3.4.2, 123 in the exercise solution)."""
    if not (current.is_book_embeddings and current.d_out == BOOK_D_OUT):
        return ()
    out = []
    if options.v1_seed == BOOK_SEED:
        out.append(BookOutput(f"SelfAttention_v1 after torch.manual_seed({BOOK_SEED})",
                              "section 3.4.2", BOOK_PRINTED_CLASSES["v1_seed_123"],
                              view.v1_output))  # fmt: skip
    if options.v2_seed == BOOK_V2_SEED:
        out.append(BookOutput(f"SelfAttention_v2 after torch.manual_seed({BOOK_V2_SEED})",
                              "section 3.4.2", BOOK_PRINTED_CLASSES["v2_seed_789"],
                              view.v2_output))  # fmt: skip
    elif options.v2_seed == BOOK_SEED:
        out.append(BookOutput(f"SelfAttention_v2 after torch.manual_seed({BOOK_SEED})",
                              "exercise 3.1's solution", BOOK_PRINTED_CLASSES["v2_seed_123"],
                              view.v2_output))  # fmt: skip
    return tuple(out)


BOOK_LABELS = {
    "scaled.query_2": "query_2 = x⁽²⁾ @ W_query",
    "scaled.attn_score_22": "attn_score_22 = q⁽²⁾ · k⁽²⁾",
    "scaled.attn_scores_2": "attn_scores_2 = q⁽²⁾ @ keys.T",
    "scaled.attn_weights_2": "attn_weights_2 = softmax(attn_scores_2 / √d_k)",
    "scaled.context_vec_2": "context_vec_2 = attn_weights_2 @ values",
}


def book_values(current: LabSettings) -> tuple[BookValue, ...]:
    """The book's printed values for "journey" beside ours, computed the book's way (scaled,
    no mask, no dropout) whatever the page's switches say."""
    view = compute.self_attention(
        current.inputs, current.d_out, current.qkv_seeds, current.weight_edits
    )
    q = BOOK_TOKENS.index("journey")
    ours = {
        "scaled.query_2": view.queries[q],
        "scaled.attn_score_22": (view.attn_scores[q][q],),
        "scaled.attn_scores_2": view.attn_scores[q],
        "scaled.attn_weights_2": view.attn_weights[q],
        "scaled.context_vec_2": view.context_vecs[q],
    }
    return tuple(
        BookValue(label, BOOK_PRINTED[name], tuple(ours[name]))
        for name, label in BOOK_LABELS.items()
    )
