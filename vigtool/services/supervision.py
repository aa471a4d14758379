"""Supervision: recordings with their annotations travel, encrypted to the supervisor and signed by the
practitioner; the supervisor's comments come back the same way, with no footage, and merge beside the
practitioner's own marks without touching them.

- `send_for_supervision`: only recordings whose family consented to supervision; one package, to one
  contact (their public key), signed with this vault's identity. Each film in it is a copy without its
  metadata (no location, device, title or dates: vigtool.services.outgoing), checked before it goes.
- `open_for_supervision`: the supervisor's side. Each film is imported straight from the package (no
  plaintext on disk, never whole in memory)
  with the practitioner's marks on her read-only lanes (owned by her fingerprint: shown as "Anna: Parent")
  and an empty "Supervision" lane of the supervisor's own; the
  only purpose recorded for it is supervision, so it cannot be exported for anything else.
- `send_comments` / `merge_comments`: the Supervision lane's marks go back; merging replaces the
  supervisor's read-only lane "Supervision" (owned by her fingerprint) with exactly what arrived, so
  merging the same package twice changes nothing, and
  an older package than the last one merged is refused.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, cast

from storage.atomic import fsync_dir, publish, temp_name_for
from storage.identity import PublicIdentity
from storage.package import PackageError, PackageReader, PackageWriter
from storage.sealed_media import SealedMediaReader
from vigtool.domain.consent import Purpose
from vigtool.domain.model import Actor, Annotation, Recording, TrackKind, TurnLink, TurnRole
from vigtool.domain.time import FrameRange
from vigtool.media.smart_cut import Cancelled, ExportCancelledError, Progress
from vigtool.services import consent
from vigtool.services.exporting import ExportError
from vigtool.services.importing import import_from_reader
from vigtool.services.outgoing import film_without_metadata
from vigtool.services.sharing import film_pseudonym
from vigtool.services.vault import Vault

SUPERVISION, COMMENTS = "supervision", "comments"
SUPERVISION_TRACK = "Supervision"


@dataclass(frozen=True)
class Merged:
    recording: Recording
    track_name: str
    marks: int
    changed: bool  # False: this very package was merged before (nothing to do)


def contact(vault: Vault, who: str) -> PublicIdentity:
    """A contact by name or fingerprint."""
    found = [c for c in vault.identities.contacts() if who in (c.name, c.fingerprint)]
    if not found:
        raise ValueError(f"{who!r} is not among your contacts (add their key card first)")
    return found[0]


def _marks(vault: Vault, recording: Recording, track_ids: set[int] | None = None) -> dict[str, Any]:
    repo = vault.repo
    tracks = [t for t in repo.tracks.list(recording.id) if track_ids is None or t.id in track_ids]
    keep = {t.id for t in tracks}
    annotations = [a for a in repo.annotations.list(recording.id) if a.track_id in keep]
    position = {a.id: k for k, a in enumerate(annotations)}
    return {
        "tracks": [{"id": t.id, "name": t.name, "kind": t.kind.value} for t in tracks],
        "annotations": [{"track": a.track_id, "start": a.start, "end": a.end, "code": a.code_id,
                         "actor": a.actor.value if a.actor else None, "note": a.note} for a in annotations],
        "chains": [[[position[link.annotation_id], link.role.value] for link in c.links]
                   for c in repo.chains.list(recording.id)
                   if all(link.annotation_id in position for link in c.links)],
    }


class _Counted:
    """A film read into the package, counting what has gone for the progress bar, stopping on cancel."""

    def __init__(self, film: BinaryIO, done: int, total: int, progress: Progress | None,
                 cancelled: Cancelled | None) -> None:
        self._film, self._done, self._total = film, done, total
        self._progress, self._cancelled = progress, cancelled

    def read(self, size: int = -1) -> bytes:
        if self._cancelled is not None and self._cancelled():
            raise ExportCancelledError("sending cancelled")
        data = self._film.read(size)
        self._done += len(data)
        if self._progress is not None:
            self._progress(min(self._done, self._total), self._total)
        return data


def _write(vault: Vault, out: Path, recipient: PublicIdentity, kind: str, manifest: dict[str, Any],
           films: list[tuple[str, Recording]], progress: Progress | None = None,
           cancelled: Cancelled | None = None) -> Path:
    """The package; each film in it is its copy without metadata (vigtool.services.outgoing), made and
    checked before it goes in. Progress counts each film's bytes twice: copied, then sealed."""
    assert vault.identity is not None
    temp = temp_name_for(out)
    with contextlib.ExitStack() as open_films:
        # Each film is opened once, here: a film missing from the vault says so before anything is written,
        # its size is there for the progress bar, and the same reader is copied from.
        originals = [open_films.enter_context(vault.open_film(recording)) for _name, recording in films]
        return _write_films(vault, out, temp, recipient, kind, manifest, films, originals, progress, cancelled)


def _write_films(vault: Vault, out: Path, temp: Path, recipient: PublicIdentity, kind: str,
                 manifest: dict[str, Any], films: list[tuple[str, Recording]], originals: list[SealedMediaReader],
                 progress: Progress | None, cancelled: Cancelled | None) -> Path:
    assert vault.identity is not None
    total, done = 2 * sum(original.size for original in originals), 0
    writer = PackageWriter.for_recipient(temp, vault.identity, recipient, kind, time.time_ns())
    try:
        for (name, recording), original in zip(films, originals, strict=True):
            size = original.size

            def copied(bytes_done: int, _all: int, before: int = done) -> None:
                if progress is not None:
                    progress(before + bytes_done, total)
            with film_without_metadata(vault, recording, original, progress=copied, cancelled=cancelled) as film:
                done += size
                writer.add_file(name, cast(BinaryIO, _Counted(cast(BinaryIO, film), done, total, progress,
                                                              cancelled)), film.size)
                done += size
        if cancelled is not None and cancelled():  # a stop asked for after the last byte, before the seal
            raise ExportCancelledError("sending cancelled")
        writer.commit(manifest)
        temp.replace(out)
        fsync_dir(out.parent)
    except BaseException:
        writer.discard()
        raise
    return out


def send_for_supervision(vault: Vault, recordings: list[Recording], to: PublicIdentity, out: Path, *,
                         progress: Progress | None = None, cancelled: Cancelled | None = None) -> Path:
    """One package for `to` with the films and every mark on them (refused without supervision consent).
    `progress` gets bytes done and in all; `cancelled` stops it with nothing left behind."""
    if not recordings:
        raise ExportError(str(out), "there is nothing to send")
    for recording in recordings:
        consent.check(vault, recording, Purpose.SUPERVISION)
    assert vault.identity is not None
    entries, films = [], []
    for number, recording in enumerate(recordings, 1):
        name = f"film-{number}.mp4"
        films.append((name, recording))
        # Pseudonyms only: the supervisor sees neither the family's case label nor the film's file name.
        entries.append({"file": name, "origin_id": recording.id, "source_name": film_pseudonym(recording),
                        "case": f"case {recording.case_id}", **_marks(vault, recording)})
    _write(vault, out, to, SUPERVISION, {"recordings": entries}, films, progress, cancelled)
    for recording in recordings:
        vault.exports.add("package", recording.id, {"file": str(out.resolve()), "source": recording.source_name,
                                                    "purpose": Purpose.SUPERVISION.value, "to": to.fingerprint,
                                                    "encrypted": True})
    return out


def add_contact(vault: Vault, key_card: Path, name: str = "") -> tuple[PublicIdentity, bool]:
    """Remember the person whose key card (public key file) this is, under `name` if given (their own
    otherwise); False when they were known already. The fingerprint is to be compared with theirs, by phone,
    before any footage goes to them."""
    try:
        text = key_card.read_text()
    except FileNotFoundError as exc:
        raise ValueError(f"{key_card}: does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{key_card}: cannot be read as a key card") from exc
    contact = PublicIdentity.from_file(text, str(key_card))
    if name.strip():
        contact = PublicIdentity(name.strip(), contact.x25519, contact.ed25519)
    added = vault.identities.add_contact(contact)
    if added:
        vault.audit.append("contact", {"name": contact.name, "fingerprint": contact.fingerprint})
    return contact, added


def save_key_card(vault: Vault, out: Path) -> PublicIdentity:
    """This vault's public key file, for whoever will send packages to its user (nothing secret in it)."""
    assert vault.identity is not None
    public = vault.identity.public
    publish(out, [public.to_file().encode()], replace=True)
    return public


def _open(vault: Vault, source: Path | PackageReader, kind: str) -> PackageReader:
    """The package (its signature and sender checked on opening), if it holds `kind`."""
    assert vault.identity is not None
    package = source if isinstance(source, PackageReader) else PackageReader(
        source, identity=vault.identity, contacts=vault.identities.contacts())
    if package.kind != kind:
        raise PackageError(str(package.path), f"holds {package.kind}, not {kind}")
    return package


def take_in(vault: Vault, path: Path) -> Merged | list[Recording]:
    """A package made for this vault's user, opened once: films for supervision are taken in (the
    recordings), comments are merged (what changed)."""
    assert vault.identity is not None
    package = PackageReader(path, identity=vault.identity, contacts=vault.identities.contacts())
    return merge_comments(vault, package) if package.kind == COMMENTS else open_for_supervision(vault, package)


def _known_as(vault: Vault, sender: PublicIdentity) -> str:
    """The name this vault's user gave the sender when adding them (not the one they chose themselves)."""
    return next((c.name for c in vault.identities.contacts() if c.fingerprint == sender.fingerprint), sender.name)


def received_name(known_as: str, pseudonym: str) -> str:
    """What a film received for supervision is called here: who sent it (as this vault's user knows her)
    and the pseudonym it came under, so two practitioners' "recording-1.mp4" are told apart. Nothing of the
    family: the sender never sends the film's name, only its pseudonym."""
    sender = " ".join(known_as.replace("/", " ").split()) or "the practitioner"
    return f"{sender}, {PurePosixPath(pseudonym).name or 'recording.mp4'}"


def _refuse_replay(vault: Vault, package: PackageReader, subject: str) -> bool:
    """True if this very package was taken in before; raises if an older one is being replayed."""
    assert package.sender is not None
    if vault.received.get(package.package_id) is not None:
        return True
    newest = vault.received.latest(package.sender.fingerprint, package.kind, subject)
    if newest is not None and newest.sequence > package.sequence:
        raise PackageError(str(package.path), f"is older than the {package.kind} from {package.sender.name} "
                           f"taken in on {newest.received_at:%Y-%m-%d %H:%M}: an old package sent again is refused")
    return False


def _put_marks(vault: Vault, recording: Recording, entry: dict[str, Any], owner: str) -> None:
    """The sender's lanes and marks, owned by her (read-only here)."""
    repo = vault.repo
    lanes = {}
    for track in entry["tracks"]:
        lanes[track["id"]] = repo.tracks.add(recording.id, track["name"], TrackKind(track["kind"])
                                            if track["kind"] != TrackKind.SUGGESTIONS else TrackKind.CUSTOM,
                                            owner=owner).id
    made = repo.annotations.add_all([Annotation(0, lanes[a["track"]], FrameRange(a["start"], a["end"]), a["code"],
                                            Actor(a["actor"]) if a["actor"] else None, a["note"])
                                 for a in entry["annotations"]])
    for chain in entry.get("chains", []):
        repo.chains.add(recording.id, [TurnLink(made[k].id, TurnRole(role)) for k, role in chain])


def open_for_supervision(vault: Vault, path: Path | PackageReader) -> list[Recording]:
    """Take in a supervision package: its films, read-only, with the practitioner's marks beside an empty
    Supervision lane. Opening the same package again gives the same recordings."""
    package = _open(vault, path, SUPERVISION)
    assert package.sender is not None
    sender = package.sender
    known_as = _known_as(vault, sender)
    if _refuse_replay(vault, package, "recordings"):
        return [r for r in vault.repo.recordings.list() if (vault.received.origin_of(r.id) or ("",))[0] ==
                sender.fingerprint]
    received = []
    for entry in package.manifest.get("recordings", []):
        with package.open(entry["file"]) as film:  # straight from the package into the vault, in pieces
            result = import_from_reader(vault, film, film.size, received_name(known_as, entry["source_name"]),
                                        f"{entry['case']} (supervision for {known_as})")
        recording = result.recording
        if result.duplicate:  # sent again with newer marks: they replace the old ones, her lane stays
            for track in vault.repo.tracks.list(recording.id):
                if track.owner == sender.fingerprint:
                    vault.repo.tracks.delete(track.id)
        else:
            vault.received.link(recording.id, sender.fingerprint, int(entry["origin_id"]))
            for track in vault.repo.tracks.list(recording.id):  # the practitioner's lanes come from the package
                vault.repo.tracks.delete(track.id)
            vault.repo.tracks.add(recording.id, SUPERVISION_TRACK, TrackKind.CUSTOM)
            consent.record_consent(vault, recording, f"as sent by {known_as}", [Purpose.SUPERVISION],
                                   recorded_by=known_as, given_on=date.today(),
                                   form_reference=f"package {package.package_id[:8]}")
        _put_marks(vault, recording, entry, sender.fingerprint)
        received.append(recording)
    vault.received.add(package.package_id, sender.fingerprint, SUPERVISION, "recordings", package.sequence)
    vault.audit.append("package in", {"kind": SUPERVISION, "from": sender.fingerprint,
                                      "recordings": [r.id for r in received]})
    return received


def send_comments(vault: Vault, recording: Recording, out: Path) -> Path:
    """The Supervision lane's marks, back to whoever sent the recording (no footage)."""
    origin = vault.received.origin_of(recording.id)
    if origin is None:
        raise ExportError(recording.source_name, "did not come for supervision: there is nobody to send comments to")
    to = contact(vault, origin[0])
    lanes = {t.id for t in vault.repo.tracks.list(recording.id) if t.name == SUPERVISION_TRACK and not t.read_only}
    marks = _marks(vault, recording, lanes)
    _write(vault, out, to, COMMENTS, {"origin_recording": origin[1], "for": origin[0], **marks}, [])
    vault.audit.append("package out", {"kind": COMMENTS, "to": to.fingerprint, "recording": recording.id})
    return out


def merge_comments(vault: Vault, path: Path | PackageReader) -> Merged:
    """Put a supervisor's comments on their own lane beside the practitioner's marks (which stay as they are)."""
    package = _open(vault, path, COMMENTS)
    assert package.sender is not None and vault.identity is not None
    path = package.path
    manifest = package.manifest
    if manifest.get("for") != vault.identity.public.fingerprint:
        raise PackageError(str(path), "holds comments on someone else's recording")
    try:
        recording = vault.repo.recordings.get(int(manifest["origin_recording"]))
    except LookupError as exc:
        raise PackageError(str(path), "comments on a recording that is no longer in this vault") from exc
    sent_to = {e.detail.get("to") for e in vault.exports.entries(recording.id) if e.kind == "package"}
    if package.sender.fingerprint not in sent_to:
        raise PackageError(str(path), f"holds comments on {recording.source_name}, which was never sent to "
                           f"{_known_as(vault, package.sender)} for supervision")
    sender = package.sender.fingerprint
    name = f"{_known_as(vault, package.sender)}: {SUPERVISION_TRACK}"  # as the lane is labelled
    subject = f"recording {recording.id}"
    again = _refuse_replay(vault, package, subject)
    if not again:
        for lane in vault.repo.tracks.list(recording.id):
            if lane.owner == sender:
                vault.repo.tracks.delete(lane.id)  # replaced by exactly what arrived
        lane_id = vault.repo.tracks.add(recording.id, SUPERVISION_TRACK, TrackKind.CUSTOM, owner=sender).id
        vault.repo.annotations.add_all([Annotation(0, lane_id, FrameRange(a["start"], a["end"]), a["code"],
                                               Actor(a["actor"]) if a["actor"] else None, a["note"])
                                    for a in manifest.get("annotations", [])])
        vault.received.add(package.package_id, package.sender.fingerprint, COMMENTS, subject, package.sequence)
        vault.audit.append("package in", {"kind": COMMENTS, "from": package.sender.fingerprint,
                                          "recording": recording.id})
    lanes = {t.id for t in vault.repo.tracks.list(recording.id) if t.owner == sender}
    count = sum(1 for a in vault.repo.annotations.list(recording.id) if a.track_id in lanes)
    return Merged(recording, name, count, not again)
