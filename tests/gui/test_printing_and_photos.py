"""Printing a tag sheet through Qt's printing path, and an item's photos."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter

from pos_app.gui import dialogs, printing
from pos_app.gui.inventory.item_dialog import ItemDialog
from pos_app.gui.inventory.tag_dialog import TagSheetDialog
from pos_app.gui.main_window import MainWindow
from tests.gui.conftest import sign_in


def _pdf_printer(path: Path) -> QPrinter:
    """A real QPrinter writing what it is sent to a PDF file (no CUPS here)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(300)
    return printer


def test_printing_a_tag_sheet_sends_every_page_with_scannable_barcodes(
        qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Lily Chen")
    rows = window.context.reader.search("tennis", 40)
    printed = tmp_path / "printed.pdf"
    monkeypatch.setattr(printing, "ask_printer", lambda _parent, _pages: _pdf_printer(printed))
    dialog = TagSheetDialog(window.context, [r.id for r in rows], window)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.print_sheet()
    qtbot.waitUntil(lambda: "Sent" in dialog.form.message_label.text(), timeout=20_000)
    assert "Sent 2 page(s)" in dialog.form.message_label.text()  # 40 tags, 30 to an Avery 5160 sheet

    document = pypdfium2.PdfDocument(str(printed))
    assert len(document) == 2
    image = document[0].render(scale=300 / 72).to_pil()
    codes = {result.text for result in zxingcpp.read_barcodes(image)}
    assert {r.barcode for r in rows[:30]} <= codes


def test_manager_adds_and_removes_a_photo_of_a_piece(
        qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.screens["Inventory"]
    photo = QImage(640, 480, QImage.Format.Format_RGB32)
    photo.fill(QColor("#d8c7a0"))
    path = tmp_path / "halo.png"
    assert photo.save(str(path))
    monkeypatch.setattr(dialogs, "ask_open_paths", lambda *args: [path])
    inventory.open_item(window.context.reader.search("halo", 1)[0].id)
    dialog = inventory.dialog
    assert isinstance(dialog, ItemDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None)
    dialog.add_photos()
    qtbot.waitUntil(lambda: dialog.form.photo_list.count() == 1, timeout=5_000)
    assert dialog.detail.photos[0].data == path.read_bytes()

    dialog.form.tabs.setCurrentIndex(1)
    dialog.form.photo_list.setCurrentRow(0)
    qtbot.keyClick(dialog.form.photo_list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: dialog.form.photo_list.count() == 0, timeout=5_000)
    assert dialog.detail.photos == ()
