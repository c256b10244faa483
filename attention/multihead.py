"""Section 3.6: multi-head attention, first as a stack of heads, then with weight splits.

3.6.1, ``MultiHeadAttentionWrapper``: num_heads separate ``CausalAttention`` heads, each of
output size d_out, their context vectors concatenated: d_out * num_heads columns.

3.6.2, ``MultiHeadAttention``: one projection of size d_out, split into num_heads heads of
head_dim = d_out / num_heads columns; each head h attends with its own slice:

    head_h = softmax(mask(Q_h K_h^T) / sqrt(head_dim)) V_h
    MultiHead(X) = concat(head_1, ..., head_H) W_out + b_out

So d_out means "per head" in the wrapper and "all heads together" in MultiHeadAttention.
"""

from dataclasses import dataclass

import torch
from torch import nn

from attention.causal import CausalAttention, book_batch, seed_linear_layers
from attention.self_attention import (
    BOOK_DROPOUT_SEED,
    apply_causal_mask,
    apply_dropout,
    dropout_mask,
    scale_scores,
)
from attention.validation import check_dropout, check_inputs, check_scores


def check_heads(d_out: int, num_heads: int) -> None:
    """d_out is split evenly over the heads, so it must be a multiple of num_heads."""
    if num_heads < 1:
        raise ValueError(f"num_heads must be at least 1, got {num_heads}.")
    if d_out % num_heads != 0:
        raise ValueError(
            f"d_out ({d_out}) must be divisible by num_heads ({num_heads}): each head gets "
            f"head_dim = d_out / num_heads dimensions."
        )


#: What the book's notebook prints in section 3.6 (4 decimals), and the exercise solutions'
#: answer to 3.3 (rasbt/LLMs-from-scratch, ch03/01_main-chapter-code/). The 3.6.2 output is
#: ``attention.data.BOOK_PRINTED["multihead.context_vecs"]``.
BOOK_PRINTED_MULTIHEAD: dict[str, tuple[tuple[float, ...], ...]] = {
    # 3.6.1: MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=2) after torch.manual_seed(123),
    # on the batch of two copies: each copy prints these (6, 4) context vectors
    "wrapper_context_vecs": (
        (-0.4519, 0.2216, 0.4772, 0.1063),
        (-0.5874, 0.0058, 0.5891, 0.3257),
        (-0.6300, -0.0632, 0.6202, 0.3860),
        (-0.5675, -0.0843, 0.5478, 0.3589),
        (-0.5526, -0.0981, 0.5321, 0.3428),
        (-0.5299, -0.1081, 0.5077, 0.3493),
    ),
}
#: Exercise 3.3's answer: MultiHeadAttention(768, 768, 1024, 0.0, 12) has 2,360,064 parameters.
BOOK_GPT2_MHA_PARAMETERS: int = 2_360_064
#: Exercise 3.3's sizes: GPT-2 (small).
GPT2_SIZES: dict[str, int] = {"d_in": 768, "d_out": 768, "num_heads": 12, "context_length": 1024}


class MultiHeadAttentionWrapper(nn.Module):
    """The book's ``MultiHeadAttentionWrapper`` (3.6.1): num_heads ``CausalAttention`` heads,
    run one after another, their outputs concatenated along the last dimension.

    Each head has its own W_query, W_key, W_value of output size d_out, so the result has
    d_out * num_heads columns (``MultiHeadAttention`` instead splits d_out over the heads).

    Shapes:
        x: (b, num_tokens, d_in) -> context_vec: (b, num_tokens, d_out * num_heads)
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        num_heads: int,
        qkv_bias: bool = False,
        device: torch.device | str | None = None,  # not in the book; see from_seed
    ) -> None:
        super().__init__()
        if num_heads < 1:
            raise ValueError(f"num_heads must be at least 1, got {num_heads}.")
        self.heads = nn.ModuleList(
            [
                CausalAttention(d_in, d_out, context_length, dropout, qkv_bias, device=device)
                for _ in range(num_heads)
            ]
        )

    @classmethod
    def from_seed(
        cls,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        num_heads: int,
        seed: int,
        qkv_bias: bool = False,
    ) -> "MultiHeadAttentionWrapper":
        """The module ``torch.manual_seed(seed)`` then the constructor would give, locally:
        head 1's W_query, W_key, W_value, then head 2's, ... from one generator."""
        wrapper = cls(d_in, d_out, context_length, dropout, num_heads, qkv_bias, device="meta")
        generator = torch.Generator().manual_seed(int(seed))
        for head in wrapper.heads:
            head.seed_from(generator)
        return wrapper

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # num_heads times (b, num_tokens, d_out) -> (b, num_tokens, d_out * num_heads)
        return torch.cat([head(x) for head in self.heads], dim=-1)


class MultiHeadAttention(nn.Module):
    """The chapter's ``MultiHeadAttention``: causal, with dropout, heads split by ``view``.

    Built in the book's order (W_query, W_key, W_value, out_proj), so that after
    ``torch.manual_seed(123)`` it holds the book's parameters. The app uses
    :meth:`from_seed` instead, which never touches the global RNG.

    Shapes:
        x: (b, num_tokens, d_in) -> context_vec: (b, num_tokens, d_out)
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        num_heads: int,
        qkv_bias: bool = False,
        device: torch.device | str | None = None,  # not in the book; see from_seed
    ) -> None:
        super().__init__()
        check_heads(d_out, num_heads)
        check_dropout(dropout)
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads  # reduce the projection dim to match desired output dim
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias, device=device)
        self.out_proj = nn.Linear(d_out, d_out, device=device)  # combines the head outputs
        self.dropout = nn.Dropout(dropout)
        self.register_buffer(
            "mask", torch.triu(torch.ones(context_length, context_length), diagonal=1)
        )

    @classmethod
    def from_seed(
        cls,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        num_heads: int,
        seed: int,
        qkv_bias: bool = False,
    ) -> "MultiHeadAttention":
        """Build the module with the parameters ``torch.manual_seed(seed)`` would give, locally.

        The layers are created on the meta device (no random numbers drawn), then each
        ``nn.Linear`` gets CPU parameters initialised as PyTorch does,
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)), from a local generator, in the order the
        constructor creates them (``seed_linear_layers``).
        """
        mha = cls(d_in, d_out, context_length, dropout, num_heads, qkv_bias, device="meta")
        generator = torch.Generator().manual_seed(int(seed))
        seed_linear_layers((mha.W_query, mha.W_key, mha.W_value, mha.out_proj), generator)
        return mha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, num_tokens, _d_in = x.shape  # the book names it d_in
        keys = self.W_key(x)  # (b, num_tokens, d_in) -> (b, num_tokens, d_out)
        queries = self.W_query(x)
        values = self.W_value(x)

        # (b, num_tokens, d_out) -> (b, num_tokens, num_heads, head_dim)
        keys = keys.view(b, num_tokens, self.num_heads, self.head_dim)
        values = values.view(b, num_tokens, self.num_heads, self.head_dim)
        queries = queries.view(b, num_tokens, self.num_heads, self.head_dim)

        # (b, num_tokens, num_heads, head_dim) -> (b, num_heads, num_tokens, head_dim)
        keys = keys.transpose(1, 2)
        queries = queries.transpose(1, 2)
        values = values.transpose(1, 2)

        # (b, num_heads, num_tokens, head_dim) @ (b, num_heads, head_dim, num_tokens)
        # -> (b, num_heads, num_tokens, num_tokens)
        attn_scores = queries @ keys.transpose(2, 3)
        mask_bool = self.mask.bool()[:num_tokens, :num_tokens]
        attn_scores.masked_fill_(mask_bool, -torch.inf)

        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)

        # (b, num_heads, num_tokens, head_dim) -> (b, num_tokens, num_heads, head_dim)
        context_vec = (attn_weights @ values).transpose(1, 2)
        # (b, num_tokens, num_heads, head_dim) -> (b, num_tokens, d_out)
        context_vec = context_vec.contiguous().view(b, num_tokens, self.d_out)
        return self.out_proj(context_vec)  # optional projection


@dataclass(frozen=True)
class MultiHeadTrace:
    """Every intermediate of one multi-head pass over a single sequence (batch of 1), for display.

    Shapes (n = num_tokens, H = num_heads, h = head_dim, d_out = H * h):
        queries, keys, values: (n, d_out) before the split
        head_queries, head_keys, head_values: (H, n, h) after view + transpose
        attn_scores: (H, n, n) raw; masked_scores: (H, n, n), -inf above the diagonal (the
            book masks the raw scores); scaled_scores = masked_scores / sqrt(head_dim)
        mask: (n, n) bool, True = hidden
        attn_weights, dropped_weights: (H, n, n); dropout_mask: (H, n, n) bool or None
        head_context: (H, n, h); concat_context: (n, d_out); context_vecs: (n, d_out)
        shapes: the shape after each reshape, in order, as (label, shape) pairs
    """

    num_heads: int
    head_dim: int
    queries: torch.Tensor
    keys: torch.Tensor
    values: torch.Tensor
    head_queries: torch.Tensor
    head_keys: torch.Tensor
    head_values: torch.Tensor
    attn_scores: torch.Tensor
    mask: torch.Tensor
    masked_scores: torch.Tensor
    scaled_scores: torch.Tensor
    attn_weights: torch.Tensor
    dropout_mask: torch.Tensor | None
    dropped_weights: torch.Tensor
    head_context: torch.Tensor
    concat_context: torch.Tensor
    context_vecs: torch.Tensor
    shapes: tuple[tuple[str, tuple[int, ...]], ...]


@torch.no_grad()
def multihead_trace(
    mha: MultiHeadAttention, inputs: torch.Tensor, dropout_seed: int = BOOK_DROPOUT_SEED
) -> MultiHeadTrace:
    """Run ``mha`` step by step on one sequence and keep every intermediate.

    The same steps as ``mha.forward`` (tested against it), each through the core's named
    function: ``apply_causal_mask``, ``scale_scores``, softmax, ``apply_dropout``, with the
    dropout pattern drawn from a local generator seeded ``dropout_seed`` (never the global RNG).

    Shapes:
        inputs: (num_tokens, d_in) -> context_vecs: (num_tokens, d_out)
    """
    check_inputs(inputs)
    if inputs.shape[1] != mha.W_query.in_features:
        raise ValueError(
            f"inputs have d_in = {inputs.shape[1]}, but the module expects d_in = "
            f"{mha.W_query.in_features}."
        )
    x = inputs.unsqueeze(0)  # (n, d_in) -> (b=1, n, d_in)
    b, n, _ = x.shape
    if n > mha.mask.shape[0]:
        raise ValueError(
            f"{n} tokens exceed context_length = {mha.mask.shape[0]}: the mask buffer is "
            f"({mha.mask.shape[0]}, {mha.mask.shape[0]}) and the [:n, :n] slice cannot grow."
        )
    H, h = mha.num_heads, mha.head_dim
    queries = mha.W_query(x)  # (1, n, d_in) -> (1, n, d_out)
    keys = mha.W_key(x)  # (1, n, d_in) -> (1, n, d_out)
    values = mha.W_value(x)  # (1, n, d_in) -> (1, n, d_out)
    # (1, n, d_out) -> (1, n, H, h) -> (1, H, n, h)
    head_queries = queries.view(b, n, H, h).transpose(1, 2)
    head_keys = keys.view(b, n, H, h).transpose(1, 2)
    head_values = values.view(b, n, H, h).transpose(1, 2)
    # (1, H, n, h) @ (1, H, h, n) -> (1, H, n, n)
    attn_scores = head_queries @ head_keys.transpose(2, 3)
    check_scores("attention scores", attn_scores)
    mask = mha.mask.bool()[:n, :n]  # the buffer, cut to this sequence: (n, n)
    masked_scores = apply_causal_mask(attn_scores, mask)  # (1, H, n, n), -inf above the diagonal
    scaled_scores = scale_scores(masked_scores, h)  # each head scales by sqrt(head_dim)
    attn_weights = torch.softmax(scaled_scores, dim=-1)  # (1, H, n, n), rows sum to 1
    p = mha.dropout.p
    drop = dropout_mask(attn_weights.shape, p, dropout_seed) if p > 0 else None
    dropped = apply_dropout(attn_weights, drop, p) if p > 0 else attn_weights
    head_context = dropped @ head_values  # (1, H, n, n) @ (1, H, n, h) -> (1, H, n, h)
    # (1, H, n, h) -> (1, n, H, h) -> (1, n, d_out)
    concat = head_context.transpose(1, 2).contiguous().view(b, n, mha.d_out)
    context_vecs = mha.out_proj(concat)  # (1, n, d_out) -> (1, n, d_out)
    shapes = (
        ("inputs", (n, inputs.shape[1])),
        ("batch of one: x", tuple(x.shape)),
        ("queries = W_query(x)", tuple(queries.shape)),
        ("view -> (b, n, num_heads, head_dim)", (b, n, H, h)),
        ("transpose(1, 2) -> (b, num_heads, n, head_dim)", tuple(head_queries.shape)),
        ("attn_scores = queries @ keys.transpose(2, 3)", tuple(attn_scores.shape)),
        ("attn_weights @ values", tuple(head_context.shape)),
        ("transpose(1, 2) + view -> (b, n, d_out)", tuple(concat.shape)),
        ("out_proj", tuple(context_vecs.shape)),
    )
    return MultiHeadTrace(
        H, h, queries[0], keys[0], values[0], head_queries[0], head_keys[0], head_values[0],
        attn_scores[0], mask, masked_scores[0], scaled_scores[0], attn_weights[0],
        None if drop is None else drop[0], dropped[0], head_context[0], concat[0],
        context_vecs[0], shapes,
    )  # fmt: skip


@dataclass(frozen=True)
class WrapperComparison:
    """The wrapper and ``MultiHeadAttention`` with the same (d_in, d_out, num_heads), built
    from the same seed, on the book's batch.

    Shapes (b = 2 copies, n = num_tokens, H = num_heads):
        wrapper_out: (b, n, d_out * H); mha_out: (b, n, d_out)
        first_head: (b, n, d_out), ``CausalAttention.from_seed`` with the same seed: it draws
            exactly what the wrapper's first head draws
        wrapper_head_dim = d_out (each head's key size), mha_head_dim = d_out / H
        scaling_gap: the largest |score - score / sqrt(mha_head_dim)| over the visible scores
            of ``MultiHeadAttention``'s heads (0 when head_dim = 1: scaling does nothing)
        wrapper_parameters, mha_parameters: how many numbers each module trains
    """

    wrapper_out: torch.Tensor
    mha_out: torch.Tensor
    first_head: torch.Tensor
    first_head_gap: float
    num_heads: int
    wrapper_head_dim: int
    mha_head_dim: int
    scaling_gap: float
    wrapper_parameters: int
    mha_parameters: int


def parameter_total(module: nn.Module) -> int:
    """The book's ``count_parameters``: the trainable numbers, buffers not included."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


@torch.no_grad()
def compare_wrapper_and_multihead(
    inputs: torch.Tensor, d_out: int, num_heads: int, seed: int = 123
) -> WrapperComparison:
    """Section 3.6: the stacked heads against the split heads, on one input.

    wrapper:  concat_h softmax(mask(X W_q,h (X W_k,h)^T) / sqrt(d_out)) X W_v,h   (d_out * H)
    MHA:      concat_h softmax(mask(Q_h K_h^T) / sqrt(d_out / H)) V_h, then out_proj (d_out)

    Shapes:
        inputs: (num_tokens, d_in); context_length = num_tokens, dropout 0 (as in the book)
    """
    check_heads(d_out, num_heads)
    batch = book_batch(inputs)  # (2, n, d_in)
    n, d_in = inputs.shape
    wrapper = MultiHeadAttentionWrapper.from_seed(d_in, d_out, n, 0.0, num_heads, seed)
    mha = MultiHeadAttention.from_seed(d_in, d_out, n, 0.0, num_heads, seed)
    first = CausalAttention.from_seed(d_in, d_out, n, 0.0, seed)
    wrapper_out = wrapper(batch)  # (2, n, d_out * H)
    first_head = first(batch)  # (2, n, d_out)
    trace = multihead_trace(mha, inputs)
    visible = ~trace.mask  # (n, n): the scores softmax sees
    gap = (trace.masked_scores - trace.scaled_scores)[:, visible].abs().max().item()
    return WrapperComparison(
        wrapper_out=wrapper_out,
        mha_out=mha(batch),
        first_head=first_head,
        first_head_gap=(wrapper_out[..., :d_out] - first_head).abs().max().item(),
        num_heads=num_heads,
        wrapper_head_dim=d_out,
        mha_head_dim=mha.head_dim,
        scaling_gap=gap,
        wrapper_parameters=parameter_total(wrapper),
        mha_parameters=parameter_total(mha),
    )


@dataclass(frozen=True)
class ParameterCount:
    """Where a ``MultiHeadAttention``'s numbers sit, counted without allocating them.

    parameters: (name, shape, count) per trainable tensor, in ``named_parameters`` order
    buffers: (name, shape, count) per buffer (the mask: saved with the model, not trained)
    total: the book's ``count_parameters(mha)``; buffer_total: numbers in buffers
    """

    parameters: tuple[tuple[str, tuple[int, ...], int], ...]
    buffers: tuple[tuple[str, tuple[int, ...], int], ...]
    total: int
    buffer_total: int


def count_parameters(
    d_in: int,
    d_out: int,
    context_length: int,
    num_heads: int,
    qkv_bias: bool = False,
) -> ParameterCount:
    """Exercise 3.3: build the book's ``MultiHeadAttention`` on the meta device and count.

    total = 3 (d_in d_out [+ d_out if qkv_bias]) + d_out d_out + d_out     (W_q, W_k, W_v, out_proj)

    On the meta device tensors have shapes but no storage: a GPT-2 sized module (and its
    (1024, 1024) mask) costs no memory and draws no random numbers.
    """
    check_heads(d_out, num_heads)
    if d_in < 1 or d_out < 1 or context_length < 1:
        raise ValueError("d_in, d_out and context_length must be at least 1.")
    with torch.device("meta"):  # every tensor made inside, the mask included, has no storage
        mha = MultiHeadAttention(d_in, d_out, context_length, 0.0, num_heads, qkv_bias)
    parameters = tuple((n, tuple(p.shape), p.numel()) for n, p in mha.named_parameters())
    buffers = tuple((n, tuple(b.shape), b.numel()) for n, b in mha.named_buffers())
    return ParameterCount(
        parameters=parameters,
        buffers=buffers,
        total=parameter_total(mha),
        buffer_total=sum(count for _, _, count in buffers),
    )
