"""Agreement between two coders of one film, each a set of lanes, reported the two ways reliability coding
is: moments matched by overlap, and Cohen's kappa over time slices.

- Moments (ELAN's way, "compare annotators"): each coded mark of one coder is paired with at most one of
  the other's that overlaps it in time (or comes within `within` frames: marks made with a key are one
  frame long, and two people rarely press on the same frame). Pairs with the same code are taken first,
  then the closest. A pair with the same code is a moment marked alike; a pair with different codes, or a
  moment only one coder marked, is a difference. Share matched = moments marked alike / all moments.
- Kappa (BORIS's way, "inter-rater reliability"): the film is cut into slices of `slice_frames`; each
  coder's label of a slice is the set of codes of her marks touching it ("not marked" if none);
  kappa = (observed − chance) / (1 − chance), chance from each coder's own proportions of each label.
  Per code, the same over "marked with this code / not". Kappa is not defined when either coder gives
  every slice the same label: then chance agreement is all the agreement there can be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from vigtool.domain.model import Annotation

NONE = "none"  # the label of a slice (or the side of a pair) nobody marked


@dataclass(frozen=True)
class Moment:
    """One coded mark, as agreement sees it."""

    start: int
    end: int
    code: str
    annotation_id: int = 0
    track_id: int = 0


def moments_of(marks: Iterable[Annotation]) -> list[Moment]:
    """The coded marks (uncoded ones, turn-taking and notes, are not codings to agree on)."""
    return sorted((Moment(m.start, m.end, m.code_id, m.id, m.track_id) for m in marks if m.code_id),
                  key=lambda m: (m.start, m.end, m.code))


@dataclass(frozen=True)
class MomentPair:
    """A moment as the two coders marked it: both (alike or not), or only one of them."""

    a: Moment | None
    b: Moment | None

    @property
    def alike(self) -> bool:
        return self.a is not None and self.b is not None and self.a.code == self.b.code

    @property
    def start(self) -> int:
        return min(m.start for m in (self.a, self.b) if m is not None)

    def codes(self) -> tuple[str, str]:
        return (self.a.code if self.a else NONE, self.b.code if self.b else NONE)


def _gap(a: Moment, b: Moment) -> int:
    """Frames between two marks (negative when they overlap)."""
    return max(a.start, b.start) - min(a.end, b.end)


def match_moments(a: Sequence[Moment], b: Sequence[Moment], within: int = 0) -> list[MomentPair]:
    """Pair each moment of `a` with at most one of `b` that overlaps it (or is less than `within` frames
    away): same code first, then the nearest. The rest stay unpaired. In film order."""
    candidates = sorted(((a_i.code != b_j.code, _gap(a_i, b_j), abs(a_i.start - b_j.start), i, j)
                         for i, a_i in enumerate(a) for j, b_j in enumerate(b) if _gap(a_i, b_j) < within))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for _differ, _gap_frames, _distance, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append(MomentPair(a[i], b[j]))
    pairs += [MomentPair(m, None) for i, m in enumerate(a) if i not in used_a]
    pairs += [MomentPair(None, m) for j, m in enumerate(b) if j not in used_b]
    return sorted(pairs, key=lambda p: (p.start, p.codes()))


@dataclass(frozen=True)
class Kappa:
    slices: int
    observed: Fraction
    expected: Fraction
    constant: bool  # one coder (or both) gave every slice the same label

    @property
    def value(self) -> float | None:
        """Cohen's kappa, or None where it is not defined."""
        if self.slices == 0 or self.constant or self.expected == 1:
            return None
        return float((self.observed - self.expected) / (1 - self.expected))


def cohens_kappa(a: Sequence[object], b: Sequence[object]) -> Kappa:
    """Kappa between two labellings of the same slices."""
    if len(a) != len(b):
        raise ValueError("the two codings must cover the same slices")
    n = len(a)
    if n == 0:
        return Kappa(0, Fraction(1), Fraction(1), True)
    observed = Fraction(sum(1 for x, y in zip(a, b, strict=True) if x == y), n)
    left, right = Counter(a), Counter(b)
    expected = sum((Fraction(left[label] * right[label], n * n) for label in left), Fraction(0))
    return Kappa(n, observed, expected, len(left) == 1 or len(right) == 1)


def slice_codes(moments: Iterable[Moment], frame_count: int, slice_frames: int) -> list[frozenset[str]]:
    """For each slice of the film, the codes of the marks touching it."""
    count = -(-frame_count // slice_frames)
    codes: list[set[str]] = [set() for _ in range(count)]
    for m in moments:
        for k in range(max(m.start, 0) // slice_frames, min((m.end - 1) // slice_frames + 1, count)):
            codes[k].add(m.code)
    return [frozenset(c) for c in codes]


def slice_label(codes: frozenset[str]) -> str:
    return "+".join(sorted(codes)) if codes else NONE


@dataclass(frozen=True)
class CodeFigures:
    """How two coders agree on one code (or, with code "", on all of them)."""

    code: str
    a: int  # moments coder A marked with it
    b: int
    alike: int  # moments both marked with it
    moments: int  # moments either marked with it (a pair counted once)
    kappa: Kappa

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.alike, self.moments) if self.moments else None


@dataclass(frozen=True)
class Agreement:
    pairs: list[MomentPair]
    overall: CodeFigures
    codes: list[CodeFigures]
    slice_frames: int
    within: int

    @property
    def differences(self) -> list[MomentPair]:
        return [p for p in self.pairs if not p.alike]

    def confusion(self) -> Counter[tuple[str, str]]:
        """Moments by (A's code, B's code), NONE where one coder did not mark it."""
        return Counter(p.codes() for p in self.pairs)


def compare(a: Sequence[Moment], b: Sequence[Moment], frame_count: int, *, slice_frames: int,
            within: int, order: Sequence[str] = ()) -> Agreement:
    """Everything about how two coders agree; codes in `order` first (the codebook's), then the others."""
    if slice_frames < 1:
        raise ValueError("a time slice is at least one frame")
    pairs = match_moments(a, b, within)
    slices_a, slices_b = slice_codes(a, frame_count, slice_frames), slice_codes(b, frame_count, slice_frames)
    used = {m.code for m in (*a, *b)}
    codes = [c for c in order if c in used] + sorted(used - set(order))
    figures = []
    for code in codes:
        figures.append(CodeFigures(
            code, sum(1 for m in a if m.code == code), sum(1 for m in b if m.code == code),
            sum(1 for p in pairs if p.alike and p.a is not None and p.a.code == code),
            sum(1 for p in pairs if code in p.codes()),
            cohens_kappa([code in s for s in slices_a], [code in s for s in slices_b])))
    overall = CodeFigures("", len(a), len(b), sum(1 for p in pairs if p.alike), len(pairs),
                          cohens_kappa([slice_label(s) for s in slices_a], [slice_label(s) for s in slices_b]))
    return Agreement(pairs, overall, figures, slice_frames, within)


def strength(kappa: float) -> str:
    """Landis and Koch's words for a kappa, the scale supervisors are taught."""
    for bound, words in ((0.0, "no better than chance"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"),
                         (0.8, "substantial")):
        if kappa <= bound:
            return words
    return "almost perfect"
