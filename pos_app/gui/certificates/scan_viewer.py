"""A certificate's scan on screen: an image scaled to the window, or a PDF page by page.

PDF pages are rendered with pdfium on the GUI thread, one page when it is
first shown (a lab report is one to three pages, ~50 ms each), and kept
while the viewer is open. Keyboard: PgDn / Right next page, PgUp / Left
previous page, Esc closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:
    import pypdfium2

RENDER_DPI = 150


def _pdf_page(document: pypdfium2.PdfDocument, index: int) -> QImage:
    pil = document[index].render(scale=RENDER_DPI / 72).to_pil().convert("RGB")
    data = pil.tobytes("raw", "RGB")
    return QImage(data, pil.width, pil.height, pil.width * 3, QImage.Format.Format_RGB888).copy()


class ScanViewer(QDialog):
    """Show `scan` (PDF, JPEG or PNG bytes, `mime_type` as recorded); non-modal, open with `open()`."""

    def __init__(self, scan: bytes, mime_type: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.page = 0
        self.pages = 1
        self._document: pypdfium2.PdfDocument | None = None
        self._images: dict[int, QImage] = {}
        self.image_label = QLabel(self)
        self.image_label.setObjectName("scan_image")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image_label.setMinimumSize(200, 200)
        self.image_label.setStyleSheet("#scan_image { background: #f4f2ee; border: 1px solid #d8d3c8; }")
        self.page_label = QLabel(self)
        self.page_label.setContentsMargins(10, 0, 10, 0)
        self.previous_button = QPushButton("‹ Previous page  (PgUp)", self)
        self.next_button = QPushButton("Next page ›  (PgDn)", self)
        self.close_button = QPushButton("Close  (Esc)", self)
        for button in (self.previous_button, self.next_button, self.close_button):
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.previous_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.close_button.clicked.connect(self.reject)
        for keys, step in (("PgDown", 1), ("Right", 1), ("PgUp", -1), ("Left", -1)):
            QShortcut(QKeySequence(keys), self, lambda step=step: self.show_page(self.page + step))
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.page_label)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.image_label, 1)
        layout.addLayout(buttons)
        self.finished.connect(lambda _r: self._close_document())
        self.resize(820, 980)
        self.problem = ""
        self._load(scan, mime_type)

    def _load(self, scan: bytes, mime_type: str) -> None:
        if mime_type == "application/pdf":
            import pypdfium2

            try:
                self._document = pypdfium2.PdfDocument(scan)
                self.pages = len(self._document)
            except pypdfium2.PdfiumError as exc:
                self._fail(f"This PDF cannot be shown ({exc}). Attach a new scan of the report.")
                return
        else:
            image = QImage.fromData(scan)
            if image.isNull():
                self._fail("This image cannot be shown: the file is damaged. Attach a new scan of the report.")
                return
            self._images[0] = image
        self.show_page(0)

    def _fail(self, text: str) -> None:
        self.problem = text
        self.pages = 0
        self.image_label.setWordWrap(True)
        self.image_label.setText(text)
        self._update_buttons()

    def show_page(self, index: int) -> None:
        """Show page `index` (0-based), rendering it the first time."""
        if not 0 <= index < self.pages:
            return
        if index not in self._images:
            if self._document is None:
                return
            try:
                self._images[index] = _pdf_page(self._document, index)
            except Exception as exc:  # pdfium raises its own errors on damaged pages
                self._fail(f"Page {index + 1} of this PDF cannot be shown ({exc}).")
                return
        self.page = index
        self._fit()
        self._update_buttons()

    def current_image(self) -> QImage | None:
        return self._images.get(self.page)

    def _update_buttons(self) -> None:
        many = self.pages > 1
        for widget in (self.previous_button, self.next_button, self.page_label):
            widget.setVisible(many)
        self.previous_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages - 1)
        self.page_label.setText(f"Page {self.page + 1} of {self.pages}")

    def _fit(self) -> None:
        image = self.current_image()
        if image is None or self.problem:
            return
        size = self.image_label.size().shrunkBy(self.image_label.contentsMargins()) * self.devicePixelRatioF()
        pixmap = QPixmap.fromImage(image).scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.image_label.setPixmap(pixmap)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _close_document(self) -> None:
        if self._document is not None:
            self._document.close()
            self._document = None
