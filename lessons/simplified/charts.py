"""The simplified lesson's one chart: the geometry of step 5, as a ``ui.charts`` builder and the
records it is filled with.

The builder takes only its layout (axis titles, whether other context vectors are drawn) and
the sizes; the numbers, the view's centre and span included, arrive as named datasets, so a
new query or an edited number only refills the cached template. The title holds no number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import altair as alt

from attention.geometry import Projection
from ui import charts
from ui.charts import BLUE, GREY, ORANGE, SKY, VERMILLION, Sizes
from ui.fmt import sup

Records = list[dict[str, Any]]
QUERY_ROLE = "the query x⁽ⁱ⁾"
INPUT_ROLE = "the inputs x⁽ʲ⁾"
Z_ROLE = "its context vector z⁽ⁱ⁾"
OTHER_Z_ROLE = "other context vectors"
VIEW_PARAMS = ("x_c", "y_c", "half")  # the view's centre and half-span, from data "origin"


def geometry_chart(
    x_title: str, y_title: str, show_all: bool, s: Sizes
) -> tuple[alt.TopLevelMixin, str]:
    """Inputs as arrows from the origin, their convex hull, the query and its context vector.

    Data: "hull" (x, y, order), "arrows" (token, x, y, x0, y0, weight, role, angle),
    "contexts" (token, of, x, y, role), "z_label" (the query's z), "origin" (one row: the
    origin and the view's x_c, y_c, half).
    """
    roles = [QUERY_ROLE, INPUT_ROLE, Z_ROLE] + ([OTHER_Z_ROLE] if show_all else [])
    palette = [ORANGE, BLUE, VERMILLION] + ([GREY] if show_all else [])
    params = [
        alt.param(name=name, expr=f"length(data('origin')) ? data('origin')[0].{name} : 1")
        for name in VIEW_PARAMS
    ]
    # Equal scales on both axes whatever the chart's width, so that angles on screen are
    # true: the longer side of the plot gets the wider domain.
    x_domain = alt.ExprRef(
        "[x_c - half * max(1, width / height), x_c + half * max(1, width / height)]"
    )
    y_domain = alt.ExprRef(
        "[y_c - half * max(1, height / width), y_c + half * max(1, height / width)]"
    )
    x = alt.X("x:Q", title=x_title, scale=alt.Scale(domain=x_domain, nice=False))
    y = alt.Y("y:Q", title=y_title, scale=alt.Scale(domain=y_domain, nice=False))
    colour = alt.Color(
        "role:N", title=None, scale=alt.Scale(domain=roles, range=palette),
        legend=alt.Legend(orient="top", columns=2),
    )  # fmt: skip
    arrow_tip = [
        alt.Tooltip("token:N", title="input"),
        alt.Tooltip("x:Q", title=x_title, format=".4f"),
        alt.Tooltip("y:Q", title=y_title, format=".4f"),
        alt.Tooltip("weight:Q", title="weight αᵢⱼ from the query", format=".4f"),
    ]
    hull = (
        alt.Chart(alt.NamedData(name="hull"))
        .mark_line(interpolate="linear-closed", fill=SKY, fillOpacity=0.18, stroke=SKY,
                   strokeDash=[4, 3], strokeWidth=1.5)
        .encode(x=x, y=y, order="order:Q")
    )  # fmt: skip
    arrows = alt.Chart(alt.NamedData(name="arrows"))
    shafts = arrows.mark_rule(strokeWidth=2).encode(
        x=x, y=y, x2="x0:Q", y2="y0:Q", color=colour, tooltip=arrow_tip
    )
    heads = arrows.mark_point(shape="triangle", filled=True, opacity=1).encode(
        x=x, y=y, angle=alt.Angle("angle:Q", scale=None),
        size=alt.Size("weight:Q", scale=alt.Scale(domain=[0, 1], range=[60, 700]), legend=None),
        color=colour, tooltip=arrow_tip,
    )  # fmt: skip
    labels = arrows.mark_text(align="left", dx=9, dy=-9, fontSize=s.mark_text + 1).encode(
        x=x, y=y, text="token:N", color=colour
    )
    diamonds = (
        alt.Chart(alt.NamedData(name="contexts"))
        .mark_point(shape="diamond", filled=True, size=190, opacity=1, stroke="white")
        .encode(
            x=x, y=y, color=colour,
            tooltip=[
                alt.Tooltip("token:N", title="context vector"),
                alt.Tooltip("of:N", title="of the query"),
                alt.Tooltip("x:Q", title=x_title, format=".4f"),
                alt.Tooltip("y:Q", title=y_title, format=".4f"),
            ],
        )
    )  # fmt: skip
    z_label = (
        alt.Chart(alt.NamedData(name="z_label"))
        .mark_text(align="left", dx=10, dy=14, fontSize=s.mark_text + 3, fontWeight="bold")
        .encode(x=x, y=y, text="token:N", color=colour)
    )
    origin = (
        alt.Chart(alt.NamedData(name="origin"))
        .mark_point(shape="cross", filled=True, size=80, color="#555555")
        .encode(x=x, y=y, tooltip=alt.value("the origin (0, 0)"))
    )
    chart = (
        alt.layer(hull, shafts, heads, labels, origin, diamonds, z_label)
        .add_params(*params)
        .properties(
            title="The inputs x⁽ʲ⁾ and the query's z⁽ⁱ⁾",
            height=s.height * 2,
        )
    )
    description = (
        "The inputs as arrows from the origin in a 2-d view, their convex hull, and the query's "
        "context vector inside it; the table below the chart lists every point."
    )
    return chart, description


def geometry_data(
    tokens: Sequence[str], proj: Projection, weights: Sequence[float], q: int, show_all: bool
) -> dict[str, Records]:
    """The chart's datasets: arrows, hull, context vectors, and the view's centre and span."""
    arrows = [
        {
            "token": t, "x": p[0], "y": p[1], "x0": 0.0, "y0": 0.0, "weight": w,
            "role": QUERY_ROLE if j == q else INPUT_ROLE,
            "angle": math.degrees(math.atan2(p[0], p[1])),  # Vega: clockwise from "up"
        }
        for j, (t, p, w) in enumerate(zip(tokens, proj.inputs, weights, strict=True))
    ]  # fmt: skip
    contexts = [
        {"token": f"z{sup(j + 1)}", "of": t, "x": p[0], "y": p[1],
         "role": Z_ROLE if j == q else OTHER_Z_ROLE}
        for j, (t, p) in enumerate(zip(tokens, proj.contexts, strict=True))
        if show_all or j == q
    ]  # fmt: skip
    xs = [0.0, *(p[0] for p in proj.inputs), *(c["x"] for c in contexts)]
    ys = [0.0, *(p[1] for p in proj.inputs), *(c["y"] for c in contexts)]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) * 1.4  # room for the labels
    centre = ((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2)
    return {
        "hull": [{"x": p[0], "y": p[1], "order": k} for k, p in enumerate(proj.hull)],
        "arrows": arrows,
        "contexts": contexts,
        "z_label": [c for c in contexts if c["role"] == Z_ROLE],
        "origin": [{"x": 0.0, "y": 0.0, "x_c": centre[0], "y_c": centre[1], "half": span / 2}],
    }


def geometry_spec(
    tokens: Sequence[str],
    proj: Projection,
    weights: Sequence[float],
    q: int,
    show_all: bool,
    projector: bool,
) -> dict[str, Any]:
    """The geometry chart for this view, ready for ``ui.charts.show``."""
    return charts.spec(
        geometry_chart, proj.x_title, proj.y_title, show_all,
        data=geometry_data(tokens, proj, weights, q, show_all), projector=projector,
    )  # fmt: skip
