"""A film with long GOPs (a camera's 8-second ones) gets a filmstrip picture every spacing, not only at its
few keyframes; each is the very picture at its time, and a phone's short GOPs cost no second pass."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import ffmpeg_frame, psnr
from vigtool.media import previews as media_previews
from vigtool.media.probe import probe_path
from vigtool.services.working_copy import ViewerActivity
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
