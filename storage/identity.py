"""Who uses this vault, and whom footage may travel to.

Each vault has one identity, made when the vault is first opened: an X25519 key pair (packages are
encrypted to its public half) and an Ed25519 key pair (it signs packages and the audit trail). The private
halves are sealed with the vault's field key. The public halves travel as a small key file; its
fingerprint is short enough to read out over the phone and compare.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from storage.database import Database
from storage.models import ContactRow, IdentityRow
from storage.sealing import FieldSealer, where

KEY_FILE_FORMAT = "vigtool.identity"
KEY_FILE_VERSION = 1
_RAW = serialization.Encoding.Raw


class IdentityError(ValueError):
    """A key file that cannot be used; the message says why."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _raw_public(key: Any) -> bytes:
    return bytes(key.public_bytes(_RAW, serialization.PublicFormat.Raw))


def _raw_private(key: Any) -> bytes:
    return bytes(key.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()))


@dataclass(frozen=True)
class PublicIdentity:
    name: str
    x25519: bytes  # 32 bytes
    ed25519: bytes  # 32 bytes

    @property
    def fingerprint(self) -> str:
        """Twenty letters and digits in groups of four (read it out; it changes if either key changes)."""
        digest = hashlib.sha256(b"vigtool-identity-v1|" + self.ed25519 + self.x25519).digest()
        text = base64.b32encode(digest[:13]).decode()[:20]
        return "-".join(text[i:i + 4] for i in range(0, 20, 4))

    def to_file(self) -> str:
        return json.dumps({"format": KEY_FILE_FORMAT, "version": KEY_FILE_VERSION, "name": self.name,
                           "x25519": _b64(self.x25519), "ed25519": _b64(self.ed25519),
                           "fingerprint": self.fingerprint}, indent=1)

    @classmethod
    def from_file(cls, text: str, name: str) -> PublicIdentity:
        try:
            document = json.loads(text)
            if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
                raise IdentityError(f"{name}: is not a vigtool key file")
            if document.get("version") != KEY_FILE_VERSION:
                raise IdentityError(f"{name}: is a key file of version {document.get('version')}, which this "
                                    "vigtool cannot read")
            identity = cls(str(document["name"]), base64.b64decode(document["x25519"], validate=True),
                           base64.b64decode(document["ed25519"], validate=True))
        except (ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, IdentityError):
                raise
            raise IdentityError(f"{name}: is not a vigtool key file (or it is damaged)") from exc
        if len(identity.x25519) != 32 or len(identity.ed25519) != 32:
            raise IdentityError(f"{name}: holds keys of the wrong length (damaged?)")
        if document.get("fingerprint") not in (None, identity.fingerprint):
            raise IdentityError(f"{name}: its keys do not match its fingerprint (changed?)")
        return identity

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.ed25519).verify(signature, data)
        except InvalidSignature:
            return False
        return True


class Identity:
    """The private keys of this vault's user (never shown, never written unsealed)."""

    def __init__(self, name: str, x25519: X25519PrivateKey, ed25519: Ed25519PrivateKey, *,
                 named: bool = False) -> None:
        self._x25519, self._ed25519 = x25519, ed25519
        self.public = PublicIdentity(name, _raw_public(x25519.public_key()), _raw_public(ed25519.public_key()))
        self.named = named  # False until its user has given her name (the first one is the computer's login)

    def __repr__(self) -> str:
        return f"Identity({self.public.name!r}, {self.public.fingerprint})"

    @property
    def agreement_key(self) -> X25519PrivateKey:
        return self._x25519

    def sign(self, data: bytes) -> bytes:
        return self._ed25519.sign(data)


class IdentityStore:
    def __init__(self, db: Database, sealer: FieldSealer) -> None:
        self.db = db
        self._sealer = sealer

    def _seal(self, data: bytes, column: str, row: int) -> bytes:
        return self._sealer.seal(_b64(data), where("identity", column, row))

    def _open(self, sealed: bytes, column: str, row: int) -> bytes:
        return base64.b64decode(self._sealer.open(sealed, where("identity", column, row)))

    def load(self) -> Identity | None:
        with self.db.read() as s:
            row = s.scalars(select(IdentityRow).order_by(IdentityRow.id)).first()
            if row is None:
                return None
            return Identity(self._sealer.open(row.name, where("identity", "name", row.id)),
                            X25519PrivateKey.from_private_bytes(self._open(row.x25519_private, "x25519_private",
                                                                           row.id)),
                            Ed25519PrivateKey.from_private_bytes(self._open(row.ed25519_private, "ed25519_private",
                                                                            row.id)),
                            named=row.named)

    def create(self, name: str, *, named: bool = False) -> Identity:
        identity = Identity(name, X25519PrivateKey.generate(), Ed25519PrivateKey.generate(), named=named)
        with self.db.write() as s:
            row = IdentityRow(name=b"", x25519_private=b"", ed25519_private=b"",
                              x25519_public=_b64(identity.public.x25519), ed25519_public=_b64(identity.public.ed25519),
                              created_at=datetime.now(UTC).replace(tzinfo=None), named=named)
            s.add(row)
            s.flush()  # the sealed values are bound to the row's id
            row.name = self._sealer.seal(name, where("identity", "name", row.id))
            row.x25519_private = self._seal(_raw_private(identity.agreement_key), "x25519_private", row.id)
            row.ed25519_private = self._seal(_raw_private(identity._ed25519), "ed25519_private", row.id)
        return identity

    def rename(self, identity: Identity, name: str) -> None:
        """The name on this vault's key card (and its lanes), as its user gave it; the keys stay the same."""
        with self.db.write() as s:
            row = s.scalars(select(IdentityRow).order_by(IdentityRow.id)).first()
            if row is None:
                raise LookupError("this vault has no identity yet")
            row.name, row.named = self._sealer.seal(name, where("identity", "name", row.id)), True
        identity.public = PublicIdentity(name, identity.public.x25519, identity.public.ed25519)
        identity.named = True

    def add_contact(self, contact: PublicIdentity) -> bool:
        """Remember someone (False if they are already known by this fingerprint)."""
        with self.db.write() as s:
            known = s.scalars(select(ContactRow).where(ContactRow.fingerprint == contact.fingerprint)).first()
            if known is not None:
                return False
            row = ContactRow(name=b"", x25519_public=_b64(contact.x25519), ed25519_public=_b64(contact.ed25519),
                             fingerprint=contact.fingerprint, added_at=datetime.now(UTC).replace(tzinfo=None))
            s.add(row)
            s.flush()
            row.name = self._sealer.seal(contact.name, where("contacts", "name", row.id))
        return True

    def contacts(self) -> list[PublicIdentity]:
        with self.db.read() as s:
            return [PublicIdentity(self._sealer.open(r.name, where("contacts", "name", r.id)),
                                   base64.b64decode(r.x25519_public),
                                   base64.b64decode(r.ed25519_public))
                    for r in s.scalars(select(ContactRow).order_by(ContactRow.id))]
