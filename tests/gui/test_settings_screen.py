"""Settings: the permission matrix read-only, and the store's settings changed in place, page by page,
with the command line's checks; driven by keys.

Set FACET_DIALOG_PNG to a folder to keep a picture of each page as the tests leave it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from pos_app.app import Facet
from pos_app.domain.permissions import Permission, Role
from pos_app.gui.main_window import MainWindow
from pos_app.gui.settings.pages import ALLOWED, PAGE_ORDER, PAGES, matrix_rows, setting_text
from pos_app.gui.settings.view import SettingsView
from tests.conftest import audit_summaries
from tests.gui.conftest import focused, press, sign_in, snap


def _cell(view: SettingsView, table: str, row: int, column: int) -> str:
    model = getattr(view.form, table).model()
    return str(model.data(model.index(row, column)))


def _row_of(view: SettingsView, label: str) -> int:
    model = view.form.permissions_table.model()
    return next(r for r in range(model.rowCount()) if model.data(model.index(r, 1)) == label)


def _settings(qtbot: Any, window: MainWindow, name: str) -> SettingsView:
    sign_in(qtbot, window, name)
    view = window.workspace.show_screen("Settings")
    assert isinstance(view, SettingsView)
    qtbot.waitUntil(lambda: bool(view.loaded_texts), timeout=10_000)
    return view


def _page(qtbot: Any, view: SettingsView, page: str) -> None:
    press(qtbot, getattr(Qt.Key, f"Key_{PAGE_ORDER.index(page) + 1}"), Qt.KeyboardModifier.AltModifier)
    assert view.current_page() == page


def _type(qtbot: Any, text: str) -> None:
    """Replace the focused field's text by typing, as a person would (select all, then type)."""
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(focused(), text)


def _save_and_wait(qtbot: Any, view: SettingsView, page: str, expected: str) -> None:
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    message = getattr(view.form, f"{page}_message")
    qtbot.waitUntil(lambda: expected in message.text(), timeout=10_000)



def test_a_manager_reads_the_matrix_and_every_page_but_changes_only_the_printer(
        qtbot: Any, window: MainWindow, qtmodeltester: Any) -> None:
    view = _settings(qtbot, window, "Marcus Reed")
    assert window.workspace.keys_of("Settings") == "Ctrl+8"  # after Staff (a manager resets clerks' PINs)
    table = view.form.permissions_table
    qtmodeltester.check(table.model())
    headers = [table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(table.model().columnCount())]
    assert headers == ["Area", "Permission", "Owner", "Manager", "Clerk", "Appraiser", "Privacy officer"]
    assert table.model().rowCount() == len(Permission)
    void = _row_of(view, "Void sale")
    assert [_cell(view, "permissions_table", void, c) for c in range(2, 7)] == [ALLOWED, ALLOWED, "", "", ""]
    printer = _row_of(view, "Manage printer")
    assert [_cell(view, "permissions_table", printer, c) for c in range(2, 7)] == [ALLOWED, ALLOWED, "", "", ""]
    assert table.editTriggers() == table.EditTrigger.NoEditTriggers
    assert focused() is table

    f = view.form
    _page(qtbot, view, "store")
    assert f.store_name_edit.isReadOnly() and not f.store_save_button.isVisible()
    assert "Only the owner changes these." in f.store_intro.text()
    _page(qtbot, view, "receipt")
    assert focused() is f.receipt_printer_edit and not f.receipt_printer_edit.isReadOnly()
    assert f.receipt_return_policy_edit.isReadOnly() and f.receipt_save_button.isVisible()
    _page(qtbot, view, "security")
    assert f.security_idle_edit.isReadOnly() and not f.security_save_button.isVisible()
    press(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert view.current_page() == "permissions" and focused() is table


def test_the_owner_changes_the_tax_rate_by_keyboard_and_the_trail_has_old_and_new(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    before = demo_facet.store.directory.store()
    assert before is not None
    _page(qtbot, view, "store")
    assert focused() is f.store_name_edit
    press(qtbot, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)  # Sales ta&x
    assert focused() is f.store_tax_rate_edit
    _type(qtbot, "6.25")
    _save_and_wait(qtbot, view, "store", "Saved: Sales tax (%).")
    snap(window, "settings-store")
    assert demo_facet.store.directory.store().tax_rate == "6.25"  # type: ignore[union-attr]
    assert window.context.profile.tax_rate == "6.25"
    (event,) = audit_summaries(demo_facet, "store.profile_changed")
    assert event["changed"] == {"tax_rate": {"before": before.tax_rate, "after": "6.25"}}
    sell = window.workspace.show_screen("Sell")  # the owner's own counter charges the new rate at once
    assert sell.settings.tax_rate == Decimal("6.25")


def test_a_bad_time_zone_names_the_field_takes_the_keyboard_and_changes_nothing(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    before = demo_facet.store.directory.store()
    _page(qtbot, view, "store")
    press(qtbot, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    _type(qtbot, "7")  # a good change with the bad one: all or nothing
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert focused() is f.store_timezone_edit
    _type(qtbot, "Mars/Olympus")
    press(qtbot, Qt.Key.Key_Tab)
    _save_and_wait(qtbot, view, "store", "Nothing was saved.")
    assert f.store_message.text() == ("Time zone: 'Mars/Olympus' is not a time zone name such as America/New_York. "
                                      "Nothing was saved.")
    assert focused() is f.store_timezone_edit and f.store_timezone_edit.property("invalid") is True
    snap(window, "settings-store-refused")
    assert demo_facet.store.directory.store() == before
    assert audit_summaries(demo_facet, "store.profile_changed") == []


def test_the_owner_sets_the_idle_lock_and_a_bad_argon2_cost_is_refused(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "security")
    assert focused() is f.security_idle_edit
    _type(qtbot, "12")
    _save_and_wait(qtbot, view, "security", "Saved: Idle lock (minutes).")
    assert demo_facet.store.directory.setting("security.idle_lock_minutes") == 12
    events = audit_summaries(demo_facet, "setting.changed")
    assert events[-1] == {"key": "security.idle_lock_minutes", "before": 5, "after": 12}

    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert focused() is f.security_argon2_edit
    _type(qtbot, "time_cost=1 memory_cost=1024")
    _save_and_wait(qtbot, view, "security", "Nothing was saved.")
    assert f.security_message.text().startswith("Argon2 costs (memory_cost): must be from ")
    assert focused() is f.security_argon2_edit
    assert len(audit_summaries(demo_facet, "setting.changed")) == len(events)
    snap(window, "settings-security")


def test_the_owner_requires_two_step_sign_in_of_managers_and_marcus_sets_it_up_at_his_next_sign_in(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "security")
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert focused() is f.security_two_step_edit
    assert f.security_two_step_edit.text() == "owner, privacy_officer"
    _type(qtbot, "owner, manager")
    _save_and_wait(qtbot, view, "security", "Nothing was saved.")
    assert f.security_message.text().startswith("Two-step sign-in: always includes the owner and the privacy "
                                                "officer")
    assert "privacy officer cannot be removed" in f.security_message.text()
    assert focused() is f.security_two_step_edit
    assert demo_facet.store.directory.setting("security.two_step_roles", None) is None

    _type(qtbot, "owner, privacy officer, manager")
    _save_and_wait(qtbot, view, "security", "Saved: Two-step sign-in.")
    assert demo_facet.store.directory.setting("security.two_step_roles") == ["owner", "manager", "privacy_officer"]
    assert audit_summaries(demo_facet, "setting.changed")[-1] == {
        "key": "security.two_step_roles", "before": ["owner", "privacy_officer"],
        "after": ["owner", "manager", "privacy_officer"]}
    assert f.security_two_step_edit.text() == "owner, manager, privacy_officer"
    snap(window, "settings-security-two-step")

    assert window.workspace.keys_of("Staff") == "Ctrl+0"
    press(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    staff_view = window.workspace.screens["Staff"]
    qtbot.waitUntil(lambda: staff_view.isVisible() and bool(staff_view.rows), timeout=10_000)
    needed = {_cell(staff_view, "staff_table", r, 0): _cell(staff_view, "staff_table", r, 2)
              for r in range(len(staff_view.rows))}
    assert needed["Marcus Reed"] == "needed" and needed["Lily Chen"] == "off" and needed["Jane Ellen"] == "on"

    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # switch user
    qtbot.waitUntil(lambda: window.context.actor is None and focused() is window.sign_in.form.staff_list,
                    timeout=10_000)
    qtbot.keyClicks(focused(), "Marcus")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.keyClicks(focused(), "manager-demo-1")
    press(qtbot, Qt.Key.Key_Return)
    panel = window.sign_in.enrol_panel
    qtbot.waitUntil(lambda: window.sign_in.pages.currentWidget() is panel and panel.offer is not None,
                    timeout=10_000)
    assert window.workspace is None or not window.workspace.isVisible()
    snap(window, "two-step-setup-for-a-manager")


def test_retention_below_the_legal_minimum_is_refused(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "retention")
    assert focused() is f.retention_transactions_edit
    _type(qtbot, "3")
    _save_and_wait(qtbot, view, "retention", "Nothing was saved.")
    assert f.retention_message.text() == ("Sales linked to a customer (years): must be from 7 to 30 (the law's "
                                          "minimum). Nothing was saved.")
    assert demo_facet.store.directory.setting("retention.transactions_years", 7) == 7
    snap(window, "settings-retention")


def test_the_owner_renames_the_places_stock_is_kept(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    _page(qtbot, view, "locations")
    assert focused() is view.form.locations_edit
    _type(qtbot, "Window, Case 1, Safe")
    _save_and_wait(qtbot, view, "locations", "Saved: Places.")
    assert demo_facet.store.directory.setting("inventory.locations") == ["Window", "Case 1", "Safe"]
    _type(qtbot, "Safe, safe")
    _save_and_wait(qtbot, view, "locations", "Nothing was saved.")
    assert "a place is named twice" in view.form.locations_message.text()
    snap(window, "settings-locations")


def test_clerks_appraisers_and_the_privacy_officer_have_no_settings_tab(qtbot: Any, window: MainWindow) -> None:
    for name in ("Lily Chen", "Priya Nair", "Dana Brooks"):
        sign_in(qtbot, window, name)
        assert "Settings" not in window.workspace.screens
        window.lock("")
        window.sign_in.form.staff_list.setCurrentRow(0)


def test_the_matrix_rows_follow_the_roles_order_and_a_long_setting_is_cut() -> None:
    assert len(matrix_rows()[0]) == 2 + len(Role)
    assert setting_text("inventory.locations", ["Case 1", "Safe"]) == "Case 1, Safe"
    assert setting_text("receipt.logo", "iVBORw0KGgo") == "a PNG logo"
    assert setting_text("receipt.privacy_notice", "") == "(empty)"
    assert setting_text("appraisals.limiting_conditions", "word " * 40).endswith("…")
    assert isinstance(QLineEdit, type)


def _png(path: Any, width: int = 120, height: int = 40) -> bytes:
    from PySide6.QtGui import QColor, QImage

    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("black"))
    image.save(str(path), "PNG")
    return bytes(path.read_bytes())


def test_the_owner_chooses_a_logo_sees_it_and_saves_it(qtbot: Any, window: MainWindow, demo_facet: Facet,
                                                      tmp_path: Any) -> None:
    import base64

    logo = tmp_path / "logo.png"
    data = _png(logo)
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "receipt")
    assert f.receipt_logo_preview.text() == "no logo"
    # The preview under the logo's field, not under the labels.
    assert f.receipt_logo_preview.geometry().left() == f.receipt_logo_edit.mapTo(
        f.receipt_logo_preview.parentWidget(), f.receipt_logo_edit.rect().topLeft()).x()
    press(qtbot, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # L&ogo
    assert focused() is f.receipt_logo_edit
    qtbot.keyClicks(focused(), str(logo))
    assert not f.receipt_logo_preview.pixmap().isNull()  # the preview before anything is saved
    assert demo_facet.store.directory.setting("receipt.logo", "") == ""
    _save_and_wait(qtbot, view, "receipt", "Saved: Logo.")
    assert base64.b64decode(demo_facet.store.directory.setting("receipt.logo", "")) == data
    assert f.receipt_logo_edit.text() == "" and not f.receipt_logo_preview.pixmap().isNull()
    assert audit_summaries(demo_facet, "setting.changed")[-1]["key"] == "receipt.logo"
    snap(window, "settings-receipts")

    qtbot.keyClicks(f.receipt_logo_edit, str(tmp_path / "missing.png"))
    _save_and_wait(qtbot, view, "receipt", "Nothing was saved.")
    assert f.receipt_message.text().startswith("Logo: cannot read ")
    assert base64.b64decode(demo_facet.store.directory.setting("receipt.logo", "")) == data


def test_a_manager_sets_the_printer_in_settings_and_prints_the_test_page(
        qtbot: Any, window: MainWindow, demo_facet: Facet, printer_listener: Any) -> None:
    from tests.printer_listener import decode_escpos

    view = _settings(qtbot, window, "Marcus Reed")
    f = view.form
    _page(qtbot, view, "receipt")
    assert focused() is f.receipt_printer_edit
    qtbot.keyClicks(focused(), printer_listener.url)
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    (job,) = printer_listener.wait_for(1)
    assert any("Printer test page" in line.text for line in decode_escpos(job).printed)
    qtbot.waitUntil(lambda: "Test page sent" in f.receipt_message.text(), timeout=10_000)
    assert demo_facet.store.directory.setting("receipt.printer", "") == printer_listener.url
    event = audit_summaries(demo_facet, "setting.changed")[-1]
    assert event == {"key": "receipt.printer", "before": "", "after": printer_listener.url}

    press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # 48 columns on a 42-column TM-T88V
    assert focused() is f.receipt_columns_combo
    press(qtbot, Qt.Key.Key_Down)
    _save_and_wait(qtbot, view, "receipt", "Nothing was saved.")
    assert f.receipt_message.text().startswith("Columns: is 48, but the TM-T88V profile prints 42")
    assert demo_facet.store.directory.setting("receipt.columns", 42) == 42


@pytest.fixture
def no_stripe_key() -> Iterator[None]:
    """The test keyring is the session's: no Stripe key from another test before, none left after."""
    from pos_app.adapters.secrets import STRIPE_KEY_NAME, KeyringSecrets

    KeyringSecrets().delete(STRIPE_KEY_NAME)
    yield
    KeyringSecrets().delete(STRIPE_KEY_NAME)


def test_the_owner_keeps_a_test_stripe_key_in_the_keyring_and_sees_test_mode(
        qtbot: Any, window: MainWindow, demo_facet: Facet, no_stripe_key: None) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "payments")
    press(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert focused() is f.payments_key_edit
    qtbot.keyClicks(focused(), "pk_test_abc")
    press(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Nothing was saved." in f.payments_message.text(), timeout=10_000)
    assert f.payments_message.text().startswith("Stripe secret key: that is a publishable key")
    assert demo_facet.keyring.stripe_key() is None
    _type(qtbot, "sk_test_" + "a1B2" * 6)
    press(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "kept in the keyring" in f.payments_message.text(), timeout=10_000)
    assert demo_facet.keyring.stripe_key() == "sk_test_" + "a1B2" * 6
    assert f.payments_key_edit.text() == ""
    assert f.payments_mode_label.text().startswith("TEST MODE")
    assert audit_summaries(demo_facet, "payments.key_set")[-1] == {"test_mode": True}
    snap(window, "settings-payments")


def test_the_owner_acknowledges_the_keyring_warning_once_and_the_banner_goes_for_everyone(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    from pos_app.doctor import examine
    from pos_app.gui.launch import banner_warning

    warning = demo_facet.keyring.status.warning
    assert warning and window.banner.isVisible() and banner_warning(demo_facet) == warning
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "security")
    assert f.security_acknowledge_button.isVisible()
    press(qtbot, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "banner is hidden" in f.security_message.text(), timeout=10_000)
    assert not window.banner.isVisible()
    assert not f.security_acknowledge_button.isVisible()
    assert warning in f.security_keyring_label.text()  # the page still says it
    assert audit_summaries(demo_facet, "setting.changed")[-1] == {
        "key": "security.keyring_warning_acknowledged", "before": False, "after": True}
    assert banner_warning(demo_facet) is None  # the next start, whoever signs in
    report = examine(demo_facet.data_dir)
    assert warning in report["warnings"] and report["keyring"]["acknowledged"] is True


def test_a_manager_cannot_acknowledge_the_keyring_warning(qtbot: Any, window: MainWindow) -> None:
    view = _settings(qtbot, window, "Marcus Reed")
    _page(qtbot, view, "security")
    assert not view.form.security_acknowledge_button.isVisible()
    assert window.banner.isVisible()


def test_the_owner_registers_the_reader_by_its_code(qtbot: Any, window: MainWindow, demo_facet: Facet,
                                                    stripe_server: Any, no_stripe_key: None) -> None:
    from pos_app.services import settings

    demo_facet.keyring.store_stripe_key(stripe_server.secret_key)
    settings.change_setting("payments.api_base", stripe_server.url, uow=demo_facet.uow(),
                            actor=_owner(demo_facet))
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "payments")
    press(qtbot, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert focused() is f.payments_code_edit
    qtbot.keyClicks(focused(), "sepia-cerulean-aqua")
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Nothing was saved." in f.payments_message.text(), timeout=10_000)
    assert f.payments_message.text().startswith("Registration code: Stripe refused it (Invalid registration code)")
    assert focused() is f.payments_code_edit
    _type(qtbot, "simulated-wpe")
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "counter's card reader now" in f.payments_message.text(), timeout=10_000)
    assert f.payments_reader_edit.text() == stripe_server.reader_id
    assert demo_facet.store.directory.setting("payments.reader_id", "") == stripe_server.reader_id
    assert f.payments_mode_label.text().startswith("TEST MODE") and "The card reader is set." in \
        f.payments_mode_label.text()
    assert audit_summaries(demo_facet, "payments.reader_registered")[-1]["after"] == stripe_server.reader_id
    snap(window, "settings-payments")


def _owner(facet: Facet) -> Any:
    from tests.conftest import actor_for

    return actor_for(facet, Role.OWNER)


def test_the_fields_stay_in_one_column_from_page_to_page(qtbot: Any, window: MainWindow) -> None:
    from PySide6.QtCore import QPoint

    view = _settings(qtbot, window, "Jane Ellen")
    lefts = {}
    for page, fields in PAGES.items():
        _page(qtbot, view, page)
        qtbot.wait(50)
        field = getattr(view.form, fields[0].widget)
        lefts[page] = field.mapTo(view, QPoint(0, 0)).x()
    assert len(set(lefts.values())) == 1, lefts  # Alt+2 .. Alt+7 do not shift the fields sideways
