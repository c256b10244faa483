"""Sections 3.5-3.6: the causal mask, dropout, CausalAttention and multi-head attention.

controls   the lesson's settings and widgets (weights switch, num_heads, seeds, dropout, ...)
view       cached passes of the core as tuples (the book's classes, seeded locally)
text       sentences built from the numbers, and the checks against the book's printed values
snippet    the notebook code that reproduces the page
"""
