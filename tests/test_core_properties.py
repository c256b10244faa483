"""Properties that hold for every input, checked with hypothesis on random shapes and values."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention import (
    MultiHeadAttention,
    apply_dropout,
    dropout_mask,
    multihead_trace,
    saturation_sweep,
    scale_scores,
    self_attention,
    simplified_self_attention,
    softmax_saturation,
    softmax_with_temperature,
)

ATOL = 1e-5
SETTINGS = settings(max_examples=50, deadline=None)


@st.composite
def cases(draw, max_tokens: int = 8, max_dim: int = 8):
    """(inputs, [W_query, W_key, W_value]) with random shape, seed and magnitude."""
    n = draw(st.integers(1, max_tokens))
    d_in = draw(st.integers(1, max_dim))
    d_out = draw(st.integers(1, max_dim))
    seed = draw(st.integers(0, 2**31 - 1))
    scale = draw(st.sampled_from([0.1, 1.0, 3.0]))
    gen = torch.Generator().manual_seed(seed)
    inputs = (torch.rand(n, d_in, generator=gen) * 2 - 1) * scale
    weights = [torch.rand(d_in, d_out, generator=gen) * 2 - 1 for _ in range(3)]
    return inputs, weights


def assert_rows_sum_to_one(weights: torch.Tensor) -> None:
    sums = weights.sum(-1)
    torch.testing.assert_close(sums, torch.ones_like(sums), atol=ATOL, rtol=0)
    assert torch.all(weights >= 0)


# ------------------------------------------------------------------------ rows sum to one
@SETTINGS
@given(cases())
def test_simplified_rows_sum_to_one(case):
    inputs, _ = case
    assert_rows_sum_to_one(simplified_self_attention(inputs).attn_weights)


@SETTINGS
@given(cases(), st.booleans(), st.booleans())
def test_self_attention_rows_sum_to_one(case, scaled, causal):
    inputs, weights = case
    trace = self_attention(inputs, *weights, scaled=scaled, causal=causal)
    assert_rows_sum_to_one(trace.attn_weights)
    n, d_out = inputs.shape[0], weights[2].shape[1]
    assert trace.context_vecs.shape == (n, d_out)
    assert trace.dropped_weights is trace.attn_weights  # no dropout: nothing changed
    assert trace.dropout_mask is None


@st.composite
def multihead_cases(draw):
    n = draw(st.integers(1, 8))
    d_in = draw(st.integers(1, 8))
    num_heads = draw(st.integers(1, 4))
    head_dim = draw(st.integers(1, 4))
    qkv_bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**31 - 1))
    mha = MultiHeadAttention.from_seed(
        d_in, num_heads * head_dim, 8, 0.0, num_heads, seed, qkv_bias
    )
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.rand(n, d_in, generator=gen) * 4 - 2
    return mha, inputs


@SETTINGS
@given(multihead_cases())
def test_multihead_rows_sum_to_one_and_are_causal(case):
    mha, inputs = case
    trace = multihead_trace(mha, inputs)
    assert_rows_sum_to_one(trace.attn_weights)
    n = inputs.shape[0]
    above = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    assert torch.all(trace.attn_weights[:, above] == 0.0)


# ------------------------------------------------------------------------------- causality
@SETTINGS
@given(cases(), st.booleans())
def test_causal_weights_exactly_zero_above_diagonal(case, scaled):
    inputs, weights = case
    trace = self_attention(inputs, *weights, scaled=scaled, causal=True)
    n = inputs.shape[0]
    above = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    assert torch.equal(trace.mask, above)
    assert torch.all(trace.attn_weights[above] == 0.0)
    assert torch.all(torch.isneginf(trace.masked_scores[above]))
    assert torch.all(trace.attn_weights[0, 0] == 1.0)  # the first token sees only itself


@SETTINGS
@given(cases(), st.data())
def test_causal_output_ignores_future_tokens(case, data):
    inputs, weights = case
    n = inputs.shape[0]
    cut = data.draw(st.integers(1, n), label="cut")
    changed = inputs.clone()
    changed[cut:] = changed[cut:] * -3 + 1  # rewrite every token from `cut` on
    before = self_attention(inputs, *weights, causal=True).context_vecs
    after = self_attention(changed, *weights, causal=True).context_vecs
    torch.testing.assert_close(after[:cut], before[:cut], atol=ATOL, rtol=0)


# --------------------------------------------------------------------------- permutations
@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_simplified_is_permutation_equivariant(case, rnd):
    inputs, _ = case
    n = inputs.shape[0]
    perm = torch.tensor(rnd.sample(range(n), n))
    base = simplified_self_attention(inputs)
    permuted = simplified_self_attention(inputs[perm])
    torch.testing.assert_close(permuted.context_vecs, base.context_vecs[perm], atol=ATOL, rtol=0)
    torch.testing.assert_close(
        permuted.attn_weights, base.attn_weights[perm][:, perm], atol=ATOL, rtol=0
    )


@SETTINGS
@given(cases(), st.booleans(), st.randoms(use_true_random=False))
def test_self_attention_is_permutation_equivariant(case, scaled, rnd):
    inputs, weights = case
    n = inputs.shape[0]
    perm = torch.tensor(rnd.sample(range(n), n))
    base = self_attention(inputs, *weights, scaled=scaled)
    permuted = self_attention(inputs[perm], *weights, scaled=scaled)
    torch.testing.assert_close(permuted.context_vecs, base.context_vecs[perm], atol=ATOL, rtol=0)
    torch.testing.assert_close(
        permuted.attn_weights, base.attn_weights[perm][:, perm], atol=ATOL, rtol=0
    )


def test_causal_attention_is_not_permutation_equivariant():
    """The mask ties attention to positions: the property above must not hold with it."""
    gen = torch.Generator().manual_seed(0)
    inputs = torch.rand(5, 3, generator=gen)
    weights = [torch.rand(3, 4, generator=gen) for _ in range(3)]
    perm = torch.tensor([4, 3, 2, 1, 0])
    base = self_attention(inputs, *weights, causal=True).context_vecs
    permuted = self_attention(inputs[perm], *weights, causal=True).context_vecs
    assert not torch.allclose(permuted, base[perm], atol=1e-3)


# ------------------------------------------------------------------------------ scaling
@SETTINGS
@given(cases(), st.booleans())
def test_scaling_is_softmax_with_temperature_sqrt_dk(case, causal):
    inputs, weights = case
    trace = self_attention(inputs, *weights, causal=causal)
    d_k = weights[1].shape[1]
    assert trace.d_k == d_k
    assert trace.temperature == pytest.approx(math.sqrt(d_k))
    scores = trace.attn_scores
    if causal:
        scores = scores.masked_fill(trace.mask, -math.inf)
    expected = softmax_with_temperature(scores, math.sqrt(d_k))
    torch.testing.assert_close(trace.attn_weights, expected, atol=ATOL, rtol=0)
    torch.testing.assert_close(
        trace.scaled_scores, scale_scores(trace.masked_scores, d_k), atol=ATOL, rtol=0
    )

    unscaled = self_attention(inputs, *weights, scaled=False, causal=causal)
    assert unscaled.temperature == 1.0
    torch.testing.assert_close(
        unscaled.attn_weights, softmax_with_temperature(scores, 1.0), atol=ATOL, rtol=0
    )
    # one pass holds both: the unscaled pass's weights are the scaled pass's other softmax
    torch.testing.assert_close(
        trace.attn_weights_unscaled, unscaled.attn_weights, atol=ATOL, rtol=0
    )
    torch.testing.assert_close(unscaled.attn_weights_scaled, trace.attn_weights, atol=ATOL, rtol=0)


@SETTINGS
@given(cases(), st.floats(0.05, 20.0))
def test_temperature_keeps_order_and_sums_to_one(case, temperature):
    inputs, _ = case
    scores = simplified_self_attention(inputs).attn_scores
    weights = softmax_with_temperature(scores, temperature)
    assert_rows_sum_to_one(weights)
    # softmax is monotone: a larger score never gets a smaller weight
    i, j = scores.argmax(-1), scores.argmin(-1)
    rows = torch.arange(scores.shape[0])
    assert torch.all(weights[rows, i] >= weights[rows, j])


# ------------------------------------------------------------------------------ dropout
@SETTINGS
@given(cases(), st.sampled_from([0.1, 0.3, 0.5, 0.8]), st.integers(0, 10_000))
def test_dropout_zeroes_and_rescales(case, p, seed):
    inputs, weights = case
    trace = self_attention(inputs, *weights, causal=True, dropout=p, seed=seed)
    mask = trace.dropout_mask
    assert torch.equal(mask, dropout_mask(trace.attn_weights.shape, p, seed))
    assert torch.all(trace.dropped_weights[mask] == 0.0)
    torch.testing.assert_close(
        trace.dropped_weights[~mask], trace.attn_weights[~mask] / (1 - p), atol=ATOL, rtol=0
    )
    torch.testing.assert_close(
        trace.context_vecs, trace.dropped_weights @ trace.values, atol=ATOL, rtol=0
    )


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_drops_fraction_p(p):
    mask = dropout_mask((400, 400), p, seed=1)
    assert abs(mask.float().mean().item() - p) < 0.01


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keeps_the_expectation(p):
    """E[dropout(alpha)] = alpha: averaged over many seeds, dropped weights approach alpha."""
    gen = torch.Generator().manual_seed(3)
    inputs = torch.rand(6, 3, generator=gen)
    weights = [torch.rand(3, 2, generator=gen) for _ in range(3)]
    attn_weights = self_attention(inputs, *weights, causal=True).attn_weights
    total = torch.zeros_like(attn_weights)
    seeds = 2000
    for seed in range(seeds):
        total += apply_dropout(attn_weights, dropout_mask((6, 6), p, seed), p)
    mean = total / seeds
    # the std of one entry is alpha * sqrt(p / (1 - p)); over 2000 seeds, 5 sigma < 0.25 alpha
    torch.testing.assert_close(mean, attn_weights, atol=0.25 * attn_weights.max().item(), rtol=0)
    # and the mean row sum is 1 to within a few percent
    assert abs(mean.sum(-1).mean().item() - 1.0) < 0.05


def test_dropout_zero_is_the_identity():
    gen = torch.Generator().manual_seed(4)
    inputs = torch.rand(5, 3, generator=gen)
    weights = [torch.rand(3, 2, generator=gen) for _ in range(3)]
    trace = self_attention(inputs, *weights, dropout=0.0, seed=7)
    assert trace.dropout_mask is None
    assert torch.equal(trace.dropped_weights, trace.attn_weights)


# ------------------------------------------------------------------------ large values
@SETTINGS
@given(cases(), st.sampled_from([1e3, 1e4]), st.booleans())
def test_large_finite_inputs_still_give_weights(case, magnitude, causal):
    inputs, weights = case
    big = inputs / inputs.abs().max().clamp_min(1e-6) * magnitude
    simplified = simplified_self_attention(big)
    assert torch.isfinite(simplified.attn_weights).all()
    assert_rows_sum_to_one(simplified.attn_weights)
    trace = self_attention(big, *weights, causal=causal)
    assert torch.isfinite(trace.attn_weights).all()
    assert torch.isfinite(trace.context_vecs).all()
    assert_rows_sum_to_one(trace.attn_weights)


def test_inputs_of_1e4_everywhere():
    inputs = torch.full((6, 3), 1e4)
    assert_rows_sum_to_one(simplified_self_attention(inputs).attn_weights)
    weights = [torch.full((3, 2), 0.5) for _ in range(3)]
    trace = self_attention(inputs, *weights, causal=True)
    assert torch.isfinite(trace.context_vecs).all()
    assert_rows_sum_to_one(trace.attn_weights)


# ---------------------------------------------------------------------- why sqrt(d_k)
D_KS = (4, 64, 1024)


@pytest.fixture(scope="module")
def sweep():
    stats = saturation_sweep(D_KS, num_tokens=8, num_queries=256, seed=0)
    return {(s.d_k, s.scaled): s for s in stats}


def test_sweep_has_both_variants_for_every_dk(sweep):
    assert set(sweep) == {(d, scaled) for d in D_KS for scaled in (False, True)}
    for (d_k, scaled), stats in sweep.items():
        assert stats.temperature == pytest.approx(math.sqrt(d_k) if scaled else 1.0)
        assert len(stats.example_weights) == 8
        assert sum(stats.example_weights) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("d_k", D_KS)
def test_scaled_score_std_stays_near_one(sweep, d_k):
    assert 0.85 < sweep[(d_k, True)].score_std < 1.15


@pytest.mark.parametrize("d_k", D_KS)
def test_unscaled_score_std_grows_like_sqrt_dk(sweep, d_k):
    stats = sweep[(d_k, False)]
    assert stats.score_std == pytest.approx(stats.raw_score_std)
    assert 0.85 < stats.raw_score_std / math.sqrt(d_k) < 1.15
    # the raw scores are the same draws whether or not they are scaled afterwards
    assert stats.raw_score_std == pytest.approx(sweep[(d_k, True)].raw_score_std)


def test_unscaled_softmax_saturates_and_gradients_vanish(sweep):
    unscaled, scaled = sweep[(1024, False)], sweep[(1024, True)]
    assert unscaled.score_grad_norm < 1e-2 * scaled.score_grad_norm
    assert unscaled.max_weight > 0.95
    assert unscaled.effective_tokens < 1.5
    assert scaled.effective_tokens > 3.0
    # and saturation gets worse as d_k grows without scaling
    assert sweep[(4, False)].max_weight < sweep[(64, False)].max_weight <= unscaled.max_weight


def test_softmax_saturation_matches_sweep_and_explicit_temperature(sweep):
    single = softmax_saturation(64, scaled=True, num_tokens=8, num_queries=256, seed=0)
    assert single == sweep[(64, True)]
    explicit = softmax_saturation(64, temperature=8.0, num_tokens=8, num_queries=256, seed=0)
    assert explicit.score_std == pytest.approx(single.score_std, rel=1e-5)
    assert explicit.score_grad_norm == pytest.approx(single.score_grad_norm, rel=1e-4)


def test_score_gradient_is_the_softmax_jacobian():
    """score_grad_norm is ||(diag(a) - a a^T) g||, recomputed by hand for a small case."""
    from attention.why_scale import random_queries_keys

    d_k, n, q = 8, 5, 16
    stats = softmax_saturation(d_k, scaled=True, num_tokens=n, num_queries=q, seed=3)
    queries, keys, upstream = random_queries_keys(d_k, n, q, seed=3)
    scores = (queries.unsqueeze(1) @ keys.transpose(1, 2)).squeeze(1) / math.sqrt(d_k)
    alpha = torch.softmax(scores, dim=-1)
    grad = alpha * upstream - alpha * (alpha * upstream).sum(-1, keepdim=True)
    assert stats.score_grad_norm == pytest.approx(grad.norm(dim=-1).median().item(), rel=1e-4)
