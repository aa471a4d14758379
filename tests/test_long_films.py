"""Long films in flat memory: every pass streams, so what is kept per film is small and typed, a stopped
pass leaves nothing behind, and the window shows a long film's previews filling in. (Peak memory and time
for 10 minutes to 2 hours are measured in bench/long_film.py, not here.)"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import FAST_KDF, PASSPHRASE, Sample, give_consent, open_vault
from pytestqt.qtbot import QtBot

from storage.atomic import is_temp_name
from storage.sealed_media import MediaKind
from ui.main_window import MainWindow
from vigtool.analysis.vocal_detect import ANALYSIS_RATE, AnalysisCancelledError, VocalDetector, detect_vocalisations
from vigtool.domain.time import FrameRange
from vigtool.media import previews as media_previews
from vigtool.media.previews import AudioEnvelope, Filmstrip, PreviewCancelledError
from vigtool.media.sound import decode_mono, open_mono
from vigtool.services import supervision
from vigtool.services.analysis import analyse_recording
from vigtool.services.exporting import ExportCancelledError
from vigtool.services.importing import ImportCancelledError, import_recording
from vigtool.services.packaging import PackageClip, write_package
from vigtool.services.previews import build_previews, load_audio_envelope, load_filmstrip, missing_previews
from vigtool.services.vault import Vault
from vigtool.services.verify import VerifyCancelledError, verify_vault
from vigtool.synth.generator import loop_recording


@pytest.fixture(scope="module")
def long_film(samples: dict[str, Sample], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two minutes of the generator's film, looped by stream copy (small pictures: the length is the point)."""
    path = tmp_path_factory.mktemp("long") / "two-minutes.mp4"
    loop_recording(samples["h264"].path, path, 30, faststart=False)
    return path


def test_the_detector_fed_in_pieces_finds_what_it_finds_in_one_array(long_film: Path) -> None:
    with long_film.open("rb") as handle:
        sound = decode_mono(handle, long_film.name, ANALYSIS_RATE)
    assert sound is not None and sound.size > 100 * ANALYSIS_RATE
    whole = detect_vocalisations(sound)
    assert len(whole) > 20  # the looped script's voices, over the two minutes
    detector = VocalDetector()
    cuts = np.sort(np.random.default_rng(5).integers(0, sound.size, 400))  # pieces of any size, some empty
    for piece in np.split(sound, cuts):
        detector.feed(piece)
    assert detector.finish() == whole


def test_the_sound_comes_in_pieces_of_a_second_sample_for_sample_as_the_track(long_film: Path) -> None:
    with long_film.open("rb") as handle, av.open(handle) as container:  # the track decoded straight, frame by frame
        resampler = av.AudioResampler(format="flt", layout="mono", rate=ANALYSIS_RATE)
        straight = np.concatenate([out.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                                   for out in resampler.resample(frame)]
                                  + [out.to_ndarray().reshape(-1) for out in resampler.resample(None)])
    with long_film.open("rb") as handle:
        sound = open_mono(handle, long_film.name, ANALYSIS_RATE)
        assert sound is not None
        with sound:
            pieces = list(sound.pieces())
    assert max(piece.size for piece in pieces) == ANALYSIS_RATE  # what a pass holds at once: a second of sound
    assert np.array_equal(np.concatenate(pieces), straight) and straight.size > 100 * ANALYSIS_RATE


def test_the_command_line_analyses_a_film_in_the_vault_as_it_analyses_the_film_itself(tmp_path: Path,
                                                                                     long_film: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, long_film, "Family L").recording

    def analyse(*args: str) -> dict[str, object]:
        code = f"import sys; from vigtool.cli import main; sys.exit(main({list(args)!r}))"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                              env={"VIGTOOL_PASSPHRASE": PASSPHRASE, "PATH": "/usr/bin:/bin",
                                   "PYTHONPATH": str(Path(__file__).parents[1])})
        assert done.returncode == 0, done.stderr
        document: dict[str, object] = json.loads(done.stdout)
        return document

    sealed = analyse("--vault", str(tmp_path / "v"), "analyse", str(recording.id), "--json")
    assert sealed == analyse("analyse", str(long_film), "--json")  # decrypted as it is read, the same sound
    assert len(sealed["vocalisations"]) > 20  # type: ignore[arg-type]


def test_the_frame_index_is_typed_arrays(tmp_path: Path, long_film: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, long_film, "Family L").recording
        index = vault.repo.recordings.frame_index(recording.id)
    assert index.pts.dtype == np.int64 and index.keyframes.dtype == np.int64
    assert len(index) == recording.frame_count and bool(np.all(np.diff(index.pts) > 0))
    assert index.keyframes[0] == 0 and bool(np.all(np.diff(index.keyframes) > 0))


def test_stopping_previews_at_any_point_leaves_nothing_behind(tmp_path: Path, long_film: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media_previews, "PARTIAL_EVERY_S", 0.0)  # a part after every thumbnail and sound frame
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, long_film, "Family L").recording
        parts: list[Filmstrip | AudioEnvelope] = []
        build_previews(vault, recording, partial=parts.append)
        strips = sum(isinstance(p, Filmstrip) for p in parts)
        assert strips > 3 and len(parts) - strips > 3
        for kind in MediaKind.FILMSTRIP, MediaKind.AUDIO_ENVELOPE:
            (vault.media.path_for(recording.media_id, kind)).unlink()
        for stop_after in (1, strips // 2, strips + 2, len(parts) - 10):
            seen: list[object] = []
            with pytest.raises(PreviewCancelledError):
                build_previews(vault, recording, partial=seen.append, cancelled=_after(seen, stop_after))
            on_disk = sorted(p.name for p in vault.media.folder.iterdir())
            # Only the film: no half-made preview, no temp file. (A filmstrip made before the stop is whole
            # and kept; stopping later than that leaves the sound wave unmade.)
            assert not any(is_temp_name(vault.media.folder / name) for name in on_disk)
            expected = {MediaKind.FILMSTRIP, MediaKind.AUDIO_ENVELOPE} if stop_after <= strips else \
                {MediaKind.AUDIO_ENVELOPE}
            assert set(missing_previews(vault, recording)) == expected
            for kind in MediaKind.FILMSTRIP, MediaKind.AUDIO_ENVELOPE:
                vault.media.path_for(recording.media_id, kind).unlink(missing_ok=True)


def _after(seen: list[object], count: int) -> Callable[[], bool]:
    return lambda: len(seen) >= count


def test_the_window_opens_a_long_film_at_once_and_fills_its_previews_in(qtbot: QtBot, tmp_path: Path,
                                                                        long_film: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media_previews, "PARTIAL_EVERY_S", 0.0)
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, long_film, "Family L").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        shown: list[tuple[int, int, int]] = []  # (thumbnails, sound-wave values, last thumbnail's frame)
        builders: set[str] = set()
        window.previews.add_listener(lambda _id, _part: builders.add(threading.current_thread().name))
        timeline = window.timeline
        original = timeline.show_preview

        def record(preview: Filmstrip | AudioEnvelope) -> None:
            assert threading.current_thread() is threading.main_thread()  # widgets only on the GUI thread
            original(preview)
            shown.append((len(timeline.thumbs), 0 if timeline.envelope is None else timeline.envelope.peaks.size,
                          timeline.thumbs[-1][0] if timeline.thumbs else -1))

        monkeypatch.setattr(timeline, "show_preview", record)
        window.show()
        window.open_recording(recording.id)
        # The film is open and workable before any preview exists: they are made on the builder's thread.
        assert window.workspace is not None and (timeline.thumbs, timeline.envelope) == ([], None)
        qtbot.waitUntil(lambda: not missing_previews(vault, recording), timeout=30_000)
        strip, envelope = load_filmstrip(vault, recording), load_audio_envelope(vault, recording)
        assert strip is not None and envelope is not None
        qtbot.waitUntil(lambda: bool(shown) and shown[-1][1] == envelope.peaks.size, timeout=5000)
        shown_frames = [f for f, _p in timeline.thumbs]
        shown_wave = timeline.envelope
        window.close()
    assert builders == {"vigtool-previews_0"}
    counts = [s[0] for s in shown]
    assert counts == sorted(counts) and counts[-1] == len(strip.frames)
    assert len({c for c in counts if 0 < c < len(strip.frames)}) > 3  # it filled in, part by part
    # Coarse to fine: with a handful of thumbnails the strip already reaches the film's second half.
    first_few = next(s for s in shown if s[0] >= 3)
    assert first_few[2] > recording.frame_count // 2
    waves = [s[1] for s in shown]
    assert waves == sorted(waves) and 0 < min(w for w in waves if w) < envelope.peaks.size
    assert shown_frames == list(strip.frames)
    assert shown_wave is not None  # the one just made (stored as float16, so compared as stored)
    assert np.array_equal(AudioEnvelope.from_bytes(shown_wave.to_bytes()).peaks, envelope.peaks)


def _calls_of(run: Callable[[Callable[..., None]], object]) -> int:
    """How many times `run` reports progress when it is let finish."""
    calls: list[object] = []
    run(lambda *done: calls.append(done))
    return len(calls)


def _noting(seen: list[object]) -> Callable[..., None]:
    return lambda *done: seen.append(done)


def _stops(count: int) -> list[int]:
    """Where to stop a pass that reports progress `count` times: at the first report, half-way, at the last."""
    assert count >= 2  # the pass goes in pieces
    return sorted({1, count // 2, count - 1})


def _vault_files(vault: Vault) -> dict[str, bytes]:
    """Every file of the vault but the database (compared by its rows), with its bytes."""
    return {str(p.relative_to(vault.path)): p.read_bytes() for p in sorted(vault.path.rglob("*"))
            if p.is_file() and not p.name.startswith(("vigtool.sqlite3", "vault.lock"))}


def test_a_stopped_import_leaves_no_file_no_row_and_no_plaintext(tmp_path: Path, long_film: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with open_vault(tmp_path / "counting") as counting:
        calls = _calls_of(lambda progress: import_recording(counting, long_film, "Family L", progress=progress))
    film_bytes = long_film.read_bytes()
    pieces = [film_bytes[at:at + 64] for at in range(4096, len(film_bytes), len(film_bytes) // 7)]
    with open_vault(tmp_path / "v") as vault:
        before = _vault_files(vault)
        audit = len(vault.audit.entries())
        for stop in _stops(calls):
            seen: list[object] = []
            with pytest.raises(ImportCancelledError, match="nothing was stored"):
                import_recording(vault, long_film, "Family L", progress=_noting(seen),
                                 cancelled=_after(seen, stop))
            assert len(seen) == stop  # it went as far as asked, in pieces
            # Nothing behind: no sealed film or temp file, no recording, no case, nothing in the audit trail,
            # and not a byte of the film in the clear, in the vault or in the temp folder.
            assert _vault_files(vault) == before and list(vault.media.folder.iterdir()) == []
            assert vault.repo.recordings.list() == [] and vault.repo.cases.list() == []
            assert len(vault.audit.entries()) == audit
            assert list(temp.iterdir()) == []
        import_recording(vault, long_film, "Family L")  # and the vault takes it whole afterwards
        assert verify_vault(vault).sound
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != long_film:
            data = path.read_bytes()
            assert not any(piece in data for piece in pieces), path


def test_a_stopped_verify_says_nothing_and_changes_nothing(tmp_path: Path, long_film: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, long_film, "Family L").recording
        build_previews(vault, recording)
        before, audit = _vault_files(vault), len(vault.audit.entries())
        calls = _calls_of(lambda progress: verify_vault(vault, progress))
        for stop in _stops(calls):
            seen: list[object] = []
            with pytest.raises(VerifyCancelledError, match="nothing is said about it"):
                verify_vault(vault, _noting(seen), cancelled=_after(seen, stop))
            assert len(seen) == stop  # segment by segment
        assert _vault_files(vault) == before and len(vault.audit.entries()) == audit


def test_a_stopped_analysis_stores_nothing(tmp_path: Path, long_film: Path) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, long_film, "Family L").recording
        before, audit = _vault_files(vault), len(vault.audit.entries())
        percents: list[tuple[int, int]] = []
        found = analyse_recording(vault, recording, progress=lambda done, total: percents.append((done, total)))
        assert found.vocalisations and percents[-1] == (100, 100)
        steps = sorted({done for done, _total in percents})
        assert len(steps) > 20  # the sound is decoded and analysed in pieces
        for stop in _stops(len(percents)):
            seen: list[object] = []
            with pytest.raises(AnalysisCancelledError):
                analyse_recording(vault, recording, progress=_noting(seen),
                                  cancelled=_after(seen, stop))
            assert stop <= len(seen) < len(percents)
        assert _vault_files(vault) == before and len(vault.audit.entries()) == audit


def test_stopped_sending_and_packages_leave_nothing_at_any_point(tmp_path: Path, long_film: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with open_vault(tmp_path / "practitioner") as mine, open_vault(tmp_path / "supervisor") as hers:
        recording = import_recording(mine, long_film, "Family L").recording
        give_consent(mine, recording)
        assert hers.identity is not None
        to = hers.identity.public

        def send(progress: Callable[..., None], cancelled: Callable[[], bool] | None = None) -> object:
            return supervision.send_for_supervision(mine, [recording], to, out / "for-supervision.vigpkg",
                                                    progress=progress, cancelled=cancelled)

        clip = PackageClip(recording, FrameRange(recording.frame_count - 400, recording.frame_count - 100))

        def package(progress: Callable[..., None], cancelled: Callable[[], bool] | None = None) -> object:
            return write_package(mine, [clip, clip], out / "family.vigpkg", "a long package passphrase",
                                 kdf=FAST_KDF, progress=progress, cancelled=cancelled)

        for write in send, package:
            calls = _calls_of(write)
            for made in list(out.iterdir()):
                made.unlink()
            entries, audit = mine.exports.entries(), len(mine.audit.entries())
            for stop in _stops(calls):
                seen: list[object] = []
                with pytest.raises(ExportCancelledError):
                    write(_noting(seen), _after(seen, stop))
                assert list(out.iterdir()) == []  # no package, no temp file
                assert mine.exports.entries() == entries and len(mine.audit.entries()) == audit


@pytest.mark.parametrize("name", ["h264", "hevc", "portrait"])
def test_two_decoders_make_the_same_filmstrip_as_one(tmp_path: Path, samples: dict[str, Sample], name: str) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, samples[name].path, "Family S").recording
        index = vault.repo.recordings.frame_index(recording.id)
        strips = []
        for workers in (1, 2):
            with vault.open_film(recording) as film:
                strips.append(media_previews.make_filmstrip(film, index, recording.rotation, recording.source_name,
                                                            workers=workers))
    one, two = strips
    assert len(one.frames) >= 2 and two == one  # the same keyframes, the very same JPEG bytes
    # A quarter-turned film's thumbnails stand upright (taller than wide), on both paths.
    assert (two.height > two.width) == (recording.rotation in (90, 270))


def test_a_stopped_filmstrip_leaves_no_decoding_thread(tmp_path: Path, long_film: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media_previews, "PARTIAL_EVERY_S", 0.0)
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, long_film, "Family L").recording
        index = vault.repo.recordings.frame_index(recording.id)
        seen: list[object] = []
        with vault.open_film(recording) as film, pytest.raises(PreviewCancelledError):
            media_previews.make_filmstrip(film, index, recording.rotation, recording.source_name,
                                          partial=seen.append, cancelled=_after(seen, 2), workers=2)
        assert len(seen) == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("vigtool-filmstrip")]
