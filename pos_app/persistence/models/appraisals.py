"""Appraisals: a valued description of a piece, drafted then made final.

A final appraisal never changes; a correction is a new version whose
`supersedes_id` points at the one it replaces, with copies of its stones and
photos. Kept 10 years from its date.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, Synced, UtcDateTime


class Appraisal(Synced, Base):
    __tablename__ = "appraisals"
    # The list's order (newest first) read straight off an index, even at 50,000 appraisals.
    __table_args__ = (UniqueConstraint("number", "version"),
                      Index("ix_appraisals_listing", "appraised_on", "number", "version"),
                      # What a search matches on, without reading the rows' long texts.
                      Index("ix_appraisals_search", "number", "item_id", "owner_customer_id", "status"),
                      # The drafts waiting: a few rows among tens of thousands, counted on every visit.
                      Index("ix_appraisals_drafts", "status", sqlite_where=text("status = 'draft'")))

    number: Mapped[str] = mapped_column(String(20), index=True)  # AP-2026-0042
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("appraisals.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | final
    purpose: Mapped[str] = mapped_column(String(30))
    appraised_on: Mapped[dt.date] = mapped_column(Date)
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    owner_customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id"), index=True)
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), index=True)  # made from this sale
    style: Mapped[str | None] = mapped_column(String(20))
    metal: Mapped[str | None] = mapped_column(String(20))
    gram_weight_cg: Mapped[int | None] = mapped_column(Integer)
    chain_length_tenths: Mapped[int | None] = mapped_column(Integer)
    clasp: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    value_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    appraiser_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    limiting_conditions: Mapped[str] = mapped_column(Text, default="")
    finalized_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    retain_until: Mapped[dt.date | None] = mapped_column(Date)
    # A final appraisal's verification hash, frozen when its owner is erased (the
    # owner's photos go, so the hash could no longer be recomputed): a printed
    # copy the customer keeps still checks out against the record.
    seal: Mapped[str | None] = mapped_column(String(12))


class AppraisalStone(Synced, Base):
    __tablename__ = "appraisal_stones"

    appraisal_id: Mapped[str] = mapped_column(ForeignKey("appraisals.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # center | side | accent
    shape: Mapped[str | None] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer, default=1)
    carat_points: Mapped[int | None] = mapped_column(Integer)
    color: Mapped[str | None] = mapped_column(String(24))
    clarity: Mapped[str | None] = mapped_column(String(4))
    cut: Mapped[str | None] = mapped_column(String(12))
    measurements: Mapped[str | None] = mapped_column(String(40))
    certificate_id: Mapped[str | None] = mapped_column(ForeignKey("certificates.id"))


class AppraisalPhoto(Synced, Base):
    """A photo of the appraised piece, kept inside the encrypted file; printed on the appraisal."""

    __tablename__ = "appraisal_photos"

    appraisal_id: Mapped[str] = mapped_column(ForeignKey("appraisals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    mime_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
