"""Agreement between two coders of a film (her marks and mine, each any set of lanes), in figures and in
plain sentences, for the window, the CLI (`vigtool agreement`, `--json`) and a CSV file.

The figures are computed in `vigtool.domain.agreement` (moments matched by overlap, kappa over time
slices); this module chooses the lanes, names the people and the codes, and says what each figure means.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from storage.atomic import publish
from vigtool.domain.agreement import (
    NONE,
    Agreement,
    CodeFigures,
    Moment,
    MomentPair,
    compare,
    moments_of,
    strength,
)
from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Recording, Track, TrackKind
from vigtool.domain.time import timecode
from vigtool.services.lanes import People, lane_labels, people
from vigtool.services.sharing import shown_name
from vigtool.services.vault import Vault

SLICE_SECONDS = Fraction(1)  # BORIS's default time slice
WITHIN_SECONDS = Fraction(1, 2)  # two marks this close are one moment
_NOT_CODED = (TrackKind.TURN_TAKING, TrackKind.SUGGESTIONS)  # lanes of turns and proposals, not of codes


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True)
class Coder:
    """One side of the comparison: a name and the lanes whose coded marks are hers."""

    name: str
    track_ids: tuple[int, ...]


def default_coders(tracks: list[Track], who: People) -> tuple[Coder, Coder]:
    """Her marks (someone else's lanes) and mine (my own); with only my own lanes, the first two of them."""
    coded = [t for t in tracks if t.kind not in _NOT_CODED]
    owners = list(dict.fromkeys(t.owner for t in coded))
    labels = lane_labels(tracks, who)
    if len(owners) >= 2:
        others = [o for o in owners if o is not None]
        first, second = others[0], None if None in owners else others[1]
        return (Coder(who.name_of(first), tuple(t.id for t in coded if t.owner == first)),
                Coder(who.name_of(second), tuple(t.id for t in coded if t.owner == second)))
    lanes = coded or tracks
    a, b = lanes[0], lanes[min(1, len(lanes) - 1)]
    return Coder(labels[a.id], (a.id,)), Coder(labels[b.id], (b.id,))


def find_lanes(vault: Vault, recording: Recording, wanted: list[str]) -> tuple[int, ...]:
    """Lanes by the names they are shown with ("Anna: Parent"), or by their own names where that is clear."""
    tracks = vault.repo.tracks.list(recording.id)
    labels = lane_labels(tracks, people(vault))
    found = []
    for name in wanted:
        by_label = [t.id for t in tracks if labels[t.id] == name]
        by_name = [t.id for t in tracks if t.name == name]
        if not by_label and len(by_name) != 1:
            choices = ", ".join(f"'{label}'" for label in labels.values())
            why = "is the name of more than one lane" if by_name else "is not a lane of this film"
            raise ValueError(f"{shown_name(vault, recording)}: '{name}' {why} (its lanes: {choices})")
        found += by_label or by_name
    return tuple(found)


@dataclass(frozen=True)
class Report:
    """The figures with everything needed to say them: who, which codes, at what rate."""

    a: Coder
    b: Coder
    result: Agreement
    codebook: Codebook
    rate: Fraction

    def code_name(self, code: str) -> str:
        if code == NONE:
            return "not marked"
        try:
            return self.codebook.code(code).label
        except KeyError:
            return code  # a code no longer in the codebook keeps its id

    def seconds(self, frames: int) -> str:
        return f"{round(float(Fraction(frames) / self.rate), 2):g} s"

    def time_of(self, pair: MomentPair) -> str:
        return timecode(pair.start, self.rate)

    def moments_sentence(self, figures: CodeFigures) -> str:
        if figures.moments == 0:
            return "Neither of you marked a moment."
        share = float(figures.share or 0)
        if not figures.code:
            differ = sum(1 for p in self.result.pairs if p.a and p.b and not p.alike)
            alone = figures.moments - figures.alike - differ
            return (f"Of {_count(figures.moments, 'moment')} either of you marked, {figures.alike} marked by both "
                    f"with the same code ({share:.0%}); {differ} by both with different codes, and {alone} by "
                    f"only one of you.")
        return (f"{self.a.name} marked it {_count(figures.a, 'time')}, {self.b.name} {_count(figures.b, 'time')}: "
                f"{figures.alike} of {_count(figures.moments, 'moment')} marked with it by both ({share:.0%}).")

    def kappa_sentence(self, figures: CodeFigures) -> str:
        kappa = figures.kappa
        frames = self.result.slice_frames
        slices = "one-frame slices" if frames == 1 else f"{self.seconds(frames)} slices"
        what = "which codes each of you marked in it" if not figures.code else "whether each of you marked it"
        if kappa.slices == 0:
            return "There is nothing to compare: the film has no frames."
        if kappa.value is None:
            if figures.code and (figures.a == 0 or figures.b == 0):
                who = self.a.name if figures.a == 0 else self.b.name
                return (f"Kappa is not defined: {who} did not mark it, so there is no agreement beyond chance to "
                        "measure.")
            return (f"Kappa is not defined: cut into {slices}, one of you gave every slice the same label, so "
                    "there is no agreement beyond chance to measure.")
        return (f"Kappa {kappa.value:.2f} ({strength(kappa.value)}): cutting the film into {slices} and comparing "
                f"{what}, you agree on {float(kappa.observed):.0%} of {kappa.slices} slices, where chance "
                f"alone would give {float(kappa.expected):.0%}.")

    def to_json(self) -> dict[str, object]:
        def figures(f: CodeFigures) -> dict[str, object]:
            value = f.kappa.value
            return {"code": f.code or None, "name": self.code_name(f.code) if f.code else None,
                    "moments_a": f.a, "moments_b": f.b, "moments": f.moments, "alike": f.alike,
                    "share": None if f.share is None else round(float(f.share), 4),
                    "kappa": None if value is None else round(value, 4),
                    "observed": round(float(f.kappa.observed), 4), "expected": round(float(f.kappa.expected), 4),
                    "slices": f.kappa.slices, "moments_said": self.moments_sentence(f),
                    "kappa_said": self.kappa_sentence(f)}

        def side(m: Moment | None) -> dict[str, object] | None:
            if m is None:
                return None
            return {"start": m.start, "end": m.end, "code": m.code, "name": self.code_name(m.code)}

        return {"a": {"name": self.a.name, "lanes": list(self.a.track_ids)},
                "b": {"name": self.b.name, "lanes": list(self.b.track_ids)},
                "slice_frames": self.result.slice_frames, "within_frames": self.result.within,
                "overall": figures(self.result.overall), "codes": [figures(f) for f in self.result.codes],
                "differences": [{"at": self.time_of(p), "frame": p.start, "a": side(p.a), "b": side(p.b)}
                                for p in self.result.differences]}

    def to_csv(self) -> str:
        """The figures per code (and overall), then the moments where the two differ: two tables, one file."""
        out = io.StringIO()
        write = csv.writer(out).writerow
        write(["code", "name", f"moments {self.a.name}", f"moments {self.b.name}", "moments", "marked alike",
               "share alike", "kappa", "slices agreed", "by chance", "slices"])
        for f in [*self.result.codes, self.result.overall]:
            value = f.kappa.value
            write([f.code or "all codes", self.code_name(f.code) if f.code else "all codes", f.a, f.b, f.moments,
                   f.alike, "" if f.share is None else f"{float(f.share):.4f}",
                   "not defined" if value is None else f"{value:.4f}", f"{float(f.kappa.observed):.4f}",
                   f"{float(f.kappa.expected):.4f}", f.kappa.slices])
        write([])
        write(["time", "frame", f"{self.a.name}", f"{self.b.name}"])
        for p in self.result.differences:
            a, b = p.codes()
            write([self.time_of(p), p.start, self.code_name(a), self.code_name(b)])
        return out.getvalue()


def agreement(vault: Vault, recording: Recording, a: Coder | None = None, b: Coder | None = None, *,
              slice_seconds: Fraction = SLICE_SECONDS, within_seconds: Fraction = WITHIN_SECONDS) -> Report:
    """How closely two coders agree on a film (her lanes and mine, unless chosen); a slice of 0 s is one
    frame."""
    tracks = vault.repo.tracks.list(recording.id)
    if a is None or b is None:
        a, b = default_coders(tracks, people(vault))
    known = {t.id for t in tracks}
    for coder in (a, b):
        if not coder.track_ids or not set(coder.track_ids) <= known:
            raise ValueError(f"{shown_name(vault, recording)}: choose at least one of its lanes for {coder.name}")
    marks = vault.repo.annotations.list(recording.id)
    codebook = vault.repo.codebook.load()
    result = compare(moments_of(m for m in marks if m.track_id in a.track_ids),
                     moments_of(m for m in marks if m.track_id in b.track_ids), recording.frame_count,
                     slice_frames=max(1, round(slice_seconds * recording.rate)),
                     within=max(0, round(within_seconds * recording.rate)), order=[c.id for c in codebook.codes])
    return Report(a, b, result, codebook, recording.rate)


def save_csv(report: Report, out: Path) -> Path:
    """The report as a CSV file the user asked for (no notes in it: codes, times and figures only)."""
    publish(out, [report.to_csv().encode("utf-8")], replace=True)
    return out
