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

    def __init__(self, db: Database, sealer: FieldSealer) -> None:  # noqa: PLR0915 - for one commit
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
        # The names from before the split, for one commit: the next renames every call site and removes them.
        self.create_case = self.cases.create
        self.list_cases = self.cases.list
        self.find_case = self.cases.find
        self.get_case = self.cases.get
        self.add_recording = self.recordings.add
        self.delete_recording = self.recordings.delete
        self.list_recordings = self.recordings.list
        self.get_recording = self.recordings.get
        self.find_recording_by_fingerprint = self.recordings.find_by_fingerprint
        self.wrapped_key = self.recordings.wrapped_key
        self.media_ids = self.recordings.media_ids
        self.frame_index = self.recordings.frame_index
        self.source_path = self.recordings.source_path
        self.media_metadata = self.recordings.media_metadata
        self.list_tracks = self.tracks.list
        self.add_track = self.tracks.add
        self.update_tracks = self.tracks.update
        self.delete_track = self.tracks.delete
        self.add_annotation = self.annotations.add
        self.add_annotations = self.annotations.add_all
        self.update_annotations = self.annotations.update
        self.delete_annotations = self.annotations.delete
        self.restore = self.annotations.restore
        self.add_turn = self.annotations.add_turn
        self.list_annotations = self.annotations.list
        self.load_codebook = self.codebook.load
        self.save_codebook = self.codebook.save
        self.add_turn_chain = self.chains.add
        self.save_turn_chain = self.chains.save
        self.delete_turn_chain = self.chains.delete
        self.list_turn_chains = self.chains.list
        self.add_clip = self.clips.add
        self.list_clips = self.clips.list
        self.get_clip = self.clips.get
        self.update_clip = self.clips.update
        self.delete_clip = self.clips.delete
        self.add_still = self.stills.add
        self.list_stills = self.stills.list
        self.get_still = self.stills.get
        self.update_still = self.stills.update
        self.delete_still = self.stills.delete
        self.add_review_session = self.reviews.add
        self.save_review_session = self.reviews.save
        self.delete_review_session = self.reviews.delete
        self.get_review_session = self.reviews.get
        self.list_review_sessions = self.reviews.list

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

