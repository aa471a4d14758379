"""What a careful desktop tool gets right: film actions wait for a film; a mark at the out point shows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor
from pytestqt.qtbot import QtBot

from tests.conftest import Sample, open_vault
from tests.test_ui import wait_shown
from ui.main_window import MainWindow
from ui.qt_consent import ConsentDialog
from vigtool.domain.consent import Purpose
from vigtool.domain.time import FrameRange
from vigtool.services import consent
from vigtool.services.importing import import_recording

# What a practitioner can do before any film is open.
WITHOUT_A_FILM = {"Import films…", "Open recent vault", "Open vault…", "Open a package…", "Supervision partners…",
                  "Your name…", "Quit", "Undo", "Redo", "Keyboard shortcuts"}


def menu_actions(window: MainWindow) -> dict[str, QAction]:
    found: dict[str, QAction] = {}
    for menu in [*window.actions_.menus, window.actions_.codes_menu]:
        for action in menu.actions():
            if (not action.isSeparator() and action.menu() is None) or action.text() == "&Open recent vault":
                found[action.text().replace("&", "")] = action
    return found


def test_film_actions_wait_until_a_film_is_open(qtbot: QtBot, tmp_path: Path, samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, samples["h264"].path, "Family A").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        docks = {dock.toggleViewAction().text() for dock in window.findChildren(type(window.review_dock))}
        actions = menu_actions(window)
        enabled = {text for text, action in actions.items() if action.isEnabled()}
        assert enabled - docks <= WITHOUT_A_FILM, "enabled with no film open"
        assert not actions["Loop between in and out"].isEnabled() and not window.player.loop_box.isEnabled()
        assert not window.player.play_button.isEnabled()
        assert any(text.startswith("Makes a sound") for text in actions)  # the code keys too, all disabled
        assert not window.actions_.codes_menu.menuAction().isEnabled()  # and their submenu

        window.open_recording(recording.id)
        wait_shown(qtbot, window, 0)
        actions = menu_actions(window)
        disabled = {text for text, action in actions.items() if not action.isEnabled()}
        assert disabled <= {"Undo", "Redo", "Loop between in and out"}
        assert window.player.play_button.isEnabled()
        # Looping needs both marks: in at 10, out at 20.
        window.player.show_frame(10)
        qtbot.keyClick(window, Qt.Key.Key_I)
        assert not actions["Loop between in and out"].isEnabled()
        window.player.show_frame(20)
        qtbot.keyClick(window, Qt.Key.Key_O)
        assert actions["Loop between in and out"].isEnabled() and window.player.loop_box.isEnabled()
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert window.player.loop_box.isChecked()
        window.close()


def test_a_one_frame_mark_on_the_out_frame_shows_over_the_out_marker(qtbot: QtBot, film_window: MainWindow,
                                                                      samples: dict[str, Sample]) -> None:
    window = film_window
    recording = window.workspace.recording if window.workspace else None
    assert recording is not None
    ws = window.workspace
    assert ws is not None
    out = 60
    made = ws.marks.add("init.look", FrameRange.point(out))
    window.marks.set_in(40)
    window.marks.set_out(out)
    timeline = window.timeline
    timeline.zoom_fit()
    image = timeline.grab().toImage()
    row = next(r for r in timeline.lane_rows() if r.track.id == made.track_id)
    marker_x = round(timeline.x_of_frame(out + 1))  # the out marker: the out frame's right edge
    yellow = QColor("#ffd666")

    def is_marker(x: int, y: int) -> bool:
        colour = image.pixelColor(x, y)
        return abs(colour.red() - yellow.red()) + abs(colour.green() - yellow.green()) \
            + abs(colour.blue() - yellow.blue()) < 40

    assert is_marker(marker_x, 20)  # the out marker is there, over the ruler
    head = round(row.top) + 4 + 3  # the pin's head, 12 px wide, over the marker's line
    assert not is_marker(marker_x, head), "the one-frame mark at the out point is under the out marker"
    colour = image.pixelColor(marker_x, head)
    assert colour.saturation() > 80  # the mark's colour


def test_sharing_the_review_waits_for_a_moment_and_the_open_film_stays_chosen(qtbot: QtBot, film_window: MainWindow,
                                                                              samples: dict[str, Sample]) -> None:
    window = film_window
    recording = window.workspace.recording if window.workspace else None
    assert recording is not None
    panel = window.review_panel
    assert [b.isEnabled() for b in panel.sharing_buttons] == [False, False, False]  # nothing to present yet
    window.marks.set_both(10, 40)
    qtbot.keyClick(window, Qt.Key.Key_C)  # a clip, chosen under Clips and stills
    panel.add_requested.emit()
    assert [b.isEnabled() for b in panel.sharing_buttons] == [True, True, True]
    import_recording(window.vault, samples["hevc"].path, "Family B")
    window.refresh_cases()  # as after an import: the panel is filled again
    chosen = window.cases.currentItem()
    assert chosen is not None and chosen.text(0).startswith(f"recording-{recording.id}.mp4")
    assert chosen.isSelected()


def test_a_new_form_for_someone_recorded_starts_from_what_they_agreed_to(qtbot: QtBot, tmp_path: Path,
                                                                         samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, samples["h264"].path, "Family A").recording
        dialog = ConsentDialog(vault, recording)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.person, "Mother")
        dialog.purposes[Purpose.REVIEW].setChecked(True)
        dialog.purposes[Purpose.SUPERVISION].setChecked(True)
        qtbot.keyClicks(dialog.form_reference, "F-1")
        assert dialog.record()
        assert dialog.person.text() == "" and not any(b.isChecked() for b in dialog.purposes.values())
        # Typing on past her name ("Mothers") is someone else: her ticks do not carry over to them.
        qtbot.keyClicks(dialog.person, "Mothers")
        assert not any(b.isChecked() for b in dialog.purposes.values())
        assert "agreed to so far" not in dialog.status.text()
        dialog.person.clear()
        # Later she signs for training too: typing her name ticks what she agreed to, and she adds one.
        qtbot.keyClicks(dialog.person, "mother")
        assert {p for p, b in dialog.purposes.items() if b.isChecked()} == {Purpose.REVIEW, Purpose.SUPERVISION}
        assert "agreed to so far" in dialog.status.text()
        dialog.purposes[Purpose.TRAINING].setChecked(True)
        qtbot.keyClick(dialog.person, Qt.Key.Key_End)
        qtbot.keyClicks(dialog.person, " ")  # still her: her ticks stay as she left them
        assert dialog.purposes[Purpose.TRAINING].isChecked()
        assert dialog.record()
        (mother,) = consent.consents(vault, recording)
        assert mother.purposes == {Purpose.REVIEW, Purpose.SUPERVISION, Purpose.TRAINING}
        dialog.given.itemClicked.emit(dialog.given.item(0))  # her row, clicked: her name in the form
        assert dialog.person.text() == mother.person and dialog.purposes[Purpose.TRAINING].isChecked()
        dialog.close()
