"""Section 3.3: a simplified self-attention mechanism without trainable weights.

Each input token x^(i) attends to every input x^(j):

    omega_ij = x^(i) . x^(j)                 attention scores   (dot products)
    alpha_ij = softmax_j(omega_ij)           attention weights  (each row sums to 1)
    z^(i)    = sum_j alpha_ij x^(j)          context vectors    (weighted sums)
"""

from dataclasses import dataclass

import torch

from attention.validation import check_inputs, check_scores


def attention_scores(inputs: torch.Tensor) -> torch.Tensor:
    """Dot product of every input with every other: ``omega = inputs @ inputs.T``.

    Shapes:
        inputs: (num_tokens, d_in) -> attn_scores: (num_tokens, num_tokens)
    """
    return inputs @ inputs.T


def attention_weights(attn_scores: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Normalise scores with softmax so that they sum to 1 along ``dim``.

    alpha_ij = exp(omega_ij) / sum_k exp(omega_ik)      (dim=-1, the book's choice)

    ``dim=-1`` normalises each row: every query's weights over the keys sum to 1.
    ``dim=0`` normalises each column instead, which is not what attention needs.

    Shapes:
        attn_scores: (num_tokens, num_tokens) -> attn_weights: (num_tokens, num_tokens)
    """
    return torch.softmax(attn_scores, dim=dim)


def softmax_naive(attn_scores: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """The book's first softmax, straight from the formula (section 3.3.1):

    alpha_ij = exp(omega_ij) / sum_k exp(omega_ik)

    In float32 ``exp`` overflows to inf once a score passes about 88.7, and the weights turn
    nan; ``torch.softmax`` subtracts each row's largest score first and never overflows.

    Shapes:
        attn_scores: (..., num_tokens) -> same shape
    """
    exp_scores = torch.exp(attn_scores)  # same shape; inf where a score is above ~88.7
    return exp_scores / exp_scores.sum(dim=dim, keepdim=True)


def naive_attention_weights(attn_scores: torch.Tensor) -> torch.Tensor:
    """The book's first try: divide each row by its sum, alpha_ij = omega_ij / sum_k omega_ik.

    It sums to 1 but breaks for negative scores (weights can be negative or blow up when a
    row sums to about zero); softmax never is. Shown for comparison only.

    Shapes:
        attn_scores: (num_tokens, num_tokens) -> (num_tokens, num_tokens)
    """
    return attn_scores / attn_scores.sum(dim=-1, keepdim=True)


def context_vectors(attn_weights: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """Each context vector is a weighted sum of the inputs: ``z = attn_weights @ inputs``.

    Shapes:
        attn_weights: (num_tokens, num_tokens), inputs: (num_tokens, d_in)
        -> context_vecs: (num_tokens, d_in)
    """
    return attn_weights @ inputs


def context_contributions(attn_weights_i: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """What each input adds to one query's context vector: alpha_ij x^(j), row j.

    The rows add up to z^(i) = sum_j alpha_ij x^(j) (the book's loop
    ``context_vec_2 += attn_weights_2[i] * x_i``, one term per row).

    Shapes:
        attn_weights_i: (num_tokens,), inputs: (num_tokens, d_in) -> (num_tokens, d_in)
    """
    return attn_weights_i[:, None] * inputs  # (n, 1) * (n, d_in) -> (n, d_in)


@dataclass(frozen=True)
class SimplifiedTrace:
    """Every intermediate of simplified self-attention, for display.

    Shapes: inputs (n, d_in); attn_scores, attn_weights (n, n); context_vecs (n, d_in).
    """

    inputs: torch.Tensor
    attn_scores: torch.Tensor
    attn_weights: torch.Tensor
    context_vecs: torch.Tensor


def simplified_self_attention(inputs: torch.Tensor) -> SimplifiedTrace:
    """Section 3.3 end to end: scores -> softmax(dim=-1) -> context vectors.

    z = softmax(X X^T, dim=-1) X

    Shapes:
        inputs: (num_tokens, d_in) -> context_vecs: (num_tokens, d_in)
    """
    check_inputs(inputs)
    attn_scores = attention_scores(inputs)  # (n, d_in) @ (d_in, n) -> (n, n)
    check_scores("attention scores", attn_scores)
    attn_weights = attention_weights(attn_scores, dim=-1)  # (n, n), rows sum to 1
    context_vecs = context_vectors(attn_weights, inputs)  # (n, n) @ (n, d_in) -> (n, d_in)
    return SimplifiedTrace(inputs, attn_scores, attn_weights, context_vecs)
