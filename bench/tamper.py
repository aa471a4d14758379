"""What `verify` misses when random bytes of a vault's database are changed. Prints one JSON document.

    python bench/tamper.py [--flips 500] [--seed 1]

A vault with a film, consents, marks with notes, clips, stills, a review and a supervision link is made
once. Then, again and again, one random byte of its database file (anywhere: pages, indexes, free space)
is replaced by another value, and the result is judged:
- `no_change`: the database's content (every row of every table, and the table definitions, read with the
  plain sqlite3 module) is what it was. Such a byte may go unnoticed (free space, unused bits).
- `refused`: the content changed, and opening the vault refuses with a message naming the file;
  `reported`: `verify` reports it; `crashed`: an error that is no plain message (noticed, but badly).
- `missed`: the content changed and nobody noticed. `where` lists the tables of misses and crashes.
The naive baseline in the same run: SQLite's own `integrity_check`, which is all a plain file has.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from contextlib import closing
from datetime import date
from pathlib import Path

from storage.keys import KdfParams
from storage.paths import DATABASE_NAME
from vigtool.domain.consent import Purpose
from vigtool.domain.time import FrameRange
from vigtool.services.consent import record_consent
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault, VaultError
from vigtool.services.verify import verify_vault
from vigtool.synth.generator import RecordingSpec, render

PASSPHRASE = "a bench passphrase, long enough"  # noqa: S105 - a throwaway vault
SHOW_CRASHES = "--show-crashes" in sys.argv
FAST = KdfParams(iterations=1, lanes=1, memory_cost_kib=8 * 1024)


def make_vault(folder: Path) -> Path:
    film = folder / "film.mp4"
    render(RecordingSpec(duration=2.0, width=160, height=120), film)
    vault_dir = folder / "vault"
    with Vault.open(vault_dir, PASSPHRASE, create=True, kdf=FAST) as vault:
        recording = import_recording(vault, film, "Family A").recording
        for person in ("Mother", "Baby (by mother)"):
            record_consent(vault, recording, person, [Purpose.REVIEW, Purpose.SUPERVISION],
                           recorded_by="Bench", given_on=date(2026, 1, 5), form_reference="F-1")
        for k, track in enumerate(vault.repo.tracks.list(recording.id)):
            for start in range(0, 40, 8):
                vault.repo.annotations.add(track.id, FrameRange(start, start + 5), f"p{k + 1}.1",
                                          note=f"a note on track {k} at {start}")
        clip = vault.repo.clips.add(recording.id, FrameRange(2, 30), title="the smile", caption="She smiles")
        still = vault.repo.stills.add(recording.id, 12, caption="the look")
        vault.repo.reviews.add(recording.case_id, "First review")
        del clip, still
        vault.db.checkpoint()
    return vault_dir


def content(path: Path) -> object:
    """Everything the file holds as data: rows of every table and the table definitions (None: unreadable)."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as raw:
            raw.text_factory = bytes  # as stored: a flipped byte in a text need not be UTF-8
            tables = [bytes(r[0]).decode("utf-8", "replace")
                      for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            schema = raw.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
            rows = {t: sorted(map(repr, raw.execute(f'SELECT * FROM "{t}"'))) for t in tables}  # noqa: S608
            return schema, rows
    except (sqlite3.DatabaseError, UnicodeDecodeError):  # the latter: SQLite's message quoting a damaged name
        return None


def changed_where(before: object, after: object) -> str:
    if after is None:
        return "unreadable"
    assert isinstance(before, tuple) and isinstance(after, tuple)
    if before[0] != after[0]:
        return "schema"
    return ",".join(t for t in before[1] if before[1][t] != after[1].get(t)) or "?"


def sqlite_says_sound(path: Path) -> bool:
    try:
        with closing(sqlite3.connect(path)) as raw:
            return raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        return False


def judge(work: Path) -> str:
    """How vigtool notices: "refused" to open (with a message), "reported" by verify, "crashed" (an error
    that is no plain message), or "missed"."""
    try:
        with Vault.open(work, PASSPHRASE) as vault:
            return "missed" if verify_vault(vault).sound else "reported"
    except VaultError:
        return "refused"
    except Exception:  # noqa: BLE001 - counted: a crash notices the change, but says nothing a user can act on
        if SHOW_CRASHES:
            traceback.print_exc()
        return "crashed"


def run(flips: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vig-tamper-") as tmp:
        pristine = make_vault(Path(tmp))
        database = (pristine / DATABASE_NAME).read_bytes()
        reference = content(pristine / DATABASE_NAME)
        work = Path(tmp) / "work"
        counts = {"no_change": 0, "refused": 0, "reported": 0, "crashed": 0, "missed": 0}
        baseline = {"caught": 0, "missed": 0}
        missed: dict[str, int] = {}
        for _ in range(flips):
            if work.exists():
                shutil.rmtree(work)
            shutil.copytree(pristine, work)
            position = rng.randrange(len(database))
            damaged = bytearray(database)
            damaged[position] = (damaged[position] + rng.randrange(1, 256)) % 256
            (work / DATABASE_NAME).write_bytes(bytes(damaged))
            after = content(work / DATABASE_NAME)
            if after == reference:
                counts["no_change"] += 1
                continue
            baseline["caught" if not sqlite_says_sound(work / DATABASE_NAME) else "missed"] += 1
            verdict = judge(work)
            counts[verdict] += 1
            if verdict in {"missed", "crashed"}:
                where = f"{verdict}: {changed_where(reference, after)}"
                missed[where] = missed.get(where, 0) + 1
    return {"flips": flips, "seed": seed, "database_bytes": len(database), **counts, "where": missed,
            "baseline_sqlite_integrity_check": baseline, "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flips", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show-crashes", action="store_true", help="print the traceback of each crash")
    args = parser.parse_args()
    print(json.dumps(run(args.flips, args.seed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
