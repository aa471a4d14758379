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
from vigtool.media.errors import MediaError
from vigtool.media.heap import release_freed_memory
from vigtool.media.previews import (
    STRIP_MADE,
    AudioEnvelope,
    Filmstrip,
    PreviewCancelledError,
    make_audio_envelope,
    make_filmstrip,
)
from vigtool.services.sharing import shown_name
from vigtool.services.vault import Vault
from vigtool.services.working_copy import FILMSTRIP_WAITS, ViewerActivity, viewing_source

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
                   pause: Callable[[], None] | None = None, *,
                   strip_only: Filmstrip | None = None) -> PreviewsBuilt:
    """Make and store the filmstrip and the audio envelope of `recording`, each in one streaming pass over
    the film. `partial` gets each preview as it is so far, now and then (a window shows it filling in);
    nothing is stored until a preview is whole, so a cancel leaves nothing behind. `pause` returns when the
    player is quiet: the filmstrip's costly second pass (long GOPs) waits for it. `strip_only`: a strip
    stored before the second pass, made again (its keyframes' thumbnails kept) and nothing else."""
    key = vault.data_key(recording)
    source = viewing_source(vault, recording)  # the lighter working copy when a heavy film has one
    release_freed_memory()  # what the import's pass over the film freed, before this one
    film = source.open_handle()
    try:
        # A heavy film's working copy (a keyframe every 8 frames) is on its way: its long GOPs' pictures
        # between keyframes are taken from it once it is made, a keyframe each, not decoded here from the
        # original's keyframes on (a minute of CPU for a 10-minute camera film).
        strip = make_filmstrip(film, source.index, recording.rotation, shown_name(vault, recording), progress,
                               cancelled, partial, pause=pause, known=strip_only,
                               second_pass=source.working_copy or not source.heavy)
    finally:
        film.close()
    vault.media.write_blob(recording.media_id, MediaKind.FILMSTRIP, key, strip.to_bytes())
    if partial is not None:
        partial(strip)  # the whole of it, stored
    envelope = None
    if strip_only is not None:
        return PreviewsBuilt(recording.id, len(strip.frames), recording.has_audio)
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


def stale_filmstrip(vault: Vault, recording: Recording) -> Filmstrip | None:
    """The stored filmstrip of `recording` if it was made keyframes only (before the second pass existed, or
    while a heavy film's working copy was being made) and its film has long GOPs (a camera's: it shows a
    picture every 8 s), else None; a heavy film's, once its working copy is there. A damaged one is left to
    `verify`."""
    try:
        strip = load_filmstrip(vault, recording)
    except (MediaError, ValueError):
        return None
    if strip is None or strip.made >= STRIP_MADE:
        return None
    source = viewing_source(vault, recording)
    if source.heavy and not source.working_copy:
        return None  # its working copy is on its way: the pictures between keyframes are made from it
    return strip if strip.lacks_pictures_between(vault.repo.recordings.frame_index(recording.id)) else None


PreviewListener = Callable[[int, Preview], None]
# A build's future: what was made, or None where nothing needed making (a filmstrip looked at and found whole).
PreviewFuture = Future[PreviewsBuilt | None]


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
        self._pending: dict[int, PreviewFuture] = {}  # builds queued or under way, by recording
        self._looked_at: set[int] = set()  # films whose stored filmstrip was looked at for its version

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

    def submit(self, recording: Recording, progress: Progress | None = None) -> PreviewFuture:
        """Build the previews of `recording` (just imported, or missing); the future's result says what was made."""
        future: PreviewFuture = self._executor.submit(self._build, recording, progress)
        with self._lock:
            self._pending[recording.id] = future
        future.add_done_callback(functools.partial(self._forget, recording.id))
        return future

    def _forget(self, recording_id: int, future: PreviewFuture) -> None:
        with self._lock:
            if self._pending.get(recording_id) is future:
                del self._pending[recording_id]

    def _rebuild_if_stale(self, recording: Recording) -> PreviewsBuilt | None:
        stale = stale_filmstrip(self._vault, recording)  # on this thread: it decrypts the strip, reads the index
        try:
            return None if stale is None else self._build(recording, None, stale)
        except Exception:
            self.look_again(recording.id)  # not made: the film's next opening tries again
            raise

    def _build(self, recording: Recording, progress: Progress | None,
               stale: Filmstrip | None = None) -> PreviewsBuilt:
        def partial(preview: Preview) -> None:
            with self._lock:
                self._so_far.setdefault(recording.id, {})[type(preview)] = preview
            for listener in self._listeners:
                listener(recording.id, preview)
        try:
            activity = self._activity
            pause = None if activity is None else \
                functools.partial(activity.wait_until_quiet, self._stop, FILMSTRIP_WAITS)
            return build_previews(self._vault, recording, progress, self._stop.is_set, partial, pause,
                                  strip_only=stale)
        finally:
            with self._lock:
                self._so_far.pop(recording.id, None)

    def ensure(self, recording: Recording) -> PreviewFuture | None:
        """Rebuild previews a crash or an older version left missing; once a session, look on the worker
        thread for a filmstrip stored before the second pass of a long-GOP film, and make it again. One kind of
        future whichever it is (a build under way, a build queued now, a look): its result is what was made,
        None when the strip was whole; None instead of a future when it was looked at already this session."""
        with self._lock:
            pending = self._pending.get(recording.id)
        if pending is not None:
            return pending  # being built (just imported): not a second time
        if missing_previews(self._vault, recording):
            with self._lock:
                self._looked_at.add(recording.id)  # made now, as this vigtool makes it
            return self.submit(recording)
        with self._lock:
            if recording.id in self._looked_at:
                return None
            self._looked_at.add(recording.id)
        looked: PreviewFuture = self._executor.submit(self._rebuild_if_stale, recording)
        return looked

    def look_again(self, recording_id: int) -> None:
        """The film's working copy was made: the next `ensure` looks at its filmstrip again (a heavy film's
        pictures between keyframes wait for the copy)."""
        with self._lock:
            self._looked_at.discard(recording_id)

    def wait(self) -> None:
        self._executor.shutdown(wait=True)

    def close(self) -> None:
        self._stop.set()
        if self._activity is not None:
            self._activity.release()  # a second pass waiting for the player stops waiting
        self._executor.shutdown(wait=True, cancel_futures=True)


__all__ = ["Preview", "PreviewBuilder", "PreviewCancelledError", "PreviewFuture", "PreviewListener", "PreviewsBuilt",
           "build_previews", "load_audio_envelope", "load_filmstrip", "load_preview", "missing_previews",
           "stale_filmstrip"]
