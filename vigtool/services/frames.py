"""Exact frames of stored recordings (stills are written by vigtool.services.exporting)."""

from __future__ import annotations

from vigtool.domain.model import Recording
from vigtool.media.frame_server import DEFAULT_BOX, FrameServer
from vigtool.media.frames import FrameReader, RGBImage
from vigtool.services.vault import Vault
from vigtool.services.working_copy import ViewingSource, original_source, viewing_source


class RecordingNotFoundError(LookupError):
    """No recording in the vault matches what the user named."""


def find_recording(vault: Vault, ref: str) -> Recording:
    """A recording by id, by SHA-256 (or a unique prefix of at least 8 hex digits), or by file name."""
    recordings = vault.repo.recordings.list()
    if ref.isdigit():
        match = [r for r in recordings if r.id == int(ref)]
    else:
        match = [r for r in recordings if len(ref) >= 8 and r.sha256.startswith(ref.lower())]
        match = match or [r for r in recordings if r.source_name == ref]
    if len(match) == 1:
        return match[0]
    if not match:
        raise RecordingNotFoundError(f"no recording {ref!r} in this vault (see 'vigtool list')")
    raise RecordingNotFoundError(f"{ref!r} names {len(match)} recordings; use the id from 'vigtool list'")


def open_frames(vault: Vault, recording: Recording) -> FrameReader:
    """A reader of exact frames for a stored recording, decrypting as it goes (close it when done)."""
    handle = vault.open_film(recording)
    try:
        return FrameReader(handle, vault.repo.recordings.frame_index(recording.id), recording.rotation,
                           recording.source_name)
    except BaseException:
        handle.close()
        raise


def read_frame(vault: Vault, recording: Recording, frame: int) -> RGBImage:
    with open_frames(vault, recording) as reader:
        return reader.frame(frame)


def open_frame_server(vault: Vault, recording: Recording, *, box: tuple[int, int] = DEFAULT_BOX,
                      prefetch: bool = True, source: ViewingSource | None = None,
                      original: bool = False) -> FrameServer:
    """A frame server for stepping and scrubbing a stored recording (close it when done): it reads the
    working copy when there is one (frame N is the original's frame N), or with `original` the film."""
    if source is None:
        source = original_source(vault, recording) if original else viewing_source(vault, recording)
    return FrameServer(source.open_handle, source.index, source.size, source.rotation, source.name,
                       box=box, prefetch=prefetch)
