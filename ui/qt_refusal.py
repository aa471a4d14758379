"""Asks vigtool.services.sharing whether films may be used for something, before any file is chosen.

The rule itself lives in the services (the CLI asks the same function); this only shows its answer, in
its own words, so that nobody picks a file name for something that will be refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QMessageBox, QWidget

from vigtool.domain.model import Recording
from vigtool.services import sharing
from vigtool.services.vault import Vault


def refused(parent: QWidget, vault: Vault, recordings: Iterable[Recording], use: sharing.Use) -> bool:
    """True (after saying why, in a message box) if any of `recordings` may not be used for `use`."""
    for recording in recordings:
        why = sharing.refusal(vault, recording, use)
        if why is not None:
            QMessageBox.information(parent, f"No {use.plain}", why)
            return True
    return False
