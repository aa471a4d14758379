"""Start the desktop app on a vault (optionally on the demo case, optionally only for a screenshot)."""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import NoReturn

from PySide6.QtCore import QLoggingCategory, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui import qt_supervision
from ui.main_window import MainWindow, add_recent_vault
from ui.qt_unlock_dialog import UnlockDialog
from ui.qt_vault_folder import forget_new_folder
from vigtool.services import lanes
from vigtool.services.demo import ensure_demo_case
from vigtool.services.vault import Vault

STARTED = time.perf_counter()  # when the GUI modules were loaded (the bench times the whole process)
# QtMultimedia's FFmpeg prints every film's container metadata (a title such as "Smith family home visit",
# a phone's location and model) to the terminal, and from there into session logs: it stays quiet.
QUIET_MEDIA_LOGS = "qt.multimedia.ffmpeg*=false"
SCREENSHOT_SIZE = (1440, 900)  # a typical laptop window


def quiet_media_logs() -> None:
    QLoggingCategory.setFilterRules(QUIET_MEDIA_LOGS)


def _unlock(vault_dir: Path, passphrase: str | None, parent: QWidget | None = None) -> Vault | None:
    if passphrase is not None:
        return Vault.open(vault_dir, passphrase, create=True)
    dialog = UnlockDialog(vault_dir, parent)
    if dialog.exec() != UnlockDialog.DialogCode.Accepted or dialog.vault is None:
        return None
    return dialog.vault


def run(vault_dir: Path, passphrase: str | None, *, demo: bool = False, screenshot: str | None = None,
        report_startup: bool = False, end_process: bool = False) -> int:
    """Open the window on the vault; without a passphrase, ask for it (or for a new one) first.

    The window reopens where the practitioner was (film and frame) unless this is the demo or a screenshot.
    File ▸ Open vault switches to another vault: the other is unlocked first, over this one's window, and
    only then is this one closed (a wrong passphrase, then Cancel, leaves the practitioner where she was).
    With `end_process` (the command line's `vigtool gui` and `demo`), the process ends as soon as the last
    window is closed and its vault with it (`leave`), instead of returning the exit code.
    """
    quiet_media_logs()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("vigtool")
    app.setOrganizationName("vigtool")
    assert isinstance(app, QApplication)
    next_vault: list[tuple[Path, Vault]] = []
    code = 0
    unlocked: Vault | None = None
    while True:
        vault = unlocked or _unlock(vault_dir, passphrase)
        if vault is None:
            return 1
        add_recent_vault(vault_dir)
        try:
            demo_case = None
            if demo:
                print(f"Opening the demo case in {vault_dir} …", file=sys.stderr)
                demo_case = ensure_demo_case(vault)
            window = MainWindow(vault, restore_state=screenshot is None)
            window.vault_switch_requested.connect(lambda path, w=window: _switch(next_vault, path, w))
            if screenshot:  # a picture of the window at its full size, whatever screen it is taken on
                window.resize(*SCREENSHOT_SIZE)
            window.show()
            if demo_case is not None:
                window.open_recording(demo_case.recording.id, int(demo_case.recording.rate * 4))
                window.show_first_moment()
            elif screenshot is None:
                window.reopen_last_place()
            if lanes.needs_name(vault) and screenshot is None and not report_startup:  # the first start
                QTimer.singleShot(0, lambda w=window: qt_supervision.ask_name(w, first=True))
            if report_startup:
                _report_when_usable(window)
            if screenshot:
                _screenshot_later(window, screenshot)
            code = app.exec()
        finally:
            vault.close()
        if not next_vault:
            if end_process:
                leave(code)
            return code
        (vault_dir, unlocked), passphrase, demo = next_vault.pop(), None, False


def leave(code: int) -> NoReturn:
    """End the process now: the window has stopped its jobs and the vault is closed, so all that is left is
    the interpreter's teardown, which frees every object one by one — 1–3 s of CPU after the window is gone,
    more on a busy machine (bench/quit.py). Exit handlers still run (temporary folders go). A thread still
    at work (none should be) is waited for the usual way instead."""
    working = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if working:
        sys.exit(code)
    logging.shutdown()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _switch(next_vault: list[tuple[Path, Vault]], path: str, window: MainWindow) -> None:
    """Unlock the vault at `path` while this window stays open; only once it is open, close this one."""
    folder = Path(path)
    if folder.resolve() == window.vault.path.resolve():
        window.statusBar().showMessage("This vault is the one open now.", 5000)
        return
    opened = _unlock(folder, None, window)
    forget_new_folder(folder, vault_made=opened is not None)  # a folder made for it goes again if unused
    if opened is None:
        window.statusBar().showMessage("The other vault was not opened: you are still in this one.", 5000)
        return
    next_vault.append((folder, opened))
    if not window.close():  # the practitioner chose to let a job finish: she stays here
        next_vault.clear()
        opened.close()


def _screenshot_later(window: MainWindow, path: str) -> None:
    def grab() -> None:
        window.grab().save(path)
        print(f"Saved a screenshot to {path}", file=sys.stderr)
        window.close()

    # Long enough for the frame server's first frame and the filmstrip to arrive.
    QTimer.singleShot(1500, grab)


def _report_when_usable(window: MainWindow) -> None:
    """Print the seconds from process start to a window that takes input, then quit (bench/cold_start.py)."""
    def report() -> None:
        print(json.dumps({"usable_after_ui_import_s": round(time.perf_counter() - STARTED, 3),
                          "frame": window.player.frame}), flush=True)
        window.close()

    QTimer.singleShot(0, report)  # runs once the event loop is idle: the window is painted and responsive
