"""The one formatter for numbers, vectors and matrices in sentences, and the lab's notation.

Notation, the same on every page: i is the query, j the key; x⁽ⁱ⁾ is a token's embedding,
"dim 1" ... "dim d_in" its coordinates; z⁽ⁱ⁾ the query's context vector.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def num(value: float, digits: int = 4) -> str:
    """A number as the book prints it: ``digits`` decimals, trailing zeros kept; -inf as is."""
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if math.isnan(value):
        return "nan"
    return f"{value:.{digits}f}"


def vector(values: Sequence[float], digits: int = 4) -> str:
    """``[0.4306, 1.4551]``: a vector as the book prints it."""
    return "[" + ", ".join(num(v, digits) for v in values) + "]"


def matrix(values: Sequence[Sequence[float]], digits: int = 4) -> str:
    """``[[0.1, 0.2], [0.3, 0.4]]`` on one line (for a sentence or a code comment)."""
    return "[" + ", ".join(vector(row, digits) for row in values) + "]"


def sup(n: int) -> str:
    """⁽²⁾ for 2: the book's superscript index of a token, x⁽²⁾."""
    return "⁽" + str(n).translate(_SUPERSCRIPT) + "⁾"


def sub(n: int) -> str:
    """₂₃ for 23: a subscript index, ω₂₃."""
    return str(n).translate(_SUBSCRIPT)


def token(i: int) -> str:
    """x⁽ⁱ⁾ for the 0-based token index i: ``token(1) == "x⁽²⁾"``."""
    return "x" + sup(i + 1)


def dims(n: int) -> list[str]:
    """The coordinates of an n-vector: "dim 1" ... "dim n"."""
    return [f"dim {j + 1}" for j in range(n)]


def percent(share: float) -> str:
    """0.4567 -> "46%"."""
    return f"{share:.0%}"


def times(ratio: float) -> str:
    """A ratio: "1,476×" when large, "1.47×" when small."""
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.2f}×"


def seeds(seeds: tuple[int, int, int]) -> str:
    """ "123" when one seed draws all three matrices, "1/2/3" (query/key/value) otherwise."""
    return str(seeds[0]) if len(set(seeds)) == 1 else "/".join(map(str, seeds))
