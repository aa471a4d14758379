"""Probing and exact frames on every generator variant, checked against an independent decode."""

from __future__ import annotations

import gc
import random
import weakref
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import Sample, ffmpeg_frame, psnr
from hypothesis import given, settings
from hypothesis import strategies as st

from vigtool.media.errors import MediaError
from vigtool.media.frames import FrameReader
from vigtool.media.probe import probe_path
from vigtool.synth.stamp import MAX_INDEX, draw_stamp, read_stamp

PLAYABLE = ["h264", "hevc", "portrait", "vfr", "noaudio"]


@given(st.integers(0, MAX_INDEX), st.sampled_from([320, 360, 640, 1280, 1920]))
@settings(max_examples=60, deadline=None)
def test_stamp_reads_back_at_any_scale(index: int, width: int) -> None:
    image = np.full((width * 9 // 16, width, 3), 200, np.uint8)
    draw_stamp(image, index)
    assert read_stamp(image) == index
    smaller = cv2.resize(image, (width * 2 // 3, image.shape[0] * 2 // 3), interpolation=cv2.INTER_AREA)
    assert read_stamp(smaller) == index


def test_unstamped_images_read_as_none() -> None:
    assert read_stamp(np.full((240, 320, 3), 200, np.uint8)) is None
    assert read_stamp(np.zeros((240, 320, 3), np.uint8)) is None


@pytest.mark.parametrize("name", PLAYABLE)
def test_probe_reports_what_the_generator_made(samples: dict[str, Sample], name: str) -> None:
    sample = samples[name]
    result = probe_path(sample.path)
    assert result.frame_count == sample.truth.frame_count
    assert result.rotation == sample.truth.rotation
    assert (result.audio_codec is not None) == sample.truth.has_audio
    assert result.variable_frame_rate == (name == "vfr")
    assert result.rate == sample.truth.rate
    assert result.video_codec == ("hevc" if name == "hevc" else "h264")
    expected_duration = Fraction(sample.truth.frame_times[-1]).limit_denominator(90000) + 1 / Fraction(30)
    assert abs(result.duration - expected_duration) < Fraction(1, 20)
    # The portrait film is displayed 240×320 but stored turned, as phones store it.
    assert (result.width, result.height) == (320, 240)


@pytest.mark.parametrize("name", PLAYABLE)
def test_every_frame_in_random_order_is_the_exact_frame(samples: dict[str, Sample], name: str) -> None:
    sample = samples[name]
    result = probe_path(sample.path)
    order = list(range(result.frame_count))
    random.Random(name).shuffle(order)
    order += [5, 4, 3, 2, 1, 0, result.frame_count - 1]  # stepping backwards, then a jump to the end
    with sample.path.open("rb") as handle, FrameReader(handle, result.index, result.rotation, name) as reader:
        got = [read_stamp(reader.frame(n)) for n in order]
        assert got == order
        for n in (0, 61, result.frame_count - 1):  # compare pixels with ffmpeg's own decode
            ours, theirs = reader.frame(n), ffmpeg_frame(sample.path, n)
            assert ours.shape == theirs.shape  # display orientation, as ffmpeg shows it
            assert psnr(ours, theirs) >= 35
        with pytest.raises(IndexError, match="no frame"):
            reader.frame(result.frame_count)


def test_truncated_file_is_refused_by_name(samples: dict[str, Sample]) -> None:
    with pytest.raises(MediaError, match=r"truncated\.mp4: is cut short"):
        probe_path(samples["truncated"].path)


def test_truncated_without_index_is_refused(samples: dict[str, Sample], tmp_path: Path) -> None:
    data = samples["h264"].path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaError, match=r"cut\.mp4: is cut short"):
        probe_path(cut)
    tail = tmp_path / "no-header.mp4"
    tail.write_bytes(data[len(data) // 2:])
    with pytest.raises(MediaError, match=r"no-header\.mp4: is not a video"):
        probe_path(tail)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"Dear diary, today the baby smiled.\n" * 50, "is not a video"),
    (bytes(range(256)) * 64, "is not a video"),
])
def test_bad_files_are_refused_with_a_clear_message(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "suspicious.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError, match=f"suspicious.mp4: {message}"):
        probe_path(path)


def test_folders_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="is a folder"):
        probe_path(tmp_path)
    with pytest.raises(MediaError, match="does not exist"):
        probe_path(tmp_path / "gone.mp4")


def test_unreadable_file_is_refused_even_when_tests_run_as_root(samples: dict[str, Sample], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads every file, so CI (root) cannot make a real unreadable one; make the OS refuse instead.
    locked = tmp_path / "locked.mp4"
    locked.write_bytes(samples["h264"].path.read_bytes())
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(MediaError, match=r"locked\.mp4: cannot be read \(permission denied\)"):
        probe_path(locked)


def test_a_closed_reader_lets_go_of_its_decoder_at_once(samples: dict[str, Sample]) -> None:
    """Each export and each scrub opens decoders holding tens of MB of pictures at 1080p: they must be freed
    when closed, not whenever the cycle collector happens to run (exports grew the app by 60 MB each)."""
    sample = samples["h264"]
    probe = probe_path(sample.path)
    gc.disable()
    try:
        reader = FrameReader(sample.path.open("rb"), probe.index, probe.rotation, sample.name)
        assert read_stamp(reader.frame(37)) == 37
        decoder = weakref.ref(reader._decoder)
        reader.close()
        del reader
        assert decoder() is None
    finally:
        gc.enable()
