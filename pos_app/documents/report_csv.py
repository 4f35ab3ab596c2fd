"""A manager report as a CSV file a spreadsheet opens as it is.

Role and contract
-----------------
`render_report_csv(report)` gives the bytes of the file; the export service
(`services/reports/export.py`) writes them whole or not at all. Pure; any
thread.

Layout: one section per table. A report of one table is its header row (the
column headings a person reads), its rows and its total row last. A report of
several tables gives each section a row with the table's title first and a
blank row between sections. Cells are `report_cells.plain`: money as a plain
decimal in the currency's minor units ("1234.56", "-12.00"), percentages to
one decimal, ratios to two, counts as digits, days as YYYY-MM-DD, and names
in any script as typed.

Encoding: UTF-8 with a byte order mark. Excel opens a CSV without one in the
computer's ANSI code page (Windows-1252 in the US), which turns "Łódź" and
"王小明" into mojibake; with the mark it reads UTF-8, as LibreOffice, Numbers,
Google Sheets and Python's ``utf-8-sig`` do. Lines end with CRLF (RFC 4180,
what Excel writes itself).
"""

from __future__ import annotations

import csv
import io

from pos_app.documents.report_cells import plain
from pos_app.services.ports.reports import Report, Table

ENCODING = "utf-8-sig"
"""The CSV's encoding: UTF-8 behind a byte order mark (see the module's doc)."""


def table_rows(table: Table, currency: str) -> list[list[str]]:
    """One table as CSV rows: the headings, each row, then the total row (when it has one)."""
    kinds = [c.kind for c in table.columns]
    rows = [[c.heading for c in table.columns]]
    body = [*table.rows, *([table.total] if table.total is not None else [])]
    rows += [[plain(value, kind, currency=currency) for value, kind in zip(row, kinds, strict=True)]
             for row in body]
    return rows


def render_report_csv(report: Report) -> bytes:
    """The CSV file of `report` (see the module's doc for its layout and encoding)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    several = len(report.tables) > 1
    for number, table in enumerate(report.tables):
        if several:
            if number:
                writer.writerow([])
            writer.writerow([table.title])
        writer.writerows(table_rows(table, report.currency))
    return out.getvalue().encode(ENCODING)
