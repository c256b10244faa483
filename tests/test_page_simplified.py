"""The simplified self-attention page (section 3.3): every control, bad input, the browser.

Numbers on the page are checked against the core (``attention.simplified``) run directly, and
against the values the book prints. Edits of the data editor are injected the way Streamlit
delivers them: an edit record (edited_rows / added_rows / deleted_rows) committed by the
editor's own ``on_change`` callback.
"""

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
from attention.simplified import attention_weights, simplified_self_attention
from tests.conftest import ROOT, assert_no_exception, run_page, wait_for_app
from tests.tables import page_tables
from ui import simplified as glue
from ui.inputs import MAX_TOKENS

PAGE = "pages/2_Simplified_self_attention.py"
ATOL = 1e-4
PRINTED = 5.01e-5  # tables print 4 decimals


# ---- helpers -------------------------------------------------------------------------------


def core(inputs):
    """The core, run directly: what every number on the page must agree with."""
    return simplified_self_attention(torch.tensor(inputs, dtype=torch.float32))


def close(shown, expected, atol: float = 1e-6) -> bool:
    return torch.allclose(torch.tensor(shown, dtype=torch.float64), expected.double(), atol=atol)


def fmt(values) -> str:
    return "[" + ", ".join(f"{float(v):.4f}" for v in values) + "]"


def z_line(at: AppTest) -> str:
    """The context vector shown below the editor ("#### z⁽²⁾ = [...]")."""
    blocks = [*at.markdown, *at.success, *at.warning]
    lines = [m.value for m in blocks if "#### z" in m.value]
    assert len(lines) == 1, lines
    return lines[0]


def table(at: AppTest, column: str, nth: int = 0):
    """The nth table on the page that has ``column`` (as a pandas frame, 4 decimals)."""
    frames = [frame for frame in page_tables(at) if column in frame.columns]
    return frames[nth]


def chart(at: AppTest, nth: int) -> tuple[dict, dict[str, list[dict]]]:
    """The nth chart's Vega-Lite spec and its datasets (decoded from Arrow)."""
    element = at.get("vega_lite_chart")[nth]
    spec = json.loads(element.proto.spec)
    data = {
        d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist()
        for d in element.proto.datasets
    }
    return spec, data


def text(at: AppTest) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.latex])


def headings(at: AppTest) -> list[str]:
    """The page's section headings ("## ..." lines: headings share a block with their prose)."""
    return [
        line[3:] for m in at.markdown for line in m.value.splitlines() if line.startswith("## ")
    ]


def commit_then_page() -> None:
    """Deliver ``t.delta`` through the editor's own on_change callback, then run the page."""
    import runpy

    import streamlit as st

    from tests.conftest import ROOT
    from ui.editor import _commit_edit

    if "t.delta" in st.session_state and not st.session_state.get("t.done"):
        st.session_state["t.done"] = True
        _commit_edit("t.delta")
    runpy.run_path(str(ROOT / "pages/2_Simplified_self_attention.py"), run_name="__main__")


def edit(delta: dict, **session: object) -> AppTest:
    """The page after the editor delivered ``delta`` (an st.data_editor edit record)."""
    at = AppTest.from_function(commit_then_page, default_timeout=60)
    full = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    full.update(delta)
    at.session_state["t.delta"] = full
    for name, value in session.items():
        at.session_state[f"lab.{name}"] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def with_cell(inputs, row: int, col: int, value: float):
    rows = [list(r) for r in inputs]
    rows[row][col] = value
    return tuple(tuple(r) for r in rows)


# ---- the book's state ----------------------------------------------------------------------


def test_book_state_matches_the_book() -> None:
    at = run_page(PAGE)
    badge = at.success[0].value
    assert "Matches the book" in badge
    comparison = badge[badge.index("Matches the book") :]
    for name in ("attn_scores_2", "attn_weights_2", "context_vec_2"):
        assert comparison.count(fmt(BOOK_PRINTED[f"simplified.{name}"])) == 2  # ours, the book's
    assert "z⁽²⁾ = [0.4419, 0.6515, 0.5683]" in z_line(at)
    # step 1 and step 2 tables carry the book's printed column beside ours
    scores = table(at, "book prints")
    assert scores["score ω"].tolist() == pytest.approx(
        BOOK_PRINTED["simplified.attn_scores_2"], abs=ATOL
    )
    weights = table(at, "book prints α")
    assert weights["softmax α"][:6].tolist() == pytest.approx(
        weights["book prints α"][:6].tolist(), abs=ATOL
    )


def test_first_step_spells_out_the_books_cell() -> None:
    at = run_page(PAGE)
    formula = at.latex[0].value
    # omega_21 = x2 . x1 = 0.55*0.43 + 0.87*0.15 + 0.66*0.89 = 0.9544, as in section 3.3.1
    assert "\\omega_{21}" in formula
    assert "0.55 \\times 0.43 + 0.87 \\times 0.15 + 0.66 \\times 0.89" in formula
    assert "0.2365 + 0.1305 + 0.5874" in formula
    assert "\\mathbf{0.9544}" in formula


def test_every_number_on_the_page_is_the_cores() -> None:
    at = run_page(PAGE)
    trace = core(BOOK_INPUTS_LIST)
    q = 1
    scores = table(at, "query", 0)
    weights = table(at, "query", 1)
    contexts = table(at, "query", 2)
    assert close(scores[list(BOOK_TOKENS)].values.tolist(), trace.attn_scores, PRINTED)
    assert close(weights[list(BOOK_TOKENS)].values.tolist(), trace.attn_weights, PRINTED)
    assert close(contexts[["x1", "x2", "x3"]].values.tolist(), trace.context_vecs, PRINTED)
    # step 2: score -> exp -> softmax, and score / sum, each with its sum
    step2 = table(at, "exp(ω)")
    row = trace.attn_scores[q].tolist()
    exps = [math.exp(s) for s in row]
    assert step2["exp(ω)"][:6].tolist() == pytest.approx(exps, abs=PRINTED)
    naive = [s / sum(row) for s in row]
    assert step2["ω / sum(ω)"][:6].tolist() == pytest.approx(naive, abs=PRINTED)
    assert step2["softmax α"].iloc[-1] == pytest.approx(1.0, abs=PRINTED)
    assert step2["ω / sum(ω)"].iloc[-1] == pytest.approx(1.0, abs=PRINTED)


def test_context_vector_is_the_sum_of_the_contributions() -> None:
    at = run_page(PAGE)
    trace = core(BOOK_INPUTS_LIST)
    contributions = table(at, "α·x1")
    alphas = trace.attn_weights[1].tolist()
    for d in range(3):
        column = contributions[f"α·x{d + 1}"].tolist()
        expected = [a * x[d] for a, x in zip(alphas, BOOK_INPUTS_LIST, strict=True)]
        assert column[:6] == pytest.approx(expected, abs=PRINTED)
        assert sum(column[:6]) == pytest.approx(column[6], abs=4e-4)  # the rows add up to z
        assert column[6] == pytest.approx(trace.context_vecs[1, d].item(), abs=PRINTED)
    # the stacked bar chart carries the same contributions and z as black ticks
    _, data = chart(at, 3)
    assert [r["contribution"] for r in data["contributions"] if r["dimension"] == "x2"] == (
        pytest.approx(contributions["α·x2"][:6].tolist(), abs=PRINTED)
    )
    assert [r["z"] for r in data["z"]] == pytest.approx(trace.context_vecs[1].tolist(), abs=1e-6)


def test_charts_have_titles_axes_and_hover_values() -> None:
    at = run_page(PAGE)
    charts_ = at.get("vega_lite_chart")
    assert len(charts_) == 8
    for i in range(len(charts_)):
        spec, data = chart(at, i)
        dumped = json.dumps(spec)
        assert spec.get("title"), i
        assert '"tooltip"' in dumped, i
        assert data, i  # numbers are sent as datasets
    # the score heatmap outlines the query's row: its cells come as data
    spec, data = chart(at, 4)
    assert spec["layer"][-1]["data"] == {"name": "outline"}
    assert {r["row_token"] for r in data["outline"]} == {"journey"}
    assert [r["col_token"] for r in data["outline"]] == list(BOOK_TOKENS)


def test_a_new_query_changes_the_charts_data_not_their_specs() -> None:
    """The browser updates a chart in place only if its spec is unchanged: a new query must
    change numbers (datasets) only, or every chart would be built again (~30 ms each)."""
    at = run_page(PAGE)
    before = [chart(at, i) for i in range(8)]
    at.selectbox(key="w.simplified.query.0").set_value(4).run()
    after = [chart(at, i) for i in range(8)]
    for i, ((spec, data), (new_spec, new_data)) in enumerate(zip(before, after, strict=True)):
        assert new_spec == spec, i
        assert new_data != data, i
    assert {r["row_token"] for r in after[4][1]["outline"]} == {"one"}


# ---- controls ----------------------------------------------------------------------------


def test_query_picker_follows_another_token() -> None:
    at = run_page(PAGE)
    at.selectbox(key="w.simplified.query.0").set_value(0).run()
    trace = core(BOOK_INPUTS_LIST)
    assert at.session_state["lab.query"] == 0
    assert f"z⁽¹⁾ = {fmt(trace.context_vecs[0])}" in z_line(at)
    assert not at.success  # the book prints values for 'journey' only
    assert "Pick the query **journey**" in text(at)
    assert "\\omega_{11}" in at.latex[0].value
    assert table(at, "score ω")["score ω"].tolist() == pytest.approx(
        trace.attn_scores[0].tolist(), abs=PRINTED
    )


def test_key_picker_spells_out_the_chosen_cell() -> None:
    at = run_page(PAGE)
    at.selectbox(key="w.simplified.key").set_value(4).run()  # the key 'one'
    formula = at.latex[0].value
    assert "\\omega_{25}" in formula
    assert "0.55 \\times 0.77 + 0.87 \\times 0.25 + 0.66 \\times 0.1" in formula
    assert "\\mathbf{0.7070}" in formula
    _, data = chart(at, 0)  # the chosen key is the orange bar
    shown = [r["key"] for r in data["scores"] if r["shown"] == "spelled out above"]
    assert shown == ["one"]


def sums(at: AppTest) -> tuple[list[float], list[float]]:
    """Step 2's weights table: the row sums (last column) and the column sums (last row)."""
    weights = table(at, "row sum")
    rows = weights["row sum"].tolist()[:-1]
    columns = weights.iloc[-1, 1:-1].tolist()
    assert weights.iloc[-1, 0] == "column sum"
    return rows, columns


def test_dim_switch_shows_which_sums_are_one() -> None:
    at = run_page(PAGE)
    row_sums, column_sums = sums(at)
    assert row_sums == pytest.approx([1.0] * 6, abs=PRINTED)
    assert column_sums[1] == pytest.approx(1.2970, abs=ATOL)
    assert "Every **row** sums to 1" in text(at)

    at.radio(key="w.simplified.dim").set_value(0).run()
    trace = core(BOOK_INPUTS_LIST)
    dim0 = attention_weights(trace.attn_scores, dim=0)
    row_sums, column_sums = sums(at)
    assert column_sums == pytest.approx([1.0] * 6, abs=PRINTED)
    assert row_sums == pytest.approx(dim0.sum(dim=1).tolist(), abs=PRINTED)
    verdict = text(at)
    assert "every **column** sums to 1" in verdict
    assert f"sums to **{dim0[1].sum().item():.4f}**" in verdict
    assert "transpose" in verdict  # the scores are symmetric here
    _, data = chart(at, 2)
    assert "torch.softmax(attn_scores, dim=0)" in text(at)  # named above the chart
    cells = {(r["row"], r["column"]): r["value"] for r in data["cells"]}
    assert cells[(1, 2)] == pytest.approx(dim0[1, 2].item(), abs=1e-6)


def test_negative_scores_break_score_over_sum_but_not_softmax() -> None:
    inputs = with_cell(BOOK_INPUTS_LIST, 0, 0, -0.9)
    inputs = with_cell(inputs, 0, 2, -0.9)  # 'Your' now points away from 'journey'
    at = run_page(PAGE, inputs=inputs)
    trace = core(inputs)
    naive = (trace.attn_scores[1] / trace.attn_scores[1].sum()).tolist()
    assert min(naive) < 0
    verdict = text(at)
    assert "score / sum breaks here" in verdict and f"{min(naive):.4f}" in verdict
    step2 = table(at, "exp(ω)")
    assert min(step2["softmax α"][:6]) > 0
    assert min(step2["ω / sum(ω)"][:6]) == pytest.approx(min(naive), abs=PRINTED)


def test_geometry_view_axes_and_all_context_vectors() -> None:
    at = run_page(PAGE)
    trace = core(BOOK_INPUTS_LIST)
    z = trace.context_vecs[1].tolist()
    assert f"sits at ({z[0]:.3f}, {z[1]:.3f}), inside the shaded hull" in text(at)
    spec, data = chart(at, 7)
    assert [r["token"] for r in data["arrows"]] == list(BOOK_TOKENS)
    assert len(data["contexts"]) == 1

    at.selectbox(key="w.simplified.axis_y").set_value(2).run()  # x1 against x3
    assert f"sits at ({z[0]:.3f}, {z[2]:.3f})" in text(at)
    spec, data = chart(at, 7)
    assert data["contexts"][0]["y"] == pytest.approx(z[2], abs=1e-6)
    assert "x3" in json.dumps(spec)

    at.checkbox(key="w.simplified.all_z").check().run()
    _, data = chart(at, 7)
    assert len(data["contexts"]) == 6

    at.radio(key="w.simplified.view").set_value(glue.VIEW_SVD).run()
    assert "This plane keeps" in text(at)
    assert "inside the shaded hull" in text(at)
    assert all(s.key != "w.simplified.axis_x" for s in at.selectbox)


def test_sentence_box_makes_new_tokens() -> None:
    at = run_page(PAGE)
    at.text_input(key="w.simplified.sentence").input("the cat sat on the mat").run()
    tokens = at.session_state["lab.tokens"]
    assert tokens == ("the", "cat", "sat", "on", "the₂", "mat")
    inputs = tuple(token_embedding(w, 3) for w in ("the", "cat", "sat", "on", "the", "mat"))
    assert at.session_state["lab.inputs"] == inputs
    q = 1  # the query stays at position 2
    assert fmt(core(inputs).context_vecs[q]) in z_line(at)
    assert not at.success and "changed the book's example" in text(at)


def test_d_in_control_resizes_the_embeddings() -> None:
    at = run_page(PAGE)
    at.number_input(key="w.simplified.d_in.0").set_value(2).run()
    inputs = at.session_state["lab.inputs"]
    assert all(len(row) == 2 for row in inputs)
    assert fmt(core(inputs).context_vecs[1]) in z_line(at)
    assert "d_in = 2: the embeddings live in this plane" in text(at)
    assert all(r.key != "w.simplified.view" for r in at.radio)  # nothing to choose in 2-d

    version = at.session_state["lab.editor_version"]
    at.number_input(key=f"w.simplified.d_in.{version}").set_value(1).run()
    assert all(len(row) == 1 for row in at.session_state["lab.inputs"])
    assert "every vector lies on this line" in json.dumps(chart(at, 7)[0])
    assert "inside the shaded hull" in text(at)


def test_reveal_steps_one_at_a_time() -> None:
    at = run_page(PAGE)
    at.sidebar.toggle(key="w.simplified.reveal").set_value(True).run()
    assert any(h.startswith("Step 1") for h in headings(at))
    assert not any(h.startswith("Step 2") for h in headings(at))
    at.button(key="w.simplified.next").click().run()
    assert any(h.startswith("Step 2") for h in headings(at))
    assert not any(h.startswith("Step 3") for h in headings(at))
    for _ in range(3):
        at.button(key="w.simplified.next").click().run()
    assert any(h.startswith("Step 5") for h in headings(at))
    assert at.button(key="w.simplified.next").disabled
    at.button(key="w.simplified.restart").click().run()
    assert not any(h.startswith("Step 2") for h in headings(at))


def test_projector_mode_enlarges_the_charts() -> None:
    at = run_page(PAGE)
    assert chart(at, 0)[0]["config"]["title"]["fontSize"] == 16
    at.sidebar.toggle(key="w.simplified.projector").set_value(True).run()
    assert at.session_state["lab.projector"] is True
    for i in (0, 4, 7):
        assert chart(at, i)[0]["config"]["title"]["fontSize"] == 26


def test_reset_brings_back_the_book() -> None:
    at = run_page(PAGE, query=0, inputs=with_cell(BOOK_INPUTS_LIST, 0, 0, 0.9))
    assert not at.success
    at.sidebar.button[0].click().run()
    assert "Matches the book" in at.success[0].value
    assert "z⁽²⁾ = [0.4419, 0.6515, 0.5683]" in z_line(at)


def test_code_that_ran_and_the_snippet() -> None:
    at = run_page(PAGE)
    sources = "\n".join(c.value for c in at.code)
    for name in (
        "attention_scores",
        "attention_weights",
        "naive_attention_weights",
        "context_vectors",
        "simplified_self_attention",
    ):
        assert f"def {name}(" in sources
    snippet = at.code[-1].value
    assert snippet.startswith("import torch")
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(snippet, namespace)
    trace = core(BOOK_INPUTS_LIST)
    assert torch.allclose(namespace["all_context_vecs"], trace.context_vecs, atol=1e-6)
    assert torch.allclose(namespace["context_vec_2"], trace.context_vecs[1], atol=1e-6)
    assert "tensor([0.4419, 0.6515, 0.5683])" in out.getvalue()


# ---- edits through the data editor --------------------------------------------------------


def test_editing_a_cell_changes_the_context_vector() -> None:
    at = edit({"edited_rows": {0: {"x3": 2.0}}})
    inputs = with_cell(BOOK_INPUTS_LIST, 0, 2, 2.0)
    assert at.session_state["lab.inputs"] == inputs
    assert f"z⁽²⁾ = {fmt(core(inputs).context_vecs[1])}" in z_line(at)
    assert not at.error
    assert not at.success  # no longer the book's numbers


def test_adding_renaming_and_deleting_tokens() -> None:
    at = edit(
        {
            "edited_rows": {5: {"token": "stride"}},
            "added_rows": [{"token": "today"}],
            "deleted_rows": [0],
        }
    )
    tokens = at.session_state["lab.tokens"]
    assert tokens == ("journey", "starts", "with", "one", "stride", "today")
    inputs = at.session_state["lab.inputs"]
    assert inputs[-1] == token_embedding("today", 3)  # a seeded embedding for the new token
    q = 1  # the query stays at position 2
    assert fmt(core(inputs).context_vecs[q]) in z_line(at)
    assert table(at, "query", 0).iloc[:, 0].tolist() == list(tokens)


BAD_EDITS = {
    "empty cell": ({"edited_rows": {0: {"x1": None}}}, "is empty"),
    "text": ({"edited_rows": {0: {"x1": "abc"}}}, "not a number"),
    "NaN": ({"edited_rows": {0: {"x1": float("nan")}}}, "NaN"),
    "infinity": ({"edited_rows": {0: {"x1": float("inf")}}}, "infinite"),
    "1e30": ({"edited_rows": {0: {"x1": 1e30}}}, "keep values within"),
    "no tokens": ({"deleted_rows": list(range(6))}, "no tokens"),
    "too many tokens": (
        {"added_rows": [{"token": f"t{i}"} for i in range(MAX_TOKENS)]},
        "more than this lab shows",
    ),
    "duplicate names": ({"edited_rows": {1: {"token": "Your"}}}, "unique"),
    "empty name": ({"edited_rows": {1: {"token": "  "}}}, "has no name"),
}


@pytest.mark.parametrize("name", list(BAD_EDITS))
def test_bad_edit_gives_a_message_and_keeps_the_last_valid_state(name: str) -> None:
    delta, message = BAD_EDITS[name]
    at = edit(delta)
    errors = " ".join(e.value for e in at.error)
    assert message in errors, errors
    assert "last valid embeddings" in errors
    assert "lab.inputs" not in at.session_state  # nothing was committed
    assert "z⁽²⁾ = [0.4419, 0.6515, 0.5683]" in z_line(at)  # the page still works
    assert "Matches the book" in at.success[0].value
    assert len(at.get("vega_lite_chart")) == 8


def test_huge_but_valid_values_do_not_break_the_page() -> None:
    inputs = with_cell(BOOK_INPUTS_LIST, 0, 0, 1e6)
    at = run_page(PAGE, inputs=inputs)
    trace = core(inputs)
    assert fmt(trace.context_vecs[1]) in z_line(at)
    assert "exp(ω) overflows here" in text(at)
    assert "inside the shaded hull" in text(at)


def test_one_token_is_enough() -> None:
    at = run_page(PAGE, tokens=("solo",), inputs=((0.3, -0.2, 0.5),))
    assert "z⁽¹⁾ = [0.3000, -0.2000, 0.5000]" in z_line(at)
    assert "inside the shaded hull" in text(at)


# ---- glue: geometry, formulas, snippet ----------------------------------------------------


def test_convex_hull_and_inside() -> None:
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.5)]
    hull = glue.convex_hull(square)
    assert len(hull) == 5 and hull[0] == hull[-1]  # 4 corners, closed
    assert (0.5, 0.5) not in hull
    assert glue.inside_hull((0.5, 0.5), hull) and glue.inside_hull((1.0, 0.5), hull)
    assert not glue.inside_hull((1.2, 0.5), hull)
    segment = glue.convex_hull([(0.0, 0.0), (2.0, 2.0)])
    assert glue.inside_hull((1.0, 1.0), segment) and not glue.inside_hull((1.0, 0.0), segment)


@pytest.mark.parametrize("mode", [glue.VIEW_DIMS, glue.VIEW_SVD])
def test_every_context_vector_lands_inside_the_hull(mode: str) -> None:
    generator = torch.Generator().manual_seed(0)  # local: never the global RNG
    for trial in range(20):
        n, d = 2 + trial % 7, 2 + trial % 5
        inputs = tuple(
            tuple(round(v, 3) for v in row)
            for row in (torch.randn(n, d, generator=generator) * 2).tolist()
        )
        v = glue.view(inputs)
        proj = glue.project(inputs, v.context_vecs, mode, (0, d - 1))
        for point in proj.contexts:
            assert glue.inside_hull(point, proj.hull), (trial, point)


def test_svd_view_keeps_the_plane_of_2d_data() -> None:
    inputs = ((1.0, 2.0, 0.0), (3.0, -1.0, 0.0), (0.5, 0.5, 0.0))
    proj = glue.project(inputs, inputs, glue.VIEW_SVD, (0, 1))
    assert proj.kept == pytest.approx(1.0)
    lengths = [math.hypot(*p) for p in proj.inputs]
    assert lengths == pytest.approx([math.hypot(*r) for r in inputs])


def test_snippet_is_self_contained_for_any_tokens() -> None:
    tokens = ("it's", 'say "hi"', "#tag")
    inputs = ((0.1, -2.5), (1e-05, 3.0), (0.333333, 0.25))
    v = glue.view(inputs)
    snippet = glue.reproduce_snippet(tokens, inputs, 2, v)
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(snippet, namespace)
    trace = core(inputs)
    assert torch.allclose(namespace["context_vec_3"], trace.context_vecs[2], atol=1e-6)
    assert torch.allclose(namespace["attn_weights"], trace.attn_weights, atol=1e-6)
    assert re.search(r"expect \[", snippet)


def test_dot_product_formula_brackets_negatives_and_wraps() -> None:
    formula = glue.dot_product_latex((0.5, -2.0), (-1.0, 3.0), -6.5, 1, 2)
    assert "0.5 \\times (-1) + (-2) \\times 3" in formula
    assert "\\mathbf{-6.5000}" in formula
    long = glue.dot_product_latex(tuple(range(1, 11)), (1.0,) * 10, 55.0, 1, 1)
    assert long.count("\\\\") >= 4  # 10 products over several lines


# ---- in Chromium ---------------------------------------------------------------------------


@pytest.mark.browser
def test_editing_a_grid_cell_in_chromium_changes_z(server: str, page) -> None:
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(f"{server}/Simplified_self_attention")
    wait_for_app(page)
    page.wait_for_selector("text=Step 5", timeout=30_000)
    assert_no_exception(page)
    z = page.get_by_text("z⁽²⁾ =").first
    assert z.inner_text().strip() == "z⁽²⁾ = [0.4419, 0.6515, 0.5683]"

    # The editor is a canvas (glide-data-grid): click the cell by its position. Rows are 35 px
    # below a 35 px header; the last column (x3) touches the grid's right edge.
    grid = page.locator('[data-testid="stDataFrame"]').first
    canvas = grid.locator('[data-testid="data-grid-canvas"]')
    canvas.wait_for(timeout=30_000)
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 20, box["y"] + 35 + 17)  # row 'Your', x3
    page.wait_for_function(  # the grid has the keyboard
        "document.activeElement?.closest('[data-testid=stDataFrame]') != null", timeout=10_000
    )
    page.keyboard.type("2")  # typing on a selected cell opens its editor
    cell_editor = page.locator("input.gdg-input, textarea.gdg-input")
    cell_editor.wait_for(timeout=10_000)
    page.wait_for_function("document.querySelector('.gdg-input')?.value === '2'", timeout=10_000)
    page.keyboard.press("Enter")

    expected = fmt(core(with_cell(BOOK_INPUTS_LIST, 0, 2, 2.0)).context_vecs[1])
    page.wait_for_function(
        "([text]) => [...document.querySelectorAll('h4')].some(h => h.innerText.includes(text))",
        arg=[expected],
        timeout=30_000,
    )
    wait_for_app(page)
    assert_no_exception(page)
    assert page.get_by_text("Matches the book").count() == 0
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 8


@pytest.mark.browser
def test_page_renders_every_chart_in_chromium(server: str, page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(f"{server}/Simplified_self_attention")
    wait_for_app(page)
    page.wait_for_selector("text=Step 5", timeout=30_000)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=stVegaLiteChart]').length === 8", timeout=30_000
    )
    charts_ = page.locator('[data-testid="stVegaLiteChart"]')
    for i in range(8):  # charts are drawn when scrolled into view
        charts_.nth(i).scroll_into_view_if_needed()
        charts_.nth(i).locator("svg.marks, canvas.marks").first.wait_for(timeout=30_000)
    assert_no_exception(page)
    assert not errors, errors


def test_page_file_has_no_torch() -> None:
    source = (ROOT / PAGE).read_text(encoding="utf-8")
    assert "import torch" not in source and "from torch" not in source


@pytest.mark.parametrize(
    ("naive", "softmax", "word"),
    [([0.4, 0.6], [0.3, 0.7], "leans more"), ([0.4, 0.6], [0.45, 0.55], "flatter")],
)
def test_the_score_over_sum_verdict_agrees_with_its_numbers(naive, softmax, word) -> None:
    """Softmax is not always sharper than score / sum: scores close together and below 1 give
    a flatter softmax (the book's query 'step'). The sentence must say what the numbers show."""
    verdict = glue.naive_verdict(["a", "b"], naive, softmax)
    assert word in verdict and f"{softmax[1]:.4f} against {naive[1]:.4f}" in verdict
