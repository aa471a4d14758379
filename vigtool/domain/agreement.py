"""Agreement between two codings of the same film: Cohen's kappa over time-aligned codes.

Each frame gets, from each coder, the code of the mark covering it (the latest-starting one if several do)
or "none"; kappa = (observed − expected) / (1 − expected), with expected agreement from each coder's own
proportions of each label. This is the time-sliced kappa BORIS reports (one slice per frame); `coded_only`
leaves out frames neither coder marked, as when comparing only what was coded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from vigtool.domain.model import Annotation

NONE = "none"


@dataclass(frozen=True)
class Agreement:
    frames: int
    observed: Fraction
    expected: Fraction
    confusion: dict[tuple[str, str], int]  # (coder A's label, coder B's label) -> frames

    @property
    def kappa(self) -> float | None:
        """None when it is undefined (both coders used one and the same label throughout)."""
        if self.expected == 1:
            return None
        return float((self.observed - self.expected) / (1 - self.expected))

    def to_json(self) -> dict[str, object]:
        return {"kappa": None if self.kappa is None else round(self.kappa, 4), "frames": self.frames,
                "observed": round(float(self.observed), 4), "expected": round(float(self.expected), 4),
                "confusion": [{"a": a, "b": b, "frames": n} for (a, b), n in sorted(self.confusion.items())]}


def frame_labels(marks: Iterable[Annotation], frame_count: int) -> list[str]:
    labels = [NONE] * frame_count
    for mark in sorted(marks, key=lambda m: (m.start, m.id)):  # a later start overrides an earlier one
        label = mark.code_id or "mark"
        for frame in range(max(mark.start, 0), min(mark.end, frame_count)):
            labels[frame] = label
    return labels


def cohens_kappa(a: list[str], b: list[str], *, coded_only: bool = False) -> Agreement:
    if len(a) != len(b):
        raise ValueError("the two codings must cover the same frames")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if not (coded_only and x == NONE and y == NONE)]
    n = len(pairs)
    if n == 0:
        return Agreement(0, Fraction(1), Fraction(1), {})
    confusion = Counter(pairs)
    observed = Fraction(sum(count for (x, y), count in confusion.items() if x == y), n)
    left, right = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    expected = sum((Fraction(left[label], n) * Fraction(right[label], n) for label in left), Fraction(0))
    return Agreement(n, observed, expected, dict(confusion))
