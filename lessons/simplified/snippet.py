"""Notebook code that recomputes what the simplified page shows, in the book's words (3.3)."""

from __future__ import annotations

from collections.abc import Sequence

from ui import fmt
from ui.compute import SimplifiedView
from ui.inputs import Matrix


def reproduce(tokens: Sequence[str], inputs: Matrix, q: int, simple: SimplifiedView) -> str:
    """Self-contained torch code (nothing but torch) for these embeddings and the query ``q``."""
    n = q + 1
    width = max(len(repr(t)) for t in tokens)
    rows = "\n".join(
        f"        [{', '.join(repr(float(x)) for x in row)}],  # {t!r:<{width}} ({fmt.token(j)})"
        for j, (t, row) in enumerate(zip(tokens, inputs, strict=True))
    )
    return f"""import torch

inputs = torch.tensor(
    [
{rows}
    ]
)

# Section 3.3.1: one query, {tokens[q]!r} ({fmt.token(q)})
query = inputs[{q}]  # Python counts from 0: row {q} is {fmt.token(q)}
attn_scores_{n} = torch.empty(inputs.shape[0])
for i, x_i in enumerate(inputs):
    attn_scores_{n}[i] = torch.dot(x_i, query)  # step 1: dot products
print(attn_scores_{n})  # expect {fmt.vector(simple.attn_scores[q])}

attn_weights_{n}_tmp = attn_scores_{n} / attn_scores_{n}.sum()  # score / sum: the first try
attn_weights_{n} = torch.softmax(attn_scores_{n}, dim=0)  # step 2 (a 1-d row: dim=0 is its only dim)
print(attn_weights_{n}, attn_weights_{n}.sum())  # expect {fmt.vector(simple.attn_weights[q])}

context_vec_{n} = torch.zeros(query.shape)
for i, x_i in enumerate(inputs):
    context_vec_{n} += attn_weights_{n}[i] * x_i  # step 3: weighted sum
print(context_vec_{n})  # expect {fmt.vector(simple.context_vecs[q])}

# Section 3.3.2: every query at once
attn_scores = inputs @ inputs.T
attn_weights = torch.softmax(attn_scores, dim=-1)  # each row sums to 1
print(attn_weights.sum(dim=-1))
all_context_vecs = attn_weights @ inputs
print(all_context_vecs)
"""
