"""The open film's previews and working copies, following their builders' threads into the window.

Filmstrips and sound waves are built on the preview builder's worker thread and fill in on the timeline
part by part (a long film's take a while); lighter working copies of heavy films are made one at a time,
and the player switches to each when it is ready. Both report from other threads: these signals carry
their news to the GUI thread.
"""

from __future__ import annotations

from concurrent.futures import Future
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from vigtool.media.previews import AudioEnvelope, Filmstrip
from vigtool.services import library
from vigtool.services.previews import PreviewCancelledError, PreviewFuture, load_audio_envelope, load_filmstrip
from vigtool.services.working_copy import WorkingCopyMade

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class FilmPreviews(QObject):
    previews_ready = Signal(int)
    previews_failed = Signal(int, str)  # the film, and what went wrong (from the builder's thread)
    preview_part = Signal(int, object)  # a filmstrip or sound wave filling in, from the builder's thread
    copy_ready = Signal(int)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.previews_ready.connect(self.reload)
        self.previews_failed.connect(self._tell_failed)
        window.previews.add_listener(self.preview_part.emit)
        self.preview_part.connect(self._show_part)
        self.copy_ready.connect(window.player.use_working_copy)
        self.copy_ready.connect(self._copy_made)

    def open(self, recording_id: int) -> None:
        """Show the film's previews as far as they are made, and have the missing ones made."""
        self.reload(recording_id)
        self._ensure_previews(recording_id)
        self.ensure_working_copies()

    def _copy_made(self, recording_id: int) -> None:
        """A heavy film's pictures between keyframes were waiting for its working copy: made from it now."""
        self.w.previews.look_again(recording_id)
        if self.w.workspace is not None and self.w.workspace.recording.id == recording_id:
            self._ensure_previews(recording_id)

    def _ensure_previews(self, recording_id: int) -> None:
        ws = self.w.workspace
        assert ws is not None
        # Missing after a crash, never built, or a filmstrip made before its pictures between keyframes: in
        # the background (meanwhile the stored one is shown).
        future = self.w.previews.ensure(ws.recording)
        if future is not None:
            future.add_done_callback(partial(self._previews_done, recording_id=recording_id))

    def _previews_done(self, future: PreviewFuture, recording_id: int) -> None:
        """On the builder's thread: what was made is shown; a failure is told; a stop (closing) is no news."""
        if future.cancelled():
            return
        error = future.exception()
        if isinstance(error, PreviewCancelledError):
            return
        if error is not None:
            self.previews_failed.emit(recording_id, str(error))
        elif future.result() is not None:
            self.previews_ready.emit(recording_id)

    def _tell_failed(self, recording_id: int, problem: str) -> None:
        if self.w.workspace is not None and self.w.workspace.recording.id == recording_id:
            self.w.statusBar().showMessage(f"The filmstrip and sound wave were not made: {problem}. The film "
                                           "itself is whole; they are tried again when it is next opened.", 15000)

    def reload(self, recording_id: int) -> None:
        ws = self.w.workspace
        if ws is not None and ws.recording.id == recording_id:
            strip, envelope = self.w.previews.so_far(recording_id)  # what a build under way has made so far
            self.w.timeline.set_previews(load_filmstrip(self.w.vault, ws.recording) or strip,
                                         load_audio_envelope(self.w.vault, ws.recording) or envelope)

    def _show_part(self, recording_id: int, preview: Filmstrip | AudioEnvelope) -> None:
        if self.w.workspace is not None and self.w.workspace.recording.id == recording_id:
            self.w.timeline.show_preview(preview)

    def ensure_working_copies(self) -> None:
        for recording in library.films_of(self.w.vault):
            future = self.w.copies.ensure(recording, progress=self.w.player.working_copy_progress(recording.id))
            if future is not None:
                future.add_done_callback(partial(self._copy_done, recording_id=recording.id))

    def _copy_done(self, future: Future[WorkingCopyMade | None], recording_id: int) -> None:
        if not future.cancelled() and future.exception() is None and future.result() is not None:
            self.copy_ready.emit(recording_id)  # to the GUI thread: the player switches to it when paused
