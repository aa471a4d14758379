"""The lighter working copy of a heavy film: made in the background, frame for frame, sealed, shredded with
the film; watched by playback and the paused frame server, never used for stills or exports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import give_consent, open_vault

from storage.atomic import is_temp_name
from storage.sealed_media import MAGIC, MediaKind
from vigtool.domain.export import ExportMode
from vigtool.domain.time import FrameRange
from vigtool.services.exporting import export_clip
from vigtool.services.frames import open_frame_server, read_frame
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.services.working_copy import (
    COPY_GOP,
    HEAVY_BITS_PER_SECOND,
    ViewerActivity,
    WorkingCopyBuilder,
    WorkingCopyCancelledError,
    film_bits_per_second,
    make_working_copy,
    viewing_source,
)
from vigtool.synth.generator import RecordingSpec, render
from vigtool.synth.stamp import read_stamp

# Heavy by its codec (HEVC 10-bit) and larger than the copy's 1280×720, so the copy is scaled down; one
# second (two of the copy's GOPs) keeps it quick to render on two shared cores.
HEAVY = RecordingSpec(duration=1.0, width=1600, height=900, codec="hevc", bit_depth=10, gop_seconds=0.5, seed=3)


@pytest.fixture(scope="module")
def heavy_film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("heavy") / "phone-hevc10.mp4"
    render(HEAVY, path)
    return path


def test_a_heavy_film_gets_a_lighter_copy_frame_for_frame(vault: Vault, heavy_film: Path) -> None:
    recording = import_recording(vault, heavy_film, "F").recording
    with av.open(str(heavy_film)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p10le"
    assert not viewing_source(vault, recording).working_copy
    progress: list[tuple[int, int]] = []
    builder = WorkingCopyBuilder(vault)
    future = builder.ensure(recording, progress=lambda done, total: progress.append((done, total)))
    assert future is not None
    made = future.result(timeout=300)
    builder.close()
    assert made is not None and made.size == (1280, 720) and made.frames == recording.frame_count == 30
    assert progress[-1] == (30, 30)
    source = viewing_source(vault, recording)
    assert source.working_copy and source.size == (1280, 720)
    assert source.index.keyframes.tolist() == list(range(0, 30, COPY_GOP))
    # Frame N of the copy is frame N of the film, whichever way the server gets there.
    with open_frame_server(vault, recording, box=(1280, 720)) as server:
        order = [*range(30), 29, 3, 17, 16, 15, 14, 0]
        assert [read_stamp(server.frame(n)) for n in order] == order
        assert server.display_size == (1280, 720)
    # An exact still comes from the original, at its own size.
    still = read_frame(vault, recording, 22)
    assert still.shape == (900, 1600, 3) and read_stamp(still) == 22
    assert WorkingCopyBuilder(vault).ensure(recording) is None  # made once


def test_exports_of_a_film_with_a_copy_come_from_the_original(vault: Vault, heavy_film: Path,
                                                               tmp_path: Path) -> None:
    recording = import_recording(vault, heavy_film, "F").recording
    make_working_copy(vault, recording)
    give_consent(vault, recording)
    out = tmp_path / "moment.mp4"
    export_clip(vault, recording, FrameRange(4, 20), out, mode=ExportMode.REENCODE)
    with av.open(str(out)) as clip:
        frames = [np.asarray(f.to_ndarray(format="rgb24"), dtype=np.uint8) for f in clip.decode(video=0)]
    assert [read_stamp(f) for f in frames] == list(range(4, 20))  # frame for frame
    assert all(f.shape == (900, 1600, 3) for f in frames)  # the original's pictures, not the 720p copy's


def test_the_copy_is_sealed_with_the_films_key_and_shredded_with_it(vault: Vault, heavy_film: Path) -> None:
    recording = import_recording(vault, heavy_film, "F").recording
    make_working_copy(vault, recording)
    path = vault.media.path_for(recording.media_id, MediaKind.WORKING_COPY)
    data = path.read_bytes()
    assert data.startswith(MAGIC) and b"ftyp" not in data and b"moof" not in data and b"x264" not in data
    assert path.name == f"{recording.media_id}.working_copy.vigm"  # no family's or file's name
    vault.delete_recording(recording)
    assert not path.exists()
    assert list(vault.media.folder.iterdir()) == []


def test_stopping_the_copy_stores_nothing(vault: Vault, heavy_film: Path) -> None:
    recording = import_recording(vault, heavy_film, "F").recording
    seen: list[int] = []
    with pytest.raises(WorkingCopyCancelledError, match="stopped"):
        make_working_copy(vault, recording, lambda done, _total: seen.append(done), lambda: len(seen) >= 10)
    assert len(seen) == 10
    assert [p.name for p in vault.media.folder.iterdir()] == [f"{recording.media_id}.film.vigm"]
    assert not viewing_source(vault, recording).working_copy


def test_a_light_film_gets_no_copy(vault: Vault, samples: dict[str, object]) -> None:
    sample = samples["h264"]
    recording = import_recording(vault, sample.path, "F").recording  # type: ignore[attr-defined]
    assert WorkingCopyBuilder(vault).ensure(recording) is None
    assert make_working_copy(vault, recording) is None
    assert not vault.media.exists(recording.media_id, MediaKind.WORKING_COPY)


# A phone's 1080p H.264 (grain: about 15 Mbit/s, as phones record it) and the same picture at 0.4 Mbit/s,
# both larger than the copy: the dense one cannot be decoded at 2x on a shared core, the light one can.
# Its keyframes (every 12 frames) are not the copy's (every 15th): the copy keeps its own GOPs.
DENSE = RecordingSpec(duration=1.0, width=1600, height=900, gop_seconds=0.4, crf=20, grain=4, seed=4)


def test_a_dense_film_larger_than_the_copy_gets_one_and_a_light_one_does_not(vault: Vault, tmp_path: Path) -> None:
    dense, light = tmp_path / "phone-1080p.mp4", tmp_path / "web-1080p.mp4"
    render(DENSE, dense)
    render(replace(DENSE, grain=0.0), light)
    dense_recording = import_recording(vault, dense, "F").recording
    light_recording = import_recording(vault, light, "F").recording
    assert dense_recording.video_codec == light_recording.video_codec == "h264"
    assert film_bits_per_second(vault, dense_recording) > HEAVY_BITS_PER_SECOND > film_bits_per_second(
        vault, light_recording)
    builder = WorkingCopyBuilder(vault)
    assert builder.ensure(light_recording) is None
    future = builder.ensure(dense_recording)
    assert future is not None
    made = future.result(timeout=300)
    builder.close()
    assert made is not None and made.size == (1280, 720)
    source = viewing_source(vault, dense_recording)
    assert source.working_copy and source.index.keyframes.tolist() == list(range(0, 30, COPY_GOP))
    assert vault.repo.recordings.frame_index(dense_recording.id).keyframes.tolist() == [0, 12, 24]
    assert not viewing_source(vault, light_recording).working_copy
    with open_frame_server(vault, dense_recording, box=(1280, 720)) as server:
        assert [read_stamp(server.frame(n)) for n in (0, 29, 14, 15)] == [0, 29, 14, 15]


def test_the_copy_waits_while_the_practitioner_plays_or_steps(vault: Vault, heavy_film: Path) -> None:
    recording = import_recording(vault, heavy_film, "F").recording
    activity = ViewerActivity(quiet_s=0.3)
    builder = WorkingCopyBuilder(vault, activity)
    done: list[int] = []
    activity.playing(True)  # the practitioner plays the film right after its import
    future = builder.ensure(recording, progress=lambda n, _t: done.append(n))
    assert future is not None
    time.sleep(1.5)
    assert done == [] and not future.done()  # not a frame of the copy was decoded meanwhile
    activity.playing(False)
    activity.touched()  # a step right after the pause: still waiting
    time.sleep(0.1)
    assert done == []
    made = future.result(timeout=300)  # once quiet, it goes on to the end
    builder.close()
    assert made is not None and done[-1] == 30
    assert viewing_source(vault, recording).working_copy


def test_closing_stops_a_copy_that_waits_for_the_practitioner(vault: Vault, heavy_film: Path) -> None:
    recording = import_recording(vault, heavy_film, "F").recording
    activity = ViewerActivity()
    activity.playing(True)
    builder = WorkingCopyBuilder(vault, activity)
    future = builder.ensure(recording)
    assert future is not None
    time.sleep(0.3)
    started = time.monotonic()
    builder.close()  # the window closes while a film plays
    assert time.monotonic() - started < 5
    with pytest.raises(WorkingCopyCancelledError):
        future.result(timeout=1)
    assert not viewing_source(vault, recording).working_copy


def test_the_filmstrip_is_made_from_the_copy_once_there_is_one(vault: Vault, heavy_film: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from vigtool.services.previews import build_previews, load_filmstrip  # noqa: PLC0415

    recording = import_recording(vault, heavy_film, "F").recording
    make_working_copy(vault, recording)
    opened: list[MediaKind] = []
    open_sealed = vault.media.open

    def recording_open(media_id: str, kind: MediaKind, key: bytes, name: str) -> object:
        opened.append(kind)
        return open_sealed(media_id, kind, key, name)

    monkeypatch.setattr(vault.media, "open", recording_open)
    build_previews(vault, recording)
    assert opened[0] is MediaKind.WORKING_COPY  # the filmstrip; the sound wave reads the film's own sound
    strip = load_filmstrip(vault, recording)
    assert strip is not None and strip.frames[0] == 0


def test_verify_reports_a_damaged_copy(vault: Vault, heavy_film: Path) -> None:
    from vigtool.services.verify import verify_vault  # noqa: PLC0415

    recording = import_recording(vault, heavy_film, "F").recording
    make_working_copy(vault, recording)
    assert verify_vault(vault).sound
    path = vault.media.path_for(recording.media_id, MediaKind.WORKING_COPY)
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    path.write_bytes(bytes(data))
    problems = verify_vault(vault).problems
    assert len(problems) == 1 and "working copy" in problems[0] and "made again" in problems[0]


DRIVER = Path(__file__).with_name("working_copy_driver.py")


def kill_while_making(vault_dir: Path, recording_id: int, stop_at: int) -> list[str]:
    """Make the copy in a child, in pieces of one GOP, and SIGKILL it once frame `stop_at` is encoded."""
    child = subprocess.Popen([sys.executable, str(DRIVER), str(vault_dir), str(recording_id), str(2 * COPY_GOP),
                              str(stop_at)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert child.stdout is not None
    lines = []
    try:
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith("WAITING"):
                break
    finally:
        child.send_signal(signal.SIGKILL)  # no cleanup: as a crash or a pulled plug
        child.wait(timeout=60)
        child.stdout.close()
    assert lines[-1:] == ["WAITING"], lines
    return lines


def test_a_copy_killed_mid_way_goes_on_where_it_stopped(tmp_path: Path, heavy_film: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, heavy_film, "F").recording  # 30 frames: two pieces (16 and 14)
    lines = kill_while_making(tmp_path / "v", recording.id, stop_at=20)
    assert "SEALED 0" in lines and "SEALED 1" not in lines
    media = tmp_path / "v" / "media"
    piece = media / f"{recording.media_id}.working_copy_piece.0000.vigm"
    torn = [p for p in media.iterdir() if is_temp_name(p)]
    assert piece.is_file() and len(torn) == 1 and "working_copy_piece.0001" in torn[0].name  # half of piece 1
    first_piece = piece.stat()
    with open_vault(tmp_path / "v", create=False) as vault:
        assert not any(is_temp_name(p) for p in media.iterdir())  # the torn piece went when the vault opened
        recording = vault.repo.recordings.get(recording.id)
        assert not viewing_source(vault, recording).working_copy  # pieces are not a copy to watch
        done: list[int] = []
        sealed: list[int] = []
        before_assembly: list[tuple[int, float]] = []

        def sealing(number: int) -> None:
            sealed.append(number)
            before_assembly.append((piece.stat().st_ino, piece.stat().st_mtime))

        made = make_working_copy(vault, recording, lambda n, _t: done.append(n), piece_sealed=sealing,
                                 piece_frames=2 * COPY_GOP)
        assert made is not None and made.frames == 30
        assert done[0] == 2 * COPY_GOP + 1 and done[-1] == 30  # it went on after the piece finished before the kill
        assert sealed == [1]
        assert before_assembly == [(first_piece.st_ino, first_piece.st_mtime)]  # that piece was not made again
        assert sorted(p.name for p in media.iterdir()) == sorted(
            [f"{recording.media_id}.film.vigm", f"{recording.media_id}.working_copy.vigm"])  # pieces removed
        with open_frame_server(vault, recording, box=(1280, 720)) as server:
            order = [*range(30), 14, 15, 16, 3]
            assert [read_stamp(server.frame(n)) for n in order] == order  # frame for frame across the pieces


def test_a_torn_piece_is_found_and_made_again(vault: Vault, heavy_film: Path) -> None:
    recording = import_recording(vault, heavy_film, "F").recording
    seen: list[int] = []
    with pytest.raises(WorkingCopyCancelledError):
        make_working_copy(vault, recording, lambda n, _t: seen.append(n), lambda: len(seen) >= 20,
                          piece_frames=2 * COPY_GOP)
    piece = vault.media.piece_path(recording.media_id, MediaKind.WORKING_COPY_PIECE, 0)
    assert vault.media.pieces(recording.media_id, MediaKind.WORKING_COPY_PIECE) == [0]  # stopped: piece 0 kept
    piece.write_bytes(piece.read_bytes()[:-300])  # torn at its end, as a disk without data journaling may leave
    done: list[int] = []
    sealed: list[int] = []
    made = make_working_copy(vault, recording, lambda n, _t: done.append(n), piece_sealed=sealed.append,
                             piece_frames=2 * COPY_GOP)
    assert made is not None and done[0] == 1 and sealed == [0, 1]  # made again from the start
    with open_frame_server(vault, recording, box=(1280, 720)) as server:
        assert [read_stamp(server.frame(n)) for n in (0, 14, 15, 29)] == [0, 14, 15, 29]


def test_pieces_of_a_copy_are_shredded_with_the_film(vault: Vault, heavy_film: Path) -> None:
    recording = import_recording(vault, heavy_film, "F").recording
    seen: list[int] = []
    with pytest.raises(WorkingCopyCancelledError):
        make_working_copy(vault, recording, lambda n, _t: seen.append(n), lambda: len(seen) >= 20,
                          piece_frames=2 * COPY_GOP)
    assert vault.media.pieces(recording.media_id, MediaKind.WORKING_COPY_PIECE) == [0]
    assert not vault.media.unknown_files({recording.media_id})  # a piece is the vault's own, not a stray
    vault.delete_recording(recording)
    assert list(vault.media.folder.iterdir()) == []
