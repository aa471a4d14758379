"""Where an export's time goes, stage by stage, for bench/clip_export.py: each stage's CPU seconds on its own
thread (`time.thread_time`: the codecs' own threads are not in it), the whole process's CPU seconds while it
ran (every thread's: the stage's own where nothing else runs beside it, as the cut and the check), and its
wall seconds, summed over every time it ran. Nothing is kept unless a caller is recording (`recording()`), so
the stages cost an export nothing otherwise."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

_lock = threading.Lock()
_totals: dict[str, list[float]] | None = None  # stage -> [cpu, process cpu, wall]; None: nobody is recording


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """Count the time of the block towards `name` (on the thread that runs it)."""
    if _totals is None:
        yield
        return
    started = (time.thread_time(), time.process_time(), time.perf_counter())
    try:
        yield
    finally:
        ended = (time.thread_time(), time.process_time(), time.perf_counter())
        with _lock:
            if _totals is not None:
                totals = _totals.setdefault(name, [0.0, 0.0, 0.0])
                for k in range(3):
                    totals[k] += ended[k] - started[k]


@contextlib.contextmanager
def recording() -> Iterator[dict[str, dict[str, float]]]:
    """Record every stage run inside the block; the dict it gives is filled in when the block ends:
    {stage: {"cpu_s": ..., "process_cpu_s": ..., "wall_s": ...}}."""
    global _totals  # noqa: PLW0603 - one process-wide switch, for a bench
    result: dict[str, dict[str, float]] = {}
    with _lock:
        _totals = {}
    try:
        yield result
    finally:
        with _lock:
            totals, _totals = _totals or {}, None
        result.update({k: {"cpu_s": round(v[0], 4), "process_cpu_s": round(v[1], 4), "wall_s": round(v[2], 4)}
                       for k, v in sorted(totals.items())})
