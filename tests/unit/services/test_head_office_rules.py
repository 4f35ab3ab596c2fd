"""The head office's sales report on the fakes: who may read it, the days it takes, and its CSV export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import head_office
from pos_app.services.ports.head_office import StoreDaySales
from tests.fakes.builders import actor
from tests.fakes.files import EXPORTS, FakeFileOutput
from tests.fakes.uow import FakeUnitOfWork

OWNER, MANAGER, CLERK = actor(Role.OWNER), actor(Role.MANAGER), actor(Role.CLERK)
DEC_1, DEC_7 = dt.date(2026, 12, 1), dt.date(2026, 12, 7)
ROWS = [StoreDaySales("S1", "Jane Ellen", "America/New_York", DEC_1, 3, 1, 1_234_550, 98_764, 1_333_314, "USD"),
        StoreDaySales("S2", "=Uptown", "America/Los_Angeles", DEC_7, 0, 1, -125_000, -11_875, -136_875, "USD")]


class RecordingCentral:
    """Central's side of the report: the days it was asked for, and the rows it answers."""

    def __init__(self) -> None:
        self.asked: list[tuple[dt.date, dt.date]] = []

    def sales_by_store_day(self, first: dt.date, last: dt.date) -> list[StoreDaySales]:
        self.asked.append((first, last))
        return list(ROWS)


def test_the_owner_and_managers_read_every_stores_days_from_central(uow: FakeUnitOfWork) -> None:
    for who in (OWNER, MANAGER):
        central = RecordingCentral()
        assert head_office.sales_by_store(DEC_1, DEC_7, central=central, actor=who, uow=uow) == ROWS
        assert central.asked == [(DEC_1, DEC_7)]
    assert uow.commits == 0  # reading writes nothing


def test_a_clerk_reads_nothing_from_central_and_the_refusal_is_audited(uow: FakeUnitOfWork) -> None:
    central = RecordingCentral()
    with pytest.raises(PermissionDenied):
        head_office.sales_by_store(DEC_1, DEC_7, central=central, actor=CLERK, uow=uow)
    assert central.asked == [] and uow.committed == [("permission.refused",)]


def test_days_the_wrong_way_round_or_over_ten_years_are_refused_before_central_is_asked(
        uow: FakeUnitOfWork) -> None:
    central = RecordingCentral()
    with pytest.raises(ValidationError) as reversed_days:
        head_office.sales_by_store(DEC_7, DEC_1, central=central, actor=OWNER, uow=uow)
    assert (reversed_days.value.field, reversed_days.value.problem) == ("to", "is before the first day (from)")
    with pytest.raises(ValidationError, match="at most 3,660 days"):
        head_office.sales_by_store(dt.date(2010, 1, 1), DEC_7, central=central, actor=OWNER, uow=uow)
    assert central.asked == []


def test_the_export_writes_the_rows_read_in_plain_figures_and_audits_the_file_not_the_figures(
        uow: FakeUnitOfWork) -> None:
    files = FakeFileOutput()
    path = EXPORTS / "group.csv"
    assert head_office.export_sales_csv(path, DEC_1, DEC_7, ROWS, files=files, actor=OWNER, uow=uow) == 2
    assert files.rows(path) == [
        list(head_office.SALES_CSV_COLUMNS),
        ["2026-12-01", "S1", "Jane Ellen", "America/New_York", "3", "1", "12345.50", "987.64", "13333.14", "USD"],
        # A store name a spreadsheet would run as a formula is written as text.
        ["2026-12-07", "S2", "'=Uptown", "America/Los_Angeles", "0", "1", "-1250.00", "-118.75", "-1368.75", "USD"]]
    assert uow.committed == [("head_office.sales_exported",)]
    assert uow.events[-1].summary == {"file": "group.csv", "rows": 2, "from": "2026-12-01", "to": "2026-12-07"}


def test_an_export_that_cannot_be_written_or_is_refused_writes_and_audits_nothing_else(
        uow: FakeUnitOfWork) -> None:
    files = FakeFileOutput()
    with pytest.raises(ValidationError) as refused:
        head_office.export_sales_csv(Path("/no-such-folder/group.csv"), DEC_1, DEC_7, ROWS, files=files,
                                     actor=OWNER, uow=uow)
    assert refused.value.field == "file" and "does not exist" in refused.value.problem
    assert (files.written, uow.commits) == ({}, 0)
    with pytest.raises(PermissionDenied):
        head_office.export_sales_csv(EXPORTS / "group.csv", DEC_1, DEC_7, ROWS, files=files, actor=CLERK, uow=uow)
    assert files.written == {} and uow.committed == [("permission.refused",)]
