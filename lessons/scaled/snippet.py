"""Notebook code that recomputes exactly what the scaled page shows, in the book's words.

The order of operations is the book's (and the page's): mask the raw scores, then divide by
√d_k inside the softmax, then dropout.
"""

from __future__ import annotations

from collections.abc import Sequence

from attention.self_attention import SelfAttention_v1, SelfAttention_v2
from lessons.scaled.controls import ClassOptions, Options
from ui import fmt
from ui.blocks import source
from ui.compute import NAMES
from ui.settings import LabSettings


def _number(value: float) -> str:
    return repr(float(value))


def _rows(matrix: Sequence[Sequence[float]], indent: str, comments: Sequence[str]) -> str:
    width = max(len(", ".join(_number(v) for v in row)) for row in matrix)
    lines = []
    for k, row in enumerate(matrix):
        body = "[" + ", ".join(_number(v) for v in row) + "],"
        comment = f"  # {comments[k]}" if comments else ""
        lines.append(f"{indent}{body:<{width + 3}}{comment}".rstrip())
    return "\n".join(lines)


def reproduce(current: LabSettings, options: Options) -> str:
    """Self-contained torch code computing what the page shows for these settings."""
    comments = [f"{t:<8} ({fmt.token(i)})" for i, t in enumerate(current.tokens)]
    edits = dict(current.weight_edits)
    lines = [
        "import torch",
        "",
        "inputs = torch.tensor(",
        "    [",
        _rows(current.inputs, "        ", comments),
        "    ]",
        ")",
        f"d_in, d_out = inputs.shape[1], {current.d_out}",
        "",
    ]
    seeds = current.qkv_seeds
    if len(set(seeds)) == 1 and not edits:
        lines += [
            f"torch.manual_seed({seeds[0]})",
            "W_query = torch.rand(d_in, d_out)",
            "W_key = torch.rand(d_in, d_out)",
            "W_value = torch.rand(d_in, d_out)",
        ]
    else:
        ordinal = ("1st", "2nd", "3rd")
        for k, (name, seed) in enumerate(zip(NAMES, seeds, strict=True)):
            if name in edits:
                lines += [f"{name} = torch.tensor(  # edited by hand", "    [",
                          _rows(edits[name], "        ", ()), "    ]", ")"]  # fmt: skip
                continue
            lines.append(f"torch.manual_seed({seed})")
            lines += ["torch.rand(d_in, d_out)  # skip a draw"] * k
            lines.append(f"{name} = torch.rand(d_in, d_out)  # {ordinal[k]} draw from seed {seed}")
    lines += [
        "",
        "queries = inputs @ W_query  # (num_tokens, d_out)",
        "keys = inputs @ W_key",
        "values = inputs @ W_value",
        "",
        "attn_scores = queries @ keys.T  # omega, (num_tokens, num_tokens)",
        "d_k = keys.shape[-1]",
    ]
    if options.causal:
        lines += [
            "context_length = inputs.shape[0]",
            "mask = torch.triu(torch.ones(context_length, context_length), diagonal=1)",
            "attn_scores = attn_scores.masked_fill(mask.bool(), -torch.inf)  # the raw scores",
        ]
    if current.scaled:
        lines.append("attn_weights = torch.softmax(attn_scores / d_k**0.5, dim=-1)")
    else:
        lines.append("attn_weights = torch.softmax(attn_scores, dim=-1)  # scaling switched off")
    if options.dropout:
        lines += [
            f"torch.manual_seed({options.dropout_seed})",
            f"dropout = torch.nn.Dropout({options.dropout})",
            "attn_weights = dropout(attn_weights)  # zeroes some, scales the rest by 1/(1-p)",
        ]
    q = current.query
    lines += [
        "context_vecs = attn_weights @ values  # (num_tokens, d_out)",
        "",
        f"print(attn_weights[{q}])  # the query {current.tokens[q]!r}",
        f"print(context_vecs[{q}])",
    ]
    return "\n".join(lines)


def classes(current: LabSettings, options: ClassOptions) -> str:
    """Self-contained code for section 3.4.2 and exercise 3.1 as the page shows them: the two
    classes (as the core defines them), built after their seeds, and the weight copy."""
    comments = [f"{t:<8} ({fmt.token(i)})" for i, t in enumerate(current.tokens)]
    lines = [
        "import torch",
        "from torch import nn",
        "",
        source(SelfAttention_v1, SelfAttention_v2),
        "",
        "inputs = torch.tensor(",
        "    [",
        _rows(current.inputs, "        ", comments),
        "    ]",
        ")",
        f"d_in, d_out = inputs.shape[1], {current.d_out}",
        "",
        f"torch.manual_seed({options.v1_seed})",
        "sa_v1 = SelfAttention_v1(d_in, d_out)",
        f"torch.manual_seed({options.v2_seed})",
        "sa_v2 = SelfAttention_v2(d_in, d_out)",
        "print(sa_v1(inputs))",
        "print(sa_v2(inputs))",
    ]
    if options.copy != "none":
        t = ".T" if options.copy == "transposed" else ""
        lines += ["", "# exercise 3.1: v2's weights into v1"]
        lines += [f"sa_v1.{n} = nn.Parameter(sa_v2.{n}.weight{t})" for n in NAMES]
        lines.append("print(sa_v1(inputs))  # the same as sa_v2(inputs)?")
    return "\n".join(lines)
