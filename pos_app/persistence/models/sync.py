"""This install's place in a sync group, and the other stores it knows of.

`sync_state` has one row. `device_id` names this install to central (made
when the store's schema reaches revision 0013, so every Facet has one,
joined or not); `store_id` is this store's id as central knows it (its
`stores` row). The rest is empty until the counter joins a central
PostgreSQL (`pos-app sync join`): where central is (host, port and
database, for display: the password is in the OS keyring), the codes
central gave the store and the counter, how far this counter has pulled
(`pull_cursor`, central's server sequence) and pushed its audit chain, and
the last contact for the status bar.

`applying` is 1 only inside the transaction that writes changes pulled from
central: the stock triggers let such a change through (a sale made at
another counter already happened; refusing it would lose it), and nothing
written then is journaled into the outbox (a pulled change never echoes
back). It is set back to 0 before that transaction commits.

`sync_stores` is the group's store directory as central sent it, so a
screen can say "at S2 Downtown" for an item whose home is another store.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, UtcDateTime


class SyncState(Base):
    __tablename__ = "sync_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),
                      CheckConstraint("applying IN (0, 1)", name="applying_flag"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    device_id: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str | None] = mapped_column(String(36))
    central: Mapped[str | None] = mapped_column(String(300))  # host:port/database, never a password
    role_name: Mapped[str | None] = mapped_column(String(63))  # the counter's PostgreSQL role
    store_code: Mapped[str | None] = mapped_column(String(8))
    counter_code: Mapped[str | None] = mapped_column(String(8))
    joined_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    pull_cursor: Mapped[int] = mapped_column(Integer, default=0)
    audit_pushed_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_pull_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    offline_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)  # open conflicts of this store, as last seen
    attention: Mapped[int] = mapped_column(Integer, default=0)  # this counter's quarantined changes, as last seen
    applying: Mapped[int] = mapped_column(Integer, default=0)


class SyncStore(Base):
    __tablename__ = "sync_stores"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120))
