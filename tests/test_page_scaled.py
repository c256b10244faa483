"""The scaled dot-product attention page (sections 3.4-3.5): every control, under AppTest and
Chromium.

Each test changes one control and checks the numbers on the page against what the core
computes (``ui.compute.self_attention``), so a page that merely shows *something* fails. The
steps open one at a time: a test opens one by setting ``lab.scaled.step``, as the share link does.
"""

import math

import pytest
import torch
from streamlit.testing.v1 import AppTest

from attention.data import BOOK_INPUTS_LIST, BOOK_PRINTED, BOOK_TOKENS
from attention.self_attention import BOOK_PRINTED_CLASSES, score_spread
from lessons.scaled import controls, snippet
from lessons.scaled.controls import ClassOptions, Options
from tests.conftest import (
    ROOT,
    assert_no_exception,
    key_selector,
    open_app,
    run_link,
    run_page,
    settle,
)
from tests.tables import close, labels, page_tables, rounded, table, values
from ui import compute, fmt, keys, settings
from ui.inputs import InputError
from ui.settings import LabSettings

PAGE = "pages/3_Scaled_dot_product_attention.py"
NEW_INPUTS = ((0.9, 0.1, 0.2), (0.1, 0.8, 0.3), (0.5, 0.5, 0.5), (0.2, 0.3, 0.9))
NEW_TOKENS = ("a", "b", "c", "d")
STEP_NAMES = ("Weights", "Q, K, V", "Scores", "Scale", "Softmax", "Context", "Classes v1, v2",
              "Code")  # fmt: skip
BOOK_W = compute.seeded_weights(3, 2, (123, 123, 123))


# ---- reading the page -------------------------------------------------------------------


def md(at: AppTest) -> str:
    """Every markdown element and caption of the page, as one text."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def lab(at: AppTest, name: str, default: object) -> object:
    key = f"lab.{name}"
    return at.session_state.get(key, default)


def settings_of(at: AppTest) -> LabSettings:
    tokens, inputs = lab(at, "embeddings", (BOOK_TOKENS, BOOK_INPUTS_LIST))
    return LabSettings(
        tokens=tokens,
        inputs=inputs,
        qkv_seeds=lab(at, "seeds", (123, 123, 123)),
        d_out=lab(at, "d_out", 2),
        scaled=lab(at, "scaled", True),
        query=lab(at, "query", 1),
        weight_edits=lab(at, "weight_edits", ()),
    )


def options_of(at: AppTest) -> Options:
    return Options(lab(at, "causal", False), lab(at, "dropout", 0.0), lab(at, "dropout_seed", 123))


def view_of(at: AppTest, **overrides) -> compute.AttentionView:
    """The core's pass for the page's current settings (what the page must show)."""
    current, options = settings_of(at), options_of(at)
    args = {
        "inputs": current.inputs,
        "d_out": current.d_out,
        "qkv_seeds": current.qkv_seeds,
        "weight_edits": current.weight_edits,
        "scaled": current.scaled,
        "causal": options.causal,
        "dropout": options.dropout,
        "dropout_seed": options.dropout_seed,
    }
    args.update(overrides)
    return compute.self_attention(**args)


def open_step(at: AppTest, k: int) -> AppTest:
    """Open step ``k``'s tab (as ``?scaled_step=k`` or a click on its label would)."""
    at.session_state["lab.scaled.step"] = k
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.segmented_control(key="scaled.steps").value == f"{k} · {STEP_NAMES[k - 1]}"
    return at


def open_expander(at: AppTest, key: str) -> AppTest:
    at.session_state[key] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_matrix(frame, expected, fmt_: str = ".4f") -> None:
    """A table shows ``expected``: rounded as printed, and exactly in its tooltips."""
    assert values(frame, exact=False) == rounded(expected, fmt_), frame.attrs["caption"]
    assert close(values(frame), expected), frame.attrs["caption"]


def weight_editors(at: AppTest) -> list[list[list[float]]]:
    """W_query, W_key, W_value as their data editors hold them (the expander open)."""
    return [frame.value.astype(float).values.tolist() for frame in at.dataframe[-3:]]


def assert_shows(at: AppTest, view: compute.AttentionView | None = None) -> None:
    """Steps 1-6 show ``view`` (the core's pass for the page's settings), table by table."""
    view = view or view_of(at)
    current = settings_of(at)
    n, d_in, d_out, q = len(current.tokens), current.d_in, current.d_out, current.query
    tokens = list(current.tokens)
    # always on top: the inputs and the query's path
    inputs = table(at, "inputs")
    assert labels(inputs) == tokens and inputs.attrs["marked"] == q
    assert_matrix(inputs, current.inputs)
    open_step(at, 1)
    for name in compute.NAMES:
        shown = table(at, f"{name} ({d_in}, {d_out})")
        assert_matrix(shown, view.weights(name))
    open_step(at, 2)
    for name in ("queries", "keys", "values"):
        shown = table(at, f"{name} = inputs @ W_")
        assert labels(shown) == tokens and shown.attrs["marked"] == q
        assert list(shown.columns[1:]) == fmt.dims(d_out)
        assert_matrix(shown, getattr(view, name))
    open_step(at, 3)
    scores = table(at, f"attn_scores ω ({n}, {n})")
    assert list(scores.columns[1:]) == tokens and scores.attrs["marked"] == q
    assert_matrix(scores, view.attn_scores)
    open_step(at, 4)
    if view.mask is not None:
        assert_matrix(table(at, f"mask ({n}, {n})"), view.mask, ".0f")
        assert_matrix(table(at, "masked scores: "), view.masked_scores)
        assert_matrix(table(at, f"masked scores / √d_k ({n}, {n})"), view.scaled_scores)
    else:
        assert_matrix(table(at, f"attn_scores / √d_k ({n}, {n})"), view.scaled_scores)
    open_step(at, 5)
    assert_matrix(table(at, "Scaled: softmax"), view.attn_weights_scaled, ".3f")
    assert_matrix(table(at, "Unscaled: softmax"), view.attn_weights_unscaled, ".3f")
    if view.dropout_mask is not None:
        assert_matrix(table(at, "Attention weights after dropout"), view.dropped_weights)
    open_step(at, 6)
    assert_matrix(table(at, f"context_vecs z ({n}, {d_out})"), view.context_vecs)
    # the query's path, on top of every step
    path = table(at, "Follows every change you make")
    shown = list(path["this lab computes"])
    assert shown[0] == fmt.vector(view.queries[q])
    assert shown[1] == fmt.vector(view.attn_scores[q])
    assert shown[-1] == fmt.vector(view.context_vecs[q])
    assert fmt.vector(view.attn_weights_scaled[q]) in shown
    assert fmt.vector(view.attn_weights_unscaled[q]) in shown


# ---- the book ---------------------------------------------------------------------------


def test_defaults_match_the_book() -> None:
    at = run_page(PAGE)
    assert "this lab **matches the book**" in md(at)
    path = table(at, "Follows every change you make")
    book = list(path["the book prints (3.4.1)"])
    printed = {
        "scaled.query_2": book[0],
        "scaled.attn_scores_2": book[1],
        "scaled.attn_weights_2": book[3],
        "scaled.context_vec_2": book[-1],
    }
    for name, cell in printed.items():
        assert cell == f"{fmt.vector(BOOK_PRINTED[name])} ✔", name
    assert list(path["this lab computes"])[-1] == "[0.3061, 0.8210]"
    # one notation: i the query, j the key, x⁽ⁱ⁾ a token, αᵢⱼ
    assert list(path["for the query journey, x⁽²⁾"]) == [
        "q⁽²⁾ = x⁽²⁾ @ W_query",
        "ω₂ⱼ = q⁽²⁾ · k⁽ʲ⁾, every key j",
        "divided by √d_k = √2",
        "α₂ⱼ, softmax of the scaled scores (in use)",
        "α₂ⱼ, softmax of the raw scores (not in use)",
        "z⁽²⁾ = Σⱼ α₂ⱼ v⁽ʲ⁾",
    ]
    assert "ω₂₂ = 1.8524, the book prints 1.8524" in md(at)
    assert_shows(at)
    open_step(at, 3)
    assert "ω₂₂ = q⁽²⁾ · k⁽²⁾ = " in md(at) and "= **1.8524** (`attn_scores[1, 1]`)" in md(at)
    open_step(at, 6)
    assert "z⁽²⁾ = `context_vecs[1]` = `[0.3061, 0.8210]`" in md(at)


def test_the_book_check_can_fail() -> None:
    """The ✔ comes from comparing numbers: a book value changed by 0.001 gets a ✘."""
    from lessons.scaled import text, view

    current = LabSettings()
    book = view.book_values(current)
    wrong = (view.BookValue(book[0].label, (0.4316, 1.4551), book[0].ours), *book[1:])
    rows = text.query_rows(compute.self_attention(current.inputs, 2, (123,) * 3), 1)
    assert text.book_column(wrong, rows)[0].endswith("✘")
    assert "differs from the book" in text.book_note(current, Options(), wrong)


def test_book_column_needs_the_books_options_and_state() -> None:
    at = run_page(PAGE, causal=True)
    assert "the book computes it scaled, with no mask and no dropout" in md(at)
    assert "the book prints (3.4.1)" not in table(at, "Follows").columns
    at = run_page(PAGE, embeddings=(NEW_TOKENS, NEW_INPUTS))
    assert "Not the book's example: the embeddings differ" in md(at)
    assert "the book prints (3.4.1)" not in table(at, "Follows").columns
    at = run_page(PAGE, query=0)
    assert "Pick the query **journey**" in md(at)


# ---- weight parameters: seeds, re-roll, d_out, hand edits --------------------------------


def test_seed_redraws_the_weights_and_everything_after() -> None:
    at = run_page(PAGE)
    at.number_input(key="scaled.seed").set_value(7).run()
    assert not at.exception
    assert at.session_state["lab.seeds"] == (7, 7, 7)
    assert at.query_params["seed"] == "7"  # the share link follows
    view = view_of(at)
    assert view.W_query == compute.seeded_weights(3, 2, (7, 7, 7))[0] != BOOK_W[0]
    assert "the seed is 7, not 123" in md(at) and "matches the book" not in md(at)
    assert "W_query = the 1st torch.rand(3, 2) after torch.manual_seed(7)" in md(at)  # step 1
    assert_shows(at, view)


def test_reroll_draws_new_seeds_and_drops_hand_edits() -> None:
    edit = (("W_key", ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0))),)
    at = run_page(PAGE, weight_edits=edit)
    at.button(key="scaled.reroll").click().run()
    seeds = at.session_state["lab.seeds"]
    assert len(set(seeds)) == 1 and seeds[0] != 123
    assert at.session_state["lab.weight_edits"] == ()
    assert_shows(at)
    assert "matches the book" not in md(at)


def test_one_seed_per_matrix_redraws_only_that_matrix() -> None:
    at = run_page(PAGE)
    at.toggle(key="scaled.per_matrix_seeds").set_value(True).run()
    assert [n.key for n in at.number_input if n.key.startswith("scaled.seed_")] == [
        "scaled.seed_query",
        "scaled.seed_key",
        "scaled.seed_value",
    ]
    at.number_input(key="scaled.seed_key").set_value(5).run()
    assert at.session_state["lab.seeds"] == (123, 5, 123)
    assert at.query_params["seed"] == "123,5,123"
    view = view_of(at)
    assert view.W_query == BOOK_W[0] and view.W_value == BOOK_W[2]
    assert view.W_key == compute.seeded_weights(3, 2, (5, 5, 5))[1] != BOOK_W[1]
    assert "W_key = the 2nd torch.rand(3, 2) after torch.manual_seed(5)" in md(at)  # step 1
    assert_shows(at, view)
    at.button(key="scaled.reroll").click().run()  # three new seeds
    assert len(set(at.session_state["lab.seeds"])) == 3
    at.toggle(key="scaled.per_matrix_seeds").set_value(False).run()
    seeds = at.session_state["lab.seeds"]
    assert seeds[0] == seeds[1] == seeds[2]  # back to one seed: the query's


def test_d_out_reshapes_and_clears_hand_edits() -> None:
    edit = (("W_query", ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0))),)
    at = run_page(PAGE, weight_edits=edit)
    at.number_input(key="scaled.d_out").set_value(4).run()
    assert at.session_state["lab.d_out"] == 4 and at.session_state["lab.weight_edits"] == ()
    assert "## 1 · Weight parameters W_query, W_key, W_value: each (3, 4)" in md(at)
    assert "each (3, 4)" in md(at)  # the what-changed summary follows
    assert_shows(at)


def test_injected_weight_edit_changes_queries_not_keys() -> None:
    W_query = ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0))
    at = open_step(run_page(PAGE), 2)
    keys_before = values(table(at, "keys = "))
    at.session_state["lab.weight_edits"] = (("W_query", W_query),)
    at.run()
    expected = torch.tensor(BOOK_INPUTS_LIST) @ torch.tensor(W_query)
    assert close(values(table(at, "queries = ")), expected.tolist())
    assert values(table(at, "keys = ")) == keys_before
    assert "you edited W_query by hand" in md(at)  # not the book's state any more
    open_step(at, 1)
    assert "W_query: edited by hand" in md(at)
    assert_shows(at)


def commit_script(name: str, delta: dict, path: str) -> None:
    """A page run that first commits a weight editor's edit record, as its callback would (AppTest
    cannot type into a data editor)."""
    import runpy

    import streamlit as st

    from lessons.scaled import controls

    if st.session_state.get("test.commit") == "pending":
        st.session_state["test.commit"] = "done"
        controls.commit_weight_edit("scaled", name, delta)
    runpy.run_path(path, run_name="__main__")


def run_with_commit(name: str, delta: dict, **session: object) -> AppTest:
    """The page (step 1, editors open) after the editor of ``name`` received ``delta``."""
    at = AppTest.from_function(commit_script, args=(name, delta, str(ROOT / PAGE)),
                               default_timeout=60)  # fmt: skip
    for key, value in session.items():
        at.session_state[f"lab.{key}"] = value
    at.session_state["scaled.edit_weights"] = True  # the expander is open
    at.run()  # the editors are drawn, as the student sees them before typing
    at.session_state["test.commit"] = "pending"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_weight_edit_through_the_editor_callback() -> None:
    at = run_with_commit("W_value", {"edited_rows": {0: {"dim 2": 2.5}}})
    edits = dict(at.session_state["lab.weight_edits"])
    assert edits["W_value"][0] == (BOOK_W[2][0][0], 2.5) and edits["W_value"][1] == BOOK_W[2][1]
    version, base, shown = at.session_state["lab.grids"][("scaled", "W_value")]
    assert version == 0 and base == BOOK_W[2]  # the editor kept its key and data: no redraw
    assert shown == edits["W_value"]  # (the browser shows the edit from its own record)
    assert weight_editors(at)[2] == [list(r) for r in BOOK_W[2]]
    assert "you edited W_value by hand" in md(at)
    assert view_of(at).values != compute.self_attention(BOOK_INPUTS_LIST, 2, (123,) * 3).values
    assert_shows(at)


@pytest.mark.parametrize("bad", [float("nan"), None, "abc", 1e9, float("inf")])
def test_bad_weight_edit_is_a_message_and_keeps_the_last_valid_weights(bad) -> None:
    at = run_with_commit("W_key", {"edited_rows": {1: {"dim 1": bad}}})
    assert lab(at, "weight_edits", ()) == ()  # nothing was committed
    errors = " ".join(e.value for e in at.error)
    assert "W_key[dim 2, dim 1]" in errors and "keeps its last valid values" in errors
    assert "matches the book" in md(at)  # nothing changed
    assert_shows(at)


def test_edit_back_to_the_seeded_value_restores_the_book() -> None:
    edited = ((9.0, BOOK_W[0][0][1]), BOOK_W[0][1], BOOK_W[0][2])
    at = run_with_commit(
        "W_query",
        {"edited_rows": {0: {"dim 1": BOOK_W[0][0][0]}}},
        weight_edits=(("W_query", edited),),
    )
    assert at.session_state["lab.weight_edits"] == ()  # the seeded value typed back
    assert "matches the book" in md(at)


@pytest.mark.parametrize(
    "edits",
    [
        (("W_query", ((1.0, 2.0), (3.0, 4.0))),),  # d_in = 2, not 3
        (("W_key", ((1.0,), (2.0,), (3.0,))),),  # d_out = 1, not 2
        (("W_value", ((1.0, float("nan")), (1.0, 1.0), (1.0, 1.0))),),
        (("W_other", ((1.0, 1.0), (1.0, 1.0), (1.0, 1.0))),),
    ],
)
def test_bad_stored_weight_edits_are_dropped_with_a_message(edits) -> None:
    at = run_page(PAGE, weight_edits=edits)
    assert "was discarded" in at.warning[0].value
    assert at.session_state["lab.weight_edits"] == ()
    assert_shows(at)


def test_apply_weight_delta_and_fitting_weight_edits_validate_every_cell() -> None:
    W = ((0.1, 0.2), (0.3, 0.4))
    assert controls.apply_weight_delta(W, {"edited_rows": {1: {"dim 2": "0.5"}}}, "W") == (
        (0.1, 0.2),
        (0.3, 0.5),
    )
    assert controls.apply_weight_delta(W, {"edited_rows": {5: {"dim 1": 1.0}}}, "W") == W
    with pytest.raises(InputError, match=r"W\[dim 1, dim 1\] is empty"):
        controls.apply_weight_delta(W, {"edited_rows": {0: {"dim 1": None}}}, "W")
    with pytest.raises(InputError, match="not a number"):
        controls.apply_weight_delta(W, {"edited_rows": {"0": {"dim 2": "x"}}}, "W")
    current = LabSettings(weight_edits=(("W_key", ((1.0, 2.0),) * 3), ("W_query", ((1.0,),))))
    kept, dropped = settings.fitting_weight_edits(current)
    assert kept == (("W_key", ((1.0, 2.0),) * 3),)
    assert len(dropped) == 1 and "has shape (1, 1)" in dropped[0]


# ---- the inputs: embeddings, sentence, d_in, query sliders, query -------------------------


def test_new_embeddings_change_attention_weights_not_weight_parameters() -> None:
    at = run_page(PAGE)
    before = view_of(at)
    at.session_state["lab.embeddings"] = (BOOK_TOKENS, ((0.9, 0.1, 0.1), *BOOK_INPUTS_LIST[1:]))
    at.run()
    after = view_of(at)
    assert after.W_query == before.W_query and after.W_key == before.W_key  # parameters stay
    assert after.attn_weights != before.attn_weights  # attention weights are recomputed
    text = md(at)
    assert "Your last change: you changed the token embeddings" in text
    assert "(learned; each (3, 2)): :gray-badge[unchanged ✔]" in text
    delta = max(
        abs(a - b)
        for ra, rb in zip(after.attn_weights, before.attn_weights, strict=True)
        for a, b in zip(ra, rb, strict=True)
    )
    assert f":orange-badge[changed] Δ max {delta:.4f}" in text
    assert "| 👉 **edit the embeddings" in text  # step 1's rules table lights up its row
    assert "weight parameters · learned] · unchanged by your last change ✔" in text
    assert_shows(at)


def test_seed_change_lights_up_the_parameters_summary() -> None:
    at = run_page(PAGE)
    at.number_input(key="scaled.seed").set_value(8).run()
    text = md(at)
    assert ":blue-badge[changed] W_query: Δ max" in text
    assert "Your last change: seed 123 → 8" in text
    assert "| 👉 **change the seed" in text and "| 👉 **edit the embeddings" not in text
    open_step(at, 5)  # a run that changes nothing keeps showing the last change
    assert "seed 123 → 8" in md(at)
    assert "computed per input] · changed by your last change" in md(at)


def test_sentence_box_replaces_the_tokens() -> None:
    at = run_page(PAGE)
    at.text_input(key="scaled.sentence").input("the cat sat").run()
    tokens, _ = at.session_state["lab.embeddings"]
    assert tokens == ("the", "cat", "sat")
    open_step(at, 3)
    assert list(table(at, "attn_scores ω (3, 3)").columns) == [
        "query i ↓ · key j →", "the", "cat", "sat"
    ]  # fmt: skip
    assert_shows(at)


@pytest.mark.parametrize(
    ("sentence", "message"),
    [
        (" ".join(f"w{i}" for i in range(41)), "41 tokens is more than this lab shows (40)"),
        ("   ", "The sentence box is empty: the tokens stay *Your journey starts with one step*"),
    ],
)
def test_a_bad_sentence_is_a_message_and_keeps_everything(sentence: str, message: str) -> None:
    at = run_page(PAGE, seeds=(7, 7, 7), causal=True)
    at.text_input(key="scaled.sentence").input(sentence).run()
    assert message in " ".join(e.value for e in at.error)
    assert lab(at, "embeddings", None) is None  # the book's sentence stays
    assert at.session_state["lab.seeds"] == (7, 7, 7) and at.session_state["lab.causal"]
    assert_shows(at)


def test_d_in_reshapes_the_weight_parameters() -> None:
    edit = (("W_query", ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0))),)
    at = run_page(PAGE, weight_edits=edit)
    at.number_input(key="scaled.d_in").set_value(4).run()
    _, inputs = at.session_state["lab.embeddings"]
    assert len(inputs[0]) == 4 and at.session_state["lab.weight_edits"] == ()
    assert "each (4, 2)" in md(at)
    assert_shows(at)


def test_query_sliders_move_the_query_and_not_the_weights() -> None:
    at = run_page(PAGE)
    before = view_of(at)
    (slider,) = [s for s in at.slider if s.key.startswith("scaled.nudge.") and s.key.endswith(".0")]
    slider.set_value(0.1).run()
    _, inputs = at.session_state["lab.embeddings"]
    assert inputs[1] == (0.1, 0.87, 0.66) and inputs[0] == BOOK_INPUTS_LIST[0]
    after = view_of(at)
    assert after.W_query == before.W_query and after.queries[1] != before.queries[1]
    assert "Your last change: you changed the token embeddings" in md(at)
    assert_shows(at, after)


def test_embeddings_grid_shows_the_embeddings_when_opened() -> None:
    at = run_page(PAGE)
    assert not at.dataframe  # closed: no grid is sent
    open_expander(at, "scaled.grid_open")
    (grid,) = at.dataframe
    assert list(grid.value["token"]) == list(BOOK_TOKENS)
    assert grid.value.iloc[:, 1:].values.tolist() == [list(r) for r in BOOK_INPUTS_LIST]


def test_query_picker_follows_another_token_and_changes_no_weights() -> None:
    at = run_page(PAGE)
    (picker,) = [s for s in at.selectbox if s.key.startswith("scaled.query.")]
    picker.set_value(0).run()
    assert at.session_state["lab.query"] == 0
    open_step(at, 2)
    queries = table(at, "queries = ")
    assert queries.attrs["marked"] == 0 and queries.iloc[0, 0] == "▶ Your"
    view = view_of(at)
    assert f"q⁽¹⁾ = `inputs[0] @ W_query` = `{fmt.vector(view.queries[0])}`" in md(at)
    assert "you picked another query token (x⁽²⁾ → x⁽¹⁾)" in md(at)
    assert md(at).count(":gray-badge[unchanged ✔]") == 2  # neither kind of weights changed
    assert list(table(at, "Follows")["this lab computes"])[-1] == fmt.vector(view.context_vecs[0])


# ---- options: scaling, causal mask, dropout ---------------------------------------------


def test_scaling_switch_changes_the_weights_in_use() -> None:
    at = open_step(run_page(PAGE), 5)
    at.toggle(key="scaled.scaled").set_value(False).run()
    assert at.session_state["lab.scaled"] is False and at.query_params["scaled"] == "0"
    unscaled, scaled = view_of(at), view_of(at, scaled=True)
    assert unscaled.attn_weights == unscaled.attn_weights_unscaled != scaled.attn_weights
    # both softmaxes are shown; the caption says which one is in use
    assert table(at, "Scaled: softmax(ω / √2)").attrs["caption"].endswith("softmax(ω / √2)")
    assert table(at, "Unscaled: softmax(ω) · in use").attrs["caption"].endswith("· in use")
    text = md(at)
    assert "**In use for step 6: the unscaled weights**" in text
    assert f"`{fmt.vector(unscaled.attn_weights_unscaled[1])}`" in text
    assert "you changed scaling" in text
    assert "α₂ⱼ, softmax of the raw scores (in use)" in list(
        table(at, "Follows")["for the query journey, x⁽²⁾"]
    )
    open_step(at, 6)
    assert ":orange-badge[unscaled weights] from step 5" in md(at)
    assert_shows(at, unscaled)
    open_step(at, 8)
    assert "attn_weights = torch.softmax(attn_scores, dim=-1)  # scaling switched off" in (
        at.code[-1].value
    )


@pytest.mark.parametrize("d_out", [2, 8])
def test_softmax_sentences_are_built_from_the_numbers(d_out: int) -> None:
    at = open_step(run_page(PAGE, d_out=d_out), 5)
    view = view_of(at)
    with_, without = view.attn_weights_scaled[1], view.attn_weights_unscaled[1]
    text = md(at)
    assert f"**{max(with_):.4f}** scaled, **{max(without):.4f}** unscaled" in text
    sharper = "more peaked" if max(without) > max(with_) else "less peaked"
    gap = max(abs(a - b) for a, b in zip(with_, without, strict=True))
    assert f"Without scaling softmax is {sharper} for this query" in text
    assert f"differ by at most {gap:.4f}" in text
    assert f"√{d_out} = {d_out**0.5:.2f} times larger" in text
    sweep = {s.d_out: s for s in score_spread(torch.tensor(BOOK_INPUTS_LIST), (2, 16), 123)}
    assert (
        f"The **scores** grow with d_out: drawn as the book draws them, the std of ω is "
        f"{sweep[2].raw_std:.2f} at d_out = 2 and {sweep[16].raw_std:.2f} at d_out = 16"
    ) in text
    assert "weights grow" not in text and "difference is small" not in text


def test_d_out_one_says_scaling_changes_nothing() -> None:
    at = open_step(run_page(PAGE, d_out=1), 5)
    assert values(table(at, "Scaled: softmax")) == values(table(at, "Unscaled: softmax"))
    assert "With d_k = 1, √d_k = 1: scaling changes nothing" in md(at)


@pytest.mark.parametrize(
    ("session", "seed", "d_k"),
    [({}, 123, 2), ({"d_out": 8, "seeds": (7, 7, 7)}, 7, 8), ({"d_out": 1}, 123, 1)],
)
def test_the_spread_sentence_measures_the_argument(session: dict, seed: int, d_k: int) -> None:
    """11.2: the √d_k argument's assumption (mean 0, variance 1) measured on the page's q and
    k, and the scaled spread across d_out (2 -> 16) measured with the book's rand weights."""
    from attention.self_attention import qk_moments

    at = open_step(run_page(PAGE, **session), 4)
    view = view_of(at)
    m = qk_moments(torch.tensor(view.queries), torch.tensor(view.keys))
    text = md(at)
    assert f"the entries of the queries average {m.q_mean:.2f} with variance {m.q_var:.2f}" in text
    assert f"The std of ω is {m.raw_std:.3f}; of ω / √d_k, **{m.scaled_std:.3f}**" in text
    low = min(2, d_k)  # the sweep covers the book's d_outs (2 -> 16) and the page's own
    sweep = {s.d_out: s for s in score_spread(torch.tensor(BOOK_INPUTS_LIST), (low, 16), seed)}
    first, last = sweep[low].scaled_std, sweep[16].scaled_std
    assert last / first > 1.25  # with the book's positive weights it grows
    assert (
        f"drawn again from seed {seed} at each d_out with `torch.rand`, every weight in [0, 1)): "
        f"the std of ω / √d_k still **grows** from d_out = {low} to 16 ({first:.2f} → {last:.2f}"
    ) in text
    assert (
        "their mean is above 0, not the 0 the argument assumes" in text
    )  # the book's embeddings are all positive
    assert "Why scale by √d_k: the argument, measured on vectors that meet it" in text
    assert "This sweep draws its own matrices" not in text  # the page's matrices are its draw


@pytest.mark.parametrize(
    ("session", "why"),
    [
        ({"seeds": (1, 2, 3)}, "the page draws W_key from seed 2"),
        (
            {"weight_edits": (("W_query", ((1.0, -2.0), (0.5, 0.25), (3.0, 1.0))),)},
            "you edited W_query by hand",
        ),
    ],
)
def test_the_sweep_says_when_it_is_not_the_pages_matrices(session: dict, why: str) -> None:
    """The sweep draws W_query and W_key from the first seed: when the page's are others, its
    figure at your d_out differs from the one measured above it, and the page says why."""
    text = md(open_step(run_page(PAGE, **session), 4))
    assert f"This sweep draws its own matrices: at d_out = 2 they are not the page's ({why})" in (
        text
    )


def test_the_sweep_starts_at_your_d_out_when_it_is_below_the_books() -> None:
    at = open_step(run_page(PAGE, d_out=1), 4)
    text = md(at)
    sweep = {s.d_out: s for s in score_spread(torch.tensor(BOOK_INPUTS_LIST), (1, 16), 123)}
    assert f"from d_out = 1 to 16 ({sweep[1].scaled_std:.2f} → {sweep[16].scaled_std:.2f}" in text


def test_the_spread_sentence_with_numbers_that_meet_the_assumption() -> None:
    """With zero-mean embeddings the page reports means near 0 and says nothing of positivity."""
    inputs = ((1.0, -1.0, 0.5), (-1.0, 1.0, -0.5), (0.5, 0.5, -1.0), (-0.5, -0.5, 1.0))
    at = open_step(run_page(PAGE, embeddings=(NEW_TOKENS, inputs)), 4)
    text = md(at)
    assert "their mean is above 0, not the 0 the argument assumes" not in text
    sweep = {s.d_out: s for s in score_spread(torch.tensor(inputs), (2, 16), 123)}
    ratio = sweep[16].scaled_std / sweep[2].scaled_std
    trend = "still **grows**" if ratio > 1.25 else "**shrinks**" if ratio < 0.8 else "stays about"
    assert f"the std of ω / √d_k {trend}" in text


def test_causal_mask_hides_the_future_in_the_books_order() -> None:
    at = run_page(PAGE)
    at.toggle(key="scaled.causal").set_value(True).run()
    assert at.query_params["causal"] == "1"
    view = view_of(at)
    assert view.mask is not None
    open_step(at, 4)
    assert "## 4 · Mask, then scale by √d_k = √2" in md(at)
    masked = values(table(at, "masked scores: "))
    raw = view.attn_scores
    for i in range(6):
        for j in range(6):
            # the RAW scores are masked (11.8), not the scaled ones
            assert masked[i][j] == (-math.inf if j > i else pytest.approx(raw[i][j], abs=1e-6))
    scaled = values(table(at, "masked scores / √d_k"))
    assert close(scaled, [[v / 2**0.5 for v in row] for row in masked])
    open_step(at, 5)
    weights = values(table(at, "Scaled: softmax"))
    assert all(weights[i][j] == 0 for i in range(6) for j in range(i + 1, 6))
    assert all(abs(sum(row) - 1) < 1e-5 for row in weights)
    assert_shows(at, view)
    open_step(at, 8)
    code = at.code[-1].value
    mask_line, softmax_line = code.index("masked_fill"), code.index("torch.softmax")
    assert mask_line < softmax_line and "attn_scores / d_k**0.5" in code[softmax_line:]
    assert "def causal_mask" in at.code[0].value


@pytest.mark.parametrize(("p", "seed"), [(0.5, 123), (0.2, 1)])
def test_dropout_rate_and_seed(p: float, seed: int) -> None:
    at = open_step(run_page(PAGE), 5)
    at.select_slider(key="scaled.dropout").set_value(p).run()
    at.number_input(key="scaled.dropout_seed").set_value(seed).run()
    assert at.session_state["lab.dropout"] == p
    view = view_of(at)
    assert view.dropout_mask is not None
    assert_matrix(table(at, f"Attention weights after dropout (p = {p:g})"), view.dropped_weights)
    kept = [
        d
        for rw, rd in zip(view.attn_weights, view.dropout_mask, strict=True)
        for w, d in zip(rw, rd, strict=True)
        if w != 0
    ]
    sums = [sum(row) for row in view.dropped_weights]
    text = md(at)
    assert f"dropout zeroed **{int(sum(kept))} of the {len(kept)}** weights" in text
    assert f"1 / (1 - p) = **{1 / (1 - p):.3g}**" in text
    assert f"The rows now sum to {min(sums):.3f} … {max(sums):.3f}" in text
    assert_shows(at, view)
    open_step(at, 8)
    assert f"torch.nn.Dropout({p})" in at.code[-1].value
    assert f"torch.manual_seed({seed})" in at.code[-1].value


# ---- the snippet, the code, the classes -------------------------------------------------


def run_snippet(code: str) -> dict:
    namespace: dict = {}
    state = torch.random.get_rng_state()
    try:
        exec(compile(code, "<snippet>", "exec"), namespace)  # prints a few lines
    finally:
        torch.random.set_rng_state(state)
    return namespace


@pytest.mark.parametrize(
    "session",
    [
        {},
        {"seeds": (1, 2, 3), "d_out": 3},
        {
            "seeds": (4, 4, 9),
            "weight_edits": (("W_key", ((1.0, -2.0), (0.5, 0.25), (3.0, 1.0))),),
            "scaled": False,
            "causal": True,
            "dropout": 0.3,
            "dropout_seed": 5,
            "embeddings": (NEW_TOKENS, NEW_INPUTS),
            "query": 3,
        },
    ],
)
def test_snippet_reproduces_the_page_in_plain_torch(session) -> None:
    at = open_step(run_page(PAGE, **session), 8)
    (code,) = [c.value for c in at.code if c.value.startswith("import torch")]
    namespace = run_snippet(code)
    view = view_of(at)
    assert torch.allclose(namespace["context_vecs"], torch.tensor(view.context_vecs), atol=1e-6)
    assert torch.allclose(namespace["attn_weights"], torch.tensor(view.dropped_weights), atol=1e-6)
    assert torch.allclose(namespace["W_key"], torch.tensor(view.W_key))
    # and the page's tables show the same numbers
    open_step(at, 6)
    assert close(values(table(at, "context_vecs")), namespace["context_vecs"].tolist(), 1e-5)


def test_code_that_ran_is_the_core() -> None:
    at = run_page(PAGE)
    assert not at.code  # the code tab is closed: no code is sent
    open_step(at, 8)
    source = at.code[0].value
    assert "def init_qkv_weights" in source and "def self_attention" in source
    assert "def scale_scores" in source and "def causal_mask" not in source
    assert "## 8 · The code that ran" in md(at)


# ---- 3.4.2: SelfAttention_v1 -> SelfAttention_v2, exercise 3.1 -----------------------------


def classes_of(at: AppTest):
    from lessons.scaled import view

    current = settings_of(at)
    options = ClassOptions(lab(at, "scaled.v1_seed", 123), lab(at, "scaled.v2_seed", 789),
                           lab(at, "scaled.copy", "none"))  # fmt: skip
    return view.build_classes(current, options), options


def test_classes_tab_shows_both_classes_and_matches_the_book() -> None:
    at = open_step(run_page(PAGE), 7)
    classes, _ = classes_of(at)
    for name, v1, v2 in zip(compute.NAMES, classes.v1_weights, classes.v2_weights, strict=True):
        shown_v1, shown_v2 = table(at, f"sa_v1.{name}"), table(at, f"sa_v2.{name}.weight")
        assert_matrix(shown_v1, v1)
        assert_matrix(shown_v2, v2)
        assert shown_v1.shape == (3, 1 + 2) and shown_v2.shape == (2, 1 + 3)  # (d_out, d_in)
    # v1's weights are the page's step 1 with seed 123; v2's are nn.Linear's, stored transposed
    assert classes.v1_weights == BOOK_W
    v1_out, v2_out = table(at, "sa_v1(inputs) (6, 2), seed 123"), table(at, "sa_v2(inputs)")
    assert values(v1_out, exact=False) == [list(r) for r in BOOK_PRINTED_CLASSES["v1_seed_123"]]
    assert rounded(values(v2_out)) == [list(r) for r in BOOK_PRINTED_CLASSES["v2_seed_789"]]
    text = md(at)
    assert "SelfAttention_v1 after torch.manual_seed(123): **matches the book**" in text
    assert "SelfAttention_v2 after torch.manual_seed(789): **matches the book**" in text
    v1 = [v for m in classes.v1_weights for r in m for v in r]
    v2 = [v for m in classes.v2_weights for r in m for v in r]
    assert f"v1's 18 weights lie in [{min(v1):.4f}, {max(v1):.4f}], none of them negative" in text
    negative = sum(v < 0 for v in v2)
    assert f"v2's 18 lie in [{min(v2):.4f}, {max(v2):.4f}], {negative} of them negative" in text
    assert "±1/√d_in = ±1/√3 = ±0.5774" in text and max(abs(v) for v in v2) <= 3**-0.5
    assert "computes exactly what steps 1-6 compute with the one seed 123" in text
    assert "Steps 1-6 on screen show other numbers" not in text  # they show this very pass


def test_classes_follow_d_in_d_out_and_their_seeds() -> None:
    at = run_page(PAGE, d_out=4, embeddings=(NEW_TOKENS, NEW_INPUTS))
    open_step(at, 7)
    at.number_input(key="scaled.v1_seed").set_value(5).run()
    at.number_input(key="scaled.v2_seed").set_value(6).run()
    assert at.query_params["v1_seed"] == "5" and at.query_params["v2_seed"] == "6"
    classes, _ = classes_of(at)
    from attention.self_attention import SelfAttention_v1, SelfAttention_v2

    x = torch.tensor(NEW_INPUTS)
    with torch.no_grad():
        assert close(values(table(at, "sa_v1(inputs)")), SelfAttention_v1.from_seed(3, 4, 5)(x))
        assert close(values(table(at, "sa_v2(inputs)")), SelfAttention_v2.from_seed(3, 4, 6)(x))
    assert_matrix(table(at, "sa_v2.W_key.weight"), classes.v2_weights[1])
    assert table(at, "sa_v2.W_key.weight").shape == (4, 1 + 3)
    text = md(at)
    assert "±1/√d_in = ±1/√3 = ±0.5774" in text
    assert "computes exactly what steps 1-6 compute with the one seed 5" in text
    assert (
        "Steps 1-6 on screen show other numbers, because your settings differ: seed 123, not 5"
        in (text)
    )
    assert "The book prints these outputs for its six tokens with d_out = 2" in text


def test_exercise_solution_v2_seed_123_matches_the_books_answer() -> None:
    at = open_step(run_page(PAGE), 7)
    at.number_input(key="scaled.v2_seed").set_value(123).run()
    at.radio(key="scaled.copy").set_value("transposed").run()
    solution = BOOK_PRINTED_CLASSES["v2_seed_123"]
    after = table(at, "sa_v1(inputs) after the copy")
    assert rounded(values(after)) == [list(r) for r in solution]
    text = md(at)
    assert (
        "SelfAttention_v2 after torch.manual_seed(123): **matches the book** (exercise 3.1's"
        in (text)
    )
    assert "✔ **Equal:** with each `weight.T`, of shape (3, 2) = (d_in, d_out)" in text


@pytest.mark.parametrize("d_out", [2, 3])
def test_exercise_is_checked_live(d_out: int) -> None:
    at = open_step(run_page(PAGE, d_out=d_out), 7)
    classes, _ = classes_of(at)
    gap = max(
        abs(a - b)
        for ra, rb in zip(classes.v1_output, classes.v2_output, strict=True)
        for a, b in zip(ra, rb, strict=True)
    )
    assert f"Without a copy the two outputs above differ by up to {gap:.4f}" in md(at)
    at.radio(key="scaled.copy").set_value("transposed").run()
    assert at.query_params["ex31"] == "transposed"
    classes, _ = classes_of(at)
    assert classes.equal and classes.v1_after is not None
    assert_matrix(table(at, "sa_v1(inputs) after the copy"), classes.v2_output)
    assert "✔ **Equal:**" in md(at)
    at.radio(key="scaled.copy").set_value("as_is").run()
    classes, _ = classes_of(at)
    if d_out == 2:  # (6, 3) @ (2, 3): PyTorch's own message
        assert classes.v1_after is None and not classes.equal
        assert (
            "✘ **PyTorch refuses:** `mat1 and mat2 shapes cannot be multiplied (6x3 and 2x3)`"
            in (md(at))
        )
        assert not [t for t in page_tables(at) if "after the copy" in t.attrs["caption"]]
    else:  # d_in = d_out: it runs, with the wrong matrices
        assert classes.v1_after is not None and not classes.equal
        assert f"✘ **It runs, but the outputs differ** (by up to {classes.max_difference:.4f})" in (
            md(at)
        )
    open_expander(at, "scaled.classes_code")
    (code,) = [c.value for c in at.code if "class SelfAttention_v1" in c.value]
    assert "sa_v1.W_query = nn.Parameter(sa_v2.W_query.weight)" in code


@pytest.mark.parametrize("copy", ["none", "transposed"])
def test_classes_snippet_reproduces_the_tab(copy: str) -> None:
    current = LabSettings(d_out=3)
    options = ClassOptions(11, 12, copy)
    from lessons.scaled import view

    classes = view.build_classes(current, options)
    namespace = run_snippet(snippet.classes(current, options))
    with torch.no_grad():
        assert close(namespace["sa_v1"](namespace["inputs"]).tolist(),
                     classes.v1_after or classes.v1_output)  # fmt: skip
        assert close(namespace["sa_v2"](namespace["inputs"]).tolist(), classes.v2_output)


# ---- reveal, projector, reset, sidebar --------------------------------------------------


def test_reveal_limits_the_steps_and_hides_the_books_numbers_until_the_last_step() -> None:
    at = run_page(PAGE, reveal=True)
    picker = at.segmented_control(key="scaled.steps")
    assert picker.options == ["1 · Weights"]
    assert "appear with the last step" in md(at) and "matches the book" not in md(at)
    assert not [t for t in page_tables(at) if t.attrs["caption"].startswith("Follows")]
    for k in range(2, 9):
        button = at.button(key="scaled.next_step")
        assert button.label == f"Reveal: {k} · {STEP_NAMES[k - 1]} ▶"
        button.click().run()
        assert not at.exception
        assert at.session_state["lab.scaled.revealed"] == k
        assert at.segmented_control(key="scaled.steps").options == [
            f"{i} · {STEP_NAMES[i - 1]}" for i in range(1, k + 1)
        ]
        assert at.segmented_control(key="scaled.steps").value.startswith(f"{k} · ")
        path = table(at, "Follows")
        assert max(int(s) for s in path["step"]) <= k  # the path shows the revealed steps only
        if k < 8:
            assert "matches the book" not in md(at)
            assert "the book prints (3.4.1)" not in path.columns
    assert "matches the book" in md(at)  # the last step: the book's numbers appear
    assert "the book prints (3.4.1)" in table(at, "Follows").columns
    assert not [b for b in at.button if b.key == "scaled.next_step"]
    progress = at.sidebar.get("progress")[0].proto.text
    assert progress == "8 of 8 steps revealed"
    at.sidebar.button(key="scaled.start_over").click().run()
    assert at.segmented_control(key="scaled.steps").options == ["1 · Weights"]


def test_the_step_picker_opens_a_tab() -> None:
    at = run_page(PAGE)
    at.segmented_control(key="scaled.steps").set_value("3 · Scores").run()
    assert at.session_state["lab.scaled.step"] == 3
    assert "## 3 · Attention scores" in md(at)
    assert at.query_params["scaled_step"] == "3"
    at.button(key="scaled.previous_step").click().run()
    assert "## 2 · Queries, keys, values" in md(at)


def test_projector_and_reset_keep_the_presentation() -> None:
    at = run_page(PAGE, seeds=(7, 7, 7), causal=True, reveal=True)
    at.sidebar.toggle(key="scaled.projector").set_value(True).run()
    assert at.session_state["lab.projector"] is True and at.query_params["projector"] == "1"
    assert all("lab-projector" in h.value for h in at.html if "lab-table" in h.value)
    at.sidebar.button(key="scaled.reset").click().run()
    assert not at.exception
    assert at.session_state["lab.projector"] is True and at.session_state["lab.reveal"] is True
    assert "lab.causal" not in at.session_state and "lab.seeds" not in at.session_state
    assert dict(at.query_params) == {"projector": "1"}
    at.session_state["lab.reveal"] = False
    at.run()
    assert "matches the book" in md(at)


def test_options_go_into_the_link_and_reset_takes_them_out() -> None:
    at = run_page(PAGE)
    at.toggle(key="scaled.causal").set_value(True).run()
    at.select_slider(key="scaled.dropout").set_value(0.2).run()
    assert dict(at.query_params) == {"causal": "1", "dropout": "0.2"}
    at.sidebar.button(key="scaled.reset").click().run()
    assert at.toggle(key="scaled.causal").value is False
    assert at.select_slider(key="scaled.dropout").value == 0.0
    assert dict(at.query_params) == {}


def test_page_runs_with_many_tokens() -> None:
    tokens = tuple(f"t{i}" for i in range(40))
    inputs = tuple((i / 40, 1 - i / 40, 0.5) for i in range(40))
    at = run_page(PAGE, embeddings=(tokens, inputs), d_out=16, query=39)
    assert_shows(at)
    open_step(at, 7)
    assert table(at, "sa_v1(inputs) (40, 16)").shape == (40, 17)
    open_step(at, 8)
    assert not at.exception


# ---- links ------------------------------------------------------------------------------


def test_a_link_opens_the_page_as_shared() -> None:
    at = run_link(PAGE, causal="1", dropout="0.3", dropout_seed="9", seed="7", scaled_step="5",
                  v2_seed="123", ex31="transposed")  # fmt: skip
    assert at.session_state["lab.causal"] is True and at.session_state["lab.dropout"] == 0.3
    assert at.session_state["lab.dropout_seed"] == 9 and at.session_state["lab.seeds"] == (7,) * 3
    assert at.segmented_control(key="scaled.steps").value == "5 · Softmax"
    assert_matrix(table(at, "Attention weights after dropout (p = 0.3)"),
                  view_of(at).dropped_weights)  # fmt: skip
    open_step(at, 7)
    assert "✔ **Equal:**" in md(at)


def test_the_step_in_a_link_applies_on_a_fresh_server() -> None:
    """The first link after a server start: the step setting must exist when the link is read."""
    keys.REGISTRY.pop("scaled.step", None)
    at = run_link(PAGE, scaled_step="4")
    assert at.segmented_control(key="scaled.steps").value == "4 · Scale"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"causal": "maybe"}, "`?causal=maybe` was ignored: causal must be 1 or 0."),
        ({"dropout": "0.35"}, "`?dropout=0.35` was ignored: dropout must be one of 0, 0.1"),
        ({"dropout": "nan"}, "`?dropout=nan` was ignored"),
        ({"dropout_seed": "-1"}, "`?dropout_seed=-1` was ignored: dropout_seed must be between"),
        ({"seed": "banana"}, "`?seed=banana` was ignored: seed is 'banana', not a whole number."),
        (
            {"scaled_step": "99"},
            "`?scaled_step=99` was ignored: scaled_step must be between 1 and 8",
        ),
        ({"ex31": "maybe"}, "`?ex31=maybe` was ignored: ex31 must be one of none, transposed"),
        ({"v1_seed": "x"}, "`?v1_seed=x` was ignored"),
        ({"query": "17"}, "`?query=17` was ignored: the sentence has 6 tokens"),
    ],
)
def test_a_tampered_link_is_a_message_and_the_rest_still_applies(params, message) -> None:
    at = run_link(PAGE, **params, d_out="3", projector="1")
    warnings = " ".join(w.value for w in at.warning)
    assert message in warnings, warnings
    assert at.session_state["lab.d_out"] == 3 and at.session_state["lab.projector"] is True
    assert not set(params) & set(at.query_params)  # the bad part left the address bar
    assert at.query_params["d_out"] == "3"
    assert_shows(at)


# ---- in Chromium ------------------------------------------------------------------------

URL = "/Scaled_dot_product_attention"


def caption_visible(page, text: str):
    return page.locator(".lab-table caption", has_text=text).first


def then(page, action, shows) -> None:
    """Do ``action``, wait until ``shows`` (a locator) is on the page, then until it settles."""
    action()
    shows.wait_for()
    settle(page)


@pytest.mark.browser
def test_scaling_switch_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}{URL}?scaled_step=5")
    assert_no_exception(page)
    assert page.get_by_text("matches the book").count() == 1
    caption_visible(page, "Scaled: softmax(ω / √2) · in use").wait_for()
    # the two softmaxes sit side by side at 1280 px with the sidebar open
    boxes = [caption_visible(page, c).bounding_box() for c in ("Scaled:", "Unscaled:")]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[1]["x"] > boxes[0]["x"] + 100
    switch = page.locator(key_selector("scaled.scaled")).get_by_text("Scale the scores by √d_k")
    then(page, switch.click, caption_visible(page, "Unscaled: softmax(ω) · in use"))
    page.get_by_text("In use for step 6: the unscaled weights").wait_for()
    page.get_by_text("you changed scaling").first.wait_for()
    page.wait_for_url("**scaled=0**")  # the share link follows the switch
    assert_no_exception(page)


@pytest.mark.browser
def test_seed_box_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}{URL}")
    box = page.locator(key_selector("scaled.seed")).locator("input")
    box.fill("7")
    then(page, lambda: box.press("Enter"), page.get_by_text("Not the book's example"))
    assert page.get_by_text("seed 123 → 7").count() >= 1
    page.wait_for_url("**seed=7**")
    assert_no_exception(page)


def _type_into_grid(page, grid, x_fraction: float, text: str, shows) -> None:
    """Double-click the first body cell at ``x_fraction`` of the grid's width (its editor opens
    with the cell's value), replace the value, press Enter and wait until ``shows``."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.dblclick(box["x"] + box["width"] * x_fraction, box["y"] + 35 + 17)
    editor = page.locator("input.gdg-input")
    editor.wait_for()
    editor.fill(text)
    then(page, lambda: editor.press("Enter"), shows)


@pytest.mark.browser
def test_typing_into_a_weight_editor_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}{URL}")
    grid = page.locator('[data-testid="stDataFrame"]').first  # W_query
    then(page, page.get_by_text("Train by hand: edit W_query, W_key, W_value").click, grid)
    _type_into_grid(page, grid, 0.45, "2", page.get_by_text("W_query: edited by hand"))
    assert page.get_by_text("Not the book's example").count() == 1
    cell = page.locator(".lab-table", has_text="W_query (3, 2)").locator("td").first
    assert cell.text_content() == "2.0000"  # dim 1 -> dim 1
    page.get_by_text("you edited W_query").first.wait_for()
    assert_no_exception(page)


@pytest.mark.browser
def test_typing_into_an_embedding_cell_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}{URL}")
    grid = page.locator('[data-testid="stDataFrame"]').first
    then(page, page.get_by_text("Edit the numbers (a grid)").click, grid)
    changed = page.get_by_text("you changed the token embeddings").first
    _type_into_grid(page, grid, 0.4, "0.9", changed)  # Your, dim 1
    cell = page.locator(".lab-table", has_text="inputs (6, 3)").locator("td").first
    assert cell.text_content() == "0.9000"
    assert_no_exception(page)


@pytest.mark.browser
def test_a_shared_link_with_options_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}{URL}?causal=1&dropout=0.3&scaled_step=4")
    caption_visible(page, "mask (6, 6): 1 = hidden").wait_for()
    assert page.get_by_text("4 · Mask, then scale by √d_k").count() == 1
    assert "causal=1" in page.url and "dropout=0.3" in page.url  # kept for the next share
    then(page, page.get_by_role("button", name="Next: 5 · Softmax ▶").click,
         caption_visible(page, "Attention weights after dropout (p = 0.3)"))  # fmt: skip
    page.wait_for_url("**scaled_step=5**")
    assert_no_exception(page)


@pytest.mark.browser
def test_switching_steps_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}{URL}")
    picker = page.locator(key_selector("scaled.steps"))
    for label, heading in (("3 · Scores", "3 · Attention scores"),
                           ("8 · Code", "8 · The code that ran"),
                           ("7 · Classes v1, v2", "7 · The book's classes")):  # fmt: skip
        then(page, picker.get_by_text(label, exact=True).click,
             page.get_by_role("heading", name=heading))  # fmt: skip
    then(page, page.get_by_text("nn.Parameter(sa_v2.W_query.weight.T)").click,
         page.get_by_text("Equal:"))  # fmt: skip
    page.wait_for_url("**ex31=transposed**")
    assert_no_exception(page)


@pytest.mark.browser
@pytest.mark.parametrize("step", [1, 2, 4, 5, 7, 8])
def test_no_sideways_panning_on_a_phone(server: str, phone, step: int) -> None:
    open_app(phone, f"{server}{URL}?scaled_step={step}&causal=1")
    phone.locator(key_selector("scaled.step_body")).wait_for()
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    # nothing sticks out of the screen but what scrolls in its own box (a table, code, a grid)
    wider = phone.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stMain] *')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                           && e.getBoundingClientRect().width > 0
                           && !e.matches('input[type=range]')
                           && !e.closest('.lab-table, [data-testid=stMarkdownContainer] table,'
                                         + ' [data-testid=stCode], [data-testid=stDataFrame]'))
              .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert wider == []
    assert_no_exception(phone)


@pytest.mark.browser
@pytest.mark.parametrize(
    "query", ["scaled_step=4&causal=1", "scaled_step=5&dropout=0.5", "scaled_step=7",
              "scaled_step=5&projector=1", "scaled_step=2&d_out=16"]
)  # fmt: skip
def test_tables_are_never_cut_off_in_chromium(server: str, page, query: str) -> None:
    """At 1280 px with the sidebar open, a table scrolls in its own box only when it is wider
    than the whole page; tables side by side that do not fit go under each other."""
    open_app(page, f"{server}{URL}?{query}")
    page.locator(key_selector("scaled.step_body")).locator(".lab-table").first.wait_for()
    hidden = page.locator(".lab-table").evaluate_all(
        """ts => { const page = document.querySelector('[data-testid=stMainBlockContainer]');
          const room = page.clientWidth - parseFloat(getComputedStyle(page).paddingLeft)
                       - parseFloat(getComputedStyle(page).paddingRight);
          return ts.filter(t => t.scrollWidth > t.clientWidth + 1 && t.offsetWidth < room - 2)
                   .map(t => t.textContent.slice(0, 60)); }"""
    )
    assert hidden == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    assert_no_exception(page)
