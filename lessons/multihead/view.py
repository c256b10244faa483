"""Cached views of the core for the multihead lesson (tuples; the page never sees a tensor).

Each view is keyed on plain values and shared by every session (``ui.compute.CACHE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from attention.causal import compare_causal_weights, run_causal_attention
from attention.data import BOOK_V2_SEED
from attention.multihead import (
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    compare_wrapper_and_multihead,
    count_parameters,
    multihead_trace,
)
from attention.self_attention import apply_dropout, dropout_mask
from lessons.multihead.controls import Sizes
from ui import compute
from ui.compute import CACHE, AttentionView
from ui.inputs import Matrix
from ui.settings import LabSettings, WeightEdits

Shape = tuple[int, ...]


def causal(
    current: LabSettings,
    book_v2: bool,
    edits: WeightEdits,
    dropout: float = 0.0,
    dropout_seed: int = 123,
) -> AttentionView:
    """Steps 1-2: causal self-attention (scaled, as the book) with the book's SelfAttention_v2
    weights (seed 789) or the scaled page's seeds and (fitting) hand edits."""
    seeds = (BOOK_V2_SEED,) * 3 if book_v2 else current.qkv_seeds
    return compute.self_attention(
        current.inputs, current.d_out, seeds, () if book_v2 else edits,
        scaled=True, causal=True, dropout=dropout, dropout_seed=dropout_seed, linear=book_v2,
    )  # fmt: skip


@dataclass(frozen=True)
class Roads:
    """The causal weights reached other ways (``attention.causal.CausalWeightsCompared``)."""

    unmasked: Matrix
    masked_simple: Matrix
    renormalized: Matrix
    scale_first_gap: float
    renormalized_gap: float


@st.cache_resource(**CACHE)
def roads(attn_scores: Matrix, d_k: int) -> Roads:
    compared = compare_causal_weights(compute.tensor(attn_scores), d_k)
    return Roads(
        unmasked=compute.rows(compared.unmasked),
        masked_simple=compute.rows(compared.masked_simple),
        renormalized=compute.rows(compared.renormalized),
        scale_first_gap=compared.scale_first_gap,
        renormalized_gap=compared.renormalized_gap,
    )


@st.cache_resource(**CACHE)
def dropout_on_ones(num_tokens: int, p: float, seed: int) -> Matrix:
    """The book's first dropout example: ``dropout(torch.ones(n, n))`` with this p and seed."""
    if p == 0:
        return compute.rows(torch.ones(num_tokens, num_tokens))
    drop = dropout_mask((num_tokens, num_tokens), p, seed)
    return compute.rows(apply_dropout(torch.ones(num_tokens, num_tokens), drop, p))


@dataclass(frozen=True)
class CausalModuleView:
    """``CausalAttention`` on the book's batch (``attention.causal.CausalAttentionRun``).

    mask: (c, c) 0/1; mask_used: the slice [:n, :n], at most (n, n), 0/1
    context_vecs: the first copy's (n, d_out), or None when the pass failed
    copies_gap: the largest difference between the two copies' outputs
    """

    batch_shape: Shape
    mask: Matrix
    mask_used: Matrix
    context_vecs: Matrix | None
    copies_gap: float
    output_shape: Shape | None
    error: str | None
    unmasked: bool
    parameters: tuple[tuple[str, Shape], ...]
    buffers: tuple[tuple[str, Shape], ...]
    state_dict_keys: tuple[str, ...]


@st.cache_resource(**CACHE)
def causal_module(inputs: Matrix, d_out: int, context_length: int, seed: int) -> CausalModuleView:
    run = run_causal_attention(compute.tensor(inputs), d_out, context_length, seed)
    out = run.context_vecs
    return CausalModuleView(
        batch_shape=tuple(run.batch.shape),
        mask=compute.rows(run.mask),
        mask_used=compute.rows(run.mask_used.float()),
        context_vecs=None if out is None else compute.rows(out[0]),
        copies_gap=0.0 if out is None else (out[0] - out[1]).abs().max().item(),
        output_shape=None if out is None else tuple(out.shape),
        error=run.error,
        unmasked=run.unmasked,
        parameters=run.parameters,
        buffers=run.buffers,
        state_dict_keys=run.state_dict_keys,
    )


@dataclass(frozen=True)
class MultiHeadView:
    """One ``MultiHeadAttention`` pass (``attention.multihead.MultiHeadTrace``), as tuples.

    attn_scores, masked_scores, scaled_scores, attn_weights: (H, n, n)
    context_vecs: (n, d_out) after out_proj; shapes: (step, shape) after every reshape
    """

    num_heads: int
    head_dim: int
    attn_scores: tuple[Matrix, ...]
    masked_scores: tuple[Matrix, ...]
    scaled_scores: tuple[Matrix, ...]
    attn_weights: tuple[Matrix, ...]
    context_vecs: Matrix
    shapes: tuple[tuple[str, Shape], ...]


@st.cache_resource(**CACHE)
def multihead(inputs: Matrix, d_out: int, num_heads: int, seed: int) -> MultiHeadView:
    x = compute.tensor(inputs)
    mha = MultiHeadAttention.from_seed(x.shape[1], d_out, x.shape[0], 0.0, num_heads, seed)
    trace = multihead_trace(mha, x)
    return MultiHeadView(
        num_heads=trace.num_heads,
        head_dim=trace.head_dim,
        attn_scores=compute.rows(trace.attn_scores),
        masked_scores=compute.rows(trace.masked_scores),
        scaled_scores=compute.rows(trace.scaled_scores),
        attn_weights=compute.rows(trace.attn_weights),
        context_vecs=compute.rows(trace.context_vecs),
        shapes=trace.shapes,
    )


@dataclass(frozen=True)
class ComparisonView:
    """The wrapper against MultiHeadAttention (``attention.multihead.WrapperComparison``);
    outputs are the first copy of the batch: wrapper (n, d_out * H), MHA (n, d_out)."""

    wrapper_out: Matrix
    mha_out: Matrix
    wrapper_shape: Shape
    mha_shape: Shape
    first_head_gap: float
    num_heads: int
    wrapper_head_dim: int
    mha_head_dim: int
    scaling_gap: float
    wrapper_parameters: int
    mha_parameters: int


@st.cache_resource(**CACHE)
def comparison(inputs: Matrix, d_out: int, num_heads: int, seed: int) -> ComparisonView:
    c = compare_wrapper_and_multihead(compute.tensor(inputs), d_out, num_heads, seed)
    return ComparisonView(
        wrapper_out=compute.rows(c.wrapper_out[0]),
        mha_out=compute.rows(c.mha_out[0]),
        wrapper_shape=tuple(c.wrapper_out.shape),
        mha_shape=tuple(c.mha_out.shape),
        first_head_gap=c.first_head_gap,
        num_heads=c.num_heads,
        wrapper_head_dim=c.wrapper_head_dim,
        mha_head_dim=c.mha_head_dim,
        scaling_gap=c.scaling_gap,
        wrapper_parameters=c.wrapper_parameters,
        mha_parameters=c.mha_parameters,
    )


@dataclass(frozen=True)
class WrapperView:
    """``MultiHeadAttentionWrapper`` on the book's batch: its output's shape and first copy."""

    shape: Shape
    context_vecs: Matrix


@st.cache_resource(**CACHE)
def wrapper(inputs: Matrix, d_out: int, num_heads: int, seed: int) -> WrapperView:
    x = compute.tensor(inputs)
    module = MultiHeadAttentionWrapper.from_seed(
        x.shape[1], d_out, x.shape[0], 0.0, num_heads, seed
    )
    with torch.no_grad():
        out = module(torch.stack((x, x), dim=0))  # the book's batch: (2, n, d_in)
    return WrapperView(tuple(out.shape), compute.rows(out[0]))


@dataclass(frozen=True)
class CountView:
    """Exercise 3.3's count (``attention.multihead.ParameterCount``), or why it cannot be."""

    parameters: tuple[tuple[str, Shape, int], ...] = ()
    buffers: tuple[tuple[str, Shape, int], ...] = ()
    total: int = 0
    buffer_total: int = 0
    error: str | None = None


@st.cache_resource(**CACHE)
def parameter_count(sizes: Sizes) -> CountView:
    try:
        count = count_parameters(
            sizes.d_in, sizes.d_out, sizes.context_length, sizes.num_heads, sizes.qkv_bias
        )
    except ValueError as error:
        return CountView(error=str(error))
    return CountView(count.parameters, count.buffers, count.total, count.buffer_total)
