"""The vault's identity and contacts, and the signed, hash-chained audit trail."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PASSPHRASE, Sample, give_consent, open_vault
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.identity import IdentityError, PublicIdentity
from storage.paths import DATABASE_NAME
from vigtool.domain.consent import Purpose
from vigtool.domain.time import FrameRange
from vigtool.services.exporting import export_clip
from vigtool.services.importing import import_recording


def test_each_vault_has_an_identity_with_a_short_fingerprint(tmp_path: Path) -> None:
    with open_vault(tmp_path / "a") as a, open_vault(tmp_path / "b") as b:
        assert a.identity is not None and b.identity is not None
        mine = a.identity.public
        assert len(mine.fingerprint) == 24 and mine.fingerprint.count("-") == 4
        assert mine.fingerprint != b.identity.public.fingerprint
        assert "PRIVATE" not in repr(a.identity) and mine.fingerprint in repr(a.identity)
        received = PublicIdentity.from_file(mine.to_file(), "key.json")  # a supervisor adds the practitioner
        assert received == mine and b.identities.add_contact(received)
        assert not b.identities.add_contact(received)  # known already: not twice
        assert [c.fingerprint for c in b.identities.contacts()] == [mine.fingerprint]
    again = open_vault(tmp_path / "a", create=False)
    with again:
        assert again.identity is not None and again.identity.public == mine  # the same keys after reopening
    changed = json.loads(mine.to_file())
    changed["x25519"] = changed["ed25519"]
    with pytest.raises(IdentityError, match="do not match its fingerprint"):
        PublicIdentity.from_file(json.dumps(changed), "key.json")
    with pytest.raises(IdentityError, match=r"notes\.txt: is not a vigtool key file"):
        PublicIdentity.from_file("shopping list", "notes.txt")


def test_the_trail_records_what_was_done(tmp_path: Path, samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, samples["h264"].path, "Family A").recording
        give_consent(vault, recording, Purpose.REVIEW)
        export_clip(vault, recording, FrameRange(0, 30), tmp_path / "clip.mp4")
        vault.delete_recording(recording)
        kinds = [e.kind for e in vault.audit.entries()]
        assert kinds == ["identity", "unlock", "import", "consent", "consent", "export", "delete"]
        export = vault.audit.entries()[5].detail
        assert export["kind"] == "clip" and export["file"] == str((tmp_path / "clip.mp4").resolve())
        assert vault.audit.verify() == []
    stored = b"".join(p.read_bytes() for p in (tmp_path / "v").glob(f"{DATABASE_NAME}*"))
    assert b"clip.mp4" not in stored and b"h264" not in stored  # what and where is sealed


def _tamper(db: Path, action: str, pick: int, value: int) -> None:
    with sqlite3.connect(db) as con:
        seqs = [r[0] for r in con.execute("SELECT seq FROM audit_log ORDER BY seq")]
        seq = seqs[pick % len(seqs)]
        if action == "delete":
            con.execute("DELETE FROM audit_log WHERE seq = ?", (seq,))
        elif action == "cut the end":
            con.execute("DELETE FROM audit_log WHERE seq >= ?", (seqs[max(1, pick % len(seqs))],))
        elif action == "swap":
            other = seqs[(pick + 1 + value % (len(seqs) - 1)) % len(seqs)]
            con.execute("UPDATE audit_log SET seq = -1 WHERE seq = ?", (seq,))
            con.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", (seq, other))
            con.execute("UPDATE audit_log SET seq = ? WHERE seq = -1", (other,))
        elif action == "kind":
            con.execute("UPDATE audit_log SET kind = 'unlock' || kind WHERE seq = ?", (seq,))
        elif action == "time":
            con.execute("UPDATE audit_log SET created_at = '2020-01-01T00:00:00.000+00:00' WHERE seq = ?", (seq,))
        elif action == "detail byte":
            detail = bytearray(con.execute("SELECT detail FROM audit_log WHERE seq = ?", (seq,)).fetchone()[0])
            detail[value % len(detail)] ^= 1 << (value % 8)
            con.execute("UPDATE audit_log SET detail = ? WHERE seq = ?", (bytes(detail), seq))
        elif action == "copied detail":  # another entry's sealed detail (it opens: same column)
            other = seqs[(pick + 1) % len(seqs)]
            con.execute("UPDATE audit_log SET detail = (SELECT detail FROM audit_log WHERE seq = ?) WHERE seq = ?",
                        (other, seq))
        elif action == "head":
            con.execute("UPDATE audit_head SET seq = seq - 1")


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("audit") / "v"
    with open_vault(folder) as vault:
        for k in range(6):
            vault.audit.append("export", {"kind": "still", "file": f"/exports/moment-{k}.png"})
    return folder


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=st.sampled_from(["delete", "cut the end", "swap", "kind", "time", "detail byte", "copied detail",
                               "head"]),
       pick=st.integers(0, 50), value=st.integers(0, 10_000))
def test_any_edit_reorder_or_removal_is_detected(trail: Path, tmp_path_factory: pytest.TempPathFactory,
                                                 action: str, pick: int, value: int) -> None:
    copy = tmp_path_factory.mktemp("tampered") / "v"
    subprocess.run(["cp", "-a", str(trail), str(copy)], check=True)
    _tamper(copy / DATABASE_NAME, action, pick, value)
    with open_vault(copy, create=False) as vault:
        problems = vault.audit.verify()
    assert problems, action


def test_cli_shows_and_verifies_the_trail(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = f"import sys; from vigtool.cli import main; sys.exit(main({list(args)!r}))"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              check=False, env={**os.environ, "VIGTOOL_PASSPHRASE": PASSPHRASE})

    vault = str(tmp_path / "v")
    assert run("--vault", vault, "init").returncode == 0
    shown = run("--vault", vault, "identity", "export", "-o", str(tmp_path / "me.json"))
    assert shown.returncode == 0 and "fingerprint" in shown.stdout
    other = str(tmp_path / "w")
    assert run("--vault", other, "init").returncode == 0
    added = run("--vault", other, "contact", "add", str(tmp_path / "me.json"), "--name", "Supervisor A")
    assert added.returncode == 0 and "Added Supervisor A" in added.stdout
    assert run("--vault", other, "contact", "add", str(tmp_path / "nothing.json")).returncode == 1
    verified = run("--vault", other, "audit", "verify")
    assert verified.returncode == 0 and "whole" in verified.stdout
    listed = json.loads(run("--vault", other, "audit", "show", "--json").stdout)
    assert "contact" in [e["kind"] for e in listed]
    with sqlite3.connect(tmp_path / "w" / DATABASE_NAME) as con:
        con.execute("DELETE FROM audit_log WHERE seq = 2")
    broken = run("--vault", other, "audit", "verify")
    assert broken.returncode == 1 and "entry 2 is missing" in broken.stderr
