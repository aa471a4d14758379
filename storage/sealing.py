"""How personal text (labels, notes, captions, prompts) is stored: sealed bytes, never a TEXT column.

Every personal or clinical text goes through a `FieldSealer` on its way into and out of the database.
Each sealed value starts with one byte naming its scheme, so a vault can tell what it holds; vigtool
seals with AES-256-GCM under a key derived from the vault's master key (docs/security.md says why this
and not SQLCipher). Scheme 0x00 was the plain UTF-8 of development builds before encryption.
"""

from __future__ import annotations

import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SealingError(ValueError):
    """A stored value that this sealer cannot open (another scheme, or damaged)."""


class FieldSealer(Protocol):
    def seal(self, text: str, context: bytes) -> bytes:
        """Seal `text`; `context` binds it to where it is stored (table, column, row)."""
        ...

    def open(self, sealed: bytes, context: bytes) -> str:
        ...


AEAD_SCHEME = 0x01
_NONCE = 12


class AeadSealer:
    """AES-256-GCM per value: scheme byte + random 96-bit nonce + ciphertext and tag.

    The associated data is the scheme byte plus where the value lives (table and column), so a value
    copied into another column does not open. The key is derived from the vault's master key.
    """

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "AeadSealer(<key hidden>)"

    def seal(self, text: str, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        header = bytes([AEAD_SCHEME])
        return header + nonce + self._aead.encrypt(nonce, text.encode("utf-8"), header + context)

    def open(self, sealed: bytes, context: bytes) -> str:
        if not sealed or sealed[0] != AEAD_SCHEME:
            raise SealingError("this value is not sealed with this vault's key (another scheme)")
        try:
            plain = self._aead.decrypt(sealed[1:1 + _NONCE], sealed[1 + _NONCE:], sealed[:1] + context)
        except (InvalidTag, ValueError) as exc:
            raise SealingError(f"a stored {context.decode()} value is damaged or was moved") from exc
        return plain.decode("utf-8")
