"""The window's menus and keyboard shortcuts; every shortcut is a menu action, so the menus teach them,
and the cheat sheet (F1) is made from the same actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QLabel, QMenu, QScrollArea, QVBoxLayout

from ui import qt_agreement, qt_marks, qt_supervision
from ui.qt_vault_folder import ask_vault_folder
from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Actor
from vigtool.domain.undo import UndoStack
from vigtool.services.lanes import ReadOnlyLaneError

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class WindowActions:
    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self.menus: list[QMenu] = []
        self.code_actions: list[QAction] = []
        self.film_actions: list[QAction] = []  # what needs a film open: disabled until one is
        self._file_and_edit()
        self._playback()
        self._mark_and_view()

    def _file_and_edit(self) -> None:
        w = self.w
        bar = w.menuBar()
        file_menu = self._menu(bar.addMenu("&File"))
        self.add(file_menu, "&Import films…", "Ctrl+I", w.importing.import_dialog)
        self.recent_menu = file_menu.addMenu("Open &recent vault")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.add(file_menu, "&Open vault…", "Ctrl+O", self._open_vault)
        file_menu.addSeparator()
        self.add(file_menu, "&Export clip…", "Ctrl+E", w.sharing.export_clip_dialog, film=True)
        self.add(file_menu, "Export &still…", "Ctrl+Shift+E", w.sharing.export_still_dialog, film=True)
        self.add(file_menu, "&Present the shared review…", "F5", w.sharing.present_review, film=True)
        self.add(file_menu, "Review &handout…", "Ctrl+P", w.sharing.handout_dialog, film=True)
        self.add(file_menu, "Save the review as an encrypted pac&kage…", "Ctrl+Shift+S",
                 w.sharing.package_review_dialog, film=True)
        self.add(file_menu, "Open a packa&ge…", "Ctrl+Shift+O", w.sharing.open_package_dialog)
        self.add(file_menu, "Co&nsent for this film…", "Ctrl+Shift+K", w.sharing.consent_dialog, film=True)
        self.add(file_menu, "&Training pack from the chosen clip…", "Ctrl+Shift+L", w.sharing.training_dialog,
                 film=True)
        file_menu.addSeparator()
        self.add(file_menu, "Send for super&vision…", "Ctrl+Shift+U", lambda: qt_supervision.send_for_supervision(w),
                 film=True)
        self.add(file_menu, "Send my supervision co&mments…", "Ctrl+Shift+M", lambda: qt_supervision.send_comments(w),
                 film=True)
        self.add(file_menu, "Supervision &partners…", "", lambda: qt_supervision.show_partners(w))
        self.add(file_menu, "Your &name…", "", lambda: qt_supervision.ask_name(w))
        file_menu.addSeparator()
        self.add(file_menu, "&Quit", QKeySequence(QKeySequence.StandardKey.Quit), w.close)

        edit = self._menu(bar.addMenu("&Edit"))
        self.undo = self.add(edit, "&Undo", "Ctrl+Z", w.undo)
        self.redo = self.add(edit, "&Redo", "Ctrl+Shift+Z", w.redo)
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit.addSeparator()
        self.add(edit, "&Copy marks", "Ctrl+C", w.marking.copy_selected, film=True)
        self.add(edit, "&Paste marks at the playhead", "Ctrl+V", w.marking.paste, film=True)
        self.add(edit, "&Delete marks", "Delete", w.marking.delete_selected, film=True)

    def _playback(self) -> None:
        w, player = self.w, self.w.player
        play = self._menu(w.menuBar().addMenu("&Playback"))
        self.add(play, "Play / pause", "Space", player.toggle_play, film=True)
        self.add(play, "Play backwards (again: faster)", "J", lambda: player.shuttle("J"), film=True)
        self.add(play, "Pause", "K", lambda: player.shuttle("K"), film=True)
        self.add(play, "Play (again: faster)", "L", lambda: player.shuttle("L"), film=True)
        play.addSeparator()
        self.add(play, "Previous frame", "Left", lambda: player.step(-1), film=True)
        self.add(play, "Next frame", "Right", lambda: player.step(1), film=True)
        self.add(play, "Back one second", "Shift+Left", lambda: player.step(-self._fps()), film=True)
        self.add(play, "On one second", "Shift+Right", lambda: player.step(self._fps()), film=True)
        self.add(play, "To the start", "Home", lambda: player.show_frame(0), film=True)
        self.add(play, "To the end", "End", lambda: player.show_frame(10**9), film=True)
        play.addSeparator()
        self.add(play, "Set in", "I", w.marking.set_in, film=True)
        self.add(play, "Set out", "O", w.marking.set_out, film=True)
        self.add(play, "Clear in and out", "Ctrl+Shift+X", w.marking.clear_marks, film=True)
        # Only with both marks set, like the player's own box (toggling a disabled box would still tick it).
        self.loop = self.add(play, "Loop between in and out", "Ctrl+L", player.loop_box.toggle)

    def _mark_and_view(self) -> None:
        w, timeline, bar = self.w, self.w.timeline, self.w.menuBar()
        self.mark_menu = self._menu(bar.addMenu("&Mark"))
        self.turn_mode = self.add(self.mark_menu, "&Turn-taking mode", "T", None, film=True)
        self.turn_mode.setCheckable(True)
        self.turn_mode.toggled.connect(w.marking.set_turn_mode)
        self.add(self.mark_menu, "Turn by the baby", "B", lambda: w.marking.mark_turn(Actor.INFANT), film=True)
        self.add(self.mark_menu, "Turn by the parent", "P", lambda: w.marking.mark_turn(Actor.PARENT), film=True)
        self.add(self.mark_menu, "End the chain", "Escape", w.marking.end_chain, film=True)
        self.mark_menu.addSeparator()
        self.add(self.mark_menu, "Make a &clip from in to out", "C", w.marking.make_clip, film=True)
        self.add(self.mark_menu, "Make a &still of this frame", "S", w.marking.make_still, film=True)
        self.add(self.mark_menu, "Pause the clip's review &here", "Shift+K", w.marking.set_key_instant, film=True)
        self.mark_menu.addSeparator()
        self.add(self.mark_menu, "S&uggest turn-taking from the sound", "Ctrl+Shift+A", w.marking.suggest_turns,
                 film=True)
        # Enter belongs to the timeline only: in a note or a prompt it must stay a new line.
        accept = self.add(self.mark_menu, "Accept the chosen suggestion", "Return", w.marking.accept_suggestions,
                          film=True)
        accept.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        w.removeAction(accept)
        timeline.addAction(accept)
        self.mark_menu.addSeparator()
        self.add(self.mark_menu, "E&xport marks (ELAN, BORIS, table, WebVTT, OTIO)…", "",
                 lambda: qt_marks.export_marks_dialog(w), film=True)
        self.add(self.mark_menu, "I&mport marks…", "", lambda: qt_marks.import_marks_dialog(w), film=True)
        self.mark_menu.addSeparator()
        self.codes_menu = self.mark_menu.addMenu("Mark with a code (Shift: over in–out)")
        self.film_actions.append(self.codes_menu.menuAction())  # the submenu too, not only its codes

        view = self._menu(bar.addMenu("&View"))
        self.add(view, "Zoom in", "Ctrl+=", lambda: timeline.zoom_by(1.6), film=True)
        self.add(view, "Zoom out", "Ctrl+-", lambda: timeline.zoom_by(1 / 1.6), film=True)
        self.add(view, "The whole film", "Ctrl+0", timeline.zoom_fit, film=True)
        self.add(view, "Frame by frame", "Ctrl+1", timeline.zoom_frames, film=True)
        view.addSeparator()
        for dock in w.findChildren(QDockWidget):
            view.addAction(dock.toggleViewAction())
        self.add(view, "Add a track…", "Ctrl+Shift+T", timeline.headers.add_track, film=True)
        self.add(view, "A&greement between two coders…", "Ctrl+Shift+G", lambda: qt_agreement.show_agreement(w),
                 film=True)

        help_menu = self._menu(bar.addMenu("&Help"))
        self.add(help_menu, "&Keyboard shortcuts", "F1", self.show_cheat_sheet)

    def _menu(self, menu: QMenu) -> QMenu:
        self.menus.append(menu)
        return menu

    def add(self, menu: QMenu, text: str, key: str | QKeySequence, slot: Callable[[], object] | None, *,
            film: bool = False) -> QAction:
        """`film`: the action works on the open film, so it is disabled while none is open."""
        action = QAction(text, self.w)
        if film:
            self.film_actions.append(action)
            action.setEnabled(self.w.workspace is not None)
        action.setShortcut(QKeySequence(key))
        # Window-wide, but text fields still get their own letters (they claim them as shortcut overrides).
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: self._run(slot))
        menu.addAction(action)
        self.w.addAction(action)
        return action

    def _run(self, slot: Callable[[], object]) -> None:
        try:
            slot()
        except ReadOnlyLaneError as exc:  # a key or paste aimed at someone else's marks: say so, change nothing
            self.w.statusBar().showMessage(str(exc), 10000)

    def _fps(self) -> int:
        ws = self.w.workspace
        return max(1, round(ws.recording.rate)) if ws is not None else 25

    def rebuild_code_actions(self, book: Codebook) -> None:
        """One action per code with a key: the key marks at the playhead, Shift+key over in–out."""
        self.film_actions = [a for a in self.film_actions if a not in self.code_actions]
        for action in self.code_actions:
            self.w.removeAction(action)
            action.deleteLater()
        self.code_actions = []
        self.codes_menu.clear()
        for code in book.codes:
            if not code.key:
                continue
            for over, prefix in ((False, ""), (True, "Shift+")):
                text = f"{code.label}{' (in–out)' if over else ''}"
                action = self.add(self.codes_menu, text, prefix + code.key, self._marker(code.id, over), film=True)
                self.code_actions.append(action)

    def refresh_film_state(self) -> None:
        """Film actions (and the player's buttons) enabled only while a film is open; looping only with both
        an in and an out mark on it."""
        film = self.w.workspace is not None
        for action in self.film_actions:
            action.setEnabled(film)
        for control in self.w.player.controls[:4]:  # back, play, forward, speed
            control.setEnabled(film)
        in_frame, out_frame = self.w.marks.pair()
        loop = film and in_frame is not None and out_frame is not None
        self.w.player.loop_box.setEnabled(loop)
        self.loop.setEnabled(loop)

    def _marker(self, code_id: str, over_marks: bool) -> Callable[[], None]:
        return lambda: self.w.marking.mark_code(code_id, over_marks=over_marks)

    def refresh_undo(self, stack: UndoStack | None = None) -> None:
        """Undo and Redo say what they take back: the film's last change, or in the Families panel the last
        family change (both stacks keep the actions enabled: which one applies depends on the focus)."""
        ws, families = self.w.workspace, self.w.families.families.undo_stack
        stack = stack or (ws.undo_stack if ws is not None else None)
        if self.w.cases.hasFocus() or stack is None:
            stack, other = families, stack
        else:
            other = families
        self.undo.setEnabled(stack.can_undo or (other is not None and other.can_undo))
        self.undo.setText(f"&Undo {stack.undo_text}" if stack.can_undo else "&Undo")
        self.redo.setEnabled(stack.can_redo or (other is not None and other.can_redo))
        self.redo.setText(f"&Redo {stack.redo_text}" if stack.can_redo else "&Redo")

    def _fill_recent(self) -> None:
        from ui.main_window import recent_vaults  # noqa: PLC0415 - avoids an import cycle

        self.recent_menu.clear()
        for path in recent_vaults():
            self.recent_menu.addAction(path, self._switcher(path))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("No other vaults yet").setEnabled(False)

    def _switcher(self, path: str) -> Callable[[], None]:
        return lambda: self.w.vault_switch_requested.emit(path)

    def _open_vault(self) -> None:
        # Beside the vault open now: where a practitioner keeps her vaults (not the app's working folder).
        folder = ask_vault_folder(self.w, self.w.vault.path.parent)
        if folder is not None:
            self.w.vault_switch_requested.emit(str(folder))

    def cheat_sheet_html(self) -> str:
        sections = []
        for menu in [*self.menus, self.codes_menu]:
            rows = "".join(
                f"<tr><td style='padding-right:18px'><b>{a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}"
                f"</b></td><td>{a.text().replace('&', '')}</td></tr>"
                for a in menu.actions() if not a.shortcut().isEmpty())
            if rows:
                sections.append(f"<h3>{menu.title().replace('&', '')}</h3><table>{rows}</table>")
        return "".join(sections)

    def show_cheat_sheet(self) -> None:
        dialog = QDialog(self.w)
        dialog.setWindowTitle("Keyboard shortcuts")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        label = QLabel(self.cheat_sheet_html())
        label.setTextFormat(Qt.TextFormat.RichText)
        area = QScrollArea()
        area.setWidget(label)
        layout = QVBoxLayout(dialog)
        layout.addWidget(area)
        dialog.resize(560, 700)
        dialog.show()
