"""How personal text (labels, notes, captions, prompts) is stored: sealed bytes, never a TEXT column.

Every personal or clinical text goes through a `FieldSealer` on its way into and out of the database, so
encryption at rest slots in by swapping the sealer, with no change of schema. Each sealed value starts
with one byte naming its scheme, so a vault can tell what it holds.
"""

from __future__ import annotations

from typing import Protocol

PLAIN_SCHEME = 0x00


class SealingError(ValueError):
    """A stored value that this sealer cannot open (another scheme, or damaged)."""


class FieldSealer(Protocol):
    def seal(self, text: str, context: bytes) -> bytes:
        """Seal `text`; `context` binds it to where it is stored (table, column, row)."""
        ...

    def open(self, sealed: bytes, context: bytes) -> str:
        ...


class PlainSealer:
    """The scheme of an unencrypted vault (before the encrypted vault is set up): UTF-8 with a marker."""

    def seal(self, text: str, context: bytes) -> bytes:  # noqa: ARG002 - plain text has no binding
        return bytes([PLAIN_SCHEME]) + text.encode("utf-8")

    def open(self, sealed: bytes, context: bytes) -> str:  # noqa: ARG002
        if not sealed or sealed[0] != PLAIN_SCHEME:
            raise SealingError("this value is sealed with a scheme this vault cannot open")
        return sealed[1:].decode("utf-8")
