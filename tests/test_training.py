"""Training packs: only with training consent; every face blurred in every frame (measured on a real face
photograph moving, growing and tilting), the rest untouched; the voice disguised; nothing identifying kept."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import Sample, give_consent, open_vault, vigtool
from pytestqt.qtbot import QtBot
from skimage import data

from ui.main_window import MainWindow
from vigtool.analysis.vocal_detect import ANALYSIS_RATE, frame_features, voiced_frames
from vigtool.domain.consent import Purpose
from vigtool.domain.time import FrameRange
from vigtool.media.sound import decode_mono
from vigtool.services.consent import ConsentRefusedError
from vigtool.services.importing import import_recording
from vigtool.services.training import TrainingOptions, training_pack
from vigtool.services.vault import Vault
from vigtool.synth.faces import render_face_film

FACE_IN_CROP = (67, 56, 95, 95)  # the astronaut's face within the head-and-shoulders crop below


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def sharpness(image: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def test_every_face_is_blurred_in_every_frame_and_the_rest_is_kept(vault: Vault, tmp_path: Path) -> None:
    crop = np.ascontiguousarray(data.astronaut()[10:250, 110:370])
    film = tmp_path / "astronaut.mp4"
    truth = render_face_film(crop, FACE_IN_CROP, film, frames=60, width=480, height=360)
    recording = import_recording(vault, film, "Family A").recording
    out = tmp_path / "pack"
    out.mkdir()
    give_consent(vault, recording, Purpose.REVIEW, Purpose.SUPERVISION)
    with pytest.raises(ConsentRefusedError, match="has not consented to training and teaching"):
        training_pack(vault, recording, FrameRange(0, 60), out)
    give_consent(vault, recording)
    written = training_pack(vault, recording, FrameRange(0, 60), out,
                            TrainingOptions(caption="A parent, first visit", voice="mute"))
    source, pack = frames_of(film), frames_of(written)
    assert len(pack) == 60
    band = 360 // 28 * 3  # the watermark's strip at the top
    for k, (before, whole, (x, y, w, h)) in enumerate(zip(source, pack, truth, strict=True)):
        after = whole[:360]  # the caption band is added under the picture
        face_before, face_after = before[y:y + h, x:x + w], after[y:y + h, x:x + w]
        assert sharpness(face_after) < 0.2 * sharpness(face_before), f"frame {k}: the face is still sharp"
        mask = np.ones((360, 480), bool)
        mx, my = int(w * 0.6), int(h * 0.6)
        mask[max(y - my, 0):y + h + my, max(x - mx, 0):x + w + mx] = False  # the face and its margin
        mask[:band] = False
        kept = np.abs(before.astype(int) - after.astype(int)).max(axis=2)[mask] < 20
        assert kept.mean() > 0.9, f"frame {k}: {1 - kept.mean():.0%} of the rest was changed"
    about = (out / "about.txt").read_text()
    assert "A parent, first visit" in about and "consent F-1" in about and "astronaut" not in about
    tags = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(written)],
                          capture_output=True, text=True, check=False).stderr.lower()
    assert "astronaut" not in tags and "creation_time" not in tags and "audio" not in tags  # voice left out


def test_the_voice_is_disguised(vault: Vault, samples: dict[str, Sample], tmp_path: Path) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    give_consent(vault, recording)
    written = training_pack(vault, recording, FrameRange(0, recording.frame_count), tmp_path)

    def pitch(path: Path) -> float:
        with path.open("rb") as handle:
            sound = decode_mono(handle, path.name, ANALYSIS_RATE)
        assert sound is not None
        features = frame_features(sound)
        return float(np.median(features.f0[voiced_frames(features)]))

    ratio = pitch(written) / pitch(samples["h264"].path)
    assert 0.7 < ratio < 0.9, ratio  # about a third of an octave lower, as promised


def test_cli_writes_a_training_pack_only_with_consent(tmp_path: Path, samples: dict[str, Sample]) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return vigtool(*args, vault=tmp_path / "v")

    assert run("init").returncode == 0
    assert run("import", str(samples["h264"].path), "--case", "Family A").returncode == 0
    pack = tmp_path / "pack"
    refused = run("package", "training", "1", "--to", "60", "-o", str(pack))
    assert refused.returncode == 1 and "no consent is recorded" in refused.stderr
    assert run("consent", "set", "1", "--person", "Mother", "--purposes", "training", "--form", "T-3").returncode == 0
    made = run("package", "training", "1", "--to", "60", "-o", str(pack), "--caption", "Parent A", "--voice", "mute")
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in pack.iterdir()) == ["about.txt", "training-clip.mp4"]
    assert len(frames_of(pack / "training-clip.mp4")) == 60


def test_the_dialog_previews_takes_corrections_and_writes(qtbot: QtBot, tmp_path: Path) -> None:
    crop = np.ascontiguousarray(data.astronaut()[10:250, 110:370])
    film = tmp_path / "astronaut.mp4"
    truth = render_face_film(crop, FACE_IN_CROP, film, frames=30, width=480, height=360)
    with open_vault(tmp_path / "v") as vault:
        recording = import_recording(vault, film, "Family A").recording
        window = MainWindow(vault, restore_state=False)
        qtbot.addWidget(window)
        window.show()
        window.open_recording(recording.id)
        window.marks.set_both(0, 29)
        assert window.sharing.training_dialog() is None  # no training consent yet: said plainly, nothing started
        assert "has no" in window.statusBar().currentMessage() or "consent" in window.statusBar().currentMessage()
        give_consent(vault, recording)
        dialog = window.sharing.training_dialog()
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.found is not None, timeout=60000)
        assert "Faces covered in 30 of 30 frames" in dialog.status.text()
        before = sum(len(b) for b in dialog.boxes())
        dialog.slider.setValue(20)
        x, y, w, h = truth[25]
        dialog.correct((x + w // 2 - 2, y + h // 2 - 2, 4, 4), remove=True)  # "this one may stay clear"
        assert sum(len(b) for b in dialog.boxes()) < before  # from frame 20 on
        dialog.folder.setText(str(tmp_path))
        dialog.write()
        qtbot.waitUntil(lambda: dialog.written is not None, timeout=60000)
        written = frames_of(tmp_path / "training-clip.mp4")
        assert sharpness(written[25][y:y + h, x:x + w]) > 0.5 * sharpness(frames_of(film)[25][y:y + h, x:x + w])
        assert sharpness(written[10][truth[10][1]:, truth[10][0]:][:truth[10][3], :truth[10][2]]) < 0.2 * sharpness(
            frames_of(film)[10][truth[10][1]:, truth[10][0]:][:truth[10][3], :truth[10][2]])  # before it: blurred
        dialog.close()
        window.close()
