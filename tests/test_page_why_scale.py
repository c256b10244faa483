"""The page "Why scale by √d_k": every control, checked against the core, and in Chromium.

Each AppTest moves one control and asserts that what the page shows is exactly what
``attention.softmax_saturation`` computes for the new value, and that it moved the way the
chapter says it should (larger d_k unscaled -> larger max weight, smaller gradient).

Moving d_k (or T) reruns only the keyed fragments that show it; AppTest then holds only those
fragments' elements, so a test that needs the whole page again calls ``at.run()`` (a full run).
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

from attention import softmax_saturation
from tests.conftest import ROOT, assert_no_exception, run_page, wait_for_app, wait_for_rerun
from ui import why_scale as ws

PAGE = "pages/4_Why_scale.py"
SOURCE_OPEN, SNIPPET_OPEN = f"w.{ws.PAGE}.source", f"w.{ws.PAGE}.snippet"


# ---- reading the page -----------------------------------------------------------------------


def parse_markdown_table(text: str) -> list[dict[str, str]]:
    """The rows of the first markdown table in ``text``, as dicts keyed by its header (bold and
    italics stripped): how the page's numbers are read back."""
    rows = [line for line in text.splitlines() if line.startswith("|")]

    def cells(line: str) -> list[str]:
        return [cell.strip().strip("*").strip() for cell in line.strip().strip("|").split("|")]

    if len(rows) < 2:
        return []
    header = cells(rows[0])
    return [dict(zip(header, cells(line), strict=True)) for line in rows[2:]]


def markdown_with(at: AppTest, text: str) -> str:
    """The one markdown element that contains ``text``."""
    (found,) = [m.value for m in at.markdown if text in m.value]
    return found


def your_d_k_rows(at: AppTest) -> dict[str, dict[str, str]]:
    """The table under the controls, by measure: {"max weight": {"unscaled: ...": "0.886"}}."""
    rows = parse_markdown_table(markdown_with(at, "measured on"))
    return {next(iter(row.values())): row for row in rows}


def your_d_k(at: AppTest, measure: str) -> tuple[str, str]:
    """(unscaled, scaled) of the measure in the table under the controls whose label starts
    with ``measure`` ("std of the scores", "gradient at the softmax input", ...)."""
    (row,) = [row for label, row in your_d_k_rows(at).items() if label.startswith(measure)]
    cells = list(row.values())
    return cells[1], cells[2]


def temperature_rows(at: AppTest) -> dict[str, dict[str, str]]:
    """Step 4's table, by its first cell ("T = 1: unscaled", "👉 your T = 1", ...)."""
    rows = parse_markdown_table(markdown_with(at, "softmax(q·k / T) at your d_k"))
    return {next(iter(row.values())): row for row in rows}


def at_your_t(at: AppTest) -> dict[str, str]:
    (row,) = [row for label, row in temperature_rows(at).items() if label.startswith(ws.YOU)]
    return row


def charts(at: AppTest) -> list[dict]:
    """Every Vega-Lite spec the page drew, as dicts, each named dataset (sent beside the spec
    as Arrow) put back inline where a layer refers to it, as the browser sees it."""
    specs = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        data = {
            d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist()
            for d in chart.proto.datasets
        }
        inline(spec, data)
        specs.append(spec)
    return specs


def inline(node: object, data: dict[str, list[dict]]) -> None:
    """Replace every ``{"data": {"name": n}}`` below ``node`` by ``{"values": data[n]}``."""
    if isinstance(node, dict):
        ref = node.get("data")
        if isinstance(ref, dict) and ref.get("name") in data:
            node["data"] = {"values": data[ref["name"]]}
        for key, child in node.items():
            if key != "data":
                inline(child, data)
    elif isinstance(node, list):
        for child in node:
            inline(child, data)


def chart_titled(at: AppTest, title: str) -> dict:
    (spec,) = [s for s in charts(at) if s.get("title") == title]
    return spec


def layer_values(spec: dict) -> list[list[dict]]:
    """The inline data of every (nested) layer of a spec."""
    found: list[list[dict]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and "values" in data:
                found.append(data["values"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(spec)
    return found


def stats(d_k: int = 64, num_tokens: int = 8, seed: int = 0, **kw: object):
    """The core's numbers for these settings (what the page must show)."""
    if "temperature" in kw:
        return softmax_saturation(d_k, num_tokens=num_tokens, seed=seed, **kw)
    return (
        softmax_saturation(d_k, scaled=False, num_tokens=num_tokens, seed=seed),
        softmax_saturation(d_k, scaled=True, num_tokens=num_tokens, seed=seed),
    )


def assert_shows(at: AppTest, d_k: int, num_tokens: int = 8, seed: int = 0) -> None:
    """Every number of the table under the controls equals the core's value, formatted."""
    unscaled, scaled = stats(d_k, num_tokens, seed)
    assert f"Your d_k = {d_k}**, measured on 256 random queries of {num_tokens} keys" in (
        markdown_with(at, "measured on")
    )
    assert your_d_k(at, f"std of the scores (√d_k = {math.sqrt(d_k):.2f})") == (
        f"{unscaled.raw_score_std:.2f}",
        f"{scaled.score_std:.2f}",
    )
    assert your_d_k(at, "max weight") == (f"{unscaled.max_weight:.3f}", f"{scaled.max_weight:.3f}")
    assert your_d_k(at, "entropy (nats)") == (f"{unscaled.entropy:.3f}", f"{scaled.entropy:.3f}")
    assert your_d_k(at, "effective tokens") == (
        f"{unscaled.effective_tokens:.2f}",
        f"{scaled.effective_tokens:.2f}",
    )
    ratio = ws.times(scaled.score_grad_norm / unscaled.score_grad_norm)
    assert your_d_k(at, f"gradient at the softmax input (scaled: {ratio})") == (
        f"{unscaled.score_grad_norm:.2e}",
        f"{scaled.score_grad_norm:.2e}",
    )
    # one query's weights, unscaled beside scaled
    (bars,) = [v for v in layer_values(chart_titled(at, ws.WEIGHTS_TITLE)) if "weight" in v[0]]
    assert [b["weight"] for b in bars if b["version"] == ws.VERSIONS[0]] == pytest.approx(
        unscaled.example_weights
    )
    assert [b["weight"] for b in bars if b["version"] == ws.VERSIONS[1]] == pytest.approx(
        scaled.example_weights
    )


def move_d_k(at: AppTest, d_k: int) -> AppTest:
    """Move the d_k slider (a full run first: the previous move may have been a keyed one)."""
    at.run()
    at.select_slider(key="d_k").set_value(d_k).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def number(text: str) -> float:
    return float(text.split()[0].replace(",", "").rstrip("×"))


# ---- the page at its defaults ---------------------------------------------------------------


def test_defaults_show_the_core_numbers() -> None:
    at = run_page(PAGE)
    assert at.select_slider(key="d_k").value == 64
    assert_shows(at, 64)
    # the chapter's claim with numbers: at d_k = 1024 the unscaled gradient all but vanishes
    big_unscaled, big_scaled = stats(1024)
    info = at.info[0].value
    assert (
        f"{big_unscaled.score_grad_norm:.1e}" in info
        and f"{big_scaled.score_grad_norm:.2f}" in info
    )
    assert big_unscaled.score_grad_norm < 1e-4 < 0.1 < big_scaled.score_grad_norm


def test_every_chart_has_a_title_tooltips_a_description_and_its_data() -> None:
    at = run_page(PAGE)
    specs = charts(at)
    assert len(specs) == 5  # spread, one query's weights, peakedness, gradient, temperature
    for spec in specs:
        assert spec.get("title") not in (None, "", "-")
        assert spec["description"]  # what a screen reader hears: charts draw on a canvas
        assert spec["usermeta"]["embedOptions"]["renderer"] == "canvas"
        text = json.dumps(spec)
        assert '"tooltip"' in text and '"title"' in text  # hover values and axis titles
        assert all(values for values in layer_values(spec))  # no layer left without data
        assert '"name"' not in json.dumps(layer_values(spec))
    # one palette, colour-blind safe: vermillion = unscaled, blue = scaled
    peakedness = json.dumps(chart_titled(at, ws.PEAKEDNESS_TITLE))
    assert ws.UNSCALED in peakedness and ws.SCALED in peakedness
    assert "effective_tokens" in peakedness and "max_weight" in peakedness


def test_one_table_holds_every_number_across_d_k() -> None:
    at = run_page(PAGE)
    (table,) = [d.value for d in at.dataframe]
    assert list(table["d_k"]) == list(ws.D_KS)
    for d_k, std, tokens, gradient in zip(
        table["d_k"],
        table["std q·k"],
        table["eff. tokens, unscaled"],
        table["gradient, scaled"],
        strict=True,
    ):
        unscaled, scaled = stats(int(d_k))
        assert std == pytest.approx(unscaled.raw_score_std)
        assert tokens == pytest.approx(unscaled.effective_tokens)
        assert gradient == pytest.approx(scaled.score_grad_norm)
    assert {"entropy, unscaled", "max weight, scaled"} <= set(table.columns)
    assert table.iloc[-1]["scaled ÷ unscaled"] > 1000  # at d_k = 1024


# ---- one test per control -------------------------------------------------------------------


def test_d_k_control_saturates_softmax_and_starves_the_gradient() -> None:
    at = run_page(PAGE)
    seen = {}
    for d_k in (4, 64, 1024):
        move_d_k(at, d_k)
        assert_shows(at, d_k)
        std_unscaled, std_scaled = your_d_k(at, "std of the scores")
        seen[d_k] = (
            number(your_d_k(at, "max weight")[0]),
            number(your_d_k(at, "gradient at the softmax input")[0]),
        )
        assert number(std_unscaled) == pytest.approx(math.sqrt(d_k), rel=0.15)  # std ≈ √d_k
        assert number(std_scaled) == pytest.approx(1, abs=0.1)  # scaled: std ≈ 1
    assert seen[4][0] < seen[64][0] < seen[1024][0]  # more peaked without scaling
    assert seen[4][1] > seen[64][1] > seen[1024][1]  # less gradient without scaling
    assert seen[1024][1] < 1e-4


def test_moving_d_k_reruns_only_the_parts_that_show_it() -> None:
    """The speed of the page: a move of d_k redraws the table under the controls, one query's
    weights and the numbers at your T; not the prose, the charts across d_k or the table."""
    at = run_page(PAGE)
    at.select_slider(key="d_k").set_value(256).run()
    assert not at.exception
    assert [s["title"] for s in charts(at)] == [ws.WEIGHTS_TITLE]
    assert not at.dataframe and not at.info
    assert not [m for m in at.markdown if "###" in m.value]  # no prose was re-sent
    assert "at your d_k = 256" in markdown_with(at, "softmax(q·k / T)")
    assert_shows(at, 256)


def test_num_tokens_control_changes_the_keys_per_query() -> None:
    at = run_page(PAGE)
    at.slider(key="num_tokens").set_value(32).run()
    assert not at.exception
    assert_shows(at, 64, num_tokens=32)
    bars = chart_titled(at, ws.WEIGHTS_TITLE)
    assert max(len(values) for values in layer_values(bars)) == 2 * 32  # a bar per key, twice
    assert "all 32 keys" in json.dumps(chart_titled(at, ws.TEMPERATURE_TITLE))
    assert at_your_t(at)["entropy"] == f"{stats(64, 32)[0].entropy:.3f}"  # T = 1: unscaled
    # more keys to spread over: the scaled query attends to more of them
    assert number(your_d_k(at, "effective tokens")[1]) > stats(64, 8)[1].effective_tokens


def test_seed_control_draws_other_queries_and_keys() -> None:
    at = run_page(PAGE)
    before = your_d_k(at, "max weight")
    at.number_input(key="qk_seed").set_value(5).run()
    assert not at.exception
    assert_shows(at, 64, seed=5)
    assert your_d_k(at, "max weight") != before
    # the temperature step draws the same queries and keys (T = 1 is the unscaled softmax)
    assert at_your_t(at)["max weight"] == f"{stats(64, seed=5)[0].max_weight:.3f}"
    at.number_input(key="qk_seed").set_value(None).run()  # a cleared box: no traceback
    assert not at.exception
    assert_shows(at, 64, seed=0)


def test_temperature_control_and_sqrt_d_k_is_the_scaled_softmax() -> None:
    at = run_page(PAGE)
    assert at.select_slider(key="temperature").value == 1.0  # T = 1 is the unscaled softmax
    unscaled, scaled = stats(64)
    assert at_your_t(at)["effective tokens"] == f"{unscaled.effective_tokens:.2f}"

    at.select_slider(key="temperature").set_value(8.0).run()  # √64
    assert not at.exception
    assert at_your_t(at)["effective tokens"] == f"{scaled.effective_tokens:.2f}"
    assert at_your_t(at)["max weight"] == f"{scaled.max_weight:.3f}"
    assert "scaled dot-product attention" in markdown_with(at, "softmax(q·k / T)")
    # a move of T redraws the numbers at T and the chart against T, nothing else
    assert [s["title"] for s in charts(at)] == [ws.TEMPERATURE_TITLE]

    sharp = ws.TEMPERATURES[0]
    at.run()
    at.select_slider(key="temperature").set_value(sharp).run()
    at_sharp = stats(64, temperature=sharp)
    assert at_your_t(at)["max weight"] == f"{at_sharp.max_weight:.3f}"
    assert at_sharp.max_weight > unscaled.max_weight
    assert "below √d_k" in markdown_with(at, "softmax(q·k / T)")

    flat = ws.TEMPERATURES[-1]
    at.run()
    at.select_slider(key="temperature").set_value(flat).run()
    assert number(at_your_t(at)["effective tokens"]) > 7.5  # nearly all 8 keys
    assert "above √d_k" in markdown_with(at, "softmax(q·k / T)")
    rules = [v for v in layer_values(chart_titled(at, ws.TEMPERATURE_TITLE)) if "label" in v[0]]
    assert {"T": flat, "label": "your T = 128"} in rules[0]  # the dashed rule marks your T


def test_temperature_chart_shows_sqrt_d_k_lands_at_the_same_height() -> None:
    """Step 4's point in the data: at T = √d_k every d_k attends to about as many keys."""
    at = run_page(PAGE)
    spec = chart_titled(at, ws.TEMPERATURE_TITLE)
    (roots,) = [v for v in layer_values(spec) if len(v) == len(ws.D_KS)]
    assert [r["T"] for r in roots] == pytest.approx([math.sqrt(d) for d in ws.D_KS])
    tokens = [r["effective tokens"] for r in roots]
    assert max(tokens) - min(tokens) < 1.0  # all about the same: √d_k is the right T
    assert tokens == pytest.approx([stats(d)[1].effective_tokens for d in ws.D_KS], rel=1e-5)


def test_temperature_buttons_jump_to_sqrt_d_k_and_back_to_one() -> None:
    at = run_page(PAGE)
    move_d_k(at, 256)
    at.run()
    (root,) = [b for b in at.button if b.label == "T = √d_k"]
    root.click().run()
    assert at.select_slider(key="temperature").value == 16.0
    assert at_your_t(at)["effective tokens"] == f"{stats(256)[1].effective_tokens:.2f}"
    (one,) = [b for b in at.button if b.label == "T = 1"]
    one.click().run()
    assert at.select_slider(key="temperature").value == 1.0


def test_projector_mode_gives_bigger_chart_fonts() -> None:
    def label_size(at: AppTest) -> int:
        return chart_titled(at, ws.SPREAD_TITLE)["config"]["axis"]["labelFontSize"]

    assert label_size(run_page(PAGE, projector=True)) > label_size(run_page(PAGE))


def test_reveal_mode_shows_one_step_at_a_time() -> None:
    at = run_page(PAGE, reveal=True)
    assert [label.split(" (")[0] for label in your_d_k_rows(at)] == ["std of the scores"]
    assert [s["title"] for s in charts(at)] == [ws.SPREAD_TITLE]
    assert list(at.dataframe[0].value.columns) == ["d_k", "√d_k", "std q·k", "std q·k/√d_k"]
    (next_step,) = [b for b in at.button if b.label.startswith("Next step")]
    next_step.click().run()
    assert "max weight" in your_d_k_rows(at)
    assert "gradient" not in " ".join(your_d_k_rows(at))
    assert ws.WEIGHTS_TITLE in [s["title"] for s in charts(at)]
    move_d_k(at, 512)  # a keyed rerun keeps the step: no gradient yet
    assert "gradient" not in " ".join(your_d_k_rows(at))


# ---- links, bad input, code -----------------------------------------------------------------


def test_a_shared_link_sets_the_controls() -> None:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.query_params.update(d_k="256", num_tokens="16", qk_seed="3", temperature="5.66")
    at.run()
    assert not at.exception and not at.warning
    assert at.select_slider(key="d_k").value == 256
    assert at.select_slider(key="temperature").value == pytest.approx(2**2.5)
    assert_shows(at, 256, num_tokens=16, seed=3)


@pytest.mark.parametrize(
    ("name", "value"),
    [("d_k", "3"), ("d_k", "2048"), ("num_tokens", "100"), ("qk_seed", "-1"), ("temperature", "x")],
)
def test_a_bad_link_value_is_reported_and_ignored(name: str, value: str) -> None:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.query_params[name] = value
    at.run()
    assert not at.exception
    (warning,) = at.warning
    assert f"`?{name}={value}` was ignored" in warning.value
    assert_shows(at, 64)  # the defaults are used


def test_url_notes_accept_every_option_of_every_control() -> None:
    good = {"d_k": "1024", "num_tokens": "4", "qk_seed": "0", "temperature": "0.354"}
    assert ws.url_notes(good) == ()
    for t in ws.TEMPERATURES:
        assert ws.url_notes({"temperature": ws.format_temperature(t)}) == ()
    assert len(ws.url_notes({"d_k": "0", "num_tokens": "3.5", "qk_seed": "", "x": "1"})) == 3


def test_code_is_built_only_when_its_expander_opens() -> None:
    at = run_page(PAGE)
    assert [e.label for e in at.expander] == [
        "🐍 The code that ran",
        "📋 Reproduce this in a notebook",
    ]
    assert not at.code  # closed: nothing to send or highlight on every rerun


def test_the_code_that_ran_and_a_snippet_that_reproduces_the_page() -> None:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state[SOURCE_OPEN] = at.session_state[SNIPPET_OPEN] = True
    at.query_params.update(d_k="128", temperature="5.66")
    at.run()
    assert not at.exception
    sources = " ".join(c.value for c in at.code)
    assert "def softmax_saturation(" in sources and "def temperature_curve(" in sources
    (snippet,) = [c.value for c in at.code if "torch.manual_seed" in c.value]
    assert "d_k, num_tokens, num_queries, seed = 128, 8, 256, 0" in snippet
    assert "import streamlit" not in snippet
    out = io.StringIO()
    with torch.random.fork_rng(), contextlib.redirect_stdout(out):  # the student's notebook
        exec(snippet, {})
    printed = out.getvalue()
    unscaled, _ = stats(128)
    assert f"std of q.k = {unscaled.raw_score_std:.3f}" in printed
    for label, line in zip(("unscaled", "scaled", "your T"), printed.splitlines()[1:], strict=True):
        assert line.strip().startswith(label)
    max_weights = your_d_k(at, "max weight")
    gradients = [g.split()[0] for g in your_d_k(at, "gradient at the softmax input")]
    pairs = zip(("unscaled", "scaled"), max_weights, gradients, strict=True)
    for label, max_weight, gradient in pairs:
        (line,) = [x for x in printed.splitlines() if x.strip().startswith(label)]
        assert f"max weight {max_weight}" in line and f"gradient {gradient}" in line
    (mine,) = [x for x in printed.splitlines() if x.strip().startswith("your T")]
    assert f"effective tokens {at_your_t(at)['effective tokens']}" in mine


def test_the_open_snippet_follows_d_k() -> None:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state[SNIPPET_OPEN] = True
    at.run()
    at.select_slider(key="d_k").set_value(512).run()
    (snippet,) = [c.value for c in at.code if "torch.manual_seed" in c.value]
    assert "d_k, num_tokens, num_queries, seed = 512, 8, 256, 0" in snippet


def test_temperature_curve_agrees_with_the_core() -> None:
    for d_k in (1, 16, 1024):
        curve = ws.temperature_curve(d_k, 8, 0)
        unscaled, scaled = stats(d_k)
        at_one = next(p for p in curve if p.temperature == 1.0)
        at_root = next(p for p in curve if math.isclose(p.temperature, math.sqrt(d_k)))
        assert at_one.effective_tokens == pytest.approx(unscaled.effective_tokens, rel=1e-5)
        assert at_root.effective_tokens == pytest.approx(scaled.effective_tokens, rel=1e-5)
        assert at_root.example_weights == pytest.approx(scaled.example_weights, rel=1e-5)
        tokens = [p.effective_tokens for p in curve]
        assert tokens == sorted(tokens)  # hotter is flatter
    every = ws.temperature_curves(ws.D_KS, 8, 0)  # what the page reads, one per d_k
    assert every[ws.D_KS.index(16)] == ws.temperature_curve(16, 8, 0)


def test_markdown_tables_read_back() -> None:
    text = "intro\n\n| a | **b** |\n| :-- | --: |\n| x | *1.0* |\n| y | 2 |"
    assert parse_markdown_table(text) == [{"a": "x", "b": "1.0"}, {"a": "y", "b": "2"}]
    assert parse_markdown_table("no table") == []


def test_reset_also_resets_url_bound_controls() -> None:
    at = run_page(PAGE)
    move_d_k(at, 256)
    at.run()  # the whole page again, sidebar included
    at.sidebar.button[0].click().run()
    assert at.select_slider(key="d_k").value == 64


# ---- in a real browser ----------------------------------------------------------------------


def table_cell(page, measure: str, column: int = 1) -> str:
    """A cell of the table under the controls, in the browser."""
    row = page.locator('[data-testid="stMarkdown"] tr', has_text=measure).first
    return row.locator("td").nth(column).inner_text()


@pytest.mark.browser
def test_why_scale_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Why_scale")
    wait_for_app(page)
    assert_no_exception(page)
    assert table_cell(page, "max weight") == f"{stats(64)[0].max_weight:.3f}"
    thumb = page.get_by_role("slider", name=re.compile("d_k, the dimension"))
    thumb.focus()
    thumb.press("ArrowRight")  # 64 -> 128
    page.wait_for_function(  # the max weight, unscaled, in the table under the controls
        """(old) => {
            const row = [...document.querySelectorAll('tr')]
                .find((tr) => tr.innerText.startsWith('max weight'));
            return row.querySelectorAll('td')[1].innerText !== old;
        }""",
        arg=f"{stats(64)[0].max_weight:.3f}",
        timeout=30_000,
    )
    wait_for_app(page)
    assert_no_exception(page)
    assert table_cell(page, "max weight") == f"{stats(128)[0].max_weight:.3f}"
    assert "d_k=128" in page.url  # the link now shares d_k = 128
    # the temperature step followed: its T = √d_k row is for d_k = 128
    assert page.get_by_text("T = √d_k = 11.3: scaled").count() == 1


@pytest.mark.browser
def test_why_scale_temperature_buttons_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Why_scale?d_k=256")
    wait_for_app(page)
    page.get_by_role("button", name="T = √d_k").click()
    wait_for_rerun(page)
    assert "temperature=16" in page.url
    slider = page.get_by_role("slider", name=re.compile("Temperature T"))
    assert slider.get_attribute("aria-valuetext") == "16"
    assert page.get_by_text(re.compile("T = √d_k = 16: this is scaled")).count() == 1
    page.get_by_role("button", name="T = 1", exact=True).click()
    wait_for_rerun(page)
    assert slider.get_attribute("aria-valuetext") == "1"
    assert_no_exception(page)
