"""Attention Lab's core: chapter 3 of *Build a Large Language Model (From Scratch)* in pure torch.

Read in the chapter's order:
    data            the book's six-token sentence and the values it prints
    simplified      3.3  scores -> softmax -> context vectors, no trainable weights
    geometry        3.3  seen in the plane: each context vector inside the inputs' hull
    self_attention  3.4  W_query, W_key, W_value and scaling by sqrt(d_k); SelfAttention_v1/_v2;
                    3.5 the causal mask and dropout as named steps
    causal          3.5  CausalAttention, the book's batched class
    why_scale       why sqrt(d_k): softmax saturation and vanishing gradients, measured
    multihead       3.6  MultiHeadAttentionWrapper and MultiHeadAttention
    additive        Bahdanau attention, the idea that came before (RNN encoder-decoders)
    seq2seq/        3.1-3.2  small encoder-decoder RNNs, with and without attention, and their training

This package never imports streamlit; the pages only render what it returns.
"""

from attention.additive import AdditiveTrace, additive_attention_scores, bahdanau_attention
from attention.causal import CausalAttention
from attention.data import BOOK_D_OUT, BOOK_INPUTS, BOOK_PRINTED, BOOK_SEED, BOOK_TOKENS
from attention.geometry import Projection, convex_hull, inside_hull, project_2d
from attention.multihead import (
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    MultiHeadTrace,
    multihead_trace,
)
from attention.self_attention import (
    BOOK_DROPOUT_SEED,
    SelfAttention_v1,
    SelfAttention_v2,
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
    softmax_naive,
)
from attention.why_scale import (
    SaturationStats,
    TemperaturePoint,
    by_d_k,
    query_gradient_ratio,
    saturation_sweep,
    scaling_pays_from,
    softmax_saturation,
    temperature_curve,
    temperature_sweep,
)

__all__ = [
    "BOOK_DROPOUT_SEED",
    "BOOK_D_OUT",
    "BOOK_INPUTS",
    "BOOK_PRINTED",
    "BOOK_SEED",
    "BOOK_TOKENS",
    "AdditiveTrace",
    "CausalAttention",
    "MultiHeadAttention",
    "MultiHeadAttentionWrapper",
    "MultiHeadTrace",
    "Projection",
    "SaturationStats",
    "SelfAttentionTrace",
    "SelfAttention_v1",
    "SelfAttention_v2",
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
    "query_gradient_ratio",
    "renormalized_causal_weights",
    "saturation_sweep",
    "scale_scores",
    "scaling_pays_from",
    "self_attention",
    "simplified_self_attention",
    "softmax_naive",
    "softmax_saturation",
    "softmax_with_temperature",
    "temperature_curve",
    "temperature_sweep",
]
