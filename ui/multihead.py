"""Glue for the causal / multi-head page: small tables and the reproduce-this snippet."""

import pandas as pd

from attention import MultiHeadTrace
from ui.inputs import Matrix


def divisors(d_out: int) -> list[int]:
    """The head counts that split d_out evenly: num_heads must divide d_out."""
    return [h for h in range(1, d_out + 1) if d_out % h == 0]


def shapes_frame(trace: MultiHeadTrace) -> pd.DataFrame:
    """The tensor shape after each step of the forward pass, as a table."""
    return pd.DataFrame(
        [{"step": label, "shape": str(tuple(shape))} for label, shape in trace.shapes]
    )


def reproduce_snippet(inputs: Matrix, d_out: int, num_heads: int, seed: int) -> str:
    """Notebook code that rebuilds this multi-head result with the book's class."""
    rows = ",\n    ".join(str(list(row)) for row in inputs)
    return f"""import torch
from attention import MultiHeadAttention  # or paste the book's class (section 3.6.2)

inputs = torch.tensor([
    {rows}
])
batch = inputs.unsqueeze(0)  # (num_tokens, d_in) -> (b=1, num_tokens, d_in)
torch.manual_seed({seed})
mha = MultiHeadAttention(d_in={len(inputs[0])}, d_out={d_out}, context_length={len(inputs)},
                         dropout=0.0, num_heads={num_heads})
context_vecs = mha(batch)
print(context_vecs)
"""
