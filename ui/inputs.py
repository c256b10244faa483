"""Turn what students type into valid tokens and embeddings, or a message they can act on.

Pure Python (no streamlit, no torch), so every rule here is unit-tested directly. Each parser
raises ``InputError`` whose text is shown next to the control that caused it.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attention.data import token_embedding

MAX_TOKENS: int = 40  # more than this makes heatmaps unreadable
MAX_D_IN: int = 16
MAX_ABS_VALUE: float = 1e6  # beyond this softmax is a pure step function and charts say nothing
MAX_TOKEN_CHARS: int = 24
MAX_SEED: int = 2**31 - 1
MAX_D_OUT: int = 16

Matrix = tuple[tuple[float, ...], ...]


class InputError(ValueError):
    """Bad input, with a message written for a student."""


def parse_number(raw: Any, where: str) -> float:
    """A finite number of sensible size, from a cell, a URL or a text box."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise InputError(f"{where} is empty. Type a number, e.g. 0.5.")
    if isinstance(raw, bool):
        raise InputError(f"{where} must be a number, not {raw}.")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{where} is '{raw}', which is not a number. Type e.g. 0.5.") from None
    if math.isnan(value):
        raise InputError(f"{where} is empty or NaN. Type a number, e.g. 0.5.")
    if math.isinf(value):
        raise InputError(f"{where} is infinite. Attention needs finite numbers.")
    if abs(value) > MAX_ABS_VALUE:
        raise InputError(
            f"{where} is {value:g}; keep values within ±{MAX_ABS_VALUE:g}. "
            "Far larger numbers turn softmax into a pure step function (all weight on one token)."
        )
    return value


def validate_tokens(tokens: Sequence[Any]) -> tuple[str, ...]:
    """Token names: 1 to MAX_TOKENS of them, non-empty, short and unique."""
    if len(tokens) == 0:
        raise InputError("There are no tokens. Attention needs at least one token: add a row.")
    if len(tokens) > MAX_TOKENS:
        raise InputError(
            f"{len(tokens)} tokens is more than this lab shows ({MAX_TOKENS}). Remove some."
        )
    names = []
    for i, token in enumerate(tokens, start=1):
        name = (
            ""
            if token is None or (isinstance(token, float) and math.isnan(token))
            else str(token).strip()
        )
        if not name:
            raise InputError(f"Token {i} has no name. Give every row a token name.")
        if len(name) > MAX_TOKEN_CHARS:
            raise InputError(
                f"Token {i} ('{name[:12]}…') is longer than {MAX_TOKEN_CHARS} characters."
            )
        names.append(name)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(
            f"Token names must be unique so that charts can label them; "
            f"'{duplicates[0]}' appears {names.count(duplicates[0])} times. Rename one (e.g. "
            f"'{duplicates[0]}2')."
        )
    return tuple(names)


def validate_embeddings(
    tokens: Sequence[Any], rows: Sequence[Sequence[Any]]
) -> tuple[tuple[str, ...], Matrix]:
    """Tokens plus one row of d_in numbers per token, all finite and of sensible size."""
    names = validate_tokens(tokens)
    if len(rows) != len(names):
        raise InputError(f"There are {len(names)} tokens but {len(rows)} embedding rows.")
    d_in = len(rows[0])
    if not 1 <= d_in <= MAX_D_IN:
        raise InputError(f"Each embedding needs 1 to {MAX_D_IN} numbers; got {d_in}.")
    matrix = []
    for name, row in zip(names, rows, strict=True):
        if len(row) != d_in:
            raise InputError(f"'{name}' has {len(row)} numbers; every token needs {d_in}.")
        matrix.append(tuple(parse_number(v, f"'{name}', {dim_name(j)}") for j, v in enumerate(row)))
    return names, tuple(matrix)


def dim_name(j: int) -> str:
    """The name of coordinate ``j`` (0-based) of a vector: "dim 1" ... "dim d_in".

    Never "x1": the book writes x⁽¹⁾ for the first *token*.
    """
    return f"dim {j + 1}"


def tokenize(sentence: str) -> tuple[str, ...]:
    """Split a sentence into word and punctuation tokens: "Hi, you" -> ("Hi", ",", "you")."""
    return tuple(re.findall(r"\w+|[^\w\s]", sentence))


def unique_names(tokens: Iterable[str]) -> tuple[str, ...]:
    """Make repeated words unique for display: ("the", "cat", "the") -> ("the", "cat", "the₂")."""
    seen: dict[str, int] = {}
    out = []
    for token in tokens:
        seen[token] = seen.get(token, 0) + 1
        out.append(token if seen[token] == 1 else f"{token}{_subscript(seen[token])}")
    return tuple(out)


def _subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def sentence_to_embeddings(sentence: str, d_in: int, seed: int) -> tuple[tuple[str, ...], Matrix]:
    """Tokens of a typed sentence with seeded random embeddings (the book's words keep theirs)."""
    words = tokenize(sentence)
    tokens = validate_tokens(unique_names(words))
    return tokens, tuple(token_embedding(word, d_in, seed) for word in words)


def resize_embeddings(tokens: Sequence[str], inputs: Matrix, d_in: int, seed: int) -> Matrix:
    """Change d_in: keep the first columns, fill new ones from each token's seeded embedding."""
    if not 1 <= d_in <= MAX_D_IN:
        raise InputError(f"d_in must be between 1 and {MAX_D_IN}.")
    rows = []
    for token, row in zip(tokens, inputs, strict=True):
        extra = token_embedding(token, d_in, seed)[len(row) :]
        rows.append(tuple(row[:d_in]) + tuple(extra))
    return tuple(rows)


def apply_editor_delta(
    tokens: Sequence[str], inputs: Matrix, delta: Mapping[str, Any], seed: int
) -> tuple[tuple[str, ...], Matrix]:
    """Apply ``st.data_editor``'s edit record to the table, then validate the result.

    ``delta`` is what Streamlit keeps under the editor's key: ``edited_rows`` ({row: {column:
    value}}), ``added_rows`` ([{column: value}]) and ``deleted_rows`` ([row]). Columns are
    "token", "x1", "x2", ... Added rows without numbers get the token's seeded embedding.
    """
    d_in = len(inputs[0]) if inputs else 0
    table: list[dict[str, Any]] = [
        {"token": t, **{dim_name(j): v for j, v in enumerate(row)}}
        for t, row in zip(tokens, inputs, strict=True)
    ]
    for index, changes in (delta.get("edited_rows") or {}).items():
        if 0 <= int(index) < len(table):
            table[int(index)].update(changes)
    for added in delta.get("added_rows") or []:
        table.append(_complete_added_row(dict(added), d_in, seed, len(table) + 1))
    deleted = {int(i) for i in delta.get("deleted_rows") or []}
    table = [row for i, row in enumerate(table) if i not in deleted]
    new_tokens = [row.get("token") for row in table]
    rows = [[row.get(dim_name(j)) for j in range(d_in)] for row in table]
    return validate_embeddings(new_tokens, rows)


def _complete_added_row(row: dict[str, Any], d_in: int, seed: int, position: int) -> dict[str, Any]:
    token = row.get("token")
    if token is None or not str(token).strip():
        token = f"token{position}"
        row["token"] = token
    filled = token_embedding(str(token), d_in, seed)
    for j in range(d_in):
        value = row.get(dim_name(j))
        if value is None or (isinstance(value, float) and math.isnan(value)):
            row[dim_name(j)] = filled[j]
    return row


def encode_matrix(matrix: Matrix) -> str:
    """Matrix -> URL text: rows split by ';', numbers by ',' ("0.43,0.15;0.55,0.87")."""
    return ";".join(",".join(f"{v:.6g}" for v in row) for row in matrix)


def decode_matrix(text: str, where: str) -> Matrix:
    """URL text -> matrix of finite numbers, or an InputError naming the bad part."""
    if not text.strip():
        raise InputError(f"{where} is empty.")
    rows = [row.split(",") for row in text.split(";")]
    return tuple(
        tuple(parse_number(v, f"{where}, row {i + 1}") for v in row) for i, row in enumerate(rows)
    )


def encode_tokens(tokens: Sequence[str]) -> str:
    return json.dumps(list(tokens), ensure_ascii=False, separators=(",", ":"))


def decode_tokens(text: str) -> tuple[str, ...]:
    """URL text (a JSON list of strings) -> validated token names."""
    try:
        tokens = json.loads(text)
    except json.JSONDecodeError:
        raise InputError("the token list is not a valid JSON list of names.") from None
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise InputError("the token list must be a list of names.")
    return validate_tokens(tokens)


def parse_int(raw: Any, where: str, low: int, high: int) -> int:
    """A whole number within [low, high], from a URL or text box."""
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise InputError(f"{where} is '{raw}', not a whole number.") from None
    if not low <= value <= high:
        raise InputError(f"{where} must be between {low} and {high}; got {value}.")
    return value


def parse_flag(text: str, where: str) -> bool:
    """A switch from a URL: 1/0, true/false, on/off, yes/no."""
    if text.strip().lower() in ("1", "true", "on", "yes"):
        return True
    if text.strip().lower() in ("0", "false", "off", "no"):
        return False
    raise InputError(f"{where} must be 1 or 0.")


def parse_seeds(text: str) -> tuple[int, int, int]:
    """One seed for W_query, W_key and W_value ("7"), or three ("7,8,9")."""
    parts = text.split(",")
    if len(parts) not in (1, 3):
        raise InputError("seed takes one whole number or three (query, key, value).")
    seeds = [parse_int(p, "seed", 0, MAX_SEED) for p in parts]
    return (seeds[0],) * 3 if len(seeds) == 1 else (seeds[0], seeds[1], seeds[2])


def parse_choice(text: str, where: str, choices: Sequence[Any], show: Any = str) -> Any:
    """One of ``choices``, matched by its text as ``show`` writes it (``show(c) == text``)."""
    for choice in choices:
        if show(choice) == text.strip():
            return choice
    listed = ", ".join(show(c) for c in choices[:6]) + (", …" if len(choices) > 6 else "")
    raise InputError(f"{where} must be one of {listed}; got '{text}'.")
