"""Exports as an encrypted package: clips and stills (and a review's prompts and handout) in one file that
vigtool opens again with the package's passphrase. No plaintext touches the disk on the way: each clip is
made in a memory file and streamed into the sealed package.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.atomic import fsync_dir, publish
from storage.keys import KdfParams
from storage.package import SUFFIX, PackageError, PackageReader, PackageWriter
from vigtool.domain.export import ClipOptions, ExportMode
from vigtool.domain.model import Recording, ReviewSession
from vigtool.domain.time import FrameRange
from vigtool.media.memory_file import MemoryFile
from vigtool.media.smart_cut import Cancelled, ExportCancelledError, Progress
from vigtool.services import consent
from vigtool.services.consent import Purpose
from vigtool.services.exporting import ExportError, pending_export, still_bytes, write_clip
from vigtool.services.review import build_handout, resolve
from vigtool.services.vault import Vault

__all__ = ["PackageClip", "PackageError", "PackageResult", "PackageStill", "open_package", "package_review",
           "unpack_package", "write_package"]


@dataclass(frozen=True)
class PackageClip:
    recording: Recording
    frames: FrameRange
    options: ClipOptions = field(default_factory=ClipOptions)
    caption: str = ""
    prompt: str = ""
    key_frame: int | None = None  # where the presenter pauses (the moment itself)


@dataclass(frozen=True)
class PackageStill:
    recording: Recording
    frame: int
    caption: str = ""
    prompt: str = ""


PackageItem = PackageClip | PackageStill


@dataclass(frozen=True)
class PackageResult:
    path: Path
    items: int
    bytes: int
    seconds: float


def _check_destination(out: Path, overwrite: bool = False) -> None:
    if out.suffix.lower() != SUFFIX:
        raise ExportError(str(out), f"an encrypted package is written as {SUFFIX}")
    if out.exists() and not overwrite:
        raise ExportError(str(out), "already exists and was left as it is; choose another name, or say to "
                          "replace it (--overwrite)")
    if not out.parent.is_dir():
        raise ExportError(str(out), "its folder does not exist")
    if not os.access(out.parent, os.W_OK):
        raise ExportError(str(out), "its folder cannot be written to (permission denied)")


def write_package(vault: Vault, items: Sequence[PackageItem], out: Path, passphrase: str, *, title: str = "",
                  handout_html: str | None = None, kdf: KdfParams | None = None,
                  mode: ExportMode = ExportMode.AUTO, progress: Progress | None = None,
                  cancelled: Cancelled | None = None, purpose: Purpose = Purpose.REVIEW,
                  overwrite: bool = False) -> PackageResult:
    """Seal `items` (in order) into the package `out`, protected by `passphrase` (if the family consented
    to `purpose` for every film in it)."""
    if not items:
        raise ExportError(str(out), "there is nothing to put in the package")
    _check_destination(out, overwrite)
    for item in items:
        consent.check(vault, item.recording, purpose)
    started = time.perf_counter()
    total = sum(i.frames.length if isinstance(i, PackageClip) else 1 for i in items)
    done = 0
    entries: list[dict[str, Any]] = []
    with pending_export(vault, out) as temp:
        writer = PackageWriter(temp, passphrase, kdf)
        try:
            for number, item in enumerate(items, 1):
                if cancelled is not None and cancelled():
                    raise ExportCancelledError("export cancelled")
                entries.append(_add(vault, writer, number, item, mode, cancelled, _offset(progress, done, total)))
                done += (item.frames.length if isinstance(item, PackageClip) else 1)
                if progress is not None:
                    progress(done, total)
            if handout_html is not None:
                writer.add_bytes("handout.html", handout_html.encode())
            if cancelled is not None and cancelled():  # a stop asked for after the last frame, before the seal
                raise ExportCancelledError("export cancelled")
            writer.commit({"title": title, "created": datetime.now(UTC).isoformat(timespec="seconds"),
                           "items": entries, "handout": "handout.html" if handout_html is not None else None})
        except BaseException:
            writer.discard()
            raise
        temp.replace(out)
        fsync_dir(out.parent)
    size = out.stat().st_size
    for item, entry in zip(items, entries, strict=True):
        frames = [item.frames.start, item.frames.end] if isinstance(item, PackageClip) else [item.frame,
                                                                                            item.frame + 1]
        vault.exports.add("package", item.recording.id, {
            "file": str(out.resolve()), "member": entry["file"], "source": item.recording.source_name,
            "frames": frames, "bytes": size, "purpose": purpose.value, "encrypted": True})
    return PackageResult(out, len(items), size, time.perf_counter() - started)


def _offset(progress: Progress | None, before: int, total: int) -> Progress | None:
    """One item's progress as part of the whole package's."""
    if progress is None:
        return None
    report = progress
    return lambda done, _total: report(before + done, total)


def _add(vault: Vault, writer: PackageWriter, number: int, item: PackageItem, mode: ExportMode,
         cancelled: Cancelled | None, progress: Progress | None) -> dict[str, Any]:
    if isinstance(item, PackageStill):
        name = f"{number:02d} still.png"
        writer.add_bytes(name, still_bytes(vault, item.recording, item.frame, ".png", item.caption))
        return {"file": name, "kind": "still", "caption": item.caption, "prompt": item.prompt,
                "frame": item.frame}
    name = f"{number:02d} clip.mp4"
    try:
        memory = MemoryFile(name)
    except OSError as exc:
        raise ExportError(str(writer.path), f"cannot hold the clip in memory ({exc})") from exc
    with memory:
        used, note = write_clip(vault, item.recording, item.frames, memory.path, item.options, mode,
                                progress=progress, cancelled=cancelled, keep_fds=memory.fds)
        with memory.path.open("rb") as clip:
            writer.add_file(name, clip, memory.size)
    key = item.key_frame if item.key_frame is not None else item.frames.start
    return {"file": name, "kind": "clip", "caption": item.caption, "prompt": item.prompt,
            "frames": [item.frames.start, item.frames.end], "pause_at": key - item.frames.start,
            "rate": [item.recording.rate.numerator, item.recording.rate.denominator],
            "options": item.options.describe(), "mode": used.value, "note": note}
    # No "source": the family sees the package's own names only, never the film's file name.


def review_items(vault: Vault, session: ReviewSession) -> list[PackageItem]:
    """A review session's items, in its order, with their captions and prompts."""
    items: list[PackageItem] = []
    for entry in resolve(vault, session):
        if entry.clip is not None:
            items.append(PackageClip(entry.recording, entry.clip.range, caption=entry.caption,
                                     prompt=entry.item.prompt, key_frame=entry.clip.pause_frame))
        elif entry.still is not None:
            items.append(PackageStill(entry.recording, entry.still.frame, entry.caption, entry.item.prompt))
    return items


def package_review(vault: Vault, session: ReviewSession, out: Path, passphrase: str, *,
                   kdf: KdfParams | None = None, progress: Progress | None = None,
                   cancelled: Cancelled | None = None, overwrite: bool = False) -> PackageResult:
    """The whole review (clips, stills, prompts, handout) in one package, to take to the family's home."""
    return write_package(vault, review_items(vault, session), out, passphrase, title=session.title,
                         handout_html=build_handout(vault, session).standalone_html(), kdf=kdf,
                         progress=progress, cancelled=cancelled, purpose=Purpose.REVIEW, overwrite=overwrite)


def open_package(path: Path, passphrase: str) -> PackageReader:
    return PackageReader(path, passphrase)


def unpack_package(package: PackageReader, folder: Path) -> list[Path]:
    """Write the package's files into `folder` in the clear (the user asked for exactly this)."""
    if not folder.is_dir():
        raise ExportError(str(folder), "is not a folder")
    written: list[Path] = []
    for name in package.names:
        out = folder / Path(name).name  # names are ours, but never trust a path from a file
        if out.exists():
            raise ExportError(str(out), "already exists; choose an empty folder")
    try:
        for name in package.names:
            out = folder / Path(name).name
            publish(out, package.chunks(name))  # nothing of it on the disk until it is whole
            written.append(out)
    except FileExistsError as exc:
        raise ExportError(str(exc.filename or folder), "already exists; choose an empty folder") from exc
    except OSError as exc:
        raise ExportError(str(folder), f"cannot be written to ({exc.strerror})") from exc
    return written
