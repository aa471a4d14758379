"""Export a clip or a still: the options a practitioner needs, written on a worker thread with progress and
Cancel. A cancelled or failed export leaves no file (the core writes under a temp name and renames)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.qt_choice import chosen
from ui.qt_jobs import BackgroundJob, Work
from ui.qt_refusal import replace_asked
from ui.qt_save import remember
from vigtool.domain.export import HEIGHTS, CaptionMode, ClipOptions, ExportMode, SlowSound
from vigtool.domain.model import Recording
from vigtool.media.errors import MediaError
from vigtool.services import sharing
from vigtool.services.exporting import ExportResult, export_clip
from vigtool.services.jobs import JobList
from vigtool.services.library import MIN_PASSPHRASE_LENGTH, PACKAGE_SUFFIX
from vigtool.services.marking import ChosenClip
from vigtool.services.packaging import PackageClip, PackageResult, write_package
from vigtool.services.session import unused_name
from vigtool.services.vault import Vault

__all__ = ["ExportDialog", "ExportJob", "JobDialog", "Work"]  # Work: the dialogs built on JobDialog take it

_CLEAR_NOTE = "The clip leaves the vault unencrypted, as an ordinary film anyone can play. Each export is logged."
_SEALED_NOTE = "The clip is sealed in a package that opens only in vigtool, with its passphrase. It is logged."


class ExportJob(QObject):
    """What a job dialog's work sends back: the one BackgroundJob, with the result, the failure as words,
    and a stop the practitioner asked for as signals of their own."""

    progress = Signal(object, object)
    finished = Signal(object)  # what the work returned: ExportResult, PackageResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, work: Work, parent: QObject | None = None, *, title: str = "",
                 jobs: JobList | None = None) -> None:
        super().__init__(parent)
        self.job = BackgroundJob(work, self, title=title, jobs=jobs)
        self.job.progressed.connect(self.progress)
        self.job.succeeded.connect(self.finished)
        self.job.failed.connect(lambda error: self.failed.emit(_words(error)))
        self.job.cancelled.connect(self.cancelled)

    def start(self) -> None:
        self.job.start()

    def cancel(self) -> None:
        self.job.cancel()

    def wait(self) -> None:
        self.job.wait()


def moment_name(frame: int, rate: Fraction) -> str:
    """A file name for a moment that says where in the film it is, "moment at 1m05s" (no colon: not every
    file system takes one), and nothing of the family or of the film's own name."""
    seconds = int(frame / rate)
    return f"moment at {seconds // 60}m{seconds % 60:02d}s"


def _words(error: BaseException) -> str:
    """A failure in plain words (an OSError as its reason and file, never Python's "[Errno 2]")."""
    if isinstance(error, OSError) and error.strerror:
        reason = error.strerror[0].lower() + error.strerror[1:]
        if not error.filename:
            return reason
        path = Path(str(error.filename))
        if path.name.startswith("."):  # our own hidden temp file: the practitioner chose its folder, not it
            return f"cannot write in the folder {path.parent} ({reason})"
        return f"{path}: {reason}"
    if not isinstance(error, MediaError | OSError | ValueError):  # a bug, not the film or the disk: say so
        return f"it stopped on a problem vigtool did not expect ({type(error).__name__}: {error})"
    return str(error)


class JobDialog(QDialog):
    """A dialog that runs one job at a time: a progress bar while it works, Cancel that stops the job
    before it closes anything, and no thread left writing behind a closed dialog."""

    save_kind = ""  # which save folder it opens in and remembers (qt_save), if it saves a file
    for_the_family = True  # its folder is where a first export of another kind for the family opens too

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job: ExportJob | None = None
        self.bar = QProgressBar()
        self.bar.setVisible(False)

    def _run(self, work: Work) -> ExportJob:
        """Start `work`; the caller connects what its end means (finished, failed, cancelled). The job is in
        the window's list of jobs while it runs: closing the window stops it, and the window says when done."""
        path = getattr(self, "path", None)
        title = self.windowTitle() + (f" — {Path(path.text()).name}" if isinstance(path, QLineEdit) else "")
        jobs = getattr(self.parent(), "jobs", None)
        self.job = ExportJob(work, self, title=title, jobs=jobs if isinstance(jobs, JobList) else None)
        self.job.progress.connect(self._progress)
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        return self.job

    def _controls(self, layout: QVBoxLayout, note: str, action: str, slot: Callable[[], object]) -> QPushButton:
        """The progress bar, a status line saying `note`, and Cancel beside the dialog's `action` button,
        at the foot of `layout`; returns the action button."""
        self.status = QLabel(note)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        button = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        button.clicked.connect(lambda _checked=False: slot())
        self.buttons.rejected.connect(self._cancel_or_close)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        return button

    def _save_path(self, suggested: Path, caption: str, file_filter: Callable[[], str]) -> QHBoxLayout:
        """`self.path`, with a Choose… button that asks where to save (`file_filter` is asked each time)."""
        self.path = QLineEdit(str(suggested))
        self.path.setMinimumWidth(340)  # room to read where the file goes
        self.path.setCursorPosition(0)
        browse = QPushButton("Choose…")

        def choose() -> None:
            name, _ = QFileDialog.getSaveFileName(self, caption, self.path.text(), file_filter())
            if name:
                self.path.setText(name)

        browse.clicked.connect(lambda _checked=False: choose())
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        return row

    def _saved(self, path: Path) -> None:
        """`path` is written: its folder is where this kind of dialog opens next time."""
        if self.save_kind:
            remember(self.save_kind, path, saved=self.for_the_family)

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _end_job(self) -> None:
        if self.job is not None:
            self.job.wait()
        self.job = None
        self.bar.setVisible(False)

    def _cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.cancel()
            return
        self.reject()

    def reject(self) -> None:
        """Esc (and Cancel) while a job runs stops the job and keeps the dialog, which then says so."""
        if self.job is not None:
            self.job.cancel()
            self.status.setText("Stopping…")
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.job is not None:
            self.job.cancel()
            self.job.wait()
        super().closeEvent(event)


class ExportDialog(JobDialog):
    """Options for one clip, where to write it, then progress with Cancel."""

    save_kind = "clip"

    def __init__(self, vault: Vault, recording: Recording, clip: ChosenClip, folder: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.recording, self.clip = vault, recording, clip
        self.outcome: ExportResult | PackageResult | None = None
        self.setWindowTitle("Export clip")
        layout = QVBoxLayout(self)
        layout.addLayout(self._form(folder))
        self.export_button = self._controls(layout, _CLEAR_NOTE, "Export", self.start)

    def _form(self, folder: Path) -> QFormLayout:
        clip, recording = self.clip, self.recording
        seconds = float(clip.range.length / recording.rate)
        where = self._save_path(unused_name(folder / f"{moment_name(clip.range.start, recording.rate)}.mp4"),
                                "Export clip as",
                                lambda: f"Encrypted package (*{PACKAGE_SUFFIX})" if self.encrypt.isChecked()
                                else "MP4 video (*.mp4)")
        self.speed = QComboBox()
        for label, value in (("Normal speed", Fraction(1)), ("Slow motion ½×", Fraction(1, 2)),
                             ("Slow motion ¼×", Fraction(1, 4))):
            self.speed.addItem(label, value)
        self.slow_sound = QComboBox()
        self.slow_sound.addItem("Voices slowed, same pitch", SlowSound.KEEP_PITCH)
        self.slow_sound.addItem("No sound while slowed", SlowSound.MUTE)
        self.hold = QCheckBox("Freeze at the moment for")  # the clip's pause frame, held still
        self.hold_seconds = QDoubleSpinBox(minimum=0.5, maximum=30, value=3, singleStep=0.5, suffix=" s")
        self.caption = QLineEdit(clip.caption)
        self.caption.setPlaceholderText("e.g. You waited, and your baby answered you.")
        self.caption_mode = QComboBox()
        self.caption_mode.addItem("Drawn under the picture", CaptionMode.BURN)
        self.caption_mode.addItem("As subtitles (can be switched off)", CaptionMode.SOFT)
        self.fade = QSpinBox(minimum=0, maximum=3, suffix=" s")
        self.mute = QCheckBox("Leave the sound out")
        # Only what applies is offered: the sound choice while slowed, the hold's length when holding.
        self.slow_sound.setEnabled(False)
        self.speed.currentIndexChanged.connect(lambda: self.slow_sound.setEnabled(self.speed.currentData() != 1))
        self.hold_seconds.setEnabled(False)
        self.hold.toggled.connect(self.hold_seconds.setEnabled)
        self.height_box = QComboBox()
        for height in HEIGHTS:
            self.height_box.addItem("Film's own size" if height is None else f"{height} lines", height)
        form = QFormLayout()
        source = sharing.shown_name(self.vault, recording)
        form.addRow(QLabel(f"{clip.range.length} frames, {seconds:.1f} s, from {source}"))
        form.addRow("Save as", where)
        form.addRow("Speed", self.speed)
        form.addRow("", self.slow_sound)
        form.addRow(self.hold, self.hold_seconds)
        form.addRow("Caption", self.caption)
        form.addRow("", self.caption_mode)
        form.addRow("Fade in and out", self.fade)
        form.addRow("", self.mute)
        form.addRow("Picture size", self.height_box)
        self._add_how_rows(form)
        return form

    def _add_how_rows(self, form: QFormLayout) -> None:
        """How it is made, and whether it leaves the vault in the clear or sealed in a package."""
        self.mode = QComboBox()
        self.mode.addItem("Exact and fast (copy where possible)", ExportMode.AUTO)
        self.mode.addItem("Encode afresh", ExportMode.REENCODE)
        form.addRow("How", self.mode)
        self.encrypt = QCheckBox("Keep it encrypted (a package only vigtool opens, with its passphrase)")
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="passphrase for the package")
        self.passphrase_again = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="the same again")
        for field in (self.passphrase, self.passphrase_again):
            field.setEnabled(False)
            self.encrypt.toggled.connect(field.setEnabled)
        self.encrypt.toggled.connect(self._encrypt_toggled)
        form.addRow(self.encrypt)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("", self.passphrase_again)

    def _encrypt_toggled(self, encrypted: bool) -> None:
        path = Path(self.path.text())
        self.path.setText(str(path.with_suffix(PACKAGE_SUFFIX if encrypted else ".mp4")))
        self.status.setText(_SEALED_NOTE if encrypted else _CLEAR_NOTE)

    def options(self) -> ClipOptions:
        return ClipOptions(
            speed=self.speed.currentData(), slow_sound=chosen(self.slow_sound, SlowSound),
            hold_frame=self.clip.pause_frame if self.hold.isChecked() else None,
            hold_seconds=Fraction(self.hold_seconds.value()).limit_denominator(10),
            caption=self.caption.text().strip(), caption_mode=chosen(self.caption_mode, CaptionMode),
            fade_seconds=Fraction(self.fade.value()), mute=self.mute.isChecked(), height=self.height_box.currentData())

    def start(self) -> None:
        if self.job is not None:
            return
        try:
            options = self.options()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        work = self._work(options)
        if work is None:
            return
        job = self._run(work)
        job.finished.connect(self._finished)
        job.failed.connect(self._failed)
        job.cancelled.connect(self._cancelled)
        self.export_button.setEnabled(False)
        self.status.setText("Exporting…")
        job.start()

    def _work(self, options: ClipOptions) -> Work | None:
        out, mode = Path(self.path.text()), chosen(self.mode, ExportMode)
        vault, recording, clip = self.vault, self.recording, self.clip
        replace = replace_asked(self, out)
        if replace is None:
            self.status.setText(f"{out.name} was left as it is; choose another name.")
            return None
        if not self.encrypt.isChecked():
            return lambda progress, cancelled: export_clip(vault, recording, clip.range, out, options, mode,
                                                           progress=progress, cancelled=cancelled, overwrite=replace)
        passphrase = self.passphrase.text()
        if passphrase != self.passphrase_again.text():
            self.status.setText("The two passphrases differ; type the same one twice.")
            return None
        if len(passphrase) < MIN_PASSPHRASE_LENGTH:
            self.status.setText(f"A package's passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters.")
            return None
        item = PackageClip(recording, clip.range, options, caption=options.caption, key_frame=clip.pause_frame)
        return lambda progress, cancelled: write_package(vault, [item], out, passphrase, mode=mode,
                                                         progress=progress, cancelled=cancelled, overwrite=replace)

    def _finished(self, result: ExportResult | PackageResult) -> None:
        self.outcome = result
        self._end_job()
        self._saved(result.path)
        if isinstance(result, PackageResult):
            self.status.setText(f"Saved the encrypted package {result.path.name} ({result.bytes / 1e6:.1f} MB, "
                                f"{result.seconds:.1f} s). It opens in vigtool with its passphrase.")
        else:
            how = "copied exactly" if result.mode is ExportMode.SMART else "encoded afresh"
            self.status.setText(f"Saved {result.path.name} ({result.frames} frames, {how}, {result.seconds:.1f} s)."
                                + (f"\n{result.note}" if result.note else ""))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")

    def _failed(self, message: str) -> None:
        self._end_job()
        self.export_button.setEnabled(True)
        hint = " Record the family's consent under File ▸ Consent for this film." if "consent" in message else ""
        self.status.setText(f"Not exported: {message}.{hint}")

    def _cancelled(self) -> None:
        self._end_job()
        self.export_button.setEnabled(True)
        self.status.setText("Cancelled; nothing was written.")
