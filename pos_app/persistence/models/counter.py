"""The counter's working state: number sequences, parked carts, checkouts in
progress, the print queue, cash drawer shifts, and large cash payment reports.

Parked carts, checkouts, the print queue and the sequences belong to one
counter and never sync. A checkout row is written before any card is charged
and updated after every tender, so a crash or power cut at any moment leaves
a record Facet reconciles with Stripe at the next start: nothing is lost and
nothing is charged twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, Synced, UtcDateTime, new_id, utcnow


class NumberSequence(Base):
    """The next human number of a kind on a counter (`sale:C1` -> 124 makes C1-000124)."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer)


class ParkedCart(Base):
    __tablename__ = "parked_carts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    terminal: Mapped[str] = mapped_column(String(8), index=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    cart: Mapped[dict[str, object]] = mapped_column(JSON)
    parked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Checkout(Base):
    """A cart being paid for: its payment journal (`domain/checkout.py`, `persistence/checkout_repo.py`).
    status: open | completed | abandoned."""

    __tablename__ = "checkouts"
    __table_args__ = (Index("ix_checkouts_terminal_status", "terminal", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    terminal: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    cart: Mapped[dict[str, object]] = mapped_column(JSON)
    # The journal but its cart (rate, totals, tenders, the card attempt under way...); the tenders list
    # alone in journals written before it had this column to itself.
    tenders: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="open")
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class PrintJob(Base):
    """A document waiting for the receipt printer. status: waiting | printed | dismissed."""

    __tablename__ = "print_queue"
    __table_args__ = (Index("ix_print_queue_terminal_status", "terminal", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    terminal: Mapped[str] = mapped_column(String(8))
    document: Mapped[str] = mapped_column(String(20))  # receipt | gift_receipt | z_report | x_report
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"))
    shift_id: Mapped[str | None] = mapped_column(ForeignKey("shifts.id"))
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    printed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Shift(Synced, Base):
    """A cash drawer's shift: opened with a float, closed with a count. status: open | closed."""

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_terminal_status", "terminal", "status"),)

    terminal: Mapped[str] = mapped_column(String(8))
    opened_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    float_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8), default="open")
    closed_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # {"10000": 3, "2000": 5, ...}: pieces counted by denomination in cents.
    counted: Mapped[dict[str, int] | None] = mapped_column(JSON)
    counted_cents: Mapped[int | None] = mapped_column(Integer)
    expected_cents: Mapped[int | None] = mapped_column(Integer)
    variance_cents: Mapped[int | None] = mapped_column(Integer)
    # The Z report as printed: [[label, value], ...], kept for the record.
    z_report: Mapped[list[list[str]] | None] = mapped_column(JSON)


class CashMovement(Synced, Base):
    """Cash in or out of the drawer that is not a sale. kind: paid_in | paid_out | no_sale."""

    __tablename__ = "cash_movements"

    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))


class LargeCashReport(Synced, Base):
    """Cash over $10,000 from one customer within 12 months: what IRS Form 8300 asks.

    Sensitive personal data, shown only to the owner and managers; the privacy
    center's export and erasure cover it.
    """

    __tablename__ = "large_cash_reports"

    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), index=True)
    cash_cents: Mapped[int] = mapped_column(Integer)  # this payment
    twelve_month_cents: Mapped[int] = mapped_column(Integer)  # with related cash in the 12 months before
    full_name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(Text)
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)  # None once the person is erased
    taxpayer_id: Mapped[str] = mapped_column(String(20))
    occupation: Mapped[str] = mapped_column(String(120), default="")
    id_document: Mapped[str] = mapped_column(String(200))  # "US passport 123456789, issued by ..."
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(10), default="to_file")  # to_file | filed
    filed_on: Mapped[dt.date | None] = mapped_column(Date)
