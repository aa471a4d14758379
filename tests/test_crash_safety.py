"""Killing the app (SIGKILL) right after any edit loses nothing, and it reopens where the user was."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Sample, open_vault
from tests.kill_driver import state
from vigtool.services.importing import import_recording
from vigtool.services.workspace import Workspace

DRIVER = Path(__file__).with_name("kill_driver.py")
EDITS = 11


def child_env(config: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config)}


def run_until(vault_dir: Path, recording_id: int, config: Path, stop_after: str) -> list[str]:
    """Start the real window in a child, read its lines until `stop_after` starts one, then SIGKILL it.

    The child waits for a word from us after each edit, so the kill lands right after the edit it reported
    and not, on a busy machine, after the next one too."""
    child = subprocess.Popen([sys.executable, str(DRIVER), str(vault_dir), str(recording_id), "edit"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=child_env(config))
    assert child.stdout is not None and child.stdin is not None
    lines = []
    try:
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith(stop_after):
                break
            if line.startswith("EDIT "):
                child.stdin.write("next\n")
                child.stdin.flush()
    finally:
        child.send_signal(signal.SIGKILL)  # no cleanup, no close: as a crash or a pulled plug
        child.wait()
        child.stdin.close()
        child.stdout.close()
    assert lines and lines[-1].startswith(stop_after), lines
    return lines


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_kill_right_after_an_edit_loses_nothing(tmp_path: Path, samples: dict[str, Sample], seed: int) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording_id = import_recording(vault, samples["h264"].path, "Family A").recording.id
    kill_after = random.Random(seed).randint(1, EDITS)
    lines = run_until(tmp_path / "v", recording_id, tmp_path / "config", f"EDIT {kill_after} ")
    shown = json.loads(lines[-1].split(" ", 2)[2])
    with open_vault(tmp_path / "v", create=False) as vault:
        assert not vault.db.integrity_problems()
        kept = state(Workspace(vault.repo, vault.repo.recordings.get(recording_id)))
    assert json.loads(json.dumps(kept)) == shown  # what the window showed is exactly what the vault holds
    assert shown[0], "the edits made marks"


def test_after_a_crash_the_app_reopens_where_it_was(tmp_path: Path, samples: dict[str, Sample]) -> None:
    with open_vault(tmp_path / "v") as vault:
        recording_id = import_recording(vault, samples["h264"].path, "Family A").recording.id
    config = tmp_path / "config"
    lines = run_until(tmp_path / "v", recording_id, config, "PLACE ")
    frame = int(lines[-1].split()[1])
    assert frame > 0
    reopened = subprocess.run([sys.executable, str(DRIVER), str(tmp_path / "v"), "0", "reopen"],
                              capture_output=True, text=True, env=child_env(config), timeout=120, check=True)
    assert f"REOPENED {recording_id} {frame}" in reopened.stdout
