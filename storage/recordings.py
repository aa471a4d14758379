"""Recordings: the probed film's facts, its exact frame index, where its sealed film is, and its key."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage.models import ClipRow, RecordingRow, ReviewItemRow, StillRow, TrackRow
from storage.store import SealedStore, now, recording_row
from vigtool.domain.model import DEFAULT_TRACKS, Recording, ReviewItemKind, TrackKind
from vigtool.media.probe import FrameIndex, ProbeResult


class DuplicateRecordingError(ValueError):
    """The same film (by its keyed fingerprint) is already in the vault."""


@dataclass(frozen=True)
class StoredFilm:
    """How a recording's sealed film is found and opened: written to media/ before the row is added."""

    media_id: str
    wrapped_key: bytes
    sha256: str
    fingerprint: str


class RecordingStore(SealedStore):
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

    def add(self, case_id: int, probe: ProbeResult, film: StoredFilm, source_name: str,
            source_path: str, tracks: Iterable[tuple[str, TrackKind]] = DEFAULT_TRACKS) -> Recording:
        """Store a probed recording (whose sealed film is already in place) with its default tracks."""
        try:
            return self._add(case_id, probe, film, source_name, source_path, tracks)
        except IntegrityError as exc:
            if "fingerprint" in str(exc.orig):
                raise DuplicateRecordingError("this film is already in the vault") from exc
            raise

    def _add(self, case_id: int, probe: ProbeResult, film: StoredFilm, source_name: str,
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
                imported_at=now(),
            )
            self._insert(s, row, sha256=film.sha256, source_name=source_name, source_path=source_path,
                         media_metadata=json.dumps(probe.metadata))
            for position, (name, kind) in enumerate(tracks):
                self._insert(s, TrackRow(recording_id=row.id, kind=kind.value, position=position, visible=True),
                             name=name)
            return self._recording(row)

    def delete(self, recording_id: int) -> str:
        """Delete a recording's row, its wrapped key and everything annotated on it; returns its media id.

        SQLite's secure_delete overwrites the freed bytes, and the WAL is checkpointed and truncated, so
        the wrapped key does not linger in the database files.
        """
        with self.db.write() as s:
            row = recording_row(s, recording_id)
            media_id = row.media_id
            # Review items refer to clips and stills by id (either kind), so they go explicitly.
            for kind, table in ((ReviewItemKind.CLIP, ClipRow), (ReviewItemKind.STILL, StillRow)):
                ids = select(table.id).where(table.recording_id == recording_id)
                s.execute(delete(ReviewItemRow).where(ReviewItemRow.kind == kind.value, ReviewItemRow.ref_id.in_(ids)))
            s.delete(row)
        self.db.checkpoint()
        return media_id

    def get(self, recording_id: int) -> Recording:
        with self.db.read() as s:
            return self._recording(recording_row(s, recording_id))

    def find_by_fingerprint(self, fingerprint: str) -> Recording | None:
        with self.db.read() as s:
            row = s.scalars(select(RecordingRow).where(RecordingRow.fingerprint == fingerprint)).first()
            return self._recording(row) if row else None

    def wrapped_key(self, recording_id: int) -> bytes | None:
        with self.db.read() as s:
            return recording_row(s, recording_id).wrapped_key

    def media_ids(self) -> set[str]:
        with self.db.read() as s:
            return set(s.scalars(select(RecordingRow.media_id)))

    def frame_index(self, recording_id: int) -> FrameIndex:
        with self.db.read() as s:
            row = recording_row(s, recording_id)
            return FrameIndex(np.frombuffer(row.frame_pts, dtype="<i8").astype(np.int64),
                              np.frombuffer(row.keyframes, dtype="<i8").astype(np.int64),
                              Fraction(row.time_base_num, row.time_base_den))

    def source_path(self, recording_id: int) -> str:
        with self.db.read() as s:
            return self._open(recording_row(s, recording_id).source_path, "recordings", "source_path",
                              recording_id)

    def media_metadata(self, recording_id: int) -> dict[str, str]:
        with self.db.read() as s:
            row = recording_row(s, recording_id)
            loaded: dict[str, str] = json.loads(self._open(row.media_metadata, "recordings", "media_metadata", row.id))
            return loaded

    def list(self, case_id: int | None = None) -> list[Recording]:
        with self.db.read() as s:
            query = select(RecordingRow).order_by(RecordingRow.id)
            if case_id is not None:
                query = query.where(RecordingRow.case_id == case_id)
            return [self._recording(r) for r in s.scalars(query)]
