"""How long one edit takes, written through to the vault (SQLite, synchronous=FULL). Prints one JSON document.

    python bench/workspace_edits.py

Edits run where they are called (the GUI thread), so each must be far below a frame of attention:
mark, move, note, undo and redo, 200 of each on a film already holding 2 000 marks.
`baseline_sqlite_commit_p95_ms` is one bare one-row INSERT + COMMIT on the same disk in the same run.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from storage.keys import KdfParams
from vigtool.domain.model import Annotation
from vigtool.domain.time import FrameRange
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace
from vigtool.synth.generator import RecordingSpec, render

ROUNDS = 200


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1] * 1000, 2)


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-"))
    render(RecordingSpec(duration=60, seed=4), folder / "film.mp4")
    with Vault.create(folder / "vault", "benchmark passphrase", KdfParams(1, 1, 8192)) as vault:
        recording = import_recording(vault, folder / "film.mp4", "Bench family").recording
        track = vault.repo.tracks.list(recording.id)[0]
        vault.repo.annotations.add_all([Annotation(0, track.id, FrameRange(i % 1700, i % 1700 + 5), "p1")
                                    for i in range(2000)])
        ws = Workspace(vault.repo, recording)
        figures = {"mark": [timed(lambda i=i: ws.marks.add("p3", FrameRange(i, i + 1))) for i in range(ROUNDS)]}
        ids = [a.id for a in ws.layer][-ROUNDS:]
        figures["move"] = [timed(lambda i=i: ws.marks.move([i], 3)) for i in ids]
        figures["note"] = [timed(lambda i=i: (ws.undo_stack.seal(), ws.marks.set_note(i, "kind words"))) for i in ids]
        figures["undo"] = [timed(ws.undo) for _ in range(ROUNDS)]
        figures["redo"] = [timed(ws.redo) for _ in range(ROUNDS)]
    db = sqlite3.connect(folder / "bare.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
    bare = [timed(lambda: db.execute("BEGIN IMMEDIATE") and db.execute("INSERT INTO t (v) VALUES (x'00')")
                  and db.execute("COMMIT")) for _ in range(ROUNDS)]
    db.close()
    result = {f"{name}_p95_ms": p95(times) for name, times in figures.items()}
    result["baseline_sqlite_commit_p95_ms"] = p95(bare)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
