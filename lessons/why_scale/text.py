"""The why-scale lesson's sentences and table cells, each built from the numbers it speaks of.

The gradient the page speaks of is ‖∂L/∂q‖, the one that reaches the query and through it
W_query. The other two are named by what they are taken with respect to: ‖∂L/∂ω‖ at the raw
scores ω = q·k, and ‖∂L/∂(ω/T)‖ at the softmax input (T = 1 unscaled, T = √d_k scaled).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from attention.why_scale import (
    SaturationStats,
    TemperaturePoint,
    by_d_k,
    query_gradient_ratio,
    scaling_pays_from,
)
from lessons.why_scale.controls import (
    D_KS,
    NUM_QUERIES,
    TEMPERATURES,
    Experiment,
    format_temperature,
    sqrt_dk_temperature,
)
from ui import fmt

SAME = 1.05  # a ratio within 5% of 1 reads "about the same"
UNSCALED = "unscaled: softmax(ω)"
SCALED = "scaled: softmax(ω / √d_k)"
BOUNDS = "uniform … one-hot"


def measured_on(e: Experiment) -> str:
    """What every number of the page is measured on."""
    return (
        f"{NUM_QUERIES} random queries with {e.num_tokens} keys each, their entries drawn "
        f"independently from N(0, 1) (seed {e.seed})"
    )


GRAD = "#.3g"  # a gradient norm: 3 significant digits, trailing zeros kept (0.0400, 6.39e-06)


def grad(value: float) -> str:
    """A gradient norm as the page prints it: 0.221, 0.0400, 0.000207, 6.39e-06."""
    return format(value, GRAD).rstrip(".")


def factor(value: float) -> str:
    """A ratio to 3 significant digits, thousands separated: 1.45×, 11.6×, 47,552×."""
    return f"{value:,.0f}×" if value >= 1000 else f"{value:.3g}×"


def ratio(unscaled: SaturationStats, scaled: SaturationStats) -> str:
    """‖∂L/∂q‖ scaled ÷ unscaled as "1.47×"."""
    return fmt.times(query_gradient_ratio(unscaled, scaled))


# ---- the table under the controls -------------------------------------------------------------


def your_d_k_caption(e: Experiment) -> str:
    """The table's own caption: short, so that it fits a phone."""
    return f"<strong>Your d_k = {e.d_k}</strong>, √d_k = {math.sqrt(e.d_k):.2f}"


def your_d_k_note(e: Experiment, steps: int = 5) -> str:
    """What the table is measured on, and what each of its gradients is taken with respect to."""
    note = (
        f"Every measure at your d_k, unscaled (softmax(ω)) beside scaled (softmax(ω / √d_k)), "
        f"measured on {measured_on(e)}: means over the queries"
    )
    if steps < 3:
        return note + "."
    return (
        f"{note}; each gradient is the median of its norm, for a fixed random upstream gradient "
        "g. **‖∂L/∂q‖** is taken at the query (what reaches W_query: the figure this page "
        "compares), ‖∂L/∂ω‖ at the raw scores ω = q·k, ‖∂L/∂(ω/T)‖ at softmax's input (T = 1 "
        "unscaled, √d_k scaled)."
    )


def your_d_k_columns(
    e: Experiment, unscaled: SaturationStats, scaled: SaturationStats, steps: int = 5
) -> dict[str, list[str]]:
    """Every measure at your d_k (the rows of steps 1 to ``steps``), one row per measure."""
    n = e.num_tokens
    rows = [("std of softmax's input", f"{unscaled.score_std:.2f}", f"{scaled.score_std:.2f}",
             "")]  # fmt: skip
    if steps >= 2:
        rows += [
            ("max weight", f"{unscaled.max_weight:.3f}", f"{scaled.max_weight:.3f}",
             f"{1 / n:.3f} … 1"),
            ("entropy (nats)", f"{unscaled.entropy:.3f}", f"{scaled.entropy:.3f}",
             f"{math.log(n):.3f} … 0"),
            ("effective tokens", f"{unscaled.effective_tokens:.2f}",
             f"{scaled.effective_tokens:.2f}", f"{n} … 1"),
        ]  # fmt: skip
    if steps >= 3:
        rows += [
            (f"‖∂L/∂q‖ (scaled: {ratio(unscaled, scaled)})", grad(unscaled.query_grad_norm),
             grad(scaled.query_grad_norm), ""),
            ("‖∂L/∂ω‖", grad(unscaled.raw_score_grad_norm), grad(scaled.raw_score_grad_norm),
             ""),
            ("‖∂L/∂(ω/T)‖", grad(unscaled.score_grad_norm), grad(scaled.score_grad_norm), ""),
        ]  # fmt: skip
    columns = [f"at d_k = {e.d_k}", "unscaled", "scaled", BOUNDS]
    return {name: [row[k] for row in rows] for k, name in enumerate(columns)}


# ---- the headline: where scaling pays -----------------------------------------------------


def query_gradient_at(unscaled: SaturationStats, scaled: SaturationStats) -> str:
    """Which model sends the query more gradient at this d_k, with both numbers."""
    d_k, u, s = unscaled.d_k, unscaled.query_grad_norm, scaled.query_grad_norm
    r = query_gradient_ratio(unscaled, scaled)
    if d_k == 1:
        return (
            f"At d_k = 1, √d_k = 1: scaled and unscaled are the same softmax, and the query "
            f"gets ‖∂L/∂q‖ = {grad(u)} from both."
        )
    both = f"At d_k = {d_k} the query gets ‖∂L/∂q‖ = {grad(s)} with scaling and {grad(u)} without"
    if r >= SAME:
        return f"{both}: scaling sends it **{fmt.times(r)} as much** gradient (and so W_query)."
    if r <= 1 / SAME:
        return (
            f"{both}: here the **unscaled model sends the query more** gradient (scaled ÷ "
            f"unscaled = {fmt.times(r)})."
        )
    return f"{both}: about the same (scaled ÷ unscaled = {fmt.times(r)})."


def _d_k_list(d_ks: Sequence[int]) -> str:
    return ", ".join(str(d) for d in d_ks)


def where_it_pays(sweep: Sequence[SaturationStats], e: Experiment) -> str:
    """From which d_k on the scaled query gradient is the larger one, and what happens below."""
    ratios = {d: query_gradient_ratio(*by_d_k(sweep, d)) for d in D_KS}
    pays = scaling_pays_from(sweep)
    setup = f"With {e.num_tokens} keys per query and seed {e.seed}"
    last = D_KS[-1]
    if pays is None:
        return (
            f"{setup}, the scaled query gradient is not the larger one even at d_k = {last} "
            f"(scaled ÷ unscaled = {fmt.times(ratios[last])}): saturation has not set in yet."
        )
    first = f"{fmt.times(ratios[pays])} as much at d_k = {pays}"
    if ratios[pays] < SAME:
        first = f"barely at first ({fmt.times(ratios[pays])} at d_k = {pays})"
    text = (
        f"{setup}, **scaling pays from d_k = {pays} on**: from there on the scaled model sends "
        f"the query more gradient, {first}"
    )
    text += f" and {fmt.times(ratios[last])} at d_k = {last}." if pays < last else "."
    below = [d for d in D_KS if 1 < d < pays]
    less = [d for d in below if ratios[d] < 1.0]
    if below and less == below:
        low, high = min(ratios[d] for d in below), max(ratios[d] for d in below)
        span = f"d_k = {below[0]}" if len(below) == 1 else f"d_k = {below[0]} to {below[-1]}"
        share = fmt.times(low) if len(below) == 1 else f"{fmt.times(low)} to {fmt.times(high)}"
        peak = by_d_k(sweep, below[-1])[0].max_weight
        text += (
            f" Below that, at {span}, the **unscaled model sends the query more** gradient "
            f"(scaled ÷ unscaled {share}). Two effects compete there: the unscaled softmax "
            f"already peaks (its largest weight is {peak:.2f} at d_k = {below[-1]}, against "
            f"1/{e.num_tokens} = {1 / e.num_tokens:.2f} for a uniform row), but the scaled "
            "model multiplies its gradient by 1/√d_k on the way back, and that costs it more."
        )
    elif below:
        more = [d for d in below if d not in less]
        text += (
            f" Below that the two take turns: the unscaled model sends more at d_k = "
            f"{_d_k_list(less) or 'none'}, the scaled one at d_k = {_d_k_list(more)}."
        )
    return text + " (At d_k = 1 they are the same model.)"


def headline(sweep: Sequence[SaturationStats], e: Experiment) -> str:
    """The page's claim in numbers: the query gradient at your d_k, and where scaling pays."""
    return f"📉 {query_gradient_at(*by_d_k(sweep, e.d_k))} {where_it_pays(sweep, e)}"


# ---- step 1: spread -----------------------------------------------------------------------


def spread(sweep: Sequence[SaturationStats], e: Experiment) -> str:
    """The measured std of ω against √d_k, at your d_k and across every d_k."""
    unscaled, scaled = by_d_k(sweep, e.d_k)
    root = math.sqrt(e.d_k)
    deviation = max(abs(by_d_k(sweep, d)[0].raw_score_std / math.sqrt(d) - 1) for d in D_KS)
    scaled_stds = [by_d_k(sweep, d)[1].score_std for d in D_KS]
    return (
        f"**Measured at your d_k = {e.d_k}** on the {NUM_QUERIES} × {e.num_tokens} scores: "
        f"std of ω = **{unscaled.raw_score_std:.2f}**, which is "
        f"{unscaled.raw_score_std / root:.2f} × √d_k = {root:.2f}; divided by √d_k it is "
        f"**{scaled.score_std:.2f}**. Across d_k = 1 … {D_KS[-1]} the measured std of ω stays "
        f"within {deviation:.0%} of √d_k, and the scaled one between {min(scaled_stds):.2f} "
        f"and {max(scaled_stds):.2f}."
    )


# ---- step 2: saturation ---------------------------------------------------------------------


def key_name(j: int) -> str:
    """k⁽ʲ⁾ for the 0-based key index j."""
    return "k" + fmt.sup(j + 1)


def first_query(unscaled: SaturationStats, scaled: SaturationStats) -> str:
    """The first query's weights at your d_k, in words."""

    def top(weights: Sequence[float]) -> str:
        j = max(range(len(weights)), key=lambda k: weights[k])
        return f"**{weights[j]:.3f}** (on {key_name(j)})"

    return (
        f"The first of the {NUM_QUERIES} queries at d_k = {unscaled.d_k}: its largest weight "
        f"is {top(unscaled.example_weights)} without scaling and {top(scaled.example_weights)} "
        "with it."
    )


def saturation(sweep: Sequence[SaturationStats], e: Experiment) -> str:
    """Peakedness at your d_k (means over the queries), and across every d_k."""
    unscaled, scaled = by_d_k(sweep, e.d_k)
    n = e.num_tokens
    first_u, last_u = by_d_k(sweep, D_KS[0])[0], by_d_k(sweep, D_KS[-1])[0]
    scaled_tokens = [by_d_k(sweep, d)[1].effective_tokens for d in D_KS]
    trend = "fall" if last_u.effective_tokens < first_u.effective_tokens else "go"
    return (
        f"**Over all {NUM_QUERIES} queries at d_k = {e.d_k}**: max weight "
        f"**{unscaled.max_weight:.3f}** unscaled and **{scaled.max_weight:.3f}** scaled (uniform "
        f"would be 1/{n} = {1 / n:.3f}, one-hot 1); effective tokens **"
        f"{unscaled.effective_tokens:.2f}** of {n} unscaled and **{scaled.effective_tokens:.2f}"
        f"** scaled.  \nAcross d_k: without scaling the effective tokens {trend} from "
        f"{first_u.effective_tokens:.2f} at d_k = 1 to {last_u.effective_tokens:.2f} at d_k = "
        f"{D_KS[-1]}; with scaling they stay between {min(scaled_tokens):.2f} and "
        f"{max(scaled_tokens):.2f}."
    )


# ---- step 3: the gradient -------------------------------------------------------------------


def three_gradients(unscaled: SaturationStats, scaled: SaturationStats) -> str:
    """Scaled ÷ unscaled at the softmax input, at ω and at q: why the first misleads."""
    d_k = unscaled.d_k
    if d_k == 1:
        return (
            "At d_k = 1 the three ratios are all 1: √1 = 1, so scaling changes nothing. Move "
            "d_k to compare."
        )
    at_input = scaled.score_grad_norm / unscaled.score_grad_norm
    at_omega = scaled.raw_score_grad_norm / unscaled.raw_score_grad_norm
    root = f"{math.sqrt(d_k):.3g}"
    return (
        f"**Which gradient?** At your d_k = {d_k}, scaled ÷ unscaled is {factor(at_input)} at "
        f"the softmax input ‖∂L/∂(ω/T)‖, {factor(at_omega)} at the raw scores ‖∂L/∂ω‖, and "
        f"**{ratio(unscaled, scaled)} at the query ‖∂L/∂q‖**. The first leaves out the factor "
        f"1/√d_k = 1/{root} that the chain rule applies between ω/√d_k and ω "
        f"({factor(at_input)} ÷ {root} = {factor(at_omega)}), so it overstates what scaling "
        "does for training. The last is the gradient that reaches W_query."
    )


# ---- step 4: the temperature ------------------------------------------------------------------


def temperature_rows(
    d_k: int, temperature: float, stats: Sequence[SaturationStats]
) -> tuple[tuple[str, SaturationStats], ...]:
    """T = 1, T = √d_k and your T, each with its measures (``stats``: one per TEMPERATURES)."""
    by_t = dict(zip(TEMPERATURES, stats, strict=True))
    root = sqrt_dk_temperature(d_k)
    return (
        ("T = 1: unscaled", by_t[1.0]),
        (f"T = √d_k = {format_temperature(root)}: scaled", by_t[root]),
        (f"your T = {format_temperature(temperature)}", by_t[temperature]),
    )


def temperature_columns(
    rows: Sequence[tuple[str, SaturationStats]], num_tokens: int
) -> dict[str, list[str]]:
    """The rows of ``temperature_rows`` as table columns, with the uniform … one-hot bounds."""
    n = num_tokens
    return {
        "softmax(ω / T)": [label for label, _ in rows] + [BOUNDS],
        "std of ω / T": [f"{s.score_std:.2f}" for _, s in rows] + [""],
        "max weight": [f"{s.max_weight:.3f}" for _, s in rows] + [f"{1 / n:.3f} … 1"],
        "entropy (nats)": [f"{s.entropy:.3f}" for _, s in rows] + [f"{math.log(n):.3f} … 0"],
        "effective tokens": [f"{s.effective_tokens:.2f}" for _, s in rows] + [f"{n} … 1"],
        "‖∂L/∂q‖": [grad(s.query_grad_norm) for _, s in rows] + [""],
    }


def temperature_verdict(d_k: int, temperature: float, stats: Sequence[SaturationStats]) -> str:
    """Where your T sits against √d_k, and what that does to the softmax (measured)."""
    _, at_root, mine = (s for _, s in temperature_rows(d_k, temperature, stats))
    root, shown = format_temperature(sqrt_dk_temperature(d_k)), format_temperature(temperature)
    if math.isclose(temperature, sqrt_dk_temperature(d_k)):
        return (
            f"🎯 **T = √d_k = {shown}: this is scaled dot-product attention.** Its row is the "
            "scaled column of the table at the top; move d_k and it stays about the same."
        )
    side = "below" if temperature < sqrt_dk_temperature(d_k) else "above"
    if mine.max_weight > at_root.max_weight:
        shape = "sharper than"
    elif mine.max_weight < at_root.max_weight:
        shape = "flatter than"
    else:
        shape = "as peaked as"
    return (
        f"T = {shown} is {side} √d_k = {root}: the scores softmax sees spread with std "
        f"{mine.score_std:.2f} (at T = √d_k: {at_root.score_std:.2f}), so the weights are "
        f"{shape} scaled attention's (max weight {mine.max_weight:.3f} against "
        f"{at_root.max_weight:.3f})."
    )


def temperature_gradient(
    d_k: int, stats: Sequence[SaturationStats], sweep: Sequence[SaturationStats]
) -> str:
    """Where ‖∂L/∂q‖ peaks over T at your d_k, and what √d_k does across d_k instead."""
    by_t = dict(zip(TEMPERATURES, stats, strict=True))
    best = max(TEMPERATURES, key=lambda t: by_t[t].query_grad_norm)
    root = sqrt_dk_temperature(d_k)
    scaled = [by_d_k(sweep, d)[1].query_grad_norm for d in D_KS]
    unscaled = [by_d_k(sweep, d)[0].query_grad_norm for d in D_KS]
    where = (
        "here √d_k is also the temperature where it is largest"
        if math.isclose(best, root)
        else "so √d_k is not the temperature that maximises it"
    )
    return (
        f"**The gradient against T, at your d_k = {d_k}**: among the slider's temperatures "
        f"‖∂L/∂q‖ is largest at T = {format_temperature(best)} ({grad(by_t[best].query_grad_norm)}"
        f"); at T = √d_k = {format_temperature(root)} it is {grad(by_t[root].query_grad_norm)}, "
        f"and at T = 1, {grad(by_t[1.0].query_grad_norm)}: {where}. What √d_k does is keep the "
        f"scores' spread at about 1 at every d_k, and with it the query gradient: scaled, "
        f"‖∂L/∂q‖ stays between {grad(min(scaled))} and {grad(max(scaled))} across d_k = 1 … "
        f"{D_KS[-1]}; unscaled it ranges from {grad(max(unscaled))} down to {grad(min(unscaled))}."
    )


def temperature_curves(curves: Sequence[Sequence[TemperaturePoint]], num_tokens: int) -> str:
    """At T = √d_k every d_k lands at about the same effective tokens; at T = 1 it does not."""
    at_root, at_one = [], []
    for d_k, curve in zip(D_KS, curves, strict=True):
        by_t = {p.temperature: p for p in curve}
        at_root.append(by_t[sqrt_dk_temperature(d_k)].effective_tokens)
        at_one.append(by_t[1.0].effective_tokens)
    return (
        f"**In the chart**: at T = √d_k every d_k attends to between {min(at_root):.2f} and "
        f"{max(at_root):.2f} effective tokens of {num_tokens}; at T = 1, from "
        f"{at_one[0]:.2f} (d_k = 1) to {at_one[-1]:.2f} (d_k = {D_KS[-1]})."
    )
