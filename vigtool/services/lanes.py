"""Whose lanes are whose, what they are called, and which one the code keys mark.

A lane holds either your own marks or someone else's: a practitioner's, sent to you for supervision, or a
supervisor's comments, merged back. Someone else's stay as they came: the workspace refuses every change
to them (`ReadOnlyLaneError`), whatever the window lets a mouse or a key try. Once a film holds someone
else's lanes, every lane is labelled with its person ("Anna: Parent", "Beth: Supervision").

The current lane is where the code keys mark (clicking a lane's name chooses it). Without one, a code goes
to the lane it belongs to (initiatives on the baby's, principles on the parent's). On a film sent to you
(someone else's lanes, and no Parent or Baby lane of your own) it starts as your own lane (Supervision);
on your own film with a supervisor's comments merged, codes still go to your Parent and Baby lanes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vigtool.domain.annotation_layer import AnnotationLayer
from vigtool.domain.model import Track, TrackKind

if TYPE_CHECKING:
    from vigtool.services.vault import Vault

SOMEONE_ELSE = "someone else"


class ReadOnlyLaneError(ValueError):
    """A change to someone else's marks; the message says whose and where yours go."""


@dataclass(frozen=True)
class People:
    """Who the lanes belong to: you, and the partners you know (by fingerprint) under the names you gave."""

    me: str = "You"
    others: dict[str, str] = field(default_factory=dict)

    def name_of(self, owner: str | None) -> str:
        return self.me if owner is None else self.others.get(owner, SOMEONE_ELSE)


def people(vault: Vault) -> People:
    me = vault.identity.public.name if vault.identity is not None else "You"
    return People(me, {c.fingerprint: c.name for c in vault.identities.contacts()})


def needs_name(vault: Vault) -> bool:
    """True until the vault's user has said her name (the first one is only the computer's login)."""
    return vault.identity is not None and not vault.identity.named


def set_my_name(vault: Vault, name: str) -> str:
    """Your name on your key card (save it again for partners to see it) and on your lanes here."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("Your name cannot be empty: it goes on your key card and your lanes.")
    if len(name) > 80:
        raise ValueError("Your name can have at most 80 characters.")
    assert vault.identity is not None
    vault.identities.rename(vault.identity, name)
    vault.audit.append("name", {"fingerprint": vault.identity.public.fingerprint})
    return name


def lane_labels(tracks: Iterable[Track], who: People) -> dict[int, str]:
    """Each lane's name as shown: with its person's name once anyone else's lane is on the film."""
    tracks = list(tracks)
    if not any(t.read_only for t in tracks):
        return {t.id: t.name for t in tracks}
    return {t.id: f"{who.name_of(t.owner)}: {t.name}" for t in tracks}


class LaneChoice:
    """The current lane of one film's workspace, and the rule that someone else's lanes are read-only."""

    def __init__(self, layer: AnnotationLayer, who: People | None = None) -> None:
        self._layer = layer
        self.people = who or People()
        self._current: int | None = None
        own = [t for t in layer.tracks if not t.read_only and t.kind is not TrackKind.SUGGESTIONS]
        routed = any(t.kind in (TrackKind.PARENT, TrackKind.INFANT) for t in own)  # codes find their lane
        if any(t.read_only for t in layer.tracks) and own and not routed:
            self._current = own[0].id  # a film sent to you: your own (Supervision) lane

    @property
    def current(self) -> int | None:
        """The lane the code keys mark, or None: each code on the lane it belongs to."""
        known = {t.id for t in self._layer.tracks}
        return self._current if self._current in known else None

    def choose(self, track_id: int | None) -> None:
        """Make a lane current (None: each code to its own lane again); someone else's cannot be."""
        if track_id is not None:
            self.check([track_id])
        self._current = track_id

    def labels(self) -> dict[int, str]:
        return lane_labels(self._layer.tracks, self.people)

    def label(self, track_id: int) -> str:
        return self.labels()[track_id]

    def writable(self, track: Track) -> bool:
        return not track.read_only

    def check(self, track_ids: Iterable[int]) -> None:
        """Raise if any of these lanes holds someone else's marks."""
        for track_id in dict.fromkeys(track_ids):
            track = self._layer.track(track_id)
            if track.read_only:
                name = self.people.name_of(track.owner)
                raise ReadOnlyLaneError(
                    f"'{self.label(track_id)}' holds {name}'s marks as {name} sent them: they cannot be changed "
                    "here. Yours go on a lane of your own (click its name to mark there).")
