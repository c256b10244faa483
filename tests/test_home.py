"""The home page: the tour and the book's example, under AppTest and in Chromium."""

import pytest

from tests.conftest import assert_no_exception, run_page, wait_for_app


def test_home_shows_the_book_values_live() -> None:
    at = run_page("app.py")
    assert "Matches the book" in at.success[0].value
    assert "[0.4419, 0.6515, 0.5683]" in at.success[0].value
    assert "0.1240" in at.success[0].value  # four decimals, as the book prints them
    text = " ".join(m.value for m in at.markdown)
    assert "[0.3061, 0.8210]" in text  # section 3.4 context vector of 'journey', seed 123


def test_home_follows_the_shared_settings() -> None:
    at = run_page("app.py", query=0)
    assert not at.success  # the book's badge is for the query 'journey' only
    assert "query *Your*" in " ".join(m.value for m in at.markdown)


def test_projector_toggle_is_shared_and_in_the_link() -> None:
    at = run_page("app.py")
    at.sidebar.toggle(key="w.home.projector").set_value(True).run()
    assert at.session_state["lab.projector"] is True
    assert at.query_params["projector"] == "1"  # an instructor's link opens on the projector
    at.sidebar.toggle(key="w.home.projector").set_value(False).run()
    assert "projector" not in at.query_params


def test_a_projector_link_opens_in_projector_mode() -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["projector"] = "1"
    at.run()
    assert at.session_state["lab.projector"] is True
    assert at.sidebar.toggle(key="w.home.projector").value is True


def test_reset_restores_the_book() -> None:
    at = run_page("app.py", query=0, d_out=4, projector=True)
    at.sidebar.button[0].click().run()
    assert "lab.query" not in at.session_state and "lab.d_out" not in at.session_state
    assert at.session_state["lab.projector"] is True  # presentation settings survive a reset
    assert at.success  # back to the book's state: the badge returns


def test_tampered_url_is_reported_not_raised() -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["seed"] = "banana"
    at.query_params["d_out"] = "3"
    at.query_params["x"] = "1,2,nan;4,5,6"
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "seed" in warnings and "banana" in warnings
    assert "`?x=`" in warnings
    assert at.session_state["lab.d_out"] == 3  # the valid parameter still applies


@pytest.mark.browser
def test_home_in_chromium(server: str, page) -> None:
    page.goto(server)
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_text("Matches the book").first.wait_for(timeout=20_000)
    assert page.get_by_text("Matches the book").count() == 1
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text("Home: the chapter's path").count() == 1


@pytest.mark.parametrize(
    ("path", "steps"),
    [("pages/2_Simplified_self_attention.py", 5), ("pages/3_Scaled_dot_product_attention.py", 6)],
)
def test_reveal_mode_keeps_the_answers_for_the_last_step(path: str, steps: int) -> None:
    page_id = "simplified" if "Simplified" in path else "scaled"
    at = run_page(path, reveal=True)
    assert not any("Matches the book" in s.value for s in at.success)
    assert any("appear with the last step" in m.value for m in at.markdown)
    for _ in range(steps - 1):
        at.button(key=f"w.{page_id}.next").click().run()
    assert any("Matches the book" in s.value for s in at.success)


@pytest.mark.browser
@pytest.mark.parametrize(
    "url_path",
    [
        "?projector=1",
        "RNN_vs_attention?projector=1",
        "Simplified_self_attention?projector=1",
        "Scaled_dot_product_attention?projector=1&causal=1",
        "Why_scale?projector=1",
        "Causal_and_multi_head?projector=1",
    ],
)
def test_projector_charts_are_never_cut_off_in_chromium(server: str, page, url_path: str) -> None:
    """At 1280x800 with the sidebar open, a big chart that does not fit beside another one
    goes on its own row (projector CSS), instead of losing its last columns."""
    page.goto(f"{server}/{url_path}")
    wait_for_app(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for(timeout=20_000)  # chart code loads after the page
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # drawn once on screen
        canvas, room = chart.evaluate(
            """e => [e.querySelector('canvas, svg').getBoundingClientRect().width,
                     e.closest('[data-testid=stColumn], [data-testid=stVerticalBlock]')
                      .getBoundingClientRect().width]"""
        )
        assert 0 < canvas <= room + 1, (i, canvas, room)
    assert_no_exception(page)


@pytest.mark.browser
@pytest.mark.parametrize(
    "url_path",
    ["RNN_vs_attention", "Simplified_self_attention", "Scaled_dot_product_attention?causal=1"],
)
def test_number_tables_are_never_cut_off_in_chromium(server: str, page, url_path: str) -> None:
    """At 1280x800 a number table too wide to sit beside its chart goes under it (FIT_CSS):
    every column, the row sums among them, is on screen without scrolling sideways. Only a
    table wider than the whole page (the RNN page's 17 columns) scrolls, in its own box."""
    page.goto(f"{server}/{url_path}")
    wait_for_app(page)
    tables = page.locator(".lab-table")
    tables.first.wait_for(timeout=20_000)
    hidden = tables.evaluate_all(
        """ts => { const page = document.querySelector('[data-testid=stMainBlockContainer]');
          const room = page.clientWidth - parseFloat(getComputedStyle(page).paddingLeft)
                       - parseFloat(getComputedStyle(page).paddingRight);
          return ts.filter(t => t.scrollWidth > t.clientWidth + 1 && t.offsetWidth < room - 2)
                   .map(t => t.textContent.slice(0, 60)); }"""
    )
    assert hidden == []
    assert_no_exception(page)


@pytest.mark.parametrize(
    ("path", "steps"),
    [("pages/2_Simplified_self_attention.py", 5), ("pages/3_Scaled_dot_product_attention.py", 6)],
)
def test_reveal_has_a_next_step_button_below_the_last_step(path: str, steps: int) -> None:
    """On a projector the sidebar's button is below the fold: one sits under the last step."""
    page_id = "simplified" if "Simplified" in path else "scaled"
    assert not [b for b in run_page(path).button if b.key == f"w.{page_id}.next_main"]
    at = run_page(path, reveal=True)
    for shown in range(1, steps):
        button = at.button(key=f"w.{page_id}.next_main")
        assert button.label.startswith(f"Next step ▶ {shown + 1} · ")
        button.click().run()
        assert at.session_state[f"lab.reveal.{page_id}"] == shown + 1
        assert f"Step {shown + 1} of {steps}" in at.sidebar.get("progress")[0].proto.text
    assert not [b for b in at.button if b.key == f"w.{page_id}.next_main"]  # all shown: gone
    assert not at.exception
