"""Small words said to practitioners: counts with the right noun ("1 film", "2 films"), never "film(s)"."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it takes: count(1, "moment") is "1 moment", count(3, "moment") "3 moments"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def sentence(text: str) -> str:
    """A message as a sentence: a capital first, a full stop last (errors come from the core in lower case)."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
