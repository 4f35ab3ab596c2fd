"""Inventory valuation at a date, aging and turn/GMROI, on a real encrypted store with a small hand-made ledger.

The store (Test Jewelers, America/Chicago) holds five pieces whose history is dated by hand, and
"now" is 2026-06-15 13:00 in Chicago; every expected figure below is worked out from that history:

| when (Chicago)        | what                                                     |
| 2024-05-01 10:00      | D bezel, no cost recorded, $300, received                |
| 2025-03-10 10:00      | A tennis, cost $1,000, $2,500, received                  |
| 2025-11-20 10:00      | C halo, cost $800, $1,800, received                      |
| 2026-01-05 10:00      | B solitaire (counted), cost $200, $500: 10 received      |
| 2026-03-03 14:00      | sale S1: 2 of B at $500                                  |
| 2026-04-10 12:00      | sale S2: A at $2,500 less $100 discount                  |
| 2026-05-20 10:00      | 5 more of B received                                     |
| 2026-05-25 11:00      | return: 1 of B from S1                                   |
| 2026-06-01 23:30      | sale S3: C at $1,800 (04:30 UTC on the 2nd: the 1st's)   |
| 2026-06-10 00:15      | adjustment: 1 of B damaged                               |
| 2026-06-12 10:00      | E linked tennis, cost $500, $1,200, received             |
| 2026-06-14 09:00      | 2 of B sent to another store (in transit to it), and     |
|                       | 3 of B received at that store: neither is this store's   |
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pos_app import app
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import Metal, Style, Tracking
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.services.ports.reports import Report, ReportRequest, Table
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine
from pos_app.services.reports import catalog
from pos_app.services.setup import parse_store_profile
from tests.conftest import FAST_HASHER, OWNER, STORE_FORM, actor_for

ZONE = ZoneInfo("America/Chicago")
NOW = dt.datetime(2026, 6, 15, 13, 0, tzinfo=ZONE).astimezone(dt.UTC)
OTHER_STORE = "0b7c1d2e-0000-4000-8000-00000000s2"


def local(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {time}").replace(tzinfo=ZONE).astimezone(dt.UTC)


def piece(sku: str, style: Style, metal: Metal, cost: int | None, price: int, location: str, received: str,
          *, quantity: int = 1) -> ItemSpec:
    return ItemSpec(sku=sku, style=style, title=f"{style.label} {sku}", metal=metal, price=Money(price),
                    tracking=Tracking.COUNTED if quantity > 1 else Tracking.UNIQUE, location=location,
                    cost=None if cost is None else Money(cost), quantity=quantity,
                    received_on=dt.date.fromisoformat(received))


@dataclasses.dataclass
class Ledger:
    facet: app.Facet
    owner: Actor
    ids: dict[str, str]


def _sell(uow: Any, number: str, clerk: Actor, at: dt.datetime, lines: list[NewSaleLine], *,
          kind: str = "sale", original: str | None = None) -> str:
    total = sum(line.total_cents for line in lines)
    return str(uow.counter.write_sale(NewSale(
        number=number, terminal=clerk.terminal, staff_id=clerk.staff_id or "", customer_id=None, currency="USD",
        completed_at=at, lines=tuple(lines), payments=(NewPayment("cash", total),), kind=kind,
        original_sale_id=original), actor=clerk, action=None, at=at))


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    folder: Path = tmp_path_factory.mktemp("stock-reports") / "store"
    facet = app.create_facet(folder, parse_store_profile(STORE_FORM), OWNER, hasher=FAST_HASHER)
    owner = actor_for(facet, Role.OWNER)
    specs = {
        "D": (piece("D-1", Style.BEZEL, Metal.SILVER, None, 30_000, "Safe", "2024-05-01"), "2024-05-01"),
        "A": (piece("A-1", Style.TENNIS, Metal.Y14, 100_000, 250_000, "Case 1", "2025-03-10"), "2025-03-10"),
        "C": (piece("C-1", Style.HALO, Metal.W18, 80_000, 180_000, "Case 1", "2025-11-20"), "2025-11-20"),
        "B": (piece("B-1", Style.SOLITAIRE, Metal.PLATINUM, 20_000, 50_000, "Case 2", "2026-01-05", quantity=10),
              "2026-01-05"),
        "E": (piece("E-1", Style.LINKED_TENNIS, Metal.W14, 50_000, 120_000, "Case 2", "2026-06-12"), "2026-06-12"),
    }
    ids: dict[str, str] = {}
    with facet.uow() as uow:
        for name, (spec, _) in specs.items():
            ids[name] = uow.items.add(spec)
        for name, (spec, day) in sorted(specs.items(), key=lambda kv: kv[1][1]):
            if day < "2026-06-12":
                uow.stock.record(ids[name], "receive", spec.quantity, actor=owner, reason="received", at=local(day))
        s1 = _sell(uow, "C1-000001", owner, local("2026-03-03", "14:00"),
                   [NewSaleLine(ids["B"], "B-1", "Solitaire", 2, 50_000, 0, 0)])
        _sell(uow, "C1-000002", owner, local("2026-04-10", "12:00"),
              [NewSaleLine(ids["A"], "A-1", "Tennis", 1, 250_000, 10_000, 0, unique=True)])
        uow.stock.record(ids["B"], "receive", 5, actor=owner, reason="received", at=local("2026-05-20"))
        uow.commit()
    (s1_line,) = facet.store.sales.sale(s1).lines  # type: ignore[union-attr]
    with facet.uow() as uow:
        _sell(uow, "C1-000003", owner, local("2026-05-25", "11:00"),
              [NewSaleLine(ids["B"], "B-1", "Solitaire", -1, 50_000, 0, 0, returns_line_id=s1_line.id)],
              kind="return", original=s1)
        _sell(uow, "C1-000004", owner, local("2026-06-01", "23:30"),
              [NewSaleLine(ids["C"], "C-1", "Halo", 1, 180_000, 0, 0, unique=True)])
        uow.stock.record(ids["B"], "adjustment", -1, actor=owner, reason="damaged", at=local("2026-06-10", "00:15"))
        uow.stock.record(ids["E"], "receive", 1, actor=owner, reason="received", at=local("2026-06-12"))
        sent = local("2026-06-14", "09:00")
        uow.stock.record(ids["B"], "transfer_out", -2, actor=owner, reason="to S2", at=sent)
        uow.stock.record(ids["B"], "in_transit", 2, actor=owner, reason="to S2", at=sent, store_id=OTHER_STORE)
        uow.stock.record(ids["B"], "receive", 3, actor=owner, reason="at S2", at=sent, store_id=OTHER_STORE)
        uow.commit()
    yield Ledger(facet, owner, ids)
    facet.close()


def run(ledger: Ledger, name: str, *, to: str | None = None, by: str | None = None, first: str | None = None,
        actor: Actor | None = None) -> Report:
    request = ReportRequest(name, first=None if first is None else dt.date.fromisoformat(first),
                            last=None if to is None else dt.date.fromisoformat(to), by=by)
    return catalog.run(request, store=ledger.facet.store, actor=actor or ledger.owner, uow=ledger.facet.uow(),
                       now=NOW)


def rows(table: Table) -> dict[str, dict[str, Any]]:
    keys = [c.key for c in table.columns]
    return {str(r[0]): dict(zip(keys, r)) for r in table.rows}


def total(table: Table) -> dict[str, Any]:
    assert table.total is not None
    return dict(zip([c.key for c in table.columns], table.total))


def assert_rows_add_up(table: Table, keys: list[str]) -> None:
    for key in keys:
        assert sum(row[key] or 0 for row in rows(table).values()) == total(table)[key], key


# ------------------------------------------------------------------ valuation


def test_valuation_today_is_on_hand_times_each_pieces_cost_and_price(ledger: Ledger) -> None:
    (table,) = run(ledger, "inventory").tables
    items = ledger.facet.store.inventory.rows_by_ids(list(ledger.ids.values()))
    assert total(table)["pieces"] == sum(i.on_hand for i in items) == 11 + 1 + 1
    assert total(table)["cost"] == sum(i.on_hand * (i.cost_cents or 0) for i in items) == 11 * 20_000 + 50_000
    assert total(table)["retail"] == sum(i.on_hand * i.price_cents for i in items) == 11 * 50_000 + 30_000 + 120_000
    assert "1 piece has no cost recorded" in table.note and "not historical" in table.note


def test_valuation_at_a_past_date_is_the_stock_as_it_was_after_receipts_sales_a_return_and_an_adjustment_since(
        ledger: Ledger) -> None:
    report = run(ledger, "inventory", to="2026-03-31")
    assert ("At", "2026-03-31") in report.filters
    (table,) = report.tables
    assert rows(table) == {
        "Solitaire": {"group": "Solitaire", "pieces": 8, "cost": 160_000, "retail": 400_000},
        "Tennis": {"group": "Tennis", "pieces": 1, "cost": 100_000, "retail": 250_000},
        "Halo": {"group": "Halo", "pieces": 1, "cost": 80_000, "retail": 180_000},
        "Bezel": {"group": "Bezel", "pieces": 1, "cost": 0, "retail": 30_000},
    }
    assert total(table) == {"group": "Total", "pieces": 11, "cost": 340_000, "retail": 860_000}
    assert [d.filters for d in table.drills] == [(("style", "solitaire"),), (("style", "tennis"),),
                                                 (("style", "halo"),), (("style", "bezel"),)]
    assert all(d is not None and d.what == "items" for d in table.drills)


def test_a_sale_at_2330_local_time_leaves_the_stock_of_that_day_not_the_next(ledger: Ledger) -> None:
    def retail(day: str) -> int:
        return int(total(run(ledger, "inventory", to=day).tables[0])["retail"])

    assert retail("2026-05-31") == 14 * 50_000 + 180_000 + 30_000  # C still in the case
    assert retail("2026-06-01") == 14 * 50_000 + 30_000  # sold at 23:30 on the 1st (the 2nd in UTC)
    assert retail("2026-06-09") == 14 * 50_000 + 30_000
    assert retail("2026-06-10") == 13 * 50_000 + 30_000  # damaged at 00:15 on the 10th


def test_units_sent_to_or_received_at_another_store_are_not_this_stores_stock(ledger: Ledger) -> None:
    def solitaires(day: str | None) -> int:
        return int(rows(run(ledger, "inventory", to=day).tables[0])["Solitaire"]["pieces"])

    assert solitaires("2026-06-13") == 13
    assert solitaires(None) == 11  # 2 sent away; the 3 received at the other store are its own


def test_valuation_by_metal_and_by_location_add_up_to_the_same_total(ledger: Ledger) -> None:
    by_style = total(run(ledger, "inventory", to="2026-05-31").tables[0])
    for by in ("metal", "location"):
        (table,) = run(ledger, "inventory", to="2026-05-31", by=by).tables
        assert_rows_add_up(table, ["pieces", "cost", "retail"])
        assert {k: v for k, v in total(table).items()} == by_style
    (table,) = run(ledger, "inventory", to="2026-05-31", by="location").tables
    assert rows(table)["Case 2"]["pieces"] == 14 and rows(table)["Case 1"]["retail"] == 180_000
    assert table.drills[0] is not None and table.drills[0].filters[0][0] == "location"


def test_the_dashboards_stock_value_now_is_on_hand_straight(ledger: Ledger) -> None:
    reader = ledger.facet.store.reports
    now = sorted(reader.stock_value(None, "America/Chicago", "style"))
    assert now == [("bezel", 1, 0, 30_000), ("linked_tennis", 1, 50_000, 120_000),
                   ("solitaire", 11, 220_000, 550_000)]
    assert sorted(reader.stock_value(dt.date(2026, 3, 31), "America/Chicago", "style"))[0] == ("bezel", 1, 0, 30_000)


# ------------------------------------------------------------------ aging


def test_aging_buckets_by_whole_months_with_the_managers_cut_offs(ledger: Ledger) -> None:
    _set_aging(ledger, [3, 9, 15])
    try:
        (table,) = run(ledger, "aging", to="2026-03-31").tables
    finally:
        _set_aging(ledger, None)
    headings = [c.heading for c in table.columns if c.key.endswith("_pieces")]
    assert headings == ["Under 3 months: pieces", "3 to 9 months: pieces", "9 to 15 months: pieces",
                        "Over 15 months: pieces", "Total: pieces"]
    found = rows(table)
    # B received 2026-01-05 (under 3), C 2025-11-20 (3 to 9), A 2025-03-10 (9 to 15), D 2024-05-01 (over 15)
    assert found["Solitaire"]["under_3m_pieces"] == 8 and found["Solitaire"]["under_3m_cost"] == 160_000
    assert found["Halo"]["3_9m_pieces"] == 1 and found["Halo"]["3_9m_retail"] == 180_000
    assert found["Tennis"]["9_15m_pieces"] == 1 and found["Tennis"]["9_15m_cost"] == 100_000
    assert found["Bezel"]["over_15m_pieces"] == 1 and found["Bezel"]["over_15m_retail"] == 30_000
    assert found["Solitaire"]["3_9m_pieces"] == 0 and found["Tennis"]["under_3m_pieces"] == 0
    assert_rows_add_up(table, [c.key for c in table.columns[1:]])
    whole = total(table)
    assert (whole["total_pieces"], whole["total_cost"], whole["total_retail"]) == (11, 340_000, 860_000)
    assert all(found[s]["total_pieces"] == sum(found[s][f"{b}_pieces"] for b in ("under_3m", "3_9m", "9_15m",
                                                                                   "over_15m")) for s in found)


def test_a_piece_exactly_at_a_cut_off_is_in_the_older_bucket_and_the_default_is_6_and_12_months(
        ledger: Ledger) -> None:
    (table,) = run(ledger, "aging", to="2026-06-05").tables
    found = rows(table)
    assert [c.heading for c in table.columns[1::3]] == ["Under 6 months: pieces", "6 to 12 months: pieces",
                                                        "Over 12 months: pieces", "Total: pieces"]
    assert found["Solitaire"]["under_6m_pieces"] == 14  # received 2026-01-05: five months
    assert found["Bezel"]["over_12m_pieces"] == 1
    _set_aging(ledger, [5])
    try:
        (table,) = run(ledger, "aging", to="2026-06-05").tables
    finally:
        _set_aging(ledger, None)
    assert rows(table)["Solitaire"]["over_5m_pieces"] == 14  # exactly five months old


@pytest.mark.parametrize("bad", [[12, 6], [], "6,a", [6, 6], [0, 6], [6.5], [True, 12], list(range(1, 9))])
def test_unusable_aging_cut_offs_fall_back_to_the_default_and_say_so(ledger: Ledger, bad: Any) -> None:
    _set_aging(ledger, bad)
    try:
        (table,) = run(ledger, "aging", to="2026-03-31").tables
    finally:
        _set_aging(ledger, None)
    assert table.columns[1].heading == "Under 6 months: pieces"
    assert "not one to five whole months in ascending order" in table.note


def test_a_manager_sets_the_cut_offs_of_one_run_and_bad_ones_are_refused_naming_the_field(ledger: Ledger) -> None:
    manager = Actor(ledger.owner.staff_id, "A manager", Role.MANAGER, "C1")
    request = ReportRequest("aging", last=dt.date(2026, 6, 5), filters=(("months", "3, 5"),))
    made = catalog.run(request, store=ledger.facet.store, actor=manager, uow=ledger.facet.uow(), now=NOW)
    (table,) = made.tables
    assert [c.heading for c in table.columns[1:8:3]] == ["Under 3 months: pieces", "3 to 5 months: pieces",
                                                         "Over 5 months: pieces"]
    assert rows(table)["Solitaire"]["over_5m_pieces"] == 14  # received 2026-01-05: exactly five months
    assert ("Months", "3, 5") in made.filters
    for bad in ("5, 3", "six", "0", "1,2,3,4,5,6"):
        with pytest.raises(ValidationError) as refused:
            catalog.run(dataclasses.replace(request, filters=(("months", bad),)), store=ledger.facet.store,
                        actor=manager, uow=ledger.facet.uow(), now=NOW)
        assert refused.value.field == "months"


def test_cut_offs_saved_as_typed_text_are_used(ledger: Ledger) -> None:
    _set_aging(ledger, "3, 9")  # as `pos-app settings aging 3,9` may keep them
    try:
        (table,) = run(ledger, "aging", to="2026-03-31").tables
    finally:
        _set_aging(ledger, None)
    assert table.columns[1].heading == "Under 3 months: pieces" and not table.note.startswith("The aging cut-offs")


def _set_aging(ledger: Ledger, months: Any) -> None:
    with ledger.facet.uow() as uow:
        uow.settings.set("reports.aging_months", months)
        uow.commit()


# ------------------------------------------------------------------ turn and GMROI

# Inventory at cost at the 13 month ends 2025-05-31 .. 2026-05-31, by hand from the ledger above.
TENNIS = [100_000] * 11 + [0, 0]
HALO = [0] * 6 + [80_000] * 7
SOLITAIRE = [0] * 8 + [200_000, 200_000, 160_000, 160_000, 280_000]


def test_turn_and_gmroi_by_hand_over_the_twelve_months_ending_at_a_date(ledger: Ledger) -> None:
    report = run(ledger, "turn", to="2026-05-31")
    (table,) = report.tables
    found = rows(table)
    tennis, solitaire, halo = found["Tennis"], found["Solitaire"], found["Halo"]
    assert round(sum(TENNIS) / 13) == tennis["average_inventory"] == 84_615
    assert round(sum(SOLITAIRE) / 13) == solitaire["average_inventory"] == 76_923
    assert round(sum(HALO) / 13) == halo["average_inventory"] == 43_077
    # A sold at $2,500 less $100 (cost $1,000); two of B sold at $500 (cost $200), one came back
    assert (tennis["net_sales"], tennis["cogs"], tennis["gross_profit"]) == (240_000, 100_000, 140_000)
    assert (solitaire["net_sales"], solitaire["cogs"], solitaire["gross_profit"]) == (50_000, 20_000, 30_000)
    assert tennis["turn"] == Decimal(100_000) / Decimal(84_615)
    assert tennis["gmroi"] == Decimal(140_000) / Decimal(84_615)
    assert solitaire["turn"] == Decimal(20_000) / Decimal(76_923)
    assert halo["net_sales"] == 0 and halo["turn"] == 0  # C sold on 1 June: after the year
    assert tennis["inventory_cost"] == 0 and solitaire["inventory_cost"] == 280_000
    whole = total(table)
    assert whole["average_inventory"] == round(2_660_000 / 13) == 204_615
    assert (whole["net_sales"], whole["cogs"], whole["gross_profit"]) == (290_000, 120_000, 170_000)
    assert whole["turn"] == Decimal(120_000) / Decimal(204_615)
    assert whole["gmroi"] == Decimal(170_000) / Decimal(204_615)
    assert_rows_add_up(table, ["net_sales", "cogs", "gross_profit", "inventory_cost", "average_inventory"])
    assert "2025-06-01 to 2026-05-31" in table.note and "2025-05-31" in table.note
    drill = table.drills[0]
    assert drill is not None and drill.what == "sales" and drill.period is not None
    assert (drill.period.first, drill.period.last) == (dt.date(2025, 6, 1), dt.date(2026, 5, 31))


def test_the_inventory_points_of_the_turn_report_are_the_valuations_at_each_month_end(ledger: Ledger) -> None:
    from pos_app.domain.figures import month_ends

    points = month_ends(dt.date(2026, 5, 31))
    by_style = dict(ledger.facet.store.reports.stock_cost_at(points, "America/Chicago", "style"))
    assert list(by_style["tennis"]) == TENNIS and list(by_style["halo"]) == HALO
    assert list(by_style["solitaire"]) == SOLITAIRE
    # One date alone is read forwards when it is nearer the ledger's first movement (2024-05-01) than its
    # last (2026-06-14), backwards from on hand otherwise: both give the same stock.
    for day, value in zip(points, [sum(v) for v in zip(TENNIS, HALO, SOLITAIRE)]):
        assert total(run(ledger, "inventory", to=day.isoformat()).tables[0])["cost"] == value, day


def test_before_the_first_receipt_there_is_no_stock_and_just_after_it_one_piece(ledger: Ledger) -> None:
    assert run(ledger, "inventory", to="2024-04-30").tables[0].rows == ()
    (table,) = run(ledger, "inventory", to="2024-05-01").tables
    assert total(table) == {"group": "Total", "pieces": 1, "cost": 0, "retail": 30_000}


# ------------------------------------------------------------------ who sees what, and what is refused


def test_cost_columns_are_stripped_for_someone_who_may_run_reports_but_not_see_cost(ledger: Ledger) -> None:
    manager = Actor(staff_id=ledger.owner.staff_id, name="Reporter", role=Role.MANAGER,
                    terminal=ledger.owner.terminal, only=frozenset({Permission.VIEW_SALES_REPORTS}))
    for name in ("inventory", "aging", "turn"):
        (table,) = run(ledger, name, to="2026-05-31", actor=manager).tables
        assert not any(c.cost for c in table.columns), name
        assert not any("cost" in c.key or c.key in ("cogs", "gross_profit", "turn", "gmroi")
                       for c in table.columns), name
    (table,) = run(ledger, "inventory", to="2026-05-31", actor=manager).tables
    assert [c.key for c in table.columns] == ["group", "pieces", "retail"]
    assert total(table)["retail"] == 14 * 50_000 + 180_000 + 30_000


def test_a_clerk_sees_none_of_the_stock_reports(ledger: Ledger) -> None:
    clerk = dataclasses.replace(ledger.owner, role=Role.CLERK)
    with pytest.raises(PermissionDenied):
        run(ledger, "inventory", actor=clerk)


@pytest.mark.parametrize(("name", "kwargs", "field"), [
    ("inventory", {"by": "clerk"}, "by"),
    ("aging", {"by": "metal"}, "by"),
    ("turn", {"by": "location"}, "by"),
    ("inventory", {"first": "2026-01-01", "to": "2026-03-31"}, "from"),
    ("turn", {"to": "2026-06-16"}, "to"),
])
def test_a_bad_grouping_or_date_is_refused_naming_the_field(ledger: Ledger, name: str, kwargs: dict[str, str],
                                                             field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        run(ledger, name, **kwargs)
    assert refused.value.field == field


# ------------------------------------------------------------------ how the ledger is read


class _Recording:
    """A connection that keeps the plan of every statement run through it."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.plans: list[list[str]] = []

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.plans.append([str(r[3]) for r in self._conn.execute("EXPLAIN QUERY PLAN " + sql, params)])
        return self._conn.execute(sql, params)


def test_a_past_date_reads_the_ledger_by_date_from_its_covering_index_and_each_item_once(ledger: Ledger) -> None:
    from pos_app.persistence.report_queries import SqliteReportsReader

    conn = ledger.facet.connection()
    try:
        recording = _Recording(conn)
        reader = SqliteReportsReader(recording)
        reader.stock_cost_at([dt.date(2025, 5, 31), dt.date(2026, 5, 31)], "America/Chicago", "style")
        reader.stock_valuation(dt.date(2026, 3, 31), "America/Chicago", "metal")
        reader.stock_valuation(dt.date(2024, 9, 30), "America/Chicago", "metal")  # nearer the first movement
    finally:
        conn.close()
    ledger_reads = [plan for plan in recording.plans if any(step.startswith("SEARCH m ") for step in plan)]
    assert len(ledger_reads) == 3
    for plan, side in zip(ledger_reads, [">", ">", "<"]):
        assert f"SEARCH m USING COVERING INDEX ix_stock_movements_at (created_at{side}?)" in plan
        assert "SCAN i" in plan and not any("SEARCH i " in step for step in plan)  # no movement looks up its item
