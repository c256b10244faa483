"""Section 3.5: causal attention, as the book writes it and as it first tries it.

    omega = Q K^T                                        attention scores (raw)
    alpha = softmax(mask(omega) / sqrt(d_k), dim=-1)     the book's order: mask the raw scores,
                                                         divide inside the softmax
    Z = dropout(alpha) V

3.5.1 first tries another way, softmax -> zero the future -> divide by the row sums; it
gives the same weights (``compare_causal_weights`` measures how closely). 3.5.3 puts it all
in the ``CausalAttention`` class, for a *batch* of inputs, with the mask kept as a buffer.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from attention.self_attention import (
    apply_causal_mask,
    causal_mask,
    renormalized_causal_weights,
    scale_scores,
)
from attention.validation import check_dropout, check_inputs, check_scores

#: What the book's notebook prints in sections 3.5 and 3.5.3 (4 decimals; rasbt/LLMs-from-
#: scratch, ch03/01_main-chapter-code/ch03.ipynb). Rows are the six tokens of the sentence.
_INF = -math.inf
BOOK_PRINTED_CAUSAL: dict[str, tuple[tuple[float, ...], ...]] = {
    # 3.5.1: SelfAttention_v2 (torch.manual_seed(789)), attn_weights before any mask
    "v2_attn_weights": (
        (0.1921, 0.1646, 0.1652, 0.1550, 0.1721, 0.1510),
        (0.2041, 0.1659, 0.1662, 0.1496, 0.1665, 0.1477),
        (0.2036, 0.1659, 0.1662, 0.1498, 0.1664, 0.1480),
        (0.1869, 0.1667, 0.1668, 0.1571, 0.1661, 0.1564),
        (0.1830, 0.1669, 0.1670, 0.1588, 0.1658, 0.1585),
        (0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529),
    ),
    # 3.5.1: masked_simple = attn_weights * tril(ones): the future zeroed after softmax
    "v2_masked_simple": (
        (0.1921, 0.0, 0.0, 0.0, 0.0, 0.0),
        (0.2041, 0.1659, 0.0, 0.0, 0.0, 0.0),
        (0.2036, 0.1659, 0.1662, 0.0, 0.0, 0.0),
        (0.1869, 0.1667, 0.1668, 0.1571, 0.0, 0.0),
        (0.1830, 0.1669, 0.1670, 0.1588, 0.1658, 0.0),
        (0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529),
    ),
    # 3.5.1: attn_scores.masked_fill(mask.bool(), -torch.inf): the RAW scores, masked
    "v2_masked_scores": (
        (0.2899, _INF, _INF, _INF, _INF, _INF),
        (0.4656, 0.1723, _INF, _INF, _INF, _INF),
        (0.4594, 0.1703, 0.1731, _INF, _INF, _INF),
        (0.2642, 0.1024, 0.1036, 0.0186, _INF, _INF),
        (0.2183, 0.0874, 0.0882, 0.0177, 0.0786, _INF),
        (0.3408, 0.1270, 0.1290, 0.0198, 0.1290, 0.0078),
    ),
    # 3.5.1: softmax(masked / keys.shape[-1]**0.5) (and, equally, masked_simple_norm)
    "v2_causal_weights": (
        (1.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (0.5517, 0.4483, 0.0, 0.0, 0.0, 0.0),
        (0.3800, 0.3097, 0.3103, 0.0, 0.0, 0.0),
        (0.2758, 0.2460, 0.2462, 0.2319, 0.0, 0.0),
        (0.2175, 0.1983, 0.1984, 0.1888, 0.1971, 0.0),
        (0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529),
    ),
    # 3.5.2: torch.manual_seed(123); torch.nn.Dropout(0.5)(torch.ones(6, 6))
    "dropout_ones": (
        (2.0, 2.0, 0.0, 2.0, 2.0, 0.0),
        (0.0, 0.0, 0.0, 2.0, 0.0, 2.0),
        (2.0, 2.0, 2.0, 2.0, 0.0, 2.0),
        (0.0, 2.0, 2.0, 0.0, 0.0, 2.0),
        (0.0, 2.0, 0.0, 2.0, 0.0, 2.0),
        (0.0, 2.0, 2.0, 2.0, 2.0, 0.0),
    ),
    # 3.5.2: torch.manual_seed(123); dropout(attn_weights) on the causal weights above
    "dropout_causal_weights": (
        (2.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        (0.7599, 0.6194, 0.6206, 0.0, 0.0, 0.0),
        (0.0, 0.4921, 0.4925, 0.0, 0.0, 0.0),
        (0.0, 0.3966, 0.0, 0.3775, 0.0, 0.0),
        (0.0, 0.3327, 0.3331, 0.3084, 0.3331, 0.0),
    ),
    # 3.5.3: CausalAttention(3, 2, 6, 0.0) after torch.manual_seed(123), on the batch of two
    # copies: each copy prints these context vectors
    "causal_attention_context_vecs": (
        (-0.4519, 0.2216),
        (-0.5874, 0.0058),
        (-0.6300, -0.0632),
        (-0.5675, -0.0843),
        (-0.5526, -0.0981),
        (-0.5299, -0.1081),
    ),
}
#: The seed the book calls before ``CausalAttention``, the wrapper and ``MultiHeadAttention``.
BOOK_MODULE_SEED: int = 123


def seed_linear_layers(layers: Iterable[nn.Linear], generator: torch.Generator) -> None:
    """Give each layer fresh CPU parameters drawn as ``nn.Linear`` draws them, in order.

    PyTorch initialises a Linear's weight, then its bias, each U(-1/sqrt(in_features),
    1/sqrt(in_features)); drawn here from ``generator``, so that a model built on the meta
    device and seeded this way equals ``torch.manual_seed(seed)`` + the constructor, without
    touching the global RNG.
    """
    for layer in layers:
        bound = 1.0 / math.sqrt(layer.in_features)
        weight = torch.empty(layer.out_features, layer.in_features)
        layer.weight = nn.Parameter(weight.uniform_(-bound, bound, generator=generator))
        if layer.bias is not None:
            bias = torch.empty(layer.out_features)
            layer.bias = nn.Parameter(bias.uniform_(-bound, bound, generator=generator))


class CausalAttention(nn.Module):
    """The book's ``CausalAttention`` (3.5.3): self-attention with a causal mask and dropout.

    New against ``SelfAttention_v2``: a batch dimension b, dropout on the attention weights,
    and the mask kept with ``register_buffer``: it moves with the module (``.to(device)``)
    and is saved in its ``state_dict``, but it is not a parameter and is never trained. The
    mask is built once for ``context_length`` tokens and cut to ``[:num_tokens, :num_tokens]``
    per input; an input longer than ``context_length`` fails (the slice cannot grow).

    Shapes:
        x: (b, num_tokens, d_in) -> context_vec: (b, num_tokens, d_out)
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        qkv_bias: bool = False,
        device: torch.device | str | None = None,  # not in the book; see from_seed
    ) -> None:
        super().__init__()
        check_dropout(dropout)
        self.d_out = d_out
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)
        self.dropout = nn.Dropout(dropout)  # New
        self.register_buffer(
            "mask", torch.triu(torch.ones(context_length, context_length), diagonal=1)
        )  # New

    @classmethod
    def from_seed(
        cls,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        seed: int,
        qkv_bias: bool = False,
    ) -> "CausalAttention":
        """The module ``torch.manual_seed(seed)`` then the constructor would give, drawn from a
        local generator (the layers start on the meta device: nothing is drawn twice)."""
        module = cls(d_in, d_out, context_length, dropout, qkv_bias, device="meta")
        module.seed_from(torch.Generator().manual_seed(int(seed)))
        return module

    def seed_from(self, generator: torch.Generator) -> None:
        """Draw W_query, W_key, W_value (in the constructor's order) from ``generator``."""
        seed_linear_layers((self.W_query, self.W_key, self.W_value), generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _b, num_tokens, _d_in = x.shape  # the book: b, num_tokens, d_in (b: the new batch dim)
        # an input longer than context_length fails below: the mask is only that long
        keys = self.W_key(x)  # (b, num_tokens, d_in) -> (b, num_tokens, d_out)
        queries = self.W_query(x)
        values = self.W_value(x)

        # (b, num_tokens, d_out) @ (b, d_out, num_tokens) -> (b, num_tokens, num_tokens)
        attn_scores = queries @ keys.transpose(1, 2)  # Changed transpose
        attn_scores.masked_fill_(  # New, _ ops are in-place
            self.mask.bool()[:num_tokens, :num_tokens], -torch.inf
        )
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)  # New

        context_vec = attn_weights @ values  # (b, n, n) @ (b, n, d_out) -> (b, n, d_out)
        return context_vec


def book_batch(inputs: torch.Tensor, copies: int = 2) -> torch.Tensor:
    """The book's batch: ``torch.stack((inputs, inputs), dim=0)``, the same text twice.

    Shapes:
        inputs: (num_tokens, d_in) -> batch: (copies, num_tokens, d_in)
    """
    check_inputs(inputs)
    return torch.stack([inputs] * copies, dim=0)  # (n, d_in) -> (copies, n, d_in)


@dataclass(frozen=True)
class CausalAttentionRun:
    """One call of ``CausalAttention`` on the book's batch, and what the module holds.

    With more tokens than ``context_length`` the slice ``mask[:n, :n]`` is only (c, c):
    ``context_vecs`` is None and ``error`` holds PyTorch's own message, except when c = 1,
    where the (1, 1) slice broadcasts over every score and, holding 0, masks nothing: the
    pass runs without a causal mask (``unmasked``).

    Shapes (b = copies, n = num_tokens, c = context_length):
        batch: (b, n, d_in); mask: (c, c), the buffer (1 = hidden)
        mask_used: ``mask.bool()[:n, :n]``, (min(n, c), min(n, c)) bool
        context_vecs: (b, n, d_out) or None
        parameters, buffers: (name, shape) pairs, as ``named_parameters`` / ``named_buffers``
        state_dict_keys: what ``state_dict()`` saves (parameters *and* buffers)
    """

    batch: torch.Tensor
    mask: torch.Tensor
    mask_used: torch.Tensor
    context_vecs: torch.Tensor | None
    error: str | None
    unmasked: bool
    parameters: tuple[tuple[str, tuple[int, ...]], ...]
    buffers: tuple[tuple[str, tuple[int, ...]], ...]
    state_dict_keys: tuple[str, ...]


@torch.no_grad()
def run_causal_attention(
    inputs: torch.Tensor,
    d_out: int,
    context_length: int,
    seed: int = BOOK_MODULE_SEED,
    dropout: float = 0.0,
    copies: int = 2,
) -> CausalAttentionRun:
    """Section 3.5.3 end to end: ``CausalAttention.from_seed`` on ``book_batch(inputs)``.

    Z = softmax(mask[:n, :n](X W_q (X W_k)^T) / sqrt(d_out)) X W_v, for each item of the batch

    The forward pass is the book's, unguarded: with more tokens than ``context_length`` its
    own error is kept in ``error`` (the page shows it), instead of a result, and a pass that
    runs without a mask (context_length = 1) says so in ``unmasked``.

    Shapes:
        inputs: (num_tokens, d_in) -> context_vecs: (copies, num_tokens, d_out)
    """
    if context_length < 1:
        raise ValueError(f"context_length must be at least 1, got {context_length}.")
    batch = book_batch(inputs, copies)  # (copies, n, d_in)
    num_tokens = batch.shape[1]
    module = CausalAttention.from_seed(inputs.shape[1], d_out, context_length, dropout, seed)
    try:
        context_vecs, error = module(batch), None
    except RuntimeError as failure:
        context_vecs, error = None, str(failure)
    if context_vecs is not None:
        check_scores("context vectors", context_vecs)
    return CausalAttentionRun(
        batch=batch,
        mask=module.mask,
        mask_used=module.mask.bool()[:num_tokens, :num_tokens],  # at most (n, n)
        context_vecs=context_vecs,
        error=error,
        unmasked=context_vecs is not None and num_tokens > context_length,
        parameters=tuple((n, tuple(p.shape)) for n, p in module.named_parameters()),
        buffers=tuple((n, tuple(b.shape)) for n, b in module.named_buffers()),
        state_dict_keys=tuple(module.state_dict()),
    )


@dataclass(frozen=True)
class CausalWeightsCompared:
    """Three roads to the causal attention weights of one score matrix (3.5.1).

        book            softmax(mask(omega) / sqrt(d_k)): mask the raw scores, then scale
        scale_first     softmax(mask(omega / sqrt(d_k))): scale, then mask
        unmasked        softmax(omega / sqrt(d_k)): no mask (the book's first step)
        masked_simple   unmasked * tril(ones): the future zeroed after softmax
        renormalized    masked_simple / its row sums (the book's first approach)
        scale_first_gap, renormalized_gap: the largest |difference| from ``book``

    Shapes: every matrix (n, n).
    """

    book: torch.Tensor
    scale_first: torch.Tensor
    unmasked: torch.Tensor
    masked_simple: torch.Tensor
    renormalized: torch.Tensor
    scale_first_gap: float
    renormalized_gap: float


def compare_causal_weights(attn_scores: torch.Tensor, d_k: int) -> CausalWeightsCompared:
    """The causal weights three ways, and how far the other two are from the book's.

    -inf / sqrt(d_k) is still -inf, so masking before or after the division gives the same
    weights; renormalising after softmax gives them too, up to rounding.

    Shapes:
        attn_scores: (n, n) raw scores omega -> every matrix (n, n)
    """
    check_scores("attention scores", attn_scores)
    mask = causal_mask(attn_scores.shape[-1])
    book = torch.softmax(scale_scores(apply_causal_mask(attn_scores, mask), d_k), dim=-1)
    scale_first = torch.softmax(apply_causal_mask(scale_scores(attn_scores, d_k), mask), dim=-1)
    unmasked = torch.softmax(scale_scores(attn_scores, d_k), dim=-1)
    masked_simple = unmasked * ~mask  # (n, n): zero above the diagonal
    renormalized = renormalized_causal_weights(unmasked)
    return CausalWeightsCompared(
        book=book,
        scale_first=scale_first,
        unmasked=unmasked,
        masked_simple=masked_simple,
        renormalized=renormalized,
        scale_first_gap=(book - scale_first).abs().max().item(),
        renormalized_gap=(book - renormalized).abs().max().item(),
    )
