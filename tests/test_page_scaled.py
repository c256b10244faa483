"""The scaled dot-product attention page (section 3.4): every control, under AppTest and Chromium.

Each test changes one control and checks the numbers on the page against what the core
computes (``ui.compute.self_attention``), so a page that merely shows *something* fails.
"""

import math

import pytest
import torch
from streamlit.testing.v1 import AppTest

from attention.data import BOOK_INPUTS_LIST, BOOK_PRINTED
from tests.conftest import ROOT, assert_no_exception, run_page, wait_for_app, wait_for_rerun
from tests.tables import page_tables
from ui import compute
from ui import scaled as glue
from ui.inputs import InputError

PAGE = "pages/3_Scaled_dot_product_attention.py"
NEW_INPUTS = ((0.9, 0.1, 0.2), (0.1, 0.8, 0.3), (0.5, 0.5, 0.5), (0.2, 0.3, 0.9))
NEW_TOKENS = ("a", "b", "c", "d")


# ---- reading the page -------------------------------------------------------------------


def code(at: AppTest, which: str) -> str:
    """The "snippet" or the "source": opened first, as a student would (closed, no code)."""
    key = f"w.scaled.{which}"
    if not at.session_state[key]:
        at.session_state[key] = True
        at.run()
    snippets = [c.value for c in at.code if c.value.startswith("import torch")]
    sources = [c.value for c in at.code if c.value.startswith("def ")]
    (found,) = snippets if which == "snippet" else sources
    return found


def number_tables(at: AppTest) -> list:
    """The matrices shown as tables, in page order (first column: the row's token)."""
    return [t for t in page_tables(at) if t.columns[0].lstrip("▶ ") == "token"]


def matrix(frame) -> list[list[float]]:
    return frame.iloc[:, 1:].astype(float).values.tolist()


def rounded(values: torch.Tensor) -> list[list[float]]:
    return [[round(v, 4) for v in row] for row in values.tolist()]


def tables_by_name(
    at: AppTest, *, scaled: bool = True, causal: bool = False, dropout: bool = False
):
    # the scaled scores are shown whether or not scaling is on (for comparison when off)
    names = ["queries", "keys", "values", "attn_scores", "scaled_scores"]
    names += ["masked_scores"] if causal else []
    names += ["weights_scaled", "weights_unscaled"]
    names += ["dropped_weights"] if dropout else []
    names += ["context_vecs"]
    found = number_tables(at)
    assert len(found) == len(names), (len(found), names)
    return dict(zip(names, found, strict=True))


def trace_of(at: AppTest, **overrides):
    """The core's pass for the page's current settings (what the page must show)."""

    def lab(name: str, default: object) -> object:
        key = f"lab.{name}"
        return at.session_state.get(key, default)

    args = {
        "inputs": lab("inputs", BOOK_INPUTS_LIST),
        "d_out": lab("d_out", 2),
        "qkv_seeds": lab("qkv_seeds", (123, 123, 123)),
        "weight_edits": lab("weight_edits", ()),
        "scaled": lab("scaled", True),
        "causal": lab("scaled.causal", False),
        "dropout": lab("scaled.dropout_p", 0.5) if lab("scaled.dropout", False) else 0.0,
        "dropout_seed": lab("scaled.dropout_seed", 123),
    }
    args.update(overrides)
    return compute.self_attention(**args)


def weight_editors(at: AppTest) -> list[list[list[float]]]:
    """W_query, W_key, W_value as their data editors hold them (after the embeddings editor)."""
    return [frame.value.astype(float).values.tolist() for frame in at.dataframe[1:4]]


def text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def assert_shows(at: AppTest, trace, **flags) -> None:
    """Every table on the page equals the trace, rounded as shown."""
    tables = tables_by_name(at, **flags)
    assert matrix(tables["queries"]) == rounded(trace.queries)
    assert matrix(tables["keys"]) == rounded(trace.keys)
    assert matrix(tables["values"]) == rounded(trace.values)
    assert matrix(tables["attn_scores"]) == rounded(trace.attn_scores)
    in_use = tables["weights_scaled" if trace.scaled else "weights_unscaled"]
    assert matrix(in_use) == rounded(trace.attn_weights)
    assert matrix(tables["context_vecs"]) == rounded(trace.context_vecs)
    editors = weight_editors(at)
    for shown, weight in zip(editors, (trace.W_query, trace.W_key, trace.W_value), strict=True):
        assert torch.allclose(torch.tensor(shown), weight)


# ---- the book ---------------------------------------------------------------------------


def test_defaults_match_the_book() -> None:
    at = run_page(PAGE)
    assert "Matches the book" in at.success[0].value
    book = next(t for t in page_tables(at) if "match" in t.columns)
    assert list(book["match"]) == ["✔"] * 5
    assert "[0.3061, 0.8210]" in list(book["this lab computes"])
    assert list(book["the book prints"])[-1] == glue.fmt_vector(
        BOOK_PRINTED["scaled.context_vec_2"]
    )
    assert_shows(at, trace_of(at))
    assert "`context_vec_2` = `[0.3061, 0.8210]`" in text(at)
    assert "attn_scores[1, 1]` = query_2 · key_2" in text(at) and "**1.8524**" in text(at)


def test_book_badge_stays_with_page_options_but_not_with_new_inputs() -> None:
    at = run_page(PAGE, **{"scaled.causal": True})
    assert "the book's way" in at.success[0].value  # our side computed as the book does
    assert list(next(t for t in page_tables(at) if "match" in t.columns)["match"]) == ["✔"] * 5
    at = run_page(PAGE, inputs=NEW_INPUTS, tokens=NEW_TOKENS)
    assert not at.success
    assert "embeddings differ" in at.info[0].value


# ---- weight parameters: seeds, re-roll, d_out, hand edits --------------------------------


def test_seed_redraws_the_weights_and_everything_after() -> None:
    at = run_page(PAGE)
    at.number_input(key="w.scaled.seed").set_value(7).run()
    assert not at.exception
    assert at.session_state["lab.qkv_seeds"] == (7, 7, 7)
    trace = trace_of(at)
    assert_shows(at, trace)
    drawn = compute.qkv_weights(3, 2, (7, 7, 7))
    assert torch.allclose(torch.tensor(weight_editors(at)[0]), drawn[0])
    assert not at.success and "the seed is 7, not 123" in at.info[0].value
    assert f"`context_vec_2` = `{glue.fmt_vector(trace.context_vecs[1].tolist())}`" in text(at)


def test_reroll_draws_new_seeds_and_drops_hand_edits() -> None:
    edit = (("W_key", ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0))),)
    at = run_page(PAGE, weight_edits=edit)
    at.button[0].click().run()
    seeds = at.session_state["lab.qkv_seeds"]
    assert len(set(seeds)) == 1 and seeds[0] != 123
    assert at.session_state["lab.weight_edits"] == ()
    assert_shows(at, trace_of(at))
    assert not at.success


def test_one_seed_per_matrix_redraws_only_that_matrix() -> None:
    at = run_page(PAGE)
    before = weight_editors(at)
    at.toggle(key="w.scaled.per_matrix_seeds").set_value(True).run()
    assert [n.key for n in at.number_input if "seed_" in n.key] == [
        "w.scaled.seed_query",
        "w.scaled.seed_key",
        "w.scaled.seed_value",
    ]
    at.number_input(key="w.scaled.seed_key").set_value(5).run()
    assert at.session_state["lab.qkv_seeds"] == (123, 5, 123)
    after = weight_editors(at)
    assert after[0] == before[0] and after[2] == before[2] and after[1] != before[1]
    assert torch.allclose(torch.tensor(after[1]), compute.qkv_weights(3, 2, (5, 5, 5))[1])
    assert_shows(at, trace_of(at))
    at.button[0].click().run()  # re-roll: three new seeds
    assert len(at.session_state["lab.qkv_seeds"]) == 3
    at.toggle(key="w.scaled.per_matrix_seeds").set_value(False).run()
    seeds = at.session_state["lab.qkv_seeds"]
    assert seeds[0] == seeds[1] == seeds[2]  # back to one seed: the query's


def test_d_out_reshapes_and_clears_hand_edits() -> None:
    edit = (("W_query", ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0))),)
    at = run_page(PAGE, weight_edits=edit)
    at.number_input(key="w.scaled.d_out").set_value(4).run()
    assert at.session_state["lab.d_out"] == 4 and at.session_state["lab.weight_edits"] == ()
    tables = tables_by_name(at)
    assert list(tables["queries"].columns) == ["token", "dim 1", "dim 2", "dim 3", "dim 4"]
    assert_shows(at, trace_of(at))
    assert "each (3, 4)" in text(at) or any("(3, 4)" in h.value for h in at.header)


def test_injected_weight_edit_changes_queries_not_keys() -> None:
    W_query = ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0))
    at = run_page(PAGE)
    keys_before = matrix(tables_by_name(at)["keys"])
    at.session_state["lab.weight_edits"] = (("W_query", W_query),)
    at.run()
    queries = matrix(tables_by_name(at)["queries"])
    expected = torch.tensor(BOOK_INPUTS_LIST) @ torch.tensor(W_query)
    assert queries == rounded(expected)
    assert matrix(tables_by_name(at)["keys"]) == keys_before
    assert_shows(at, trace_of(at))
    assert not at.success  # hand-edited weights are not the book's
    assert any("W_query: edited by hand" in c.value for c in at.caption)


def run_with_commit(name: str, delta: dict, **session: object) -> AppTest:
    """The page after the weight editor's callback received ``delta`` (AppTest cannot type
    into a data editor, so the callback's function runs at the top of the script, once)."""

    def script(name: str, delta: dict, path: str) -> None:
        import runpy

        import streamlit as st

        from ui import scaled as glue

        if not st.session_state.get("test.committed"):
            st.session_state["test.committed"] = True
            glue.commit_weight_edit(name, delta)
        runpy.run_path(path, run_name="__main__")

    at = AppTest.from_function(script, args=(name, delta, str(ROOT / PAGE)), default_timeout=60)
    for key, value in session.items():
        at.session_state[f"lab.{key}"] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_weight_edit_through_the_editor_callback() -> None:
    at = run_with_commit("W_value", {"edited_rows": {0: {"dim 2": 2.5}}})
    edits = dict(at.session_state["lab.weight_edits"])
    seeded = compute.qkv_weights(3, 2, (123, 123, 123))[2].tolist()
    assert edits["W_value"][0][1] == 2.5 and edits["W_value"][1] == tuple(seeded[1])
    assert weight_editors(at)[2][0][1] == 2.5
    assert_shows(at, trace_of(at))
    values = matrix(tables_by_name(at)["values"])
    assert values != rounded(compute.self_attention(BOOK_INPUTS_LIST, 2, (123,) * 3).values)


@pytest.mark.parametrize("bad", [float("nan"), None, "abc", 1e9, float("inf")])
def test_bad_weight_edit_is_a_message_and_keeps_the_last_valid_weights(bad) -> None:
    at = run_with_commit("W_key", {"edited_rows": {1: {"dim 1": bad}}})
    assert "lab.weight_edits" not in at.session_state  # nothing was committed
    errors = " ".join(e.value for e in at.error)
    assert "W_key[x2, dim 1]" in errors and "keeps its last valid values" in errors
    assert "Matches the book" in at.success[0].value  # nothing changed
    assert_shows(at, trace_of(at))


def test_edit_back_to_the_seeded_value_restores_the_book() -> None:
    seeded = compute.qkv_weights(3, 2, (123, 123, 123))[0].tolist()
    edited = ((9.0, seeded[0][1]), tuple(seeded[1]), tuple(seeded[2]))
    at = run_with_commit(
        "W_query",
        {"edited_rows": {0: {"dim 1": seeded[0][0]}}},
        weight_edits=(("W_query", edited),),
    )
    assert at.session_state["lab.weight_edits"] == ()  # the student typed the seeded value back
    assert "Matches the book" in at.success[0].value


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
    assert_shows(at, trace_of(at))


def test_apply_weight_delta_validates_every_cell() -> None:
    W = ((0.1, 0.2), (0.3, 0.4))
    assert glue.apply_weight_delta(W, {"edited_rows": {1: {"dim 2": "0.5"}}}, "W") == (
        (0.1, 0.2),
        (0.3, 0.5),
    )
    assert glue.apply_weight_delta(W, {"edited_rows": {5: {"dim 1": 1.0}}}, "W") == W
    with pytest.raises(InputError, match=r"W\[x1, dim 1\] is empty"):
        glue.apply_weight_delta(W, {"edited_rows": {0: {"dim 1": None}}}, "W")
    with pytest.raises(InputError, match="not a number"):
        glue.apply_weight_delta(W, {"edited_rows": {"0": {"dim 2": "x"}}}, "W")


# ---- the inputs: embeddings, sentence, d_in, query -------------------------------------


def test_new_embeddings_change_attention_weights_not_weight_parameters() -> None:
    at = run_page(PAGE)
    params_before = weight_editors(at)
    weights_before = matrix(tables_by_name(at)["weights_scaled"])
    at.session_state["lab.inputs"] = ((0.9, 0.1, 0.1), *BOOK_INPUTS_LIST[1:])
    at.run()
    assert weight_editors(at) == params_before  # weight parameters: unchanged
    assert matrix(tables_by_name(at)["weights_scaled"]) != weights_before  # attention weights
    assert_shows(at, trace_of(at))
    cards = text(at)
    assert ":gray-badge[unchanged ✔] by your last change" in cards
    assert ":orange-badge[changed] Δ max" in cards
    assert "you changed the token embeddings" in cards
    assert "| 👉 **edit the embeddings" in text(at)  # the rules table lights up its row


def test_seed_change_lights_up_the_parameters_card() -> None:
    at = run_page(PAGE)
    at.number_input(key="w.scaled.seed").set_value(8).run()
    cards = text(at)
    assert ":blue-badge[changed]" in cards and "W_query: Δ max" in cards
    assert "seed 123 → 8" in cards
    assert "| 👉 **change the seed" in text(at) and "| 👉 **edit the embeddings" not in text(at)
    at.run()  # a rerun that changes nothing keeps showing the last change
    assert "seed 123 → 8" in text(at)


def test_sentence_box_replaces_the_tokens() -> None:
    at = run_page(PAGE)
    at.text_input(key="w.scaled.sentence").input("the cat sat").run()
    assert at.session_state["lab.tokens"] == ("the", "cat", "sat")
    tables = tables_by_name(at)
    assert list(tables["attn_scores"].columns) == ["token", "the", "cat", "sat"]
    assert_shows(at, trace_of(at))


def test_d_in_reshapes_the_weight_parameters() -> None:
    edit = (("W_query", ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0))),)
    at = run_page(PAGE, weight_edits=edit)
    at.number_input(key="w.scaled.d_in.0").set_value(4).run()
    assert len(at.session_state["lab.inputs"][0]) == 4
    assert at.session_state["lab.weight_edits"] == ()
    assert len(weight_editors(at)[0]) == 4
    assert_shows(at, trace_of(at))


def test_query_picker_follows_another_token_and_changes_no_weights() -> None:
    at = run_page(PAGE)
    at.selectbox(key="w.scaled.query.0").set_value(0).run()
    assert at.session_state["lab.query"] == 0
    tables = tables_by_name(at)
    assert tables["queries"].iloc[0, 0] == "▶ Your"
    trace = trace_of(at)
    assert f"`context_vec_1` = `{glue.fmt_vector(trace.context_vecs[0].tolist())}`" in text(at)
    assert "you picked another query token (2 → 1)" in text(at)
    assert text(at).count(":gray-badge[unchanged ✔]") == 2  # neither kind of weights changed


# ---- options: scaling, causal mask, dropout ---------------------------------------------


def test_scaling_toggle_changes_the_weights_in_use() -> None:
    at = run_page(PAGE)
    at.toggle(key="w.scaled.scaled").set_value(False).run()
    assert at.session_state["lab.scaled"] is False
    # the switch reran only its parts: the cards, the two badges and step 5-6 (and the rest of
    # the page stays as it was in the browser; AppTest keeps only what the rerun drew)
    headers = [line[:11] for line in text(at).splitlines() if line.startswith("## ")]
    assert headers == ["## 1 · Weig", "## 5 · Atte", "## 6 · Cont"]  # badges, then steps 5-6
    assert len(number_tables(at)) == 1  # step 6's table
    assert "you changed scaling" in text(at)  # the cards at the top follow the switch
    assert ":orange-badge[unscaled weights] from step 5" in text(at)  # step 6 says which
    assert text(at).count(":gray-badge[unchanged ✔]") == 1  # the parameters' card
    assert "weight parameters · learned] · unchanged by your last change ✔" in text(at)
    assert "computed per input] · changed by your last change" in text(at)
    at.run()  # a full run: every table, to compare with the core
    unscaled = trace_of(at)
    scaled = trace_of(at, scaled=True)
    assert not torch.allclose(unscaled.attn_weights, scaled.attn_weights)
    assert_shows(at, unscaled, scaled=False)
    tables = tables_by_name(at, scaled=False)
    assert matrix(tables["weights_scaled"]) == rounded(scaled.attn_weights)  # both, side by side
    assert matrix(tables["scaled_scores"]) == rounded(scaled.scaled_scores)  # for comparison
    assert "(unscaled)" in text(at)
    assert "The **unscaled** weights (chart *Unscaled*) go on to step 6" in text(at)
    assert "you changed scaling" in text(at)  # what the switch did, said beside it
    assert "scaling switched off" in code(at, "snippet")


def test_d_out_one_says_scaling_changes_nothing() -> None:
    at = run_page(PAGE, d_out=1)
    tables = tables_by_name(at)
    assert matrix(tables["weights_scaled"]) == matrix(tables["weights_unscaled"])
    assert "scaling changes nothing" in text(at)


def test_causal_mask_hides_the_future() -> None:
    at = run_page(PAGE)
    at.toggle(key="w.scaled.causal").set_value(True).run()
    trace = trace_of(at)
    assert trace.mask is not None
    tables = tables_by_name(at, causal=True)
    masked = matrix(tables["masked_scores"])
    assert all(masked[i][j] == -math.inf for i in range(6) for j in range(i + 1, 6))
    weights = matrix(tables["weights_scaled"])
    assert all(weights[i][j] == 0 for i in range(6) for j in range(i + 1, 6))
    assert all(abs(sum(row) - 1) < 1e-3 for row in weights)
    assert_shows(at, trace, causal=True)
    assert "masked_fill" in code(at, "snippet")
    assert "def causal_mask" in code(at, "source")


def test_dropout_and_its_rate_and_seed() -> None:
    at = run_page(PAGE)
    at.toggle(key="w.scaled.dropout").set_value(True).run()
    assert_shows(at, trace_of(at), dropout=True)
    dropped = matrix(tables_by_name(at, dropout=True)["dropped_weights"])
    assert any(v == 0 for row in dropped for v in row) and max(map(max, dropped)) > 0.3
    at.select_slider(key="w.scaled.dropout_p").set_value(0.2).run()
    at.number_input(key="w.scaled.dropout_seed").set_value(1).run()
    trace = trace_of(at)
    assert trace.dropout_mask is not None and at.session_state["lab.scaled.dropout_p"] == 0.2
    assert_shows(at, trace, dropout=True)
    assert matrix(tables_by_name(at, dropout=True)["dropped_weights"]) == rounded(
        trace.dropped_weights
    )
    assert "torch.nn.Dropout(0.2)" in code(at, "snippet")


# ---- code, snippet, stepper, sidebar ----------------------------------------------------


@pytest.mark.parametrize(
    "session",
    [
        {},
        {"qkv_seeds": (1, 2, 3), "d_out": 3},
        {
            "qkv_seeds": (4, 4, 9),
            "weight_edits": (("W_key", ((1.0, -2.0), (0.5, 0.25), (3.0, 1.0))),),
            "scaled": False,
            "scaled.causal": True,
            "scaled.dropout": True,
            "scaled.dropout_p": 0.3,
            "scaled.dropout_seed": 5,
            "inputs": NEW_INPUTS,
            "tokens": NEW_TOKENS,
            "query": 3,
        },
    ],
)
def test_snippet_reproduces_the_page_in_plain_torch(session) -> None:
    at = run_page(PAGE, **session)
    snippet = code(at, "snippet")
    namespace: dict = {}
    state = torch.random.get_rng_state()
    try:
        exec(compile(snippet, "<snippet>", "exec"), namespace)  # prints two lines
    finally:
        torch.random.set_rng_state(state)
    trace = trace_of(at)
    assert torch.allclose(
        namespace["context_vecs"], trace.dropped_weights @ trace.values, atol=1e-6
    )
    assert torch.allclose(namespace["context_vecs"], trace.context_vecs, atol=1e-6)
    assert torch.allclose(namespace["W_key"], trace.W_key)


def test_code_that_ran_is_the_core() -> None:
    at = run_page(PAGE)
    assert not at.code  # both expanders closed: no code is sent
    source = code(at, "source")
    assert "def init_qkv_weights" in source and "def self_attention" in source
    assert "def scale_scores" in source and "def causal_mask" not in source


def test_reveal_shows_one_step_at_a_time() -> None:
    at = run_page(PAGE, reveal=True)
    assert "## 1 · Weight parameters" in text(at) and "## 2 · " not in text(at)
    at.button(key="w.scaled.next").click().run()
    assert "## 2 · Queries" in text(at) and "## 3 · " not in text(at)


def test_sidebar_reset_and_projector() -> None:
    at = run_page(PAGE, qkv_seeds=(7, 7, 7), **{"scaled.causal": True})
    at.sidebar.toggle(key="w.scaled.projector").set_value(True).run()
    assert not at.exception and at.session_state["lab.projector"] is True
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert "Matches the book" in at.success[0].value
    assert "lab.scaled.causal" not in at.session_state


def test_page_runs_with_many_tokens() -> None:
    tokens = tuple(f"t{i}" for i in range(40))
    inputs = tuple((i / 40, 1 - i / 40, 0.5) for i in range(40))
    at = run_page(PAGE, tokens=tokens, inputs=inputs, d_out=16, query=39)
    assert_shows(at, trace_of(at))


# ---- in Chromium ------------------------------------------------------------------------


def _weights_line(page) -> str:
    # textContent: the text whether or not the block is on screen
    return page.get_by_text("Weights in use for").first.locator("xpath=..").text_content()


@pytest.mark.browser
def test_scaling_toggle_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Scaled_dot_product_attention")
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_text("Matches the book").first.wait_for(timeout=20_000)
    assert page.get_by_text("Matches the book").count() == 1
    # the book's values beside ours fit the page at 1280 px: long vectors wrap, no side scroll
    book = page.locator(".lab-table", has_text="the book prints")
    assert book.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    before = _weights_line(page)
    assert "(scaled)" in before and "0.2264" in before  # the book's attn_weights_2
    page.get_by_text("Scale the scores by √d_k").click()
    wait_for_rerun(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('p')].some("
        "p => p.textContent.includes('Weights in use for') && p.textContent.includes('(unscaled)'))",
        timeout=30_000,
    )
    wait_for_app(page)
    after = _weights_line(page)
    assert "(unscaled)" in after and after != before
    page.wait_for_url("**scaled=0**", timeout=10_000)  # the share link follows the switch
    # the cards at the top are rerun by the switch too (a keyed fragment)
    page.get_by_text("you changed scaling (👉 lit up in the table below)").wait_for(timeout=10_000)
    assert_no_exception(page)


@pytest.mark.browser
def test_seed_box_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Scaled_dot_product_attention")
    wait_for_app(page)
    box = page.get_by_role("spinbutton", name="seed (torch.manual_seed)")
    box.fill("7")
    box.press("Enter")
    wait_for_rerun(page)
    page.get_by_text("Not the book's example").wait_for(timeout=30_000)
    assert page.get_by_text("seed 123 → 7").count() >= 1
    assert_no_exception(page)


@pytest.mark.browser
def test_typing_into_a_weight_editor_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Scaled_dot_product_attention")
    wait_for_app(page)
    grid = page.locator('[data-testid="stDataFrame"]').nth(1)  # W_query (after the embeddings)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1_000)  # charts above finish drawing and stop moving the grid
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + 35 + 17)  # x1, dim 1
    page.wait_for_timeout(300)
    page.keyboard.type("2")
    page.wait_for_timeout(300)  # the cell editor opens asynchronously: Enter must reach it
    page.keyboard.press("Enter")
    wait_for_rerun(page)
    page.get_by_text("W_query: edited by hand").wait_for(timeout=30_000)
    assert page.get_by_text("Not the book's example").count() == 1
    assert_no_exception(page)


# ---- the options in the share link ------------------------------------------------------


def test_options_from_the_link_apply_and_a_bad_one_is_named() -> None:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.query_params.update(causal="1", dropout="0.3", dropout_seed="banana", seed="7")
    at.run()
    assert not at.exception
    assert at.session_state["lab.scaled.causal"] is True
    assert at.session_state["lab.scaled.dropout"] is True
    assert at.session_state["lab.scaled.dropout_p"] == 0.3
    assert "lab.scaled.dropout_seed" not in at.session_state  # the bad one: default kept
    assert at.session_state["lab.qkv_seeds"] == (7, 7, 7)  # the shared settings still apply
    warnings = " ".join(w.value for w in at.warning)
    assert "`?dropout_seed=` was ignored" in warnings
    assert_shows(at, trace_of(at), causal=True, dropout=True)


def test_options_go_into_the_link_and_reset_takes_them_out() -> None:
    at = run_page(PAGE)
    at.toggle(key="w.scaled.causal").set_value(True).run()
    at.toggle(key="w.scaled.dropout").set_value(True).run()
    at.select_slider(key="w.scaled.dropout_p").set_value(0.2).run()
    assert dict(at.query_params) == {"causal": "1", "dropout": "0.2"}
    at.sidebar.button[0].click().run()  # Reset to the book's example
    assert at.toggle(key="w.scaled.causal").value is False
    assert at.toggle(key="w.scaled.dropout").value is False
    assert dict(at.query_params) == {}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"causal": "maybe"}, "causal must be 1 or 0"),
        ({"dropout": "0.35"}, "dropout takes 0 (off) or a rate p in 0.1"),
        ({"dropout": "nan"}, "dropout is empty or NaN"),
        ({"dropout_seed": "-1"}, "dropout_seed"),
    ],
)
def test_bad_option_parameters_are_explained(params: dict, message: str) -> None:
    changes, errors = glue.options_from_query_params(params)
    assert changes == {}
    assert len(errors) == 1 and message in errors[0]


@pytest.mark.browser
def test_a_shared_link_with_options_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Scaled_dot_product_attention?causal=1&dropout=0.3")
    wait_for_app(page)
    page.get_by_text("Masked scaled scores").first.wait_for(timeout=20_000)
    page.get_by_text("p = 0.3").first.wait_for(timeout=20_000)
    assert "causal=1" in page.url and "dropout=0.3" in page.url  # kept for the next share
    assert_no_exception(page)


@pytest.mark.browser
def test_code_appears_when_its_expander_opens_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Scaled_dot_product_attention")
    wait_for_app(page)
    assert page.locator('[data-testid="stCode"]').count() == 0  # closed: nothing sent
    page.get_by_text("🐍 The code that ran").click()
    page.get_by_text("def init_qkv_weights").first.wait_for(timeout=20_000)
    page.get_by_text("📋 Reproduce this in a notebook").click()
    page.get_by_text("import torch").first.wait_for(timeout=20_000)
    assert_no_exception(page)
