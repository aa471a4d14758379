"""Attacks as a careless user or an attacker without the passphrase would make them: forwarding a film
received for supervision (in a chain of three vaults, from the CLI), SQL edits of consent and of the frame
index, rows swapped, a consent moved onto another film, and an old vault's upgrade."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import PASSPHRASE, Sample, give_consent, open_vault, vigtool
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from storage.identity import PublicIdentity
from storage.paths import DATABASE_NAME
from storage.sealing import NOT_SEALED, AeadSealer, SealingError, where
from ui import qt_supervision
from ui.main_window import MainWindow
from ui.qt_export import ExportJob
from vigtool.domain.codebook import Codebook, CodebookError
from vigtool.domain.consent import Purpose
from vigtool.domain.model import Recording, ReviewItem, ReviewItemKind, ReviewSession
from vigtool.domain.time import FrameRange
from vigtool.media.errors import MediaError
from vigtool.services import sharing
from vigtool.services.consent import ConsentRefusedError, record_consent, withdraw
from vigtool.services.exporting import ExportError, export_still
from vigtool.services.importing import import_recording
from vigtool.services.packaging import open_package, package_review
from vigtool.services.supervision import open_for_supervision, send_for_supervision
from vigtool.services.vault import Vault, VaultError
from vigtool.services.verify import verify_vault

RECEIVED = ("This film was sent to you for supervision: you can watch it, code it and send your comments back "
            "to Anna; it cannot be exported or sent on.")


@dataclass
class Chain:
    anna: Path  # the practitioner
    bea: Path  # her supervisor
    cleo: Path  # someone the supervisor knows, who should never get the film
    received: int  # the film's id in Bea's vault


def _befriend(a: Vault, b: Vault, a_calls_b: str, b_calls_a: str) -> None:
    assert a.identity is not None and b.identity is not None
    a.identities.add_contact(PublicIdentity(a_calls_b, b.identity.public.x25519, b.identity.public.ed25519))
    b.identities.add_contact(PublicIdentity(b_calls_a, a.identity.public.x25519, a.identity.public.ed25519))


@pytest.fixture
def chain(tmp_path: Path, samples: dict[str, Sample]) -> Iterator[Chain]:
    paths = Chain(tmp_path / "anna", tmp_path / "bea", tmp_path / "cleo", 0)
    with open_vault(paths.anna) as anna, open_vault(paths.bea) as bea, open_vault(paths.cleo) as cleo:
        _befriend(anna, bea, "Bea", "Anna")
        _befriend(bea, cleo, "Cleo", "Bea")
        recording = import_recording(anna, samples["h264"].path, "Family A").recording
        give_consent(anna, recording)
        assert bea.identity is not None
        package = send_for_supervision(anna, [recording], bea.identity.public, tmp_path / "to-bea.vigpkg")
        [received] = open_for_supervision(bea, package)
        paths.received = received.id
    yield paths


@contextmanager
def _raw(path: Path) -> Iterator[sqlite3.Connection]:
    """The sqlite3 tool's view of a database file: no key, every edit committed, closed afterwards."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def _sql(vault_dir: Path, statement: str, *params: object) -> None:
    """An edit made with the sqlite3 tool, without the passphrase."""
    with _raw(vault_dir / DATABASE_NAME) as raw:
        raw.execute(statement, params)


def test_a_film_received_for_supervision_goes_nowhere_else(chain: Chain, tmp_path: Path) -> None:
    with open_vault(chain.bea) as bea:
        received = bea.repo.recordings.get(chain.received)
        for use in sharing.Use:  # the same answer for every way out, before anything is chosen
            assert sharing.refusal(bea, received, use) == RECEIVED
        cleo = next(c for c in bea.identities.contacts() if c.name == "Cleo")
        with pytest.raises(ConsentRefusedError, match="sent to you for supervision"):
            send_for_supervision(bea, [received], cleo, tmp_path / "to-cleo.vigpkg")
        # Recording a consent for it in her own vault changes nothing: it is still Anna's film.
        record_consent(bea, received, "Mother", list(Purpose), recorded_by="Bea", given_on=received.imported_at.date())
        assert sharing.refusal(bea, received, sharing.Use.SUPERVISION) == RECEIVED
    result = vigtool("package", "supervision", str(chain.received), "--to", "Cleo", "-o",
                     str(tmp_path / "cli-to-cleo.vigpkg"), vault=chain.bea)
    assert result.returncode != 0
    assert RECEIVED in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "cli-to-cleo.vigpkg").exists()
    for command in (["export", str(chain.received), "--from", "0", "--to", "5", "-o", str(tmp_path / "c.mp4")],
                    ["still", str(chain.received), "--frame", "3", "-o", str(tmp_path / "s.png")]):
        result = vigtool(*command, vault=chain.bea)
        assert result.returncode != 0 and RECEIVED in result.stderr, result.stderr
    assert not (tmp_path / "c.mp4").exists() and not (tmp_path / "s.png").exists()


def test_deleting_the_record_of_who_sent_it_does_not_make_it_hers(chain: Chain, tmp_path: Path) -> None:
    _sql(chain.bea, "DELETE FROM supervision_links WHERE recording_id = ?", chain.received)
    with open_vault(chain.bea) as bea:
        received = bea.repo.recordings.get(chain.received)
        why = sharing.refusal(bea, received, sharing.Use.SUPERVISION)
        assert why is not None and "changed outside vigtool" in why and "record of who sent it" in why
        cleo = next(c for c in bea.identities.contacts() if c.name == "Cleo")
        with pytest.raises(ConsentRefusedError, match="changed outside vigtool"):
            send_for_supervision(bea, [received], cleo, tmp_path / "to-cleo.vigpkg")
        problems = verify_vault(bea).problems
    assert any("supervision_link" in p and f"recordings row {chain.received}" in p for p in problems), problems


def _own_film(vault_dir: Path, samples: dict[str, Sample], *purposes: Purpose) -> Recording:
    with open_vault(vault_dir) as vault:
        recording = import_recording(vault, samples["h264"].path, "Family A").recording
        give_consent(vault, recording, *purposes)
        return recording


def test_widening_consent_in_the_database_is_refused_and_reported(tmp_path: Path,
                                                                 samples: dict[str, Sample]) -> None:
    recording = _own_film(tmp_path / "v", samples, Purpose.REVIEW)
    _sql(tmp_path / "v", "UPDATE consents SET purposes = 'review,supervision,training'")
    with open_vault(tmp_path / "v") as vault:
        why = sharing.refusal(vault, recording, sharing.Use.TRAINING)
        assert why is not None and "purposes (consented purposes) of consents row" in why
        report = verify_vault(vault)
    assert not report.sound
    assert sorted(p for p in report.problems if "consents" in p) == [
        "database: purposes (consented purposes) of consents row 1 changed outside vigtool",
        "database: purposes (consented purposes) of consents row 2 changed outside vigtool"]
    result = vigtool("verify", vault=tmp_path / "v")
    assert result.returncode == 1 and "purposes (consented purposes) of consents row 1" in result.stdout + result.stderr


def test_clearing_a_withdrawal_or_an_expiry_is_refused(tmp_path: Path, samples: dict[str, Sample]) -> None:
    recording = _own_film(tmp_path / "v", samples)
    with open_vault(tmp_path / "v") as vault:
        withdraw(vault, recording, [Purpose.REVIEW])
    _sql(tmp_path / "v", "UPDATE consents SET withdrawn = '', withdrawn_on = NULL, expires_on = NULL")
    with open_vault(tmp_path / "v") as vault, pytest.raises(ConsentRefusedError, match="withdrawals"):
        export_still(vault, recording, 3, tmp_path / "still.png")
    assert not (tmp_path / "still.png").exists()


def test_a_consent_row_moved_onto_another_film_does_not_let_it_out(tmp_path: Path,
                                                                   samples: dict[str, Sample]) -> None:
    consented = _own_film(tmp_path / "v", samples)
    with open_vault(tmp_path / "v") as vault:
        other = import_recording(vault, samples["hevc"].path, "Family B").recording
    _sql(tmp_path / "v", "UPDATE consents SET recording_id = ?", other.id)
    with open_vault(tmp_path / "v") as vault:
        with pytest.raises(ConsentRefusedError, match="film it belongs to"):
            export_still(vault, other, 3, tmp_path / "still.png")
        assert any("recording_id (film it belongs to) of consents row 1" in p for p in verify_vault(vault).problems)
    del consented


def test_an_edited_frame_index_is_refused_and_reported(tmp_path: Path, samples: dict[str, Sample]) -> None:
    recording = _own_film(tmp_path / "v", samples)
    with _raw(tmp_path / "v" / DATABASE_NAME) as raw:
        pts = bytearray(raw.execute("SELECT frame_pts FROM recordings").fetchone()[0])
        pts[8 * 5] ^= 0x01  # one frame's time, a little off
        raw.execute("UPDATE recordings SET frame_pts = ?", (bytes(pts),))
    with open_vault(tmp_path / "v") as vault:
        with pytest.raises(ConsentRefusedError, match=r"frame_pts \(frame index\) of recordings row 1"):
            export_still(vault, recording, 3, tmp_path / "still.png")
        assert "database: frame_pts (frame index) of recordings row 1 changed outside vigtool" in \
            verify_vault(vault).problems


def test_notes_and_labels_swapped_between_rows_do_not_open(tmp_path: Path, samples: dict[str, Sample]) -> None:
    recording = _own_film(tmp_path / "v", samples)
    with open_vault(tmp_path / "v") as vault:
        track = vault.repo.tracks.list(recording.id)[0]
        vault.repo.annotations.add(track.id, FrameRange(1, 5), note="family A's note")
        vault.repo.annotations.add(track.id, FrameRange(6, 9), note="another note")
        vault.repo.cases.create("Family B")
    with _raw(tmp_path / "v" / DATABASE_NAME) as raw:
        (a, note_a), (b, note_b) = raw.execute("SELECT id, note FROM annotations ORDER BY id").fetchall()
        raw.execute("UPDATE annotations SET note = ? WHERE id = ?", (note_b, a))
        raw.execute("UPDATE annotations SET note = ? WHERE id = ?", (note_a, b))
        (c1, label1), (c2, label2) = raw.execute("SELECT id, label FROM cases ORDER BY id").fetchall()
        raw.execute("UPDATE cases SET label = ? WHERE id = ?", (label2, c1))
        raw.execute("UPDATE cases SET label = ? WHERE id = ?", (label1, c2))
    with open_vault(tmp_path / "v") as vault:
        with pytest.raises(SealingError, match=f"note of annotations row {a} is damaged or was moved"):
            vault.repo.annotations.list(recording.id)
        with pytest.raises(SealingError, match=f"label of cases row {c1}"):
            vault.repo.cases.list()
        problems = verify_vault(vault).problems
    for expected in (f"the note of annotations row {a} does not open", f"the note of annotations row {b} does not open",
                     f"the label of cases row {c1} does not open", f"note of annotations row {a} changed outside"):
        assert any(expected in p for p in problems), (expected, problems)


def test_a_row_added_outside_vigtool_shows(tmp_path: Path, samples: dict[str, Sample]) -> None:
    recording = _own_film(tmp_path / "v", samples, Purpose.REVIEW)
    # A copy of a sealed consent row under a new id, naming training.
    _sql(tmp_path / "v", "INSERT INTO consents (id, recording_id, person, purposes, recorded_by, given_on, "
         "form_reference, expires_on, withdrawn, withdrawn_on) SELECT 9, recording_id, person, 'training', "
         "recorded_by, given_on, form_reference, expires_on, withdrawn, withdrawn_on FROM consents WHERE id = 1")
    with open_vault(tmp_path / "v") as vault:
        why = sharing.refusal(vault, recording, sharing.Use.EXPORT)
        assert why is not None and "consents row 9 was added or its seal changed outside vigtool" in why


def _as_made_by_0009(vault_dir: Path, field_key: bytes) -> None:
    """Turn a vault back into what vigtool wrote before revision 0010 (the same format, byte for byte in
    kind): sealed values bound to table and column only (scheme 0x01), no row seals."""
    legacy = AESGCM(field_key)
    with _raw(vault_dir / DATABASE_NAME) as raw:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                  if r[0] not in {"row_seals", "alembic_version"}]
        for table in tables:
            columns = [r[1] for r in raw.execute(f'PRAGMA table_info("{table}")')]
            for row in raw.execute(f'SELECT rowid, * FROM "{table}"').fetchall():  # noqa: S608
                for column, value in zip(columns, row[1:], strict=True):
                    if column in NOT_SEALED or not isinstance(value, bytes) or value[:1] != b"\x02":
                        continue
                    key = row[1 + columns.index("seq")] if table == "audit_log" else None
                    key = key if key is not None else "/".join(
                        str(row[1 + columns.index(k)]) for k in _key_columns(raw, table))
                    plain = AeadSealer(field_key).open(value, where(table, column, key))
                    nonce = os.urandom(12)
                    aad = b"\x01" + f"{table}.{column}".encode()
                    old = b"\x01" + nonce + legacy.encrypt(nonce, plain.encode(), aad)
                    raw.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', (old, row[0]))  # noqa: S608
        raw.execute("DROP TABLE row_seals")
        raw.execute("ALTER TABLE tracks DROP COLUMN owner")  # revision 0013's, which came later
        raw.execute("ALTER TABLE identity DROP COLUMN named")
        raw.execute("UPDATE alembic_version SET version_num = '0009'")


def _key_columns(raw: sqlite3.Connection, table: str) -> list[str]:
    info = sorted((r[5], r[1]) for r in raw.execute(f'PRAGMA table_info("{table}")') if r[5])
    return [name for _, name in info]


def test_a_vault_made_before_row_seals_opens_and_is_sealed(tmp_path: Path, samples: dict[str, Sample]) -> None:
    recording = _own_film(tmp_path / "v", samples, Purpose.REVIEW)
    with open_vault(tmp_path / "v") as vault:
        track = vault.repo.tracks.list(recording.id)[0]
        vault.repo.annotations.add(track.id, FrameRange(1, 5), note="she turns to him")
        vault.repo.clips.add(recording.id, FrameRange(0, 10), title="the smile")
        field_key = vault.keys.field_key
    _as_made_by_0009(tmp_path / "v", field_key)
    with _raw(tmp_path / "v" / DATABASE_NAME) as raw:
        assert raw.execute("SELECT substr(note, 1, 1) FROM annotations").fetchone()[0] == b"\x01"
    with open_vault(tmp_path / "v") as vault:
        assert vault.db.current_revision() == "0013"
        assert [a.note for a in vault.repo.annotations.list(recording.id)] == ["she turns to him"]
        assert [c.title for c in vault.repo.clips.list(recording.id)] == ["the smile"]
        assert {c.person for c in vault.consents.list(recording.id)} == {"Mother", "Baby (by mother)"}
        assert verify_vault(vault).problems == []
        assert sharing.refusal(vault, recording, sharing.Use.EXPORT) is None
        assert len(vault.audit.entries()) > 3 and vault.audit.verify() == []
    with _raw(tmp_path / "v" / DATABASE_NAME) as raw:
        assert raw.execute("SELECT substr(note, 1, 1) FROM annotations").fetchone()[0] == b"\x02"
    _sql(tmp_path / "v", "UPDATE consents SET purposes = 'review,training'")  # and now the seals hold
    with open_vault(tmp_path / "v") as vault:
        assert sharing.refusal(vault, recording, sharing.Use.TRAINING) is not None


def test_the_window_says_why_before_any_file_is_chosen(chain: Chain, qtbot: QtBot) -> None:
    with open_vault(chain.bea) as bea:
        bea.repo.clips.add(chain.received, FrameRange(0, 10), title="a moment")
        window = MainWindow(bea, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(chain.received)
        window.marks.set_both(0, 9)
        seen: list[tuple[str, str]] = []

        def close_what_pops_up() -> None:  # a file chooser would be modal: noted and closed
            box = QApplication.activeModalWidget()
            if box is not None and not isinstance(box, QMessageBox):
                seen.append((type(box).__name__, ""))
                box.close()

        timer = QTimer()
        timer.timeout.connect(close_what_pops_up)
        timer.start(50)
        try:
            sharing = window.sharing
            for action in (sharing.export_clip_dialog, sharing.export_still_dialog, sharing.training_dialog,
                           sharing.package_review_dialog, sharing.present_review, sharing.handout_dialog,
                           lambda: qt_supervision.send_for_supervision(window)):
                assert action() is None
                qtbot.wait(120)
                boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
                seen += [(type(b).__name__, b.text()) for b in boxes]
                assert seen == [("QMessageBox", RECEIVED)], (action, seen)
                for box in boxes:  # read, then closed, as a user would
                    box.close()
                seen.clear()
        finally:
            timer.stop()
            window.close()


def test_pipes_devices_and_photos_are_refused_at_once(vault: Vault, tmp_path: Path) -> None:
    pipe = tmp_path / "film.mp4"
    os.mkfifo(pipe)  # nobody ever writes to it: an import that opened it would wait for ever
    photo, picture = tmp_path / "photo.png", tmp_path / "snap.jpg"
    for path in (photo, picture):
        cv2.imwrite(str(path), np.full((48, 64, 3), 128, np.uint8))
    for path, problem in ((pipe, "is a named pipe, not a video file"), (Path("/dev/zero"), "is a device"),
                          (photo, "is a photo, not a film"), (picture, "is a photo, not a film")):
        with pytest.raises(MediaError, match=problem) as caught:
            import_recording(vault, path, "Family A")
        assert str(path) in str(caught.value)
    assert vault.repo.recordings.list() == [] and vault.repo.cases.list() == []
    assert list((vault.path / "media").iterdir()) == []
    result = vigtool("import", str(pipe), "--case", "Family A", vault=vault.path)
    assert result.returncode != 0 and "is a named pipe" in result.stderr and "Traceback" not in result.stderr


def test_an_existing_file_is_kept_unless_told_to_replace_it(tmp_path: Path, samples: dict[str, Sample]) -> None:
    recording = _own_film(tmp_path / "v", samples)
    still, clip = tmp_path / "kept.png", tmp_path / "kept.mp4"
    for path in (still, clip):
        path.write_bytes(b"the family's own file")
    for command in (["still", str(recording.id), "--frame", "3", "-o", str(still)],
                    ["export", str(recording.id), "--from", "0", "--to", "5", "-o", str(clip)]):
        result = vigtool(*command, vault=tmp_path / "v")
        assert result.returncode != 0 and "already exists and was left as it is" in result.stderr, result.stderr
    assert still.read_bytes() == clip.read_bytes() == b"the family's own file"
    with open_vault(tmp_path / "v") as vault, pytest.raises(ExportError, match="already exists"):
        export_still(vault, recording, 3, still)
    result = vigtool("still", str(recording.id), "--frame", "3", "-o", str(still), "--overwrite", vault=tmp_path / "v")
    assert result.returncode == 0, result.stderr
    assert still.read_bytes().startswith(b"\x89PNG")


def test_a_failed_open_lets_go_of_the_vault(tmp_path: Path) -> None:
    with open_vault(tmp_path / "v"):
        pass
    with _raw(tmp_path / "v" / DATABASE_NAME) as raw:
        private = bytearray(raw.execute("SELECT x25519_private FROM identity").fetchone()[0])
        private[20] ^= 0xFF
        raw.execute("UPDATE identity SET x25519_private = ?", (bytes(private),))
    for _ in range(2):  # the second open would wait for ever on a lock the first one kept
        with pytest.raises(VaultError, match=f"{DATABASE_NAME}: the vault's identity .* does not open"):
            open_vault(tmp_path / "v")
    result = vigtool("verify", vault=tmp_path / "v")  # and so would another process
    assert result.returncode != 0 and "identity" in result.stderr
    assert not [f for f in Path("/proc/self/fd").iterdir() if str(tmp_path) in os.path.realpath(f)]


def test_messages_say_what_happened_to_which_file(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vault_dir = tmp_path / "v"
    recording = _own_film(vault_dir, samples, Purpose.REVIEW)
    key_file = vault_dir / "vault.key"
    original = key_file.read_text()
    document = json.loads(original)
    document["kdf"]["salt"] = document["kdf"]["salt"][::-1]  # a damaged file, not a wrong passphrase
    key_file.write_text(json.dumps(document))
    result = vigtool("list", vault=vault_dir)
    assert f"{key_file}: the vault's key file is damaged" in result.stderr, result.stderr
    document = json.loads(original)
    document["kdf"]["memory_cost_kib"] = 1
    document.pop("checksum")
    key_file.write_text(json.dumps(document))
    result = vigtool("list", vault=vault_dir)
    assert f"{key_file}: the vault's key file names key derivation settings that cannot be used" in result.stderr
    key_file.unlink()
    result = vigtool("list", vault=vault_dir)
    assert f"{key_file}: the vault's key file is missing" in result.stderr and "development" not in result.stderr
    key_file.write_text(original)
    result = vigtool("consent", "set", str(recording.id), "--person", "Mother", "--purposes", "review",
                     "--expires", "2020-01-01", vault=vault_dir)
    assert result.returncode != 0 and "expiry date 2020-01-01 is in the past" in result.stderr
    result = vigtool("package", "training", str(recording.id), "-o", str(tmp_path / "pack"), vault=vault_dir)
    assert result.returncode != 0 and "not consented to training" in result.stderr
    assert not (tmp_path / "pack").exists()  # no empty folder left behind


def test_a_reader_that_stops_reading_is_no_error(tmp_path: Path, samples: dict[str, Sample]) -> None:
    _own_film(tmp_path / "v", samples)
    code = (f"import sys; from vigtool.cli import main; sys.exit(main(['--vault', {str(tmp_path / 'v')!r}, "
            "'audit', 'show']))")
    reader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "VIGTOOL_PASSPHRASE": PASSPHRASE})
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.read(10)
    reader.stdout.close()  # as `| head -c 10` does
    errors = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 0 and "Broken pipe" not in errors and "Traceback" not in errors, errors


def test_an_export_job_that_meets_any_failure_says_so_and_ends(qtbot: QtBot) -> None:
    def work(_progress: object, _cancelled: object) -> None:
        raise KeyError("a bug deep in a library")  # not a MediaError, OSError or ValueError

    job = ExportJob(work)
    with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
        job.start()
    job.wait()
    assert "did not expect (KeyError" in failed.args[0] and "a bug deep in a library" in failed.args[0]
    assert not job.job.is_running()


def _codebook(**changes: object) -> str:
    doc = json.loads(Codebook.built_in().to_json())
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DROP:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return json.dumps(doc)


_DROP = object()
MALFORMED_CODEBOOKS = [
    ("{not json", "not a codebook file"),
    ("[1, 2]", "not a vigtool codebook file"),
    (json.dumps({"format": "vigtool.codebook"}), "version: must be a whole number from 1, not nothing (null)"),
    (_codebook(version="one"), "version: must be a whole number from 1, not str"),
    (_codebook(version=99), "version: 99 is newer than this vigtool reads"),
    (_codebook(name=_DROP), "the codebook: has no 'name'"),
    (_codebook(principles={"p1": "x"}), "principles: must be a list, not an object"),
    (_codebook(principles__0=7), "principles[0]: must be an object with named fields, not a number (7)"),
    (_codebook(principles__1__colour="blue"), 'principles[1].colour: must be a colour like "#4e79a7", not str'),
    (_codebook(principles__2__id=_DROP), "principles[2]: has no 'id'"),
    (_codebook(principles__0__number="1"), "principles[0].number: must be a whole number or null"),
    (_codebook(codes__3__principle_id="p9"), "codes[3].principle_id: 'p9' is not one of the principles (p1, p2"),
    (_codebook(codes__4__label=None), "codes[4].label: must be text, not nothing (null)"),
    (_codebook(codes__5__id="x" * 80), "codes[5].id: is 80 characters long; at most 64 fit"),
    (_codebook(codes__6__key="Space"), "codes[6].key: 'Space' is kept for playback and marking"),
    (_codebook(codes__2__id="p1.1"), "codes[2].id: 'p1.1' is used twice (also codes[1])"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED_CODEBOOKS)
def test_a_malformed_codebook_says_what_is_wrong_where(text: str, message: str) -> None:
    with pytest.raises(CodebookError) as caught:
        Codebook.from_json(text)
    assert message in str(caught.value)


def test_the_window_shows_a_malformed_codebook_by_name(vault: Vault, samples: dict[str, Sample], qtbot: QtBot,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    broken = tmp_path / "codebook.json"
    broken.write_text(MALFORMED_CODEBOOKS[11][0])
    window = MainWindow(vault, restore_state=False)
    qtbot.addWidget(window)
    window.show()
    window.open_recording(recording.id)
    assert window.workspace is not None
    before = window.workspace.codebook.to_json()
    # The file chooser is the desktop's; what it returns is the file the user picked.
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(broken), ""))
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.close()

    timer = QTimer()
    timer.timeout.connect(read_and_close)
    timer.start(50)
    try:
        window.codebook_files.import_codebook()
    finally:
        timer.stop()
        window.close()
    assert seen and f"{broken}: codes[3].principle_id: 'p9' is not one of the principles" in seen[0]
    assert window.workspace.codebook.to_json() == before


def test_packages_carry_pseudonyms_only(chain: Chain, tmp_path: Path) -> None:
    with open_vault(chain.anna) as anna, open_vault(chain.bea) as bea:
        [recording] = anna.repo.recordings.list()
        received = bea.repo.recordings.get(chain.received)
        names = {c.label for c in bea.repo.cases.list()} | {received.source_name}
        assert not any("Family A" in n or "h264" in n for n in names), names
        session = anna.repo.reviews.add(recording.case_id, "Our review")
        clip = anna.repo.clips.add(recording.id, FrameRange(0, 10), title="a smile")
        still = anna.repo.stills.add(recording.id, 4)
        anna.repo.reviews.save(ReviewSession(session.id, session.case_id, session.title, (
            ReviewItem(ReviewItemKind.CLIP, clip.id, "What do you see?"), ReviewItem(ReviewItemKind.STILL, still.id))))
        package_review(anna, anna.repo.reviews.get(session.id), tmp_path / "review.vigpkg", "family passphrase")
    manifest = json.dumps(open_package(tmp_path / "review.vigpkg", "family passphrase").manifest)
    assert "h264" not in manifest and "Family A" not in manifest and "What do you see?" in manifest


def test_a_changed_table_definition_shows(tmp_path: Path, samples: dict[str, Sample]) -> None:
    _own_film(tmp_path / "v", samples)
    _sql(tmp_path / "v", "CREATE INDEX ix_sneaky ON consents (purposes)")
    with open_vault(tmp_path / "v") as vault:
        assert "database: the database's table definitions (index ix_sneaky) changed outside vigtool" in \
            verify_vault(vault).problems


def test_random_byte_changes_in_the_database_do_not_go_unnoticed() -> None:
    """bench/tamper.py, small: every change of content is refused at opening or reported by verify."""
    bench = Path(__file__).parent.parent / "bench" / "tamper.py"
    result = subprocess.run([sys.executable, str(bench), "--flips", "40", "--seed", "3"], capture_output=True,
                            text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["missed"] == 0 and figures["crashed"] == 0, figures
    changed = figures["flips"] - figures["no_change"]
    assert figures["refused"] + figures["reported"] == changed > 0, figures
