"""Run by test_crash_safety in a child process: the real window, edits made with keys, the state after each.

    python tests/kill_driver.py VAULT RECORDING_ID edit|reopen

`edit` prints one line per finished edit: "EDIT <n> <json of what the window shows>" and waits for a line on
stdin before the next; then "PLACE <frame>" once the place is remembered, and waits to be killed.
`reopen` opens a window the way the app does after a crash and prints "REOPENED <recording id> <frame>".
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

_config = os.environ.get("XDG_CONFIG_HOME", "")
from tests.conftest import open_vault  # noqa: E402 - it points the settings to a test folder of its own

os.environ["XDG_CONFIG_HOME"] = _config  # the parent test's folder: the second run must find the first's place
from ui.main_window import MainWindow  # noqa: E402
from vigtool.services.workspace import Workspace  # noqa: E402


def state(ws: Workspace) -> list[object]:
    annotations = sorted([a.id, a.track_id, a.start, a.end, a.code_id, a.actor and a.actor.value, a.note]
                         for a in ws.layer)
    chains = sorted([c.id, [[link.annotation_id, link.role.value] for link in c.links]] for c in ws.chains.values())
    clips = sorted([c.id, c.range.start, c.range.end] for c in ws.clips.values())
    stills = sorted([s.id, s.frame] for s in ws.stills.values())
    return [annotations, chains, clips, stills]


def main() -> None:
    vault_dir, recording_id, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    app = QApplication(sys.argv[:1])
    app.setOrganizationName("vigtool")
    app.setApplicationName("vigtool")
    vault = open_vault(vault_dir, create=False)
    window = MainWindow(vault, restore_state=False)
    window.show()
    if mode == "reopen":
        window.reopen_last_place()
        ws = window.workspace
        print(f"REOPENED {ws.recording.id if ws else None} {window.player.frame}", flush=True)
        window.close()
        vault.close()
        return
    window.activateWindow()
    QTest.qWaitForWindowActive(window)  # window-wide shortcuts need an active window
    window.open_recording(recording_id)
    ws = window.workspace
    assert ws is not None

    def key(k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
        for _ in range(times):
            QTest.keyClick(window, k, modifier)

    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    edits = [
        lambda: (key(Qt.Key.Key_Right, times=5), key(Qt.Key.Key_3)),
        lambda: key(Qt.Key.Key_Q),
        lambda: (key(Qt.Key.Key_T), key(Qt.Key.Key_B)),
        lambda: (key(Qt.Key.Key_Right, times=8), key(Qt.Key.Key_P)),
        lambda: key(Qt.Key.Key_Z, ctrl),
        lambda: key(Qt.Key.Key_Z, ctrl | shift),
        lambda: window.inspector.note.setPlainText("Baby looks up; mum smiles back"),
        lambda: (window.timeline.select({min(a.id for a in ws.layer)}), key(Qt.Key.Key_Delete)),
        lambda: ws.marks.move([max(a.id for a in ws.layer)], 7),
        lambda: (key(Qt.Key.Key_I), key(Qt.Key.Key_Right, times=10), key(Qt.Key.Key_O), key(Qt.Key.Key_C)),
        lambda: key(Qt.Key.Key_S),
    ]
    for number, edit in enumerate(edits, start=1):
        if number == 7:  # the inspector edits the selected mark
            window.timeline.select({max(a.id for a in ws.layer)})
        edit()
        print(f"EDIT {number} {json.dumps(state(ws))}", flush=True)
        sys.stdin.readline()  # the test says when to go on (or kills us here)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:  # the place is remembered shortly after the last move
        app.processEvents()
        time.sleep(0.02)
    print(f"PLACE {window.player.frame}", flush=True)
    time.sleep(60)  # killed long before this


if __name__ == "__main__":
    main()
