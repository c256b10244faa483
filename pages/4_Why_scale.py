"""Why scale by √d_k: softmax saturation and vanishing gradients, measured (section 3.4).

Layout only: the numbers come from ``attention.why_scale`` through cached wrappers in
``ui.compute`` and ``ui.why_scale``. The page's controls are bound to the URL
(``?d_k=256&num_tokens=16&qk_seed=3&temperature=16``) so an instructor can share a link.
"""

import math

import streamlit as st

from attention.self_attention import scale_scores, softmax_with_temperature
from attention.why_scale import (
    SaturationStats,
    random_queries_keys,
    saturation_sweep,
    softmax_saturation,
)
from ui import charts, compute
from ui import why_scale as ws
from ui.layout import page_setup, show_snippet, show_source, stepper
from ui.state import MAX_SEED

page_setup("Why scale by √d_k", ws.PAGE)

st.title("📏 Why scale by √d_k?")
st.markdown(ws.prose_section("intro"))

# Read the URL before the widgets: Streamlit drops an invalid bound value without a word.
for note in ws.url_notes(st.query_params.to_dict()):
    st.warning(f"A setting in the link was not used. {note}", icon="🔗")

with st.container(border=True):
    st.markdown("**🎛️ The experiment**: change any of these; everything below follows.")
    left, middle, right = st.columns([3, 2, 1.4])
    d_k = left.select_slider(
        "d_k, the dimension of each query and key",
        options=ws.D_KS,
        value=ws.DEFAULTS["d_k"],
        key="d_k",
        bind="query-params",
        help="Powers of two from 1 to 1024. GPT-2's heads use 64; the URL keeps your choice.",
    )
    num_tokens = middle.slider(
        "Keys per query (tokens)",
        min_value=ws.MIN_TOKENS,
        max_value=ws.MAX_TOKENS,
        value=ws.DEFAULTS["num_tokens"],
        key="num_tokens",
        bind="query-params",
        help="How many keys each query spreads its attention over.",
    )
    seed = right.number_input(
        "Sample seed",
        min_value=0,
        max_value=MAX_SEED,
        value=ws.DEFAULTS["qk_seed"],
        step=1,
        key="qk_seed",
        bind="query-params",
        help="Draws other random queries and keys (entries ~ N(0, 1)).",
    )
    if seed is None:  # a cleared box
        st.info(f"The seed box is empty: using seed {ws.DEFAULTS['qk_seed']}.", icon="✏️")
        seed = ws.DEFAULTS["qk_seed"]
    sweep = compute.saturation_sweep(ws.D_KS, num_tokens, seed)
    unscaled, scaled = ws.by_d_k(sweep, d_k)
    st.markdown(
        f"**At d_k = {d_k}:** without scaling a query's top key gets "
        f"**{unscaled.max_weight:.3f}** of the weight on average "
        f"({unscaled.effective_tokens:.2f} effective keys of {num_tokens}) and the gradient "
        f"through softmax is **{unscaled.score_grad_norm:.2e}**; scaled by √d_k: "
        f"**{scaled.max_weight:.3f}** ({scaled.effective_tokens:.2f} keys), gradient "
        f"**{scaled.score_grad_norm:.2e}**."
    )


STEPS = (
    "Dot products spread like √d_k",
    "Without scaling, softmax saturates",
    "…and the gradient vanishes",
    "√d_k is a temperature",
    "The code that ran",
)
shown = stepper(ws.PAGE, STEPS)

# ---- 1. spread -----------------------------------------------------------------------------
if shown > 0:
    st.divider()
    st.markdown(ws.prose_section("spread"))
    cols = st.columns(3)
    cols[0].metric(
        "std of q·k, measured",
        f"{unscaled.raw_score_std:.2f}",
        help=f"Over {ws.NUM_QUERIES} queries × {num_tokens} keys at d_k = {d_k}.",
    )
    cols[1].metric("√d_k, predicted", f"{math.sqrt(d_k):.2f}")
    cols[2].metric("std of q·k / √d_k, measured", f"{scaled.score_std:.2f}")
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        charts.show(ws.spread_chart(sweep, d_k), width="stretch")
    with table_col:
        st.markdown(f"**The numbers** ({ws.YOU} = your d_k)")
        st.dataframe(
            ws.spread_table(sweep, d_k),
            hide_index=True,
            column_config=ws.column_config(),
            height="content",
        )

# ---- 2. saturation -------------------------------------------------------------------------
if shown > 1:
    st.divider()
    st.markdown(ws.prose_section("saturation"))
    st.markdown(
        f"**One query's weights over its {num_tokens} keys at d_k = {d_k}** "
        f"(the metrics below each chart are means over all {ws.NUM_QUERIES} queries):"
    )
    for column, stats, version, color in zip(
        st.columns(2),
        (unscaled, scaled),
        ws.VERSIONS,
        (ws.UNSCALED, ws.SCALED),
        strict=True,
    ):
        with column:
            title = "Without scaling" if not stats.scaled else "Scaled by √d_k"
            charts.show(
                ws.weight_bars(stats.example_weights, title=title, version=version, color=color),
                width="stretch",
            )
            m1, m2, m3 = st.columns(3)
            m1.metric("max weight", f"{stats.max_weight:.3f}", help="1 = one-hot; 1/n = uniform.")
            m2.metric(
                "entropy (nats)",
                f"{stats.entropy:.3f}",
                help=f"0 = one-hot; log {num_tokens} = {math.log(num_tokens):.3f} = uniform.",
            )
            m3.metric(
                "effective tokens",
                f"{stats.effective_tokens:.2f}",
                help=f"e^entropy: 1 = one key; {num_tokens} = all keys equally.",
            )
    st.markdown("**Across every d_k** (the dashed black line is yours):")
    for field, measure, title, y_title, y_label, fmt in (
        (
            "effective_tokens",
            "effective tokens",
            "How many keys a query really uses: effective tokens e^H",
            "effective tokens (mean over queries)",
            0.5,
            ".2f",
        ),
        (
            "max_weight",
            "max weight",
            "The largest weight of a row",
            "max weight (mean over queries)",
            0.1,
            ".3f",
        ),
    ):
        chart_col, table_col = st.columns([3, 2])
        with chart_col:
            spec = ws.sweep_chart(
                sweep,
                d_k,
                field=field,
                measure=measure,
                title=title,
                y_title=y_title,
                y_label=y_label,
                fmt=fmt,
            )
            charts.show(spec, width="stretch")
        with table_col:
            st.markdown(f"**{measure.capitalize()}** ({ws.YOU} = your d_k)")
            st.dataframe(
                ws.measure_table(sweep, d_k, field),
                hide_index=True,
                column_config=ws.column_config(field),
                height="content",
            )

# ---- 3. gradients --------------------------------------------------------------------------
if shown > 2:
    st.divider()
    st.markdown(ws.prose_section("gradients"))
    ratio = scaled.score_grad_norm / unscaled.score_grad_norm
    cols = st.columns(3)
    cols[0].metric("gradient, unscaled", f"{unscaled.score_grad_norm:.2e}")
    cols[1].metric("gradient, scaled", f"{scaled.score_grad_norm:.2e}")
    cols[2].metric(
        "scaled / unscaled",
        ws.times(ratio),
        help="How many times more gradient reaches the scores with scaling, at your d_k.",
    )
    largest_unscaled, largest_scaled = ws.by_d_k(sweep, ws.D_KS[-1])
    st.info(
        f"At d_k = {ws.D_KS[-1]}, the gradient at the softmax input is "
        f"**{largest_unscaled.score_grad_norm:.1e}** without scaling and "
        f"**{largest_scaled.score_grad_norm:.2f}** with it: "
        f"{largest_scaled.score_grad_norm / largest_unscaled.score_grad_norm:,.0f} times less "
        'signal for W_query and W_key. That is "gradients nearing zero, learning stagnates".',
        icon="📉",
    )
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        spec = ws.sweep_chart(
            sweep,
            d_k,
            field="score_grad_norm",
            measure="gradient",
            title="Gradient that reaches the scores, ‖∂L/∂ω‖ (autograd)",
            y_title="gradient norm (log scale)",
            log_y=True,
            y_label=1e-5,
            fmt=".3e",
        )
        charts.show(spec, width="stretch")
    with table_col:
        st.markdown(f"**Gradient at the softmax input** ({ws.YOU} = your d_k)")
        st.dataframe(
            ws.measure_table(sweep, d_k, "score_grad_norm"),
            hide_index=True,
            column_config=ws.column_config("score_grad_norm"),
            height="content",
        )

# ---- 4-5. temperature and the code ----------------------------------------------------------
# The temperature controls change step 4 and the snippet of step 5 only: both sit in one
# fragment, which reruns (and redraws) alone when T moves. d_k and the rest come from the
# full run that drew them.


@st.fragment
def temperature_and_code(
    d_k: int,
    num_tokens: int,
    seed: int,
    unscaled: SaturationStats,
    scaled: SaturationStats,
    shown: int,
) -> None:
    # ---- 4. temperature ---------------------------------------------------------------------
    temperature = ws.DEFAULTS["temperature"]
    if shown > 3:
        st.divider()
        st.markdown(ws.prose_section("temperature"))
        root = ws.sqrt_dk_temperature(d_k)

        def set_temperature(value: float) -> None:
            st.session_state["temperature"] = value

        slider_col, button_col = st.columns([4, 2], vertical_alignment="bottom")
        temperature = slider_col.select_slider(
            "Temperature T: softmax(q·k / T)",
            options=ws.TEMPERATURES,
            value=ws.DEFAULTS["temperature"],
            format_func=ws.format_temperature,
            key="temperature",
            bind="query-params",
            help="Powers of √2. T = 1 is unscaled attention; T = √d_k is scaled attention.",
        )
        with button_col:
            b1, b2 = st.columns(2)
            b1.button(
                f"T = √d_k = {ws.format_temperature(root)}",
                on_click=set_temperature,
                args=(root,),
                key=f"w.{ws.PAGE}.t_root",
                width="stretch",
            )
            b2.button(
                "T = 1",
                on_click=set_temperature,
                args=(1.0,),
                key=f"w.{ws.PAGE}.t_one",
                width="stretch",
            )
        curve = ws.temperature_curves(ws.D_KS, num_tokens, seed)[ws.D_KS.index(d_k)]
        at_t = next(p for p in curve if math.isclose(p.temperature, temperature))
        chart_col, curve_col = st.columns(2)
        with chart_col:
            charts.show(
                ws.weight_bars(
                    at_t.example_weights,
                    title=f"The same query at T = {ws.format_temperature(temperature)}",
                    version=f"softmax(q·k / {ws.format_temperature(temperature)})",
                    color=ws.CHOSEN,
                ),
                width="stretch",
            )
            m1, m2, m3 = st.columns(3)
            m1.metric("max weight at T", f"{at_t.max_weight:.3f}")
            m2.metric("entropy at T (nats)", f"{at_t.entropy:.3f}")
            m3.metric("effective tokens at T", f"{at_t.effective_tokens:.2f}")
        with curve_col:
            charts.show(ws.temperature_chart(curve, d_k, temperature, num_tokens), width="stretch")
            st.caption(
                f"At d_k = {d_k}: the effective tokens for every T; ◆ = your T = "
                f"{ws.format_temperature(temperature)}."
            )
            st.dataframe(
                ws.curve_frame(curve, d_k, temperature),
                hide_index=True,
                column_config=ws.column_config(),
                height=290,
            )
        if math.isclose(temperature, root):
            st.success(
                f"T = √d_k = {ws.format_temperature(root)}: this is scaled dot-product attention. "
                f"Its {at_t.effective_tokens:.2f} effective tokens match step 2's scaled value "
                f"({scaled.effective_tokens:.2f}); move d_k and it stays about the same.",
                icon="🎯",
            )
        elif temperature < root:
            st.caption(
                f"T = {ws.format_temperature(temperature)} is below √d_k: the scores' spread is "
                f"{unscaled.raw_score_std / temperature:.1f} instead of 1, so softmax is sharper "
                "than scaled attention."
            )
        else:
            st.caption(
                f"T = {ws.format_temperature(temperature)} is above √d_k: the scores' spread is "
                f"{unscaled.raw_score_std / temperature:.2f}, below 1, so the weights are flatter "
                "than scaled attention's."
            )

    # ---- 5. code ----------------------------------------------------------------------------
    if shown > 4:
        st.divider()
        st.markdown(ws.prose_section("code"))
        show_source(
            softmax_saturation,
            random_queries_keys,
            scale_scores,
            saturation_sweep,
            softmax_with_temperature,
            ws.temperature_curve,
        )
        show_snippet(ws.snippet(d_k, num_tokens, seed, temperature))


temperature_and_code(d_k, num_tokens, seed, unscaled, scaled, shown)
