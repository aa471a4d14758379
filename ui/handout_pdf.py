"""The review handout as a PDF: Qt lays out the handout's HTML (QTextDocument) onto A4 pages (QPdfWriter).

The pictures are handed to the document as resources from memory, so nothing but the PDF is written.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QGuiApplication, QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from vigtool.services.review import Handout


def _application() -> QGuiApplication:
    existing = QGuiApplication.instance()
    if isinstance(existing, QGuiApplication):
        return existing
    return QGuiApplication(["vigtool", "-platform", "offscreen"])  # the CLI: no window needed


def handout_pdf(handout: Handout) -> bytes:
    """The handout laid out on A4 pages, as PDF bytes."""
    _application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    writer.setResolution(150)
    writer.setTitle("Moments that went well")
    writer.setCreator("vigtool")
    document = QTextDocument()
    # Laid out for the PDF's own resolution: laid out for the screen's and printed at 150 dpi, every point
    # size came out about two thirds as big (12 pt body text read as 7.5 pt).
    document.documentLayout().setPaintDevice(writer)
    for name, png in handout.images.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), QImage.fromData(png))
    document.setHtml(handout.body)
    rect = writer.pageLayout().paintRectPixels(writer.resolution())
    document.setPageSize(QSizeF(rect.width(), rect.height()))
    document.print_(writer)
    del writer
    buffer.close()
    return bytes(data.data())
