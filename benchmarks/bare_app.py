"""The baseline for the round-trip benchmark: one slider -> an 8x8 Altair heatmap + text."""

import altair as alt
import pandas as pd
import streamlit as st

value = st.slider("value", 0, 100, 50, key="value")
cells = [{"row": r, "col": c, "v": (r * 8 + c + value) % 17} for r in range(8) for c in range(8)]
chart = (
    alt.Chart(pd.DataFrame(cells))
    .mark_rect()
    .encode(x="col:O", y="row:O", color="v:Q", tooltip=["v:Q"])
)
st.altair_chart(chart, width="content")
st.write(f"value = {value}")
