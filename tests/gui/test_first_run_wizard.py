"""The first-run wizard, driven by keys as a new store would: Tab and typing, Enter or Alt+N for Next, Esc to quit.

Each page is given a bad value first (the page names the field and nothing is written), then a good one. The
printer's test page goes to a loopback ESC/POS listener; the inventory page imports a small CSV. Set
FACET_DIALOG_PNG to a folder to keep a picture of each page as the test leaves it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app import app
from pos_app.adapters.secrets import STRIPE_KEY_NAME, KeyringSecrets
from pos_app.domain.items import COLUMNS
from pos_app.domain.permissions import Role
from pos_app.gui import first_run
from pos_app.gui.first_run import FirstRunWizard
from pos_app.gui.launch import watch_for_unfinished_setup
from pos_app.services import two_step
from pos_app.services.setup import setup_pending
from tests.conftest import actor_for, audit_actions
from tests.gui.conftest import first_run_shown, focused, main_window, press, snap
from tests.printer_listener import PrinterListener
from tests.stripe_server import FakeStripe

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
PASSWORD = "correct horse 1"


@pytest.fixture
def wizard(qtbot: Any, tmp_path: Path) -> Iterator[FirstRunWizard]:
    with first_run_shown(qtbot, tmp_path / "store") as shown:
        assert isinstance(shown, FirstRunWizard)
        yield shown


def type_text(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def replace_text(qtbot: Any, text: str) -> None:
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_text(qtbot, text)


def alt_n(qtbot: Any) -> None:
    """Alt+N: the Next button's mnemonic (a button pressed by its mnemonic clicks a moment later)."""
    press(qtbot, Qt.Key.Key_N, ALT)
    qtbot.wait(200)


def message(w: FirstRunWizard) -> str:
    return str(w.currentPage().form.message_label.text())


def on_page(qtbot: Any, w: FirstRunWizard, page: int) -> None:
    qtbot.waitUntil(lambda: w.currentId() == page, timeout=20_000)


def next_code(secret: str) -> str:
    """The authenticator's code for the next 30 seconds: accepted now, and not yet used by anyone."""
    step = two_step.time_step(dt.datetime.now(dt.UTC)) + 1
    return str(pyotp.TOTP(secret).at(step * two_step.STEP_SECONDS))


def fill_store_tax_owner(qtbot: Any, w: FirstRunWizard) -> None:
    """The first three pages, right at once: Enter from the last field of each."""
    assert w.currentId() == first_run.STORE and focused() is w.page(first_run.STORE).form.name_edit
    type_text(qtbot, "Rosalind Fine Jewelry")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "12 Main Street, Boulder CO")
    press(qtbot, Qt.Key.Key_T, ALT)
    replace_text(qtbot, "America/Denver")
    alt_n(qtbot)
    on_page(qtbot, w, first_run.TAX)
    type_text(qtbot, "7.65")
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, w, first_run.OWNER)
    for text in ("Rosalind Hart", PASSWORD, PASSWORD, "2468"):
        type_text(qtbot, text)
        press(qtbot, Qt.Key.Key_Tab)
    alt_n(qtbot)  # "Next: create the store"
    on_page(qtbot, w, first_run.TWO_STEP)


def enrol(qtbot: Any, w: FirstRunWizard) -> list[str]:
    """Two-step sign-in with the authenticator's code; returns the recovery codes the page showed once."""
    page = w.page(first_run.TWO_STEP)
    assert focused() is page.panel.form.code_edit
    type_text(qtbot, next_code(page.panel.offer.secret))
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.panel.showing_codes, timeout=20_000)
    codes = re.findall(r"\d+\. (\S+)", page.panel.form.codes_label.text())
    press(qtbot, Qt.Key.Key_Return)  # "I have written them down"
    on_page(qtbot, w, first_run.PRINTER)
    assert len(codes) == 10 and page.panel.form.codes_label.text() == ""
    return codes


def write_items(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def item(**overrides: str) -> dict[str, str]:
    return {"sku": "RFJ-1", "style": "halo", "title": "Halo Pendant Necklace", "metal": "platinum",
            "price": "2100.00", "tracking": "unique", "location": "Case 1", **overrides}


def test_a_store_is_set_up_by_keys_from_its_name_to_its_first_shift_each_page_refusing_a_bad_value_first(
        qtbot: Any, wizard: FirstRunWizard, tmp_path: Path) -> None:
    w, data_dir = wizard, tmp_path / "store"
    store = w.page(first_run.STORE).form
    KeyringSecrets().delete(STRIPE_KEY_NAME)  # the Stripe key is the machine's: another test may have kept one

    # The store: a time zone that does not exist is named, and nothing is written.
    type_text(qtbot, "Rosalind Fine Jewelry")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is store.address_edit
    type_text(qtbot, "12 Main Street, Boulder CO")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "(303) 555-0147")
    press(qtbot, Qt.Key.Key_T, ALT)
    replace_text(qtbot, "Mars/Olympus_Mons")
    alt_n(qtbot)
    assert w.currentId() == first_run.STORE
    assert message(w).startswith("Time zone: 'Mars/Olympus_Mons' is not a time zone")
    assert focused() is store.timezone_combo and not data_dir.exists()
    snap(w, "first-run-1-store")
    replace_text(qtbot, "America/Denver")
    alt_n(qtbot)
    on_page(qtbot, w, first_run.TAX)

    # Sales tax: 45% is refused; Enter goes on.
    type_text(qtbot, "45")
    press(qtbot, Qt.Key.Key_Return)
    assert w.currentId() == first_run.TAX
    assert message(w) == "Sales tax rate: must be between 0 and 30 percent"
    replace_text(qtbot, "7.65")
    assert message(w) == ""  # the refusal goes as the correction is typed
    assert w.page(first_run.TAX).form.example_label.text() == "A 1,000.00 necklace: 76.50 tax, 1,076.50 in all."
    snap(w, "first-run-2-tax")
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, w, first_run.OWNER)

    # The owner: two passwords that differ are named; nothing exists until the owner's page passes.
    owner = w.page(first_run.OWNER).form
    for text in ("Rosalind Hart", PASSWORD, "correct horse 2", "2468"):
        type_text(qtbot, text)
        press(qtbot, Qt.Key.Key_Tab)
    alt_n(qtbot)
    assert w.currentId() == first_run.OWNER
    assert message(w) == "Password again: the two passwords differ"
    assert focused() is owner.owner_password2_edit and not app.store_exists(data_dir)
    snap(w, "first-run-3-owner")
    replace_text(qtbot, PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, w, first_run.TWO_STEP)
    assert app.store_exists(data_dir) and owner.owner_password_edit.text() == ""

    # Two-step sign-in, required for the owner: a wrong code is refused, the app's code accepted.
    panel = w.page(first_run.TWO_STEP).panel
    snap(w, "first-run-4-two-step")
    type_text(qtbot, "000000")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "does not match" in panel.form.message_label.text(), timeout=10_000)
    assert not w.button(w.WizardButton.NextButton).isEnabled()
    panel.form.code_edit.clear()
    enrol(qtbot, w)
    assert not w.button(w.WizardButton.BackButton).isEnabled()  # the store exists: no way back to its pages

    # The printer: a bad address is named and not saved; the test page goes to the printer.
    printer = w.page(first_run.PRINTER).form
    assert focused() is printer.printer_edit
    type_text(qtbot, "lpt1")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: message(w).startswith("Printer address: use tcp://"), timeout=10_000)
    assert w.facet.store.directory.setting("receipt.printer", "") == ""
    listener = PrinterListener()
    try:
        replace_text(qtbot, listener.url)
        press(qtbot, Qt.Key.Key_T, CTRL)
        page = listener.wait_for(1)[0]
        qtbot.waitUntil(lambda: message(w).startswith("Test page sent"), timeout=10_000)
    finally:
        listener.close()
    assert b"Printer test page" in page and b"Rosalind Fine Jewelry" in page and page.endswith(b"\x1dV\x00")  # the cut
    snap(w, "first-run-5-printer")
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, w, first_run.PAYMENTS)
    assert w.facet.store.directory.setting("receipt.printer") == listener.url

    # Stripe: a publishable key is refused; empty fields skip the page.
    type_text(qtbot, "pk_test_51Abc")
    press(qtbot, Qt.Key.Key_Return)
    assert message(w).startswith("Stripe secret key: that is a publishable key")
    assert w.facet.keyring.get(STRIPE_KEY_NAME) is None
    snap(w, "first-run-6-payments")
    press(qtbot, Qt.Key.Key_A, CTRL)
    press(qtbot, Qt.Key.Key_Delete)
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, w, first_run.INVENTORY)

    # The stock: a file with a bad row imports nothing and lists the row; Alt+V imports the others.
    items = write_items(tmp_path / "stock.csv", [item(), item(sku="RFJ-2", price="lots"),
                                                  item(sku="RFJ-3", tracking="counted", quantity="4",
                                                       title="Gold Rope Chain")])
    inventory = w.page(first_run.INVENTORY).form
    type_text(qtbot, str(items))
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Nothing was imported" in message(w), timeout=20_000)
    assert "Row 3, column price" in inventory.report_edit.toPlainText()
    assert w.facet.store.directory.counts().items == 0
    press(qtbot, Qt.Key.Key_V, ALT)
    qtbot.wait(200)
    qtbot.waitUntil(lambda: message(w).startswith("Imported: 2 new items"), timeout=20_000)
    report = inventory.report_edit.toPlainText()
    assert report.startswith("3 rows read: 2 new items, 0 updated, 0 unchanged.")
    assert "row 3, column price" in report and inventory.progress_bar.value() == inventory.progress_bar.maximum()
    snap(w, "first-run-7-inventory")
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, w, first_run.SHIFT)

    # The first shift: a float that is not an amount is named; Enter opens the shift and finishes.
    assert focused() is w.page(first_run.SHIFT).form.float_edit
    replace_text(qtbot, "two hundred")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: message(w).startswith("Cash in the drawer: 'two hundred' is not an amount"),
                    timeout=10_000)
    snap(w, "first-run-8-shift")
    replace_text(qtbot, "150.00")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=10_000)
    assert w.result() == w.DialogCode.Accepted

    facet = w.facet
    conn = facet.connection()
    try:
        shift = conn.execute("SELECT terminal, float_cents, closed_at FROM shifts").fetchall()
        staff = conn.execute("SELECT name, role, totp_secret IS NOT NULL FROM staff").fetchall()
    finally:
        conn.close()
    events = audit_actions(facet)
    assert shift == [("C1", 15000, None)]
    assert staff == [("Rosalind Hart", "owner", 1)]
    assert facet.profile.tax_rate == "7.65" and facet.profile.timezone == "America/Denver"
    assert not setup_pending(facet.store.directory)
    steps = ["store.created", "staff.added", "staff.two_step_enrolled", "items.imported", "shift.opened",
             "store.setup_finished"]
    assert [event for event in events if event in steps] == steps
    assert "setting.changed" in events and "payments.key_set" not in events
    assert facet.store.directory.counts().items == 2


def test_quitting_before_the_owners_page_is_passed_leaves_no_store(qtbot: Any, wizard: FirstRunWizard,
                                                                   tmp_path: Path) -> None:
    type_text(qtbot, "Rosalind Fine Jewelry")
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, wizard, first_run.TAX)
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, wizard, first_run.OWNER)
    type_text(qtbot, "Rosalind Hart")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "short")  # not 8 characters: refused, and nothing written
    press(qtbot, Qt.Key.Key_Return)
    assert message(wizard).startswith("Password")
    press(qtbot, Qt.Key.Key_Escape)
    assert not wizard.isVisible() and wizard.outcome() is None
    assert not app.store_exists(tmp_path / "store")


def test_a_setup_quit_after_the_store_was_made_comes_back_at_the_owners_next_sign_in(
        qtbot: Any, wizard: FirstRunWizard, tmp_path: Path) -> None:
    fill_store_tax_owner(qtbot, wizard)
    recovery = enrol(qtbot, wizard)
    press(qtbot, Qt.Key.Key_Escape)  # quit on the printer page
    assert wizard.outcome() is None

    facet = app.open_facet(tmp_path / "store")
    try:
        assert setup_pending(facet.store.directory)
        with main_window(qtbot, facet) as main:
            watch_for_unfinished_setup(main, main.context)
            main.activateWindow()
            qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
            main.sign_in.form.secret_edit.setFocus()  # the only person on the list is chosen already
            type_text(qtbot, PASSWORD)
            press(qtbot, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: main.sign_in.awaiting_code, timeout=10_000)
            main.sign_in.code_form.code_edit.setFocus()
            type_text(qtbot, recovery[0])  # the phone's code of this half-minute was used to enrol
            press(qtbot, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: getattr(main, "setup_wizard", None) is not None, timeout=10_000)
            resumed = main.setup_wizard
            qtbot.waitUntil(lambda: resumed.isVisible() and focused() is resumed.page(first_run.PRINTER)
                            .form.printer_edit, timeout=10_000)
            assert resumed.currentId() == first_run.PRINTER
            for page in (first_run.PAYMENTS, first_run.INVENTORY, first_run.SHIFT):
                press(qtbot, Qt.Key.Key_Return)  # skip the printer, Stripe and the import
                on_page(qtbot, resumed, page)
            press(qtbot, Qt.Key.Key_Return)  # the float as offered, 200.00
            qtbot.waitUntil(lambda: not resumed.isVisible(), timeout=10_000)
            assert main.context.sales.open_shift("C1").float_cents == 20000
            assert not setup_pending(main.context.directory)
    finally:
        facet.close()


def test_ctrl_d_opens_the_demo_store_instead(qtbot: Any, wizard: FirstRunWizard) -> None:
    press(qtbot, Qt.Key.Key_D, CTRL)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=60_000)
    facet = wizard.facet
    assert facet.profile.name == "Jane Ellen" and not setup_pending(facet.store.directory)


def test_a_test_page_to_a_printer_that_is_off_says_so_on_the_page_and_the_setup_goes_on(
        qtbot: Any, wizard: FirstRunWizard) -> None:
    fill_store_tax_owner(qtbot, wizard)
    enrol(qtbot, wizard)
    nobody = PrinterListener()
    address = nobody.url
    nobody.close()  # its port now refuses connections, like a printer switched off
    type_text(qtbot, address)
    press(qtbot, Qt.Key.Key_T, CTRL)
    qtbot.waitUntil(lambda: bool(message(wizard)) and "Printing" not in message(wizard), timeout=20_000)
    snap(wizard, "first-run-5-printer-off")
    assert "does not answer" in message(wizard)
    assert wizard.page(first_run.PRINTER).form.message_label.property("problem") is True
    press(qtbot, Qt.Key.Key_Return)  # the address is kept: receipts wait in the queue until it prints
    on_page(qtbot, wizard, first_run.PAYMENTS)
    assert wizard.facet.store.directory.setting("receipt.printer") == address


def test_the_two_step_page_shows_the_qr_code_whole_at_1280x800(qtbot: Any, wizard: FirstRunWizard) -> None:
    fill_store_tax_owner(qtbot, wizard)
    qtbot.wait(100)
    form = wizard.page(first_run.TWO_STEP).panel.form
    assert wizard.size().height() <= 800
    qr, caption = form.qr_label.geometry(), form.key_caption.geometry()
    assert qr.height() == form.qr_label.pixmap().height() and caption.top() > qr.bottom()  # not drawn over it
    assert form.code_edit.geometry().top() > form.key_label.geometry().bottom()
    snap(wizard, "first-run-4-two-step-whole")


@pytest.fixture
def no_stripe_key() -> Iterator[None]:
    """The test keyring is the session's: no Stripe key from another test before, none left after."""
    from pos_app.adapters.secrets import KeyringSecrets

    KeyringSecrets().delete(STRIPE_KEY_NAME)
    yield
    KeyringSecrets().delete(STRIPE_KEY_NAME)


def test_the_stripe_page_keeps_the_key_and_registers_the_reader_by_the_code_its_screen_shows(
        qtbot: Any, wizard: FirstRunWizard, stripe_server: FakeStripe, no_stripe_key: None) -> None:
    from pos_app.services import settings

    w = wizard
    fill_store_tax_owner(qtbot, w)
    enrol(qtbot, w)
    # This store's Stripe is the local test server (a real store leaves the address empty: Stripe itself).
    settings.change_setting("payments.api_base", stripe_server.url, uow=w.facet.uow(),
                            actor=actor_for(w.facet, Role.OWNER))
    press(qtbot, Qt.Key.Key_Return)  # no printer
    on_page(qtbot, w, first_run.PAYMENTS)
    form = w.page(first_run.PAYMENTS).form
    assert focused() is form.stripe_key_edit and form.reader_label.text() == "none yet"

    # A code without a key: the key is named, and Stripe is not asked.
    press(qtbot, Qt.Key.Key_G, ALT)
    assert focused() is form.registration_code_edit
    type_text(qtbot, "simulated-wpe")
    press(qtbot, Qt.Key.Key_Return)
    assert message(w).startswith("Stripe secret key: is needed to register a card reader")
    assert focused() is form.stripe_key_edit and stripe_server.registered_labels == []

    # A code Stripe refuses: named as Settings names it, the key already kept and off the screen.
    type_text(qtbot, stripe_server.secret_key)
    press(qtbot, Qt.Key.Key_G, ALT)
    replace_text(qtbot, "sepia-cerulean-aqua")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Stripe refused it" in message(w), timeout=20_000)
    assert message(w).startswith("Registration code: Stripe refused it (Invalid registration code)")
    assert message(w).endswith("Generate pairing code). The Stripe key is kept in the keyring.")
    assert form.message_label.property("problem") is True
    assert w.currentId() == first_run.PAYMENTS and focused() is form.registration_code_edit
    assert form.stripe_key_edit.text() == "" and w.facet.keyring.get(STRIPE_KEY_NAME) == stripe_server.secret_key
    assert w.facet.store.directory.setting("payments.reader_id", "") == ""
    snap(w, "first-run-6-payments-refused")

    # The code the simulated reader shows: paired, this counter's reader, and the setup goes on.
    replace_text(qtbot, "Simulated-WPE")
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, w, first_run.INVENTORY)
    assert w.facet.store.directory.setting("payments.reader_id", "") == stripe_server.reader_id
    assert stripe_server.registered_labels == ["Facet counter C1"]
    assert form.reader_label.text().startswith(stripe_server.reader_id)
    events = audit_actions(w.facet)
    assert events.count("payments.key_set") == 1 and events.count("payments.reader_registered") == 1
    terminal = w.facet.card_terminal()
    assert terminal is not None and terminal.test_mode
