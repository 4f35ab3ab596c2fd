"""The head office's reports on the fakes: who may read them, the days the sales report takes, the moment the
aging report counts from, and their CSV exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Actor, Role
from pos_app.services import head_office
from pos_app.services.ports.head_office import (
    GroupCertificate,
    StoreAging,
    StoreDaySales,
    StoreLowStock,
    age_brackets,
)
from tests.fakes.builders import actor
from tests.fakes.files import EXPORTS, FakeFileOutput
from tests.fakes.uow import FakeUnitOfWork

OWNER, MANAGER, CLERK = actor(Role.OWNER), actor(Role.MANAGER), actor(Role.CLERK)
DEC_1, DEC_7 = dt.date(2026, 12, 1), dt.date(2026, 12, 7)
ROWS = [StoreDaySales("S1", "Jane Ellen", "America/New_York", DEC_1, 3, 1, 1_234_550, 98_764, 1_333_314, "USD"),
        StoreDaySales("S2", "=Uptown", "America/Los_Angeles", DEC_7, 0, 1, -125_000, -11_875, -136_875, "USD")]


LOW = [StoreLowStock("S1", "Jane Ellen", "TEN-1198", "Tennis Bracelet, 2 ct", 2, 0, 2),
       StoreLowStock("S2", "Uptown", "@BEZ-1", "+Bezel Stud", 0, 3, 3)]
AGING = [StoreAging("S1", "Jane Ellen", 0, "0–90 days", 12, 4_567_800, "USD"),
         StoreAging("S2", "Uptown", 3, "over 365 days", 0, 0, "")]
DUPLICATES = [GroupCertificate("GIA", "2141234567", "S1", "Jane Ellen", "SOL-1", "Oval Solitaire"),
              GroupCertificate("GIA", "2141234567", "S2", "Uptown", "", "")]


class RecordingCentral:
    """Central's side of the reports: what it was asked for, and the rows it answers."""

    def __init__(self) -> None:
        self.asked: list[Any] = []

    def sales_by_store_day(self, first: dt.date, last: dt.date) -> list[StoreDaySales]:
        self.asked.append((first, last))
        return list(ROWS)

    def low_stock_by_store(self) -> list[StoreLowStock]:
        self.asked.append("low stock")
        return list(LOW)

    def aging_by_store(self, at: dt.datetime, edges: Sequence[int]) -> list[StoreAging]:
        self.asked.append((at, tuple(edges)))
        return list(AGING)

    def duplicate_certificates(self) -> list[GroupCertificate]:
        self.asked.append("duplicates")
        return list(DUPLICATES)


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


def test_the_owner_and_managers_read_every_stores_stock_reports_and_a_clerk_none(uow: FakeUnitOfWork) -> None:
    at = dt.datetime(2026, 12, 7, 4, 30, tzinfo=dt.UTC)  # still Dec 6 in Los Angeles: each store's own day
    for who in (OWNER, MANAGER):
        central = RecordingCentral()
        assert head_office.low_stock_by_store(central=central, actor=who, uow=uow) == LOW
        assert head_office.aging_by_store(central=central, actor=who, uow=uow, now=at) == AGING
        assert head_office.duplicate_certificates(central=central, actor=who, uow=uow) == DUPLICATES
        assert central.asked == ["low stock", (at, (90, 180, 365)), "duplicates"]
    assert uow.commits == 0
    central = RecordingCentral()
    for read in (head_office.low_stock_by_store, head_office.aging_by_store, head_office.duplicate_certificates):
        with pytest.raises(PermissionDenied):
            read(central=central, actor=CLERK, uow=uow)
    assert central.asked == [] and uow.committed == [("permission.refused",)] * 3


def test_aging_counts_from_this_moment_by_default_in_the_stores_own_brackets(uow: FakeUnitOfWork) -> None:
    central = RecordingCentral()
    before = dt.datetime.now(dt.UTC)
    head_office.aging_by_store(central=central, actor=OWNER, uow=uow)
    [(at, edges)] = central.asked
    assert isinstance(at, dt.datetime) and isinstance(edges, tuple)
    assert before <= at <= dt.datetime.now(dt.UTC) and at.tzinfo is not None
    assert age_brackets(edges) == ["0–90 days", "91–180 days", "181–365 days", "over 365 days"]
    with pytest.raises(ValueError, match="aware"):
        head_office.aging_by_store(central=central, actor=OWNER, uow=uow, now=dt.datetime(2026, 12, 7))


def test_each_stock_export_writes_the_rows_read_and_audits_the_file_and_row_count(uow: FakeUnitOfWork) -> None:
    files = FakeFileOutput()
    low, aging, dups = EXPORTS / "low.csv", EXPORTS / "aging.csv", EXPORTS / "dups.csv"
    assert head_office.export_low_stock_csv(low, LOW, files=files, actor=MANAGER, uow=uow) == 2
    assert head_office.export_aging_csv(aging, AGING, files=files, actor=MANAGER, uow=uow) == 2
    assert head_office.export_duplicate_certificates_csv(dups, DUPLICATES, files=files, actor=MANAGER,
                                                         uow=uow) == 2
    assert files.rows(low) == [
        list(head_office.LOW_STOCK_CSV_COLUMNS),
        ["S1", "Jane Ellen", "TEN-1198", "Tennis Bracelet, 2 ct", "2", "0", "2"],
        # Text a spreadsheet would run as a formula is written as text.
        ["S2", "Uptown", "'@BEZ-1", "'+Bezel Stud", "0", "3", "3"]]
    assert files.rows(aging) == [list(head_office.AGING_CSV_COLUMNS),
                                 ["S1", "Jane Ellen", "0–90 days", "12", "45678.00", "USD"],
                                 ["S2", "Uptown", "over 365 days", "0", "0", ""]]
    assert files.rows(dups) == [list(head_office.DUPLICATE_CERTIFICATES_CSV_COLUMNS),
                                ["GIA", "2141234567", "S1", "Jane Ellen", "SOL-1", "Oval Solitaire"],
                                ["GIA", "2141234567", "S2", "Uptown", "", ""]]
    assert uow.committed == [("head_office.low_stock_exported",), ("head_office.aging_exported",),
                             ("head_office.duplicate_certificates_exported",)]
    assert [e.summary for e in uow.events[-3:]] == [{"file": "low.csv", "rows": 2}, {"file": "aging.csv", "rows": 2},
                                                    {"file": "dups.csv", "rows": 2}]


def test_a_stock_export_that_cannot_be_written_or_is_refused_writes_and_audits_nothing_else(
        uow: FakeUnitOfWork) -> None:
    files = FakeFileOutput()
    exports: list[Callable[[Path, Actor], int]] = [
        lambda path, who: head_office.export_low_stock_csv(path, LOW, files=files, actor=who, uow=uow),
        lambda path, who: head_office.export_aging_csv(path, AGING, files=files, actor=who, uow=uow),
        lambda path, who: head_office.export_duplicate_certificates_csv(path, DUPLICATES, files=files, actor=who,
                                                                        uow=uow)]
    for export in exports:
        with pytest.raises(ValidationError, match="does not exist"):
            export(Path("/no-such-folder/report.csv"), OWNER)
    assert (files.written, uow.commits) == ({}, 0)
    for export in exports:
        with pytest.raises(PermissionDenied):
            export(EXPORTS / "report.csv", CLERK)
    assert files.written == {} and uow.committed == [("permission.refused",)] * 3
