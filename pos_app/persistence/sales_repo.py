"""Completed sales as typed records: the storage port over one Session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pos_app.persistence.models import (
    Payment,
    Sale,
    SaleLine,
    new_id,
)
from pos_app.services.ports.sales import NewSale


class SalesRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_completed(self, sale: NewSale) -> str:
        at = sale.completed_at
        row = Sale(id=new_id(), number=sale.number, terminal=sale.terminal, staff_id=sale.staff_id,
                   customer_id=sale.customer_id, status="completed", currency=sale.currency,
                   subtotal_cents=sale.subtotal_cents, discount_cents=sale.discount_cents,
                   tax_cents=sale.tax_cents, total_cents=sale.total_cents, completed_at=at, tax_rate=sale.tax_rate,
                   created_at=at, updated_at=at)
        self._s.add(row)
        self._s.flush()  # no ORM relationships here: the sale must exist before its lines
        for position, line in enumerate(sale.lines, start=1):
            self._s.add(SaleLine(id=new_id(), sale_id=row.id, item_id=line.item_id, position=position,
                                 sku=line.sku, description=line.description, quantity=line.quantity,
                                 unit_price_cents=line.unit_price_cents, list_price_cents=line.unit_price_cents,
                                 discount_cents=line.discount_cents,
                                 tax_cents=line.tax_cents, total_cents=line.total_cents,
                                 created_at=at, updated_at=at))
        for payment in sale.payments:
            self._s.add(Payment(id=new_id(), sale_id=row.id, created_at=at, updated_at=at, **vars(payment)))
        self._s.flush()
        return row.id
