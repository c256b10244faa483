"""The settings every lesson shares, declared once (``ui.keys``), and read as one object.

Defaults are the book's running example (sections 3.3-3.4): the six tokens of "Your journey
starts with one step" with their 3-d embeddings, seed 123, d_out = 2, scaled attention, the
query "journey" (x⁽²⁾). An edit on one page shows on every page that uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from attention.data import BOOK_D_OUT, BOOK_INPUTS_LIST, BOOK_SEED, BOOK_TOKENS, token_embedding
from ui import keys
from ui.inputs import (
    MAX_D_IN,
    MAX_D_OUT,
    InputError,
    Matrix,
    decode_matrix,
    decode_tokens,
    encode_matrix,
    encode_tokens,
    parse_flag,
    parse_int,
    parse_number,
    parse_seeds,
    validate_embeddings,
)

Embeddings = tuple[tuple[str, ...], Matrix]  # (tokens, inputs): one row of d_in numbers each
WeightEdits = tuple[tuple[str, Matrix], ...]  # ("W_query", (d_in, d_out) matrix), ...
BOOK_EMBEDDINGS: Embeddings = (BOOK_TOKENS, BOOK_INPUTS_LIST)
BOOK_SEEDS: tuple[int, int, int] = (BOOK_SEED, BOOK_SEED, BOOK_SEED)
BOOK_QUERY = 1  # the book follows x⁽²⁾, "journey"
WEIGHT_NAMES: tuple[str, str, str] = ("W_query", "W_key", "W_value")


def _embeddings_to_params(embeddings: Embeddings) -> dict[str, str]:
    tokens, inputs = embeddings
    params = {}
    if tokens != BOOK_TOKENS:
        params["tokens"] = encode_tokens(tokens)
    if inputs != BOOK_INPUTS_LIST:
        params["x"] = encode_matrix(inputs)
    return params


def _embeddings_from_params(params: Mapping[str, str]) -> Embeddings:
    """``?tokens=[...]&x=0.1,0.2;...``; tokens without numbers get their seeded embeddings."""
    tokens = decode_tokens(params["tokens"]) if "tokens" in params else BOOK_TOKENS
    if "x" in params:
        x = decode_matrix(params["x"], "x")
    else:
        x = tuple(token_embedding(t, len(BOOK_INPUTS_LIST[0]), BOOK_SEED) for t in tokens)
    if len(x[0]) > MAX_D_IN:
        raise InputError(f"at most {MAX_D_IN} numbers per token.")
    return validate_embeddings(tokens, x)


def _seeds_to_text(seeds: tuple[int, int, int]) -> str:
    return str(seeds[0]) if len(set(seeds)) == 1 else ",".join(map(str, seeds))


EMBEDDINGS = keys.Setting(
    "embeddings",
    BOOK_EMBEDDINGS,
    params=("tokens", "x"),
    to_params=_embeddings_to_params,
    parse=_embeddings_from_params,
)
SEEDS = keys.declare(
    "seeds", BOOK_SEEDS, param="seed", parse_one=parse_seeds, to_text=_seeds_to_text
)
D_OUT = keys.declare(
    "d_out", BOOK_D_OUT, parse_one=lambda text: parse_int(text, "d_out", 1, MAX_D_OUT)
)
SCALED = keys.declare(
    "scaled",
    True,
    parse_one=lambda text: parse_flag(text, "scaled"),
    to_text=lambda on: "1" if on else "0",
)
QUERY = keys.declare("query", BOOK_QUERY, parse_one=lambda text: parse_int(text, "query", 0, 10**6))
WEIGHT_EDITS = keys.declare("weight_edits", ())  # not in the link: hand edits stay local
PROJECTOR = keys.declare(
    "projector",
    False,
    parse_one=lambda text: parse_flag(text, "projector"),
    to_text=lambda on: "1" if on else "0",
)
REVEAL = keys.declare("reveal", False)
#: How the lab is shown, not what it computes: Reset keeps these.
PRESENTATION = (PROJECTOR, REVEAL)


@dataclass(frozen=True)
class LabSettings:
    """What every page shares, as plain values (tuples, ints, bools: cache keys)."""

    tokens: tuple[str, ...] = BOOK_TOKENS
    inputs: Matrix = BOOK_INPUTS_LIST
    qkv_seeds: tuple[int, int, int] = BOOK_SEEDS  # one seed per matrix; the book: (123,) * 3
    d_out: int = BOOK_D_OUT
    scaled: bool = True  # divide the scores by sqrt(d_k)
    query: int = BOOK_QUERY  # index of the query token x⁽ⁱ⁾
    weight_edits: WeightEdits = ()  # hand-edited weight parameters; empty = as the seeds draw
    projector: bool = False  # bigger text for a live demo
    reveal: bool = False  # one step at a time

    @property
    def d_in(self) -> int:
        return len(self.inputs[0])

    @property
    def query_token(self) -> str:
        return self.tokens[self.query]

    @property
    def is_book_embeddings(self) -> bool:
        return self.tokens == BOOK_TOKENS and self.inputs == BOOK_INPUTS_LIST

    @property
    def is_book_state(self) -> bool:
        """The book's inputs, seeds and d_out, no hand edits: its printed values apply."""
        return (
            self.is_book_embeddings
            and self.qkv_seeds == BOOK_SEEDS
            and self.d_out == BOOK_D_OUT
            and not self.weight_edits
        )


def current() -> LabSettings:
    """This session's shared settings (the book's defaults where nothing is set)."""
    tokens, inputs = keys.value(EMBEDDINGS)
    query = keys.value(QUERY)
    if not 0 <= query < len(tokens):
        query = min(BOOK_QUERY, len(tokens) - 1)
    return LabSettings(
        tokens=tokens,
        inputs=inputs,
        qkv_seeds=keys.value(SEEDS),
        d_out=keys.value(D_OUT),
        scaled=keys.value(SCALED),
        query=query,
        weight_edits=keys.value(WEIGHT_EDITS),
        projector=keys.value(PROJECTOR),
        reveal=keys.value(REVEAL),
    )


def set_embeddings(tokens: tuple[str, ...], inputs: Matrix) -> None:
    """New tokens and embeddings (validated); hand-edited weights go if d_in changed."""
    old = current()
    keys.store(EMBEDDINGS, (tokens, inputs))
    if len(inputs[0]) != old.d_in:
        keys.store(WEIGHT_EDITS, ())
    if old.query >= len(tokens):
        keys.store(QUERY, len(tokens) - 1)


def fitting_weight_edits(current: LabSettings) -> tuple[WeightEdits, tuple[str, ...]]:
    """The hand edits of W_query, W_key, W_value that fit (d_in, d_out) and hold finite
    numbers of sensible size, and why each other one is left out (a link, or a d_out changed
    on another page, can leave edits that no longer fit)."""
    kept, left_out = [], []
    for name, matrix in current.weight_edits:
        shape = (len(matrix), len(matrix[0]) if matrix else 0)
        if name not in WEIGHT_NAMES:
            left_out.append(f"'{name}' is not a weight parameter.")
        elif shape != (current.d_in, current.d_out) or any(len(r) != shape[1] for r in matrix):
            left_out.append(
                f"your edit of {name} has shape {shape}, but d_in = {current.d_in} and d_out = "
                f"{current.d_out} need ({current.d_in}, {current.d_out})."
            )
        else:
            try:
                checked = tuple(
                    tuple(
                        parse_number(v, f"{name}[dim {i + 1}, dim {j + 1}]")
                        for j, v in enumerate(r)
                    )
                    for i, r in enumerate(matrix)
                )
            except InputError as error:
                left_out.append(str(error))
                continue
            kept.append((name, checked))
    return tuple(kept), tuple(left_out)
