"""`pos-app reports NAME [--from DATE] [--to DATE] [--by FIELD] [--filter KEY=VALUE ...] [--json | --csv FILE |
--pdf FILE]`: any manager report of the catalog (`services/reports/catalog.py`), and `pos-app reports list`.

Every report the catalog registers gets its own command, its `--help` saying
what it shows and its formula, the groupings (`--by`) and filters it takes
and its default period. The report is made by `catalog.run` (owner and
managers; cost columns only for who may see cost), exactly as the reports
screen makes it, then printed as an aligned table with the store's money
format, as JSON (`--json`: `export.report_json`), or written as CSV or PDF
(`export.write_report`, audited; with `--json` too, what was written is
printed as JSON: file, format, rows). A bad date, a grouping or filter the report
does not offer, or a file that cannot be written is refused naming the
option, exit 2, and no file is written.
"""

from __future__ import annotations

import argparse
import textwrap
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos_app.cli.core import Commands, Output, signed_in

if TYPE_CHECKING:
    from pos_app.services.ports.reports import Report, Table
    from pos_app.services.reports.catalog import ReportSpec

CELL_MAX = 48
"""The widest a text column prints on the command line; longer texts end in an ellipsis."""


def parse_filters(given: list[str] | None) -> tuple[tuple[str, str], ...]:
    """`--filter KEY=VALUE` options as (key, value) pairs; a ValidationError naming `filter` for one without a key
    or a value."""
    from pos_app.domain.errors import ValidationError

    pairs = []
    for text in given or ():
        key, sep, value = text.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValidationError("filter", f"{text!r}: give KEY=VALUE, such as style=tennis")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def cmd_report(args: argparse.Namespace) -> Output:
    from pos_app.cli.options import cli_date
    from pos_app.services.ports.reports import ReportRequest
    from pos_app.services.reports import catalog, export

    first = cli_date(args.date_from, "from")
    last = cli_date(args.date_to, "to")
    filters = parse_filters(args.filter)
    fmt, target = ("csv", args.csv) if args.csv else ("pdf", args.pdf) if args.pdf else (None, None)
    request = ReportRequest(args.report, first, last, args.by, filters)
    with signed_in(args) as cmd:
        files = cmd.devices.files
        path = export.check_path(Path(target), fmt, files=files, field=fmt) if fmt and target else None
        report = catalog.run(request, store=cmd.store, actor=cmd.actor, uow=cmd.store.uow())
        if fmt and path:
            written = export.write_report(report, fmt, path, uow=cmd.store.uow(), actor=cmd.actor, files=files,
                                          field=fmt)
            rows = export.report_rows(report)
            return Output({"report": report.name, "title": report.title, "format": fmt, "file": str(written),
                           "rows": rows},
                          f"Wrote {report.title} ({rows:,} {'row' if rows == 1 else 'rows'}) to {written}.")
    return Output(export.report_json(report), report_text(report))


def cmd_list(args: argparse.Namespace) -> Output:
    from pos_app.services.reports import catalog

    specs = [catalog.spec(name) for name in catalog.names()]
    data: dict[str, Any] = {"reports": [
        {"name": s.name, "title": s.title, "summary": s.summary, "bys": list(s.bys),
         "filter_keys": list(s.filter_keys), "at_a_date": s.at_a_date} for s in specs]}
    width = max((len(s.name) for s in specs), default=0)
    lines = []
    for s in specs:
        lines.append(f"{s.name:<{width}}  {s.title}")
        lines += textwrap.wrap(s.summary, 100, initial_indent=" " * (width + 2), subsequent_indent=" " * (width + 2))
    return Output(data, "\n".join(lines) if specs else "No report is registered.")


# ---------------------------------------------------------------- the text a person reads


def _width(text: str) -> int:
    """How many terminal columns `text` takes (Chinese, Japanese, Korean letters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in text)


def _cut(text: str, limit: int) -> str:
    if _width(text) <= limit:
        return text
    while text and _width(text) > limit - 1:
        text = text[:-1]
    return text + "…"


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * max(width - _width(text), 0)
    return space + text if right else text + space


def table_text(table: Table, currency: str, locale: str) -> list[str]:
    """`table` as aligned lines: headings, a rule, the rows, a rule and the total row; numbers right-aligned in
    the store's format (`documents.report_cells.shown`)."""
    from pos_app.documents.report_cells import NUMERIC, shown

    right = [c.kind in NUMERIC for c in table.columns]
    body = [*table.rows, *([table.total] if table.total is not None else [])]
    cells = [[_cut(shown(v, c.kind, currency=currency, locale=locale).replace("\n", " "), CELL_MAX)
              for v, c in zip(row, table.columns, strict=True)] for row in body]
    headings = [c.heading for c in table.columns]
    widths = [max([_width(h)] + [_width(row[i]) for row in cells]) for i, h in enumerate(headings)]

    def line(row: list[str]) -> str:
        return "  ".join(_pad(t, w, r) for t, w, r in zip(row, widths, right, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(headings), rule]
    out += [line(row) for row in cells[:len(table.rows)]]
    if table.total is not None:
        out += [rule, line(cells[-1])]
    return out


def report_text(report: Report) -> str:
    """The whole report as a person reads it in a terminal: title, filters, when made, each table, its note."""
    from pos_app.documents.report_cells import filters_text, made_text

    lines = [f"{report.store}: {report.title}", f"{filters_text(report)}; made {made_text(report)}"]
    for table in report.tables:
        lines.append("")
        if len(report.tables) > 1 or table.title != report.title:
            lines.append(table.title)
        lines += table_text(table, report.currency, report.locale) if table.rows else [
            "Nothing to show for these filters."]
        if table.note:
            lines.append(table.note)
    return "\n".join(lines)


# ---------------------------------------------------------------- registering


def _help(spec: ReportSpec) -> str:
    usual = getattr(spec.default_period, "__name__", "").replace("_", " ")
    period = ("one day, --to (default today)" if spec.at_a_date
              else "--from to --to" + (f" (default {usual})" if usual and not usual.startswith("<") else ""))
    parts = [f"{spec.title}. {spec.summary}", f"Period: {period}."]
    if spec.bys:
        parts.append(f"--by: {', '.join(spec.bys)} (default {spec.bys[0]}).")
    parts.append(f"--filter keys: {', '.join(spec.filter_keys)}." if spec.filter_keys else "Takes no --filter.")
    return " ".join(parts)


def _listing(specs: list[ReportSpec]) -> str:
    lines = ["Manager reports (owner and managers; cost columns only for who may see cost). The reports:", ""]
    width = max((len(s.name) for s in specs), default=0)
    for s in specs:
        lines.append(f"  {s.name:<{width}}  {s.title}")
        lines += textwrap.wrap(s.summary, 96, initial_indent=" " * (width + 4), subsequent_indent=" " * (width + 4))
    lines += ["", "Each prints an aligned table, or --json, or writes --csv FILE or --pdf FILE. "
                  "`pos-app reports NAME --help` says what one takes."]
    return "\n".join(lines)


def register(commands: Commands) -> None:
    from pos_app.services.reports import catalog

    specs = [catalog.spec(name) for name in catalog.names()]
    group = commands.group("reports", help="manager reports: sales, margin, receipts... as a table, JSON, CSV or PDF",
                           description=_listing(specs), formatter_class=argparse.RawDescriptionHelpFormatter)
    commands.command("list", cmd_list, "list every report with what it shows and its formula", group,
                     signs_in=False)
    for spec in specs:
        p = commands.command(spec.name, cmd_report, spec.title, group)
        p.description = _help(spec)
        p.set_defaults(report=spec.name)
        if spec.at_a_date:
            p.set_defaults(date_from=None)
        else:
            p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                           help="first day (store time); default: the report's usual period")
        p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                       help="the day of the stock" if spec.at_a_date else "last day (store time)")
        if spec.bys:
            p.add_argument("--by", choices=spec.bys, metavar="FIELD",
                           help=f"group by {', '.join(spec.bys)} (default {spec.bys[0]})")
        else:
            p.set_defaults(by=None)
        if spec.filter_keys:
            p.add_argument("--filter", action="append", metavar="KEY=VALUE",
                           help=f"narrow it (repeatable); keys: {', '.join(spec.filter_keys)}")
        else:
            p.set_defaults(filter=None)
        out = p.add_mutually_exclusive_group()
        out.add_argument("--csv", metavar="FILE", help="write the report as CSV (UTF-8, for a spreadsheet)")
        out.add_argument("--pdf", metavar="FILE", help="write the report as a printable PDF")
