"""Items in and out of CSV files.

Import reads the whole file and checks every row before writing anything.
With any problem the import stops and names each bad row (its line in the
file), column and problem; nothing is written. With `skip_invalid` the good
rows are imported and the rejected ones are written, with their problem, to a
rejects file. A row whose SKU already exists updates that item (description,
price, place ...); its quantity must match what is on hand, because stock
changes go through adjustments, not spreadsheets.

Before any row is read, the file is held to what an item file can be: at
most `MAX_FILE_MB` megabytes (100,000 items take about 35), and no cell
longer than `MAX_CELL_CHARS` characters (the longest field, the description,
takes 4,000). A bigger cell is nearly always a quote that is never closed,
which makes the rest of the file one cell; the file is refused whole, naming
the line, whatever `skip_invalid` says. A cell holding a control character
(a NUL, an escape) is a problem of its row, like any other bad value.

Export writes every item with its quantity on hand; reading that file back,
here or into a new store, gives the same items. Text cells that a spreadsheet
would run as a formula (starting with = + - @) are written with a leading
apostrophe, which the import removes again.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pos_app.documents.text import csv_cell, csv_uncell
from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.items import COLUMNS, REQUIRED, ItemSpec, item_fields, parse_item
from pos_app.domain.jewelry import ItemStatus
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.inventory import store_context
from pos_app.services.ports.devices import FileOutput
from pos_app.services.ports.inventory import InventoryReader, ItemRecord
from pos_app.services.ports.uow import UnitOfWork

MAX_LISTED_PROBLEMS = 20
MAX_FILE_MB = 64
MAX_CELL_CHARS = 10_000  # the description, the longest field, takes 4,000; Python's csv stops at 131,072


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line in the file; the header is line 1
    column: str
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.problem}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejects_file: Path | None = None

    @property
    def rejected(self) -> int:
        return len({p.row for p in self.problems})


class ImportRejected(UserFacingError):
    """Some rows are invalid and nothing was imported."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        n = report.rejected
        lines = [f"Nothing was imported: {n} row{'s' if n != 1 else ''} of {report.rows} "
                 f"{'have' if n != 1 else 'has'} a problem."]
        lines += [f"  {p[0].upper()}{p[1:]}" for p in map(str, report.problems[:MAX_LISTED_PROBLEMS])]
        if len(report.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... and {len(report.problems) - MAX_LISTED_PROBLEMS} more.")
        lines.append("Fix them and import again, or import only the valid rows.")
        super().__init__("\n".join(lines))


class ImportCancelled(UserFacingError):
    pass


def _too_long(line: int, column: str | None) -> ValidationError:
    where = f"line {line}, column {column}" if column else f"the row that starts on line {line}"
    return ValidationError("file", f"{where}: a cell is longer than {MAX_CELL_CHARS:,} characters, which no item "
                                   "field is (a description takes up to 4,000). Most often a quote (\") opens a "
                                   "cell and is never closed, so the rest of the file became one cell; nothing "
                                   "was imported")


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on; a cell past what Python's csv module reads at all (131,072
    characters by default) is refused like any other cell too long."""
    start = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _too_long(start, None) from None
            raise ValidationError("file", f"line {reader.line_num}: {exc}; nothing was imported") from None
        yield start, values
        start = reader.line_num + 1


def _read_rows(stream: TextIO) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header's column names, and each non-empty row as {column: text} with its line (where it
    starts: a quoted cell may hold line breaks)."""
    records = _records(csv.reader(stream))
    first = next(records, None)
    if first is None:
        raise ValidationError("file", "is empty; the first line must name the columns")
    header = first[1]
    if any(len(h) > MAX_CELL_CHARS for h in header):
        raise _too_long(1, None)
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    unknown = [h for h in names if h and h not in COLUMNS]
    if unknown:
        raise ValidationError("header", f"unknown column {unknown[0]!r}; the columns are: {', '.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ValidationError("header", f"the required column {missing[0]!r} is missing")
    rows: list[tuple[int, dict[str, str]]] = []
    for line, values in records:
        for name, value in zip(names, values):
            if len(value) > MAX_CELL_CHARS:
                raise _too_long(line, name or "(unnamed)")
        if any(len(v) > MAX_CELL_CHARS for v in values[len(names):]):
            raise _too_long(line, None)
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(names):
            rows.append((line, {"__error__": f"has {len(values)} cells but the header names {len(names)} columns"}))
            continue
        values = values + [""] * (len(names) - len(values))
        rows.append((line, {name: csv_uncell(value) for name, value in zip(names, values) if name}))
    return [n for n in names if n], rows


def _complete(raw: dict[str, str], current: ItemRecord | None, header: list[str]) -> dict[str, str]:
    """A row for an existing item keeps what the file leaves out (a price-only update
    changes the price, not the barcode); a new item's absent columns are empty."""
    if current is None or len(header) == len(COLUMNS):
        return raw
    kept = item_fields(dataclasses.replace(current.spec, quantity=current.on_hand))
    return {**kept, **raw}


@requires(Permission.IMPORT_ITEMS)
def import_items(
    source: Path,
    *,
    uow: UnitOfWork,
    files: FileOutput,
    actor: Actor,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportReport:
    try:
        size = source.stat().st_size
        if size > MAX_FILE_MB * 1_000_000:
            raise ValidationError("file", f"is {size / 1_000_000:,.0f} MB; an item file may be up to {MAX_FILE_MB} MB "
                                          "(100,000 items take about 35 MB): split it, or check that it is the "
                                          "item list; nothing was imported")
        with source.open(newline="", encoding="utf-8-sig") as stream:
            header, rows = _read_rows(stream)
    except UnicodeDecodeError:
        raise ValidationError("file", "is not UTF-8 text; save it from the spreadsheet as 'CSV UTF-8'") from None
    except OSError as exc:
        raise ValidationError("file", f"cannot be read: {exc.strerror}") from None

    report = ImportReport(rows=len(rows))
    with uow:
        ctx = store_context(uow)
        parsed: list[tuple[int, dict[str, str], ItemSpec]] = []
        bad: dict[int, dict[str, str]] = {}
        seen_sku: dict[str, int] = {}
        seen_barcode: dict[str, int] = {}
        before = uow.items.by_skus(raw.get("sku", "").strip() for _, raw in rows)
        for n, (line, raw) in enumerate(rows):
            if cancelled is not None and cancelled():
                raise ImportCancelled("The import was cancelled; nothing was imported.")
            if progress is not None and n % 500 == 0:
                progress(n)
            if "__error__" in raw:
                report.problems.append(RowProblem(line, "(row)", raw["__error__"]))
                bad[line] = raw
                continue
            try:
                full = _complete(raw, before.get(raw.get("sku", "").strip()), header)
                spec = parse_item(full, currency=ctx.currency, locations=ctx.locations, today=ctx.today)
                if spec.sku.lower() in seen_sku:
                    raise ValidationError("sku", f"{spec.sku} is also on row {seen_sku[spec.sku.lower()]}")
                if spec.barcode and spec.barcode in seen_barcode:
                    raise ValidationError("barcode", f"{spec.barcode} is also on row {seen_barcode[spec.barcode]}")
            except ValidationError as exc:
                report.problems.append(RowProblem(line, exc.field, exc.problem))
                bad[line] = raw
                continue
            seen_sku[spec.sku.lower()] = line
            if spec.barcode:
                seen_barcode[spec.barcode] = line
            parsed.append((line, raw, spec))

        existing = before
        owners = uow.items.barcode_owners(spec.barcode for _, _, spec in parsed if spec.barcode)
        new: list[ItemSpec] = []
        changes: list[tuple[str, ItemSpec]] = []
        for line, raw, spec in parsed:
            current = existing.get(spec.sku)
            try:
                _check_against_store(spec, current, owners, ctx.today)
            except ValidationError as exc:
                report.problems.append(RowProblem(line, exc.field, exc.problem))
                bad[line] = raw
                continue
            if current is None:
                new.append(spec if spec.received_on else dataclasses.replace(spec, received_on=ctx.today))
            elif item_fields(dataclasses.replace(spec, quantity=0)) != item_fields(
                    dataclasses.replace(current.spec, quantity=0)):
                changes.append((current.id, spec))
            else:
                report.unchanged += 1

        if report.problems and not skip_invalid:
            report.problems.sort(key=lambda p: p.row)
            raise ImportRejected(report)
        if cancelled is not None and cancelled():
            raise ImportCancelled("The import was cancelled; nothing was imported.")

        ids = uow.items.add_many(new)
        uow.stock.record_many(
            [(item_id, "receive", spec.quantity, "imported") for item_id, spec in zip(ids, new) if spec.quantity],
            actor=actor,
        )
        uow.items.update_many(changes)
        report.created, report.updated = len(new), len(changes)
        if bad and rejects_path is not None:
            report.rejects_file = _write_rejects(rejects_path, bad, report, files)
        uow.audit.record(actor, "items.imported", entity_type="item",
                         summary={"file": source.name, "created": report.created, "updated": report.updated,
                                  "unchanged": report.unchanged, "rejected": report.rejected})
        uow.commit()
    report.problems.sort(key=lambda p: p.row)
    return report


def _check_against_store(spec: ItemSpec, current: ItemRecord | None, owners: dict[str, str], today: object) -> None:
    owner = owners.get(spec.barcode) if spec.barcode else None
    if current is None:
        if owner is not None:
            raise ValidationError("barcode", f"{spec.barcode} is already on another item")
        return
    if owner is not None and owner != current.id:
        raise ValidationError("barcode", f"{spec.barcode} is already on another item")
    if spec.tracking is not current.spec.tracking:
        raise ValidationError("tracking", f"{spec.sku} is {current.spec.tracking.label.lower()}; it cannot change")
    if spec.quantity != current.on_hand:
        raise ValidationError(
            "quantity",
            f"{spec.sku} has {current.on_hand} on hand, not {spec.quantity}; change stock with an adjustment",
        )
    if spec.status is not current.spec.status and ItemStatus.SOLD in (spec.status, current.spec.status):
        raise ValidationError("status", "'sold' is set by a sale and cleared by a return, not by an import")


def _write_rejects(path: Path, bad: dict[int, dict[str, str]], report: ImportReport, files: FileOutput) -> Path:
    problems: dict[int, list[str]] = {}
    for p in report.problems:
        problems.setdefault(p.row, []).append(f"{p.column}: {p.problem}")
    rows = ([str(line), "; ".join(problems.get(line, [])), *(bad[line].get(c, "") for c in COLUMNS)]
            for line in sorted(bad))
    files.write_csv_atomically(path, ["row", "problem", *COLUMNS], rows, field="rejects_file",
                               then="; nothing was imported")
    return path


@requires(Permission.EXPORT_ITEMS)
def export_items(dest: Path, *, reader: InventoryReader, actor: Actor, uow: UnitOfWork, files: FileOutput) -> int:
    """Write every item to `dest` (CSV, UTF-8) through `files`; returns how many. Atomic: all or no file."""

    def rows() -> Iterator[list[str]]:
        for spec, on_hand in reader.iter_specs():
            values = item_fields(dataclasses.replace(spec, quantity=on_hand))
            yield [csv_cell(values[c]) for c in COLUMNS]  # serial and barcode are free text too

    count = files.write_csv_atomically(dest, COLUMNS, rows())
    with uow:
        uow.audit.record(actor, "items.exported", entity_type="item", summary={"file": dest.name, "items": count})
        uow.commit()
    return count
