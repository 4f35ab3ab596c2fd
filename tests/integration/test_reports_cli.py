"""`pos-app reports`: every report of the catalog from the command line, on a copy of the demo store, with the
owner signed in (`pos-app login`). What a script reads (--json) is what `catalog.run` makes; the files written
(--csv, --pdf) hold the same report; bad input is refused naming the option, with no file written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from pos_app import app, cli
from pos_app.documents.report_cells import plain, shown
from pos_app.domain.permissions import Role
from pos_app.domain.store import store_today
from pos_app.services.ports.reports import Column, Kind, ReportRequest, Table
from pos_app.services.reports import catalog
from pos_app.services.reports.export import report_json
from tests.conftest import actor_for, audit_summaries, cli_login, clone_store


@pytest.fixture(scope="module")
def folder(demo_template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = clone_store(demo_template, tmp_path_factory.mktemp("reports-cli") / "demo-store")
    cli_login(data)
    return data


@pytest.fixture(scope="module")
def facet(folder: Path) -> Iterator[app.Facet]:
    opened = app.open_facet(folder)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def today(facet: app.Facet) -> dt.date:
    profile = facet.store.directory.store()
    assert profile is not None
    return store_today(profile.timezone)


def run(capsys: pytest.CaptureFixture[str], folder: Path, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["reports", *argv, "--data-dir", str(folder)])
    out, err = capsys.readouterr()
    return code, out, err


def made(facet: app.Facet, name: str, first: dt.date | None = None, last: dt.date | None = None,
         by: str | None = None, filters: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    report = catalog.run(ReportRequest(name, first, last, by, filters), store=facet.store,
                         actor=actor_for(facet, Role.OWNER), uow=facet.uow())
    return report_json(report)


@pytest.mark.parametrize("name", catalog.names())
def test_each_report_as_json_is_what_the_catalog_makes(capsys: pytest.CaptureFixture[str], folder: Path,
                                                       facet: app.Facet, today: dt.date, name: str) -> None:
    at_a_date = catalog.spec(name).at_a_date  # inventory, aging, turn: one day, `--to` only
    first = None if at_a_date else today - dt.timedelta(days=60)
    since = () if first is None else ("--from", first.isoformat())
    code, out, _ = run(capsys, folder, name, *since, "--to", today.isoformat(), "--json")
    assert code == cli.EXIT_OK
    got = json.loads(out)
    want = made(facet, name, first, today)
    assert got["name"] == name and got["title"] == want["title"]
    assert got["tables"] == want["tables"]
    shown = {"label": "At", "value": today.isoformat()} if first is None else {"label": "From",
                                                                                "value": first.isoformat()}
    assert shown in got["filters"]
    assert any(t["rows"] for t in got["tables"])  # the demo sold something in the last 60 days


def test_the_default_output_is_an_aligned_table_with_the_stores_money(
        capsys: pytest.CaptureFixture[str], folder: Path, facet: app.Facet, today: dt.date) -> None:
    first = today - dt.timedelta(days=60)
    code, out, _ = run(capsys, folder, "sales", "--from", first.isoformat(), "--by", "style")
    assert code == cli.EXIT_OK
    lines = out.splitlines()
    assert lines[0].endswith(": Sales by style") and f"From {first.isoformat()}" in lines[1]
    want = made(facet, "sales", first, None, "style")["tables"][0]
    total = next(line for line in lines if line.startswith("Total"))
    net = shown(want["total"]["net_sales"], "money", currency="USD", locale="en_US")
    assert net in total and net.startswith("$")
    heading = next(line for line in lines if line.startswith("Style"))
    # Numbers are right-aligned under their heading: each row's net sales ends where "Net sales" ends.
    end = heading.index("Net sales") + len("Net sales")
    assert total[:end].endswith(net)
    assert len(lines) > 5


def test_csv_is_written_whole_parses_back_to_the_table_and_the_export_is_audited(
        capsys: pytest.CaptureFixture[str], folder: Path, facet: app.Facet, today: dt.date, tmp_path: Path) -> None:
    first = today - dt.timedelta(days=30)
    path = tmp_path / "margin.csv"
    before = len(audit_summaries(facet, "report.exported"))
    code, out, _ = run(capsys, folder, "margin", "--from", first.isoformat(), "--by", "style", "--csv", str(path))
    assert code == cli.EXIT_OK and str(path) in out
    table = made(facet, "margin", first, None, "style")["tables"][0]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert back[0] == [c["heading"] for c in table["columns"]]
    kinds = [c["kind"] for c in table["columns"]]
    keys = [c["key"] for c in table["columns"]]
    def cells(row: dict[str, Any]) -> list[str]:
        return [plain(Decimal(row[k]) if isinstance(row[k], str) and kind in ("percent", "ratio") else row[k],
                      kind, currency="USD") for k, kind in zip(keys, kinds, strict=True)]

    assert back[1:] == [cells(r) for r in [*table["rows"], table["total"]]]
    assert not list(tmp_path.glob("*.partial"))
    events = audit_summaries(facet, "report.exported")
    assert len(events) == before + 1
    event = events[-1]
    assert {k: event[k] for k in ("name", "format", "rows")} == {"name": "margin", "format": "csv",
                                                                  "rows": len(table["rows"])}
    assert ["From", first.isoformat()] in event["filters"] and "margin.csv" not in json.dumps(event)


def test_pdf_reads_back_with_title_filters_a_row_the_total_and_page_numbers(
        capsys: pytest.CaptureFixture[str], folder: Path, facet: app.Facet, today: dt.date, tmp_path: Path) -> None:
    first = today - dt.timedelta(days=85)
    path = tmp_path / "receipts.pdf"
    code, _, _ = run(capsys, folder, "receipts", "--from", first.isoformat(), "--pdf", str(path))
    assert code == cli.EXIT_OK
    table = made(facet, "receipts", first)["tables"][0]
    with pdfplumber.open(path) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    assert len(pages) >= 2  # a long report runs onto more pages
    assert "Receipts" in pages[0] and f"From {first.isoformat()}" in pages[0] and "Jane Ellen" in pages[0]
    assert table["rows"][0]["number"] in pages[0]
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
        assert "Receipt Time Kind" in text  # the headings repeat on every page
    total = shown(table["total"]["total"], "money", currency="USD", locale="en_US")
    assert any(line.startswith("Total") and total in line for line in pages[-1].splitlines())


def test_list_names_every_report_and_help_shows_each_summary(capsys: pytest.CaptureFixture[str],
                                                              folder: Path) -> None:
    code, out, _ = run(capsys, folder, "list", "--json")
    assert code == cli.EXIT_OK
    assert [r["name"] for r in json.loads(out)["reports"]] == catalog.names()
    with pytest.raises(SystemExit) as raised:
        cli.main(["reports", "--help"])
    assert raised.value.code == 0
    listing = " ".join(capsys.readouterr().out.split())
    for name in catalog.names():
        spec = catalog.spec(name)
        assert f"{name} {spec.title}" in listing and " ".join(spec.summary.split()) in listing


@pytest.mark.parametrize(("argv", "named"), [
    (["sales", "--from", "2026-13-01"], "from"),
    (["sales", "--to", "yesterday"], "to"),
    (["sales", "--from", "2026-11-20", "--to", "2026-11-10"], "to"),
    (["sales", "--filter", "colour=red"], "filter"),
    (["sales", "--filter", "style"], "filter"),
    (["receipts", "--from", "2999-01-01"], "to"),
])
@pytest.mark.parametrize("out", ["--csv", "--pdf"])
def test_bad_input_is_refused_naming_the_option_and_writes_no_file(
        capsys: pytest.CaptureFixture[str], folder: Path, tmp_path: Path, argv: list[str], named: str,
        out: str) -> None:
    path = tmp_path / "r.out"
    code, _, err = run(capsys, folder, *argv, out, str(path))
    assert code == cli.EXIT_REFUSED
    assert f": {named}: " in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("argv", "said"), [
    (["no-such-report"], "argument ACTION: invalid choice: 'no-such-report'"),
    (["receipts", "--by", "style"], "unrecognized arguments: --by style"),
    (["sales", "--by", "colour"], "argument --by: invalid choice: 'colour'"),
    (["sales", "--csv", "a.csv", "--pdf", "a.pdf"], "argument --pdf: not allowed with argument --csv"),
])
def test_what_a_report_does_not_offer_is_a_usage_error_naming_it(capsys: pytest.CaptureFixture[str],
                                                                 folder: Path, argv: list[str], said: str) -> None:
    with pytest.raises(SystemExit) as raised:
        run(capsys, folder, *argv)
    assert raised.value.code == 2
    assert said in capsys.readouterr().err


def test_a_file_in_a_missing_folder_is_refused_naming_the_option(capsys: pytest.CaptureFixture[str], folder: Path,
                                                                 tmp_path: Path) -> None:
    code, _, err = run(capsys, folder, "sales", "--pdf", str(tmp_path / "nowhere" / "s.pdf"))
    assert code == cli.EXIT_REFUSED and "pdf: the folder" in err and "does not exist" in err
    code, _, err = run(capsys, folder, "sales", "--csv", str(tmp_path))
    assert code == cli.EXIT_REFUSED and "csv: " in err and "is a folder" in err


def test_a_clerk_is_refused_and_no_file_is_written(capsys: pytest.CaptureFixture[str], folder: Path,
                                                   tmp_path: Path) -> None:
    os.environ["FACET_TEST_CLERK_PIN"] = "3333"
    try:
        path = tmp_path / "s.csv"
        code, out, err = run(capsys, folder, "sales", "--as", "Lily Chen", "--secret-env", "FACET_TEST_CLERK_PIN",
                             "--csv", str(path))
        assert code == cli.EXIT_REFUSED and "clerk" in err.lower() and not path.exists()
        code, out, err = run(capsys, folder, "margin", "--as", "Lily Chen", "--secret-env", "FACET_TEST_CLERK_PIN",
                             "--json")
        assert code == cli.EXIT_REFUSED and "error" in json.loads(out) and "Total" not in out
    finally:
        del os.environ["FACET_TEST_CLERK_PIN"]


def _valuation(request: ReportRequest, period: Any, context: Any) -> tuple[str, tuple[Table, ...]]:
    columns = (Column("style", "Style", Kind.TEXT), Column("pieces", "Pieces", Kind.COUNT),
               Column("retail", "At retail", Kind.MONEY), Column("turn", "Turn", Kind.RATIO))
    return f"Stock at {period.last.isoformat()}", (Table("Stock", columns, (("Halo", 3, 150_000, Decimal("1.5")),),
                                                         ("Total", 3, 150_000, None)),)


def test_a_report_added_to_the_catalog_gets_its_command_its_help_and_its_own_options(
        capsys: pytest.CaptureFixture[str], folder: Path, today: dt.date, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(catalog.REPORTS, "stock-at", catalog.ReportSpec(
        "stock-at", "Stock at a date", "Pieces on hand x retail price, from the stock ledger.", _valuation,
        at_a_date=True))
    code, out, _ = run(capsys, folder, "stock-at", "--to", today.isoformat(), "--json")
    assert code == cli.EXIT_OK
    got = json.loads(out)
    assert got["filters"] == [{"label": "At", "value": today.isoformat()}]
    assert got["tables"][0]["total"] == {"style": "Total", "pieces": 3, "retail": 150_000, "turn": None}
    code, out, _ = run(capsys, folder, "stock-at")
    assert code == cli.EXIT_OK and "Halo" in out and "$1,500.00" in out and "1.50" in out
    for refused in (["--from", "2026-11-01"], ["--by", "style"], ["--filter", "style=halo"]):
        with pytest.raises(SystemExit) as raised:
            run(capsys, folder, "stock-at", *refused)
        assert raised.value.code == 2 and refused[0] in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["reports", "--help"])
    assert re.search(r"stock-at +Stock at a date", capsys.readouterr().out)
