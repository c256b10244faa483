"""The multihead lesson's sentences, each built from the numbers it speaks of.

A sentence that says "matches the book" compares the numbers first (to the 4 decimals the
book prints); a sentence about a special case (a row dropped entirely, scaling by 1) is only
built when the numbers show that case.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from attention.causal import BOOK_MODULE_SEED, BOOK_PRINTED_CAUSAL
from attention.data import BOOK_D_OUT, BOOK_PRINTED, BOOK_SEED, BOOK_TOKENS, BOOK_V2_SEED
from attention.multihead import BOOK_GPT2_MHA_PARAMETERS, BOOK_PRINTED_MULTIHEAD, GPT2_SIZES
from lessons.multihead.controls import BOOK_DROPOUT, Choices, Sizes
from lessons.multihead.view import CausalModuleView, ComparisonView, CountView, Roads
from ui import fmt
from ui.compute import AttentionView
from ui.inputs import Matrix
from ui.settings import LabSettings

ATOL = 1e-4  # the book prints 4 decimals
BOOK_MHA: Matrix = tuple(
    tuple(BOOK_PRINTED["multihead.context_vecs"][i : i + 2]) for i in range(0, 12, 2)
)


def same(gap: float) -> str:
    """ "exactly the same" / "the same up to rounding" / "different", from a largest gap."""
    if gap == 0:
        return "exactly the same (every difference is 0)"
    if gap < 1e-6:
        return f"the same up to float rounding (largest difference {gap:.1e})"
    return f"different (largest difference {gap:.2g})"


def matches(ours: Sequence[Sequence[float]], book: Sequence[Sequence[float]]) -> bool:
    """Equal to the book's printed matrix to its 4 decimals (-inf equal to -inf)."""
    if len(ours) != len(book) or any(len(a) != len(b) for a, b in zip(ours, book, strict=True)):
        return False
    return all(
        (a == b) if math.isinf(b) else abs(a - b) <= ATOL + 1e-6
        for row_a, row_b in zip(ours, book, strict=True)
        for a, b in zip(row_a, row_b, strict=True)
    )


@dataclass(frozen=True)
class Verdict:
    """A book check: does it apply, and if so does it match; the sentence to show."""

    applies: bool
    matched: bool
    text: str


def _sizes(current: LabSettings) -> list[str]:
    out = []
    if not current.is_book_embeddings:
        out.append("the embeddings are not the book's six tokens")
    if current.d_out != BOOK_D_OUT:
        out.append(f"d_out is {current.d_out}, not {BOOK_D_OUT}")
    return out


def status(current: LabSettings, choices: Choices) -> str:
    """Above the steps: is this the book's example, and if not, why not."""
    differences = _sizes(current)
    if not choices.book_v2:
        differences.append("steps 1-2 use the scaled page's weights, not SelfAttention_v2's")
    if choices.seed != BOOK_MODULE_SEED:
        differences.append(f"the modules' seed is {choices.seed}, not {BOOK_MODULE_SEED}")
    if choices.num_heads != 2:
        differences.append(f"num_heads is {choices.num_heads}, not 2")
    if not differences:
        return (
            f"📖 **The book's example:** its six tokens, d_out = {BOOK_D_OUT}, SelfAttention_v2's "
            f"weights (seed {BOOK_V2_SEED}) in steps 1-2 and seed {BOOK_MODULE_SEED} for the "
            "modules of steps 3-6. Each step compares what it computes with what the book prints."
        )
    return (
        "📖 Not the book's example: " + "; ".join(differences) + ". The book's printed numbers "
        "apply where a step says so; the sidebar's **Reset to the book's example** brings them "
        "all back."
    )


# ---- step 1: the causal mask -------------------------------------------------------------------


def weights_source(current: LabSettings, book_v2: bool) -> str:
    d_in, d_out = current.d_in, current.d_out
    if book_v2:
        return (
            f"The book's `SelfAttention_v2`: three `nn.Linear({d_in}, {d_out}, bias=False)` "
            f"after `torch.manual_seed({BOOK_V2_SEED})`, d_out = {d_out}."
        )
    edited = [name for name, _ in current.weight_edits]
    edits = f", with your hand edits of {', '.join(edited)}" if edited else ""
    return (
        f"The *Scaled dot-product attention* page's weights: `torch.rand({d_in}, {d_out})` "
        f"after `torch.manual_seed`, seed(s) {fmt.seeds(current.qkv_seeds)}{edits}."
    )


def causal_verdict(
    current: LabSettings, book_v2: bool, view: AttentionView, roads: Roads
) -> Verdict:
    """Section 3.5.1's printed matrices against ours, when they apply."""
    differences = _sizes(current) + ([] if book_v2 else ["the weights are not SelfAttention_v2's"])
    if differences:
        return Verdict(
            False,
            False,
            "📖 The book prints these matrices for its six tokens with SelfAttention_v2's "
            f"weights and d_out = 2; here {'; '.join(differences)}.",
        )
    checks = {
        "the masked scores": matches(view.masked_scores, BOOK_PRINTED_CAUSAL["v2_masked_scores"]),
        "the causal weights": matches(view.attn_weights, BOOK_PRINTED_CAUSAL["v2_causal_weights"]),
        "the weights before the mask": matches(roads.unmasked, BOOK_PRINTED_CAUSAL["v2_attn_weights"]),
        "masked_simple": matches(roads.masked_simple, BOOK_PRINTED_CAUSAL["v2_masked_simple"]),
        "masked_simple_norm": matches(roads.renormalized, BOOK_PRINTED_CAUSAL["v2_causal_weights"]),
    }  # fmt: skip
    failed = [name for name, ok in checks.items() if not ok]
    journey = fmt.vector(view.attn_weights[BOOK_TOKENS.index("journey")])
    if failed:
        return Verdict(
            True, False, f"📖 Differs from the book (section 3.5.1): {', '.join(failed)}."
        )
    return Verdict(
        True,
        True,
        "📖 **Matches the book** (section 3.5.1, to 4 decimals): the masked scores, the causal "
        f"weights (*journey*: `{journey}`, the book prints "
        f"`{fmt.vector(BOOK_PRINTED['causal.attn_weights_2'])}`) and the three matrices of its "
        "first try below.",
    )


def order(roads: Roads, d_k: int) -> str:
    return (
        f"**The order does not change the weights:** −∞ / √{d_k} is still −∞, so dividing "
        f"first and masking second gives weights that are {same(roads.scale_first_gap)}."
    )


def renormalized(roads: Roads) -> str:
    return (
        f"**③ and the causal weights above are {same(roads.renormalized_gap)}.** The book "
        "then keeps the −∞ mask: one softmax, and no second normalisation."
    )


# ---- step 2: dropout ------------------------------------------------------------------------


@dataclass(frozen=True)
class DropoutStats:
    """What dropout did to the causal weights, counted from the numbers."""

    visible: int  # weights the mask left (not already 0)
    dropped: int  # of those, how many dropout zeroed
    hidden: int  # cells the mask had zeroed
    sums: tuple[float, ...]  # each row's sum after dropout
    zero_rows: tuple[int, ...]  # rows with every weight dropped


def dropout_stats(view: AttentionView) -> DropoutStats:
    n = len(view.attn_weights)
    drop = view.dropout_mask or tuple((0.0,) * n for _ in range(n))  # None: nothing dropped
    pairs = [
        (w, d)
        for row_w, row_d in zip(view.attn_weights, drop, strict=True)
        for w, d in zip(row_w, row_d, strict=True)
    ]
    visible = [d for w, d in pairs if w != 0.0]  # the weights the mask left
    sums = tuple(sum(row) for row in view.dropped_weights)
    zero_rows = tuple(i for i, row in enumerate(view.dropped_weights) if all(v == 0 for v in row))
    return DropoutStats(
        len(visible), sum(1 for d in visible if d), len(pairs) - len(visible), sums, zero_rows
    )


def dropout_summary(stats: DropoutStats, p: float) -> str:
    if p == 0:
        return (
            "**p = 0: nothing is dropped**, the weights are those of step 1 and every row sums "
            "to 1. Raise p to see what training-time dropout does."
        )
    share = stats.dropped / stats.visible if stats.visible else 0.0
    return (
        f"**p = {p:g}:** dropout zeroed **{stats.dropped} of the {stats.visible}** weights the "
        f"causal mask had left ({share:.0%}; {p:.0%} on average over many draws). The other "
        f"{stats.hidden} cells were already 0, above the diagonal, and stay 0. The weights it "
        f"kept were multiplied by 1 / (1 - p) = **{1 / (1 - p):.3g}**."
    )


def row_sums(stats: DropoutStats) -> str:
    """How far the rows now are from summing to 1 (said only when they are)."""
    off = [s for s in stats.sums if abs(s - 1.0) > 1e-6]
    if not off:
        return "Every row still sums to 1."
    which = "All" if len(off) == len(stats.sums) else f"{len(off)} of the"
    return (
        f"**Rows no longer sum to 1:** {which} {len(stats.sums)} rows sum to something else, "
        f"from {min(stats.sums):.4f} to {max(stats.sums):.4f}. The rescaling by 1 / (1 - p) "
        "keeps each weight's value *on average* over many random draws, not in one draw."
    )


def zero_rows(stats: DropoutStats, tokens: Sequence[str], context_vecs: Matrix) -> str:
    """The rows that lost every weight, and their context vectors (only when there are some)."""
    if not stats.zero_rows:
        return ""
    named = [
        f"*{tokens[i]}* (z{fmt.sup(i + 1)} = `{fmt.vector(context_vecs[i])}`)"
        for i in stats.zero_rows
    ]
    many = len(stats.zero_rows) > 1
    return (
        f"**{'These rows lose' if many else 'This row loses'} every weight:** "
        f"{', '.join(named)}. With all its weights 0 a token's context vector is the zero "
        "vector: in this training step it receives nothing from any token, itself included."
    )


def dropout_verdict(
    current: LabSettings, book_v2: bool, p: float, seed: int, ones: Matrix, view: AttentionView
) -> Verdict:
    """Section 3.5.2's two printed matrices against ours, when they apply."""
    setting = p == BOOK_DROPOUT and seed == BOOK_SEED
    ones_check = ""
    if setting and len(ones) == 6:
        ok = matches(ones, BOOK_PRINTED_CAUSAL["dropout_ones"])
        ones_check = (
            f"`dropout(torch.ones(6, 6))` {'matches' if ok else 'differs from'} the book's first "
            "dropout print"
        )
    differences = _sizes(current) + ([] if book_v2 else ["the weights are not SelfAttention_v2's"])
    if not setting:
        differences.insert(0, f"p = {p:g} and seed {seed}, not p = 0.5 and seed 123")
    if not differences:
        matched = matches(view.dropped_weights, BOOK_PRINTED_CAUSAL["dropout_causal_weights"])
        verdict = (
            "**match the book's printed matrix exactly**" if matched else "differ from the book"
        )
        return Verdict(
            True,
            matched,
            f"📖 The dropped causal weights {verdict} (section 3.5.2, p = 0.5, seed 123: every "
            f"entry to the 4 decimals it prints), and {ones_check}.",
        )
    tail = f" ({ones_check}: that pattern depends only on p, the seed and the size.)"
    return Verdict(
        False,
        False,
        "📖 The book prints this matrix for its six tokens, SelfAttention_v2's weights, d_out = 2, "
        f"p = 0.5 and seed 123; here {'; '.join(differences)}.{tail if ones_check else ''}",
    )


# ---- step 3: CausalAttention ----------------------------------------------------------------


def causal_module_verdict(
    current: LabSettings, seed: int, module: CausalModuleView
) -> Verdict | None:
    if module.context_vecs is None or module.unmasked:
        return None
    differences = _sizes(current)
    if seed != BOOK_MODULE_SEED:
        differences.append(f"the seed is {seed}, not {BOOK_MODULE_SEED}")
    if differences:
        return Verdict(
            False, False, "📖 The book prints CausalAttention's output for its six tokens, "
            f"d_out = 2 and seed 123; here {'; '.join(differences)}.",
        )  # fmt: skip
    ok = matches(module.context_vecs, BOOK_PRINTED_CAUSAL["causal_attention_context_vecs"])
    return Verdict(
        True,
        ok,
        f"📖 {'**Matches the book**' if ok else 'Differs from the book'} (section 3.5.3, to 4 "
        "decimals): each copy of the batch gets the context vectors the book prints.",
    )


def context_failure(num_tokens: int, context_length: int) -> str:
    return (
        f"**{num_tokens} tokens, context_length = {context_length}:** the mask buffer is "
        f"({context_length}, {context_length}), so `self.mask.bool()[:{num_tokens}, "
        f":{num_tokens}]` is only ({context_length}, {context_length}): a slice cannot grow, and "
        f"`masked_fill_` cannot lay it over the ({num_tokens}, {num_tokens}) scores. The book's "
        "class fails with PyTorch's own message:"
    )


def unmasked_warning(num_tokens: int) -> str:
    return (
        f"**No error, and that is worse.** With context_length = 1 the slice is (1, 1) and holds "
        f"0; PyTorch broadcasts it over the ({num_tokens}, {num_tokens}) scores, so *nothing* is "
        "masked: every token sees the future. The numbers below are plain, non-causal "
        "self-attention. (In the book's LLM, chapters 4-7 cut every input to context_length "
        "before it gets here.)"
    )


# ---- steps 4-5: the heads ---------------------------------------------------------------------


def mha_verdict(current: LabSettings, choices: Choices, context_vecs: Matrix) -> Verdict:
    differences = _sizes(current)
    if choices.num_heads != 2:
        differences.append(f"num_heads is {choices.num_heads}, not 2")
    if choices.seed != BOOK_MODULE_SEED:
        differences.append(f"the seed is {choices.seed}, not {BOOK_MODULE_SEED}")
    if differences:
        return Verdict(
            False, False, "📖 The book prints MultiHeadAttention's output (3.6.2) for its six "
            f"tokens, d_out = 2, num_heads = 2, seed 123; here {'; '.join(differences)}.",
        )  # fmt: skip
    ok = matches(context_vecs, BOOK_MHA)
    return Verdict(
        True,
        ok,
        f"📖 {'**Matches the book**' if ok else 'Differs from the book'} (section 3.6.2, to 4 "
        "decimals): the context vectors after out_proj are the ones the book prints.",
    )


def wrapper_verdict(current: LabSettings, choices: Choices, wrapper_out: Matrix) -> Verdict:
    verdict = mha_verdict(current, choices, BOOK_MHA)
    if not verdict.applies:
        return Verdict(False, False, verdict.text.replace("MultiHeadAttention's output (3.6.2)",
                                                          "both outputs (3.6.1, 3.6.2)"))  # fmt: skip
    ok = matches(wrapper_out, BOOK_PRINTED_MULTIHEAD["wrapper_context_vecs"])
    return Verdict(
        True,
        ok,
        f"📖 The wrapper's output {'**matches the book**' if ok else 'differs from the book'} "
        "(section 3.6.1, to 4 decimals).",
    )


def scaling(c: ComparisonView, d_out: int) -> str:
    """Each head of MultiHeadAttention divides by √head_dim, not √d_out; said with numbers."""
    h, root = c.mha_head_dim, math.sqrt(c.mha_head_dim)
    if h == 1:
        return (
            f"**Each head scales by √head_dim, not √d_out.** With d_out = {d_out} and "
            f"{c.num_heads} heads, head_dim = 1: MultiHeadAttention divides its scores by √1 = 1, "
            f"so **here scaling does nothing** (largest change of a score: {c.scaling_gap:.4f}). "
            f"The wrapper's heads have d_out = {d_out} each and divide by √{d_out} = "
            f"{math.sqrt(d_out):.4f}."
        )
    if c.num_heads == 1:
        return (
            f"**Each head scales by √head_dim.** With one head, head_dim = d_out = {d_out}: "
            f"MultiHeadAttention and the wrapper both divide by √{d_out} = {root:.4f}. Raise "
            "num_heads to see the two differ."
        )
    return (
        f"**Each head scales by √head_dim, not √d_out:** MultiHeadAttention's heads have "
        f"head_dim = {d_out} / {c.num_heads} = {h} and divide by √{h} = {root:.4f}, not by "
        f"√{d_out} = {math.sqrt(d_out):.4f} (largest change of a score: {c.scaling_gap:.4f}). "
        f"The wrapper's heads have d_out = {d_out} each and divide by √{d_out}."
    )


def first_head(c: ComparisonView) -> str:
    return (
        "The wrapper's first head draws its weights first from the seed: its columns and step "
        f"3's `CausalAttention` output (context_length = num_tokens) are "
        f"{same(c.first_head_gap)}."
    )


def meanings_table(c: ComparisonView, d_in: int, d_out: int) -> dict[str, list[str]]:
    """The two meanings of d_out, side by side, from the two modules' numbers."""
    H = c.num_heads
    return {
        "": ["d_out means", "each head's size", "output columns", "a head divides its scores by",
             "after the heads", "trainable parameters"],
        "MultiHeadAttentionWrapper": [
            f"one head's size: {d_out}", f"{c.wrapper_head_dim}",
            f"d_out × num_heads = {d_out} × {H} = {c.wrapper_shape[-1]}",
            f"√{c.wrapper_head_dim} = {math.sqrt(c.wrapper_head_dim):.4f}", "concatenation",
            f"{H} × 3 × {d_in} × {d_out} = {c.wrapper_parameters:,}",
        ],
        "MultiHeadAttention": [
            f"all heads together: {d_out}", f"head_dim = {d_out} / {H} = {c.mha_head_dim}",
            f"d_out = {c.mha_shape[-1]}",
            f"√{c.mha_head_dim} = {math.sqrt(c.mha_head_dim):.4f}",
            "concatenation, then out_proj",
            f"3 × {d_in} × {d_out} + {d_out} × {d_out} + {d_out} = {c.mha_parameters:,}",
        ],
    }  # fmt: skip


# ---- step 6: the exercises ------------------------------------------------------------------


def exercise_32(d_out: int, shape: Sequence[int]) -> tuple[bool, str]:
    columns = shape[-1]
    call = f"`MultiHeadAttentionWrapper(d_in, d_out={d_out}, context_length, 0.0, num_heads=2)`"
    if columns == 2:
        return True, (
            f"✔ **Solved:** {call} returns shape `{tuple(shape)}`: two columns per token, "
            f"from 2 heads of d_out = {d_out} each."
        )
    return False, (
        f"Not yet: {call} returns shape `{tuple(shape)}`, {columns} columns per token "
        f"(2 heads × d_out = {d_out}). The goal is 2."
    )


def exercise_33(sizes: Sizes, count: CountView) -> tuple[bool, str]:
    gpt2 = (sizes.d_in, sizes.d_out, sizes.num_heads, sizes.context_length) == tuple(
        GPT2_SIZES.values()
    )
    if count.error:
        return False, f"{count.error} Pick a num_heads that divides d_out."
    summary = (
        f"`MultiHeadAttention({sizes.d_in}, {sizes.d_out}, {sizes.context_length}, 0.0, "
        f"{sizes.num_heads}{', qkv_bias=True' if sizes.qkv_bias else ''})` trains "
        f"**{count.total:,} parameters**; its mask buffer holds {count.buffer_total:,} more "
        "numbers that are not parameters (not trained, not counted)."
    )
    if gpt2 and not sizes.qkv_bias:
        ok = count.total == BOOK_GPT2_MHA_PARAMETERS
        return ok, (
            f"✔ **GPT-2's sizes.** {summary} The book's solution gives "
            f"{BOOK_GPT2_MHA_PARAMETERS:,}: {'the same' if ok else 'a different number'}."
        )
    if gpt2:
        return False, (
            f"GPT-2's sizes, with qkv_bias: {summary} The book's answer, "
            f"{BOOK_GPT2_MHA_PARAMETERS:,}, is without these biases: switch qkv_bias off."
        )
    return False, f"{summary} Not GPT-2's sizes yet."


def gpt2_answer(count: CountView) -> str:
    weights = [n for name, _, n in count.parameters if name.endswith("weight")]
    bias = sum(n for name, _, n in count.parameters if name.endswith("bias"))
    d = GPT2_SIZES["d_out"]
    ok = count.total == BOOK_GPT2_MHA_PARAMETERS
    return (
        f"d_in = d_out = {GPT2_SIZES['d_in']}, num_heads = {GPT2_SIZES['num_heads']}, "
        f"context_length = {GPT2_SIZES['context_length']}: {len(weights)} weight matrices of "
        f"{d} × {d} = {weights[0]:,} plus out_proj's bias of {bias:,}: "
        f"{len(weights)} × {weights[0]:,} + {bias:,} = **{count.total:,}** (computed now, on the "
        f"meta device), and the solution prints {BOOK_GPT2_MHA_PARAMETERS:,}"
        f"{' ✔' if ok else ' ✘'}. The (1024, 1024) mask is a buffer: "
        f"{count.buffer_total:,} numbers saved with the model but never trained."
    )
