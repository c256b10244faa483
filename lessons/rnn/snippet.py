"""Notebook code and command lines that recompute what the RNN page shows, for its models."""

from __future__ import annotations

from collections.abc import Sequence

from attention.seq2seq import DEFAULT_EVAL_SEED, RECORD_SAMPLES
from lessons.rnn.controls import digits_text
from lessons.rnn.view import Models


def _load(models: Models) -> list[str]:
    if models.shipped:
        return [
            "from attention.seq2seq import accuracy_by_length, accuracy_by_position, decode, "
            "load_pretrained",
            "",
            "pretrained = load_pretrained()  # attention/checkpoints/{rnn,attention}.pt",
            "rnn, attention = pretrained.rnn.model, pretrained.attention.model",
        ]
    c = models.config
    return [
        "import torch",
        "from attention.seq2seq import (Seq2SeqConfig, accuracy_by_length, accuracy_by_position,",
        "                               decode, train_both)",
        "",
        "torch.set_num_threads(1)  # the page trains on one thread: the same numbers",
        f"config = Seq2SeqConfig(hidden_size={c.hidden_size}, attention_size={c.attention_size}, "
        f"min_length={c.min_length}, max_length={c.max_length},",
        f"                       num_steps={c.num_steps}, seed={c.seed})",
        "pair = train_both(config)  # both models, the same batches",
        "rnn, attention = pair.rnn, pair.attention",
    ]


def reproduce(models: Models, digits: Sequence[int], step: int, length: int) -> str:
    """Self-contained code: the page's models, its curves, and the current input decoded."""
    text = digits_text(digits)
    curve = models.rnn_curve
    n, seed, lengths = curve.num_samples, curve.seed, curve.lengths
    i = step - 1
    lines = [
        *_load(models),
        "",
        f"# step 1: token accuracy by input length, {n} random strings per length (seed {seed})",
        "for model in (rnn, attention):  # a few seconds",
        f"    curve = accuracy_by_length(model, range({min(lengths)}, {max(lengths) + 1}), "
        f"{n}, {seed})",
        f"    print(model.kind, round(curve.at({models.config.max_length}), 4))",
        "",
        f"# step 2: accuracy at each position for inputs of {length} digits (the same strings)",
        "for model in (rnn, attention):",
        f"    by_position = accuracy_by_position(model, {length}, {n}, {seed})",
        "    print(model.kind, by_position.accuracy)",
        "",
        "# step 3: both models copy your digits greedily",
        "for model in (rnn, attention):",
        f'    d = decode(model, "{text}")',
        '    print(d.kind, "".join(map(str, d.output_digits)), f"{d.accuracy:.0%}")',
        "",
        "# step 4: where the attention decoder looks",
        f'd = decode(attention, "{text}")',
        f"print(d.alignment.shape)  # (T_out, T_in) = ({len(digits)}, {len(digits)})",
        f"print(d.alignment[{i}])  # alpha_{step}j: where decoder step {step} looked",
        f"print(d.context_vecs[{i}])  # c_{step} = alpha_{step}j @ encoder states",
        "",
        "# step 5: all the plain decoder gets of the input",
        f'print(decode(rnn, "{text}").bottleneck)  # h_T',
    ]
    return "\n".join(lines)


def cli(models: Models) -> str:
    """The command line: it evaluates and retrains the shipped checkpoints."""
    curve = models.rnn_curve
    defaults = curve.num_samples == RECORD_SAMPLES and curve.seed == DEFAULT_EVAL_SEED
    flags = (
        ""
        if defaults or not models.shipped
        else f" --samples {curve.num_samples} --seed {curve.seed}"
    )
    if models.shipped:
        head = (
            "# step 1's two curves, measured again from the checkpoints: the same "
            f"{curve.num_samples} strings\n# per length (seed {curve.seed}), printed to 4 "
            "decimals\n"
        )
    else:
        head = (
            "# the command line evaluates the SHIPPED checkpoints, not your retrained models\n"
            "# (for yours, run the notebook code above)\n"
        )
    return (
        f"{head}python -m attention.seq2seq evaluate --json{flags}\n\n"
        "# retrain both shipped models from their seed and rewrite attention/checkpoints/*.pt\n"
        "python -m attention.seq2seq train\n"
    )
