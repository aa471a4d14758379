"""How well found vocalisations and turns match a ground truth (bench/turns_accuracy.py, tests).

Vocalisations match one-to-one when the speaker is the same and their overlap is at least IOU of their
union; turns match when the direction is the same and the response onsets are within ONSET_TOLERANCE.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from vigtool.domain.vocal_turns import Turn, Vocalisation

IOU = 0.3
ONSET_TOLERANCE = Fraction(3, 4)  # seconds


@dataclass(frozen=True)
class Score:
    found: int
    truth: int
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0 if not self.truth else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 1.0 if not self.found else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _iou(a: Vocalisation, b: Vocalisation) -> float:
    overlap = min(a.end, b.end) - max(a.start, b.start)
    union = max(a.end, b.end) - min(a.start, b.start)
    return max(overlap, 0) / union if union > 0 else 0.0


def score_vocalisations(found: list[Vocalisation], truth: list[Vocalisation]) -> Score:
    pairs = sorted(((_iou(f, t), i, j) for i, f in enumerate(found) for j, t in enumerate(truth)
                    if f.speaker is t.speaker), reverse=True)
    used_f: set[int] = set()
    used_t: set[int] = set()
    for iou, i, j in pairs:
        if iou < IOU:
            break
        if i not in used_f and j not in used_t:
            used_f.add(i)
            used_t.add(j)
    return Score(len(found), len(truth), len(used_f))


def score_turns(found: list[Turn], truth: list[Turn], rate: int) -> Score:
    tolerance = ONSET_TOLERANCE * rate
    pairs = sorted((abs(f.response - t.response), i, j) for i, f in enumerate(found) for j, t in enumerate(truth)
                   if f.responder is t.responder and f.initiator is t.initiator)
    used_f: set[int] = set()
    used_t: set[int] = set()
    for distance, i, j in pairs:
        if distance > tolerance:
            break
        if i not in used_f and j not in used_t:
            used_f.add(i)
            used_t.add(j)
    return Score(len(found), len(truth), len(used_f))
