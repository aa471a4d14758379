"""The loudest peak under each pixel column of the sound wave, at any zoom, in time that does not grow with
the film: a max-pyramid (each level the pairwise maximum of the one below), built once per envelope.

A two-hour film has 720 000 peaks (one per 10 ms). At whole-film zoom each of ~1 400 columns covers ~500 of
them; reading them all at every paint would cost as much as the film is long. The pyramid's level whose
blocks are about a column wide holds no more than two values per column, whatever the film's length.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


class PeakPyramid:
    def __init__(self, peaks: npt.ArrayLike, *, levels: list[FloatArray] | None = None) -> None:
        base = np.asarray(peaks, dtype=np.float32)
        self.size = int(base.size)
        self.levels: list[FloatArray] = [base, *(levels or [])]
        self._build_up()

    def _build_up(self) -> None:
        while self.levels[-1].size > 1:
            self.levels.append(_pair_max(self.levels[-1]))

    def grown(self, peaks: npt.ArrayLike) -> PeakPyramid:
        """The pyramid of `peaks`, which begin with the peaks this one was made of (a sound wave filling in
        while it is built, every 0.3 s): only the blocks the new peaks touch are computed. Anything else
        (fewer peaks, different ones) gets a pyramid of its own."""
        base = np.asarray(peaks, dtype=np.float32)
        if base.size < self.size or not np.array_equal(base[:self.size], self.levels[0]):
            return PeakPyramid(base)
        levels: list[FloatArray] = []
        below, kept = base, self.size  # values of `below` made only from the peaks this pyramid had
        for old in self.levels[1:]:
            kept //= 2  # a block made of two such values is as it was; the last, half-filled one is not
            levels.append(np.concatenate([old[:kept], _pair_max(below[2 * kept:])]))
            below = levels[-1]
            if below.size <= 1:
                break
        return PeakPyramid(base, levels=levels)

    def column_max(self, bounds: npt.ArrayLike) -> FloatArray:
        """Per column i, the largest peak in samples [bounds[i], bounds[i+1]) (the one at bounds[i] if the
        column is narrower than a sample); 0 past the end. `bounds` must not decrease."""
        edges = np.clip(np.asarray(bounds, dtype=np.int64), 0, self.size)
        if edges.size < 2 or not self.size:
            return np.zeros(max(edges.size - 1, 0), dtype=np.float32)
        narrowest = int(np.diff(edges).min())
        level_number = min(max(narrowest, 1).bit_length() - 1, len(self.levels) - 1)
        level = self.levels[level_number]
        at = edges >> level_number  # the block of this level each edge falls in
        first, last = int(at[0]), int(at[-1])
        padded = np.append(level[first:last + 1], np.float32(0.0))  # the zero: columns past the end
        values = np.maximum.reduceat(padded, np.minimum(at - first, padded.size - 1))[:-1]
        values[edges[:-1] >= self.size] = 0.0
        return values.astype(np.float32, copy=False)


def _pair_max(level: FloatArray) -> FloatArray:
    """The maximum of each pair of neighbours (peaks are never negative: a zero pads an odd count)."""
    if level.size % 2:
        level = np.append(level, np.float32(0.0))
    pairs: FloatArray = level.reshape(-1, 2).max(axis=1)
    return pairs
