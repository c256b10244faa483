"""Sections 3.4 and 3.5: self-attention with trainable weights, a causal mask and dropout.

    Q = X W_query,  K = X W_key,  V = X W_value          projections
    omega = Q K^T                                        attention scores
    alpha = softmax(mask(omega) / sqrt(d_k), dim=-1)     attention weights (mask, then scale)
    Z = dropout(alpha) V                                 context vectors

The weight *parameters* W_query, W_key, W_value are learned during training and do not depend
on the input. The attention *weights* alpha are recomputed for every input.

3.4.2 packs the same steps into the classes ``SelfAttention_v1`` (``nn.Parameter`` matrices)
and ``SelfAttention_v2`` (``nn.Linear`` layers); exercise 3.1 copies v2's weights into v1
(``copy_v2_weights_into_v1``).
"""

import copy
import math
from dataclasses import dataclass

import torch
from torch import nn

from attention.validation import check_dropout, check_inputs, check_scores, check_weight


def init_qkv_weights(
    d_in: int, d_out: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random weight parameters exactly as the book draws them, without the global RNG.

    Equals ``torch.manual_seed(seed)`` followed by ``torch.rand(d_in, d_out)`` for W_query,
    W_key and W_value in that order, but uses a local ``torch.Generator``: a server shared by
    many students must never reseed the global generator.

    Shapes:
        -> W_query, W_key, W_value: each (d_in, d_out), values uniform in [0, 1)
    """
    if d_in < 1 or d_out < 1:
        raise ValueError(f"d_in and d_out must be at least 1, got d_in={d_in}, d_out={d_out}.")
    generator = torch.Generator().manual_seed(int(seed))
    W_query = torch.rand(d_in, d_out, generator=generator)
    W_key = torch.rand(d_in, d_out, generator=generator)
    W_value = torch.rand(d_in, d_out, generator=generator)
    return W_query, W_key, W_value


def init_linear_qkv_weights(
    d_in: int, d_out: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The weights of the book's ``SelfAttention_v2``: three ``nn.Linear(d_in, d_out, bias=False)``.

    Equals ``torch.manual_seed(seed)`` then building the three layers (query, key, value), each
    weight drawn as PyTorch does, U(-1/sqrt(d_in), 1/sqrt(d_in)), from a local generator.
    ``nn.Linear`` stores its weight as (d_out, d_in) and computes x @ weight.T, so the matrices
    returned here are the transposes, ready for ``inputs @ W``. Sections 3.5 and 3.6 use these
    with seed 789, which is why their printed numbers differ from section 3.4's.

    Shapes:
        -> W_query, W_key, W_value: each (d_in, d_out)
    """
    if d_in < 1 or d_out < 1:
        raise ValueError(f"d_in and d_out must be at least 1, got d_in={d_in}, d_out={d_out}.")
    generator = torch.Generator().manual_seed(int(seed))
    bound = 1.0 / math.sqrt(d_in)
    weights = [
        torch.empty(d_out, d_in).uniform_(-bound, bound, generator=generator) for _ in range(3)
    ]
    W_query, W_key, W_value = (w.T.contiguous() for w in weights)  # (d_out, d_in) -> (d_in, d_out)
    return W_query, W_key, W_value


@dataclass(frozen=True)
class ScoreSpread:
    """How widely the scores spread at one d_out, for the given inputs and seeded weights.

    raw_std: std of omega = Q K^T over all (i, j); scaled_std: std of omega / sqrt(d_k).
    """

    d_out: int
    raw_std: float
    scaled_std: float


def score_spread(
    inputs: torch.Tensor, d_outs: tuple[int, ...], seed: int = 123
) -> tuple[ScoreSpread, ...]:
    """The spread of raw and scaled scores at each d_out, weights drawn as the book draws them.

    The sqrt(d_k) argument assumes q and k with zero-mean, unit-variance entries; the book's
    ``torch.rand`` weights are all positive, so here the scaled spread can still grow.

    Shapes:
        inputs: (num_tokens, d_in) -> one ScoreSpread per d_out
    """
    check_inputs(inputs)
    out = []
    for d_out in d_outs:
        W_query, W_key, _ = init_qkv_weights(inputs.shape[1], d_out, seed)
        attn_scores = (inputs @ W_query) @ (inputs @ W_key).T  # (n, d_out) @ (d_out, n) -> (n, n)
        spread = attn_scores.std().item() if attn_scores.numel() > 1 else 0.0
        out.append(ScoreSpread(d_out, spread, spread / math.sqrt(d_out)))
    return tuple(out)


@dataclass(frozen=True)
class QKMoments:
    """What the sqrt(d_k) argument assumes, measured: the entries of q and k, and the scores.

    The argument: if every entry of q and k has mean 0 and variance 1 (independently), then
    Var(q . k) = d_k, so omega / sqrt(d_k) has std 1 whatever d_k is.

        q_mean, q_var, k_mean, k_var   over all entries of queries / keys
        raw_std, scaled_std            std of omega and of omega / sqrt(d_k), over all (i, j)
    """

    q_mean: float
    q_var: float
    k_mean: float
    k_var: float
    raw_std: float
    scaled_std: float


def qk_moments(queries: torch.Tensor, keys: torch.Tensor) -> QKMoments:
    """Mean and variance of the entries of q and k, and the spread of the scores they give.

    Shapes:
        queries, keys: (num_tokens, d_k) -> six numbers
    """
    attn_scores = queries @ keys.T  # (n, d_k) @ (d_k, n) -> (n, n)
    d_k = keys.shape[-1]

    def var(t: torch.Tensor) -> float:
        return t.var().item() if t.numel() > 1 else 0.0

    raw_std = var(attn_scores) ** 0.5
    return QKMoments(
        queries.mean().item(), var(queries), keys.mean().item(), var(keys),
        raw_std, raw_std / math.sqrt(d_k),
    )  # fmt: skip


def causal_mask(num_tokens: int) -> torch.Tensor:
    """The book's mask: True above the diagonal, where a token would see the future.

    ``torch.triu(torch.ones(n, n), diagonal=1).bool()``; True means *hidden*. (PyTorch's
    ``scaled_dot_product_attention`` uses the opposite convention: True means *attended*.)

    Shapes:
        -> mask: (num_tokens, num_tokens), bool
    """
    return torch.triu(torch.ones(num_tokens, num_tokens, dtype=torch.bool), diagonal=1)


def scale_scores(attn_scores: torch.Tensor, d_k: int) -> torch.Tensor:
    """Divide the scores by sqrt(d_k), the square root of the key dimension.

    For unit-variance q and k, Var(q . k) = d_k; dividing by sqrt(d_k) restores variance 1 so
    that softmax does not saturate.
    """
    return attn_scores / math.sqrt(d_k)


def softmax_with_temperature(attn_scores: torch.Tensor, temperature: float) -> torch.Tensor:
    """softmax(omega / T, dim=-1). Scaled dot-product attention is the case T = sqrt(d_k)."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}.")
    return torch.softmax(attn_scores / temperature, dim=-1)


def apply_causal_mask(attn_scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Set masked scores to -inf so that softmax gives them weight exactly 0."""
    return attn_scores.masked_fill(mask, -torch.inf)


def renormalized_causal_weights(attn_weights: torch.Tensor) -> torch.Tensor:
    """The book's first causal attempt (3.5.1): mask *after* softmax, then renormalise.

    alpha'_ij = alpha_ij [j <= i] / sum_k alpha_ik [k <= i]

    It gives the same weights as masking the scores with -inf before softmax (which the book
    then adopts, because it needs one softmax and no second normalisation).
    """
    lower = ~causal_mask(attn_weights.shape[-1])  # True on and below the diagonal
    masked = attn_weights * lower
    return masked / masked.sum(dim=-1, keepdim=True)


def dropout_mask(shape: tuple[int, ...], dropout: float, seed: int) -> torch.Tensor:
    """Which attention weights dropout zeroes (True = dropped), from a local generator.

    Draws the same Bernoulli pattern as ``torch.manual_seed(seed); nn.Dropout(dropout)(x)``.
    """
    check_dropout(dropout)
    generator = torch.Generator().manual_seed(int(seed))
    keep = torch.empty(shape).bernoulli_(1.0 - dropout, generator=generator)
    return keep == 0


def apply_dropout(attn_weights: torch.Tensor, mask: torch.Tensor, dropout: float) -> torch.Tensor:
    """Zero the dropped weights and rescale the rest by 1 / (1 - p), as ``nn.Dropout`` does."""
    return attn_weights.masked_fill(mask, 0.0) / (1.0 - dropout)


#: The seed the book calls ``torch.manual_seed(123)`` with before its dropout example (3.5.2).
BOOK_DROPOUT_SEED: int = 123


@dataclass(frozen=True)
class SelfAttentionTrace:
    """Every intermediate of one self-attention pass, for display.

    Both softmaxes are kept, so a page can show scaled beside unscaled without a second pass:

        attn_scores            omega = Q K^T                       (raw)
        masked_scores          mask(omega), -inf above the diagonal (raw; the book's order:
                               mask first, then scale inside the softmax)
        scaled_scores          masked_scores / sqrt(d_k)
        attn_weights_scaled    softmax(scaled_scores, dim=-1)
        attn_weights_unscaled  softmax(masked_scores, dim=-1)
        attn_weights           the one of the two that ``scaled`` chose
        dropped_weights        dropout(attn_weights); the context vectors use these

    Shapes (n = num_tokens):
        inputs (n, d_in); W_query, W_key, W_value (d_in, d_out)
        queries, keys, values (n, d_out)
        every score and weight matrix above (n, n)
        mask: (n, n) bool, True where hidden, or None without a causal mask
        dropout_mask: (n, n) bool, True where dropped, or None without dropout
        context_vecs: (n, d_out)
    """

    inputs: torch.Tensor
    W_query: torch.Tensor
    W_key: torch.Tensor
    W_value: torch.Tensor
    queries: torch.Tensor
    keys: torch.Tensor
    values: torch.Tensor
    attn_scores: torch.Tensor
    mask: torch.Tensor | None
    masked_scores: torch.Tensor
    scaled_scores: torch.Tensor
    attn_weights_scaled: torch.Tensor
    attn_weights_unscaled: torch.Tensor
    dropout_mask: torch.Tensor | None
    dropped_weights: torch.Tensor
    context_vecs: torch.Tensor
    d_k: int
    scaled: bool
    dropout: float

    @property
    def attn_weights(self) -> torch.Tensor:
        """The attention weights the pass used: scaled when ``scaled``, else unscaled."""
        return self.attn_weights_scaled if self.scaled else self.attn_weights_unscaled

    @property
    def dropped_fraction(self) -> float:
        """The share of attention weights that dropout zeroed (0 without dropout)."""
        return 0.0 if self.dropout_mask is None else self.dropout_mask.float().mean().item()

    @property
    def temperature(self) -> float:
        """The softmax temperature that was used: sqrt(d_k) when scaled, else 1."""
        return math.sqrt(self.d_k) if self.scaled else 1.0


def self_attention(
    inputs: torch.Tensor,
    W_query: torch.Tensor,
    W_key: torch.Tensor,
    W_value: torch.Tensor,
    *,
    scaled: bool = True,
    causal: bool = False,
    dropout: float = 0.0,
    seed: int = BOOK_DROPOUT_SEED,
) -> SelfAttentionTrace:
    """Scaled dot-product attention end to end, keeping every step.

    Z = dropout(softmax(mask(X W_q (X W_k)^T) / sqrt(d_k))) X W_v

    ``scaled=False`` makes the pass use the unscaled softmax (both are computed and kept);
    ``causal=True`` hides future tokens; ``dropout`` > 0 zeroes weights with that probability,
    drawn from a local generator seeded ``seed``.

    Shapes:
        inputs: (num_tokens, d_in); W_query, W_key: (d_in, d_k); W_value: (d_in, d_v)
        -> context_vecs: (num_tokens, d_v)
    """
    check_inputs(inputs)
    d_in = inputs.shape[1]
    check_weight("W_query", W_query, d_in)
    check_weight("W_key", W_key, d_in, d_out=W_query.shape[1])
    check_weight("W_value", W_value, d_in)
    check_dropout(dropout)
    for name, weight in (("W_query", W_query), ("W_key", W_key), ("W_value", W_value)):
        if weight.dtype != inputs.dtype:
            raise ValueError(
                f"{name} is {weight.dtype} but inputs are {inputs.dtype}: use one dtype."
            )
    num_tokens = inputs.shape[0]

    queries = inputs @ W_query  # (n, d_in) @ (d_in, d_k) -> (n, d_k)
    keys = inputs @ W_key  # (n, d_in) @ (d_in, d_k) -> (n, d_k)
    values = inputs @ W_value  # (n, d_in) @ (d_in, d_v) -> (n, d_v)
    attn_scores = queries @ keys.T  # (n, d_k) @ (d_k, n) -> (n, n)
    check_scores("attention scores", attn_scores)

    mask = causal_mask(num_tokens) if causal else None
    masked_scores = apply_causal_mask(attn_scores, mask) if causal else attn_scores
    d_k = keys.shape[-1]
    scaled_scores = scale_scores(masked_scores, d_k)  # (n, n)
    attn_weights_scaled = torch.softmax(scaled_scores, dim=-1)  # (n, n), rows sum to 1
    attn_weights_unscaled = torch.softmax(masked_scores, dim=-1)  # (n, n), rows sum to 1
    attn_weights = attn_weights_scaled if scaled else attn_weights_unscaled

    drop = dropout_mask(attn_weights.shape, dropout, seed) if dropout else None
    dropped_weights = apply_dropout(attn_weights, drop, dropout) if dropout else attn_weights
    context_vecs = dropped_weights @ values  # (n, n) @ (n, d_v) -> (n, d_v)
    return SelfAttentionTrace(
        inputs, W_query, W_key, W_value, queries, keys, values, attn_scores, mask,
        masked_scores, scaled_scores, attn_weights_scaled, attn_weights_unscaled, drop,
        dropped_weights, context_vecs, d_k, scaled, float(dropout),
    )  # fmt: skip


# ---- 3.4.2: the compact classes, and exercise 3.1 ---------------------------------------------

#: What the book prints in section 3.4.2 and its exercise solution 3.1 (4 decimals; rasbt/
#: LLMs-from-scratch, ch03/01_main-chapter-code/ch03.ipynb and exercise-solutions.ipynb), on
#: its six tokens with d_in = 3, d_out = 2. Rows are the tokens' context vectors.
BOOK_PRINTED_CLASSES: dict[str, tuple[tuple[float, ...], ...]] = {
    # 3.4.2: torch.manual_seed(123); SelfAttention_v1(d_in, d_out)(inputs)
    "v1_seed_123": (
        (0.2996, 0.8053),
        (0.3061, 0.8210),
        (0.3058, 0.8203),
        (0.2948, 0.7939),
        (0.2927, 0.7891),
        (0.2990, 0.8040),
    ),
    # 3.4.2: torch.manual_seed(789); SelfAttention_v2(d_in, d_out)(inputs)
    "v2_seed_789": (
        (-0.0739, 0.0713),
        (-0.0748, 0.0703),
        (-0.0749, 0.0702),
        (-0.0760, 0.0685),
        (-0.0763, 0.0679),
        (-0.0754, 0.0693),
    ),
    # exercise 3.1's solution: torch.manual_seed(123); SelfAttention_v2(d_in, d_out), its
    # weights copied into a SelfAttention_v1 (transposed); both print these
    "v2_seed_123": (
        (-0.5337, -0.1051),
        (-0.5323, -0.1080),
        (-0.5323, -0.1079),
        (-0.5297, -0.1076),
        (-0.5311, -0.1066),
        (-0.5299, -0.1081),
    ),
}


class SelfAttention_v1(nn.Module):  # noqa: N801 (the book's name)
    """The book's first compact class (3.4.2): steps 1-6 of section 3.4 in one ``forward``.

    The weight parameters are ``nn.Parameter(torch.rand(d_in, d_out))``: stored (d_in, d_out),
    used as ``x @ W``, every entry uniform in [0, 1). After ``torch.manual_seed(seed)`` they are
    exactly the three ``torch.rand`` draws of section 3.4.1, so the output is its context
    vectors. ``generator`` is not in the book: ``from_seed`` passes a local one (None draws
    from the global RNG, as the book does).

    Shapes:
        x: (num_tokens, d_in) -> context_vec: (num_tokens, d_out)
    """

    def __init__(self, d_in: int, d_out: int, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.W_query = nn.Parameter(torch.rand(d_in, d_out, generator=generator))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out, generator=generator))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out, generator=generator))

    @classmethod
    def from_seed(cls, d_in: int, d_out: int, seed: int) -> "SelfAttention_v1":
        """The module ``torch.manual_seed(seed)`` then ``SelfAttention_v1(d_in, d_out)`` gives,
        drawn from a local generator (the global RNG is never touched)."""
        return cls(d_in, d_out, generator=torch.Generator().manual_seed(int(seed)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        keys = x @ self.W_key  # (n, d_in) @ (d_in, d_out) -> (n, d_out)
        queries = x @ self.W_query
        values = x @ self.W_value

        attn_scores = queries @ keys.T  # omega, (n, d_out) @ (d_out, n) -> (n, n)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)

        context_vec = attn_weights @ values  # (n, n) @ (n, d_out) -> (n, d_out)
        return context_vec


class SelfAttention_v2(nn.Module):  # noqa: N801 (the book's name)
    """The book's second class (3.4.2): the same steps with ``nn.Linear(d_in, d_out, bias=False)``.

    A Linear layer without bias is a matrix multiplication, with two differences from v1:
    it stores its ``weight`` as (d_out, d_in) and computes ``x @ weight.T``, and PyTorch
    initialises it uniform in [-1/sqrt(d_in), 1/sqrt(d_in)] (centred on 0) instead of [0, 1).
    ``device`` is not in the book: ``from_seed`` builds on the meta device, then draws.

    Shapes:
        x: (num_tokens, d_in) -> context_vec: (num_tokens, d_out)
        W_query.weight, W_key.weight, W_value.weight: (d_out, d_in)
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        qkv_bias: bool = False,
        device: torch.device | str | None = None,  # not in the book; see from_seed
    ) -> None:
        super().__init__()
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)

    @classmethod
    def from_seed(
        cls, d_in: int, d_out: int, seed: int, qkv_bias: bool = False
    ) -> "SelfAttention_v2":
        """The module ``torch.manual_seed(seed)`` then ``SelfAttention_v2(d_in, d_out)`` gives,
        drawn from a local generator in the constructor's order (query, key, value)."""
        # imported here: attention.causal builds on this module
        from attention.causal import seed_linear_layers

        module = cls(d_in, d_out, qkv_bias, device="meta")
        generator = torch.Generator().manual_seed(int(seed))
        seed_linear_layers((module.W_query, module.W_key, module.W_value), generator)
        return module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        keys = self.W_key(x)  # x @ weight.T: (n, d_in) @ (d_in, d_out) -> (n, d_out)
        queries = self.W_query(x)
        values = self.W_value(x)

        attn_scores = queries @ keys.T  # (n, d_out) @ (d_out, n) -> (n, n)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)

        context_vec = attn_weights @ values  # (n, n) @ (n, d_out) -> (n, d_out)
        return context_vec


@dataclass(frozen=True)
class WeightCopy:
    """Exercise 3.1: a ``SelfAttention_v1`` given the weights of a ``SelfAttention_v2``.

        v1_before   v1's output with its own weights
        v2_output   v2's output
        copied      what v1 received for W_query, W_key, W_value (``weight.T`` or ``weight``)
        v1_after    v1's output with those weights, or None when they did not fit
        error       PyTorch's message when they did not fit ("" otherwise)

    Shapes (n = num_tokens):
        v1_before, v2_output, v1_after: (n, d_out)
        copied: each (d_in, d_out) when transposed, (d_out, d_in) when not
    """

    transposed: bool
    v1_before: torch.Tensor
    v2_output: torch.Tensor
    copied: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    v1_after: torch.Tensor | None
    error: str

    @property
    def equal(self) -> bool:
        """Did the copy make v1 compute what v2 computes (to float32 rounding)?"""
        return self.v1_after is not None and torch.allclose(
            self.v1_after, self.v2_output, rtol=1e-5, atol=1e-6
        )

    @property
    def max_difference(self) -> float | None:
        """The largest entry-wise difference of the two outputs (None when v1 failed)."""
        if self.v1_after is None:
            return None
        return (self.v1_after - self.v2_output).abs().max().item()


def copy_v2_weights_into_v1(
    sa_v1: SelfAttention_v1,
    sa_v2: SelfAttention_v2,
    inputs: torch.Tensor,
    transpose: bool = True,
) -> WeightCopy:
    """Exercise 3.1: give v1 the weights of v2 and run both on ``inputs``.

        sa_v1.W_query = nn.Parameter(sa_v2.W_query.weight.T)    (and W_key, W_value)

    v2 stores each weight as (d_out, d_in) and computes x @ weight.T; v1 computes x @ W with
    W of shape (d_in, d_out), so the copy must be transposed. Untransposed, ``inputs @ W``
    fails unless d_in = d_out (then it runs, with other matrices). A copy of ``sa_v1``
    receives the weights: the module passed in is unchanged.

    Shapes:
        inputs: (num_tokens, d_in) -> outputs (num_tokens, d_out)
    """
    check_inputs(inputs)
    with torch.no_grad():
        v1_before = sa_v1(inputs)
        v2_output = sa_v2(inputs)
        receiver = copy.deepcopy(sa_v1)
        copied = []
        for name in ("W_query", "W_key", "W_value"):
            weight = getattr(sa_v2, name).weight.detach().clone()  # (d_out, d_in)
            given = weight.T if transpose else weight  # (d_in, d_out) or (d_out, d_in)
            setattr(receiver, name, nn.Parameter(given))
            copied.append(given)
        try:
            v1_after, error = receiver(inputs), ""
        except RuntimeError as failure:  # the shapes do not fit: x @ W is undefined
            v1_after, error = None, str(failure)
    W_query, W_key, W_value = copied
    return WeightCopy(transpose, v1_before, v2_output, (W_query, W_key, W_value), v1_after, error)
