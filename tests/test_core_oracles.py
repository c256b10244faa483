"""Oracles: the core against PyTorch's own implementations and hand-written loops.

Also the "no global RNG" contract: seeded helpers must reproduce ``torch.manual_seed(seed)``
exactly while leaving the global generator untouched.
"""

import math

import pytest
import torch
from torch import nn

from attention import (
    BOOK_INPUTS,
    MultiHeadAttention,
    bahdanau_attention,
    causal_mask,
    dropout_mask,
    init_qkv_weights,
    multihead_trace,
    self_attention,
    simplified_self_attention,
    softmax_saturation,
)

ATOL = 1e-5
sdpa = torch.nn.functional.scaled_dot_product_attention

# (num_tokens, d_in, d_out, seed): a spread of random shapes, including 1 token and 1 dim
SHAPES = [
    (1, 1, 1, 0),
    (1, 4, 3, 1),
    (2, 3, 2, 2),
    (5, 1, 7, 3),
    (6, 3, 2, 4),
    (7, 8, 5, 5),
    (9, 16, 16, 6),
    (13, 5, 11, 7),
    (16, 32, 8, 8),
]


def rand(gen: torch.Generator, *shape: int) -> torch.Tensor:
    """Uniform in [-1, 1)."""
    return torch.rand(*shape, generator=gen) * 2 - 1


def make_case(num_tokens: int, d_in: int, d_out: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    inputs = rand(gen, num_tokens, d_in)
    weights = [rand(gen, d_in, d_out) for _ in range(3)]
    return inputs, weights


def assert_close(actual: torch.Tensor, expected: torch.Tensor, atol: float = ATOL) -> None:
    torch.testing.assert_close(actual.detach(), expected.detach(), atol=atol, rtol=0)


class GlobalRngUntouched:
    """Seed the global RNG with an unusual seed, then check it is unchanged on exit."""

    def __enter__(self):
        self._fork = torch.random.fork_rng()
        self._fork.__enter__()
        torch.manual_seed(987_654)
        torch.rand(3)  # move away from a freshly seeded state
        self.before = torch.get_rng_state().clone()
        return self

    def __exit__(self, *exc):
        try:
            if exc[0] is None:
                assert torch.equal(torch.get_rng_state(), self.before), "global RNG was used"
        finally:
            self._fork.__exit__(*exc)
        return False


# -------------------------------------------------------------------- seeded, but locally
@pytest.mark.parametrize(("d_in", "d_out", "seed"), [(3, 2, 123), (1, 1, 0), (8, 5, 789)])
def test_init_qkv_weights_equals_manual_seed(d_in, d_out, seed):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        expected = [torch.rand(d_in, d_out) for _ in range(3)]
    with GlobalRngUntouched():
        actual = init_qkv_weights(d_in, d_out, seed)
    assert len(actual) == 3
    for a, e in zip(actual, expected, strict=True):
        assert torch.equal(a, e)


@pytest.mark.parametrize("qkv_bias", [False, True])
@pytest.mark.parametrize(
    ("d_in", "d_out", "num_heads", "seed"), [(3, 2, 2, 123), (5, 12, 4, 7), (16, 8, 1, 0)]
)
def test_from_seed_equals_manual_seed_constructor(d_in, d_out, num_heads, seed, qkv_bias):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        expected = MultiHeadAttention(d_in, d_out, 6, 0.1, num_heads, qkv_bias=qkv_bias)
    with GlobalRngUntouched():
        actual = MultiHeadAttention.from_seed(d_in, d_out, 6, 0.1, num_heads, seed, qkv_bias)
    e, a = expected.state_dict(), actual.state_dict()
    assert list(a) == list(e)
    for key in e:
        assert a[key].dtype == e[key].dtype, key
        assert torch.equal(a[key], e[key]), key
    assert actual.dropout.p == 0.1
    assert (actual.num_heads, actual.head_dim) == (num_heads, d_out // num_heads)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_self_attention_dropout_is_local_and_matches_nn_dropout(p):
    inputs, weights = make_case(7, 4, 3, seed=11)
    with GlobalRngUntouched():
        trace = self_attention(inputs, *weights, causal=True, dropout=p, seed=42)
        again = self_attention(inputs, *weights, causal=True, dropout=p, seed=42)
    assert torch.equal(trace.dropped_weights, again.dropped_weights)
    assert torch.equal(trace.dropout_mask, dropout_mask((7, 7), p, 42))
    with torch.random.fork_rng():
        torch.manual_seed(42)
        expected = nn.Dropout(p)(trace.attn_weights)
    assert_close(trace.dropped_weights, expected)
    assert_close(trace.context_vecs, expected @ trace.values)


def test_self_attention_dropout_default_seed_is_123():
    inputs, weights = make_case(6, 3, 2, seed=1)
    default = self_attention(inputs, *weights, dropout=0.5)
    assert torch.equal(default.dropout_mask, dropout_mask((6, 6), 0.5, 123))
    other = self_attention(inputs, *weights, dropout=0.5, seed=5)
    assert not torch.equal(default.dropout_mask, other.dropout_mask)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_multihead_trace_dropout_is_local_and_matches_forward(p):
    inputs, _ = make_case(6, 5, 4, seed=3)
    mha = MultiHeadAttention.from_seed(5, 4, 8, p, num_heads=2, seed=9)
    with GlobalRngUntouched():
        trace = multihead_trace(mha, inputs, dropout_seed=77)
    mask = dropout_mask((1, 2, 6, 6), p, 77)[0]
    assert_close(trace.dropped_weights, trace.attn_weights.masked_fill(mask, 0.0) / (1 - p))
    mha.train()
    with torch.random.fork_rng(), torch.no_grad():
        torch.manual_seed(77)
        expected = mha(inputs.unsqueeze(0))[0]
    assert_close(trace.context_vecs, expected)


def test_softmax_saturation_leaves_global_rng_alone():
    with GlobalRngUntouched():
        first = softmax_saturation(16, scaled=False, num_queries=32, seed=5)
        second = softmax_saturation(16, scaled=False, num_queries=32, seed=5)
    assert first == second


# ------------------------------------------------------------------------ multihead_trace
@pytest.mark.parametrize("qkv_bias", [False, True])
@pytest.mark.parametrize(
    ("num_tokens", "d_in", "d_out", "num_heads", "seed"),
    [(1, 3, 2, 2, 0), (6, 3, 2, 2, 123), (5, 7, 12, 3, 1), (8, 4, 8, 8, 2), (10, 16, 16, 4, 3)],
)
def test_multihead_trace_equals_forward(num_tokens, d_in, d_out, num_heads, seed, qkv_bias):
    inputs, _ = make_case(num_tokens, d_in, 1, seed)
    mha = MultiHeadAttention.from_seed(d_in, d_out, 10, 0.0, num_heads, seed, qkv_bias)
    trace = multihead_trace(mha, inputs)
    with torch.no_grad():
        expected = mha(inputs.unsqueeze(0))[0]
    assert_close(trace.context_vecs, expected)

    H, h, n = num_heads, d_out // num_heads, num_tokens
    assert (trace.num_heads, trace.head_dim) == (H, h)
    assert trace.attn_weights.shape == (H, n, n)
    assert_close(trace.attn_weights.sum(-1), torch.ones(H, n))
    assert torch.equal(trace.mask, causal_mask(n))
    assert torch.all(trace.attn_weights[:, trace.mask] == 0)
    assert torch.equal(trace.head_queries, trace.queries.view(n, H, h).transpose(0, 1))
    assert torch.equal(trace.head_keys, trace.keys.view(n, H, h).transpose(0, 1))
    assert torch.equal(trace.head_values, trace.values.view(n, H, h).transpose(0, 1))
    assert_close(trace.concat_context, trace.head_context.transpose(0, 1).reshape(n, d_out))
    assert dict(trace.shapes) == {
        "inputs": (n, d_in),
        "batch of one: x": (1, n, d_in),
        "queries = W_query(x)": (1, n, d_out),
        "view -> (b, n, num_heads, head_dim)": (1, n, H, h),
        "transpose(1, 2) -> (b, num_heads, n, head_dim)": (1, H, n, h),
        "attn_scores = queries @ keys.transpose(2, 3)": (1, H, n, n),
        "attn_weights @ values": (1, H, n, h),
        "transpose(1, 2) + view -> (b, n, d_out)": (1, n, d_out),
        "out_proj": (1, n, d_out),
    }
    labels = [label for label, _ in trace.shapes]
    assert (labels[0], labels[-1]) == ("inputs", "out_proj")  # in the order they happen


@pytest.mark.parametrize(
    ("num_tokens", "d_in", "d_out", "num_heads"), [(6, 3, 2, 2), (7, 5, 12, 3)]
)
def test_each_head_is_a_causal_self_attention(num_tokens, d_in, d_out, num_heads):
    """Head i of the weight-split module is single-head attention on a column slice."""
    inputs, _ = make_case(num_tokens, d_in, 1, seed=21)
    mha = MultiHeadAttention.from_seed(d_in, d_out, num_tokens, 0.0, num_heads, seed=4)
    trace = multihead_trace(mha, inputs)
    h = d_out // num_heads
    for head in range(num_heads):
        cols = slice(head * h, (head + 1) * h)
        single = self_attention(
            inputs,
            mha.W_query.weight.detach().T[:, cols],
            mha.W_key.weight.detach().T[:, cols],
            mha.W_value.weight.detach().T[:, cols],
            causal=True,
        )
        assert_close(trace.attn_weights[head], single.attn_weights)
        assert_close(trace.head_context[head], single.context_vecs)


# --------------------------------------------------------- scaled_dot_product_attention
@pytest.mark.parametrize(("num_tokens", "d_in", "d_out", "seed"), SHAPES)
def test_self_attention_equals_sdpa(num_tokens, d_in, d_out, seed):
    inputs, weights = make_case(num_tokens, d_in, d_out, seed)
    trace = self_attention(inputs, *weights)
    q, k, v = (inputs @ w for w in weights)
    assert_close(trace.context_vecs, sdpa(q, k, v))


@pytest.mark.parametrize(("num_tokens", "d_in", "d_out", "seed"), SHAPES)
def test_causal_self_attention_equals_sdpa_is_causal(num_tokens, d_in, d_out, seed):
    inputs, weights = make_case(num_tokens, d_in, d_out, seed)
    trace = self_attention(inputs, *weights, causal=True)
    q, k, v = (inputs @ w for w in weights)
    assert_close(trace.context_vecs, sdpa(q, k, v, is_causal=True))


@pytest.mark.parametrize(("num_tokens", "d_in", "d_out", "seed"), SHAPES)
def test_book_mask_inverted_is_sdpa_attn_mask(num_tokens, d_in, d_out, seed):
    """The book's mask is True where *hidden*; SDPA's boolean mask is True where *attended*."""
    inputs, weights = make_case(num_tokens, d_in, d_out, seed)
    trace = self_attention(inputs, *weights, causal=True)
    q, k, v = (inputs @ w for w in weights)
    mask = causal_mask(num_tokens)
    expected = sdpa(q, k, v, attn_mask=~mask)
    assert_close(trace.context_vecs, expected)
    if num_tokens > 1:  # passing the book's mask unchanged gives a different answer
        wrong = sdpa(q, k, v, attn_mask=mask)
        assert not torch.allclose(trace.context_vecs[:-1], wrong[:-1], atol=1e-3)


@pytest.mark.parametrize(("num_tokens", "d_in", "d_out", "seed"), SHAPES)
def test_unscaled_self_attention_equals_sdpa_scale_one(num_tokens, d_in, d_out, seed):
    inputs, weights = make_case(num_tokens, d_in, d_out, seed)
    q, k, v = (inputs @ w for w in weights)
    for causal in (False, True):
        trace = self_attention(inputs, *weights, scaled=False, causal=causal)
        expected = sdpa(q, k, v, is_causal=causal, scale=1.0)
        assert_close(trace.context_vecs, expected)


def test_self_attention_with_value_dim_different_from_key_dim():
    inputs, (W_query, W_key, _) = make_case(5, 4, 3, seed=8)
    W_value = rand(torch.Generator().manual_seed(1), 4, 6)
    trace = self_attention(inputs, W_query, W_key, W_value, causal=True)
    q, k, v = inputs @ W_query, inputs @ W_key, inputs @ W_value
    assert trace.context_vecs.shape == (5, 6)
    assert trace.d_k == 3
    assert_close(trace.context_vecs, sdpa(q, k, v, is_causal=True))


@pytest.mark.parametrize(("num_tokens", "d_in", "_d_out", "seed"), SHAPES)
def test_simplified_is_self_attention_with_identity_weights(num_tokens, d_in, _d_out, seed):
    inputs, _ = make_case(num_tokens, d_in, 1, seed)
    eye = torch.eye(d_in)
    simplified = simplified_self_attention(inputs)
    general = self_attention(inputs, eye, eye, eye, scaled=False)
    assert_close(simplified.attn_weights, general.attn_weights)
    assert_close(simplified.context_vecs, general.context_vecs)
    # and against SDPA with no scaling
    expected = sdpa(inputs, inputs, inputs, scale=1.0)
    assert_close(simplified.context_vecs, expected)


def test_simplified_equals_the_books_loops():
    inputs, _ = make_case(5, 3, 1, seed=13)
    trace = simplified_self_attention(inputs)
    n = inputs.shape[0]
    for i in range(n):
        scores = torch.tensor([float(torch.dot(inputs[i], inputs[j])) for j in range(n)])
        exp = [math.exp(s) for s in scores.tolist()]
        weights = torch.tensor([e / sum(exp) for e in exp])
        context = sum(weights[j] * inputs[j] for j in range(n))
        assert_close(trace.attn_scores[i], scores)
        assert_close(trace.attn_weights[i], weights)
        assert_close(trace.context_vecs[i], context)


# ------------------------------------------------------------------ nn.MultiheadAttention
@pytest.mark.parametrize("qkv_bias", [False, True])
@pytest.mark.parametrize(
    ("num_tokens", "d_model", "num_heads", "seed"),
    [(1, 2, 1, 0), (6, 4, 2, 1), (7, 6, 3, 2), (9, 8, 8, 3), (12, 16, 4, 4)],
)
def test_multihead_equals_torch_multihead_attention(num_tokens, d_model, num_heads, seed, qkv_bias):
    inputs, _ = make_case(num_tokens, d_model, 1, seed)
    ours = MultiHeadAttention.from_seed(d_model, d_model, 12, 0.0, num_heads, seed, qkv_bias)
    theirs = nn.MultiheadAttention(d_model, num_heads, dropout=0.0, bias=True, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(
            torch.cat([ours.W_query.weight, ours.W_key.weight, ours.W_value.weight])
        )
        if qkv_bias:
            theirs.in_proj_bias.copy_(
                torch.cat([ours.W_query.bias, ours.W_key.bias, ours.W_value.bias])
            )
        else:
            theirs.in_proj_bias.zero_()
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)

        x = torch.stack([inputs, inputs.flip(0)])  # a batch of two different sequences
        mask = causal_mask(num_tokens)  # bool, True = not allowed to attend: same as the book
        expected, avg_weights = theirs(x, x, x, attn_mask=mask, need_weights=True)
        actual = ours(x)
        assert_close(actual, expected)
        float_mask = torch.zeros(num_tokens, num_tokens).masked_fill(mask, -math.inf)
        expected_float, _ = theirs(x, x, x, attn_mask=float_mask, need_weights=False)
        assert_close(actual, expected_float)

    trace = multihead_trace(ours, inputs)
    assert_close(trace.context_vecs, expected[0])
    assert_close(trace.attn_weights.mean(0), avg_weights[0])


# -------------------------------------------------------------------- Bahdanau (additive)
def bahdanau_loop(s_prev, encoder_states, W_a, U_a, v_a):
    """e_j = v_a . tanh(s_prev @ W_a + h_j @ U_a), one j at a time (row-vector convention)."""
    energies = torch.stack([v_a @ torch.tanh(s_prev @ W_a + h_j @ U_a) for h_j in encoder_states])
    exp = torch.exp(energies - energies.max())
    weights = exp / exp.sum()
    context = sum(w * h_j for w, h_j in zip(weights, encoder_states, strict=True))
    return energies, weights, context


@pytest.mark.parametrize(
    ("T", "d_dec", "d_enc", "d_attn", "seed"),
    [(1, 1, 1, 1, 0), (4, 3, 5, 2, 1), (6, 8, 8, 8, 2), (10, 4, 6, 16, 3), (3, 7, 2, 5, 4)],
)
def test_bahdanau_equals_loop(T, d_dec, d_enc, d_attn, seed):
    gen = torch.Generator().manual_seed(seed)
    s_prev, states = rand(gen, d_dec) * 2, rand(gen, T, d_enc) * 2
    W_a, U_a, v_a = rand(gen, d_dec, d_attn), rand(gen, d_enc, d_attn), rand(gen, d_attn)
    trace = bahdanau_attention(s_prev, states, W_a, U_a, v_a)
    energies, weights, context = bahdanau_loop(s_prev, states, W_a, U_a, v_a)
    assert trace.energies.shape == (T,)
    assert_close(trace.energies, energies)
    assert_close(trace.attn_weights, weights)
    assert_close(trace.context_vec, context)


def test_bahdanau_uses_row_vector_convention():
    """With a non-square W_a, only s_prev @ W_a is defined; W_a @ s_prev would not be."""
    gen = torch.Generator().manual_seed(0)
    s_prev, states = rand(gen, 3), rand(gen, 4, 2)
    W_a, U_a, v_a = rand(gen, 3, 5), rand(gen, 2, 5), rand(gen, 5)
    trace = bahdanau_attention(s_prev, states, W_a, U_a, v_a)
    energies, _, _ = bahdanau_loop(s_prev, states, W_a, U_a, v_a)
    assert_close(trace.energies, energies)
    # square W_a: the transposed convention gives different energies
    W_sq, U_sq = rand(gen, 3, 3), rand(gen, 2, 3)
    v_sq = rand(gen, 3)
    ours = bahdanau_attention(s_prev, states, W_sq, U_sq, v_sq).energies
    transposed = torch.stack([v_sq @ torch.tanh(W_sq @ s_prev + h @ U_sq) for h in states])
    assert not torch.allclose(ours, transposed, atol=1e-4)


def test_bahdanau_batched_equals_loop_per_item():
    gen = torch.Generator().manual_seed(5)
    B, T, d_dec, d_enc, d_attn = 3, 5, 4, 6, 7
    s_prev, states = rand(gen, B, d_dec), rand(gen, B, T, d_enc)
    W_a, U_a, v_a = rand(gen, d_dec, d_attn), rand(gen, d_enc, d_attn), rand(gen, d_attn)
    trace = bahdanau_attention(s_prev, states, W_a, U_a, v_a)
    assert trace.energies.shape == (B, T)
    assert trace.context_vec.shape == (B, d_enc)
    for b in range(B):
        energies, weights, context = bahdanau_loop(s_prev[b], states[b], W_a, U_a, v_a)
        assert_close(trace.energies[b], energies)
        assert_close(trace.attn_weights[b], weights)
        assert_close(trace.context_vec[b], context)


def test_book_inputs_oracle_smoke():
    """The book's sentence through SDPA: the simplified context vectors of section 3.3."""
    expected = sdpa(BOOK_INPUTS, BOOK_INPUTS, BOOK_INPUTS, scale=1.0)
    assert_close(simplified_self_attention(BOOK_INPUTS).context_vecs, expected)
