"""The shared layer: what two or more lessons use, one of each.

keys        the one scheme for widget keys, stored settings and the share link
settings    the settings every lesson shares (embeddings, seeds, d_out, scaling, query)
inputs      parsing and validating what students type (pure Python)
frame       the page frame: registry, sidebar, projector, reset, one step at a time, the body as a fragment
compute     cached views of the core that two lessons use (the only torch here)
tables      the one table renderer; a heatmap is a coloured table
charts      the one chart pipeline (lines, bars, points): template, fill, cache
fmt         the one formatter for numbers, vectors and the notation
blocks      merged markdown, a lesson's prose, code
embeddings  the embedding controls (sentence, d_in, sliders, grid) and the query picker
grids       data editors that keep their key while a student types
"""
