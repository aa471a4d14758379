"""Smart cuts of the encodes phones and cameras write (tests/encode_styles.py), each cut on keyframes, just
after one, mid-GOP to mid-GOP and mid-GOP to a keyframe: exact frame by frame, a smart cut (no fall back),
copied wherever the film allows, and right wherever a player enters it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import ClassVar

import av
import numpy as np
import pytest
from conftest import give_consent, open_vault, psnr
from encode_styles import FRAMES, STYLES, Style, encode, render_masters
from test_export import decoded, durations

import vigtool.media.clip_check as clip_check_module
import vigtool.media.smart_cut as smart_cut_module
from vigtool.domain.export import ExportMode
from vigtool.domain.time import FrameRange
from vigtool.media.clip_check import check_clip, decode_runs, picture_of, run_around
from vigtool.media.errors import MediaError
from vigtool.media.frames import FrameDecoder
from vigtool.media.mp4_sync import video_sync_samples
from vigtool.media.nal import is_disposable, length_prefixed, units_of
from vigtool.media.probe import FrameIndex, ProbeResult, probe_path
from vigtool.media.smart_cut import CutReport, smart_cut
from vigtool.services.exporting import export_clip
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.stamp import read_stamp

# (in, out) with keyframes every 30 frames: on keyframes; just after one to a keyframe; mid-GOP to mid-GOP;
# mid-GOP to a keyframe; mid-GOP to three frames past a keyframe (with B-frames, the tail's window over its
# junction starts in the GOP before the tail's keyframe). Each spans two or more keyframes, so a player has
# later copied keyframes to seek to.
CUTS = ((30, 90), (31, 120), (40, 115), (40, 90), (58, 93))


@pytest.fixture(scope="session")
def style_films(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("styles")
    masters = render_masters(folder)
    return {style.name: encode(style, masters, folder) for style in STYLES}


@pytest.fixture(scope="module")
def style_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    with open_vault(tmp_path_factory.mktemp("style-vault") / "vault") as opened:
        yield opened


def straight_decode(path: Path) -> dict[int, np.ndarray]:
    """Every picture of `path` by its timestamp, decoded from the start to the end in one go."""
    with av.open(str(path)) as container:
        return {int(f.pts): f.to_ndarray(format="rgb24") for f in container.decode(video=0) if f.pts is not None}


def seek_problems(path: Path) -> list[str]:
    """Play the clip from its start through its head, then seek to each later keyframe and back to each one
    from the end (as a player scrubbing does: the decoder keeps the parameter sets it has seen); every
    picture shown from a keyframe on must be the one a straight decode shows."""
    straight = straight_decode(path)
    problems = []
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        keys = sorted(int(p.pts) for p in container.demux(video) if p.is_keyframe and p.pts is not None)
        container.seek(0, stream=video)
        # The head (an H.264 head holds a second keyframe, where the check's decoding over its junction starts),
        # and on into the first copied keyframe.
        through = keys[min(2, len(keys) - 1)]
        for frame in container.decode(video):
            if frame.pts is not None and frame.pts > through:
                break
        for key in keys[1:] + keys[::-1]:
            container.seek(key, stream=video, backward=True)
            shown = 0
            try:
                for frame in container.decode(video):
                    if frame.pts is None or frame.pts < key:  # leading pictures of an open GOP
                        continue
                    expected = straight.get(int(frame.pts))
                    if expected is None or not np.array_equal(frame.to_ndarray(format="rgb24"), expected):
                        problems.append(f"entered at {key}: the picture at {frame.pts} is not the straight one")
                        break
                    shown += 1
                    if shown == 4:
                        break
            except av.error.FFmpegError as exc:
                problems.append(f"entered at {key}: {exc}")
            if shown == 0 and not problems:
                problems.append(f"entered at {key}: nothing was shown")
    return problems


def copied_packets(clip: Path, film: Path) -> int:
    """How many of the clip's pictures are the film's own packets, byte for byte."""
    with av.open(str(film)) as container:
        own = {bytes(p) for p in container.demux(video=0) if p.size}
    with av.open(str(clip)) as container:
        return sum(1 for p in container.demux(video=0) if p.size and bytes(p) in own)


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_every_style_cuts_smart_exact_and_seek_safe(style: Style, style_films: dict[str, Path], style_vault: Vault,
                                                   tmp_path: Path) -> None:
    film = style_films[style.name]
    recording = import_recording(style_vault, film, "Family S").recording
    give_consent(style_vault, recording)
    keys = set(style_vault.repo.recordings.frame_index(recording.id).keyframes.tolist())
    # The index holds the pictures a decoder can start from, whatever the MP4's sync flags claim.
    assert keys == set(style.true_keyframes) if style.name == "intra-refresh" else set(style.true_keyframes) <= keys
    reference = decoded(film)
    truth = probe_path(film)
    for first, end in CUTS:
        out = tmp_path / f"{first}-{end}.mp4"
        result = export_clip(style_vault, recording, FrameRange(first, end), out)  # auto: smart unless it cannot
        assert result.mode is ExportMode.SMART and result.note == "", (first, end, result.note)
        frames = decoded(out)
        assert [read_stamp(f) for f in frames] == list(range(first, end)), (first, end)
        worst = min(psnr(frames[k], reference[first + k]) for k in range(len(frames)))
        assert worst >= 35, f"{(first, end)}: frame quality {worst:.1f} dB"
        assert seek_problems(out) == [], (first, end)
        assert probe_path(out).rotation == truth.rotation
        seconds = durations(out)
        last = float((truth.index.pts[end] - truth.index.pts[end - 1]) * truth.index.time_base)
        assert abs(seconds["audio"] - (seconds["video"] + last)) < 0.03, (first, end, seconds)
        # Copied where the film allows it: from the first keyframe a copy can start at in the clip.
        if style.copies:
            assert copied_packets(out, film) >= 20, (first, end)


def cut(film: Path, first: int, end: int, tmp_path: Path) -> tuple[ProbeResult, Path, CutReport]:
    """`film` smart-cut from `first` to `end` into tmp_path/clip.mp4: its probe, the clip, the cut's report."""
    source = probe_path(film)
    clip = tmp_path / "clip.mp4"
    with clip.open("wb") as sink:
        report = smart_cut(lambda: film.open("rb"), source.index, source.rate, first, end, sink, film.name)
    return source, clip, report


def remuxed(clip: Path, out: Path, change: Callable[[int, bytes], bytes]) -> Path:
    """`clip` packet for packet, each picture's data (the n-th in decode order) passed through `change`."""
    with av.open(str(clip)) as source, av.open(str(out), "w", format="mp4") as target:
        video_in, audio_in = source.streams.video[0], source.streams.audio[0]
        video_out = target.add_stream_from_template(video_in)
        audio_out = target.add_stream_from_template(audio_in)
        pictures = 0
        for packet in source.demux(video_in, audio_in):
            if packet.dts is None:
                continue
            if packet.stream is video_in:
                fresh = av.Packet(change(pictures, bytes(packet)))
                fresh.pts, fresh.dts, fresh.duration = packet.pts, packet.dts, packet.duration
                fresh.time_base, fresh.is_keyframe = packet.time_base, packet.is_keyframe
                fresh.stream = video_out
                pictures += 1
                target.mux(fresh)
            else:
                packet.stream = audio_out
                target.mux(packet)
    return out


def picture_lost(_data: bytes) -> bytes:
    """The picture's slices gone, an access unit delimiter left: the packet is there, no picture comes out."""
    return length_prefixed([b"\x09\xf0"], 4)


def picture_broken(data: bytes) -> bytes:
    """The picture's slices cut to a quarter: the decoder conceals the rest."""
    units = units_of(data, 4)
    return length_prefixed([u[:max(len(u) // 4, 8)] if 1 <= u[0] & 0x1F <= 5 else u for u in units], 4)


SEAMS = (  # (style, what is done to the picture, which side of which junction)
    ("no-b-frames", picture_lost, "head's last"),
    ("no-b-frames", picture_broken, "first copied"),
    ("x264-defaults", picture_lost, "last copied"),
    ("x264-defaults", picture_broken, "last copied"),
)


@pytest.mark.parametrize(("style", "damage", "where"), SEAMS, ids=[f"{s}-{d.__name__}-{w}" for s, d, w in SEAMS])
def test_the_check_catches_a_broken_seam(style: str, damage: Callable[[bytes], bytes], where: str,
                                         style_films: dict[str, Path], tmp_path: Path) -> None:
    """A clip whose first and last pictures and frame count are right, but with one picture lost or broken
    where a re-encoded part and a copied one meet, is refused (and the check names the frame)."""
    film = style_films[style]
    first, end = 40, 115  # mid-GOP to mid-GOP: a head, a copy, and with B-frames a tail
    source, clip, report = cut(film, first, end, tmp_path)
    head_end, copy_end = report.head_frames, report.head_frames + report.copied_frames
    assert check_clip(clip, source.index, first, end, 0, report.pictures, report.copy) == []
    # Decode order: the head, then the copy (its keyframe first), then the tail. The copy's last packet in
    # decode order is its last picture shown for a film without B-frames; with them, one the tail follows.
    where_in_decode_order = {"head's last": head_end - 1, "first copied": head_end, "last copied": copy_end - 1}[where]
    if where == "last copied":
        assert report.tail_frames > 0, "the cut should need a tail with B-frames"
    broken = remuxed(clip, tmp_path / "broken.mp4",
                     lambda n, data: damage(data) if n == where_in_decode_order else data)
    # Looking only at the first and last pictures (the check as it was) the clip passes...
    pictures = {**report.pictures, end - first - 1: source_picture(film, source.index, end - 1)}
    assert check_clip(broken, source.index, first, end, 0, pictures) == []
    # ...decoding through the junctions, it does not, nor comparing the copied packets as well.
    assert check_clip(broken, source.index, first, end, 0, pictures, report.copied), where
    assert check_clip(broken, source.index, first, end, 0, report.pictures, report.copy), where


def source_picture(film: Path, index: FrameIndex, frame: int) -> np.ndarray:
    """The film's frame `frame` as the check compares it (decoded from the start: the films are short)."""
    with av.open(str(film)) as container:
        return next(picture_of(f) for f in container.decode(video=0) if f.pts == int(index.pts[frame]))


def flipped(data: bytes, at: int) -> bytes:
    """`data` with one bit of byte `at` changed (negative: from the end)."""
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


# (which copied packet, in decode order from the copy's first, and which of its bytes): a picture inside the
# copy, away from both junctions; the clip's last picture (copied: its packet is compared, not decoded); one
# byte of the film's parameter sets put before a later copied keyframe.
FLIPS = (("inside the copy", 20, "middle"), ("the last picture", -1, "middle"), ("parameter sets", 30, 9))


@pytest.mark.parametrize(("what", "packet", "byte"), FLIPS, ids=[f[0] for f in FLIPS])
def test_the_check_catches_one_changed_byte_of_a_copied_packet(what: str, packet: int, byte: int | str,
                                                              style_films: dict[str, Path], tmp_path: Path) -> None:
    """The copied packets are compared with the film's rather than decoded: one bit changed in any of them,
    where no junction is near, is still caught, and the check names the frame."""
    film = style_films["no-b-frames"]
    first, end = 40, 115  # a head of 20 pictures, then 55 copied (keyframes at 60 and 90), no tail
    source, clip, report = cut(film, first, end, tmp_path)
    assert (report.head_frames, report.copied_frames, report.tail_frames) == (20, 55, 0)
    assert check_clip(clip, source.index, first, end, 0, report.pictures, report.copy) == []
    target = report.head_frames + (packet if packet >= 0 else report.copied_frames + packet)
    broken = remuxed(clip, tmp_path / "broken.mp4", lambda n, data: flipped(
        data, len(data) // 2 if byte == "middle" else int(byte)) if n == target else data)
    problems = check_clip(broken, source.index, first, end, 0, report.pictures, report.copy)
    assert problems, what
    assert str(first + target) in problems[0], problems


@pytest.mark.parametrize("style", ["no-b-frames", "x264-defaults"])
def test_an_h264_head_has_an_idr_where_the_check_decodes_from(style: str, style_films: dict[str, Path],
                                                              tmp_path: Path) -> None:
    """The head's picture where the check's run over the head's junction starts is an IDR with the head's own
    parameter sets: the check (and a player) can start there, and what it shows from there on is what a
    decoder that played the head from its start shows."""
    film = style_films[style]
    first, end = 40, 115
    source, clip, report = cut(film, first, end, tmp_path)
    assert check_clip(clip, source.index, first, end, 0, report.pictures, report.copy) == []
    with av.open(str(film)) as container:
        reorder = int(container.streams.video[0].codec_context.reorder_depth or 0)
    start = run_around(report.head_frames, reorder, 0, end - first)[0]
    assert 0 < start < report.head_frames
    with av.open(str(clip)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    at = packets[start]  # the head shows no B-frames: decode order is display order
    units = [u[0] & 0x1F for u in units_of(bytes(at), 4)]
    assert at.is_keyframe and 7 in units and 8 in units and 5 in units, units  # SPS, PPS, IDR slice
    straight = straight_decode(clip)
    with av.open(str(clip)) as container:
        container.seek(int(at.pts), stream=container.streams.video[0], backward=True)
        entered = [f for f in container.decode(video=0) if f.pts is not None and f.pts >= at.pts][:8]
    assert [int(f.pts) for f in entered] == sorted(straight)[start:start + 8]
    assert all(np.array_equal(f.to_ndarray(format="rgb24"), straight[int(f.pts)]) for f in entered)


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_readings_opened_without_a_picture_cut_the_same_clip(style: Style, style_films: dict[str, Path],
                                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The side work's reading of the film (copy plan, sound, tail) and, on H.264, the head's (the output's
    template) are opened without decoding a picture; the clip is byte for byte the one readings opened as usual
    give (mid-GOP to mid-GOP: head, copy, tail), rotation included."""
    film = style_films[style.name]
    source = probe_path(film)
    clips = []
    for usual in (False, True):
        if usual:
            monkeypatch.setattr(smart_cut_module, "opened_for_decoding", lambda handle: av.open(handle, "r"))
            monkeypatch.setattr(smart_cut_module, "opened_as_template", lambda handle: av.open(handle, "r"))
        clip = tmp_path / f"clip-{usual}.mp4"
        with clip.open("wb") as sink:
            report = smart_cut(lambda: film.open("rb"), source.index, source.rate, 40, 115, sink, film.name)
        assert check_clip(clip, source.index, 40, 115, source.rotation, report.pictures, report.copy) == []
        clips.append(clip.read_bytes())
    assert clips[0] == clips[1]


def test_an_hevc_cut_is_checked_over_windows_as_wide_as_its_b_frames(style_films: dict[str, Path],
                                                                    tmp_path: Path) -> None:
    """HEVC readings opened without a picture, and the clip's decoder (its first parameter sets are the head's,
    without B-frames), say the film holds no picture back: the cut keeps, and the check decodes and compares,
    the film's reordering depth on either side of both junctions; a picture it decodes there with nothing to
    compare it with refuses the clip."""
    film = style_films["x265"]
    first, end = 40, 115
    source, clip, report = cut(film, first, end, tmp_path)
    assert report.copy.reorder == 2 and report.tail_frames > 0
    runs = decode_runs(end - first, report.copied, report.copy.reorder, last=False)
    around = {n for a, b in runs for n in range(a, b + 1)}
    assert len(around) == 2 * (3 + 4)  # three pictures shown before each junction, four from it
    assert around <= report.pictures.keys()
    assert check_clip(clip, source.index, first, end, 0, report.pictures, report.copy) == []
    for missing in (min(around), max(around)):  # away from the junctions' own two pictures
        fewer = {n: p for n, p in report.pictures.items() if n != missing}
        problems = check_clip(clip, source.index, first, end, 0, fewer, report.copy)
        assert problems == [f"there is no picture of the film's frame {first + missing} to compare it with"]


class CountingDecoder(FrameDecoder):
    """A FrameDecoder that counts the pictures its decoder gives out (skipped ones give none), by thread."""

    pictures: ClassVar[dict[str, int]] = {}

    def _decoded(self) -> Generator[av.VideoFrame, None, None]:
        for frame in super()._decoded():
            name = threading.current_thread().name
            CountingDecoder.pictures[name] = CountingDecoder.pictures.get(name, 0) + 1
            yield frame


def test_the_check_skips_pictures_nothing_refers_to_before_its_windows_only(
        style_films: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check decodes the last copied GOP from its keyframe to reach the tail's junction, leaving out the
    pictures nothing refers to (nal_ref_idc 0) before the window: the decoder's state at the window is the
    same (no picture refers to them, and the picture order counts follow reference pictures only), and none
    of them is shown in it. Inside the window every picture is decoded and compared: one of them broken,
    though no other picture refers to it, is refused; one before the window is refused by its bytes."""
    film = style_films["x264-defaults"]
    first, end = 40, 115
    source, clip, report = cut(film, first, end, tmp_path)
    assert seek_problems(clip) == []
    with av.open(str(clip)) as container:
        packets = [(int(p.pts), bytes(p)) for p in container.demux(video=0) if p.size]  # decode order
    shown = sorted(pts for pts, _ in packets)
    tail_at = report.head_frames + report.copied_frames  # the tail's junction (clip frames)
    window = run_around(tail_at, report.copy.reorder, 0, end - first)
    key = max(k for k in range(report.head_frames, tail_at) if (first + k) % 30 == 0)  # the last copied keyframe
    disposable = [k for k, (_pts, data) in enumerate(packets) if is_disposable("h264", data, 4)]
    before = [k for k in disposable if key <= shown.index(packets[k][0]) < window[0]]
    inside = [k for k in disposable if window[0] <= shown.index(packets[k][0]) < tail_at]
    assert before and inside, (before, inside)
    monkeypatch.setattr(clip_check_module, "FrameDecoder", CountingDecoder)
    CountingDecoder.pictures = {}
    assert check_clip(clip, source.index, first, end, 0, report.pictures, report.copy) == []
    # This reading decodes the tail's run (the head's is on a reading of its own, on the other thread): every
    # picture from the last copied keyframe to the clip's end but those nothing refers to before the window.
    assert CountingDecoder.pictures["MainThread"] == (end - first) - key - len(before)
    for k, damage in ((inside[0], picture_broken), (before[0], picture_broken)):
        broken = remuxed(clip, tmp_path / "broken.mp4",
                         lambda n, data, k=k, damage=damage: damage(data) if n == k else data)
        problems = check_clip(broken, source.index, first, end, 0, report.pictures, report.copy)
        assert problems, f"a broken picture nothing refers to, {'inside' if k in inside else 'before'} the window"


def test_a_changed_copied_byte_is_caught_beside_two_runs(style_films: dict[str, Path], tmp_path: Path) -> None:
    """With a head and a tail, the check decodes its two runs on two readings and compares the copied packets on
    the reading with the shorter run: one bit changed inside the copy, where no junction is near, is caught."""
    film = style_films["x264-defaults"]
    first, end = 40, 115
    source, clip, report = cut(film, first, end, tmp_path)
    assert report.head_frames > 0 and report.tail_frames > 0
    target = report.head_frames + 20  # in decode order; the copy's 20th packet is inside its GOP at 60
    broken = remuxed(clip, tmp_path / "broken.mp4",
                     lambda n, data: flipped(data, len(data) // 2) if n == target else data)
    problems = check_clip(broken, source.index, first, end, 0, report.pictures, report.copy)
    assert problems and "copied, is not the film's" in problems[0], problems


@pytest.mark.parametrize(("first", "end"), [(0, 60), (0, FRAMES)])
def test_an_intra_refresh_film_cut_from_its_start_is_copied(first: int, end: int, style_films: dict[str, Path],
                                                            style_vault: Vault, tmp_path: Path) -> None:
    """An intra-refresh film's only true keyframe is its first picture, and its MP4 marks a recovery point every
    30 (which FFmpeg's parser flags as keyframes too): cut from the start, it is copied, not re-encoded, and
    the clip's sample table offers a player only the first picture to start from."""
    film = style_films["intra-refresh"]
    recording = import_recording(style_vault, film, "Family S").recording
    give_consent(style_vault, recording)
    out = tmp_path / "clip.mp4"
    result = export_clip(style_vault, recording, FrameRange(first, end), out)
    assert result.mode is ExportMode.SMART and result.note == "", result.note
    assert [read_stamp(f) for f in decoded(out)] == list(range(first, end))
    assert copied_packets(out, film) >= end - first - 2  # all but the first and last, which carry more
    assert video_sync_samples(out) == {1}
    assert seek_problems(out) == []


def test_the_check_refuses_a_clip_offering_a_recovery_point_to_start_from(style_films: dict[str, Path],
                                                                          tmp_path: Path) -> None:
    """The same clip remuxed as FFmpeg remuxes it (its parser's keyframe flags written into the sample table):
    a player seeking to frame 30 would start decoding at an intra-refresh wave's first picture and show it
    half drawn, so the check refuses it and names the frame."""
    film = style_films["intra-refresh"]
    source, clip, report = cut(film, 0, 60, tmp_path)
    assert check_clip(clip, source.index, 0, 60, 0, report.pictures, report.copy) == []
    remux = remuxed(clip, tmp_path / "remuxed.mp4", lambda _n, data: data)
    assert video_sync_samples(remux) == {1, 31}
    problems = check_clip(remux, source.index, 0, 60, 0, report.pictures, report.copy)
    assert problems and "frame 30" in problems[0], problems


def test_a_clip_whose_boxes_run_past_its_end_is_named(tmp_path: Path) -> None:
    clip = tmp_path / "short.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2\x00\x00\x10\x00moov\x00\x00\x00\x08trak")
    with pytest.raises(MediaError, match=r"short\.mp4: has a box \('moov'\) that runs past its end"):
        video_sync_samples(clip)
