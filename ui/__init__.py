"""The glue between the pure-torch core (``attention/``) and the pages.

state     widget keys, defaults and the shared-settings getter (one place)
inputs    parsing and validating what students type (no streamlit: unit-testable)
compute   cached wrappers around the core, keyed on primitives
charts    the one heatmap function every page uses, and small chart helpers
layout    page frame: config, sidebar navigation, reset/share, step-by-step reveal, code
"""
