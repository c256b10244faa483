"""The simplified self-attention page (section 3.3): every control, every number-bearing
sentence, bad input, and what only a browser shows.

Numbers on the page are checked against the core (``attention.simplified``) run here, and
against the values the book prints; expected sentences are formatted here from the core's
numbers, at the default state (the book's six tokens, the query 'journey') and at changed ones
(another query, negative embeddings, one token, d_in = 1 and 2, values of ±1e6).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re

import pyarrow as pa
import pytest
import torch
from streamlit.testing.v1 import AppTest

from attention.data import BOOK_INPUTS_LIST, BOOK_PRINTED, BOOK_TOKENS, token_embedding
from attention.geometry import VIEW_DIMS, VIEW_SVD, inside_hull, project_2d
from attention.simplified import (
    attention_weights,
    naive_attention_weights,
    simplified_self_attention,
    softmax_naive,
)
from tests.conftest import (
    ROOT,
    act,
    assert_no_exception,
    key_selector,
    open_app,
    run_link,
    run_page,
    settle,
)
from tests.tables import page_tables
from ui.inputs import MAX_TOKENS

PAGE = "pages/2_Simplified_self_attention.py"
URL = "/Simplified_self_attention"
PRINTED = 5.01e-5  # tables print 4 decimals
KEYS = {  # every control of the lesson: its widget key (the query's and sliders' by prefix)
    "query": "simplified.query.",  # + a tag of the tokens
    "nudge": "simplified.nudge.",  # + tag . query . coordinate
    "sentence": "simplified.sentence",
    "d_in": "simplified.d_in",
    "grid_open": "simplified.grid_open",
    "steps": "simplified.steps",
    "key": "simplified.key",
    "dim": "simplified.dim",
    "view": "simplified.view",
    "axis_x": "simplified.axis_x",
    "axis_y": "simplified.axis_y",
    "all_z": "simplified.all_z",
    "next": "simplified.next_step",
    "previous": "simplified.previous_step",
}
HEADINGS = ("## 1 · Attention scores", "## 2 · Attention weights", "## 3 · The context vector",
            "## 4 · All queries", "## 5 · Geometry", "## 6 · The code")  # fmt: skip
NEGATIVE = (("a", "b", "c"), ((1.0, 0.0), (-0.9, 0.1), (-0.5, -0.5)))
HUGE = (("a", "b", "c"), ((1e6, 1e6, -1e6), (-1e6, 1e6, 1e6), (0.5, 0.2, 0.1)))
ONE = (("solo",), ((0.3, -0.2, 0.5),))
LINE = (("a", "b", "c"), ((0.5,), (-1.0,), (2.0,)))


# ---- the core's numbers, formatted here -------------------------------------------------------


def core(inputs):
    return simplified_self_attention(torch.tensor(inputs, dtype=torch.float32))


def vec(values) -> str:
    return "[" + ", ".join(f"{float(v):.4f}" for v in values) + "]"


def sup(n: int) -> str:
    return "⁽" + str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")) + "⁾"


def sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def with_cell(inputs, row: int, col: int, value: float):
    rows = [list(r) for r in inputs]
    rows[row][col] = value
    return tuple(tuple(r) for r in rows)


# ---- reading the page -------------------------------------------------------------------------


def open_page(step: int = 1, embeddings=None, **settings: object) -> AppTest:
    if embeddings is not None:
        settings["embeddings"] = embeddings
    return run_page(PAGE, **{"simplified.step": step}, **settings)


def text_of(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.latex, *at.error, *at.warning, *at.success]
    return "\n".join(p.value for p in parts)


def latex(at: AppTest) -> str:
    (formula,) = at.latex
    return formula.value


def table_with(at: AppTest, column: str, nth: int = 0):
    frames = [t for t in page_tables(at) if column in t.columns]
    return frames[nth]


def result_table(at: AppTest):
    return table_with(at, "this lab computes")


def shown_headings(at: AppTest) -> list[str]:
    return [h for h in HEADINGS if any(m.value.startswith(h) for m in at.markdown)]


def by_prefix(widgets, prefix: str):
    (found,) = [w for w in widgets if w.key and w.key.startswith(prefix)]
    return found


def slider(at: AppTest, q: int, j: int):
    (found,) = [
        s for s in at.slider if s.key.startswith(KEYS["nudge"]) and s.key.endswith(f".{q}.{j}")
    ]
    return found


def specs(at: AppTest) -> list[dict]:
    """Every Vega-Lite spec on the page, its named datasets decoded under ``_data``."""
    out = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        spec["_data"] = {
            d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist()
            for d in element.proto.datasets
        }
        out.append(spec)
    return out


def flat(matrix) -> list[float]:
    return [float(v) for row in matrix for v in row]


def label(t: str, j: int) -> str:
    return f"{t} (x{sup(j + 1)})"


# ---- the result and the book -------------------------------------------------------------------


def test_book_state_matches_the_book() -> None:
    at = open_page()
    text = text_of(at)
    assert "z⁽²⁾ = `[0.4419, 0.6515, 0.5683]`" in text
    assert "Matches the book" in text
    rows = result_table(at)
    trace = core(BOOK_INPUTS_LIST)
    assert list(rows["this lab computes"]) == [
        vec(trace.attn_scores[1]), vec(trace.attn_weights[1]), vec(trace.context_vecs[1])
    ]  # fmt: skip
    book = [BOOK_PRINTED[f"simplified.{n}"] for n in ("attn_scores_2", "attn_weights_2",
                                                      "context_vec_2")]  # fmt: skip
    assert list(rows["the book prints (3.3.1)"]) == [f"{vec(b)} ✔" for b in book]
    # step 1's and step 2's tables print the book's column beside ours
    scores = table_with(at, "the book prints (3.3.1)", 1)
    assert list(scores["the book prints (3.3.1)"]) == pytest.approx(book[0])
    weights = table_with(open_page(2), "the book prints α₂ⱼ")
    assert list(weights["the book prints α₂ⱼ"])[:6] == pytest.approx(book[1])
    assert list(weights["softmax α₂ⱼ"])[:6] == pytest.approx(book[1], abs=1e-4)


def test_another_query_has_no_book_numbers() -> None:
    at = open_page(query=0)
    trace = core(BOOK_INPUTS_LIST)
    text = text_of(at)
    assert f"z⁽¹⁾ = `{vec(trace.context_vecs[0])}`" in text
    assert "pick it to compare" in text and "Matches the book" not in text
    assert "the book prints (3.3.1)" not in result_table(at).columns
    assert list(result_table(at)["this lab computes"])[1] == vec(trace.attn_weights[0])


def test_other_embeddings_say_the_book_no_longer_applies() -> None:
    inputs = with_cell(BOOK_INPUTS_LIST, 0, 2, 2.0)
    at = open_page(embeddings=(BOOK_TOKENS, inputs))
    text = text_of(at)
    assert f"z⁽²⁾ = `{vec(core(inputs).context_vecs[1])}`" in text
    assert "Not the book's example" in text and "Matches the book" not in text
    assert "6 tokens, d_in = 3" in text


def test_the_book_check_ignores_seeds_and_d_out() -> None:
    """Section 3.3 has no weight parameters: another seed or d_out keeps the book's numbers."""
    at = open_page(seeds=(7, 7, 7), d_out=4)
    assert "Matches the book" in text_of(at)


def test_one_token_in_the_headline() -> None:
    at = open_page(embeddings=ONE)
    assert "z⁽¹⁾ = `[0.3000, -0.2000, 0.5000]`" in text_of(at)
    assert "1 token, d_in = 3" in text_of(at)


# ---- step 1: scores ------------------------------------------------------------------------------


def test_first_step_spells_out_the_books_cell() -> None:
    formula = latex(open_page())
    # omega_21 = x2 . x1 = 0.55*0.43 + 0.87*0.15 + 0.66*0.89 = 0.9544, as in section 3.3.1
    assert "\\omega_{21} &= x^{(2)} \\cdot x^{(1)}" in formula
    assert "0.55 \\cdot 0.43 + 0.87 \\cdot 0.15 + 0.66 \\cdot 0.89" in formula
    assert "0.2365 + 0.1305 + 0.5874" in formula
    assert "\\mathbf{0.9544}" in formula


def test_key_picker_spells_out_the_chosen_cell() -> None:
    at = open_page()
    at.selectbox(key=KEYS["key"]).set_value(4).run()  # the key 'one'
    assert at.session_state["lab.simplified.key"] == 4
    formula = latex(at)
    assert "\\omega_{25}" in formula
    assert "0.55 \\cdot 0.77 + 0.87 \\cdot 0.25 + 0.66 \\cdot 0.1" in formula
    assert "\\mathbf{0.7070}" in formula
    scores = table_with(at, "key j")
    assert list(scores["key j"])[4] == "▶ " + label("one", 4)  # the spelled-out row is marked


def test_scores_table_is_the_cores_for_any_query() -> None:
    for q in (1, 3):
        at = open_page(query=q)
        scores = table_with(at, "key j")
        column = f"score ω{sub(q + 1)}ⱼ = x{sup(q + 1)} · x⁽ʲ⁾"
        expected = core(BOOK_INPUTS_LIST).attn_scores[q].tolist()
        assert list(scores[column]) == pytest.approx(expected, abs=PRINTED)
        assert next(iter(scores["x⁽ʲ⁾"])) == "[0.43, 0.15, 0.89]"


def test_formula_brackets_negatives_and_writes_huge_numbers_as_powers() -> None:
    from lessons.simplified import text

    formula = text.dot_product_latex((0.5, -2.0), (-1.0, 3.0), -6.5, 1, 2)
    assert "0.5 \\cdot (-1) + (-2) \\cdot 3" in formula
    assert "\\mathbf{-6.5000}" in formula
    long = text.dot_product_latex(tuple(range(1, 11)), (1.0,) * 10, 55.0, 1, 1)
    assert long.count("\\\\") >= 6  # 10 products over several lines
    huge = text.dot_product_latex((1e6,), (-1e6,), -1e12, 12, 3)
    assert "\\omega_{12,3}" in huge
    assert "1 \\times 10^{6} \\cdot (-1 \\times 10^{6})" in huge
    assert "\\mathbf{-1 \\times 10^{12}}" in huge


def best_match_of(at: AppTest) -> str:
    (line,) = [m.value for m in at.markdown if "highest score" in m.value or "scores are equal"
               in m.value or "only score" in m.value]  # fmt: skip
    return line


def test_best_match_is_the_query_itself_by_default() -> None:
    line = best_match_of(open_page())
    s = core(BOOK_INPUTS_LIST).attn_scores[1].tolist()
    assert line == (
        f"The highest score is the query's own, ω₂₂ = x⁽²⁾ · x⁽²⁾ = {s[1]:.4f}. The lowest is "
        f"*one*'s, ω₂₅ = {s[4]:.4f}."
    )


def test_a_longer_key_can_outscore_the_query_itself() -> None:
    line = best_match_of(open_page(query=3))  # 'with' is short; 'journey' outscores it
    s = core(BOOK_INPUTS_LIST).attn_scores[3].tolist()
    top = max(range(6), key=lambda j: s[j])
    assert BOOK_TOKENS[top] == "journey" and s[1] > s[3]
    lengths = [math.sqrt(sum(v * v for v in BOOK_INPUTS_LIST[k])) for k in (1, 3)]
    assert (
        f"*journey*'s, ω₄₂ = {s[1]:.4f}, above the query's own ω₄₄ = x⁽⁴⁾ · x⁽⁴⁾ = {s[3]:.4f}"
        in line
    )
    assert f"(length {lengths[0]:.4f} against {lengths[1]:.4f})" in line
    assert lengths[0] > lengths[1]


def test_best_match_with_negative_scores_equal_scores_and_one_token() -> None:
    line = best_match_of(open_page(query=1, embeddings=NEGATIVE))
    s = core(NEGATIVE[1]).attn_scores[1].tolist()
    assert f"The lowest is *a*'s, ω₂₁ = {s[0]:.4f}: it points away from the query." in line
    zero = (("a", "b"), ((0.0, 0.0), (1.0, 2.0)))
    assert "All 2 scores are equal (0.0000)" in best_match_of(open_page(query=0, embeddings=zero))
    assert best_match_of(open_page(embeddings=ONE)) == (
        "With one token the only score is the query's own: ω₁₁ = x⁽¹⁾ · x⁽¹⁾ = 0.3800."
    )


# ---- step 2: weights -------------------------------------------------------------------------------


def test_weights_table_is_the_cores() -> None:
    at = open_page(2)
    trace = core(BOOK_INPUTS_LIST)
    scores = trace.attn_scores[1]
    frame = table_with(at, "exp(ω₂ⱼ)")
    assert list(frame["key j"])[-1] == "Σ sum"
    assert list(frame["score ω₂ⱼ"])[:6] == pytest.approx(scores.tolist(), abs=PRINTED)
    assert list(frame["exp(ω₂ⱼ)"])[:6] == pytest.approx(torch.exp(scores).tolist(), rel=1e-4)
    naive = naive_attention_weights(trace.attn_scores)[1].tolist()
    assert list(frame["ω₂ⱼ / Σₖ ω₂ₖ"])[:6] == pytest.approx(naive, abs=PRINTED)
    assert list(frame["softmax α₂ⱼ"])[:6] == pytest.approx(
        trace.attn_weights[1].tolist(), abs=PRINTED
    )
    assert frame["softmax α₂ⱼ"].iloc[-1] == pytest.approx(1.0, abs=PRINTED)
    assert frame["ω₂ⱼ / Σₖ ω₂ₖ"].iloc[-1] == pytest.approx(1.0, abs=PRINTED)
    assert "the book's softmax_naive" not in frame.columns  # shown only when exp overflows


def naive_verdict_of(at: AppTest) -> str:
    (line,) = [m.value for m in at.markdown if "score / sum" in m.value and
               ("✅" in m.value or "⚠️" in m.value or "With one token" in m.value)]  # fmt: skip
    return line.split("\n\n")[0]


def test_naive_verdict_by_default() -> None:
    trace = core(BOOK_INPUTS_LIST)
    soft, naive = trace.attn_weights[1].tolist(), naive_attention_weights(trace.attn_scores)[1]
    verdict = naive_verdict_of(open_page(2))
    assert soft[1] > naive[1]  # the numbers say softmax leans more towards 'journey'
    assert verdict.startswith("✅ With these scores both ways give weights between 0 and 1")
    assert (
        f"leans more towards the best match (*journey*: {soft[1]:.4f} against {naive[1]:.4f}"
        in verdict
    )


def test_the_try_it_of_the_prose_holds() -> None:
    """'pick the query Your and drag its dim 2 down to -2': negative weights, and Your above 1."""
    at = open_page(2)
    by_prefix(at.selectbox, KEYS["query"]).set_value(0).run()
    slider(at, 0, 1).set_value(-2.0).run()
    inputs = with_cell(BOOK_INPUTS_LIST, 0, 1, -2.0)
    assert at.session_state["lab.embeddings"] == (BOOK_TOKENS, inputs)
    trace = core(inputs)
    naive = naive_attention_weights(trace.attn_scores)[0].tolist()
    soft = trace.attn_weights[0].tolist()
    low = min(range(6), key=lambda j: naive[j])
    verdict = naive_verdict_of(at)
    assert verdict.startswith("⚠️ **score / sum breaks here:**")
    assert f"*{BOOK_TOKENS[low]}* gets **{naive[low]:.4f}**, a negative share" in verdict
    assert f"(softmax gives it {soft[low]:.4f})" in verdict
    assert (
        f"*Your* gets **{naive[0]:.4f}**, more than the whole (softmax: {soft[0]:.4f})" in verdict
    )
    assert naive[0] > 1 and min(soft) > 0
    frame = table_with(at, "exp(ω₁ⱼ)")
    assert min(frame["softmax α₁ⱼ"][:6]) > 0


@pytest.mark.parametrize(
    ("scores", "naive", "softmax", "word"),
    [
        ([1.0, 2.0], [1 / 3, 2 / 3], [0.2689, 0.7311], "leans more"),
        ([0.4, 0.6], [0.4, 0.6], [0.45, 0.55], "flatter"),
        ([0.5, 0.5], [0.5, 0.5], [0.5, 0.5], "the same share, to 4 decimals"),
    ],
)
def test_the_score_over_sum_verdict_agrees_with_its_numbers(scores, naive, softmax, word) -> None:
    """Softmax is not always sharper than score / sum: scores close together and below 1 give
    a flatter softmax. The sentence must say what the numbers show."""
    from lessons.simplified import text

    verdict = text.naive_verdict(["a", "b"], scores, naive, softmax)
    top = 1 if scores[1] > scores[0] else 0
    assert word in verdict and f"{softmax[top]:.4f} against {naive[top]:.4f}" in verdict


def test_the_books_query_step_gets_a_flatter_softmax() -> None:
    trace = core(BOOK_INPUTS_LIST)
    q = 5
    s = trace.attn_scores[q].tolist()
    top = max(range(6), key=lambda j: s[j])
    soft, naive = trace.attn_weights[q][top].item(), s[top] / sum(s)
    verdict = naive_verdict_of(open_page(2, query=q))
    word = "leans more" if soft > naive else "is flatter here"
    assert word in verdict and f"*{BOOK_TOKENS[top]}*: {soft:.4f} against {naive:.4f}" in verdict


def test_naive_verdict_when_the_scores_add_up_to_zero_and_with_one_token() -> None:
    zero = (("a", "b"), ((0.0, 0.0), (1.0, 2.0)))  # the query is the zero vector
    verdict = naive_verdict_of(open_page(2, query=0, embeddings=zero))
    assert "the scores add up to 0 (in float32)" in verdict
    assert "Softmax is still fine: *a* 0.5000, *b* 0.5000." in verdict
    assert naive_verdict_of(open_page(2, embeddings=ONE)) == (
        "With one token both ways give *solo* the whole weight: score / sum 1.0000, softmax "
        "1.0000. Nothing to share."
    )


def test_huge_values_overflow_exp_and_the_books_softmax_naive() -> None:
    at = open_page(2, query=1, embeddings=HUGE)
    trace = core(HUGE[1])
    text = text_of(at)
    assert (
        f"the largest score is {max(trace.attn_scores[1].tolist()):.4g}, above about 88.7" in text
    )
    frame = table_with(at, "the book's softmax_naive")
    naive = softmax_naive(trace.attn_scores[1]).tolist()
    assert any(math.isnan(v) for v in naive)
    shown = list(frame["the book's softmax_naive"])[:3]
    assert [math.isnan(v) for v in shown] == [math.isnan(v) for v in naive]
    assert math.inf in list(frame["exp(ω₂ⱼ)"])
    assert list(frame["softmax α₂ⱼ"])[:3] == pytest.approx(
        trace.attn_weights[1].tolist(), abs=PRINTED
    )
    assert "z⁽²⁾ = `" + vec(trace.context_vecs[1]) + "`" in text


def sums(at: AppTest) -> tuple[list[float], list[float]]:
    frame = table_with(at, "row sum (as query i)")
    return list(frame["row sum (as query i)"]), list(frame["column sum (as key j)"])


def dim_verdict_of(at: AppTest) -> str:
    (line,) = [m.value for m in at.markdown if m.value.startswith("**`torch.softmax(attn_scores")]
    return line


def test_dim_switch_shows_which_sums_are_one() -> None:
    at = open_page(2)
    trace = core(BOOK_INPUTS_LIST)
    rows, columns = sums(at)
    assert rows == pytest.approx([1.0] * 6, abs=PRINTED)
    column_2 = trace.attn_weights[:, 1].sum().item()
    assert columns[1] == pytest.approx(column_2, abs=PRINTED)
    verdict = dim_verdict_of(at)
    assert "`torch.softmax(attn_scores, dim=-1)`" in verdict
    assert "✅ Every **row** sums to 1 (row *journey*: 1.0000)" in verdict
    assert f"The columns need not: column *journey* sums to {column_2:.4f}." in verdict

    at.radio(key=KEYS["dim"]).set_value(0).run()
    assert at.session_state["lab.simplified.dim"] == 0
    dim0 = attention_weights(trace.attn_scores, dim=0)
    rows, columns = sums(at)
    assert columns == pytest.approx([1.0] * 6, abs=PRINTED)
    assert rows == pytest.approx(dim0.sum(dim=1).tolist(), abs=PRINTED)
    verdict = dim_verdict_of(at)
    off = sum(1 for r in dim0.sum(dim=1).tolist() if abs(r - 1) > PRINTED)
    assert (
        f"but {off} of the 6 rows do not: row *journey* sums to **{dim0[1].sum():.4f}**" in verdict
    )
    gap = (dim0 - trace.attn_weights.T).abs().max().item()
    transpose = "exactly the transpose" if gap == 0 else "the transpose of `dim=-1` up to float32"
    assert transpose in verdict
    weights = table_with(at, "query i ↓ · key j →")
    assert weights.iloc[1, 3] == pytest.approx(dim0[1, 2].item(), abs=PRINTED)


def test_dim_verdict_with_one_token_and_when_every_row_happens_to_sum_to_one() -> None:
    at = open_page(2, embeddings=ONE)
    assert "With one token the one row is the one column: it sums to 1.0000 either way." in (
        dim_verdict_of(at)
    )
    same = (("a", "b", "c"), ((0.5, 0.5), (0.5, 0.5), (0.5, 0.5)))  # uniform weights
    verdict = dim_verdict_of(open_page(2, embeddings=same, **{"simplified.dim": 0}))
    assert "with these numbers every row happens to as well" in verdict


# ---- step 3: the context vector --------------------------------------------------------------------


def test_weighted_sum_formula_and_contributions() -> None:
    at = open_page(3)
    trace = core(BOOK_INPUTS_LIST)
    alphas = trace.attn_weights[1].tolist()
    formula = latex(at)
    assert "z^{(2)} &= \\sum_j \\alpha_{2j}\\, x^{(j)}" in formula
    assert f"\\underbrace{{{alphas[0]:.4f}}}_{{\\alpha_{{21}}}}" in formula
    assert "\\underbrace{[0.43, 0.15, 0.89]}_{x^{(1)}}" in formula
    assert "\\mathbf{[0.4419, 0.6515, 0.5683]}" in formula
    frame = table_with(at, "α₂ⱼ · dim 1")
    assert list(frame["input x⁽ʲ⁾"])[-1] == "z⁽²⁾ = Σⱼ"
    for d in range(3):
        column = list(frame[f"α₂ⱼ · dim {d + 1}"])
        expected = [a * x[d] for a, x in zip(alphas, BOOK_INPUTS_LIST, strict=True)]
        assert column[:6] == pytest.approx(expected, abs=PRINTED)
        assert sum(column[:6]) == pytest.approx(column[6], abs=4e-4)  # the rows add up to z
        assert column[6] == pytest.approx(trace.context_vecs[1, d].item(), abs=PRINTED)
    assert list(frame["α₂ⱼ"])[:6] == pytest.approx(alphas, abs=PRINTED)


def test_formula_for_many_tokens_and_coordinates_stays_short() -> None:
    from lessons.simplified import text

    weights = [1 / 12] * 12
    inputs = tuple(tuple(float(k) for k in range(10)) for _ in range(12))
    formula = text.weighted_sum_latex(weights, inputs, inputs[0], 12)
    assert "(4 more terms)" in formula and "(4 more)" in formula
    assert "\\alpha_{12,1}" in formula


def between_of(at: AppTest) -> str:
    (line,) = [m.value for m in at.markdown if m.value.startswith("Every coordinate of z")]
    return line


@pytest.mark.parametrize(("embeddings", "q"), [(None, 1), (NEGATIVE, 1), (HUGE, 1), (ONE, 0)])
def test_each_coordinate_of_z_lies_between_the_inputs(embeddings, q: int) -> None:
    _tokens, inputs = embeddings or (BOOK_TOKENS, BOOK_INPUTS_LIST)
    line = between_of(open_page(3, embeddings=embeddings, query=q))
    z = core(inputs).context_vecs[q].tolist()

    def n(v: float) -> str:
        return f"{v:.4g}" if v != 0 and not 1e-4 <= abs(v) < 1e6 else f"{v:.4f}"

    for k in range(min(3, len(z))):
        column = [row[k] for row in inputs]
        assert min(column) - 1e-6 * max(1, abs(min(column))) <= z[k]
        assert z[k] <= max(column) + 1e-6 * max(1, abs(max(column)))
        assert f"dim {k + 1}: {n(min(column))} ≤ **{n(z[k])}** ≤ {n(max(column))}" in line
    assert "rounding" not in line


# ---- step 4: all queries -----------------------------------------------------------------------------


def test_all_queries_matrices_are_the_cores() -> None:
    for q, embeddings in ((1, None), (2, NEGATIVE)):
        tokens, inputs = embeddings or (BOOK_TOKENS, BOOK_INPUTS_LIST)
        at = open_page(4, embeddings=embeddings, query=q)
        trace = core(inputs)
        frames = [t for t in page_tables(at) if t.columns[0] == "query i ↓ · key j →"]
        scores, weights = frames[-2], frames[-1]
        contexts = table_with(at, "query i ↓ · coordinate →")
        assert flat(scores.iloc[:, 1:].values) == pytest.approx(
            flat(trace.attn_scores.tolist()), abs=PRINTED
        )
        assert flat(weights.iloc[:, 1:].values) == pytest.approx(
            flat(trace.attn_weights.tolist()), abs=PRINTED
        )
        assert flat(contexts.iloc[:, 1:].values) == pytest.approx(
            flat(trace.context_vecs.tolist()), abs=PRINTED
        )
        assert contexts.iloc[q, 0] == f"▶ {tokens[q]}"
        sentence = [m.value for m in at.markdown if "of `all_context_vecs` is" in m.value]
        assert sentence == [
            f"Row {q + 1} (▶ *{tokens[q]}*) of `all_context_vecs` is z{sup(q + 1)} = "
            f"`{vec(trace.context_vecs[q])}`, the result above; its row of `attn_weights` sums "
            f"to {trace.attn_weights[q].sum().item():.4f}."
        ]


# ---- step 5: geometry -----------------------------------------------------------------------------


def geometry_verdict_of(at: AppTest) -> str:
    (line,) = [m.value for m in at.markdown if "inside the shaded hull" in m.value]
    return line


def test_geometry_view_axes_and_all_context_vectors() -> None:
    at = open_page(5)
    z = core(BOOK_INPUTS_LIST).context_vecs[1].tolist()
    assert f"sits at ({z[0]:.4f}, {z[1]:.4f}), inside the shaded hull" in geometry_verdict_of(at)
    assert "This view shows dim 1 and dim 2; dim 3 is left out" in text_of(at)
    (spec,) = specs(at)
    assert [r["token"] for r in spec["_data"]["arrows"]] == list(BOOK_TOKENS)
    assert len(spec["_data"]["contexts"]) == 1
    points = table_with(at, "horizontal: dim 1")
    assert list(points["vertical: dim 2"])[-1] == pytest.approx(z[1], abs=PRINTED)

    at.selectbox(key=KEYS["axis_y"]).set_value(2).run()  # dim 1 against dim 3
    assert at.session_state["lab.simplified.axis_y"] == 2
    assert f"sits at ({z[0]:.4f}, {z[2]:.4f})" in geometry_verdict_of(at)
    (spec,) = specs(at)
    assert spec["_data"]["contexts"][0]["y"] == pytest.approx(z[2], abs=1e-6)
    assert "dim 3" in json.dumps(spec["encoding"] if "encoding" in spec else spec["layer"])

    at.checkbox(key=KEYS["all_z"]).check().run()
    (spec,) = specs(at)
    assert len(spec["_data"]["contexts"]) == 6
    assert "All 6 context vectors lie inside it." in geometry_verdict_of(at)

    at.radio(key=KEYS["view"]).set_value(VIEW_SVD).run()
    proj = project_2d(torch.tensor(BOOK_INPUTS_LIST), core(BOOK_INPUTS_LIST).context_vecs, VIEW_SVD)
    assert f"This plane keeps {proj.kept:.1%} of the inputs' squared length" in text_of(at)
    point = proj.contexts[1]
    assert f"sits at ({point[0]:.4f}, {point[1]:.4f})" in geometry_verdict_of(at)
    assert all(s.key != KEYS["axis_x"] for s in at.selectbox)


def test_the_same_axis_twice_is_said() -> None:
    at = open_page(5, **{"simplified.axis_y": 0})
    assert "Both axes show dim 1: every point lies on the diagonal." in text_of(at)
    assert "inside the shaded hull" in geometry_verdict_of(at)


@pytest.mark.parametrize(("embeddings", "q"), [(ONE, 0), (NEGATIVE, 1), (HUGE, 1), (LINE, 2)])
def test_z_is_inside_the_hull_for_every_kind_of_input(embeddings, q: int) -> None:
    tokens, inputs = embeddings
    at = open_page(5, embeddings=embeddings, query=q)
    trace = core(inputs)
    proj = project_2d(
        torch.tensor(inputs), trace.context_vecs, VIEW_DIMS, (0, min(1, len(inputs[0]) - 1))
    )
    assert inside_hull(proj.contexts[q], proj.hull)
    verdict = geometry_verdict_of(at)
    assert verdict.startswith(f"✅ z{sup(q + 1)} of *{tokens[q]}* sits at")


def test_d_in_2_and_1_in_the_geometry_step() -> None:
    at = open_page(5)
    at.number_input(key=KEYS["d_in"]).set_value(2).run()
    _tokens, inputs = at.session_state["lab.embeddings"]
    assert all(len(row) == 2 for row in inputs)
    assert "d_in = 2: the embeddings live in this plane, nothing is hidden." in text_of(at)
    assert all(r.key != KEYS["view"] for r in at.radio)  # nothing to choose in 2-d
    z = core(inputs).context_vecs[1].tolist()
    assert f"sits at ({z[0]:.4f}, {z[1]:.4f})" in geometry_verdict_of(at)

    at.number_input(key=KEYS["d_in"]).set_value(1).run()
    _, inputs = at.session_state["lab.embeddings"]
    assert all(len(row) == 1 for row in inputs)
    z = core(inputs).context_vecs[1].tolist()
    assert f"sits at {z[0]:.4f} on the line, inside the shaded hull" in geometry_verdict_of(at)
    assert "d_in = 1: every vector lies on one line" in text_of(at)
    assert not [c for c in table_with(at, "horizontal: dim 1").columns if c.startswith("vertical")]


def test_the_geometry_chart_is_one_template_whatever_the_numbers() -> None:
    """A chart's template is cached per layout: a new query or new numbers change its data
    only, so the title and encodings hold nothing a control changes."""
    a = specs(open_page(5))[0]
    b = specs(
        open_page(5, query=4, embeddings=(BOOK_TOKENS, with_cell(BOOK_INPUTS_LIST, 0, 0, 0.9)))
    )[0]
    data_a, data_b = a.pop("_data"), b.pop("_data")
    assert a == b and data_a != data_b
    assert a["usermeta"]["embedOptions"]["renderer"] == "canvas"
    assert '"tooltip"' in json.dumps(a) and a["title"]
    assert [r["role"] for r in data_b["arrows"]].index("the query x⁽ⁱ⁾") == 4


def test_at_most_one_chart_in_any_tab() -> None:
    for step, heading in enumerate(HEADINGS, start=1):
        at = open_page(step)
        assert shown_headings(at) == [heading]
        assert len(specs(at)) == (1 if step == 5 else 0)


def test_projector_mode_enlarges_tables_and_the_chart() -> None:
    plain, big = open_page(5), open_page(5, projector=True)
    assert 'class="lab-table lab-projector"' in "".join(h.value for h in big.html)
    assert 'class="lab-table lab-projector"' not in "".join(h.value for h in plain.html)
    size = [s["config"]["axis"]["labelFontSize"] for s in (specs(plain)[0], specs(big)[0])]
    assert size[1] > size[0]


# ---- step 6: the code ---------------------------------------------------------------------------------


def test_code_that_ran_and_the_snippet() -> None:
    at = open_page(6)
    sources = at.code[0].value
    for name in ("attention_scores", "attention_weights", "softmax_naive",
                 "naive_attention_weights", "context_vectors", "context_contributions",
                 "simplified_self_attention", "project_2d", "convex_hull", "inside_hull"):  # fmt: skip
        assert f"def {name}(" in sources
    snippet = at.code[-1].value
    assert snippet.startswith("import torch") and "streamlit" not in snippet
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(snippet, namespace)
    trace = core(BOOK_INPUTS_LIST)
    assert torch.allclose(namespace["all_context_vecs"], trace.context_vecs, atol=1e-6)
    assert torch.allclose(namespace["context_vec_2"], trace.context_vecs[1], atol=1e-6)
    assert "tensor([0.4419, 0.6515, 0.5683])" in out.getvalue()
    assert f"# expect {vec(trace.attn_weights[1])}" in snippet


def test_snippet_follows_the_query_and_any_tokens() -> None:
    tokens = ("it's", 'say "hi"', "#tag")
    inputs = ((0.1, -2.5), (1e-05, 3.0), (0.333333, 0.25))
    at = open_page(6, embeddings=(tokens, inputs), query=2)
    snippet = at.code[-1].value
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(snippet, namespace)
    trace = core(inputs)
    assert torch.allclose(namespace["context_vec_3"], trace.context_vecs[2], atol=1e-6)
    assert torch.allclose(namespace["attn_weights"], trace.attn_weights, atol=1e-6)
    assert re.search(r"# expect \[", snippet)


# ---- the shared controls ----------------------------------------------------------------------------


def test_query_picker_follows_another_token() -> None:
    at = open_page()
    by_prefix(at.selectbox, KEYS["query"]).set_value(0).run()
    assert at.session_state["lab.query"] == 0
    trace = core(BOOK_INPUTS_LIST)
    assert f"z⁽¹⁾ = `{vec(trace.context_vecs[0])}`" in text_of(at)
    assert "\\omega_{11}" in latex(at)


def test_query_sliders_move_the_query() -> None:
    at = open_page()
    assert slider(at, 1, 0).value == pytest.approx(0.55)
    slider(at, 1, 2).set_value(-1.0).run()
    inputs = with_cell(BOOK_INPUTS_LIST, 1, 2, -1.0)
    assert at.session_state["lab.embeddings"] == (BOOK_TOKENS, inputs)
    assert f"z⁽²⁾ = `{vec(core(inputs).context_vecs[1])}`" in text_of(at)
    assert "Not the book's example" in text_of(at)


def test_sentence_box_makes_new_tokens() -> None:
    at = open_page()
    at.text_input(key=KEYS["sentence"]).input("the cat sat on the mat").run()
    tokens, inputs = at.session_state["lab.embeddings"]
    assert tokens == ("the", "cat", "sat", "on", "the₂", "mat")
    assert inputs == tuple(token_embedding(w, 3) for w in ("the", "cat", "sat", "on", "the", "mat"))
    assert f"z⁽²⁾ = `{vec(core(inputs).context_vecs[1])}`" in text_of(at)
    assert list(table_with(at, "key j")["key j"])[5] == label("mat", 5)


def test_d_in_control_resizes_the_embeddings() -> None:
    at = open_page(3)
    at.number_input(key=KEYS["d_in"]).set_value(5).run()
    _, inputs = at.session_state["lab.embeddings"]
    assert all(len(row) == 5 for row in inputs)
    frame = table_with(at, "α₂ⱼ · dim 5")
    assert frame["α₂ⱼ · dim 5"].iloc[-1] == pytest.approx(
        core(inputs).context_vecs[1, 4].item(), abs=PRINTED
    )


def test_a_renamed_sentence_keeps_the_key_picker_valid() -> None:
    at = open_page(**{"simplified.key": 5})
    assert "\\omega_{26}" in latex(at)
    at.text_input(key=KEYS["sentence"]).input("short one").run()
    assert at.session_state["lab.simplified.key"] == 0  # key 6 is gone: back to the first
    assert "\\omega_{21}" in latex(at)


def test_steps_open_one_at_a_time_with_next_and_previous() -> None:
    at = open_page(1)
    at.button(key=KEYS["next"]).click().run()
    assert at.session_state["lab.simplified.step"] == 2
    assert shown_headings(at) == [HEADINGS[1]]
    at.button(key=KEYS["previous"]).click().run()
    assert shown_headings(at) == [HEADINGS[0]]


def test_reveal_steps_one_at_a_time() -> None:
    at = open_page(reveal=True)
    assert shown_headings(at) == [HEADINGS[0]]
    assert "The result and the book's numbers appear with the last step" in text_of(at)
    assert "z⁽²⁾ = `" not in text_of(at)
    at.button(key=KEYS["next"]).click().run()
    assert shown_headings(at) == [HEADINGS[1]]
    at = open_page(6, reveal=True, **{"simplified.revealed": 6})
    assert "Matches the book" in text_of(at)


def test_reset_brings_back_the_book() -> None:
    at = open_page(query=0, embeddings=(BOOK_TOKENS, with_cell(BOOK_INPUTS_LIST, 0, 0, 0.9)))
    assert "Matches the book" not in text_of(at)
    at.button(key="simplified.reset").click().run()
    assert "Matches the book" in text_of(at)
    assert "z⁽²⁾ = `[0.4419, 0.6515, 0.5683]`" in text_of(at)


# ---- links and bad input --------------------------------------------------------------------------


def test_a_shared_link_sets_every_control() -> None:
    at = run_link(PAGE, simplified_step="5", simplified_view="dims", simplified_x="3",
                  simplified_y="2", simplified_all_z="1", query="3")  # fmt: skip
    assert not at.warning
    assert at.selectbox(key=KEYS["axis_x"]).value == 2
    assert at.selectbox(key=KEYS["axis_y"]).value == 1
    assert at.checkbox(key=KEYS["all_z"]).value is True
    z = core(BOOK_INPUTS_LIST).context_vecs[3].tolist()
    assert f"sits at ({z[2]:.4f}, {z[1]:.4f})" in geometry_verdict_of(at)
    at = run_link(PAGE, simplified_step="2", simplified_dim="0")
    assert at.radio(key=KEYS["dim"]).value == 0
    at = run_link(PAGE, simplified_step="1", simplified_key="3")
    assert "\\omega_{24}" in latex(at)
    at = run_link(PAGE, simplified_step="5", simplified_view="svd")
    assert "This plane keeps" in text_of(at)


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("simplified_dim", "5", "simplified_dim must be one of -1, 0"),
        ("simplified_view", "sideways", "simplified_view must be one of dims, svd"),
        ("simplified_x", "0", "simplified_x must be between 1 and 16"),
        ("simplified_y", "abc", "not a whole number"),
        ("simplified_key", "-1", "simplified_key must be between 0"),
        ("simplified_all_z", "maybe", "simplified_all_z must be 1 or 0"),
        ("simplified_step", "9", "simplified_step must be between 1 and 6"),
        ("x", "abc", "not a number"),
        ("x", "nan", "NaN"),
        ("x", "0.1,inf,0.3", "infinite"),
        ("x", "1e30", "keep values within"),
        ("tokens", "[]", "no tokens"),
        ("query", "9", "the sentence has 6 tokens"),
    ],
)
def test_a_tampered_link_is_reported_and_the_rest_still_applies(
    name: str, value: str, reason: str
) -> None:
    params = {"simplified_step": "5", "simplified_all_z": "1", name: value}
    at = run_link(PAGE, **params)
    (warning,) = at.warning
    assert f"`?{name}={value}` was ignored" in warning.value and reason in warning.value
    if name != "simplified_step":
        assert shown_headings(at) == [HEADINGS[4]]
    if name != "simplified_all_z":
        assert at.session_state["lab.simplified.all_z"] is True
    assert "Matches the book" in text_of(at)  # the book's embeddings and query stand


def test_axes_beyond_d_in_fall_back_to_valid_ones() -> None:
    at = open_page(5, embeddings=(BOOK_TOKENS, tuple(r[:2] for r in BOOK_INPUTS_LIST)),
                   **{"simplified.axis_x": 7})  # fmt: skip
    assert not at.exception
    assert "d_in = 2" in text_of(at)
    at = open_page(5, **{"simplified.axis_x": 7})
    assert at.selectbox(key=KEYS["axis_x"]).value == 0
    assert at.session_state["lab.simplified.axis_x"] == 0


def test_a_rejected_edit_leaves_a_message_and_the_page_working() -> None:
    at = open_page(embeddings_error="'Your', dim 1 is 'abc', which is not a number.")
    (error,) = at.error
    assert "not a number" in error.value and "last valid embeddings" in error.value
    assert "Matches the book" in text_of(at)


def edit(delta: dict, **settings: object) -> AppTest:
    """The page after its grid delivered ``delta`` (an ``st.data_editor`` edit record) the way
    the browser does: as the editor's widget state, so the editor's own on_change commits it.

    (AppTest cannot edit a grid; ``_run`` with a widget state is what its ``run`` does.)
    """
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state["simplified.grid_open"] = True  # the grid is built only while open
    for name, value in settings.items():
        at.session_state[f"lab.{name}"] = value
    at.run()
    (editor,) = at.data_editor
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = editor.proto.id
    state.string_value = json.dumps(
        {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **delta}
    )
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_editing_a_cell_changes_the_context_vector() -> None:
    at = edit({"edited_rows": {"0": {"dim 3": 2.0}}})
    inputs = with_cell(BOOK_INPUTS_LIST, 0, 2, 2.0)
    assert at.session_state["lab.embeddings"] == (BOOK_TOKENS, inputs)
    assert f"z⁽²⁾ = `{vec(core(inputs).context_vecs[1])}`" in text_of(at)
    assert not at.error and "Matches the book" not in text_of(at)


def test_adding_renaming_and_deleting_tokens() -> None:
    at = edit(
        {
            "edited_rows": {"5": {"token": "stride"}},
            "added_rows": [{"token": "today"}],
            "deleted_rows": [0],
        }
    )
    tokens, inputs = at.session_state["lab.embeddings"]
    assert tokens == ("journey", "starts", "with", "one", "stride", "today")
    assert inputs[-1] == token_embedding("today", 3)  # a seeded embedding for the new token
    assert f"z⁽²⁾ = `{vec(core(inputs).context_vecs[1])}`" in text_of(at)  # the query stays 2nd
    keys = [label(t, j) for j, t in enumerate(tokens)]
    keys[0] = "▶ " + keys[0]  # the key spelled out in step 1
    assert list(table_with(at, "key j")["key j"]) == keys


BAD_EDITS = {
    "empty cell": ({"edited_rows": {"0": {"dim 1": None}}}, "is empty"),
    "text": ({"edited_rows": {"0": {"dim 1": "abc"}}}, "not a number"),
    "NaN": ({"edited_rows": {"0": {"dim 1": float("nan")}}}, "NaN"),
    "infinity": ({"edited_rows": {"0": {"dim 1": float("inf")}}}, "infinite"),
    "1e30": ({"edited_rows": {"0": {"dim 1": 1e30}}}, "keep values within"),
    "no tokens": ({"deleted_rows": list(range(6))}, "no tokens"),
    "too many tokens": (
        {"added_rows": [{"token": f"t{i}"} for i in range(MAX_TOKENS)]},
        "more than this lab shows",
    ),
    "duplicate names": ({"edited_rows": {"1": {"token": "Your"}}}, "unique"),
    "empty name": ({"edited_rows": {"1": {"token": "  "}}}, "has no name"),
}


@pytest.mark.parametrize("name", list(BAD_EDITS))
def test_a_bad_edit_gives_a_message_and_keeps_the_last_valid_state(name: str) -> None:
    delta, message = BAD_EDITS[name]
    at = edit(delta, query=0)
    errors = " ".join(e.value for e in at.error)
    assert message in errors and "last valid embeddings" in errors, errors
    assert "lab.embeddings" not in at.session_state  # nothing was committed
    assert at.session_state["lab.query"] == 0  # the student's other settings stay
    trace = core(BOOK_INPUTS_LIST)
    assert f"z⁽¹⁾ = `{vec(trace.context_vecs[0])}`" in text_of(at)  # the page still works


@pytest.mark.parametrize(
    ("sentence", "message"),
    [(" ".join(f"w{i}" for i in range(MAX_TOKENS + 1)), "more than this lab shows"),
     ("x" * 30, "longer than")],
)  # fmt: skip
def test_a_bad_sentence_is_refused_with_a_message(sentence: str, message: str) -> None:
    at = open_page()
    at.text_input(key=KEYS["sentence"]).input(sentence).run()
    assert message in " ".join(e.value for e in at.error)
    assert "lab.embeddings" not in at.session_state  # nothing was committed
    assert "Matches the book" in text_of(at)


def test_page_file_has_no_torch() -> None:
    source = (ROOT / PAGE).read_text(encoding="utf-8")
    assert "import torch" not in source and "from torch" not in source


# ---- every verdict on many random inputs ---------------------------------------------------------


def random_states():
    """Inputs the controls allow: negative, one token, d_in = 1, values up to ±1e6."""
    generator = torch.Generator().manual_seed(11)
    for trial in range(60):
        n, d = 1 + trial % 7, 1 + trial % 4
        scale = (0.5, 2.0, 50.0, 1e6)[trial % 4]
        x = (torch.randn(n, d, generator=generator) * scale).clamp(-1e6, 1e6)
        inputs = tuple(tuple(round(v, 3) for v in row) for row in x.tolist())
        yield tuple(f"t{k}" for k in range(n)), inputs


def test_every_verdict_says_what_its_numbers_show() -> None:
    from lessons.simplified import text, view
    from ui import compute

    for tokens, inputs in random_states():
        simple = compute.simplified(inputs)
        n, d = len(tokens), len(inputs[0])
        for q in range(n):
            scores, naive = simple.attn_scores[q], simple.naive_weights[q]
            soft = simple.attn_weights[q]
            verdict = text.naive_verdict(tokens, scores, naive, soft)
            broken = any(not math.isfinite(w) or w < 0 or w > 1 + 1e-6 for w in naive)
            assert ("breaks here" in verdict) == broken, (inputs, q, verdict)
            if n > 1 and not broken:
                assert verdict.startswith("✅")
            gap = text.transpose_gap(simple.attn_weights, simple.weights_dim0)
            rows = text.dim_verdict(-1, tokens, simple.attn_weights, q, gap)
            assert n == 1 or rows.startswith("✅ Every **row** sums to 1"), rows
            cols = text.dim_verdict(0, tokens, simple.weights_dim0, q, gap)
            assert n == 1 or cols.startswith("⚠️ Now every **column** sums to 1"), cols
            assert gap < 1e-5
            between = text.between(simple.context_vecs[q], inputs, q)
            assert "rounding" not in between, (inputs, between)
            axes = (0, min(1, d - 1))
            proj = view.projection(inputs, VIEW_DIMS, axes)
            assert text.geometry_verdict(proj, q, tokens[q], True, d).startswith("✅"), inputs
            if d > 2:
                svd = view.projection(inputs, VIEW_SVD, axes)
                assert text.geometry_verdict(svd, q, tokens[q], True, d).startswith("✅"), inputs
            assert text.best_match(tokens, inputs, scores, q)  # builds for every state


# ---- in Chromium ------------------------------------------------------------------------------------


def open_lesson(page, url: str) -> None:
    """Open the page and wait for the lesson itself (on a cold server the first run can start
    after the frame looks quiet), then for quiet."""
    open_app(page, url)
    page.locator(key_selector("simplified.steps")).wait_for()
    settle(page)


def headline_in(page) -> str:
    return page.locator("h3", has_text="The context vector of").first.inner_text()


@pytest.mark.browser
def test_every_step_renders_in_chromium(server: str, page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for step in range(1, 7):
        open_lesson(page, f"{server}{URL}?simplified_step={step}")
        assert_no_exception(page)
        charts_ = page.locator('[data-testid="stVegaLiteChart"]')
        assert charts_.count() == (1 if step == 5 else 0)
        if step == 5:
            charts_.first.locator("canvas").first.wait_for()
    assert "[0.4419, 0.6515, 0.5683]" in headline_in(page)
    assert not errors, errors


@pytest.mark.browser
def test_a_query_slider_in_chromium_changes_z_and_the_link(server: str, page) -> None:
    open_lesson(page, f"{server}{URL}")
    handle = page.locator(
        "[class*='st-key-simplified-nudge-'][class*='-1-0'] input[type=range]"
    )  # dim 1 of the query journey
    act(page, lambda: (handle.focus(), handle.press("ArrowRight")))  # 0.55 -> 0.56
    assert_no_exception(page)
    inputs = with_cell(BOOK_INPUTS_LIST, 1, 0, 0.56)
    assert vec(core(inputs).context_vecs[1]) in headline_in(page)
    assert "x=" in page.url  # the link shares the new embeddings
    assert page.get_by_text("Not the book's example").count() == 1


@pytest.mark.browser
def test_the_dim_radio_in_chromium(server: str, page) -> None:
    open_lesson(page, f"{server}{URL}?simplified_step=2")
    radio = page.locator(key_selector(KEYS["dim"])).get_by_text("dim=0: down each column")
    act(page, radio.click)
    assert_no_exception(page)
    assert "simplified_dim=0" in page.url
    dim0 = attention_weights(core(BOOK_INPUTS_LIST).attn_scores, dim=0)
    sentence = re.compile(rf"row journey sums to {dim0[1].sum():.4f}")
    assert page.locator("p", has_text=sentence).count() >= 1


@pytest.mark.browser
def test_editing_a_grid_cell_in_chromium_changes_z(server: str, page) -> None:
    page.set_viewport_size({"width": 1280, "height": 1400})
    open_lesson(page, f"{server}{URL}")
    expander = page.locator(key_selector(KEYS["grid_open"])).locator("summary")
    act(page, expander.click)
    # The editor is a canvas (glide-data-grid): click the cell by its position. Rows are 35 px
    # below a 35 px header; the last column (dim 3) touches the grid's right edge.
    canvas = page.locator('[data-testid="stDataFrame"] [data-testid="data-grid-canvas"]').first
    canvas.wait_for()
    settle(page)
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 20, box["y"] + 35 + 17)  # row 'Your', dim 3
    page.wait_for_function(
        "document.activeElement?.closest('[data-testid=stDataFrame]') != null", timeout=10_000
    )
    page.keyboard.type("2")  # typing on a selected cell opens its editor
    page.wait_for_function("document.querySelector('.gdg-input')?.value === '2'", timeout=10_000)
    page.keyboard.press("Enter")  # commits the edit: wait for what it changes
    expected = vec(core(with_cell(BOOK_INPUTS_LIST, 0, 2, 2.0)).context_vecs[1])
    page.wait_for_function(
        "([text]) => [...document.querySelectorAll('h3')].some(h => h.innerText.includes(text))",
        arg=[expected],
    )
    settle(page)
    assert_no_exception(page)
    assert page.get_by_text("Matches the book").count() == 0


@pytest.mark.browser
@pytest.mark.parametrize("step", [1, 2, 3, 4, 5, 6])
def test_simplified_fits_a_phone(server: str, phone, step: int) -> None:
    open_lesson(phone, f"{server}{URL}?simplified_step={step}")
    assert_no_exception(phone)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
