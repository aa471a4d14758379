"""The repository: the one way the core reads and writes a vault's database.

It speaks domain values (vigtool.domain.model) and never hands out ORM rows, so nothing above storage
sees SQL. Every personal text passes through the vault's FieldSealer, bound to its table, column and row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

import numpy as np
from sqlalchemy import LargeBinary, Table, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.database import Database
from storage.models import (
    AnnotationRow,
    Base,
    CaseRow,
    ClipRow,
    CodebookRow,
    RecordingRow,
    ReviewItemRow,
    ReviewSessionRow,
    StillRow,
    TrackRow,
    TurnChainRow,
    TurnLinkRow,
)
from storage.sealing import NOT_SEALED, FieldSealer, SealingError, where
from storage.suggestions import SuggestionStore
from vigtool.domain.codebook import Codebook
from vigtool.domain.model import (
    DEFAULT_TRACKS,
    Actor,
    Annotation,
    Case,
    Clip,
    Recording,
    ReviewItem,
    ReviewItemKind,
    ReviewSession,
    Still,
    Track,
    TrackKind,
    TurnChain,
    TurnLink,
    TurnRole,
)
from vigtool.domain.time import FrameRange
from vigtool.domain.turns import without
from vigtool.media.probe import FrameIndex, ProbeResult


class NotFoundError(LookupError):
    """What was asked for is not in this vault."""


class DuplicateRecordingError(ValueError):
    """The same film (by its keyed fingerprint) is already in the vault."""


@dataclass(frozen=True)
class StoredFilm:
    """How a recording's sealed film is found and opened: written to media/ before the row is added."""

    media_id: str
    wrapped_key: bytes
    sha256: str
    fingerprint: str


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Repository:
    """Reads and writes one vault's database. Thread-safe: writes are serialised by the Database."""

    def __init__(self, db: Database, sealer: FieldSealer) -> None:
        self.db = db
        self._sealer = sealer
        self.suggestions = SuggestionStore(db, sealer)

    # -- sealing -------------------------------------------------------------------------------
    @property
    def sealer(self) -> FieldSealer:
        return self._sealer

    def _seal(self, text: str, table: str, column: str, row: object) -> bytes:
        return self._sealer.seal(text, where(table, column, row))

    def _open(self, sealed: bytes, table: str, column: str, row: object) -> str:
        return self._sealer.open(sealed, where(table, column, row))

    def _insert(self, s: Session, row: Base, **texts: str) -> None:
        """Add a new row whose `texts` are sealed bound to it: it is written first, for its id."""
        for column in texts:
            setattr(row, column, b"")
        s.add(row)
        s.flush()
        table = row.__table__.name  # type: ignore[attr-defined]
        for column, text in texts.items():
            setattr(row, column, self._seal(text, table, column, row.id))  # type: ignore[attr-defined]

    # -- cases -----------------------------------------------------------------------------------
    def _case(self, row: CaseRow) -> Case:
        return Case(row.id, self._open(row.label, "cases", "label", row.id),
                    self._open(row.helping_question, "cases", "helping_question", row.id), row.created_at)

    def create_case(self, label: str, helping_question: str = "") -> Case:
        label = label.strip()
        if not label:
            raise ValueError("a case needs a label (a pseudonym such as 'Family A')")
        with self.db.write() as s:
            row = CaseRow(created_at=_now())
            self._insert(s, row, label=label, helping_question=helping_question)
            return self._case(row)

    def list_cases(self) -> list[Case]:
        with self.db.read() as s:
            return [self._case(r) for r in s.scalars(select(CaseRow).order_by(CaseRow.id))]

    def find_case(self, label: str) -> Case | None:
        """The case with this label. Labels are sealed, so this compares after opening them."""
        wanted = label.strip().casefold()
        return next((c for c in self.list_cases() if c.label.casefold() == wanted), None)

    def get_case(self, case_id: int) -> Case:
        with self.db.read() as s:
            row = s.get(CaseRow, case_id)
            if row is None:
                raise NotFoundError(f"there is no case {case_id}")
            return self._case(row)

    # -- recordings ------------------------------------------------------------------------------
    def _recording(self, row: RecordingRow) -> Recording:
        return Recording(
            id=row.id, case_id=row.case_id,
            sha256=self._open(row.sha256, "recordings", "sha256", row.id) if row.sha256 is not None else "",
            source_name=self._open(row.source_name, "recordings", "source_name", row.id),
            container=row.container, video_codec=row.video_codec, audio_codec=row.audio_codec,
            rate=Fraction(row.rate_num, row.rate_den), frame_count=row.frame_count,
            width=row.width, height=row.height, rotation=row.rotation,
            duration=Fraction(row.duration_num, row.duration_den),
            variable_frame_rate=row.variable_frame_rate, imported_at=row.imported_at, media_id=row.media_id,
        )

    def add_recording(self, case_id: int, probe: ProbeResult, film: StoredFilm, source_name: str,
                      source_path: str, tracks: Iterable[tuple[str, TrackKind]] = DEFAULT_TRACKS) -> Recording:
        """Store a probed recording (whose sealed film is already in place) with its default tracks."""
        try:
            return self._add_recording(case_id, probe, film, source_name, source_path, tracks)
        except IntegrityError as exc:
            if "fingerprint" in str(exc.orig):
                raise DuplicateRecordingError("this film is already in the vault") from exc
            raise

    def _add_recording(self, case_id: int, probe: ProbeResult, film: StoredFilm, source_name: str,
                       source_path: str, tracks: Iterable[tuple[str, TrackKind]]) -> Recording:
        with self.db.write() as s:
            row = RecordingRow(
                case_id=case_id, fingerprint=film.fingerprint, media_id=film.media_id, wrapped_key=film.wrapped_key,
                container=probe.container, video_codec=probe.video_codec, audio_codec=probe.audio_codec,
                rate_num=probe.rate.numerator, rate_den=probe.rate.denominator,
                frame_count=probe.frame_count, width=probe.width, height=probe.height,
                rotation=probe.rotation, duration_num=probe.duration.numerator,
                duration_den=probe.duration.denominator, variable_frame_rate=probe.variable_frame_rate,
                time_base_num=probe.index.time_base.numerator, time_base_den=probe.index.time_base.denominator,
                frame_pts=probe.index.pts.astype("<i8").tobytes(),
                keyframes=probe.index.keyframes.astype("<i8").tobytes(),
                imported_at=_now(),
            )
            self._insert(s, row, sha256=film.sha256, source_name=source_name, source_path=source_path,
                         media_metadata=json.dumps(probe.metadata))
            for position, (name, kind) in enumerate(tracks):
                self._insert(s, TrackRow(recording_id=row.id, kind=kind.value, position=position, visible=True),
                             name=name)
            return self._recording(row)

    def delete_recording(self, recording_id: int) -> str:
        """Delete a recording's row, its wrapped key and everything annotated on it; returns its media id.

        SQLite's secure_delete overwrites the freed bytes, and the WAL is checkpointed and truncated, so
        the wrapped key does not linger in the database files.
        """
        with self.db.write() as s:
            row = self._recording_row(s, recording_id)
            media_id = row.media_id
            # Review items refer to clips and stills by id (either kind), so they go explicitly.
            for kind, table in ((ReviewItemKind.CLIP, ClipRow), (ReviewItemKind.STILL, StillRow)):
                ids = select(table.id).where(table.recording_id == recording_id)
                s.execute(delete(ReviewItemRow).where(ReviewItemRow.kind == kind.value, ReviewItemRow.ref_id.in_(ids)))
            s.delete(row)
        self.db.checkpoint()
        return media_id

    def list_recordings(self, case_id: int | None = None) -> list[Recording]:
        with self.db.read() as s:
            query = select(RecordingRow).order_by(RecordingRow.id)
            if case_id is not None:
                query = query.where(RecordingRow.case_id == case_id)
            return [self._recording(r) for r in s.scalars(query)]

    def _recording_row(self, s: Session, recording_id: int) -> RecordingRow:
        row = s.get(RecordingRow, recording_id)
        if row is None:
            raise NotFoundError(f"there is no recording {recording_id}")
        return row

    def get_recording(self, recording_id: int) -> Recording:
        with self.db.read() as s:
            return self._recording(self._recording_row(s, recording_id))

    def find_recording_by_fingerprint(self, fingerprint: str) -> Recording | None:
        with self.db.read() as s:
            row = s.scalars(select(RecordingRow).where(RecordingRow.fingerprint == fingerprint)).first()
            return self._recording(row) if row else None

    def wrapped_key(self, recording_id: int) -> bytes | None:
        with self.db.read() as s:
            return self._recording_row(s, recording_id).wrapped_key

    def media_ids(self) -> set[str]:
        with self.db.read() as s:
            return set(s.scalars(select(RecordingRow.media_id)))

    def frame_index(self, recording_id: int) -> FrameIndex:
        with self.db.read() as s:
            row = self._recording_row(s, recording_id)
            return FrameIndex(np.frombuffer(row.frame_pts, dtype="<i8").astype(np.int64),
                              np.frombuffer(row.keyframes, dtype="<i8").astype(np.int64),
                              Fraction(row.time_base_num, row.time_base_den))

    def source_path(self, recording_id: int) -> str:
        with self.db.read() as s:
            return self._open(self._recording_row(s, recording_id).source_path, "recordings", "source_path",
                              recording_id)

    def media_metadata(self, recording_id: int) -> dict[str, str]:
        with self.db.read() as s:
            row = self._recording_row(s, recording_id)
            loaded: dict[str, str] = json.loads(self._open(row.media_metadata, "recordings", "media_metadata", row.id))
            return loaded

    # -- tracks and annotations ----------------------------------------------------------------
    def _track(self, row: TrackRow) -> Track:
        return Track(row.id, row.recording_id, self._open(row.name, "tracks", "name", row.id), TrackKind(row.kind),
                     row.position, row.visible, row.owner)

    def list_tracks(self, recording_id: int) -> list[Track]:
        with self.db.read() as s:
            rows = s.scalars(select(TrackRow).where(TrackRow.recording_id == recording_id)
                             .order_by(TrackRow.position, TrackRow.id))
            return [self._track(r) for r in rows]

    def add_track(self, recording_id: int, name: str, kind: TrackKind, *, track_id: int | None = None,
                  position: int | None = None, owner: str | None = None) -> Track:
        """A new track, last unless `position` is given; `track_id` restores one (redo of an undone add);
        `owner` makes it someone else's (read-only) lane."""
        with self.db.write() as s:
            self._recording_row(s, recording_id)
            if position is None:
                position = len(s.scalars(select(TrackRow.id).where(TrackRow.recording_id == recording_id)).all())
            row = TrackRow(id=track_id, recording_id=recording_id, kind=kind.value, position=position, visible=True,
                           owner=owner)
            self._insert(s, row, name=name)
            return self._track(row)

    def update_tracks(self, tracks: Iterable[Track]) -> None:
        """Store the names, positions and visibility of tracks, in one transaction."""
        with self.db.write() as s:
            for track in tracks:
                row = s.get(TrackRow, track.id)
                if row is None:
                    raise NotFoundError(f"there is no track {track.id}")
                row.name = self._seal(track.name, "tracks", "name", row.id)
                row.position, row.visible = track.position, track.visible

    def delete_track(self, track_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(TrackRow).where(TrackRow.id == track_id))

    def _annotation(self, row: AnnotationRow) -> Annotation:
        return Annotation(row.id, row.track_id, FrameRange(row.start_frame, row.end_frame), row.code_id,
                          Actor(row.actor) if row.actor else None, self._open(row.note, "annotations", "note", row.id))

    def add_annotation(self, track_id: int, frames: FrameRange, code_id: str | None = None,
                       actor: Actor | None = None, note: str = "") -> Annotation:
        return self.add_annotations([Annotation(0, track_id, frames, code_id, actor, note)])[0]

    def add_annotations(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        """Store annotations in one transaction; an id other than 0 is kept (redo of an undone delete)."""
        with self.db.write() as s:
            wanted = list(annotations)
            rows = [self._annotation_row(s, a) for a in wanted]
            s.add_all(rows)
            s.flush()
            for row, a in zip(rows, wanted, strict=True):
                row.note = self._seal(a.note, "annotations", "note", row.id)
            return [self._annotation(r) for r in rows]

    def _check_range(self, s: Session, recording_id: int, frames: FrameRange) -> None:
        if frames.end > self._recording_row(s, recording_id).frame_count:
            raise ValueError(f"frames {frames.start}–{frames.end} run past the end of the recording")

    def update_annotation(self, annotation: Annotation) -> Annotation:
        return self.update_annotations([annotation])[0]

    def update_annotations(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        """Store new values of existing annotations (a drag of several is one transaction)."""
        with self.db.write() as s:
            rows = []
            for annotation in annotations:
                row = s.get(AnnotationRow, annotation.id)
                if row is None:
                    raise NotFoundError(f"there is no annotation {annotation.id}")
                track = s.get(TrackRow, annotation.track_id)
                if track is None:
                    raise NotFoundError(f"there is no track {annotation.track_id}")
                self._check_range(s, track.recording_id, annotation.range)
                row.track_id, row.start_frame, row.end_frame = annotation.track_id, annotation.start, annotation.end
                row.code_id = annotation.code_id
                row.actor = annotation.actor.value if annotation.actor else None
                row.note = self._seal(annotation.note, "annotations", "note", row.id)
                rows.append(row)
            return [self._annotation(r) for r in rows]

    def delete_annotation(self, annotation_id: int) -> None:
        self.delete_annotations([annotation_id])

    def delete_annotations(self, annotation_ids: Iterable[int]) -> list[TurnChain]:
        """Delete annotations and take them out of their turn-taking chains, in one transaction.

        Returns the chains as they are afterwards (a chain left empty is deleted and not returned).
        """
        ids = set(annotation_ids)
        with self.db.write() as s:
            chain_ids = set(s.scalars(select(TurnLinkRow.chain_id).where(TurnLinkRow.annotation_id.in_(ids))))
            chains = [self._chain(s, s.get_one(TurnChainRow, c)) for c in sorted(chain_ids)]
            s.execute(delete(AnnotationRow).where(AnnotationRow.id.in_(ids)))
            after = []
            for chain in chains:
                shorter = without(chain, ids)
                if shorter is None:
                    s.execute(delete(TurnChainRow).where(TurnChainRow.id == chain.id))
                else:
                    self._write_links(s, shorter)
                    after.append(shorter)
            return after

    def restore(self, annotations: Iterable[Annotation], chains: Iterable[TurnChain]) -> None:
        """Put back deleted annotations (same ids) and their chains as they were, in one transaction."""
        with self.db.write() as s:
            restored = [(self._annotation_row(s, a), a.note) for a in annotations]
            s.add_all(row for row, _ in restored)
            s.flush()
            for row, note in restored:
                row.note = self._seal(note, "annotations", "note", row.id)
            for chain in chains:
                if s.get(TurnChainRow, chain.id) is None:
                    s.add(TurnChainRow(id=chain.id, recording_id=chain.recording_id))
                    s.flush()
                self._write_links(s, chain)

    def add_turn(self, annotation: Annotation, chain: TurnChain) -> tuple[Annotation, TurnChain]:
        """A turn mark and its chain in one transaction. `chain` lists the new mark last with id 0; a chain
        id of 0 makes a new chain. Ids other than 0 are kept (redo)."""
        with self.db.write() as s:
            row = self._annotation_row(s, annotation)
            s.add(row)
            chain_row = s.get(TurnChainRow, chain.id) if chain.id else None
            if chain_row is None:
                chain_row = TurnChainRow(id=chain.id or None, recording_id=chain.recording_id)
                s.add(chain_row)
            s.flush()
            row.note = self._seal(annotation.note, "annotations", "note", row.id)
            last = chain.links[-1]
            links = (*chain.links[:-1], TurnLink(row.id, last.role))
            stored = TurnChain(chain_row.id, chain.recording_id, links)
            self._write_links(s, stored)
            return self._annotation(row), stored

    def _annotation_row(self, s: Session, a: Annotation) -> AnnotationRow:
        track = s.get(TrackRow, a.track_id)
        if track is None:
            raise NotFoundError(f"there is no track {a.track_id}")
        self._check_range(s, track.recording_id, a.range)
        return AnnotationRow(id=a.id or None, track_id=a.track_id, start_frame=a.start, end_frame=a.end,
                             code_id=a.code_id, actor=a.actor.value if a.actor else None,
                             note=b"")  # sealed once the row has its id

    def _write_links(self, s: Session, chain: TurnChain) -> None:
        s.execute(delete(TurnLinkRow).where(TurnLinkRow.chain_id == chain.id))
        s.flush()
        for position, link in enumerate(chain.links):
            s.add(TurnLinkRow(chain_id=chain.id, position=position, annotation_id=link.annotation_id,
                              role=link.role.value))

    def _chain(self, s: Session, row: TurnChainRow) -> TurnChain:
        links = s.scalars(select(TurnLinkRow).where(TurnLinkRow.chain_id == row.id).order_by(TurnLinkRow.position))
        return TurnChain(row.id, row.recording_id, tuple(TurnLink(li.annotation_id, TurnRole(li.role)) for li in links))

    def list_annotations(self, recording_id: int) -> list[Annotation]:
        with self.db.read() as s:
            rows = s.scalars(select(AnnotationRow).join(TrackRow)
                             .where(TrackRow.recording_id == recording_id)
                             .order_by(AnnotationRow.track_id, AnnotationRow.start_frame, AnnotationRow.id))
            return [self._annotation(r) for r in rows]

    # -- codebook --------------------------------------------------------------------------------
    def load_codebook(self) -> Codebook:
        """The vault's codebook; the built-in VIG principles until the practitioner edits them."""
        with self.db.read() as s:
            row = s.scalars(select(CodebookRow).order_by(CodebookRow.id)).first()
            if row is None:
                return Codebook.built_in()
            return Codebook.from_json(self._open(row.document, "codebooks", "document", row.id))

    def save_codebook(self, book: Codebook) -> None:
        with self.db.write() as s:
            row = s.scalars(select(CodebookRow).order_by(CodebookRow.id)).first()
            if row is None:
                self._insert(s, CodebookRow(), document=book.to_json())
            else:
                row.document = self._seal(book.to_json(), "codebooks", "document", row.id)

    # -- turn-taking chains ---------------------------------------------------------------------
    def add_turn_chain(self, recording_id: int, links: Iterable[TurnLink], *, chain_id: int | None = None) -> TurnChain:
        links = tuple(links)
        TurnChain(0, recording_id, links)  # validate before writing
        with self.db.write() as s:
            self._recording_row(s, recording_id)
            row = TurnChainRow(id=chain_id, recording_id=recording_id)
            s.add(row)
            s.flush()
            for position, link in enumerate(links):
                s.add(TurnLinkRow(chain_id=row.id, position=position, annotation_id=link.annotation_id,
                                  role=link.role.value))
            return TurnChain(row.id, recording_id, links)

    def save_turn_chain(self, chain: TurnChain) -> None:
        """Store a chain's links (after one was added or removed)."""
        with self.db.write() as s:
            if s.get(TurnChainRow, chain.id) is None:
                raise NotFoundError(f"there is no turn-taking chain {chain.id}")
            self._write_links(s, chain)

    def delete_turn_chain(self, chain_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(TurnChainRow).where(TurnChainRow.id == chain_id))

    def list_turn_chains(self, recording_id: int) -> list[TurnChain]:
        with self.db.read() as s:
            chains = s.scalars(select(TurnChainRow).where(TurnChainRow.recording_id == recording_id)
                               .order_by(TurnChainRow.id)).all()
            return [self._chain(s, chain) for chain in chains]

    # -- clips and stills -----------------------------------------------------------------------
    def add_clip(self, recording_id: int, frames: FrameRange, title: str = "", caption: str = "", *,
                 clip_id: int | None = None, key_frame: int | None = None) -> Clip:
        with self.db.write() as s:
            self._check_range(s, recording_id, frames)
            row = ClipRow(id=clip_id, recording_id=recording_id, start_frame=frames.start, end_frame=frames.end,
                          key_frame=key_frame)
            self._insert(s, row, title=title, caption=caption)
            return Clip(row.id, recording_id, frames, title, caption, key_frame)

    def _clip(self, r: ClipRow) -> Clip:
        return Clip(r.id, r.recording_id, FrameRange(r.start_frame, r.end_frame),
                    self._open(r.title, "clips", "title", r.id), self._open(r.caption, "clips", "caption", r.id),
                    r.key_frame)

    def list_clips(self, recording_id: int) -> list[Clip]:
        with self.db.read() as s:
            rows = s.scalars(select(ClipRow).where(ClipRow.recording_id == recording_id).order_by(ClipRow.id))
            return [self._clip(r) for r in rows]

    def get_clip(self, clip_id: int) -> Clip:
        with self.db.read() as s:
            row = s.get(ClipRow, clip_id)
            if row is None:
                raise NotFoundError(f"there is no clip {clip_id}")
            return self._clip(row)

    def update_clip(self, clip: Clip) -> None:
        """Store a clip's title, caption and key frame (its frames stay as they are)."""
        with self.db.write() as s:
            row = s.get(ClipRow, clip.id)
            if row is None:
                raise NotFoundError(f"there is no clip {clip.id}")
            row.title = self._seal(clip.title, "clips", "title", row.id)
            row.caption = self._seal(clip.caption, "clips", "caption", row.id)
            row.key_frame = clip.key_frame

    def get_still(self, still_id: int) -> Still:
        with self.db.read() as s:
            row = s.get(StillRow, still_id)
            if row is None:
                raise NotFoundError(f"there is no still {still_id}")
            return Still(row.id, row.recording_id, row.frame, self._open(row.caption, "stills", "caption", row.id))

    def update_still(self, still: Still) -> None:
        with self.db.write() as s:
            row = s.get(StillRow, still.id)
            if row is None:
                raise NotFoundError(f"there is no still {still.id}")
            row.caption = self._seal(still.caption, "stills", "caption", row.id)

    def delete_clip(self, clip_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(ReviewItemRow).where(ReviewItemRow.kind == ReviewItemKind.CLIP.value,
                                                  ReviewItemRow.ref_id == clip_id))
            s.execute(delete(ClipRow).where(ClipRow.id == clip_id))

    def add_still(self, recording_id: int, frame: int, caption: str = "", *, still_id: int | None = None) -> Still:
        with self.db.write() as s:
            if not 0 <= frame < self._recording_row(s, recording_id).frame_count:
                raise ValueError(f"frame {frame} is not in the recording")
            row = StillRow(id=still_id, recording_id=recording_id, frame=frame)
            self._insert(s, row, caption=caption)
            return Still(row.id, recording_id, frame, caption)

    def list_stills(self, recording_id: int) -> list[Still]:
        with self.db.read() as s:
            rows = s.scalars(select(StillRow).where(StillRow.recording_id == recording_id).order_by(StillRow.id))
            return [Still(r.id, r.recording_id, r.frame, self._open(r.caption, "stills", "caption", r.id))
                    for r in rows]

    def delete_still(self, still_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(ReviewItemRow).where(ReviewItemRow.kind == ReviewItemKind.STILL.value,
                                                  ReviewItemRow.ref_id == still_id))
            s.execute(delete(StillRow).where(StillRow.id == still_id))

    # -- review sessions ------------------------------------------------------------------------
    def add_review_session(self, case_id: int, title: str) -> ReviewSession:
        with self.db.write() as s:
            row = ReviewSessionRow(case_id=case_id)
            self._insert(s, row, title=title)
            return ReviewSession(row.id, case_id, title)

    def save_review_session(self, session: ReviewSession) -> None:
        """Store a session's title and the order and prompts of its items."""
        with self.db.write() as s:
            row = s.get(ReviewSessionRow, session.id)
            if row is None:
                raise NotFoundError(f"there is no review session {session.id}")
            row.title = self._seal(session.title, "review_sessions", "title", row.id)
            s.execute(delete(ReviewItemRow).where(ReviewItemRow.session_id == session.id))
            for position, item in enumerate(session.items):
                s.add(ReviewItemRow(session_id=session.id, position=position, kind=item.kind.value,
                                    ref_id=item.ref_id,
                                    prompt=self._seal(item.prompt, "review_items", "prompt",
                                                      f"{session.id}/{position}"),
                                    in_handout=item.in_handout))

    def delete_review_session(self, session_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(ReviewSessionRow).where(ReviewSessionRow.id == session_id))

    def get_review_session(self, session_id: int) -> ReviewSession:
        with self.db.read() as s:
            row = s.get(ReviewSessionRow, session_id)
            if row is None:
                raise NotFoundError(f"there is no review session {session_id}")
            case_id = row.case_id
        return next(r for r in self.list_review_sessions(case_id) if r.id == session_id)

    def list_review_sessions(self, case_id: int) -> list[ReviewSession]:
        with self.db.read() as s:
            sessions = s.scalars(select(ReviewSessionRow).where(ReviewSessionRow.case_id == case_id)
                                 .order_by(ReviewSessionRow.id)).all()
            result = []
            for row in sessions:
                items = s.scalars(select(ReviewItemRow).where(ReviewItemRow.session_id == row.id)
                                  .order_by(ReviewItemRow.position))
                result.append(ReviewSession(
                    row.id, case_id, self._open(row.title, "review_sessions", "title", row.id),
                    tuple(ReviewItem(ReviewItemKind(i.kind), i.ref_id,
                                     self._open(i.prompt, "review_items", "prompt", f"{row.id}/{i.position}"),
                                     i.in_handout)
                          for i in items)))
            return result

    # -- integrity -------------------------------------------------------------------------------
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
                            self._open(value, table.name, column.name, ident)
                        except (SealingError, UnicodeDecodeError):
                            problems.append(f"the {column.name} of {table.name} row {ident} does not open "
                                            "(damaged or changed)")
        return problems
