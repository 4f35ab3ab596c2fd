"""Reports written as CSV and PDF (services/reports/export.py) on a copy of the demo store: the file holds the
report a manager ran, the same figures as `catalog.run`, and exporting is audited without figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest

from pos_app import app
from pos_app.documents.report_cells import plain
from pos_app.documents.report_csv import render_report_csv
from pos_app.documents.report_pdf import render_report_pdf
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services.ports.reports import Column, Kind, Report, ReportRequest, Table
from pos_app.services.reports import catalog
from pos_app.services.reports.export import report_json, write_report
from tests.conftest import actor_for, audit_summaries, clone_store


@pytest.fixture(scope="module")
def store(demo_template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[app.Facet]:
    facet = app.open_facet(clone_store(demo_template, tmp_path_factory.mktemp("reports") / "demo-store"))
    yield facet
    facet.close()


def run(facet: app.Facet, name: str, by: str | None = None, role: Role = Role.OWNER, **kw: object) -> Report:
    request = ReportRequest(name, by=by, **kw)  # type: ignore[arg-type]
    return catalog.run(request, store=facet.store, actor=actor_for(facet, role), uow=facet.uow())


def csv_back(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(("name", "by"), [("sales", "style"), ("sales", "day"), ("margin", "style"),
                                          ("receipts", None), ("sales", "payment")])
def test_a_csv_holds_the_headings_every_row_and_the_total_last_as_plain_numbers(
        store: app.Facet, tmp_path: Path, name: str, by: str | None) -> None:
    report = run(store, name, by)
    path = write_report(report, "csv", tmp_path / "r.csv", uow=store.uow(), actor=actor_for(store, Role.OWNER),
                        files=store.devices.files)
    back = csv_back(path)
    (table,) = report.tables
    assert back[0] == [c.heading for c in table.columns]
    assert len(back) == 1 + len(table.rows) + 1 and back[-1][0] == "Total"
    kinds = [c.kind for c in table.columns]
    for row, got in zip([*table.rows, table.total], back[1:], strict=True):
        assert got == [plain(v, k, currency=report.currency) for v, k in zip(row, kinds, strict=True)]
    money = [i for i, k in enumerate(kinds) if k is Kind.MONEY]
    for i in money:  # money reads back to the cents it was
        assert [round(Decimal(r[i]) * 100) for r in back[1:]] == [r[i] for r in [*table.rows, table.total]]


def pdf_text(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


@pytest.mark.parametrize(("name", "by"), [("sales", "style"), ("margin", "item"), ("receipts", None)])
def test_a_pdf_shows_the_letterhead_title_filters_a_row_the_total_and_page_x_of_y(
        store: app.Facet, tmp_path: Path, name: str, by: str | None) -> None:
    report = run(store, name, by, first=dt.date(2026, 9, 1))
    path = write_report(report, "pdf", tmp_path / f"{name}.pdf", uow=store.uow(),
                        actor=actor_for(store, Role.OWNER), files=store.devices.files)
    pages = pdf_text(path)
    profile = store.store.directory.store()
    assert profile is not None
    first = pages[0]
    assert profile.name in first and report.title in first
    assert "From 2026-09-01" in first
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))


# ---------------------------------------------------------------- any report: a layout test on a made-up one

WIDE = Report(
    name="wide", title="Salespeople ŁÓDŹ 王小明", store="Łódź Jewellers 王", currency="EUR", locale="de_DE",
    timezone="Europe/Warsaw", filters=(("From", "2026-11-01"), ("To", "2026-11-30"), ("Salesperson", "王小明")),
    made_at=dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC),
    tables=(
        Table("By salesperson",
              (Column("who", "Salesperson", Kind.TEXT), Column("day", "Day", Kind.DATE),
               *(Column(f"m{i}", f"Money column {i}", Kind.MONEY) for i in range(8)),
               Column("units", "Pieces", Kind.COUNT), Column("margin", "Margin %", Kind.PERCENT),
               Column("turn", "Turn", Kind.RATIO)),
              tuple((name, f"2026-11-{1 + n % 30:02d}", *(-123_456 * (i + 1) + n for i in range(8)), 1_200 + n,
                     Decimal("42.25"), Decimal("1.845") if n % 2 else None)
                    for n, name in enumerate(["Łucja Wąsowska", "王小明", "Ngọc Ánh Nguyễn", "=cmd|' /C calc'!A0",
                                              "A name so long it has to wrap inside its column on paper"] * 18)),
              ("Total", "", *(-9_999_999 for _ in range(8)), 9_999, Decimal("41.04"), Decimal("2.5")),
              note="Split sales are counted by each salesperson's share."),
        Table("Nothing here", (Column("x", "Thing", Kind.TEXT), Column("n", "Count", Kind.COUNT)), ()),
        Table("Second table", (Column("x", "Thing", Kind.TEXT), Column("n", "Count", Kind.COUNT)),
              (("ring", 3),), ("Total", 3)),
    ))


def test_a_report_of_several_tables_is_one_csv_section_each_with_its_title(tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO(render_report_csv(WIDE).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["By salesperson"]
    assert rows[1][:3] == ["Salesperson", "Day", "Money column 0"]
    assert rows[2][:4] == ["Łucja Wąsowska", "2026-11-01", "-1234.56", "-2469.12"]
    assert rows[2][-3:] == ["1200", "42.3", ""] and rows[3][-1] == "1.85"
    assert rows[5][0] == "'=cmd|' /C calc'!A0"  # a spreadsheet does not run it
    assert rows[2 + 90] == ["Total", "", *["-99999.99"] * 8, "9999", "41.0", "2.50"]
    assert rows[93:] == [[], ["Nothing here"], ["Thing", "Count"], [], ["Second table"], ["Thing", "Count"],
                          ["ring", "3"], ["Total", "3"]]


def test_a_wide_long_report_turns_landscape_and_prints_every_script_with_headings_on_each_page(
        tmp_path: Path) -> None:
    path = tmp_path / "wide.pdf"
    path.write_bytes(render_report_pdf(WIDE, address="ul. Piotrkowska 1\n90-001 Łódź", phone="+48421234567"))
    with pdfplumber.open(path) as pdf:
        assert all(page.width > page.height for page in pdf.pages)  # landscape
        pages = [page.extract_text() or "" for page in pdf.pages]
    assert len(pages) >= 3
    first = pages[0]
    assert "Łódź Jewellers 王" in first and "ul. Piotrkowska 1" in first and "+48 42 123 45 67" in first
    assert "From 2026-11-01 · To 2026-11-30 · Salesperson 王小明" in first
    assert "Made 2026-12-01 00:30 CET" in first  # 23:30 UTC is past midnight in Warsaw
    assert "Ngọc Ánh Nguyễn" in first and "-1.234,56 €" in first and "42.3%" in first
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
    assert sum("Salesperson Day" in text for text in pages) >= len(pages) - 1  # headings on each page of the table
    last = "\n".join(pages[-2:])
    assert "-99.999,99 €" in last and "Split sales are counted" in last and "Second table" in last
    assert "Nothing to show" in last


# ---------------------------------------------------------------- write_report's own rules


def test_write_report_refuses_a_missing_folder_a_folder_and_a_bad_format_and_leaves_nothing(
        store: app.Facet, tmp_path: Path) -> None:
    report = run(store, "sales", "style")
    owner = actor_for(store, Role.OWNER)
    before = len(audit_summaries(store, "report.exported"))
    cases = [("pdf", tmp_path / "missing" / "r.pdf", "file: the folder"), ("csv", tmp_path, "is a folder"),
             ("xlsx", tmp_path / "r.xlsx", "format: ")]
    for fmt, path, said in cases:
        with pytest.raises(ValidationError) as refused:
            write_report(report, fmt, path, uow=store.uow(), actor=owner, files=store.devices.files)
        assert said in str(refused.value)
    assert list(tmp_path.iterdir()) == []
    assert len(audit_summaries(store, "report.exported")) == before


def test_a_file_that_cannot_be_written_keeps_the_old_one_and_is_not_audited(store: app.Facet,
                                                                            tmp_path: Path) -> None:
    import resource
    import signal

    report = run(store, "receipts", first=dt.date(2026, 9, 1))
    path = tmp_path / "r.csv"
    path.write_text("the old report")
    before = len(audit_summaries(store, "report.exported"))
    # A disk that fills up halfway: files may grow to 100 bytes only (root too), and writing past that fails.
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, limits[1]))
    try:
        with pytest.raises(ValidationError, match="^csv: cannot write"):
            write_report(report, "csv", path, uow=store.uow(), actor=actor_for(store, Role.OWNER),
                         files=store.devices.files, field="csv")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert path.read_text() == "the old report" and sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]
    assert len(audit_summaries(store, "report.exported")) == before


def test_a_clerk_cannot_export_a_report(store: app.Facet, tmp_path: Path) -> None:
    report = run(store, "sales")
    with pytest.raises(PermissionDenied):
        write_report(report, "csv", tmp_path / "r.csv", uow=store.uow(), actor=actor_for(store, Role.CLERK),
                     files=store.devices.files)
    assert list(tmp_path.iterdir()) == []


def test_the_export_is_audited_with_what_was_exported_and_no_figure(store: app.Facet, tmp_path: Path) -> None:
    report = run(store, "sales", "clerk")
    write_report(report, "pdf", tmp_path / "Mrs Customer.pdf", uow=store.uow(), actor=actor_for(store, Role.MANAGER),
                 files=store.devices.files)
    event = audit_summaries(store, "report.exported")[-1]
    assert event == {"name": "sales", "title": "Sales by clerk", "format": "pdf",
                     "filters": [list(f) for f in report.filters], "rows": len(report.tables[0].rows)}
    assert "Customer" not in str(event)
    (table,) = report.tables
    assert table.total is not None and str(table.total[-5]) not in str(event)  # net sales


def test_report_json_is_plain_json_with_cents_and_exact_decimals(store: app.Facet) -> None:
    data = report_json(run(store, "margin", "style", first=dt.date(2026, 9, 1)))
    import json

    assert json.loads(json.dumps(data)) == data
    total = data["tables"][0]["total"]
    assert isinstance(total["net_sales"], int) and isinstance(total["margin"], str)
    assert Decimal(total["margin"]) == Decimal(total["gross_profit"]) * 100 / Decimal(total["net_sales"])


def test_a_long_report_runs_page_after_page_with_every_row_once_in_order_and_the_total_last(
        tmp_path: Path) -> None:
    from pos_app.services.reports.sales import RECEIPT_COLUMNS

    rows = tuple((f"C1-{n:06d}", "2026-11-01 12:00", "Sale", "Sam Ortiz", "C1", 10_000 + n, 800, 10_800 + n)
                 for n in range(300))
    long = Report("receipts", "Receipts", "Jane Ellen", "USD", "en_US", "America/New_York",
                  (("From", "2026-11-01"), ("To", "2026-11-30")),
                  (Table("Receipts", RECEIPT_COLUMNS, rows, ("Total", "", "", "", "", 3_044_850, 240_000,
                                                             3_284_850)),),
                  dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC))
    path = tmp_path / "long.pdf"
    path.write_bytes(render_report_pdf(long))
    pages = pdf_text(path)
    assert len(pages) > 5
    numbers = [line.split()[0] for text in pages for line in text.splitlines() if line.startswith("C1-")]
    assert numbers == [f"C1-{n:06d}" for n in range(300)]
    for n, text in enumerate(pages, start=1):
        assert text.count("Receipt Time Kind Clerk Counter Net (without tax) Tax Total") == 1, n
        assert f"Page {n} of {len(pages)}" in text
    totals = [line for text in pages for line in text.splitlines() if line.startswith("Total ")]
    assert totals == ["Total $30,448.50 $2,400.00 $32,848.50"] and totals[0] in pages[-1]
