"""What a new practitioner hits on a first day: consent said before the form, Ctrl+E without picking a clip,
dates nobody has to guess, words and glyphs, folders dropped, the wheel on the timeline."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import Sample, WindowOn
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetrics, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.qt_export import ExportDialog
from ui.qt_unlock_dialog import UnlockDialog
from vigtool.domain.time import FrameRange
from vigtool.domain.turns import TurnSummary
from vigtool.domain.wording import count, sentence
from vigtool.services.dropping import films_in
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault


def test_ctrl_e_exports_the_clip_at_hand_without_picking_it_first(qtbot: QtBot,
                                                                 demo_window: MainWindow) -> None:
    window = demo_window
    ws = window.workspace
    assert ws is not None and ws.clips and window.clip_bin.currentItem() is None
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = next((d for d in window.findChildren(ExportDialog) if d.isVisible()), None)
    assert dialog is not None, window.statusBar().currentMessage()
    clip = next(iter(ws.clips.values()))
    assert dialog.clip.range == clip.range and dialog.caption.text() == clip.caption  # the film's clip itself
    dialog.close()


def test_export_without_consent_is_refused_before_the_form(qtbot: QtBot, vault: Vault, window_on: WindowOn,
                                                           samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family B").recording
    window = window_on(vault, recording.id)
    window.marks.set_both(0, 20)
    assert window.sharing.export_clip_dialog() is None
    assert not window.findChildren(ExportDialog)
    message = window.statusBar().currentMessage()
    assert message.startswith("No export:") and "consent" in message.lower() and "Consent for this film" in message
    box = next(w for w in window.findChildren(QMessageBox) if w.isVisible())
    assert box.windowTitle() == "No export" and "Consent for this film" in box.text()  # said over the window too
    box.close()


def test_consent_dates_are_written_out(qtbot: QtBot, demo_window: MainWindow) -> None:
    window = demo_window
    dialog = window.sharing.consent_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    month = dialog.given_on.date().toString("MMMM")
    assert month in dialog.given_on.text() and len(dialog.given_on.text().split()) == 3  # "1 December 2026"
    first = dialog.given.item(0).text()
    assert "2026)" in first and "-" not in first.split("(")[-1].split(",")[1]  # not 2026-01-05
    dialog.close()


def test_words_and_glyphs_a_practitioner_reads(qtbot: QtBot, demo_window: MainWindow, tmp_path: Path) -> None:
    window = demo_window
    # Play shows a pause sign the font has (no missing-glyph box).
    window.player.toggle_play()
    qtbot.waitUntil(lambda: window.player.play_button.text() != "▶", timeout=3000)
    metrics = QFontMetrics(window.player.play_button.font())
    assert all(metrics.inFontUcs4(ord(c)) for c in window.player.play_button.text())
    window.player.pause()
    # The inspector's codes as the codebook words them, never in capitals.
    window.show_first_moment()
    names = [window.inspector.code.itemText(i).strip() for i in range(window.inspector.code.count())]
    assert "Receiving initiatives" in " ".join(names) or len(names) > 3
    assert not [n for n in names if n.isupper()], names
    # An export into a folder that cannot be written names the folder, not Python's errno or our temp file.
    window.clip_bin.setCurrentRow(0)
    dialog = window.sharing.export_clip_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.path.setText("/proc/moment.mp4")
    dialog.start()
    qtbot.waitUntil(lambda: dialog.job is None and dialog.status.text().startswith("Not exported"), timeout=20000)
    text = dialog.status.text()
    assert "Errno" not in text and ".tmp" not in text and "/proc" in text, text
    dialog.close()


def test_summaries_never_count_what_did_not_happen() -> None:
    parent_only = TurnSummary(from_baby=0, baby_received=0, from_parent=2, parent_answered=0, turns=2,
                              median_latency=None)
    assert "0" not in parent_only.text() and "2 initiatives from parent" in parent_only.text()
    unanswered = TurnSummary(from_baby=1, baby_received=0, from_parent=0, parent_answered=0, turns=1,
                             median_latency=None)
    assert unanswered.text() == "1 initiative from baby"
    assert count(1, "film") == "1 film" and count(2, "film") == "2 films"
    assert sentence("a vault passphrase needs at least 8 characters") == \
        "A vault passphrase needs at least 8 characters."


def test_a_short_passphrase_is_refused_in_a_sentence(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = UnlockDialog(tmp_path / "new vault")
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("short")
    dialog.again.setText("short")
    dialog.try_unlock()
    assert dialog.message.text() == "A vault passphrase needs at least 8 characters."


def test_a_dropped_folder_offers_the_films_inside(qtbot: QtBot, demo_window: MainWindow, tmp_path: Path,
                                                   samples: dict[str, Sample]) -> None:
    window = demo_window
    folder = tmp_path / "visit 3"
    (folder / "phone").mkdir(parents=True)
    shutil.copy(samples["h264"].path, folder / "phone" / "a.mp4")
    (folder / "notes.txt").write_text("not a film")
    (tmp_path / "empty").mkdir()
    asked: list[int] = []
    window.families.ask_family = lambda n: asked.append(n) and None  # type: ignore[method-assign]
    window.importing.import_dropped([folder, tmp_path / "empty"])
    assert asked == [1]  # the one film inside, not "is a folder"
    assert "empty: no films in this folder" in window.statusBar().currentMessage()
    films, notes = films_in([folder])
    assert films == [folder / "phone" / "a.mp4"] and notes == []


def test_the_plain_wheel_zooms_the_timeline_and_point_marks_show_at_whole_film_zoom(
        qtbot: QtBot, demo_window: MainWindow) -> None:
    window = demo_window
    timeline = window.timeline
    timeline.zoom_fit()
    before = timeline.zoom.px_per_frame
    centre = QPointF(timeline.width() / 2, 40)
    event = QWheelEvent(centre, timeline.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(timeline, event)
    assert timeline.zoom.px_per_frame > before
    # Many single-frame marks at whole-film zoom are drawn as a raster: each one still at least 3 px wide.
    ws = window.workspace
    assert ws is not None
    frames = list(range(5, ws.recording.frame_count - 5, 13))
    for frame in frames:
        ws.marks.add("init.look", FrameRange.point(frame))
    timeline.zoom_fit()
    image = timeline.grab().toImage()
    lane_y = next(y for y in range(image.height()) if _coloured_columns(image, y) >= len(frames))
    assert _coloured_columns(image, lane_y) >= 3 * len(frames) * 0.9


def _coloured_columns(image: QImage, y: int) -> int:
    """Columns of row `y` drawn in a saturated colour (marks), not the greys of the lanes."""
    return sum(1 for x in range(image.width()) if image.pixelColor(x, y).saturation() > 120)
