"""Bahdanau (additive) attention: at each decoding step, the decoder looks back at every encoder state.

Bahdanau, Cho and Bengio (2014), eq. (5)-(6), with the book's row-vector convention (x @ W):

    e_j     = v_a^T tanh(W_a s_prev + U_a h_j)      alignment scores (energies)
    alpha_j = softmax_j(e_j)                         attention weights
    c       = sum_j alpha_j h_j                      context vector
"""

from dataclasses import dataclass

import torch

from attention.validation import check_finite


@dataclass(frozen=True)
class AdditiveTrace:
    """One decoding step of additive attention.

    Shapes (T = input length, leading batch dims ``...`` optional):
        energies: (..., T); attn_weights: (..., T), sums to 1; context_vec: (..., d_enc)
    """

    energies: torch.Tensor
    attn_weights: torch.Tensor
    context_vec: torch.Tensor


def additive_attention_scores(
    s_prev: torch.Tensor,
    encoder_states: torch.Tensor,
    W_a: torch.Tensor,
    U_a: torch.Tensor,
    v_a: torch.Tensor,
) -> torch.Tensor:
    """e_j = v_a^T tanh(W_a s_prev + U_a h_j): how well input j matches the decoder's state.

    Shapes:
        s_prev: (..., d_dec); encoder_states: (..., T, d_enc)
        W_a: (d_dec, d_attn); U_a: (d_enc, d_attn); v_a: (d_attn,)
        -> energies: (..., T)
    """
    query = (s_prev @ W_a).unsqueeze(-2)  # (..., d_dec) -> (..., 1, d_attn)
    keys = encoder_states @ U_a  # (..., T, d_enc) -> (..., T, d_attn)
    return torch.tanh(query + keys) @ v_a  # (..., T, d_attn) @ (d_attn,) -> (..., T)


def bahdanau_attention(
    s_prev: torch.Tensor,
    encoder_states: torch.Tensor,
    W_a: torch.Tensor,
    U_a: torch.Tensor,
    v_a: torch.Tensor,
) -> AdditiveTrace:
    """One decoder step of Bahdanau attention: energies -> softmax -> context vector.

    c = sum_j softmax_j(v_a^T tanh(W_a s_prev + U_a h_j)) h_j

    Shapes:
        s_prev: (..., d_dec); encoder_states: (..., T, d_enc)
        W_a: (d_dec, d_attn); U_a: (d_enc, d_attn); v_a: (d_attn,)
        -> energies, attn_weights: (..., T); context_vec: (..., d_enc)
    """
    _check_shapes(s_prev, encoder_states, W_a, U_a, v_a)
    energies = additive_attention_scores(s_prev, encoder_states, W_a, U_a, v_a)
    attn_weights = torch.softmax(energies, dim=-1)  # (..., T), sums to 1 over the inputs
    # (..., 1, T) @ (..., T, d_enc) -> (..., 1, d_enc) -> (..., d_enc)
    context_vec = (attn_weights.unsqueeze(-2) @ encoder_states).squeeze(-2)
    return AdditiveTrace(energies, attn_weights, context_vec)


def _check_shapes(
    s_prev: torch.Tensor,
    encoder_states: torch.Tensor,
    W_a: torch.Tensor,
    U_a: torch.Tensor,
    v_a: torch.Tensor,
) -> None:
    if encoder_states.dim() < 2 or encoder_states.shape[-2] == 0:
        raise ValueError("encoder_states must have shape (..., T, d_enc) with at least one state.")
    if W_a.dim() != 2 or W_a.shape[0] != s_prev.shape[-1]:
        raise ValueError(f"W_a must have shape (d_dec={s_prev.shape[-1]}, d_attn).")
    if U_a.dim() != 2 or U_a.shape != (encoder_states.shape[-1], W_a.shape[1]):
        raise ValueError(
            f"U_a must have shape (d_enc={encoder_states.shape[-1]}, d_attn={W_a.shape[1]})."
        )
    if v_a.shape != (W_a.shape[1],):
        raise ValueError(f"v_a must have shape (d_attn={W_a.shape[1]},).")
    named = {"s_prev": s_prev, "encoder_states": encoder_states, "W_a": W_a, "U_a": U_a, "v_a": v_a}
    for name, tensor in named.items():
        check_finite(name, tensor)
