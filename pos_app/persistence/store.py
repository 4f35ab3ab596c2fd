"""`SqliteStore`: the store handle (`services/ports/store.py`) over one SQLCipher connection.

Its readers share one raw connection, opened when first needed and closed
by `close()` (the op runner closes it when the job ends; a `with` block does
too). Units of work come from the database's engine, each its own
transaction, so a job may read, then change, then read again.
"""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from pos_app.persistence.appraisal_queries import SqliteAppraisalReader
    from pos_app.persistence.audit_queries import SqliteAuditTrail
    from pos_app.persistence.certificate_queries import SqliteCertificateReader
    from pos_app.persistence.customer_queries import SqliteCustomerReader
    from pos_app.persistence.database import LocalDatabase
    from pos_app.persistence.privacy_export_queries import SqliteCustomerDataReader
    from pos_app.persistence.privacy_queries import SqlitePrivacyReader
    from pos_app.persistence.queries import SqliteDirectoryReader, SqliteInventoryReader
    from pos_app.persistence.report_queries import SqliteReportsReader
    from pos_app.persistence.sales_queries import SqliteSalesReader
    from pos_app.persistence.uow import SqlUnitOfWork


class SqliteStore:
    """The store handle of one thread: pass `conn` to share a connection (not closed here), or let it open its own."""

    def __init__(self, db: LocalDatabase, conn: Any | None = None) -> None:
        self._db = db
        self._given = conn

    @cached_property
    def connection(self) -> Any:
        return self._given if self._given is not None else self._db.connect()

    def uow(self) -> SqlUnitOfWork:
        return self._db.unit_of_work()

    @cached_property
    def terminal(self) -> str:
        return str(self.directory.setting("terminal.code", "C1"))

    @cached_property
    def inventory(self) -> SqliteInventoryReader:
        from pos_app.persistence.queries import SqliteInventoryReader

        return SqliteInventoryReader(self.connection)

    @cached_property
    def directory(self) -> SqliteDirectoryReader:
        from pos_app.persistence.queries import SqliteDirectoryReader

        return SqliteDirectoryReader(self.connection)

    @property
    def staff_security(self) -> SqliteDirectoryReader:
        return self.directory

    @cached_property
    def sales(self) -> SqliteSalesReader:
        from pos_app.persistence.sales_queries import SqliteSalesReader

        return SqliteSalesReader(self.connection)

    @cached_property
    def customers(self) -> SqliteCustomerReader:
        from pos_app.persistence.customer_queries import SqliteCustomerReader

        return SqliteCustomerReader(self.connection)

    @cached_property
    def certificates(self) -> SqliteCertificateReader:
        from pos_app.persistence.certificate_queries import SqliteCertificateReader

        return SqliteCertificateReader(self.connection)

    @cached_property
    def appraisals(self) -> SqliteAppraisalReader:
        from pos_app.persistence.appraisal_queries import SqliteAppraisalReader

        return SqliteAppraisalReader(self.connection)

    @cached_property
    def privacy(self) -> SqlitePrivacyReader:
        from pos_app.persistence.privacy_queries import SqlitePrivacyReader

        return SqlitePrivacyReader(self.connection)

    @cached_property
    def customer_data(self) -> SqliteCustomerDataReader:
        from pos_app.persistence.privacy_export_queries import SqliteCustomerDataReader

        return SqliteCustomerDataReader(self.connection)

    @cached_property
    def audit(self) -> SqliteAuditTrail:
        from pos_app.persistence.audit_queries import SqliteAuditTrail

        return SqliteAuditTrail(self.connection, self._db.audit_anchor)

    @cached_property
    def reports(self) -> SqliteReportsReader:
        from pos_app.persistence.report_queries import SqliteReportsReader

        return SqliteReportsReader(self.connection)

    def close(self) -> None:
        """Close the connection this handle opened (one given to it stays open)."""
        if "connection" in self.__dict__ and self._given is None:
            self.connection.close()
        for name in _CACHED:
            self.__dict__.pop(name, None)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


if TYPE_CHECKING:
    from pos_app.services.ports.store import OpenedStore

    def _is_the_port(store: SqliteStore) -> OpenedStore:  # mypy checks SqliteStore against the Store port here
        return store


_CACHED = tuple(name for name, value in vars(SqliteStore).items() if isinstance(value, cached_property))
