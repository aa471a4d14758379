"""Turn-taking: who started, who received, how quickly — and the counts told in strengths language.

In turn-taking mode the practitioner marks turns as she sees them: one key for a turn by the baby, one
for a turn by the parent. The first mark starts a chain with an initiative; a mark by the other partner
receives it, and each further change of partner is a response. A mark by the same partner again, or a
mark earlier than the last one, starts a new chain.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from fractions import Fraction

from vigtool.domain.model import Actor, Annotation, TurnChain, TurnLink, TurnRole
from vigtool.domain.time import frame_to_seconds


def next_role(chain: TurnChain | None, annotations: dict[int, Annotation], actor: Actor, frame: int) -> TurnRole:
    """The role a new turn by `actor` at `frame` takes in the open `chain` (INITIATIVE: a new chain)."""
    if chain is None:
        return TurnRole.INITIATIVE
    last = annotations.get(chain.links[-1].annotation_id)
    if last is None or last.actor is actor or frame <= last.start:
        return TurnRole.INITIATIVE
    return TurnRole.RECEPTION if len(chain.links) == 1 else TurnRole.RESPONSE


def extended(chain: TurnChain, annotation_id: int, role: TurnRole) -> TurnChain:
    return TurnChain(chain.id, chain.recording_id, (*chain.links, TurnLink(annotation_id, role)))


@dataclass(frozen=True)
class TurnSummary:
    """Counts for one recording, to be read to a parent as what went well."""

    from_baby: int
    baby_received: int
    from_parent: int
    parent_answered: int
    turns: int
    median_latency: Fraction | None  # seconds from one turn to the answer, over every answered turn

    def text(self) -> str:
        if not self.from_baby and not self.from_parent:
            return "No turn-taking marked yet — press T for turn-taking mode, then B (baby) or P (parent)."
        parts = []  # only what is there: "0 received" reads to a parent as a failure
        if self.from_baby:
            parts.append(f"{_count(self.from_baby, 'initiative')} from baby"
                         + (f", {self.baby_received} received" if self.baby_received else ""))
        if self.from_parent:
            parts.append(f"{_count(self.from_parent, 'initiative')} from parent"
                         + (f", {self.parent_answered} answered" if self.parent_answered else ""))
        if self.median_latency is not None:
            parts.append(f"answered after {float(self.median_latency):.1f} s (median)")
        return " · ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summarise(chains: list[TurnChain], annotations: dict[int, Annotation], rate: Fraction) -> TurnSummary:
    from_baby = baby_received = from_parent = parent_answered = turns = 0
    latencies: list[int] = []
    for chain in chains:
        links = [annotations[link.annotation_id] for link in chain.links if link.annotation_id in annotations]
        if not links:
            continue
        turns += len(links) - 1
        latencies += [b.start - a.start for a, b in itertools.pairwise(links)]
        if links[0].actor is Actor.INFANT:
            from_baby += 1
            baby_received += len(links) > 1
        elif links[0].actor is Actor.PARENT:
            from_parent += 1
            parent_answered += len(links) > 1
    median = frame_to_seconds(round(statistics.median(latencies)), rate) if latencies else None
    return TurnSummary(from_baby, baby_received, from_parent, parent_answered, turns, median)


def role_at(position: int) -> TurnRole:
    return (TurnRole.INITIATIVE, TurnRole.RECEPTION)[position] if position < 2 else TurnRole.RESPONSE


def without(chain: TurnChain, removed: set[int]) -> TurnChain | None:
    """The chain once the annotations `removed` are gone (roles renumbered); None if nothing is left."""
    kept = [link.annotation_id for link in chain.links if link.annotation_id not in removed]
    if not kept:
        return None
    return TurnChain(chain.id, chain.recording_id, tuple(TurnLink(a, role_at(i)) for i, a in enumerate(kept)))
