"""Bad input must raise ``ValueError`` with a message a student can read.

The pages show ``str(error)`` as is, so every entry point of the core must turn bad input into a
``ValueError`` (never a ``RuntimeError`` from deep inside torch, never a silent NaN).
"""

import math

import pytest
import torch

from attention import (
    BOOK_INPUTS,
    MultiHeadAttention,
    bahdanau_attention,
    dropout_mask,
    init_qkv_weights,
    multihead_trace,
    self_attention,
    simplified_self_attention,
    softmax_saturation,
    softmax_with_temperature,
)


def weights(d_in: int = 3, d_out: int = 2):
    return init_qkv_weights(d_in, d_out, seed=123)


def run_simplified(inputs):
    return simplified_self_attention(inputs)


def run_self_attention(inputs):
    d_in = inputs.shape[-1] if inputs.dim() >= 1 else 1
    return self_attention(inputs, *weights(max(d_in, 1)))


def run_multihead(inputs):
    d_in = inputs.shape[-1] if inputs.dim() >= 1 else 1
    mha = MultiHeadAttention.from_seed(max(d_in, 1), 4, 8, 0.0, num_heads=2, seed=0)
    return multihead_trace(mha, inputs)


ENTRY_POINTS = [
    pytest.param(run_simplified, id="simplified"),
    pytest.param(run_self_attention, id="self_attention"),
    pytest.param(run_multihead, id="multihead_trace"),
]

BAD_INPUTS = [
    pytest.param(torch.rand(3), r"shape \(num_tokens, d_in\)", id="1-D"),
    pytest.param(torch.rand(2, 6, 3), r"shape \(num_tokens, d_in\)", id="3-D"),
    pytest.param(torch.rand(0, 3), "zero tokens", id="zero-tokens"),
    pytest.param(torch.rand(6, 0), "d_in = 0", id="d_in-0"),
    pytest.param(torch.ones(6, 3, dtype=torch.int64), "floating-point", id="int64"),
    pytest.param(torch.ones(6, 3, dtype=torch.bool), "floating-point", id="bool"),
    pytest.param(
        BOOK_INPUTS.clone().index_put_((torch.tensor(2), torch.tensor(1)), torch.tensor(math.nan)),
        "finite",
        id="nan",
    ),
    pytest.param(
        BOOK_INPUTS.clone().index_put_((torch.tensor(5), torch.tensor(2)), torch.tensor(math.inf)),
        "finite",
        id="inf",
    ),
    pytest.param(
        BOOK_INPUTS.clone().index_put_((torch.tensor(0), torch.tensor(0)), torch.tensor(-math.inf)),
        "finite",
        id="-inf",
    ),
    pytest.param(torch.full((6, 3), 1e30), "overflow", id="huge-1e30"),
]


@pytest.mark.parametrize(("inputs", "message"), BAD_INPUTS)
@pytest.mark.parametrize("run", ENTRY_POINTS)
def test_bad_inputs_raise_readable_value_error(run, inputs, message):
    with pytest.raises(ValueError, match=message):
        run(inputs)


def test_nan_message_points_at_the_entry():
    inputs = BOOK_INPUTS.clone()
    inputs[2, 1] = math.nan
    with pytest.raises(ValueError, match=r"inputs .*entry \(2, 1\) is nan"):
        simplified_self_attention(inputs)


def test_multihead_trace_rejects_inputs_that_do_not_fit_d_in():
    mha = MultiHeadAttention.from_seed(3, 4, 8, 0.0, num_heads=2, seed=0)
    with pytest.raises(ValueError, match="d_in"):
        multihead_trace(mha, torch.rand(5, 4))


def test_multihead_trace_rejects_more_tokens_than_context_length():
    mha = MultiHeadAttention.from_seed(3, 4, 6, 0.0, num_heads=2, seed=0)
    with pytest.raises(ValueError, match="context_length = 6"):
        multihead_trace(mha, torch.rand(7, 3))


# ------------------------------------------------------------------------------- weights
@pytest.mark.parametrize("which", [0, 1, 2], ids=["W_query", "W_key", "W_value"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_weights_raise(which, bad):
    ws = list(weights())
    ws[which] = ws[which].clone()
    ws[which][1, 0] = bad
    name = ("W_query", "W_key", "W_value")[which]
    with pytest.raises(ValueError, match=f"{name} must hold finite numbers"):
        self_attention(BOOK_INPUTS, *ws)


@pytest.mark.parametrize("which", [0, 1, 2], ids=["W_query", "W_key", "W_value"])
def test_non_float_weights_raise(which):
    ws = list(weights())
    ws[which] = torch.ones(3, 2, dtype=torch.int64)
    with pytest.raises(ValueError, match="floating-point"):
        self_attention(BOOK_INPUTS, *ws)


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        pytest.param(
            ((4, 2), (3, 2), (3, 2)), "W_query has shape \\(4, 2\\).*d_in = 3", id="W_query-rows"
        ),
        pytest.param(((3, 2), (2, 2), (3, 2)), "W_key has shape \\(2, 2\\)", id="W_key-rows"),
        pytest.param(((3, 2), (3, 3), (3, 2)), "W_key has d_out = 3; expected 2", id="W_key-cols"),
        pytest.param(((3, 2), (3, 2), (5, 2)), "W_value has shape \\(5, 2\\)", id="W_value-rows"),
        pytest.param(((3, 0), (3, 0), (3, 2)), "d_out = 0", id="W_query-empty"),
        pytest.param(((3,), (3, 2), (3, 2)), "W_query must be a matrix", id="W_query-1-D"),
    ],
)
def test_weight_shapes_that_do_not_fit(shapes, message):
    ws = [torch.rand(*shape) for shape in shapes]
    with pytest.raises(ValueError, match=message):
        self_attention(BOOK_INPUTS, *ws)


def test_huge_weights_overflow():
    W_query, W_key, W_value = weights()
    with pytest.raises(ValueError, match="overflow"):
        self_attention(BOOK_INPUTS, W_query * 1e30, W_key * 1e30, W_value)


@pytest.mark.parametrize(("d_in", "d_out"), [(0, 2), (3, 0), (-1, 2)])
def test_init_qkv_weights_rejects_empty_sizes(d_in, d_out):
    with pytest.raises(ValueError, match="at least 1"):
        init_qkv_weights(d_in, d_out, seed=0)


# -------------------------------------------------------------------------------- heads
@pytest.mark.parametrize(("d_out", "num_heads"), [(3, 2), (5, 4), (2, 3)])
def test_d_out_not_divisible_by_num_heads(d_out, num_heads):
    with pytest.raises(ValueError, match=f"d_out \\({d_out}\\) must be divisible by num_heads"):
        MultiHeadAttention(3, d_out, 6, 0.0, num_heads)
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention.from_seed(3, d_out, 6, 0.0, num_heads, seed=0)


def test_zero_heads():
    with pytest.raises(ValueError, match="num_heads must be at least 1"):
        MultiHeadAttention(3, 2, 6, 0.0, 0)


# ------------------------------------------------------------------------------ dropout
BAD_DROPOUT = [-0.1, 1.0, 1.5, math.nan]


@pytest.mark.parametrize("p", BAD_DROPOUT)
def test_dropout_outside_unit_interval_self_attention(p):
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        self_attention(BOOK_INPUTS, *weights(), dropout=p)


@pytest.mark.parametrize("p", BAD_DROPOUT)
def test_dropout_outside_unit_interval_multihead(p):
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        MultiHeadAttention(3, 2, 6, p, num_heads=2)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        MultiHeadAttention.from_seed(3, 2, 6, p, num_heads=2, seed=0)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_outside_unit_interval_dropout_mask(p):
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        dropout_mask((6, 6), p, seed=123)


# -------------------------------------------------------------------------- temperature
@pytest.mark.parametrize("temperature", [0.0, -1.0, -1e-9, math.nan])
def test_temperature_must_be_positive(temperature):
    with pytest.raises(ValueError, match="temperature must be positive"):
        softmax_with_temperature(torch.rand(3, 3), temperature)
    with pytest.raises(ValueError, match="temperature must be positive"):
        softmax_saturation(8, temperature=temperature, num_queries=4)


@pytest.mark.parametrize(
    "kwargs", [{"d_k": 0}, {"d_k": 4, "num_tokens": 0}, {"d_k": 4, "num_queries": 0}]
)
def test_softmax_saturation_rejects_empty_sizes(kwargs):
    d_k = kwargs.pop("d_k")
    with pytest.raises(ValueError, match="at least 1"):
        softmax_saturation(d_k, **kwargs)


# ----------------------------------------------------------------------------- Bahdanau
def additive_args():
    gen = torch.Generator().manual_seed(0)
    return {
        "s_prev": torch.rand(4, generator=gen),
        "encoder_states": torch.rand(6, 3, generator=gen),
        "W_a": torch.rand(4, 5, generator=gen),
        "U_a": torch.rand(3, 5, generator=gen),
        "v_a": torch.rand(5, generator=gen),
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        pytest.param("encoder_states", torch.rand(0, 3), "at least one state", id="no-states"),
        pytest.param("encoder_states", torch.rand(3), r"\(\.\.\., T, d_enc\)", id="states-1-D"),
        pytest.param("W_a", torch.rand(5, 5), "W_a must have shape", id="W_a-rows"),
        pytest.param("U_a", torch.rand(3, 4), "U_a must have shape", id="U_a-cols"),
        pytest.param("U_a", torch.rand(2, 5), "U_a must have shape", id="U_a-rows"),
        pytest.param("v_a", torch.rand(4), "v_a must have shape", id="v_a"),
    ],
)
def test_bahdanau_shapes(name, value, message):
    args = additive_args()
    args[name] = value
    with pytest.raises(ValueError, match=message):
        bahdanau_attention(**args)


@pytest.mark.parametrize("name", ["s_prev", "encoder_states", "W_a", "U_a", "v_a"])
@pytest.mark.parametrize("bad", [math.nan, math.inf], ids=["nan", "inf"])
def test_bahdanau_non_finite(name, bad):
    args = additive_args()
    tensor = args[name].clone()
    tensor.view(-1)[0] = bad
    args[name] = tensor
    with pytest.raises(ValueError, match=f"{name} must hold finite numbers"):
        bahdanau_attention(**args)
