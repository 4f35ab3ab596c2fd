"""Past sales: the list managers and scripts read (`pos-app sales list`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import typed_day
from pos_app.services.guard import requires
from pos_app.services.ports.sales import LargeCashRow, SalesReader, SaleSummary
from pos_app.services.ports.uow import UnitOfWork

MAX_LIST = 100_000


def parse_day(text: str, *, field: str) -> dt.date:
    """A day typed for a search, YYYY-MM-DD (1900 to 2999)."""
    return typed_day(text, field=field)


@requires(Permission.VIEW_SALES_REPORTS)
def list_sales(*, since: dt.date | None, until: dt.date | None, timezone: str, limit: int, sales: SalesReader,
               actor: Actor, uow: UnitOfWork) -> list[SaleSummary]:
    """Sales completed from the start of `since` to the end of `until`, store days; newest first."""
    if not 1 <= limit <= MAX_LIST:
        raise ValidationError("limit", f"must be from 1 to {MAX_LIST:,}")
    if since is not None and until is not None and until < since:
        raise ValidationError("until", "is before --since")
    zone = ZoneInfo(timezone)
    start = None if since is None else dt.datetime.combine(since, dt.time(), zone)
    end = None if until is None else dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone)
    return sales.sales(since=start, until=end, limit=limit)


@requires(Permission.VIEW_SALES_REPORTS)
def large_cash_payments(*, sales: SalesReader, actor: Actor, uow: UnitOfWork) -> list[LargeCashRow]:
    """Cash over $10,000 (IRS Form 8300) cases, newest first: owner and managers only (sensitive data)."""
    return sales.large_cash_reports()
