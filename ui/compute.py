"""Cached views of the core that two or more lessons share, keyed on plain values.

``st.cache_data`` cannot hash a tensor, so a view takes the settings' tuples and returns the
core's trace as tuples of floats: immutable, so ``st.cache_resource`` hands every session the
same object (no copy per read), and bounded by ``max_entries``. The pages never see a tensor.

    tensor(matrix)                 a plain matrix as float32
    rows(t)                        a tensor as nested tuples
    qkv_weights(...)               W_query, W_key, W_value from seeds (and hand edits)
    simplified(inputs)             section 3.3 on these embeddings
    self_attention(...)            sections 3.4-3.5 on these embeddings and parameters
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st
import torch

import attention
from ui.inputs import Matrix
from ui.settings import WEIGHT_NAMES

#: Every cache of a view: at most this many entries per function, shared by all sessions, each
#: dropped an hour after it was made. (A view of 40 tokens is about half a megabyte: the bound
#: keeps a class's worth of states in memory, not every state anyone ever tried.)
CACHE: dict[str, Any] = {"max_entries": 128, "ttl": 3600, "show_spinner": False}

# The lab's tensors are tiny: one thread per operation is fastest, and it leaves the other core
# to the other students' sessions. (Process-wide; set once when a page first imports this.)
torch.set_num_threads(1)

NAMES = WEIGHT_NAMES  # W_query, W_key, W_value


def tensor(matrix: Matrix) -> torch.Tensor:
    """A plain matrix (tuple of rows) as a float32 tensor."""
    return torch.tensor(matrix, dtype=torch.float32)


def rows(values: torch.Tensor) -> Any:
    """A tensor as nested tuples of Python numbers (a matrix, a vector or a scalar)."""
    out = values.detach().tolist()
    return _freeze(out)


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def draw_weights(
    d_in: int,
    d_out: int,
    qkv_seeds: tuple[int, int, int],
    weight_edits: tuple[tuple[str, Matrix], ...] = (),
    linear: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """W_query, W_key, W_value: matrix k is the k-th draw of the book's initialisation from
    seed k (one seed for all three is exactly the book's ``torch.manual_seed(seed)``).

    ``linear=True`` draws the ``nn.Linear`` weights of the book's ``SelfAttention_v2``;
    ``weight_edits`` replaces whole matrices a student edited by hand.
    """
    init = attention.init_linear_qkv_weights if linear else attention.init_qkv_weights
    drawn = [init(d_in, d_out, seed)[k] for k, seed in enumerate(qkv_seeds)]
    edits = dict(weight_edits)
    W_query, W_key, W_value = (
        tensor(edits[name]) if name in edits else weight
        for name, weight in zip(NAMES, drawn, strict=True)
    )
    return W_query, W_key, W_value


@st.cache_resource(**CACHE)
def seeded_weights(
    d_in: int, d_out: int, qkv_seeds: tuple[int, int, int], linear: bool = False
) -> tuple[Matrix, Matrix, Matrix]:
    """The three matrices as the seeds draw them, before any hand edit (as tuples)."""
    W_query, W_key, W_value = draw_weights(d_in, d_out, qkv_seeds, (), linear)
    return rows(W_query), rows(W_key), rows(W_value)


@dataclass(frozen=True)
class SimplifiedView:
    """Section 3.3 on one set of embeddings (tuples; n = num_tokens).

    attn_scores, attn_weights (softmax over dim=-1), weights_dim0 (softmax over dim=0),
    naive_weights (each row divided by its sum): (n, n); context_vecs: (n, d_in).
    """

    attn_scores: Matrix
    attn_weights: Matrix
    weights_dim0: Matrix
    naive_weights: Matrix
    context_vecs: Matrix


@st.cache_resource(**CACHE)
def simplified(inputs: Matrix) -> SimplifiedView:
    """Section 3.3 on the given embeddings: scores, weights three ways, context vectors."""
    trace = attention.simplified_self_attention(tensor(inputs))
    return SimplifiedView(
        attn_scores=rows(trace.attn_scores),
        attn_weights=rows(trace.attn_weights),
        weights_dim0=rows(attention.attention_weights(trace.attn_scores, dim=0)),
        naive_weights=rows(attention.naive_attention_weights(trace.attn_scores)),
        context_vecs=rows(trace.context_vecs),
    )


@dataclass(frozen=True)
class AttentionView:
    """Every step of one self-attention pass (``attention.SelfAttentionTrace``) as tuples.

    W: name -> (d_in, d_out); queries, keys, values: (n, d_out); every score and weight
    matrix: (n, n); mask, dropout_mask: (n, n) of 0/1 (1 = hidden / dropped) or None;
    context_vecs: (n, d_out).
    """

    W_query: Matrix
    W_key: Matrix
    W_value: Matrix
    queries: Matrix
    keys: Matrix
    values: Matrix
    attn_scores: Matrix
    mask: Matrix | None
    masked_scores: Matrix
    scaled_scores: Matrix
    attn_weights_scaled: Matrix
    attn_weights_unscaled: Matrix
    attn_weights: Matrix
    dropout_mask: Matrix | None
    dropped_weights: Matrix
    context_vecs: Matrix
    d_k: int
    scaled: bool
    dropout: float

    def weights(self, name: str) -> Matrix:
        """W_query, W_key or W_value by name."""
        return getattr(self, name)

    @property
    def dropped_fraction(self) -> float:
        """The share of all attention weights that dropout zeroed (0 without dropout)."""
        if self.dropout_mask is None:
            return 0.0
        cells = [v for row in self.dropout_mask for v in row]
        return sum(cells) / len(cells)


@st.cache_resource(**CACHE)
def self_attention(
    inputs: Matrix,
    d_out: int,
    qkv_seeds: tuple[int, int, int],
    weight_edits: tuple[tuple[str, Matrix], ...] = (),
    *,
    scaled: bool = True,
    causal: bool = False,
    dropout: float = 0.0,
    dropout_seed: int = attention.BOOK_DROPOUT_SEED,
    linear: bool = False,
) -> AttentionView:
    """Sections 3.4-3.5 on these embeddings and weight parameters (see ``draw_weights``)."""
    W_query, W_key, W_value = draw_weights(len(inputs[0]), d_out, qkv_seeds, weight_edits, linear)
    trace = attention.self_attention(
        tensor(inputs), W_query, W_key, W_value,
        scaled=scaled, causal=causal, dropout=dropout, seed=dropout_seed,
    )  # fmt: skip
    weights_scaled, weights_unscaled = (
        rows(trace.attn_weights_scaled),
        rows(trace.attn_weights_unscaled),
    )
    in_use = weights_scaled if trace.scaled else weights_unscaled
    return AttentionView(
        W_query=rows(trace.W_query),
        W_key=rows(trace.W_key),
        W_value=rows(trace.W_value),
        queries=rows(trace.queries),
        keys=rows(trace.keys),
        values=rows(trace.values),
        attn_scores=rows(trace.attn_scores),
        mask=None if trace.mask is None else rows(trace.mask.float()),
        masked_scores=rows(trace.masked_scores),
        scaled_scores=rows(trace.scaled_scores),
        attn_weights_scaled=weights_scaled,
        attn_weights_unscaled=weights_unscaled,
        attn_weights=in_use,  # the same object, not a copy
        dropout_mask=None if trace.dropout_mask is None else rows(trace.dropout_mask.float()),
        dropped_weights=in_use if trace.dropout_mask is None else rows(trace.dropped_weights),
        context_vecs=rows(trace.context_vecs),
        d_k=trace.d_k,
        scaled=trace.scaled,
        dropout=trace.dropout,
    )
