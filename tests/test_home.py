"""The home page: the tour, and the book's example computed live from the shared settings,
under AppTest and in Chromium."""

import pytest
from streamlit.testing.v1 import AppTest

from attention.data import BOOK_INPUTS_LIST, BOOK_PRINTED, BOOK_TOKENS
from lessons.home import text
from tests.conftest import assert_no_exception, open_app, run_link, run_page, settle
from tests.tables import close, labels, table, values
from ui import compute, fmt
from ui.compute import SimplifiedView
from ui.frame import PAGES
from ui.settings import LabSettings

HOME = "app.py"
NEW_INPUTS = ((0.9, 0.1, 0.2), (0.1, 0.8, 0.3), (0.5, 0.5, 0.5), (0.2, 0.3, 0.9))
NEW_TOKENS = ("a", "b", "c", "d")


def md(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def trainable_line(at: AppTest) -> str:
    (line,) = [m.value for m in at.markdown if m.value.startswith("**With trainable weights**")]
    return line


def test_home_shows_the_book_values_live() -> None:
    at = run_page(HOME)
    success = at.success[0].value
    assert success.startswith("**Matches the book** (section 3.3.1)")
    assert f"z⁽²⁾ = {fmt.vector(BOOK_PRINTED['simplified.context_vec_2'])}" in success
    assert "[0.4419, 0.6515, 0.5683]" in success and "0.1240" in success  # 4 decimals, as printed
    weights = table(at, "Attention weights softmax(inputs @ inputs.T, dim=-1)")
    assert labels(weights) == list(BOOK_TOKENS) and weights.attrs["marked"] == 1
    assert close(values(weights), compute.simplified(BOOK_INPUTS_LIST).attn_weights)
    assert "z⁽²⁾ = `[0.4419, 0.6515, 0.5683]`" in md(at)
    assert "## The book's example, computed live" in md(at)
    line = trainable_line(at)
    assert "from seed 123, d_out = 2; scaled by √d_k" in line
    assert "z⁽²⁾ = `[0.3061, 0.8210]`" in line  # section 3.4's context vector of 'journey'


def test_the_book_check_can_fail() -> None:
    """'Matches' comes from comparing numbers: a context vector off by 0.001 'differs'."""
    simple = compute.simplified(BOOK_INPUTS_LIST)
    off = list(map(list, simple.context_vecs))
    off[1][0] += 0.001
    wrong = SimplifiedView(simple.attn_scores, simple.attn_weights, simple.weights_dim0,
                           simple.naive_weights, tuple(map(tuple, off)))  # fmt: skip
    assert text.book_check(LabSettings(), wrong).startswith("**Differs from the book**")
    assert text.book_check(LabSettings(query=0), simple) is None


def test_home_follows_the_shared_settings() -> None:
    at = run_page(HOME, query=0)
    assert not at.success  # the book's badge is for the query 'journey' only
    assert "**Context vector of the query *Your*** (section 3.3): z⁽¹⁾" in md(at)
    at = run_page(HOME, embeddings=(NEW_TOKENS, NEW_INPUTS), query=2)
    assert not at.success
    assert "*a b c d*: 4 tokens, d_in = 3." in md(at)
    assert "Your sentence, computed live" in md(at) and "book's example, computed" not in md(at)
    weights = table(at, "Attention weights")
    assert labels(weights) == list(NEW_TOKENS) and weights.attrs["marked"] == 2
    simple = compute.simplified(NEW_INPUTS)
    assert close(values(weights), simple.attn_weights)
    assert f"z⁽³⁾ = `{fmt.vector(simple.context_vecs[2])}`" in md(at)


@pytest.mark.parametrize(
    "session",
    [
        {"scaled": False},
        {"seeds": (1, 2, 3), "d_out": 3},
        {"seeds": (7, 7, 7), "weight_edits": (("W_key", ((1.0, -2.0), (0.5, 0.25), (3.0, 1.0))),)},
        {"embeddings": (NEW_TOKENS, NEW_INPUTS), "query": 3, "d_out": 4, "scaled": False},
    ],
)
def test_home_computes_what_the_student_set(session: dict) -> None:
    """11.10: scaled or not, every seed, hand edits: the home page's section 3.4 line is the
    scaled page's pass for the same settings."""
    at = run_page(HOME, **session)
    tokens, inputs = session.get("embeddings", (BOOK_TOKENS, BOOK_INPUTS_LIST))
    seeds = session.get("seeds", (123, 123, 123))
    d_out, scaled = session.get("d_out", 2), session.get("scaled", True)
    edits = session.get("weight_edits", ())
    q = session.get("query", 1)
    view = compute.self_attention(inputs, d_out, seeds, edits, scaled=scaled)
    line = trainable_line(at)
    assert f"the context vector of *{tokens[q]}* is z{fmt.sup(q + 1)} = " in line
    assert f"`{fmt.vector(view.context_vecs[q])}`" in line
    assert ("scaled by √d_k" if scaled else "unscaled (scaling is off)") in line
    assert f"d_out = {d_out}" in line
    seed_words = f"seed {seeds[0]}" if len(set(seeds)) == 1 else f"seeds {fmt.seeds(seeds)}"
    assert seed_words in line
    assert ("W_key edited by hand" in line) == bool(edits)


def test_edits_that_no_longer_fit_are_left_out_not_raised() -> None:
    """A link can change d_out after a hand edit: the home page computes without it."""
    edits = (("W_query", ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0))),)  # (3, 2), but d_out = 4
    at = run_page(HOME, weight_edits=edits, d_out=4)
    line = trainable_line(at)
    assert "edited by hand" not in line
    view = compute.self_attention(BOOK_INPUTS_LIST, 4, (123, 123, 123))
    assert f"`{fmt.vector(view.context_vecs[1])}`" in line
    current = LabSettings(d_out=2, weight_edits=(*edits, ("W_key", ((float("nan"), 1.0),) * 3)))
    assert text.fitting_edits(current) == edits


def test_the_tour_reads_one_to_six_and_links_every_lesson() -> None:
    at = run_page(HOME)
    titles = [
        m.value.split("**")[1] for m in at.markdown if m.value.startswith("**") and "§" in m.value
    ]
    assert [t.split(".")[0] for t in titles] == ["1", "2", "3", "4", "5", "6"]
    assert [stop.page for stop in text.TOUR][2:] == list(PAGES[1:])
    assert {stop.page for stop in text.TOUR} == set(PAGES)


def test_projector_toggle_is_shared_and_in_the_link() -> None:
    at = run_page(HOME)
    at.sidebar.toggle(key="home.projector").set_value(True).run()
    assert at.session_state["lab.projector"] is True
    assert at.query_params["projector"] == "1"  # an instructor's link opens on the projector
    assert any("lab-table lab-projector" in h.value for h in at.html)  # bigger tables
    at.sidebar.toggle(key="home.projector").set_value(False).run()
    assert "projector" not in at.query_params


def test_a_projector_link_opens_in_projector_mode() -> None:
    at = run_link(HOME, projector="1")
    assert at.session_state["lab.projector"] is True
    assert at.sidebar.toggle(key="home.projector").value is True


def test_reset_restores_the_book() -> None:
    at = run_page(HOME, query=0, d_out=4, projector=True)
    at.sidebar.button(key="home.reset").click().run()
    assert "lab.query" not in at.session_state and "lab.d_out" not in at.session_state
    assert at.session_state["lab.projector"] is True  # presentation settings survive a reset
    assert at.success[0].value.startswith("**Matches the book**")


def test_tampered_url_is_reported_not_raised() -> None:
    at = run_link(HOME, seed="banana", d_out="3", x="1,2,nan;4,5,6")
    warnings = " ".join(w.value for w in at.warning)
    assert "`?seed=banana` was ignored: seed is 'banana', not a whole number." in warnings
    assert "`?x=1,2,nan;4,5,6` was ignored" in warnings
    assert at.session_state["lab.d_out"] == 3  # the valid parameter still applies
    assert "d_out = 3" in trainable_line(at)
    assert dict(at.query_params) == {"d_out": "3"}


# ---- in Chromium ------------------------------------------------------------------------


@pytest.mark.browser
def test_home_in_chromium(server: str, page) -> None:
    open_app(page, server)
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Matches the book").wait_for()
    assert main.get_by_text("Matches the book").count() == 1
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text("Home: the chapter's path").count() == 1
    for entry in PAGES:
        assert sidebar.get_by_text(f"{entry.section} · {entry.label}").count() == 1
    # the tour's cards read 1..6: row by row at 1280 px
    boxes = [main.get_by_text(stop.title, exact=True).bounding_box() for stop in text.TOUR]
    order = sorted(range(6), key=lambda k: (round(boxes[k]["y"] / 40), boxes[k]["x"]))
    assert order == list(range(6))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280


@pytest.mark.browser
def test_home_on_a_phone(server: str, phone) -> None:
    open_app(phone, server)
    main = phone.locator('[data-testid="stMain"]')
    main.get_by_text("Matches the book").wait_for()
    ys = [main.get_by_text(stop.title, exact=True).bounding_box()["y"] for stop in text.TOUR]
    assert ys == sorted(ys)  # stacked 1, 2, 3 ... top to bottom
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_no_exception(phone)


@pytest.mark.browser
def test_a_tour_card_opens_its_lesson(server: str, page) -> None:
    open_app(page, server)
    card = page.locator('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]',
                        has_text=text.TOUR[3].title).last  # fmt: skip
    card.get_by_role("link").click()
    page.wait_for_url("**/Scaled_dot_product_attention**")
    settle(page)
    page.get_by_role("heading", name="Scaled dot-product attention").first.wait_for()
    assert_no_exception(page)


@pytest.mark.browser
@pytest.mark.parametrize("url_path", ["", "?projector=1"])
def test_tables_are_never_cut_off_in_chromium(server: str, page, url_path: str) -> None:
    """At 1280 px with the sidebar open, a table scrolls in its own box only when it is wider
    than the whole page: otherwise every column is on screen."""
    open_app(page, f"{server}/{url_path}")
    tables = page.locator(".lab-table")
    tables.first.wait_for()
    hidden = tables.evaluate_all(
        """ts => { const page = document.querySelector('[data-testid=stMainBlockContainer]');
          const room = page.clientWidth - parseFloat(getComputedStyle(page).paddingLeft)
                       - parseFloat(getComputedStyle(page).paddingRight);
          return ts.filter(t => t.scrollWidth > t.clientWidth + 1 && t.offsetWidth < room - 2)
                   .map(t => t.textContent.slice(0, 60)); }"""
    )
    assert hidden == []
    assert_no_exception(page)
