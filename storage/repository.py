"""The repository: the one way the core reads and writes a vault's database.

It speaks domain values (vigtool.domain.model) and never hands out ORM rows, so nothing above storage
sees SQL. It is made of one store per aggregate, sharing one Database (whose `write()` is the unit of work:
one transaction at a time) and the vault's FieldSealer, through which every personal text passes, bound
to its table, column and row: `repo.cases`, `repo.recordings`, `repo.tracks`, `repo.annotations`,
`repo.chains`, `repo.clips`, `repo.stills`, `repo.reviews`, `repo.codebook` and `repo.suggestions`.
"""

from __future__ import annotations

from sqlalchemy import LargeBinary, Table, select

from storage.annotations import AnnotationStore, ChainStore, TrackStore
from storage.cases import CaseStore
from storage.clips import ClipStore, StillStore
from storage.codebook import CodebookStore
from storage.database import Database
from storage.models import Base
from storage.recordings import DuplicateRecordingError, RecordingStore, StoredFilm
from storage.reviews import ReviewStore
from storage.sealing import NOT_SEALED, FieldSealer, SealingError, where
from storage.store import NotFoundError
from storage.suggestions import SuggestionStore

__all__ = ["DuplicateRecordingError", "NotFoundError", "Repository", "StoredFilm"]


class Repository:
    """Reads and writes one vault's database. Thread-safe: writes are serialised by the Database."""

    def __init__(self, db: Database, sealer: FieldSealer) -> None:
        self.db = db
        self._sealer = sealer
        self.cases = CaseStore(db, sealer)
        self.recordings = RecordingStore(db, sealer)  # with each film's frame index and wrapped key
        self.tracks = TrackStore(db, sealer)
        self.annotations = AnnotationStore(db, sealer)  # and the chain writes that go with them
        self.chains = ChainStore(db, sealer)
        self.clips = ClipStore(db, sealer)
        self.stills = StillStore(db, sealer)
        self.reviews = ReviewStore(db, sealer)
        self.codebook = CodebookStore(db, sealer)
        self.suggestions = SuggestionStore(db, sealer)

    @property
    def sealer(self) -> FieldSealer:
        return self._sealer

    def sealed_value_problems(self) -> list[str]:
        """Every sealed value that does not open (damaged, moved, or sealed by another vault)."""
        problems = []
        with self.db.read() as s:
            for mapper in Base.registry.mappers:
                table = mapper.local_table
                assert isinstance(table, Table)
                columns = [c for c in table.columns
                           if isinstance(c.type, LargeBinary) and c.name not in NOT_SEALED]
                if not columns:
                    continue
                keys = list(table.primary_key.columns)
                for row in s.execute(select(*keys, *columns)):
                    ident = "/".join(str(v) for v in row[:len(keys)])
                    for column, value in zip(columns, row[len(keys):], strict=True):
                        if value is None:
                            continue
                        try:
                            self._sealer.open(value, where(table.name, column.name, ident))
                        except (SealingError, UnicodeDecodeError):
                            problems.append(f"the {column.name} of {table.name} row {ident} does not open "
                                            "(damaged or changed)")
        return problems

