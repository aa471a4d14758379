"""The frame server gives the exact frame asked for, from the vault, in any order, at the size shown."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from tests.conftest import Sample, ffmpeg_frame, psnr
from vigtool.media.errors import MediaError
from vigtool.media.frame_server import fit_in_box
from vigtool.media.frames import FrameDecoder
from vigtool.services.frames import open_frame_server
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.stamp import read_stamp


@pytest.mark.parametrize("variant", ["h264", "hevc", "portrait", "vfr"])
def test_every_way_of_moving_lands_on_the_exact_frame(vault: Vault, samples: dict[str, Sample], variant: str) -> None:
    recording = import_recording(vault, samples[variant].path, "Family A").recording
    last = recording.frame_count - 1
    rng = random.Random(variant)
    # Steps forward and back across GOP boundaries, jumps, and back to frames seen before.
    order = [0, 1, 2, 1, 0, last, last - 1, last - 2, 59, 60, 61, 60, 59, 58]
    order += [rng.randrange(recording.frame_count) for _ in range(25)]
    with open_frame_server(vault, recording) as server:
        assert server.display_size == recording.display_size  # small films are never scaled up
        assert [read_stamp(server.frame(n)) for n in order] == order
        for number in (0, 37, last):  # and the picture is the frame an independent decoder gives
            assert psnr(server.frame(number), ffmpeg_frame(samples[variant].path, number)) >= 35


def test_stepping_back_through_a_gop_is_served_from_the_cache(vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    with open_frame_server(vault, recording, prefetch=False) as server:
        server.frame(50)
        server.frame(49)  # a step back: the whole GOP up to here is converted on the way
        assert server.cached_frames >= 50
        assert all(server.peek(n) is not None for n in range(0, 50))


def test_the_cache_stays_within_its_bound(vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    frame_bytes = recording.width * recording.height * 3
    with open_frame_server(vault, recording, prefetch=False) as server:
        server._cache._limit = 10 * frame_bytes  # a tiny bound, to see eviction
        for number in range(59, 0, -1):
            assert read_stamp(server.frame(number)) == number
        assert server.cached_bytes <= 10 * frame_bytes


def test_frames_are_scaled_into_the_box_keeping_the_shape(vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["portrait"].path, "Family A").recording
    shown_w, shown_h = recording.display_size
    assert shown_h > shown_w  # a phone held upright
    with open_frame_server(vault, recording, box=(120, 120)) as server:
        image = server.frame(10)
        assert image.shape[0] == 120 and image.shape[1] < 120
        assert abs(image.shape[1] / image.shape[0] - shown_w / shown_h) < 0.03
        server.set_box((shown_w, shown_h))
        assert server.frame(10).shape[:2] == (shown_h, shown_w)
    assert fit_in_box(1920, 1080, 0, (960, 540)) == (960, 540)
    assert fit_in_box(1920, 1080, 90, (960, 540)) == (540, 304)  # stored landscape, shown 304×540


def test_requests_serve_only_the_latest_wish(vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    served: list[int] = []
    done = threading.Event()

    def on_frame(number: int, image: object, error: Exception | None) -> None:
        assert error is None and image is not None
        served.append(number)
        if number == 110:
            done.set()

    with open_frame_server(vault, recording) as server:
        for number in range(60, 111):  # a fast scrub: only the last one must arrive for sure
            server.request(number, on_frame)
        assert done.wait(10)
    assert served[-1] == 110
    assert served == sorted(served)
    assert len(served) < 51  # overtaken wishes were skipped


def test_a_damaged_film_names_itself(tmp_path: Path, samples: dict[str, Sample]) -> None:
    from vigtool.media.frame_server import FrameServer  # noqa: PLC0415
    from vigtool.media.probe import probe_path  # noqa: PLC0415

    probe = probe_path(samples["h264"].path)
    damaged = tmp_path / "damaged.mp4"
    data = bytearray(samples["h264"].path.read_bytes())
    data[len(data) // 3:] = bytes(len(data) - len(data) // 3)  # the second two thirds zeroed
    damaged.write_bytes(bytes(data))
    server = FrameServer(lambda: damaged.open("rb"), probe.index, (probe.width, probe.height), 0, "damaged.mp4")
    with server, pytest.raises(MediaError, match=r"damaged\.mp4"):
        for number in range(probe.frame_count - 1, 0, -7):
                server.frame(number)


def test_frames_of_any_width_come_as_whole_rows(vault: Vault, samples: dict[str, Sample]) -> None:
    """The window wraps a frame's rows in a QImage directly: padded rows would fail (seen at full screen)."""
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    with open_frame_server(vault, recording, prefetch=False) as server:
        for width in (1597, 1001, 333, 101):
            server.set_box((width, 2000))
            assert server.frame(10).flags["C_CONTIGUOUS"], width


@pytest.mark.parametrize("variant", ["h264", "hevc"])
def test_a_drained_seek_gives_the_same_pixels_and_the_decoder_goes_on_from_anywhere(
        vault: Vault, samples: dict[str, Sample], variant: str) -> None:
    recording = import_recording(vault, samples[variant].path, "Family A").recording
    index = vault.repo.recordings.frame_index(recording.id)
    order = [0, 37, 38, 5, recording.frame_count - 1, 61]
    plain = FrameDecoder(vault.open_film(recording), index, "plain")
    drained = FrameDecoder(vault.open_film(recording), index, "drained")
    try:
        assert drained.holds_back  # B-frames: a lone frame comes sooner drained
        for number in order:
            *_, (at, frame) = drained.decode_to(number, skip_unneeded=True, drain=True)
            *_, (plain_at, plain_frame) = plain.decode_to(number, skip_unneeded=True)
            assert at == plain_at == number
            assert (frame.to_ndarray(format="rgb24") == plain_frame.to_ndarray(format="rgb24")).all()
        *_, (at, _frame) = drained.decode_to(62)  # after a drain, decoding on seeks afresh
        assert at == 62
    finally:
        plain.close()
        drained.close()
