"""Item files on the fakes: exports and rejected rows go through the injected FileOutput, never straight to disk."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.items import COLUMNS
from pos_app.domain.permissions import Role
from pos_app.services import item_files
from tests.fakes.builders import actor, add_item
from tests.fakes.files import EXPORTS, FakeFileOutput
from tests.fakes.inventory import FakeInventoryReader
from tests.fakes.uow import FakeUnitOfWork

MANAGER, CLERK = actor(Role.MANAGER), actor(Role.CLERK)


def test_an_item_export_writes_every_item_with_its_stock_through_the_file_output_and_one_event(
        uow: FakeUnitOfWork) -> None:
    add_item(uow, sku="NK-1")
    add_item(uow, sku="=NK-2")  # a spreadsheet would run it as a formula
    files = FakeFileOutput()
    count = item_files.export_items(EXPORTS / "items.csv", reader=FakeInventoryReader(uow.state), actor=MANAGER,
                                    uow=uow, files=files)
    header, *rows = files.rows(EXPORTS / "items.csv")
    assert count == 2 and header == list(COLUMNS)
    assert sorted(row[COLUMNS.index("sku")] for row in rows) == ["'=NK-2", "NK-1"]
    assert {row[COLUMNS.index("quantity")] for row in rows} == {"1"}
    assert uow.committed == [("items.exported",)] and uow.events[-1].summary == {"file": "items.csv", "items": 2}


def test_an_export_that_cannot_be_written_records_nothing(uow: FakeUnitOfWork) -> None:
    add_item(uow, sku="NK-1")
    files = FakeFileOutput()
    with pytest.raises(ValidationError) as refused:
        item_files.export_items(Path("/no-such-folder/items.csv"), reader=FakeInventoryReader(uow.state),
                                actor=MANAGER, uow=uow, files=files)
    assert refused.value.field == "file" and "cannot write" in refused.value.problem
    assert (files.written, uow.commits) == ({}, 0)


def test_a_clerk_exports_no_items_and_no_file_is_written(uow: FakeUnitOfWork) -> None:
    files = FakeFileOutput()
    with pytest.raises(PermissionDenied):
        item_files.export_items(EXPORTS / "items.csv", reader=FakeInventoryReader(uow.state), actor=CLERK, uow=uow,
                                files=files)
    assert files.written == {} and uow.committed == [("permission.refused",)]


def _item_file(path: Path, *prices: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        for n, price in enumerate(prices, start=1):
            writer.writerow({"sku": f"NEW-{n}", "style": "solitaire", "title": f"Solitaire {n}", "metal": "platinum",
                             "price": price, "tracking": "unique", "location": "Case 1", "quantity": "1"})
    return path


def test_rejected_rows_go_to_their_file_through_the_file_output_with_their_problem(
        uow: FakeUnitOfWork, tmp_path: Path) -> None:
    files = FakeFileOutput()
    rejects = EXPORTS / "new.rejected.csv"
    report = item_files.import_items(_item_file(tmp_path / "new.csv", "500", "five hundred", "700"), uow=uow,
                                     files=files, actor=MANAGER, skip_invalid=True, rejects_path=rejects)
    assert (report.created, report.rejected, report.rejects_file) == (2, 1, rejects)
    header, row = files.rows(rejects)
    assert header[:3] == ["row", "problem", "sku"] and row[0] == "3" and row[2] == "NEW-2" and "price" in row[1]
    assert uow.committed == [("items.imported",)]


def test_rejects_that_cannot_be_written_import_nothing(uow: FakeUnitOfWork, tmp_path: Path) -> None:
    files = FakeFileOutput()
    before = uow.state.snapshot()
    with pytest.raises(ValidationError) as refused:
        item_files.import_items(_item_file(tmp_path / "new.csv", "500", "five hundred"), uow=uow, files=files,
                                actor=MANAGER, skip_invalid=True, rejects_path=Path("/no-such-folder/r.csv"))
    assert refused.value.field == "rejects_file" and refused.value.problem.endswith("; nothing was imported")
    assert uow.state.snapshot() == before and uow.commits == 0 and files.written == {}
