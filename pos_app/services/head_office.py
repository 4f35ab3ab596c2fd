"""Head-office reports: every store of a sync group at once, read from central (the owner's view).

A store's own reports read its own file; the head office reads central,
where every counter's sales arrive. Days are each store's own days (its time
zone, from its `stores` record): a sale at 23:30 in Denver counts on the
Denver store's day even when the head office sits in New York.

Read by `pos-app central report sales` and by the Head office tab of the
reports screen (`gui/head_office.py`), which also exports what it read to CSV.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pos_app.documents.text import csv_cell
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.devices import FileOutput
from pos_app.services.ports.head_office import HeadOfficeReader, StoreDaySales
from pos_app.services.ports.uow import UnitOfWork

MAX_DAYS = 3_660
SALES_CSV_COLUMNS = ("day", "store", "store_name", "timezone", "sales", "returns", "net_sales", "tax", "total",
                     "currency")
"""The head office's sales export: one row per store and day; amounts in major units ("1234.50")."""


def _check_days(first: dt.date, last: dt.date) -> None:
    if last < first:
        raise ValidationError("to", "is before the first day (from)")
    if (last - first).days >= MAX_DAYS:
        raise ValidationError("to", f"a report covers at most {MAX_DAYS:,} days")


@requires(Permission.VIEW_SALES_REPORTS)
def sales_by_store(first: dt.date, last: dt.date, *, central: HeadOfficeReader, actor: Actor,
                   uow: UnitOfWork) -> list[StoreDaySales]:
    """Per store and day (the store's own day), from `first` to `last` inclusive: completed sales and returns,
    net sales (before tax, less returns), tax and total; by day, then store code."""
    _check_days(first, last)
    return central.sales_by_store_day(first, last)


def _amount(cents: int, currency: str) -> str:
    return Money(cents, currency).plain() if currency else str(cents)


def _csv_row(r: StoreDaySales) -> list[str]:
    return [r.day.isoformat(), csv_cell(r.store_code), csv_cell(r.store_name), r.timezone, str(r.sales),
            str(r.returns), _amount(r.net_cents, r.currency), _amount(r.tax_cents, r.currency),
            _amount(r.total_cents, r.currency), r.currency]


@requires(Permission.VIEW_SALES_REPORTS)
def export_sales_csv(path: Path, first: dt.date, last: dt.date, rows: Sequence[StoreDaySales], *, files: FileOutput,
                     actor: Actor, uow: UnitOfWork) -> int:
    """Write a sales report already read from central (`sales_by_store` of `first`..`last`) to `path` through
    `files`, whole or not at all, and audit the export (file name, days, row count: no figures); returns how many
    rows. Nothing is written, and nothing audited, when the file cannot be written."""
    _check_days(first, last)
    path = path.resolve()
    if not files.folder_exists(path):
        raise ValidationError("file", f"the folder {path.parent} does not exist")
    written = files.write_csv_atomically(path, SALES_CSV_COLUMNS, (_csv_row(r) for r in rows))
    with uow:
        uow.audit.record(actor, "head_office.sales_exported", entity_type="head_office",
                         summary={"file": path.name, "rows": written, "from": first.isoformat(),
                                  "to": last.isoformat()})
        uow.commit()
    return written
