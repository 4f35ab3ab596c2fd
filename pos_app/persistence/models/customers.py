"""Customers, their consents, the privacy policy versions, and privacy requests.

Personal data lives here and in the few columns of other tables that point at
a customer. Consent is a history of events, never an overwritten flag: the
current consent for a purpose is the latest event for it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, Synced, UtcDateTime


class Customer(Synced, Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_last_first", "last_name", "first_name"),
        Index("ix_customers_email", "email"),
        Index("ix_customers_phone", "phone"),
    )

    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    # E.164 ("+12125550123"), as phonenumbers formats it.
    phone: Mapped[str | None] = mapped_column(String(20))
    billing_address: Mapped[str] = mapped_column(Text, default="")
    shipping_address: Mapped[str] = mapped_column(Text, default="")
    # The clerk confirmed the customer is 18 or older; no record is ever made
    # for anyone under 13.
    adult_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    preferences: Mapped[str] = mapped_column(Text, default="")
    wishlist: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    do_not_sell: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_objection: Mapped[bool] = mapped_column(Boolean, default=False)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class PolicyVersion(Synced, Base):
    """A published version of the store's privacy policy, kept forever."""

    __tablename__ = "policy_versions"

    version: Mapped[int] = mapped_column(Integer, unique=True)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)


class ConsentEvent(Synced, Base):
    """A customer gave or withdrew consent for one purpose.

    purpose: marketing_email | marketing_sms | ad_sharing;
    channel: counter | email | phone | web.
    """

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_customer_purpose", "customer_id", "purpose", "created_at"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(10))
    policy_version_id: Mapped[str | None] = mapped_column(ForeignKey("policy_versions.id"))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))


class PrivacyRequest(Synced, Base):
    """A customer's request under the privacy policy, due 30 days after receipt.

    type: access | portability | correction | deletion | opt_out_sale |
    restriction | withdraw_consent | objection.
    """

    __tablename__ = "privacy_requests"
    __table_args__ = (Index("ix_privacy_requests_status_due", "status", "due_on"),)

    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    customer_told_on: Mapped[dt.date | None] = mapped_column(Date)
    verification_method: Mapped[str | None] = mapped_column(String(40))
    verified_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12), default="received")
    outcome: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    export_sha256: Mapped[str | None] = mapped_column(String(64))
    # Where the export answering this request was written (deleted when delivered or when the customer is erased).
    export_file: Mapped[str | None] = mapped_column(Text)


class ErasureLogEntry(Synced, Base):
    """A customer was erased: the salted hash of their id, never a name or a contact.

    The same log is kept in a file beside the store (`adapters/erasure_log.py`),
    so restoring a backup taken before the erasure erases them again.
    """

    __tablename__ = "erasure_log"
    __table_args__ = (UniqueConstraint("customer_hash"),)

    erased_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    request_id: Mapped[str | None] = mapped_column(String(36))
    customer_hash: Mapped[str] = mapped_column(String(64))
