"""The encrypted vault end to end: nothing in plaintext on disk, crashes, bad input, verify, shred, previews."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import PASSPHRASE, Sample, ffmpeg_frame, give_consent, open_vault, psnr, tree_snapshot
from leakscan import files_under, find_leaks
from test_cli import allow, new_vault, vigtool

from storage.media_store import SealedSink
from storage.sealed_media import MediaKind
from vigtool.domain.model import Actor
from vigtool.domain.time import FrameRange
from vigtool.media.errors import MediaError
from vigtool.services.demo import DEMO_SPEC, ensure_demo_case
from vigtool.services.importing import ImportCancelledError, VaultFullError, import_recording
from vigtool.services.previews import build_previews, load_audio_envelope, load_filmstrip
from vigtool.services.vault import Vault
from vigtool.services.verify import verify_vault
from vigtool.synth.generator import loop_recording, render

NOTES = ["Baby reached for the spoon and mum waited, smiling",
         "Dad named the feeling: you are tired, aren't you",
         "Helping question: we would like bedtime to feel calmer"]


def test_the_scanner_finds_what_it_should(tmp_path: Path) -> None:
    # A positive control: without it, "no leaks found" would prove nothing.
    source = os.urandom(4096)
    hay = os.urandom(1000) + source[1001:1001 + 70] + os.urandom(500) + b"a note written in clear"
    short = os.urandom(300) + source[2000:2000 + 60] + os.urandom(300)  # 60 bytes: under the threshold
    (tmp_path / "leaky.bin").write_bytes(hay)
    (tmp_path / "short.bin").write_bytes(short)
    leaks = find_leaks(files_under(tmp_path), {"film": source}, ["a note written in clear"])
    assert {(leak.file.name, leak.source) for leak in leaks} == {("leaky.bin", "film"),
                                                                ("leaky.bin", "text 'a note written in clear'")}
    assert next(leak for leak in leaks if leak.source == "film").length == 70


def test_no_footage_or_note_is_on_disk_in_plaintext(tmp_path: Path, samples: dict[str, Sample]) -> None:
    scratch = tmp_path / "tmp"  # the children's temp folder, scanned too
    scratch.mkdir()
    vault_dir = new_vault(tmp_path / "vault")
    films = [samples[name].path for name in ("h264", "hevc", "portrait", "vfr", "noaudio")]
    result = vigtool("import", *map(str, films), "--case", "Family Sunflower", vault=vault_dir,
                     env={"TMPDIR": str(scratch)})
    assert result.returncode == 0, result.stderr
    with open_vault(vault_dir, create=False) as vault:
        recording = vault.repo.recordings.list()[0]
        tracks = vault.repo.tracks.list(recording.id)
        for track, note in zip(tracks, NOTES[:2], strict=False):
            vault.repo.annotations.add(track.id, FrameRange(2, 9), "p1.1", Actor.PARENT, note)
        vault.repo.cases.create("Family Bluebell", NOTES[2])
        demo = ensure_demo_case(vault)  # the demo case too (its film is rendered to a temp folder, then sealed)
    render(DEMO_SPEC, tmp_path / "demo.mp4")  # the generator is deterministic: the same bytes as imported
    assert hashlib.sha256((tmp_path / "demo.mp4").read_bytes()).hexdigest() == demo.recording.sha256
    sources = {p.name: p.read_bytes() for p in [*films, tmp_path / "demo.mp4"]}
    texts = [*NOTES, "Family Sunflower", "Family Bluebell", "Lovely moment: baby looks up",
             "You waited, and your baby answered you", *[p.name for p in films]]
    scanned = files_under(vault_dir, scratch)
    assert any(p.suffix == ".vigm" for p in scanned) and any(p.name == "vigtool.sqlite3" for p in scanned)
    assert find_leaks(scanned, sources, texts) == []


def test_kill_at_random_points_leaves_all_or_nothing(tmp_path: Path, samples: dict[str, Sample]) -> None:
    film = tmp_path / "long.mp4"
    loop_recording(samples["h264"].path, film, 120, faststart=False)  # index at the end, as phones write
    digest = hashlib.sha256(film.read_bytes()).hexdigest()
    vault_dir = new_vault(tmp_path / "vault")
    command = [sys.executable, "-m", "vigtool", "--vault", str(vault_dir), "import", str(film), "--case", "F"]
    env = {**os.environ, "VIGTOOL_PASSPHRASE": PASSPHRASE}
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)
    whole_run = time.monotonic() - started
    rng = random.Random(1234)
    outcomes = set()
    for _attempt in range(14):
        with open_vault(vault_dir, create=False) as vault:
            for recording in vault.repo.recordings.list():
                vault.delete_recording(recording)
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.1) * whole_run)
        child.send_signal(signal.SIGKILL)
        child.wait()
        with open_vault(vault_dir, create=False) as vault:  # opens, cleans what the kill left
            report = verify_vault(vault)
            assert report.sound, report.problems
            recordings = vault.repo.recordings.list()
            assert len(recordings) in (0, 1)
            if recordings:
                assert recordings[0].sha256 == digest  # verify compared the decrypted film with this
            assert not any(".tmp-" in p.name for p in files_under(vault_dir))
            outcomes.add(len(recordings))
    assert outcomes == {0, 1}, "the kills should land both before and after the commit"


def test_bad_input_gets_a_message_and_leaves_the_vault_unchanged(tmp_path: Path,
                                                                 samples: dict[str, Sample]) -> None:
    vault_dir = new_vault(tmp_path / "vault")
    assert vigtool("import", str(samples["h264"].path), "--case", "F", vault=vault_dir).returncode == 0
    before = tree_snapshot(vault_dir)
    wrong = vigtool("list", vault=vault_dir, env={"VIGTOOL_PASSPHRASE": "not the passphrase"})
    assert wrong.returncode == 1 and "that passphrase does not open this vault" in wrong.stderr
    assert tree_snapshot(vault_dir) == before
    unlocked = subprocess.run([sys.executable, "-m", "vigtool", "--vault", str(vault_dir), "list"],
                              env={k: v for k, v in os.environ.items() if k != "VIGTOOL_PASSPHRASE"},
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    assert unlocked.returncode == 1 and "the vault is locked" in unlocked.stderr


def test_a_full_disk_stores_nothing(tmp_path: Path, samples: dict[str, Sample],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    written = {"bytes": 0}
    real_write = SealedSink.write

    def fill_up(self: SealedSink, data: bytes | memoryview) -> None:
        written["bytes"] += len(data)
        if written["bytes"] > 20_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, data)

    with open_vault(tmp_path / "vault") as vault:
        monkeypatch.setattr(SealedSink, "write", fill_up)
        with pytest.raises(VaultFullError, match=r"the disk is full; h264.mp4 was not imported"):
            import_recording(vault, samples["h264"].path, "F")
        assert vault.repo.cases.list() == [] and list(vault.media.folder.iterdir()) == []
        monkeypatch.setattr(SealedSink, "write", real_write)
        assert not import_recording(vault, samples["h264"].path, "F").duplicate  # and it works once there is room


def test_an_unreadable_film_is_refused_even_as_root(tmp_path: Path, samples: dict[str, Sample],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads every file (CI runs as root), so the OS is made to refuse this one.
    locked = tmp_path / "locked.mp4"
    locked.write_bytes(samples["h264"].path.read_bytes())
    real_open = os.open

    def refuse(path: str | os.PathLike[str], flags: int, *args: int, **kwargs: object) -> int:
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    with open_vault(tmp_path / "vault") as vault:
        before = tree_snapshot(vault.path)
        monkeypatch.setattr(os, "open", refuse)
        with pytest.raises(MediaError, match=r"locked\.mp4: cannot be read \(permission denied\)"):
            import_recording(vault, locked, "F")
        monkeypatch.undo()
        assert tree_snapshot(vault.path) == before


def test_progress_reaches_the_end_and_cancel_stores_nothing(tmp_path: Path, samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "vault") as vault:
        seen: list[tuple[int, int]] = []
        with pytest.raises(ImportCancelledError, match="nothing was stored"):
            import_recording(vault, samples["hevc"].path, "F", cancelled=lambda: len(seen) >= 1,
                             progress=lambda done, total: seen.append((done, total)))
        assert vault.repo.recordings.list() == [] and list(vault.media.folder.iterdir()) == []
        seen.clear()
        import_recording(vault, samples["hevc"].path, "F", progress=lambda d, t: seen.append((d, t)))
        size = samples["hevc"].path.stat().st_size
        assert seen[-1] == (size, size) and [d for d, _ in seen] == sorted(d for d, _ in seen)
        with pytest.raises(MediaError, match="is a folder"):
            import_recording(vault, tmp_path, "F")


def test_verify_finds_damage_and_swapped_films(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vault_dir = new_vault(tmp_path / "vault")
    for name in ("h264", "noaudio"):
        assert vigtool("import", str(samples[name].path), "--case", "F", vault=vault_dir).returncode == 0
    clean = vigtool("verify", vault=vault_dir)
    assert clean.returncode == 0 and "The vault is sound: 2 recording(s)" in clean.stderr
    with open_vault(vault_dir, create=False) as vault:
        first, second = vault.repo.recordings.list()
        give_consent(vault, first)
        paths = [vault.media.path_for(r.media_id, MediaKind.FILM) for r in (first, second)]
    original = paths[0].read_bytes()
    damaged = bytearray(original)
    damaged[len(damaged) // 2] ^= 0x10
    paths[0].write_bytes(bytes(damaged))
    result = vigtool("verify", vault=vault_dir)
    assert result.returncode == 1 and "damaged: h264.mp4: is damaged: part 1 of 1" in result.stderr
    paths[0].write_bytes(paths[1].read_bytes())  # one family's film in another's place
    result = vigtool("verify", vault=vault_dir)
    assert result.returncode == 1 and "belongs to another recording" in result.stderr
    still = vigtool("still", "1", "--frame", "3", "-o", str(tmp_path / "s.png"), vault=vault_dir)
    assert still.returncode == 1 and "belongs to another recording" in still.stderr
    paths[0].write_bytes(original[:-100])  # cut short, as an interrupted copy to a USB stick would be
    result = vigtool("verify", vault=vault_dir)
    assert result.returncode == 1 and "h264.mp4: is damaged" in result.stderr
    paths[0].unlink()
    result = vigtool("verify", vault=vault_dir)
    assert result.returncode == 1 and "h264.mp4: is missing from the vault" in result.stderr
    paths[0].write_bytes(original)
    with sqlite3.connect(vault_dir / "vigtool.sqlite3") as db:  # a note changed behind vigtool's back
        label = db.execute("SELECT label FROM cases").fetchone()[0]
        db.execute("UPDATE cases SET label = ?", (label[:-1] + bytes([label[-1] ^ 1]),))
    result = vigtool("verify", vault=vault_dir)
    assert result.returncode == 1 and "the label of cases row 1 does not open" in result.stderr


def test_delete_shreds_the_key_and_the_files(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vault_dir = new_vault(tmp_path / "vault")
    assert vigtool("import", str(samples["h264"].path), "--case", "F", vault=vault_dir).returncode == 0
    with open_vault(vault_dir, create=False) as vault:
        recording = vault.repo.recordings.list()[0]
        wrapped = vault.repo.recordings.wrapped_key(recording.id)
        assert wrapped is not None
        files = vault.media.media_ids_on_disk()[recording.media_id]
        assert len(files) == 3  # film, filmstrip, sound wave
    refused = vigtool("delete", "1", vault=vault_dir)  # not a terminal and no --yes: nothing happens
    assert refused.returncode == 1 and "needs --yes" in refused.stderr
    result = vigtool("delete", "1", "--yes", vault=vault_dir)
    assert result.returncode == 0 and "its key is destroyed" in result.stderr
    assert not any(p.exists() for p in files)
    assert not any(wrapped in p.read_bytes() for p in files_under(vault_dir))  # no copy of the key lingers
    assert json.loads(vigtool("list", "--json", vault=vault_dir).stdout)[0]["recordings"] == []


def test_passwd_rewraps_and_films_still_open(tmp_path: Path, samples: dict[str, Sample]) -> None:
    vault_dir = new_vault(tmp_path / "vault")
    assert vigtool("import", str(samples["portrait"].path), "--case", "F", vault=vault_dir).returncode == 0
    allow(vault_dir)
    film_files = tree_snapshot(vault_dir / "media")
    result = vigtool("passwd", vault=vault_dir, env={"VIGTOOL_NEW_PASSPHRASE": "a brand new passphrase"})
    assert result.returncode == 0, result.stderr
    assert tree_snapshot(vault_dir / "media") == film_files  # only the key file changed
    assert vigtool("list", vault=vault_dir).returncode == 1
    out = tmp_path / "s.png"
    still = vigtool("still", "1", "--frame", "7", "-o", str(out), vault=vault_dir,
                    env={"VIGTOOL_PASSPHRASE": "a brand new passphrase"})
    assert still.returncode == 0, still.stderr
    short = vigtool("passwd", vault=vault_dir, env={"VIGTOOL_PASSPHRASE": "a brand new passphrase",
                                                    "VIGTOOL_NEW_PASSPHRASE": "short"})
    assert short.returncode == 1 and "at least 8 characters" in short.stderr


def test_filmstrip_and_sound_wave_are_built_and_sealed(vault: Vault, samples: dict[str, Sample]) -> None:
    sample = samples["portrait"]
    recording = import_recording(vault, sample.path, "F").recording
    assert load_filmstrip(vault, recording) is None  # previews come after the import, separately
    built = build_previews(vault, recording)
    strip = load_filmstrip(vault, recording)
    assert strip is not None and built.thumbnails == len(strip.frames) == 2  # a keyframe every 2 s of 4 s
    assert set(strip.frames) <= set(vault.repo.recordings.frame_index(recording.id).keyframes.tolist())
    thumb = strip.image(1)
    assert thumb.shape[0] == 90 and thumb.shape[1] < thumb.shape[0]  # portrait, shown upright
    reference = ffmpeg_frame(sample.path, strip.frames[1])
    small = cv2.resize(reference, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA)
    assert psnr(thumb, small) > 24
    envelope = load_audio_envelope(vault, recording)
    assert envelope is not None and envelope.rate == 100
    times = np.arange(envelope.peaks.size) / envelope.rate
    speaking = np.zeros(times.size, bool)
    for v in sample.truth.vocalisations:
        speaking |= (times >= v.start) & (times < v.end)
    assert envelope.peaks[speaking].mean() > 3 * envelope.peaks[~speaking].mean()
    silent = import_recording(vault, samples["noaudio"].path, "F").recording
    assert build_previews(vault, silent).has_envelope is False
    assert load_audio_envelope(vault, silent) is None
    assert verify_vault(vault).sound
