"""Mark ▸ Export marks… and Mark ▸ Import marks…: the window's way to vigtool.services.marks.

Export asks which lanes (all but Suggestions ticked) and where; the file chooser asks before replacing a
file. Both say in the status bar where the file went or what came in, and show every mark that was left out
or clipped; a received film is refused before any file is chosen.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ui.qt_save import ask_open_name, ask_save_name, remember
from vigtool.domain.model import TrackKind
from vigtool.services import sharing
from vigtool.services.marks import READABLE, WRITABLE, MarksError, export_marks, import_marks, refusal

if TYPE_CHECKING:
    from ui.main_window import MainWindow

_EXPORT_FILTERS = ";;".join(f"{name} (*{ext})" for ext, name in WRITABLE.items())
_IMPORT_FILTER = "Marks files (" + " ".join(f"*{ext}" for ext in READABLE) + ")"


class LaneChooser(QDialog):
    """Which lanes go into the file."""

    def __init__(self, lanes: list[tuple[str, int, bool]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export marks")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The marks of these lanes go into the file, with their codes and notes.\n"
                                "The file names the film by a pseudonym only, but it holds your notes about\n"
                                "the family in the clear: keep it where the family's records are kept."))
        self.lanes = QListWidget()
        for name, count, ticked in lanes:
            item = QListWidgetItem(f"{name}  ({count} mark{'' if count == 1 else 's'})")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            self.lanes.addItem(item)
        layout.addWidget(self.lanes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.choose = buttons.addButton("Choose the file…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.lanes.itemChanged.connect(lambda _item: self.choose.setEnabled(bool(self.chosen())))

    def chosen(self) -> list[str]:
        return [str(self.lanes.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.lanes.count())
                if self.lanes.item(i).checkState() == Qt.CheckState.Checked]


def _refused(window: MainWindow, title: str) -> bool:
    ws = window.workspace
    if ws is None:
        window.statusBar().showMessage("Open a film first.", 5000)
        return True
    reason = refusal(window.vault, ws.recording)
    if reason is not None:
        QMessageBox.information(window, title, reason)
        return True
    return False


def export_marks_dialog(window: MainWindow) -> LaneChooser | None:
    if _refused(window, "Marks not exported"):
        return None
    ws = window.workspace
    assert ws is not None
    chooser = LaneChooser([(t.name, len(ws.layer.on_track(t.id)), t.kind is not TrackKind.SUGGESTIONS)
                           for t in ws.layer.tracks], window)
    if chooser.exec() != QDialog.DialogCode.Accepted:
        return chooser
    film = Path(sharing.shown_name(window.vault, ws.recording)).stem  # as the file names the film inside
    chosen, chosen_filter = ask_save_name(window, "marks", "Export marks", f"marks of {film}.eaf", _EXPORT_FILTERS)
    if chosen is None:
        return chooser
    out = chosen
    if not out.suffix:  # the chosen filter says which format
        out = out.with_suffix(chosen_filter.rsplit("*", 1)[-1].rstrip(")"))
    try:
        # The file chooser has already asked before replacing a file of that name.
        done = export_marks(window.vault, ws.recording, out, tracks=chooser.chosen(), overwrite=True)
    except (MarksError, ValueError, OSError) as exc:
        QMessageBox.warning(window, "Marks not exported", str(exc))
        return chooser
    remember("marks", out, saved=False)  # notes in the clear: not where the family's copies go
    window.statusBar().showMessage(f"Wrote {done.marks} mark(s) to {done.path} ({done.format}). It holds notes "
                                   "about the family in the clear: keep it safe.", 15000)
    return chooser


def import_marks_dialog(window: MainWindow, path: Path | None = None) -> None:
    if _refused(window, "Marks not imported"):
        return
    ws = window.workspace
    assert ws is not None
    if path is None:
        opened = ask_open_name(window, "marks in", "Import marks", _IMPORT_FILTER)
        if opened is None:
            return
        path = opened
    try:
        result = import_marks(ws, window.vault, path)
    except (MarksError, ValueError, OSError) as exc:
        QMessageBox.warning(window, "Marks not imported", str(exc))
        return
    window.statusBar().showMessage(f"Imported {result.summary()} from {path.name}. Ctrl+Z takes the whole "
                                   "import back.", 15000)
    if result.problems:
        QMessageBox.information(window, "Marks imported, with notes",
                                f"Imported {result.summary()}.\n\nLeft out or changed:\n• "
                                + "\n• ".join(result.problems[:30])
                                + (f"\n… and {len(result.problems) - 30} more" if len(result.problems) > 30 else ""))
