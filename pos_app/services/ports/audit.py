"""The audit trail: writing events (AuditLog) and reading them back (AuditTrail)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from pos_app.domain.audit import AuditFilter, AuditRow, ChainReport, Flag
from pos_app.domain.permissions import Actor


class AuditLog(Protocol):
    def record(self, actor: Actor, action: str, *, entity_type: str | None = None,
               entity_id: str | None = None, summary: dict[str, Any] | None = None,
               approved_by: str | None = None) -> None: ...


class AuditTrail(Protocol):
    """Reading the audit trail: the chain check and searches (persistence/audit_queries.py)."""

    def verify_chain(self, cancelled: Callable[[], bool] | None = None) -> ChainReport: ...
    def count(self, f: AuditFilter) -> int: ...
    def page(self, f: AuditFilter, offset: int, limit: int) -> list[AuditRow]: ...
    def rows(self, f: AuditFilter) -> Iterator[AuditRow]: ...
    def flags(self, since: dt.datetime, *, lock_after: int) -> list[Flag]: ...
