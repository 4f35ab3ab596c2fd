"""Necklaces, their stones and photos, lab certificates, and the stock ledger.

Quantity on hand is the sum of an item's stock movements (receive, sale,
return, adjustment, transfer, memo out/in, count). The ledger is append-only:
triggers refuse any UPDATE or DELETE of a movement. `items.on_hand` is that
sum kept by a trigger on each new movement, so lists can filter and sort by
it through an index; no code writes it, and `pos-app doctor` checks it
against the ledger. A unique necklace is an item with `tracking = 'unique'`
whose movements sum to 1 while it is in the store and to 0 once sold.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, Synced, UtcDateTime, utcnow


class Item(Synced, Base):
    __tablename__ = "items"
    # One index per sortable column, then `sku` and `seq`: the inventory list pages
    # through them in order (ORDER BY col, sku, seq LIMIT/OFFSET) without a sort,
    # a filter on the column keeps SKU order, and every entry already holds the
    # handle (`seq`) the screen keeps.
    __table_args__ = (
        Index("ix_items_sku_seq", "sku", "seq"),
        *(Index(f"ix_items_{column}_sku_seq", column, "sku", "seq") for column in (
            "title", "style", "metal", "status", "location", "price_cents", "cost_cents", "on_hand",
            "received_on", "cert_number", "barcode", "tracking", "store_id")),
        # A sale line's style and metal for reports, without the item's whole row (migration 0019).
        Index("ix_items_id_style_metal", "id", "style", "metal"),
    )

    # This file's own number for the row: the full-text index's rowid and the
    # handle the inventory table keeps. Assigned on insert, never synced.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(48), unique=True)
    style: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    metal: Mapped[str] = mapped_column(String(20))
    chain_length_tenths: Mapped[int | None] = mapped_column(Integer)
    clasp: Mapped[str] = mapped_column(String(40), default="")
    total_carat_points: Mapped[int | None] = mapped_column(Integer)
    stone_count: Mapped[int | None] = mapped_column(Integer)
    center_shape: Mapped[str | None] = mapped_column(String(20))
    center_carat_points: Mapped[int | None] = mapped_column(Integer)
    center_color: Mapped[str | None] = mapped_column(String(24))
    center_clarity: Mapped[str | None] = mapped_column(String(4))
    center_cut: Mapped[str | None] = mapped_column(String(12))
    center_origin: Mapped[str | None] = mapped_column(String(12))
    cert_lab: Mapped[str | None] = mapped_column(String(8))
    cert_number: Mapped[str | None] = mapped_column(String(24))
    gram_weight_cg: Mapped[int | None] = mapped_column(Integer)
    cost_cents: Mapped[int | None] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    tracking: Mapped[str] = mapped_column(String(10))
    serial: Mapped[str | None] = mapped_column(String(40))
    reorder_point: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    vendor: Mapped[str] = mapped_column(String(80), default="")
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    # The store the piece belongs to (a sync group's store id); null: this store. Only its home store sells it
    # (trigger `items_sold_at_home`, migration 0013): two offline counters of two stores never sell one piece.
    store_id: Mapped[str | None] = mapped_column(String(36))  # indexed by ix_items_store_id_sku_seq
    # The ledger's sum for this item, kept by the stock_movements trigger; never written by code.
    on_hand: Mapped[int] = mapped_column(Integer, server_default="0", default=0)


class ItemStone(Synced, Base):
    """A side or accent stone set in a necklace (the center stone is on the item)."""

    __tablename__ = "item_stones"

    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # side | accent
    shape: Mapped[str | None] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer, default=1)
    carat_points: Mapped[int | None] = mapped_column(Integer)
    color: Mapped[str | None] = mapped_column(String(24))
    clarity: Mapped[str | None] = mapped_column(String(4))
    origin: Mapped[str | None] = mapped_column(String(12))
    certificate_id: Mapped[str | None] = mapped_column(ForeignKey("certificates.id"))


class ItemPhoto(Synced, Base):
    """A photo of a necklace, kept inside the encrypted file."""

    __tablename__ = "item_photos"

    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    mime_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Certificate(Synced, Base):
    """A diamond grading report from a lab (GIA, IGI, ...), with its scan.

    Kept 10 years from its date (`retain_until`), as the privacy policy says
    of appraisal and certificate records. The same lab and report number on two
    pieces is a fraud signal, so the pair is indexed but not unique.
    """

    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_lab_report", "lab", "report_number"),)

    lab: Mapped[str] = mapped_column(String(8))
    report_number: Mapped[str] = mapped_column(String(24))
    report_date: Mapped[dt.date | None] = mapped_column(Date)
    shape: Mapped[str | None] = mapped_column(String(20))
    carat_points: Mapped[int | None] = mapped_column(Integer)
    color: Mapped[str | None] = mapped_column(String(24))
    clarity: Mapped[str | None] = mapped_column(String(4))
    cut: Mapped[str | None] = mapped_column(String(12))
    polish: Mapped[str | None] = mapped_column(String(12))
    symmetry: Mapped[str | None] = mapped_column(String(12))
    fluorescence: Mapped[str | None] = mapped_column(String(20))
    measurements: Mapped[str | None] = mapped_column(String(40))
    inscription: Mapped[str | None] = mapped_column(String(60))
    origin: Mapped[str | None] = mapped_column(String(12))
    item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    scan_mime_type: Mapped[str | None] = mapped_column(String(40))
    scan: Mapped[bytes | None] = mapped_column(LargeBinary)
    retain_until: Mapped[dt.date | None] = mapped_column(Date)


# Movements whose reason is their kind, written by Facet itself (a sale, a return, a receipt).
TYPED_MOVEMENTS_EXCLUDED = "('sale', 'return', 'receive')"


class StockMovement(Synced, Base):
    """One line of the stock ledger. Append-only: never updated, never deleted.

    `kind` is receive, sale, return, adjustment, transfer_in, transfer_out,
    in_transit, memo_out, memo_in or count; `quantity` is signed (a sale is -1).
    `store_id` is the store whose stock it changes (migration 0016): this
    store's for what happens here; the receiving store's for the units a
    transfer puts in transit to it (kind in_transit, never on hand).
    """

    __tablename__ = "stock_movements"
    __table_args__ = (
        Index("ix_stock_movements_item_at", "item_id", "created_at"),
        # Quantity on hand is a sum per item and store (in transit apart): this index answers it without the
        # table, and gives a joining counter its per-store sums in index order (migration 0016).
        Index("ix_stock_movements_item_store_kind_quantity", "item_id", "store_id", "kind", "quantity"),
        # By date: the stock as it was at a past date is today's less what moved since (migration 0018).
        Index("ix_stock_movements_at", "created_at", "store_id", "kind", "item_id", "quantity"),
        # The few movements whose reason a person typed (an erasure searches them for a customer's name).
        Index("ix_stock_movements_typed", "kind", sqlite_where=text(f"kind NOT IN {TYPED_MOVEMENTS_EXCLUDED}")),
    )

    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String(14))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(40))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    terminal: Mapped[str] = mapped_column(String(8))
    store_id: Mapped[str | None] = mapped_column(String(36))


class ItemStoreStock(Base):
    """Units of an item per store: on hand, and in transit to it (migration 0016).

    Derived, never written by the application and never synced: trigger
    `stock_movements_by_store` adds each new movement, so every counter sums
    the ledger it holds. `items.on_hand` is this store's row of it.
    """

    __tablename__ = "item_store_stock"
    __table_args__ = (
        Index("ix_item_store_stock_in_transit", "store_id", "item_id", sqlite_where=text("in_transit <> 0")),
        {"sqlite_with_rowid": False},
    )

    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, server_default="0")
    in_transit: Mapped[int] = mapped_column(Integer, server_default="0")


class StockCount(Synced, Base):
    """A count of one location: items scanned, then the differences posted."""

    __tablename__ = "stock_counts"

    location: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | posted | cancelled
    started_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    posted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    posted_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))


class StockCountScan(Synced, Base):
    """One scan during a count; `item_id` is empty when the code matched nothing."""

    __tablename__ = "stock_count_scans"

    count_id: Mapped[str] = mapped_column(ForeignKey("stock_counts.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(48))
    item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    scanned_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
