"""Cached wrappers around the core, keyed on primitives (tuples, ints, floats, bools).

``st.cache_data`` cannot hash a tensor, so pages pass the plain values held in the shared
settings and get the core's frozen trace back. Each cached call is shared by every session of
the process: the results are read, never mutated.
"""

import streamlit as st
import torch

import attention
from ui.inputs import Matrix

CACHE = {"max_entries": 512, "show_spinner": False}

# The lab's tensors are tiny: one thread per op beats two threads fighting over two cores, and
# leaves the other core to the other students' sessions (measured: a sweep took 66 ms on one
# thread, 1.2 s on two while the machine was busy).
torch.set_num_threads(1)


def tensor(matrix: Matrix) -> torch.Tensor:
    """A plain matrix (tuple of rows) as a float32 tensor."""
    return torch.tensor(matrix, dtype=torch.float32)


def to_lists(values: torch.Tensor) -> list:
    """A tensor as nested Python lists, for tables and charts."""
    return values.detach().tolist()


@st.cache_data(**CACHE)
def simplified(inputs: Matrix) -> attention.SimplifiedTrace:
    """Section 3.3 on the given embeddings."""
    return attention.simplified_self_attention(tensor(inputs))


@st.cache_data(**CACHE)
def qkv_weights(
    d_in: int,
    d_out: int,
    qkv_seeds: tuple[int, int, int],
    weight_edits: tuple[tuple[str, Matrix], ...] = (),
    linear: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """W_query, W_key, W_value: matrix i is the i-th draw of ``init_qkv_weights`` from seed i.

    With one seed for all three this is exactly the book's ``torch.manual_seed(seed)`` then
    three ``torch.rand(d_in, d_out)``. ``weight_edits`` replaces whole matrices a student edited.
    ``linear=True`` draws the ``nn.Linear`` weights of the book's ``SelfAttention_v2`` instead.
    """
    init = attention.init_linear_qkv_weights if linear else attention.init_qkv_weights
    drawn = [init(d_in, d_out, seed)[i] for i, seed in enumerate(qkv_seeds)]
    edits = dict(weight_edits)
    names = ("W_query", "W_key", "W_value")
    W_query, W_key, W_value = (
        tensor(edits[name]) if name in edits else weight
        for name, weight in zip(names, drawn, strict=True)
    )
    return W_query, W_key, W_value


@st.cache_data(**CACHE)
def self_attention(
    inputs: Matrix,
    d_out: int,
    qkv_seeds: tuple[int, int, int],
    weight_edits: tuple[tuple[str, Matrix], ...] = (),
    scaled: bool = True,
    causal: bool = False,
    dropout: float = 0.0,
    dropout_seed: int = 123,
    linear: bool = False,
) -> attention.SelfAttentionTrace:
    """Sections 3.4-3.5 on the given embeddings and weight parameters (see ``qkv_weights``)."""
    W_query, W_key, W_value = qkv_weights(len(inputs[0]), d_out, qkv_seeds, weight_edits, linear)
    return attention.self_attention(
        tensor(inputs),
        W_query,
        W_key,
        W_value,
        scaled=scaled,
        causal=causal,
        dropout=dropout,
        seed=dropout_seed,
    )


@st.cache_data(**CACHE)
def saturation(
    d_k: int, scaled: bool, temperature: float | None = None, num_tokens: int = 8, seed: int = 0
) -> attention.SaturationStats:
    """How peaked softmax gets at one d_k, and the gradient through it (autograd)."""
    return attention.softmax_saturation(
        d_k, scaled=scaled, temperature=temperature, num_tokens=num_tokens, seed=seed
    )


@st.cache_data(**CACHE)
def saturation_sweep(
    d_ks: tuple[int, ...], num_tokens: int = 8, seed: int = 0
) -> tuple[attention.SaturationStats, ...]:
    """``saturation`` at each d_k, unscaled and scaled."""
    return attention.saturation_sweep(d_ks, num_tokens=num_tokens, seed=seed)


@st.cache_data(**CACHE)
def multihead(
    inputs: Matrix, d_out: int, num_heads: int, dropout: float, seed: int, dropout_seed: int = 123
) -> attention.MultiHeadTrace:
    """Section 3.6: the book's MultiHeadAttention built from ``seed`` (locally), traced step by step.

    ``context_length`` is the number of tokens, as in the book's example.
    """
    mha = attention.MultiHeadAttention.from_seed(
        len(inputs[0]), d_out, len(inputs), dropout, num_heads, seed
    )
    return attention.multihead_trace(mha, tensor(inputs), dropout_seed=dropout_seed)


@st.cache_data(**CACHE)
def causal_renormalization_gap(
    inputs: Matrix,
    d_out: int,
    qkv_seeds: tuple[int, int, int],
    weight_edits: tuple[tuple[str, Matrix], ...] = (),
    linear: bool = False,
) -> float:
    """Largest difference between the book's two causal approaches (3.5.1) on these inputs.

    softmax -> zero the future -> renormalise, versus -inf mask -> softmax: equal up to rounding.
    """
    unmasked = self_attention(inputs, d_out, qkv_seeds, weight_edits, linear=linear).attn_weights
    masked = self_attention(
        inputs, d_out, qkv_seeds, weight_edits, causal=True, linear=linear
    ).attn_weights
    return (attention.renormalized_causal_weights(unmasked) - masked).abs().max().item()
