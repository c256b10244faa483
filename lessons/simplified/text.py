"""The simplified lesson's sentences and formulas, each built from the numbers it speaks of.

Every verdict here checks its own claim on the numbers it is given and says what they show:
the sentences stay true for every input the controls allow (negative embeddings, one token,
d_in = 1, values up to ±1e6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from attention.geometry import VIEW_SVD, Projection, inside_hull
from lessons.simplified.view import BookValue
from ui import fmt
from ui.compute import SimplifiedView
from ui.inputs import Matrix, dim_name
from ui.settings import LabSettings

Vector = Sequence[float]
SUM_TOLERANCE = 5e-5  # a sum "is 1" when it prints as 1.0000


def number(value: float) -> str:
    """A number in a sentence: 4 decimals, or 4 significant digits when huge or tiny."""
    if value == 0:
        return fmt.num(0.0)  # never "-0.0000"
    if math.isfinite(value) and not 1e-4 <= abs(value) < 1e6:
        return f"{value:.4g}"
    return fmt.num(value)


def table_format(values: Vector) -> str:
    """A table column's format: 4 decimals, or 5 significant digits once numbers are huge."""
    return ".4f" if all(abs(v) < 1e6 for v in values if math.isfinite(v)) else ".5g"


def pair(i: int, j: int) -> str:
    """The subscript of ωᵢⱼ for 1-based i and j: "21", or "2,12" when one has two digits."""
    return f"{i}{j}" if i < 10 and j < 10 else f"{i},{j}"


def pair_text(i: int, j: int) -> str:
    """ω₂₁ in running text: the subscript digits (a comma between two-digit indices)."""
    return fmt.sub(i) + fmt.sub(j) if i < 10 and j < 10 else f"{fmt.sub(i)},{fmt.sub(j)}"


# ---- the result and the book ------------------------------------------------------------------


def headline(current: LabSettings, simple: SimplifiedView) -> str:
    q = current.query
    return (
        f"### The context vector of *{current.query_token}*: z{fmt.sup(q + 1)} = "
        f"`{fmt.vector(simple.context_vecs[q])}`"
    )


def headline_note(current: LabSettings) -> str:
    n = len(current.tokens)
    return (
        f"{n} token{'s' if n > 1 else ''}, d_in = {current.d_in}: the result of the steps below, "
        "for the query you follow. It changes as soon as you change a number."
    )


def query_rows(current: LabSettings, simple: SimplifiedView) -> list[tuple[str, str, Vector]]:
    """(step, what, values) of the query's path: scores, weights, context vector."""
    q = current.query
    i, si = fmt.sup(q + 1), fmt.sub(q + 1)
    return [
        ("1", f"scores ω{si}ⱼ = x{i} · x⁽ʲ⁾, every key j", simple.attn_scores[q]),
        ("2", f"weights α{si}ⱼ = softmax over the keys", simple.attn_weights[q]),
        ("3", f"context vector z{i} = Σⱼ α{si}ⱼ x⁽ʲ⁾", simple.context_vecs[q]),
    ]


def book_column(book: Sequence[BookValue]) -> list[str]:
    """The book's printed values beside ours, ✔ where they match to its 4 decimals."""
    return [f"{fmt.vector(v.book)} {'✔' if v.matches else '✘'}" for v in book]


def book_note(current: LabSettings, book: Sequence[BookValue] | None) -> str:
    """Whether the book's printed numbers (section 3.3.1) apply, and whether ours match."""
    if book is not None:
        if all(v.matches for v in book):
            return (
                "📖 **Matches the book:** the scores, weights and context vector of *journey* "
                "that section 3.3.1 prints stand beside ours, equal to its 4 decimals."
            )
        differ = ", ".join(v.label.split(":")[0] for v in book if not v.matches)
        return f"📖 **Differs from the book** in {differ}: see the last column."
    if current.is_book_embeddings:
        return (
            "📖 The book prints these numbers for the query **journey** (x⁽²⁾) only: pick it to "
            "compare."
        )
    return (
        "📖 Not the book's example: the embeddings differ from its six tokens, so the numbers "
        "it prints no longer apply. The sidebar's **Reset to the book's example** brings them "
        "back."
    )


# ---- step 1: scores ---------------------------------------------------------------------------


def _latex_number(value: float, bracket: bool = True) -> str:
    """A number in a formula, as typed (0.43, 1.5 × 10⁶); negatives bracketed in products."""
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return f"({text})" if value < 0 and bracket else text


def _product(value: float) -> str:
    """A product or a total: 4 decimals, or 4 significant digits when huge or tiny."""
    if math.isfinite(value) and value != 0 and not 1e-4 <= abs(value) < 1e5:
        return _latex_number(value, bracket=False)
    return f"{value:.4f}"


def _lines(terms: Sequence[str], per_line: int) -> list[str]:
    return [" + ".join(terms[k : k + per_line]) for k in range(0, len(terms), per_line)]


def dot_product_latex(
    query_vec: Vector, key_vec: Vector, score: float, i: int, j: int, per_line: int = 3
) -> str:
    """ωᵢⱼ = x⁽ⁱ⁾ · x⁽ʲ⁾ spelled out: the coordinates' products, then their sum.

    ``i`` and ``j`` are 1-based. The total is the core's score (float32), so the formula and
    the tables agree to the last printed digit.
    """
    products = [
        f"{_latex_number(a)} \\cdot {_latex_number(b)}"
        for a, b in zip(query_vec, key_vec, strict=True)
    ]
    values = [_product(a * b) for a, b in zip(query_vec, key_vec, strict=True)]
    lines = [f"\\omega_{{{pair(i, j)}}} &= x^{{({i})}} \\cdot x^{{({j})}}"]
    for group in (_lines(products, per_line), _lines(values, per_line + 1)):
        lines += ["&= " + group[0]] + ["&\\quad + " + chunk for chunk in group[1:]]
    lines.append(f"&= \\mathbf{{{_product(score)}}}")
    return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


def best_match(tokens: Sequence[str], inputs: Matrix, scores: Vector, q: int) -> str:
    """Which key scores highest with the query, and whether that is the query itself.

    If another key x⁽ʲ⁾ outscores the query's own ωᵢᵢ = |x⁽ⁱ⁾|², then |x⁽ʲ⁾| > |x⁽ⁱ⁾|
    (Cauchy-Schwarz: x⁽ʲ⁾ · x⁽ⁱ⁾ ≤ |x⁽ʲ⁾| |x⁽ⁱ⁾|), so the sentence can say why.
    """
    n = len(tokens)
    i = q + 1
    own = f"ω{pair_text(i, i)} = x{fmt.sup(i)} · x{fmt.sup(i)} = {number(scores[q])}"
    if n == 1:
        return f"With one token the only score is the query's own: {own}."
    if max(scores) == min(scores):
        return (
            f"All {n} scores are equal ({number(scores[q])}): the query cannot tell the tokens "
            "apart, and softmax will give every one the same weight."
        )
    top = max(range(n), key=lambda j: (scores[j], j == q))  # a tie goes to the query itself
    low = min(range(n), key=lambda j: (scores[j], j != q))
    whose = "the query's own" if low == q else f"*{tokens[low]}*'s"
    lowest = f"The lowest is {whose}, ω{pair_text(i, low + 1)} = {number(scores[low])}" + (
        ": it points away from the query." if scores[low] < 0 else "."
    )
    if top == q:
        return f"The highest score is the query's own, {own}. {lowest}"
    length = [math.sqrt(math.fsum(v * v for v in inputs[k])) for k in (top, q)]
    return (
        f"The highest score is *{tokens[top]}*'s, ω{pair_text(i, top + 1)} = "
        f"{number(scores[top])}, above the query's own {own}: a dot product grows with length, "
        f"and x{fmt.sup(top + 1)} is the longer vector (length {number(length[0])} against "
        f"{number(length[1])}). {lowest}"
    )


# ---- step 2: weights --------------------------------------------------------------------------


def naive_verdict(tokens: Sequence[str], scores: Vector, naive: Vector, softmax: Vector) -> str:
    """Does score / sum work for this query? Where it breaks, or how it compares with softmax."""
    n = len(tokens)
    if not all(math.isfinite(w) for w in naive):
        return (
            "⚠️ **score / sum breaks here:** the scores add up to 0 (in float32), so dividing "
            "by their sum is undefined (nan or inf in the table). Softmax is still fine: "
            f"{', '.join(f'*{t}* {w:.4f}' for t, w in zip(tokens[:4], softmax, strict=False))}"
            f"{' …' if n > 4 else ''}."
        )
    if n == 1:
        return (
            f"With one token both ways give *{tokens[0]}* the whole weight: score / sum "
            f"{naive[0]:.4f}, softmax {softmax[0]:.4f}. Nothing to share."
        )
    negative = min(range(n), key=lambda j: naive[j])
    above = max(range(n), key=lambda j: naive[j])
    broken = []
    if naive[negative] < 0:
        broken.append(
            f"*{tokens[negative]}* gets **{number(naive[negative])}**, a negative share "
            f"(softmax gives it {number(softmax[negative])})"
        )
    if naive[above] > 1 + 1e-6:
        broken.append(
            f"*{tokens[above]}* gets **{number(naive[above])}**, more than the whole (softmax: "
            f"{number(softmax[above])})"
        )
    if broken:
        return (
            "⚠️ **score / sum breaks here:** " + " and ".join(broken) + ". Softmax weights are "
            "never negative and never above 1."
        )
    top = max(range(n), key=lambda j: scores[j])  # the best match: the highest score
    shown_soft, shown_naive = f"{softmax[top]:.4f}", f"{naive[top]:.4f}"
    if shown_soft == shown_naive:
        lean = "gives the best match the same share, to 4 decimals"
    elif softmax[top] > naive[top]:
        lean = "leans more towards the best match"
    else:
        lean = "is flatter here: it gives the best match less"  # scores close together
    return (
        f"✅ With these scores both ways give weights between 0 and 1 that sum to 1. Softmax "
        f"{lean} (*{tokens[top]}*: {shown_soft} against {shown_naive} by score / sum). Make "
        "some scores negative to see score / sum fail."
    )


def overflow_note(scores: Vector, exp_scores: Vector) -> str:
    """When exp(ω) overflows float32: what the book's softmax_naive and torch.softmax do."""
    if all(math.isfinite(e) for e in exp_scores):
        return ""
    return (
        f"⚠️ exp(ω) overflows float32 here (inf in the table: the largest score is "
        f"{number(max(scores))}, above about 88.7), so the book's `softmax_naive` gives nan "
        "(its own column). `torch.softmax` still works: it subtracts the row's largest score "
        "before exponentiating."
    )


def _sums_are_one(sums: Vector) -> bool:
    return all(abs(s - 1) <= SUM_TOLERANCE for s in sums)


def dim_verdict(
    dim: int, tokens: Sequence[str], weights: Matrix, q: int, transpose_gap: float
) -> str:
    """Which sums are 1 for softmax over ``dim``, said from the sums of ``weights``."""
    n, name = len(tokens), tokens[q]
    row_sums = [math.fsum(row) for row in weights]
    col_sums = [math.fsum(row[j] for row in weights) for j in range(n)]
    if n == 1:
        return (
            f"With one token the one row is the one column: it sums to {row_sums[0]:.4f} "
            "either way."
        )
    if dim == -1:
        if not _sums_are_one(row_sums):  # a guard: softmax over dim=-1 always makes rows 1
            return f"Row sums range from {min(row_sums):.4f} to {max(row_sums):.4f}."
        columns = (
            f"The columns need not: column *{name}* sums to {col_sums[q]:.4f}."
            if abs(col_sums[q] - 1) > SUM_TOLERANCE
            else f"Column *{name}* happens to sum to {col_sums[q]:.4f} too; columns need not."
        )
        return (
            f"✅ Every **row** sums to 1 (row *{name}*: {row_sums[q]:.4f}): each query spreads "
            f"exactly 1 over the keys, so its context vector is a weighted average. {columns}"
        )
    if not _sums_are_one(col_sums):  # a guard, as above
        return f"Column sums range from {min(col_sums):.4f} to {max(col_sums):.4f}."
    off = [i for i in range(n) if abs(row_sums[i] - 1) > SUM_TOLERANCE]
    transpose = (
        "exactly the transpose of `dim=-1`"
        if transpose_gap == 0
        else f"the transpose of `dim=-1` up to float32 rounding (at most {transpose_gap:.1e} apart)"
    )
    symmetric = (
        f"Here the scores are symmetric (ωᵢⱼ = x⁽ⁱ⁾ · x⁽ʲ⁾ = ωⱼᵢ), so `dim=0` gives {transpose}; "
        "with the separate W_query and W_key of section 3.4 the scores are in general not "
        "symmetric, and `dim=0` is no longer a transpose."
    )
    if not off:
        return (
            f"⚠️ Now every **column** sums to 1 (column *{name}*: {col_sums[q]:.4f}), and with "
            f"these numbers every row happens to as well (row *{name}*: {row_sums[q]:.4f}); in "
            f"general the rows do not. {symmetric}"
        )
    shown = q if q in off else max(off, key=lambda i: abs(row_sums[i] - 1))
    return (
        f"⚠️ Now every **column** sums to 1 (column *{name}*: {col_sums[q]:.4f}) but {len(off)} "
        f"of the {n} rows do not: row *{tokens[shown]}* sums to **{row_sums[shown]:.4f}**, so "
        f"its weights are no longer shares of a whole. {symmetric}"
    )


def transpose_gap(weights: Matrix, weights_dim0: Matrix) -> float:
    """The largest |α⁽ᵈⁱᵐ⁼⁰⁾ᵢⱼ - α⁽ᵈⁱᵐ⁼⁻¹⁾ⱼᵢ|: 0 when dim=0 is exactly the transpose."""
    n = len(weights)
    return max(abs(weights_dim0[i][j] - weights[j][i]) for i in range(n) for j in range(n))


# ---- step 3: the context vector ---------------------------------------------------------------

MAX_TERMS = 8  # terms of the weighted sum written out
MAX_COORDS = 6  # coordinates of each vector written out


def _vector_latex(values: Vector, digits: str = "g") -> str:
    shown = [
        _latex_number(v, bracket=False) if digits == "g" else _product(v)
        for v in values[:MAX_COORDS]
    ]
    if len(values) > MAX_COORDS:
        shown.append(f"\\dots\\text{{({len(values) - MAX_COORDS} more)}}")
    return "[" + ", ".join(shown) + "]"


def weighted_sum_latex(weights: Vector, inputs: Matrix, context: Vector, i: int) -> str:
    """z⁽ⁱ⁾ = Σⱼ αᵢⱼ x⁽ʲ⁾ with the numbers in: one line per input (``i`` is 1-based)."""
    n = len(weights)
    terms = [
        f"\\underbrace{{{w:.4f}}}_{{\\alpha_{{{pair(i, j + 1)}}}}} \\cdot "
        f"\\underbrace{{{_vector_latex(x)}}}_{{x^{{({j + 1})}}}}"
        for j, (w, x) in enumerate(zip(weights, inputs, strict=True))
    ]
    lines = [f"z^{{({i})}} &= \\sum_j \\alpha_{{{i}j}}\\, x^{{(j)}}"]
    lines.append(f"&= {terms[0]}")
    lines += [f"&\\quad + {t}" for t in terms[1:MAX_TERMS]]
    if n > MAX_TERMS:
        lines.append(f"&\\quad + \\dots \\text{{ ({n - MAX_TERMS} more terms)}}")
    lines.append(f"&= \\mathbf{{{_vector_latex(context, digits='f')}}}")
    return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


def between(context: Vector, inputs: Matrix, q: int, shown: int = 3) -> str:
    """Each coordinate of z⁽ⁱ⁾ between the inputs' smallest and largest of that coordinate."""
    d_in = len(context)
    parts, outside = [], []
    for k in range(d_in):
        column = [row[k] for row in inputs]
        low, high, z = min(column), max(column), context[k]
        tol = 1e-6 * max(1.0, abs(low), abs(high))  # float32 rounding of the weighted sum
        if not low - tol <= z <= high + tol:
            outside.append(dim_name(k))
        if k < shown:
            parts.append(f"{dim_name(k)}: {number(low)} ≤ **{number(z)}** ≤ {number(high)}")
    more = f"; and so on for the other {d_in - shown}" if d_in > shown else ""
    claim = (
        f"Every coordinate of z{fmt.sup(q + 1)} lies between the smallest and the largest "
        "value of that coordinate among the inputs"
    )
    if outside:  # only float32 rounding can do this: say so with the coordinates
        return f"{claim}, up to float32 rounding in {', '.join(outside)}: {'; '.join(parts)}{more}."
    return f"{claim}: {'; '.join(parts)}{more}."


# ---- step 4: all queries ----------------------------------------------------------------------


def all_queries(current: LabSettings, simple: SimplifiedView) -> str:
    q = current.query
    return (
        f"Row {q + 1} (▶ *{current.query_token}*) of `all_context_vecs` is z{fmt.sup(q + 1)} = "
        f"`{fmt.vector(simple.context_vecs[q])}`, the result above; its row of `attn_weights` "
        f"sums to {math.fsum(simple.attn_weights[q]):.4f}."
    )


# ---- step 5: geometry -------------------------------------------------------------------------


def geometry_verdict(proj: Projection, q: int, query_token: str, show_all: bool, d_in: int) -> str:
    """Where the query's context vector landed (inside the hull, as it must), from the numbers."""
    point = proj.contexts[q]
    where = (
        f"{number(point[0])} on the line"
        if d_in == 1
        else f"({number(point[0])}, {number(point[1])})"
    )
    inside = [inside_hull(p, proj.hull) for p in proj.contexts]
    if inside[q]:
        verdict = (
            f"✅ z{fmt.sup(q + 1)} of *{query_token}* sits at {where}, inside the shaded hull: "
            "a weighted average of the inputs, pulled towards those with the biggest weights."
        )
    else:
        verdict = (
            f"⚠️ z{fmt.sup(q + 1)} at {where} looks outside the hull: float32 rounding, since "
            "a weighted average cannot leave it."
        )
    if show_all and len(inside) > 1:
        count = sum(inside)
        verdict += (
            f" All {len(inside)} context vectors lie inside it."
            if count == len(inside)
            else f" {count} of the {len(inside)} context vectors lie inside it (the others: "
            "float32 rounding)."
        )
    return verdict


def view_note(proj: Projection, d_in: int, view: str, axes: tuple[int, int]) -> str:
    """What the 2-d view shows of the d_in-dimensional vectors."""
    if d_in == 1:
        return (
            "d_in = 1: every vector lies on one line, drawn as the horizontal axis; the hull is "
            "the stretch from the smallest input to the largest."
        )
    if d_in == 2:
        return "d_in = 2: the embeddings live in this plane, nothing is hidden."
    if view == VIEW_SVD and proj.kept is not None:
        if proj.kept >= 1 - 1e-9:
            return "This plane keeps all of the inputs' squared length: nothing is hidden."
        return (
            f"This plane keeps {proj.kept:.1%} of the inputs' squared length (the two largest "
            "squared singular values over all of them); the rest points out of the screen."
        )
    if axes[0] == axes[1]:
        return (
            f"Both axes show {dim_name(axes[0])}: every point lies on the diagonal. Pick two "
            "different coordinates."
        )
    dropped = [dim_name(k) for k in range(d_in) if k not in axes]
    listed = (
        " and ".join(dropped) + (" is" if len(dropped) == 1 else " are")
        if len(dropped) <= 2
        else f"the other {len(dropped)} coordinates are"
    )
    return (
        f"This view shows {dim_name(axes[0])} and {dim_name(axes[1])}; {listed} left out "
        "(a projection, as if looking along those axes)."
    )
