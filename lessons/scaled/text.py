"""The scaled lesson's sentences, each built from the numbers it speaks of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from attention.self_attention import QKMoments, ScoreSpread
from lessons.scaled.controls import Options
from lessons.scaled.view import SPREAD_D_OUTS, BookOutput, BookValue, ClassesView
from ui import fmt
from ui.compute import NAMES, AttentionView
from ui.inputs import Matrix
from ui.settings import BOOK_SEEDS, LabSettings


def book_differences(current: LabSettings) -> list[str]:
    """What keeps the current state from being the book's, in words."""
    out = []
    if not current.is_book_embeddings:
        out.append("the embeddings differ from the book's six tokens")
    if current.qkv_seeds != BOOK_SEEDS:
        out.append(f"the seed is {fmt.seeds(current.qkv_seeds)}, not {BOOK_SEEDS[0]}")
    if current.d_out != 2:
        out.append(f"d_out is {current.d_out}, not 2")
    if current.weight_edits:
        out.append("you edited " + ", ".join(n for n, _ in current.weight_edits) + " by hand")
    return out


def weights_origin(current: LabSettings) -> str:
    """Where W_query, W_key, W_value come from, in one line."""
    seeds = current.qkv_seeds
    edited = {name for name, _ in current.weight_edits}
    ordinal = ("1st", "2nd", "3rd")
    parts = []
    for k, name in enumerate(NAMES):
        if name in edited:
            parts.append(f"{name}: edited by hand")
        else:
            parts.append(
                f"{name} = the {ordinal[k]} torch.rand({current.d_in}, {current.d_out}) after "
                f"torch.manual_seed({seeds[k]})"
            )
    return " · ".join(parts) + "."


def dot_product(view: AttentionView, q: int, query_token: str) -> str:
    """The book's ω₂₂ = q⁽²⁾ · k⁽²⁾, written out for the current query."""
    query, key = view.queries[q], view.keys[q]
    terms = [f"{a:.4f}·{b:.4f}" for a, b in zip(query, key, strict=True)]
    if len(terms) > 4:
        terms = [*terms[:3], "…", terms[-1]]
    i = q + 1
    return (
        f"For example, *{query_token}* against itself: ω{fmt.sub(i)}{fmt.sub(i)} = "
        f"q{fmt.sup(i)} · k{fmt.sup(i)} = {' + '.join(terms)} = **{view.attn_scores[q][q]:.4f}** "
        f"(`attn_scores[{q}, {q}]`)."
    )


def sweep_is_not_the_page(current: LabSettings) -> str:
    """Why the d_out sweep's W_query, W_key (both from the first seed) are not the page's."""
    why = []
    if current.qkv_seeds[1] != current.qkv_seeds[0]:
        why.append(f"the page draws W_key from seed {current.qkv_seeds[1]}")
    edited = [n for n, _ in current.weight_edits if n in ("W_query", "W_key")]
    if edited:
        why.append("you edited " + " and ".join(edited) + " by hand")
    return "; ".join(why)


def steps_are_not_v1(current: LabSettings, options: Options, v1_seed: int) -> list[str]:
    """The settings that make steps 1-6 on screen differ from SelfAttention_v1's pass."""
    out = []
    if current.qkv_seeds != (v1_seed,) * 3:
        out.append(f"seed {fmt.seeds(current.qkv_seeds)}, not {v1_seed}")
    if not current.scaled:
        out.append("scaling off")
    if options.causal:
        out.append("the causal mask on")
    if options.dropout > 0:
        out.append(f"dropout {options.dropout:g}")
    if current.weight_edits:
        out.append("hand edits of " + ", ".join(n for n, _ in current.weight_edits))
    return out


def _trend(first: float, last: float) -> str:
    ratio = last / first if first > 0 else 1.0
    if ratio > 1.25:
        return "still **grows**"
    if ratio < 0.8:
        return "**shrinks**"
    return "stays about the same"


def spread(
    spreads: Sequence[ScoreSpread],
    moments: QKMoments,
    d_k: int,
    seed: int,
    inputs: Matrix,
    own_matrices: str = "",
) -> str:
    """What the √d_k argument assumes, measured here, and how the scaled spread behaves as
    d_out grows (weights drawn from ``seed`` at each d_out, as the book draws them).

    ``own_matrices`` says why the page's own W_query, W_key are not the sweep's draw at this
    d_out (other seeds per matrix, hand edits), or is empty when they are."""
    ordered = sorted(spreads, key=lambda s: s.d_out)  # the book's d_outs and yours
    first, last = ordered[0], ordered[-1]
    m = moments
    here = (
        f"**Measured on this page** (your embeddings and weight parameters, d_k = {d_k}): the "
        f"entries of the queries average {m.q_mean:.2f} with variance {m.q_var:.2f}, those of "
        f"the keys {m.k_mean:.2f} and {m.k_var:.2f}, where the argument assumes 0 and 1. The "
        f"std of ω is {m.raw_std:.3f}; of ω / √d_k, **{m.scaled_std:.3f}** (1 if the "
        "assumption held)."
    )
    rows = " · ".join(f"d_out = {s.d_out}: {s.scaled_std:.2f}" for s in ordered)
    trend = _trend(first.scaled_std, last.scaled_std)
    sweep = (
        f"**As d_out grows** (W_query, W_key drawn again from seed {seed} at each d_out with "
        f"`torch.rand`, every weight in [0, 1)): the std of ω / √d_k {trend} "
        f"from d_out = {first.d_out} to {last.d_out} ({first.scaled_std:.2f} "
        f"→ {last.scaled_std:.2f}; {rows}); under the assumption it would stay the same at "
        "every d_out."
    )
    if own_matrices:
        sweep += (
            f" This sweep draws its own matrices: at d_out = {d_k} they are not the page's "
            f"({own_matrices}), so its figure there differs from the one measured above."
        )
    entries = [v for row in inputs for v in row]
    if all(v >= 0 for v in entries) and any(v > 0 for v in entries):
        sweep += (
            " In this sweep your embeddings are all ≥ 0 (some > 0) and the drawn weights all "
            "≥ 0, so every entry of its q and k is ≥ 0: their mean is above 0, not the 0 the "
            "argument assumes."
        )
    return f"{here}\n\n{sweep}"


def scaling(view: AttentionView, q: int, query_token: str, spreads: Sequence[ScoreSpread]) -> str:
    """The query's weights with and without scaling, and which the page passes on."""
    with_, without = view.attn_weights_scaled[q], view.attn_weights_unscaled[q]
    in_use = "scaled" if view.scaled else "unscaled"
    lines = [
        f"**In use for step 6: the {in_use} weights** (the √d_k switch under ③ Options). "
        f"Weights of *{query_token}*: `{fmt.vector(with_ if view.scaled else without)}`.",
        f"Largest weight of *{query_token}*: **{max(with_):.4f}** scaled, **{max(without):.4f}** "
        "unscaled.",
    ]
    if view.d_k == 1:
        lines.append("With d_k = 1, √d_k = 1: scaling changes nothing. Raise d_out to see it act.")
        return "  \n".join(lines)
    gap = max(abs(a - b) for a, b in zip(with_, without, strict=True))
    if max(without) > max(with_):
        sharper = "more peaked"
    elif max(without) < max(with_):
        sharper = "less peaked"
    else:
        sharper = "just as peaked"
    lines.append(
        f"Without scaling softmax is {sharper} for this query; its weights with and without "
        f"scaling differ by at most {gap:.4f}. The unscaled softmax gets every score √{view.d_k} = "
        f"{view.d_k**0.5:.2f} times larger (ω instead of ω / √d_k)."
    )
    by = {s.d_out: s for s in spreads}
    first, last = by[SPREAD_D_OUTS[0]], by[SPREAD_D_OUTS[-1]]
    if last.raw_std > 1.25 * first.raw_std:
        lines.append(
            f"The **scores** grow with d_out: drawn as the book draws them, the std of ω is "
            f"{first.raw_std:.2f} at d_out = {first.d_out} and {last.raw_std:.2f} at d_out = "
            f"{last.d_out}. Raise d_out and compare the two tables again."
        )
    return "  \n".join(lines)


def dropout(view: AttentionView, options: Options) -> str:
    """What dropout did: how many of the weights that were not already 0 it zeroed, the
    rescaling, and what that does to the rows' sums."""
    p = options.dropout
    visible = [
        (w, d)
        for row_w, row_d in zip(view.attn_weights, view.dropout_mask, strict=True)
        for w, d in zip(row_w, row_d, strict=True)
        if w != 0.0
    ]
    dropped = sum(1 for _, d in visible if d)
    sums = [sum(row) for row in view.dropped_weights]
    return (
        f"**p = {p:g}**: dropout zeroed **{dropped} of the {len(visible)}** weights that were "
        f"not already 0 ({dropped / len(visible):.0%}; expected {p:.0%} on average) and "
        f"multiplied the others by 1 / (1 - p) = **{1 / (1 - p):.3g}**. The rows now sum to "
        f"{min(sums):.3f} … {max(sums):.3f} instead of 1."
    )


def context(view: AttentionView, q: int, query_token: str) -> str:
    return (
        f"Context vector of *{query_token}*: z{fmt.sup(q + 1)} = `context_vecs[{q}]` = "
        f"`{fmt.vector(view.context_vecs[q])}`"
    )


@dataclass(frozen=True)
class QueryRow:
    """One step of the query's path: which step, what it is, its numbers."""

    kind: str  # query, scores, masked, scaled, weights_scaled, weights_unscaled, dropped, context
    step: int
    what: str
    values: tuple[float, ...]


def query_rows(view: AttentionView, q: int) -> list[QueryRow]:
    """The query's row of every step, in order (the masked and dropped rows when they apply)."""
    i, s = fmt.sup(q + 1), fmt.sub(q + 1)
    in_use = "in use" if view.scaled else "not in use"
    rows = [
        QueryRow("query", 2, f"q{i} = x{i} @ W_query", view.queries[q]),
        QueryRow("scores", 3, f"ω{s}ⱼ = q{i} · k⁽ʲ⁾, every key j", view.attn_scores[q]),
    ]
    if view.mask is not None:
        rows.append(
            QueryRow("masked", 4, f"ω{s}ⱼ masked: -inf for every key j after the query",
                     view.masked_scores[q])
        )  # fmt: skip
    rows += [
        QueryRow("scaled", 4, f"divided by √d_k = √{view.d_k}", view.scaled_scores[q]),
        QueryRow("weights_scaled", 5, f"α{s}ⱼ, softmax of the scaled scores ({in_use})",
                 view.attn_weights_scaled[q]),
        QueryRow("weights_unscaled", 5,
                 f"α{s}ⱼ, softmax of the raw scores ({'not in use' if view.scaled else 'in use'})",
                 view.attn_weights_unscaled[q]),
    ]  # fmt: skip
    if view.dropout_mask is not None:
        rows.append(
            QueryRow("dropped", 5, f"α{s}ⱼ after dropout, p = {view.dropout:g}",
                     view.dropped_weights[q])
        )  # fmt: skip
    rows.append(QueryRow("context", 6, f"z{i} = Σⱼ α{s}ⱼ v⁽ʲ⁾", view.context_vecs[q]))
    return rows


BOOK_ROWS = {
    "query": "scaled.query_2",
    "scores": "scaled.attn_scores_2",
    "weights_scaled": "scaled.attn_weights_2",
    "context": "scaled.context_vec_2",
}


def book_column(book: Sequence[BookValue], rows: Sequence[QueryRow]) -> list[str]:
    """The book's printed value beside each row it prints (✔ when ours matches to 4 places)."""
    by_name = {name: value for name, value in zip(BOOK_NAMES, book, strict=True)}
    out = []
    for row in rows:
        value = by_name.get(BOOK_ROWS.get(row.kind, ""))
        if value is None:
            out.append("")
        else:
            out.append(f"{fmt.vector(value.book)} {'✔' if value.matches else '✘'}")
    return out


BOOK_NAMES = ("scaled.query_2", "scaled.attn_score_22", "scaled.attn_scores_2",
              "scaled.attn_weights_2", "scaled.context_vec_2")  # fmt: skip


def book_note(current: LabSettings, options: Options, book: Sequence[BookValue] | None) -> str:
    """Whether the book's printed numbers (section 3.4.1) apply, and if not, why not."""
    if book is not None:
        if not (current.scaled and not options.causal and not options.dropout):
            return (
                "📖 This is the book's example, but the book computes it scaled, with no mask "
                "and no dropout: switch those back under ③ Options to see its printed values."
            )
        verdict = (
            "**matches the book**" if all(v.matches for v in book) else "**differs from the book**"
        )
        return (
            f"📖 The book's six tokens, seed 123, d_out = 2: every value the book prints for "
            f"*journey* in section 3.4.1 stands beside ours, and this lab {verdict} "
            f"(to 4 decimals; ω₂₂ = {book[1].ours[0]:.4f}, the book prints {book[1].book[0]:.4f})."
        )
    if current.is_book_state:
        return "📖 Pick the query **journey** to compare with the numbers the book prints."
    return (
        "📖 Not the book's example: " + "; ".join(book_differences(current))
        + ". The sidebar's **Reset to the book's example** brings it back."
    )  # fmt: skip


# ---- 3.4.2: the classes, and exercise 3.1 ------------------------------------------------------


def class_ranges(view: ClassesView, d_in: int) -> str:
    """The two initialisations, read off the numbers: the range of each class's weights."""
    v1 = [v for matrix in view.v1_weights for row in matrix for v in row]
    v2 = [v for matrix in view.v2_weights for row in matrix for v in row]
    bound = 1 / d_in**0.5

    def negative(values: list[float]) -> str:
        count = sum(v < 0 for v in values)
        return "none of them negative" if count == 0 else f"{count} of them negative"

    return (
        f"**From the numbers:** v1's {len(v1)} weights lie in [{min(v1):.4f}, {max(v1):.4f}], "
        f"{negative(v1)} (`torch.rand` draws from [0, 1)). v2's {len(v2)} lie in "
        f"[{min(v2):.4f}, {max(v2):.4f}], {negative(v2)}: inside ±1/√d_in = ±1/√{d_in} = "
        f"±{bound:.4f}, where `nn.Linear` draws them."
    )


def class_is_steps(view: ClassesView, v1_seed: int, differences: Sequence[str] = ()) -> str:
    """v1 is steps 1-6: its output against the steps' context vectors with its seed.

    ``differences`` names the page's settings that make steps 1-6 on screen another pass
    (other seeds, scaling off, a mask, dropout, hand edits); empty when they show this one."""
    same = view.steps_difference <= 1e-6
    verdict = "computes exactly" if same else "does **not** compute"
    text = (
        f"`SelfAttention_v1` after `torch.manual_seed({v1_seed})` {verdict} what steps 1-6 "
        f"compute with the one seed {v1_seed} (scaled, no mask, no dropout, no hand edits): the "
        f"largest difference of the context vectors is {view.steps_difference:.1e}."
    )
    if differences:
        text += (
            f" Steps 1-6 on screen show other numbers, because your settings differ: "
            f"{', '.join(differences)}. Set the seeds to {v1_seed} and undo those to see the "
            "same ones there."
        )
    return text


def book_outputs_note(outputs: Sequence[BookOutput]) -> str:
    """ "Matches the book" for each printed output that applies, from the numbers."""
    if not outputs:
        return (
            "📖 The book prints these outputs for its six tokens with d_out = 2, v1's seed 123 "
            "and v2's seed 789 (its exercise solution: 123): set those to compare."
        )
    parts = [
        f"{o.what}: {'**matches the book**' if o.matches else '**differs from the book**'} "
        f"({o.where}; row 1 `{fmt.vector(o.ours[0])}`, the book prints "
        f"`{fmt.vector(o.book[0])}`)"
        for o in outputs
    ]
    return "📖 " + " · ".join(parts) + ", to 4 decimals."


def exercise_result(view: ClassesView, d_in: int, n: int) -> str:
    """Exercise 3.1, checked: did the copy make v1 compute what v2 computes?"""
    if view.copy == "none":
        gap = max(
            abs(a - b)
            for ra, rb in zip(view.v1_output, view.v2_output, strict=True)
            for a, b in zip(ra, rb, strict=True)
        )
        return (
            f"Without a copy the two outputs above differ by up to {gap:.4f}. Pick an "
            "assignment above: the page copies v2's three weights into v1 and checks."
        )
    rows, cols = view.copied_shape
    if view.v1_after is None:
        return (
            f"✘ **PyTorch refuses:** `{view.error}`. v1 computes `x @ self.W_key` with x of shape "
            f"({n}, {d_in}), but it got the weight as stored, ({rows}, {cols}) = (d_out, d_in): "
            f"({n}, {d_in}) @ ({rows}, {cols}) is undefined unless d_in = d_out. Transpose it."
        )
    if view.equal and view.copy == "as_is":
        return (
            f"✔ **Equal, by luck:** the weights as stored, ({rows}, {cols}), fit and give the "
            f"same outputs (largest difference {view.max_difference:.1e}): these matrices equal "
            "their transposes. In general, transpose them."
        )
    if view.equal:
        return (
            f"✔ **Equal:** with each `weight.T`, of shape ({rows}, {cols}) = (d_in, d_out), v1 "
            f"computes exactly what v2 computes (largest difference {view.max_difference:.1e}). "
            "The two classes are the same mechanism; only their initial weights differ."
        )
    return (
        f"✘ **It runs, but the outputs differ** (by up to {view.max_difference:.4f}): with "
        f"d_in = d_out = {d_in} the weight as stored, ({rows}, {cols}), fits `x @ W`, but it is "
        "Wᵀ, not W: v1 multiplies by the wrong matrix. Transpose it."
    )
