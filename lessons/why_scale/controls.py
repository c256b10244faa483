"""The why-scale lesson's controls and the settings they are bound to (all in the share link).

    ?d_k=256&num_tokens=16&qk_seed=3&temperature=5.66

Each drawing function returns what its widgets now hold; the page passes that on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from ui import keys
from ui.inputs import MAX_SEED, InputError, parse_int, parse_number

D_KS: tuple[int, ...] = tuple(2**i for i in range(11))  # 1, 2, 4, ..., 1024
# Powers of √2 from 1/4 to 128: √d_k of every d_k above is one of them.
TEMPERATURES: tuple[float, ...] = tuple(2 ** (i / 2) for i in range(-4, 15))
MIN_TOKENS, MAX_TOKENS = 4, 32
NUM_QUERIES = 256  # every statistic is a mean (or a median) over this many random queries
DEFAULT_D_K, DEFAULT_TOKENS, DEFAULT_SEED, DEFAULT_T = 64, 8, 0, 1.0


def format_temperature(temperature: float) -> str:
    """A temperature as the slider and the link show it: 0.25, 0.354, 1, 1.41, 5.66, 128."""
    return f"{temperature:.3g}"


def sqrt_dk_temperature(d_k: int) -> float:
    """The option of ``TEMPERATURES`` equal to √d_k (d_k is a power of two)."""
    return min(TEMPERATURES, key=lambda t: abs(t - math.sqrt(d_k)))


def parse_d_k(text: str) -> int:
    """d_k from a link: one of the slider's powers of two."""
    try:
        d_k = int(text.strip())
    except ValueError:
        d_k = None
    if d_k not in D_KS:
        raise InputError(
            f"d_k must be a power of two from 1 to {D_KS[-1]} (1, 2, 4, …, {D_KS[-1]}); "
            f"got '{text}'."
        )
    return d_k


def parse_temperature(text: str) -> float:
    """T from a link: one of the slider's powers of √2, as it prints them (or close to one)."""
    value = parse_number(text, "temperature")
    for option in TEMPERATURES:
        if math.isclose(value, option, rel_tol=5e-3):
            return option
    shown = ", ".join(format_temperature(t) for t in TEMPERATURES[:4])
    raise InputError(
        f"temperature must be a power of √2 from {format_temperature(TEMPERATURES[0])} to "
        f"{format_temperature(TEMPERATURES[-1])} ({shown}, …); got '{text}'."
    )


D_K = keys.declare("why_scale.d_k", DEFAULT_D_K, param="d_k", parse_one=parse_d_k)
NUM_TOKENS = keys.declare(
    "why_scale.num_tokens",
    DEFAULT_TOKENS,
    param="num_tokens",
    parse_one=lambda text: parse_int(text, "num_tokens", MIN_TOKENS, MAX_TOKENS),
)
QK_SEED = keys.declare(
    "why_scale.qk_seed",
    DEFAULT_SEED,
    param="qk_seed",
    parse_one=lambda text: parse_int(text, "qk_seed", 0, MAX_SEED),
)
TEMPERATURE = keys.declare(
    "why_scale.temperature",
    DEFAULT_T,
    param="temperature",
    parse_one=parse_temperature,
    to_text=format_temperature,
)


@dataclass(frozen=True)
class Experiment:
    """What the page measures: d_k, keys per query, and the seed of the random draw."""

    d_k: int = DEFAULT_D_K
    num_tokens: int = DEFAULT_TOKENS
    seed: int = DEFAULT_SEED


def experiment(page: str) -> Experiment:
    """d_k, keys per query and the sample seed, side by side."""
    left, middle, right = st.columns([3, 2, 1.4])
    d_k = left.select_slider(
        "d_k, the dimension of each query and key",
        options=D_KS,
        help="Powers of two from 1 to 1024. GPT-2's attention heads use 64.",
        **keys.bind(D_K, page, name="d_k"),
    )
    num_tokens = middle.slider(
        "Keys per query (tokens)",
        min_value=MIN_TOKENS,
        max_value=MAX_TOKENS,
        help="How many keys each query spreads its attention over.",
        **keys.bind(NUM_TOKENS, page, name="num_tokens"),
    )
    seed = right.number_input(
        "Sample seed",
        min_value=0,
        max_value=MAX_SEED,
        step=1,
        help="Draws other random queries, keys and upstream gradients (entries ~ N(0, 1)).",
        **keys.bind(QK_SEED, page, name="qk_seed"),
    )
    if seed is None:  # a cleared box (its callback restores the stored seed)
        seed = keys.value(QK_SEED)
    return Experiment(int(d_k), int(num_tokens), int(seed))


def temperature(page: str, d_k: int) -> float:
    """Step 4's controls: T, and buttons for T = √d_k (your d_k) and T = 1."""
    slider_col, root_col, one_col = st.columns([4, 1.3, 1], vertical_alignment="bottom")
    with slider_col:
        chosen = st.select_slider(
            "Temperature T: softmax(ω / T)",
            options=TEMPERATURES,
            format_func=format_temperature,
            help="Powers of √2. T = 1 is unscaled attention; T = √d_k is scaled attention.",
            **keys.bind(TEMPERATURE, page, name="temperature"),
        )
    root = sqrt_dk_temperature(d_k)
    root_col.button(
        "T = √d_k",
        key=keys.widget_key(page, "t_root"),
        on_click=keys.store,
        args=(TEMPERATURE, root),
        help=f"Scaled dot-product attention at your d_k: T = √{d_k} = {format_temperature(root)}.",
        width="stretch",
    )
    one_col.button(
        "T = 1",
        key=keys.widget_key(page, "t_one"),
        on_click=keys.store,
        args=(TEMPERATURE, 1.0),
        help="Unscaled attention: softmax(ω).",
        width="stretch",
    )
    return float(chosen)
