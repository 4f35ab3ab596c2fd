"""Stock reports: low stock to reorder, aging of the pieces in stock, and duplicate certificates.

The duplicate certificates tab is the managers' fraud report: one lab report
number recorded on more than one piece (a copied or forged report, or the
same stone entered twice), one row per record, grouped by report.

The queries read the whole stock (a second or more at 100,000 items), so they
run on a worker with their own connection, when the screen is first shown and
again when it is shown after a change; the screen says it is updating.

Whoever may view sales reports (the owner, managers) also has the Head office
tab (Alt+4, `gui/head_office.py`): every store of the sync group, read from
central. It reads only when asked (it needs central's administrator login);
F5 on it runs it rather than the stock reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Permission
from pos_app.gui.base import mark_info
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.reports.dashboard import DashboardPage
from pos_app.gui.tables import fill
from pos_app.services import certificates, reports
from pos_app.services.ports.certificates import DuplicateReport
from pos_app.services.ports.inventory import AgingBucket, AgingRow, LowStockRow
from pos_app.services.ports.store import Store

if TYPE_CHECKING:
    from pos_app.gui.head_office import HeadOfficePage


@dataclass(frozen=True)
class _Results:
    low: list[LowStockRow]
    buckets: list[AgingBucket]
    aging: list[AgingRow]
    min_days: int
    duplicates: list[DuplicateReport]


class ReportsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("reports.ui", self)
        f = self.form
        f.refresh_button.clicked.connect(self._f5)
        f.min_days_spin.editingFinished.connect(self.refresh)
        self.dashboard: DashboardPage | None = None
        """The Dashboard, the first tab (Alt+D), made only for whoever may view sales reports."""
        QShortcut(QKeySequence("F5"), self, self._f5)
        QShortcut(QKeySequence("Alt+1"), self, lambda: f.tabs.setCurrentWidget(f.low_tab))
        QShortcut(QKeySequence("Alt+2"), self, lambda: f.tabs.setCurrentWidget(f.aging_tab))
        QShortcut(QKeySequence("Alt+3"), self, lambda: f.tabs.setCurrentWidget(f.duplicates_tab))
        self.head_office: HeadOfficePage | None = None
        """The Head office tab, made only for whoever may view sales reports."""
        if context.can(Permission.VIEW_SALES_REPORTS):
            from pos_app.gui.head_office import HeadOfficePage

            self.head_office = HeadOfficePage(context, f.tabs)
            f.tabs.addTab(self.head_office, "Head office  (Alt+4)")
            QShortcut(QKeySequence("Alt+4"), self, self.show_head_office)
            self.dashboard = DashboardPage(context, f.tabs)
            f.tabs.insertTab(0, self.dashboard, "Dashboard  (Alt+D)")
            f.tabs.setCurrentWidget(self.dashboard)
            QShortcut(QKeySequence("Alt+D"), self, self.show_dashboard)
            if callable(show_drill := getattr(self, "show_drill", None)):  # the report page's, once it is here
                self.dashboard.drill.connect(show_drill)
            f.tabs.currentChanged.connect(self._tab_changed)
        context.changed.connect(self._changed)
        self.stale = True
        self.loading = False
        self.results: _Results | None = None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def _changed(self, what: str) -> None:
        if what in ("items", "stock", "counts", "certificates"):
            self.stale = True
            if self.isVisible():
                self.refresh()

    def focus_first(self) -> None:
        current = self.form.tabs.currentWidget()
        if current is self.head_office and self.head_office is not None:
            self.head_office.focus_first()
        else:
            current.setFocus()

    def show_head_office(self) -> None:
        """The Head office tab in front, its first field to fill with the keyboard."""
        if self.head_office is not None:
            self.form.tabs.setCurrentWidget(self.head_office)
            self.head_office.focus_first()

    def show_dashboard(self) -> None:
        """The Dashboard tab in front, the keyboard on its first tile."""
        if self.dashboard is not None:
            self.form.tabs.setCurrentWidget(self.dashboard)
            self.dashboard.focus_first()

    def _tab_changed(self, _index: int) -> None:
        # The stock reports' Refresh button means nothing on the head office's tab (it has its own Run).
        self.form.refresh_button.setVisible(self.form.tabs.currentWidget() is not self.head_office)

    def _f5(self) -> None:
        if self.head_office is not None and self.form.tabs.currentWidget() is self.head_office:
            self.head_office.run()
        elif self.dashboard is not None and self.form.tabs.currentWidget() is self.dashboard:
            self.dashboard.refresh()
        else:
            self.refresh()

    def refresh(self) -> None:
        if self.loading:
            return
        self.loading, self.stale = True, False
        actor = self.context.require_actor()
        zone, min_days = self.context.profile.timezone, self.form.min_days_spin.value()
        mark_info(self.form.low_label, "Updating…")
        mark_info(self.form.aging_label, "Updating…")
        mark_info(self.form.duplicates_label, "Updating…")

        def work(store: Store) -> _Results:
            reader = store.inventory
            return _Results(
                low=reports.low_stock(reader=reader, actor=actor, uow=store.uow()),
                buckets=reports.aging_summary(reader=reader, actor=actor, timezone=zone, uow=store.uow()),
                aging=reports.aging(reader=reader, actor=actor, timezone=zone, min_days=min_days, uow=store.uow()),
                min_days=min_days,
                duplicates=certificates.duplicate_reports(reader=store.certificates, actor=actor, uow=store.uow()),
            )

        def failed(exc: BaseException) -> None:
            self.loading = False
            from pos_app.gui.ops import show_error

            show_error(self, exc)

        self.context.runner.run(work, on_done=self._show, on_error=failed, parent=self, lane="io")

    def _show(self, results: _Results) -> None:
        self.loading = False
        self.results = results
        money = self.context.money
        low = results.low
        fill(self.form.low_table, ["SKU", "Title", "On hand", "Reorder at", "Price", "Location"],
             [(r.item.sku, r.item.title, str(r.item.on_hand), str(r.reorder_point),
               money(r.item.price_cents, r.item.currency), r.item.location) for r in low], numeric=[2, 3, 4])
        mark_info(self.form.low_label,
                  f"{len(low)} counted item{'s' if len(low) != 1 else ''} at or below the reorder point."
                  if low else "Every counted item is above its reorder point.")
        fill(self.form.buckets_table, ["In stock for", "Pieces", "Retail value", "Cost"],
             [(b.label, f"{b.pieces:,}", money(b.retail_cents), money(b.cost_cents)) for b in results.buckets],
             numeric=[1, 2, 3])
        rows = results.aging
        fill(self.form.aging_table, ["SKU", "Title", "Days in stock", "Received", "Price", "Location"],
             [(r.item.sku, r.item.title, str(r.days_in_stock),
               r.item.received_on.isoformat() if r.item.received_on else "",
               money(r.item.price_cents, r.item.currency), r.item.location) for r in rows], numeric=[2, 4])
        more = " (the oldest 1,000 shown)" if len(rows) >= 1000 else ""
        mark_info(self.form.aging_label, f"{len(rows):,} pieces in stock {results.min_days}+ days{more}")
        self._show_duplicates(results.duplicates)
        if self.stale and self.isVisible():
            self.refresh()

    def _show_duplicates(self, groups: list[DuplicateReport]) -> None:
        from zoneinfo import ZoneInfo

        from pos_app.gui.certificates.view import piece_text

        zone = ZoneInfo(self.context.profile.timezone)
        rows = [(g.lab, g.report_number, f"{n} of {len(g.certificates)}", piece_text(c),
                 c.report_date.isoformat() if c.report_date else "",
                 c.recorded_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if c.recorded_at else "",
                 c.retain_until.isoformat() if c.retain_until else "")
                for g in groups for n, c in enumerate(g.certificates, 1)]
        fill(self.form.duplicates_table,
             ["Lab", "Report number", "Record", "Piece", "Report date", "Recorded", "Keep until"], rows)
        if groups:
            pieces = sum(len(g.certificates) for g in groups)
            mark_info(self.form.duplicates_label,
                      f"{len(groups)} report number{'s are' if len(groups) != 1 else ' is'} recorded on more than "
                      f"one piece ({pieces} records). Check each stone's girdle inscription against its report: "
                      "the same number twice may be a copied or forged report.")
        else:
            mark_info(self.form.duplicates_label, "No lab report number is recorded on more than one piece.")

    def show_problem(self, exc: UserFacingError) -> None:
        mark_info(self.form.low_label, str(exc))
