"""Printing Facet's PDFs on the system's printers (CUPS on Linux) through Qt.

Qt's print dialog chooses the printer. A `PrintJob` renders the PDF one page
at a time with pdfium at the printer's resolution (at most 600 dpi) on a
worker (`render_next`) and paints it onto the printer on the GUI thread
(`paint`), so what prints is exactly the saved PDF and only one page image is
held at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

if TYPE_CHECKING:
    import pypdfium2

    from pos_app.gui.ops import OpRunner


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


class PrintJob:
    def __init__(self, pdf: bytes, printer: QPrinter) -> None:
        import pypdfium2

        self._document: pypdfium2.PdfDocument = pypdfium2.PdfDocument(pdf)
        self.printer = printer
        self.pages = len(self._document)
        self.next_page = 0
        self.dpi = min(printer.resolution(), 600)
        self._painter = QPainter()

    @property
    def done(self) -> bool:
        return self.next_page >= self.pages

    def start(self) -> None:
        """Open the printer (GUI thread)."""
        if not self._painter.begin(self.printer):
            self._document.close()
            raise OSError("The printer could not be started; check that it is on and chosen correctly.")

    def render_next(self) -> QImage:
        """The next page as an image (worker thread; one page at a time)."""
        pil = self._document[self.next_page].render(scale=self.dpi / 72).to_pil().convert("RGB")
        data = pil.tobytes("raw", "RGB")
        return QImage(data, pil.width, pil.height, pil.width * 3, QImage.Format.Format_RGB888).copy()

    def paint(self, image: QImage) -> None:
        """Put a rendered page on paper (GUI thread)."""
        if self.next_page:
            self.printer.newPage()
        target: QRect = self._painter.viewport()
        size = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
        self._painter.drawImage(QRect(target.topLeft(), size), image)
        self.next_page += 1

    def finish(self) -> None:
        self._painter.end()
        self._document.close()

    def abort(self) -> None:
        if self._painter.isActive():
            self.printer.abort()
            self._painter.end()
        self._document.close()


def print_pdf(parent: QWidget, runner: OpRunner, pdf: bytes, say: Callable[[str], None],
              on_error: Callable[[BaseException], None]) -> None:
    """Ask for a printer, then print `pdf` one page at a time (rendered on the io lane, painted here).

    `runner` is the application's `OpRunner`; `say` tells the person how far it
    got ("" when they cancelled the print dialog).
    """
    printer = ask_printer(parent, page_count(pdf))
    if printer is None:
        say("")
        return
    job = PrintJob(pdf, printer)
    try:
        job.start()
    except OSError as exc:
        on_error(exc)
        return

    def failed(exc: BaseException) -> None:
        job.abort()
        on_error(exc)

    def next_page() -> None:
        if job.done:
            job.finish()
            say(f"Sent {job.pages} page(s) to the printer.")
            return
        say(f"Printing page {job.next_page + 1} of {job.pages}…")

        def painted(image: QImage) -> None:
            job.paint(image)
            next_page()

        runner.run(job.render_next, on_done=painted, on_error=failed, parent=parent, lane="io")

    next_page()
