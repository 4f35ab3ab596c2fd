"""Sales (and returns and exchanges), their lines and payments.

Totals are integer minor units. A payment keeps only what Stripe lets a store
keep: the PaymentIntent id, status, card brand and last four digits, and the
chip receipt fields card networks require a receipt to print (application
name, AID, ARC...: `domain.payments.EmvReceipt`); never anything that could
rebuild a card number.

`card_refunds` follows every refund Facet asks Stripe for (returns, voided
carts, voided sales) until Stripe settles it: a refund Stripe answers
`pending` may still fail days later, and a failed one must be paid back
another way (cash, with a manager) and marked handled.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, Synced, UtcDateTime


class Sale(Synced, Base):
    __tablename__ = "sales"
    __table_args__ = (
        UniqueConstraint("terminal", "number"),
        Index("ix_sales_completed_at", "completed_at"),
        # With the time: a customer's sales in order, and their last sale's date without reading each row
        # (what an erasure keeps is dated from it, inside its write transaction).
        Index("ix_sales_customer_completed", "customer_id", "completed_at"),
        Index("ix_sales_number", "number"),
    )

    number: Mapped[str] = mapped_column(String(20))  # C1-000123
    terminal: Mapped[str] = mapped_column(String(8))
    # sale | return | exchange: a return's lines have negative quantities and
    # point at the lines they return; an exchange holds both kinds.
    kind: Mapped[str] = mapped_column(String(10), default="sale")
    original_sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), index=True)
    shift_id: Mapped[str | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(12))  # completed | voided
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_cents: Mapped[int] = mapped_column(Integer)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    tax_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    tax_exempt_reason: Mapped[str | None] = mapped_column(String(120))
    tax_exempt_number: Mapped[str | None] = mapped_column(String(40))
    # The rate the sale was taxed at, as typed in the store's settings ("8.875").
    tax_rate: Mapped[str] = mapped_column(String(12), default="0")
    order_discount_reason: Mapped[str] = mapped_column(String(120), default="")
    completed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    voided_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    void_reason: Mapped[str | None] = mapped_column(String(200))


class SaleLine(Synced, Base):
    __tablename__ = "sale_lines"
    __table_args__ = (
        # Covering: a report reads a sale's lines' figures from the index alone (migration 0019).
        Index("ix_sale_lines_sale_id", "sale_id", "returns_line_id", "item_id", "quantity", "unit_price_cents",
              "discount_cents", "tax_cents", "total_cents", "cost_cents"),
    )

    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"))
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    list_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    returns_line_id: Mapped[str | None] = mapped_column(ForeignKey("sale_lines.id"), index=True)
    discount_reason: Mapped[str] = mapped_column(String(120), default="")
    override_reason: Mapped[str] = mapped_column(String(120), default="")
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    tax_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    # The unit cost when it sold (a returned line: the cost it left at); margin reads it (migration 0018).
    cost_cents: Mapped[int | None] = mapped_column(Integer)


class SaleCredit(Synced, Base):
    """A salesperson who shared a sale: their slice of it, in basis points out of 10,000 (migration 0018).

    The slices of one sale are consecutive (0 to 6,000, 6,000 to 10,000); `domain.figures.split` divides any
    amount by them so the parts add up exactly. A sale without a row is its clerk's alone. A fact, never changed.
    """

    __tablename__ = "sale_credits"
    __table_args__ = (
        UniqueConstraint("sale_id", "position", name="uq_sale_credits_sale_id_position"),
        CheckConstraint("position BETWEEN 0 AND 3", name="ck_sale_credits_position"),
        CheckConstraint("share_from_bp >= 0 AND share_from_bp < share_to_bp AND share_to_bp <= 10000",
                        name="ck_sale_credits_share"),
    )

    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"))
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    share_from_bp: Mapped[int] = mapped_column(Integer)
    share_to_bp: Mapped[int] = mapped_column(Integer)


class Payment(Synced, Base):
    __tablename__ = "payments"

    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), index=True)
    tender: Mapped[str] = mapped_column(String(14))  # cash | card | store_credit
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), index=True)
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    # Cash handed over (the change is tendered - amount); a refund's Stripe id.
    tendered_cents: Mapped[int | None] = mapped_column(Integer)
    refund_id: Mapped[str | None] = mapped_column(String(64))
    # JSON of EmvReceipt.to_dict(): {"application_name": "Visa Credit", "aid": "A0000000031010", ...}.
    card_receipt: Mapped[str | None] = mapped_column(Text)


class CardRefund(Synced, Base):
    """One refund asked of Stripe, and how it stands: pending -> succeeded | failed | canceled."""

    __tablename__ = "card_refunds"
    __table_args__ = (Index("ix_card_refunds_status", "status"),)

    refund_id: Mapped[str] = mapped_column(String(64), unique=True)  # Stripe's re_...
    payment_intent_id: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int] = mapped_column(Integer)  # positive: what goes back to the card
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    failure_reason: Mapped[str | None] = mapped_column(String(60))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(String(20))  # return | void_cart | void_sale
    terminal: Mapped[str] = mapped_column(String(8))
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), index=True)  # the sale refunded or voided
    checkout_id: Mapped[str | None] = mapped_column(String(36))  # the return or voided cart it was made from
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    checked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # last asked of Stripe
    settled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # Stripe said succeeded/failed/canceled
    # A failed refund paid back another way: when, by whom (a manager's approval), how.
    handled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    handled_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    handled_how: Mapped[str | None] = mapped_column(String(200))
