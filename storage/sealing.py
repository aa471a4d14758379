"""How personal text (labels, notes, captions, prompts) is stored: sealed bytes, never a TEXT column.

Every personal or clinical text goes through a `FieldSealer` on its way into and out of the database.
Each sealed value starts with one byte naming its scheme, so a vault can tell what it holds; vigtool
seals with AES-256-GCM under a key derived from the vault's master key (docs/security.md says why this
and not SQLCipher). Scheme 0x00 was the plain UTF-8 of development builds before encryption; 0x01
(before revision 0010) bound a value to its table and column only, so two rows' notes could be swapped
unnoticed; 0x02 binds it to its row too (`where`), and is the only one opened now.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from storage.integrity import TableShape


class SealingError(ValueError):
    """A stored value that this sealer cannot open (another scheme, or damaged)."""


class FieldSealer(Protocol):
    def seal(self, text: str, context: bytes) -> bytes:
        """Seal `text`; `context` binds it to where it is stored (table, column, row)."""
        ...

    def open(self, sealed: bytes, context: bytes) -> str:
        ...


LEGACY_SCHEME = 0x01  # bound to table and column (revision 0010 re-seals these)
AEAD_SCHEME = 0x02
_NONCE = 12
# Binary columns that hold numbers, wrapped keys or seals, not sealed text.
NOT_SEALED = frozenset({"frame_pts", "keyframes", "wrapped_key", "seal"})


def where(table: str, column: str, row: object) -> bytes:
    """The associated data of a value: its table, column and row (the row's key, '/'-joined if several)."""
    return f"{table}.{column}#{row}".encode()


class AeadSealer:
    """AES-256-GCM per value: scheme byte + random 96-bit nonce + ciphertext and tag.

    The associated data is the scheme byte plus where the value lives (`where`: table, column and row), so
    a value copied into another column or another row does not open. The key is derived from the vault's
    master key.
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
            raise SealingError(f"the {_described(context)} is damaged or was moved from elsewhere") from exc
        return plain.decode("utf-8")


def _described(context: bytes) -> str:
    place, _, row = context.decode("utf-8", "replace").partition("#")
    table, _, column = place.partition(".")
    return f"{column} of {table} row {row}" if row else f"{column} of {table}"


def reseal_rows(connection: Connection, field_key: bytes, shapes: Sequence[TableShape]) -> int:
    """Revision 0010: seal again, bound to its row, every value sealed before (bound to table and column).
    A value that does not open is left as it is, for `verify` to report. Returns how many were re-sealed."""
    legacy, sealer, count = AESGCM(field_key), AeadSealer(field_key), 0
    for shape in shapes:
        rows = connection.exec_driver_sql(shape.select()).fetchall()
        for values in rows:
            row = dict(zip(shape.columns, values, strict=True))
            key = "/".join(str(row[k]) for k in shape.key)
            for column, value in row.items():
                if column in NOT_SEALED or not isinstance(value, bytes) or value[:1] != bytes([LEGACY_SCHEME]):
                    continue
                try:
                    plain = legacy.decrypt(value[1:1 + _NONCE], value[1 + _NONCE:],
                                           value[:1] + f"{shape.name}.{column}".encode()).decode("utf-8")
                except (InvalidTag, ValueError):
                    continue
                fresh = sealer.seal(plain, where(shape.name, column, key))
                condition = " AND ".join(f'"{k}" = ?' for k in shape.key)
                connection.exec_driver_sql(f'UPDATE "{shape.name}" SET "{column}" = ? WHERE {condition}',  # noqa: S608
                                           (fresh, *(row[k] for k in shape.key)))
                count += 1
    return count
