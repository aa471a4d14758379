"""A film with long GOPs (a camera's 8-second ones) gets a filmstrip picture every spacing, not only at its
few keyframes; each is the very picture at its time, and a phone's short GOPs cost no second pass."""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from storage.sealed_media import MediaKind
from tests.conftest import ffmpeg_frame, psnr
from vigtool.domain.model import Recording
from vigtool.media import previews as media_previews
from vigtool.media.previews import STRIP_MADE, Filmstrip
from vigtool.media.probe import probe_path
from vigtool.services import working_copy
from vigtool.services.importing import import_recording
from vigtool.services.previews import PreviewBuilder, load_filmstrip, stale_filmstrip
from vigtool.services.vault import Vault
from vigtool.services.working_copy import FILMSTRIP_WAITS, ViewerActivity
from vigtool.synth.generator import RecordingSpec, render


def test_long_gops_get_a_picture_every_spacing_each_the_frame_at_its_time(tmp_path: Path) -> None:
    film = tmp_path / "camera.mp4"
    render(RecordingSpec(duration=30.0, width=320, height=180, seed=3, gop_seconds=8.0), film)
    index = probe_path(film).index
    assert len(index.keyframes) == 4  # four keyframes in 30 s
    strips = []
    for workers in (1, 2):
        with film.open("rb") as handle:
            strips.append(media_previews.make_filmstrip(handle, index, 0, film.name, workers=workers))
    one, strip = strips
    assert one == strip
    spacing = Fraction(2) / index.time_base  # 2 s: the smallest spacing, in the stream's ticks
    times = [int(index.pts[f]) - int(index.pts[0]) for f in strip.frames]
    for step in range(15):  # a picture within a second of every 2 s
        assert min(abs(t - step * spacing) for t in times) <= spacing / 2
    assert len(strip.frames) >= 15
    for position, frame in enumerate(strip.frames):
        if frame in index.keyframes:
            continue
        thumb = strip.image(position)
        truth = cv2.resize(ffmpeg_frame(film, frame), (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA)
        assert psnr(np.asarray(thumb), truth) >= 32, f"frame {frame} is not the picture at its time"


def test_short_gops_need_no_second_pass(tmp_path: Path) -> None:
    film = tmp_path / "phone.mp4"
    render(RecordingSpec(duration=12.0, width=320, height=180, seed=3, gop_seconds=1.0), film)
    index = probe_path(film).index
    assert media_previews.frames_between_keyframes(index) == {}
    with film.open("rb") as handle:
        strip = media_previews.make_filmstrip(handle, index, 0, film.name)
    assert set(strip.frames) <= set(index.keyframes.tolist())


def test_a_second_pass_stopped_leaves_no_decoding_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media_previews, "PARTIAL_EVERY_S", 0.0)
    film = tmp_path / "camera.mp4"
    render(RecordingSpec(duration=40.0, width=320, height=180, seed=4, gop_seconds=8.0), film)
    index = probe_path(film).index
    seen: list[media_previews.Filmstrip] = []

    def cancelled() -> bool:  # once the keyframes' strip is whole and a GOP of the second pass came in
        return len(seen) >= 2

    with film.open("rb") as handle, pytest.raises(media_previews.PreviewCancelledError):
        media_previews.make_filmstrip(handle, index, 0, film.name, partial=seen.append, cancelled=cancelled,
                                      workers=2)
    assert set(seen[0].frames) == set(index.keyframes.tolist())  # the first part shown: every keyframe
    assert len(seen[-1].frames) > len(seen[0].frames)  # then pictures between them
    assert not [t for t in threading.enumerate() if t.name.startswith("vigtool-filmstrip")]


def test_the_second_pass_waits_while_the_film_plays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A camera film's in-between pictures cost many CPU-seconds: none is decoded while the practitioner plays
    the film; the keyframes' strip is made at once all the same."""
    monkeypatch.setattr(media_previews, "PARTIAL_EVERY_S", 0.0)
    film = tmp_path / "camera.mp4"
    render(RecordingSpec(duration=30.0, width=320, height=180, seed=5, gop_seconds=8.0), film)
    index = probe_path(film).index
    activity = ViewerActivity(quiet_s=0.0)
    activity.playing(True)
    stop = threading.Event()
    seen: list[media_previews.Filmstrip] = []
    made: list[media_previews.Filmstrip] = []

    def build() -> None:
        with film.open("rb") as handle:
            made.append(media_previews.make_filmstrip(handle, index, 0, film.name, partial=seen.append, workers=2,
                                                      pause=lambda: activity.wait_until_quiet(stop)))

    worker = threading.Thread(target=build, name="test-filmstrip")
    worker.start()
    try:
        worker.join(timeout=3.0)
        assert worker.is_alive(), "the second pass ran while the film played"
        assert seen and set(seen[-1].frames) == set(index.keyframes.tolist())  # the keyframes' strip, whole
    finally:
        activity.playing(False)  # paused: the in-between pictures follow
        worker.join(timeout=60.0)
    assert not worker.is_alive()
    assert len(made[0].frames) > len(index.keyframes)


def camera_film_in_a_vault(vault: Vault, tmp_path: Path) -> Recording:
    film = tmp_path / "camera.mp4"
    render(RecordingSpec(duration=30.0, width=320, height=180, seed=6, gop_seconds=8.0), film)
    return import_recording(vault, film, "Family A").recording


def _stored_as_before_the_second_pass(vault: Vault, recording: Recording) -> Filmstrip:
    """The filmstrip as vigtool stored it before the second pass: keyframes only, no "made" in its header."""
    strip = load_filmstrip(vault, recording)
    assert strip is not None
    index = vault.repo.recordings.frame_index(recording.id)
    keys = set(index.keyframes.tolist())
    old = Filmstrip(tuple(f for f in strip.frames if f in keys),
                    tuple(j for f, j in zip(strip.frames, strip.jpegs, strict=True) if f in keys),
                    strip.width, strip.height)
    header = {"format": media_previews.FILMSTRIP_FORMAT, "version": 1, "width": old.width, "height": old.height,
              "frames": list(old.frames), "sizes": [len(j) for j in old.jpegs]}  # as written then: no "made"
    data = media_previews._pack(header, b"".join(old.jpegs))
    vault.media.write_blob(recording.media_id, MediaKind.FILMSTRIP, vault.data_key(recording), data)
    stored = load_filmstrip(vault, recording)
    assert stored is not None and stored.made == 1 and stored.frames == old.frames and set(old.frames) <= keys
    return stored


def built(vault: Vault, builder: PreviewBuilder, recording: Recording) -> Filmstrip:
    """The filmstrip the film's first opening makes, once it is stored."""
    made = builder.ensure(recording)
    assert made is not None
    made.result(timeout=60)
    strip = load_filmstrip(vault, recording)
    assert strip is not None
    return strip


def test_a_strip_stored_before_the_second_pass_is_made_again_when_the_film_is_opened(
        vault: Vault, tmp_path: Path) -> None:
    """A camera film imported by an older vigtool shows a picture every 8 s: opened now, its strip gets the
    pictures between keyframes in the background, its keyframes' thumbnails kept as they were."""
    recording = camera_film_in_a_vault(vault, tmp_path)
    builder = PreviewBuilder(vault)
    try:
        whole = built(vault, builder, recording)
        assert whole.made == STRIP_MADE
        old = _stored_as_before_the_second_pass(vault, recording)
    finally:
        builder.close()
    opened_again = PreviewBuilder(vault)  # the app started again: the film is opened
    try:
        future = opened_again.ensure(recording)
        assert future is not None
        assert future.result(timeout=60) is not None
        assert opened_again.ensure(recording) is None  # looked at once a session
    finally:
        opened_again.close()
    remade = load_filmstrip(vault, recording)
    assert remade is not None and remade.made == STRIP_MADE
    assert len(remade.frames) > len(old.frames)  # pictures between the keyframes
    assert set(remade.frames) == set(whole.frames)
    kept = dict(zip(remade.frames, remade.jpegs, strict=True))
    assert all(kept[f] == j for f, j in zip(old.frames, old.jpegs, strict=True))  # not decoded again
    assert stale_filmstrip(vault, recording) is None


def test_a_phones_strip_stored_before_is_left_as_it_is(vault: Vault, tmp_path: Path) -> None:
    film = tmp_path / "phone.mp4"
    render(RecordingSpec(duration=12.0, width=320, height=180, seed=3, gop_seconds=1.0), film)
    recording = import_recording(vault, film, "Family A").recording
    builder = PreviewBuilder(vault)
    try:
        built(vault, builder, recording)
        _stored_as_before_the_second_pass(vault, recording)
        assert stale_filmstrip(vault, recording) is None  # short GOPs: nothing between keyframes is wanted
    finally:
        builder.close()
    again = PreviewBuilder(vault)
    try:
        future = again.ensure(recording)
        assert future is not None and future.result(timeout=60) is None  # looked at, not made again
    finally:
        again.close()


def test_the_copys_waits_are_its_own_not_the_filmstrips(vault: Vault, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The working copy's bench figure (ViewerActivity.waited_s) counts only the copy's waits: the
    filmstrip's second pass waiting while the film plays has a counter of its own."""
    monkeypatch.setattr(media_previews, "PARTIAL_EVERY_S", 0.0)
    recording = camera_film_in_a_vault(vault, tmp_path)
    keyframes = len(vault.repo.recordings.frame_index(recording.id).keyframes)
    activity = ViewerActivity(quiet_s=0.0)
    activity.playing(True)
    builder = PreviewBuilder(vault, activity)
    try:
        future = builder.submit(recording)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(getattr(builder.so_far(recording.id)[0], "frames", ())) < keyframes:
            time.sleep(0.05)  # the keyframes' strip first, however loaded the machine
        time.sleep(1.0)
        assert not future.done()  # the second pass waits while the film plays
        activity.playing(False)
        future.result(timeout=60)
    finally:
        builder.close()
    assert activity.waited_by[FILMSTRIP_WAITS] >= 0.9
    assert activity.waited_s == 0.0


def test_a_heavy_films_pictures_between_keyframes_come_from_its_working_copy(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A heavy camera film (here made heavy by lowering the bar) gets a working copy with a keyframe every 8
    frames anyway: its strip is its keyframes' at first (no minute of decoding GOPs from the original), then,
    once the copy is made and the film opened, a picture every spacing from the copy's keyframes, each the
    picture at its frame."""
    monkeypatch.setattr(working_copy, "COPY_BOX", (160, 90))
    monkeypatch.setattr(working_copy, "HEAVY_BITS_PER_SECOND", 0)
    recording = camera_film_in_a_vault(vault, tmp_path)
    index = vault.repo.recordings.frame_index(recording.id)
    builder = PreviewBuilder(vault)
    try:
        first = built(vault, builder, recording)
        assert first.made == 1 and set(first.frames) == set(index.keyframes.tolist())
        assert builder.ensure(recording) is None and stale_filmstrip(vault, recording) is None  # the copy waits
        assert working_copy.make_working_copy(vault, recording) is not None
        builder.look_again(recording.id)  # what the window does when the copy is ready
        again = builder.ensure(recording)
        assert again is not None and again.result(timeout=60) is not None
    finally:
        builder.close()
    strip = load_filmstrip(vault, recording)
    assert strip is not None and strip.made == STRIP_MADE and len(strip.frames) >= 15
    film = tmp_path / "camera.mp4"
    for position, frame in enumerate(strip.frames):
        thumb = strip.image(position)
        truth = cv2.resize(ffmpeg_frame(film, frame), (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA)
        assert psnr(np.asarray(thumb), truth) >= 30, f"frame {frame} is not the picture at its time"

