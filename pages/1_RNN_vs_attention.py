"""Sections 3.1-3.2: an encoder-decoder RNN forgets long inputs; Bahdanau attention does not.

Layout only: the models, measurements, charts and training jobs come from ``ui.rnn``. Few
elements on purpose (the browser re-renders every element of a page on each rerun): a heading
and its prose are one markdown block, tables are plain HTML, and each section's controls
rerun only that section (fragments).
"""

import streamlit as st

from attention.additive import additive_attention_scores, bahdanau_attention
from attention.seq2seq import (
    Seq2SeqGRU,
    accuracy_by_length,
    accuracy_by_position,
    greedy_decode,
    train_both,
)
from ui import charts, rnn, state
from ui.blocks import code_section, markdown, page_intro, show_table, small
from ui.inputs import InputError
from ui.layout import page_setup, prose_text, sources, stepper

PAGE = rnn.PAGE
STEPS = (
    "Accuracy against input length",
    "Accuracy digit by digit",
    "Copy a sequence yourself",
    "Where attention looks",
    "The bottleneck",
    "Retrain live",
)
WATCHING = "rnn.watching"  # the training job this session waits for (a non-widget key)
FLASH = "rnn.flash"  # a message for the next full run
LAST_DIGITS = "rnn.last_digits"  # the last valid input, shown while the box holds a bad one
DRAWS = "rnn.draws"  # how many random inputs this session drew

settings = page_setup("RNN vs attention", PAGE)
page_intro(
    "# 🔁 Why attention: an RNN forgets, attention looks back",
    small(
        "Sections 3.1-3.2 · Bahdanau, Cho and Bengio (2014), on a copy task small enough to "
        "train here"
    ),
    prose_text("rnn/intro"),
)
registry = rnn.registry()


# ---- which models the page shows ---------------------------------------------------------------
def choose_models() -> rnn.ModelPair:
    """Shipped checkpoints, or a finished retraining; switches to a watched job once it is done."""
    wkey = state.init_widget(PAGE, "models", rnn.SHIPPED)
    watching = st.session_state.get(WATCHING)
    if watching:
        status = registry.status(watching)
        if status is None or not status.active:
            del st.session_state[WATCHING]
            if status is not None and status.state == rnn.DONE:
                st.session_state[wkey] = watching
                st.session_state[FLASH] = (
                    f"Now showing your retrained models ({rnn.config_label(status.config)}), "
                    f"trained in {status.elapsed:.0f} s. Every section below uses them."
                )
            elif status is not None:
                st.error(f"The training you started failed: {status.error}", icon="🛑")
    finished = {s.key: s.config for s in registry.finished()}
    options = [rnn.SHIPPED, *finished]
    if st.session_state[wkey] not in options:
        st.session_state[wkey] = rnn.SHIPPED
        st.warning(
            "The retrained models you were looking at were dropped to make room for newer ones "
            "(the server keeps a few). Showing the shipped checkpoints.",
            icon="♻️",
        )

    def label(key: str) -> str:
        if key == rnn.SHIPPED:
            return "Shipped checkpoints"
        return f"Retrained: {rnn.config_label(finished[key])}"

    if len(options) > 1:
        choice = st.radio(
            "Models on this page",
            options,
            format_func=label,
            key=wkey,
            horizontal=True,
            help="Retrained models are shared by everyone on this server; the last few are kept.",
        )
    else:
        choice = rnn.SHIPPED
    pair = rnn.model_pair(choice) or rnn.shipped_pair()
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH), icon="✅")
    return pair


with st.container(border=True):
    pair = choose_models()
    config = pair.config
    st.caption(
        f"**Models on this page:** {pair.label}. Both GRUs have hidden size H = "
        f"{config.hidden_size}, so the plain model's bottleneck h_T holds {config.hidden_size} "
        f"numbers. Retrain your own in step 6."
    )
    if pair.key != rnn.SHIPPED:
        st.info(
            "The explanations on this page describe the shipped models. Yours were trained "
            "differently: every number and chart below is measured on yours, so trust those.",
            icon="🧪",
        )
shown = stepper(PAGE, STEPS)


# ---- 1. Accuracy against input length -----------------------------------------------------------
markdown(
    "## 1 · Accuracy falls with length, unless the decoder can look back",
    prose_text("rnn/length"),
)
left, right = st.columns([3, 2])
with left:
    charts.show(rnn.length_chart(pair), width="stretch")
with right:
    show_table(rnn.curve_frame(pair), ".3f", max_height=330)
_, _, n_rnn, n_attention = rnn.parameter_table(config)
markdown(
    rnn.length_summary(pair),
    "### Same network, plus attention",
    rnn.parameters_markdown(config),
    f"Same encoder, same decoder GRU, same output layer, same seed and the same training "
    f"batches. The attention model's **{n_attention - n_rnn:,}** extra parameters are all "
    "attention: W_a, U_a and v_a score the encoder states, and the decoder GRU and the output "
    "layer get weights to read the context vector c_i.",
)
code_section(
    "🐍 The code that ran, and the command line that does the same",
    sources([accuracy_by_length]),
    rnn.CLI_SNIPPET,
    "bash",
)


# ---- 2. Accuracy by position --------------------------------------------------------------------
@st.fragment
def position_section() -> None:
    """Its own fragment: the length slider only changes the chart, the table and the summary."""
    length = st.slider(
        "Input length (digits)",
        1,
        30,
        key=state.init_widget(PAGE, "position_length", 20),
        help=f"Accuracy at each position over {rnn.POSITION_SAMPLES} random strings of this length.",
    )
    rnn_acc, attention_acc = rnn.position_accuracy(pair.key, length)
    left, right = st.columns([3, 2])
    with left:
        charts.show(rnn.position_chart(rnn_acc, attention_acc), width="stretch")
    with right:
        show_table(rnn.position_frame(rnn_acc, attention_acc), ".3f", max_height=330)
    st.markdown(rnn.position_summary(rnn_acc, attention_acc))


if shown >= 2:
    markdown("## 2 · Where the plain model loses it: digit by digit")
    position_section()
    markdown(prose_text("rnn/position"))
    code_section("🐍 The code that ran", sources([accuracy_by_position]))


# ---- 3-5. One input: outputs, alignment, bottleneck -------------------------------------------
def draw_random() -> None:
    """Button callback: put fresh random digits in the input box (a local generator)."""
    draws = st.session_state.get(DRAWS, 0) + 1
    st.session_state[DRAWS] = draws
    length = st.session_state[state.widget_key(PAGE, "random_length")]
    st.session_state[state.widget_key(PAGE, "digits")] = rnn.random_digits_text(length, draws)


@st.fragment
def attention_step(views: tuple[rnn.DecodingView, rnn.DecodingView]) -> None:
    """Its own fragment: the decoder-step slider redraws only the alignment and that step."""
    att = views[1]
    T = len(att.input_digits)
    skey = state.init_widget(PAGE, "step", 1)
    if st.session_state[skey] > T:
        st.session_state[skey] = T
    if T > 1:
        step = st.slider(
            "Decoder step i",
            1,
            T,
            key=skey,
            help="Which output digit to inspect: its row is outlined in the alignment matrix.",
        )
    else:
        step = 1
    wrote = att.output_digits[step - 1]
    verdict = "right" if att.correct[step - 1] else "wrong"
    markdown(
        small("One digit, one decoder step.") if T == 1 else "",
        f"Decoder step **i = {step}** writes **y{step} = {wrote}** ({verdict}); its row is "
        f"outlined in red. The matrix has {T} steps × {T} inputs.",
    )
    outputs, inputs = rnn.output_labels(att.output_digits), rnn.input_labels(att.input_digits)
    left, right = st.columns([3, 2])
    with left:
        charts.show(rnn.alignment_chart(att, step))
    with right:
        show_table(charts.matrix_frame(att.alignment, outputs, inputs), ".3f", max_height=420)
    st.markdown(
        f"On average a step puts **{rnn.diagonal_weight(att):.0%}** of its weight on the input "
        f"it has to copy (the diagonal). Step {step}, weight by weight:"
    )
    bars, table = st.columns([3, 2])
    with bars:
        charts.show(rnn.step_chart(att, step), width="stretch")
    with table:
        show_table(rnn.step_frame(att, step), ".4f")
    context = att.context_vecs[step - 1]
    top, top_weight = rnn.strongest_input(att, step)
    st.markdown(
        f"Its context vector **c_{step} = Σ_j α_{step}j h_j** has {len(context)} numbers: a "
        f"weighted mix of the {T} encoder states, here {top_weight:.0%} of it h_{top} (the input "
        f"at position {top}, digit {att.input_digits[top - 1]})."
    )
    charts.show(
        rnn.vectors_chart([context], [f"c_{step}"], "Context vector c_i of the chosen step"),
        width="stretch",
    )
    code_section(
        "🐍 The code that ran, and the same in a notebook",
        sources([bahdanau_attention, additive_attention_scores]),
        rnn.reproduce_snippet(pair, att.input_digits, step),
    )


ALIGNMENT_FORMULA = r"""$$
\begin{aligned}
e_{ij} &= v_a^\top \tanh\!\left(W_a\, s_{i-1} + U_a\, h_j\right) \\
\alpha_{ij} &= \frac{\exp(e_{ij})}{\sum_{k} \exp(e_{ik})} \\
c_i &= \textstyle\sum_j \alpha_{ij}\, h_j
\end{aligned}
$$"""


@st.fragment
def sequence_sections() -> None:
    """Its own fragment: the input box changes sections 3-5 only."""
    typed_col, length_col, button_col = st.columns([4, 2, 2], vertical_alignment="bottom")
    text = typed_col.text_input(
        f"Digits to copy (0-9, 1 to {rnn.MAX_INPUT_LENGTH} of them)",
        key=state.init_widget(PAGE, "digits", rnn.DEFAULT_DIGITS),
        help="Spaces are ignored. The models trained on 3 to 20 digits: try longer ones too.",
    )
    length_col.number_input(
        "Random length",
        1,
        rnn.MAX_INPUT_LENGTH,
        step=1,
        key=state.init_widget(PAGE, "random_length", 16),
    )
    button_col.button(
        "🎲 Random digits",
        on_click=draw_random,
        key=state.widget_key(PAGE, "random"),
        width="stretch",
    )
    try:
        digits = rnn.parse_input(text)
        st.session_state[LAST_DIGITS] = digits
    except InputError as error:
        digits = st.session_state.get(LAST_DIGITS, rnn.parse_input(rnn.DEFAULT_DIGITS))
        st.error(
            f"{error} Still showing the last valid input, {rnn.digits_text(digits)}.", icon="✋"
        )
    views = rnn.decodings(pair.key, digits)
    plain, att = views
    st.html(rnn.outputs_html(plain, att))
    with st.expander("🔢 The same as a table, and 🐍 the code that ran: greedy decoding"):
        show_table(rnn.outputs_frame(plain, att))
        st.code(sources([greedy_decode, Seq2SeqGRU.step]), language="python")

    if shown >= 4:
        markdown(
            "## 4 · Where attention looks: the alignment matrix",
            prose_text("rnn/alignment"),
            ALIGNMENT_FORMULA,
            small(
                "Energy e_ij: how well input j fits decoder step i (its previous state "
                "s_{i-1}). Weights α_ij: a softmax over the inputs, summing to 1. Context "
                "vector c_i: the weighted mix of the encoder states."
            ),
        )
        attention_step(views)

    if shown >= 5:
        T, H = len(digits), len(plain.bottleneck)
        markdown(
            "## 5 · The bottleneck, made visible",
            prose_text("rnn/bottleneck"),
            f"**Plain decoder:** h_T, **{H} numbers for all {T} digits**, "
            f"{H / T:.1f} numbers per digit, and it must also keep its place in them.",
        )
        charts.show(
            rnn.vectors_chart([plain.bottleneck], ["h_T"], "Plain decoder: h_T, all it gets"),
            width="stretch",
        )
        st.markdown(
            f"**Attention decoder:** a fresh c_i at each of the {T} steps, **{T} × {H} = "
            f"{T * H} numbers**, each c_i mixed from all {T} encoder states."
        )
        step_labels = [f"c_{i + 1}" for i in range(T)]
        charts.show(
            rnn.vectors_chart(
                att.context_vecs, step_labels, "Attention decoder: a context vector c_i per step"
            ),
            width="stretch",
        )
        columns = {"h_T": plain.bottleneck, **dict(zip(step_labels, att.context_vecs, strict=True))}
        show_table(rnn.vectors_frame(columns), ".3f", max_height=300)
        code_section("🐍 The code that ran: the encoder", sources([Seq2SeqGRU.encode]))


if shown >= 3:
    markdown("## 3 · Copy a sequence yourself", prose_text("rnn/copy"))
    sequence_sections()


# ---- 6. Retrain live ----------------------------------------------------------------------------
@st.fragment
def retrain_controls() -> None:
    """Its own fragment: the settings only change this section until a training starts."""
    shipped = rnn.shipped_pair().config
    c1, c2, c3, c4 = st.columns(4)
    hidden = c1.select_slider(
        "Hidden size H",
        rnn.HIDDEN_SIZES,
        key=state.init_widget(PAGE, "hidden", shipped.hidden_size),
        help="The GRU state size: the plain model's whole memory of the input.",
    )
    lengths = c2.slider(
        "Training lengths",
        1,
        30,
        key=state.init_widget(PAGE, "lengths", (shipped.min_length, shipped.max_length)),
        help="Strings of these lengths are used for training; the curves still go to 30.",
    )
    steps = c3.select_slider(
        "Training steps",
        rnn.STEP_CHOICES,
        key=state.init_widget(PAGE, "steps", shipped.num_steps),
        help="Batches of 64 strings. 800 steps at H = 64 take one to a few minutes, depending "
        "on how busy the server is.",
    )
    seed = c4.number_input(
        "Seed",
        0,
        2**31 - 1,
        step=1,
        key=state.init_widget(PAGE, "seed", shipped.seed),
        help="Initial weights and training batches both come from it.",
    )
    wanted = rnn.retrain_config(hidden, lengths, steps, int(seed))
    _, _, n_rnn, n_attention = rnn.parameter_table(wanted)
    status = registry.status(rnn.config_key(wanted))
    note = ""
    if status is not None and status.state == rnn.DONE:
        note = " Already trained on this server: the button shows it at once."
    elif status is not None and status.active:
        note = " Already training on this server: the button follows that run."
    st.caption(f"{n_rnn:,} parameters in the plain model, {n_attention:,} with attention.{note}")
    if st.button("▶ Train both models", type="primary", key=state.widget_key(PAGE, "train")):
        try:
            started = registry.submit(wanted)
        except rnn.RegistryBusyError as busy:
            st.warning(str(busy), icon="⏳")
            return
        st.session_state[WATCHING] = started.key
        st.rerun()


@st.fragment(run_every=1.0)
def training_progress(key: str) -> None:
    """Polls the background job once a second; a full rerun swaps the models in when done."""
    status = registry.status(key)
    if status is None or not status.active:
        st.rerun(scope="app")
    st.progress(status.fraction, text=rnn.status_text(status))
    if status.rnn_losses:
        charts.show(
            rnn.loss_chart(status.rnn_losses, status.attention_losses,
                           "Training loss so far"),
            width="stretch",
        )  # fmt: skip


if shown >= 6:
    markdown("## 6 · Retrain both models live", prose_text("rnn/retrain"))
    retrain_controls()
    watching = st.session_state.get(WATCHING)
    if watching:
        training_progress(watching)
    markdown(
        "### Training loss of the models on this page",
        small(
            f"{pair.label[0].upper()}{pair.label[1:]}: both models trained together in "
            f"{pair.train_seconds:.0f} s. Every batch holds strings of one length, hence the "
            "jagged curves: the plain model's loss jumps on batches of long strings, which do "
            "not fit through h_T."
        ),
    )
    left, right = st.columns([3, 2])
    with left:
        charts.show(
            rnn.loss_chart(pair.rnn_losses, pair.attention_losses,
                           "Cross-entropy loss at each training step"),
            width="stretch",
        )  # fmt: skip
    with right:
        show_table(rnn.loss_frame(pair.rnn_losses, pair.attention_losses), ".4f")
    code_section("🐍 The code that ran: training", sources([train_both]))
