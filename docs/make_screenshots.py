"""Render Facet's main screens to PNG (README pictures, and a look before calling work done).

    .venv/bin/python docs/make_screenshots.py [OUT_DIR]

Builds a demo store in a temporary folder with a temporary file keyring, signs
in as the demo manager, privacy officer and owner through the real sign-in
screen (the owner and privacy officer with their demo two-step codes), and
grabs each screen offscreen.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="facet-shots-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = str(TMP / "xdg")

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from pos_app import app  # noqa: E402
from pos_app.adapters.hashing import Argon2Hasher  # noqa: E402
from pos_app.gui.context import AppContext  # noqa: E402
from pos_app.gui.launch import make_application  # noqa: E402
from pos_app.gui.main_window import MainWindow  # noqa: E402


def wait(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition, timeout_ms: int = 10_000) -> None:  # type: ignore[no-untyped-def]
    waited = 0
    while not condition():
        wait(20)
        waited += 20
        if waited > timeout_ms:
            raise TimeoutError("screen did not get ready")


def grab(widget: QWidget, path: Path) -> None:
    wait(200)
    widget.grab().save(str(path))
    print(path)


def sign_in_as(window: MainWindow, context: AppContext, name: str, secret: str, out: Path | None = None) -> None:
    """Through the real sign-in screen; the demo owner and privacy officer type their authenticator's code
    (the demo's published two-step keys), and `out` keeps a picture of that second page."""
    import pyotp

    from pos_app.services.demo import DEMO_TWO_STEP

    lst = window.sign_in.form.staff_list
    for row in range(lst.count()):
        if lst.item(row).data(Qt.ItemDataRole.UserRole).name == name:
            lst.setCurrentRow(row)
    window.sign_in.form.secret_edit.setText(secret)
    window.sign_in.submit()
    if name in DEMO_TWO_STEP:
        wait_until(lambda: window.sign_in.awaiting_code)
        if out is not None:
            grab(window, out / "sign-in-code.png")
        window.sign_in.code_form.code_edit.setText(pyotp.TOTP(DEMO_TWO_STEP[name][0]).now())
        window.sign_in.submit_code()
    wait_until(lambda: context.actor is not None and context.actor.name == name and window.workspace is not None)


def sell_screens(window: MainWindow, context: AppContext, facet: app.Facet, out: Path) -> None:
    """The counter: a cart, the payment dialog with a simulated Stripe reader, a found sale, the drawer."""
    from decimal import Decimal

    from pos_app.adapters.secrets import STRIPE_KEY_NAME
    from pos_app.domain.cart import Discount
    from pos_app.domain.money import Money
    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import cash, checkout, settings
    from tests.stripe_server import start as start_stripe

    stripe, _server = start_stripe()
    owner_row = next(s for s in facet.store.directory.staff_list() if s.role is Role.OWNER)
    owner = Actor(staff_id=owner_row.id, name=owner_row.name, role=owner_row.role, terminal=facet.terminal)
    settings.change_setting("payments.reader_id", stripe.reader_id, uow=facet.uow(), actor=owner)
    settings.change_setting("payments.api_base", stripe.url, uow=facet.uow(), actor=owner)
    facet.keyring.set(STRIPE_KEY_NAME, stripe.secret_key)
    actor = context.require_actor()
    cash.open_shift(Money(20000), uow=facet.uow(), actor=actor)
    context.forget_devices()

    sell = window.workspace.show_screen("Sell")
    sell._check_terminal()
    conn = facet.connection()
    codes = [r[0] for r in conn.execute(
        "SELECT barcode FROM items WHERE status = 'available' AND tracking = 'unique' AND barcode IS NOT NULL "
        "AND style IN ('tennis', 'halo') ORDER BY price_cents DESC LIMIT 2")]
    counted = conn.execute("SELECT sku FROM items WHERE tracking = 'counted' AND on_hand > 3 LIMIT 1").fetchone()[0]
    conn.close()
    for code in [*codes, counted, counted]:
        sell.form.scan_edit.setText(code)
        sell.scan_entered()
    customer = facet.store.sales.find_customers("a")[0]
    cart = checkout.attach_customer(sell.cart, customer.id, sales=facet.store.sales, actor=actor)
    cart = checkout.discount_line(cart, 2, Discount.of_percent(Decimal(10)), settings=sell.settings, actor=actor,
                                  uow=facet.uow())
    sell.set_cart(cart, "Scanned two tennis necklaces and two chains; 10% off the chains.", select=2)
    wait_until(lambda: sell.form.test_mode_label.isVisible())
    grab(window, out / "sell.png")

    sell.pay()
    wait_until(lambda: sell.dialog is not None and sell.dialog.isVisible())
    pay = sell.dialog
    wait_until(lambda: pay.terminal is not None)
    pay.form.cash_edit.setText("500.00")
    pay.take_cash()
    wait_until(lambda: len(pay.shown.tenders) == 1)
    pay.take_card()
    wait_until(lambda: pay.shown.pending is not None and bool(pay.shown.pending.payment_intent_id))
    pay.resize(640, 640)
    grab(pay, out / "payment.png")
    pay.simulate("4242424242424242")
    wait_until(lambda: not pay.isVisible())
    context.runner.wait()

    number = facet.store.sales.sales(limit=1)[0].number
    sell.find_sale()
    found = sell.dialog
    found.form.number_edit.setText(number)
    found.find()
    found.resize(900, 420)
    grab(found, out / "find-sale.png")
    found.reject()

    sell.choose_customer()
    picker = sell.dialog
    picker.form.search_edit.setText("ch")
    picker.search()
    grab(picker, out / "customer.png")
    picker.new_customer()
    grab(picker, out / "customer-new.png")
    picker.reject()

    from pos_app.gui.counter.drawer import CloseShiftDialog
    from pos_app.services import cash

    so_far = cash.x_report(sales=context.store.sales, actor=context.require_actor(), uow=context.store.uow())
    closing = CloseShiftDialog(context, so_far, lambda report: None, parent=sell)
    for value, pieces in ((10000, 12), (2000, 9), (500, 3), (100, 7)):
        closing.spins[closing.values.index(value)].setValue(pieces)
    closing.show()
    grab(closing, out / "close-shift.png")
    closing.reject()
    sell.set_cart(checkout.Cart(currency="USD"))
    _server.shutdown()


def appraisal_page(facet: app.Facet, out: Path) -> None:
    """The demo's corrected appraisal (version 2, with its photo and lab report), as printed: the first
    page, and the wallet card's front (the PDFs rendered with pdfium)."""
    import pypdfium2

    from pos_app.documents.appraisal_pdf import render_appraisal_card_pdf, render_appraisal_pdf
    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import appraisals

    staff = next(s for s in facet.store.directory.staff_list() if s.role is Role.APPRAISER)
    appraiser = Actor(staff.id, staff.name, staff.role, facet.terminal)
    rows = appraisals.list_appraisals(reader=facet.store.appraisals, actor=appraiser, uow=facet.uow())
    corrected = next(r for r in rows if r.version == 2)
    document = appraisals.document(corrected.id, uow=facet.uow(), actor=appraiser)
    pages = {"appraisal.png": (render_appraisal_pdf(document), 1.25),
             "appraisal-card.png": (render_appraisal_card_pdf(document), 2.5)}
    for name, (data, scale) in pages.items():
        pypdfium2.PdfDocument(data)[0].render(scale=scale).to_pil().save(out / name)
        print(out / name)


def appraisal_screens(window: MainWindow, context: AppContext, facet: app.Facet, out: Path) -> None:
    """The appraiser's tabs: the appraisals list and a final appraisal with its versions, the certificates."""
    window.lock("")
    lst = window.sign_in.form.staff_list
    for row in range(lst.count()):
        if lst.item(row).data(Qt.ItemDataRole.UserRole).name == "Priya Nair":
            lst.setCurrentRow(row)
    window.sign_in.form.secret_edit.setText("4444")
    window.sign_in.submit()
    wait_until(lambda: context.actor is not None and context.actor.name == "Priya Nair")
    wait_until(lambda: window.workspace is not None and "Appraisals" in window.workspace.screens)
    view = window.workspace.show_screen("Appraisals")
    wait_until(lambda: view.model.rowCount() > 0)
    grab(window, out / "appraisals.png")
    row = next(n for n in range(view.model.rowCount()) if view.model.row_at(n).version == 2)
    view.open_appraisal(view.model.row_at(row).id)
    grab(view.dialog, out / "appraisal-dialog.png")
    view.dialog.reject()
    certificates = window.workspace.show_screen("Certificates")
    wait(300)
    grab(window, out / "certificates.png")
    context.runner.wait()
    del certificates


def privacy_screens(window: MainWindow, context: AppContext, facet: app.Facet, out: Path) -> None:
    """The privacy officer's tabs: a customer's consents, and the desk with requests at every stage."""
    import datetime as dt

    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import privacy

    staff = next(s for s in facet.store.directory.staff_list() if s.role is Role.PRIVACY_OFFICER)
    officer = Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=facet.terminal)
    hits = facet.store.sales.customers()
    today = dt.date.today()
    for n, (kind, days_ago) in enumerate((("deletion", 40), ("access", 25), ("opt_out_sale", 3), ("correction", 1))):
        request = privacy.record_request(hits[n + 3].id, kind, "email", today - dt.timedelta(days=days_ago),
                                         uow=facet.uow(), actor=officer, today=today)
        if kind == "access":
            privacy.verify(request.id, "code_to_email_on_file", staff.id, uow=facet.uow(), actor=officer)
    window.lock("")
    sign_in_as(window, context, staff.name, "privacy-demo-1", out)
    wait_until(lambda: "Customers" in window.workspace.screens)
    view = window.workspace.show_screen("Customers")
    view.form.search_edit.setText("Abernathy")
    view.refresh()
    wait_until(lambda: view.detail is not None)
    view.form.detail_tabs.setCurrentWidget(view.form.consents_tab)
    wait(200)
    grab(window, out / "customers.png")
    desk = window.workspace.show_screen("Privacy desk")
    desk.refresh()
    desk.form.table.selectRow(1)
    wait(200)
    grab(window, out / "privacy-desk.png")
    context.runner.wait()


def owner_screens(window: MainWindow, context: AppContext, facet: app.Facet, out: Path) -> None:
    """The owner's back office: the audit trail, staff sign-in security, the permission matrix."""
    window.lock("")
    sign_in_as(window, context, "Jane Ellen", "owner-demo-1")
    audit = window.workspace.show_screen("Audit")
    wait_until(lambda: audit.model.rowCount() > 0)
    grab(window, out / "audit.png")
    staff = window.workspace.show_screen("Staff")
    wait_until(lambda: not staff.loading and bool(staff.rows))
    grab(window, out / "staff.png")
    staff.add_person()
    wait_until(lambda: staff.dialog is not None and staff.dialog.isVisible())
    grab(staff.dialog, out / "staff-add.png")
    staff.dialog.reject()
    view = window.workspace.show_screen("Settings")
    grab(window, out / "settings.png")
    view._page(1)  # the store's profile, editable
    wait_until(lambda: bool(view.form.store_name_edit.text()))
    grab(window, out / "settings-store.png")
    window.workspace.set_up_two_step()
    dialog = window.workspace.two_step_dialog
    wait_until(lambda: dialog.isVisible())
    grab(dialog, out / "two-step-setup.png")
    dialog.reject()
    context.runner.wait()


def dashboard_page(context: AppContext, out: Path) -> None:
    """The Reports screen's dashboard on its own at 1400x900, for whoever is signed in (the README's picture)."""
    from pos_app.gui.reports.dashboard import DashboardPage

    page = DashboardPage(context)
    page.resize(1400, 900)
    page.show()
    wait_until(lambda: page.dashboard is not None and not page.loading)
    grab(page, out / "dashboard.png")
    page.close()
    page.deleteLater()
    context.runner.wait()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    qt = make_application()
    from pos_app.gui.first_run import FirstRunWizard

    first = FirstRunWizard(TMP / "unused")
    first.resize(1280, 800)
    first.show()
    grab(first, out / "first-run.png")
    first.close()
    facet = app.create_demo_facet(TMP / "store", hasher=Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1))
    context = AppContext(facet)
    window = MainWindow(context, keyring_warning=facet.keyring.status.warning)
    window.resize(1280, 800)  # the default size: every role's workspace fits it
    window.show()
    grab(window, out / "sign-in.png")

    sign_in_as(window, context, "Marcus Reed", "manager-demo-1")
    sell_screens(window, context, facet, out)
    inventory = window.workspace.show_screen("Inventory")
    inventory.form.search_edit.setText("halo")
    inventory.apply_filter()
    grab(window, out / "inventory.png")

    inventory.form.table.setCurrentIndex(inventory.model.index(0, 0))
    inventory.open_selected()
    dialog = inventory.dialog
    wait_until(lambda: dialog.detail is not None)
    grab(dialog, out / "item.png")
    dialog.form.tabs.setCurrentIndex(2)
    grab(dialog, out / "item-history.png")
    dialog.reject()

    inventory.receive()
    grab(inventory.dialog, out / "receive.png")
    inventory.dialog.reject()

    inventory.form.table.selectAll()
    inventory.print_tags()
    grab(inventory.dialog, out / "tags.png")
    inventory.dialog.reject()

    count = window.workspace.show_screen("Stock count")
    count.form.location_combo.setCurrentText("Case 1")
    count.start()
    wait_until(lambda: count.count_id is not None)
    for code in [r.sku for r in facet.store.inventory.expected_at("Case 1")[:5]] + ["NOPE-1", "LTN-1238"]:
        count.form.scan_edit.setText(code)
        count.scan()
        wait(120)
    context.runner.wait()
    wait(200)
    grab(window, out / "stock-count.png")
    count.cancel()

    window.workspace.show_screen("Reports")
    reports = window.workspace.screens["Reports"]
    page = reports.report_page
    if page is not None:  # the owner and managers: sales by style, this month so far
        page.form.by_combo.setCurrentIndex(page.form.by_combo.findData("style"))
        page.run()
        wait_until(lambda: page.running is None and page.report is not None)
    grab(window, out / "reports.png")
    reports.form.tabs.setCurrentWidget(reports.form.aging_tab)
    grab(window, out / "reports-aging.png")
    context.runner.wait()
    appraisal_screens(window, context, facet, out)
    privacy_screens(window, context, facet, out)
    owner_screens(window, context, facet, out)
    dashboard_page(context, out)
    appraisal_page(facet, out)
    window.close()
    QCoreApplication.processEvents()
    qt.quit()


if __name__ == "__main__":
    main()
