"""The core behind the scaled page's new parts: section 3.4.2's classes, exercise 3.1, and what
the √d_k argument assumes, measured (``attention.self_attention``).

Each class's ``from_seed`` must equal ``torch.manual_seed(seed)`` + the book's constructor
without touching the global RNG, and reproduce what the book's notebook prints.
"""

import math

import pytest
import torch
from torch import nn

from attention.data import BOOK_INPUTS
from attention.self_attention import (
    BOOK_PRINTED_CLASSES,
    SelfAttention_v1,
    SelfAttention_v2,
    copy_v2_weights_into_v1,
    init_linear_qkv_weights,
    init_qkv_weights,
    qk_moments,
    score_spread,
    self_attention,
)

ATOL = 1e-4  # the book prints 4 decimals


def book_v1(d_in: int, d_out: int, seed: int) -> nn.Module:
    """The book's way: seed the global generator, then construct (the state is restored)."""
    state = torch.get_rng_state()
    try:
        torch.manual_seed(seed)
        return SelfAttention_v1(d_in, d_out)
    finally:
        torch.set_rng_state(state)


def book_v2(d_in: int, d_out: int, seed: int, qkv_bias: bool = False) -> nn.Module:
    state = torch.get_rng_state()
    try:
        torch.manual_seed(seed)
        return SelfAttention_v2(d_in, d_out, qkv_bias)
    finally:
        torch.set_rng_state(state)


@pytest.mark.parametrize(("d_in", "d_out", "seed"), [(3, 2, 123), (5, 4, 7), (1, 1, 0)])
def test_v1_from_seed_equals_the_constructor_after_manual_seed(d_in, d_out, seed) -> None:
    torch.manual_seed(999)
    state = torch.get_rng_state()
    ours = SelfAttention_v1.from_seed(d_in, d_out, seed)
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG is untouched
    book = book_v1(d_in, d_out, seed)
    for name in ("W_query", "W_key", "W_value"):
        assert torch.equal(getattr(ours, name), getattr(book, name))
        assert getattr(ours, name).shape == (d_in, d_out)
    assert all(isinstance(p, nn.Parameter) for p in ours.parameters())
    # the weights are step 1's three torch.rand draws
    for mine, drawn in zip(
        (ours.W_query, ours.W_key, ours.W_value), init_qkv_weights(d_in, d_out, seed), strict=True
    ):
        assert torch.equal(mine.detach(), drawn)


@pytest.mark.parametrize(
    ("d_in", "d_out", "seed", "bias"), [(3, 2, 789, False), (6, 3, 1, False), (3, 2, 5, True)]
)
def test_v2_from_seed_equals_the_constructor_after_manual_seed(d_in, d_out, seed, bias) -> None:
    torch.manual_seed(999)
    state = torch.get_rng_state()
    ours = SelfAttention_v2.from_seed(d_in, d_out, seed, qkv_bias=bias)
    assert torch.equal(torch.get_rng_state(), state)
    book = book_v2(d_in, d_out, seed, bias)
    for (name, mine), (_, theirs) in zip(
        ours.named_parameters(), book.named_parameters(), strict=True
    ):
        assert mine.device.type == "cpu" and torch.equal(mine, theirs), name
    assert ours.W_query.weight.shape == (d_out, d_in)  # nn.Linear stores (d_out, d_in)
    if not bias:  # the page's linear weights are the transposes
        for layer, drawn in zip(
            (ours.W_query, ours.W_key, ours.W_value),
            init_linear_qkv_weights(d_in, d_out, seed),
            strict=True,
        ):
            assert torch.equal(layer.weight.T, drawn)


def test_the_classes_print_what_the_book_prints() -> None:
    with torch.no_grad():
        v1 = SelfAttention_v1.from_seed(3, 2, 123)(BOOK_INPUTS)
        v2 = SelfAttention_v2.from_seed(3, 2, 789)(BOOK_INPUTS)
    torch.testing.assert_close(v1, torch.tensor(BOOK_PRINTED_CLASSES["v1_seed_123"]),
                               atol=ATOL, rtol=0)  # fmt: skip
    torch.testing.assert_close(v2, torch.tensor(BOOK_PRINTED_CLASSES["v2_seed_789"]),
                               atol=ATOL, rtol=0)  # fmt: skip


def test_v1_is_steps_one_to_six() -> None:
    """SelfAttention_v1 after manual_seed(s) computes the page's steps with one seed s."""
    x = torch.rand(5, 4, generator=torch.Generator().manual_seed(3))
    for seed in (123, 8):
        with torch.no_grad():
            out = SelfAttention_v1.from_seed(4, 3, seed)(x)
        trace = self_attention(x, *init_qkv_weights(4, 3, seed))
        torch.testing.assert_close(out, trace.context_vecs)


def test_the_initialisations_differ_as_the_book_says() -> None:
    """v1: uniform in [0, 1), all positive; v2: uniform in ±1/sqrt(d_in), centred on 0."""
    d_in = 16
    v1 = SelfAttention_v1.from_seed(d_in, 16, 1)
    v2 = SelfAttention_v2.from_seed(d_in, 16, 1)
    w1 = torch.cat([p.detach().flatten() for p in v1.parameters()])
    w2 = torch.cat([p.detach().flatten() for p in v2.parameters()])
    assert w1.min() >= 0 and w1.max() < 1
    bound = 1 / math.sqrt(d_in)
    assert w2.abs().max() <= bound and (w2 < 0).any() and (w2 > 0).any()
    assert abs(w2.mean().item()) < 0.05 < w1.mean().item()


def test_exercise_3_1_the_transposed_copy_makes_v1_equal_v2() -> None:
    """The book's solution: manual_seed(123) for both, copy weight.T, both print the same."""
    sa_v1 = SelfAttention_v1.from_seed(3, 2, 123)
    sa_v2 = SelfAttention_v2.from_seed(3, 2, 123)
    before = sa_v1.W_query.detach().clone()
    result = copy_v2_weights_into_v1(sa_v1, sa_v2, BOOK_INPUTS)
    assert torch.equal(sa_v1.W_query.detach(), before)  # the module passed in is unchanged
    assert result.equal and result.max_difference == pytest.approx(0.0, abs=1e-7)
    torch.testing.assert_close(result.v1_after, torch.tensor(BOOK_PRINTED_CLASSES["v2_seed_123"]),
                               atol=ATOL, rtol=0)  # fmt: skip
    assert result.copied[0].shape == (3, 2) and result.error == ""
    assert not torch.allclose(result.v1_before, result.v2_output)


def test_exercise_3_1_without_transpose_fails_or_computes_something_else() -> None:
    sa_v1 = SelfAttention_v1.from_seed(3, 2, 123)
    sa_v2 = SelfAttention_v2.from_seed(3, 2, 123)
    result = copy_v2_weights_into_v1(sa_v1, sa_v2, BOOK_INPUTS, transpose=False)
    assert result.v1_after is None and not result.equal and result.max_difference is None
    assert result.error == "mat1 and mat2 shapes cannot be multiplied (6x3 and 2x3)"
    assert result.copied[0].shape == (2, 3)
    square = copy_v2_weights_into_v1(
        SelfAttention_v1.from_seed(3, 3, 1), SelfAttention_v2.from_seed(3, 3, 2), BOOK_INPUTS,
        transpose=False,
    )  # fmt: skip
    assert square.error == "" and square.v1_after is not None and not square.equal
    assert square.max_difference > 1e-3


def test_qk_moments_measure_the_assumption() -> None:
    generator = torch.Generator().manual_seed(0)
    q = torch.randn(4000, 8, generator=generator)
    k = torch.randn(4000, 8, generator=generator)
    m = qk_moments(q[:200], k[:200])
    assert abs(m.q_mean) < 0.1 and abs(m.q_var - 1) < 0.1 and abs(m.k_var - 1) < 0.1
    assert m.scaled_std == pytest.approx(m.raw_std / math.sqrt(8))
    assert abs(m.scaled_std - 1) < 0.1  # unit-variance q, k: the argument holds
    scores = q[:200] @ k[:200].T
    assert m.raw_std == pytest.approx(scores.std().item(), rel=1e-5)
    assert qk_moments(torch.ones(1, 2), torch.ones(1, 2)).raw_std == 0.0  # one score


def test_score_spread_grows_with_the_books_positive_weights() -> None:
    """11.2: with torch.rand weights the scaled spread still grows, about 0.31 -> 0.97."""
    spreads = {s.d_out: s for s in score_spread(BOOK_INPUTS, (2, 16), 123)}
    assert spreads[2].scaled_std == pytest.approx(0.31, abs=0.01)
    assert spreads[16].scaled_std == pytest.approx(0.97, abs=0.01)
    # and the page's own measurement agrees with the sweep at the book's weights
    trace = self_attention(BOOK_INPUTS, *init_qkv_weights(3, 2, 123))
    m = qk_moments(trace.queries, trace.keys)
    assert m.raw_std == pytest.approx(spreads[2].raw_std, rel=1e-6)
    assert m.q_mean > 0 and m.k_mean > 0  # all positive: not the argument's mean 0
