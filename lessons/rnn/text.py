"""The RNN lesson's sentences, each built from the numbers it speaks of.

Nothing here assumes the shipped models: a sentence about a trend checks the trend first, so
it stays true for a retrained pair (other lengths, a narrower h_T, fewer steps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from attention.seq2seq import JobStatus, LengthAccuracy, ParameterCounts, Seq2SeqConfig
from attention.seq2seq.jobs import DONE, EVALUATING, QUEUED, TRAINING
from lessons.rnn.view import Copies, CopyView, Models, PositionView
from ui import fmt

CHANCE = 1 / 10  # guessing one of ten digits
MODEL_NAMES = {"rnn": "plain RNN", "attention": "RNN + attention"}
RECOVERY = 0.05  # the last position beats the lowest by this much: "recovers"
DIP = 0.2  # ... and the lowest is this far below the first position: a real dip, not noise
NEAR_CHANCE = CHANCE + 0.1  # the last third averages below this: "towards chance"


def pct(share: float) -> str:
    """0.378 -> "38%"; never rounds a near miss up to 100% (99.7%) or a few hits down to 0%."""
    text = f"{share:.0%}"
    if text == "100%" and share < 1:
        return f"{math.floor(share * 1000) / 10:.1f}%"
    if text == "0%" and share > 0:
        return f"{math.ceil(share * 1000) / 10:.1f}%"
    return text


def positions_text(positions: Sequence[int]) -> str:
    """[8, 9, 10, 14] -> "8-10 and 14": 1-based positions as runs."""
    runs: list[list[int]] = []
    for p in positions:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def config_label(config: Seq2SeqConfig) -> str:
    """The four settings a student can change, in a few words."""
    return (
        f"H = {config.hidden_size}, lengths {config.min_length}-{config.max_length}, "
        f"{config.num_steps} steps, seed {config.seed}"
    )


def model_choice(config: Seq2SeqConfig | None) -> str:
    """A radio option: the shipped checkpoints (None) or a retrained config."""
    return "Shipped checkpoints" if config is None else f"Retrained: {config_label(config)}"


# ---- the models line ----------------------------------------------------------------------


def models_line(models: Models) -> str:
    """Which models the page shows and how they were trained: every later sentence is theirs."""
    c = models.config
    which = (
        "the shipped checkpoints (`attention/checkpoints/`)"
        if models.shipped
        else "models retrained on this server (shared by everyone on it)"
    )
    return (
        f"**Models on this page:** {which}. Hidden size H = **{c.hidden_size}**, so the plain "
        f"model's bottleneck h_T holds {c.hidden_size} numbers; trained on strings of "
        f"**{c.min_length} to {c.max_length} digits**, {c.num_steps} steps of "
        f"{c.batch_size} strings, seed {c.seed}. Every number, chart and measured sentence "
        "below comes from these two models."
    )


def switched(status: JobStatus) -> str:
    return (
        f"Now showing your retrained models ({config_label(status.config)}), trained in "
        f"{status.elapsed:.0f} s. Every step uses them; switch back under 'Models on this "
        "page' at any time."
    )


# ---- step 1 -----------------------------------------------------------------------------------


def _first_below(curve: LengthAccuracy, threshold: float) -> int | None:
    return next((n for n, a in zip(curve.lengths, curve.accuracy, strict=True) if a < threshold),
                None)  # fmt: skip


def _falls(name: str, curve: LengthAccuracy) -> str:
    below = _first_below(curve, 0.9)
    if below is None:
        return f"the {name} stays at or above 90% up to length {max(curve.lengths)}"
    if below == min(curve.lengths):
        return f"the {name} is below 90% already at length **{below}**"
    return f"the {name} first falls below 90% at length **{below}**"


def length_summary(models: Models) -> str:
    """The two curves in words: at the longest training length, beyond it, the trend."""
    rnn, att = models.rnn_curve, models.attention_curve
    hi, longest = models.config.max_length, max(rnn.lengths)
    parts = [
        f"At length **{hi}**, the longest the models trained on, the plain RNN copies "
        f"**{pct(rnn.at(hi))}** of the digits and the attention model **{pct(att.at(hi))}**."
    ]
    if hi < longest:
        parts.append(
            f"At **{longest}**, longer than any training string: **{pct(rnn.at(longest))}** "
            f"against **{pct(att.at(longest))}**."
        )
    falls = f"{_falls('plain RNN', rnn)}; {_falls('attention model', att)}."
    parts.append(falls[0].upper() + falls[1:])
    pairs = list(zip(rnn.accuracy, att.accuracy, strict=True))
    ahead = sum(a > r for r, a in pairs)
    tied = sum(a == r for r, a in pairs)
    behind = len(pairs) - ahead - tied
    others = ([f"as many at {tied}"] if tied else []) + [f"fewer at {behind or 'none'}"]
    parts.append(
        f"The attention model copies more digits than the plain RNN at **{ahead}** of the "
        f"{len(pairs)} lengths ({', '.join(others)})."
    )
    drop_rnn = rnn.at(1) - rnn.at(longest)
    drop_att = att.at(1) - att.at(longest)
    shape = (
        "the shape of Bahdanau's Fig. 2"
        if drop_rnn >= 0.2 and drop_rnn > 2 * max(drop_att, 0.0)
        else "not the shape of Bahdanau's Fig. 2"
    )
    parts.append(
        f"From length 1 to {longest} the plain RNN loses {drop_rnn * 100:.0f} percentage points "
        f"and the attention model {drop_att * 100:.0f}: {shape}."
    )
    return " ".join(parts)


def measured_on(curve: LengthAccuracy, shipped: bool) -> str:
    """What each point of the length curves is measured on."""
    when = (
        "recorded in the checkpoints when they were trained; `python -m attention.seq2seq "
        "evaluate --json` measures them again (step 7)"
        if shipped
        else "measured right after this training"
    )
    return (
        f"Each point: **{curve.num_samples:,}** random strings of that length (seed "
        f"{curve.seed}), copied greedily; token accuracy = the share of digits right at their "
        f"position. Chance (guessing) is {pct(CHANCE)}. The points were {when}."
    )


def separate_models(models: Models, counts: ParameterCounts) -> str:
    """Two models, one architecture: what they share and what attention adds."""
    c = models.config
    return (
        "These are **two separate models** with the same architecture for the parts both have "
        "(embeddings, encoder GRU, decoder GRU, output layer). Those parts start from the same "
        f"initial weights (seed {c.seed}), and both models train on the same {c.num_steps} "
        f"batches. The attention model's **{counts.difference:,}** extra parameters are all "
        "attention: W_a, U_a and v_a score the encoder states, and the decoder GRU and the "
        "output layer get weights to read the context vector cᵢ."
    )


# ---- step 2 -----------------------------------------------------------------------------------


def position_summary(view: PositionView, models: Models) -> str:
    """What the accuracy-by-position curves show at this length, position by position."""
    rnn, att, L = view.rnn, view.attention, view.length
    strings = f"{view.num_samples:,} random strings, seed {view.seed}"
    if L == 1:
        return (
            f"Inputs of **1 digit** ({strings}): one position, the plain RNN right "
            f"**{pct(rnn[0])}** of the time and the attention model **{pct(att[0])}**."
        )
    parts = [
        f"Inputs of **{L} digits** ({strings}): the plain RNN gets the **first** digit right "
        f"**{pct(rnn[0])}** of the time and the **last** one **{pct(rnn[-1])}**."
    ]
    below = [i + 1 for i, a in enumerate(rnn) if a < 0.5]
    if below:
        where = "position" if len(below) == 1 else "positions"
        parts.append(
            f"It is wrong more often than right (below 50%) at {where} "
            f"**{positions_text(below)}**: {len(below)} of {L}."
        )
    else:
        parts.append("It is right more often than wrong (at least 50%) at every position.")
    low = min(range(L), key=rnn.__getitem__)
    tail = rnn[L - max(1, L // 3) :]
    if max(rnn) < NEAR_CHANCE:
        parts.append(
            f"It is close to **chance** (1 in 10) at every position: at most {pct(max(rnn))}."
        )
    elif rnn[0] - rnn[low] >= DIP and rnn[-1] - rnn[low] >= RECOVERY and low < L - 1:
        parts.append(
            f"Its lowest point is position **{low + 1}** ({pct(rnn[low])}); after it, the "
            f"accuracy **recovers** to {pct(rnn[-1])} at the last position. A likely reason: "
            "h_T, where the plain decoder starts, was last written by the last digit, so the "
            "end of the string is still fresh in it (recency)."
        )
    elif sum(tail) / len(tail) < NEAR_CHANCE:
        parts.append(
            f"Its later positions fall **towards chance** (1 in 10): the last {len(tail)} "
            f"average {pct(sum(tail) / len(tail))}."
        )
    att_low = min(range(L), key=att.__getitem__)
    parts.append(
        f"The attention model's lowest position scores **{pct(att[att_low])}** (position "
        f"{att_low + 1})."
    )
    means = (sum(rnn) / L, sum(att) / L)
    curve = (models.rnn_curve.at(L), models.attention_curve.at(L))
    same = view.num_samples == models.rnn_curve.num_samples and view.seed == models.rnn_curve.seed
    if same:
        parts.append(
            f"Averaged over the {L} positions: {pct(means[0])} and {pct(means[1])}. These are "
            f"the strings of step 1's points at length {L}, which read {pct(curve[0])} and "
            f"{pct(curve[1])}."
        )
    return " ".join(parts)


# ---- step 3 -----------------------------------------------------------------------------------


def _score(view: CopyView) -> str:
    wrong = [i + 1 for i, ok in enumerate(view.correct) if not ok]
    T = len(view.correct)
    text = f"**{view.num_correct} of {T}** digits right"
    if wrong:
        text += f" (wrong at position{'s' if len(wrong) > 1 else ''} {positions_text(wrong)})"
    return text


def copy_summary(copies: Copies, config: Seq2SeqConfig) -> str:
    """Both scores on this input, and how its length compares with the training strings."""
    n = len(copies.rnn.input_digits)
    if n > config.max_length:
        where = f"longer than any training string ({config.min_length}-{config.max_length})"
    elif n < config.min_length:
        where = f"shorter than any training string ({config.min_length}-{config.max_length})"
    else:
        where = f"within the training lengths ({config.min_length}-{config.max_length})"
    return (
        f"Your input has **{n}** digit{'s' if n > 1 else ''}, {where}. Plain RNN: "
        f"{_score(copies.rnn)}. RNN + attention: {_score(copies.attention)}."
    )


# ---- step 4 -----------------------------------------------------------------------------------


def strongest(att: CopyView, step: int) -> tuple[int, float]:
    """The 1-based input position that decoder step ``step`` weights most, and its weight."""
    row = att.alignment[step - 1]
    j = max(range(len(row)), key=row.__getitem__)
    return j + 1, row[j]


def diagonal_weight(att: CopyView) -> float:
    """The mean weight a decoder step puts on the input it copies: the mean of α_ii."""
    return sum(row[i] for i, row in enumerate(att.alignment)) / len(att.alignment)


def alignment_summary(att: CopyView) -> str:
    T = len(att.input_digits)
    own = sum(strongest(att, i + 1)[0] == i + 1 for i in range(T))
    return (
        f"On average a decoder step puts **{pct(diagonal_weight(att))}** of its weight on the "
        f"input it has to copy (the diagonal αᵢᵢ); **{own} of {T}** steps weight their own "
        "position most."
    )


def step_summary(att: CopyView, step: int) -> str:
    """Decoder step i: what it wrote, where it looked."""
    i = step - 1
    wrote, should = att.output_digits[i], att.input_digits[i]
    verdict = "right" if att.correct[i] else f"wrong: the input digit x{fmt.sup(step)} is {should}"
    j, weight = strongest(att, step)
    place = (
        "the position it copies"
        if j == step
        else f"not the position it copies ({step}), which gets {pct(att.alignment[i][i])}"
    )
    return (
        f"Decoder step **i = {step}** writes **y{fmt.sup(step)} = {wrote}** ({verdict}). It "
        f"puts **{pct(weight)}** of its weight on input position **j = {j}** (digit "
        f"{att.input_digits[j - 1]}), {place}."
    )


def context_summary(att: CopyView, step: int) -> str:
    """c_i = Σ_j α_ij h_j, and how close it is to the state it weights most."""
    i = step - 1
    j, weight = strongest(att, step)
    context, state = att.context_vecs[i], att.encoder_states[j - 1]
    gap = max(abs(a - b) for a, b in zip(context, state, strict=True))
    return (
        f"Its context vector c{fmt.sub(step)} = Σⱼ α{fmt.sub(step)}ⱼ hⱼ has {len(context)} "
        f"numbers, a weighted mix of the {len(att.input_digits)} encoder states. With "
        f"{pct(weight)} of the weight on h{fmt.sub(j)}, it differs from h{fmt.sub(j)} by at "
        f"most **{gap:.3f}** in any dimension (the table)."
    )


# ---- step 5 -----------------------------------------------------------------------------------


def bottleneck_plain(copies: Copies) -> str:
    T, H = len(copies.rnn.input_digits), len(copies.rnn.bottleneck)
    return (
        f"**Plain decoder:** h_T, **{H} numbers for all {T} digit{'s' if T > 1 else ''}** "
        f"({H / T:.1f} per digit), and it must also keep track of where it is in them."
    )


def bottleneck_attention(copies: Copies) -> str:
    T, H = len(copies.attention.input_digits), len(copies.attention.bottleneck)
    return (
        f"**Attention decoder:** a fresh cᵢ at each of the {T} steps, **{T} × {H} = {T * H:,} "
        f"numbers**, each mixed from all {T} encoder states."
    )


# ---- step 6 -----------------------------------------------------------------------------------


def status_text(status: JobStatus, eval_lengths: Sequence[int]) -> str:
    """One line for the progress bar."""
    if status.state == QUEUED:
        ahead = status.queue_position - 1
        return "Waiting for a free slot: the server trains one pair at a time" + (
            f" ({ahead} ahead of yours)." if ahead else " (yours is next)."
        )
    if status.state == TRAINING:
        eta = status.eta_seconds
        tail = f", about {eta:.0f} s to go" if eta is not None else ""
        return f"Training both models: step {status.step} of {status.num_steps}{tail}."
    if status.state == EVALUATING:
        return f"Trained. Measuring accuracy at lengths {min(eval_lengths)}-{max(eval_lengths)} …"
    if status.state == DONE:
        return f"Done in {status.elapsed:.0f} s."
    return f"Training failed: {status.error}"


def wanted_note(
    counts: ParameterCounts, status: JobStatus | None, on_page: bool, shipped_config: bool
) -> str:
    """Under the retrain controls: the config's size, and whether the server has it already."""
    note = f"{counts.rnn:,} parameters in the plain model, {counts.attention:,} with attention."
    if on_page:
        note += " These are the models on the page now."
    elif shipped_config and status is None:
        note += (
            " The shipped checkpoints were trained with these settings: Train trains them "
            "again, here."
        )
    elif status is not None and status.state == DONE:
        note += " Already trained on this server: Train shows it at once."
    elif status is not None and status.active:
        note += " Already training on this server: Train follows that run."
    return note


def loss_summary(models: Models, last: int = 50) -> str:
    """How the two losses ended, averaged over the last steps (one batch is noisy)."""
    n = len(models.rnn_losses)
    if n == 0:
        return "These models took no training steps."
    k = min(last, n)
    rnn = sum(models.rnn_losses[-k:]) / k
    att = sum(models.attention_losses[-k:]) / k
    c = models.config
    return (
        f"Both models trained together in {models.train_seconds:.0f} s: {n} steps, each on "
        f"the same batch of {c.batch_size} strings of one length, drawn from "
        f"{c.min_length}-{c.max_length} (longer ones more often; no padding). The length "
        "changes from batch to batch, and the loss with it: hence the jagged curves. "
        f"Mean loss over the last {k} steps: plain RNN **{rnn:.4f}**, RNN + attention "
        f"**{att:.4f}**."
    )
