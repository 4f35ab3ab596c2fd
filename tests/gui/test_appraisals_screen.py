"""The appraisals screen and dialog, driven with the keyboard over the demo store.

An appraiser (Priya Nair, who may sign) drafts, finalizes, corrects, finds
and prints appraisals through the real widgets and services. Set
FACET_DIALOG_PNG to a folder to keep a picture of each screen as a test
leaves it (for looking at layout).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from pos_app.app import Facet
from pos_app.domain.appraisals import Purpose, standard_limiting_conditions
from pos_app.domain.permissions import Role
from pos_app.gui import dialogs, printing
from pos_app.gui.appraisals.dialog import AppraisalDialog
from pos_app.gui.appraisals.model import AppraisalListModel
from pos_app.gui.appraisals.view import AppraisalsView
from pos_app.gui.context import AppContext
from pos_app.gui.launch import make_application
from pos_app.services import appraisals, certificates
from tests.conftest import actor_for
from tests.gui.conftest import focused, press, snap
from tests.images import png

CERT = {"lab": "GIA", "report_number": "2141234567", "report_date": "2024-03-18", "shape": "round",
        "carat": "1.02", "color": "G", "clarity": "VS1", "cut": "excellent", "origin": "natural"}
CTRL, SHIFT, ALT = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
                    Qt.KeyboardModifier.AltModifier)
CTRL_SHIFT = CTRL | SHIFT


@pytest.fixture
def desk(qtbot: Any, demo_facet: Facet) -> Iterator[tuple[AppContext, AppraisalsView]]:
    """The appraisals screen, shown, for the demo store's appraiser."""
    make_application()
    context = AppContext(demo_facet)
    context.set_actor(actor_for(demo_facet, Role.APPRAISER))
    view = AppraisalsView(context)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    qtbot.waitExposed(view)
    yield context, view
    context.runner.wait()
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    context.close()




def _type(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def _count(facet: Facet, sql: str, *args: object) -> Any:
    conn = facet.connection()
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


def _certificate(facet: Facet) -> str:
    saved = certificates.add_certificate(CERT, uow=facet.uow(), actor=actor_for(facet, Role.APPRAISER),
                                         today=dt.date.today())
    return saved.id


def _new_dialog(qtbot: Any, view: AppraisalsView) -> AppraisalDialog:
    view.form.table.setFocus()
    press(qtbot, Qt.Key.Key_N, CTRL)
    dialog = view.dialog
    assert isinstance(dialog, AppraisalDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.waitUntil(lambda: focused() is dialog.form.purpose_combo)
    snap(dialog, "appraisal-new")
    return dialog


def _stone_row(qtbot: Any, cells: list[str]) -> None:
    """Ctrl+Shift+N adds a row with its role filled in; type shape, count, carat, ... with Tab between."""
    press(qtbot, Qt.Key.Key_N, CTRL_SHIFT)
    for n, text in enumerate(cells):
        if n:
            press(qtbot, Qt.Key.Key_Tab)
        if text:
            _type(qtbot, text)


def _draft_by_keyboard(qtbot: Any, view: AppraisalsView, photo: Path, monkeypatch: pytest.MonkeyPatch,
                       *, second_carat: str = "0.36") -> AppraisalDialog:
    """Fill a new appraisal with the keyboard: owner, value, description, style, two stones, a photo."""
    dialog = _new_dialog(qtbot, view)
    press(qtbot, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: getattr(dialog, "picker", None) is not None and dialog.picker.isVisible())
    qtbot.waitUntil(lambda: focused() is dialog.picker.form.search_edit)
    _type(qtbot, "Abernathy")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.owner_id is not None)
    assert dialog.form.owner_value_label.text() == "Mia Abernathy"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and dialog.isAncestorOf(focused()))
    press(qtbot, Qt.Key.Key_V, ALT)
    assert focused() is dialog.form.value_edit
    _type(qtbot, "18,500.00")
    press(qtbot, Qt.Key.Key_D, ALT)
    _type(qtbot, "An 18k white gold halo pendant necklace with a round brilliant center.")
    press(qtbot, Qt.Key.Key_Y, ALT)
    _type(qtbot, "Halo")
    assert dialog.form.style_combo.currentData() == "halo"
    snap(dialog, "appraisal-new-details")
    press(qtbot, Qt.Key.Key_2, ALT)
    _stone_row(qtbot, ["round", "1", "1.02", "G", "VS1", "excellent", "6.45 x 6.48 x 3.98 mm", "2141234567"])
    _stone_row(qtbot, ["round", "18", second_carat, "H", "SI1"])
    snap(dialog, "appraisal-new-stones")
    monkeypatch.setattr(dialogs, "ask_open_paths", lambda *args: [photo])
    press(qtbot, Qt.Key.Key_A, CTRL_SHIFT)
    qtbot.waitUntil(lambda: len(dialog.pending_photos) == 1)
    return dialog


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "necklace.png"
    path.write_bytes(png(120, 90, seed=4))
    return path


def test_model_passes_qt_model_checks(desk: tuple[AppContext, AppraisalsView], qtmodeltester: Any) -> None:
    _context, view = desk
    assert isinstance(view.model, AppraisalListModel)
    qtmodeltester.check(view.model)


def test_a_draft_with_two_stones_and_a_photo_is_made_with_the_keyboard_and_waits_in_the_drafts(
        qtbot: Any, desk: tuple[AppContext, AppraisalsView], demo_facet: Facet, photo: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    context, view = desk
    cert_id = _certificate(demo_facet)
    dialog = _draft_by_keyboard(qtbot, view, photo, monkeypatch)
    snap(dialog, "appraisal-new-filled")
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=10_000)
    record = dialog.record
    assert record is not None and record.status == "draft" and record.version == 1
    assert record.owner_customer_id == dialog.owner_id
    assert [(s.role.value, s.count, s.carat_points, s.certificate_id) for s in record.spec.stones] == [
        ("center", 1, 102, cert_id), ("side", 18, 36, None)]
    assert len(record.photos) == 1 and record.spec.value is not None and record.spec.value.cents == 1_850_000
    assert "draft" in dialog.form.message_label.text()

    # The list shows it under "Drafts waiting" (the demo store has some of its own)
    waiting = _count(demo_facet, "SELECT count(*) FROM appraisals WHERE status = 'draft'")
    qtbot.waitUntil(lambda: view.form.drafts_button.text().startswith(f"Drafts waiting ({waiting})"))
    press(qtbot, Qt.Key.Key_Escape)  # closes the dialog; the list has the keyboard again
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.form.table)
    press(qtbot, Qt.Key.Key_D, CTRL)
    assert view.form.drafts_button.isChecked()
    assert view.model.rowCount() == waiting
    rows = [view.model.row_at(r) for r in range(view.model.rowCount())]
    assert all(r is not None and r.status == "draft" for r in rows)
    at = next(n for n, r in enumerate(rows) if r is not None and r.id == record.id)
    texts = [view.model.index(at, c).data() for c in range(view.model.columnCount())]
    assert texts[:3] == [record.number, "1", "Draft"]
    assert texts[5] == "Mia Abernathy" and texts[7] == "$18,500.00" and texts[8] == "Priya Nair"
    snap(view, "appraisals-drafts")


def test_finalized_opens_read_only_and_a_correction_is_version_two_with_both_listed(
        qtbot: Any, desk: tuple[AppContext, AppraisalsView], demo_facet: Facet, photo: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    context, view = desk
    _certificate(demo_facet)
    dialog = _draft_by_keyboard(qtbot, view, photo, monkeypatch)
    asked: list[str] = []

    def confirm(_parent: Any, _title: str, text: str) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(dialogs, "ask_yes_no", confirm)
    press(qtbot, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.waitUntil(lambda: dialog.record is not None and dialog.record.status == "final", timeout=10_000)
    assert "A final appraisal never changes" in asked[0]
    f = dialog.form
    assert f.value_edit.isReadOnly() and f.description_edit.isReadOnly() and not f.style_combo.isEnabled()
    assert not f.save_button.isVisible() and not f.finalize_button.isVisible() and f.correct_button.isVisible()
    assert f.versions_group.isVisible() and f.versions_table.rowCount() == 1
    assert "Final" in f.heading_label.text()
    first = dialog.record
    assert first is not None
    assert f.tabs.currentWidget() is f.details_tab
    snap(dialog, "appraisal-final")
    press(qtbot, Qt.Key.Key_2, ALT)
    assert [f.stones_table.item(0, c).text() for c in (0, 1, 6, 8)] == ["Center stone", "Round Brilliant",
                                                                       "Excellent", "2141234567"]
    snap(dialog, "appraisal-final-stones")
    press(qtbot, Qt.Key.Key_1, ALT)

    press(qtbot, Qt.Key.Key_C, CTRL_SHIFT)
    qtbot.waitUntil(lambda: dialog.record is not None and dialog.record.version == 2, timeout=10_000)
    second = dialog.record
    assert second is not None
    assert second.number == first.number and second.status == "draft" and second.supersedes_id == first.id
    assert not f.value_edit.isReadOnly() and f.save_button.isVisible()
    assert f.versions_table.rowCount() == 2
    statuses = [f.versions_table.item(r, 1).text() for r in range(2)]
    made_by = {f.versions_table.item(r, 2).text() for r in range(2)}
    assert statuses == ["Final, superseded by version 2", "Draft correction"] and made_by == {"Priya Nair"}
    assert len(second.photos) == 1 and len(second.spec.stones) == 2

    # Change the value, finalize version 2; then open version 1 from the list of versions.
    f.value_edit.setFocus()
    f.value_edit.selectAll()
    _type(qtbot, "17,900.00")
    press(qtbot, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.waitUntil(lambda: dialog.record is not None and dialog.record.status == "final", timeout=10_000)
    assert [f.versions_table.item(r, 1).text() for r in range(2)] == ["Final, superseded by version 2",
                                                                      "Final, current"]
    snap(dialog, "appraisal-final-versions")
    f.versions_table.setFocus()
    f.versions_table.setCurrentCell(0, 0)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.record is not None and dialog.record.version == 1, timeout=10_000)
    assert "Superseded by version 2" in f.heading_label.text()
    assert not f.correct_button.isVisible() and f.value_edit.text() == "18,500.00"
    snap(dialog, "appraisal-superseded")
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.form.table)
    press(qtbot, Qt.Key.Key_F, CTRL)
    _type(qtbot, first.number)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    assert [view.model.index(r, c).data() for r in range(2) for c in (1, 2)] == ["2", "Final", "1", "Superseded"]


def test_the_list_finds_an_appraisal_by_owner_name_and_by_number(
        qtbot: Any, desk: tuple[AppContext, AppraisalsView], demo_facet: Facet) -> None:
    context, view = desk
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    customer = demo_facet.connection().execute(
        "SELECT id FROM customers WHERE last_name = 'Ainsley'").fetchone()[0]
    form = {"purpose": "insurance", "description": "A tennis necklace.", "value": "9,000"}
    today = dt.date.today()
    mine = appraisals.create_draft(form, [], uow=demo_facet.uow(), actor=appraiser, today=today,
                                   owner_customer_id=customer)
    other = appraisals.create_draft(form, [], uow=demo_facet.uow(), actor=appraiser, today=today)
    total = view.model.rowCount()
    context.changed.emit("appraisals")
    assert view.model.rowCount() == total + 2

    press(qtbot, Qt.Key.Key_F, CTRL)
    assert focused() is view.form.search_edit
    _type(qtbot, "ainsl")
    qtbot.waitUntil(lambda: 1 <= view.model.rowCount() < total)
    rows = [view.model.row_at(r) for r in range(view.model.rowCount())]
    assert mine.id in {r.id for r in rows if r is not None}
    assert {r.owner_name for r in rows if r is not None} == {"Joseph Ainsley"}
    press(qtbot, Qt.Key.Key_Down)
    assert focused() is view.form.table

    view.focus_first()
    _type(qtbot, other.number)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.row_at(0).id == other.id)
    # Enter on the one found opens it.
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(view.dialog, AppraisalDialog) and view.dialog.record is not None)
    assert view.dialog.record.id == other.id
    snap(view, "appraisals-search")
    # However much its text asks for, the dialog stays on the screen: its buttons at the bottom stay reachable.
    dialog = view.dialog
    qtbot.waitUntil(dialog.isVisible)
    room = dialog.screen().availableGeometry()
    qtbot.wait(50)  # the dialog fits itself to its text once shown
    assert dialog.frameGeometry().height() <= room.height()
    assert dialog.form.save_button.mapToGlobal(dialog.form.save_button.rect().bottomLeft()).y() <= room.bottom()


def test_save_pdf_holds_the_number_and_value_and_the_card_is_a_card(
        qtbot: Any, desk: tuple[AppContext, AppraisalsView], demo_facet: Facet, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pdfplumber

    context, view = desk
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    form = {"purpose": "insurance", "description": "An 18k white gold halo necklace.", "value": "18,500.00",
            "style": "halo", "metal": "18k white"}
    draft = appraisals.create_draft(form, [], uow=demo_facet.uow(), actor=appraiser, today=dt.date.today())
    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    context.changed.emit("appraisals")

    # From the list: Ctrl+S saves the selected one.
    target = tmp_path / "from-list.pdf"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *args: target)
    view.form.search_edit.setText(final.number)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    view.form.table.setFocus()
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: "Saved" in view.form.message_label.text(), timeout=15_000)
    snap(view, "appraisals-saved-pdf")
    with pdfplumber.open(io.BytesIO(target.read_bytes())) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert final.number in text and "$18,500.00" in text

    # From the dialog: the wallet card instead of the full appraisal.
    view.open_appraisal(final.id)
    dialog = view.dialog
    assert isinstance(dialog, AppraisalDialog)
    qtbot.waitUntil(lambda: dialog.record is not None)
    dialog.form.card_check.setChecked(True)
    assert not dialog.form.certificates_check.isEnabled()
    card = tmp_path / "card.pdf"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *args: card)
    press(qtbot, Qt.Key.Key_S, CTRL_SHIFT)
    qtbot.waitUntil(lambda: dialog.saved_path == card, timeout=15_000)
    snap(dialog, "appraisal-saved-card")
    with pdfplumber.open(io.BytesIO(card.read_bytes())) as pdf:
        width, height = pdf.pages[0].width, pdf.pages[0].height
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert (round(width), round(height)) == (252, 144) and final.number in text


def test_print_renders_every_page_onto_the_chosen_printer(
        qtbot: Any, desk: tuple[AppContext, AppraisalsView], demo_facet: Facet, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pdfplumber

    context, view = desk
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    form = {"purpose": "insurance", "description": "A bezel necklace.", "value": "4,250.00"}
    draft = appraisals.create_draft(form, [], uow=demo_facet.uow(), actor=appraiser, today=dt.date.today())
    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    out = tmp_path / "printed.pdf"

    def pdf_printer(_parent: Any, pages: int) -> QPrinter:  # the print dialog's answer, without the dialog
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(100)
        asked.append(pages)
        return printer

    asked: list[int] = []
    monkeypatch.setattr(printing, "ask_printer", pdf_printer)
    view.open_appraisal(final.id)
    dialog = view.dialog
    assert isinstance(dialog, AppraisalDialog)
    qtbot.waitUntil(lambda: dialog.record is not None)
    press(qtbot, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: "Sent" in dialog.form.message_label.text(), timeout=20_000)
    assert asked and f"Sent {asked[0]} page(s)" in dialog.form.message_label.text()
    with pdfplumber.open(str(out)) as pdf:
        assert len(pdf.pages) == asked[0]
        assert pdf.pages[0].images  # each page is painted as an image of the rendered PDF


def test_a_bad_carat_in_stone_two_is_named_and_nothing_is_written(
        qtbot: Any, desk: tuple[AppContext, AppraisalsView], demo_facet: Facet, photo: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    context, view = desk
    _certificate(demo_facet)
    before = _count(demo_facet, "SELECT count(*) FROM appraisals")
    photos_before = _count(demo_facet, "SELECT count(*) FROM appraisal_photos")
    dialog = _draft_by_keyboard(qtbot, view, photo, monkeypatch, second_carat="abc")
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: "stone 2 carat" in dialog.form.message_label.text().lower(), timeout=10_000)
    context.runner.wait()
    table = dialog.form.stones_table
    assert dialog.record is None
    assert dialog.form.tabs.currentWidget() is dialog.form.stones_tab
    assert (table.currentRow(), table.currentColumn()) == (1, 3) and focused() is table
    assert _count(demo_facet, "SELECT count(*) FROM appraisals") == before
    assert _count(demo_facet, "SELECT count(*) FROM appraisal_photos") == photos_before
    snap(dialog, "appraisal-error-stone")

    # A field of the form: named by its caption, marked, focused, on its tab.
    table.item(1, 3).setText("0.36")
    dialog.form.value_edit.setText("-5")
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: dialog.form.message_label.text().startswith("Appraised value:"), timeout=10_000)
    assert focused() is dialog.form.value_edit and dialog.form.value_edit.property("invalid")
    assert dialog.form.tabs.currentWidget() is dialog.form.details_tab
    assert _count(demo_facet, "SELECT count(*) FROM appraisals") == before
    snap(dialog, "appraisal-error-value")

    # An unknown certificate number names its row.
    dialog.form.value_edit.setText("18,500.00")
    table.item(0, 8).setText("9999999999")
    press(qtbot, Qt.Key.Key_S, CTRL)
    assert "stone 1 certificate" in dialog.form.message_label.text().lower()
    assert _count(demo_facet, "SELECT count(*) FROM appraisals") == before


def test_the_limiting_conditions_follow_the_purpose_until_the_appraiser_rewords_them(
        qtbot: Any, desk: tuple[AppContext, AppraisalsView]) -> None:
    _, view = desk
    dialog = _new_dialog(qtbot, view)
    f = dialog.form
    conditions = f.limiting_conditions_edit
    assert conditions.toPlainText() == standard_limiting_conditions(Purpose.INSURANCE)  # the store's setting
    press(qtbot, Qt.Key.Key_Down)  # Insurance replacement -> Estate
    assert f.purpose_combo.currentData() == Purpose.ESTATE.value
    assert conditions.toPlainText() == standard_limiting_conditions(Purpose.ESTATE)
    press(qtbot, Qt.Key.Key_Down)  # -> Fair market value
    assert f.purpose_combo.currentData() == Purpose.FAIR_MARKET.value
    assert conditions.toPlainText() == standard_limiting_conditions(Purpose.FAIR_MARKET)

    press(qtbot, Qt.Key.Key_4, ALT)
    press(qtbot, Qt.Key.Key_L, ALT)
    assert focused() is conditions
    press(qtbot, Qt.Key.Key_End, CTRL)
    _type(qtbot, " Valued for a sale between relatives.")
    snap(dialog, "appraisal-conditions-for-fair-market-value")
    press(qtbot, Qt.Key.Key_1, ALT)
    assert focused() is f.purpose_combo
    press(qtbot, Qt.Key.Key_Up)  # the appraiser's own wording stays, whatever the purpose
    assert f.purpose_combo.currentData() == Purpose.ESTATE.value
    assert conditions.toPlainText() == (standard_limiting_conditions(Purpose.FAIR_MARKET)
                                        + " Valued for a sale between relatives.")
