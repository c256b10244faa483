"""The page "Why scale by √d_k": every control, checked against the core, and in Chromium.

Each AppTest moves one control and asserts that what the page shows is exactly what
``attention.softmax_saturation`` computes for the new value, and that it moved the way the
chapter says it should (larger d_k unscaled -> larger max weight, smaller gradient).
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
from tests.conftest import ROOT, assert_no_exception, run_page, wait_for_app
from ui import why_scale as ws

PAGE = "pages/4_Why_scale.py"


# ---- helpers --------------------------------------------------------------------------------


def metrics(at: AppTest, label: str) -> list[str]:
    """The values of every metric with this label, top to bottom (unscaled comes first)."""
    return [m.value for m in at.metric if m.label == label]


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
        shared = spec.pop("data", None)  # Altair hoists data shared by all layers
        for layer in spec.get("layer", ()):
            if shared is not None:
                layer.setdefault("data", shared)
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


def chart_titled(at: AppTest, start: str) -> dict:
    (spec,) = [s for s in charts(at) if str(s.get("title", "")).startswith(start)]
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
    """Every d_k-dependent metric on the page equals the core's value, formatted."""
    unscaled, scaled = stats(d_k, num_tokens, seed)
    assert metrics(at, "std of q·k, measured") == [f"{unscaled.raw_score_std:.2f}"]
    assert metrics(at, "√d_k, predicted") == [f"{math.sqrt(d_k):.2f}"]
    assert metrics(at, "std of q·k / √d_k, measured") == [f"{scaled.score_std:.2f}"]
    assert metrics(at, "max weight") == [f"{unscaled.max_weight:.3f}", f"{scaled.max_weight:.3f}"]
    assert metrics(at, "entropy (nats)") == [f"{unscaled.entropy:.3f}", f"{scaled.entropy:.3f}"]
    assert metrics(at, "effective tokens") == [
        f"{unscaled.effective_tokens:.2f}",
        f"{scaled.effective_tokens:.2f}",
    ]
    assert metrics(at, "gradient, unscaled") == [f"{unscaled.score_grad_norm:.2e}"]
    assert metrics(at, "gradient, scaled") == [f"{scaled.score_grad_norm:.2e}"]


def number(text: str) -> float:
    return float(text.replace(",", "").rstrip("×"))


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


def test_every_step_has_a_chart_with_title_tooltips_and_inline_data() -> None:
    at = run_page(PAGE)
    specs = charts(at)
    assert len(specs) == 8
    for spec in specs:
        assert spec.get("title") not in (None, "", "-")
        text = json.dumps(spec)
        assert '"tooltip"' in text
        assert '"name"' not in json.dumps([layer.get("data") for layer in spec["layer"]])
        assert all(values for values in layer_values(spec))  # no layer left without data
    # one palette, colour-blind safe: vermillion = unscaled, blue = scaled
    sweep = chart_titled(at, "The largest weight")
    assert ws.UNSCALED in json.dumps(sweep) and ws.SCALED in json.dumps(sweep)


def test_tables_beside_the_charts_hold_the_sweep() -> None:
    at = run_page(PAGE)
    spread = at.dataframe[0].value
    assert list(spread["d_k"]) == list(ws.D_KS)
    assert spread.loc[spread["you"] == ws.YOU, "d_k"].tolist() == [64]
    for d_k, std in zip(spread["d_k"], spread["std(q·k)"], strict=True):
        assert std == pytest.approx(stats(int(d_k))[0].raw_score_std)
    gradient = at.dataframe[3].value
    last = gradient.iloc[-1]
    assert last["d_k"] == 1024 and number(last["ratio"]) > 1000


# ---- one test per control -------------------------------------------------------------------


def test_d_k_control_saturates_softmax_and_starves_the_gradient() -> None:
    at = run_page(PAGE)
    seen = {}
    for d_k in (4, 64, 1024):
        at.select_slider(key="d_k").set_value(d_k).run()
        assert not at.exception
        assert_shows(at, d_k)
        seen[d_k] = (
            number(metrics(at, "max weight")[0]),
            number(metrics(at, "gradient, unscaled")[0]),
            number(metrics(at, "std of q·k, measured")[0]),
        )
        assert seen[d_k][2] == pytest.approx(math.sqrt(d_k), rel=0.15)  # std ≈ √d_k
        assert number(metrics(at, "std of q·k / √d_k, measured")[0]) == pytest.approx(1, abs=0.1)
        assert "your d_k = " + str(d_k) in json.dumps(chart_titled(at, "std of q·k grows"))
        table = at.dataframe[0].value
        assert table.loc[table["you"] == ws.YOU, "d_k"].tolist() == [d_k]
    assert seen[4][0] < seen[64][0] < seen[1024][0]  # more peaked without scaling
    assert seen[4][1] > seen[64][1] > seen[1024][1]  # less gradient without scaling
    assert seen[1024][1] < 1e-4


def test_num_tokens_control_changes_the_keys_per_query() -> None:
    at = run_page(PAGE)
    at.slider(key="num_tokens").set_value(32).run()
    assert not at.exception
    assert_shows(at, 64, num_tokens=32)
    bars = chart_titled(at, "Without scaling")
    assert max(len(values) for values in layer_values(bars)) == 32  # one bar per key
    assert "all 32 keys" in json.dumps(chart_titled(at, "Effective tokens against T"))
    assert metrics(at, "entropy at T (nats)") == [f"{stats(64, 32)[0].entropy:.3f}"]
    # more keys to spread over: the scaled query attends to more of them
    assert number(metrics(at, "effective tokens")[1]) > stats(64, 8)[1].effective_tokens


def test_seed_control_draws_other_queries_and_keys() -> None:
    at = run_page(PAGE)
    before = metrics(at, "max weight")
    at.number_input(key="qk_seed").set_value(5).run()
    assert not at.exception
    assert_shows(at, 64, seed=5)
    assert metrics(at, "max weight") != before
    # the temperature step draws the same queries and keys (T = 1 is the unscaled softmax)
    assert metrics(at, "max weight at T") == [f"{stats(64, seed=5)[0].max_weight:.3f}"]
    assert "seed = 64, 8, 256, 5" in at.code[-1].value
    at.number_input(key="qk_seed").set_value(None).run()  # a cleared box: no traceback
    assert not at.exception
    assert_shows(at, 64, seed=0)


def test_temperature_control_and_sqrt_d_k_is_the_scaled_softmax() -> None:
    at = run_page(PAGE)
    slider = at.select_slider(key="temperature")
    assert slider.value == 1.0  # T = 1 is the unscaled softmax
    unscaled, scaled = stats(64)
    assert metrics(at, "effective tokens at T") == [f"{unscaled.effective_tokens:.2f}"]

    at.select_slider(key="temperature").set_value(8.0).run()  # √64
    assert metrics(at, "effective tokens at T") == [f"{scaled.effective_tokens:.2f}"]
    assert metrics(at, "max weight at T") == [f"{scaled.max_weight:.3f}"]
    assert "scaled dot-product attention" in at.success[0].value

    sharp = ws.TEMPERATURES[0]
    at.select_slider(key="temperature").set_value(sharp).run()
    at_sharp = stats(64, temperature=sharp)
    assert metrics(at, "max weight at T") == [f"{at_sharp.max_weight:.3f}"]
    assert at_sharp.max_weight > unscaled.max_weight
    assert "below √d_k" in " ".join(c.value for c in at.caption)

    flat = ws.TEMPERATURES[-1]
    at.select_slider(key="temperature").set_value(flat).run()
    assert number(metrics(at, "effective tokens at T")[0]) > 7.5  # nearly all 8 keys
    assert "above √d_k" in " ".join(c.value for c in at.caption)
    curve_chart = chart_titled(at, "Effective tokens against T")
    (diamond,) = [v[0] for v in layer_values(curve_chart) if len(v) == 1 and "T" in v[0]]
    assert diamond["T"] == flat  # the ◆ marks your T


def test_temperature_buttons_jump_to_sqrt_d_k_and_back_to_one() -> None:
    at = run_page(PAGE)
    at.select_slider(key="d_k").set_value(256).run()
    (root,) = [b for b in at.button if b.label.startswith("T = √d_k")]
    assert root.label == "T = √d_k = 16"
    root.click().run()
    assert at.select_slider(key="temperature").value == 16.0
    assert metrics(at, "effective tokens at T") == [f"{stats(256)[1].effective_tokens:.2f}"]
    (one,) = [b for b in at.button if b.label == "T = 1"]
    one.click().run()
    assert at.select_slider(key="temperature").value == 1.0


def test_projector_mode_gives_bigger_chart_fonts() -> None:
    small = chart_titled(run_page(PAGE), "std of q·k grows")["config"]["axis"]["labelFontSize"]
    big_page = run_page(PAGE, projector=True)
    big = chart_titled(big_page, "std of q·k grows")["config"]["axis"]["labelFontSize"]
    assert big > small


def test_reveal_mode_shows_one_step_at_a_time() -> None:
    at = run_page(PAGE, reveal=True)
    assert metrics(at, "std of q·k, measured")  # step 1
    assert not metrics(at, "gradient, unscaled")  # step 3 not yet
    assert len(charts(at)) == 1
    (next_step,) = [b for b in at.button if b.label.startswith("Next step")]
    next_step.click().run()
    assert metrics(at, "max weight") and not metrics(at, "gradient, unscaled")


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


def test_the_code_that_ran_and_a_snippet_that_reproduces_the_page() -> None:
    at = run_page(PAGE)
    at.select_slider(key="d_k").set_value(128).run()
    at.select_slider(key="temperature").set_value(ws.TEMPERATURES[9]).run()  # 5.66
    sources = " ".join(c.value for c in at.code)
    assert "def softmax_saturation(" in sources and "def temperature_curve(" in sources
    snippet = at.code[-1].value
    assert "torch.manual_seed(seed)" in snippet and "import streamlit" not in snippet
    out = io.StringIO()
    with torch.random.fork_rng(), contextlib.redirect_stdout(out):  # the student's notebook
        exec(snippet, {})
    printed = out.getvalue()
    unscaled, _ = stats(128)
    assert f"std of q.k = {unscaled.raw_score_std:.3f}" in printed
    for label, line in zip(("unscaled", "scaled", "your T"), printed.splitlines()[1:], strict=True):
        assert line.strip().startswith(label)
    page_numbers = {
        "unscaled": (metrics(at, "max weight")[0], metrics(at, "gradient, unscaled")[0]),
        "scaled": (metrics(at, "max weight")[1], metrics(at, "gradient, scaled")[0]),
    }
    for label, (max_weight, gradient) in page_numbers.items():
        (line,) = [x for x in printed.splitlines() if x.strip().startswith(label)]
        assert f"max weight {max_weight}" in line and f"gradient {gradient}" in line
    (mine,) = [x for x in printed.splitlines() if x.strip().startswith("your T")]
    assert f"effective tokens {metrics(at, 'effective tokens at T')[0]}" in mine


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


# ---- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
def test_why_scale_in_chromium(server: str, page) -> None:
    page.goto(f"{server}/Why_scale")
    wait_for_app(page)
    assert_no_exception(page)
    first_metric = page.locator('[data-testid="stMetricValue"]').nth(0)
    assert first_metric.inner_text() == f"{stats(64)[0].raw_score_std:.2f}"
    thumb = page.get_by_role("slider", name=re.compile("d_k, the dimension"))
    thumb.focus()
    thumb.press("ArrowRight")  # 64 -> 128
    page.wait_for_function(
        "(old) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== old",
        arg=f"{stats(64)[0].raw_score_std:.2f}",
        timeout=30_000,
    )
    wait_for_app(page)
    assert_no_exception(page)
    assert first_metric.inner_text() == f"{stats(128)[0].raw_score_std:.2f}"
    assert "d_k=128" in page.url  # the link now shares d_k = 128


def test_reset_also_resets_url_bound_controls() -> None:
    at = run_page("pages/4_Why_scale.py")
    at.select_slider(key="d_k").set_value(256).run()
    at.sidebar.button[0].click().run()
    assert at.select_slider(key="d_k").value == 64
