"""Sending a film for supervision: its copy without metadata, checked, into the encrypted package. Prints
one JSON document.

    nice python bench/supervision_send.py [--seconds 600]

Figures (the machine is noisy: compare ratios measured in the same run, never absolute times):
- `send_vs_baseline`: sending (stream copy into the sealed scratch file, reading it back for the check,
  sealing it into the package) against the least any package of the film does: reading the film
  decrypted from the vault and sealing it into a package byte for byte.
- `peak_rss_mb` for a film and for one four times as long, each in a process of its own: memory stays
  flat with the film's length (the copy never is in memory, nor in the clear on the disk).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from storage.keys import KdfParams
from vigtool.domain.consent import Purpose
from vigtool.services.consent import record_consent
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, loop_recording, render

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
KDF = KdfParams(iterations=1, lanes=1, memory_cost_kib=8 * 1024)

CHILD = """
import json, sys, time
from pathlib import Path
from storage.keys import KdfParams
from storage.package import PackageWriter
from vigtool.services.supervision import send_for_supervision
from vigtool.services.vault import Vault
def high_water_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no /proc/self/status")
folder, mode = Path(sys.argv[1]), sys.argv[2]
mine = Vault.open(folder / "mine", sys.argv[3])
hers = Vault.open(folder / "hers", sys.argv[3])
recording = mine.repo.recordings.list()[0]
before = high_water_kib()
out = folder / f"{mode}.vigpkg"
out.unlink(missing_ok=True)
started = time.perf_counter()
if mode == "send":
    send_for_supervision(mine, [recording], hers.identity.public, out)
else:  # the baseline: the film as it is, decrypted and sealed into a package
    writer = PackageWriter.for_recipient(out, mine.identity, hers.identity.public, "supervision", 1)
    with mine.open_film(recording) as film:
        writer.add_file("film-1.mp4", film, film.size)
    writer.commit({})
elapsed = time.perf_counter() - started
print(json.dumps({"s": elapsed, "modules_rss_kib": before, "peak_rss_kib": high_water_kib()}))
"""


def _vaults(folder: Path, film: Path) -> None:
    with Vault.open(folder / "mine", PASSPHRASE, create=True, kdf=KDF) as mine, \
            Vault.open(folder / "hers", PASSPHRASE, create=True, kdf=KDF) as hers:
        assert mine.identity is not None and hers.identity is not None
        mine.identities.add_contact(hers.identity.public)
        recording = import_recording(mine, film, "Bench family").recording
        record_consent(mine, recording, "Mother", [Purpose.SUPERVISION], recorded_by="bench",
                       given_on=date.today(), form_reference="B-1")


def _run(folder: Path, mode: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder), mode, PASSPHRASE], capture_output=True,
                          text=True, check=True)
    return dict(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600, help="the shorter film's length (default 600)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigtool-bench-send-") as temp:
        root = Path(temp)
        piece = root / "piece.mp4"
        render(RecordingSpec(duration=10.0, width=1280, height=720, crf=28), piece)
        figures: dict[str, object] = {}
        for label, seconds in (("short", args.seconds), ("long", 4 * args.seconds)):
            film = root / f"{label}.mp4"
            loop_recording(piece, film, max(1, seconds // 10))
            folder = root / label
            folder.mkdir()
            _vaults(folder, film)
            send, base = _run(folder, "send"), _run(folder, "baseline")
            figures[label] = {"film_mb": round(film.stat().st_size / 1e6, 1), "seconds": seconds,
                              "send_s": round(send["s"], 2), "baseline_s": round(base["s"], 2),
                              "send_vs_baseline": round(send["s"] / base["s"], 2),
                              "peak_rss_mb": round(send["peak_rss_kib"] / 1024, 1),
                              "baseline_peak_rss_mb": round(base["peak_rss_kib"] / 1024, 1),
                              "modules_rss_mb": round(send["modules_rss_kib"] / 1024, 1)}
            film.unlink()
        short, long = figures["short"], figures["long"]
        assert isinstance(short, dict) and isinstance(long, dict)
        figures["peak_rss_long_vs_short"] = round(long["peak_rss_mb"] / short["peak_rss_mb"], 2)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
