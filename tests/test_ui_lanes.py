"""Supervision as two people do it, in two real windows over two vaults: the practitioner codes with keys
(each code on its own lane), the supervisor's keys land on her current lane (her Supervision lane), the
practitioner's marks cannot be changed on the supervisor's side by key, drag, paste or delete, and the
agreement between the two comes out as worked out by hand, per code and overall."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont, QFontMetrics
from pytestqt.qtbot import QtBot

from tests.conftest import Sample, give_consent, open_vault, vigtool
from tests.test_ui import wait_shown
from tests.test_ui_workspace import drag
from ui import qt_agreement, qt_supervision
from ui.main_window import MainWindow
from ui.qt_timeline import HEADER_W, elided_lane_name
from vigtool.domain.agreement import NONE
from vigtool.domain.model import TrackKind
from vigtool.domain.time import FrameRange
from vigtool.services import lanes, supervision
from vigtool.services.importing import import_recording
from vigtool.services.lanes import ReadOnlyLaneError
from vigtool.services.vault import Vault

X, Y, Z = "init.look", "p3", "p2"  # keys Q, 3 and 2
SHIFT = Qt.KeyboardModifier.ShiftModifier


def key(qtbot: QtBot, window: MainWindow, at: int, code_key: Qt.Key, until: int | None = None) -> None:
    """Go to a frame and press a code's key (with an out point: Shift+key over in–out)."""
    window.player.show_frame(at)
    if until is None:
        qtbot.keyClick(window, code_key)
        return
    qtbot.keyClick(window, Qt.Key.Key_I)
    window.player.show_frame(until)
    qtbot.keyClick(window, Qt.Key.Key_O)
    qtbot.keyClick(window, code_key, SHIFT)


def lane_marks(window: MainWindow) -> dict[str, list[tuple[int, int, str | None]]]:
    ws = window.workspace
    assert ws is not None
    labels = ws.lanes.labels()
    return {labels[t.id]: [(a.start, a.end, a.code_id) for a in ws.layer.on_track(t.id)] for t in ws.layer.tracks}


def window_on(qtbot: QtBot, vault: Vault) -> MainWindow:
    window = MainWindow(vault, restore_state=False)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    return window


def test_her_lanes_read_only_my_keys_on_my_lane_and_agreement_by_hand(
        qtbot: QtBot, tmp_path: Path, samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "anna") as hers, open_vault(tmp_path / "beth") as mine:
        lanes.set_my_name(hers, "Anna")
        lanes.set_my_name(mine, "Beth")
        for vault, other, card in ((hers, mine, "beth.json"), (mine, hers, "anna.json")):
            supervision.save_key_card(other, tmp_path / card)
            supervision.add_contact(vault, tmp_path / card)  # under the name on the card
        film = import_recording(hers, samples["h264"].path, "Family A").recording  # 120 frames at 30 fps
        give_consent(hers, film)

        # Anna codes her film with keys: each code goes to the lane it belongs to.
        practitioner = window_on(qtbot, hers)
        practitioner.open_recording(film.id)
        wait_shown(qtbot, practitioner, 0)
        key(qtbot, practitioner, 5, Qt.Key.Key_Q)
        key(qtbot, practitioner, 20, Qt.Key.Key_3, until=29)
        key(qtbot, practitioner, 50, Qt.Key.Key_Q)
        key(qtbot, practitioner, 70, Qt.Key.Key_3, until=79)
        assert lane_marks(practitioner)["Baby"] == [(5, 6, X), (50, 51, X)]
        assert lane_marks(practitioner)["Parent"] == [(20, 30, Y), (70, 80, Y)]
        package = supervision.send_for_supervision(hers, [film], supervision.contact(hers, "Beth"),
                                                   tmp_path / "for Beth.vigpkg")

        # Beth opens it: Anna's lanes carry Anna's name; Beth's keys mark Beth's own Supervision lane.
        supervisor = window_on(qtbot, mine)
        supervisor.sharing.open_package_dialog(package)
        wait_shown(qtbot, supervisor, 0)
        ws = supervisor.workspace
        assert ws is not None
        labels = ws.lanes.labels()
        own = next(t for t in ws.layer.tracks if not t.read_only)
        assert labels[own.id] == "Beth: Supervision" and ws.lanes.current == own.id
        assert {labels[t.id] for t in ws.layer.tracks if t.read_only} == {
            "Anna: Parent", "Anna: Baby", "Anna: Turn-taking", "Anna: Notes"}
        assert "your code keys mark your 'Supervision' lane" in supervisor.statusBar().currentMessage()
        before = {k: v for k, v in lane_marks(supervisor).items() if k.startswith("Anna")}
        key(qtbot, supervisor, 7, Qt.Key.Key_Q)
        assert "on 'Beth: Supervision'" in supervisor.statusBar().currentMessage()
        key(qtbot, supervisor, 22, Qt.Key.Key_2, until=34)
        key(qtbot, supervisor, 90, Qt.Key.Key_Q)
        key(qtbot, supervisor, 72, Qt.Key.Key_3, until=74)
        assert lane_marks(supervisor)["Beth: Supervision"] == [(7, 8, X), (22, 35, Z), (72, 75, Y), (90, 91, X)]

        # Anna's marks stay as she sent them, whatever is tried in the window or through the workspace.
        timeline = supervisor.timeline
        timeline.zoom_fit()
        baby = next(t for t in ws.layer.tracks if t.read_only and t.kind is TrackKind.INFANT)
        her_look = ws.layer.on_track(baby.id)[1]  # the look at frame 50
        y = int(timeline.lane_rect(baby.id).center().y())
        at = QPoint(int(timeline.x_of_frame(50.5)), y)
        drag(qtbot, timeline, QPoint(int(timeline.x_of_frame(100.5)), y),
             QPoint(int(timeline.x_of_frame(110.5)), y))  # drawing on her lane: nothing is made
        drag(qtbot, timeline, at, at + QPoint(int(20 * timeline.zoom.px_per_frame), 0))  # a drag: nothing moves
        assert timeline.selected == {her_look.id}
        qtbot.keyClick(supervisor, Qt.Key.Key_Delete)
        assert "holds Anna's marks as Anna sent them" in supervisor.statusBar().currentMessage()
        qtbot.keyClick(supervisor, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
        supervisor.player.show_frame(60)
        qtbot.keyClick(supervisor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)  # a copy, on my lane
        assert (60, 61, X) in lane_marks(supervisor)["Beth: Supervision"]
        qtbot.keyClick(supervisor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        for attempt in (lambda: ws.marks.move([her_look.id], 5),
                        lambda: ws.marks.move([her_look.id], 0, own.id),
                        lambda: ws.marks.resize(her_look.id, FrameRange(50, 60)),
                        lambda: ws.marks.set_note(her_look.id, "not hers"),
                        lambda: ws.marks.delete([her_look.id]),
                        lambda: ws.marks.add(X, FrameRange(3, 4), track_id=baby.id),
                        lambda: ws.tracks.rename(baby.id, "Mine now")):
            with pytest.raises(ReadOnlyLaneError, match="Anna's marks"):
                attempt()
        mine_first = ws.layer.on_track(own.id)[0]
        with pytest.raises(ReadOnlyLaneError):  # nor onto her lane
            ws.marks.move([mine_first.id], 0, baby.id)
        assert {k: v for k, v in lane_marks(supervisor).items() if k.startswith("Anna")} == before
        stored = {(a.track_id, a.start, a.end, a.code_id) for a in mine.repo.annotations.list(ws.recording.id)}
        assert (baby.id, 50, 51, X) in stored and len([s for s in stored if s[0] == baby.id]) == 2

        # Clicking a lane's name: hers cannot become current; mine toggles.
        header_y = int(timeline.lane_rect(baby.id).center().y())
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(HEADER_W // 2, header_y))
        assert ws.lanes.current == own.id and "cannot be changed here" in supervisor.statusBar().currentMessage()
        assert "read-only" in timeline.headers.lane_tooltip(baby)
        own_y = int(timeline.lane_rect(own.id).center().y())
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(HEADER_W // 2, own_y))
        assert ws.lanes.current is None and "each code on its own lane" in supervisor.statusBar().currentMessage()
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(HEADER_W // 2, own_y))
        assert ws.lanes.current == own.id

        # Agreement, Anna against Beth, worked out by hand. One-second slices (four of them):
        #   Anna [X+Y, X, Y, -]   Beth [X+Z, Z, Y, X]: 1 of 4 alike, chance 2/16, kappa 1/7.
        # Moments (within ½ s): X–X, Y–Z, X–, Y–Y, –X: 2 of 5 alike.
        dialog = qt_agreement.show_agreement(supervisor)
        assert dialog is not None
        qtbot.addWidget(dialog)
        report = dialog.report
        assert report is not None and (report.a.name, report.b.name) == ("Anna", "Beth")
        overall = report.result.overall
        assert (overall.moments, overall.alike) == (5, 2)
        assert (overall.kappa.observed, overall.kappa.expected) == (Fraction(1, 4), Fraction(1, 8))
        assert overall.kappa.value == pytest.approx(1 / 7)
        by_code = {f.code: f for f in report.result.codes}
        assert [(by_code[c].a, by_code[c].b, by_code[c].alike) for c in (X, Y, Z)] == [(2, 2, 1), (2, 1, 1), (0, 1, 0)]
        assert by_code[X].kappa.value == pytest.approx(0.0) and by_code[Y].kappa.value == pytest.approx(0.5)
        assert by_code[Z].kappa.value is None
        summary = dialog.summary.text()
        assert "Of 5 moments either of you marked, 2 marked by both with the same code (40%)" in summary
        assert "Kappa 0.14 (slight)" in summary
        look, receiving = (mine.repo.codebook.load().code(c).label for c in (X, Y))
        rows = {dialog.per_code.item(r, 0).text(): [dialog.per_code.item(r, c).text() for c in range(1, 6)]
                for r in range(dialog.per_code.rowCount())}
        assert rows[look] == ["2", "2", "1", "33%", "0.00"]
        assert rows[mine.repo.codebook.load().code(Z).label][4] == "not defined"
        assert rows["All codes"] == ["4", "4", "2", "40%", "0.14"]
        z_row = next(r for r in range(dialog.per_code.rowCount())
                     if dialog.per_code.item(r, 0).text() == mine.repo.codebook.load().code(Z).label)
        assert "Anna did not mark it" in dialog.per_code.item(z_row, 5).toolTip()
        # The differences, side by side; a click goes to the moment.
        cells = [[dialog.differences.item(r, c).text() for c in range(3)] for r in range(dialog.differences.rowCount())]
        assert [row[1:] for row in cells] == [[receiving, mine.repo.codebook.load().code(Z).label],
                                             [look, "— not marked —"], ["— not marked —", look]]
        dialog.differences.cellClicked.emit(1, 0)
        assert supervisor.player.frame == 50
        # Codes against codes: the same order both ways and "not marked" last, so alike is the diagonal.
        rows_h = [dialog.matrix.verticalHeaderItem(k).toolTip() for k in range(dialog.matrix.rowCount())]
        columns_h = [dialog.matrix.horizontalHeaderItem(k).toolTip() for k in range(dialog.matrix.columnCount())]
        assert [h.split(": ", 1)[1] for h in rows_h] == [h.split(": ", 1)[1] for h in columns_h]
        assert rows_h[-1] == "Anna: not marked" and columns_h[-1] == "Beth: not marked"
        diagonal = [dialog.matrix.item(k, k).text() for k in range(dialog.matrix.rowCount() - 1)]
        assert sorted(diagonal) == ["", "1", "1"]
        saved = dialog.save_csv(tmp_path / "agreement.csv")
        assert saved is not None
        table = list(csv.reader(io.StringIO(saved.read_text())))
        assert table[0][:4] == ["code", "name", "moments Anna", "moments Beth"]
        assert ["p3", receiving, "2", "1", "2", "1", "0.5000", "0.5000", "0.7500", "0.5000", "4"] in table
        assert table[-1][1:] == ["90", "not marked", look]

        # The same, at a finer grain (⅓ s slices, marks within 0.1 s), from the command line with --json:
        # twelve slices; overall 17/41, X 0.4, Y 0.625.
        run = vigtool("agreement", str(ws.recording.id), "--json", "--slice", "1/3", "--within", "1/10",
                      vault=tmp_path / "beth")
        assert run.returncode == 0, run.stderr
        figures = json.loads(run.stdout)
        assert figures["overall"]["kappa"] == pytest.approx(17 / 41, abs=1e-4)
        assert {c["code"]: c["kappa"] for c in figures["codes"]} == {X: 0.4, Y: 0.625, Z: None}
        said = {c["code"]: c["kappa_said"] for c in figures["codes"]}
        assert said[Z].startswith("Kappa is not defined: Anna did not mark it")
        assert said[X].startswith("Kappa 0.40 (fair): cutting the film into 0.33 s slices")
        assert [(d["a"] and d["a"]["code"], d["b"] and d["b"]["code"]) for d in figures["differences"]] == [
            (Y, Z), (X, None), (None, X)]
        assert NONE not in run.stdout.replace('"none"', "")  # codes by name or null, no internal placeholder
        practitioner.close()
        supervisor.close()


def test_your_name_is_asked_once_and_goes_on_your_key_card_and_lanes(qtbot: QtBot, tmp_path: Path,
                                                                     samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        assert lanes.needs_name(vault)  # the login name is only a guess
        window = window_on(qtbot, vault)
        assert qt_supervision.ask_name(window, "  Sam   Rivers ")
        assert not lanes.needs_name(vault) and vault.identity is not None
        assert vault.identity.public.name == "Sam Rivers"
        card = supervision.save_key_card(vault, tmp_path / "card.json")
        assert card.name == "Sam Rivers" and '"name": "Sam Rivers"' in (tmp_path / "card.json").read_text()
        assert not qt_supervision.ask_name(window, "   ")
        assert "Name not changed: Your name cannot be empty" in window.statusBar().currentMessage()
        partners = qt_supervision.show_partners(window)
        qtbot.addWidget(partners)
        assert "Sam Rivers" in partners.you.text()
        assert partners.change_name("Sam R.") and "Sam R." in partners.you.text()
        assert "Save your key card again" in partners.status.text()
        window.close()
    with open_vault(tmp_path / "v", create=False) as vault:  # kept in the vault, sealed
        assert vault.identity is not None and vault.identity.public.name == "Sam R."
        assert not lanes.needs_name(vault)
        for stored in (tmp_path / "v").glob("vigtool.sqlite3*"):
            assert b"Sam R" not in stored.read_bytes()


def test_lane_names_are_shortened_from_the_persons_name_first(qtbot: QtBot) -> None:
    metrics = QFontMetrics(QFont())
    label = "Anna Lindqvist-Bergström: Turn-taking"
    width = metrics.horizontalAdvance("Anna L…: Turn-taking") + 2
    shown = elided_lane_name(metrics, label, width)
    assert shown.endswith(": Turn-taking") and shown.startswith("Anna") and "…" in shown
    assert metrics.horizontalAdvance(shown) <= width
    assert elided_lane_name(metrics, "Parent", 500) == "Parent"
    narrow = elided_lane_name(metrics, label, 30)
    assert metrics.horizontalAdvance(narrow) <= 30 and narrow.endswith("…")


def test_the_inspector_shows_her_mark_read_only(qtbot: QtBot, tmp_path: Path, samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, samples["h264"].path, "Family A").recording
        hers = vault.repo.tracks.add(recording.id, "Baby", TrackKind.INFANT, owner="ANNA-0000-0000-0000-0000")
        look = vault.repo.annotations.add(hers.id, FrameRange(10, 11), X, note="she looks")
        window = window_on(qtbot, vault)
        window.open_recording(recording.id)
        window.timeline.select({look.id})
        inspector = window.inspector
        assert inspector.note.isReadOnly() and not inspector.code.isEnabled()
        assert "someone else's mark, as someone else sent it: read-only" in inspector.when.text()
        inspector.note.setFocus()
        qtbot.keyClicks(inspector.note, "x")
        assert vault.repo.annotations.list(recording.id)[-1].note == "she looks"
        own = next(t for t in window.workspace.layer.tracks if not t.read_only) if window.workspace else None
        assert own is not None
        mine = window.workspace.marks.add(X, FrameRange(20, 21), track_id=own.id) if window.workspace else None
        assert mine is not None
        window.timeline.select({mine.id})
        assert not inspector.note.isReadOnly() and inspector.code.isEnabled()
        window.close()
