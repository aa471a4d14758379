"""A machine-readable stamp of a frame's own index, drawn into every synthetic frame.

Neighbouring frames of a calm scene look alike and PSNR cannot tell them apart, so each frame carries a
row of black/white blocks in its top-left corner: two sync blocks (white, black), the index in 18 bits
(most significant first) and a 4-bit checksum. Geometry is a fraction of the frame width, so the stamp
reads the same after scaling; blocks are sampled at their centres, so it survives lossy encoding.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

INDEX_BITS = 18
MAX_INDEX = (1 << INDEX_BITS) - 1
_SYNC = (1, 0)
_CHECK_BITS = 4
BLOCKS = len(_SYNC) + INDEX_BITS + _CHECK_BITS
BLOCK_FRACTION = 1 / 80  # block edge as a fraction of the frame width

Image = npt.NDArray[np.uint8]


def _checksum(index: int) -> int:
    return (sum((index >> shift) & 0xF for shift in range(0, INDEX_BITS, 4)) + 5) & 0xF


def _bits(index: int) -> list[int]:
    body = [(index >> (INDEX_BITS - 1 - i)) & 1 for i in range(INDEX_BITS)]
    check = [(_checksum(index) >> (_CHECK_BITS - 1 - i)) & 1 for i in range(_CHECK_BITS)]
    return [*_SYNC, *body, *check]


def _geometry(width: int) -> tuple[float, float, float]:
    """(block edge, left, top) in pixels for a frame of this width."""
    block = width * BLOCK_FRACTION
    return block, block, block


def draw_stamp(image: Image, index: int) -> None:
    """Draw the stamp of `index` into an RGB or grey image (in place), with a grey margin around it."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"frame index {index} does not fit the stamp (0..{MAX_INDEX})")
    block, left, top = _geometry(image.shape[1])
    pad = block / 2
    y0, y1 = round(top - pad), round(top + block + pad)
    image[max(y0, 0):y1, max(round(left - pad), 0):round(left + BLOCKS * block + pad)] = 128
    for i, bit in enumerate(_bits(index)):
        x0, x1 = round(left + i * block), round(left + (i + 1) * block)
        image[round(top):round(top + block), x0:x1] = 255 if bit else 0


def read_stamp(image: Image) -> int | None:
    """The index stamped into an image (RGB, BGR or grey, any scale), or None if there is no valid stamp."""
    grey = image.mean(axis=2) if image.ndim == 3 else image.astype(np.float64)
    block, left, top = _geometry(image.shape[1])
    cy = top + block / 2
    half = max(block / 4, 0.5)
    bits = []
    for i in range(BLOCKS):
        cx = left + (i + 0.5) * block
        patch = grey[int(cy - half):int(np.ceil(cy + half)), int(cx - half):int(np.ceil(cx + half))]
        if patch.size == 0:
            return None
        level = float(patch.mean())
        if 60 < level < 196:  # neither black nor white: no stamp here
            return None
        bits.append(1 if level >= 128 else 0)
    if tuple(bits[: len(_SYNC)]) != _SYNC:
        return None
    index = 0
    for bit in bits[len(_SYNC): len(_SYNC) + INDEX_BITS]:
        index = (index << 1) | bit
    check = 0
    for bit in bits[len(_SYNC) + INDEX_BITS:]:
        check = (check << 1) | bit
    return index if check == _checksum(index) else None
