"""Notebook code that recomputes what the multihead page shows, with the book's own code.

Steps 1-2 are written out as the book writes them in 3.5.1-3.5.2; steps 3-5 call the book's
classes after ``torch.manual_seed``, exactly as its notebook does.
"""

from __future__ import annotations

from collections.abc import Sequence

from ui import fmt
from ui.compute import NAMES
from ui.settings import LabSettings, WeightEdits


def _rows(matrix: Sequence[Sequence[float]], indent: str, comments: Sequence[str] = ()) -> str:
    lines = []
    for k, row in enumerate(matrix):
        body = "[" + ", ".join(repr(float(v)) for v in row) + "],"
        lines.append(f"{indent}{body}" + (f"  # {comments[k]}" if comments else ""))
    return "\n".join(lines)


def _weights(current: LabSettings, book_v2: bool, edits: WeightEdits) -> list[str]:
    if book_v2:
        return [
            "torch.manual_seed(789)  # SelfAttention_v2's three nn.Linear layers",
            "W_query = torch.nn.Linear(d_in, d_out, bias=False)",
            "W_key = torch.nn.Linear(d_in, d_out, bias=False)",
            "W_value = torch.nn.Linear(d_in, d_out, bias=False)",
            "queries, keys, values = W_query(inputs), W_key(inputs), W_value(inputs)",
        ]
    edited, seeds, lines = dict(edits), current.qkv_seeds, []
    if len(set(seeds)) == 1 and not edited:
        lines += [f"torch.manual_seed({seeds[0]})  # the Scaled dot-product page's weights"]
        lines += [f"{name} = torch.rand(d_in, d_out)" for name in NAMES]
    else:
        for k, (name, seed) in enumerate(zip(NAMES, seeds, strict=True)):
            if name in edited:
                lines += [f"{name} = torch.tensor([  # edited by hand",
                          _rows(edited[name], "    "), "])"]  # fmt: skip
                continue
            lines.append(f"torch.manual_seed({seed})")
            lines += ["torch.rand(d_in, d_out)  # skip a draw"] * k
            lines.append(f"{name} = torch.rand(d_in, d_out)")
    lines.append("queries, keys, values = inputs @ W_query, inputs @ W_key, inputs @ W_value")
    return lines


def reproduce(
    current: LabSettings,
    *,
    book_v2: bool,
    edits: WeightEdits,
    dropout: float,
    dropout_seed: int,
    context_length: int,
    num_heads: int,
    seed: int,
) -> str:
    """Self-contained torch code (plus the book's classes) for these settings."""
    comments = [f"{t} ({fmt.token(i)})" for i, t in enumerate(current.tokens)]
    lines = [
        "import torch",
        "from attention.causal import CausalAttention  # or paste the book's classes",
        "from attention.multihead import MultiHeadAttention, MultiHeadAttentionWrapper",
        "",
        "inputs = torch.tensor([",
        _rows(current.inputs, "    ", comments),
        "])",
        f"d_in, d_out = inputs.shape[1], {current.d_out}",
        "",
        "# ---- 1 · the causal mask (3.5.1) ----",
        *_weights(current, book_v2, edits),
        "attn_scores = queries @ keys.T",
        "num_tokens = attn_scores.shape[0]",
        "mask = torch.triu(torch.ones(num_tokens, num_tokens), diagonal=1)",
        "masked = attn_scores.masked_fill(mask.bool(), -torch.inf)  # the raw scores",
        "attn_weights = torch.softmax(masked / keys.shape[-1]**0.5, dim=-1)",
        "print(masked)",
        "print(attn_weights)",
        "",
        "# ---- 2 · dropout (3.5.2) ----",
        f"torch.manual_seed({dropout_seed})",
        f"dropout = torch.nn.Dropout({dropout})",
        "dropped = dropout(attn_weights)",
        "print(dropped)",
        "",
        "# ---- 3 · CausalAttention (3.5.3) ----",
        "batch = torch.stack((inputs, inputs), dim=0)  # (2, num_tokens, d_in)",
        f"torch.manual_seed({seed})",
        f"ca = CausalAttention(d_in, d_out, context_length={context_length}, dropout=0.0)",
        "try:",
        "    causal_context_vecs = ca(batch)",
        "    print(causal_context_vecs)",
        "except RuntimeError as error:  # more tokens than context_length",
        "    print(error)",
        "",
        "# ---- 4 · MultiHeadAttention (3.6.2) ----",
        f"torch.manual_seed({seed})",
        f"mha = MultiHeadAttention(d_in, d_out, num_tokens, 0.0, num_heads={num_heads})",
        "mha_context_vecs = mha(batch)",
        "print(mha_context_vecs)",
        "",
        "# ---- 5 · the wrapper (3.6.1): d_out per head ----",
        f"torch.manual_seed({seed})",
        f"wrapper = MultiHeadAttentionWrapper(d_in, d_out, num_tokens, 0.0, num_heads={num_heads})",
        "wrapper_context_vecs = wrapper(batch)",
        "print(wrapper_context_vecs.shape)",
    ]
    return "\n".join(lines)
