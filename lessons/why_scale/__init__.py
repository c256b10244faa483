"""Why scale by √d_k (section 3.4): spread, saturation, the gradient and the temperature, measured.

controls   d_k, keys per query, the sample seed and the temperature T, with their settings
view       cached sweeps of the core (``attention.why_scale``) on plain values
text       the sentences, each built from the numbers it speaks of
charts     the line charts across d_k and T (``ui.charts`` builders)
snippet    the notebook code that prints the page's numbers
"""
