"""Printing Facet's PDFs on the system's printers (CUPS on Linux) through Qt.

Qt's print dialog chooses the printer; each PDF page is rendered with pdfium
at the printer's resolution (at most 600 dpi) on a worker (`render_pages`),
then painted onto the printer on the GUI thread (`paint_pages`), so what
prints is exactly the saved PDF.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget


def ask_printer(parent: QWidget | None, pages: int) -> QPrinter | None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setMinMax(1, max(pages, 1))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def page_count(pdf: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def render_pages(pdf: bytes, dpi: int) -> list[QImage]:
    """Every page of `pdf` as an image at `dpi` (safe off the GUI thread)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    images = []
    try:
        for index in range(len(document)):
            pil = document[index].render(scale=dpi / 72).to_pil().convert("RGB")
            data = pil.tobytes("raw", "RGB")
            images.append(QImage(data, pil.width, pil.height, pil.width * 3, QImage.Format.Format_RGB888).copy())
    finally:
        document.close()
    return images


def printer_dpi(printer: QPrinter) -> int:
    return min(printer.resolution(), 600)


def paint_pages(images: list[QImage], printer: QPrinter) -> int:
    """Paint rendered pages onto `printer` (GUI thread); returns the pages printed."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be started.")
    try:
        for index, image in enumerate(images):
            if index:
                printer.newPage()
            target: QRect = painter.viewport()
            size = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(target.topLeft(), size), image)
    finally:
        painter.end()
    return len(images)
