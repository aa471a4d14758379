"""Faces in a film, found and tracked so a training pack can blur every one of them, in every frame.

Detection: OpenCV's Haar cascades (frontal, and profile both ways), on a copy scaled to at most 480
pixels, also turned by ±20° (and ±35° if need be) so a tilted head is found. Tracking: a box found in one
frame is linked to the nearest box in the next; a track holds its box across a few frames where nothing
was found (a blink, a turn) and fills the gap between two sightings; each box is grown by a margin.
Blurring: a heavy pixelation plus a Gaussian inside an ellipse over the grown box. A practitioner adds
boxes the detector missed and removes ones it got wrong (`ManualBox`), and sees the result before anything
is written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]  # x, y, width, height, in the upright picture's pixels

DETECT_SIDE = 480
ANGLES = (0, -20, 20, -35, 35)  # the last two only when the first three found nothing
ALWAYS = 3
HOLD_FRAMES = 8  # a face not found for this many frames is still covered
MARGIN = 0.35  # each side of a box grows by this share of its size


def _cascade(name: str) -> cv2.CascadeClassifier:
    return cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]


class FaceDetector:
    def __init__(self) -> None:
        self._frontal = _cascade("haarcascade_frontalface_default.xml")
        self._profile = _cascade("haarcascade_profileface.xml")
        if self._frontal.empty() or self._profile.empty():
            raise RuntimeError("OpenCV's face cascades are missing (OpenCV 5 no longer ships them)")

    def _find(self, gray: Image) -> list[Box]:
        """Frontal faces first; only where none is found, faces in profile (both ways)."""
        minimum = max(16, min(gray.shape[:2]) // 12)
        found = [tuple(int(v) for v in b) for b in self._frontal.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(minimum, minimum))]
        if found:
            return found  # type: ignore[return-value]
        for flipped in (False, True):
            image = np.asarray(cv2.flip(gray, 1), np.uint8) if flipped else gray
            for x, y, w, h in self._profile.detectMultiScale(image, scaleFactor=1.1, minNeighbors=5,
                                                             minSize=(minimum, minimum)):
                found.append((int(image.shape[1] - x - w) if flipped else int(x), int(y), int(w), int(h)))
        return found  # type: ignore[return-value]

    def detect(self, picture: Image) -> list[Box]:
        """Faces in an RGB picture, as boxes in its own pixels (overlapping finds merged). The picture is
        searched upright and turned ±20° (a find upright may be a false one beside a tilted real face), and
        turned ±35° only when nothing was found."""
        height, width = picture.shape[:2]
        scale = min(1.0, DETECT_SIDE / max(height, width))
        small = cv2.resize(picture, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        gray = np.asarray(cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)), np.uint8)
        centre = (gray.shape[1] / 2, gray.shape[0] / 2)
        boxes: list[Box] = []
        for angle in ANGLES:
            if angle == 0:
                boxes += self._find(gray)
            else:
                turn = cv2.getRotationMatrix2D(centre, angle, 1.0)
                turned = np.asarray(cv2.warpAffine(gray, turn, (gray.shape[1], gray.shape[0]),
                                                   borderMode=cv2.BORDER_REPLICATE), np.uint8)
                back = cv2.invertAffineTransform(turn)
                for x, y, w, h in self._find(turned):
                    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64)
                    mapped = corners @ back.T
                    x0, y0 = mapped.min(axis=0)
                    x1, y1 = mapped.max(axis=0)
                    boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
            if boxes and ANGLES.index(angle) >= ALWAYS - 1:
                break
        return _merged([(round(x / scale), round(y / scale), round(w / scale), round(h / scale))
                        for x, y, w, h in boxes])


def _iou(a: Box, b: Box) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def _merged(boxes: list[Box]) -> list[Box]:
    """One box per face: finds of the same face (upright and turned) overlap a lot and are joined into
    their union; finds that merely touch stay apart (a union of those would swallow the picture)."""
    result: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b[2] * b[3]):
        for k, kept in enumerate(result):
            if _iou(box, kept) > 0.3 or (_inside(box, kept) and box[2] * box[3] > kept[2] * kept[3] / 4):
                x0, y0 = min(box[0], kept[0]), min(box[1], kept[1])
                x1 = max(box[0] + box[2], kept[0] + kept[2])
                y1 = max(box[1] + box[3], kept[1] + kept[3])
                result[k] = (x0, y0, x1 - x0, y1 - y0)
                break
        else:
            result.append(box)
    return result


def _inside(a: Box, b: Box) -> bool:
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]


@dataclass(frozen=True)
class ManualBox:
    """A practitioner's correction: cover this box in frames [first, end), or (remove) leave clear every
    blurred patch that holds this box's centre (a click on it)."""

    first: int
    end: int
    box: Box
    remove: bool = False


def track(found: list[list[Box]], manual: Iterable[ManualBox] = (), first_frame: int = 0) -> list[list[Box]]:
    """Boxes to blur in each frame: found faces linked frame to frame, held across short misses and gaps,
    grown by a margin; manual boxes added, removed ones taken out."""
    count = len(found)
    tracks: list[dict[int, Box]] = []
    for frame, boxes in enumerate(found):
        for box in boxes:
            best = max(tracks, key=lambda t: _nearness(t, frame, box), default=None)
            if best is not None and _nearness(best, frame, box) > 0:
                best[frame] = box
            else:
                tracks.append({frame: box})
    covered: list[list[Box]] = [[] for _ in range(count)]
    for seen in tracks:
        for f, box in _filled(seen, count).items():
            covered[f].append(_grown(box))
    for correction in manual:
        for f in range(max(correction.first - first_frame, 0), min(correction.end - first_frame, count)):
            if correction.remove:
                covered[f] = [b for b in covered[f] if not _inside(correction.box, b)]
            else:
                covered[f].append(correction.box)
    return covered


def _filled(seen: dict[int, Box], count: int) -> dict[int, Box]:
    """A track's boxes in every frame between its sightings (moving evenly), and held a little before the
    first and after the last."""
    frames = sorted(seen)
    filled = dict(seen)
    for a, b in itertools.pairwise(frames):
        for f in range(a + 1, b):
            t = (f - a) / (b - a)
            x, y, w, h = (round(p + (q - p) * t) for p, q in zip(seen[a], seen[b], strict=True))
            filled[f] = (x, y, w, h)
    for f in range(max(0, frames[0] - HOLD_FRAMES), frames[0]):
        filled[f] = seen[frames[0]]
    for f in range(frames[-1] + 1, min(count, frames[-1] + HOLD_FRAMES + 1)):
        filled[f] = seen[frames[-1]]
    return filled


def _nearness(seen: dict[int, Box], frame: int, box: Box) -> float:
    """How well `box` continues a track (0: not at all): its overlap with the track's latest box, or a
    little for a box close by (a head moving fast), if the track was seen recently."""
    last = max(seen)
    if last >= frame or frame - last > 2 * HOLD_FRAMES:
        return 0.0
    before = seen[last]
    overlap = _iou(before, box)
    if overlap > 0:
        return overlap
    gap = float(np.hypot(before[0] + before[2] / 2 - box[0] - box[2] / 2,
                         before[1] + before[3] / 2 - box[1] - box[3] / 2))
    return 0.01 if gap < max(before[2], before[3]) else 0.0


def _grown(box: Box) -> Box:
    x, y, w, h = box
    return (round(x - w * MARGIN), round(y - h * MARGIN), round(w * (1 + 2 * MARGIN)), round(h * (1 + 2 * MARGIN)))


def blur(picture: Image, boxes: Iterable[Box]) -> Image:
    """The picture with an ellipse over each box made unrecognisable (pixelated, then smoothed)."""
    out = picture.copy()
    height, width = picture.shape[:2]
    for x, y, w, h in boxes:
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        region = out[y0:y1, x0:x1]
        blocks = max(2, min(region.shape[:2]) // 12)
        coarse = cv2.resize(region, (max(1, region.shape[1] // blocks), max(1, region.shape[0] // blocks)),
                            interpolation=cv2.INTER_AREA)
        hidden = cv2.GaussianBlur(cv2.resize(coarse, (region.shape[1], region.shape[0]),
                                             interpolation=cv2.INTER_NEAREST), (0, 0), blocks / 2)
        mask = np.zeros(region.shape[:2], np.uint8)
        cv2.ellipse(mask, ((x + w / 2 - x0, y + h / 2 - y0), (w, h), 0), 255, -1)
        out[y0:y1, x0:x1] = np.where(mask[..., None] > 0, hidden, region)
    return out
