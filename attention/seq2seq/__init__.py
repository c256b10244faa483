"""Why attention: a GRU encoder-decoder with and without Bahdanau attention on a copy task.

The plain encoder-decoder ("rnn") squeezes the whole input into the encoder's final hidden
state h_T; the attention model looks back at every encoder state h_j at every decoder step,
through the core's :func:`attention.additive.bahdanau_attention`. Both copy random digit
strings; the shipped pair trained on lengths 3-20, and every pair is evaluated up to length 30.

    model       Seq2SeqConfig, Seq2SeqGRU, build_model, parameter_counts
    data        the copy task's batches, from local generators
    train       train_both(config, callback(step, rnn_loss, attention_loss))
    evaluate    accuracy_by_length, accuracy_by_position, decode; RECORD_SAMPLES
    checkpoint  load_pretrained, load_checkpoint, save_checkpoint
    jobs        TrainingJobs: bounded background training shared by the page and the CLI

Command line (``python -m attention.seq2seq --help``):
    train              retrain both models from the seed and rewrite attention/checkpoints/*.pt
    evaluate [--json]  token accuracy by input length for both shipped models

This package never imports streamlit and never uses or reseeds the global RNG.
"""

from attention.seq2seq.checkpoint import (
    CHECKPOINT_DIR,
    Checkpoint,
    Pretrained,
    checkpoint_path,
    load_checkpoint,
    load_pretrained,
    save_checkpoint,
)
from attention.seq2seq.data import CopyBatch, copy_batch, eval_generator, random_digits
from attention.seq2seq.evaluate import (
    DEFAULT_EVAL_SEED,
    RECORD_SAMPLES,
    Decoding,
    GreedyOutput,
    LengthAccuracy,
    PositionAccuracy,
    accuracy_by_length,
    accuracy_by_position,
    decode,
    greedy_decode,
    parse_digits,
)
from attention.seq2seq.jobs import (
    SHIPPED,
    JobStatus,
    ModelPair,
    TrainingBusyError,
    TrainingJobs,
    config_key,
    shipped_pair,
)
from attention.seq2seq.model import (
    BOS,
    KINDS,
    NUM_DIGITS,
    VOCAB_SIZE,
    ParameterCounts,
    Seq2SeqConfig,
    Seq2SeqGRU,
    build_model,
    count_parameters,
    parameter_counts,
)
from attention.seq2seq.train import TrainedPair, copy_loss, learning_rate, train_both

__all__ = [
    "BOS",
    "CHECKPOINT_DIR",
    "DEFAULT_EVAL_SEED",
    "KINDS",
    "NUM_DIGITS",
    "RECORD_SAMPLES",
    "SHIPPED",
    "VOCAB_SIZE",
    "Checkpoint",
    "CopyBatch",
    "Decoding",
    "GreedyOutput",
    "JobStatus",
    "LengthAccuracy",
    "ModelPair",
    "ParameterCounts",
    "PositionAccuracy",
    "Pretrained",
    "Seq2SeqConfig",
    "Seq2SeqGRU",
    "TrainedPair",
    "TrainingBusyError",
    "TrainingJobs",
    "accuracy_by_length",
    "accuracy_by_position",
    "build_model",
    "checkpoint_path",
    "config_key",
    "copy_batch",
    "copy_loss",
    "count_parameters",
    "decode",
    "eval_generator",
    "greedy_decode",
    "learning_rate",
    "load_checkpoint",
    "load_pretrained",
    "parameter_counts",
    "parse_digits",
    "random_digits",
    "save_checkpoint",
    "shipped_pair",
    "train_both",
]
