"""The one scheme for widget keys, stored settings and the share link.

A **setting** is a value the lab keeps for a student: the shared embeddings and seeds, a
lesson's own switches. Each is declared once, as a ``Setting``, with its default and how it
reads and writes URL parameters. Then

* its value lives in the session under ``lab.<name>``, which Streamlit keeps across page
  changes (a widget's own key is dropped when its page is left);
* its widget, on any page, gets the key ``<page>.<name>`` from ``bind``: the widget starts
  at the stored value, and its ``on_change`` stores the new value and writes the URL. The
  widget's return value is what the page passes on, as an argument, to what it changes;
* the URL holds every setting that differs from its default, so the address bar is always a
  share link. A page reads the link on its first run in a session (``read_url``): a bad
  parameter is reported, dropped, and the rest of the link still applies.

Widgets that are not settings (a button, a lazy expander) get their key from ``widget_key``.
Streamlit gives a keyed widget's container the CSS class ``st-key-<key>`` (dots become
dashes): tests and benchmarks find controls by it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import streamlit as st

from ui.inputs import InputError

T = TypeVar("T")
_PREFIX = "lab."
_URL_READ = "lab._url_read"  # the pages whose link this session has read

#: Every declared setting, by name (filled as modules declare theirs at import).
REGISTRY: dict[str, Setting] = {}


def _one_param(name: str, parse: Callable[[str], Any]) -> Callable[[Mapping[str, str]], Any]:
    return lambda params: parse(params[name])


@dataclass(frozen=True)
class Setting(Generic[T]):
    """A stored value with a default, and (unless ``params`` is empty) a place in the URL.

    ``parse(params)`` turns the URL parameters named in ``params`` into a value (raising
    ``InputError`` with a message for the student); ``to_params(value)`` does the reverse.
    A setting with one parameter may give ``parse_one(text)`` instead of ``parse``.
    """

    name: str
    default: T
    params: tuple[str, ...] = ()
    to_params: Callable[[T], dict[str, str]] | None = None
    parse: Callable[[Mapping[str, str]], T] | None = None
    parse_one: Callable[[str], T] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.parse is None and self.parse_one is not None:
            object.__setattr__(self, "parse", _one_param(self.params[0], self.parse_one))
        known = REGISTRY.get(self.name)
        if known is not None and (known.default, known.params) != (self.default, self.params):
            raise ValueError(f"two settings are named {self.name!r}: names are lab-wide")
        taken = {p for s in REGISTRY.values() if s.name != self.name for p in s.params}
        if taken & set(self.params):
            raise ValueError(f"URL parameter(s) {taken & set(self.params)} are taken")
        REGISTRY[self.name] = self

    @property
    def session_key(self) -> str:
        return _PREFIX + self.name


def declare(
    name: str,
    default: T,
    *,
    parse_one: Callable[[str], T] | None = None,
    to_text: Callable[[T], str] = str,
    param: str | None = None,
) -> Setting[T]:
    """A setting with one URL parameter (``param``, default ``name``), or none if no parser."""
    if parse_one is None:
        return Setting(name, default)
    url = param or name
    return Setting(
        name,
        default,
        params=(url,),
        to_params=lambda value: {url: to_text(value)},
        parse_one=parse_one,
    )


def widget_key(page: str, name: str) -> str:
    """The key of a widget on ``page``: ``"scaled.d_out"`` (its CSS class: st-key-scaled-d_out)."""
    return f"{page}.{name}"


# ---- values -----------------------------------------------------------------------------------


def value(setting: Setting[T]) -> T:
    """The stored value, or the default."""
    return st.session_state.get(setting.session_key, setting.default)


def store(setting: Setting[T], new: T) -> None:
    """Store a value (validated by the caller) and mirror it into the URL."""
    st.session_state[setting.session_key] = new
    _mirror(setting, new)


def forget(*settings: Setting) -> None:
    """Back to the defaults: drop the stored values (and their parameters from the URL)."""
    for setting in settings:
        st.session_state.pop(setting.session_key, None)
        _mirror(setting, setting.default)


def bind(
    setting: Setting[T],
    page: str,
    *,
    name: str | None = None,
    then: Callable[[T], None] | None = None,
) -> dict[str, Any]:
    """Keyword arguments that tie a widget to a setting: ``st.slider(..., **bind(D_K, PAGE))``.

    The widget shows the stored value (set before it is drawn, so it wins over a stale widget
    value); its ``on_change`` stores the new value, writes the URL and then calls
    ``then(new)`` if given (for a change that also resets something else). ``name`` gives
    the widget another key than the setting's name (several widgets for one setting).
    """
    key = widget_key(page, name or setting.name)
    current = value(setting)
    if st.session_state.get(key) != current:
        st.session_state[key] = current

    def on_change() -> None:
        new = st.session_state[key]
        if new is None:  # a cleared number box: keep the stored value
            st.session_state[key] = value(setting)
            return
        store(setting, new)
        if then is not None:
            then(new)

    return {"key": key, "on_change": on_change}


# ---- the URL ------------------------------------------------------------------------------------


def _mirror(setting: Setting, new: Any) -> None:
    """Set ``setting``'s URL parameters for ``new`` (none when it is the default)."""
    if not setting.params:
        return
    wanted = {} if new == setting.default or setting.to_params is None else setting.to_params(new)
    for name in setting.params:
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]


def write_url() -> None:
    """Mirror every stored setting into the URL (called once per full run of a page)."""
    for setting in REGISTRY.values():
        _mirror(setting, value(setting))


@dataclass(frozen=True)
class UrlResult:
    """What a link asked for: new values by setting name, and one message per ignored part."""

    changes: dict[str, Any]
    errors: tuple[str, ...]


def parse_params(params: Mapping[str, str], settings: Mapping[str, Setting]) -> UrlResult:
    """Read each setting whose parameters appear in ``params``; a bad one is reported alone."""
    changes: dict[str, Any] = {}
    errors: list[str] = []
    for setting in settings.values():
        present = [p for p in setting.params if p in params]
        if not present or setting.parse is None:
            continue
        try:
            changes[setting.name] = setting.parse({p: params[p] for p in present})
        except (InputError, KeyError) as error:
            shown = "&".join(f"{p}={params[p]}" for p in present)
            reason = error.args[0] if isinstance(error, InputError) else "it needs more parameters"
            errors.append(f"`?{shown}` was ignored: {reason}")
    return UrlResult(changes, tuple(errors))


def read_url(page: str) -> tuple[str, ...]:
    """On a page's first run in this session, take every known setting from the URL.

    Returns a message per parameter that was ignored (the page shows them). Later runs of the
    page return nothing: from then on the URL follows the settings, not the other way round.
    """
    seen = st.session_state.setdefault(_URL_READ, set())
    if page in seen:
        return ()
    seen.add(page)
    params = {name: st.query_params[name] for name in st.query_params}
    result = parse_params(params, REGISTRY)
    for name, new in result.changes.items():
        st.session_state[REGISTRY[name].session_key] = new
    for setting in REGISTRY.values():  # drop what was ignored from the address bar
        if setting.name not in result.changes:
            for p in setting.params:
                if p in st.query_params:
                    del st.query_params[p]
    return result.errors


def reset_all(keep: tuple[Setting, ...] = ()) -> None:
    """Forget every setting but ``keep``, and every widget value (their pages redraw them)."""
    kept = {s.session_key: value(s) for s in keep}
    read = st.session_state.get(_URL_READ, set())
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state.update(kept)
    st.session_state[_URL_READ] = read
    for setting in REGISTRY.values():
        _mirror(setting, kept.get(setting.session_key, setting.default))
