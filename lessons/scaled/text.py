"""The scaled lesson's sentences, each built from the numbers it speaks of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from attention.self_attention import ScoreSpread
from lessons.scaled.controls import Options
from lessons.scaled.view import BookValue
from ui import fmt
from ui.compute import NAMES, AttentionView
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


def spread(spreads: Sequence[ScoreSpread], d_out: int, seed: int) -> str:
    """How the scaled scores' spread behaves with these inputs, against the argument's promise."""
    by = {s.d_out: s for s in spreads}
    here, first, last = by[d_out], spreads[0], spreads[-1]
    ratio = last.scaled_std / first.scaled_std if first.scaled_std > 0 else 1.0
    if ratio > 1.25:
        trend = "still **grows**"
    elif ratio < 0.8:
        trend = "**shrinks**"
    else:
        trend = "stays about the same"
    rows = " · ".join(
        f"d_out = {s.d_out}: {s.raw_std:.2f} → **{s.scaled_std:.2f}**" for s in spreads
    )
    return (
        f"**Measured on your embeddings** (weights from seed {seed}): the std of ω is "
        f"{here.raw_std:.3f} at d_out = {d_out}, and of ω / √d_k **{here.scaled_std:.3f}**. "
        f"Across d_out from {first.d_out} to {last.d_out} the scaled spread {trend} "
        f"({first.scaled_std:.2f} → {last.scaled_std:.2f}): std of ω → std of ω / √d_k, "
        f"{rows}. `torch.rand` draws only positive weights, so q and k are not zero-mean "
        "here and the variance argument is not the whole story."
    )


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
    else:
        gap = max(abs(a - b) for a, b in zip(with_, without, strict=True))
        sharper = "more" if max(without) > max(with_) else "less"
        lines.append(
            f"Without scaling softmax is {sharper} peaked for this query; the weights differ by "
            f"at most {gap:.4f}. The unscaled softmax sees scores √{view.d_k} = "
            f"{view.d_k**0.5:.2f} times larger."
        )
        top = spreads[-1]
        if top.d_out > view.d_k:
            lines.append(
                f"With these embeddings the raw scores spread more as d_out grows (std "
                f"{_at(spreads, view.d_k):.2f} here, {top.raw_std:.2f} at d_out = {top.d_out}): "
                "raise d_out and compare the two again."
            )
    return "  \n".join(lines)


def _at(spreads: Sequence[ScoreSpread], d_out: int) -> float:
    return next(s.raw_std for s in spreads if s.d_out == d_out)


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
    i = fmt.sup(q + 1)
    in_use = "in use" if view.scaled else "not in use"
    rows = [
        QueryRow("query", 2, f"q{i} = x{i} @ W_query", view.queries[q]),
        QueryRow(
            "scores", 3, f"ω{fmt.sub(q + 1)}ⱼ = q{i} · k⁽ʲ⁾, every key j", view.attn_scores[q]
        ),
    ]
    if view.mask is not None:
        rows.append(QueryRow("masked", 4, "masked: -inf after the query", view.masked_scores[q]))
    rows += [
        QueryRow("scaled", 4, f"divided by √d_k = √{view.d_k}", view.scaled_scores[q]),
        QueryRow("weights_scaled", 5, f"α, softmax of the scaled scores ({in_use})",
                 view.attn_weights_scaled[q]),
        QueryRow("weights_unscaled", 5,
                 f"α, softmax of the raw scores ({'not in use' if view.scaled else 'in use'})",
                 view.attn_weights_unscaled[q]),
    ]  # fmt: skip
    if view.dropout_mask is not None:
        rows.append(
            QueryRow("dropped", 5, f"after dropout, p = {view.dropout:g}", view.dropped_weights[q])
        )
    rows.append(QueryRow("context", 6, f"z{i} = α @ values", view.context_vecs[q]))
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
