"""The multihead lesson's controls and the settings they are bound to.

Each drawing function returns what its widgets now hold; the page passes that on. Every
setting has a URL parameter starting ``mh_`` (``?mh_p=0.2&mh_heads=4``), so a link opens the
page as the student left it.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from attention.causal import BOOK_MODULE_SEED
from attention.data import BOOK_SEED, BOOK_V2_SEED
from ui import keys, settings
from ui.inputs import MAX_D_OUT, MAX_SEED, MAX_TOKENS, parse_choice, parse_flag, parse_int
from ui.settings import LabSettings, WeightEdits

PAGE = "multihead"
STEPS: tuple[str, ...] = (
    "Causal mask", "Dropout", "CausalAttention", "Multi-head", "Wrapper vs MHA", "Exercises",
    "Code",
)  # fmt: skip
#: Dropout rates the slider offers: 0 (off) to 0.9 in steps of 0.05, as exact decimals.
DROPOUT_RATES: tuple[float, ...] = tuple(round(0.05 * k, 2) for k in range(19))
BOOK_DROPOUT = 0.5  # section 3.5.2: torch.nn.Dropout(0.5)
MAX_CONTEXT = 2 * MAX_TOKENS  # room to be longer than any input the lab accepts
MAX_EX_SIZE = 8192  # exercise 3.3 counts on the meta device: no memory, any size is cheap
MAX_EX_HEADS = 128
MAX_EX_CONTEXT = 65_536
MAX_EX32_D_OUT = 8


def _flag(name: str, default: bool, param: str) -> keys.Setting[bool]:
    return keys.declare(
        name,
        default,
        parse_one=lambda text: parse_flag(text, param),
        to_text=lambda on: "1" if on else "0",
        param=param,
    )


def _int(name: str, default: int, param: str, low: int, high: int) -> keys.Setting[int]:
    return keys.declare(
        name, default, parse_one=lambda text: parse_int(text, param, low, high), param=param
    )


BOOK_V2 = _flag("multihead.book_v2", True, "mh_v2")
DROPOUT = keys.declare(
    "multihead.dropout",
    BOOK_DROPOUT,
    parse_one=lambda text: parse_choice(text, "mh_p", DROPOUT_RATES, lambda p: f"{p:g}"),
    to_text=lambda p: f"{p:g}",
    param="mh_p",
)
DROPOUT_SEED = _int("multihead.dropout_seed", BOOK_SEED, "mh_dropout_seed", 0, MAX_SEED)
MODULE_SEED = _int("multihead.seed", BOOK_MODULE_SEED, "mh_seed", 0, MAX_SEED)
NUM_HEADS = _int("multihead.num_heads", 2, "mh_heads", 1, MAX_D_OUT)
#: None: as many as the input has tokens (the book: ``context_length = batch.shape[1]``).
CONTEXT_LENGTH = keys.declare(
    "multihead.context_length",
    None,
    parse_one=lambda text: parse_int(text, "mh_context", 1, MAX_CONTEXT),
    param="mh_context",
)
EX32_D_OUT = _int("multihead.ex32_d_out", 2, "mh_ex32_d_out", 1, MAX_EX32_D_OUT)
EX33_D_IN = _int("multihead.ex33_d_in", 3, "mh_ex33_d_in", 1, MAX_EX_SIZE)
EX33_D_OUT = _int("multihead.ex33_d_out", 2, "mh_ex33_d_out", 1, MAX_EX_SIZE)
EX33_HEADS = _int("multihead.ex33_heads", 2, "mh_ex33_heads", 1, MAX_EX_HEADS)
EX33_CONTEXT = _int("multihead.ex33_context", 6, "mh_ex33_context", 1, MAX_EX_CONTEXT)
EX33_BIAS = _flag("multihead.ex33_bias", False, "mh_ex33_bias")


def divisors(d_out: int) -> list[int]:
    """The head counts that split d_out evenly: num_heads must divide d_out."""
    return [h for h in range(1, d_out + 1) if d_out % h == 0]


def fitting_heads(d_out: int, wanted: int) -> int:
    """``wanted`` if it divides d_out, else the largest divisor of d_out below it."""
    return max(h for h in divisors(d_out) if h <= max(wanted, 1))


@dataclass(frozen=True)
class Choices:
    """The lesson's own settings that more than one step uses, as plain values."""

    book_v2: bool = True  # steps 1-2: the book's SelfAttention_v2 weights (seed 789)
    num_heads: int = 2
    seed: int = BOOK_MODULE_SEED  # steps 3-6: torch.manual_seed(seed) before each module


def weights_switch(page: str) -> bool:
    return st.toggle(
        f"Steps 1-2 use the book's SelfAttention_v2 weights (nn.Linear, seed {BOOK_V2_SEED})",
        help=f"On: the book's SelfAttention_v2 weights, three nn.Linear(d_in, d_out, bias=False) "
        f"after torch.manual_seed({BOOK_V2_SEED}), as in section 3.5. Off: the Scaled "
        "dot-product page's weights (torch.rand, its seeds and hand edits).",
        **keys.bind(BOOK_V2, page, name="book_v2"),
    )


def d_out(page: str) -> int:
    """The shared d_out (a new d_out discards hand edits of the weights, as on every page)."""
    return st.number_input(
        "d_out (shared)",
        min_value=1,
        max_value=MAX_D_OUT,
        step=1,
        help="The output size of the projections; the book uses 2. Shared with the other "
        "pages. In MultiHeadAttention it is the size of all heads together.",
        **keys.bind(settings.D_OUT, page, then=lambda _: keys.store(settings.WEIGHT_EDITS, ())),
    )


def num_heads(page: str, d_out: int) -> int:
    """num_heads, among the divisors of d_out (a stored value that no longer divides d_out,
    after d_out changed, becomes the largest divisor below it)."""
    fitting = fitting_heads(d_out, keys.value(NUM_HEADS))
    if fitting != keys.value(NUM_HEADS):
        keys.store(NUM_HEADS, fitting)
    return st.selectbox(
        "num_heads",
        divisors(d_out),
        help="Only divisors of d_out: MultiHeadAttention gives each head head_dim = d_out / "
        "num_heads of the d_out columns.",
        **keys.bind(NUM_HEADS, page, name="num_heads"),
    )


def module_seed(page: str) -> int:
    return st.number_input(
        "modules' seed (steps 3-6)",
        min_value=0,
        max_value=MAX_SEED,
        step=1,
        help="torch.manual_seed(seed) before building CausalAttention, the wrapper and "
        "MultiHeadAttention; the book uses 123. Drawn from a local generator here.",
        **keys.bind(MODULE_SEED, page, name="seed"),
    )


def dropout(page: str) -> tuple[float, int]:
    """The dropout rate p and the seed of its random pattern."""
    p_col, seed_col = st.columns(2)
    with p_col:
        p = st.select_slider(
            "dropout rate p",
            options=DROPOUT_RATES,
            format_func=lambda p: "0 (off)" if p == 0 else f"{p:g}",
            help="Each attention weight is zeroed with probability p; the others are "
            "multiplied by 1 / (1 - p). The book uses 0.5.",
            **keys.bind(DROPOUT, page, name="dropout"),
        )
    with seed_col:
        seed = st.number_input(
            "dropout seed",
            min_value=0,
            max_value=MAX_SEED,
            step=1,
            help="The book calls torch.manual_seed(123) before its dropout example.",
            **keys.bind(DROPOUT_SEED, page, name="dropout_seed"),
        )
    return float(p), int(seed)


def context_length(page: str, num_tokens: int) -> int:
    """CausalAttention's context_length; until the student sets one, the number of tokens."""
    key = keys.widget_key(page, "context_length")
    stored = keys.value(CONTEXT_LENGTH)
    shown = num_tokens if stored is None else stored
    if st.session_state.get(key) != shown:
        st.session_state[key] = shown

    def changed() -> None:
        new = st.session_state.get(key)
        if new is None:  # a cleared box keeps the value
            st.session_state[key] = shown
            return
        keys.store(CONTEXT_LENGTH, int(new))

    return int(
        st.number_input(
            "context_length",
            min_value=1,
            max_value=MAX_CONTEXT,
            step=1,
            key=key,
            on_change=changed,
            help="The longest input the module supports: its mask buffer is (context_length, "
            "context_length). The book passes batch.shape[1], the number of tokens. Try fewer.",
        )
    )


def exercise_32(page: str) -> int:
    return st.number_input(
        "d_out of each head (num_heads stays 2)",
        min_value=1,
        max_value=MAX_EX32_D_OUT,
        step=1,
        help="The wrapper's d_out is the size of one head; the book's example uses 2.",
        **keys.bind(EX32_D_OUT, page, name="ex32_d_out"),
    )


@dataclass(frozen=True)
class Sizes:
    """The sizes of exercise 3.3's MultiHeadAttention."""

    d_in: int
    d_out: int
    num_heads: int
    context_length: int
    qkv_bias: bool


def exercise_33(page: str) -> Sizes:
    cols = st.columns(4)
    boxes = (
        ("d_in", EX33_D_IN, MAX_EX_SIZE),
        ("d_out", EX33_D_OUT, MAX_EX_SIZE),
        ("num_heads", EX33_HEADS, MAX_EX_HEADS),
        ("context_length", EX33_CONTEXT, MAX_EX_CONTEXT),
    )
    values = []
    for col, (label, setting, high) in zip(cols, boxes, strict=True):
        with col:
            values.append(
                st.number_input(label, min_value=1, max_value=high, step=1,
                                **keys.bind(setting, page, name=f"ex33_{label}"))
            )  # fmt: skip
    bias = st.toggle(
        "qkv_bias (bias terms in W_query, W_key, W_value)",
        help="The book's default is qkv_bias=False; out_proj always has a bias.",
        **keys.bind(EX33_BIAS, page, name="ex33_bias"),
    )
    return Sizes(int(values[0]), int(values[1]), int(values[2]), int(values[3]), bool(bias))


# ---- the scaled page's weights, when step 1 uses them ---------------------------------------


def fitting_edits(current: LabSettings) -> tuple[WeightEdits, tuple[str, ...]]:
    """The scaled page's hand edits that fit, and why the others are not used."""
    return settings.fitting_weight_edits(current)
