"""Head-office reports: every store of a sync group at once, read from central (the owner's view).

A store's own reports read its own file; the head office reads central,
where every counter's sales arrive. Days are each store's own days (its time
zone, from its `stores` record): a sale at 23:30 in Denver counts on the
Denver store's day even when the head office sits in New York.
"""

from __future__ import annotations

import datetime as dt

from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.head_office import HeadOfficeReader, StoreDaySales
from pos_app.services.ports.uow import UnitOfWork

MAX_DAYS = 3_660


@requires(Permission.VIEW_SALES_REPORTS)
def sales_by_store(first: dt.date, last: dt.date, *, central: HeadOfficeReader, actor: Actor,
                   uow: UnitOfWork) -> list[StoreDaySales]:
    """Per store and day (the store's own day), from `first` to `last` inclusive: completed sales and returns,
    net sales (before tax, less returns), tax and total; by day, then store code."""
    if last < first:
        raise ValidationError("to", "is before --from")
    if (last - first).days >= MAX_DAYS:
        raise ValidationError("to", f"a report covers at most {MAX_DAYS:,} days")
    return central.sales_by_store_day(first, last)
