"""Attention Lab's core: chapter 3 of *Build a Large Language Model (From Scratch)* in pure torch.

Read in the chapter's order:
    data            the book's six-token sentence and the values it prints
    simplified      3.3  scores -> softmax -> context vectors, no trainable weights
    geometry        3.3  seen in the plane: each context vector inside the inputs' hull
    self_attention  3.4  W_query, W_key, W_value and scaling by sqrt(d_k); 3.5 causal mask, dropout
    why_scale       why sqrt(d_k): softmax saturation and vanishing gradients, measured
    multihead       3.6  multi-head attention
    additive        Bahdanau attention, the idea that came before (RNN encoder-decoders)

This package never imports streamlit; the pages only render what it returns.
"""

from attention.additive import AdditiveTrace, additive_attention_scores, bahdanau_attention
from attention.data import BOOK_D_OUT, BOOK_INPUTS, BOOK_PRINTED, BOOK_SEED, BOOK_TOKENS
from attention.geometry import Projection, convex_hull, inside_hull, project_2d
from attention.multihead import MultiHeadAttention, MultiHeadTrace, multihead_trace
from attention.self_attention import (
    BOOK_DROPOUT_SEED,
    SelfAttentionTrace,
    apply_causal_mask,
    apply_dropout,
    causal_mask,
    dropout_mask,
    init_linear_qkv_weights,
    init_qkv_weights,
    renormalized_causal_weights,
    scale_scores,
    self_attention,
    softmax_with_temperature,
)
from attention.simplified import (
    SimplifiedTrace,
    attention_scores,
    attention_weights,
    context_vectors,
    naive_attention_weights,
    simplified_self_attention,
)
from attention.why_scale import (
    SaturationStats,
    TemperaturePoint,
    by_d_k,
    saturation_sweep,
    softmax_saturation,
    temperature_curve,
)

__all__ = [
    "BOOK_DROPOUT_SEED",
    "BOOK_D_OUT",
    "BOOK_INPUTS",
    "BOOK_PRINTED",
    "BOOK_SEED",
    "BOOK_TOKENS",
    "AdditiveTrace",
    "MultiHeadAttention",
    "MultiHeadTrace",
    "Projection",
    "SaturationStats",
    "SelfAttentionTrace",
    "SimplifiedTrace",
    "TemperaturePoint",
    "additive_attention_scores",
    "apply_causal_mask",
    "apply_dropout",
    "attention_scores",
    "attention_weights",
    "bahdanau_attention",
    "by_d_k",
    "causal_mask",
    "context_vectors",
    "convex_hull",
    "dropout_mask",
    "init_linear_qkv_weights",
    "init_qkv_weights",
    "inside_hull",
    "multihead_trace",
    "naive_attention_weights",
    "project_2d",
    "renormalized_causal_weights",
    "saturation_sweep",
    "scale_scores",
    "self_attention",
    "simplified_self_attention",
    "softmax_saturation",
    "softmax_with_temperature",
    "temperature_curve",
]
