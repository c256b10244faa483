"""The RNN lesson's settings and widgets: which models, the digits to copy, the sliders of steps
2 and 4, and the retraining controls of step 6.

Each drawing function returns what its widgets now hold; the page passes that on.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import streamlit as st

from attention.seq2seq import SHIPPED, Seq2SeqConfig
from attention.seq2seq.jobs import EVAL_LENGTHS
from ui import keys
from ui.inputs import MAX_SEED, InputError, parse_choice, parse_int

DEFAULT_DIGITS = "2718281828459045"  # e: the plain model gets the first digits, then drifts
MAX_INPUT_LENGTH = 40  # a 40 x 40 alignment table still fits its box
MAX_EVAL_LENGTH = max(EVAL_LENGTHS)  # the length curves and the position slider go to 30
HIDDEN_SIZES: tuple[int, ...] = (8, 16, 32, 64, 128)
STEP_CHOICES: tuple[int, ...] = (20, 50, 100, 200, 400, 800)
SHIPPED_CONFIG = Seq2SeqConfig()  # the shipped checkpoints were trained with the defaults


# ---- parsing (pure Python) ----------------------------------------------------------------


def parse_input(text: str) -> tuple[int, ...]:
    """The digits a student typed (spaces ignored); a readable ``InputError`` for anything else."""
    stripped = "".join(str(text).split())
    if not stripped:
        raise InputError("Type at least one digit (0-9) to copy.")
    bad = sorted({ch for ch in stripped if ch not in "0123456789"})
    if bad:
        shown = ", ".join(f"'{ch}'" for ch in bad[:5])
        raise InputError(f"Only the digits 0-9 can be copied (spaces are ignored); not {shown}.")
    if len(stripped) > MAX_INPUT_LENGTH:
        raise InputError(
            f"At most {MAX_INPUT_LENGTH} digits, got {len(stripped)}: the alignment table of "
            f"step 4 stays readable up to {MAX_INPUT_LENGTH} × {MAX_INPUT_LENGTH}."
        )
    return tuple(int(ch) for ch in stripped)


def digits_text(digits: Iterable[int]) -> str:
    return "".join(str(d) for d in digits)


def random_digits_text(length: int, draw: int) -> str:
    """``length`` random digits, this session's draw number ``draw`` (a local generator)."""
    rng = random.Random(f"rnn-page-{length}-{draw}")
    return "".join(str(rng.randrange(10)) for _ in range(length))


def parse_lengths(text: str) -> tuple[int, int]:
    """Training lengths from a link: "3-20" -> (3, 20)."""
    low, sep, high = text.partition("-")
    if not sep:
        raise InputError(f"rnn_train is '{text}'; write the shortest and longest, e.g. 3-20.")
    lo = parse_int(low, "the shortest training length", 1, MAX_EVAL_LENGTH)
    hi = parse_int(high, "the longest training length", 1, MAX_EVAL_LENGTH)
    if lo > hi:
        raise InputError(f"rnn_train is '{text}': the shortest length comes first.")
    return lo, hi


def retrain_config(
    hidden_size: int, lengths: tuple[int, int], num_steps: int, seed: int
) -> Seq2SeqConfig:
    """The config behind the retrain controls (attention_size follows hidden_size, as in the
    shipped models; everything else is the shipped config)."""
    return replace(
        SHIPPED_CONFIG,
        hidden_size=int(hidden_size),
        attention_size=int(hidden_size),
        min_length=int(lengths[0]),
        max_length=int(lengths[1]),
        num_steps=int(num_steps),
        seed=int(seed),
    )


# ---- settings -------------------------------------------------------------------------------

MODELS = keys.declare("rnn.models", SHIPPED)  # the models on the page (session only)
WATCHING = keys.declare("rnn.watching", "")  # the training this session waits for
DRAWS = keys.declare("rnn.draws", 0)  # random inputs drawn so far in this session
DIGITS = keys.declare(
    "rnn.digits", DEFAULT_DIGITS, param="rnn_digits",
    parse_one=lambda t: digits_text(parse_input(t)),
)  # fmt: skip
RANDOM_LENGTH = keys.declare(
    "rnn.random_length", 16, param="rnn_random",
    parse_one=lambda t: parse_int(t, "rnn_random", 1, MAX_INPUT_LENGTH),
)  # fmt: skip
POSITION_LENGTH = keys.declare(
    "rnn.position_length", 20, param="rnn_len",
    parse_one=lambda t: parse_int(t, "rnn_len", 1, MAX_EVAL_LENGTH),
)  # fmt: skip
DECODER_STEP = keys.declare(
    "rnn.decoder_step", 1, param="rnn_i",
    parse_one=lambda t: parse_int(t, "rnn_i", 1, MAX_INPUT_LENGTH),
)  # fmt: skip
HIDDEN = keys.declare(
    "rnn.hidden", SHIPPED_CONFIG.hidden_size, param="rnn_hidden",
    parse_one=lambda t: parse_choice(t, "rnn_hidden", HIDDEN_SIZES),
)  # fmt: skip
TRAIN_LENGTHS = keys.declare(
    "rnn.train_lengths", (SHIPPED_CONFIG.min_length, SHIPPED_CONFIG.max_length),
    param="rnn_train", parse_one=parse_lengths, to_text=lambda v: f"{v[0]}-{v[1]}",
)  # fmt: skip
TRAIN_STEPS = keys.declare(
    "rnn.train_steps", SHIPPED_CONFIG.num_steps, param="rnn_steps",
    parse_one=lambda t: parse_choice(t, "rnn_steps", STEP_CHOICES),
)  # fmt: skip
TRAIN_SEED = keys.declare(
    "rnn.train_seed", SHIPPED_CONFIG.seed, param="rnn_seed",
    parse_one=lambda t: parse_int(t, "rnn_seed", 0, MAX_SEED),
)  # fmt: skip


def _bind(setting: keys.Setting, page: str, **kwargs) -> dict:
    """``keys.bind`` with the widget key ``rnn.<name>`` (the settings' names carry the prefix)."""
    return keys.bind(setting, page, name=setting.name.removeprefix("rnn."), **kwargs)


# ---- the models line ----------------------------------------------------------------------


def models_radio(page: str, options: Sequence[str], label: Callable[[str], str]) -> str:
    """Shipped checkpoints or one of the finished trainings (``options``, keys)."""
    if len(options) == 1:
        return options[0]
    return st.radio(
        "Models on this page",
        list(options),
        format_func=label,
        horizontal=True,
        help="Retrained models are shared by everyone on this server; it keeps the last few.",
        **_bind(MODELS, page),
    )


# ---- step 2 ----------------------------------------------------------------------------------


def position_length(page: str, num_samples: int) -> int:
    return st.slider(
        "Input length (digits)",
        1,
        MAX_EVAL_LENGTH,
        help=f"Accuracy at each position over {num_samples:,} random strings of this length: "
        "the strings of step 1's point at this length.",
        **_bind(POSITION_LENGTH, page),
    )


# ---- step 3: the digits --------------------------------------------------------------------


def _draw(page: str, length: int) -> None:
    """'Random digits': fresh digits of ``length`` into the box (a local generator)."""
    draws = keys.value(DRAWS) + 1
    keys.store(DRAWS, draws)
    text = random_digits_text(int(length), draws)
    keys.store(DIGITS, text)
    st.session_state[keys.widget_key(page, "digits")] = text


def digits_input(page: str, config: Seq2SeqConfig) -> tuple[tuple[int, ...], str | None]:
    """The digits box, a random length and 'Random digits'. Returns the digits to copy and, if
    the box holds bad text, its message (the digits are then the last valid ones)."""
    key = keys.widget_key(page, "digits")
    if key not in st.session_state:  # a first view, a revisit, a link, a reset
        st.session_state[key] = keys.value(DIGITS)

    def typed() -> None:
        # bad text: the page shows the message, and the setting keeps the last valid digits
        with contextlib.suppress(InputError):
            keys.store(DIGITS, digits_text(parse_input(st.session_state[key])))

    typed_col, length_col, button_col = st.columns([4, 2, 2], vertical_alignment="bottom")
    text = typed_col.text_input(
        f"Digits to copy (0-9, 1 to {MAX_INPUT_LENGTH} of them)",
        key=key,
        on_change=typed,
        help=f"Spaces are ignored. These models trained on {config.min_length} to "
        f"{config.max_length} digits: try longer ones too.",
    )
    with length_col:
        length = st.number_input(
            "Random length",
            min_value=1,
            max_value=MAX_INPUT_LENGTH,
            step=1,
            help="How many digits 'Random digits' draws.",
            **_bind(RANDOM_LENGTH, page),
        )
    button_col.button(
        "🎲 Random digits",
        key=keys.widget_key(page, "random"),
        on_click=_draw,
        args=(page, int(length)),
        width="stretch",
    )
    try:
        return parse_input(text), None
    except InputError as error:
        return parse_input(keys.value(DIGITS)), str(error)


# ---- step 4 ----------------------------------------------------------------------------------


def decoder_step(page: str, num_steps: int) -> int:
    """Which decoder step i to inspect (1 .. T); no slider when there is one step."""
    if keys.value(DECODER_STEP) > num_steps:  # a shorter input: the last step instead
        keys.store(DECODER_STEP, num_steps)
    if num_steps == 1:
        return 1
    return st.slider(
        "Decoder step i",
        1,
        num_steps,
        help="Which output digit to inspect: its row is marked ▶ in the alignment table.",
        **_bind(DECODER_STEP, page),
    )


# ---- step 6: retraining ----------------------------------------------------------------------


def retrain(page: str) -> Seq2SeqConfig:
    """Hidden size, training lengths, steps and seed: the config a click on Train asks for."""
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        hidden = st.select_slider(
            "Hidden size H",
            HIDDEN_SIZES,
            help="The GRU state size: the plain model's whole memory of the input (h_T).",
            **_bind(HIDDEN, page),
        )
    with c2:
        lengths = st.slider(
            "Training lengths",
            1,
            MAX_EVAL_LENGTH,
            help=f"Training strings have these lengths; the curves still go to {MAX_EVAL_LENGTH}.",
            **_bind(TRAIN_LENGTHS, page),
        )
    with c3:
        steps = st.select_slider(
            "Training steps",
            STEP_CHOICES,
            help=f"Batches of {SHIPPED_CONFIG.batch_size} strings, the same batches for both "
            "models.",
            **_bind(TRAIN_STEPS, page),
        )
    with c4:
        seed = st.number_input(
            "Seed",
            min_value=0,
            max_value=MAX_SEED,
            step=1,
            help="The initial weights and the training batches both come from it.",
            **_bind(TRAIN_SEED, page),
        )
    return retrain_config(int(hidden), (int(lengths[0]), int(lengths[1])), int(steps), int(seed))


def train_button(page: str) -> bool:
    return st.button("▶ Train both models", type="primary", key=keys.widget_key(page, "train"))
