"""The page "Why scale by √d_k": every control, every number-bearing sentence, under AppTest
and in Chromium.

Each test moves one control (or opens one step) and checks what the page shows against what
the core (``attention.why_scale``) computes for that state, at the default state (d_k = 64,
8 keys, seed 0) and at changed ones (d_k = 1024, d_k = 8, another seed, other keys per query).
Expected strings are formatted here from the core's numbers, not by the page's text module.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import re
import subprocess
import sys

import pyarrow as pa
import pytest
import torch
from streamlit.testing.v1 import AppTest

from attention.why_scale import (
    SaturationStats,
    by_d_k,
    saturation_sweep,
    scaling_pays_from,
    temperature_curve,
    temperature_sweep,
)
from tests.conftest import (
    ROOT,
    act,
    assert_no_exception,
    key_selector,
    open_app,
    run_link,
    run_page,
)
from tests.tables import page_tables

PAGE = "pages/4_Why_scale.py"
D_KS = tuple(2**i for i in range(11))
TEMPERATURES = tuple(2 ** (i / 2) for i in range(-4, 15))
KEYS = {  # every control on the page: its widget key
    "d_k": "why_scale.d_k",
    "num_tokens": "why_scale.num_tokens",
    "qk_seed": "why_scale.qk_seed",
    "temperature": "why_scale.temperature",
    "t_root": "why_scale.t_root",
    "t_one": "why_scale.t_one",
}
STATES = [  # (d_k, num_tokens, seed): the default and changed states
    (64, 8, 0),
    (1024, 8, 0),
    (8, 8, 0),
    (64, 8, 5),
    (64, 16, 0),
    (1, 4, 0),
]


# ---- the core's numbers, formatted here -------------------------------------------------------


@functools.cache
def sweep(num_tokens: int = 8, seed: int = 0) -> tuple[SaturationStats, ...]:
    return saturation_sweep(D_KS, num_tokens=num_tokens, num_queries=256, seed=seed)


def pair(d_k: int = 64, num_tokens: int = 8, seed: int = 0):
    return by_d_k(sweep(num_tokens, seed), d_k)


def q_ratio(d_k: int, num_tokens: int = 8, seed: int = 0) -> float:
    unscaled, scaled = pair(d_k, num_tokens, seed)
    return scaled.query_grad_norm / unscaled.query_grad_norm


def g3(x: float) -> str:
    """A gradient as the page prints it: three significant digits, trailing zeros kept."""
    return format(x, "#.3g").rstrip(".")


def times(r: float) -> str:
    return f"{r:,.0f}×" if r >= 10 else f"{r:.2f}×"


# ---- reading the page -----------------------------------------------------------------------


def state(d_k: int = 64, num_tokens: int = 8, seed: int = 0, **more: object) -> dict:
    """Settings for ``run_page``: the page's own, by their setting names."""
    return {
        "why_scale.d_k": d_k,
        "why_scale.num_tokens": num_tokens,
        "why_scale.qk_seed": seed,
        **{f"why_scale.{k}": v for k, v in more.items()},
    }


def open_page(d_k: int = 64, num_tokens: int = 8, seed: int = 0, **more: object) -> AppTest:
    return run_page(PAGE, **state(d_k, num_tokens, seed, **more))


def text_of(at: AppTest) -> str:
    """Every markdown, caption and info on the page, as one string."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(parts + [i.value for i in at.info])


def headline(at: AppTest) -> str:
    (box,) = at.info
    return box.value


def your_table(at: AppTest):
    """The table under the controls, indexed by its measure."""
    (frame,) = [t for t in page_tables(at) if str(t.columns[0]).startswith("at d_k =")]
    return frame.set_index(frame.columns[0])


def row(frame, prefix: str) -> tuple:
    (label,) = [label for label in frame.index if str(label).startswith(prefix)]
    return label, frame.loc[label, "unscaled"], frame.loc[label, "scaled"]


def table_with(at: AppTest, column: str):
    (frame,) = [t for t in page_tables(at) if column in t.columns]
    return frame


def specs(at: AppTest) -> list[dict]:
    """Every Vega-Lite spec the page drew, each named dataset put back inline."""
    out = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        data = {
            d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist()
            for d in chart.proto.datasets
        }
        spec["_data"] = data
        out.append(spec)
    return out


def title(spec: dict) -> str:
    t = spec.get("title", "")
    return t["text"] if isinstance(t, dict) else t


def chart(at: AppTest, starts: str) -> dict:
    (found,) = [s for s in specs(at) if title(s).startswith(starts)]
    return found


# ---- the table under the controls ----------------------------------------------------------


@pytest.mark.parametrize(("d_k", "num_tokens", "seed"), STATES)
def test_your_d_k_table_shows_the_core_numbers(d_k: int, num_tokens: int, seed: int) -> None:
    at = open_page(d_k, num_tokens, seed)
    unscaled, scaled = pair(d_k, num_tokens, seed)
    frame = your_table(at)
    assert frame.columns[0] == "unscaled" and frame.columns[1] == "scaled"
    assert row(frame, "std of softmax's input")[1:] == (
        round(unscaled.score_std, 2),
        round(scaled.score_std, 2),
    )
    assert row(frame, "max weight")[1:] == (
        round(unscaled.max_weight, 3),
        round(scaled.max_weight, 3),
    )
    assert row(frame, "entropy")[1:] == (round(unscaled.entropy, 3), round(scaled.entropy, 3))
    assert row(frame, "effective tokens")[1:] == (
        round(unscaled.effective_tokens, 2),
        round(scaled.effective_tokens, 2),
    )
    assert frame.loc["max weight", "uniform … one-hot"] == f"{1 / num_tokens:.3f} … 1"
    # the gradients: the one at the query carries the ratio, the others say what they are of
    label, u, s = row(frame, "‖∂L/∂q‖")
    assert label == f"‖∂L/∂q‖ (scaled: {times(q_ratio(d_k, num_tokens, seed))})"
    assert (u, s) == (float(g3(unscaled.query_grad_norm)), float(g3(scaled.query_grad_norm)))
    assert row(frame, "‖∂L/∂ω‖")[1:] == (
        float(g3(unscaled.raw_score_grad_norm)),
        float(g3(scaled.raw_score_grad_norm)),
    )
    assert row(frame, "‖∂L/∂(ω/T)‖")[1:] == (
        float(g3(unscaled.score_grad_norm)),
        float(g3(scaled.score_grad_norm)),
    )
    assert f"Your d_k = {d_k}</strong>, √d_k = {math.sqrt(d_k):.2f}" in "".join(
        h.value for h in at.html
    )
    note = " ".join(c.value for c in at.caption)
    assert f"256 random queries with {num_tokens} keys each" in note
    assert f"N(0, 1) (seed {seed})" in note and "median" in note and "upstream gradient g" in note
    assert "‖∂L/∂ω‖ at the raw scores ω = q·k" in note
    assert "‖∂L/∂(ω/T)‖ at softmax's input (T = 1 unscaled, √d_k scaled)" in note


def test_no_gradient_ratio_but_the_query_s() -> None:
    """Issue 11.1: the 'scaled: N×' figure is ‖∂L/∂q‖'s, never the softmax input's."""
    at = open_page(1024)
    labels = [str(label) for label in your_table(at).index]
    with_ratio = [label for label in labels if "scaled:" in label]
    assert with_ratio == [f"‖∂L/∂q‖ (scaled: {times(q_ratio(1024))})"]
    assert with_ratio[0] == "‖∂L/∂q‖ (scaled: 1,476×)"
    assert "47,552" not in text_of(at) and "47,5" not in with_ratio[0]


# ---- the headline: where scaling pays -------------------------------------------------------


def test_headline_at_the_default_state() -> None:
    at = open_page()
    unscaled, scaled = pair(64)
    text = headline(at)
    assert (
        f"At d_k = 64 the query gets ‖∂L/∂q‖ = {g3(scaled.query_grad_norm)} with scaling and "
        f"{g3(unscaled.query_grad_norm)} without: scaling sends it **{times(q_ratio(64))} as "
        "much** gradient" in text
    )
    assert times(q_ratio(64)) == "1.47×"  # the number
    pays = scaling_pays_from(sweep())
    assert pays == 64
    assert f"**scaling pays from d_k = {pays} on**" in text
    assert f"{times(q_ratio(64))} as much at d_k = 64 and {times(q_ratio(1024))} at d_k = 1024" in (
        text
    )
    low = min(q_ratio(d) for d in (2, 4, 8, 16, 32))
    high = max(q_ratio(d) for d in (2, 4, 8, 16, 32))
    assert (
        f"at d_k = 2 to 32, the **unscaled model sends the query more** gradient (scaled ÷ "
        f"unscaled {times(low)} to {times(high)})" in text
    )
    assert 0.49 <= low < high <= 0.76  # the 0.5-0.75
    peak = by_d_k(sweep(), 32)[0].max_weight
    assert (
        f"the unscaled softmax already peaks (its largest weight is {peak:.2f} at d_k = 32, "
        "against 1/8 = 0.12 for a uniform row)" in text
    )
    assert "not saturated yet" not in text
    assert "8 keys per query and seed 0" in text


def test_headline_at_d_k_1024_and_8() -> None:
    big = headline(open_page(1024))
    unscaled, scaled = pair(1024)
    assert f"‖∂L/∂q‖ = {g3(scaled.query_grad_norm)} with scaling" in big
    assert "**1,476× as much** gradient" in big
    assert "scaling pays from d_k = 64 on" in big  # the same settings: the same d_k

    small = headline(open_page(8))
    unscaled, scaled = pair(8)
    assert (
        f"At d_k = 8 the query gets ‖∂L/∂q‖ = {g3(scaled.query_grad_norm)} with scaling and "
        f"{g3(unscaled.query_grad_norm)} without: here the **unscaled model sends the query "
        f"more** gradient (scaled ÷ unscaled = {times(q_ratio(8))})" in small
    )
    assert q_ratio(8) < 1


def test_headline_at_another_seed_and_other_keys() -> None:
    text = headline(open_page(64, 8, 5))
    r = q_ratio(64, 8, 5)
    assert abs(r - 1) < 0.05  # at seed 5 the two are about the same at d_k = 64
    assert f"about the same (scaled ÷ unscaled = {times(r)})" in text
    assert scaling_pays_from(sweep(8, 5)) == 64
    assert f"barely at first ({times(r)} at d_k = 64)" in text
    assert "8 keys per query and seed 5" in text

    for num_tokens in (4, 32):
        text = headline(open_page(64, num_tokens, 0))
        pays = scaling_pays_from(sweep(num_tokens, 0))
        assert (
            f"With {num_tokens} keys per query and seed 0, **scaling pays from d_k = {pays} on**"
            in (text)
        )
        below = [d for d in D_KS if 1 < d < pays]
        assert f"at d_k = {below[0]} to {below[-1]}, the **unscaled model" in text
    assert scaling_pays_from(sweep(4, 0)) == 32 and scaling_pays_from(sweep(32, 0)) == 256


def test_headline_at_d_k_1() -> None:
    text = headline(open_page(1))
    unscaled, _ = pair(1)
    assert (
        f"At d_k = 1, √d_k = 1: scaled and unscaled are the same softmax, and the query gets "
        f"‖∂L/∂q‖ = {g3(unscaled.query_grad_norm)} from both." in text
    )


# ---- step 1: spread ----------------------------------------------------------------------------


@pytest.mark.parametrize(("d_k", "num_tokens", "seed"), [(64, 8, 0), (1024, 8, 0), (64, 16, 3)])
def test_step_spread(d_k: int, num_tokens: int, seed: int) -> None:
    at = open_page(d_k, num_tokens, seed, step=1)
    unscaled, scaled = pair(d_k, num_tokens, seed)
    text = text_of(at)
    assert (
        f"on the 256 × {num_tokens} scores: std of ω = **{unscaled.raw_score_std:.2f}**, which "
        f"is {unscaled.raw_score_std / math.sqrt(d_k):.2f} × √d_k = {math.sqrt(d_k):.2f}; "
        f"divided by √d_k it is **{scaled.score_std:.2f}**" in text
    )
    deviation = max(abs(pair(d, num_tokens, seed)[0].raw_score_std / d**0.5 - 1) for d in D_KS)
    assert f"stays within {deviation:.0%} of √d_k" in text
    assert deviation < 0.15  # the argument holds for unit-variance q and k
    stds = [pair(d, num_tokens, seed)[1].score_std for d in D_KS]
    assert f"between {min(stds):.2f} and {max(stds):.2f}" in text
    assert "independent with mean 0 and variance 1" in text  # the assumption is named
    frame = table_with(at, "std of ω = q·k")
    assert list(frame["std of ω = q·k"]) == [
        round(pair(d, num_tokens, seed)[0].raw_score_std, 2) for d in D_KS
    ]
    assert frame["d_k"][D_KS.index(d_k)] == f"▶ {d_k}"  # your d_k marked
    spread = chart(at, "std of ω grows like √d_k")
    assert spread["_data"]["you"] == [{"d_k": float(d_k)}]
    measured = [
        r["value"] for r in spread["_data"]["lines"] if r["series"].startswith("std of ω =")
    ]
    assert measured == pytest.approx([pair(d, num_tokens, seed)[0].raw_score_std for d in D_KS])


# ---- step 2: saturation ------------------------------------------------------------------------


@pytest.mark.parametrize(("d_k", "num_tokens", "seed"), [(64, 8, 0), (1024, 8, 0), (8, 32, 2)])
def test_step_saturation(d_k: int, num_tokens: int, seed: int) -> None:
    at = open_page(d_k, num_tokens, seed, step=2)
    unscaled, scaled = pair(d_k, num_tokens, seed)
    text = text_of(at)
    j_u = max(range(num_tokens), key=lambda j: unscaled.example_weights[j])
    j_s = max(range(num_tokens), key=lambda j: scaled.example_weights[j])
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    assert (
        f"its largest weight is **{unscaled.example_weights[j_u]:.3f}** (on k⁽"
        f"{str(j_u + 1).translate(sup)}⁾) without scaling and **"
        f"{scaled.example_weights[j_s]:.3f}** (on k⁽{str(j_s + 1).translate(sup)}⁾) with it" in text
    )
    assert (
        f"max weight **{unscaled.max_weight:.3f}** unscaled and **{scaled.max_weight:.3f}** "
        f"scaled (uniform would be 1/{num_tokens} = {1 / num_tokens:.3f}" in text
    )
    first, last = pair(1, num_tokens, seed)[0], pair(1024, num_tokens, seed)[0]
    assert last.effective_tokens < first.effective_tokens
    assert (
        f"without scaling the effective tokens fall from {first.effective_tokens:.2f} at d_k = 1 "
        f"to {last.effective_tokens:.2f} at d_k = 1024" in text
    )
    tokens = [pair(d, num_tokens, seed)[1].effective_tokens for d in D_KS]
    assert f"with scaling they stay between {min(tokens):.2f} and {max(tokens):.2f}" in text
    # one query's weights as bars, unscaled beside scaled
    bars = table_with(at, "key j")
    assert len(bars) == num_tokens
    assert list(bars.iloc[:, 1]) == [round(w, 3) for w in unscaled.example_weights]
    assert list(bars.iloc[:, 2]) == [round(w, 3) for w in scaled.example_weights]
    frame = table_with(at, "effective tokens, unscaled")
    assert list(frame["effective tokens, unscaled"]) == [
        round(pair(d, num_tokens, seed)[0].effective_tokens, 2) for d in D_KS
    ]
    peak = chart(at, "Without scaling, softmax saturates")
    assert len(peak["_data"]["sweep"]) == 2 * len(D_KS)


# ---- step 3: the gradient ----------------------------------------------------------------------


@pytest.mark.parametrize("d_k", [64, 1024, 8])
def test_step_gradient_names_each_gradient(d_k: int) -> None:
    at = open_page(d_k, step=3)
    unscaled, scaled = pair(d_k)
    text = text_of(at)
    at_input = scaled.score_grad_norm / unscaled.score_grad_norm
    at_omega = scaled.raw_score_grad_norm / unscaled.raw_score_grad_norm

    def factor(x: float) -> str:
        return f"{x:,.0f}×" if x >= 1000 else f"{x:.3g}×"

    assert (
        f"scaled ÷ unscaled is {factor(at_input)} at the softmax input ‖∂L/∂(ω/T)‖, "
        f"{factor(at_omega)} at the raw scores ‖∂L/∂ω‖, and **{times(q_ratio(d_k))} at the "
        "query ‖∂L/∂q‖**" in text
    )
    root = f"{math.sqrt(d_k):.3g}"
    assert f"({factor(at_input)} ÷ {root} = {factor(at_omega)})" in text
    assert at_omega == pytest.approx(at_input / math.sqrt(d_k), rel=1e-4)  # the chain rule
    assert "fixed random upstream gradient" in text and "**median**" in text
    frame = table_with(at, "scaled ÷ unscaled")
    assert list(frame["scaled ÷ unscaled"]) == [round(q_ratio(d), 2) for d in D_KS]
    assert list(frame["scaled"]) == [float(g3(pair(d)[1].query_grad_norm)) for d in D_KS]
    scores = table_with(at, "‖∂L/∂ω‖ scaled")
    assert list(scores["‖∂L/∂(ω/√d_k)‖ scaled"]) == [
        float(g3(pair(d)[1].score_grad_norm)) for d in D_KS
    ]
    ratio = chart(at, "Does scaling pay?")
    assert [r["ratio"] for r in ratio["_data"]["ratio"]] == pytest.approx(
        [q_ratio(d) for d in D_KS]
    )
    grads = chart(at, "The gradient that reaches the query")
    assert sorted(r["query_grad_norm"] for r in grads["_data"]["sweep"]) == pytest.approx(
        sorted(s.query_grad_norm for s in sweep())
    )


def test_step_gradient_at_d_k_1() -> None:
    at = open_page(1, step=3)
    assert "At d_k = 1 the three ratios are all 1" in text_of(at)


# ---- step 4: the temperature -----------------------------------------------------------------


def t_row(at: AppTest, prefix: str):
    frame = table_with(at, "softmax(ω / T)").set_index("softmax(ω / T)")
    (label,) = [label for label in frame.index if str(label).lstrip("▶ ").startswith(prefix)]
    return frame.loc[label]


def at_t(d_k: int, t: float, num_tokens: int = 8, seed: int = 0) -> SaturationStats:
    stats = temperature_sweep(d_k, TEMPERATURES, num_tokens=num_tokens, seed=seed)
    return dict(zip(TEMPERATURES, stats, strict=True))[t]


def test_temperature_slider_and_its_rows() -> None:
    at = open_page(step=4)
    slider = at.select_slider(key=KEYS["temperature"])
    assert slider.value == 1.0
    unscaled, scaled = pair(64)
    assert t_row(at, "T = 1: unscaled")["effective tokens"] == round(unscaled.effective_tokens, 2)
    assert t_row(at, "T = √d_k = 8: scaled")["max weight"] == round(scaled.max_weight, 3)
    assert t_row(at, "your T = 1")["‖∂L/∂q‖"] == float(g3(unscaled.query_grad_norm))
    text = text_of(at)
    assert (
        f"T = 1 is below √d_k = 8: the scores softmax sees spread with std "
        f"{unscaled.score_std:.2f} (at T = √d_k: {scaled.score_std:.2f}), so the weights are "
        f"sharper than scaled attention's (max weight {unscaled.max_weight:.3f} against "
        f"{scaled.max_weight:.3f})" in text
    )

    for t, side, shape in ((0.25, "below", "sharper"), (128.0, "above", "flatter")):
        slider = at.select_slider(key=KEYS["temperature"]).set_value(t)
        at.run()
        assert not at.exception
        mine = at_t(64, t)
        assert t_row(at, f"your T = {t:.3g}")["max weight"] == round(mine.max_weight, 3)
        assert at.session_state["lab.why_scale.temperature"] == t
        text = text_of(at)
        assert f"T = {t:.3g} is {side} √d_k = 8" in text
        assert f"weights are {shape} than scaled attention's" in text
        assert f"std {mine.score_std:.2f}" in text

    at.select_slider(key=KEYS["temperature"]).set_value(8.0).run()
    assert "🎯 **T = √d_k = 8: this is scaled dot-product attention.**" in text_of(at)
    assert t_row(at, "your T = 8")["effective tokens"] == round(scaled.effective_tokens, 2)


@pytest.mark.parametrize("d_k", [64, 1024, 8])
def test_temperature_gradient_sentence(d_k: int) -> None:
    at = open_page(d_k, step=4)
    stats = dict(zip(TEMPERATURES, temperature_sweep(d_k, TEMPERATURES), strict=True))
    best = max(TEMPERATURES, key=lambda t: stats[t].query_grad_norm)
    root = min(TEMPERATURES, key=lambda t: abs(t - math.sqrt(d_k)))
    text = text_of(at)
    assert (
        f"‖∂L/∂q‖ is largest at T = {best:.3g} ({g3(stats[best].query_grad_norm)}); at T = "
        f"√d_k = {root:.3g} it is {g3(stats[root].query_grad_norm)}, and at T = 1, "
        f"{g3(stats[1.0].query_grad_norm)}" in text
    )
    verdict = "also the temperature where it is largest" if best == root else "not the temperature"
    assert verdict in text
    scaled = [pair(d)[1].query_grad_norm for d in D_KS]
    assert f"stays between {g3(min(scaled))} and {g3(max(scaled))}" in text
    # the curves: at T = √d_k every d_k lands at about the same effective tokens
    roots, ones = [], []
    for d in D_KS:
        curve = {p.temperature: p for p in temperature_curve(d, TEMPERATURES)}
        roots.append(curve[min(TEMPERATURES, key=lambda t: abs(t - math.sqrt(d)))].effective_tokens)
        ones.append(curve[1.0].effective_tokens)
    assert f"between {min(roots):.2f} and {max(roots):.2f} effective tokens of 8" in text
    assert f"at T = 1, from {ones[0]:.2f} (d_k = 1) to {ones[-1]:.2f} (d_k = 1024)" in text
    assert max(roots) - min(roots) < 1.0
    curves = chart(at, "Effective tokens against T")
    assert len(curves["_data"]["roots"]) == len(D_KS)
    grads = chart(at, "The gradient at the query against T")
    assert [p["query_grad_norm"] for p in grads["_data"]["grad"]] == pytest.approx(
        [stats[t].query_grad_norm for t in TEMPERATURES]
    )


def test_temperature_buttons_jump_to_sqrt_d_k_and_back_to_one() -> None:
    at = open_page(256, step=4)
    at.button(key=KEYS["t_root"]).click().run()
    assert at.select_slider(key=KEYS["temperature"]).value == 16.0
    assert t_row(at, "your T = 16")["effective tokens"] == round(pair(256)[1].effective_tokens, 2)
    at.button(key=KEYS["t_one"]).click().run()
    assert at.select_slider(key=KEYS["temperature"]).value == 1.0
    at.select_slider(key=KEYS["d_k"]).set_value(8).run()
    at.button(key=KEYS["t_root"]).click().run()  # √8 is a power of √2 as well
    assert at.select_slider(key=KEYS["temperature"]).value == pytest.approx(math.sqrt(8))


# ---- one test per control at the top ----------------------------------------------------------


def test_d_k_control() -> None:
    at = open_page(step=3)
    assert at.select_slider(key=KEYS["d_k"]).value == 64
    seen = {}
    for d_k in (4, 1024, 64):
        at.select_slider(key=KEYS["d_k"]).set_value(d_k).run()
        assert not at.exception
        assert at.session_state["lab.why_scale.d_k"] == d_k
        unscaled, _ = pair(d_k)
        assert row(your_table(at), "max weight")[1] == round(unscaled.max_weight, 3)
        assert f"At d_k = {d_k} the query gets" in headline(at)
        seen[d_k] = row(your_table(at), "‖∂L/∂q‖")[1]
    assert seen[4] > seen[64] > seen[1024]  # unscaled, the query's gradient collapses


def test_num_tokens_control() -> None:
    at = open_page(step=2)
    at.slider(key=KEYS["num_tokens"]).set_value(32).run()
    assert not at.exception
    assert at.session_state["lab.why_scale.num_tokens"] == 32
    unscaled, scaled = pair(64, 32)
    assert row(your_table(at), "effective tokens")[1:] == (
        round(unscaled.effective_tokens, 2),
        round(scaled.effective_tokens, 2),
    )
    assert len(table_with(at, "key j")) == 32
    assert "256 random queries with 32 keys each" in text_of(at)


def test_seed_control_and_a_cleared_box() -> None:
    at = open_page()
    before = row(your_table(at), "max weight")
    at.number_input(key=KEYS["qk_seed"]).set_value(5).run()
    assert not at.exception
    assert at.session_state["lab.why_scale.qk_seed"] == 5
    assert row(your_table(at), "max weight")[1] == round(pair(64, 8, 5)[0].max_weight, 3)
    assert row(your_table(at), "max weight") != before
    # a cleared box: Streamlit hands the (non-nullable) box its default back; the page, the
    # stored setting and the numbers agree on it, with no traceback
    at.number_input(key=KEYS["qk_seed"]).set_value(None).run()
    assert not at.exception
    seed = at.number_input(key=KEYS["qk_seed"]).value
    assert seed == at.session_state["lab.why_scale.qk_seed"]
    assert row(your_table(at), "max weight")[1] == round(pair(64, 8, seed)[0].max_weight, 3)


def test_steps_open_one_at_a_time() -> None:
    headings = ("## 1 · Dot", "## 2 · Without", "## 3 · …and", "## 4 · √d_k", "## 5 · The code")
    for step, heading in enumerate(headings, start=1):
        at = open_page(step=step)
        shown = [h for h in headings if any(m.value.startswith(h) for m in at.markdown)]
        assert shown == [heading]
        assert len(specs(at)) <= 2  # at most two Vega charts in any tab
    at = open_page(step=1)
    at.button(key="why_scale.next_step").click().run()
    assert at.session_state["lab.why_scale.step"] == 2
    assert any(m.value.startswith("## 2 · Without") for m in at.markdown)


def test_chart_titles_hold_no_number_a_control_changes() -> None:
    """Templates are cached per layout: a title must be the same in every state."""
    for step in (1, 2, 3, 4):
        a = [(title(s), s["description"]) for s in specs(open_page(step=step))]
        b = [(title(s), s["description"]) for s in specs(open_page(512, 16, 9, step=step))]
        assert a == b
        for spec in specs(open_page(step=step)):
            assert spec["usermeta"]["embedOptions"]["renderer"] == "canvas"
            assert all(rows for rows in spec["_data"].values())  # no dataset left empty
            assert '"tooltip"' in json.dumps(spec)


def test_projector_mode_gives_bigger_chart_fonts() -> None:
    def size(at: AppTest) -> int:
        return chart(at, "std of ω grows")["config"]["axis"]["labelFontSize"]

    assert size(run_page(PAGE, projector=True)) > size(run_page(PAGE))


def test_reveal_mode_shows_the_rows_of_the_revealed_steps() -> None:
    at = run_page(PAGE, reveal=True)
    labels = [str(label) for label in your_table(at).index]
    assert labels == ["std of softmax's input"]
    assert not at.info  # the headline waits for the gradient step
    at = run_page(PAGE, reveal=True, **{"why_scale.revealed": 2, "why_scale.step": 2})
    assert "max weight" in [str(label) for label in your_table(at).index]
    assert not [label for label in your_table(at).index if "∂L" in str(label)]
    at = run_page(PAGE, reveal=True, **{"why_scale.revealed": 3, "why_scale.step": 3})
    assert any("‖∂L/∂q‖" in str(label) for label in your_table(at).index)
    assert "scaling pays from" in headline(at)


# ---- links and bad input --------------------------------------------------------------------


def test_a_shared_link_sets_every_control() -> None:
    at = run_link(
        PAGE, d_k="256", num_tokens="16", qk_seed="3", temperature="5.66", why_scale_step="4"
    )
    assert not at.warning
    assert at.select_slider(key=KEYS["d_k"]).value == 256
    assert at.slider(key=KEYS["num_tokens"]).value == 16
    assert at.number_input(key=KEYS["qk_seed"]).value == 3
    assert at.select_slider(key=KEYS["temperature"]).value == pytest.approx(2**2.5)
    assert row(your_table(at), "max weight")[1] == round(pair(256, 16, 3)[0].max_weight, 3)
    assert t_row(at, "your T = 5.66")["max weight"] == round(at_t(256, 2**2.5, 16, 3).max_weight, 3)


def test_the_step_of_a_link_is_known_before_the_first_run() -> None:
    """A fresh server process: the link's step must be a known setting when ``frame.setup``
    reads the link, before the page has built its steps (else it is silently dropped)."""
    code = (
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('pages/4_Why_scale.py', default_timeout=60)\n"
        "at.query_params['why_scale_step'] = '3'\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert at.session_state['lab.why_scale.step'] == 3, 'the link was dropped'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("d_k", "3", "d_k must be a power of two from 1 to 1024"),
        ("d_k", "2048", "d_k must be a power of two"),
        ("d_k", "abc", "d_k must be a power of two"),
        ("d_k", "", "d_k must be a power of two"),
        ("num_tokens", "100", "num_tokens must be between 4 and 32"),
        ("num_tokens", "3.5", "not a whole number"),
        ("qk_seed", "-1", "qk_seed must be between 0"),
        ("qk_seed", "99999999999", "qk_seed must be between 0"),
        ("temperature", "x", "not a number"),
        ("temperature", "nan", "NaN"),
        ("temperature", "inf", "infinite"),
        ("temperature", "1e300", "keep values within"),
        ("temperature", "3", "temperature must be a power of √2 from 0.25 to 128"),
        ("why_scale_step", "9", "why_scale_step must be between 1 and 5"),
    ],
)
def test_a_tampered_link_is_reported_and_the_rest_still_applies(
    name: str, value: str, reason: str
) -> None:
    params = {"d_k": "128", "num_tokens": "12", "qk_seed": "4", name: value}
    at = run_link(PAGE, **params)
    (warning,) = at.warning
    assert f"`?{name}={value}` was ignored" in warning.value and reason in warning.value
    expected = {"d_k": 128, "num_tokens": 12, "qk_seed": 4}
    defaults = {"d_k": 64, "num_tokens": 8, "qk_seed": 0}
    expected.update({name: defaults[name]} if name in defaults else {})
    assert at.select_slider(key=KEYS["d_k"]).value == expected["d_k"]
    assert at.slider(key=KEYS["num_tokens"]).value == expected["num_tokens"]
    assert at.number_input(key=KEYS["qk_seed"]).value == expected["qk_seed"]


def test_every_option_reads_back_from_the_link() -> None:
    from lessons.why_scale import controls

    for t in TEMPERATURES:
        assert controls.parse_temperature(controls.format_temperature(t)) == t
    for d_k in D_KS:
        assert controls.parse_d_k(str(d_k)) == d_k
    assert controls.parse_temperature("8.0") == 8.0  # close enough to an option


def test_reset_brings_the_defaults_back() -> None:
    at = open_page(256, 16, 3)
    at.button(key="why_scale.reset").click().run()
    assert at.select_slider(key=KEYS["d_k"]).value == 64
    assert at.slider(key=KEYS["num_tokens"]).value == 8
    assert at.number_input(key=KEYS["qk_seed"]).value == 0


# ---- step 5: the code -----------------------------------------------------------------------


def test_code_is_built_only_when_its_expander_opens() -> None:
    at = open_page(step=5)
    assert [e.label for e in at.expander] == [
        "🐍 The code that ran",
        "📋 Reproduce this in a notebook",
    ]
    assert not at.code


def test_the_snippet_prints_the_page_s_numbers() -> None:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    for name, value in state(128, 8, 2, step=5, temperature=2**2.5).items():
        at.session_state[f"lab.{name}"] = value
    at.session_state["why_scale.source"] = at.session_state["why_scale.snippet"] = True
    at.run()
    assert not at.exception
    sources = " ".join(c.value for c in at.code)
    for name in ("softmax_saturation", "scaling_pays_from", "temperature_sweep"):
        assert f"def {name}(" in sources
    (snippet,) = [c.value for c in at.code if "torch.manual_seed" in c.value]
    assert "d_k, num_tokens, num_queries, seed = 128, 8, 256, 2" in snippet
    assert "import streamlit" not in snippet
    out = io.StringIO()
    with torch.random.fork_rng(), contextlib.redirect_stdout(out):  # the student's notebook
        exec(snippet, {})
    lines = out.getvalue().splitlines()
    unscaled, scaled = pair(128, 8, 2)
    mine = at_t(128, 2**2.5, 8, 2)
    for label, stats in (("unscaled", unscaled), ("scaled", scaled), ("your T", mine)):
        (line,) = [x for x in lines if x.strip().startswith(label)]
        assert f"max weight {stats.max_weight:.3f}" in line
        assert f"effective tokens {stats.effective_tokens:.2f}" in line
        assert f"|dL/dq| {stats.query_grad_norm:.3g}" in line
        assert f"|dL/d omega| {stats.raw_score_grad_norm:.3g}" in line
        assert f"|dL/d(omega/T)| {stats.score_grad_norm:.3g}" in line


# ---- in a real browser ----------------------------------------------------------------------


def your_cell(page, measure: str, column: int = 1) -> str:
    """A cell of the table under the controls, in the browser (0 = the measure)."""
    row_ = page.locator(".lab-table tr", has_text=measure).first
    return row_.locator("td").nth(column - 1).inner_text()


@pytest.mark.browser
def test_why_scale_d_k_slider_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}/Why_scale")
    assert_no_exception(page)
    assert your_cell(page, "max weight") == f"{pair(64)[0].max_weight:.3f}"
    handle = page.locator(f"{key_selector(KEYS['d_k'])} input[type=range]")
    act(page, lambda: (handle.focus(), handle.press("ArrowRight")))  # 64 -> 128
    assert_no_exception(page)
    assert your_cell(page, "max weight") == f"{pair(128)[0].max_weight:.3f}"
    assert "d_k=128" in page.url  # the link now shares d_k = 128
    assert page.get_by_text(re.compile(r"At d_k = 128 the query gets")).count() == 1


@pytest.mark.browser
def test_why_scale_temperature_buttons_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}/Why_scale?d_k=256&why_scale_step=4")
    root = page.locator(key_selector(KEYS["t_root"])).get_by_role("button", name="T = √d_k")
    act(page, root.click)
    assert "temperature=16" in page.url
    slider = page.locator(f"{key_selector(KEYS['temperature'])} input[type=range]")
    assert slider.get_attribute("aria-valuetext") == "16"
    assert page.get_by_text(re.compile("T = √d_k = 16: this is scaled")).count() == 1
    one = page.locator(key_selector(KEYS["t_one"])).get_by_role("button", name="T = 1")
    act(page, one.click)
    assert slider.get_attribute("aria-valuetext") == "1"
    assert "temperature=" not in page.url  # back to the default: not in the link
    assert_no_exception(page)


@pytest.mark.browser
def test_why_scale_tampered_link_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}/Why_scale?d_k=3&num_tokens=16")
    assert_no_exception(page)
    assert page.get_by_text(re.compile(r"`?\?d_k=3`? was ignored")).count() == 1
    assert "num_tokens=16" in page.url and "d_k=3" not in page.url
    assert your_cell(page, "max weight") == f"{pair(64, 16)[0].max_weight:.3f}"


@pytest.mark.browser
@pytest.mark.parametrize("step", [1, 3, 4])
def test_why_scale_fits_a_phone(server: str, phone, step: int) -> None:
    open_app(phone, f"{server}/Why_scale?why_scale_step={step}")
    assert_no_exception(phone)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
