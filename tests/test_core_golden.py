"""Golden values: the numbers chapter 3 prints, checked against the core.

Every constant below is copied from the outputs stored in the book's notebook,
rasbt/LLMs-from-scratch, ch03/01_main-chapter-code/ch03.ipynb (printed to 4 decimals,
so comparisons use atol=1e-4). Nothing here is computed and pasted back.
"""

import math

import pytest
import torch
from torch import nn

from attention import (
    BOOK_D_OUT,
    BOOK_INPUTS,
    BOOK_PRINTED,
    BOOK_SEED,
    BOOK_TOKENS,
    MultiHeadAttention,
    apply_dropout,
    attention_scores,
    dropout_mask,
    init_linear_qkv_weights,
    init_qkv_weights,
    multihead_trace,
    naive_attention_weights,
    self_attention,
    simplified_self_attention,
)

ATOL = 1e-4  # the book prints 4 decimals

# ---------------------------------------------------------------- printed by the notebook
NB_INPUTS = [
    [0.43, 0.15, 0.89],  # Your
    [0.55, 0.87, 0.66],  # journey
    [0.57, 0.85, 0.64],  # starts
    [0.22, 0.58, 0.33],  # with
    [0.77, 0.25, 0.10],  # one
    [0.05, 0.80, 0.55],  # step
]

# 3.3.1 (query "journey")
NB_SCORES_2 = [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865]
NB_NAIVE_WEIGHTS_2 = [0.1455, 0.2278, 0.2249, 0.1285, 0.1077, 0.1656]
NB_WEIGHTS_2 = [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581]
NB_CONTEXT_2 = [0.4419, 0.6515, 0.5683]

# 3.3.2 (all tokens)
NB_SCORES = [
    [0.9995, 0.9544, 0.9422, 0.4753, 0.4576, 0.6310],
    [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865],
    [0.9422, 1.4754, 1.4570, 0.8296, 0.7154, 1.0605],
    [0.4753, 0.8434, 0.8296, 0.4937, 0.3474, 0.6565],
    [0.4576, 0.7070, 0.7154, 0.3474, 0.6654, 0.2935],
    [0.6310, 1.0865, 1.0605, 0.6565, 0.2935, 0.9450],
]
NB_WEIGHTS = [
    [0.2098, 0.2006, 0.1981, 0.1242, 0.1220, 0.1452],
    [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581],
    [0.1390, 0.2369, 0.2326, 0.1242, 0.1108, 0.1565],
    [0.1435, 0.2074, 0.2046, 0.1462, 0.1263, 0.1720],
    [0.1526, 0.1958, 0.1975, 0.1367, 0.1879, 0.1295],
    [0.1385, 0.2184, 0.2128, 0.1420, 0.0988, 0.1896],
]
NB_CONTEXT = [
    [0.4421, 0.5931, 0.5790],
    [0.4419, 0.6515, 0.5683],
    [0.4431, 0.6496, 0.5671],
    [0.4304, 0.6298, 0.5510],
    [0.4671, 0.5910, 0.5266],
    [0.4177, 0.6503, 0.5645],
]

# 3.4.1 (torch.manual_seed(123); three torch.rand(3, 2))
NB_QUERY_2 = [0.4306, 1.4551]
NB_SCORE_22 = 1.8524
NB_SCALED_SCORES_2 = [1.2705, 1.8524, 1.8111, 1.0795, 0.5577, 1.5440]
NB_SCALED_WEIGHTS_2 = [0.1500, 0.2264, 0.2199, 0.1311, 0.0906, 0.1820]
NB_SCALED_CONTEXT_2 = [0.3061, 0.8210]

# 3.4.2 SelfAttention_v1 (torch.manual_seed(123))
NB_SA_V1 = [
    [0.2996, 0.8053],
    [0.3061, 0.8210],
    [0.3058, 0.8203],
    [0.2948, 0.7939],
    [0.2927, 0.7891],
    [0.2990, 0.8040],
]
# 3.4.2 SelfAttention_v2 (torch.manual_seed(789); nn.Linear without bias)
NB_SA_V2 = [
    [-0.0739, 0.0713],
    [-0.0748, 0.0703],
    [-0.0749, 0.0702],
    [-0.0760, 0.0685],
    [-0.0763, 0.0679],
    [-0.0754, 0.0693],
]

# 3.5.1 with SelfAttention_v2's weights
NB_V2_WEIGHTS = [
    [0.1921, 0.1646, 0.1652, 0.1550, 0.1721, 0.1510],
    [0.2041, 0.1659, 0.1662, 0.1496, 0.1665, 0.1477],
    [0.2036, 0.1659, 0.1662, 0.1498, 0.1664, 0.1480],
    [0.1869, 0.1667, 0.1668, 0.1571, 0.1661, 0.1564],
    [0.1830, 0.1669, 0.1670, 0.1588, 0.1658, 0.1585],
    [0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529],
]
NEG_INF = -math.inf
# masked *unscaled* scores (the notebook masks attn_scores, then divides inside softmax)
NB_V2_MASKED_SCORES = [
    [0.2899, NEG_INF, NEG_INF, NEG_INF, NEG_INF, NEG_INF],
    [0.4656, 0.1723, NEG_INF, NEG_INF, NEG_INF, NEG_INF],
    [0.4594, 0.1703, 0.1731, NEG_INF, NEG_INF, NEG_INF],
    [0.2642, 0.1024, 0.1036, 0.0186, NEG_INF, NEG_INF],
    [0.2183, 0.0874, 0.0882, 0.0177, 0.0786, NEG_INF],
    [0.3408, 0.1270, 0.1290, 0.0198, 0.1290, 0.0078],
]
NB_V2_CAUSAL_WEIGHTS = [
    [1.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000],
    [0.5517, 0.4483, 0.0000, 0.0000, 0.0000, 0.0000],
    [0.3800, 0.3097, 0.3103, 0.0000, 0.0000, 0.0000],
    [0.2758, 0.2460, 0.2462, 0.2319, 0.0000, 0.0000],
    [0.2175, 0.1983, 0.1984, 0.1888, 0.1971, 0.0000],
    [0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529],
]

# 3.5.2: torch.manual_seed(123); nn.Dropout(0.5)(torch.ones(6, 6))
NB_DROPOUT_ONES = [
    [2.0, 2.0, 0.0, 2.0, 2.0, 0.0],
    [0.0, 0.0, 0.0, 2.0, 0.0, 2.0],
    [2.0, 2.0, 2.0, 2.0, 0.0, 2.0],
    [0.0, 2.0, 2.0, 0.0, 0.0, 2.0],
    [0.0, 2.0, 0.0, 2.0, 0.0, 2.0],
    [0.0, 2.0, 2.0, 2.0, 2.0, 0.0],
]
# 3.5.2: torch.manual_seed(123); the same dropout on the causal weights above
NB_DROPPED_CAUSAL_WEIGHTS = [
    [2.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000],
    [0.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000],
    [0.7599, 0.6194, 0.6206, 0.0000, 0.0000, 0.0000],
    [0.0000, 0.4921, 0.4925, 0.0000, 0.0000, 0.0000],
    [0.0000, 0.3966, 0.0000, 0.3775, 0.0000, 0.0000],
    [0.0000, 0.3327, 0.3331, 0.3084, 0.3331, 0.0000],
]

# 3.5.3 CausalAttention(3, 2, 6, 0.0) after torch.manual_seed(123), on a batch of two copies
NB_CAUSAL_ATTENTION = [
    [-0.4519, 0.2216],
    [-0.5874, 0.0058],
    [-0.6300, -0.0632],
    [-0.5675, -0.0843],
    [-0.5526, -0.0981],
    [-0.5299, -0.1081],
]
# 3.6.1 MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=2) after torch.manual_seed(123)
NB_MHA_WRAPPER = [
    [-0.4519, 0.2216, 0.4772, 0.1063],
    [-0.5874, 0.0058, 0.5891, 0.3257],
    [-0.6300, -0.0632, 0.6202, 0.3860],
    [-0.5675, -0.0843, 0.5478, 0.3589],
    [-0.5526, -0.0981, 0.5321, 0.3428],
    [-0.5299, -0.1081, 0.5077, 0.3493],
]
# 3.6.2 MultiHeadAttention(3, 2, 6, 0.0, num_heads=2) after torch.manual_seed(123)
NB_MHA = [
    [0.3190, 0.4858],
    [0.2943, 0.3897],
    [0.2856, 0.3593],
    [0.2693, 0.3873],
    [0.2639, 0.3928],
    [0.2575, 0.4028],
]


def T(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


def assert_close(actual: torch.Tensor, expected, atol: float = ATOL) -> None:
    torch.testing.assert_close(actual.detach(), T(expected), atol=atol, rtol=0)


def book_linear_weights(seed: int, count: int, d_in: int = 3, d_out: int = 2) -> list:
    """``torch.manual_seed(seed)`` then ``count`` bias-free ``nn.Linear(d_in, d_out)`` in order,
    returned as (d_in, d_out) matrices (``weight.T``), without leaking the global seed."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        layers = [nn.Linear(d_in, d_out, bias=False) for _ in range(count)]
    return [layer.weight.detach().T.contiguous() for layer in layers]


# ------------------------------------------------------------------- the data module itself
def test_book_inputs_match_notebook():
    assert torch.equal(BOOK_INPUTS, T(NB_INPUTS))
    assert BOOK_TOKENS == ("Your", "journey", "starts", "with", "one", "step")
    assert (BOOK_SEED, BOOK_D_OUT) == (123, 2)


def test_book_printed_matches_notebook():
    expected = {
        "simplified.attn_scores_2": NB_SCORES_2,
        "simplified.attn_weights_2": NB_WEIGHTS_2,
        "simplified.context_vec_2": NB_CONTEXT_2,
        "scaled.query_2": NB_QUERY_2,
        "scaled.attn_score_22": [NB_SCORE_22],
        "scaled.attn_scores_2": NB_SCALED_SCORES_2,
        "scaled.attn_weights_2": NB_SCALED_WEIGHTS_2,
        "scaled.context_vec_2": NB_SCALED_CONTEXT_2,
        "multihead.context_vecs": [v for row in NB_MHA for v in row],
        "causal.attn_weights_2": NB_V2_CAUSAL_WEIGHTS[1],
    }
    assert set(BOOK_PRINTED) == set(expected)
    for key, values in expected.items():
        assert list(BOOK_PRINTED[key]) == values, key


# ------------------------------------------------------------------------ 3.3 simplified
@pytest.fixture(scope="module")
def simplified():
    return simplified_self_attention(BOOK_INPUTS)


def test_simplified_journey(simplified):
    assert_close(simplified.attn_scores[1], NB_SCORES_2)
    assert_close(simplified.attn_weights[1], NB_WEIGHTS_2)
    assert_close(simplified.context_vecs[1], NB_CONTEXT_2)


def test_simplified_journey_against_book_printed(simplified):
    assert_close(simplified.attn_scores[1], BOOK_PRINTED["simplified.attn_scores_2"])
    assert_close(simplified.attn_weights[1], BOOK_PRINTED["simplified.attn_weights_2"])
    assert_close(simplified.context_vecs[1], BOOK_PRINTED["simplified.context_vec_2"])


def test_naive_normalisation_journey():
    scores = attention_scores(BOOK_INPUTS)
    assert_close(naive_attention_weights(scores)[1], NB_NAIVE_WEIGHTS_2)


def test_simplified_full_matrices(simplified):
    assert_close(simplified.attn_scores, NB_SCORES)
    assert_close(simplified.attn_weights, NB_WEIGHTS)
    assert_close(simplified.context_vecs, NB_CONTEXT)


# ---------------------------------------------------------------- 3.4 trainable weights
@pytest.fixture(scope="module")
def scaled_trace():
    W_query, W_key, W_value = init_qkv_weights(3, BOOK_D_OUT, BOOK_SEED)
    return self_attention(BOOK_INPUTS, W_query, W_key, W_value)


def test_scaled_journey(scaled_trace):
    assert_close(scaled_trace.queries[1], NB_QUERY_2)
    assert abs(scaled_trace.attn_scores[1, 1].item() - NB_SCORE_22) < ATOL
    assert_close(scaled_trace.attn_scores[1], NB_SCALED_SCORES_2)
    assert_close(scaled_trace.attn_weights[1], NB_SCALED_WEIGHTS_2)
    assert_close(scaled_trace.context_vecs[1], NB_SCALED_CONTEXT_2)
    assert scaled_trace.d_k == 2
    assert scaled_trace.temperature == pytest.approx(math.sqrt(2))


def test_scaled_journey_against_book_printed(scaled_trace):
    assert_close(scaled_trace.queries[1], BOOK_PRINTED["scaled.query_2"])
    assert_close(scaled_trace.attn_scores[1, 1:2], BOOK_PRINTED["scaled.attn_score_22"])
    assert_close(scaled_trace.attn_scores[1], BOOK_PRINTED["scaled.attn_scores_2"])
    assert_close(scaled_trace.attn_weights[1], BOOK_PRINTED["scaled.attn_weights_2"])
    assert_close(scaled_trace.context_vecs[1], BOOK_PRINTED["scaled.context_vec_2"])


def test_self_attention_v1_all_context_vectors(scaled_trace):
    assert_close(scaled_trace.context_vecs, NB_SA_V1)


@pytest.fixture(scope="module")
def v2_weights():
    # SelfAttention_v2 creates W_query, W_key, W_value in that order after manual_seed(789)
    return book_linear_weights(789, 3)


def test_self_attention_v2_outputs(v2_weights):
    trace = self_attention(BOOK_INPUTS, *v2_weights)
    assert_close(trace.context_vecs, NB_SA_V2)
    assert_close(trace.attn_weights, NB_V2_WEIGHTS)


def test_causal_mask_scores_and_weights(v2_weights):
    trace = self_attention(BOOK_INPUTS, *v2_weights, causal=True)
    expected = T(NB_V2_MASKED_SCORES)
    hidden = torch.isinf(expected)
    assert torch.equal(trace.mask, hidden)
    # the core masks the raw scores, as the book does: its printed masked scores, exactly
    assert torch.all(torch.isneginf(trace.masked_scores[hidden]))
    torch.testing.assert_close(trace.masked_scores[~hidden], expected[~hidden], atol=ATOL, rtol=0)
    # and scales them afterwards, inside the softmax
    torch.testing.assert_close(
        trace.scaled_scores[~hidden], expected[~hidden] / math.sqrt(trace.d_k), atol=ATOL, rtol=0
    )
    assert_close(trace.attn_weights, NB_V2_CAUSAL_WEIGHTS)


# ----------------------------------------------------------------------------- 3.5 dropout
def test_dropout_mask_matches_book_pattern():
    printed = T(NB_DROPOUT_ONES)
    assert torch.equal(dropout_mask((6, 6), 0.5, 123), printed == 0)
    assert torch.equal(
        apply_dropout(torch.ones(6, 6), dropout_mask((6, 6), 0.5, 123), 0.5), printed
    )


def test_dropout_mask_matches_nn_dropout_today():
    with torch.random.fork_rng():
        torch.manual_seed(123)
        dropped = nn.Dropout(0.5)(torch.ones(6, 6))
    assert torch.equal(dropout_mask((6, 6), 0.5, 123), dropped == 0)


def test_dropout_on_causal_weights(v2_weights):
    trace = self_attention(BOOK_INPUTS, *v2_weights, causal=True, dropout=0.5, seed=123)
    assert_close(trace.dropped_weights, NB_DROPPED_CAUSAL_WEIGHTS)
    assert_close(trace.attn_weights, NB_V2_CAUSAL_WEIGHTS)  # dropout does not touch these
    assert torch.equal(trace.dropout_mask, T(NB_DROPOUT_ONES) == 0)


def test_causal_attention_class():
    # CausalAttention(d_in=3, d_out=2, ...) after manual_seed(123): three bias-free Linears
    trace = self_attention(BOOK_INPUTS, *book_linear_weights(123, 3), causal=True)
    assert_close(trace.context_vecs, NB_CAUSAL_ATTENTION)


# ------------------------------------------------------------------------ 3.6 multi-head
def test_multihead_wrapper_is_two_causal_heads():
    weights = book_linear_weights(123, 6)  # two CausalAttention heads, three Linears each
    heads = [self_attention(BOOK_INPUTS, *weights[i : i + 3], causal=True) for i in (0, 3)]
    assert_close(torch.cat([h.context_vecs for h in heads], dim=-1), NB_MHA_WRAPPER)


def book_batch() -> torch.Tensor:
    return torch.stack((BOOK_INPUTS, BOOK_INPUTS), dim=0)


def test_multihead_attention_after_manual_seed():
    with torch.random.fork_rng():
        torch.manual_seed(123)
        mha = MultiHeadAttention(3, 2, 6, 0.0, num_heads=2)
    out = mha(book_batch())
    assert out.shape == (2, 6, 2)
    for item in out:
        assert_close(item, NB_MHA)


def test_multihead_attention_from_seed():
    mha = MultiHeadAttention.from_seed(3, 2, 6, 0.0, num_heads=2, seed=123)
    for item in mha(book_batch()):
        assert_close(item, NB_MHA)
    assert_close(multihead_trace(mha, BOOK_INPUTS).context_vecs, NB_MHA)


def test_init_linear_qkv_weights_are_the_books_v2_weights(v2_weights):
    """The core's local-generator draw equals manual_seed(789) + three nn.Linear layers."""
    state = torch.get_rng_state()
    ours = init_linear_qkv_weights(3, 2, 789)
    assert torch.equal(torch.get_rng_state(), state)
    for mine, book in zip(ours, v2_weights, strict=True):
        assert torch.equal(mine, book)
    trace = self_attention(BOOK_INPUTS, *ours, causal=True)
    assert_close(trace.attn_weights, NB_V2_CAUSAL_WEIGHTS)
