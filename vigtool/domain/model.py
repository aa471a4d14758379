"""The entities of a VIG case. Values are frozen dataclasses; change means replacing a value.

Ids are assigned by storage (0 means "not stored yet"). Times are frame indices at the recording's exact
rate (see vigtool.domain.time); seconds appear only at the edges.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction

from vigtool.domain.time import FrameRange, frame_to_seconds


class Actor(enum.StrEnum):
    """Who does what an annotation describes."""

    PARENT = "parent"
    INFANT = "infant"
    PRACTITIONER = "practitioner"
    OTHER = "other"


class TrackKind(enum.StrEnum):
    PARENT = "parent"
    INFANT = "infant"
    TURN_TAKING = "turn_taking"
    NOTES = "notes"
    CUSTOM = "custom"
    SUGGESTIONS = "suggestions"  # turn-taking proposed from the sound, to accept or dismiss


DEFAULT_TRACKS: tuple[tuple[str, TrackKind], ...] = (
    ("Parent", TrackKind.PARENT),
    ("Baby", TrackKind.INFANT),
    ("Turn-taking", TrackKind.TURN_TAKING),
    ("Notes", TrackKind.NOTES),
)


@dataclass(frozen=True)
class Case:
    """A family, known in the vault only by a pseudonymous label ("Family A")."""

    id: int
    label: str
    helping_question: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Recording:
    """A film's media identity, as probed when it was imported."""

    id: int
    case_id: int
    sha256: str
    source_name: str
    container: str
    video_codec: str
    audio_codec: str | None
    rate: Fraction
    frame_count: int
    width: int
    height: int
    rotation: int
    duration: Fraction
    variable_frame_rate: bool
    imported_at: datetime | None = None
    media_id: str = ""  # random id naming the film's sealed files inside the vault

    def __post_init__(self) -> None:
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270 degrees, not {self.rotation}")
        if self.frame_count <= 0:
            raise ValueError("a recording has at least one frame")

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown, after the display rotation."""
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    @property
    def whole(self) -> FrameRange:
        return FrameRange(0, self.frame_count)


@dataclass(frozen=True)
class Track:
    """A lane of the timeline: per participant (parent, baby) or purpose (turn-taking, notes)."""

    id: int
    recording_id: int
    name: str
    kind: TrackKind
    position: int
    visible: bool = True
    owner: str | None = None  # the fingerprint of whoever sent these marks; None: your own lane

    @property
    def read_only(self) -> bool:
        """Someone else's marks (a practitioner's sent for supervision, a supervisor's comments): they stay
        as they came."""
        return self.owner is not None


@dataclass(frozen=True)
class Annotation:
    """A point or interval on a track: what happened (code), who did it (actor) and a kind note."""

    id: int
    track_id: int
    range: FrameRange
    code_id: str | None = None
    actor: Actor | None = None
    note: str = ""

    @property
    def start(self) -> int:
        return self.range.start

    @property
    def end(self) -> int:
        return self.range.end


class TurnRole(enum.StrEnum):
    INITIATIVE = "initiative"
    RECEPTION = "reception"
    RESPONSE = "response"


@dataclass(frozen=True)
class TurnLink:
    annotation_id: int
    role: TurnRole


@dataclass(frozen=True)
class TurnChain:
    """initiative → reception → response → …: linked annotations, in time order."""

    id: int
    recording_id: int
    links: tuple[TurnLink, ...]

    def __post_init__(self) -> None:
        if not self.links:
            raise ValueError("a turn-taking chain starts with an initiative")
        if self.links[0].role is not TurnRole.INITIATIVE:
            raise ValueError("a turn-taking chain starts with an initiative")
        ids = [link.annotation_id for link in self.links]
        if len(set(ids)) != len(ids):
            raise ValueError("an annotation can appear only once in a chain")

    def latencies(self, annotations: dict[int, Annotation]) -> list[int]:
        """Frames from the start of each link to the start of the next (the answer's latency)."""
        starts = [annotations[link.annotation_id].start for link in self.links]
        return [b - a for a, b in itertools.pairwise(starts)]

    def latency_seconds(self, annotations: dict[int, Annotation], rate: Fraction) -> list[Fraction]:
        return [frame_to_seconds(frames, rate) for frames in self.latencies(annotations)]


@dataclass(frozen=True)
class Clip:
    """A short moment chosen for export and review: frames [start, end)."""

    id: int
    recording_id: int
    range: FrameRange
    title: str = ""
    caption: str = ""
    key_frame: int | None = None  # the instant the review pauses on; None means the middle

    @property
    def pause_frame(self) -> int:
        if self.key_frame is not None and self.range.start <= self.key_frame < self.range.end:
            return self.key_frame
        return (self.range.start + self.range.end - 1) // 2


@dataclass(frozen=True)
class Still:
    """The key instant of a moment: one frame with a caption."""

    id: int
    recording_id: int
    frame: int
    caption: str = ""


class ReviewItemKind(enum.StrEnum):
    CLIP = "clip"
    STILL = "still"


DEFAULT_PROMPT = "What do you notice your baby doing here?"


@dataclass(frozen=True)
class ReviewItem:
    """One step of a shared review, with the prompt the practitioner will ask the parent."""

    kind: ReviewItemKind
    ref_id: int
    prompt: str = ""
    in_handout: bool = True  # the family's handout shows only the moments the practitioner ticked


@dataclass(frozen=True)
class ReviewSession:
    """The ordered clips and stills shown to a family in one or more review meetings."""

    id: int
    case_id: int
    title: str
    items: tuple[ReviewItem, ...] = field(default_factory=tuple)

    def moved(self, old_index: int, new_index: int) -> ReviewSession:
        items = list(self.items)
        item = items.pop(old_index)
        items.insert(new_index, item)
        return ReviewSession(self.id, self.case_id, self.title, tuple(items))

    def with_item(self, item: ReviewItem, index: int | None = None) -> ReviewSession:
        items = list(self.items)
        items.insert(len(items) if index is None else index, item)
        return ReviewSession(self.id, self.case_id, self.title, tuple(items))

    def holds(self, kind: ReviewItemKind, ref_id: int) -> bool:
        return any(i.kind is kind and i.ref_id == ref_id for i in self.items)

    def with_changed(self, position: int, **changes: object) -> ReviewSession:
        """The item at `position` with `changes` (prompt, in_handout)."""
        items = list(self.items)
        items[position] = replace(items[position], **changes)  # type: ignore[arg-type]
        return ReviewSession(self.id, self.case_id, self.title, tuple(items))

    def without(self, position: int | None = None, *, kind: ReviewItemKind | None = None,
                ref_id: int | None = None) -> ReviewSession:
        """Without the item at `position`, or without every item pointing at (`kind`, `ref_id`)."""
        items = tuple(item for k, item in enumerate(self.items)
                      if k != position and not (item.kind is kind and item.ref_id == ref_id))
        return ReviewSession(self.id, self.case_id, self.title, items)
