"""Encrypted packages in the app: save the shared review as one, and open one again (its clips play and its
stills show straight from the package, decrypted as they are read, with nothing written in the clear)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QCloseEvent, QImage, QPixmap
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.qt_export import JobDialog
from ui.qt_refusal import replace_asked
from ui.qt_save import ask_folder, remember
from ui.qt_sealed_device import SealedMediaDevice
from vigtool.domain.model import ReviewSession
from vigtool.media.errors import MediaError
from vigtool.services.library import MIN_PASSPHRASE_LENGTH, PackageReader
from vigtool.services.library import PACKAGE_SUFFIX as SUFFIX
from vigtool.services.packaging import PackageResult, package_review, unpack_package
from vigtool.services.session import unused_name
from vigtool.services.vault import Vault


class PackageReviewDialog(JobDialog):
    """Where to save the review's package and its passphrase (twice); then progress with Cancel."""

    save_kind = "review package"

    def __init__(self, vault: Vault, session: ReviewSession, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.session = vault, session
        self.outcome: PackageResult | None = None
        self.setWindowTitle("Save the review as an encrypted package")
        where = self._save_path(unused_name(folder / f"shared-review{SUFFIX}"), "Save package as",
                                lambda: f"Encrypted package (*{SUFFIX})")
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase_again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(QLabel(f"{len(session.items)} moments with their prompts, and the handout, in one file that "
                           "only vigtool opens, with the passphrase you choose here."))
        form.addRow("Save as", where)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("The same again", self.passphrase_again)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.save_button = self._controls(
            layout, "Tell the passphrase to no one who should not see the film; it cannot be recovered.",
            "Save package", self.start)

    def start(self) -> None:
        if self.job is not None:
            return
        passphrase = self.passphrase.text()
        if passphrase != self.passphrase_again.text():
            self.status.setText("The two passphrases differ; type the same one twice.")
            return
        if len(passphrase) < MIN_PASSPHRASE_LENGTH:
            self.status.setText(f"A package's passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters.")
            return
        vault, session, out = self.vault, self.session, Path(self.path.text())
        replace = replace_asked(self, out)
        if replace is None:
            self.status.setText(f"{out.name} was left as it is; choose another name.")
            return
        job = self._run(lambda progress, cancelled: package_review(vault, session, out, passphrase,
                                                                   progress=progress, cancelled=cancelled,
                                                                   overwrite=replace))
        job.finished.connect(self._finished)
        job.failed.connect(lambda message: self._ended(f"Not saved: {message}"))
        job.cancelled.connect(lambda: self._ended("Cancelled; nothing was written."))
        self.save_button.setEnabled(False)
        self.status.setText("Sealing the review…")
        job.start()

    def _finished(self, result: PackageResult) -> None:
        self.outcome = result
        self._saved(result.path)
        self._ended(f"Saved {result.path.name} ({result.items} moments, {result.bytes / 1e6:.1f} MB).")
        self.save_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")

    def _ended(self, message: str) -> None:
        self._end_job()
        self.save_button.setEnabled(True)
        self.status.setText(message)


class PackageViewer(QWidget):
    """What a package holds: its moments in order with captions and prompts; a clip plays, a still shows."""

    def __init__(self, package: PackageReader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.package = package
        manifest = package.manifest
        self.setWindowTitle(f"{package.path.name} — {manifest.get('title') or 'exported moments'}")
        self.resize(1100, 700)
        self.entries: list[dict[str, object]] = [i for i in manifest.get("items", []) if isinstance(i, dict)]
        self.list = QListWidget()
        self.list.setWordWrap(True)
        for number, entry in enumerate(self.entries, 1):
            kind = "Clip" if entry.get("kind") == "clip" else "Still"
            caption = f" — {entry['caption']}" if entry.get("caption") else ""
            self.list.addItem(QListWidgetItem(f"{number}. {kind}{caption}"))
        self.list.currentRowChanged.connect(self.show_item)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setStyleSheet("color: #2f6f5e; font-style: italic;")
        self.video = QVideoWidget()
        self.picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: black;")
        self.stage = QStackedWidget()
        self.stage.addWidget(self.video)
        self.stage.addWidget(self.picture)
        self.media = QMediaPlayer(self)
        self.media.setVideoOutput(self.video)
        if not QMediaDevices.defaultAudioOutput().isNull():
            self.media.setAudioOutput(QAudioOutput(self))
        self._device: SealedMediaDevice | None = None
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.play)
        save = QPushButton("Save the files to a folder…")
        save.setToolTip("Writes the clips, stills and handout out of the package, unencrypted")
        save.clicked.connect(self.save_files)
        self.status = QLabel()
        self.status.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(self.list, 1)
        side.addWidget(self.prompt)
        side.addWidget(self.play_button)
        side.addWidget(save)
        side.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addLayout(side, 1)
        layout.addWidget(self.stage, 3)
        if self.entries:
            self.list.setCurrentRow(0)

    def show_item(self, row: int) -> None:
        self._stop()
        if not 0 <= row < len(self.entries):
            return
        entry = self.entries[row]
        self.prompt.setText(str(entry.get("prompt") or ""))
        name = str(entry.get("file"))
        if entry.get("kind") == "clip":
            self._device = SealedMediaDevice(self.package.open(name), self)
            self.media.setSourceDevice(self._device, QUrl("clip.mp4"))
            self.stage.setCurrentWidget(self.video)
            self.play_button.setEnabled(True)
        else:
            image = QImage.fromData(self.package.read_bytes(name))
            self.picture.setPixmap(QPixmap.fromImage(image).scaled(
                self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
            self.stage.setCurrentWidget(self.picture)
            self.play_button.setEnabled(False)

    def play(self) -> None:
        self.media.play()

    def save_files(self, folder: Path | None = None) -> list[Path]:
        """Unpack into a folder the user picks (the one time plaintext leaves the package)."""
        if folder is None:
            chosen = ask_folder(self, "unpacked", "Save the package's files to")
            if chosen is None:
                return []
            folder = chosen
        try:
            written = unpack_package(self.package, folder)
        except (MediaError, OSError) as exc:
            self.status.setText(f"Not saved: {exc}")
            return []
        remember("unpacked", folder)
        self.status.setText(f"Saved {len(written)} files to {folder} — unencrypted: keep them safe.")
        return written

    def _stop(self) -> None:
        self.media.stop()
        self.media.setSource(QUrl())
        if self._device is not None:
            with contextlib.suppress(OSError):
                self._device.close()
            self._device = None

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._stop()
        super().closeEvent(event)
