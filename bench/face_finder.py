"""Face finders on films of real face photographs (vigtool.synth.face_photos). Prints one JSON document.

    python bench/face_finder.py [--frames 24]

Films: scikit-image's astronaut and faces from its Labeled Faces in the Wild subset, moved, scaled, tilted,
turned (squeezed) and partly covered over a textured room, a far face beside a smaller one, and a tiny
face (about 12 pixels high: the weak case); H.264 at CRF 18. For
each finder, per film and in total:
- recall: the share of (frame, face) pairs with a find on the face (its centre inside the face's box and
  an overlap of at least 0.2), counting every find the finder reports (CenterFace: score >= 0.15);
- sure recall (CenterFace): the same with finds scoring >= 0.5 only;
- false alarms: finds on no face, per frame;
- blurred: the share of (frame, face) pairs that the pack's blur, over the tracked and grown finds, leaves
  with at most a quarter of the detail (variance of the Laplacian) inside the face's box — before the
  practitioner's look; detail_left_median: the median of that share of detail left;
- to look at: frames the pack would hold back for the practitioner (vigtool.analysis.face_cover);
- ms per frame.
- test pattern (`test_pattern`): ffmpeg's testsrc2 at 640x360 (colour bars, a noisy chequerboard, a moving
  ramp: no face anywhere), searched after the films above by the same CenterFace finder (one network
  given pictures of two sizes, as a long-lived finder is) and by a fresh one: false finds per frame
  (sure ones apart) and ms per frame; both must agree.
Finders: CenterFace (the app's), vigtool's previous finder (OpenCV's Haar cascades, frontal and profile,
upright and turned; only where OpenCV still ships them), and a naive baseline (skin-coloured blobs in
YCrCb). Timings are noisy on a shared machine; compare them within one run.
Nothing here tuned the finder: its thresholds are CenterFace's usual ones.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import imageio_ffmpeg
import numpy as np

from vigtool.analysis.face_cover import plan_cover
from vigtool.analysis.faces import SURE, Box, CenterFaceFinder, Find, blur, track
from vigtool.synth.face_films import Face, FaceFilm, drifting, render_face_film
from vigtool.synth.face_photos import astronaut, film_set

Finder = Callable[[np.ndarray], list[Find]]


def haar_finder() -> Finder | None:
    """vigtool's previous finder, as it was: Haar cascades frontal and profile (both ways) on a copy at most
    480 pixels a side, also turned ±20° (and ±35° if nothing was found); overlapping finds kept once."""
    base = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if base is None:
        return None
    frontal = cv2.CascadeClassifier(base + "haarcascade_frontalface_default.xml")
    profile = cv2.CascadeClassifier(base + "haarcascade_profileface.xml")
    if frontal.empty() or profile.empty():
        return None

    def upright(grey: np.ndarray) -> list[Box]:
        minimum = max(16, min(grey.shape[:2]) // 12)
        found = [(int(x), int(y), int(w), int(h)) for x, y, w, h in frontal.detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=5, minSize=(minimum, minimum))]
        if found:
            return found
        for flipped in (False, True):
            image = cv2.flip(grey, 1) if flipped else grey
            for x, y, w, h in profile.detectMultiScale(image, scaleFactor=1.1, minNeighbors=5,
                                                       minSize=(minimum, minimum)):
                found.append((int(image.shape[1] - x - w) if flipped else int(x), int(y), int(w), int(h)))
        return found

    def finds(picture: np.ndarray) -> list[Find]:
        height, width = picture.shape[:2]
        scale = min(1.0, 480 / max(height, width))
        small = cv2.resize(picture, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        grey = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        centre = (grey.shape[1] / 2, grey.shape[0] / 2)
        boxes: list[Box] = []
        for step, angle in enumerate((0, -20, 20, -35, 35)):
            if angle == 0:
                boxes += upright(grey)
            else:
                turn = cv2.getRotationMatrix2D(centre, angle, 1.0)
                turned = cv2.warpAffine(grey, turn, (grey.shape[1], grey.shape[0]), borderMode=cv2.BORDER_REPLICATE)
                back = cv2.invertAffineTransform(turn)
                for x, y, w, h in upright(turned):
                    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64)
                    mapped = corners @ back.T
                    (x0, y0), (x1, y1) = mapped.min(axis=0), mapped.max(axis=0)
                    boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
            if boxes and step >= 2:
                break
        picked = cv2.dnn.NMSBoxes([list(b) for b in boxes], [1.0] * len(boxes), 0.5, 0.3) if boxes else []
        return [Find(tuple(round(v / scale) for v in boxes[int(i)]), 1.0)  # type: ignore[arg-type]
                for i in np.asarray(picked).reshape(-1)]

    return finds


def skin_finder(picture: np.ndarray) -> list[Find]:
    """The naive baseline: blobs of skin colour (YCrCb), each taken as a face."""
    ycrcb = cv2.cvtColor(picture, cv2.COLOR_RGB2YCrCb)
    mask = cv2.inRange(ycrcb, (0, 135, 85), (255, 180, 135))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    count, _labels, stats, _centres = cv2.connectedComponentsWithStats(mask)
    minimum = (min(picture.shape[:2]) // 30) ** 2
    return [Find((int(x), int(y), int(w), int(h)), 1.0) for x, y, w, h, area in stats[1:count] if area >= minimum]


def _on(find: Box, face: Box) -> bool:
    cx, cy = find[0] + find[2] / 2, find[1] + find[3] / 2
    inside = face[0] <= cx <= face[0] + face[2] and face[1] <= cy <= face[1] + face[3]
    x0, y0 = max(find[0], face[0]), max(find[1], face[1])
    x1, y1 = min(find[0] + find[2], face[0] + face[2]), min(find[1] + find[3], face[1] + face[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inside and inter / (find[2] * find[3] + face[2] * face[3] - inter) >= 0.2


def _detail(image: np.ndarray, box: Box) -> float:
    x, y, w, h = box
    return float(cv2.Laplacian(cv2.cvtColor(image[y:y + h, x:x + w], cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def score(finder: Finder, pictures: list[np.ndarray], truth: list[list[Box]], *,
          sure_only: bool = False) -> dict[str, float]:
    started = time.perf_counter()
    found = [finder(p) for p in pictures]
    elapsed = time.perf_counter() - started
    if sure_only:
        found = [[f for f in frame if f.score >= SURE] for frame in found]
    pairs = sum(len(faces) for faces in truth)
    hits = sum(1 for finds, faces in zip(found, truth, strict=True) for face in faces
               if any(_on(f.box, face) for f in finds))
    alarms = sum(1 for finds, faces in zip(found, truth, strict=True) for f in finds
                 if not any(_on(f.box, face) for face in faces))
    covers = track(found)
    left = [_detail(blur(picture, [c.box for c in frame]), face) / max(_detail(picture, face), 1e-9)
            for picture, frame, faces in zip(pictures, covers, truth, strict=True) for face in faces]
    return {"recall": round(hits / pairs, 3), "false_alarms_per_frame": round(alarms / len(pictures), 3),
            "blurred": round(sum(1 for r in left if r <= 0.25) / pairs, 3),
            "detail_left_median": round(float(np.median(left)), 3),
            "to_look_at": len(plan_cover(found, 0).waiting()),
            "ms_per_frame": round(1000 * elapsed / len(pictures), 1)}


def test_pattern(finder: CenterFaceFinder, folder: Path, frames: int) -> dict[str, dict[str, float]]:
    """False finds on a test pattern with no face, by `finder` (already used on other sizes) and afresh."""
    path = folder / "pattern.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=640x360:rate=30", "-frames:v", str(frames), "-c:v", "libx264", "-crf", "18",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    with av.open(str(path)) as container:
        pictures = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    result = {}
    for name, used in (("same_finder", finder), ("fresh_finder", CenterFaceFinder())):
        started = time.perf_counter()
        found = [used.finds(p) for p in pictures]
        elapsed = time.perf_counter() - started
        result[name] = {"false_finds_per_frame": round(sum(len(f) for f in found) / len(pictures), 3),
                        "sure_false_finds_per_frame": round(sum(1 for f in found for x in f if x.sure)
                                                            / len(pictures), 3),
                        "ms_per_frame": round(1000 * elapsed / len(pictures), 1)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--films", nargs="*", metavar="NAME", help="only these films (default: all)")
    args = parser.parse_args()
    centerface = CenterFaceFinder()
    finders: dict[str, Finder] = {"centerface": centerface.finds, "skin_colour_baseline": skin_finder}
    haar = haar_finder()
    if haar is not None:
        finders["haar"] = haar
    report: dict[str, object] = {"frames_per_film": args.frames, "haar": "OpenCV " + cv2.__version__
                                 if haar is not None else "not shipped by this OpenCV"}
    per_film: dict[str, dict[str, dict[str, float]]] = {}
    totals: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        photo, face = astronaut()
        tiny = FaceFilm("tiny", (Face(photo, face, drifting((0.4, 0.6), 0.5, (0.12, 0.14), 10)),), args.frames)
        for film in [*film_set(args.frames), tiny]:
            if args.films and film.name not in args.films:
                continue
            path = Path(folder) / "film.mp4"
            truth = render_face_film(film, path)
            with av.open(str(path)) as container:
                pictures = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
            results = {name: score(finder, pictures, truth) for name, finder in finders.items()}
            results["centerface_sure_only"] = score(centerface.finds, pictures, truth, sure_only=True)
            per_film[film.name] = results
            for name, result in results.items():
                totals.setdefault(name, []).append(result)
        if not args.films or "test pattern" in args.films:
            report["test_pattern"] = test_pattern(centerface, Path(folder), args.frames)
    report["films"] = per_film
    report["mean"] = {name: {key: round(float(np.mean([r[key] for r in rows])), 3) for key in rows[0]}
                      for name, rows in totals.items()}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
