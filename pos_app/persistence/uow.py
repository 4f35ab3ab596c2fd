"""The SQLAlchemy unit of work: one Session, one BEGIN IMMEDIATE transaction.

`with uow:` opens it; `uow.commit()` commits; leaving the block without a
commit rolls everything back, so a service that raises halfway changes
nothing. Every flush also journals what it changed (outbox rows, through
`journal.record_flush`), and `uow.audit` is the same journal's audit writer.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from pos_app.persistence import journal
from pos_app.persistence.access_repo import AccessRepo
from pos_app.persistence.appraisal_repo import AppraisalRepo
from pos_app.persistence.card_refund_repo import CardRefundRepo
from pos_app.persistence.certificate_repo import CertificateRepo
from pos_app.persistence.checkout_repo import SqlCheckoutJournal
from pos_app.persistence.counter_repo import CounterRepo
from pos_app.persistence.customer_repo import CustomerRepo
from pos_app.persistence.erasure_repo import ErasureRepo
from pos_app.persistence.item_repo import CountRepo, ItemRepo, PhotoRepo, StockRepo
from pos_app.persistence.privacy_repo import PrivacyRequestRepo
from pos_app.persistence.store_repo import SettingsRepo, StaffRepo, StoreRepo

if TYPE_CHECKING:
    from pos_app.persistence.audit_queries import AuditAnchor
    from pos_app.persistence.write_turns import WriteTurns

_FACTORIES: weakref.WeakKeyDictionary[Engine, sessionmaker[Session]] = weakref.WeakKeyDictionary()


def _factory(engine: Engine) -> sessionmaker[Session]:
    """One session factory per engine, with the journal's flush hook registered once (a listener added
    to every new session costs a quarter of a millisecond, on the sale's hot path)."""
    factory = _FACTORIES.get(engine)
    if factory is None:
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        event.listen(factory, "after_flush", journal.record_flush)
        _FACTORIES[engine] = factory
    return factory


class SqlUnitOfWork:
    def __init__(self, engine: Engine, anchor: AuditAnchor | None = None, turns: WriteTurns | None = None) -> None:
        self._factory = _factory(engine)
        self._anchor = anchor
        self._turns = turns  # the counter is busy from `with uow:` to its end: the sync worker waits (write_turns)
        self.session: Session | None = None

    def __enter__(self) -> Self:
        return self._open(self._factory())

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """The same repositories on a read-only transaction: a plain BEGIN, so no write lock is taken and
        sales at other counters go on; every read sees one snapshot. Always rolled back on leaving (a
        write made here would take the write lock and then be thrown away: don't)."""
        from pos_app.persistence.database import READING_OPTION

        session = self._factory()
        session.connection(execution_options={READING_OPTION: True})
        self._open(session)
        try:
            yield self
        finally:
            self.__exit__()

    def _open(self, session: Session) -> Self:
        if self._turns is not None:
            self._turns.opened(id(self))
        self.session = session
        self.store = StoreRepo(session)
        self.settings = SettingsRepo(session)
        self.staff = StaffRepo(session, self.store)
        self.items = ItemRepo(session)
        self.photos = PhotoRepo(session)
        self.stock = StockRepo(session)
        self.counts = CountRepo(session)
        self.customers = CustomerRepo(session)
        self.counter = CounterRepo(session)
        self.checkouts = SqlCheckoutJournal(session)
        self.certificates = CertificateRepo(session)
        self.appraisals = AppraisalRepo(session)
        self.privacy = PrivacyRequestRepo(session)
        self.erasure = ErasureRepo(session)
        self.access = AccessRepo(session)
        self.card_refunds = CardRefundRepo(session)
        self.audit = journal.Journal.of(session)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.session is not None
        try:
            self.session.rollback()
            self.session.close()
        finally:
            self.session = None
            if self._turns is not None:
                self._turns.closed(id(self))

    def commit(self) -> None:
        assert self.session is not None
        if self._anchor is None or not self.session.in_transaction():
            self.session.commit()
            return
        from pos_app.persistence.audit_queries import head

        # Read inside the write transaction (BEGIN IMMEDIATE): this is our own last event.
        conn = self.session.connection().connection.driver_connection
        last = head(conn)
        started = last is not None and self._anchor.needs_start(conn)
        if started:
            self._record_anchor_started(conn)
            last = head(conn)
        self.session.commit()
        if last is not None:
            self._anchor.advance(last, started=started)

    def _record_anchor_started(self, conn: Any) -> None:
        """The first anchored commit says so inside the chain: from then on a missing anchor is a break."""
        from pos_app.domain.permissions import Actor, Role
        from pos_app.persistence.audit_queries import ANCHOR_NAME, ANCHOR_STARTED

        (terminal,) = conn.execute("SELECT terminal FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        # The event before names who acted; this one is Facet's own, at the same counter.
        actor = Actor(staff_id=None, name="audit anchor", role=Role.OWNER, terminal=terminal)
        self.audit.record(actor, ANCHOR_STARTED, entity_type="audit", summary={"file": ANCHOR_NAME})
