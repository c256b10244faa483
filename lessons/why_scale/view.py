"""Cached views of the core for the why-scale lesson, keyed on plain values.

Every result is a tuple of the core's frozen dataclasses of floats (never a tensor), shared
by every session: ``st.cache_resource`` hands out the object itself, so never mutate one.
"""

from __future__ import annotations

import streamlit as st

from attention.why_scale import (
    SaturationStats,
    TemperaturePoint,
    saturation_sweep,
    temperature_curve,
    temperature_sweep,
)
from lessons.why_scale.controls import D_KS, NUM_QUERIES, TEMPERATURES
from ui.compute import CACHE


@st.cache_resource(**CACHE)
def sweep(num_tokens: int, seed: int) -> tuple[SaturationStats, ...]:
    """Unscaled and scaled softmax at every d_k of the slider (``attention.saturation_sweep``)."""
    return saturation_sweep(D_KS, num_tokens=num_tokens, num_queries=NUM_QUERIES, seed=seed)


@st.cache_resource(**CACHE)
def temperature_curves(num_tokens: int, seed: int) -> tuple[tuple[TemperaturePoint, ...], ...]:
    """Peakedness at every temperature of the slider, one curve per d_k of ``D_KS``."""
    return tuple(
        temperature_curve(
            d_k, TEMPERATURES, num_tokens=num_tokens, num_queries=NUM_QUERIES, seed=seed
        )
        for d_k in D_KS
    )


@st.cache_resource(**CACHE)
def at_temperatures(d_k: int, num_tokens: int, seed: int) -> tuple[SaturationStats, ...]:
    """Peakedness and gradients at every temperature of the slider, at one d_k."""
    return temperature_sweep(
        d_k, TEMPERATURES, num_tokens=num_tokens, num_queries=NUM_QUERIES, seed=seed
    )
