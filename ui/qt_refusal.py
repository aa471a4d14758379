"""Asks vigtool.services.sharing whether films may be used for something, before any file is chosen.

The rule itself lives in the services (the CLI asks the same function); this only shows its answer, in
its own words, so that nobody picks a file name for something that will be refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from vigtool.domain.model import Recording
from vigtool.services import sharing
from vigtool.services.vault import Vault


def refused(parent: QWidget, vault: Vault, recordings: Iterable[Recording], use: sharing.Use, *,
            standing_only: bool = False) -> bool:
    """True (after saying why, in a message box over `parent`) if any of `recordings` may not be used for
    `use`. The box does not block (not even window-modal): the window goes on, and its status bar says it too.
    With `standing_only`, only what no consent can lift counts (a film sent to you, a changed record): for
    dialogs that list several films and show each one's consent themselves."""
    for recording in recordings:
        found = (sharing.standing_refusal(vault, recording) if standing_only
                 else sharing.refusal_of(vault, recording, use))
        if found is not None:
            why = found.reason + (" (File ▸ Consent for this film)" if found.consent_can_lift else "")
            box = QMessageBox(QMessageBox.Icon.Information, f"No {use.plain}", why, QMessageBox.StandardButton.Ok,
                              parent)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.show()
            status_bar = getattr(parent, "statusBar", None)
            if callable(status_bar):
                status_bar().showMessage(f"No {use.plain}: {why}", 15000)
            return True
    return False


def replace_asked(parent: QWidget, out: Path) -> bool | None:
    """Whether writing `out` replaces a file: False (there is none), True (the user said replace it), or
    None (the user said keep it; nothing is to be written)."""
    if not out.exists():
        return False
    answer = QMessageBox.question(parent, "Replace the file?", f"{out} already exists. Replace it?")
    return True if answer == QMessageBox.StandardButton.Yes else None
