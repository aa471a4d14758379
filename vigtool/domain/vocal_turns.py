"""Vocal turn-taking from who vocalised when: turns, exchanges, and what went well, counted.

A *turn* is every change of speaker between consecutive vocalisations whose gap (end of one to start of
the next) is at most `max_gap`; it is credited to the responder, with the response's onset and its latency.
An *exchange* is a run of vocalisations each within `max_gap` of the one before, with at least one turn
in it (a partner may say two things in a row and the exchange goes on); whoever vocalised first started it. Times are
integer sample positions at `rate` samples per second (seconds appear only in reports). Someone else's
vocalisations (a TV, another child: Speaker.OTHER) are kept to be shown, and are in no turn and no exchange.
"""

from __future__ import annotations

import enum
import itertools
import statistics
from dataclasses import dataclass, field
from fractions import Fraction

DEFAULT_MAX_GAP = Fraction(3)  # seconds


class Speaker(enum.StrEnum):
    ADULT = "adult"
    INFANT = "infant"
    OTHER = "other"  # someone else: a TV or radio, another child. Heard, shown, never part of a turn


@dataclass(frozen=True)
class Vocalisation:
    speaker: Speaker
    start: int  # samples
    end: int
    # How sure the analysis is of who this was, 0..1 (1 for ground truth and hand-made marks).
    confidence: float = field(default=1.0, compare=False)


def _family(vocalisations: list[Vocalisation]) -> list[Vocalisation]:
    """The parent's and the baby's vocalisations, in order (someone else's are nobody's turn)."""
    return sorted((v for v in vocalisations if v.speaker is not Speaker.OTHER), key=lambda v: (v.start, v.end))


@dataclass(frozen=True)
class Turn:
    initiator: Speaker  # who vocalised before
    responder: Speaker  # who the turn is credited to
    initiation: int  # samples: the onset of the vocalisation answered
    response: int  # samples: the onset of the answer
    latency: int  # samples from the end of the one to the start of the other (may be < 0: overlap)


@dataclass(frozen=True)
class Exchange:
    vocalisations: tuple[Vocalisation, ...]
    turns: tuple[Turn, ...]

    @property
    def started_by(self) -> Speaker:
        return self.vocalisations[0].speaker

    @property
    def start(self) -> int:
        return self.vocalisations[0].start

    @property
    def end(self) -> int:
        return max(v.end for v in self.vocalisations)


def find_turns(vocalisations: list[Vocalisation], rate: int,
               max_gap: Fraction = DEFAULT_MAX_GAP) -> list[Turn]:
    ordered = _family(vocalisations)
    limit = max_gap * rate
    return [Turn(a.speaker, b.speaker, a.start, b.start, b.start - a.end)
            for a, b in itertools.pairwise(ordered)
            if a.speaker is not b.speaker and b.start - a.end <= limit]


def find_exchanges(vocalisations: list[Vocalisation], rate: int,
                   max_gap: Fraction = DEFAULT_MAX_GAP) -> list[Exchange]:
    """Runs of vocalisations close enough to each other, holding at least one turn (a lone vocalisation, or
    one nobody answered, is no exchange). Someone else's vocalisations (Speaker.OTHER) neither join nor
    break a run: a TV talking between the parent and the baby is not part of their exchange."""
    ordered = _family(vocalisations)
    limit = max_gap * rate
    exchanges: list[Exchange] = []
    run: list[Vocalisation] = []
    turns: list[Turn] = []

    def close() -> None:
        if turns:
            exchanges.append(Exchange(tuple(run), tuple(turns)))

    for vocalisation in ordered:
        last = run[-1] if run else None
        if last is not None and vocalisation.start - last.end <= limit:
            run.append(vocalisation)
            if last.speaker is not vocalisation.speaker:
                turns.append(Turn(last.speaker, vocalisation.speaker, last.start, vocalisation.start,
                                  vocalisation.start - last.end))
            continue
        close()
        run, turns = [vocalisation], []
    close()
    return exchanges


def sureness_word(confidence: float) -> str:
    """How sure the analysis is, in words a practitioner reads at a glance."""
    return "fairly sure" if confidence >= 0.75 else "unsure" if confidence < 0.5 else "somewhat sure"


@dataclass(frozen=True)
class VocalSummary:
    """What the sound suggests, for the practitioner to look at. It is a guess, so it is never phrased to
    the parent ("your baby took …"): sentences to the family come only from the chains she confirms."""

    infant_initiatives: int  # the baby vocalising first: exchanges it started, and calls not answered
    received_by_adult: int  # ... that the parent answered within the gap (the exchanges the baby started)
    adult_initiatives: int  # exchanges the parent started
    turns: int
    exchanges: int
    median_adult_latency: Fraction | None  # seconds, the parent answering the baby
    median_infant_latency: Fraction | None  # seconds, the baby answering the parent
    confidence: float = 1.0  # the mean sureness of who spoke, over the vocalisations in the exchanges
    others: int = 0  # vocalisations set aside as someone else's (a TV, another child): in no turn

    def text(self) -> str:
        aside = (f" {self.others} other voice{'' if self.others == 1 else 's'} (a TV, another child?) in no turn."
                 if self.others else "")
        if not self.exchanges:
            return f"No back-and-forth heard in the sound; your own marks are what count.{aside}"
        moments = f"{self.exchanges} possible moment{'' if self.exchanges == 1 else 's'}"
        begun = (f", {self.exchanges - self.adult_initiatives} perhaps begun by the baby"
                 if self.exchanges - self.adult_initiatives else "")
        return (f"{moments[0].upper()}{moments[1:]} of turn-taking to look at, from the sound ({self.turns} "
                f"turn{'' if self.turns == 1 else 's'}{begun}; {sureness_word(self.confidence)} who spoke). "
                f"Nothing counts until you confirm it.{aside}")

    def to_json(self) -> dict[str, object]:
        def seconds(value: Fraction | None) -> float | None:
            return None if value is None else round(float(value), 3)
        return {"infant_initiatives": self.infant_initiatives, "received_by_adult": self.received_by_adult,
                "adult_initiatives": self.adult_initiatives,
                "turns": self.turns, "exchanges": self.exchanges,
                "median_adult_latency_s": seconds(self.median_adult_latency),
                "median_infant_latency_s": seconds(self.median_infant_latency),
                "confidence": round(self.confidence, 2), "others_set_aside": self.others, "confirmed": False,
                "text": self.text()}


def summarise_vocal(vocalisations: list[Vocalisation], rate: int,
                    max_gap: Fraction = DEFAULT_MAX_GAP) -> VocalSummary:
    exchanges = find_exchanges(vocalisations, rate, max_gap)
    turns = [t for e in exchanges for t in e.turns]
    in_exchange = {v for e in exchanges for v in e.vocalisations}
    infant_alone = sum(1 for v in vocalisations if v.speaker is Speaker.INFANT and v not in in_exchange)

    def median(responder: Speaker) -> Fraction | None:
        latencies = [Fraction(t.latency, rate) for t in turns if t.responder is responder]
        return Fraction(statistics.median(latencies)) if latencies else None

    by_infant = sum(1 for e in exchanges if e.started_by is Speaker.INFANT)
    sure = [v.confidence for v in in_exchange]
    return VocalSummary(by_infant + infant_alone, by_infant, len(exchanges) - by_infant, len(turns),
                        len(exchanges), median(Speaker.ADULT), median(Speaker.INFANT),
                        statistics.fmean(sure) if sure else 1.0,
                        sum(1 for v in vocalisations if v.speaker is Speaker.OTHER))
