"""How closely two coders of a film agree: her marks and mine (any lanes each), the figures per code and
overall in plain sentences, the moments where the two differ (click one to go to it), the table of codes
against codes, and a CSV file of it all.

Thin over `vigtool.services.agreement`: this dialog chooses the lanes and shows what the service says.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.qt_save import ask_save_name, remember
from vigtool.domain.agreement import NONE, CodeFigures
from vigtool.domain.model import Recording, Track
from vigtool.services import agreement, sharing
from vigtool.services.agreement import Coder, Report
from vigtool.services.lanes import People, lane_labels
from vigtool.services.vault import Vault

if TYPE_CHECKING:
    from ui.main_window import MainWindow

AGREE_COLOUR = "#dcefdc"  # the cells where both say the same: a quiet green
HEADER_CHARS = 18  # longer code names are elided in the table's headers (the whole name is the tooltip)
SLICES = (("1 frame", Fraction(0)), ("½ second", Fraction(1, 2)), ("1 second", Fraction(1)),
          ("2 seconds", Fraction(2)))
WITHIN = (("only when they overlap", Fraction(0)), ("¼ second", Fraction(1, 4)), ("½ second", Fraction(1, 2)),
          ("1 second", Fraction(1)))


def _elided(text: str, chars: int = HEADER_CHARS) -> str:
    return text if len(text) <= chars else text[:chars - 1].rstrip() + "…"


def _cell(text: str, tooltip: str = "", *, centre: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tooltip:
        item.setToolTip(tooltip)
    if centre:
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    return item


class AgreementDialog(QDialog):
    """Her marks against mine on one film: moments matched, kappa over time slices, per code and overall."""

    seek_requested = Signal(int)

    def __init__(self, vault: Vault, recording: Recording, tracks: list[Track], who: People,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.recording, self.tracks, self.people = vault, recording, tracks, who
        self.labels = lane_labels(tracks, who)
        self.report: Report | None = None
        self.setWindowTitle(f"Agreement — {sharing.shown_name(vault, recording)}")
        layout = QVBoxLayout(self)
        self._choices(layout)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.per_code = self._table(["Code", "", "", "Alike", "Share alike", "Kappa"])
        self.per_code.itemSelectionChanged.connect(self._explain_code)
        self.explained = QLabel("Choose a code to read what its figures mean.")
        self.explained.setWordWrap(True)
        codes_page = QWidget()
        codes_layout = QVBoxLayout(codes_page)
        codes_layout.addWidget(self.per_code, 1)
        codes_layout.addWidget(self.explained)
        self.tabs.addTab(codes_page, "Per code")
        self.differences = self._table(["Time", "", ""])
        self.differences.cellClicked.connect(lambda row, _column: self._go_to(row))
        self.tabs.addTab(self.differences, "Where you differ")
        self.matrix = QTableWidget()
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix_caption = QLabel()
        self.matrix_caption.setWordWrap(True)
        matrix_page = QWidget()
        matrix_layout = QVBoxLayout(matrix_page)
        matrix_layout.addWidget(self.matrix_caption)
        matrix_layout.addWidget(self.matrix, 1)
        self.tabs.addTab(matrix_page, "Codes against codes")
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = QPushButton("Save as CSV…")
        self.export_button.clicked.connect(lambda _checked=False: self.save_csv())
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        for lanes in (self.lanes_a, self.lanes_b):
            lanes.itemChanged.connect(lambda _item: self.refresh())
        for combo in (self.slice, self.within):
            combo.currentIndexChanged.connect(lambda _index: self.refresh())
        self.resize(780, 640)
        self.refresh()

    # -- building ----------------------------------------------------------------------------------
    def _choices(self, layout: QVBoxLayout) -> None:
        first, second = agreement.default_coders(self.tracks, self.people)
        choose = QGridLayout()
        self.lanes_a, self.lanes_b = self._lane_list(first), self._lane_list(second)
        choose.addWidget(QLabel("<b>Her marks</b> — the lanes of one coder:"), 0, 0)
        choose.addWidget(QLabel("<b>Mine</b> — the lanes of the other:"), 0, 1)
        choose.addWidget(self.lanes_a, 1, 0)
        choose.addWidget(self.lanes_b, 1, 1)
        layout.addLayout(choose)
        options = QHBoxLayout()
        self.slice = self._combo(SLICES, 2)
        self.within = self._combo(WITHIN, 2)
        options.addWidget(QLabel("Kappa over slices of"))
        options.addWidget(self.slice)
        options.addSpacing(16)
        options.addWidget(QLabel("Marks count as one moment within"))
        options.addWidget(self.within)
        options.addStretch(1)
        layout.addLayout(options)

    def _lane_list(self, chosen: Coder) -> QListWidget:
        lanes = QListWidget()
        lanes.setMaximumHeight(110)
        for track in self.tracks:
            item = QListWidgetItem(self.labels[track.id])
            item.setToolTip(self.labels[track.id])
            item.setData(Qt.ItemDataRole.UserRole, track.id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if track.id in chosen.track_ids else Qt.CheckState.Unchecked)
            lanes.addItem(item)
        return lanes

    @staticmethod
    def _combo(choices: tuple[tuple[str, Fraction], ...], current: int) -> QComboBox:
        combo = QComboBox()
        for text, value in choices:
            combo.addItem(text, value)
        combo.setCurrentIndex(current)
        return combo

    @staticmethod
    def _table(columns: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(columns))
        table.setHorizontalHeaderLabels(columns)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return table

    def chosen(self, lanes: QListWidget) -> tuple[int, ...]:
        return tuple(int(lanes.item(k).data(Qt.ItemDataRole.UserRole)) for k in range(lanes.count())
                     if lanes.item(k).checkState() == Qt.CheckState.Checked)

    def _coder(self, track_ids: tuple[int, ...], other: tuple[int, ...]) -> Coder:
        """Named after the person whose lanes these all are, unless the other side's are hers too."""
        owners = {t.owner for t in self.tracks if t.id in track_ids}
        theirs = {t.owner for t in self.tracks if t.id in other}
        if len(owners) == 1 and owners != theirs:
            return Coder(self.people.name_of(next(iter(owners))), track_ids)
        return Coder(" + ".join(self.labels[i] for i in track_ids), track_ids)

    # -- showing -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        a_ids, b_ids = self.chosen(self.lanes_a), self.chosen(self.lanes_b)
        if not a_ids or not b_ids:
            self.report = None
            self.summary.setText("Tick at least one lane on each side.")
            self._clear()
            return
        a, b = self._coder(a_ids, b_ids), self._coder(b_ids, a_ids)
        self.report = agreement.agreement(self.vault, self.recording, a, b, slice_seconds=self.slice.currentData(),
                                          within_seconds=self.within.currentData())
        report = self.report
        overall = report.result.overall
        self.summary.setText(f"<b>{report.moments_sentence(overall)}</b><br>{report.kappa_sentence(overall)}")
        self._fill_codes(report)
        self._fill_differences(report)
        self._fill_matrix(report)

    def _clear(self) -> None:
        for table in (self.per_code, self.differences, self.matrix):
            table.setRowCount(0)
        self.matrix.setColumnCount(0)

    def _fill_codes(self, report: Report) -> None:
        table = self.per_code
        table.setHorizontalHeaderLabels(["Code", _elided(report.a.name), _elided(report.b.name), "Alike",
                                         "Share alike", "Kappa"])
        for column, name in ((1, report.a.name), (2, report.b.name)):
            header = table.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(f"Moments {name} marked with the code")
        rows = [*report.result.codes, report.result.overall]
        table.setRowCount(len(rows))
        for row, figures in enumerate(rows):
            name = report.code_name(figures.code) if figures.code else "All codes"
            said = f"{report.moments_sentence(figures)}\n{report.kappa_sentence(figures)}"
            value = figures.kappa.value
            cells = [name, str(figures.a), str(figures.b), str(figures.alike),
                     "—" if figures.share is None else f"{float(figures.share):.0%}",
                     "not defined" if value is None else f"{value:.2f}"]
            for column, text in enumerate(cells):
                table.setItem(row, column, _cell(text, said, centre=column > 0))
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if rows:
            table.selectRow(len(rows) - 1)

    def _explain_code(self) -> None:
        report, row = self.report, self.per_code.currentRow()
        rows: list[CodeFigures] = [*report.result.codes, report.result.overall] if report else []
        if report is None or not 0 <= row < len(rows):
            return
        figures = rows[row]
        name = report.code_name(figures.code) if figures.code else "All codes"
        self.explained.setText(f"<b>{name}</b>: {report.moments_sentence(figures)} {report.kappa_sentence(figures)}")

    def _fill_differences(self, report: Report) -> None:
        table = self.differences
        table.setHorizontalHeaderLabels(["Time", report.a.name, report.b.name])
        pairs = report.result.differences
        table.setRowCount(len(pairs))
        for row, pair in enumerate(pairs):
            table.setItem(row, 0, _cell(report.time_of(pair)[3:], "Click to go to this moment"))
            for column, code in enumerate(pair.codes(), start=1):
                name = report.code_name(code)
                table.setItem(row, column, _cell(name if code != NONE else "— not marked —", name))
        for column in (1, 2):
            table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tabs.setTabText(1, f"Where you differ ({len(pairs)})")

    def _go_to(self, row: int) -> None:
        if self.report is not None and 0 <= row < len(self.report.result.differences):
            self.seek_requested.emit(self.report.result.differences[row].start)

    def _fill_matrix(self, report: Report) -> None:
        """Moments by her code (rows) and mine (columns), both in the same order and "not marked" last, so
        that what you agree on runs down the diagonal."""
        confusion = report.result.confusion()
        order = [f.code for f in report.result.codes] + [NONE]
        table = self.matrix
        table.clear()
        table.setRowCount(len(order))
        table.setColumnCount(len(order))
        for k, code in enumerate(order):
            name = report.code_name(code)
            row_header, column_header = QTableWidgetItem(_elided(name)), QTableWidgetItem(_elided(name))
            row_header.setToolTip(f"{report.a.name}: {name}")
            column_header.setToolTip(f"{report.b.name}: {name}")
            table.setVerticalHeaderItem(k, row_header)
            table.setHorizontalHeaderItem(k, column_header)
        for i, mine in enumerate(order):
            for j, theirs in enumerate(order):
                count = confusion.get((mine, theirs), 0)
                item = _cell(str(count) if count else "", centre=True)
                if i == j and mine != NONE:
                    item.setBackground(QColor(AGREE_COLOUR))
                table.setItem(i, j, item)
        table.horizontalHeader().setDefaultSectionSize(112)
        table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.matrix_caption.setText(f"Moments, as {report.a.name} coded them (rows) and {report.b.name} did "
                                    "(columns). Those coded alike run down the green diagonal. Point at a name "
                                    "for the whole of it.")

    def save_csv(self, out: Path | None = None) -> Path | None:
        if self.report is None:
            return None
        if out is None:
            film = Path(sharing.shown_name(self.vault, self.recording)).stem
            chosen, _ = ask_save_name(self, "agreement", "Save the agreement as", f"agreement on {film}.csv",
                                      "CSV (*.csv)")
            if chosen is None:
                return None
            out = chosen
        try:
            agreement.save_csv(self.report, out)
        except OSError as exc:
            self.status.setText(f"Not saved: {out}: {exc.strerror or exc}")
            return None
        remember("agreement", out, saved=False)
        self.status.setText(f"Saved {out.name}: the figures per code, then the moments where you differ.")
        return out


def show_agreement(window: MainWindow) -> AgreementDialog | None:
    ws = window.workspace
    if ws is None:
        window.statusBar().showMessage("Open a film first.", 5000)
        return None
    dialog = AgreementDialog(window.vault, ws.recording, list(ws.layer.tracks), ws.lanes.people, window)
    dialog.seek_requested.connect(window.player.show_frame)
    dialog.show()
    return dialog
