"""A film that leaves the vault for supervision carries its picture and sound and nothing else: no GPS
location, make or model, title, dates, encoder, handler names, chapters, timecode or data tracks. The
supervisor's copy decodes to the very frames of the original, at the same frame index, upright; a copy
that cannot be shown to be clean is not sent. Films are the generator's, tagged as a phone tags them,
with the real ffmpeg binary."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import ffmpeg_frame, give_consent, open_vault

from storage.scratch import SealedScratch
from vigtool.domain.export import ExportMode
from vigtool.domain.time import FrameRange
from vigtool.media.clean_copy import MetadataLeftError, check_without_metadata, copy_without_metadata
from vigtool.media.errors import MediaError
from vigtool.services.exporting import export_clip, export_still
from vigtool.services.importing import import_recording
from vigtool.services.supervision import open_for_supervision, send_for_supervision
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, render_variant

TITLE, LOCATION = "Smith family home visit", "+51.5072-000.1276/"
# What must not arrive, as bytes anywhere in the supervisor's film (the packets are the generator's own).
LEAKS = [TITLE.encode(), LOCATION.encode(), b"+51.5072", b"iPhone 14", b"Apple", b"Core Media", b"udta",
         b"\xa9xyz", b"tmcd", b"Lavf", b"com.apple", b"2026-11-30", b"Arrival at the flat", b"chpl"]


def tag_like_a_phone(plain: Path, out: Path, title: str = TITLE, compressor: str = "H.264") -> Path:
    """`plain` with what a phone and a helpful colleague put in a film: place, device, date, a title,
    a device-named handler, a compressor name, a timecode track and chapters."""
    chapters = out.with_suffix(".chapters.txt")
    chapters.write_text(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=Arrival at the flat\n")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(plain), "-i", str(chapters),
                    "-map", "0", "-map_chapters", "1", "-c", "copy", "-movflags", "use_metadata_tags",
                    "-metadata", f"title={title}", "-metadata", f"location={LOCATION}",
                    "-metadata", "make=Apple", "-metadata", "model=iPhone 14",
                    "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 14",
                    "-metadata", f"com.apple.quicktime.location.ISO6709={LOCATION}",
                    "-metadata", "creation_time=2026-11-30T10:00:00Z",
                    "-metadata:s:v", "handler_name=Core Media Video iPhone 14",
                    "-metadata:s:v", f"encoder={compressor}",
                    "-metadata:s:a", "handler_name=Core Media Audio", "-timecode", "01:00:00:00", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def phone_films(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Portrait phone films (turned 90°, B-frames, AAC), H.264 and HEVC, tagged as phones tag them."""
    folder = tmp_path_factory.mktemp("phone-films")
    made = {}
    for codec in ("h264", "hevc"):
        plain = folder / f"plain-{codec}.mp4"
        render_variant("portrait", plain, RecordingSpec(duration=2.0, codec=codec))
        made[codec] = tag_like_a_phone(plain, folder / f"phone-{codec}.mp4",
                                       compressor="HEVC" if codec == "hevc" else "H.264")
    return made


@dataclass
class Pair:
    practitioner: Vault
    supervisor: Vault


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    with open_vault(tmp_path / "practitioner") as mine, open_vault(tmp_path / "supervisor") as hers:
        for vault, other in ((mine, hers), (hers, mine)):
            assert other.identity is not None
            vault.identities.add_contact(other.identity.public)
        yield Pair(mine, hers)


def _send(pair: Pair, film: Path, out: Path) -> tuple[int, int]:
    """(the practitioner's recording id, the supervisor's) after one package went between them."""
    recording = import_recording(pair.practitioner, film, "Smith family").recording
    give_consent(pair.practitioner, recording)
    assert pair.supervisor.identity is not None
    send_for_supervision(pair.practitioner, [recording], pair.supervisor.identity.public, out)
    [received] = open_for_supervision(pair.supervisor, out)
    return recording.id, received.id


def _film_bytes(vault: Vault, recording_id: int) -> bytes:
    with vault.open_film(vault.repo.recordings.get(recording_id)) as film:
        return film.read()


def _frame_hashes(vault: Vault, recording_id: int) -> list[str]:
    """Every decoded picture of the film, in presentation order, hashed."""
    with vault.open_film(vault.repo.recordings.get(recording_id)) as film, av.open(film, "r") as container:
        frames = [(frame.pts, hashlib.sha256(frame.to_ndarray(format="rgb24").tobytes()).hexdigest())
                  for frame in container.decode(video=0)]
    return [digest for _pts, digest in sorted(frames)]


@pytest.mark.parametrize("codec", ["h264", "hevc"])
def test_the_supervisor_gets_the_frames_and_none_of_the_metadata(pair: Pair, phone_films: dict[str, Path],
                                                                  tmp_path: Path, codec: str) -> None:
    original = phone_films[codec]
    assert all(leak in original.read_bytes() for leak in (TITLE.encode(), LOCATION.encode(), b"iPhone 14", b"tmcd"))
    mine, hers = _send(pair, original, tmp_path / "for-supervision.vigpkg")
    received = _film_bytes(pair.supervisor, hers)
    assert hashlib.sha256(received).digest() != hashlib.sha256(original.read_bytes()).digest()
    assert [leak for leak in LEAKS if leak in received] == []
    assert [leak for leak in LEAKS if leak in (tmp_path / "for-supervision.vigpkg").read_bytes()] == []
    kept = set(pair.supervisor.repo.recordings.media_metadata(hers))
    assert kept <= {"major_brand", "minor_version", "compatible_brands"}
    copy = tmp_path / "received.mp4"  # in the clear only here, to ask the ffmpeg binary and PyAV about it
    copy.write_bytes(received)
    with av.open(str(copy)) as container:
        assert set(container.metadata) <= {"major_brand", "minor_version", "compatible_brands"}
        assert [s.type for s in container.streams] == ["video", "audio"]  # no timecode, no data track
        assert container.chapters() == []
        assert [s.metadata.get("handler_name") for s in container.streams] == ["VideoHandler", "SoundHandler"]
        assert [sorted(s.metadata) for s in container.streams] == [["handler_name", "language"]] * 2
    # The same pictures, the same number, at the same frame index, turned upright the same way.
    assert _frame_hashes(pair.supervisor, hers) == _frame_hashes(pair.practitioner, mine)
    sent, got = pair.practitioner.repo.recordings.get(mine), pair.supervisor.repo.recordings.get(hers)
    assert (got.frame_count, got.rotation, got.width, got.height) == (sent.frame_count, 90, sent.width, sent.height)
    theirs = pair.supervisor.repo.recordings.frame_index(hers)
    ours = pair.practitioner.repo.recordings.frame_index(mine)
    assert theirs.time_base == ours.time_base
    assert np.array_equal(theirs.pts, ours.pts) and np.array_equal(theirs.keyframes, ours.keyframes)
    upright = ffmpeg_frame(copy, 10)  # ffmpeg's own autorotation: portrait, as the original shows
    assert upright.shape[0] > upright.shape[1]
    assert np.array_equal(upright, ffmpeg_frame(original, 10))


def test_the_original_film_fails_the_check_a_copy_must_pass(phone_films: dict[str, Path], tmp_path: Path) -> None:
    """The check is no formality: the original, as it is, would not be sent, for its first leak."""
    original = phone_films["h264"]
    with original.open("rb") as film, SealedScratch(tmp_path, "copy") as scratch:
        sent = copy_without_metadata(film, scratch, original.name)  # type: ignore[arg-type]
        check_without_metadata(scratch, original.name, sent)  # type: ignore[arg-type]
        with original.open("rb") as again, pytest.raises(MetadataLeftError, match="was not sent"):
            check_without_metadata(again, original.name, sent)
        moved = tmp_path / "plain-copy.mp4"  # the clean copy with the original's 'udta' box put back
        scratch.seek(0)
        moved.write_bytes(scratch.read())
    clean = moved.read_bytes()
    free = clean.index(b"\x00\x00\x00\x3dfree")  # the muxer's empty user data, blanked: 61 bytes
    place = _box(b"\xa9xyz", len(LOCATION).to_bytes(2, "big") + b"\x15\xc7" + LOCATION.encode())  # as phones write it
    udta = _box(b"udta", place + _box(b"free", bytes(61 - 8 - len(place) - 8)))
    assert len(udta) == 61
    dirty = tmp_path / "dirty.mp4"
    dirty.write_bytes(clean[:free] + udta + clean[free + 61:])
    with dirty.open("rb") as handle, pytest.raises(MetadataLeftError, match="would carry a 'udta' box"):
        check_without_metadata(handle, "dirty.mp4", sent)


def _box(kind: bytes, body: bytes) -> bytes:
    return (8 + len(body)).to_bytes(4, "big") + kind + body


def test_a_film_whose_clean_copy_cannot_be_shown_is_not_sent(pair: Pair, phone_films: dict[str, Path],
                                                             tmp_path: Path) -> None:
    """A title that is also a word every MP4 must carry ("isom") cannot be shown to be gone: refused, and
    nothing is left behind."""
    plain = tmp_path / "plain.mp4"
    shutil.copy(phone_films["h264"].with_name("plain-h264.mp4"), plain)
    film = tag_like_a_phone(plain, tmp_path / "isom.mp4", title="isom")
    recording = import_recording(pair.practitioner, film, "Smith family").recording
    give_consent(pair.practitioner, recording)
    assert pair.supervisor.identity is not None
    out = tmp_path / "out" / "for-supervision.vigpkg"
    out.parent.mkdir()
    media = pair.practitioner.media.folder
    before = sorted(p.name for p in media.iterdir())
    with pytest.raises(MediaError, match="still carries 'isom' from the film's metadata, so it was not sent"):
        send_for_supervision(pair.practitioner, [recording], pair.supervisor.identity.public, out)
    assert list(out.parent.iterdir()) == []
    assert sorted(p.name for p in media.iterdir()) == before  # the scratch copy had no name, and is gone


@pytest.mark.parametrize("mode", [ExportMode.SMART, ExportMode.REENCODE])
def test_clips_and_stills_of_a_phone_film_carry_none_of_its_metadata(vault: Vault, phone_films: dict[str, Path],
                                                                    tmp_path: Path, mode: ExportMode) -> None:
    """The other ways a film's pictures leave the vault (a review package holds such clips and stills)."""
    recording = import_recording(vault, phone_films["h264"], "Smith family").recording
    give_consent(vault, recording)
    clip = export_clip(vault, recording, FrameRange(5, 40), tmp_path / "clip.mp4", mode=mode).path
    made = [clip, *(export_still(vault, recording, 10, tmp_path / f"still{suffix}", "What went well")
                    for suffix in (".png", ".jpg"))]
    phones = [leak for leak in LEAKS if leak not in (b"udta", b"Lavf")]  # a clip names ffmpeg, in user data
    assert {p.name: [leak for leak in phones if leak in p.read_bytes()] for p in made} == {p.name: [] for p in made}
    with av.open(str(clip)) as container:
        assert container.chapters() == [] and [s.type for s in container.streams] == ["video", "audio"]
        assert not {"title", "location", "make", "model", "creation_time"} & set(container.metadata)


def test_the_scratch_file_reads_back_what_was_written_and_holds_no_plaintext(phone_films: dict[str, Path],
                                                                            tmp_path: Path) -> None:
    """Written, overwritten and read at random places as a muxer does; on the disk it is sealed and has no
    name in the folder at all."""
    film = phone_films["h264"].read_bytes()
    rng = np.random.default_rng(7)
    expected = bytearray()
    with SealedScratch(tmp_path, "scratch", segment_size=4096) as scratch:
        for _ in range(400):
            at = int(rng.integers(0, len(expected) + 100))
            if rng.random() < 0.6:
                start = int(rng.integers(0, len(film) - 9000))
                piece = film[start:start + int(rng.integers(1, 9000))]
                scratch.seek(at)
                assert scratch.write(piece) == len(piece)
                expected.extend(bytes(max(0, at - len(expected))))
                expected[at:at + len(piece)] = piece
            else:
                size = int(rng.integers(0, 9000))
                scratch.seek(at)
                assert scratch.read(size) == bytes(expected[at:at + size])
        scratch.seek(0)
        assert scratch.read() == bytes(expected) and scratch.size == len(expected)
        scratch.flush()
        on_disk = Path(f"/proc/self/fd/{scratch.fileno()}").read_bytes()
        assert len(on_disk) >= len(expected) and TITLE.encode() not in on_disk and b"ftyp" not in on_disk
        assert list(tmp_path.iterdir()) == []  # nameless
