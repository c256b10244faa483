"""Why scale by √d_k (section 3.4): spread, saturation and the gradient, measured.

The lesson, top to bottom: the controls and every measure at your d_k, then one function per
step. The numbers come from cached sweeps of the core (``lessons.why_scale.view``); tables
are ``ui.tables``, line charts ``ui.charts``.
"""

import streamlit as st

from attention.self_attention import scale_scores, softmax_with_temperature
from attention.why_scale import (
    by_d_k,
    query_gradient_ratio,
    random_queries_keys,
    saturation_sweep,
    scaling_pays_from,
    softmax_saturation,
    temperature_curve,
    temperature_sweep,
)
from lessons.why_scale import charts as plots
from lessons.why_scale import controls, snippet, text, view
from lessons.why_scale.controls import D_KS, Experiment
from ui import blocks, charts, frame, keys, settings, tables
from ui.blocks import markdown, prose, small

PAGE = "why_scale"
STEPS = ("Spread like √d_k", "Softmax saturates", "The gradient", "√d_k is a temperature", "Code")


def lesson_text(section: str) -> str:
    return prose(PAGE, section)


def intro() -> None:
    markdown(
        "# 📏 Why scale by √d_k?",
        small(
            "Section 3.4 of *Build a Large Language Model (From Scratch)* · random queries and "
            "keys of your chosen size, not the book's six tokens"
        ),
        lesson_text("intro"),
    )


def your_d_k(e: Experiment, sweep, steps: frame.Steps, projector: bool) -> None:
    """Every measure at your d_k, unscaled beside scaled, and the page's claim in numbers.

    In reveal mode, only the rows of the steps revealed so far.
    """
    unscaled, scaled = by_d_k(sweep, e.d_k)
    shown = min(steps.available, 3)
    tables.show(
        tables.columns(
            text.your_d_k_columns(e, unscaled, scaled, steps=shown),
            caption=text.your_d_k_caption(e),
            projector=projector,
        )
    )
    st.caption(text.your_d_k_note(e, steps=shown))
    if shown >= 3:
        st.info(text.headline(sweep, e))


def _d_k_rows(e: Experiment) -> int:
    return D_KS.index(e.d_k)


def step_spread(e: Experiment, sweep, projector: bool) -> None:
    markdown(
        "## 1 · Dot products spread like √d_k",
        lesson_text("spread"),
        text.spread(sweep, e),
    )
    pairs = [by_d_k(sweep, d) for d in D_KS]
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        charts.show(plots.spec(plots.spread_chart, plots.spread_data(sweep, e.d_k), projector))
    with table_col:
        tables.show(
            tables.columns(
                {
                    "d_k": list(D_KS),
                    "√d_k": [d**0.5 for d in D_KS],
                    "std of ω = q·k": [u.raw_score_std for u, _ in pairs],
                    "std of ω / √d_k": [s.score_std for _, s in pairs],
                },
                caption="<strong>Every d_k</strong> (yours ▶)",
                fmt=".2f",
                heat={"std of ω / √d_k": tables.Heat(0.8, 1.2, True)},
                mark_row=_d_k_rows(e),
                projector=projector,
            )
        )
        st.caption(f"Measured on {text.measured_on(e)}.")


def step_saturation(e: Experiment, sweep, projector: bool) -> None:
    unscaled, scaled = by_d_k(sweep, e.d_k)
    markdown(
        "## 2 · Without scaling, softmax saturates",
        lesson_text("saturation"),
        text.first_query(unscaled, scaled),
    )
    n = e.num_tokens
    tables.show(
        tables.columns(
            {
                "key j": [text.key_name(j) for j in range(n)],
                text.UNSCALED: [tables.Bar(w, 1.0, charts.VERMILLION)
                                for w in unscaled.example_weights],
                text.SCALED: [tables.Bar(w, 1.0, charts.BLUE) for w in scaled.example_weights],
            },
            caption=f"<strong>One query's weights</strong> α₁ⱼ at d_k = {e.d_k}",
            fmt=".3f",
            projector=projector,
        )
    )  # fmt: skip
    markdown(text.saturation(sweep, e))
    charts.show(plots.spec(plots.peakedness_chart, plots.sweep_data(sweep, e.d_k), projector))
    pairs = [by_d_k(sweep, d) for d in D_KS]
    weight, tokens = tables.Heat(1 / n, 1.0), tables.Heat(1.0, float(n))
    tables.show(
        tables.columns(
            {
                "d_k": list(D_KS),
                "max weight, unscaled": [u.max_weight for u, _ in pairs],
                "max weight, scaled": [s.max_weight for _, s in pairs],
                "effective tokens, unscaled": [u.effective_tokens for u, _ in pairs],
                "effective tokens, scaled": [s.effective_tokens for _, s in pairs],
            },
            caption="<strong>Every d_k</strong> (yours ▶): means over the queries",
            fmt={"max weight, unscaled": ".3f", "max weight, scaled": ".3f",
                 "effective tokens, unscaled": ".2f", "effective tokens, scaled": ".2f"},
            heat={"max weight, unscaled": weight, "max weight, scaled": weight,
                  "effective tokens, unscaled": tokens, "effective tokens, scaled": tokens},
            mark_row=_d_k_rows(e),
            projector=projector,
        )
    )  # fmt: skip
    st.caption(f"Measured on {text.measured_on(e)}; uniform would be max weight 1/{n}, {n} "
               "effective tokens.")  # fmt: skip


def step_gradient(e: Experiment, sweep, projector: bool) -> None:
    unscaled, scaled = by_d_k(sweep, e.d_k)
    markdown(
        "## 3 · …and the gradient: when does scaling pay?",
        lesson_text("gradients"),
        "**Your settings:** the blue box above the steps says from which d_k scaling pays.",
        text.three_gradients(unscaled, scaled),
    )
    data = plots.gradient_data(sweep, e.d_k)
    left, right = st.columns(2)
    with left:
        charts.show(plots.spec(plots.query_gradient_chart, data, projector))
    with right:
        charts.show(plots.spec(plots.ratio_chart, data, projector))
    pairs = [by_d_k(sweep, d) for d in D_KS]
    g = text.GRAD
    at_query = tables.columns(
        {
            "d_k": list(D_KS),
            "unscaled": [u.query_grad_norm for u, _ in pairs],
            "scaled": [s.query_grad_norm for _, s in pairs],
            "scaled ÷ unscaled": [query_gradient_ratio(u, s) for u, s in pairs],
        },
        caption="<strong>‖∂L/∂q‖ at the query</strong>, every d_k (yours ▶)",
        fmt={"scaled ÷ unscaled": ",.2f", "unscaled": g, "scaled": g},
        # blue where scaling sends more, as the charts draw the scaled model in blue
        heat={"scaled ÷ unscaled": tables.Heat(2.0, 0.0, True)},
        mark_row=_d_k_rows(e),
        projector=projector,
    )
    at_scores = tables.columns(
        {
            "d_k": list(D_KS),
            "‖∂L/∂ω‖ unscaled": [u.raw_score_grad_norm for u, _ in pairs],
            "‖∂L/∂ω‖ scaled": [s.raw_score_grad_norm for _, s in pairs],
            "‖∂L/∂(ω/√d_k)‖ scaled": [s.score_grad_norm for _, s in pairs],
        },
        caption="<strong>At the scores</strong>, every d_k",
        fmt=g,
        mark_row=_d_k_rows(e),
        projector=projector,
    )
    st.caption(
        f"Medians over {text.measured_on(e)}. The ratio is blue where scaling sends the "
        "query more gradient, orange where the unscaled model does (the charts' colours of "
        "the two). Unscaled, softmax's input is ω itself, so its "
        "‖∂L/∂(ω/T)‖ is its ‖∂L/∂ω‖."
    )
    tables.show(tables.row_of([at_query, at_scores]))


def step_temperature(e: Experiment, sweep, projector: bool) -> None:
    markdown("## 4 · √d_k is a temperature", lesson_text("temperature"))
    temperature = controls.temperature(PAGE, e.d_k)
    at_t = view.at_temperatures(e.d_k, e.num_tokens, e.seed)
    rows = text.temperature_rows(e.d_k, temperature, at_t)
    tables.show(
        tables.columns(
            text.temperature_columns(rows, e.num_tokens),
            caption=f"<strong>softmax(ω / T) at your d_k = {e.d_k}</strong>",
            mark_row=2,
            projector=projector,
        )
    )
    st.caption(f"Measured on {text.measured_on(e)}; ‖∂L/∂q‖ is the median over the queries.")
    markdown(
        text.temperature_verdict(e.d_k, temperature, at_t),
        text.temperature_gradient(e.d_k, at_t, sweep),
    )
    curves = view.temperature_curves(e.num_tokens, e.seed)
    left, right = st.columns(2)
    with left:
        charts.show(
            plots.spec(
                plots.temperature_chart,
                plots.temperature_data(curves, temperature, e.num_tokens),
                projector,
            )
        )
    with right:
        charts.show(
            plots.spec(
                plots.temperature_gradient_chart,
                plots.temperature_gradient_data(at_t, temperature, e.d_k),
                projector,
            )
        )
    markdown(text.temperature_curves(curves, e.num_tokens))


def the_code(e: Experiment, temperature: float) -> None:
    """The core functions behind the page, and a snippet for your settings and your T."""
    markdown("## 5 · The code that ran", lesson_text("code"))
    functions = (
        random_queries_keys, softmax_saturation, saturation_sweep, by_d_k, scale_scores,
        scaling_pays_from, temperature_sweep, temperature_curve, softmax_with_temperature,
    )  # fmt: skip
    blocks.code(
        "🐍 The code that ran", lambda: blocks.source(*functions), keys.widget_key(PAGE, "source")
    )
    blocks.code(
        "📋 Reproduce this in a notebook",
        lambda: snippet.reproduce(e.d_k, e.num_tokens, e.seed, temperature),
        keys.widget_key(PAGE, "snippet"),
    )


# ---- the page --------------------------------------------------------------------------------


def lesson() -> None:
    """The controls and every measure at your d_k stay on top; the steps follow below, one at a time."""
    projector = settings.current().projector
    intro()
    st.markdown("## Your experiment")
    e = controls.experiment(PAGE)
    sweep = view.sweep(e.num_tokens, e.seed)
    steps = frame.Steps(PAGE, STEPS)
    your_d_k(e, sweep, steps, projector)
    with steps.open_step():
        if steps.current == 1:
            step_spread(e, sweep, projector)
        elif steps.current == 2:
            step_saturation(e, sweep, projector)
        elif steps.current == 3:
            step_gradient(e, sweep, projector)
        elif steps.current == 4:
            step_temperature(e, sweep, projector)
        else:
            the_code(e, keys.value(controls.TEMPERATURE))  # T's slider is in step 4
        steps.next_button()


frame.setup(PAGE, "Why scale by √d_k", STEPS)
frame.run(lesson)
