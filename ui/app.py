"""Start the desktop app on a vault (optionally on the demo case, optionally only for a screenshot)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.main_window import MainWindow
from ui.qt_unlock_dialog import UnlockDialog
from vigtool.services.demo import ensure_demo_case
from vigtool.services.vault import Vault


def run(vault_dir: Path, passphrase: str | None, *, demo: bool = False, screenshot: str | None = None) -> int:
    """Open the window on the vault; without a passphrase, ask for it (or for a new one) first."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("vigtool")
    app.setOrganizationName("vigtool")
    if passphrase is not None:
        vault = Vault.open(vault_dir, passphrase, create=True)
    else:
        dialog = UnlockDialog(vault_dir)
        if dialog.exec() != UnlockDialog.DialogCode.Accepted or dialog.vault is None:
            return 1
        vault = dialog.vault
    demo_case = None
    if demo:
        print(f"Opening the demo case in {vault_dir} …", file=sys.stderr)
        demo_case = ensure_demo_case(vault)
    window = MainWindow(vault, restore_state=screenshot is None)
    window.show()
    if demo_case is not None:
        window.open_recording(demo_case.recording.id)
        window.video.show_frame(int(demo_case.recording.rate * 3))
    if screenshot:
        def grab() -> None:
            window.grab().save(screenshot)
            print(f"Saved a screenshot to {screenshot}", file=sys.stderr)
            window.close()
        QTimer.singleShot(300, grab)
    try:
        return app.exec()
    finally:
        vault.close()
