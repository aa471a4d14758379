"""Filmstrip and sound-wave previews of a stored film: built off the caller's thread, stored sealed.

They are derived data: a vault missing them (a crash right after an import, say) is whole, and
`PreviewBuilder.ensure` builds them again (the window does so when a film is opened). Each is written
with the film's own data key, so deleting the recording's key shreds them with the film.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from storage.sealed_media import MediaKind
from vigtool.domain.model import Recording
from vigtool.media.heap import release_freed_memory
from vigtool.media.previews import (
    AudioEnvelope,
    Filmstrip,
    PreviewCancelledError,
    make_audio_envelope,
    make_filmstrip,
)
from vigtool.services.sharing import shown_name
from vigtool.services.vault import Vault
from vigtool.services.working_copy import ViewerActivity, viewing_source

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PreviewsBuilt:
    recording_id: int
    thumbnails: int
    has_envelope: bool


def missing_previews(vault: Vault, recording: Recording) -> list[MediaKind]:
    wanted = [MediaKind.FILMSTRIP] + ([MediaKind.AUDIO_ENVELOPE] if recording.has_audio else [])
    return [kind for kind in wanted if not vault.media.exists(recording.media_id, kind)]


Preview = Filmstrip | AudioEnvelope


def build_previews(vault: Vault, recording: Recording, progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   partial: Callable[[Preview], None] | None = None,
                   pause: Callable[[], None] | None = None) -> PreviewsBuilt:
    """Make and store the filmstrip and the audio envelope of `recording`, each in one streaming pass over
    the film. `partial` gets each preview as it is so far, now and then (a window shows it filling in);
    nothing is stored until a preview is whole, so a cancel leaves nothing behind. `pause` returns when the
    player is quiet: the filmstrip's costly second pass (long GOPs) waits for it."""
    key = vault.data_key(recording)
    source = viewing_source(vault, recording)  # the lighter working copy when a heavy film has one
    release_freed_memory()  # what the import's pass over the film freed, before this one
    film = source.open_handle()
    try:
        strip = make_filmstrip(film, source.index, recording.rotation, shown_name(vault, recording), progress,
                               cancelled, partial, pause=pause)
    finally:
        film.close()
    vault.media.write_blob(recording.media_id, MediaKind.FILMSTRIP, key, strip.to_bytes())
    if partial is not None:
        partial(strip)  # the whole of it, stored
    envelope = None
    if recording.has_audio:
        release_freed_memory()
        with vault.open_film(recording) as film:
            envelope = make_audio_envelope(film, shown_name(vault, recording), cancelled, partial)
        if envelope is not None:
            vault.media.write_blob(recording.media_id, MediaKind.AUDIO_ENVELOPE, key, envelope.to_bytes())
            if partial is not None:
                partial(envelope)
    return PreviewsBuilt(recording.id, len(strip.frames), envelope is not None)


PREVIEW_KINDS: dict[MediaKind, tuple[str, Callable[[bytes], Filmstrip | AudioEnvelope]]] = {
    MediaKind.FILMSTRIP: ("filmstrip", Filmstrip.from_bytes),
    MediaKind.AUDIO_ENVELOPE: ("sound wave", AudioEnvelope.from_bytes),
}


def load_preview(vault: Vault, recording: Recording, kind: MediaKind) -> Filmstrip | AudioEnvelope | None:
    """A stored preview, decrypted and parsed; None while it is not built. Damage raises MediaError or
    ValueError, naming the preview."""
    if not vault.media.exists(recording.media_id, kind):
        return None
    what, parse = PREVIEW_KINDS[kind]
    name = f"the {what} of {shown_name(vault, recording)}"
    data = vault.media.read_blob(recording.media_id, kind, vault.data_key(recording), name)
    try:
        return parse(data)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def load_filmstrip(vault: Vault, recording: Recording) -> Filmstrip | None:
    strip = load_preview(vault, recording, MediaKind.FILMSTRIP)
    assert strip is None or isinstance(strip, Filmstrip)
    return strip


def load_audio_envelope(vault: Vault, recording: Recording) -> AudioEnvelope | None:
    envelope = load_preview(vault, recording, MediaKind.AUDIO_ENVELOPE)
    assert envelope is None or isinstance(envelope, AudioEnvelope)
    return envelope


PreviewListener = Callable[[int, Preview], None]


class PreviewBuilder:
    """Builds previews one recording at a time on a worker thread; `close()` cancels what is left.

    Listeners hear of each preview as it fills in and when it is whole (recording id, preview), on the
    worker thread; `so_far` gives a window that opens the film mid-way what there is already.
    """

    def __init__(self, vault: Vault, activity: ViewerActivity | None = None) -> None:
        self._vault = vault
        self._activity = activity  # the player's: the filmstrip's second pass yields to it
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigtool-previews")
        self._stop = threading.Event()
        self._listeners: list[PreviewListener] = []
        self._lock = threading.Lock()
        self._so_far: dict[int, dict[type, Preview]] = {}

    def add_listener(self, listener: PreviewListener) -> None:
        self._listeners.append(listener)

    def so_far(self, recording_id: int) -> tuple[Filmstrip | None, AudioEnvelope | None]:
        """The previews of a recording being built, as far as they are (None where there is nothing yet)."""
        with self._lock:
            parts = dict(self._so_far.get(recording_id, {}))
        strip, envelope = parts.get(Filmstrip), parts.get(AudioEnvelope)
        assert strip is None or isinstance(strip, Filmstrip)
        assert envelope is None or isinstance(envelope, AudioEnvelope)
        return strip, envelope

    def submit(self, recording: Recording, progress: Progress | None = None) -> Future[PreviewsBuilt]:
        return self._executor.submit(self._build, recording, progress)

    def _build(self, recording: Recording, progress: Progress | None) -> PreviewsBuilt:
        def partial(preview: Preview) -> None:
            with self._lock:
                self._so_far.setdefault(recording.id, {})[type(preview)] = preview
            for listener in self._listeners:
                listener(recording.id, preview)
        try:
            activity = self._activity
            pause = None if activity is None else functools.partial(activity.wait_until_quiet, self._stop)
            return build_previews(self._vault, recording, progress, self._stop.is_set, partial, pause)
        finally:
            with self._lock:
                self._so_far.pop(recording.id, None)

    def ensure(self, recording: Recording) -> Future[PreviewsBuilt] | None:
        """Rebuild previews a crash or an older version left missing."""
        return self.submit(recording) if missing_previews(self._vault, recording) else None

    def wait(self) -> None:
        self._executor.shutdown(wait=True)

    def close(self) -> None:
        self._stop.set()
        if self._activity is not None:
            self._activity.release()  # a second pass waiting for the player stops waiting
        self._executor.shutdown(wait=True, cancel_futures=True)


__all__ = ["Preview", "PreviewBuilder", "PreviewCancelledError", "PreviewListener", "PreviewsBuilt", "build_previews",
           "load_audio_envelope", "load_filmstrip", "load_preview", "missing_previews"]
