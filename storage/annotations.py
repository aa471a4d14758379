"""A recording's tracks (lanes), the annotations (marks) on them, and the turn-taking chains they form.

A chain links annotations, so the writes that touch both (a turn mark with its chain, a delete that
shortens chains, an undo that puts them back) are one transaction each, in the AnnotationStore.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import AnnotationRow, TrackRow, TurnChainRow, TurnLinkRow
from storage.store import NotFoundError, SealedStore, check_range, recording_row
from vigtool.domain.model import Actor, Annotation, Track, TrackKind, TurnChain, TurnLink, TurnRole
from vigtool.domain.time import FrameRange
from vigtool.domain.turns import without


def _write_links(s: Session, chain: TurnChain) -> None:
    s.execute(delete(TurnLinkRow).where(TurnLinkRow.chain_id == chain.id))
    s.flush()
    for position, link in enumerate(chain.links):
        s.add(TurnLinkRow(chain_id=chain.id, position=position, annotation_id=link.annotation_id,
                          role=link.role.value))


def _chain(s: Session, row: TurnChainRow) -> TurnChain:
    links = s.scalars(select(TurnLinkRow).where(TurnLinkRow.chain_id == row.id).order_by(TurnLinkRow.position))
    return TurnChain(row.id, row.recording_id, tuple(TurnLink(li.annotation_id, TurnRole(li.role)) for li in links))


class TrackStore(SealedStore):
    def _track(self, row: TrackRow) -> Track:
        return Track(row.id, row.recording_id, self._open(row.name, "tracks", "name", row.id), TrackKind(row.kind),
                     row.position, row.visible, row.owner)

    def add(self, recording_id: int, name: str, kind: TrackKind, *, track_id: int | None = None,
            position: int | None = None, owner: str | None = None) -> Track:
        """A new track, last unless `position` is given; `track_id` restores one (redo of an undone add);
        `owner` makes it someone else's (read-only) lane."""
        with self.db.write() as s:
            recording_row(s, recording_id)
            if position is None:
                position = len(s.scalars(select(TrackRow.id).where(TrackRow.recording_id == recording_id)).all())
            row = TrackRow(id=track_id, recording_id=recording_id, kind=kind.value, position=position, visible=True,
                           owner=owner)
            self._insert(s, row, name=name)
            return self._track(row)

    def update(self, tracks: Iterable[Track]) -> None:
        """Store the names, positions and visibility of tracks, in one transaction."""
        with self.db.write() as s:
            for track in tracks:
                row = s.get(TrackRow, track.id)
                if row is None:
                    raise NotFoundError(f"there is no track {track.id}")
                row.name = self._seal(track.name, "tracks", "name", row.id)
                row.position, row.visible = track.position, track.visible

    def delete(self, track_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(TrackRow).where(TrackRow.id == track_id))

    def list(self, recording_id: int) -> list[Track]:
        with self.db.read() as s:
            rows = s.scalars(select(TrackRow).where(TrackRow.recording_id == recording_id)
                             .order_by(TrackRow.position, TrackRow.id))
            return [self._track(r) for r in rows]


class AnnotationStore(SealedStore):
    def _annotation(self, row: AnnotationRow) -> Annotation:
        return Annotation(row.id, row.track_id, FrameRange(row.start_frame, row.end_frame), row.code_id,
                          Actor(row.actor) if row.actor else None, self._open(row.note, "annotations", "note", row.id))

    @staticmethod
    def _row(s: Session, a: Annotation) -> AnnotationRow:
        track = s.get(TrackRow, a.track_id)
        if track is None:
            raise NotFoundError(f"there is no track {a.track_id}")
        check_range(s, track.recording_id, a.range)
        return AnnotationRow(id=a.id or None, track_id=a.track_id, start_frame=a.start, end_frame=a.end,
                             code_id=a.code_id, actor=a.actor.value if a.actor else None,
                             note=b"")  # sealed once the row has its id

    def add(self, track_id: int, frames: FrameRange, code_id: str | None = None,
            actor: Actor | None = None, note: str = "") -> Annotation:
        return self.add_all([Annotation(0, track_id, frames, code_id, actor, note)])[0]

    def add_all(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        """Store annotations in one transaction; an id other than 0 is kept (redo of an undone delete)."""
        with self.db.write() as s:
            wanted = list(annotations)
            rows = [self._row(s, a) for a in wanted]
            s.add_all(rows)
            s.flush()
            for row, a in zip(rows, wanted, strict=True):
                row.note = self._seal(a.note, "annotations", "note", row.id)
            return [self._annotation(r) for r in rows]

    def update(self, annotations: Iterable[Annotation]) -> list[Annotation]:
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
                check_range(s, track.recording_id, annotation.range)
                row.track_id, row.start_frame, row.end_frame = annotation.track_id, annotation.start, annotation.end
                row.code_id = annotation.code_id
                row.actor = annotation.actor.value if annotation.actor else None
                row.note = self._seal(annotation.note, "annotations", "note", row.id)
                rows.append(row)
            return [self._annotation(r) for r in rows]

    def delete(self, annotation_ids: Iterable[int]) -> list[TurnChain]:
        """Delete annotations and take them out of their turn-taking chains, in one transaction.

        Returns the chains as they are afterwards (a chain left empty is deleted and not returned).
        """
        ids = set(annotation_ids)
        with self.db.write() as s:
            chain_ids = set(s.scalars(select(TurnLinkRow.chain_id).where(TurnLinkRow.annotation_id.in_(ids))))
            chains = [_chain(s, s.get_one(TurnChainRow, c)) for c in sorted(chain_ids)]
            s.execute(delete(AnnotationRow).where(AnnotationRow.id.in_(ids)))
            after = []
            for chain in chains:
                shorter = without(chain, ids)
                if shorter is None:
                    s.execute(delete(TurnChainRow).where(TurnChainRow.id == chain.id))
                else:
                    _write_links(s, shorter)
                    after.append(shorter)
            return after

    def restore(self, annotations: Iterable[Annotation], chains: Iterable[TurnChain]) -> None:
        """Put back deleted annotations (same ids) and their chains as they were, in one transaction."""
        with self.db.write() as s:
            restored = [(self._row(s, a), a.note) for a in annotations]
            s.add_all(row for row, _ in restored)
            s.flush()
            for row, note in restored:
                row.note = self._seal(note, "annotations", "note", row.id)
            for chain in chains:
                if s.get(TurnChainRow, chain.id) is None:
                    s.add(TurnChainRow(id=chain.id, recording_id=chain.recording_id))
                    s.flush()
                _write_links(s, chain)

    def add_turn(self, annotation: Annotation, chain: TurnChain) -> tuple[Annotation, TurnChain]:
        """A turn mark and its chain in one transaction. `chain` lists the new mark last with id 0; a chain
        id of 0 makes a new chain. Ids other than 0 are kept (redo)."""
        with self.db.write() as s:
            row = self._row(s, annotation)
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
            _write_links(s, stored)
            return self._annotation(row), stored

    def list(self, recording_id: int) -> list[Annotation]:
        with self.db.read() as s:
            rows = s.scalars(select(AnnotationRow).join(TrackRow)
                             .where(TrackRow.recording_id == recording_id)
                             .order_by(AnnotationRow.track_id, AnnotationRow.start_frame, AnnotationRow.id))
            return [self._annotation(r) for r in rows]


class ChainStore(SealedStore):
    """Turn-taking chains (links hold no personal text; the store shares the others' Database)."""

    def add(self, recording_id: int, links: Iterable[TurnLink], *, chain_id: int | None = None) -> TurnChain:
        links = tuple(links)
        TurnChain(0, recording_id, links)  # validate before writing
        with self.db.write() as s:
            recording_row(s, recording_id)
            row = TurnChainRow(id=chain_id, recording_id=recording_id)
            s.add(row)
            s.flush()
            for position, link in enumerate(links):
                s.add(TurnLinkRow(chain_id=row.id, position=position, annotation_id=link.annotation_id,
                                  role=link.role.value))
            return TurnChain(row.id, recording_id, links)

    def save(self, chain: TurnChain) -> None:
        """Store a chain's links (after one was added or removed)."""
        with self.db.write() as s:
            if s.get(TurnChainRow, chain.id) is None:
                raise NotFoundError(f"there is no turn-taking chain {chain.id}")
            _write_links(s, chain)

    def delete(self, chain_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(TurnChainRow).where(TurnChainRow.id == chain_id))

    def list(self, recording_id: int) -> list[TurnChain]:
        with self.db.read() as s:
            chains = s.scalars(select(TurnChainRow).where(TurnChainRow.recording_id == recording_id)
                               .order_by(TurnChainRow.id)).all()
            return [_chain(s, chain) for chain in chains]
