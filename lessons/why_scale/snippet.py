"""Notebook code that prints the numbers the why-scale page shows for these settings.

Pure torch and self-contained. ``torch.manual_seed(seed)`` followed by the same three draws
gives the same numbers as the core's ``torch.Generator().manual_seed(seed)``.
"""

from __future__ import annotations

from lessons.why_scale.controls import NUM_QUERIES, format_temperature


def reproduce(d_k: int, num_tokens: int, seed: int, temperature: float) -> str:
    """The snippet for d_k, keys per query, the seed and your T."""
    return f"""import math
import torch

d_k, num_tokens, num_queries, seed = {d_k}, {num_tokens}, {NUM_QUERIES}, {seed}
T = {temperature!r}  # your temperature ({format_temperature(temperature)}); math.sqrt(d_k) = scaled

torch.manual_seed(seed)
queries = torch.randn(num_queries, d_k)  # entries ~ N(0, 1): independent, mean 0, variance 1
keys = torch.randn(num_queries, num_tokens, d_k)  # num_tokens keys per query
upstream = torch.randn(num_queries, num_tokens)  # g: a fixed random gradient dL/d(attn_weights)

for name, temperature in [("unscaled", 1.0), ("scaled", math.sqrt(d_k)), ("your T", T)]:
    q = queries.clone().requires_grad_(True)
    # (Q, d_k) -> (Q, 1, d_k) @ (Q, d_k, num_tokens) -> (Q, 1, num_tokens) -> (Q, num_tokens)
    attn_scores = (q.unsqueeze(1) @ keys.transpose(1, 2)).squeeze(1)  # omega = q . k
    scores = attn_scores / temperature  # the softmax input
    attn_scores.retain_grad()
    scores.retain_grad()
    attn_weights = torch.softmax(scores, dim=-1)  # (Q, num_tokens)
    (attn_weights * upstream).sum().backward()  # L = sum_j alpha_j g_j
    entropy = -(attn_weights * attn_weights.clamp_min(1e-30).log()).sum(-1)
    print(
        f"{{name:>8}} (T = {{temperature:.3g}}): "
        f"std of omega {{attn_scores.std():.2f}}, std of omega/T {{scores.std():.2f}}, "
        f"max weight {{attn_weights.max(-1).values.mean():.3f}}, "
        f"entropy {{entropy.mean():.3f}}, "
        f"effective tokens {{entropy.exp().mean():.2f}}, "
        f"|dL/dq| {{q.grad.norm(dim=-1).median():.3g}}, "
        f"|dL/d omega| {{attn_scores.grad.norm(dim=-1).median():.3g}}, "
        f"|dL/d(omega/T)| {{scores.grad.norm(dim=-1).median():.3g}}"
    )
"""
