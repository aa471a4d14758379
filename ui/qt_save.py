"""Save dialogs that open where the practitioner saved that kind of file last, proposing a name not taken
there (vigtool.services.session.SaveFolders decides both; this only asks Qt's file chooser)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

from vigtool.services.session import SaveFolders


def app_settings() -> QSettings:
    return QSettings("vigtool", "vigtool")


def save_folders() -> SaveFolders:
    return SaveFolders(app_settings())


def proposal(kind: str, name: str) -> Path:
    """Where a file of `kind` called `name` would go: the last folder of that kind, a name not taken there."""
    return save_folders().proposal(kind, name)


def remember(kind: str, path: Path, *, saved: bool = True) -> None:
    save_folders().remember(kind, path, saved=saved)


def ask_save_name(parent: QWidget, kind: str, caption: str, name: str, file_filter: str) -> tuple[Path | None, str]:
    """The file chooser on the proposal; the chosen file and filter (None if she cancelled). Its folder is
    remembered for `kind` once something is saved there (`remember`), not merely chosen."""
    chosen, chosen_filter = QFileDialog.getSaveFileName(parent, caption, str(proposal(kind, name)), file_filter)
    return (Path(chosen) if chosen else None), chosen_filter


def ask_open_name(parent: QWidget, kind: str, caption: str, file_filter: str) -> Path | None:
    """The file chooser for a file to read, in the folder such files came from last (remembered at once)."""
    chosen, _ = QFileDialog.getOpenFileName(parent, caption, str(save_folders().folder(kind)), file_filter)
    if not chosen:
        return None
    save_folders().remember(kind, Path(chosen), saved=False)
    return Path(chosen)


def ask_folder(parent: QWidget, kind: str, caption: str) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, caption, str(save_folders().folder(kind)))
    return Path(chosen) if chosen else None
