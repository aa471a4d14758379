"""Marking in the window: codes and turns at the playhead, in and out, clips and stills, copy and paste,
and turn-taking suggested from the sound. A thin layer between the window's actions and the workspace
(every change one undoable operation) and the Qt-free in/out marks (`vigtool.services.marking`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QProgressDialog

from ui.qt_jobs import BackgroundJob
from vigtool.domain.events import Event
from vigtool.domain.model import Actor, Annotation, TrackKind
from vigtool.domain.suggestions import Suggestion
from vigtool.domain.time import FrameRange, timecode
from vigtool.domain.wording import count
from vigtool.services.analysis import AnalysisResult, suggest_turn_taking
from vigtool.services.marking import key_instant
from vigtool.services.workspace import Workspace

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class MarkingControls(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.turn_mode = False
        self.clipboard: list[Annotation] = []  # copied marks stay in this window: notes never reach the OS
        self.suggest_job: BackgroundJob | None = None
        window.marks.events.connect(self._marks_changed)
        window.clip_bin.clip_chosen.connect(self._clip_chosen)
        window.clip_bin.clip_picked.connect(self._bin_clip_picked)
        window.review_panel.show_requested.connect(self._clip_chosen)

    def mark_code(self, code_id: str, *, over_marks: bool = False) -> None:
        """Mark the moment at the playhead with a code (or, with Shift, the stretch between in and out)."""
        ws = self.w.workspace
        if ws is None:
            return
        frame = self.w.player.frame
        frames = FrameRange.point(frame)
        if over_marks and self.w.marks.range is not None:
            frames = self.w.marks.range
        made = ws.marks.add(code_id, frames)
        self.w.timeline.select({made.id})
        label = ws.codebook.code(code_id).label
        self.w.statusBar().showMessage(f"Marked “{label}” on '{ws.lanes.label(made.track_id)}' at "
                                     f"{timecode(made.start, ws.recording.rate)} — Ctrl+Z takes it back.", 6000)

    def mark_turn(self, actor: Actor) -> None:
        ws = self.w.workspace
        if ws is None:
            return
        if not self.turn_mode:
            self.w.statusBar().showMessage("Press T for turn-taking mode first.", 4000)
            return
        made = ws.chains.mark_turn(actor, self.w.player.frame)
        chain = ws.chains.of(made.id)
        who = "baby" if actor is Actor.INFANT else "parent"
        if chain is not None and len(chain.links) > 1:
            latency = chain.latency_seconds({a.id: a for a in ws.layer}, ws.recording.rate)[-1]
            self.w.statusBar().showMessage(f"The {who} answered after {float(latency):.2f} s.", 6000)
        else:
            self.w.statusBar().showMessage(f"An initiative by the {who}. Now mark the answer "
                                         f"({'P' if actor is Actor.INFANT else 'B'}), or Esc to end.", 6000)

    def set_turn_mode(self, on: bool) -> None:
        self.turn_mode = on
        if self.w.workspace is not None:
            self.w.workspace.chains.close()
        self.w.statusBar().showMessage(
            "Turn-taking mode: B marks a turn by the baby, P by the parent; Esc ends a chain." if on
            else "Turn-taking mode is off.", 8000)

    def end_chain(self) -> None:
        if self.w.workspace is not None:
            self.w.workspace.chains.close()
            self.w.statusBar().showMessage("Chain ended; the next turn starts a new one.", 4000)

    def set_in(self) -> None:
        self.w.marks.set_in(self.w.player.frame)

    def set_out(self) -> None:
        self.w.marks.set_out(self.w.player.frame)

    def clear_marks(self) -> None:
        self.w.marks.clear()

    def _marks_changed(self, _event: Event | None = None) -> None:
        in_frame, out_frame = self.w.marks.pair()
        self.w.timeline.set_marks(in_frame, out_frame)
        self.w.player.set_loop(in_frame, out_frame)
        self.w.actions_.refresh_film_state()

    def make_clip(self) -> None:
        ws = self.w.workspace
        if ws is None:
            return
        frames = self.w.marks.range
        if frames is None:
            self.w.statusBar().showMessage("Mark in (I) and out (O) around the moment first.", 5000)
            return
        turns = ws.tracks.of_kind(TrackKind.TURN_TAKING)
        key = key_instant(frames, ws.layer, ws.codebook, turns.id if turns is not None else None)
        clip = ws.clips.add(frames, key_frame=key)
        self.w.statusBar().showMessage(
            f"Clip added to Clips and stills. The review pauses at {timecode(clip.pause_frame, ws.recording.rate)}"
            + (" on what you marked there" if key is not None else ", its middle")
            + "; Shift+K pauses it at the frame you see instead.", 8000)

    def set_key_instant(self) -> None:
        """The frame on screen becomes the instant the chosen clip's review pauses on (one undo step)."""
        ws = self.w.workspace
        if ws is None:
            return
        frame = self.w.player.frame
        chosen = self.w.marks.chosen_clip(ws.clips.values(), frame)
        clip = chosen.clip if chosen is not None else None
        if clip is None or not clip.range.start <= frame < clip.range.end:
            self.w.statusBar().showMessage("Choose a clip under Clips and stills, go to a frame inside it, then "
                                           "press Shift+K.", 6000)
            return
        ws.clips.update(replace(clip, key_frame=frame), "Pause the review here")
        self.w.statusBar().showMessage(f"The review of this clip now pauses at {timecode(frame, ws.recording.rate)}."
                                       " Ctrl+Z takes it back.", 6000)

    def make_still(self) -> None:
        if self.w.workspace is not None:
            self.w.workspace.stills.add(self.w.player.frame)
            self.w.statusBar().showMessage("Still added to Clips and stills.", 4000)

    def _clip_chosen(self, first: int, last: int) -> None:
        if self.w.marks.pair() != (first, last):
            self.w.marks.set_both(first, last)
        self.w.player.show_frame(first)

    def _bin_clip_picked(self, clip_id: int | None) -> None:
        ws = self.w.workspace
        if ws is not None and clip_id is not None and clip_id in ws.clips:
            self.w.marks.choose_clip(ws.clips[clip_id])

    def copy_selected(self) -> None:
        self.clipboard = self.w.timeline.selected_annotations()
        if self.clipboard:
            self.w.statusBar().showMessage(
                f"Copied {count(len(self.clipboard), 'mark')}; Ctrl+V pastes at the playhead.", 4000)

    def paste(self) -> None:
        if self.w.workspace is not None and self.clipboard:
            pasted = self.w.workspace.marks.paste(self.clipboard, self.w.player.frame)
            self.w.timeline.select({a.id for a in pasted})

    def delete_selected(self) -> None:
        """Delete what is selected where the focus is: a clip or still in the bin, else the marks (a
        suggestion is dismissed, and remembered as dismissed)."""
        if self.w.clip_bin.hasFocus() and self.w.clip_bin.delete_current():
            return
        ws = self.w.workspace
        if ws is None or not self.w.timeline.selected:
            return
        suggested = [s for s in map(ws.suggestions.at, sorted(self.w.timeline.selected)) if s is not None]
        for suggestion in suggested:
            ws.suggestions.dismiss(suggestion.id)
        marks = [a for a in sorted(self.w.timeline.selected) if a in ws.layer]
        if marks:
            ws.marks.delete(marks)

    def accept_suggestions(self) -> None:
        ws = self.w.workspace
        chosen = [s for s in map(ws.suggestions.at, sorted(self.w.timeline.selected)) if s is not None] if ws else []
        if ws is None or not chosen:
            self.w.statusBar().showMessage("Choose a suggestion on the Suggestions lane first.", 5000)
            return
        for suggestion in chosen:
            ws.suggestions.accept(suggestion.id)
        self.w.statusBar().showMessage("Added to your turn-taking — Ctrl+Z takes it back.", 5000)

    def suggest_turns(self) -> BackgroundJob | None:
        """Listen for turn-taking in the background; the moments found go on the Suggestions lane."""
        ws = self.w.workspace
        if ws is None or self.suggest_job is not None:
            return self.suggest_job
        vault, recording = self.w.vault, ws.recording
        job = BackgroundJob(lambda progress, cancelled: suggest_turn_taking(
            vault, recording, progress=progress, cancelled=cancelled), self,
            title="Listening for turn-taking", jobs=self.w.jobs)
        dialog = QProgressDialog("Listening for turn-taking in the sound…", "Stop", 0, 100, self.w)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(400)
        job.progressed.connect(lambda done, total: dialog.setValue(int(done * 100 // max(total, 1))))
        dialog.canceled.connect(job.requestInterruption)
        job.succeeded.connect(lambda found: self._suggested(ws, found))
        job.failed.connect(self._suggest_failed)
        job.cancelled.connect(lambda: self.w.statusBar().showMessage("Stopped listening; nothing was suggested.", 5000))
        job.ended.connect(dialog.reset)
        job.ended.connect(lambda: setattr(self, "suggest_job", None))
        self.suggest_job = job
        job.start()
        return job

    def _suggested(self, ws: Workspace, found: tuple[list[Suggestion], AnalysisResult]) -> None:
        proposals, result = found
        if ws is not self.w.workspace:  # another film was opened meanwhile
            return
        marked = sum(ws.suggestions.marked_already(p) for p in proposals)
        made = ws.suggestions.suggest(proposals)
        already = (f" {count(marked, 'moment')} you have marked already {'is' if marked == 1 else 'are'} left out."
                   if marked else "")
        if made:
            self.w.statusBar().showMessage(f"On the Suggestions lane: {result.summary.text()}{already} Enter "
                                           "accepts one, Delete dismisses it.", 15000)
        elif marked:
            self.w.statusBar().showMessage("The turn-taking heard in the sound is marked on the Turn-taking lane "
                                           "already: nothing new to suggest.", 10000)
        else:
            self.w.statusBar().showMessage(result.note or "No new turn-taking found in the sound.", 10000)

    def _suggest_failed(self, error: BaseException) -> None:
        self.w.statusBar().showMessage(f"Could not listen for turn-taking: {error}", 10000)
