"""The certificates screen, its dialog and scan viewer, and the managers' duplicate report, by keyboard.

Real widgets over the demo store, signed in as the demo appraiser. Set
FACET_DIALOG_PNG to a folder to keep a picture of each screen as the
test leaves it (for looking at layout).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from pos_app.app import Facet
from pos_app.domain.permissions import Role
from pos_app.gui import dialogs
from pos_app.gui.certificates.dialog import CertificateDialog
from pos_app.gui.certificates.scan_viewer import ScanViewer
from pos_app.gui.certificates.view import CUSTOMER_STONE, CertificatesView
from pos_app.gui.context import AppContext
from pos_app.gui.launch import make_application
from pos_app.gui.reports_view import ReportsView
from pos_app.services import certificates
from tests.conftest import actor_for
from tests.gui.conftest import focused, press, snap
from tests.images import png

Ctrl, Shift, NoMod = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
                      Qt.KeyboardModifier.NoModifier)


@pytest.fixture
def desk(qtbot: Any, demo_facet: Facet) -> Iterator[tuple[AppContext, CertificatesView]]:
    """The appraiser's certificates screen in a window of its own."""
    make_application()
    context = AppContext(demo_facet)
    context.set_actor(actor_for(demo_facet, Role.APPRAISER))
    host = QWidget()
    host.resize(1280, 720)
    QVBoxLayout(host).setContentsMargins(0, 0, 0, 0)
    view = CertificatesView(context, host)
    host.layout().addWidget(view)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    view.focus_first()
    yield context, view
    context.runner.wait()
    for widget in QApplication.topLevelWidgets():
        if widget is not host and widget.isVisible():
            widget.close()
    host.close()
    host.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    context.close()




def _type(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def _tab_to(qtbot: Any, widget: QWidget) -> None:
    for _ in range(30):
        if focused() is widget:
            return
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget.objectName()}")


def _count(facet: Facet, sql: str, *args: object) -> Any:
    conn = facet.connection()
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


def _new_dialog(qtbot: Any, view: CertificatesView) -> CertificateDialog:
    press(qtbot, Qt.Key.Key_N, Ctrl)
    dialog = view.dialog
    assert isinstance(dialog, CertificateDialog) and dialog.cert_id is None
    qtbot.waitUntil(lambda: dialog.isVisible() and focused() is dialog.form.lab_combo)
    return dialog


def _fill(qtbot: Any, dialog: CertificateDialog, values: dict[str, str]) -> None:
    """Type each value into its field, moving with Tab only (combos pick by typing their label)."""
    f = dialog.form
    for name, text in values.items():
        widget = getattr(f, f"{name}_edit", None) or getattr(f, f"{name}_combo")
        _tab_to(qtbot, widget)
        _type(qtbot, text)


def _shown_dialog(qtbot: Any, parent: QWidget, kind: type) -> Any:
    qtbot.waitUntil(lambda: any(isinstance(w, kind) and w.isVisible() for w in parent.findChildren(kind)),
                    timeout=5_000)
    return next(w for w in parent.findChildren(kind) if w.isVisible())


def _two_page_pdf() -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for page in (1, 2):
        pdf.setFont("Helvetica-Bold", 28)
        pdf.drawString(72, 700, f"GIA Diamond Grading Report, page {page}")
        pdf.rect(72, 300, 300 + 60 * page, 300, stroke=1, fill=0)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_a_certificate_typed_with_the_keyboard_and_a_png_scan_is_found_by_number_and_its_scan_shown(
        qtbot: Any, qtmodeltester: Any, desk: tuple[AppContext, CertificatesView], demo_facet: Facet,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context, view = desk
    qtmodeltester.check(view.model)
    snap(view.window(), "screen")
    scan_file = tmp_path / "gia-6192345678.png"
    scan_file.write_bytes(png(480, 640, seed=7))
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *args: scan_file)
    sku = _count(demo_facet, "SELECT sku FROM items WHERE id NOT IN (SELECT item_id FROM certificates "
                              "WHERE item_id IS NOT NULL) ORDER BY sku LIMIT 1")
    before = _count(demo_facet, "SELECT count(*) FROM certificates")

    dialog = _new_dialog(qtbot, view)
    snap(dialog, "dialog-empty")
    _fill(qtbot, dialog, {"report_number": "GIA 6192 345 678", "report_date": "2023-05-02",
                          "measurements": "6.45 - 6.48 x 3.98", "inscription": "GIA 6192345678", "shape": "Oval",
                          "carat": "1.21", "color": "g", "clarity": "VS2", "cut": "Exc", "polish": "Very",
                          "symmetry": "Exc", "fluorescence": "Faint", "item": sku})
    press(qtbot, Qt.Key.Key_A, Ctrl | Shift)  # choose the scan file
    assert "gia-6192345678.png · PNG" in dialog.form.scan_label.text()
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: sku in dialog.form.item_label.text())
    snap(dialog, "dialog-filled")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert _count(demo_facet, "SELECT count(*) FROM certificates") == before + 1
    row = demo_facet.connection().execute(
        "SELECT c.shape, c.carat_points, c.color, c.clarity, c.cut, c.polish, c.fluorescence, c.measurements, "
        "c.scan_mime_type, length(c.scan), i.sku FROM certificates c JOIN items i ON i.id = c.item_id "
        "WHERE c.report_number = '6192345678'").fetchone()
    assert tuple(row) == ("oval", 121, "G", "VS2", "excellent", "very_good", "faint", "6.45 - 6.48 x 3.98 mm",
                          "image/png", len(scan_file.read_bytes()), sku)

    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.form.table)
    press(qtbot, Qt.Key.Key_F, Ctrl)
    assert focused() is view.form.search_edit
    _type(qtbot, "619234")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3_000)
    assert view.model.data(view.model.index(0, 9)) == "✓" and view.model.data(view.model.index(0, 8)) == sku
    assert view.model.data(view.model.index(0, 10)) == "2033-05-02"
    qtmodeltester.check(view.model)
    press(qtbot, Qt.Key.Key_Down)
    assert focused() is view.form.table
    snap(view.window(), "screen-found")
    press(qtbot, Qt.Key.Key_O, Ctrl)
    qtbot.waitUntil(lambda: isinstance(view.viewer, ScanViewer) and view.viewer.isVisible(), timeout=5_000)
    viewer = view.viewer
    assert isinstance(viewer, ScanViewer)
    image = viewer.current_image()
    assert image is not None and (image.width(), image.height()) == (480, 640)
    assert not viewer.image_label.pixmap().isNull() and not viewer.next_button.isVisible()
    snap(viewer, "scan-viewer-png")
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not viewer.isVisible() and QApplication.focusWidget() is view.form.table)
    press(qtbot, Qt.Key.Key_Return)  # open it: read-only details
    opened = view.dialog
    assert isinstance(opened, CertificateDialog) and opened.cert_id is not None
    qtbot.waitUntil(lambda: opened.detail is not None, timeout=5_000)
    f = opened.form
    assert (f.report_number_edit.text(), f.color_edit.text(), f.carat_edit.text()) == ("6192345678", "G", "1.21")
    assert f.report_number_edit.isReadOnly() and not f.shape_combo.isEnabled() and not f.save_button.isVisible()
    assert f.shape_combo.currentText() == "Oval" and f.item_edit.text() == sku and "PNG" in f.scan_label.text()
    snap(opened, "dialog-open")


def test_a_scan_attached_to_an_open_certificate_replaces_nothing_else(
        qtbot: Any, desk: tuple[AppContext, CertificatesView], demo_facet: Facet, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    context, view = desk
    saved = certificates.add_certificate({"lab": "IGI", "report_number": "LG612399999", "carat": "2.01"},
                                         uow=demo_facet.uow(), actor=context.require_actor(),
                                         today=__import__("datetime").date(2026, 11, 25))
    pdf = tmp_path / "igi.pdf"
    pdf.write_bytes(_two_page_pdf())
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *args: pdf)
    _type(qtbot, "LG612399999")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3_000)
    assert view.model.data(view.model.index(0, 9)) == ""
    press(qtbot, Qt.Key.Key_Return)  # the only match opens
    dialog = view.dialog
    assert isinstance(dialog, CertificateDialog) and dialog.cert_id == saved.id
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.isActiveWindow(), timeout=5_000)
    assert "No scan yet" in dialog.form.scan_label.text()
    press(qtbot, Qt.Key.Key_A, Ctrl | Shift)
    qtbot.waitUntil(lambda: "PDF" in dialog.form.scan_label.text(), timeout=5_000)
    assert _count(demo_facet, "SELECT scan_mime_type FROM certificates WHERE id = ?", saved.id) == "application/pdf"
    [summary] = [r[0] for r in demo_facet.connection().execute(
        "SELECT summary FROM audit_events WHERE action = 'certificate.scan_attached' AND entity_id = ?", (saved.id,))]
    assert json.loads(summary)["replaced"] is False
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.data(view.model.index(0, 9)) == "✓")
    press(qtbot, Qt.Key.Key_O, Ctrl)  # the PDF, page by page
    viewer = dialog.viewer
    assert isinstance(viewer, ScanViewer)
    qtbot.waitUntil(lambda: viewer.isVisible() and viewer.isActiveWindow())
    assert (viewer.page, viewer.pages, viewer.page_label.text()) == (0, 2, "Page 1 of 2")
    assert not viewer.previous_button.isEnabled() and viewer.next_button.isEnabled()
    snap(viewer, "scan-viewer-pdf")
    qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
    assert viewer.page_label.text() == "Page 2 of 2" and not viewer.next_button.isEnabled()
    qtbot.keyClick(viewer, Qt.Key.Key_PageUp)
    assert viewer.page == 0


def test_a_gia_number_of_the_wrong_length_asks_a_reason_cancel_writes_nothing_and_the_reason_is_audited(
        qtbot: Any, desk: tuple[AppContext, CertificatesView], demo_facet: Facet) -> None:
    _context, view = desk
    before = _count(demo_facet, "SELECT count(*) FROM certificates")
    dialog = _new_dialog(qtbot, view)
    _fill(qtbot, dialog, {"report_number": "61923456781", "carat": "0.90"})
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.reason_prompt is not None and dialog.reason_prompt.isVisible(), timeout=5_000)
    prompt = dialog.reason_prompt
    assert "GIA report numbers have 10 digits" in prompt.form.prompt_label.text()
    qtbot.waitUntil(lambda: focused() is prompt.form.value_edit)
    snap(prompt, "reason-prompt")
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not prompt.isVisible())
    assert _count(demo_facet, "SELECT count(*) FROM certificates") == before
    assert dialog.form.message_label.text().startswith("Not saved")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.form.report_number_edit)

    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.reason_prompt is not prompt and dialog.reason_prompt.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: focused() is dialog.reason_prompt.form.value_edit)
    _type(qtbot, "checked on GIA Report Check: old 11-digit lot")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert _count(demo_facet, "SELECT count(*) FROM certificates") == before + 1
    summary = _count(demo_facet, "SELECT a.summary FROM audit_events a JOIN certificates c ON c.id = a.entity_id "
                                 "WHERE a.action = 'certificate.number_format_overridden' "
                                 "AND c.report_number = '61923456781'")
    assert json.loads(summary)["reason"] == "checked on GIA Report Check: old 11-digit lot"


def test_a_duplicate_report_is_saved_with_a_warning_to_acknowledge_and_shown_to_managers(
        qtbot: Any, desk: tuple[AppContext, CertificatesView], demo_facet: Facet) -> None:
    context, view = desk
    first_id, first_sku, second_sku = (
        *demo_facet.connection().execute("SELECT id, sku FROM items ORDER BY sku LIMIT 1").fetchone(),
        _count(demo_facet, "SELECT sku FROM items ORDER BY sku LIMIT 1 OFFSET 1"))
    certificates.add_certificate({"lab": "GIA", "report_number": "3198765432", "carat": "1.50", "color": "F"},
                                 uow=demo_facet.uow(), actor=context.require_actor(),
                                 today=__import__("datetime").date(2026, 11, 25), item_id=first_id)
    dialog = _new_dialog(qtbot, view)
    _fill(qtbot, dialog, {"report_number": "3198765432", "report_date": "2024-01-15", "carat": "1.50",
                          "color": "F", "item": second_sku})
    press(qtbot, Qt.Key.Key_S, Ctrl)
    qtbot.waitUntil(lambda: dialog.duplicate_box is not None and dialog.duplicate_box.isVisible(), timeout=5_000)
    box = dialog.duplicate_box
    assert "3198765432" in box.text() and "already on 1 other record" in box.text()
    assert dialog.isVisible(), "the dialog waits until the appraiser acknowledges the warning"
    assert _count(demo_facet, "SELECT count(*) FROM certificates WHERE report_number = '3198765432'") == 2
    snap(box, "duplicate-warning")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible() and QApplication.focusWidget() is view.form.table, timeout=3_000)
    view.form.duplicates_check.setFocus()
    press(qtbot, Qt.Key.Key_Space)  # Duplicates only
    assert view.form.duplicates_check.isChecked()
    assert {view.model.data(view.model.index(r, 8)) for r in range(view.model.rowCount())} >= {first_sku, second_sku}
    assert all(view.model.data(view.model.index(r, 1)) == "3198765432" for r in range(view.model.rowCount()))
    snap(view.window(), "screen-duplicates")

    # A customer's own stone with the same number shows as such in the managers' report.
    customer = _count(demo_facet, "SELECT id FROM customers WHERE erased_at IS NULL LIMIT 1")
    certificates.add_certificate({"lab": "GIA", "report_number": "3198765432", "carat": "1.50"},
                                 uow=demo_facet.uow(), actor=context.require_actor(),
                                 today=__import__("datetime").date(2026, 11, 25), customer_id=customer)
    context.set_actor(actor_for(demo_facet, Role.MANAGER))
    host = view.window()
    reports = ReportsView(context, host)
    host.layout().addWidget(reports)
    view.hide()
    reports.show()
    qtbot.keyClick(reports, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: reports.results is not None and not reports.loading, timeout=15_000)
    model = reports.form.duplicates_table.model()
    rows = [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]
    ours = [r for r in rows if r[1] == "3198765432"]
    assert [r[3] for r in ours] == [first_sku, second_sku, CUSTOMER_STONE]
    assert [r[2] for r in ours] == ["1 of 3", "2 of 3", "3 of 3"] and ours[1][4] == "2024-01-15"
    assert "recorded on more than one piece" in reports.form.duplicates_label.text()
    assert reports.form.tabs.currentWidget() is reports.form.duplicates_tab
    snap(host, "reports-duplicates")


def test_a_bad_color_names_the_color_field_puts_the_cursor_there_and_writes_nothing(
        qtbot: Any, desk: tuple[AppContext, CertificatesView], demo_facet: Facet) -> None:
    _context, view = desk
    before = (_count(demo_facet, "SELECT count(*) FROM certificates"),
              _count(demo_facet, "SELECT count(*) FROM audit_events"))
    dialog = _new_dialog(qtbot, view)
    _fill(qtbot, dialog, {"report_number": "2141234599", "carat": "1.01", "color": "Q+", "clarity": "SI1"})
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.form.message_label.text().startswith("Color: "), timeout=5_000)
    assert "'Q+' is not a color grade" in dialog.form.message_label.text()
    assert focused() is dialog.form.color_edit and dialog.form.color_edit.property("invalid")
    assert dialog.isVisible()
    snap(dialog, "dialog-error")
    assert (_count(demo_facet, "SELECT count(*) FROM certificates"),
            _count(demo_facet, "SELECT count(*) FROM audit_events")) == before
    _type(qtbot, "H")  # the selected bad value is replaced, the mark goes
    assert not dialog.form.color_edit.property("invalid")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert _count(demo_facet, "SELECT color FROM certificates WHERE report_number = '2141234599'") == "H"


def test_an_unknown_sku_or_a_file_that_is_no_scan_is_named_and_nothing_is_written(
        qtbot: Any, desk: tuple[AppContext, CertificatesView], demo_facet: Facet, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _context, view = desk
    before = _count(demo_facet, "SELECT count(*) FROM certificates")
    gif = tmp_path / "report.png"
    gif.write_bytes(b"GIF89a pretending to be a png")
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *args: gif)
    dialog = _new_dialog(qtbot, view)
    press(qtbot, Qt.Key.Key_A, Ctrl | Shift)
    assert dialog.form.message_label.text() == "Scan: report.png is not a PDF, JPEG or PNG file"
    assert dialog.scan is None
    _fill(qtbot, dialog, {"report_number": "2141234598", "carat": "1.01", "item": "NO-SUCH-SKU"})
    press(qtbot, Qt.Key.Key_S, Ctrl)
    qtbot.waitUntil(lambda: dialog.form.message_label.text().startswith("Item SKU: no item has SKU"))
    assert focused() is dialog.form.item_edit
    assert _count(demo_facet, "SELECT count(*) FROM certificates") == before
