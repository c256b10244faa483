"""The floor of a grid edit: an app that holds only a data editor (for bench_controls.py)."""

import pandas as pd
import streamlit as st

frame = pd.DataFrame({"token": list("abcdef"), "dim 1": [0.1] * 6, "dim 2": [0.2] * 6})
st.data_editor(frame, key="grid", hide_index=True, num_rows="dynamic")
st.write(st.session_state.get("grid"))
