"""Probe and import cost against reading the same file: prints one JSON document.

    python bench/probe_import.py [--minutes 2] [--height 720]

Import reads the file twice today (probe demuxes every packet, then the checksum), so the figure to watch
is `import_vs_read_sha256`: the encrypted vault's single streaming pass must bring it down to ≤ 1.3.
Times are medians of a few runs, and ratios are against a baseline measured in the same run: this machine
is noisy. The synthetic film compresses far better than phone footage, so on it the fixed costs (opening
the container, one database commit) weigh more than on a real 10-minute film.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from vigtool.media.probe import probe_path
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, render


def median_seconds(work: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def read_and_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigtool-bench-") as tmp:
        film = Path(tmp) / "film.mp4"
        spec = RecordingSpec(duration=args.minutes * 60, width=args.height * 16 // 9, height=args.height,
                             rate=Fraction(30), crf=23)
        started = time.perf_counter()
        render(spec, film)
        render_s = time.perf_counter() - started
        baseline = median_seconds(lambda: read_and_hash(film))
        probe = median_seconds(lambda: probe_path(film))

        # Fresh vaults are made before the clock starts: creating one (and its schema) is not import work.
        vaults = [Vault.open(Path(tempfile.mkdtemp(dir=tmp)), create=True) for _ in range(3)]
        opened = list(vaults)
        imported = median_seconds(lambda: import_recording(vaults.pop(), film, "Bench family"))
        for vault in opened:
            vault.close()
        print(json.dumps({
            "file_mb": round(film.stat().st_size / 1e6, 2), "frames": probe_path(film).frame_count,
            "render_s": round(render_s, 2), "read_sha256_s": round(baseline, 4), "probe_s": round(probe, 4),
            "import_s": round(imported, 4), "probe_vs_read_sha256": round(probe / baseline, 2),
            "import_vs_read_sha256": round(imported / baseline, 2),
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
