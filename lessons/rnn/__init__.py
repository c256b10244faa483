"""Sections 3.1-3.2: an encoder-decoder RNN forgets long inputs; Bahdanau attention looks back.

controls   the lesson's settings and widgets: the models line, digits, sliders, retraining
view       the models (shipped or retrained), the one job runner, cached measurements as tuples
text       sentences built from the numbers they speak of
charts     accuracy and loss lines (``ui.charts`` builders), the digit grid (HTML table)
snippet    the notebook code and the command line that reproduce the page
"""
