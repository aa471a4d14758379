"""Import throughput, memory and filmstrip speed of the encrypted vault. Prints one JSON document.

    python bench/import_throughput.py [--keep DIR]

Figures (the machines are noisy: compare ratios measured in the same run, never absolute times):
- `import_vs_baseline`: importing a ≥ 500 MB phone-like film (1080p, index at the end) against a plain
  copy + SHA-256 + AES-256-GCM of the same file written and fsynced next to it. Target ≤ 1.3.
- `import_peak_rss_mb`: peak resident memory of a process doing just that import. Target ≤ 200 MB;
  `python_with_modules_rss_mb` is the same process before importing anything, for scale.
- `thumbnails_s`: building the filmstrip of a 10-minute 1080p film from the vault. Target ≤ 3 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.keys import KdfParams
from vigtool.services.previews import build_previews
from vigtool.services.vault import Vault
from vigtool.synth.generator import RecordingSpec, loop_recording, render

PASSPHRASE = "benchmark vault passphrase"  # noqa: S105 - a throwaway vault
CHUNK = 1 << 20

CHILD = """
import json, resource, sys, time
from pathlib import Path
from vigtool.services.importing import import_recording
from vigtool.services.vault import Vault
def high_water_kib():
    # VmHWM belongs to this process image; ru_maxrss would include the parent's, inherited through fork.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before = high_water_kib()
vault = Vault.open(Path(sys.argv[1]), sys.argv[3])
started = time.perf_counter()
result = import_recording(vault, Path(sys.argv[2]), "Bench family")
elapsed = time.perf_counter() - started
vault.close()
print(json.dumps({"import_s": elapsed, "modules_rss_kib": before, "peak_rss_kib": high_water_kib(),
                  "frames": result.recording.frame_count}))
"""


def baseline(source: Path, folder: Path) -> float:
    """Copy + SHA-256 + AES-GCM in 1 MiB chunks, written and fsynced: the least any encrypted import does."""
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    digest = hashlib.sha256()
    out_path = folder / "baseline.bin"
    started = time.perf_counter()
    with source.open("rb", buffering=0) as src, out_path.open("wb") as out:
        index = 0
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(aead.encrypt(index.to_bytes(12, "big"), chunk, None))
            index += 1
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - started
    out_path.unlink()
    return elapsed


def timed_import(vault_dir: Path, film: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS KiB of the importing process, RSS KiB with modules loaded) in a fresh process."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(vault_dir), str(film), PASSPHRASE],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    if child.wait() != 0:
        raise SystemExit(f"the import failed: {output}")
    figures = json.loads(output)
    return figures["import_s"], figures["peak_rss_kib"], figures["modules_rss_kib"]


def make_films(folder: Path) -> tuple[Path, Path, float]:
    started = time.perf_counter()
    if (folder / "phone-500mb.mp4").exists() and (folder / "ten-minutes.mp4").exists():  # --keep from before
        return folder / "phone-500mb.mp4", folder / "ten-minutes.mp4", 0.0
    # Sensor grain gives a phone's bitrate (~50 Mbit/s); 4 loops of 20 s make ~500 MB.
    dense = folder / "dense-20s.mp4"
    render(RecordingSpec(duration=20, width=1920, height=1080, grain=6, crf=20, seed=3), dense)
    big = folder / "phone-500mb.mp4"
    loop_recording(dense, big, 4, faststart=False)
    light = folder / "light-20s.mp4"
    render(RecordingSpec(duration=20, width=1920, height=1080, grain=3, crf=20, seed=4), light)
    ten_minutes = folder / "ten-minutes.mp4"
    loop_recording(light, ten_minutes, 30, faststart=False)
    return big, ten_minutes, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the films")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="vigtool-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    big, ten_minutes, render_s = make_films(folder)
    vault_dir = folder / "vault"
    if not Vault.exists(vault_dir):
        Vault.create(vault_dir, PASSPHRASE, KdfParams()).close()
    with big.open("rb") as warm:  # the page cache warm for both sides alike (in chunks: RSS stays small)
        while warm.read(CHUNK):
            pass
    base = [baseline(big, folder)]
    imports = []
    for _round in range(2):
        with Vault.open(vault_dir, PASSPHRASE) as vault:
            for recording in vault.repo.recordings.list():
                vault.delete_recording(recording)
        imports.append(timed_import(vault_dir, big))
        base.append(baseline(big, folder))
    import_s, peak_kib, modules_kib = min(imports)
    timed_import(vault_dir, ten_minutes)
    with Vault.open(vault_dir, PASSPHRASE) as vault:
        recording = next(r for r in vault.repo.recordings.list() if r.source_name == ten_minutes.name)
        started = time.perf_counter()
        built = build_previews(vault, recording)
        previews_s = time.perf_counter() - started
        started = time.perf_counter()
        with vault.open_film(recording) as film:
            from vigtool.media.previews import make_filmstrip  # noqa: PLC0415 - timed on its own

            make_filmstrip(film, vault.repo.recordings.frame_index(recording.id), recording.rotation,
                           recording.source_name)
        thumbnails_s = time.perf_counter() - started
    print(json.dumps({
        "film_mb": round(big.stat().st_size / 1e6, 1),
        "render_s": round(render_s, 1),
        "baseline_copy_sha256_aesgcm_s": round(min(base), 3),
        "import_s": round(import_s, 3),
        "import_vs_baseline": round(import_s / min(base), 2),
        "import_peak_rss_mb": round(peak_kib / 1024, 1),
        "python_with_modules_rss_mb": round(modules_kib / 1024, 1),
        "ten_minute_film_mb": round(ten_minutes.stat().st_size / 1e6, 1),
        "thumbnails": built.thumbnails,
        "thumbnails_s": round(thumbnails_s, 2),
        "filmstrip_and_sound_wave_s": round(previews_s, 2),
    }, indent=2))


if __name__ == "__main__":
    main()
