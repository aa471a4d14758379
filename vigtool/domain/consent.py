"""Consent by purpose: what each person filmed agreed a recording may be used for.

Families consent separately to each use (UK GDPR Art 9(2)(a) explicit consent; VIG privacy notices list
exactly these purposes) and may withdraw at any time. A use is allowed only when every person recorded as
filmed has consented to that purpose, the consent has not expired and has not been withdrawn.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class Purpose(enum.StrEnum):
    REVIEW = "review"  # the shared review with the family
    SUPERVISION = "supervision"
    TRAINING = "training"  # teaching material
    RESEARCH = "research"

    @property
    def plain(self) -> str:
        return {"review": "the shared review with the family", "supervision": "supervision",
                "training": "training and teaching", "research": "research"}[self.value]


@dataclass(frozen=True)
class Consent:
    """One person's consent for one recording."""

    id: int
    recording_id: int
    person: str  # as the form names them: "Mother", "Baby (by mother)"
    purposes: frozenset[Purpose]
    recorded_by: str
    given_on: date
    form_reference: str = ""
    expires_on: date | None = None
    withdrawn: frozenset[Purpose] = field(default_factory=frozenset)
    withdrawn_on: date | None = None

    def allows(self, purpose: Purpose, today: date) -> bool:
        return (purpose in self.purposes and purpose not in self.withdrawn
                and (self.expires_on is None or today <= self.expires_on))


def refusal(consents: list[Consent], purpose: Purpose, today: date, film: str) -> str | None:
    """Why `purpose` is not allowed for the film (None: it is). Plain words, naming the person."""
    if not consents:
        return f"{film}: no consent is recorded for this film, so it cannot be used for {purpose.plain}"
    for consent in consents:
        if purpose in consent.withdrawn:
            return (f"{film}: {consent.person} withdrew consent for {purpose.plain} on "
                    f"{consent.withdrawn_on.isoformat() if consent.withdrawn_on else 'an earlier date'}")
        if purpose not in consent.purposes:
            return f"{film}: {consent.person} has not consented to {purpose.plain}"
        if consent.expires_on is not None and today > consent.expires_on:
            return (f"{film}: {consent.person}'s consent for {purpose.plain} expired on "
                    f"{consent.expires_on.isoformat()}")
    return None
