"""Clip and still export from the vault, proved with an independent decode by the ffmpeg binary."""

from __future__ import annotations

import subprocess
import threading
from fractions import Fraction
from pathlib import Path

import av
import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import Sample, give_consent, psnr

from storage.paths import DATABASE_NAME
from vigtool.domain.export import CaptionMode, ClipOptions, ExportMode
from vigtool.domain.model import Recording
from vigtool.domain.time import FrameRange
from vigtool.media.probe import probe_path
from vigtool.services.exporting import ExportCancelledError, ExportError, export_clip, export_still
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.stamp import read_stamp

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
PERSONAL_TAGS = ("location", "creation_time", "make", "model", "com.apple.quicktime", "encoder_device", "date")


def decoded(path: Path) -> np.ndarray:
    """Every frame as the ffmpeg binary shows it (its own autorotation), in order."""
    probe = probe_path(path)
    width, height = (probe.height, probe.width) if probe.rotation in (90, 270) else (probe.width, probe.height)
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-fps_mode", "passthrough", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def durations(path: Path) -> dict[str, float]:
    """Seconds of video and of sound, from the decoded streams (not from headers)."""
    seconds = {}
    with av.open(str(path)) as container:
        for stream in container.streams:
            if stream.type not in ("video", "audio"):
                continue
            last = 0.0
            first = None
            for frame in container.decode(stream):
                start = float(frame.pts * stream.time_base)
                first = start if first is None else first
                step = (frame.samples / frame.sample_rate) if stream.type == "audio" else 0.0
                last = max(last, start + step)
            container.seek(0)
            seconds[stream.type] = last - (first or 0.0)
    return seconds


def metadata_tags(path: Path) -> str:
    out = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False)
    return out.stderr.lower()


def source_frames(sample: Sample) -> np.ndarray:
    return decoded(sample.path)


def imported(vault: Vault, path: Path) -> Recording:
    recording = import_recording(vault, path, "Family A").recording
    give_consent(vault, recording)
    return recording


@pytest.fixture(scope="module")
def tagged_h264(samples: dict[str, Sample], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The H.264 sample as a phone writes it: with place, device and time in its tags."""
    out = tmp_path_factory.mktemp("tagged") / "phone.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-i", str(samples["h264"].path), "-c", "copy", "-map", "0",
                    "-metadata", "location=+51.5072-000.1276/", "-metadata", "creation_time=2026-03-01T10:00:00Z",
                    "-metadata", "make=Apple", "-metadata", "model=iPhone 15", "-metadata:s:v",
                    "creation_time=2026-03-01T10:00:00Z", "-metadata:s:v", "handler_name=Core Media Video",
                    "-movflags", "use_metadata_tags", str(out)], check=True)
    return out


@pytest.mark.parametrize("mode", [ExportMode.SMART, ExportMode.REENCODE])
@pytest.mark.parametrize("name", ["h264", "hevc", "portrait", "vfr"])
def test_clip_holds_exactly_the_chosen_frames(vault: Vault, samples: dict[str, Sample], tmp_path: Path,
                                              name: str, mode: ExportMode) -> None:
    sample = samples[name]
    recording = imported(vault, sample.path)
    first, end = 17, 101  # mid-GOP in, mid-GOP out: a head and a tail to re-encode
    out = tmp_path / "moment.mp4"
    result = export_clip(vault, recording, FrameRange(first, end), out, mode=mode)
    assert result.mode is mode and result.frames == end - first
    frames = decoded(out)
    reference = source_frames(sample)
    assert len(frames) == end - first
    assert [read_stamp(f) for f in frames] == list(range(first, end))  # upright, so the stamp reads
    worst = min(psnr(frames[k], reference[first + k]) for k in range(len(frames)))
    assert worst >= 35, f"frame quality {worst:.1f} dB"
    seconds = durations(out)
    last_frame = sample.truth.frame_times[end] - sample.truth.frame_times[end - 1]
    assert abs(seconds["audio"] - (seconds["video"] + last_frame)) < 0.03, seconds  # sound as long as pictures
    # Re-encoded pictures are turned upright; a smart cut keeps the film's own rotation tag.
    assert probe_path(out).rotation == (0 if mode is ExportMode.REENCODE else sample.truth.rotation)


@pytest.mark.parametrize("name", ["h264", "hevc"])
def test_smart_cut_is_exact_wherever_the_moment_begins_and_ends(vault: Vault, samples: dict[str, Sample],
                                                                 tmp_path: Path, name: str) -> None:
    """In and out points on, just after and between keyframes (120 frames, keyframes at 0 and 60, B-frames):
    no head, a one-frame head, all head, and tails of none to several pictures, some of them pictures
    nothing refers to, which the decoders skip before the out point."""
    recording = imported(vault, samples[name].path)
    assert recording.frame_count == 120
    for first, end in [(60, 120), (0, 120), (61, 62), (17, 59), (59, 61), (60, 61), (17, 101), (17, 102),
                       (17, 103), (17, 104), (45, 118)]:
        out = tmp_path / f"moment-{first}-{end}.mp4"
        result = export_clip(vault, recording, FrameRange(first, end), out, mode=ExportMode.SMART)
        assert result.mode is ExportMode.SMART  # the check found it exact; decode it independently too
        assert [read_stamp(f) for f in decoded(out)] == list(range(first, end)), (first, end)


@pytest.mark.parametrize("mode", [ExportMode.SMART, ExportMode.REENCODE])
def test_exports_carry_no_place_device_or_time(vault: Vault, tagged_h264: Path, tmp_path: Path,
                                               mode: ExportMode) -> None:
    assert "iphone" in metadata_tags(tagged_h264)  # the tags are there to strip
    recording = imported(vault, tagged_h264)
    out = tmp_path / "clip.mp4"
    export_clip(vault, recording, FrameRange(5, 40), out, mode=mode)
    still = export_still(vault, recording, 7, tmp_path / "still.jpg", "A caption")
    for written in (out, still):
        tags = metadata_tags(written)
        found = [t for t in PERSONAL_TAGS if t in tags] + [t for t in ("iphone", "apple", "51.5072") if t in tags]
        assert not found, f"{written.name} still carries {found}"


def test_options_force_a_reencode_and_do_what_they_say(vault: Vault, samples: dict[str, Sample],
                                                       tmp_path: Path) -> None:
    recording = imported(vault, samples["portrait"].path)
    first, end = 10, 40
    slow = export_clip(vault, recording, FrameRange(first, end), tmp_path / "slow.mp4",
                       ClipOptions(speed=Fraction(1, 2)))
    assert slow.mode is ExportMode.REENCODE
    seconds = durations(slow.path)
    assert abs(seconds["video"] - 2 * (end - first - 1) / 30) < 0.05 and abs(seconds["audio"] - 2.0) < 0.05
    assert [read_stamp(f) for f in decoded(slow.path)] == list(range(first, end))

    held = export_clip(vault, recording, FrameRange(first, end), tmp_path / "held.mp4",
                       ClipOptions(hold_frame=20, hold_seconds=Fraction(1)))
    stamps = [read_stamp(f) for f in decoded(held.path)]
    assert stamps == list(range(first, 20)) + [20] * 31 + list(range(21, end))
    assert abs(durations(held.path)["audio"] - (end - first + 30) / 30) < 0.05

    captioned = export_clip(vault, recording, FrameRange(first, end), tmp_path / "caption.mp4",
                            ClipOptions(caption="You waited: your baby's turn, and she took it."))
    plain = decoded(export_clip(vault, recording, FrameRange(first, end), tmp_path / "plain.mp4").path)
    with_band = decoded(captioned.path)
    assert with_band.shape[1] > plain.shape[1] and with_band.shape[2] == plain.shape[2]  # a band below
    band = with_band[0, plain.shape[1]:]
    assert band.mean() > 200 and band.min() < 100  # white, with dark writing on it

    soft = export_clip(vault, recording, FrameRange(first, end), tmp_path / "soft.mp4",
                       ClipOptions(caption="Lovely turn-taking", caption_mode=CaptionMode.SOFT))
    assert "subtitle: mov_text" in metadata_tags(soft.path)
    assert decoded(soft.path).shape[1:] == plain.shape[1:]

    quiet = export_clip(vault, recording, FrameRange(first, end), tmp_path / "quiet.mp4",
                        ClipOptions(mute=True, height=160, fade_seconds=Fraction(1, 2)))
    frames = decoded(quiet.path)
    assert "audio:" not in metadata_tags(quiet.path)
    assert frames.shape[1] == 160
    assert frames[0].mean() < 20 and frames[len(frames) // 2].mean() > 80  # faded in from black


def test_cancel_leaves_no_file(vault: Vault, samples: dict[str, Sample], tmp_path: Path) -> None:
    recording = imported(vault, samples["h264"].path)
    folder = tmp_path / "exports"
    folder.mkdir()
    for mode in (ExportMode.SMART, ExportMode.REENCODE):
        seen = threading.Event()
        with pytest.raises(ExportCancelledError):  # cancelled as soon as the first progress arrives
            export_clip(vault, recording, FrameRange(3, 110), folder / "clip.mp4", mode=mode,
                        progress=lambda done, _total, seen=seen: seen.set() if done else None, cancelled=seen.is_set)
        assert list(folder.iterdir()) == [], mode
    assert vault.exports.entries() == []  # nothing written, nothing logged


def test_auto_falls_back_when_smart_cut_cannot_be_exact(vault: Vault, samples: dict[str, Sample],
                                                        tmp_path: Path) -> None:
    mpeg4 = tmp_path / "old-camera.mp4"  # a codec smart cut does not know
    subprocess.run([FFMPEG, "-v", "error", "-i", str(samples["h264"].path), "-c:v", "mpeg4", "-q:v", "2",
                    "-c:a", "copy", str(mpeg4)], check=True)
    recording = imported(vault, mpeg4)
    with pytest.raises(ExportError, match="smart cut"):
        export_clip(vault, recording, FrameRange(5, 50), tmp_path / "a.mp4", mode=ExportMode.SMART)
    assert not (tmp_path / "a.mp4").exists()
    result = export_clip(vault, recording, FrameRange(5, 50), tmp_path / "b.mp4")
    assert result.mode is ExportMode.REENCODE
    assert result.note == ("re-encoded, because a smart cut cannot copy this film: smart cut handles H.264 and "
                           "HEVC, not mpeg4")
    assert [read_stamp(f) for f in decoded(result.path)] == list(range(5, 50))
    # The export log says so too, and why: the practitioner can tell a copy from a re-encoding afterwards.
    entry, = vault.exports.entries(recording.id)
    assert entry.detail["mode"] == "reencode" and entry.detail["note"] == result.note


def test_export_log_records_what_when_where(vault: Vault, samples: dict[str, Sample], tmp_path: Path) -> None:
    recording = imported(vault, samples["h264"].path)
    clip = export_clip(vault, recording, FrameRange(0, 30), tmp_path / "clip.mp4")
    export_still(vault, recording, 12, tmp_path / "still.png")
    clip_entry, still_entry = vault.exports.entries(recording.id)
    assert clip_entry.kind == "clip" and clip_entry.detail["file"] == str(clip.path.resolve())
    assert clip_entry.detail["frames"] == [0, 30] and clip_entry.detail["mode"] == "smart"
    assert clip_entry.detail["note"] == ""  # a smart cut: no fall back to explain
    assert still_entry.kind == "still" and still_entry.detail["frames"] == [12, 13]
    stored = b"".join(p.read_bytes() for p in vault.path.glob(f"{DATABASE_NAME}*"))
    assert str(tmp_path).encode() not in stored  # where it went is sealed, like every note
    vault.delete_recording(recording)  # the log outlives the film: copies can still be recalled
    assert [e.kind for e in vault.exports.entries()] == ["clip", "still"]


def test_still_is_full_size_and_exact_with_an_optional_caption(vault: Vault, samples: dict[str, Sample],
                                                              tmp_path: Path) -> None:
    sample = samples["portrait"]
    recording = imported(vault, sample.path)
    reference = source_frames(sample)[33]
    plain = cv2.cvtColor(cv2.imread(str(export_still(vault, recording, 33, tmp_path / "s.png"))), cv2.COLOR_BGR2RGB)
    assert plain.shape == reference.shape and psnr(plain, reference) > 45 and read_stamp(plain) == 33
    banded = cv2.imread(str(export_still(vault, recording, 33, tmp_path / "s.jpg", "You smiled back at him")))
    assert banded.shape[0] > plain.shape[0] and banded.shape[1] == plain.shape[1]
    assert read_stamp(cv2.cvtColor(banded, cv2.COLOR_BGR2RGB)) == 33


@pytest.mark.parametrize(("out", "problem"), [("missing/clip.mp4", "folder does not exist"),
                                              ("clip.avi", "written as .mp4")])
def test_bad_destinations_are_refused_clearly(vault: Vault, samples: dict[str, Sample], tmp_path: Path,
                                              out: str, problem: str) -> None:
    recording = imported(vault, samples["h264"].path)
    with pytest.raises(ExportError, match=problem) as caught:
        export_clip(vault, recording, FrameRange(0, 10), tmp_path / out)
    assert (tmp_path / out).name in str(caught.value)
    with pytest.raises(ExportError, match="not within"):
        export_clip(vault, recording, FrameRange(100, 500), tmp_path / "x.mp4")
