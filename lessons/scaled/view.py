"""Cached views of the core for the scaled lesson (tuples; the page never sees a tensor)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from attention.data import BOOK_PRINTED, BOOK_TOKENS
from attention.self_attention import ScoreSpread, score_spread
from lessons.scaled.controls import Options
from ui import compute
from ui.compute import CACHE, AttentionView
from ui.inputs import Matrix
from ui.settings import LabSettings

SPREAD_D_OUTS: tuple[int, ...] = (1, 2, 4, 8, 16)  # where the spread of the scores is measured


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


@dataclass(frozen=True)
class BookValue:
    """One value the book prints for the query "journey" (section 3.4.1), and ours."""

    label: str
    book: tuple[float, ...]
    ours: tuple[float, ...]

    @property
    def matches(self) -> bool:
        return all(abs(a - b) <= 1e-4 for a, b in zip(self.book, self.ours, strict=True))


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
