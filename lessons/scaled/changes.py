"""What the student's last change did to each kind of "weights".

The page calls ``track`` once per run, before it draws anything that shows the change, and
passes the result down: the summary above the steps, the step badges and the rules table all
read that one ``Change``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lessons.scaled.controls import Options
from ui import fmt, keys
from ui.compute import NAMES, AttentionView
from ui.settings import LabSettings

SNAPSHOT = keys.declare("scaled_snapshot", None)  # what the page showed on its last run
LAST_CHANGE = keys.declare("scaled_change", None)  # the last real change found

#: cause -> (what you did, weight parameters, attention weights): the rules table's rows.
WHAT_CHANGES_WHEN: dict[str, tuple[str, str, str]] = {
    "embeddings": ("edit the embeddings (a value, a token, the sentence, d_in)", "stay", "recomputed"),
    "query": ("pick another query token", "stay", "stay (we follow another row)"),
    "seed": ("change the seed or re-roll", "new random draw", "recomputed"),
    "d_out": ("change d_out", "new shape and draw", "recomputed"),
    "edit": ("edit a weight value by hand ('training')", "your edit", "recomputed"),
    "options": ("switch scaling, the causal mask or dropout", "stay", "recomputed"),
}  # fmt: skip


@dataclass(frozen=True)
class Snapshot:
    signature: tuple
    W: tuple
    attn_weights: tuple
    context_vecs: tuple


@dataclass(frozen=True)
class Change:
    """The last change a student made, and what it did to each kind of weights."""

    cause: str  # a key of WHAT_CHANGES_WHEN
    detail: str  # in words, e.g. "seed 123 → 7"
    params: tuple[tuple[str, str], ...]  # (name, "" if unchanged else what happened)
    attn_delta: float | None  # largest change of an attention weight (None: new shape)
    attn_reshaped: str  # "" or e.g. "6×6 → 7×7"
    context_delta: float | None

    @property
    def params_changed(self) -> bool:
        return any(what for _, what in self.params)

    @property
    def attention_changed(self) -> bool:
        return bool(self.attn_reshaped or self.attn_delta)


def _signature(current: LabSettings, options: Options) -> dict[str, Any]:
    return {
        "embeddings": (current.tokens, current.inputs),
        "seed": current.qkv_seeds,
        "d_out": current.d_out,
        "edit": current.weight_edits,
        "options": (current.scaled, options.causal, options.dropout, options.dropout_seed),
        "query": current.query,
    }


def _detail(cause: str, old: Any, new: Any) -> str:
    if cause == "seed":
        return f"seed {fmt.seeds(old)} → {fmt.seeds(new)}"
    if cause == "d_out":
        return f"d_out {old} → {new}"
    if cause == "edit":
        before, after = dict(old), dict(new)
        return "you edited " + ", ".join(n for n in NAMES if before.get(n) != after.get(n))
    if cause == "options":
        names = ("scaling", "causal mask", "dropout", "dropout seed")
        return "you changed " + ", ".join(
            n for n, a, b in zip(names, old, new, strict=True) if a != b
        )
    if cause == "query":
        return f"you picked another query token (x{fmt.sup(old + 1)} → x{fmt.sup(new + 1)})"
    return "you changed the token embeddings"


def _max_delta(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> float | None:
    """The largest entry-wise difference, or None when the shapes differ."""
    if len(a) != len(b) or any(len(x) != len(y) for x, y in zip(a, b, strict=True)):
        return None
    deltas = [
        abs(x - y) if math.isfinite(x) and math.isfinite(y) else (0.0 if x == y else math.inf)
        for ra, rb in zip(a, b, strict=True)
        for x, y in zip(ra, rb, strict=True)
    ]
    return max(deltas, default=0.0)


def track(current: LabSettings, options: Options, view: AttentionView) -> Change | None:
    """Compare with what the page showed on its last run; return the last real change.

    Runs that change nothing (opening an expander, 'Next step') keep the last change, so the
    student can still read what their edit did.
    """
    signature = _signature(current, options)
    snapshot = Snapshot(
        tuple(signature.items()),
        tuple(view.weights(n) for n in NAMES),
        view.dropped_weights,
        view.context_vecs,
    )
    previous: Snapshot | None = keys.value(SNAPSHOT)
    keys.store(SNAPSHOT, snapshot)
    if previous is None or previous.signature == snapshot.signature:
        return keys.value(LAST_CHANGE)
    old = dict(previous.signature)
    cause = next((c for c in signature if old.get(c) != signature[c]), "options")
    params = []
    for name, before, after in zip(NAMES, previous.W, snapshot.W, strict=True):
        delta = _max_delta(before, after)
        if delta is None:
            what = f"{len(before)}×{len(before[0])} → {len(after)}×{len(after[0])}"
        else:
            what = f"Δ max {delta:.4f}" if delta > 0 else ""
        params.append((name, what))
    attn_delta = _max_delta(previous.attn_weights, snapshot.attn_weights)
    n_old, n_new = len(previous.attn_weights), len(snapshot.attn_weights)
    change = Change(
        cause=cause,
        detail=_detail(cause, old.get(cause), signature[cause]),
        params=tuple(params),
        attn_delta=attn_delta,
        attn_reshaped="" if attn_delta is not None else f"{n_old}×{n_old} → {n_new}×{n_new}",
        context_delta=_max_delta(previous.context_vecs, snapshot.context_vecs),
    )
    keys.store(LAST_CHANGE, change)
    return change


# ---- in words ---------------------------------------------------------------------------------

IDLE = ":gray-badge[no change yet]"


def params_card(change: Change | None) -> str:
    """What the last change did to W_query, W_key, W_value."""
    if change is None:
        return IDLE
    changed = [(n, what) for n, what in change.params if what]
    if not changed:
        return ":gray-badge[unchanged ✔]"
    return ":blue-badge[changed] " + " · ".join(f"{n}: {what}" for n, what in changed)


def attention_card(change: Change | None) -> str:
    """What the last change did to the attention weights α (and the context vectors)."""
    if change is None:
        return IDLE
    if change.attn_reshaped:
        text = f":orange-badge[recomputed] new shape {change.attn_reshaped}"
    elif change.attn_delta:
        text = f":orange-badge[changed] Δ max {change.attn_delta:.4f}"
    else:
        text = ":gray-badge[unchanged ✔]"
    if change.context_delta:
        text += f" · context vectors: Δ max {change.context_delta:.4f}"
    return text


def summary(change: Change | None, current: LabSettings) -> str:
    """The two kinds of weights, one line each: what the last change did to them."""
    n = len(current.tokens)
    return (
        f"🧱 **Weight parameters** W_query, W_key, W_value (learned; each ({current.d_in}, "
        f"{current.d_out})): {params_card(change)}  \n"
        f"🎯 **Attention weights** α (computed per input; ({n}, {n})): {attention_card(change)}"
    )


def badge(changed: bool | None) -> str:
    """A step's note: did the last change touch this kind of weights?"""
    if changed is None:
        return ""
    return "· changed by your last change" if changed else "· unchanged by your last change ✔"


def cause(change: Change | None) -> str:
    if change is None:
        return "none yet. Touch a control above: edit an embedding, change the seed, pick a query…"
    return f"{change.detail} (👉 its row is lit up in step 1's table)."


def rules_table(change: Change | None) -> str:
    """'What changes when' as a markdown table, the row of the last change lit up."""
    lines = ["| when you… | weight parameters | attention weights |", "| :-- | :-- | :-- |"]
    for key, (what, params, attn) in WHAT_CHANGES_WHEN.items():
        if change is not None and key == change.cause:
            what = f"👉 **{what}**"
            params = f":blue-background[**{params}**]"
            attn = f":orange-background[**{attn}**]"
        lines.append(f"| {what} | {params} | {attn} |")
    return "\n".join(lines)
