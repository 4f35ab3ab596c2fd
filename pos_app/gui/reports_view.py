"""Stock reports: low stock to reorder, and aging of the pieces in stock."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.tables import fill
from pos_app.services import reports


class ReportsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("reports.ui", self)
        f = self.form
        f.refresh_button.clicked.connect(self.refresh)
        f.min_days_spin.editingFinished.connect(self.refresh_aging)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        QShortcut(QKeySequence("Alt+1"), self, lambda: f.tabs.setCurrentIndex(0))
        QShortcut(QKeySequence("Alt+2"), self, lambda: f.tabs.setCurrentIndex(1))
        context.changed.connect(lambda what: self.refresh() if what in ("items", "stock", "counts") else None)
        self.refresh()

    def focus_first(self) -> None:
        self.form.tabs.currentWidget().setFocus()

    def refresh(self) -> None:
        self.refresh_low()
        self.refresh_aging()

    def refresh_low(self) -> None:
        money = self.context.money
        rows = reports.low_stock(reader=self.context.reader, actor=self.context.require_actor())
        fill(self.form.low_table, ["SKU", "Title", "On hand", "Reorder at", "Price", "Location"],
             [(r.item.sku, r.item.title, str(r.item.on_hand), str(r.reorder_point),
               money(r.item.price_cents, r.item.currency), r.item.location) for r in rows], numeric=[2, 3, 4])
        self.form.low_label.setText(
            f"{len(rows)} counted item{'s' if len(rows) != 1 else ''} at or below the reorder point."
            if rows else "Every counted item is above its reorder point.")

    def refresh_aging(self) -> None:
        money, actor, zone = self.context.money, self.context.require_actor(), self.context.profile.timezone
        buckets = reports.aging_summary(reader=self.context.reader, actor=actor, timezone=zone)
        fill(self.form.buckets_table, ["In stock for", "Pieces", "Retail value", "Cost"],
             [(b.label, f"{b.pieces:,}", money(b.retail_cents), money(b.cost_cents)) for b in buckets],
             numeric=[1, 2, 3])
        min_days = self.form.min_days_spin.value()
        rows = reports.aging(reader=self.context.reader, actor=actor, timezone=zone, min_days=min_days)
        fill(self.form.aging_table, ["SKU", "Title", "Days in stock", "Received", "Price", "Location"],
             [(r.item.sku, r.item.title, str(r.days_in_stock),
               r.item.received_on.isoformat() if r.item.received_on else "",
               money(r.item.price_cents, r.item.currency), r.item.location) for r in rows], numeric=[2, 4])
        more = " (the oldest 1,000 shown)" if len(rows) >= 1000 else ""
        self.form.aging_label.setText(f"{len(rows):,} pieces{more}")
