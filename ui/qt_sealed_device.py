"""A QIODevice over a decrypting reader (a vault film, a clip inside a package), so QtMultimedia plays it
without a plaintext copy.

QMediaPlayer.setSourceDevice() reads it from its own demuxing thread: the device is random-access
(not sequential), reports the plaintext size, and forwards every read and seek to one reader.
"""

from __future__ import annotations

from PySide6.QtCore import QIODevice, QObject

from vigtool.media.raw_reader import PositionedRawReader


class SealedMediaDevice(QIODevice):
    def __init__(self, reader: PositionedRawReader, parent: QObject | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type] # PySide6's stub omits that it may be None
        self._reader = reader
        self.open(QIODevice.OpenModeFlag.ReadOnly | QIODevice.OpenModeFlag.Unbuffered)

    def isSequential(self) -> bool:  # noqa: N802 - Qt's name
        return False

    def size(self) -> int:
        return self._reader.size

    def seek(self, pos: int) -> bool:
        if not 0 <= pos <= self._reader.size:
            return False
        self._reader.seek(pos)
        return super().seek(pos)

    def atEnd(self) -> bool:  # noqa: N802 - Qt's name
        return self.pos() >= self._reader.size

    def bytesAvailable(self) -> int:  # noqa: N802 - Qt's name
        return max(self._reader.size - self.pos(), 0) + super().bytesAvailable()

    def readData(self, maxlen: int) -> bytes:  # noqa: N802 - Qt's name
        self._reader.seek(self.pos())
        return self._reader.read(maxlen)

    def writeData(self, data: bytes | bytearray | memoryview, length: int, /) -> int:  # noqa: N802, ARG002
        # Qt's name; the vault is never written through a player.
        return -1

    def close(self) -> None:
        super().close()
        self._reader.close()
