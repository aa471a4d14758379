"""Find plaintext footage or notes in files: any 64-byte window of a source file, any note's text.

A 64-byte window of the source always contains a whole 32-byte block aligned on 32 in the source, so
every aligned source block is hashed, every offset of the haystack is hashed (numpy, 8-byte words), and
each hash hit is confirmed by comparing bytes and extending the match both ways: a leak is a match of
64 bytes or more. Blocks with fewer than 8 distinct byte values (zero padding, runs) are not footage and
would match any sparse database page, so they are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

BLOCK = 32
LEAK = 64
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
                        dtype=np.uint64)


@dataclass(frozen=True)
class Leak:
    file: Path
    offset: int
    source: str
    length: int


def _hash_words(words: npt.NDArray[np.uint64], count: int) -> npt.NDArray[np.uint64]:
    """Hash of each run of 4 consecutive words starting at 0..count-1 (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        total = words[0:count] * _MULTIPLIERS[0]
        for k in range(1, 4):
            total = total + words[k:k + count] * _MULTIPLIERS[k]
    return total


def _source_blocks(data: bytes) -> dict[int, list[int]]:
    blocks = len(data) // BLOCK
    words = np.frombuffer(data[:blocks * BLOCK], dtype="<u8")
    hashes = _hash_words(words, len(words) - 3)[::4] if blocks else np.zeros(0, np.uint64)
    table: dict[int, list[int]] = {}
    for number, value in enumerate(hashes.tolist()):
        start = number * BLOCK
        if len(set(data[start:start + BLOCK])) >= 8:
            table.setdefault(value, []).append(start)
    return table


def _match_length(hay: bytes, at: int, source: bytes, start: int) -> int:
    if hay[at:at + BLOCK] != source[start:start + BLOCK]:
        return 0
    left = 0
    while at - left > 0 and start - left > 0 and hay[at - left - 1] == source[start - left - 1]:
        left += 1
    right = BLOCK
    while at + right < len(hay) and start + right < len(source) and hay[at + right] == source[start + right]:
        right += 1
    return left + right


def find_leaks(files: Iterable[Path], sources: dict[str, bytes], texts: Iterable[str] = ()) -> list[Leak]:
    tables = {name: _source_blocks(data) for name, data in sources.items()}
    known = np.array(sorted({h for table in tables.values() for h in table}), dtype=np.uint64)
    leaks: list[Leak] = []
    for path in files:
        hay = path.read_bytes()
        for text in texts:
            found = hay.find(text.encode("utf-8"))
            if found >= 0:
                leaks.append(Leak(path, found, f"text {text!r}", len(text)))
        for phase in range(8):
            usable = (len(hay) - phase) // 8
            if usable < 4 or known.size == 0:
                continue
            words = np.frombuffer(hay[phase:phase + usable * 8], dtype="<u8")
            hashes = _hash_words(words, usable - 3)
            for j in np.flatnonzero(np.isin(hashes, known)).tolist():
                at = phase + 8 * j
                for name, table in tables.items():
                    for start in table.get(int(hashes[j]), []):
                        length = _match_length(hay, at, sources[name], start)
                        if length >= LEAK:
                            leaks.append(Leak(path, at, name, length))
    return leaks


def files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in sorted(folder.rglob("*")) if p.is_file()]
