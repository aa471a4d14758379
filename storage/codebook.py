"""The vault's codebook (one sealed JSON document; the built-in VIG principles until it is edited)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import CodebookRow
from storage.store import SealedStore
from vigtool.domain.codebook import Codebook


class CodebookStore(SealedStore):
    def load(self) -> Codebook:
        """The vault's codebook; the built-in VIG principles until the practitioner edits them."""
        with self.db.read() as s:
            row = s.scalars(select(CodebookRow).order_by(CodebookRow.id)).first()
            if row is None:
                return Codebook.built_in()
            return Codebook.from_json(self._open(row.document, "codebooks", "document", row.id))

    def save(self, book: Codebook) -> None:
        with self.db.write() as s:
            row = s.scalars(select(CodebookRow).order_by(CodebookRow.id)).first()
            if row is None:
                self._insert(s, CodebookRow(), document=book.to_json())
            else:
                row.document = self._seal(book.to_json(), "codebooks", "document", row.id)
