"""Sections 3.1-3.2: an encoder-decoder RNN loses long inputs through its one hidden state;
with Bahdanau attention the decoder looks back at every input.

The lesson, top to bottom: which models, then one function per step. The models and every
measurement come from ``lessons.rnn.view`` (cached, tuples); the sentences from
``lessons.rnn.text``; tables from ``ui.tables``, lines from ``ui.charts``.
"""

import textwrap

import streamlit as st

from attention.additive import additive_attention_scores, bahdanau_attention
from attention.seq2seq import (
    SHIPPED,
    Seq2SeqGRU,
    TrainingBusyError,
    accuracy_by_length,
    accuracy_by_position,
    build_model,
    config_key,
    greedy_decode,
    train_both,
)
from attention.seq2seq.jobs import DONE
from lessons.rnn import charts, controls, snippet, text, view
from lessons.rnn.text import MODEL_NAMES
from lessons.rnn.view import Copies, Models
from ui import blocks, fmt, frame, keys, settings, tables
from ui import charts as lab_charts
from ui.blocks import markdown, small
from ui.settings import LabSettings

PAGE = "rnn"
STEPS = (
    "Accuracy against input length",
    "Accuracy digit by digit",
    "Copy a sequence yourself",
    "Where attention looks",
    "The bottleneck",
    "Retrain live",
    "The code",
)
SIMPLIFIED = next(p for p in frame.PAGES if p.path.endswith("2_Simplified_self_attention.py"))
WEIGHTS = tables.Heat(0.0, 1.0)  # attention weights: 0 .. 1
STATES = tables.Heat(-1.0, 1.0, diverging=True)  # GRU states and their mixes lie in (-1, 1)


def lesson_text(section: str) -> str:
    return blocks.prose(PAGE, section)


def source(*functions) -> str:
    """The source of core functions and methods, methods dedented to the left margin."""
    return "\n\n".join(textwrap.dedent(blocks.source(f)) for f in functions)


def intro() -> None:
    markdown(
        "# 🔁 Why attention: an RNN forgets, attention looks back",
        small(
            "Sections 3.1-3.2 · Bahdanau, Cho and Bengio (2014), on a copy task small enough "
            "to train here"
        ),
        lesson_text("intro"),
    )


# A training runs in the background (``attention.seq2seq.TrainingJobs``), for the whole server.
# This fragment polls it once a second (``run_every``: the lab's one timed rerun) and reruns only
# itself; it sits in the models line, so it polls whichever step is open. When the job ends it
# asks for a full run, and the models line switches to the result.
@st.fragment(run_every=1.0)
def training_progress(key: str, projector: bool, with_chart: bool) -> None:
    status = view.status(key)
    if status is None or not status.active:
        st.rerun(scope="app")
    st.progress(status.fraction, text=text.status_text(status, view.jobs().eval_lengths))
    if with_chart and status.rnn_losses:
        lab_charts.show(
            lab_charts.spec(
                charts.loss_chart, "Training loss so far",
                data=charts.loss_records(status.rnn_losses, status.attention_losses),
                projector=projector,
            )
        )  # fmt: skip


def models_line(current: LabSettings, retrain_open: bool) -> Models:
    """Which two models the page shows: the shipped checkpoints or a finished retraining (any
    student's on this server). A training this session waits for shows its progress here (its
    loss curves too while step 6 is open), and is switched to when done."""
    with st.container(border=True, key=keys.widget_key(PAGE, "models_line")):
        watching = keys.value(controls.WATCHING)
        if watching:
            status = view.status(watching)
            if status is None or not status.active:
                keys.store(controls.WATCHING, "")
                if status is not None and status.state == DONE:
                    keys.store(controls.MODELS, watching)
                    st.success(text.switched(status), icon="✅")
                elif status is not None:
                    st.error(f"The training you started failed: {status.error}", icon="🛑")
        finished = {s.key: s.config for s in view.finished()}
        options = [SHIPPED, *finished]
        if keys.value(controls.MODELS) not in options:
            keys.store(controls.MODELS, SHIPPED)
            st.warning(
                "The retrained models you were looking at were dropped to make room for newer "
                "ones (the server keeps a few). Showing the shipped checkpoints.",
                icon="♻️",
            )
        key = controls.models_radio(PAGE, options, lambda k: text.model_choice(finished.get(k)))
        models = view.models(key) or view.shipped()
        st.markdown(text.models_line(models))
        watching = keys.value(controls.WATCHING)
        if watching:
            training_progress(watching, current.projector, retrain_open)
    return models


# ---- 1 · accuracy against input length -------------------------------------------------------


def step_length(models: Models, current: LabSettings) -> None:
    markdown("## 1 · Accuracy against input length", lesson_text("length"))
    rnn, att = models.rnn_curve, models.attention_curve
    lo, hi = models.config.min_length, models.config.max_length
    chart_col, table_col = st.columns([4, 3])
    with chart_col:
        lab_charts.show(
            lab_charts.spec(
                charts.accuracy_chart, "length", "input length (digits)",
                "Copy accuracy against input length", True,
                data=charts.length_records(models), projector=current.projector,
            )
        )  # fmt: skip
    with table_col:
        tables.show(
            tables.columns(
                {
                    "length": list(rnn.lengths),
                    MODEL_NAMES["rnn"]: list(rnn.accuracy),
                    MODEL_NAMES["attention"]: list(att.accuracy),
                    "trained on": [lo <= n <= hi for n in rnn.lengths],
                },
                caption="<strong>Token accuracy</strong> by input length",
                fmt=".3f", max_height=340, projector=current.projector,
            )
        )  # fmt: skip
    markdown(text.length_summary(models), small(text.measured_on(rnn, models.shipped)))
    counts = view.counts(models.config)
    markdown("### Two models, one architecture, plus attention")
    tables.show(
        tables.row_of(
            [
                tables.columns(
                    {"model": [MODEL_NAMES["rnn"], MODEL_NAMES["attention"]],
                     "parameters": [f"{counts.rnn:,}", f"{counts.attention:,}"]},
                    caption="<strong>Parameters</strong> of each model",
                    projector=current.projector,
                ),
                tables.columns(
                    {"attention-only part": [n for n, _ in counts.attention_parts] + ["all of them"],
                     "parameters": [f"{c:,}" for _, c in counts.attention_parts]
                                   + [f"{counts.difference:,}"]},
                    caption="<strong>What attention adds</strong>",
                    projector=current.projector,
                ),
            ]
        )
    )  # fmt: skip
    markdown(text.separate_models(models, counts))
    blocks.code(
        "🐍 The code that ran: accuracy by length",
        lambda: source(accuracy_by_length, greedy_decode),
        key=keys.widget_key(PAGE, "code_length"),
    )


# ---- 2 · accuracy digit by digit -------------------------------------------------------------


def step_position(models: Models, current: LabSettings) -> None:
    markdown("## 2 · Accuracy digit by digit", lesson_text("position"))
    length = controls.position_length(PAGE, models.rnn_curve.num_samples)
    positions = view.positions(models, length)
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        lab_charts.show(
            lab_charts.spec(
                charts.accuracy_chart, "position", "output position (digit number)",
                "Accuracy at each output position", False,
                data=charts.position_records(positions), projector=current.projector,
            )
        )  # fmt: skip
    with table_col:
        tables.show(
            tables.columns(
                {
                    "position": list(range(1, length + 1)),
                    MODEL_NAMES["rnn"]: list(positions.rnn),
                    MODEL_NAMES["attention"]: list(positions.attention),
                },
                caption=f"<strong>Token accuracy</strong> by position, inputs of {length} "
                f"digit{'s' if length > 1 else ''}",
                fmt=".3f", max_height=340, projector=current.projector,
            )
        )  # fmt: skip
    markdown(text.position_summary(positions, models))
    blocks.code(
        "🐍 The code that ran: accuracy by position",
        lambda: source(accuracy_by_position),
        key=keys.widget_key(PAGE, "code_position"),
    )


# ---- 3 · copy a sequence yourself ------------------------------------------------------------


def the_input(models: Models) -> tuple[Copies, tuple[int, ...]]:
    """The digits box (steps 3, 4, 5 and 7 share it) and both models' copies of its digits
    (the last valid ones while the box holds bad text)."""
    digits, error = controls.digits_input(PAGE, models.config)
    if error:
        st.error(
            f"{error} Still showing the last valid input, {controls.digits_text(digits)}.",
            icon="✋",
        )
    return view.copies(models, digits), digits


def step_copy(models: Models, current: LabSettings) -> None:
    markdown("## 3 · Copy a sequence yourself", lesson_text("copy"))
    copies, _ = the_input(models)
    tables.show(charts.digit_grid(copies, current.projector))
    markdown(text.copy_summary(copies, models.config))
    blocks.code(
        "🐍 The code that ran: greedy decoding",
        lambda: source(greedy_decode, Seq2SeqGRU.step),
        key=keys.widget_key(PAGE, "code_copy"),
    )


# ---- 4 · where attention looks -------------------------------------------------------------


def input_labels(digits) -> list[str]:
    """Columns of the alignment table: ``x⁽³⁾=1`` = the input digit at position j = 3 is 1."""
    return [f"x{fmt.sup(j + 1)}={d}" for j, d in enumerate(digits)]


def output_labels(digits) -> list[str]:
    """Rows of the alignment table: ``y⁽³⁾=1`` = decoder step i = 3 wrote 1."""
    return [f"y{fmt.sup(i + 1)}={d}" for i, d in enumerate(digits)]


def step_alignment(models: Models, current: LabSettings) -> None:
    markdown("## 4 · Where attention looks: the alignment matrix")
    copies, _ = the_input(models)
    att = copies.attention
    T = len(att.input_digits)
    markdown(lesson_text("alignment"))
    step = controls.decoder_step(PAGE, T)
    i = step - 1
    markdown(text.step_summary(att, step))
    tables.show(
        tables.matrix(
            att.alignment, output_labels(att.output_digits), input_labels(att.input_digits),
            caption=f"<strong>Alignment matrix</strong> α ({T}, {T}): row i = decoder step, "
            "column j = input position; each row sums to 1",
            row_title="step i", col_title="input j", heat=WEIGHTS, fmt=".2f",
            mark_row=i, max_height=460, projector=current.projector,
        )
    )  # fmt: skip
    markdown(text.alignment_summary(att))
    j, _ = text.strongest(att, step)
    weights = tables.columns(
        {
            "input j": [f"{jj + 1}" for jj in range(T)],
            "digit x⁽ʲ⁾": list(att.input_digits),
            f"energy e{fmt.sub(step)}ⱼ": list(att.energies[i]),
            f"weight α{fmt.sub(step)}ⱼ": [tables.Bar(w, 1.0) for w in att.alignment[i]],
        },
        caption=f"<strong>Decoder step {step}</strong>: energy and weight of each input "
        f"(▶ j = {step}, the input it copies)",
        fmt=".4f", mark_row=i, max_height=460, projector=current.projector,
    )  # fmt: skip
    H = len(att.context_vecs[i])
    context = tables.matrix(
        [(c, h) for c, h in zip(att.context_vecs[i], att.encoder_states[j - 1], strict=True)],
        fmt.dims(H), [f"c{fmt.sub(step)}", f"h{fmt.sub(j)}"],
        caption=f"<strong>Context vector c{fmt.sub(step)}</strong> beside h{fmt.sub(j)}, the "
        "encoder state it weights most",
        row_title="dimension", col_title="vector", heat=STATES, fmt=".3f",
        max_height=460, projector=current.projector,
    )  # fmt: skip
    tables.show(tables.row_of([weights, context]))
    markdown(text.context_summary(att, step))
    blocks.code(
        "🐍 The code that ran: Bahdanau attention",
        lambda: source(bahdanau_attention, additive_attention_scores),
        key=keys.widget_key(PAGE, "code_alignment"),
    )
    markdown(lesson_text("self_attention"))
    frame.page_link(SIMPLIFIED, "Section 3.3: self-attention, one sequence attending to itself")


# ---- 5 · the bottleneck ----------------------------------------------------------------------


def step_bottleneck(models: Models, current: LabSettings) -> None:
    markdown("## 5 · The bottleneck, made visible")
    copies, _ = the_input(models)
    plain, att = copies.rnn, copies.attention
    T, H = len(plain.input_digits), len(plain.bottleneck)
    markdown(
        lesson_text("bottleneck"),
        text.bottleneck_plain(copies),
        text.bottleneck_attention(copies),
    )
    columns = ["h_T (plain)"] + [f"c{fmt.sub(i + 1)}" for i in range(T)]
    rows = [(plain.bottleneck[k], *(att.context_vecs[i][k] for i in range(T))) for k in range(H)]
    tables.show(
        tables.matrix(
            rows, fmt.dims(H), columns,
            caption=f"<strong>What each decoder gets of the input</strong>: the plain model's "
            f"h_T (one vector of {H}) beside the attention model's c₁ … c{fmt.sub(T)}",
            row_title="dimension", col_title="vector", heat=STATES, fmt=".2f",
            max_height=460, projector=current.projector,
        )
    )  # fmt: skip
    blocks.code(
        "🐍 The code that ran: the encoder",
        lambda: source(Seq2SeqGRU.encode),
        key=keys.widget_key(PAGE, "code_bottleneck"),
    )


# ---- 6 · retrain live --------------------------------------------------------------------------


def step_retrain(models: Models, current: LabSettings) -> None:
    markdown("## 6 · Retrain both models live", lesson_text("retrain"))
    wanted = controls.retrain(PAGE)
    key = config_key(wanted)
    st.caption(
        text.wanted_note(
            view.counts(wanted), view.status(key), key == models.key,
            wanted == controls.SHIPPED_CONFIG,
        )
    )  # fmt: skip
    if controls.train_button(PAGE):
        try:
            started = view.submit(wanted)
        except TrainingBusyError as busy:
            st.warning(str(busy), icon="⏳")
        else:
            keys.store(controls.WATCHING, started.key)
            st.rerun()  # the models line (above) shows the progress from now on
    markdown("### Training loss of the models on this page", text.loss_summary(models))
    steps = charts.loss_steps(len(models.rnn_losses), 20)
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        lab_charts.show(
            lab_charts.spec(
                charts.loss_chart, "Cross-entropy loss at each training step",
                data=charts.loss_records(models.rnn_losses, models.attention_losses),
                projector=current.projector,
            )
        )  # fmt: skip
    with table_col:
        tables.show(
            tables.columns(
                {
                    "step": [s + 1 for s in steps],
                    MODEL_NAMES["rnn"]: [models.rnn_losses[s] for s in steps],
                    MODEL_NAMES["attention"]: [models.attention_losses[s] for s in steps],
                },
                caption="<strong>Training loss</strong> at about 20 steps",
                fmt=".4f", max_height=340, projector=current.projector,
            )
        )  # fmt: skip
    blocks.code(
        "🐍 The code that ran: training",
        lambda: source(train_both, build_model),
        key=keys.widget_key(PAGE, "code_train"),
    )


# ---- 7 · the code ----------------------------------------------------------------------------


def step_code(models: Models) -> None:
    markdown("## 7 · The code that ran, and the command line")
    _, digits = the_input(models)
    markdown(lesson_text("code"))
    parts = (
        ("the model: the encoder and one decoder step", (Seq2SeqGRU.encode, Seq2SeqGRU.step)),
        ("Bahdanau attention", (bahdanau_attention, additive_attention_scores)),
        ("decoding and measuring", (greedy_decode, accuracy_by_length, accuracy_by_position)),
    )
    st.code(
        "\n\n\n".join(f"# ---- {heading} ----\n\n{source(*fs)}" for heading, fs in parts),
        language="python",
    )
    step = min(keys.value(controls.DECODER_STEP), len(digits))
    length = keys.value(controls.POSITION_LENGTH)
    st.markdown("**Reproduce this page in a notebook** (its models, your input, your sliders):")
    st.code(snippet.reproduce(models, digits, step, length), language="python")
    st.markdown("**The command line:**")
    st.code(snippet.cli(models), language="bash")


# ---- the page --------------------------------------------------------------------------------


def lesson() -> None:
    """The models line stays on top; the steps follow below it, one at a time."""
    current = settings.current()
    intro()
    steps = frame.Steps(PAGE, STEPS)
    models = models_line(current, steps.current == 6)
    with steps.open_step():
        if steps.current == 1:
            step_length(models, current)
        elif steps.current == 2:
            step_position(models, current)
        elif steps.current == 3:
            step_copy(models, current)
        elif steps.current == 4:
            step_alignment(models, current)
        elif steps.current == 5:
            step_bottleneck(models, current)
        elif steps.current == 6:
            step_retrain(models, current)
        else:
            step_code(models)
        steps.next_button()


frame.setup(PAGE, "RNN vs attention", STEPS)
frame.run(lesson)
