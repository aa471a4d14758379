"""Consent by purpose: every use is refused until each person filmed consented to it, and refused again the
moment they withdraw; withdrawing everything lists what to recall and can destroy the film."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import FAST_KDF, PASSPHRASE, Sample, vigtool
from pytestqt.qtbot import QtBot

from storage.keys import KEY_FILE_NAME
from tests.test_ui import wait_shown
from ui.main_window import MainWindow
from vigtool.domain.consent import Purpose
from vigtool.domain.model import ReviewItemKind
from vigtool.domain.time import FrameRange
from vigtool.services import review
from vigtool.services.consent import ConsentRefusedError, record_consent, withdraw
from vigtool.services.exporting import export_clip, export_still
from vigtool.services.importing import import_recording
from vigtool.services.packaging import PackageClip, write_package
from vigtool.services.vault import Vault

TODAY = date(2026, 11, 23)


def test_each_use_needs_every_persons_consent_to_its_purpose(vault: Vault, samples: dict[str, Sample],
                                                            tmp_path: Path) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    clip = tmp_path / "clip.mp4"
    with pytest.raises(ConsentRefusedError, match="no consent is recorded for this film"):
        export_clip(vault, recording, FrameRange(0, 20), clip)
    record_consent(vault, recording, "Mother", [Purpose.REVIEW, Purpose.SUPERVISION], recorded_by="A. Smith",
                   given_on=TODAY, form_reference="F-7")
    record_consent(vault, recording, "Father", [Purpose.REVIEW], recorded_by="A. Smith", given_on=TODAY)
    export_clip(vault, recording, FrameRange(0, 20), clip)  # both agreed to the shared review
    for purpose in (Purpose.SUPERVISION, Purpose.TRAINING, Purpose.RESEARCH):
        who = "Father" if purpose is Purpose.SUPERVISION else "Mother"
        with pytest.raises(ConsentRefusedError, match=f"h264.mp4: {who} has not consented to {purpose.plain}"):
            export_still(vault, recording, 3, tmp_path / "s.png", purpose=purpose)
        with pytest.raises(ConsentRefusedError):
            write_package(vault, [PackageClip(recording, FrameRange(0, 10))], tmp_path / "p.vigpkg",
                          "a package passphrase", kdf=FAST_KDF, purpose=purpose)
    record_consent(vault, recording, "father", [Purpose.REVIEW, Purpose.SUPERVISION], recorded_by="A. Smith",
                   given_on=TODAY)  # the same person again replaces, whatever the capitals
    export_still(vault, recording, 3, tmp_path / "s.png", purpose=Purpose.SUPERVISION)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "s.png", "vault"]


def test_withdrawal_is_honoured_at_once_and_lists_what_to_recall(vault: Vault, samples: dict[str, Sample],
                                                                tmp_path: Path) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    record_consent(vault, recording, "Mother", [Purpose.REVIEW, Purpose.SUPERVISION], recorded_by="A. Smith",
                   given_on=TODAY)
    export_clip(vault, recording, FrameRange(0, 20), tmp_path / "a.mp4")
    after, recall = withdraw(vault, recording, [Purpose.REVIEW], on=TODAY)
    assert recall == [] and after[0].withdrawn == {Purpose.REVIEW}  # supervision is still allowed
    with pytest.raises(ConsentRefusedError, match="Mother withdrew consent for the shared review"):
        export_clip(vault, recording, FrameRange(0, 20), tmp_path / "b.mp4")
    export_still(vault, recording, 1, tmp_path / "sup.png", purpose=Purpose.SUPERVISION)
    _, recall = withdraw(vault, recording, on=TODAY)  # everything: the copies made are listed
    assert [(e.kind, Path(e.detail["file"]).name) for e in recall] == [("clip", "a.mp4"), ("still", "sup.png")]
    kinds = [e.kind for e in vault.audit.entries()]
    assert kinds.count("withdrawal") == 2 and kinds.count("consent") == 1


def test_consent_can_expire(vault: Vault, samples: dict[str, Sample], tmp_path: Path) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    record_consent(vault, recording, "Mother", list(Purpose), recorded_by="A. Smith",
                   given_on=date.today() - timedelta(days=400), expires_on=date.today() - timedelta(days=1),
                   today=date.today() - timedelta(days=400))  # recorded back then; it has expired since
    with pytest.raises(ConsentRefusedError, match="Mother's consent for the shared review with the family expired on"):
        export_clip(vault, recording, FrameRange(0, 20), tmp_path / "a.mp4")


def test_presenter_and_handout_are_refused_without_consent(qtbot: QtBot, tmp_path: Path,
                                                           samples: dict[str, Sample]) -> None:
    with Vault.open(tmp_path / "v", PASSPHRASE, create=True, kdf=FAST_KDF) as vault:
        recording = import_recording(vault, samples["h264"].path, "Family A").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(recording.id)
        wait_shown(qtbot, window, 0)
        assert window.workspace is not None
        window.workspace.stills.add(12)
        # The family's screen stays dark.
        assert window.sharing.present_review() is None and window.sharing.presenter is None
        assert "no consent is recorded" in window.statusBar().currentMessage()
        session = window.review_session()
        assert session is not None and session.items[0].kind is ReviewItemKind.STILL
        with pytest.raises(ConsentRefusedError):
            review.build_handout(vault, session)
        dialog = window.sharing.consent_dialog()  # the practitioner records the signed form
        assert dialog is not None and "No consent recorded" in dialog.given.item(0).text()
        dialog.person.setText("Mother")
        dialog.purposes[Purpose.REVIEW].setChecked(True)
        dialog.form_reference.setText("F-12")
        assert dialog.record()
        assert dialog.given.item(0).text().startswith("Mother: review (form F-12")
        controls = window.sharing.present_review()
        assert controls is not None
        controls.close()
        assert "tmp" not in " ".join(dialog.withdraw_all())  # nothing was exported, nothing to recall
        assert "withdrew review" in dialog.given.item(0).text()
        assert window.sharing.present_review() is None  # honoured at once
        assert dialog.shred(confirm=False)  # and the film can go for good
        assert window.workspace is None and vault.repo.recordings.list() == []
        assert window.cases.topLevelItem(0).childCount() == 0
        window.close()


def test_cli_sets_shows_and_withdraws_with_shredding(tmp_path: Path, samples: dict[str, Sample]) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return vigtool(*args, vault=tmp_path / "v")

    assert run("init").returncode == 0
    assert run("import", str(samples["h264"].path), "--case", "Family A").returncode == 0
    assert run("consent", "set", "1", "--person", "Mother", "--purposes", "review,supervision", "--form",
               "F-9", "--expires", "2030-01-01").returncode == 0
    shown = run("consent", "show", "1")
    assert shown.returncode == 0 and shown.stdout.strip() == "Mother: review, supervision"
    assert run("consent", "set", "1", "--person", "Mother", "--purposes", "gossip").returncode == 2
    assert run("export", "1", "--from", "0", "--to", "20", "-o", str(tmp_path / "a.mp4")).returncode == 0
    gone = run("consent", "withdraw", "1", "--shred")
    assert gone.returncode == 0 and "a.mp4" in gone.stderr and "destroyed" in gone.stderr
    assert run("list").stdout.count("h264.mp4") == 0  # crypto-shredded
    assert (tmp_path / "v" / KEY_FILE_NAME).exists()
