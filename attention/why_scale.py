"""Why scale by sqrt(d_k): measured, not asserted.

If the entries of q and k are independent with mean 0 and variance 1, then

    Var(q . k) = sum_i Var(q_i k_i) = d_k,

so the scores spread like sqrt(d_k). Large scores push softmax towards a one-hot step
function, whose Jacobian diag(alpha) - alpha alpha^T goes to zero: gradients vanish.
Dividing by sqrt(d_k) brings the variance back to 1 at every d_k.

The division also enters the chain rule. With omega = q . k and alpha = softmax(omega / T),

    dL/d omega = (1/T) dL/d(omega / T),        dL/dq = sum_j (dL/d omega_j) k_j,

so the scaled model pays a factor 1/sqrt(d_k) on the way back that the unscaled one does not.
Which effect wins (saturation or the factor) is measured here at the query, where the
gradient reaches W_query: ``query_grad_norm`` and ``scaling_pays_from``.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from attention.self_attention import scale_scores, softmax_with_temperature


@dataclass(frozen=True)
class SaturationStats:
    """How peaked softmax gets for random queries and keys of dimension d_k.

    All statistics are means over the sampled queries.
        score_std: spread of the scores that softmax sees (after scaling, if any)
        raw_score_std: spread of q . k before any scaling (about sqrt(d_k))
        max_weight: the largest attention weight of a row (1 = one-hot)
        entropy: -sum alpha log alpha, in nats (log(num_tokens) = uniform)
        effective_tokens: exp(entropy), how many tokens a query effectively attends to
        score_grad_norm: ||dL/d(omega / T)||, the gradient at the softmax input, for
            L = sum_j alpha_j g_j with a fixed random upstream gradient g (autograd);
            median over the queries, since a few unsaturated rows dominate a mean
        raw_score_grad_norm: ||dL/d omega||, the gradient at the raw scores omega = q . k:
            the one above times 1/T by the chain rule (median)
        query_grad_norm: ||dL/d q||, the gradient that reaches the query, and through it
            W_query (median)
        example_weights: (num_tokens,) the weights of the first query, for a bar chart
    """

    d_k: int
    scaled: bool
    temperature: float
    num_tokens: int
    score_std: float
    raw_score_std: float
    max_weight: float
    entropy: float
    effective_tokens: float
    score_grad_norm: float
    raw_score_grad_norm: float
    query_grad_norm: float
    example_weights: tuple[float, ...]


def random_queries_keys(
    d_k: int, num_tokens: int, num_queries: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Unit-variance queries and keys, and an upstream gradient, from a local generator.

    Shapes:
        -> queries: (num_queries, d_k); keys: (num_queries, num_tokens, d_k);
           upstream: (num_queries, num_tokens), the gradient dL/d alpha
    """
    generator = torch.Generator().manual_seed(int(seed))
    queries = torch.randn(num_queries, d_k, generator=generator)
    keys = torch.randn(num_queries, num_tokens, d_k, generator=generator)
    upstream = torch.randn(num_queries, num_tokens, generator=generator)
    return queries, keys, upstream


def _check(d_k: int, num_tokens: int, num_queries: int) -> None:
    if d_k < 1 or num_tokens < 1 or num_queries < 1:
        raise ValueError("d_k, num_tokens and num_queries must all be at least 1.")


def _measure(
    queries: torch.Tensor,
    keys: torch.Tensor,
    upstream: torch.Tensor,
    *,
    scaled: bool,
    temperature: float | None,
) -> SaturationStats:
    """One softmax over one draw, its peakedness and its gradients (autograd).

    alpha = softmax(omega / T), omega = q . k;  L = sum_j alpha_j g_j;  backward to q.
    T is sqrt(d_k) when ``scaled``, else 1; an explicit ``temperature`` overrides both.

    Shapes:
        queries: (Q, d_k); keys: (Q, num_tokens, d_k); upstream: (Q, num_tokens)
    """
    _, num_tokens, d_k = keys.shape  # (Q, num_tokens, d_k)
    if temperature is not None and not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}.")
    queries = queries.detach().clone().requires_grad_(True)  # a fresh leaf per measurement
    # (Q, d_k) -> (Q, 1, d_k) @ (Q, d_k, T) -> (Q, 1, T) -> (Q, T)
    raw_scores = (queries.unsqueeze(1) @ keys.transpose(1, 2)).squeeze(1)
    if temperature is None:
        temperature = math.sqrt(d_k) if scaled else 1.0
        scores = scale_scores(raw_scores, d_k) if scaled else raw_scores
    else:
        scores = raw_scores / temperature
    raw_scores.retain_grad()
    scores.retain_grad()
    attn_weights = torch.softmax(scores, dim=-1)  # (Q, T)
    (attn_weights * upstream).sum().backward()

    with torch.no_grad():
        entropy = -(attn_weights * attn_weights.clamp_min(1e-30).log()).sum(-1)  # (Q,)
        return SaturationStats(
            d_k=d_k,
            scaled=scaled,
            temperature=float(temperature),
            num_tokens=num_tokens,
            score_std=scores.std().item(),
            raw_score_std=raw_scores.std().item(),
            max_weight=attn_weights.max(-1).values.mean().item(),
            entropy=entropy.mean().item(),
            effective_tokens=entropy.exp().mean().item(),
            score_grad_norm=scores.grad.norm(dim=-1).median().item(),
            raw_score_grad_norm=raw_scores.grad.norm(dim=-1).median().item(),
            query_grad_norm=queries.grad.norm(dim=-1).median().item(),
            example_weights=tuple(attn_weights[0].tolist()),
        )


def softmax_saturation(
    d_k: int,
    *,
    scaled: bool = True,
    temperature: float | None = None,
    num_tokens: int = 8,
    num_queries: int = 256,
    seed: int = 0,
) -> SaturationStats:
    """Measure softmax peakedness and the gradient that flows back through it at one d_k.

    alpha = softmax(q K^T / T),  L = sum_j alpha_j g_j   (g ~ N(0, 1), fixed)

    dL/d scores = (diag(alpha) - alpha alpha^T) g: it vanishes as alpha becomes one-hot.
    dL/d omega = dL/d scores / T,  dL/dq = sum_j (dL/d omega_j) k_j.

    T is sqrt(d_k) when ``scaled``, else 1; an explicit ``temperature`` overrides both.
    Gradients come from autograd; their norms are medians over ``num_queries`` queries.

    Shapes:
        queries (num_queries, d_k); keys (num_queries, num_tokens, d_k) -> one SaturationStats
    """
    _check(d_k, num_tokens, num_queries)
    queries, keys, upstream = random_queries_keys(d_k, num_tokens, num_queries, seed)
    return _measure(queries, keys, upstream, scaled=scaled, temperature=temperature)


def saturation_sweep(
    d_ks: tuple[int, ...], *, num_tokens: int = 8, num_queries: int = 256, seed: int = 0
) -> tuple[SaturationStats, ...]:
    """``softmax_saturation`` at each d_k, unscaled and scaled (2 * len(d_ks) results).

    Both versions of one d_k see the same draw of queries, keys and upstream gradient.
    """
    out = []
    for d_k in d_ks:
        _check(d_k, num_tokens, num_queries)
        queries, keys, upstream = random_queries_keys(d_k, num_tokens, num_queries, seed)
        for scaled in (False, True):
            out.append(_measure(queries, keys, upstream, scaled=scaled, temperature=None))
    return tuple(out)


def by_d_k(sweep: Sequence[SaturationStats], d_k: int) -> tuple[SaturationStats, SaturationStats]:
    """The (unscaled, scaled) pair of a ``saturation_sweep`` at one d_k."""
    unscaled = next(s for s in sweep if s.d_k == d_k and not s.scaled)
    scaled = next(s for s in sweep if s.d_k == d_k and s.scaled)
    return unscaled, scaled


def query_gradient_ratio(unscaled: SaturationStats, scaled: SaturationStats) -> float:
    """||dL/dq|| scaled / ||dL/dq|| unscaled: above 1, scaling sends the query more gradient."""
    if unscaled.query_grad_norm == 0.0:
        return math.inf if scaled.query_grad_norm > 0.0 else 1.0
    return scaled.query_grad_norm / unscaled.query_grad_norm


def scaling_pays_from(sweep: Sequence[SaturationStats]) -> int | None:
    """The smallest d_k of the sweep from which on (that d_k and every larger one) the scaled
    model sends the query more gradient, ||dL/dq||, than the unscaled one; None if even the
    largest d_k does not.

    At d_k = 1 the two are the same model (sqrt(1) = 1), so d_k = 1 never counts.
    """
    d_ks = sorted({s.d_k for s in sweep})
    found = None
    for d_k in reversed(d_ks):
        if d_k > 1 and query_gradient_ratio(*by_d_k(sweep, d_k)) > 1.0:
            found = d_k
        else:
            break
    return found


def temperature_sweep(
    d_k: int,
    temperatures: Sequence[float],
    *,
    num_tokens: int = 8,
    num_queries: int = 256,
    seed: int = 0,
) -> tuple[SaturationStats, ...]:
    """``softmax_saturation(d_k, temperature=T)`` at each T, from one draw (the same seed,
    so T = 1 is the unscaled row of ``saturation_sweep`` and T = sqrt(d_k) its scaled row).

    Shapes:
        queries (num_queries, d_k); keys (num_queries, num_tokens, d_k)
        -> one SaturationStats per temperature
    """
    _check(d_k, num_tokens, num_queries)
    queries, keys, upstream = random_queries_keys(d_k, num_tokens, num_queries, seed)
    return tuple(
        _measure(queries, keys, upstream, scaled=False, temperature=float(t)) for t in temperatures
    )


@dataclass(frozen=True)
class TemperaturePoint:
    """Softmax peakedness at one temperature T, for the queries and keys of one d_k.

    alpha = softmax(q K^T / T);  H = -sum_j alpha_j log alpha_j;  effective tokens = e^H
    (means over the queries).
    """

    temperature: float
    max_weight: float
    entropy: float
    effective_tokens: float


def temperature_curve(
    d_k: int,
    temperatures: Sequence[float],
    *,
    num_tokens: int = 8,
    num_queries: int = 256,
    seed: int = 0,
) -> tuple[TemperaturePoint, ...]:
    """How peaked softmax(q K^T / T) is at each temperature T, for one draw at one d_k.

    The same queries and keys as ``softmax_saturation`` (same seed): T = 1 is its unscaled
    row, T = sqrt(d_k) its scaled one. No autograd: one draw, one softmax per temperature.

    Shapes:
        queries (num_queries, d_k); keys (num_queries, num_tokens, d_k)
        -> one TemperaturePoint per temperature
    """
    _check(d_k, num_tokens, num_queries)
    queries, keys, _ = random_queries_keys(d_k, num_tokens, num_queries, seed)
    # (Q, d_k) -> (Q, 1, d_k) @ (Q, d_k, T) -> (Q, 1, T) -> (Q, T)
    raw_scores = (queries.unsqueeze(1) @ keys.transpose(1, 2)).squeeze(1)
    points = []
    for temperature in temperatures:
        attn_weights = softmax_with_temperature(raw_scores, temperature)  # (Q, T)
        entropy = -(attn_weights * attn_weights.clamp_min(1e-30).log()).sum(-1)  # (Q,)
        points.append(
            TemperaturePoint(
                temperature=float(temperature),
                max_weight=attn_weights.max(-1).values.mean().item(),
                entropy=entropy.mean().item(),
                effective_tokens=entropy.exp().mean().item(),
            )
        )
    return tuple(points)
