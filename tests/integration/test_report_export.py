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
from pos_app.domain.permissions import Role
from pos_app.services.ports.reports import Kind, Report, ReportRequest
from pos_app.services.reports import catalog
from pos_app.services.reports.export import write_report
from tests.conftest import actor_for, clone_store


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
