"""The audit trail: an append-only record of what was done with the footage, for a data-protection officer.

Each entry (number, time, kind, sealed detail) is hashed together with the previous entry's hash and the
hash is signed with the vault identity's Ed25519 key; a separate head row holds the last number and hash,
signed too. `verify()` recomputes the chain: an entry edited, moved, removed or added outside vigtool, or
entries cut off the end, all show, and nobody without the passphrase can sign a replacement.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from storage.database import Database
from storage.identity import Identity
from storage.models import AuditHeadRow, AuditRow
from storage.sealing import FieldSealer, SealingError, where

GENESIS = "0" * 64
TAMPERED = "tampered"  # written by vigtool itself when it finds the end of the trail changed


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str  # ISO 8601, UTC
    kind: str  # "unlock", "import", "export", "delete", "passphrase", "contact", ...
    detail: dict[str, Any]


def _entry_hash(seq: int, at: str, kind: str, detail: str, prev: str) -> str:
    body = json.dumps({"seq": seq, "at": at, "kind": kind, "detail": detail, "prev": prev}, sort_keys=True)
    return hashlib.sha256(b"vigtool-audit-v1|" + body.encode()).hexdigest()


def _head_message(seq: int, digest: str) -> bytes:
    return f"vigtool-audit-head-v1|{seq}|{digest}".encode()


class AuditLog:
    def __init__(self, db: Database, sealer: FieldSealer, identity: Identity) -> None:
        self.db = db
        self._sealer = sealer
        self._identity = identity

    def append(self, kind: str, detail: dict[str, Any] | None = None) -> AuditEntry:
        """Add an entry. If the end of the trail is not as vigtool left it, a TAMPERED entry saying so goes
        first: re-signing the head must never hide entries cut off the end."""
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.db.write() as s:  # one writer at a time: the chain cannot fork
            head = s.get(AuditHeadRow, 1)
            last = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
            found = (last.seq, last.hash) if last is not None else (0, GENESIS)
            changed = head is not None and ((head.seq, head.hash) != found or not _signed(
                self._identity, head.signature, _head_message(head.seq, head.hash)))
            if changed or (head is None and last is not None):
                said = head.seq if head is not None else None
                found = self._add(s, TAMPERED, {"last_entry": found[0], "head_said": said}, at, found,
                                  max(found[0], said or 0) + 1)
            seq = found[0] + 1
            self._add(s, kind, detail or {}, at, found, seq)
        return AuditEntry(seq, at, kind, detail or {})

    def _add(self, s: Any, kind: str, detail: dict[str, Any], at: str, after: tuple[int, str],
             seq: int) -> tuple[int, str]:
        """Write entry `seq` after `after` (its number and hash) and move the head to it; its (seq, hash)."""
        text = json.dumps(detail, sort_keys=True)
        digest = _entry_hash(seq, at, kind, text, after[1])
        sealed = self._sealer.seal(text, where("audit_log", "detail", seq))
        s.add(AuditRow(seq=seq, created_at=at, kind=kind, detail=sealed,
                       prev_hash=after[1], hash=digest, signature=self._identity.sign(bytes.fromhex(digest)).hex()))
        s.flush()
        s.execute(delete(AuditHeadRow))
        s.add(AuditHeadRow(id=1, seq=seq, hash=digest, signature=self._identity.sign(_head_message(seq, digest)).hex()))
        s.flush()
        return seq, digest

    def entries(self) -> list[AuditEntry]:
        with self.db.read() as s:
            return [AuditEntry(r.seq, r.created_at, r.kind,
                               json.loads(self._sealer.open(r.detail, where("audit_log", "detail", r.seq))))
                    for r in s.scalars(select(AuditRow).order_by(AuditRow.seq))]

    def verify(self) -> list[str]:
        """Every way the trail differs from what vigtool wrote (empty: it is whole and unchanged)."""
        public = self._identity.public
        problems: list[str] = []
        with self.db.read() as s:
            rows = list(s.scalars(select(AuditRow).order_by(AuditRow.seq)))
            head = s.get(AuditHeadRow, 1)
            prev, expected = GENESIS, 1
            for row in rows:
                if row.kind == TAMPERED:
                    problems.append(f"entry {row.seq}: vigtool found the trail changed before it (its end was "
                                    "not as vigtool had left it)")
                if row.seq != expected:
                    problems.append(f"entry {expected} is missing (the next one is {row.seq})")
                try:
                    text = self._sealer.open(row.detail, where("audit_log", "detail", row.seq))
                except SealingError:
                    problems.append(f"entry {row.seq}: its detail was changed (it does not open)")
                    text = ""
                digest = _entry_hash(row.seq, row.created_at, row.kind, text, row.prev_hash)
                if row.prev_hash != prev:
                    problems.append(f"entry {row.seq}: does not follow the entry before it (moved, or one removed)")
                if digest != row.hash:
                    problems.append(f"entry {row.seq}: was changed after it was written")
                if not public.verify(bytes.fromhex(row.signature) if _is_hex(row.signature) else b"",
                                     bytes.fromhex(row.hash) if _is_hex(row.hash) else b""):
                    problems.append(f"entry {row.seq}: its signature is not this vault's")
                prev, expected = row.hash, row.seq + 1
            if head is None:
                if rows:
                    problems.append("the record of the last entry is missing")
            elif (head.seq, head.hash) != ((rows[-1].seq, rows[-1].hash) if rows else (0, GENESIS)):
                problems.append(f"entries after {rows[-1].seq if rows else 0} were removed (the trail ran to "
                                f"entry {head.seq})")
            elif not _is_hex(head.signature) or not public.verify(bytes.fromhex(head.signature),
                                                                  _head_message(head.seq, head.hash)):
                problems.append("the record of the last entry is not signed by this vault")
        return problems


def _signed(identity: Identity, signature: str, message: bytes) -> bool:
    return _is_hex(signature) and identity.public.verify(bytes.fromhex(signature), message)


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True
