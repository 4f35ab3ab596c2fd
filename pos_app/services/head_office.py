"""Head-office reports: every store of a sync group at once, read from central (the owner's view).

A store's own reports read its own file; the head office reads central,
where every counter's sales and stock movements arrive. Days are each store's
own days (its time zone, from its `stores` record): a sale at 23:30 in Denver
counts on the Denver store's day even when the head office sits in New York.

The reports: sales by store and day, and the store's own stock reports over
every store of the group, per store: low stock, aging, duplicate
certificates (each function states its rule). Stock is what central has
summed from the movements the counters pushed: a counter that has not synced
yet is not in it.

Read by `pos-app central report sales|low-stock|aging|duplicate-certificates`
and by the Head office tab of the reports screen (`gui/head_office.py`),
which also exports what it read to CSV (`export_*_csv`: whole or not at all,
audited with the file name and row count, never the figures).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from pos_app.documents.text import csv_cell
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.devices import FileOutput
from pos_app.services.ports.head_office import (
    GroupCertificate,
    HeadOfficeReader,
    StoreAging,
    StoreDaySales,
    StoreLowStock,
)
from pos_app.services.ports.uow import UnitOfWork

MAX_DAYS = 3_660
SALES_CSV_COLUMNS = ("day", "store", "store_name", "timezone", "sales", "returns", "net_sales", "tax", "total",
                     "currency")
"""The head office's sales export: one row per store and day; amounts in major units ("1234.50")."""
LOW_STOCK_CSV_COLUMNS = ("store", "store_name", "sku", "title", "on_hand", "in_transit", "reorder_point")
"""The head office's low stock export: one row per store and counted item at or below its reorder point."""
AGING_CSV_COLUMNS = ("store", "store_name", "age", "units", "retail_value", "currency")
"""The head office's aging export: one row per store and age bracket; the value in major units."""
DUPLICATE_CERTIFICATES_CSV_COLUMNS = ("lab", "report_number", "store", "store_name", "sku", "title")
"""The head office's duplicate certificates export: one row per certificate of a repeated report number."""

AGING_EDGES = (90, 180, 365)
"""The age brackets' upper edges in days: the store's own Aging report's (`InventoryReader.aging_buckets`), so
the head office reads a store's brackets as the store reads them (0–90, 91–180, 181–365, over 365 days)."""


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


@requires(Permission.VIEW_SALES_REPORTS)
def low_stock_by_store(*, central: HeadOfficeReader, actor: Actor, uow: UnitOfWork) -> list[StoreLowStock]:
    """The store's own Low stock report at every store: a counted item with a reorder point whose units on hand
    *at a store* are at or below it, one row per store that has ever held units of it (central's stock by store);
    units in transit to the store are shown beside and not counted as on hand. By store code, then how far
    below (on hand less reorder point), then SKU."""
    return central.low_stock_by_store()


@requires(Permission.VIEW_SALES_REPORTS)
def aging_by_store(*, central: HeadOfficeReader, actor: Actor, uow: UnitOfWork,
                   now: dt.datetime | None = None) -> list[StoreAging]:
    """The store's own Aging summary at every store: units on hand at the store and their retail value (price x
    units), per bracket of days since each item was received (`AGING_EDGES`), counted on the store's own day
    (its time zone) at `now` (default: this moment). Every store and bracket, zeros included, by store code then
    bracket; an item with no received day counts in the oldest bracket, as in the store's own report. Units in
    transit are at no store yet and are not counted."""
    at = now if now is not None else dt.datetime.now(dt.UTC)
    if at.tzinfo is None:  # a caller's bug, not a person's input: central would read it in its own zone
        raise ValueError("aging_by_store: now must be an aware datetime")
    return central.aging_by_store(at, AGING_EDGES)


@requires(Permission.VIEW_SALES_REPORTS)
def duplicate_certificates(*, central: HeadOfficeReader, actor: Actor, uow: UnitOfWork) -> list[GroupCertificate]:
    """The store's own duplicate certificates report over the whole group: a lab and report number recorded on
    more than one certificate anywhere (two stores' pieces, or two of one store's); each certificate with its
    piece's SKU and title and the store the piece belongs to, or, on no piece, the store that recorded it. By
    lab, report number, store code, SKU."""
    return central.duplicate_certificates()


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
    return _export(path, SALES_CSV_COLUMNS, (_csv_row(r) for r in rows), "head_office.sales_exported",
                   {"from": first.isoformat(), "to": last.isoformat()}, files=files, actor=actor, uow=uow)


def _export(path: Path, columns: Sequence[str], rows: Iterable[list[str]], action: str, summary: dict[str, str], *,
            files: FileOutput, actor: Actor, uow: UnitOfWork) -> int:
    """Write `rows` under `columns` to `path`, whole or not at all, then audit `action` with the file's name, the
    row count and `summary` (never a figure); nothing is audited when the file cannot be written."""
    path = path.resolve()
    if not files.folder_exists(path):
        raise ValidationError("file", f"the folder {path.parent} does not exist")
    written = files.write_csv_atomically(path, columns, rows)
    with uow:
        uow.audit.record(actor, action, entity_type="head_office",
                         summary={"file": path.name, "rows": written, **summary})
        uow.commit()
    return written


@requires(Permission.VIEW_SALES_REPORTS)
def export_low_stock_csv(path: Path, rows: Sequence[StoreLowStock], *, files: FileOutput, actor: Actor,
                         uow: UnitOfWork) -> int:
    """Write a low stock report already read from central (`low_stock_by_store`) to `path`, whole or not at all,
    and audit the export (file name, row count); returns how many rows."""
    return _export(path, LOW_STOCK_CSV_COLUMNS,
                   ([csv_cell(r.store_code), csv_cell(r.store_name), csv_cell(r.sku), csv_cell(r.title),
                     str(r.on_hand), str(r.in_transit), str(r.reorder_point)] for r in rows),
                   "head_office.low_stock_exported", {}, files=files, actor=actor, uow=uow)


@requires(Permission.VIEW_SALES_REPORTS)
def export_aging_csv(path: Path, rows: Sequence[StoreAging], *, files: FileOutput, actor: Actor,
                     uow: UnitOfWork) -> int:
    """Write an aging report already read from central (`aging_by_store`) to `path`, whole or not at all, and
    audit the export (file name, row count); returns how many rows. Values in major units ("1234.50")."""
    return _export(path, AGING_CSV_COLUMNS,
                   ([csv_cell(r.store_code), csv_cell(r.store_name), r.age, str(r.units),
                     _amount(r.retail_cents, r.currency), r.currency] for r in rows),
                   "head_office.aging_exported", {}, files=files, actor=actor, uow=uow)


@requires(Permission.VIEW_SALES_REPORTS)
def export_duplicate_certificates_csv(path: Path, rows: Sequence[GroupCertificate], *, files: FileOutput,
                                      actor: Actor, uow: UnitOfWork) -> int:
    """Write a duplicate certificates report already read from central (`duplicate_certificates`) to `path`,
    whole or not at all, and audit the export (file name, row count); returns how many rows."""
    return _export(path, DUPLICATE_CERTIFICATES_CSV_COLUMNS,
                   ([csv_cell(r.lab), csv_cell(r.report_number), csv_cell(r.store_code), csv_cell(r.store_name),
                     csv_cell(r.sku), csv_cell(r.title)] for r in rows),
                   "head_office.duplicate_certificates_exported", {}, files=files, actor=actor, uow=uow)
