"""Turn-taking suggested from the sound, in the window: found in the background, accepted with Enter on the
timeline, dismissed with Delete, both undone with Ctrl+Z."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.conftest import open_vault
from tests.test_ui import wait_shown
from ui.main_window import MainWindow
from vigtool.domain.model import Actor, TrackKind
from vigtool.domain.suggestions import SuggestedTurn, Suggestion, SuggestionState
from vigtool.domain.time import FrameRange
from vigtool.domain.vocal_turns import VocalSummary
from vigtool.services.analysis import AnalysisResult
from vigtool.services.importing import import_recording
from vigtool.synth.eval_set import render_eval_case


def test_suggestions_in_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    film = tmp_path / "film.mp4"
    render_eval_case("kitchen-15db-hevc", film, seconds=60, seed_offset=903)
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, film, "Family A").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        window.open_recording(recording.id)
        wait_shown(qtbot, window, 0)
        ws = window.workspace
        assert ws is not None
        assert window.marking.suggest_turns() is not None
        qtbot.waitUntil(lambda: window.marking.suggest_job is None, timeout=30000)
        # A progress dialog shown for a longer analysis took the activation; a desktop's window manager hands
        # it back to the window when the dialog goes, the offscreen platform has none to do it.
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        lane = ws.tracks.of_kind(TrackKind.SUGGESTIONS)
        assert lane is not None
        bars = sorted(ws.layer.on_track(lane.id), key=lambda a: a.start)
        assert len(bars) >= 2 and "Suggestions lane" in window.statusBar().currentMessage()

        window.timeline.select({bars[0].id})
        window.review_panel.prompt.setEnabled(True)
        window.review_panel.prompt.setFocus()  # Enter in a text field is the field's, never an acceptance
        qtbot.keyClick(window.review_panel.prompt, Qt.Key.Key_Return)
        assert not ws.chains
        window.timeline.setFocus()
        qtbot.keyClick(window.timeline, Qt.Key.Key_Return)  # Enter on the timeline accepts it
        assert len(ws.chains) == 1 and bars[0].id not in ws.layer
        window.timeline.select({bars[1].id})
        qtbot.keyClick(window, Qt.Key.Key_Delete)  # Delete dismisses it
        assert bars[1].id not in ws.layer
        assert sorted(s.state for s in ws.suggestions.values() if s.state is not SuggestionState.OPEN) == [
            SuggestionState.ACCEPTED, SuggestionState.DISMISSED]
        assert "1 initiative" in window.codebook_panel.summary.text() or "initiatives" in \
            window.codebook_panel.summary.text()
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert bars[0].id in ws.layer and bars[1].id in ws.layer and not ws.chains
        window.close()


def result(exchanges: int) -> AnalysisResult:
    """What the analysis says with its proposals (their summary only: the window shows that)."""
    return AnalysisResult(16000, [], [], [], VocalSummary(exchanges, exchanges, 0, 2 * exchanges, exchanges,
                                                          None, None))


def test_turn_taking_marked_already_is_not_suggested_again(demo_window: MainWindow) -> None:
    """The demo family's first 10 s are marked as turn-taking by hand: the sound's turns there are not laid
    over them as a suggestion (accepted, a second chain would lie over hers); those after them are, and the
    window says what was left out."""
    window = demo_window
    ws = window.workspace
    assert ws is not None and ws.chains
    marked_end = max(ws.layer.get(link.annotation_id).end for chain in ws.chains.values() for link in chain.links
                     if ws.layer.get(link.annotation_id).start < 300)
    proposals = []
    for first in (30, marked_end + 150):
        turns = (SuggestedTurn(Actor.INFANT, FrameRange(first, first + 20)),
                 SuggestedTurn(Actor.PARENT, FrameRange(first + 30, first + 60)))
        proposals.append(Suggestion(0, ws.recording.id, FrameRange(first, first + 60), turns))
    chains_before = len(ws.chains)
    window.marking._suggested(ws, (proposals, result(2)))
    lane = ws.tracks.of_kind(TrackKind.SUGGESTIONS)
    assert lane is not None
    bars = list(ws.layer.on_track(lane.id))
    assert [b.start for b in bars] == [marked_end + 150]  # only the moment not marked yet
    assert "1 moment you have marked already is left out" in window.statusBar().currentMessage()
    assert len(ws.chains) == chains_before
    window.marking._suggested(ws, (proposals[:1], result(1)))
    assert "marked on the Turn-taking lane already" in window.statusBar().currentMessage()
