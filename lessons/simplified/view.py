"""Cached views of the core for the simplified lesson (tuples; the page never sees a tensor).

The whole of section 3.3 on the shared embeddings is ``ui.compute.simplified`` (the home page
shows it too); this module adds what only this lesson shows: the query's exp(ω), the book's
``softmax_naive`` and each input's share of z⁽ⁱ⁾, and the 2-d view of the geometry step.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from attention.data import BOOK_PRINTED
from attention.geometry import Projection, project_2d
from attention.simplified import context_contributions, softmax_naive
from ui import compute
from ui.book import BookValue
from ui.compute import CACHE, SimplifiedView
from ui.inputs import Matrix
from ui.settings import BOOK_QUERY, LabSettings


def simplified(inputs: Matrix) -> SimplifiedView:
    """Section 3.3 on these embeddings (``ui.compute.simplified``: shared with the home page)."""
    return compute.simplified(inputs)


@dataclass(frozen=True)
class QueryView:
    """What steps 2 and 3 show for one query i (n = num_tokens).

    exp_scores: exp(ωᵢⱼ) in float32, inf where it overflows; naive_softmax: the book's
    ``softmax_naive`` of the row (nan where exp overflowed); contributions: αᵢⱼ x⁽ʲ⁾, (n, d_in).
    """

    exp_scores: tuple[float, ...]
    naive_softmax: tuple[float, ...]
    contributions: Matrix


@st.cache_resource(**CACHE)
def query(inputs: Matrix, q: int) -> QueryView:
    """The query's row of steps 2 and 3 (cached, shared by every session)."""
    view = compute.simplified(inputs)
    scores = compute.tensor(view.attn_scores)[q]  # (n,)
    weights = compute.tensor(view.attn_weights)[q]  # (n,)
    return QueryView(
        exp_scores=compute.rows(torch.exp(scores)),  # float32, as the book's code runs it
        naive_softmax=compute.rows(softmax_naive(scores)),
        contributions=compute.rows(context_contributions(weights, compute.tensor(inputs))),
    )


@st.cache_resource(**CACHE)
def projection(inputs: Matrix, view: str, axes: tuple[int, int]) -> Projection:
    """Inputs and context vectors in the chosen 2-d view, with the inputs' convex hull."""
    context_vecs = compute.simplified(inputs).context_vecs
    return project_2d(compute.tensor(inputs), compute.tensor(context_vecs), view, axes)


BOOK_LABELS = {
    "simplified.attn_scores_2": "attn_scores_2: ω₂ⱼ = x⁽²⁾ · x⁽ʲ⁾",
    "simplified.attn_weights_2": "attn_weights_2: α₂ⱼ = softmax(attn_scores_2)",
    "simplified.context_vec_2": "context_vec_2: z⁽²⁾ = Σⱼ α₂ⱼ x⁽ʲ⁾",
}


def applies(current: LabSettings) -> bool:
    """The book's printed values apply: its six tokens and embeddings, and its query 'journey'.

    (Seeds and d_out do not enter section 3.3.)
    """
    return current.is_book_embeddings and current.query == BOOK_QUERY


def book_values(simple: SimplifiedView, q: int = BOOK_QUERY) -> tuple[BookValue, ...]:
    """The book's printed scores, weights and context vector of 'journey' beside ours."""
    ours = {
        "simplified.attn_scores_2": simple.attn_scores[q],
        "simplified.attn_weights_2": simple.attn_weights[q],
        "simplified.context_vec_2": simple.context_vecs[q],
    }
    return tuple(
        BookValue(label, BOOK_PRINTED[name], tuple(ours[name]))
        for name, label in BOOK_LABELS.items()
    )
