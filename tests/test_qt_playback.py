"""QtMultimedia plays a film straight from the vault, through the decrypting QIODevice."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import Sample
from PySide6.QtCore import QBuffer, QUrl
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink
from pytestqt.qtbot import QtBot

from ui.qt_forward_play import ForwardPlay
from ui.qt_player import PlayerView
from ui.qt_sealed_device import SealedMediaDevice
from vigtool.media.errors import MediaError
from vigtool.media.sound_track import sound_track
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.stamp import read_stamp


def stamp_of(frame: QVideoFrame) -> int | None:
    image = frame.toImage().convertToFormat(QImage.Format.Format_RGB888)
    if image.isNull():
        return None
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return read_stamp(rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3))


def test_qmediaplayer_plays_the_sealed_film_in_order(qtbot: QtBot, vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["h264"].path, "F").recording
    device = SealedMediaDevice(vault.open_film(recording))
    assert device.size() == samples["h264"].path.stat().st_size  # the plaintext size, not the sealed one
    player, sink = QMediaPlayer(), QVideoSink()
    player.setVideoSink(sink)
    shown: list[int] = []
    sink.videoFrameChanged.connect(lambda frame: shown.append(stamp_of(frame)))
    player.setSourceDevice(device, QUrl("film.mp4"))
    player.play()
    qtbot.waitUntil(lambda: len(shown) >= 30, timeout=10_000)
    player.stop()
    assert player.error() == QMediaPlayer.Error.NoError
    assert abs(player.duration() - 4000) <= 40
    numbers = [n for n in shown if n is not None]
    assert numbers[:5] == [0, 1, 2, 3, 4] and numbers == sorted(numbers)
    player.setSource(QUrl())
    device.close()


def test_a_portrait_film_plays_upright(qtbot: QtBot, vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["portrait"].path, "F").recording
    device = SealedMediaDevice(vault.open_film(recording))
    player, sink = QMediaPlayer(), QVideoSink()
    player.setVideoSink(sink)
    shown: list[tuple[int, int, int | None]] = []

    def seen(frame: QVideoFrame) -> None:
        image = frame.toImage()  # what a video widget paints, the display rotation applied
        shown.append((image.width(), image.height(), stamp_of(frame)))

    sink.videoFrameChanged.connect(seen)
    player.setSourceDevice(device, QUrl("film.mp4"))
    player.play()
    qtbot.waitUntil(lambda: len(shown) >= 5, timeout=10_000)
    player.stop()
    width, height = recording.display_size
    assert height > width
    assert all((w, h) == (width, height) for w, h, _ in shown)
    assert [n for _, _, n in shown if n is not None][:3] == [0, 1, 2]  # the stamp reads: upright, not mirrored
    player.setSource(QUrl())
    device.close()


def audio_packets(data: bytes | Path) -> list[tuple[int | None, bytes]]:
    with av.open(io.BytesIO(data) if isinstance(data, bytes) else str(data)) as container:
        stream = container.streams.audio[0]
        start = stream.start_time or 0
        return [(None if p.pts is None else p.pts - start, bytes(p)) for p in container.demux(stream) if p.size]


def test_the_sound_plays_from_a_copy_in_memory_packet_for_packet(qtbot: QtBot, vault: Vault,
                                                                  samples: dict[str, Sample],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    recording = import_recording(vault, samples["h264"].path, "F").recording
    with vault.open_film(recording) as handle:
        track = sound_track(handle, recording.source_name)
    assert track is not None
    packets = audio_packets(samples["h264"].path)
    assert audio_packets(track) == packets  # the same samples at the same times
    assert len(track) < sum(len(data) for _pts, data in packets) + 8192  # the sound alone, no picture
    with vault.open_film(recording) as handle:
        assert sound_track(handle, recording.source_name, limit=1000) is None  # too long to hold: not copied
    monkeypatch.setattr(ForwardPlay, "sound_without_device", True)
    player = PlayerView()
    qtbot.addWidget(player)
    player.open(vault, recording, 0)
    # QtMultimedia's threads read a C++ buffer, never the Python device (whose reads need the GIL).
    qtbot.waitUntil(lambda: isinstance(player.media.sourceDevice(), QBuffer), timeout=10_000)
    player.play()
    qtbot.waitUntil(lambda: player.media.position() > 500, timeout=10_000)
    player.pause()
    assert player.media.error() == QMediaPlayer.Error.NoError
    player.close_film()


def test_a_film_without_sound_has_no_sound_track(vault: Vault, samples: dict[str, Sample]) -> None:
    recording = import_recording(vault, samples["noaudio"].path, "F").recording
    with vault.open_film(recording) as handle, pytest.raises(MediaError, match="no sound"):
        sound_track(handle, recording.source_name)
