"""Long work off the GUI thread: a QThread that runs a core function with progress and cancel.

The function gets `progress(done, total)` and `cancelled()` callables, as every long core operation
takes them (import, previews, export); results and errors come back as signals on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class BackgroundJob(QThread):
    # `object`, not int: byte counts of long films pass 2**31.
    progressed = Signal(object, object)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work

    def run(self) -> None:
        try:
            result = self._work(self.progressed.emit, self.isInterruptionRequested)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the window
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
