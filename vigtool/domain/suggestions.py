"""Suggestions: moments of turn-taking proposed from the sound, for the practitioner to accept or dismiss.

A suggestion is one exchange: its span and its turns (who, which frames). It stays on the Suggestions lane
while open; accepted, it becomes a turn-taking chain of her own; dismissed, it is remembered, so analysing
again does not propose it once more.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from vigtool.domain.model import Actor
from vigtool.domain.time import FrameRange
from vigtool.domain.vocal_turns import sureness_word


class SuggestionState(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


@dataclass(frozen=True)
class SuggestedTurn:
    actor: Actor
    frames: FrameRange


@dataclass(frozen=True)
class Suggestion:
    id: int
    recording_id: int
    frames: FrameRange
    turns: tuple[SuggestedTurn, ...]
    state: SuggestionState = SuggestionState.OPEN
    annotation_id: int | None = None  # its bar on the Suggestions lane, while open
    chain_id: int | None = None  # the chain it became, once accepted
    confidence: float | None = None  # how sure the analysis was of who spoke (0..1), when just made


    @property
    def started_by(self) -> Actor:
        return self.turns[0].actor

    def note(self) -> str:
        """What the bar says: a possible moment to look at, with how sure the analysis is. A guess from the
        sound, so it never speaks to the parent; once accepted, the chain is the practitioner's own."""
        changes = sum(1 for a, b in zip(self.turns, self.turns[1:], strict=False) if a.actor is not b.actor)
        who = "the baby" if self.started_by is Actor.INFANT else "the parent"
        sure = "" if self.confidence is None else f" ({sureness_word(self.confidence)} who spoke)"
        return (f"Suggested, to look at: perhaps {changes} turn{'' if changes == 1 else 's'} back and forth, "
                f"seemingly begun by {who}{sure}")


def chain_turns(turns: tuple[SuggestedTurn, ...]) -> list[SuggestedTurn]:
    """One mark per turn: a partner's vocalisations in a row are one turn (chains alternate partners)."""
    merged: list[SuggestedTurn] = []
    for turn in turns:
        if merged and merged[-1].actor is turn.actor:
            last = merged[-1]
            merged[-1] = SuggestedTurn(turn.actor, FrameRange(last.frames.start, max(last.frames.end, turn.frames.end)))
        else:
            merged.append(turn)
    return merged
