"""Sections 3.4-3.5: scaled dot-product attention with trainable weights, every step live;
section 3.4.2's two classes and exercise 3.1.

controls   seeds, re-roll, d_out, hand edits; the √d_k switch, causal mask, dropout; the
           classes' seeds and exercise 3.1's weight copy
view       one pass of the core as tuples; the book's printed values beside ours; the classes
changes    what the last change did to each kind of "weights"
text       sentences built from the numbers
snippet    the notebook code that reproduces the page (and the classes' tab)
"""
