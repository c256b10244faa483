"""Shared settings: every session-state key, every default, and the getter the pages use.

Shared values live under ``lab.*`` keys, which Streamlit keeps across page changes (a widget's
own key is dropped when its page is left). Widgets get their own ``w.<page>.<name>`` keys and
copy their value into ``lab.*`` in an ``on_change`` callback, so each page also runs alone:
``get_settings()`` fills in the book's defaults for anything not set yet.

The shared state is mirrored in the URL (``?seed=7&d_out=4``) so that an instructor can share
exactly what is on screen; a tampered parameter is ignored with a message, never a traceback.
"""

from dataclasses import dataclass, field, replace
from typing import Any

import streamlit as st

from attention.data import BOOK_D_OUT, BOOK_INPUTS_LIST, BOOK_SEED, BOOK_TOKENS, token_embedding
from ui.inputs import (
    MAX_D_IN,
    InputError,
    Matrix,
    decode_matrix,
    decode_tokens,
    encode_matrix,
    encode_tokens,
    parse_int,
    validate_embeddings,
)

MAX_SEED: int = 2**31 - 1
MAX_D_OUT: int = 16


@dataclass(frozen=True)
class LabSettings:
    """What every page shares. Defaults are the book's running example (sections 3.3-3.4)."""

    tokens: tuple[str, ...] = BOOK_TOKENS
    inputs: Matrix = BOOK_INPUTS_LIST
    # one seed per weight matrix; the book's single seed 123 is (123, 123, 123)
    qkv_seeds: tuple[int, int, int] = (BOOK_SEED, BOOK_SEED, BOOK_SEED)
    d_out: int = BOOK_D_OUT
    scaled: bool = True  # divide scores by sqrt(d_k)
    query: int = 1  # index of the query token; the book's is x^(2), "journey"
    # edited weight parameters: name ("W_query", ...) -> (d_in, d_out) matrix; empty = seeded
    weight_edits: tuple[tuple[str, Matrix], ...] = ()
    projector: bool = False  # bigger fonts and charts for a live demo
    reveal: bool = False  # show a page one step at a time

    @property
    def d_in(self) -> int:
        return len(self.inputs[0])

    @property
    def query_token(self) -> str:
        return self.tokens[self.query]

    @property
    def is_book_state(self) -> bool:
        """True when inputs, seeds and d_out are the book's, so its printed values apply."""
        return (
            self.tokens == BOOK_TOKENS
            and self.inputs == BOOK_INPUTS_LIST
            and self.qkv_seeds == (BOOK_SEED,) * 3
            and self.d_out == BOOK_D_OUT
            and not self.weight_edits
        )


DEFAULTS = LabSettings()
PRESENTATION = ("projector", "reveal")  # how the lab is shown, not what it computes
_FIELDS = tuple(LabSettings.__dataclass_fields__)
_PREFIX = "lab."


def key(name: str) -> str:
    """The session-state key of a shared setting, e.g. ``key("d_out") == "lab.d_out"``."""
    return _PREFIX + name


def widget_key(page: str, name: str) -> str:
    """A widget's own key, unique per page: ``widget_key("scaled", "seed")``."""
    return f"w.{page}.{name}"


def get_settings() -> LabSettings:
    """The shared settings of this session, the book's defaults where nothing is set."""
    state = st.session_state
    values = {name: state[key(name)] for name in _FIELDS if key(name) in state}
    settings = replace(DEFAULTS, **values)
    if not 0 <= settings.query < len(settings.tokens):
        settings = replace(settings, query=min(DEFAULTS.query, len(settings.tokens) - 1))
    return settings


def update(**changes: Any) -> None:
    """Set shared settings (validated by the caller); unknown names are a programming error."""
    for name, value in changes.items():
        if name not in _FIELDS:
            raise KeyError(f"unknown setting {name!r}")
        st.session_state[key(name)] = value


def set_embeddings(tokens: tuple[str, ...], inputs: Matrix) -> None:
    """Replace tokens and embeddings; edited weights no longer fit if d_in changed."""
    old = get_settings()
    changes: dict[str, Any] = {"tokens": tokens, "inputs": inputs}
    if len(inputs[0]) != old.d_in:
        changes["weight_edits"] = ()
    if old.query >= len(tokens):
        changes["query"] = len(tokens) - 1
    update(**changes)
    bump_editor_version()


def editor_version() -> int:
    """Part of the data editors' keys: bumping it gives every editor fresh data."""
    return st.session_state.get("lab.editor_version", 0)


def bump_editor_version() -> None:
    st.session_state["lab.editor_version"] = editor_version() + 1


def reset() -> None:
    """Back to the book's example: drop every shared setting and every widget value.

    Widgets bound to the URL (``bind="query-params"``, keyed by their parameter name) are
    dropped too, which takes their parameters out of the address bar. The presentation
    settings (projector mode, step-by-step reveal) stay: an instructor resets mid-lecture.
    """
    version = editor_version()
    kept = {
        key(name): st.session_state[key(name)]
        for name in PRESENTATION
        if key(name) in st.session_state
    }
    for name in list(st.session_state.keys()):
        if not name.startswith("lab.url_read"):  # a link is read once per session and page
            del st.session_state[name]
    st.session_state.update(kept)
    st.session_state["lab.editor_version"] = version + 1


def sync_widget(page: str, name: str, setting: str | None = None) -> None:
    """``on_change`` callback: copy a widget's value into its shared setting."""
    update(**{setting or name: st.session_state[widget_key(page, name)]})


def init_widget(page: str, name: str, value: Any) -> str:
    """Give a widget its shared value before it is drawn; returns its key."""
    wkey = widget_key(page, name)
    if wkey not in st.session_state:
        st.session_state[wkey] = value
    return wkey


# ---- the URL: share exactly what is on screen -------------------------------------------

_URL_KEYS = ("tokens", "x", "seed", "d_out", "scaled", "query", "projector")


def to_query_params(settings: LabSettings) -> dict[str, str]:
    """The settings that differ from the defaults, as URL parameters."""
    params: dict[str, str] = {}
    if settings.tokens != DEFAULTS.tokens:
        params["tokens"] = encode_tokens(settings.tokens)
    if settings.inputs != DEFAULTS.inputs:
        params["x"] = encode_matrix(settings.inputs)
    if settings.qkv_seeds != DEFAULTS.qkv_seeds:
        seeds = set(settings.qkv_seeds)
        params["seed"] = (
            str(settings.qkv_seeds[0])
            if len(seeds) == 1
            else ",".join(map(str, settings.qkv_seeds))
        )
    if settings.d_out != DEFAULTS.d_out:
        params["d_out"] = str(settings.d_out)
    if settings.scaled != DEFAULTS.scaled:
        params["scaled"] = "1" if settings.scaled else "0"
    if settings.query != DEFAULTS.query:
        params["query"] = str(settings.query)
    if settings.projector:  # an instructor's link opens ready for the projector
        params["projector"] = "1"
    return params


@dataclass(frozen=True)
class UrlResult:
    """Settings read from the URL, plus one message per parameter that was ignored."""

    changes: dict[str, Any] = field(default_factory=dict)
    errors: tuple[str, ...] = ()


def from_query_params(params: dict[str, str]) -> UrlResult:
    """Validate URL parameters one by one; a bad one is reported and the rest still apply."""
    changes: dict[str, Any] = {}
    errors: list[str] = []

    def attempt(name: str, parse: Any) -> None:
        if name in params:
            try:
                parse(params[name])
            except InputError as error:
                errors.append(f"`?{name}=` was ignored: {error}")

    def tokens_and_x(_: str) -> None:
        tokens = decode_tokens(params["tokens"]) if "tokens" in params else DEFAULTS.tokens
        if "x" in params:
            x = decode_matrix(params["x"], "x")
        else:  # names without numbers: each token gets its seeded embedding
            x = tuple(token_embedding(t, DEFAULTS.d_in, BOOK_SEED) for t in tokens)
        if len(x[0]) > MAX_D_IN:
            raise InputError(f"at most {MAX_D_IN} numbers per token.")
        names, matrix = validate_embeddings(tokens, x)
        changes.update(tokens=names, inputs=matrix)

    if "tokens" in params or "x" in params:
        attempt("tokens" if "tokens" in params else "x", tokens_and_x)
    attempt("seed", lambda v: changes.update(qkv_seeds=_parse_seeds(v)))
    attempt("d_out", lambda v: changes.update(d_out=parse_int(v, "d_out", 1, MAX_D_OUT)))
    attempt("scaled", lambda v: changes.update(scaled=parse_flag(v, "scaled")))
    num_tokens = len(changes.get("tokens", DEFAULTS.tokens))
    attempt("query", lambda v: changes.update(query=parse_int(v, "query", 0, num_tokens - 1)))
    attempt("projector", lambda v: changes.update(projector=parse_flag(v, "projector")))
    return UrlResult(changes, tuple(errors))


def _parse_seeds(text: str) -> tuple[int, int, int]:
    parts = text.split(",")
    if len(parts) not in (1, 3):
        raise InputError("seed takes one whole number or three (query, key, value).")
    seeds = [parse_int(p, "seed", 0, MAX_SEED) for p in parts]
    return (seeds[0],) * 3 if len(seeds) == 1 else (seeds[0], seeds[1], seeds[2])


def parse_flag(text: str, where: str) -> bool:
    if text.strip().lower() in ("1", "true", "on", "yes"):
        return True
    if text.strip().lower() in ("0", "false", "off", "no"):
        return False
    raise InputError(f"{where} must be 1 or 0.")


def read_url_once() -> tuple[str, ...]:
    """On a session's first run, take shared settings from the URL; returns what was ignored."""
    if st.session_state.get("lab.url_read"):
        return st.session_state.get("lab.url_errors", ())
    st.session_state["lab.url_read"] = True
    params = {name: st.query_params[name] for name in _URL_KEYS if name in st.query_params}
    result = from_query_params(params)
    update(**result.changes)
    st.session_state["lab.url_errors"] = result.errors
    return result.errors


def write_url(settings: LabSettings) -> None:
    """Mirror the shared settings into the URL (only what differs from the book's defaults)."""
    mirror_to_url(to_query_params(settings), _URL_KEYS)


def mirror_to_url(wanted: dict[str, str], names: tuple[str, ...]) -> None:
    """Set the URL parameters ``names`` to ``wanted``; those not wanted leave the URL."""
    for name in names:
        if name in wanted and st.query_params.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in st.query_params:
            del st.query_params[name]
