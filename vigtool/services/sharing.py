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
from datetime import date

from vigtool.domain.consent import Purpose
from vigtool.domain.consent import refusal as consent_refusal
from vigtool.domain.model import Recording
from vigtool.services.vault import Vault

__all__ = ["Use", "consent_would_allow", "received_from", "refusal"]


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


def received_from(vault: Vault, recording: Recording) -> str | None:
    """The name of whoever sent this film for supervision (as this vault's user knows them); None if it is
    this vault's own."""
    origin = vault.received.origin_of(recording.id)
    if origin is None:
        return None
    fingerprint = origin[0]
    return next((c.name for c in vault.identities.contacts() if c.fingerprint == fingerprint),
                "the practitioner who sent it")


def consent_would_allow(vault: Vault, recording: Recording) -> bool:
    """Whether recording the family's consent could lift a refusal (not so for a film received for
    supervision, nor for one whose record was changed outside vigtool)."""
    return not vault.integrity.recording_problems(recording.id) and received_from(vault, recording) is None


def refusal(vault: Vault, recording: Recording, use: Use | Purpose, today: date | None = None) -> str | None:
    """Why `recording` may not be used for `use` (None: it may), in words a practitioner understands."""
    purpose = use.purpose if isinstance(use, Use) else use
    changed = vault.integrity.recording_problems(recording.id)
    if changed:
        return (f"{recording.source_name}: the vault's record of this film was changed outside vigtool "
                f"({'; '.join(changed)}), so it cannot be used until this is sorted out. Run 'vigtool verify' "
                "to see what changed.")
    sender = received_from(vault, recording)
    if sender is not None:
        return (f"This film was sent to you for supervision: you can watch it, code it and send your comments "
                f"back to {sender}; it cannot be exported or sent on.")
    return consent_refusal(vault.consents.list(recording.id), purpose, today or date.today(),
                           recording.source_name)
