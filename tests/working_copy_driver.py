"""Run by test_working_copy in a child process: makes a working copy in pieces and waits to be killed mid-way.

    python tests/working_copy_driver.py VAULT RECORDING_ID PIECE_FRAMES STOP_AT

Prints "SEALED <n>" when piece n is sealed and "FRAME <n>" as each frame is encoded; after frame STOP_AT it
prints "WAITING" and waits (with a piece half made, in a temp file) to be killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import open_vault
from vigtool.services.working_copy import make_working_copy


def main() -> None:
    vault_dir, recording_id, piece_frames, stop_at = Path(sys.argv[1]), *map(int, sys.argv[2:5])
    vault = open_vault(vault_dir, create=False)
    recording = vault.repo.recordings.get(recording_id)

    def progress(done: int, _total: int) -> None:
        print(f"FRAME {done}", flush=True)
        if done == stop_at:
            print("WAITING", flush=True)
            time.sleep(120)  # killed long before this

    make_working_copy(vault, recording, progress, piece_frames=piece_frames,
                      piece_sealed=lambda n: print(f"SEALED {n}", flush=True))
    print("MADE", flush=True)


if __name__ == "__main__":
    main()
