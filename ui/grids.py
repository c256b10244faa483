"""Data editors that stay put while a student types in them.

Redrawing a grid with new data is slow in the browser (a quarter of a second here), so an
editor keeps one key and one ``data`` while the student edits it: the edits accumulate in
Streamlit's edit record for that key, and each valid one is committed to the setting it
edits. Only a change from elsewhere (another control, Reset, a link) gives the editor a new
key and fresh data.

    key, base = grids.session(page, name, current)   the editor's key and the data to show
    grids.owns(page, name, value)                    after committing ``value`` from the grid
"""

from __future__ import annotations

from typing import Any

from ui import keys

GRIDS = keys.declare("grids", {})  # (page, name) -> (version, base, value the grid shows)


def session(page: str, name: str, current: Any) -> tuple[str, Any]:
    """This editor's key and base data, for the setting's ``current`` value.

    A new key (and ``current`` as the base) whenever ``current`` is not what the grid last
    committed or was built on.
    """
    grids = dict(keys.value(GRIDS))
    version, base, shown = grids.get((page, name), (0, current, current))
    if current != shown:
        version, base, shown = version + 1, current, current
    if grids.get((page, name)) != (version, base, shown):
        grids[(page, name)] = (version, base, shown)
        keys.store(GRIDS, grids)
    return keys.widget_key(page, f"{name}.{version}"), base


def owns(page: str, name: str, value: Any) -> None:
    """The grid now shows ``value`` (its base plus the edits just committed): keep its key."""
    grids = dict(keys.value(GRIDS))
    version, base, _ = grids[(page, name)]
    grids[(page, name)] = (version, base, value)
    keys.store(GRIDS, grids)
