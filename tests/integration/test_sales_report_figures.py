"""The sales and margin figures on a small store whose every number is worked out by hand.

Test Jewelers (America/Chicago, tax 6.25%) sells, in November 2026:
- S1, 10 Nov 14:00: 2 x TEN-A (tennis, 14k white) at $2,000.00, 10% off the line: net $3,600.00, tax $225.00,
  cost 2 x $800.00; clerk Nora.
- S2, 30 Nov 23:30 local (1 Dec 05:30 UTC): HAL-B (halo, 18k white) at $5,000.00: tax $312.50, cost $2,500.00;
  owner Olive.
- S3, 15 Nov 10:00: SOL-C (solitaire, platinum) at $1,200.00, tax-exempt (EX-123), its cost never recorded.
and on 2 Dec 11:00 one TEN-A of S1 comes back: $1,800.00 and $112.50 tax refunded, cost $800.00 back.

November: sold before discounts $10,200.00, discounts $400.00, net sales $9,800.00, tax $537.50, cost of goods
sold $4,100.00 (one line without a cost), gross profit $5,700.00, margin 58.16%, 3 sales, average ticket
$3,266.67, 4 pieces. December to the 7th: returns $1,800.00, net sales -$1,800.00, tax -$112.50, cost back $800.00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pos_app import app
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.figures import Period
from pos_app.domain.items import item_fields
from pos_app.domain.permissions import Actor, Role
from pos_app.services import inventory, staff
from pos_app.services.ports.reports import ReportRequest
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine
from pos_app.services.reports import catalog
from pos_app.services.setup import parse_store_profile
from tests.conftest import FAST_HASHER, OWNER, STORE_FORM

ZONE = ZoneInfo("America/Chicago")
NOW = dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC)
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=ZONE).astimezone(dt.UTC)


class Shop:
    def __init__(self, facet: app.Facet) -> None:
        self.facet = facet
        people = facet.store.directory.staff_list()
        self.owner = next(Actor(s.id, s.name, s.role, facet.terminal) for s in people if s.role is Role.OWNER)
        uow = facet.uow()
        self.nora_id = staff.add_staff("Nora Vance", Role.CLERK, pin="6543", uow=uow, actor=self.owner,
                                       hasher=FAST_HASHER)
        self.nora = Actor(self.nora_id, "Nora Vance", Role.CLERK, facet.terminal)
        self.manager_id = staff.add_staff("Milo Grant", Role.MANAGER, password="manager-pass-1", uow=facet.uow(),
                                          actor=self.owner, hasher=FAST_HASHER)
        self.manager = Actor(self.manager_id, "Milo Grant", Role.MANAGER, facet.terminal)
        self.items = {}
        for raw in (
            {"sku": "TEN-A", "style": "tennis", "title": "Tennis Necklace 3 ctw", "metal": "14k white",
             "price": "2000.00", "cost": "800.00", "tracking": "counted", "quantity": "10", "location": "Case 1"},
            {"sku": "HAL-B", "style": "halo", "title": "Halo Pendant", "metal": "18k white", "price": "5000.00",
             "cost": "2500.00", "tracking": "unique", "serial": "H-1", "location": "Case 1"},
            {"sku": "SOL-C", "style": "solitaire", "title": "Solitaire Pendant", "metal": "platinum",
             "price": "1200.00", "tracking": "unique", "serial": "S-1", "location": "Case 2"},
        ):
            record = inventory.receive_new_item(raw, uow=facet.uow(), actor=self.owner)
            self.items[raw["sku"]] = record.id
        self.number = 0

    def write(self, who: Actor, at: dt.datetime, lines: tuple[NewSaleLine, ...], *, kind: str = "sale",
              original: str | None = None, exempt: str | None = None) -> str:
        self.number += 1
        total = sum(line.total_cents for line in lines)
        with self.facet.uow() as uow:
            sale_id = uow.counter.write_sale(NewSale(
                number=f"C1-{self.number:06d}", terminal="C1", staff_id=who.staff_id or "", customer_id=None,
                currency="USD", completed_at=at, lines=lines, payments=(NewPayment("cash", total),),
                tax_rate="0" if exempt else "6.25", kind=kind, original_sale_id=original,
                tax_exempt_reason="Resale" if exempt else None, tax_exempt_number=exempt,
            ), actor=who, action="sale.completed", at=at)
            uow.commit()
        return sale_id

    def line_id(self, sale_id: str, sku: str) -> str:
        conn = self.facet.connection()
        try:
            return str(conn.execute("SELECT id FROM sale_lines WHERE sale_id = ? AND sku = ?",
                                    (sale_id, sku)).fetchone()[0])
        finally:
            conn.close()

    def run(self, name: str, first: dt.date | None = None, last: dt.date | None = None, by: str | None = None,
            filters: tuple[tuple[str, str], ...] = (), actor: Actor | None = None):  # type: ignore[no-untyped-def]
        return catalog.run(ReportRequest(name, first, last, by, filters), store=self.facet.store,
                           actor=actor or self.owner, uow=self.facet.uow(), now=NOW)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    facet = app.create_facet(tmp_path_factory.mktemp("figures") / "store", parse_store_profile(STORE_FORM),
                             OWNER, hasher=FAST_HASHER)
    s = Shop(facet)
    a, b, c = s.items["TEN-A"], s.items["HAL-B"], s.items["SOL-C"]
    s1 = s.write(s.nora, local(2026, 11, 10, 14), (
        NewSaleLine(a, "TEN-A", "Tennis Necklace 3 ctw", 2, 200_000, 40_000, 22_500, discount_reason="10% off"),))
    s.write(s.owner, local(2026, 11, 30, 23, 30), (
        NewSaleLine(b, "HAL-B", "Halo Pendant", 1, 500_000, 0, 31_250, unique=True),))
    s.write(s.nora, local(2026, 11, 15, 10), (
        NewSaleLine(c, "SOL-C", "Solitaire Pendant", 1, 120_000, 0, 0, unique=True),), exempt="EX-123")
    s.write(s.manager, local(2026, 12, 2, 11), (
        NewSaleLine(a, "TEN-A", "Tennis Necklace 3 ctw", -1, 200_000, -20_000, -11_250,
                    returns_line_id=s.line_id(s1, "TEN-A")),), kind="return", original=s1)
    yield s
    facet.close()


def totals_row(report) -> dict[str, object]:  # type: ignore[no-untyped-def]
    table = report.tables[0]
    assert table.total is not None
    return dict(zip([c.key for c in table.columns], table.total))


def test_november_by_hand(shop: Shop) -> None:
    row = totals_row(shop.run("sales", *NOVEMBER, by="day"))
    assert row["sold_gross"] == 1_020_000
    assert row["discounts"] == 40_000
    assert row["returned"] == 0
    assert row["net_sales"] == 980_000
    assert row["tax"] == 53_750
    assert row["cogs"] == 410_000
    assert row["gross_profit"] == 570_000
    assert row["sales"] == 3
    assert row["units_sold"] == 4
    assert row["average_ticket"] == 326_667  # $9,800.00 / 3, half up
    assert Decimal(str(row["margin"])).quantize(Decimal("0.01")) == Decimal("58.16")
    note = shop.run("sales", *NOVEMBER).tables[0].note
    assert "1 line had no cost recorded" in note


def test_a_sale_at_half_past_eleven_at_night_is_that_days(shop: Shop) -> None:
    days = {r[0]: r for r in shop.run("sales", *NOVEMBER, by="day").tables[0].rows}
    assert sorted(days) == ["2026-11-10", "2026-11-15", "2026-11-30"]
    columns = [c.key for c in shop.run("sales", *NOVEMBER, by="day").tables[0].columns]
    assert days["2026-11-30"][columns.index("net_sales")] == 500_000
    december = shop.run("sales", dt.date(2026, 12, 1), dt.date(2026, 12, 1), by="day").tables[0]
    assert december.rows == ()


def test_the_return_in_the_next_month_is_that_months_and_gives_its_cost_back(shop: Shop) -> None:
    row = totals_row(shop.run("sales", dt.date(2026, 12, 1), dt.date(2026, 12, 7), by="month"))
    assert (row["returned"], row["net_sales"], row["tax"], row["sales"]) == (180_000, -180_000, -11_250, 0)
    assert (row["cogs"], row["gross_profit"]) == (-80_000, -100_000)
    both = totals_row(shop.run("sales", dt.date(2026, 11, 1), dt.date(2026, 12, 7), by="month"))
    assert both["net_sales"] == 800_000 and both["cogs"] == 330_000


def test_styles_metals_and_clerks_add_up_to_the_total(shop: Shop) -> None:
    for by in ("style", "metal", "band", "clerk", "counter", "week", "month"):
        table = shop.run("sales", dt.date(2026, 11, 1), dt.date(2026, 12, 7), by=by).tables[0]
        keys = [c.key for c in table.columns]
        assert table.total is not None
        for key in ("sold_gross", "discounts", "returned", "net_sales", "tax", "cogs", "gross_profit"):
            assert sum(int(r[keys.index(key)]) for r in table.rows) == table.total[keys.index(key)], (by, key)
    styles = {r[0]: r for r in shop.run("sales", *NOVEMBER, by="style").tables[0].rows}
    keys = [c.key for c in shop.run("sales", *NOVEMBER, by="style").tables[0].columns]
    assert {k: v[keys.index("net_sales")] for k, v in styles.items()} == {
        "Halo": 500_000, "Tennis": 360_000, "Solitaire": 120_000}
    clerks = {r[0]: r[keys.index("net_sales")] for r in shop.run("sales", *NOVEMBER, by="clerk").tables[0].rows}
    assert clerks == {"Nora Vance": 480_000, "Olive Owner": 500_000}


def test_margin_by_item_and_the_receipts_behind_a_style(shop: Shop) -> None:
    margin = shop.run("margin", dt.date(2026, 11, 1), dt.date(2026, 12, 7), by="item").tables[0]
    keys = [c.key for c in margin.columns]
    tennis = next(r for r in margin.rows if str(r[0]).startswith("TEN-A"))
    assert (tennis[keys.index("units_sold")], tennis[keys.index("units_returned")]) == (2, 1)
    assert (tennis[keys.index("net_sales")], tennis[keys.index("cogs")]) == (180_000, 80_000)
    style_table = shop.run("sales", *NOVEMBER, by="style").tables[0]
    drill = style_table.drills[[r[0] for r in style_table.rows].index("Tennis")]
    assert drill is not None and drill.filters == (("style", "tennis"),)
    assert drill.period == Period(*NOVEMBER)
    receipts = shop.run("receipts", drill.period.first, drill.period.last, filters=drill.filters).tables[0]
    assert [(r[0], r[1], r[5]) for r in receipts.rows] == [("C1-000001", "2026-11-10 14:00", 360_000)]
    late = shop.run("receipts", dt.date(2026, 11, 30), dt.date(2026, 11, 30)).tables[0]
    assert [(r[0], r[1]) for r in late.rows] == [("C1-000002", "2026-11-30 23:30")]


def test_payments_by_type_count_what_each_tender_took_and_gave_back(shop: Shop) -> None:
    table = shop.run("sales", dt.date(2026, 11, 1), dt.date(2026, 12, 7), by="payment").tables[0]
    # $3,825.00 + $5,312.50 + $1,200.00 taken; $1,912.50 given back
    assert table.rows == (("Cash", 4, 1_033_750, 191_250, 842_500),)


def test_a_manager_sees_cost_and_a_clerk_sees_no_report(shop: Shop) -> None:
    keys = [c.key for c in shop.run("sales", *NOVEMBER, actor=shop.manager).tables[0].columns]
    assert "cogs" in keys and "margin" in keys
    blind = Actor(shop.manager_id, "Milo Grant", Role.MANAGER, "C1",
                  only=frozenset({catalog.Permission.VIEW_SALES_REPORTS}))
    keys = [c.key for c in shop.run("sales", *NOVEMBER, actor=blind).tables[0].columns]
    assert "net_sales" in keys and not {"cogs", "gross_profit", "margin"} & set(keys)
    with pytest.raises(PermissionDenied):
        shop.run("sales", *NOVEMBER, actor=shop.nora)


@pytest.mark.parametrize(("request_", "field"), [
    (ReportRequest("sales", by="colour"), "by"),
    (ReportRequest("nonsense"), "report"),
    (ReportRequest("sales", dt.date(2026, 11, 5), dt.date(2026, 11, 1)), "to"),
    (ReportRequest("sales", dt.date(2026, 12, 1), dt.date(2026, 12, 9)), "to"),
    (ReportRequest("sales", dt.date(2020, 1, 1), dt.date(2026, 12, 1)), "from"),
    (ReportRequest("sales", filters=(("colour", "red"),)), "filter"),
])
def test_a_bad_request_names_its_field(shop: Shop, request_: ReportRequest, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        catalog.run(request_, store=shop.facet.store, actor=shop.owner, uow=shop.facet.uow(), now=NOW)
    assert raised.value.field == field


def test_the_cost_a_line_sold_at_stays_when_the_items_cost_changes(shop: Shop) -> None:
    item_id = shop.items["TEN-A"]
    with shop.facet.uow() as uow:
        current = uow.items.get(item_id)
    assert current is not None
    inventory.update_item(item_id, {**item_fields(current.spec), "cost": "950.00"}, uow=shop.facet.uow(),
                          actor=shop.owner)
    before = totals_row(shop.run("margin", *NOVEMBER))
    conn = shop.facet.connection()
    try:
        costs = conn.execute("SELECT sku, cost_cents, quantity FROM sale_lines ORDER BY sku, quantity").fetchall()
    finally:
        conn.close()
    assert costs == [("HAL-B", 250_000, 1), ("SOL-C", None, 1), ("TEN-A", 80_000, -1), ("TEN-A", 80_000, 2)]
    assert before["cogs"] == 410_000  # 2 x $800.00 + $2,500.00, as sold; not at the new $950.00
