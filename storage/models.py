"""SQLAlchemy 2 ORM tables. Personal text is sealed bytes (see storage.sealing); frames are integers.

Keep in step with the Alembic revisions in storage/migrations/versions: a test compares the two.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[bytes] = mapped_column(LargeBinary)
    helping_question: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class RecordingRow(Base):
    __tablename__ = "recordings"
    __table_args__ = (
        UniqueConstraint("fingerprint"),
        UniqueConstraint("media_id"),
        CheckConstraint("rotation IN (0, 90, 180, 270)", name="rotation"),
        CheckConstraint("frame_count > 0", name="frames"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # HMAC of the file's SHA-256 under a vault key: finds duplicates without revealing the digest.
    fingerprint: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed; NULL for rows from before 0003
    media_id: Mapped[str] = mapped_column(String(32))  # random; names the film's files in media/
    # The film's data key, wrapped by the vault's master key. Deleting it shreds the film.
    # NULL only for rows from before revision 0003, whose film never entered the vault.
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    source_name: Mapped[bytes] = mapped_column(LargeBinary)
    # Where the film was imported from (sealed); the vault keeps its own encrypted copy.
    source_path: Mapped[bytes] = mapped_column(LargeBinary)
    container: Mapped[str] = mapped_column(String(32))
    video_codec: Mapped[str] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    rate_num: Mapped[int] = mapped_column(Integer)
    rate_den: Mapped[int] = mapped_column(Integer)
    frame_count: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer)
    duration_num: Mapped[int] = mapped_column(BigInteger)
    duration_den: Mapped[int] = mapped_column(BigInteger)
    variable_frame_rate: Mapped[bool] = mapped_column(Boolean)
    time_base_num: Mapped[int] = mapped_column(Integer)
    time_base_den: Mapped[int] = mapped_column(Integer)
    frame_pts: Mapped[bytes] = mapped_column(LargeBinary)  # int64 little-endian, presentation order
    keyframes: Mapped[bytes] = mapped_column(LargeBinary)  # int64 frame indices
    # Container metadata (may hold GPS and device): sealed, kept in the vault, never exported.
    media_metadata: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class TrackRow(Base):
    __tablename__ = "tracks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    name: Mapped[bytes] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    # The fingerprint of whoever sent these marks (they are hers: read-only here); None for your own lanes.
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AnnotationRow(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        CheckConstraint("start_frame >= 0 AND end_frame > start_frame", name="range"),
        Index(None, "track_id", "start_frame"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    start_frame: Mapped[int] = mapped_column(Integer)
    end_frame: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[bytes] = mapped_column(LargeBinary)


class CodebookRow(Base):
    __tablename__ = "codebooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[bytes] = mapped_column(LargeBinary)  # the codebook's own JSON format, sealed


class TurnChainRow(Base):
    __tablename__ = "turn_chains"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)


class TurnLinkRow(Base):
    __tablename__ = "turn_links"
    chain_id: Mapped[int] = mapped_column(ForeignKey("turn_chains.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class ClipRow(Base):
    __tablename__ = "clips"
    __table_args__ = (CheckConstraint("start_frame >= 0 AND end_frame > start_frame", name="range"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    start_frame: Mapped[int] = mapped_column(Integer)
    end_frame: Mapped[int] = mapped_column(Integer)
    title: Mapped[bytes] = mapped_column(LargeBinary)
    caption: Mapped[bytes] = mapped_column(LargeBinary)
    key_frame: Mapped[int | None] = mapped_column(Integer)  # where the review pauses; NULL: the middle


class StillRow(Base):
    __tablename__ = "stills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    frame: Mapped[int] = mapped_column(Integer)
    caption: Mapped[bytes] = mapped_column(LargeBinary)


class ReviewSessionRow(Base):
    __tablename__ = "review_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[bytes] = mapped_column(LargeBinary)


class ReviewItemRow(Base):
    __tablename__ = "review_items"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("review_sessions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    ref_id: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[bytes] = mapped_column(LargeBinary)
    in_handout: Mapped[bool] = mapped_column(Boolean, server_default=true())


class SuggestionRow(Base):
    """A moment of turn-taking proposed from the sound: open, accepted (with its chain) or dismissed."""

    __tablename__ = "suggestions"
    __table_args__ = (CheckConstraint("start_frame >= 0 AND end_frame > start_frame", name="range"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    start_frame: Mapped[int] = mapped_column(Integer)
    end_frame: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    annotation_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id", ondelete="SET NULL"))
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("turn_chains.id", ondelete="SET NULL"))
    turns: Mapped[bytes] = mapped_column(LargeBinary)  # sealed JSON: [[actor, start, end], ...]


class ExportLogRow(Base):
    """Every time footage left the vault in the clear (or in a package): what, when and where (sealed)."""

    __tablename__ = "export_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Kept when the recording is deleted: the log is how exported copies are found and recalled.
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    detail: Mapped[bytes] = mapped_column(LargeBinary)  # sealed JSON: frames, options, file, size


class IdentityRow(Base):
    """This vault's user: an X25519 key pair (packages are encrypted to it) and an Ed25519 one (signing)."""

    __tablename__ = "identity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[bytes] = mapped_column(LargeBinary)
    x25519_private: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    ed25519_private: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    x25519_public: Mapped[str] = mapped_column(String(64))  # base64
    ed25519_public: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    named: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # she gave her name


class ContactRow(Base):
    """Someone packages can be sent to (a supervisor): their public keys, imported from their key file."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[bytes] = mapped_column(LargeBinary)
    x25519_public: Mapped[str] = mapped_column(String(64))
    ed25519_public: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(32), unique=True)
    added_at: Mapped[datetime] = mapped_column(DateTime)


class AuditRow(Base):
    """One entry of the append-only audit trail: hash-chained to the one before and signed."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[str] = mapped_column(String(32))  # ISO 8601, UTC, as hashed
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[bytes] = mapped_column(LargeBinary)  # sealed JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class AuditHeadRow(Base):
    """The last entry's number and hash, signed: cutting entries off the end shows."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class ConsentRow(Base):
    """One filmed person's consent for one recording: purposes given, withdrawn, and the signed form."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    person: Mapped[bytes] = mapped_column(LargeBinary)
    purposes: Mapped[str] = mapped_column(String(64))  # comma-separated Purpose values
    recorded_by: Mapped[bytes] = mapped_column(LargeBinary)
    given_on: Mapped[date] = mapped_column(Date)
    form_reference: Mapped[bytes] = mapped_column(LargeBinary)
    expires_on: Mapped[date | None] = mapped_column(Date)
    withdrawn: Mapped[str] = mapped_column(String(64), default="")
    withdrawn_on: Mapped[date | None] = mapped_column(Date)


class ReceivedPackageRow(Base):
    """A package for this vault's user that was opened or merged: the same one again changes nothing, an
    older one from the same sender about the same recording is refused as a replay."""

    __tablename__ = "received_packages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[str] = mapped_column(String(32), unique=True)
    sender: Mapped[str] = mapped_column(String(32))  # fingerprint
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))  # which recording it is about, as the sender knows it
    sequence: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class SupervisionLinkRow(Base):
    """A recording that came in a supervision package: whose it is and its id in their vault."""

    __tablename__ = "supervision_links"
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True)
    origin: Mapped[str] = mapped_column(String(32))  # the practitioner's fingerprint
    origin_recording_id: Mapped[int] = mapped_column(Integer)


class RowSealRow(Base):
    """The seal of one row of another table (storage.integrity): a change made outside vigtool shows."""

    __tablename__ = "row_seals"
    tbl: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    columns: Mapped[str] = mapped_column(Text)  # the columns sealed, in the order of their tags
    seal: Mapped[bytes] = mapped_column(LargeBinary)  # a head tag, then one tag per column
