"""Keep freed picture memory in the process for the next decode or encode.

An export or a scrub allocates decoded-picture pools and encoder buffers of tens of MB (a 1080p picture is
3 MB). glibc hands such blocks back to the kernel when they are freed, so the next export faults the same
amount in again, page by page, each page zeroed by the kernel and then again by FFmpeg: about 8 % of a
smart cut's CPU time on bench/clip_export.py's film. Raising the mmap and trim thresholds keeps them in the
heap for reuse instead; the cost is that the process keeps up to 128 MB of freed memory per heap rather
than returning it at once (blocks of 32 MB and more are still mapped and returned on their own).

Per heap: glibc gives threads that contend for the heap an arena of their own, up to eight per core, and
every export starts fresh threads (decoding, the side work, x264's and x265's workers). Each new arena kept
its own freed pictures, so memory grew from one export to the next (HEVC: 89 MB over eight cuts on
bench/clip_export.py's phone film) until every arena was full. Two arenas, one per core, keep it flat:
the codecs allocate their pictures from pools once per export, so sharing an arena costs no measurable time.
Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# Larger than a 4K picture (12 MB) and within what glibc allows (HEAP_MAX / 2).
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 128 * 1024 * 1024
ARENAS = 2

_done = False


def keep_freed_memory() -> bool:
    """Set the thresholds once per process; True if glibc took them."""
    global _done  # noqa: PLW0603 - one process-wide setting
    if _done:
        return True
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # The arena limit first: it only holds if set before glibc has made its ninth arena.
    _done = (bool(mallopt(_M_ARENA_MAX, ARENAS)) and bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
             and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)))
    return _done


def release_freed_memory() -> None:
    """Give freed heap memory back to the system now (after a long pass over a film, before the next one:
    the thresholds above would otherwise keep up to TRIM_THRESHOLD of it resident). Elsewhere than glibc
    this does nothing."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
