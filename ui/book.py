"""The book's printed numbers beside ours: one comparison for every lesson.

The chapter prints its tensors to 4 decimals; a value of ours matches when every entry is
within 1e-4 of the printed one.
"""

from __future__ import annotations

from dataclasses import dataclass

TOLERANCE = 1e-4  # the book prints 4 decimals


@dataclass(frozen=True)
class BookValue:
    """One value the book prints, and ours, under a label that says what it is."""

    label: str
    book: tuple[float, ...]
    ours: tuple[float, ...]

    @property
    def matches(self) -> bool:
        """Equal to the book's printed decimals (and of the same length)."""
        return len(self.book) == len(self.ours) and all(
            abs(a - b) <= TOLERANCE for a, b in zip(self.book, self.ours, strict=True)
        )
