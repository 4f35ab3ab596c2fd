"""One keystroke after a sale: the appraisal of the sold necklace, signed by the appraiser chosen (with their
PIN), printed; the owner, who has no appraiser credentials, hands the signing to the appraiser the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pdfplumber
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from pos_app.app import Facet
from pos_app.domain.money import Money
from pos_app.gui import dialogs, printing
from pos_app.gui.appraisals.signer import SignerDialog
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.appraise import SaleAppraisalsDialog
from pos_app.gui.sell.find_sale import FindSaleDialog
from pos_app.gui.sell.payment import PaymentDialog
from tests.gui.conftest import focused, snap
from tests.gui.test_counter_flows import _dialog, _scan, _start


def _certified_piece(facet: Facet) -> tuple[str, str, int]:
    conn = facet.connection()
    try:
        row = conn.execute("SELECT barcode, sku, price_cents FROM items WHERE status = 'available' "
                           "AND tracking = 'unique' AND on_hand = 1 AND barcode IS NOT NULL "
                           "AND center_carat_points IS NOT NULL AND price_cents < 800000 "
                           "ORDER BY price_cents DESC LIMIT 1").fetchone()
        return str(row[0]), str(row[1]), int(row[2])
    finally:
        conn.close()


def _pdf_text(data: bytes) -> str:
    import io

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_f12_appraises_the_last_sale_with_an_appraisers_pin_and_prints_it(
        qtbot: Any, window: MainWindow, demo_facet: Facet, tmp_path: Path, monkeypatch: Any) -> None:
    sell = _start(qtbot, window, demo_facet)
    assert not sell.form.appraise_button.isEnabled()
    code, sku, price = _certified_piece(demo_facet)
    _scan(qtbot, code)
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    pay = _dialog(qtbot, sell, PaymentDialog)
    total = pay.shown.priced.total
    focused().selectAll()
    qtbot.keyClicks(focused(), total.plain())
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: sell.form.appraise_button.isEnabled(), timeout=5_000)

    # F12 asks who signs: only people with appraiser credentials; the appraiser picks their name and PIN.
    qtbot.keyClick(focused(), Qt.Key.Key_F12)
    approval = _dialog(qtbot, sell, SignerDialog)
    names = [approval.form.staff_list.item(n).text() for n in range(approval.form.staff_list.count())]
    assert names == ["Priya Nair — GIA Graduate Gemologist (Appraiser)"]
    assert focused() is approval.form.staff_list
    qtbot.keyClicks(approval.form.staff_list, "Pri")
    qtbot.keyClick(approval.form.staff_list, Qt.Key.Key_Return)
    assert focused() is approval.form.pin_edit
    qtbot.keyClicks(focused(), "0000")  # a wrong PIN is said in the dialog, which stays open for the right one
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong PIN for Priya Nair" in approval.form.message_label.text(), timeout=5_000)
    assert approval.isVisible() and focused() is approval.form.pin_edit and approval.form.pin_edit.text() == ""
    snap(approval, "signer-wrong-pin")
    qtbot.keyClicks(focused(), "4444")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    shown = _dialog(qtbot, sell, SaleAppraisalsDialog)
    [record] = shown.records
    assert record.status == "final" and record.spec.value == Money(price)
    assert shown.form.appraisals_table.item(0, 0).text().startswith(record.number)

    # Ctrl+S: one PDF, with the certificate summary page and the wallet card when ticked.
    saved = tmp_path / "appraisal.pdf"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *args: saved)
    qtbot.keyClick(shown.form.card_check, Qt.Key.Key_Space)
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Saved" in shown.form.message_label.text(), timeout=15_000)
    snap(shown, "sale-appraisals-saved")
    text = _pdf_text(saved.read_bytes())
    assert record.number in text and "Priya Nair" in text and "GIA Graduate Gemologist" in text
    assert Money(price).plain().split(".")[0].replace(",", "")[:2] in text.replace(",", "")

    # Ctrl+P: the system's print dialog (here a PDF printer stands in for CUPS), every page printed.
    printed = tmp_path / "printed.pdf"

    def pdf_printer(_parent: Any, _pages: int) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        printer.setResolution(96)
        return printer

    monkeypatch.setattr(printing, "ask_printer", pdf_printer)
    qtbot.keyClick(focused(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Sent" in shown.form.message_label.text(), timeout=20_000)
    assert printing.page_count(printed.read_bytes()) == printing.page_count(saved.read_bytes())

    # Asked again (F3, the receipt's number, Ctrl+I), the same appraisal comes back without anyone signing again.
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not shown.isVisible())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is sell.form.scan_edit)  # back to scanning
    sale = demo_facet.store.sales.sales(limit=1)[0]
    qtbot.keyClick(focused(), Qt.Key.Key_F3)
    find = _dialog(qtbot, sell, FindSaleDialog)
    qtbot.keyClicks(focused(), sale.number)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: find.form.appraise_button.isEnabled(), timeout=5_000)
    qtbot.keyClick(focused(), Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    again = _dialog(qtbot, sell, SaleAppraisalsDialog)
    assert [r.id for r in again.records] == [record.id]
    assert sku


def test_the_owners_f12_hands_the_signing_to_the_appraiser_who_is_listed_alone(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    import os

    from pos_app.domain.permissions import Role
    from pos_app.services import cash
    from tests.conftest import actor_for
    from tests.gui.conftest import sign_in

    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK))
    sign_in(qtbot, window, "Jane Ellen")
    sell = window.workspace.show_screen("Sell")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is sell.form.scan_edit, timeout=5_000)
    code, _sku, _price = _certified_piece(demo_facet)
    _scan(qtbot, code)
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    pay = _dialog(qtbot, sell, PaymentDialog)
    focused().selectAll()
    qtbot.keyClicks(focused(), pay.shown.priced.total.plain())
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: sell.form.appraise_button.isEnabled(), timeout=5_000)

    qtbot.keyClick(focused(), Qt.Key.Key_F12)
    signer = _dialog(qtbot, sell, SignerDialog)
    names = [signer.form.staff_list.item(n).text() for n in range(signer.form.staff_list.count())]
    assert names == ["Priya Nair — GIA Graduate Gemologist (Appraiser)"], "the owner has no credentials"
    signer.grab().save(os.environ.get("FACET_SNAP_DIR", "/tmp") + "/signer_dialog.png")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert focused() is signer.form.pin_edit
    qtbot.keyClicks(focused(), "0000")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong PIN" in signer.form.message_label.text(), timeout=5_000)
    assert focused() is signer.form.pin_edit and signer.isVisible()
    qtbot.keyClicks(focused(), "4444")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    shown = _dialog(qtbot, sell, SaleAppraisalsDialog)
    priya = actor_for(demo_facet, Role.APPRAISER)
    assert shown.records and all(r.status == "final" and r.appraiser_id == priya.staff_id for r in shown.records)
