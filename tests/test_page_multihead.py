"""The causal mask / dropout / multi-head page: every control under AppTest, and in Chromium."""

import pytest

from attention.data import BOOK_PRINTED
from tests.conftest import assert_no_exception, run_page, wait_for_app
from ui import compute

PAGE = "pages/5_Causal_and_multi_head.py"
BOOK_SEEDS = (123, 123, 123)  # section 3.4's torch.rand weights
V2_SEEDS = (789, 789, 789)  # section 3.5's SelfAttention_v2 (nn.Linear) weights


def flat(rows: list[list[float]]) -> list[float]:
    return [v for row in rows for v in row]


def frame_values(at, index: int) -> list[list[float]]:
    return at.dataframe[index].value.to_numpy().tolist()


def context_table(at):
    return at.dataframe[-1].value


def successes(at) -> str:
    return " ".join(s.value for s in at.success)


def test_book_state_shows_the_book_badges_and_values() -> None:
    at = run_page(PAGE)
    assert "3.5.1" in at.success[0].value and "[0.5517, 0.4483, 0.0000" in at.success[0].value
    assert flat(frame_values(at, 2))[6:8] == pytest.approx([0.5517, 0.4483], abs=1e-4)
    assert "Matches the book (section 3.6.2)" in successes(at)
    printed = BOOK_PRINTED["multihead.context_vecs"]
    shown = context_table(at).to_numpy().ravel().tolist()
    assert shown == pytest.approx(printed, abs=1e-4)


def test_causal_weights_are_zero_above_the_diagonal() -> None:
    at = run_page(PAGE)
    weights = frame_values(at, 2)
    for i, row in enumerate(weights):
        assert all(v == 0 for v in row[i + 1 :])
        assert sum(row) == pytest.approx(1.0, abs=1e-6)
    assert "e-0" in at.info[0].value  # the two causal approaches agree to rounding


def test_dropout_slider_changes_the_dropped_weights() -> None:
    at = run_page(PAGE)
    before = frame_values(at, 3)
    at.slider(key="w.multihead.dropout").set_value(0.0).run()
    after = frame_values(at, 3)
    assert after != before
    assert after == frame_values(at, 2)  # p = 0: the causal weights unchanged
    assert "nothing is dropped" in " ".join(m.value for m in at.markdown)


def test_dropout_seed_changes_the_pattern() -> None:
    at = run_page(PAGE)
    before = frame_values(at, 3)
    at.number_input(key="w.multihead.dropout_seed").set_value(7).run()
    expected = compute.self_attention(
        compute_inputs(), 2, V2_SEEDS, (), causal=True, dropout=0.5, dropout_seed=7, linear=True
    ).dropped_weights.tolist()
    assert (
        flat(frame_values(at, 3)) == pytest.approx(flat(expected)) and frame_values(at, 3) != before
    )


def compute_inputs():
    from ui.state import DEFAULTS

    return DEFAULTS.inputs


def test_num_heads_and_d_out_follow_the_core() -> None:
    at = run_page(PAGE)
    at.select_slider(key="w.multihead.d_out").set_value(4).run()
    assert at.session_state["lab.d_out"] == 4  # shared with the other pages
    at.selectbox(key="w.multihead.num_heads.4").set_value(4).run()
    expected = compute.multihead(compute_inputs(), 4, 4, 0.0, 123).context_vecs.tolist()
    assert flat(context_table(at).to_numpy().tolist()) == pytest.approx(flat(expected))
    assert not at.success  # not the book's configuration any more
    assert "head_dim = 4 / 4 = 1" in " ".join(m.value for m in at.markdown)
    assert at.selectbox(key="w.multihead.num_heads.4").options == ["1", "2", "4"]


def test_weights_seed_changes_the_output() -> None:
    at = run_page(PAGE)
    at.number_input(key="w.multihead.mha_seed").set_value(5).run()
    expected = compute.multihead(compute_inputs(), 2, 2, 0.0, 5).context_vecs.tolist()
    assert flat(context_table(at).to_numpy().tolist()) == pytest.approx(flat(expected))
    assert "3.6.2" not in successes(at)


def test_book_v2_toggle_switches_to_the_scaled_pages_weights() -> None:
    at = run_page(PAGE, qkv_seeds=(5, 6, 7))
    at.toggle(key="w.multihead.book_v2").set_value(False).run()
    expected = compute.self_attention(compute_inputs(), 2, (5, 6, 7), (), causal=True)
    assert flat(frame_values(at, 2)) == pytest.approx(flat(expected.attn_weights.tolist()))
    assert "3.5.1" not in successes(at)
    assert "(5, 6, 7)" in " ".join(m.value for m in at.markdown)


def test_shared_embeddings_are_used() -> None:
    tokens, inputs = ("a", "b", "c"), ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0))
    at = run_page(PAGE, tokens=tokens, inputs=inputs)
    assert list(context_table(at).index) == list(tokens)
    expected = compute.multihead(inputs, 2, 2, 0.0, 123).context_vecs.tolist()
    assert flat(context_table(at).to_numpy().tolist()) == pytest.approx(flat(expected))


def test_reveal_mode_shows_one_step_at_a_time() -> None:
    at = run_page(PAGE, reveal=True)
    assert len(at.header) == 1
    at.button(key="w.multihead.next").click().run()
    assert len(at.header) == 2
    at.button(key="w.multihead.next").click().run()
    assert len(at.header) == 3 and at.success
    at.button(key="w.multihead.restart").click().run()
    assert len(at.header) == 1


@pytest.mark.browser
def test_multihead_page_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Causal_and_multi_head")
    wait_for_app(page)
    assert_no_exception(page)
    assert page.get_by_text("Matches the book").count() == 2  # sections 3.5.1 and 3.6.2
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for(timeout=20_000)  # chart elements can mount just after the run ends
    assert charts.count() >= 4
    # a chart that Vega-Lite cannot compile stays an empty box: check one really drew
    charts.first.scroll_into_view_if_needed()
    charts.first.locator("canvas, svg.marks").first.wait_for(timeout=10_000)
