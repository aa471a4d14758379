"""May this film be used for that, and if not, why — in plain words. The one place the answer is made.

Every way footage or a picture of it leaves the vault (an export, a still, a review package, a handout,
the presenter, a training pack, a package for supervision) asks `refusal()` (through `consent.check`)
before any work starts, from the CLI and from the window alike; the window asks it before it opens a file
chooser, so nobody picks a file name for something that will be refused.

The answer, in this order:
1. The vault's record of the film must be as vigtool wrote it: its frame index, its origin and its
   consent rows carry seals (storage.integrity) that a change made outside vigtool breaks. Fail closed.
2. A film received for supervision is the practitioner's, not the supervisor's: it can be watched, coded
   and commented on, and goes back only as comments to the one who sent it. Nothing else, whatever
   consent is recorded for it in this vault.
3. Everyone filmed must have consented to the purpose, unexpired and not withdrawn.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from vigtool.domain.consent import Purpose
from vigtool.domain.consent import refusal as consent_refusal
from vigtool.domain.model import Recording
from vigtool.services.vault import Vault

__all__ = ["Refusal", "Use", "film_pseudonym", "received_from", "refusal", "refusal_of", "shown_name",
           "standing_refusal"]


class Use(enum.Enum):
    """What a film is about to be used for, with the consent it needs and how a refusal names it."""

    EXPORT = ("export", Purpose.REVIEW)
    STILL = ("still", Purpose.REVIEW)
    REVIEW_PACKAGE = ("review package", Purpose.REVIEW)
    HANDOUT = ("handout", Purpose.REVIEW)
    PRESENTER = ("presenter", Purpose.REVIEW)
    TRAINING = ("training pack", Purpose.TRAINING)
    SUPERVISION = ("package for supervision", Purpose.SUPERVISION)

    def __init__(self, plain: str, purpose: Purpose) -> None:
        self.plain = plain
        self.purpose = purpose


def film_pseudonym(recording: Recording) -> str:
    """What any file that leaves the vault calls the film (marks files, supervision packages): never its
    file name, path or family. One spelling everywhere, so a supervisor's comments and a marks file name
    the same film the same way."""
    return f"recording-{recording.id}.mp4"


def shown_name(vault: Vault, recording: Recording) -> str:
    """What the window calls a film: its pseudonym ("recording-3.mp4"), never the file name it came under.

    A phone names its films by the minute they were made ("VID_20261114_093012.mp4") and people rename
    them after the family ("Smith feeding.mp4"). The window is not as private as it looks: its title is
    in the taskbar, the window switcher and the screen-sharing picker of a call with a supervisor; and the
    workspace comes back, Families panel and all, with the parent still beside the practitioner when a
    shared review ends. So everything the window shows and every name it proposes for a file uses the
    pseudonym the marks files and supervision packages use, and the practitioner can tie the two together.
    The original name stays in the vault (sealed) and is shown only where she asks for it: the tooltip of
    a film in the Families panel, and the question before a film is destroyed. A film received for
    supervision already came under a pseudonym ("Anna Berg, recording-1.mp4"): that is what the sender
    calls it too, so it keeps it."""
    return recording.source_name if vault.received.origin_of(recording.id) is not None else film_pseudonym(recording)


def received_from(vault: Vault, recording: Recording) -> str | None:
    """The name of whoever sent this film for supervision (as this vault's user knows them); None if it is
    this vault's own."""
    origin = vault.received.origin_of(recording.id)
    if origin is None:
        return None
    fingerprint = origin[0]
    return next((c.name for c in vault.identities.contacts() if c.fingerprint == fingerprint),
                "the practitioner who sent it")


@dataclass(frozen=True)
class Refusal:
    reason: str  # in words a practitioner understands
    consent_can_lift: bool  # recording what the family agreed to would allow it (not so for a received film)


def refusal_of(vault: Vault, recording: Recording, use: Use | Purpose, today: date | None = None) -> Refusal | None:
    """Why `recording` may not be used for `use`, and whether consent could change that (None: it may)."""
    purpose = use.purpose if isinstance(use, Use) else use
    standing = standing_refusal(vault, recording)
    if standing is not None:
        return standing
    why = consent_refusal(vault.consents.list(recording.id), purpose, today or date.today(),
                          shown_name(vault, recording))
    return None if why is None else Refusal(why, consent_can_lift=True)


def standing_refusal(vault: Vault, recording: Recording) -> Refusal | None:
    """What refuses every use of this film, whatever is consented: a record changed outside vigtool, or a
    film received for supervision (its footage and marks go back only as comments)."""
    changed = vault.integrity.recording_problems(recording.id)
    if changed:
        return Refusal(f"{shown_name(vault, recording)}: the vault's record of this film was changed outside vigtool "
                       f"({'; '.join(changed)}), so it cannot be used until this is sorted out. Run 'vigtool "
                       "verify' to see what changed.", consent_can_lift=False)
    sender = received_from(vault, recording)
    if sender is not None:
        return Refusal(f"This film was sent to you for supervision: you can watch it, code it and send your "
                       f"comments back to {sender}; it cannot be exported or sent on.", consent_can_lift=False)
    return None


def refusal(vault: Vault, recording: Recording, use: Use | Purpose, today: date | None = None) -> str | None:
    """Why `recording` may not be used for `use` (None: it may), in words a practitioner understands."""
    found = refusal_of(vault, recording, use, today)
    return None if found is None else found.reason
