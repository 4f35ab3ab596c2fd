"""Items in and out of CSV files, against the real store."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.items import COLUMNS, item_fields
from pos_app.domain.permissions import Role
from pos_app.services import inventory
from pos_app.services.item_files import (
    ImportCancelled,
    ImportRejected,
    export_items,
    import_items,
)
from tests.conftest import actor_for


def export(facet: app.Facet, dest: Path) -> int:
    return export_items(dest, reader=facet.store.inventory, actor=actor_for(facet, Role.OWNER), uow=facet.uow(), files=facet.devices.files)


def do_import(facet: app.Facet, source: Path, **options: Any) -> Any:
    return import_items(source, uow=facet.uow(), files=facet.devices.files, actor=actor_for(facet, Role.OWNER), **options)


def catalog(facet: app.Facet) -> dict[str, dict[str, str]]:
    """Every item as its CSV fields, with the quantity on hand: what a round trip must keep."""
    return {spec.sku: item_fields(dataclasses.replace(spec, quantity=on_hand))
            for spec, on_hand in facet.store.inventory.iter_specs()}


def table_counts(facet: app.Facet) -> dict[str, int]:
    conn = facet.connection()
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("items", "stock_movements", "audit_events", "outbox")}
    finally:
        conn.close()


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def piece(sku: str, **overrides: str) -> dict[str, str]:
    row = {"sku": sku, "style": "bezel", "title": f"Bezel Station Necklace {sku}", "metal": "14k yellow",
           "price": "1250.00", "tracking": "unique", "location": "Case 1"}
    row.update(overrides)
    return row


# ---------------------------------------------------------------- round trips


def test_export_then_import_into_an_empty_store_gives_the_same_items_and_stock(
        demo_facet: app.Facet, empty_facet: app.Facet, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    exported = export(demo_facet, path)
    assert exported == demo_facet.store.directory.counts().items
    assert not path.with_name("items.csv.partial").exists()

    report = do_import(empty_facet, path)

    assert (report.rows, report.created, report.updated, report.unchanged, report.rejected) == (
        exported, exported, 0, 0, 0)
    assert catalog(empty_facet) == catalog(demo_facet)
    # Opening stock arrives through the ledger, as 'receive' movements.
    conn = empty_facet.connection()
    try:
        kinds = {r[0] for r in conn.execute("SELECT DISTINCT kind FROM stock_movements")}
    finally:
        conn.close()
    assert kinds == {"receive"}
    assert {r.sku for r in empty_facet.store.inventory.search("halo", limit=1000)} == {
        r.sku for r in demo_facet.store.inventory.search("halo", limit=1000)}


def test_importing_a_stores_own_export_changes_nothing(demo_facet: app.Facet, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    count = export(demo_facet, path)
    before_catalog, before_counts = catalog(demo_facet), table_counts(demo_facet)

    report = do_import(demo_facet, path)

    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, count, 0)
    assert catalog(demo_facet) == before_catalog
    after_counts = table_counts(demo_facet)
    assert after_counts == {**before_counts, "audit_events": before_counts["audit_events"] + 1}, \
        "only the import's audit event"
    again = tmp_path / "again.csv"
    export(demo_facet, again)
    assert again.read_bytes() == path.read_bytes()


def test_import_updates_an_existing_item_and_says_so(demo_facet: app.Facet, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    export(demo_facet, path)
    rows = read_rows(path)
    target = next(r for r in rows if r["tracking"] == "unique" and r["status"] == "available")
    target.update(price="12345.00", title="Repriced Bezel Necklace")
    write_rows(path, rows)
    conn = demo_facet.connection()
    outbox0 = conn.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    conn.close()

    report = do_import(demo_facet, path)

    assert (report.created, report.updated) == (0, 1)
    record = demo_facet.store.inventory.lookup_code(target["sku"])
    assert record is not None and record.price_cents == 1234500 and record.title == "Repriced Bezel Necklace"
    assert [r.sku for r in demo_facet.store.inventory.search("repriced")] == [target["sku"]]
    conn = demo_facet.connection()
    try:
        outbox = conn.execute("SELECT table_name, row_id, op FROM outbox WHERE seq > ?", (outbox0,)).fetchall()
        audit = conn.execute("SELECT action, summary FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        created_at, updated_at = conn.execute(
            "SELECT created_at, updated_at FROM items WHERE id = ?", (record.id,)).fetchone()
    finally:
        conn.close()
    assert outbox == [("items", record.id, "update")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", updated_at), "stored as UTC text"
    assert updated_at > created_at
    assert audit[0] == "items.imported"
    assert json.loads(audit[1]) == {"file": "items.csv", "created": 0, "updated": 1,
                                    "unchanged": len(rows) - 1, "rejected": 0}


def test_a_file_with_only_some_columns_updates_those_and_keeps_the_rest(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    target = next(r for r in demo_facet.store.inventory.search("halo", 50) if r.cert_number and r.barcode)
    before = catalog(demo_facet)[target.sku]
    path = write_rows(tmp_path / "prices.csv", [{"sku": target.sku, "style": before["style"],
                                                 "title": before["title"], "metal": before["metal"],
                                                 "price": "9999.00", "tracking": before["tracking"],
                                                 "location": before["location"]}],
                      columns=["sku", "style", "title", "metal", "price", "tracking", "location"])

    report = do_import(demo_facet, path)

    after = catalog(demo_facet)[target.sku]
    assert (report.updated, report.created) == (1, 0)
    assert after == {**before, "price": "9999.00"}


# ---------------------------------------------------------------- refusing bad files


def test_one_bad_row_rejects_the_file_naming_the_line_and_column_and_writes_nothing(
        empty_facet: app.Facet, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "bad.csv", [
        piece("BZ-1"), piece("BZ-2", price="twelve hundred"), piece("BZ-3")])
    before = table_counts(empty_facet)

    with pytest.raises(ImportRejected) as raised:
        do_import(empty_facet, path)

    problems = raised.value.report.problems
    assert [(p.row, p.column) for p in problems] == [(3, "price")]
    assert "Row 3, column price:" in str(raised.value)
    assert "Nothing was imported" in str(raised.value)
    assert table_counts(empty_facet) == before


def test_line_numbers_count_the_lines_of_multi_line_cells(empty_facet: app.Facet, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "multi.csv", [
        piece("BZ-1", description="first line\nsecond line"), piece("BZ-2", metal="copper")])
    with pytest.raises(ImportRejected) as raised:
        do_import(empty_facet, path)
    assert [(p.row, p.column) for p in raised.value.report.problems] == [(4, "metal")]


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects_with_their_problem(
        empty_facet: app.Facet, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "mixed.csv", [
        piece("BZ-1"), piece("BZ-2", location="Basement"), piece("BZ-3"), piece("BZ-1", title="Again")])
    rejects = tmp_path / "mixed.rejected.csv"

    report = do_import(empty_facet, path, skip_invalid=True, rejects_path=rejects)

    assert (report.created, report.rejected) == (2, 2)
    assert report.rejects_file == rejects
    assert {r.sku for r in empty_facet.store.inventory.search("BZ", limit=10)} == {"BZ-1", "BZ-3"}
    rejected = read_rows(rejects)
    assert [(r["row"], r["sku"]) for r in rejected] == [("3", "BZ-2"), ("5", "BZ-1")]
    assert rejected[0]["problem"].startswith("location: 'Basement' is not one of")
    assert rejected[1]["problem"] == "sku: BZ-1 is also on row 2"
    assert rejected[1]["title"] == "Again"


def test_an_unknown_header_column_is_refused_before_any_row(empty_facet: app.Facet, tmp_path: Path) -> None:
    columns = [*COLUMNS, "colour"]
    path = write_rows(tmp_path / "extra.csv", [{**piece("BZ-1"), "colour": "gold"}], columns)
    before = table_counts(empty_facet)
    with pytest.raises(ValidationError) as raised:
        do_import(empty_facet, path)
    assert raised.value.field == "header"
    assert "'colour'" in raised.value.problem
    assert table_counts(empty_facet) == before


def test_a_missing_required_column_is_named(empty_facet: app.Facet, tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "price"]
    path = write_rows(tmp_path / "no-price.csv", [piece("BZ-1")], columns)
    with pytest.raises(ValidationError, match="'price' is missing"):
        do_import(empty_facet, path)


def test_a_file_that_is_not_utf8_gets_a_clear_message(empty_facet: app.Facet, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(("sku,style,title,metal,price,tracking,location\n"
                      "BZ-1,bezel,Collier à chaton,14k yellow,1250.00,unique,Case 1\n").encode("latin-1"))
    before = table_counts(empty_facet)
    with pytest.raises(ValidationError) as raised:
        do_import(empty_facet, path)
    assert raised.value.field == "file"
    assert "UTF-8" in raised.value.problem
    assert table_counts(empty_facet) == before


def test_an_excel_utf8_file_with_a_byte_order_mark_imports(empty_facet: app.Facet, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeffsku,style,title,metal,price,tracking,location\r\n"
                      "BZ-1,Brzel Necklace,Collier à chaton,14k Yellow Gold,\"1,250.00\",unique,case 1\r\n")
                     .encode("utf-8"))
    report = do_import(empty_facet, path)
    assert report.created == 1
    row = empty_facet.store.inventory.lookup_code("BZ-1")
    assert row is not None and (row.style, row.location, row.price_cents) == ("bezel", "Case 1", 125000)


def test_a_row_with_more_cells_than_the_header_is_rejected(empty_facet: app.Facet, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("sku,style,title,metal,price,tracking,location\n"
                    "BZ-1,bezel,Necklace,14k yellow,1250.00,unique,Case 1,extra\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as raised:
        do_import(empty_facet, path)
    assert [(p.row, p.column) for p in raised.value.report.problems] == [(2, "(row)")]


def test_quantity_that_differs_from_stock_on_hand_is_refused_for_an_existing_sku(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    export(demo_facet, path)
    rows = read_rows(path)
    line, target = next((n + 2, r) for n, r in enumerate(rows) if r["tracking"] == "counted")
    on_hand = int(target["quantity"])
    target["quantity"] = str(on_hand + 5)
    write_rows(path, rows)
    before = table_counts(demo_facet)

    with pytest.raises(ImportRejected) as raised:
        do_import(demo_facet, path)

    [problem] = raised.value.report.problems
    assert (problem.row, problem.column) == (line, "quantity")
    assert f"has {on_hand} on hand, not {on_hand + 5}" in problem.problem
    assert table_counts(demo_facet) == before
    assert demo_facet.store.inventory.lookup_code(target["sku"]).on_hand == on_hand  # type: ignore[union-attr]


def test_a_barcode_already_on_another_item_is_refused(demo_facet: app.Facet, tmp_path: Path) -> None:
    conn = demo_facet.connection()
    try:
        barcode = conn.execute("SELECT barcode FROM items WHERE barcode IS NOT NULL LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    taken = demo_facet.store.inventory.lookup_code(barcode)
    assert taken is not None
    path = write_rows(tmp_path / "dup-barcode.csv", [piece("BZ-1", barcode=taken.barcode or "")])
    with pytest.raises(ImportRejected) as raised:
        do_import(demo_facet, path)
    assert [(p.row, p.column) for p in raised.value.report.problems] == [(2, "barcode")]


# ---------------------------------------------------------------- spreadsheet safety


def test_formula_looking_text_survives_a_round_trip_and_is_written_with_a_leading_apostrophe(
        empty_facet: app.Facet, demo_facet: app.Facet, tmp_path: Path) -> None:
    owner = actor_for(empty_facet, Role.OWNER)
    inventory.receive_new_item(
        {**piece("FX-1", title="=SUM(1)", description="+1 carat of sparkle", vendor="@vendor"),
         "clasp": "-lobster"},
        uow=empty_facet.uow(), actor=owner)
    path = tmp_path / "formulas.csv"
    export(empty_facet, path)

    raw = read_rows(path)[0]
    assert raw["title"] == "'=SUM(1)"
    assert raw["description"] == "'+1 carat of sparkle"
    assert raw["vendor"] == "'@vendor"
    assert raw["clasp"] == "'-lobster"

    do_import(demo_facet, path)
    record = demo_facet.store.inventory.lookup_code("FX-1")
    assert record is not None and record.title == "=SUM(1)"
    assert catalog(demo_facet)["FX-1"] == catalog(empty_facet)["FX-1"]


def test_free_text_outside_the_description_columns_is_guarded_too_and_apostrophes_survive(
        empty_facet: app.Facet, demo_facet: app.Facet, tmp_path: Path) -> None:
    owner = actor_for(empty_facet, Role.OWNER)
    inventory.receive_new_item(piece("FX-2", serial='=HYPERLINK("x")', barcode="@9001", title="'=not a formula",
                                     description="'Tis the season", vendor="''double"),
                               uow=empty_facet.uow(), actor=owner)
    path = tmp_path / "guarded.csv"
    export(empty_facet, path)
    raw = read_rows(path)[0]
    assert raw["serial"] == "'" + '=HYPERLINK("x")'
    assert raw["barcode"] == "'@9001"
    assert raw["title"] == "''=not a formula"
    assert raw["description"] == "'Tis the season", "an apostrophe before ordinary text is left alone"
    assert raw["vendor"] == "'" + "''double"

    do_import(demo_facet, path)
    assert catalog(demo_facet)["FX-2"] == catalog(empty_facet)["FX-2"]
    assert catalog(demo_facet)["FX-2"]["title"] == "'=not a formula"
    report = do_import(empty_facet, path)
    assert (report.updated, report.unchanged) == (0, 1), "a store's own export reads back unchanged"


# ---------------------------------------------------------------- who and how


def test_a_clerk_can_neither_import_nor_export(demo_facet: app.Facet, tmp_path: Path) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    with pytest.raises(PermissionDenied):
        export_items(tmp_path / "x.csv", reader=demo_facet.store.inventory, actor=clerk, uow=demo_facet.uow(), files=demo_facet.devices.files)
    assert not (tmp_path / "x.csv").exists()
    path = write_rows(tmp_path / "one.csv", [piece("BZ-1")])
    with pytest.raises(PermissionDenied):
        import_items(path, uow=demo_facet.uow(), files=demo_facet.devices.files, actor=clerk)


def test_a_cancelled_import_writes_nothing_and_progress_is_reported(
        empty_facet: app.Facet, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "many.csv", [piece(f"BZ-{n}") for n in range(600)])
    seen: list[int] = []
    before = table_counts(empty_facet)
    with pytest.raises(ImportCancelled):
        do_import(empty_facet, path, progress=seen.append, cancelled=lambda: len(seen) >= 2)
    assert seen == [0, 500]
    assert table_counts(empty_facet) == before
    assert do_import(empty_facet, path).created == 600


# ---------------------------------------------------------------- files no item list is


def test_a_20_mb_cell_is_refused_naming_its_line_and_nothing_is_imported(
        empty_facet: app.Facet, tmp_path: Path) -> None:
    """Python's csv module stops at 131,072 characters with `_csv.Error`; once that was "unexpected error"."""
    path = write_rows(tmp_path / "huge.csv", [piece("BZ-1"), piece("BZ-2", description="x" * 20_000_000)])
    before = table_counts(empty_facet)
    with pytest.raises(ValidationError) as raised:
        do_import(empty_facet, path, skip_invalid=True, rejects_path=tmp_path / "rejects.csv")
    assert raised.value.field == "file"
    assert raised.value.problem.startswith("the row that starts on line 3: a cell is longer than 10,000 characters")
    assert "nothing was imported" in raised.value.problem
    assert table_counts(empty_facet) == before and not (tmp_path / "rejects.csv").exists()


def test_a_cell_past_the_limit_but_within_the_csv_modules_is_named_by_line_and_column(
        empty_facet: app.Facet, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "long.csv", [piece("BZ-1"), piece("BZ-2", title="Necklace " * 2_000)])
    with pytest.raises(ValidationError, match=r"^file: line 3, column title: a cell is longer than 10,000"):
        do_import(empty_facet, path)
    assert empty_facet.store.directory.counts().items == 0


def test_a_quote_never_closed_refuses_the_whole_file_even_when_skipping_invalid_rows(
        empty_facet: app.Facet, tmp_path: Path) -> None:
    """The open quote swallows every later line into one cell: no row after it can be trusted."""
    path = tmp_path / "open-quote.csv"
    path.write_text("sku,style,title,metal,price,tracking,location\n"
                    'BZ-1,bezel,"Bezel Necklace,14k yellow,1250.00,unique,Case 1\n'
                    + "".join(f"BZ-{n},bezel,Bezel Necklace {n},14k yellow,1250.00,unique,Case 1\n"
                              for n in range(2, 5_000)), encoding="utf-8")
    with pytest.raises(ValidationError, match="starts on line 2: .* a quote .* is never closed"):
        do_import(empty_facet, path, skip_invalid=True, rejects_path=tmp_path / "rejects.csv")
    assert empty_facet.store.directory.counts().items == 0


def test_a_file_over_64_mb_is_refused_before_a_line_is_read(empty_facet: app.Facet, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "vast.csv", [piece("BZ-1")])
    with path.open("r+b") as f:
        f.truncate(64_000_001)  # sparse: the size is all the check reads
    with pytest.raises(ValidationError) as raised:
        do_import(empty_facet, path)
    assert raised.value.field == "file"
    assert raised.value.problem.startswith("is 64 MB; an item file may be up to 64 MB")
    assert empty_facet.store.directory.counts().items == 0


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x07", "\x7f", "\x85"], ids=repr)
def test_a_control_character_in_a_cell_is_refused_naming_line_and_column(
        empty_facet: app.Facet, tmp_path: Path, control: str) -> None:
    path = write_rows(tmp_path / "control.csv", [
        piece("BZ-1"), piece("BZ-2", title=f"Bezel{control} Necklace"), piece("BZ-3", vendor=f"Acme{control} Ltd")])
    with pytest.raises(ImportRejected) as raised:
        do_import(empty_facet, path)
    assert [(p.row, p.column) for p in raised.value.report.problems] == [(3, "title"), (4, "vendor")]
    assert f"(U+{ord(control):04X}) at character 6" in raised.value.report.problems[0].problem
    assert empty_facet.store.directory.counts().items == 0


def test_skipping_rows_with_a_nul_stores_none_and_descriptions_keep_their_tabs_and_lines(
        empty_facet: app.Facet, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "nul.csv", [
        piece("BZ-1", description="Bezel set.\n\tGIA report in the box."),
        piece("BZ-2", description="Bezel\x00set"), piece("BZ-3", serial="SN\x00-3")])
    report = do_import(empty_facet, path, skip_invalid=True, rejects_path=tmp_path / "rejects.csv")
    assert (report.created, report.rejected) == (1, 2)
    assert [(p.row, p.column) for p in report.problems] == [(4, "description"), (5, "serial")]
    conn = empty_facet.connection()
    try:
        stored = conn.execute("SELECT description FROM items").fetchall()
        nul = conn.execute("SELECT count(*) FROM items WHERE instr(description, char(0)) OR instr(title, char(0)) "
                           "OR instr(coalesce(serial, ''), char(0))").fetchone()[0]
    finally:
        conn.close()
    assert stored == [("Bezel set.\n\tGIA report in the box.",)] and nul == 0


@pytest.mark.usefixtures("cli_owner")
def test_the_command_line_refuses_a_20_mb_cell_with_exit_2_naming_the_line(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    from pos_app import cli

    path = write_rows(tmp_path / "huge.csv", [piece("BZ-1"), piece("BZ-2", description="x" * 20_000_000)])
    code = cli.main(["items", "import", str(path), "--data-dir", str(demo_dir)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_REFUSED and "unexpected error" not in err
    assert "line 3: a cell is longer than 10,000 characters" in err
