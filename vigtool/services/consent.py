"""The consent register in use: record and withdraw consent, and check it before footage is used.

Every export, package, handout and presenter session asks `check()` first; it refuses in plain words
("Mother has not consented to supervision"). Withdrawing every purpose leaves the practitioner with the
list of copies made earlier (from the export log) to recall, and the offer to crypto-shred the film.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from storage.export_log import ExportEntry
from vigtool.domain.consent import Consent, Purpose, refusal
from vigtool.domain.model import Recording
from vigtool.media.errors import MediaError
from vigtool.services import sharing
from vigtool.services.vault import Vault

__all__ = ["ConsentRefusedError", "Purpose", "check", "consents", "record_consent", "withdraw"]


class ConsentRefusedError(MediaError):
    """The family has not consented to this use (or withdrew, or the consent expired); nothing was done."""


def consents(vault: Vault, recording: Recording) -> list[Consent]:
    return vault.consents.list(recording.id)


def check(vault: Vault, recording: Recording, purpose: Purpose | sharing.Use, today: date | None = None) -> None:
    """Raise ConsentRefusedError, in plain words, unless the film may be used for this (`sharing.refusal`:
    its record unchanged, not a film received for supervision, and every person filmed consented)."""
    why = sharing.refusal(vault, recording, purpose, today)
    if why is not None:
        # The window's words name the film by its pseudonym; the error (the CLI's) by the practitioner's file.
        raise ConsentRefusedError(recording.source_name, why.removeprefix(f"{sharing.shown_name(vault, recording)}: "))


def record_consent(vault: Vault, recording: Recording, person: str, purposes: Iterable[Purpose], *,
                   recorded_by: str, given_on: date, form_reference: str = "",
                   expires_on: date | None = None, today: date | None = None) -> Consent:
    """Record (or replace) one person's consent for a recording (`today`: the day it is recorded)."""
    person = person.strip()
    if not person:
        raise ValueError("say whose consent this is (as the signed form names them)")
    today = today or date.today()
    if expires_on is not None and expires_on < max(today, given_on):
        raise ValueError(f"the consent's expiry date {expires_on.isoformat()} is in the past (or before it was "
                         f"given, {given_on.isoformat()}); nothing was recorded. Check the date on the form")
    known = next((c for c in consents(vault, recording) if c.person.casefold() == person.casefold()), None)
    stored = vault.consents.put(Consent(known.id if known else 0, recording.id, person, frozenset(purposes),
                                        recorded_by, given_on, form_reference, expires_on))
    vault.audit.append("consent", {"recording": recording.id, "person": person,
                                   "purposes": sorted(p.value for p in stored.purposes),
                                   "form": form_reference, "expires": expires_on.isoformat() if expires_on else None})
    return stored


def withdraw(vault: Vault, recording: Recording, purposes: Iterable[Purpose] | None = None,
             person: str | None = None, on: date | None = None) -> tuple[list[Consent], list[ExportEntry]]:
    """Withdraw consent (all purposes, everybody, unless narrowed), honoured at once. Returns the consents
    as they are now and, when nothing is allowed any more, every export made earlier, to recall."""
    on = on or date.today()
    taken = frozenset(purposes) if purposes is not None else frozenset(Purpose)
    updated = []
    for consent in consents(vault, recording):
        if person is None or consent.person.casefold() == person.strip().casefold():
            updated.append(vault.consents.put(replace(consent, withdrawn=consent.withdrawn
                                                      | (taken & consent.purposes), withdrawn_on=on)))
        else:
            updated.append(consent)
    vault.audit.append("withdrawal", {"recording": recording.id, "person": person,
                                      "purposes": sorted(p.value for p in taken), "on": on.isoformat()})
    nothing_left = all(refusal(updated, p, on, recording.source_name) for p in Purpose)
    return updated, (vault.exports.entries(recording.id) if nothing_left else [])
