"""Glue for the scaled dot-product attention page (sections 3.4-3.5).

What only this page needs, kept out of the page file (layout only) and out of the shared glue:
its own options (causal mask, dropout), the weight-parameter controls (seeds, re-roll, d_out,
hand edits), the plain-list view of one self-attention pass, the "what changed?" tracker that
makes *weight parameters* versus *attention weights* visible, the book comparison, the
notebook snippet.
"""

import math
import secrets
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st

from attention.data import BOOK_INPUTS_LIST, BOOK_PRINTED, BOOK_SEED, BOOK_TOKENS
from attention.self_attention import (
    apply_causal_mask,
    apply_dropout,
    causal_mask,
    dropout_mask,
    init_qkv_weights,
    scale_scores,
    self_attention,
)
from ui import charts, compute, state
from ui.inputs import InputError, Matrix, parse_int, parse_number
from ui.state import MAX_SEED

PAGE = "scaled"
NAMES: tuple[str, str, str] = ("W_query", "W_key", "W_value")
SEED_LABELS: tuple[str, str, str] = ("query", "key", "value")
REROLL_RANGE = 10_000  # re-rolled seeds stay short enough to read aloud
DROPOUT_RATES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

# Page-local options live under lab.scaled.* (kept across page changes, cleared by Reset).
_OPTION_DEFAULTS: dict[str, Any] = {
    "causal": False,
    "dropout": False,
    "dropout_p": 0.5,
    "dropout_seed": 123,
    "per_matrix_seeds": False,
}
WEIGHT_ERROR_KEY = "lab.scaled.weight_error"
SNAPSHOT_KEY = "lab.scaled.snapshot"
CHANGE_KEY = "lab.scaled.change"
URL_READ_KEY = "lab.url_read.scaled"  # kept by Reset, like lab.url_read

#: The core functions this page runs, in the order they run (shown as "the code that ran").
CORE_FUNCTIONS = {
    "init": init_qkv_weights,
    "attention": self_attention,
    "scale": scale_scores,
    "mask": causal_mask,
    "apply_mask": apply_causal_mask,
    "dropout": dropout_mask,
    "apply_dropout": apply_dropout,
}


# ---- options and widget binding ---------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """This page's own switches (section 3.5), on top of the shared settings."""

    causal: bool = False
    dropout: float = 0.0  # 0 = off
    dropout_seed: int = 123
    per_matrix_seeds: bool = False


def option(name: str) -> Any:
    return st.session_state.get(f"lab.scaled.{name}", _OPTION_DEFAULTS[name])


def get_options() -> Options:
    return Options(
        causal=bool(option("causal")),
        dropout=float(option("dropout_p")) if option("dropout") else 0.0,
        dropout_seed=int(option("dropout_seed")),
        per_matrix_seeds=bool(option("per_matrix_seeds")),
    )


def bind(name: str, value: Any) -> str:
    """A widget key holding ``value`` (the stored setting wins over a stale widget value)."""
    wkey = state.widget_key(PAGE, name)
    if st.session_state.get(wkey) != value:
        st.session_state[wkey] = value
    return wkey


def option_key(name: str) -> str:
    return bind(name, option(name))


def sync_option(name: str) -> None:
    """``on_change``: copy a page-local widget into ``lab.scaled.<name>``."""
    st.session_state[f"lab.scaled.{name}"] = st.session_state[state.widget_key(PAGE, name)]


# ---- the options in the share link: ?causal=1&dropout=0.3&dropout_seed=7 --------------------

OPTION_URL_KEYS: tuple[str, ...] = ("causal", "dropout", "dropout_seed")


def options_to_query_params(options: Options) -> dict[str, str]:
    """The options that differ from the defaults, as URL parameters (dropout: its rate p)."""
    params: dict[str, str] = {}
    if options.causal:
        params["causal"] = "1"
    if options.dropout:
        params["dropout"] = f"{options.dropout:g}"
        if options.dropout_seed != _OPTION_DEFAULTS["dropout_seed"]:
            params["dropout_seed"] = str(options.dropout_seed)
    return params


def options_from_query_params(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Options (as ``lab.scaled.*`` values) from URL parameters, and what was ignored and why."""
    changes: dict[str, Any] = {}
    errors: list[str] = []
    rates = ", ".join(f"{p:g}" for p in DROPOUT_RATES)
    for name in OPTION_URL_KEYS:
        if name not in params:
            continue
        try:
            if name == "causal":
                changes["causal"] = state.parse_flag(params[name], "causal")
            elif name == "dropout":
                p = parse_number(params[name], "dropout")
                if p != 0 and p not in DROPOUT_RATES:
                    raise InputError(f"dropout takes 0 (off) or a rate p in {rates}.")
                changes.update(dropout=p != 0, **({"dropout_p": p} if p else {}))
            else:
                changes["dropout_seed"] = parse_int(params[name], "dropout_seed", 0, MAX_SEED)
        except InputError as error:
            errors.append(f"`?{name}=` was ignored: {error}")
    return changes, errors


def read_options_from_url() -> list[str]:
    """On the page's first run in a session, take the options from the URL; returns errors."""
    if st.session_state.get(URL_READ_KEY):
        return []
    st.session_state[URL_READ_KEY] = True
    params = {n: st.query_params[n] for n in OPTION_URL_KEYS if n in st.query_params}
    changes, errors = options_from_query_params(params)
    for name, value in changes.items():
        st.session_state[f"lab.scaled.{name}"] = value
    return errors


def write_options_to_url(options: Options) -> None:
    """Mirror the options into the URL, beside the shared settings."""
    state.mirror_to_url(options_to_query_params(options), OPTION_URL_KEYS)


# ---- weight parameters: seeds, d_out, hand edits -----------------------------------------


def _drop_edits(edits: tuple[tuple[str, Matrix], ...], names: set[str]) -> tuple:
    return tuple((n, m) for n, m in edits if n not in names)


def set_seeds(seeds: tuple[int, int, int]) -> None:
    """New seeds draw new matrices: the hand edits of a re-drawn matrix are discarded."""
    settings = state.get_settings()
    redrawn = {
        n for n, old, new in zip(NAMES, settings.qkv_seeds, seeds, strict=True) if old != new
    }
    state.update(qkv_seeds=seeds, weight_edits=_drop_edits(settings.weight_edits, redrawn))
    st.session_state[WEIGHT_ERROR_KEY] = None


def on_single_seed() -> None:
    seed = int(st.session_state[state.widget_key(PAGE, "seed")])
    set_seeds((seed, seed, seed))


def on_matrix_seed(index: int) -> None:
    seeds = list(state.get_settings().qkv_seeds)
    seeds[index] = int(st.session_state[state.widget_key(PAGE, f"seed_{SEED_LABELS[index]}")])
    set_seeds((seeds[0], seeds[1], seeds[2]))


def on_seed_mode() -> None:
    """Back to one seed: all three matrices take the query's seed, as in the book."""
    sync_option("per_matrix_seeds")
    if not option("per_matrix_seeds"):
        seed = state.get_settings().qkv_seeds[0]
        set_seeds((seed, seed, seed))


def new_seed(avoid: Sequence[int] = ()) -> int:
    """A fresh random seed from the OS (never the global torch or Python generator)."""
    while True:
        seed = secrets.randbelow(REROLL_RANGE)
        if seed not in avoid:
            return seed


def reroll() -> None:
    """Button: new random weight parameters (one new seed, or three), hand edits discarded."""
    old = state.get_settings().qkv_seeds
    if option("per_matrix_seeds"):
        seeds = (new_seed(old), new_seed(old), new_seed(old))
    else:
        seed = new_seed(old)
        seeds = (seed, seed, seed)
    set_seeds(seeds)
    state.update(weight_edits=())


def on_d_out() -> None:
    """A new d_out reshapes every matrix: hand edits no longer fit and are cleared."""
    state.update(d_out=int(st.session_state[state.widget_key(PAGE, "d_out")]), weight_edits=())
    st.session_state[WEIGHT_ERROR_KEY] = None


def check_weight_edits(settings: state.LabSettings) -> tuple[tuple, tuple[str, ...]]:
    """The edits that still fit (d_in, d_out) and hold finite numbers, plus why others don't."""
    kept, dropped = [], []
    for name, matrix in settings.weight_edits:
        if name not in NAMES:
            dropped.append(f"'{name}' is not a weight parameter of this page.")
            continue
        shape = (len(matrix), len(matrix[0]) if matrix else 0)
        if shape != (settings.d_in, settings.d_out) or any(len(r) != shape[1] for r in matrix):
            dropped.append(
                f"Your edit of {name} has shape {shape}, but d_in = {settings.d_in} and "
                f"d_out = {settings.d_out} need ({settings.d_in}, {settings.d_out})."
            )
            continue
        try:
            checked = tuple(
                tuple(parse_number(v, f"{name}[x{i + 1}, dim {j + 1}]") for j, v in enumerate(r))
                for i, r in enumerate(matrix)
            )
        except InputError as error:
            dropped.append(str(error))
            continue
        kept.append((name, checked))
    return tuple(kept), tuple(dropped)


def seeded_weights(settings: state.LabSettings) -> dict[str, list]:
    """The matrices the seeds draw, before any hand edit."""
    drawn = compute.qkv_weights(settings.d_in, settings.d_out, settings.qkv_seeds)
    return {name: compute.to_lists(w) for name, w in zip(NAMES, drawn, strict=True)}


def apply_weight_delta(matrix: Matrix, delta: Mapping[str, Any], name: str) -> Matrix:
    """Apply a data editor's ``edited_rows`` to a weight matrix, validating every cell.

    Columns are "dim 1" ... "dim d_out", rows are the d_in input dimensions in order.
    Raises ``InputError`` (a message for the student) on an empty or non-numeric cell.
    """
    rows = [list(r) for r in matrix]
    for index, changes in (delta.get("edited_rows") or {}).items():
        i = int(index)
        for column, raw in changes.items():
            j = int(str(column).split()[-1]) - 1
            if not (0 <= i < len(rows) and 0 <= j < len(rows[i])):
                continue
            rows[i][j] = parse_number(raw, f"{name}[x{i + 1}, dim {j + 1}]")
    return tuple(tuple(float(v) for v in r) for r in rows)


def editor_signature(settings: state.LabSettings) -> str:
    """Part of the weight editors' keys: any change of the weights gives them fresh data."""
    text = repr(
        (
            state.editor_version(),
            settings.d_in,
            settings.d_out,
            settings.qkv_seeds,
            settings.weight_edits,
        )
    )
    return f"{zlib.crc32(text.encode()):08x}"


def commit_weight_edit(name: str, delta: Mapping[str, Any]) -> None:
    """Validate an edit of one matrix and store it in ``weight_edits``, or keep a message.

    An invalid cell leaves the last valid weights in place. An edit that restores the seeded
    values is dropped, so the book's state (and its badge) can come back.
    """
    settings = state.get_settings()
    edits, _ = check_weight_edits(settings)
    current = dict(edits).get(name) or tuple(map(tuple, seeded_weights(settings)[name]))
    try:
        matrix = apply_weight_delta(current, delta, name)
    except InputError as error:
        st.session_state[WEIGHT_ERROR_KEY] = (name, editor_signature(settings), str(error))
        return
    st.session_state[WEIGHT_ERROR_KEY] = None
    new = dict(edits)
    seeded = tuple(tuple(float(v) for v in r) for r in seeded_weights(settings)[name])
    if _same(matrix, seeded):
        new.pop(name, None)
    else:
        new[name] = matrix
    state.update(weight_edits=tuple((n, new[n]) for n in NAMES if n in new))


def _same(a: Matrix, b: Matrix) -> bool:
    """Equal as float32 (the seeded values come back from float32 tensors)."""
    return all(
        math.isclose(x, y, rel_tol=1e-7, abs_tol=1e-9)
        for ra, rb in zip(a, b, strict=True)
        for x, y in zip(ra, rb, strict=True)
    )


def on_weight_edit(name: str, editor_key: str) -> None:
    """``on_change`` of a weight data editor."""
    commit_weight_edit(name, st.session_state.get(editor_key) or {})


def weight_error(name: str, settings: state.LabSettings) -> str | None:
    """The message of the last invalid edit of ``name``, while it still applies."""
    error = st.session_state.get(WEIGHT_ERROR_KEY)
    if error and error[0] == name and error[1] == editor_signature(settings):
        return error[2]
    return None


# ---- one self-attention pass, as plain lists ----------------------------------------------


@dataclass(frozen=True)
class View:
    """Everything the page draws, as plain lists (the page never touches a tensor)."""

    W: dict[str, list]  # name -> (d_in, d_out)
    queries: list
    keys: list
    values: list
    attn_scores: list
    scaled_scores: list
    mask: list | None  # (n, n) of 0/1, 1 = hidden
    masked_scores: list  # the scaled scores, masked (whatever the switch says)
    attn_weights: list  # with the current scaling setting
    attn_weights_scaled: list
    attn_weights_unscaled: list
    dropout_mask: list | None
    dropped_weights: list
    context_vecs: list
    d_k: int
    temperature: float


def build_view(settings: state.LabSettings, options: Options) -> View:
    """Every step of one pass on the current settings, as lists (cached: lists unpickle fast)."""
    return _view(
        settings.inputs,
        settings.d_out,
        settings.qkv_seeds,
        settings.weight_edits,
        settings.scaled,
        options.causal,
        options.dropout,
        options.dropout_seed,
    )


@st.cache_data(max_entries=512, show_spinner=False)
def _view(
    inputs: Matrix,
    d_out: int,
    qkv_seeds: tuple[int, int, int],
    weight_edits: tuple[tuple[str, Matrix], ...],
    scaled: bool,
    causal: bool,
    dropout: float,
    dropout_seed: int,
) -> View:
    """Run the cached core twice (scaled and unscaled) and keep every step as lists."""
    # The core directly (this function is the cache): caching each trace too would pickle
    # its tensors on every new input, which costs more than computing them.
    W_query, W_key, W_value = compute.qkv_weights(len(inputs[0]), d_out, qkv_seeds, weight_edits)
    x = compute.tensor(inputs)
    kwargs = {"causal": causal, "dropout": dropout, "seed": dropout_seed}
    trace = self_attention(x, W_query, W_key, W_value, scaled=scaled, **kwargs)
    other = self_attention(x, W_query, W_key, W_value, scaled=not scaled, **kwargs)
    with_scaling, unscaled = (trace, other) if scaled else (other, trace)
    lists = compute.to_lists
    return View(
        W={name: lists(getattr(trace, name)) for name in NAMES},
        queries=lists(trace.queries),
        keys=lists(trace.keys),
        values=lists(trace.values),
        attn_scores=lists(trace.attn_scores),
        scaled_scores=lists(with_scaling.scaled_scores),
        mask=lists(trace.mask.float()) if trace.mask is not None else None,
        masked_scores=lists(with_scaling.masked_scores),  # step 4 shows the scaled scores
        attn_weights=lists(trace.attn_weights),
        attn_weights_scaled=lists(with_scaling.attn_weights),
        attn_weights_unscaled=lists(unscaled.attn_weights),
        dropout_mask=lists(trace.dropout_mask.float()) if trace.dropout_mask is not None else None,
        dropped_weights=lists(trace.dropped_weights),
        context_vecs=lists(trace.context_vecs),
        d_k=trace.d_k,
        temperature=trace.temperature,
    )


def dims(n: int) -> list[str]:
    """Column names of a (.., d_out) matrix: dim 1 ... dim n."""
    return [f"dim {j + 1}" for j in range(n)]


# ---- the book's printed values ----------------------------------------------------------


def book_rows(settings: state.LabSettings) -> list[dict[str, str]]:
    """The book's printed values for 'journey' (section 3.4.1) beside ours, computed the
    book's way (scaled, no mask, no dropout) whatever the page's switches say."""
    return _book_rows(settings.inputs, settings.d_out, settings.qkv_seeds, settings.weight_edits)


@st.cache_data(max_entries=64, show_spinner=False)
def _book_rows(
    inputs: Matrix,
    d_out: int,
    qkv_seeds: tuple[int, int, int],
    weight_edits: tuple[tuple[str, Matrix], ...],
) -> list[dict[str, str]]:
    trace = compute.self_attention(inputs, d_out, qkv_seeds, weight_edits, scaled=True)
    q = BOOK_TOKENS.index("journey")
    ours = {
        "scaled.query_2": compute.to_lists(trace.queries[q]),
        "scaled.attn_score_22": [float(trace.attn_scores[q, q])],
        "scaled.attn_scores_2": compute.to_lists(trace.attn_scores[q]),
        "scaled.attn_weights_2": compute.to_lists(trace.attn_weights[q]),
        "scaled.context_vec_2": compute.to_lists(trace.context_vecs[q]),
    }
    labels = {
        "scaled.query_2": "query_2 = x⁽²⁾ @ W_query",
        "scaled.attn_score_22": "attn_score_22 = q⁽²⁾ · k⁽²⁾",
        "scaled.attn_scores_2": "attn_scores_2 = q⁽²⁾ @ keys.T",
        "scaled.attn_weights_2": "attn_weights_2 = softmax(attn_scores_2 / √d_k)",
        "scaled.context_vec_2": "context_vec_2 = attn_weights_2 @ values",
    }
    rows = []
    for name, label in labels.items():
        book = BOOK_PRINTED[name]
        mine = ours[name]
        match = all(abs(a - b) <= 1e-4 for a, b in zip(book, mine, strict=True))
        rows.append(
            {
                "value (query 'journey')": label,
                "the book prints": _fmt(book),
                "this lab computes": _fmt(mine),
                "match": "✔" if match else "✘",
            }
        )
    return rows


def _fmt(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values) + "]"


def book_differences(settings: state.LabSettings) -> list[str]:
    """What keeps the current state from being the book's, in words."""
    out = []
    if settings.tokens != BOOK_TOKENS or settings.inputs != BOOK_INPUTS_LIST:
        out.append("the embeddings differ from the book's six tokens")
    if settings.qkv_seeds != (BOOK_SEED,) * 3:
        out.append(f"the seed is {seed_text(settings.qkv_seeds)}, not {BOOK_SEED}")
    if settings.d_out != 2:
        out.append(f"d_out is {settings.d_out}, not 2")
    if settings.weight_edits:
        out.append("you edited " + ", ".join(n for n, _ in settings.weight_edits) + " by hand")
    return out


def seed_text(seeds: tuple[int, int, int]) -> str:
    return str(seeds[0]) if len(set(seeds)) == 1 else "/".join(map(str, seeds))


# ---- what changed? weight parameters versus attention weights --------------------------


@dataclass(frozen=True)
class Snapshot:
    signature: tuple
    W: tuple
    attn_weights: tuple
    context_vecs: tuple


@dataclass(frozen=True)
class Change:
    """The last change a student made, and what it did to each kind of 'weights'."""

    cause: str  # a key of WHAT_CHANGES_WHEN
    detail: str  # in words, e.g. "seed 123 → 7"
    params: dict[str, str]  # name -> "" (unchanged) or what happened
    params_delta: float | None  # largest change of a weight parameter, if shapes kept
    attn_delta: float | None  # largest change of an attention weight, if shapes kept
    attn_reshaped: str  # "" or e.g. "6×6 → 7×7"
    context_delta: float | None


#: Rows of the "what changes when" panel: cause -> (what you did, parameters, attention).
WHAT_CHANGES_WHEN: dict[str, tuple[str, str, str]] = {
    "embeddings": (
        "edit the embeddings (a value, a token, the sentence, d_in)",
        "stay",
        "recomputed",
    ),
    "query": ("pick another query token", "stay", "stay (we follow another row)"),
    "seed": ("change the seed or re-roll", "new random draw", "recomputed"),
    "d_out": ("change d_out", "new shape and draw", "recomputed"),
    "edit": ("edit a weight value by hand ('training')", "your edit", "recomputed"),
    "options": ("toggle scaling, the causal mask or dropout", "stay", "recomputed"),
}


def _signature(settings: state.LabSettings, options: Options) -> dict[str, Any]:
    return {
        "embeddings": (settings.tokens, settings.inputs),
        "seed": settings.qkv_seeds,
        "d_out": settings.d_out,
        "edit": settings.weight_edits,
        "options": (settings.scaled, options.causal, options.dropout, options.dropout_seed),
        "query": settings.query,
    }


def _detail(cause: str, old: Any, new: Any) -> str:
    if cause == "seed":
        return f"seed {seed_text(old)} → {seed_text(new)}"
    if cause == "d_out":
        return f"d_out {old} → {new}"
    if cause == "edit":
        before, after = dict(old), dict(new)
        touched = [n for n in NAMES if before.get(n) != after.get(n)]
        return "you edited " + ", ".join(touched)
    if cause == "options":
        names = ("scaling", "causal mask", "dropout", "dropout seed")
        flips = [n for n, a, b in zip(names, old, new, strict=True) if a != b]
        return "you changed " + ", ".join(flips)
    if cause == "query":
        return f"you picked another query token ({old + 1} → {new + 1})"
    return "you changed the token embeddings"


def _max_delta(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> float | None:
    if len(a) != len(b) or any(len(x) != len(y) for x, y in zip(a, b, strict=True)):
        return None
    deltas = [
        abs(x - y) if math.isfinite(x) and math.isfinite(y) else (0.0 if x == y else math.inf)
        for ra, rb in zip(a, b, strict=True)
        for x, y in zip(ra, rb, strict=True)
    ]
    return max(deltas, default=0.0)


def _frozen(matrix: Sequence[Sequence[float]]) -> tuple:
    return tuple(tuple(r) for r in matrix)


def track_change(settings: state.LabSettings, options: Options, view: View) -> Change | None:
    """Compare with the state this page showed last; remember the last real change.

    Reruns that change nothing (a click on 'Next step', opening an expander) keep showing the
    last change, so the student can read what their edit did.
    """
    signature = _signature(settings, options)
    snapshot = Snapshot(
        tuple(signature.items()),
        tuple(_frozen(view.W[n]) for n in NAMES),
        _frozen(view.dropped_weights),
        _frozen(view.context_vecs),
    )
    previous: Snapshot | None = st.session_state.get(SNAPSHOT_KEY)
    st.session_state[SNAPSHOT_KEY] = snapshot
    if previous is None or previous.signature == snapshot.signature:
        return st.session_state.get(CHANGE_KEY)
    old = dict(previous.signature)
    changed = [cause for cause in signature if old.get(cause) != signature[cause]]
    cause = changed[0] if changed else "options"
    params: dict[str, str] = {}
    param_deltas = []
    for name, before, after in zip(NAMES, previous.W, snapshot.W, strict=True):
        delta = _max_delta(before, after)
        if delta is None:
            params[name] = f"{len(before)}×{len(before[0])} → {len(after)}×{len(after[0])}"
        elif delta > 0:
            params[name] = f"Δ max {delta:.4f}"
            param_deltas.append(delta)
        else:
            params[name] = ""
    attn_delta = _max_delta(previous.attn_weights, snapshot.attn_weights)
    n_old, n_new = len(previous.attn_weights), len(snapshot.attn_weights)
    change = Change(
        cause=cause,
        detail=_detail(cause, old.get(cause), signature[cause]),
        params=params,
        params_delta=max(param_deltas) if param_deltas else None,
        attn_delta=attn_delta,
        attn_reshaped="" if attn_delta is not None else f"{n_old}×{n_old} → {n_new}×{n_new}",
        context_delta=_max_delta(previous.context_vecs, snapshot.context_vecs),
    )
    st.session_state[CHANGE_KEY] = change
    return change


def last_change() -> Change | None:
    """The change ``track_change`` found last in this session (None before any)."""
    return st.session_state.get(CHANGE_KEY)


# ---- reproduce this in a notebook -------------------------------------------------------


def _number(value: float) -> str:
    return repr(float(value))


def _matrix_literal(matrix: Sequence[Sequence[float]], indent: str, comments: Sequence[str]) -> str:
    width = max(len(", ".join(_number(v) for v in row)) for row in matrix)
    lines = []
    for k, row in enumerate(matrix):
        body = "[" + ", ".join(_number(v) for v in row) + "],"
        comment = f"  # {comments[k]}" if comments else ""
        lines.append(f"{indent}{body:<{width + 3}}{comment}".rstrip())
    return "\n".join(lines)


def reproduce_snippet(settings: state.LabSettings, options: Options) -> str:
    """Self-contained torch code computing exactly what the page shows."""
    n = len(settings.tokens)
    comments = [f"{t:<8} (x^{i + 1})" for i, t in enumerate(settings.tokens)]
    edits = dict(settings.weight_edits)
    lines = [
        "import torch",
        "",
        "inputs = torch.tensor(",
        "    [",
        _matrix_literal(settings.inputs, "        ", comments),
        "    ]",
        ")",
        f"d_in, d_out = inputs.shape[1], {settings.d_out}",
        "",
    ]
    seeds = settings.qkv_seeds
    if len(set(seeds)) == 1 and not edits:
        lines += [
            f"torch.manual_seed({seeds[0]})",
            "W_query = torch.rand(d_in, d_out)",
            "W_key = torch.rand(d_in, d_out)",
            "W_value = torch.rand(d_in, d_out)",
        ]
    else:
        ordinal = ("1st", "2nd", "3rd")
        for k, (name, seed) in enumerate(zip(NAMES, seeds, strict=True)):
            if name in edits:
                lines += [
                    f"{name} = torch.tensor(  # edited by hand",
                    "    [",
                    _matrix_literal(edits[name], "        ", ()),
                    "    ]",
                    ")",
                ]
                continue
            lines.append(f"torch.manual_seed({seed})")
            lines += ["torch.rand(d_in, d_out)  # skip a draw"] * k
            lines.append(f"{name} = torch.rand(d_in, d_out)  # {ordinal[k]} draw from seed {seed}")
    lines += [
        "",
        "queries = inputs @ W_query  # (num_tokens, d_out)",
        "keys = inputs @ W_key",
        "values = inputs @ W_value",
        "",
        "attn_scores = queries @ keys.T  # omega, (num_tokens, num_tokens)",
        "d_k = keys.shape[-1]",
    ]
    scores = "attn_scores"
    if options.causal:
        lines += [
            "context_length = inputs.shape[0]",
            "mask = torch.triu(torch.ones(context_length, context_length), diagonal=1)",
            "masked = attn_scores.masked_fill(mask.bool(), -torch.inf)",
        ]
        scores = "masked"
    if settings.scaled:
        lines.append(f"attn_weights = torch.softmax({scores} / d_k**0.5, dim=-1)")
    else:
        lines.append(f"attn_weights = torch.softmax({scores}, dim=-1)  # scaling switched off")
    if options.dropout:
        lines += [
            f"torch.manual_seed({options.dropout_seed})",
            f"dropout = torch.nn.Dropout({options.dropout})",
            "attn_weights = dropout(attn_weights)  # zeroes some, scales the rest by 1/(1-p)",
        ]
    query = min(settings.query, n - 1)
    lines += [
        "context_vecs = attn_weights @ values  # (num_tokens, d_out)",
        "",
        f"print(attn_weights[{query}])  # the query {settings.tokens[query]!r}",
        f"print(context_vecs[{query}])",
    ]
    return "\n".join(lines)


def functions_that_ran(options: Options) -> tuple:
    """The core functions behind the page. ``scale_scores`` always runs: step 4 and the left
    chart of step 5 show the scaled scores whatever the switch says."""
    names = ["init", "attention", "scale"]
    if options.causal:
        names += ["mask", "apply_mask"]
    if options.dropout:
        names += ["dropout", "apply_dropout"]
    return tuple(CORE_FUNCTIONS[n] for n in names)


# ---- small tables and sentences for the page --------------------------------------------


def fmt_vector(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values) + "]"


def table_frame(
    values: Sequence[Sequence[float]], rows: Sequence[str], cols: Sequence[str]
) -> pd.DataFrame:
    """A matrix with labelled rows and columns (the data of a weight editor)."""
    return charts.matrix_frame(values, rows, cols)


def arrow_table(
    values: Sequence[Sequence[float]],
    rows: Sequence[str],
    cols: Sequence[str],
    mark: int | None = None,
    corner: str = "token",
) -> pa.Table:
    """The numbers beside a heatmap, rounded to 4 decimals, for ``ui.blocks`` HTML tables.

    The first column names the rows and the row ``mark`` (the query) gets a ▶. Built with
    pyarrow directly: about 0.1 ms, a pandas frame about 1.5 ms.
    """
    while corner in cols:
        corner += " "
    columns: dict[str, list] = {corner: [f"▶ {r}" if i == mark else r for i, r in enumerate(rows)]}
    for j, c in enumerate(cols):
        columns[c] = [round(row[j], 4) if math.isfinite(row[j]) else row[j] for row in values]
    return pa.table(columns)


def weight_columns(columns: Sequence[str]) -> dict[str, Any]:
    """Column settings of the weight editors: numbers only, shown with 4 decimals."""
    return {
        c: st.column_config.NumberColumn(
            c, format="%.4f", required=True, help=f"Output dimension {c[4:]}: type any number"
        )
        for c in columns
    }


def book_frame(settings: state.LabSettings) -> pd.DataFrame:
    return pd.DataFrame(book_rows(settings))


def weights_origin(settings: state.LabSettings) -> str:
    seeds = settings.qkv_seeds
    text = (
        f"drawn after torch.manual_seed({seeds[0]})"
        if len(set(seeds)) == 1
        else f"drawn from seeds {seed_text(seeds)} (query/key/value)"
    )
    if settings.weight_edits:
        text += "; " + ", ".join(n for n, _ in settings.weight_edits) + " edited by hand"
    return text


def matrix_origin(settings: state.LabSettings, name: str, edited: bool) -> str:
    if edited:
        return f"{name}: edited by hand. Re-roll, change its seed or d_out to start over."
    k = NAMES.index(name)
    ordinal = ("1st", "2nd", "3rd")[k]
    return (
        f"{name} = the {ordinal} torch.rand({settings.d_in}, {settings.d_out}) after "
        f"torch.manual_seed({settings.qkv_seeds[k]})."
    )


def dot_product_text(view: View, q: int, qname: str) -> str:
    """The book's ω₂₂ = q⁽²⁾ · k⁽²⁾, written out for the current query."""
    query, key = view.queries[q], view.keys[q]
    terms = [f"{a:.4f}·{b:.4f}" for a, b in zip(query, key, strict=True)]
    if len(terms) > 4:
        terms = [*terms[:3], "…", terms[-1]]
    return (
        f"For example, *{qname}* against itself: `attn_scores[{q}, {q}]` = "
        f"query_{q + 1} · key_{q + 1} = {' + '.join(terms)} = **{view.attn_scores[q][q]:.4f}**"
    )


def scaling_comparison(view: View, q: int, qname: str, scaled: bool) -> str:
    """The query's weights with and without scaling, and which one the page uses."""
    with_, without = view.attn_weights_scaled[q], view.attn_weights_unscaled[q]
    in_use = with_ if scaled else without
    if scaled:
        head = ":green-badge[in use] The **scaled** weights (chart *Scaled*) go on to step 6."
    else:
        head = (
            ":orange-badge[scaling off] The **unscaled** weights (chart *Unscaled*) go on to "
            "step 6: softmax receives the raw scores of step 3."
        )
    lines = [
        head,
        "",
        f"**Weights in use for *{qname}*** ({'scaled' if scaled else 'unscaled'}): "
        f"`{fmt_vector(in_use)}`",
        "",
        f"Largest weight of *{qname}*: **{max(with_):.4f}** scaled vs **{max(without):.4f}** "
        "unscaled.",
    ]
    if view.d_k == 1:
        lines.append(" With d_k = 1, √d_k = 1: scaling changes nothing. Raise d_out.")
    elif max(without) > max(with_):
        lines.append(" Without scaling softmax is more peaked: it favours the top score more.")
    return "\n".join(lines)


@dataclass(frozen=True)
class ChangeSummary:
    cause: str
    params: str
    attention: str
    params_short: str
    attention_short: str
    toast: str | None


def change_summary(change: Change | None) -> ChangeSummary:
    """The two cards: what the last change did to each kind of weights, in words."""
    if change is None:
        idle = ":gray-badge[no change yet]"
        return ChangeSummary(
            "none yet. Touch a control above: edit an embedding, re-roll, pick a query…",
            idle,
            idle,
            "",
            "",
            None,
        )
    changed = {n: what for n, what in change.params.items() if what}
    if changed:
        params = ":blue-badge[changed]  \n" + "  \n".join(
            f"{n}: {what}" for n, what in changed.items()
        )
        params_short = "· changed by your last change"
        params_toast = "parameters changed"
    else:
        params = ":gray-badge[unchanged ✔] by your last change"
        params_short = "· unchanged by your last change ✔"
        params_toast = "parameters unchanged ✔"
    if change.attn_reshaped:
        attention = f":orange-badge[recomputed] new shape {change.attn_reshaped}"
        attention_toast = "attention weights reshaped"
    elif change.attn_delta:
        attention = f":orange-badge[changed] Δ max {change.attn_delta:.4f}"
        attention_toast = f"attention weights Δ max {change.attn_delta:.2f}"
    else:
        attention = ":gray-badge[unchanged ✔] by your last change"
        attention_toast = "attention weights unchanged ✔"
    if change.context_delta:
        attention += f"  \ncontext vectors: Δ max {change.context_delta:.4f}"
    attention_short = (
        "· unchanged by your last change ✔"
        if not (change.attn_reshaped or change.attn_delta)
        else "· changed by your last change"
    )
    return ChangeSummary(
        f"{change.detail} (👉 lit up in the table below).",
        params,
        attention,
        params_short,
        attention_short,
        f"{change.detail}: {params_toast} · {attention_toast}",
    )


def matrices_origin(settings: state.LabSettings) -> str:
    """Where W_query, W_key and W_value come from, one sentence each, as one line."""
    edited = {name for name, _ in settings.weight_edits}
    return " · ".join(matrix_origin(settings, name, name in edited) for name in NAMES)


def rules_markdown(change: Change | None) -> str:
    """'What changes when' as a markdown table, the row of the last change lit up.

    Markdown, not ``st.table``: it joins the line above it in one element (cheaper to draw).
    """
    lines = [
        "| when you… | weight parameters | attention weights |",
        "| :-- | :-- | :-- |",
    ]
    for cause, (what, params, attn) in WHAT_CHANGES_WHEN.items():
        if change is not None and cause == change.cause:
            what = f"👉 **{what}**"
            params = f":blue-background[**{params}**]"
            attn = f":orange-background[**{attn}**]"
        lines.append(f"| {what} | {params} | {attn} |")
    return "\n".join(lines)
