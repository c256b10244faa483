"""Sections 3.5-3.6 in the core: the book's printed numbers, oracles, and the global RNG.

The printed values come from the book's notebook (rasbt/LLMs-from-scratch,
ch03/01_main-chapter-code/ch03.ipynb) and are kept in ``attention.causal.BOOK_PRINTED_CAUSAL``
and ``attention.multihead.BOOK_PRINTED_MULTIHEAD``; each test recomputes them with the book's
classes and compares to the 4 printed decimals.
"""

import math

import pytest
import torch
from torch import nn

from attention.causal import (
    BOOK_PRINTED_CAUSAL,
    CausalAttention,
    book_batch,
    compare_causal_weights,
    run_causal_attention,
)
from attention.data import BOOK_INPUTS, BOOK_PRINTED
from attention.multihead import (
    BOOK_GPT2_MHA_PARAMETERS,
    BOOK_PRINTED_MULTIHEAD,
    GPT2_SIZES,
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    compare_wrapper_and_multihead,
    count_parameters,
    multihead_trace,
    parameter_total,
)
from attention.self_attention import (
    apply_dropout,
    dropout_mask,
    init_linear_qkv_weights,
    self_attention,
)

ATOL = 1e-4  # the book prints 4 decimals


def T(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


def assert_close(actual: torch.Tensor, expected, atol: float = ATOL) -> None:
    torch.testing.assert_close(actual.detach(), T(expected), atol=atol, rtol=0)


def v2_trace(**options):
    """The book's SelfAttention_v2 weights (torch.manual_seed(789), three nn.Linear)."""
    return self_attention(BOOK_INPUTS, *init_linear_qkv_weights(3, 2, 789), **options)


class GlobalRngUntouched:
    """Seed the global RNG unusually; on exit it must be exactly where it was."""

    def __enter__(self):
        self._fork = torch.random.fork_rng()
        self._fork.__enter__()
        torch.manual_seed(424_242)
        torch.rand(2)
        self.before = torch.get_rng_state().clone()
        return self

    def __exit__(self, *exc):
        try:
            if exc[0] is None:
                assert torch.equal(torch.get_rng_state(), self.before), "global RNG was used"
        finally:
            self._fork.__exit__(*exc)
        return False


def built_after_manual_seed(cls, *args, seed: int, **kwargs):
    """The book's way: torch.manual_seed(seed), then the constructor (global RNG forked)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return cls(*args, **kwargs)


def same_parameters(a: nn.Module, b: nn.Module) -> None:
    named_a, named_b = dict(a.named_parameters()), dict(b.named_parameters())
    assert list(named_a) == list(named_b)
    for name, value in named_a.items():
        assert torch.equal(value, named_b[name]), name
    for (name, buffer), (_, other) in zip(a.named_buffers(), b.named_buffers(), strict=True):
        assert torch.equal(buffer, other), name


# ---- 3.5.1 the causal mask ---------------------------------------------------------------


def test_masked_scores_are_the_raw_scores_as_the_book_prints_them():
    trace = v2_trace(causal=True)
    printed = T(BOOK_PRINTED_CAUSAL["v2_masked_scores"])
    hidden = torch.isinf(printed)
    assert torch.equal(trace.mask, hidden)
    assert torch.all(torch.isneginf(trace.masked_scores[hidden]))
    torch.testing.assert_close(trace.masked_scores[~hidden], printed[~hidden], atol=ATOL, rtol=0)
    # unscaled: the division by sqrt(d_k) happens inside the softmax, after the mask
    assert torch.equal(trace.masked_scores[~hidden], trace.attn_scores[~hidden])
    assert_close(trace.attn_weights, BOOK_PRINTED_CAUSAL["v2_causal_weights"])
    assert trace.attn_weights[1].tolist()[:2] == pytest.approx(
        BOOK_PRINTED["causal.attn_weights_2"][:2], abs=ATOL
    )


def test_the_three_roads_to_causal_weights_are_the_books():
    trace = v2_trace()
    roads = compare_causal_weights(trace.attn_scores, trace.d_k)
    assert_close(roads.unmasked, BOOK_PRINTED_CAUSAL["v2_attn_weights"])
    assert_close(roads.masked_simple, BOOK_PRINTED_CAUSAL["v2_masked_simple"])
    assert_close(roads.renormalized, BOOK_PRINTED_CAUSAL["v2_causal_weights"])
    assert_close(roads.book, BOOK_PRINTED_CAUSAL["v2_causal_weights"])
    assert roads.scale_first_gap == 0.0  # -inf / sqrt(d_k) is -inf: the order does not matter
    assert roads.renormalized_gap < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_mask_then_scale_equals_scale_then_mask_on_random_scores(seed):
    gen = torch.Generator().manual_seed(seed)
    scores = torch.randn(7, 7, generator=gen) * 5
    roads = compare_causal_weights(scores, 4)
    assert roads.scale_first_gap < 1e-6 and roads.renormalized_gap < 1e-6
    assert torch.all(roads.book.triu(1) == 0)
    torch.testing.assert_close(roads.book.sum(-1), torch.ones(7))


# ---- 3.5.2 dropout -----------------------------------------------------------------------


def test_dropout_on_ones_is_the_books_pattern():
    drop = dropout_mask((6, 6), 0.5, 123)
    assert torch.equal(
        apply_dropout(torch.ones(6, 6), drop, 0.5), T(BOOK_PRINTED_CAUSAL["dropout_ones"])
    )
    with torch.random.fork_rng():
        torch.manual_seed(123)
        assert torch.equal(
            nn.Dropout(0.5)(torch.ones(6, 6)), T(BOOK_PRINTED_CAUSAL["dropout_ones"])
        )


def test_dropout_on_the_causal_weights_is_the_books_and_empties_journey():
    trace = v2_trace(causal=True, dropout=0.5, seed=123)
    assert_close(trace.dropped_weights, BOOK_PRINTED_CAUSAL["dropout_causal_weights"])
    assert trace.dropped_weights[1].abs().sum().item() == 0.0  # "journey" keeps nothing
    assert trace.context_vecs[1].abs().sum().item() == 0.0  # so z^(2) = 0
    sums = trace.dropped_weights.sum(-1)
    assert sums[0].item() == pytest.approx(2.0) and sums[1].item() == 0.0


# ---- 3.5.3 CausalAttention ---------------------------------------------------------------


def test_causal_attention_prints_the_books_context_vectors():
    run = run_causal_attention(BOOK_INPUTS, 2, 6, seed=123)
    assert tuple(run.batch.shape) == (2, 6, 3)
    assert tuple(run.context_vecs.shape) == (2, 6, 2)
    for item in run.context_vecs:
        assert_close(item, BOOK_PRINTED_CAUSAL["causal_attention_context_vecs"])
    assert run.error is None
    assert [name for name, _ in run.parameters] == [
        "W_query.weight",
        "W_key.weight",
        "W_value.weight",
    ]
    assert run.buffers == (("mask", (6, 6)),)
    assert "mask" in run.state_dict_keys  # saved with the model, though not a parameter


@pytest.mark.parametrize(
    ("d_in", "d_out", "context_length", "seed", "qkv_bias"),
    [(3, 2, 6, 123, False), (1, 1, 1, 0, False), (5, 4, 9, 789, True), (8, 3, 4, 5, True)],
)
def test_causal_attention_from_seed_is_manual_seed_plus_constructor(
    d_in, d_out, context_length, seed, qkv_bias
):
    book = built_after_manual_seed(
        CausalAttention, d_in, d_out, context_length, 0.0, qkv_bias, seed=seed
    )
    with GlobalRngUntouched():
        ours = CausalAttention.from_seed(d_in, d_out, context_length, 0.0, seed, qkv_bias)
    same_parameters(ours, book)
    x = torch.rand(2, context_length, d_in, generator=torch.Generator().manual_seed(seed))
    torch.testing.assert_close(ours(x), book(x))


def test_a_shorter_input_uses_the_top_left_of_the_mask():
    run = run_causal_attention(BOOK_INPUTS[:4], 2, 6)
    assert tuple(run.mask.shape) == (6, 6)
    assert torch.equal(run.mask_used, run.mask.bool()[:4, :4]) and not run.unmasked
    assert tuple(run.context_vecs.shape) == (2, 4, 2)
    # the first 4 tokens get the same context vectors as in the 6-token input (causal)
    full = run_causal_attention(BOOK_INPUTS, 2, 6)
    torch.testing.assert_close(run.context_vecs, full.context_vecs[:, :4])


@pytest.mark.parametrize("context_length", [2, 4, 5])
def test_an_input_longer_than_context_length_fails_with_pytorchs_message(context_length):
    run = run_causal_attention(BOOK_INPUTS, 2, context_length)
    assert run.context_vecs is None and not run.unmasked
    assert tuple(run.mask_used.shape) == (context_length, context_length)
    module = CausalAttention.from_seed(3, 2, context_length, 0.0, 123)
    with pytest.raises(RuntimeError) as raised:
        module(book_batch(BOOK_INPUTS))
    assert run.error == str(raised.value)
    assert f"({context_length})" in run.error and "must match" in run.error


def test_context_length_one_runs_without_any_mask():
    """The (1, 1) slice broadcasts: nothing is hidden, every token sees the future."""
    run = run_causal_attention(BOOK_INPUTS, 2, 1)
    assert run.error is None and run.unmasked
    plain = self_attention(BOOK_INPUTS, *init_linear_qkv_weights(3, 2, 123))  # no mask
    for item in run.context_vecs:
        torch.testing.assert_close(item, plain.context_vecs)
    assert not run_causal_attention(BOOK_INPUTS, 2, 6).unmasked


def test_causal_attention_rejects_bad_sizes():
    with pytest.raises(ValueError, match="context_length"):
        run_causal_attention(BOOK_INPUTS, 2, 0)
    with pytest.raises(ValueError, match="dropout"):
        CausalAttention(3, 2, 6, 1.0)


# ---- 3.6.1 the wrapper -------------------------------------------------------------------


def test_wrapper_prints_the_books_context_vectors():
    wrapper = MultiHeadAttentionWrapper.from_seed(3, 2, 6, 0.0, num_heads=2, seed=123)
    out = wrapper(book_batch(BOOK_INPUTS))
    assert tuple(out.shape) == (2, 6, 4)
    for item in out:
        assert_close(item, BOOK_PRINTED_MULTIHEAD["wrapper_context_vecs"])


@pytest.mark.parametrize(
    ("d_in", "d_out", "num_heads", "seed", "qkv_bias"),
    [(3, 2, 2, 123, False), (3, 1, 2, 123, False), (4, 3, 3, 9, True), (2, 5, 1, 0, False)],
)
def test_wrapper_from_seed_is_manual_seed_plus_constructor(d_in, d_out, num_heads, seed, qkv_bias):
    book = built_after_manual_seed(
        MultiHeadAttentionWrapper, d_in, d_out, 6, 0.0, num_heads, qkv_bias, seed=seed
    )
    with GlobalRngUntouched():
        ours = MultiHeadAttentionWrapper.from_seed(d_in, d_out, 6, 0.0, num_heads, seed, qkv_bias)
    same_parameters(ours, book)


def test_exercise_3_2_one_output_per_head_gives_two_columns():
    wrapper = MultiHeadAttentionWrapper.from_seed(3, 1, 6, 0.0, num_heads=2, seed=123)
    assert tuple(wrapper(book_batch(BOOK_INPUTS)).shape) == (2, 6, 2)


# ---- 3.6.2 MultiHeadAttention, and the two side by side ----------------------------------


def test_multihead_prints_the_books_context_vectors_and_keeps_raw_masked_scores():
    mha = MultiHeadAttention.from_seed(3, 2, 6, 0.0, num_heads=2, seed=123)
    printed = T(BOOK_PRINTED["multihead.context_vecs"]).view(6, 2)
    for item in mha(book_batch(BOOK_INPUTS)):
        torch.testing.assert_close(item, printed, atol=ATOL, rtol=0)
    trace = multihead_trace(mha, BOOK_INPUTS)
    visible = ~trace.mask
    assert torch.equal(trace.masked_scores[:, visible], trace.attn_scores[:, visible])
    assert torch.all(torch.isneginf(trace.masked_scores[:, trace.mask]))
    torch.testing.assert_close(trace.scaled_scores, trace.masked_scores / math.sqrt(trace.head_dim))


def test_wrapper_against_multihead_at_the_books_sizes():
    compared = compare_wrapper_and_multihead(BOOK_INPUTS, 2, 2, seed=123)
    assert tuple(compared.wrapper_out.shape) == (2, 6, 4)
    assert tuple(compared.mha_out.shape) == (2, 6, 2)
    assert compared.first_head_gap == 0.0  # head 1 draws first: it is step 3's CausalAttention
    assert (compared.wrapper_head_dim, compared.mha_head_dim) == (2, 1)
    assert compared.scaling_gap == 0.0  # head_dim = 1: sqrt(1) = 1, scaling does nothing
    assert compared.wrapper_parameters == 2 * 3 * 3 * 2
    assert compared.mha_parameters == 3 * 3 * 2 + 2 * 2 + 2


@pytest.mark.parametrize(("d_out", "num_heads"), [(4, 2), (6, 3), (8, 1)])
def test_each_head_scales_by_sqrt_head_dim(d_out, num_heads):
    compared = compare_wrapper_and_multihead(BOOK_INPUTS, d_out, num_heads)
    assert compared.mha_head_dim == d_out // num_heads > 1
    assert compared.scaling_gap > 0
    d_in = 3
    assert compared.wrapper_parameters == num_heads * 3 * d_in * d_out
    assert compared.mha_parameters == 3 * d_in * d_out + d_out * d_out + d_out
    assert tuple(compared.wrapper_out.shape) == (2, 6, d_out * num_heads)


def test_wrapper_and_comparison_reject_heads_that_do_not_divide():
    with pytest.raises(ValueError, match="divisible"):
        compare_wrapper_and_multihead(BOOK_INPUTS, 4, 3)
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttentionWrapper(3, 2, 6, 0.0, 0)


# ---- exercise 3.3: a GPT-2 sized module, counted on the meta device -------------------------


def test_gpt2_sized_multihead_has_the_books_parameter_count():
    count = count_parameters(**GPT2_SIZES)
    assert count.total == BOOK_GPT2_MHA_PARAMETERS == 4 * 768 * 768 + 768
    assert [name for name, _, _ in count.parameters] == [
        "W_query.weight", "W_key.weight", "W_value.weight", "out_proj.weight", "out_proj.bias",
    ]  # fmt: skip
    assert count.buffers == (("mask", (1024, 1024), 1024 * 1024),)
    assert count.total == sum(n for _, _, n in count.parameters)  # the mask is not counted


def test_parameter_count_equals_a_real_module():
    book = built_after_manual_seed(MultiHeadAttention, 5, 6, 7, 0.0, 3, True, seed=0)
    count = count_parameters(5, 6, 7, 3, qkv_bias=True)
    assert count.total == parameter_total(book) == sum(p.numel() for p in book.parameters())
    assert count.total == count_parameters(5, 6, 7, 3).total + 3 * 6


def test_counting_allocates_nothing():
    # 65,536 x 65,536 floats would be 16 GiB per matrix: only the meta device can count them
    count = count_parameters(65_536, 65_536, 65_536, 16)
    assert count.total == 4 * 65_536**2 + 65_536
    assert count.buffer_total == 65_536**2


def test_counting_rejects_heads_that_do_not_divide():
    with pytest.raises(ValueError, match="divisible"):
        count_parameters(768, 768, 1024, 7)


# ---- the global RNG ----------------------------------------------------------------------


def test_nothing_here_touches_the_global_rng():
    with GlobalRngUntouched():
        run_causal_attention(BOOK_INPUTS, 2, 6, dropout=0.0)
        compare_wrapper_and_multihead(BOOK_INPUTS, 4, 2, seed=5)
        count_parameters(**GPT2_SIZES)
        MultiHeadAttention.from_seed(3, 4, 6, 0.0, 2, seed=1)
        compare_causal_weights(v2_trace().attn_scores, 2)
