"""The vault database: repository round trips, SQLite settings, one writer at a time, migrations."""

from __future__ import annotations

import errno
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import Sample, open_vault
from sqlalchemy import text

from storage.atomic import publish
from storage.database import Database
from storage.models import Base
from storage.paths import VAULT_ENV, resolve_vault_dir
from storage.repository import NotFoundError, StoredFilm
from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Actor, ReviewItem, ReviewItemKind, TrackKind, TurnLink, TurnRole
from vigtool.domain.time import FrameRange
from vigtool.media.probe import probe_path
from vigtool.services.vault import Vault, VaultError


def _store(vault: Vault, sample: Sample) -> int:
    """A recording row only (the film itself is not needed to test the database)."""
    case = vault.repo.cases.create("Family A", "Enjoy bath time together")
    film = StoredFilm("0f" * 16, b"wrapped", "ab" * 32, vault.keys.fingerprint("ab" * 32))
    return vault.repo.recordings.add(case.id, probe_path(sample.path), film, "phone.mp4", str(sample.path)).id


def test_everything_written_reads_back_after_reopening(tmp_path: Path, samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        rec_id = _store(vault, samples["portrait"])
        tracks = {t.kind: t for t in vault.repo.tracks.list(rec_id)}
        assert [t.name for t in vault.repo.tracks.list(rec_id)] == ["Parent", "Baby", "Turn-taking", "Notes"]
        a = vault.repo.annotations.add(tracks[TrackKind.INFANT].id, FrameRange(10, 20), "init.look", Actor.INFANT,
                                      "Baby looks up at mum")
        b = vault.repo.annotations.add(tracks[TrackKind.PARENT].id, FrameRange(25, 40), "p3.3", Actor.PARENT,
                                      "Mum smiles back")
        vault.repo.chains.add(rec_id, [TurnLink(a.id, TurnRole.INITIATIVE), TurnLink(b.id, TurnRole.RECEPTION)])
        clip = vault.repo.clips.add(rec_id, FrameRange(5, 50), "Looking up", "You noticed her look")
        still = vault.repo.stills.add(rec_id, 26, "Her smile")
        session = vault.repo.reviews.add(vault.repo.cases.list()[0].id, "Review 1")
        vault.repo.reviews.save(session.with_item(ReviewItem(ReviewItemKind.CLIP, clip.id, "What do you see?"))
                                       .with_item(ReviewItem(ReviewItemKind.STILL, still.id, "How did it feel?")))
        book = Codebook.built_in()
        book.bind_key("p3.3", "Y")
        vault.repo.codebook.save(book)
        index_before = vault.repo.recordings.frame_index(rec_id)
    with open_vault(tmp_path / "v", create=False) as vault:
        case = vault.repo.cases.find("family a")
        assert case is not None and case.helping_question == "Enjoy bath time together"
        rec = vault.repo.recordings.get(rec_id)
        assert (rec.sha256, rec.media_id) == ("ab" * 32, "0f" * 16)
        assert (rec.rotation, rec.frame_count, rec.display_size) == (90, 120, (240, 320))
        assert [x.note for x in vault.repo.annotations.list(rec_id)] == ["Mum smiles back", "Baby looks up at mum"]
        chain = vault.repo.chains.list(rec_id)[0]
        assert [link.role for link in chain.links] == [TurnRole.INITIATIVE, TurnRole.RECEPTION]
        assert vault.repo.clips.list(rec_id)[0].range == FrameRange(5, 50)
        assert vault.repo.stills.list(rec_id)[0].frame == 26
        reloaded = vault.repo.reviews.list(case.id)[0]
        assert [i.prompt for i in reloaded.items] == ["What do you see?", "How did it feel?"]
        assert vault.repo.codebook.load().code_for_key("Y").id == "p3.3"
        assert (vault.repo.recordings.frame_index(rec_id).pts == index_before.pts).all()
        # Container metadata (where phones keep GPS and device) is kept, inside the vault.
        assert vault.repo.recordings.media_metadata(rec_id)["major_brand"] == "isom"
        extra = vault.repo.tracks.add(rec_id, "Sibling", TrackKind.CUSTOM)
        assert [t.name for t in vault.repo.tracks.list(rec_id)][-1] == "Sibling" and extra.position == 4


def test_edits_are_checked(vault: Vault, samples: dict[str, Sample]) -> None:
    rec_id = _store(vault, samples["h264"])
    track = vault.repo.tracks.list(rec_id)[0]
    with pytest.raises(ValueError, match="past the end"):
        vault.repo.annotations.add(track.id, FrameRange(100, 121))
    with pytest.raises(NotFoundError):
        vault.repo.annotations.add(999, FrameRange(1, 2))
    with pytest.raises(ValueError, match="needs a label"):
        vault.repo.cases.create("   ")


def test_sqlite_runs_in_wal_with_foreign_keys(vault: Vault, samples: dict[str, Sample]) -> None:
    rec_id = _store(vault, samples["h264"])
    with vault.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    track = vault.repo.tracks.list(rec_id)[0]
    vault.repo.annotations.add(track.id, FrameRange(1, 3))
    with vault.db.write() as s:  # deleting a case takes its recordings, tracks and annotations with it
        s.execute(text("DELETE FROM cases"))
    assert vault.repo.recordings.list() == []
    assert vault.repo.annotations.list(rec_id) == []


def test_concurrent_writers_lose_nothing(vault: Vault, samples: dict[str, Sample]) -> None:
    rec_id = _store(vault, samples["h264"])
    track = vault.repo.tracks.list(rec_id)[0]
    second = open_vault(vault.path, create=False)  # another connection pool on the file, as a second window
    errors: list[BaseException] = []

    def add(v: Vault, start: int) -> None:
        try:
            for i in range(40):
                v.repo.annotations.add(track.id, FrameRange(start + i, start + i + 1))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(v, s)) for v, s in ((vault, 0), (second, 50), (vault, 10))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.close()
    assert not errors
    assert len(vault.repo.annotations.list(rec_id)) == 120


def test_vault_folder_comes_from_flag_then_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(VAULT_ENV, str(tmp_path / "env"))
    assert resolve_vault_dir(tmp_path / "flag") == tmp_path / "flag"
    assert resolve_vault_dir(None) == tmp_path / "env"
    monkeypatch.delenv(VAULT_ENV)
    assert resolve_vault_dir(None).name == "vault"


def test_opening_a_missing_or_broken_vault_says_so(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="no vigtool vault here"):
        open_vault(tmp_path / "nowhere", create=False)
    open_vault(tmp_path / "broken").close()
    (tmp_path / "broken" / "vigtool.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(VaultError, match="cannot open the vault database"):
        open_vault(tmp_path / "broken", create=False)
    (tmp_path / "broken" / "vault.key").write_text("{ not json")
    with pytest.raises(VaultError, match="key file is damaged"):
        open_vault(tmp_path / "broken", create=False)
    (tmp_path / "broken" / "vault.key").unlink()
    with pytest.raises(VaultError, match="the vault's key file is missing"):
        open_vault(tmp_path / "broken", create=False)


# -- migrations ---------------------------------------------------------------------------------
def test_migrations_from_empty_match_the_models(tmp_path: Path) -> None:
    db = Database(tmp_path / "fresh.sqlite3")
    db.migrate()
    assert db.current_revision() == "0013"
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    db.close()


def test_upgrade_from_the_first_revision_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = Database(path)
    db.migrate("0001")
    # Rows as the 0001 schema held them (written by hand: today's models no longer fit that schema).
    with sqlite3.connect(path) as raw:
        assert "clips" not in {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        raw.execute("INSERT INTO cases VALUES (1, x'00', x'00', '2026-01-01 00:00:00')")
        raw.execute("INSERT INTO recordings (id, case_id, sha256, source_name, source_path, container, video_codec,"
                    " rate_num, rate_den, frame_count, width, height, rotation, duration_num, duration_den,"
                    " variable_frame_rate, time_base_num, time_base_den, frame_pts, keyframes, media_metadata,"
                    " imported_at) VALUES (1, 1, ?, x'00', x'00', 'mp4', 'h264', 30, 1, 10, 320, 240, 0, 1, 3,"
                    " 0, 1, 30, x'', x'', x'00', '2026-01-01 00:00:00')", ("cd" * 32,))
        raw.execute("INSERT INTO tracks VALUES (1, 1, x'00', 'infant', 0, 1)")
        raw.execute("INSERT INTO annotations VALUES (1, 1, 3, 9, 'init.sound', 'infant', x'00')")
    with pytest.raises(RuntimeError, match="upgraded by vigtool itself, after unlocking"):
        db.migrate()  # revision 0010 seals every row: not without the vault's keys
    db.migration_keys = {"field_key": bytes(32), "row_seal_key": bytes(range(32))}
    db.migrate()
    assert db.current_revision() == "0013"
    with sqlite3.connect(path) as raw:
        fingerprint, media_id, key = raw.execute("SELECT fingerprint, media_id, wrapped_key FROM recordings").fetchone()
        assert fingerprint == "cd" * 32 and len(media_id) == 32 and key is None
        assert raw.execute("SELECT start_frame, end_frame, code_id FROM annotations").fetchall() == [
            (3, 9, "init.sound")]
    db.close()


def test_a_published_file_is_nowhere_on_the_disk_until_it_is_whole(tmp_path: Path) -> None:
    """Plaintext the user asked for (a handout, a package's files): no name shows it half written, a failure
    leaves nothing, nothing is overwritten unless asked."""
    seen: list[list[str]] = []

    def halves() -> Iterator[bytes]:
        yield b"the first half, "
        seen.append(sorted(p.name for p in tmp_path.iterdir()))
        yield b"the second half"

    publish(tmp_path / "handout.html", halves())
    assert seen == [[]] and (tmp_path / "handout.html").read_bytes() == b"the first half, the second half"

    def disk_fills() -> Iterator[bytes]:
        yield b"a part of a clip"
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        publish(tmp_path / "clip.mp4", disk_fills())
    with pytest.raises(FileExistsError):
        publish(tmp_path / "handout.html", [b"another"])
    publish(tmp_path / "handout.html", [b"the new one"], replace=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]
    assert (tmp_path / "handout.html").read_bytes() == b"the new one"


def test_a_kill_while_publishing_leaves_nothing(tmp_path: Path) -> None:
    writer = ("import sys, time\nfrom pathlib import Path\nfrom storage.atomic import publish\n"
              "def chunks():\n    yield b'x' * 100000\n    print('half', flush=True)\n    time.sleep(60)\n"
              "    yield b'y'\npublish(Path(sys.argv[1]), chunks())\n")
    process = subprocess.Popen([sys.executable, "-c", writer, str(tmp_path / "still.png")],
                               stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])
    assert process.stdout is not None and process.stdout.readline() == b"half\n"
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    assert list(tmp_path.iterdir()) == []
