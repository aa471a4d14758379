"""The consent register: who consented to what, for which recording (names and form references sealed)."""

from __future__ import annotations

from sqlalchemy import delete, select

from storage.database import Database
from storage.models import ConsentRow
from storage.sealing import FieldSealer, where
from vigtool.domain.consent import Consent, Purpose


def _purposes(text: str) -> frozenset[Purpose]:
    return frozenset(Purpose(p) for p in text.split(",") if p)


def _text(purposes: frozenset[Purpose]) -> str:
    return ",".join(sorted(p.value for p in purposes))


class ConsentStore:
    def __init__(self, db: Database, sealer: FieldSealer) -> None:
        self.db = db
        self._sealer = sealer

    def _seal(self, text: str, column: str, row: int) -> bytes:
        return self._sealer.seal(text, where("consents", column, row))

    def _open(self, sealed: bytes, column: str, row: int) -> str:
        return self._sealer.open(sealed, where("consents", column, row))

    def put(self, consent: Consent) -> Consent:
        """Store a consent (id 0: a new one; otherwise it replaces the stored one)."""
        with self.db.write() as s:
            if consent.id:
                s.execute(delete(ConsentRow).where(ConsentRow.id == consent.id))
                s.flush()
            row = ConsentRow(id=consent.id or None, recording_id=consent.recording_id, person=b"",
                             purposes=_text(consent.purposes), recorded_by=b"", given_on=consent.given_on,
                             form_reference=b"", expires_on=consent.expires_on, withdrawn=_text(consent.withdrawn),
                             withdrawn_on=consent.withdrawn_on)
            s.add(row)
            s.flush()  # sealed values are bound to the row's id; the row seal (storage.integrity) to the rest
            row.person = self._seal(consent.person, "person", row.id)
            row.recorded_by = self._seal(consent.recorded_by, "recorded_by", row.id)
            row.form_reference = self._seal(consent.form_reference, "form_reference", row.id)
            return self._consent(row)

    def _consent(self, r: ConsentRow) -> Consent:
        return Consent(r.id, r.recording_id, self._open(r.person, "person", r.id), _purposes(r.purposes),
                       self._open(r.recorded_by, "recorded_by", r.id), r.given_on,
                       self._open(r.form_reference, "form_reference", r.id),
                       r.expires_on, _purposes(r.withdrawn), r.withdrawn_on)

    def list(self, recording_id: int) -> list[Consent]:
        with self.db.read() as s:
            return [self._consent(r) for r in s.scalars(select(ConsentRow).where(ConsentRow.recording_id ==
                                                                                 recording_id).order_by(ConsentRow.id))]
