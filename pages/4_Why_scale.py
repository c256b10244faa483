"""Why scale by √d_k: softmax saturation and vanishing gradients, measured (section 3.4).

Layout only: the numbers come from ``attention.why_scale`` through cached wrappers in
``ui.compute`` and ``ui.why_scale``. The page's controls are bound to the URL
(``?d_k=256&num_tokens=16&qk_seed=3&temperature=16``) so an instructor can share a link.

Speed: every element the browser must update costs it time. So moving d_k reruns only the
parts of the page that show your d_k, three keyed fragments (``D_K_PARTS``): the numbers under
the controls, one query's weights and the numbers at your temperature (and the snippet, while
it is open). The charts across every d_k, the prose and the sidebar stay as they are. Moving T
likewise reruns only the parts that show T (``T_PARTS``); the keys per query and the seed
change everything and rerun the whole page. Each step is one markdown of prose and few charts.
"""

import math

import streamlit as st

from attention.self_attention import scale_scores, softmax_with_temperature
from attention.why_scale import random_queries_keys, saturation_sweep, softmax_saturation
from ui import charts
from ui import why_scale as ws
from ui.layout import page_setup, source_of, stepper
from ui.state import MAX_SEED

STEPS = (
    "Dot products spread like √d_k",
    "Without scaling, softmax saturates",
    "…and the gradient vanishes",
    "√d_k is a temperature",
    "The code that ran",
)
SOURCES = (  # the functions behind the page's numbers, shown in step 5
    softmax_saturation,
    random_queries_keys,
    scale_scores,
    saturation_sweep,
    softmax_with_temperature,
    ws.temperature_curve,
)
RULE = "---\n\n"  # a horizontal rule opening a step's markdown (instead of an st.divider)
# The fragments that show your d_k or your T: what a move of d_k (or of T) reruns. The snippet
# follows both, but only while its expander is open (closed, it has nothing to redraw).
D_K_PARTS = ("why_scale.your_d_k", "why_scale.weights", "why_scale.t_numbers")
T_PARTS = ("why_scale.t_numbers", "why_scale.t_chart")
SNIPPET_OPEN = f"w.{ws.PAGE}.snippet"  # the snippet expander's key: True while it is open


def rerun(parts: tuple[str, ...]) -> None:
    """``on_change`` of a control: rerun only these fragments (and the snippet if it is open),
    not the whole page."""
    if st.session_state.get(SNIPPET_OPEN):
        parts = (*parts, "why_scale.snippet")
    st.rerun(list(parts))


page_setup("Why scale by √d_k", ws.PAGE)
st.markdown(f"# 📏 Why scale by √d_k?\n\n{ws.prose_section('intro')}")

# Read the URL before the widgets: Streamlit drops an invalid bound value without a word.
for note in ws.url_notes(st.query_params.to_dict()):
    st.warning(f"A setting in the link was not used. {note}", icon="🔗")

shown = stepper(ws.PAGE, STEPS)


def controls() -> ws.Controls:
    """d_k, keys per query and the sample seed, side by side; all three bound to the URL."""
    left, middle, right = st.columns([3, 2, 1.4])
    left.select_slider(
        "🎛️ d_k, the dimension of each query and key",
        options=ws.D_KS,
        value=ws.DEFAULTS["d_k"],
        key="d_k",
        bind="query-params",
        on_change=rerun,
        args=(D_K_PARTS,),
        help="Powers of two from 1 to 1024. GPT-2's heads use 64; the URL keeps your choice.",
    )
    middle.slider(
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
    return ws.current_controls()


# ---- the parts that follow d_k: keyed fragments, rerun together when d_k moves ---------------
# On such a rerun a fragment gets the arguments of its last full run (``shown``) and reads the
# controls from the session state.


@st.fragment(key="why_scale.your_d_k")
def your_d_k_numbers(shown: int) -> None:
    """Every measure at your d_k, unscaled beside scaled, under the controls."""
    c = ws.current_controls()
    unscaled, scaled = ws.by_d_k(ws.cached_sweep(c.num_tokens, c.seed), c.d_k)
    st.markdown(ws.your_d_k_table(c.d_k, c.num_tokens, unscaled, scaled, steps=min(shown, 3)))


@st.fragment(key="why_scale.weights")
def weights_at_your_d_k(shown: int) -> None:
    """Step 2: one query's attention weights at your d_k, unscaled beside scaled."""
    if shown > 1:
        c = ws.current_controls()
        sweep = ws.cached_sweep(c.num_tokens, c.seed)
        charts.show(ws.weights_chart(*ws.by_d_k(sweep, c.d_k)), width="stretch")


def set_temperature(value: float | None) -> None:
    """``on_click`` of the T buttons: T = value (None: √d_k for your d_k). The click reruns the
    whole page: a widget whose value a callback sets must be redrawn by a full run (a keyed
    rerun would leave the slider where it was)."""
    if value is None:
        value = ws.sqrt_dk_temperature(ws.current_controls().d_k)
    st.session_state["temperature"] = value


def temperature_controls() -> None:
    """Step 4's controls: the temperature slider, and buttons for T = √d_k and T = 1. None of
    them depends on d_k (the √d_k button reads it when clicked), so moving d_k leaves them be;
    moving T reruns only the parts that show T."""
    slider_col, root_col, one_col = st.columns([4, 1.1, 0.8], vertical_alignment="bottom")
    slider_col.select_slider(
        "Temperature T: softmax(q·k / T)",
        options=ws.TEMPERATURES,
        value=ws.DEFAULTS["temperature"],
        format_func=ws.format_temperature,
        key="temperature",
        bind="query-params",
        on_change=rerun,
        args=(T_PARTS,),
        help="Powers of √2. T = 1 is unscaled attention; T = √d_k is scaled attention.",
    )
    root_col.button(
        "T = √d_k",
        on_click=set_temperature,
        args=(None,),
        key=f"w.{ws.PAGE}.t_root",
        width="stretch",
        help="Scaled dot-product attention: T = √d_k for your d_k.",
    )
    one_col.button(
        "T = 1", on_click=set_temperature, args=(1.0,), key=f"w.{ws.PAGE}.t_one", width="stretch"
    )


def your_temperature() -> float:
    """T from the session (the slider's key), the default before the slider exists."""
    return st.session_state.get("temperature", ws.DEFAULTS["temperature"])


@st.fragment(key="why_scale.t_numbers")
def temperature_numbers(shown: int) -> None:
    """Step 4 in numbers: softmax at T = 1, T = √d_k and your T, for your d_k."""
    if shown < 4:
        return
    c, temperature = ws.current_controls(), your_temperature()
    root = ws.format_temperature(ws.sqrt_dk_temperature(c.d_k))
    unscaled, scaled = ws.by_d_k(ws.cached_sweep(c.num_tokens, c.seed), c.d_k)
    curve = ws.temperature_curves(ws.D_KS, c.num_tokens, c.seed)[ws.D_KS.index(c.d_k)]
    at_t = next(p for p in curve if math.isclose(p.temperature, temperature))
    rows = [
        ("T = 1: unscaled", unscaled),
        (f"T = √d_k = {root}: scaled", scaled),
        (f"{ws.YOU} your T = {ws.format_temperature(temperature)}", at_t),
    ]
    table = ws.temperature_table(c.d_k, c.num_tokens, temperature, rows, unscaled.raw_score_std)
    st.markdown(table)


@st.fragment(key="why_scale.t_chart")
def temperature_chart(shown: int) -> None:
    """Step 4 across every d_k: effective tokens against T, your T marked (not your d_k, so
    that moving d_k leaves this chart be)."""
    if shown < 4:
        return
    c = ws.current_controls()
    curves = ws.temperature_curves(ws.D_KS, c.num_tokens, c.seed)
    charts.show(ws.temperature_chart(curves, your_temperature(), c.num_tokens), width="stretch")


@st.fragment(key="why_scale.snippet")
def snippet(shown: int) -> None:
    """Step 5: a notebook snippet for your settings, built only while its expander is open."""
    if shown < 5:
        return
    label = "📋 Reproduce this in a notebook"
    with st.expander(label, key=SNIPPET_OPEN, on_change="rerun") as box:
        if box.open:
            c = ws.current_controls()
            snippet_code = ws.snippet(c.d_k, c.num_tokens, c.seed, your_temperature())
            st.code(snippet_code, language="python")


# ---- the page --------------------------------------------------------------------------------

with st.container(border=True):
    settings = controls()
    your_d_k_numbers(shown)
sweep = ws.cached_sweep(settings.num_tokens, settings.seed)

if shown > 0:  # ---- 1. spread
    st.markdown(f"{RULE}{ws.prose_section('spread')}")
    charts.show(ws.spread_chart(sweep), width="stretch")

if shown > 1:  # ---- 2. saturation
    st.markdown(f"{RULE}{ws.prose_section('saturation')}")
weights_at_your_d_k(shown)
if shown > 1:
    charts.show(ws.peakedness_chart(sweep), width="stretch")

if shown > 2:  # ---- 3. gradients
    st.markdown(f"{RULE}{ws.prose_section('gradients')}")
    st.info(ws.largest_d_k_note(sweep), icon="📉")
    charts.show(ws.gradient_chart(sweep), width="stretch")

st.markdown(
    "**Every number behind the charts above**, one row per d_k (means over "
    f"{ws.NUM_QUERIES} queries; the gradient is their median):"
)
st.dataframe(
    ws.sweep_table(sweep, steps=min(shown, 3)),
    hide_index=True,
    column_config=ws.sweep_table_config(),
    height="content",
)

if shown > 3:  # ---- 4. temperature
    st.markdown(f"{RULE}{ws.prose_section('temperature')}")
    temperature_controls()
temperature_numbers(shown)
temperature_chart(shown)

if shown > 4:  # ---- 5. code
    st.markdown(f"{RULE}{ws.prose_section('code')}")
    # built only while open: source code in a closed expander still weighs on every rerun
    with st.expander("🐍 The code that ran", key=f"w.{ws.PAGE}.source", on_change="rerun") as box:
        if box.open:
            st.code("\n\n".join(source_of(f) for f in SOURCES), language="python")
snippet(shown)
