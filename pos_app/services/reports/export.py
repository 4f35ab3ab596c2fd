"""A manager report saved as CSV or PDF, and as JSON for a script: the same `Report` every way.

`write_report` takes a report already made (`catalog.run`) and writes it to
the file a person chose, whole or not at all, through the `FileOutput` port
(`adapters/files.py`: beside the target first, then moved into place, mode
0600); the reports screen and `pos-app reports NAME --csv/--pdf` both call
it. It audits `report.exported` with the report's name, title, filters,
format and row count: never a figure, never the file's name (a person may
name a file after a customer). A file that cannot be written is a
`ValidationError` naming the field, and then nothing is audited and no file
is left behind.

`report_json` is the report as plain JSON data (`pos-app reports NAME --json`):
money in integer minor units with the currency beside it, counts as numbers,
percentages and ratios as decimal strings (exact, not rounded), days as
YYYY-MM-DD, `made_at` in UTC and in the store's time.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import store_time
from pos_app.services.guard import requires
from pos_app.services.ports.devices import FileOutput
from pos_app.services.ports.reports import Cell, Report, Table
from pos_app.services.ports.uow import UnitOfWork

FORMATS = ("csv", "pdf")
"""What `write_report` writes."""


def report_rows(report: Report) -> int:
    """How many rows the report's tables hold (their total rows not counted)."""
    return sum(len(t.rows) for t in report.tables)


def check_path(path: Path, fmt: str, *, files: FileOutput, field: str = "file") -> Path:
    """`path` made absolute if `write_report` can write the format `fmt` there, else a ValidationError naming
    `field` (or "format"): call it before making a report, so a bad path costs nothing."""
    if fmt not in FORMATS:
        raise ValidationError("format", f"{fmt!r} is not a report format; use csv or pdf")
    path = Path(path).expanduser().absolute()
    if path.is_dir():
        raise ValidationError(field, f"{path} is a folder; give the name of the {fmt.upper()} file to write")
    if not files.folder_exists(path):
        raise ValidationError(field, f"the folder {path.parent} does not exist")
    return path


@requires(Permission.VIEW_SALES_REPORTS)
def write_report(report: Report, fmt: str, path: Path, *, uow: UnitOfWork, actor: Actor, files: FileOutput,
                 field: str = "file") -> Path:
    """`report` as a CSV (`documents/report_csv.py`) or PDF (`documents/report_pdf.py`, with the store's address
    and phone in its letterhead) at `path`, whole or not at all; audits `report.exported`. Returns the path
    written. Blocking (a long PDF takes a while): call it off the GUI thread."""
    path = check_path(path, fmt, files=files, field=field)
    if fmt == "csv":
        from pos_app.documents.report_csv import render_report_csv

        data = render_report_csv(report)
    else:
        from pos_app.documents.report_pdf import render_report_pdf

        with uow:
            profile = uow.store.get()
        data = render_report_pdf(report, address=profile.address if profile else "",
                                 phone=profile.phone if profile else "")
    written = files.write_atomically(path, data, field=field)
    with uow:
        uow.audit.record(actor, "report.exported", entity_type="report", entity_id=report.name, summary={
            "name": report.name, "title": report.title, "filters": [list(f) for f in report.filters],
            "format": fmt, "rows": report_rows(report)})
        uow.commit()
    return written


def _json_cell(value: Cell) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def table_json(table: Table) -> dict[str, Any]:
    """One table as JSON data: its columns, rows and total row as objects keyed by the column keys."""
    keys = [c.key for c in table.columns]
    return {
        "title": table.title,
        "columns": [{"key": c.key, "heading": c.heading, "kind": c.kind.value, "cost": c.cost}
                    for c in table.columns],
        "rows": [dict(zip(keys, map(_json_cell, row), strict=True)) for row in table.rows],
        "total": None if table.total is None else dict(zip(keys, map(_json_cell, table.total), strict=True)),
        "note": table.note,
    }


def report_json(report: Report) -> dict[str, Any]:
    """`report` as JSON data (see the module's doc)."""
    return {
        "name": report.name,
        "title": report.title,
        "store": report.store,
        "currency": report.currency,
        "locale": report.locale,
        "timezone": report.timezone,
        "filters": [{"label": label, "value": value} for label, value in report.filters],
        "made_at": report.made_at.isoformat(timespec="seconds"),
        "made_at_local": store_time(report.made_at, report.timezone).isoformat(timespec="seconds"),
        "tables": [table_json(t) for t in report.tables],
    }
