"""The why-scale core (``attention.why_scale``): the gradient at the query, where scaling pays,
and the temperature sweep, checked against hand computations and the issue's numbers."""

import dataclasses
import functools
import math

import pytest
import torch

from attention.why_scale import (
    SaturationStats,
    by_d_k,
    query_gradient_ratio,
    random_queries_keys,
    saturation_sweep,
    scaling_pays_from,
    softmax_saturation,
    temperature_curve,
    temperature_sweep,
)

D_KS = tuple(2**i for i in range(11))
TEMPERATURES = tuple(2 ** (i / 2) for i in range(-4, 15))


@functools.cache
def sweep(num_tokens: int = 8, seed: int = 0) -> tuple[SaturationStats, ...]:
    return saturation_sweep(D_KS, num_tokens=num_tokens, seed=seed)


def test_the_sweep_is_softmax_saturation_at_every_d_k() -> None:
    for d_k in (1, 8, 64, 1024):
        unscaled, scaled = by_d_k(sweep(), d_k)
        assert unscaled == softmax_saturation(d_k, scaled=False)
        assert scaled == softmax_saturation(d_k, scaled=True)


def test_query_gradient_is_the_chain_rule_by_hand() -> None:
    """dL/dq = sum_j (dL/d omega_j) k_j with dL/d omega = (1/T)(diag(a) - a a^T) g."""
    d_k, n, q = 16, 6, 32
    for scaled in (False, True):
        stats = softmax_saturation(d_k, scaled=scaled, num_tokens=n, num_queries=q, seed=4)
        queries, keys, g = random_queries_keys(d_k, n, q, seed=4)
        t = math.sqrt(d_k) if scaled else 1.0
        omega = (queries.unsqueeze(1) @ keys.transpose(1, 2)).squeeze(1)  # (q, n)
        alpha = torch.softmax(omega / t, dim=-1)
        at_input = alpha * g - alpha * (alpha * g).sum(-1, keepdim=True)  # (q, n)
        at_omega = at_input / t
        at_query = (at_omega.unsqueeze(-1) * keys).sum(1)  # (q, d_k)
        assert stats.score_grad_norm == pytest.approx(at_input.norm(dim=-1).median().item(), 1e-4)
        assert stats.raw_score_grad_norm == pytest.approx(
            at_omega.norm(dim=-1).median().item(), rel=1e-4
        )
        assert stats.query_grad_norm == pytest.approx(
            at_query.norm(dim=-1).median().item(), rel=1e-4
        )


def test_the_raw_score_gradient_is_the_softmax_input_one_over_t() -> None:
    for d_k in (4, 64, 1024):
        unscaled, scaled = by_d_k(sweep(), d_k)
        assert unscaled.raw_score_grad_norm == unscaled.score_grad_norm  # T = 1
        assert scaled.raw_score_grad_norm == pytest.approx(
            scaled.score_grad_norm / math.sqrt(d_k), rel=1e-5
        )


def test_the_issue_numbers_at_the_default_settings() -> None:
    """Issue 11.1: at d_k = 1024 the query gets ~1,476x less gradient without scaling (the old
    page's 47,552x was the softmax input's ratio); at d_k = 64 ~1.47x; at 2-32 the unscaled
    model sends more (0.49x to 0.75x)."""
    big_u, big_s = by_d_k(sweep(), 1024)
    assert round(query_gradient_ratio(big_u, big_s)) == 1476
    assert round(big_s.score_grad_norm / big_u.score_grad_norm, -2) == 47_600  # 47,552
    assert query_gradient_ratio(*by_d_k(sweep(), 64)) == pytest.approx(1.47, abs=0.005)
    small = [query_gradient_ratio(*by_d_k(sweep(), d)) for d in (2, 4, 8, 16, 32)]
    assert all(0.49 <= r <= 0.76 for r in small), small
    assert scaling_pays_from(sweep()) == 64


@pytest.mark.parametrize(
    ("num_tokens", "seed", "expected"), [(8, 0, 64), (8, 5, 64), (4, 0, 32), (32, 0, 256)]
)
def test_scaling_pays_from_other_settings(num_tokens: int, seed: int, expected: int) -> None:
    result = sweep(num_tokens, seed)
    pays = scaling_pays_from(result)
    assert pays == expected
    for d_k in D_KS:
        r = query_gradient_ratio(*by_d_k(result, d_k))
        if d_k >= pays:
            assert r > 1.0
    assert query_gradient_ratio(*by_d_k(result, pays // 2)) <= 1.0


def _with_ratios(ratios: dict[int, float]) -> tuple[SaturationStats, ...]:
    """A synthetic sweep whose scaled/unscaled query gradient ratio is ``ratios[d_k]``."""
    base = softmax_saturation(1, num_queries=4)
    out = []
    for d_k, r in ratios.items():
        out.append(dataclasses.replace(base, d_k=d_k, scaled=False, query_grad_norm=1.0))
        out.append(dataclasses.replace(base, d_k=d_k, scaled=True, query_grad_norm=r))
    return tuple(out)


def test_scaling_pays_from_needs_every_larger_d_k() -> None:
    assert scaling_pays_from(_with_ratios({1: 1.0, 2: 2.0, 4: 0.5, 8: 3.0, 16: 9.0})) == 8
    assert scaling_pays_from(_with_ratios({1: 1.0, 2: 2.0, 4: 3.0})) == 2
    assert scaling_pays_from(_with_ratios({1: 5.0, 2: 2.0})) == 2  # d_k = 1 never counts
    assert scaling_pays_from(_with_ratios({1: 1.0, 2: 2.0, 4: 0.9})) is None
    assert scaling_pays_from(_with_ratios({1: 1.0, 2: 1.0})) is None  # equal is not more


def test_query_gradient_ratio_of_a_vanished_gradient() -> None:
    (zero, some) = _with_ratios({2: 0.5})
    zero = dataclasses.replace(zero, query_grad_norm=0.0)
    assert query_gradient_ratio(zero, some) == math.inf
    assert query_gradient_ratio(zero, dataclasses.replace(some, query_grad_norm=0.0)) == 1.0


def test_temperature_sweep_is_softmax_saturation_at_each_t() -> None:
    for d_k in (2, 64):
        result = temperature_sweep(d_k, TEMPERATURES, num_tokens=8, seed=3)
        assert len(result) == len(TEMPERATURES)
        for t, stats in zip(TEMPERATURES, result, strict=True):
            assert stats == softmax_saturation(
                d_k, scaled=False, temperature=t, num_tokens=8, seed=3
            )
        by_t = dict(zip(TEMPERATURES, result, strict=True))
        unscaled, scaled = by_d_k(sweep(8, 3), d_k)
        same = ("max_weight", "entropy", "effective_tokens", "query_grad_norm", "score_std")
        for name in same:  # T = 1 is unscaled attention, T = √d_k scaled attention
            assert getattr(by_t[1.0], name) == pytest.approx(getattr(unscaled, name), rel=1e-6)
            root = min(TEMPERATURES, key=lambda t: abs(t - math.sqrt(d_k)))
            assert getattr(by_t[root], name) == pytest.approx(getattr(scaled, name), rel=1e-6)


def test_temperature_curve_agrees_with_the_temperature_sweep() -> None:
    curve = temperature_curve(64, TEMPERATURES, num_tokens=8, seed=0)
    stats = temperature_sweep(64, TEMPERATURES, num_tokens=8, seed=0)
    for point, s in zip(curve, stats, strict=True):
        assert point.temperature == s.temperature
        assert point.effective_tokens == pytest.approx(s.effective_tokens, rel=1e-6)
        assert point.max_weight == pytest.approx(s.max_weight, rel=1e-6)
    tokens = [p.effective_tokens for p in curve]
    assert tokens == sorted(tokens)  # hotter is flatter


def test_temperature_sweep_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="temperature must be positive"):
        temperature_sweep(8, (1.0, 0.0))
    with pytest.raises(ValueError, match="at least 1"):
        temperature_sweep(0, (1.0,))
    with pytest.raises(ValueError, match="at least 1"):
        saturation_sweep((8, 0))
