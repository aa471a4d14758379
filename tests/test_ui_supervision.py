"""Supervision in the window, as two people do it: key cards swapped and fingerprints shown, films sent
(only those with consent) on a job with progress, comments sent back and merged beside her own marks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.conftest import Sample, give_consent, open_vault
from ui import qt_agreement, qt_supervision
from ui.main_window import MainWindow
from vigtool.domain.consent import Purpose
from vigtool.domain.time import FrameRange
from vigtool.services import supervision
from vigtool.services.exporting import ExportCancelledError
from vigtool.services.importing import import_recording


def test_partners_send_for_supervision_and_comments_back(qtbot: QtBot, tmp_path: Path,
                                                         samples: dict[str, Sample]) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    with open_vault(tmp_path / "practitioner") as mine, open_vault(tmp_path / "supervisor") as hers:
        consented = import_recording(mine, samples["h264"].path, "Family A").recording
        give_consent(mine, consented, Purpose.SUPERVISION)
        not_consented = import_recording(mine, samples["hevc"].path, "Family A").recording
        window = MainWindow(mine, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(consented.id)

        # Key cards swapped, in both directions, in the Partners dialog.
        her_partners = qt_supervision.PartnersDialog(hers)
        qtbot.addWidget(her_partners)
        assert her_partners.save_key_card(cards / "hers.json") is not None
        my_partners = qt_supervision.show_partners(window)
        qtbot.addWidget(my_partners)
        assert my_partners.save_key_card(cards / "mine.json") is not None
        (cards / "broken.json").write_text("{not a key card")
        assert my_partners.add_key_card(cards / "broken.json", "Someone") is None
        assert "Not added" in my_partners.status.text() and "not a vigtool key file" in my_partners.status.text()
        added = my_partners.add_key_card(cards / "hers.json", "Dr Rivers")
        assert hers.identity is not None and added is not None
        assert added.fingerprint == hers.identity.public.fingerprint
        assert hers.identity.public.fingerprint in my_partners.status.text()  # shown, to be compared by phone
        assert my_partners.partners.item(0).text() == f"Dr Rivers — {added.fingerprint}"
        supervision.add_contact(hers, cards / "mine.json", "Sam (practitioner)")

        # Only the film with consent can be ticked; it goes on a job, with the marks.
        assert window.workspace is not None
        window.workspace.marks.add("p3.5", FrameRange(10, 40))
        dialog = qt_supervision.send_for_supervision(window)
        assert dialog is not None
        qtbot.addWidget(dialog)
        texts = [dialog.films.item(k).text() for k in range(dialog.films.count())]
        assert texts[0] == f"recording-{consented.id}.mp4"  # as the Families panel, and as it will arrive
        assert texts[1] == f"recording-{not_consented.id}.mp4 — no consent is recorded for this film"
        assert "no consent" in dialog.films.item(1).toolTip()
        assert [r.id for r in dialog.chosen()] == [consented.id]
        # The same dialog, whichever film of the case is open: one without consent hides none that may go.
        window.open_recording(not_consented.id)
        other = qt_supervision.send_for_supervision(window)
        assert other is not None
        qtbot.addWidget(other)
        texts = [other.films.item(k).text() for k in range(other.films.count())]
        assert texts == [f"recording-{consented.id}.mp4",
                         f"recording-{not_consented.id}.mp4 — no consent is recorded for this film"]
        assert other.films.item(0).flags() & Qt.ItemFlag.ItemIsUserCheckable  # the consented one can be ticked
        other.close()
        window.open_recording(consented.id)
        dialog.path.setText(str(tmp_path / "for Dr Rivers"))
        dialog.start()
        qtbot.waitUntil(lambda: dialog.sent is not None, timeout=20000)
        package = tmp_path / "for Dr Rivers.vigpkg"
        assert dialog.sent == package and package.exists() and "for Dr Rivers only" in dialog.status.text()

        # She opens it in her window, comments on the Supervision lane and sends them back.
        theirs = MainWindow(hers, restore_state=False)
        qtbot.addWidget(theirs)
        theirs.show()
        theirs.sharing.open_package_dialog(package)
        assert theirs.workspace is not None
        lane = next(t for t in theirs.workspace.layer.tracks if t.name == supervision.SUPERVISION_TRACK)
        assert theirs.workspace.lanes.current == lane.id  # her code keys mark her own lane
        theirs.workspace.marks.add("p2.1", FrameRange(50, 70))
        # A film sent to her goes back only as comments: she is told so before anything else.
        assert qt_supervision.send_for_supervision(theirs) is None
        assert "This film was sent to you for supervision" in theirs.statusBar().currentMessage()
        comments = qt_supervision.send_comments(theirs, tmp_path / "comments.vigpkg")
        assert comments is not None and "no footage" in theirs.statusBar().currentMessage()

        # Back with the practitioner: merged beside her own marks.
        window.sharing.open_package_dialog(comments)
        assert "Merged 1 comment on" in window.statusBar().currentMessage()
        assert window.workspace is not None
        assert "Dr Rivers: Supervision" in window.workspace.lanes.labels().values()

        # How closely his own marks and hers agree (the figures themselves: tests/test_ui_lanes.py).
        agreeing = qt_agreement.show_agreement(window)
        assert agreeing is not None
        qtbot.addWidget(agreeing)
        assert agreeing.report is not None and (agreeing.report.a.name, agreeing.report.b.name) == (
            "Dr Rivers", mine.identity.public.name if mine.identity else "")
        # p3.5 at 10–40 (his) and p2.1 at 50–70 (hers) are a third of a second apart: one moment, coded apart.
        assert "Of 1 moment either of you marked, 0 marked by both with the same code (0%); 1 by both with " \
            "different codes" in agreeing.summary.text()
        window.close()
        theirs.close()


def test_sending_can_be_cancelled_and_leaves_nothing(tmp_path: Path, samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "practitioner") as mine, open_vault(tmp_path / "supervisor") as hers:
        recording = import_recording(mine, samples["h264"].path, "Family A").recording
        give_consent(mine, recording, Purpose.SUPERVISION)
        assert hers.identity is not None
        out = tmp_path / "out" / "package.vigpkg"
        out.parent.mkdir()
        seen: list[tuple[int, int]] = []
        with pytest.raises(ExportCancelledError):
            supervision.send_for_supervision(mine, [recording], hers.identity.public, out,
                                             progress=lambda done, total: seen.append((done, total)),
                                             cancelled=lambda: len(seen) >= 2)
        assert list(out.parent.iterdir()) == []
        assert seen and seen[0][1] > 0  # bytes done of the films' whole size
