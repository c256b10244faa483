"""One folder per lesson: everything one page teaches, split by job.

    <lesson>/lesson.md     the prose, in sections (read by ``ui.blocks.prose``)
    <lesson>/controls.py   its own controls and the settings they are bound to
    <lesson>/view.py       cached views of the core's results for it (the only torch here)
    <lesson>/text.py       the sentences it builds from the numbers on screen
    ...                    and whatever else only it needs (a change tracker, a snippet)

A lesson imports the core (``attention``) and the shared layer (``ui``), never another
lesson. The page file in ``pages/`` reads it top to bottom, one function per step.
"""
