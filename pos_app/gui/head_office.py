"""The reports screen's Head office tab: every store of the sync group, read from central.

Who: whoever may view sales reports (the owner and managers; the tab is not
made for anyone else, and `services.head_office` checks again). It reads
central as the group's administrator: the counter's own login may only sync.

The page asks for what an owner knows: which report (Alt+R: sales by store
and day, low stock, aging, duplicate certificates), central's address
(filled in from the group this counter syncs with, as a `postgresql://`
address; editable), the administrator's login name and password, and, for
the sales, the days (each store's own days, this month so far by default;
the stock reports are as central has them now, and the days are hidden).
The password is used for the report's connection and nothing else: it is not
kept (the project has no keyring slot for the administrator's login), never
shown, never logged, and the field is emptied when the screen locks.

Enter in any field or on the chooser (or the Run button, or F5 on the tab)
runs the chosen report on the op runner's "io" lane, off the GUI thread:
central may take seconds to answer, or to be found out of reach. The upper
table sums (sales: each store over the days, then every store together;
aging: every store together per age bracket); the lower one holds the
report's rows (sales: each store's day; low stock: each store's counted items
at or below their reorder point; aging: each store's brackets; duplicate
certificates: each certificate of a repeated lab report number, with its
piece's store). Ctrl+E exports the rows read to CSV (`services.head_office`'s
`export_*_csv`, which audit the export). Choosing another report empties the
tables until it is run. A problem (central out of reach, a wrong password, a
database that is not a group's central, days reversed) is said on the page,
in words naming it; the tables are emptied and nothing is changed.

A store that is not in a sync group has no central to read: the page says
that head-office reports need one, and how a group is set up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlencode, urlsplit

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.store import store_time, typed_day
from pos_app.gui import dialogs
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import show_error
from pos_app.gui.sync.status import central_place
from pos_app.gui.tables import fill
from pos_app.services import head_office, sync
from pos_app.services.ports.head_office import GroupCertificate, StoreAging, StoreDaySales, StoreLowStock
from pos_app.services.ports.store import Store
from pos_app.services.sync import SyncStatus

DAY_HEADERS = ["Day", "Store", "Sales", "Returns", "Net sales", "Tax", "Total"]
TOTAL_HEADERS = ["Store", "Time zone", "Days", "Sales", "Returns", "Net sales", "Tax", "Total"]
LOW_STOCK_HEADERS = ["Store", "SKU", "Title", "On hand", "In transit", "Reorder point"]
AGING_HEADERS = ["Store", "Age", "Units", "Retail value"]
AGING_TOTAL_HEADERS = ["Age", "Units", "Retail value"]
DUPLICATE_HEADERS = ["Lab", "Report number", "Store", "SKU", "Title"]
ALL_STORES = "All stores"
NO_PIECE = "(on no piece)"

# The chooser's reports, in its order (the keys are the command line's: pos-app central report KEY).
SALES, LOW_STOCK, AGING, DUPLICATES = "sales", "low-stock", "aging", "duplicate-certificates"
REPORTS = {SALES: "Sales by store and day", LOW_STOCK: "Low stock", AGING: "Aging",
           DUPLICATES: "Duplicate certificates"}

INTRO = ("Every store of the group, read from the group's central PostgreSQL with its administrator's login "
         "(the PostgreSQL login that ran pos-app central init): sales per store and each store's own day, and "
         "the stock reports per store. The password is used for this report only; Facet does not keep it.")
NOT_JOINED = ("Head-office reports need a sync group: they read every store's sales and stock from the group's "
              "central PostgreSQL, and this store is not in a group (it works on its own). Its own sales are in "
              "pos-app sales list, its own stock in the other tabs of this screen.\n\n"
              "To make this store the first store of a new group, the owner runs, with PostgreSQL administrator "
              "rights:\n    pos-app central init URL\n"
              "Each other store then gets its first counter from a one-time token:\n"
              "    pos-app central add-counter --url URL --store NAME\n"
              "and joins with it on a new computer or an empty data folder (\"Join a store group\" on Facet's "
              "first page, or pos-app sync join URL --token T). The README's \"Sync\" section tells how to run "
              "the central PostgreSQL. Once this counter syncs, this page reads the group's sales and stock.")
FIELD_LABELS = {"from": "From", "to": "To", "address": "Central's address", "password": "Password"}

# key=value pairs of a libpq connection string, a value bare or in single quotes (with backslash escapes)
_PAIR = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")


def admin_address(central: str | None) -> str:
    """The counter's central (a libpq `key=value` string without a login, as `sync_state.central` keeps it) as
    the `postgresql://HOST:PORT/DATABASE?sslmode=...` address a person reads and may edit ('' for none)."""
    if not central:
        return ""
    if "://" in central:
        return central
    parts = {key: re.sub(r"\\(.)", r"\1", value[1:-1]) if value.startswith("'") else value
             for key, value in _PAIR.findall(central) if key not in ("user", "password")}
    host, port, database = parts.pop("host", ""), parts.pop("port", ""), parts.pop("dbname", "")
    if host.startswith("/"):  # a Unix socket's folder: libpq takes it in the query
        parts, host = {"host": host, **parts}, ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    query = urlencode(parts, safe="/:", quote_via=quote)  # libpq reads %20, not +
    return f"postgresql://{netloc}/{quote(database, safe='')}" + (f"?{query}" if query else "")


def place_of(address: str) -> str:
    """Where an address points, as a person reads it: host:port/database (never a login or a password)."""
    if "://" not in address:
        return central_place(address)
    parts = urlsplit(address)
    try:
        host, port = parts.hostname or "localhost", parts.port or 5432
    except ValueError:  # a port that is not a number: the connection will say so
        return address.split("@")[-1].split("?")[0]
    return f"{host}:{port}/{unquote(parts.path.lstrip('/'))}"


@dataclass(frozen=True)
class HeadOfficeReport:
    """What the page last read from central: the days asked for and the rows central gave."""

    first: dt.date
    last: dt.date
    rows: list[StoreDaySales]
    central: str  # host:port/database, for the page's words


@dataclass(frozen=True)
class StockReport:
    """A stock report the page last read from central (`kind` says which; its rows are in its own list), and
    the store's day it was read on (for the export's file name)."""

    kind: str
    central: str
    day: dt.date
    low: list[StoreLowStock] = field(default_factory=list)
    aging: list[StoreAging] = field(default_factory=list)
    duplicates: list[GroupCertificate] = field(default_factory=list)


@dataclass(frozen=True)
class AgingTotal:
    """Every store together in one age bracket and one currency."""

    age: str
    units: int
    retail_cents: int
    currency: str


def aging_totals(rows: Sequence[StoreAging]) -> list[AgingTotal]:
    """Every store together per bracket (youngest first), one row per currency the group's stores keep: stores
    in different currencies are not added together. A row without a currency (a store that holds nothing in
    the bracket and has no `stores` record) adds nothing."""
    sums: dict[tuple[int, str, str], list[int]] = {}
    for r in rows:
        if r.currency:
            figures = sums.setdefault((r.bracket, r.age, r.currency), [0, 0])
            figures[0] += r.units
            figures[1] += r.retail_cents
    return [AgingTotal(age, units, retail, currency)
            for (_bracket, age, currency), (units, retail) in sorted(sums.items())]


@dataclass(frozen=True)
class StoreTotal:
    """One store over the report's days, or every store together (`code` is ALL_STORES) in one currency."""

    code: str
    name: str
    timezone: str
    days: int
    sales: int
    returns: int
    net_cents: int
    tax_cents: int
    total_cents: int
    currency: str


def totals_of(rows: Sequence[StoreDaySales]) -> list[StoreTotal]:
    """Each store over the days of `rows` (by store code), then every store together, one row per currency
    (the group's stores may keep different currencies: they are not added together)."""
    by_store: dict[str, list[StoreDaySales]] = {}
    for r in rows:
        by_store.setdefault(r.store_code, []).append(r)

    def total(code: str, name: str, timezone: str, group: list[StoreDaySales], currency: str) -> StoreTotal:
        return StoreTotal(code, name, timezone, len({r.day for r in group}), sum(r.sales for r in group),
                          sum(r.returns for r in group), sum(r.net_cents for r in group),
                          sum(r.tax_cents for r in group), sum(r.total_cents for r in group), currency)

    totals = [total(code, group[0].store_name, group[0].timezone, group, group[0].currency)
              for code, group in sorted(by_store.items())]
    currencies = sorted({r.currency for r in rows})
    for currency in currencies:
        group = [r for r in rows if r.currency == currency]
        name = f"({currency})" if len(currencies) > 1 else ""
        totals.append(total(ALL_STORES, name, "", group, currency))
    return totals


class HeadOfficePage(QWidget):
    """The Head office tab (made by `ReportsView` for whoever may view sales reports); GUI thread only, its
    reads of central on the op runner's "io" lane."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.actor = context.require_actor()
        self.form = Form("head_office.ui", self)
        f = self.form
        self.status: SyncStatus | None = None
        self.report: HeadOfficeReport | StockReport | None = None
        self.running = False
        f.intro_label.setText(INTRO)
        today = store_time(dt.datetime.now(dt.UTC), context.profile.timezone).date()
        f.from_edit.setText(today.replace(day=1).isoformat())
        f.to_edit.setText(today.isoformat())
        for edit in self._edits():
            edit.returnPressed.connect(self.run)
        f.run_button.clicked.connect(self.run)
        f.export_button.clicked.connect(self.export)
        self.chooser: QComboBox = f.report_combo
        self.chooser.installEventFilter(self)  # Enter on the chooser runs the report chosen
        self.chooser.currentIndexChanged.connect(self._chosen)
        QShortcut(QKeySequence("Ctrl+E"), self, self.export, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        context.actor_changed.connect(self._actor_changed)  # a QWidget's slot: disconnected when the page goes
        context.sync_changed.connect(self._sync_changed)
        f.report_panel.setVisible(False)  # until the store's sync status says whether there is a central
        self._show_rows([])

    @property
    def kind(self) -> str:
        """The report chosen (SALES, LOW_STOCK, AGING, DUPLICATES)."""
        return list(REPORTS)[max(0, self.chooser.currentIndex())]

    def _edits(self) -> list[QLineEdit]:
        f = self.form
        return [f.address_edit, f.user_edit, f.password_edit, f.from_edit, f.to_edit]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.chooser and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.chooser.view().isVisible()):
            self.run()
            return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.status is None:
            self.load()

    def focus_first(self) -> None:
        """The first field left to fill (the password, once the address is filled in), else From (the sales) or
        the report chooser (a stock report: it has no days)."""
        f = self.form
        if not f.report_panel.isVisible():
            f.intro_label.setFocus()
            return
        empty = [edit for edit in self._edits()[:3] if not edit.text().strip()]
        last = f.from_edit if self.kind == SALES else self.chooser
        (empty[0] if empty else last).setFocus(Qt.FocusReason.OtherFocusReason)

    def load(self) -> None:
        """Read whether this store is in a group, and its central (its own file: no network)."""
        local = self.context.facet.sync().local
        self.context.runner.run(lambda: sync.status(local), on_done=self._show_status, parent=self, lane="io")

    def _show_status(self, status: SyncStatus) -> None:
        self.status = status
        f = self.form
        f.report_panel.setVisible(status.joined)
        if not status.joined:
            f.intro_label.setText(NOT_JOINED)
            return
        f.intro_label.setText(INTRO)
        if not f.address_edit.text().strip():
            f.address_edit.setText(admin_address(status.central))
            f.address_edit.setCursorPosition(0)
        if self.isVisible():
            self.focus_first()

    def _sync_changed(self) -> None:
        """The store joined or left its group: read its status again (now if the page is in front)."""
        self.status = None
        if self.isVisible():
            self.load()

    def _actor_changed(self, _actor: object) -> None:
        # Locked, or someone else signed in: the administrator's password does not stay behind on the screen.
        self.form.password_edit.clear()

    def _chosen(self, _index: int) -> None:
        """Another report chosen: its (empty) tables until it is run; the days shown only for the sales."""
        f = self.form
        sales = self.kind == SALES
        for widget in (f.from_label, f.from_edit, f.to_label, f.to_edit):
            widget.setVisible(sales)
        self.report = None
        self._show_empty()
        if not self.running:
            mark_info(f.message_label, "" if sales else
                      f"{REPORTS[self.kind]} at every store, as central has it now: Enter runs it.")

    # ------------------------------------------------------------ the report

    def run(self) -> None:
        f = self.form
        if self.running or not f.report_panel.isVisible():
            return
        kind = self.kind
        try:
            address = f.address_edit.text().strip()
            if not address:
                raise ValidationError("address", "is empty: type the group's central address "
                                                 "(postgresql://HOST/DATABASE?sslmode=verify-full&sslrootcert=...)")
            if kind == SALES:
                first = typed_day(f.from_edit.text(), field="from")
                last = typed_day(f.to_edit.text(), field="to")
        except ValidationError as exc:
            self.show_problem(exc)
            return
        user, password = f.user_edit.text().strip(), f.password_edit.text()
        facet, actor = self.context.facet, self.actor
        self.running = True
        f.run_button.setEnabled(False)
        place = place_of(address)
        what = "sales" if kind == SALES else REPORTS[kind].lower()
        mark_info(f.message_label, f"Reading the group's {what} from {place}…")
        day = store_time(dt.datetime.now(dt.UTC), self.context.profile.timezone).date()

        def work(store: Store) -> HeadOfficeReport | StockReport:
            reader = facet.head_office(address, user=user, password=password)
            uow = store.uow()
            if kind == SALES:
                rows = head_office.sales_by_store(first, last, central=reader, actor=actor, uow=uow)
                return HeadOfficeReport(first, last, rows, place)
            if kind == LOW_STOCK:
                return StockReport(kind, place, day, low=head_office.low_stock_by_store(
                    central=reader, actor=actor, uow=uow))
            if kind == AGING:
                return StockReport(kind, place, day, aging=head_office.aging_by_store(
                    central=reader, actor=actor, uow=uow))
            return StockReport(kind, place, day, duplicates=head_office.duplicate_certificates(
                central=reader, actor=actor, uow=uow))

        self.context.runner.run(work, on_done=self._done, on_error=self._failed, parent=self, lane="io")

    def _done(self, report: HeadOfficeReport | StockReport) -> None:
        self.running = False
        self.form.run_button.setEnabled(True)
        read_kind = report.kind if isinstance(report, StockReport) else SALES
        if read_kind != self.kind:  # another report was chosen while this one was read: it is not shown
            mark_info(self.form.message_label, f"{REPORTS[self.kind]}: Enter runs it.")
            return
        self.report = report
        if isinstance(report, HeadOfficeReport):
            self._show_sales(report)
        else:
            self._show_stock(report)

    def _show_sales(self, report: HeadOfficeReport) -> None:
        self._show_rows(report.rows)
        stores = len({r.store_code for r in report.rows})
        days = f"from {report.first.isoformat()} to {report.last.isoformat()}"
        if report.rows:
            mark_info(self.form.message_label,
                      f"{stores} store{'s' if stores != 1 else ''} sold {days} (each store's own days), "
                      f"read from {report.central}. Ctrl+E exports these rows to CSV.")
        else:
            mark_info(self.form.message_label, f"No sales at any store {days}, read from {report.central}.")

    def _show_stock(self, report: StockReport) -> None:
        f, money = self.form, self.context.money
        where = f"read from {report.central}"
        export = "Ctrl+E exports these rows to CSV."
        if report.kind == LOW_STOCK:
            self._show_low_stock(report.low)
            stores = len({r.store_code for r in report.low})
            text = (f"{_count(len(report.low), 'counted item')} at or below the reorder point at "
                    f"{_count(stores, 'store')}, {where}. {export}" if report.low else
                    f"No counted item is at or below its reorder point at any store, {where}.")
        elif report.kind == AGING:
            self._show_aging(report.aging)
            units = sum(r.units for r in report.aging)
            held = [t for t in aging_totals(report.aging) if t.units]
            value = ", ".join(money(sum(t.retail_cents for t in held if t.currency == c), c)
                              for c in sorted({t.currency for t in held}))
            text = (f"{units:,} unit{'s' if units != 1 else ''} on hand ({value} at retail) at "
                    f"{_count(len({r.store_code for r in report.aging if r.units}), 'store')}, by days since "
                    f"received (each store's own day), {where}. {export}" if units else
                    f"No store of the group has stock on hand, {where}.")
        else:
            self._show_duplicates(report.duplicates)
            numbers = len({(r.lab, r.report_number) for r in report.duplicates})
            text = (f"{_count(numbers, 'lab report number')} recorded more than once in the group, on "
                    f"{_count(len(report.duplicates), 'certificate')}, {where}. {export}" if report.duplicates else
                    f"No lab report number is recorded on more than one certificate in the group, {where}.")
        mark_info(f.message_label, text)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.form.run_button.setEnabled(True)
        if not isinstance(exc, UserFacingError):
            show_error(self, exc)
            return
        self.report = None
        self._show_empty()
        self.show_problem(exc)

    def show_problem(self, exc: UserFacingError) -> None:
        """Said on the page; the field it is about gets the keyboard (the password after a refused login)."""
        f = self.form
        edit: QLineEdit = f.address_edit  # central out of reach, or not a group's central: the address
        text = str(exc)
        if isinstance(exc, ValidationError):
            text = f"{FIELD_LABELS.get(exc.field, exc.field.capitalize())}: {exc.problem}"
            edit = {"from": f.from_edit, "to": f.to_edit, "password": f.password_edit}.get(exc.field, edit)
        mark_problem(f.message_label, text)
        edit.setFocus(Qt.FocusReason.OtherFocusReason)
        edit.selectAll()

    # ------------------------------------------------------------ the tables

    def _show_empty(self) -> None:
        """The chosen report's tables, empty."""
        kind = self.kind
        if kind == SALES:
            self._show_rows([])
        elif kind == LOW_STOCK:
            self._show_low_stock([])
        elif kind == AGING:
            self._show_aging([])
        else:
            self._show_duplicates([])

    def _tables(self, totals: bool, totals_tip: str, rows_tip: str) -> None:
        f = self.form
        f.totals_table.setVisible(totals)
        f.totals_table.setToolTip(totals_tip)
        f.days_table.setToolTip(rows_tip)

    def _show_rows(self, rows: Sequence[StoreDaySales]) -> None:
        money = self.context.money
        self._tables(True, "Each store over the days chosen, then every store together",
                     "Each store's sales of each day, the day in that store's own time zone")
        fill(self.form.days_table, DAY_HEADERS,
             [(r.day.isoformat(), f"{r.store_code} {r.store_name}", f"{r.sales:,}", f"{r.returns:,}",
               money(r.net_cents, r.currency), money(r.tax_cents, r.currency), money(r.total_cents, r.currency))
              for r in rows], numeric=[2, 3, 4, 5, 6])
        fill(self.form.totals_table, TOTAL_HEADERS,
             [(t.code if t.code == ALL_STORES and not t.name else f"{t.code} {t.name}", t.timezone, f"{t.days:,}",
               f"{t.sales:,}", f"{t.returns:,}", money(t.net_cents, t.currency), money(t.tax_cents, t.currency),
               money(t.total_cents, t.currency)) for t in (totals_of(rows) if rows else [])],
             numeric=[2, 3, 4, 5, 6, 7])

    def _show_low_stock(self, rows: Sequence[StoreLowStock]) -> None:
        self._tables(False, "", "Each store's counted items at or below their reorder point: units on hand at "
                                "that store, units on their way to it (not counted as on hand)")
        fill(self.form.days_table, LOW_STOCK_HEADERS,
             [(f"{r.store_code} {r.store_name}", r.sku, r.title, f"{r.on_hand:,}", f"{r.in_transit:,}",
               f"{r.reorder_point:,}") for r in rows], numeric=[3, 4, 5])

    def _show_aging(self, rows: Sequence[StoreAging]) -> None:
        money = self.context.money
        self._tables(True, "Every store together, per age bracket",
                     "Each store's units on hand by days since they were received (the store's own day), and "
                     "their value at retail price")
        fill(self.form.days_table, AGING_HEADERS,
             [(f"{r.store_code} {r.store_name}", r.age, f"{r.units:,}", money(r.retail_cents, r.currency or None))
              for r in rows], numeric=[2, 3])
        currencies = len({t.currency for t in aging_totals(rows)})
        fill(self.form.totals_table, AGING_TOTAL_HEADERS,
             [(t.age + (f" ({t.currency})" if currencies > 1 else ""), f"{t.units:,}",
               money(t.retail_cents, t.currency)) for t in aging_totals(rows)], numeric=[1, 2])

    def _show_duplicates(self, rows: Sequence[GroupCertificate]) -> None:
        self._tables(False, "", "Each certificate of a lab report number recorded more than once in the group, "
                                "with the piece it is on and that piece's store")
        fill(self.form.days_table, DUPLICATE_HEADERS,
             [(r.lab, r.report_number, f"{r.store_code} {r.store_name}", r.sku or NO_PIECE, r.title)
              for r in rows])

    # ------------------------------------------------------------ export

    def export(self) -> None:
        report = self.report
        f = self.form
        if not f.report_panel.isVisible():
            return
        if report is None:
            mark_problem(f.message_label, "Nothing to export yet: run the report first (Enter); the export writes "
                                          "the rows it shows.")
            return
        if isinstance(report, HeadOfficeReport):
            title = "Export the group's sales by store"
            name = f"sales-by-store-{report.first.isoformat()}-{report.last.isoformat()}.csv"
        else:
            title = f"Export the group's {REPORTS[report.kind].lower()} by store"
            name = f"{report.kind}-by-store-{report.day.isoformat()}.csv"
        path = dialogs.ask_save_path(self, title, name, "CSV files (*.csv)")
        if path is None:
            return
        actor, files = self.actor, self.context.devices.files
        mark_info(f.message_label, f"Exporting to {path.name}…")

        def work(store: Store) -> int:
            uow = store.uow()
            if isinstance(report, HeadOfficeReport):
                return head_office.export_sales_csv(path, report.first, report.last, report.rows, files=files,
                                                    actor=actor, uow=uow)
            if report.kind == LOW_STOCK:
                return head_office.export_low_stock_csv(path, report.low, files=files, actor=actor, uow=uow)
            if report.kind == AGING:
                return head_office.export_aging_csv(path, report.aging, files=files, actor=actor, uow=uow)
            return head_office.export_duplicate_certificates_csv(path, report.duplicates, files=files, actor=actor,
                                                                 uow=uow)

        def done(written: int) -> None:
            mark_info(f.message_label, f"Exported {written:,} row{'s' if written != 1 else ''} to {path}.")

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UserFacingError):
                mark_problem(f.message_label, str(exc))
            else:
                show_error(self, exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}{'s' if n != 1 else ''}"
