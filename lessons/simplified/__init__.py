"""Section 3.3: simplified self-attention, without trainable weights, every step live.

controls   the key to spell out, softmax over dim=-1 or dim=0, the geometry's 2-d view
view       section 3.3 on the shared embeddings; the query's rows; the 2-d projection
text       sentences and formulas built from the numbers
charts     the geometry chart (the lesson's one Vega chart)
snippet    the notebook code that reproduces the page
"""
