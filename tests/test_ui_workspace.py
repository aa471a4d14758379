"""The workspace driven with keys and the mouse, offscreen: marks, drags, undo, turn chains, zoom, player."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import Sample, ffmpeg_frame, psnr
from tests.test_ui import wait_shown
from ui.main_window import MainWindow
from ui.qt_timeline import HEADER_W
from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Actor, TrackKind
from vigtool.domain.timeline import MAX_PX_PER_FRAME
from vigtool.synth.stamp import read_stamp


@pytest.fixture
def window(film_window: MainWindow) -> MainWindow:
    return film_window


NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def canvas_stamp(image: QImage | None) -> int | None:
    """The frame-index stamp of a picture on the player's canvas."""
    if image is None:
        return None
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    return read_stamp(rows[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3))


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    qtbot.keyClick(window, key, modifier)


def marks(window: MainWindow, kind: TrackKind) -> list[tuple[int, int, str | None]]:
    ws = window.workspace
    assert ws is not None
    track = ws.tracks.of_kind(kind)
    assert track is not None
    return [(a.start, a.end, a.code_id) for a in ws.layer.on_track(track.id)]


def drag(qtbot: QtBot, widget: QWidget, start: QPoint, end: QPoint) -> None:
    """Press, move in five steps with the button held, release: as a hand does."""
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        at = QPointF(start) + (QPointF(end) - QPointF(start)) * (step / 5)
        move = QMouseEvent(QEvent.Type.MouseMove, at, widget.mapToGlobal(at), Qt.MouseButton.NoButton,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, move)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def test_keys_and_mouse_create_move_resize_and_undo_marks(qtbot: QtBot, window: MainWindow) -> None:
    timeline = window.timeline
    for _ in range(10):
        press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_3)  # "Receiving initiatives" at the playhead, on the parent's track
    assert marks(window, TrackKind.PARENT) == [(10, 11, "p3")]
    press(qtbot, window, Qt.Key.Key_Q)  # the baby looks: an initiative, on the baby's track
    assert marks(window, TrackKind.INFANT) == [(10, 11, "init.look")]
    # In and out, then Shift+key codes the whole stretch.
    press(qtbot, window, Qt.Key.Key_I)
    for _ in range(20):
        press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_O)
    press(qtbot, window, Qt.Key.Key_4, Qt.KeyboardModifier.ShiftModifier)
    assert (10, 31, "p4") in marks(window, TrackKind.PARENT)
    timeline.zoom_fit()  # the whole film in view: every frame a few pixels wide
    px = timeline.zoom.px_per_frame
    assert px > 4
    ws = window.workspace
    assert ws is not None
    parent = ws.tracks.of_kind(TrackKind.PARENT)
    assert parent is not None
    lane = timeline.lane_rect(parent.id)
    y = int(lane.center().y())
    # Drag the long mark's body 5 frames right: one step of undo, and it is in the vault at once.
    body = QPoint(int(timeline.x_of_frame(20.5)), y)
    drag(qtbot, timeline, body, body + QPoint(round(5 * px), 0))
    assert (15, 36, "p4") in marks(window, TrackKind.PARENT)
    stored = {(a.start, a.end) for a in ws.repo.annotations.list(ws.recording.id)}
    assert (15, 36) in stored
    # Drag its end edge 4 frames left: resized, snapped to whole frames.
    edge = QPoint(int(timeline.x_of_frame(36)), y)
    drag(qtbot, timeline, edge, edge - QPoint(round(4.2 * px), 0))
    assert (15, 32, "p4") in marks(window, TrackKind.PARENT)
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (15, 36, "p4") in marks(window, TrackKind.PARENT)
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (10, 31, "p4") in marks(window, TrackKind.PARENT)  # the whole drag was one step
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert (15, 36, "p4") in marks(window, TrackKind.PARENT)
    # Dragging in an empty stretch of a lane makes a mark with the code chosen in the palette.
    window.codebook_panel.select_code("p1")
    notes = ws.tracks.of_kind(TrackKind.NOTES)
    assert notes is not None
    y_notes = int(timeline.lane_rect(notes.id).center().y())
    drag(qtbot, timeline, QPoint(int(timeline.x_of_frame(40.5)), y_notes),
         QPoint(int(timeline.x_of_frame(45.5)), y_notes))
    assert marks(window, TrackKind.NOTES) == [(40, 46, "p1")]
    # Select it, copy, move on, paste; delete; undo.
    assert len(timeline.selected) == 1
    press(qtbot, window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    window.player.show_frame(60)
    press(qtbot, window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert marks(window, TrackKind.NOTES) == [(40, 46, "p1"), (60, 66, "p1")]
    press(qtbot, window, Qt.Key.Key_Delete)
    assert marks(window, TrackKind.NOTES) == [(40, 46, "p1")]
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert marks(window, TrackKind.NOTES) == [(40, 46, "p1"), (60, 66, "p1")]
    # The window title never says "unsaved": there is nothing unsaved.
    assert "*" not in window.windowTitle() and "unsaved" not in window.windowTitle().lower()


def test_turn_taking_mode_links_turns_into_chains(qtbot: QtBot, window: MainWindow) -> None:
    press(qtbot, window, Qt.Key.Key_T)
    assert window.marking.turn_mode
    window.player.show_frame(12)
    press(qtbot, window, Qt.Key.Key_B)  # the baby coos
    window.player.show_frame(27)
    press(qtbot, window, Qt.Key.Key_P)  # mother answers
    window.player.show_frame(40)
    press(qtbot, window, Qt.Key.Key_B)  # and the baby answers back
    ws = window.workspace
    assert ws is not None
    chain = next(iter(ws.chains.values()))
    turns = {a.id: a for a in ws.layer}
    assert [turns[link.annotation_id].actor for link in chain.links] == [Actor.INFANT, Actor.PARENT, Actor.INFANT]
    assert chain.latencies(turns) == [15, 13]
    assert "0.43 s" in window.statusBar().currentMessage()  # 13 frames at 30 fps
    assert window.codebook_panel.summary.text().startswith("1 initiative from baby, 1 received")
    press(qtbot, window, Qt.Key.Key_Escape)
    window.player.show_frame(70)
    press(qtbot, window, Qt.Key.Key_B)
    assert len(ws.chains) == 2
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(ws.chains) == 1 and len(ws.repo.chains.list(ws.recording.id)) == 1


def test_zoom_goes_from_the_whole_film_to_a_frame_per_20_pixels(qtbot: QtBot, window: MainWindow) -> None:
    zoom = window.timeline.zoom
    assert zoom.visible_frames() == (0, 120)  # opened on the whole film
    press(qtbot, window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert zoom.px_per_frame > zoom.min_px_per_frame
    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert zoom.px_per_frame == MAX_PX_PER_FRAME
    first, last = zoom.visible_frames()
    assert last - first <= window.timeline.width() / MAX_PX_PER_FRAME + 2
    press(qtbot, window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert zoom.visible_frames() == (0, 120)
    image = window.timeline.grab().toImage()
    assert not image.isNull()


def test_the_player_shows_the_exact_frame_an_independent_decoder_gives(qtbot: QtBot, window: MainWindow,
                                                                        samples: dict[str, Sample]) -> None:
    for frame in (1, 59, 60, 58, 119, 33):
        window.player.show_frame(frame)
        wait_shown(qtbot, window, frame)
        image = window.player.canvas.image
        assert image is not None
        rgb = image.convertToFormat(QImage.Format.Format_RGB888)
        array = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
        array = array[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3)
        assert psnr(array, ffmpeg_frame(samples["h264"].path, frame)) >= 35


def test_pausing_hands_over_the_frame_playback_showed(qtbot: QtBot, window: MainWindow) -> None:
    player = window.player
    player.show_frame(10)
    # While playing, each picture shown is handed over with its frame index: the stamp in the picture
    # says which frame it really is.
    pairs: list[tuple[int | None, int]] = []
    player.forward.frame_played.connect(lambda n, image: pairs.append((read_stamp(image), n)))
    press(qtbot, window, Qt.Key.Key_Space)
    assert player.playing
    qtbot.waitUntil(lambda: player.frame >= 25, timeout=10_000)
    assert canvas_stamp(player.canvas.image) == player.frame  # the picture on screen is the frame counted
    seen = [(stamp, mapped) for stamp, mapped in pairs if stamp is not None]
    # A loaded machine drops frames to keep time; those shown are the frames they are said to be.
    assert len(seen) >= 3 and all(stamp == mapped for stamp, mapped in seen), seen
    assert seen[0][0] == 10  # playback starts where the paused frame was
    press(qtbot, window, Qt.Key.Key_Space)
    assert not player.playing
    paused_at = player.frame
    wait_shown(qtbot, window, paused_at)  # the exact frame, from the frame server
    assert window.timeline.playhead == paused_at
    press(qtbot, window, Qt.Key.Key_Right)
    wait_shown(qtbot, window, paused_at + 1)
    # J plays backwards from the frame server; K stops.
    press(qtbot, window, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: player.frame <= paused_at - 5, timeout=10_000)
    press(qtbot, window, Qt.Key.Key_K)
    assert not player.playing
    wait_shown(qtbot, window, player.frame)


def test_speed_and_shortcuts_are_shown(window: MainWindow) -> None:
    window.player.set_speed(0.1)
    assert window.player.media.playbackRate() == pytest.approx(0.1)
    window.player.set_speed(5)
    assert window.player.speed == 2.0
    media = window.player.media
    assert media.pitchCompensationAvailability() != media.PitchCompensationAvailability.Available \
        or media.pitchCompensation()  # slowed voices keep their pitch wherever Qt can do it
    sheet = window.actions_.cheat_sheet_html()
    for key in ("Space", "Ctrl+Z", "Left", "Right", "J", "K", "L", "F1"):
        assert f"<b>{key}</b>" in sheet
    assert "Receiving initiatives" in sheet  # the codebook's keys are on the sheet too


def test_tracks_can_be_added_renamed_hidden_and_reordered(qtbot: QtBot, window: MainWindow) -> None:
    ws = window.workspace
    assert ws is not None
    sibling = ws.tracks.add("Sibling")
    ws.tracks.rename(sibling.id, "Big sister")
    ws.tracks.move(sibling.id, 0)
    assert ws.layer.tracks[0].name == "Big sister"
    assert window.timeline.rows()[0][0].name == "Big sister"
    # A click on the eye hides the lane; it keeps a thin row to be shown again.
    rect = window.timeline.lane_rect(sibling.id)
    qtbot.mouseClick(window.timeline, Qt.MouseButton.LeftButton, pos=QPoint(HEADER_W - 12, int(rect.center().y())))
    assert not ws.layer.track(sibling.id).visible
    assert window.timeline.lane_rect(sibling.id).height() < rect.height()
    assert ws.repo.tracks.list(ws.recording.id)[0].name == "Big sister"
    for _ in range(4):
        window.undo()
    assert ws.tracks.of_kind(TrackKind.CUSTOM) is None


def test_a_rebound_key_marks_with_its_new_code_and_the_codebook_round_trips(qtbot: QtBot, window: MainWindow,
                                                                            tmp_path: Path) -> None:
    ws = window.workspace
    assert ws is not None
    book = ws.codebook.copy()
    book.bind_key("p3.3", "N")  # "Returning eye contact, smiling, nodding in response"
    ws.replace_codebook(book, "Bind N")
    window.player.show_frame(20)
    press(qtbot, window, Qt.Key.Key_N)
    assert (20, 21, "p3.3") in marks(window, TrackKind.PARENT)
    assert any(a.text().startswith("Returning eye contact") and a.shortcut().toString() == "N"
               for a in window.actions_.codes_menu.actions())
    exported = tmp_path / "codebook.json"
    exported.write_text(ws.codebook.to_json(), encoding="utf-8")
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the mark
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the binding
    assert ws.codebook.code("p3.3").key is None
    press(qtbot, window, Qt.Key.Key_N)
    assert (20, 21, "p3.3") not in marks(window, TrackKind.PARENT)
    ws.replace_codebook(Codebook.from_json(exported.read_text(encoding="utf-8")), "Import codebook")
    assert window.workspace is not None and window.workspace.codebook.code("p3.3").key == "N"


def test_a_new_clip_pauses_on_the_parent_receiving_and_shift_k_moves_it(qtbot: QtBot, window: MainWindow) -> None:
    """The review's key instant is what the practitioner marked, not the middle of the clip."""
    ws = window.workspace
    assert ws is not None
    for frame, key in ((12, Qt.Key.Key_Q), (21, Qt.Key.Key_3)):  # the baby looks; the parent receives it
        window.player.show_frame(frame)
        press(qtbot, window, key)
    for frame, key in ((5, Qt.Key.Key_I), (44, Qt.Key.Key_O), (44, Qt.Key.Key_C)):
        window.player.show_frame(frame)
        press(qtbot, window, key)
    (clip,) = ws.clips.values()
    assert clip.key_frame == 21 and "pauses at" in window.statusBar().currentMessage()
    window.player.show_frame(30)
    press(qtbot, window, Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier)
    assert ws.clips[clip.id].pause_frame == 30
    assert next(c for c in ws.repo.clips.list(ws.recording.id) if c.id == clip.id).key_frame == 30  # written through
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ws.clips[clip.id].pause_frame == 21
    window.player.show_frame(70)  # outside every clip: nothing changes, and she is told what to do
    window.marks.clear()
    press(qtbot, window, Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier)
    assert ws.clips[clip.id].pause_frame == 21 and "Choose a clip" in window.statusBar().currentMessage()
