"""The sales tax and end-of-day reports on a real encrypted store, against figures worked out by hand.

The dataset is made once for the module through the real services (a copy of the demo store, whose own
sales end before these dates; New York, so EST is UTC-5), two pieces at fixed prices:
A at $1,000.00 and B at $400.00, the store at 8.875% until Jan 20, then 8%.

2027-01-15, counter C1 (clerk; float $200):
  S1 10:00  A, cash          net 100,000  tax 8,875  (100,000 x 8.875%)
  S2 11:00  B -10%, card     net  36,000  tax 3,195  (36,000 x 8.875% = 3,195.0)
  S3 12:00  A, tax exempt    net 100,000  tax     0  (Resale, ST-120-4471), cash
  S4 13:00  B, cash 43,550, voided 13:05 (manager approves)
  14:00 no sale, 15:00 paid out $20.00, 15:30 paid in $50.00 (manager approves each)
  S5 23:30  B, cash          net  40,000  tax 3,550   (04:30 UTC on Jan 16: still Jan 15 in the store)
  closed 23:45: expected 20,000 + 295,975 - 43,550 + 5,000 - 2,000 = 275,425; counted 274,925: short 500
2027-01-15, counter C2 (manager; float $100):
  S6 16:00  2 x A, cash      net 200,000  tax 17,750; closed 18:00, counted 227,850 of 227,750: over 100
2027-01-20, C1 (rate 8% from 09:00; float $100): shift opened 22:00, S9 23:50 B, cash 43,200, voided at
  00:10 on Jan 21 in the same shift (manager approves), closed 00:30 on Jan 21 with the float
2027-01-31, C1: S7 11:00 A, cash  net 100,000  tax 8,000
2027-02-02, C1 (float $2,000):
  R1 10:00  S2's B back, cash refund 39,195: taxable -36,000 at 8.875%, tax refunded 3,195 (in February)
  R2 11:00  S3's A back (exempt), cash refund 100,000: exempt -100,000 in February
  S8 12:00  B at 8%, cash    net  40,000  tax 3,200
2027-02-03 (today, when the reports are run), C1: a shift open since 09:00 (float $150), $10.00 paid in at 09:30
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine

from pos_app import app
from pos_app.adapters.card_terminal import StripeTerminal
from pos_app.domain.cart import Cart, Discount
from pos_app.domain.errors import ValidationError
from pos_app.domain.figures import Period
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, PermissionDenied, Role
from pos_app.services import cash, checkout, inventory, returns, store_profile
from pos_app.services.ports.reports import Report, ReportRequest, Table
from pos_app.services.reports import catalog
from tests.conftest import actor_for, clone_store
from tests.stripe_server import FakeStripe

NY = "America/New_York"
NOW = dt.datetime(2027, 2, 3, 17, 0, tzinfo=dt.UTC)  # when the reports are run
JAN_15, JAN_20, JAN_21 = dt.date(2027, 1, 15), dt.date(2027, 1, 20), dt.date(2027, 1, 21)
JAN_31, FEB_2, FEB_3 = dt.date(2027, 1, 31), dt.date(2027, 2, 2), dt.date(2027, 2, 3)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A store time (New York) as the UTC moment the clock is set to."""
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(NY)).astimezone(dt.UTC)


@dataclasses.dataclass
class Day:
    facet: app.Facet
    clerk: Actor
    manager: Actor
    owner: Actor
    numbers: dict[str, str]
    z: dict[str, cash.ShiftReport]


class Counter:
    """One counter's person and settings, selling through the real checkout services."""

    def __init__(self, facet: app.Facet, actor: Actor) -> None:
        self.facet, self.actor = facet, actor

    def settings(self) -> checkout.CounterSettings:
        return checkout.counter_settings(self.facet.store.directory, self.actor.terminal)

    def sell(self, item: Any, *, quantity: int = 1, discount: Decimal | None = None,
             exempt: tuple[str, str] | None = None, card: StripeTerminal | None = None) -> checkout.CompletedSale:
        f, who = self.facet, self.actor
        cart = checkout.add_item(Cart(), item, actor=who, quantity=quantity)
        if discount is not None:
            cart = checkout.discount_line(cart, 0, Discount.of_percent(discount), settings=self.settings(),
                                          actor=who, uow=f.uow())
        if exempt is not None:
            cart = checkout.exempt_from_tax(cart, *exempt)
        co = checkout.start_checkout(cart, settings=self.settings(), uow=f.uow(), actor=who)
        if card is not None:
            co = checkout.start_card(co, co.due, uow=f.uow(), actor=who, terminal=card)
            card.simulate_tap("4242424242424242")
            co, outcome = checkout.check_card(co, uow=f.uow(), actor=who, terminal=card)
            assert outcome.state == "succeeded"
        else:
            co = checkout.pay_cash(co, co.due, uow=f.uow(), actor=who, sales=f.store.sales)
        return checkout.complete_sale(co, uow=f.uow(), actor=who, sales=f.store.sales)

    def take_back(self, sale_id: str, approver: Actor) -> checkout.CompletedSale:
        f, who = self.facet, self.actor
        sale = f.store.sales.sale(sale_id)
        assert sale is not None
        cart = returns.add_return(Cart(), sale, sale.lines[0].id, sale.lines[0].quantity, actor=who)
        co = checkout.start_checkout(cart, settings=self.settings(), uow=f.uow(), actor=who)
        co = checkout.refund_cash(co, -co.due, uow=f.uow(), actor=who, approver=approver)
        return checkout.complete_sale(co, uow=f.uow(), actor=who, sales=f.store.sales)

    def close(self, counted: dict[int, int]) -> cash.ShiftReport:
        return cash.close_shift(counted, uow=self.facet.uow(), sales=self.facet.store.sales, actor=self.actor)


def _piece(facet: app.Facet, owner: Actor, sku: str, price: str) -> Any:
    record = inventory.receive_new_item(
        {"sku": sku, "style": "tennis", "title": f"Tennis Necklace {sku}", "metal": "14k white", "price": price,
         "cost": "100.00", "tracking": "counted", "quantity": "10", "reorder_point": "1", "location": "Case 3"},
        uow=facet.uow(), actor=owner)
    (row,) = facet.store.inventory.rows_by_ids([record.id])
    return row


def _make_the_days(facet: app.Facet, stripe: FakeStripe) -> Day:
    owner, clerk, manager = (actor_for(facet, r) for r in (Role.OWNER, Role.CLERK, Role.MANAGER))
    manager_c2 = dataclasses.replace(manager, terminal="C2")
    card = StripeTerminal(stripe.secret_key, stripe.reader_id, api_base=stripe.url)
    c1, c2 = Counter(facet, clerk), Counter(facet, manager_c2)
    numbers: dict[str, str] = {}
    z: dict[str, cash.ShiftReport] = {}
    ids: dict[str, str] = {}

    def clock(moment: dt.datetime) -> Any:
        return time_machine.travel(moment, tick=False)

    with clock(at(dt.date(2027, 1, 4), 9)):
        a = _piece(facet, owner, "DAY-A", "1,000.00")
        b = _piece(facet, owner, "DAY-B", "400.00")

    def sold(name: str, done: checkout.CompletedSale) -> None:
        numbers[name], ids[name] = done.number, done.sale_id

    with clock(at(JAN_15, 9)):
        cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    with clock(at(JAN_15, 10)):
        sold("S1", c1.sell(a))
        cash.open_shift(Money(10000), uow=facet.uow(), actor=manager_c2)
    with clock(at(JAN_15, 11)):
        sold("S2", c1.sell(b, discount=Decimal(10), card=card))
    with clock(at(JAN_15, 12)):
        sold("S3", c1.sell(a, exempt=("Resale", "ST-120-4471")))
    with clock(at(JAN_15, 13)):
        sold("S4", c1.sell(b))
    with clock(at(JAN_15, 13, 5)):
        returns.void_sale(ids["S4"], "Rang the wrong piece", uow=facet.uow(), actor=clerk, sales=facet.store.sales,
                          timezone=NY, terminal=None, approver=manager)
    with clock(at(JAN_15, 14)):
        cash.no_sale("Change for a customer", uow=facet.uow(), actor=clerk, approver=manager)
    with clock(at(JAN_15, 15)):
        cash.move_cash("paid_out", Money(2000), "Courier", uow=facet.uow(), actor=clerk, approver=manager)
    with clock(at(JAN_15, 15, 30)):
        cash.move_cash("paid_in", Money(5000), "Change from the bank", uow=facet.uow(), actor=clerk,
                       approver=manager)
    with clock(at(JAN_15, 16)):
        sold("S6", c2.sell(a, quantity=2))
    with clock(at(JAN_15, 18)):
        z["C2"] = c2.close({10000: 22, 100: 78, 50: 1})  # 227,850: $1.00 over
    with clock(at(JAN_15, 23, 30)):
        sold("S5", c1.sell(b))
    with clock(at(JAN_15, 23, 45)):
        z["C1 Jan 15"] = c1.close({10000: 27, 100: 49, 25: 1})  # 274,925: $5.00 short

    with clock(at(dt.date(2027, 1, 20), 9)):
        store_profile.change_store_profile({"tax_rate": "8"}, uow=facet.uow(), actor=owner)
    with clock(at(JAN_20, 22)):
        cash.open_shift(Money(10000), uow=facet.uow(), actor=clerk)
    with clock(at(JAN_20, 23, 50)):
        sold("S9", c1.sell(b))
    with clock(at(JAN_21, 0, 10)):
        returns.void_sale(ids["S9"], "Customer changed their mind", uow=facet.uow(), actor=clerk,
                          sales=facet.store.sales, timezone=NY, terminal=None, approver=manager)
    with clock(at(JAN_21, 0, 30)):
        z["C1 Jan 20"] = c1.close({10000: 1})  # the float: the sale's cash went back with the void
    with clock(at(JAN_31, 10)):
        cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    with clock(at(JAN_31, 11)):
        sold("S7", c1.sell(a))
    with clock(at(JAN_31, 18)):
        z["C1 Jan 31"] = c1.close({10000: 12, 1000: 8})  # 128,000 exactly

    with clock(at(FEB_2, 9)):
        cash.open_shift(Money(200000), uow=facet.uow(), actor=clerk)
    with clock(at(FEB_2, 10)):
        sold("R1", c1.take_back(ids["S2"], manager))
    with clock(at(FEB_2, 11)):
        sold("R2", c1.take_back(ids["S3"], manager))
    with clock(at(FEB_2, 12)):
        sold("S8", c1.sell(b))
    with clock(at(FEB_2, 17)):
        z["C1 Feb 2"] = c1.close({10000: 10, 1000: 4, 5: 1})  # 104,005 exactly
    with clock(at(FEB_3, 9)):
        cash.open_shift(Money(15000), uow=facet.uow(), actor=clerk)
    with clock(at(FEB_3, 9, 30)):
        cash.move_cash("paid_in", Money(1000), "Coins for change", uow=facet.uow(), actor=clerk, approver=manager)
    return Day(facet, clerk, manager, owner, numbers, z)


@pytest.fixture(scope="module")
def day(demo_template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory,
        stripe_server_session: FakeStripe) -> Iterator[Day]:
    stripe_server_session.reset()
    folder = clone_store(demo_template, tmp_path_factory.mktemp("day-reports") / "store")
    facet = app.open_facet(folder)
    try:
        yield _make_the_days(facet, stripe_server_session)
    finally:
        facet.close()


def run(day: Day, name: str, first: dt.date | None = None, last: dt.date | None = None, by: str | None = None,
        actor: Actor | None = None) -> Report:
    return catalog.run(ReportRequest(name, first, last, by), store=day.facet.store, actor=actor or day.manager,
                       uow=day.facet.uow(), now=NOW)


def rows(table: Table) -> list[dict[str, Any]]:
    keys = [c.key for c in table.columns]
    return [dict(zip(keys, row, strict=True)) for row in table.rows]


def total(table: Table) -> dict[str, Any]:
    assert table.total is not None
    return dict(zip([c.key for c in table.columns], table.total, strict=True))


# ---------------------------------------------------------------- sales tax


def test_sales_tax_by_month_puts_each_rate_and_the_exempt_sales_on_their_own_rows(day: Day) -> None:
    report = run(day, "sales-tax", dt.date(2027, 1, 1), dt.date(2027, 2, 3))
    assert report.title == "Sales tax by month" and ("By", "month") in report.filters
    by_rate, _ = report.tables
    got = [(r["period"], r["rate"], r["taxable_sales"], r["exempt_sales"], r["tax_charged"], r["tax_refunded"],
            r["net_tax"]) for r in rows(by_rate)]
    assert got == [
        ("2027-01-01", "8%", 100_000, 0, 8_000, 0, 8_000),  # S7 on Jan 31, after the rate changed
        # S1 + S2 + S5 + S6 (S4 was voided): 100,000 + 36,000 + 40,000 + 200,000
        ("2027-01-01", "8.875%", 376_000, 0, 33_370, 0, 33_370),
        ("2027-01-01", "Exempt", 0, 100_000, 0, 0, 0),  # S3
        ("2027-02-01", "8%", 40_000, 0, 3_200, 0, 3_200),  # S8
        # R1 gives back S2's tax at S2's rate, in February when it was refunded
        ("2027-02-01", "8.875%", -36_000, 0, 0, 3_195, -3_195),
        ("2027-02-01", "Exempt", 0, -100_000, 0, 0, 0),  # R2 returns the exempt sale
    ]
    assert total(by_rate) == {"period": "Total", "rate": "", "taxable_sales": 480_000, "exempt_sales": 0,
                              "tax_charged": 44_570, "tax_refunded": 3_195, "net_tax": 41_375}


def test_the_tax_reports_total_is_the_one_definition_of_tax_and_taxable_plus_exempt_is_net_sales(day: Day) -> None:
    period = Period(dt.date(2027, 1, 1), dt.date(2027, 2, 3))
    (whole,) = day.facet.store.reports.sales_totals(period, NY)
    by_rate = run(day, "sales-tax", period.first, period.last).tables[0]
    assert total(by_rate)["net_tax"] == whole.totals.tax == 41_375
    assert total(by_rate)["taxable_sales"] + total(by_rate)["exempt_sales"] == whole.totals.net_sales
    for first, last in ((dt.date(2027, 1, 1), dt.date(2027, 1, 31)), (dt.date(2027, 2, 1), dt.date(2027, 2, 3))):
        (month,) = day.facet.store.reports.sales_totals(Period(first, last), NY)
        assert total(run(day, "sales-tax", first, last).tables[0])["net_tax"] == month.totals.tax


def test_a_sale_at_half_past_eleven_at_night_is_taxed_on_that_store_day(day: Day) -> None:
    by_rate = run(day, "sales-tax", JAN_15, dt.date(2027, 1, 16), by="day").tables[0]
    got = [(r["period"], r["rate"], r["taxable_sales"], r["net_tax"]) for r in rows(by_rate)]
    # S5 was rung up at 04:30 UTC on Jan 16: it is in Jan 15's 376,000, and Jan 16 has nothing.
    assert got == [("2027-01-15", "8.875%", 376_000, 33_370), ("2027-01-15", "Exempt", 0, 0)]
    assert [c.kind.value for c in by_rate.columns][:1] == ["date"]


def test_the_exempt_sales_are_listed_with_their_exemption_numbers_and_the_return_of_one(day: Day) -> None:
    _, exempt = run(day, "sales-tax", dt.date(2027, 1, 1), dt.date(2027, 2, 3)).tables
    assert [(r["time"], r["number"], r["kind"], r["reason"], r["exemption_number"], r["net"]) for r in rows(exempt)] \
        == [("2027-01-15 12:00", day.numbers["S3"], "Sale", "Resale", "ST-120-4471", 100_000),
            ("2027-02-02 11:00", day.numbers["R2"], "Return", "Resale", "ST-120-4471", -100_000)]
    assert total(exempt)["net"] == 0
    january = run(day, "sales-tax", dt.date(2027, 1, 1), dt.date(2027, 1, 31)).tables[1]
    assert [r["number"] for r in rows(january)] == [day.numbers["S3"]] and total(january)["net"] == 100_000


def test_sales_tax_defaults_to_the_month_to_date_and_refuses_a_grouping_it_does_not_offer(day: Day) -> None:
    report = run(day, "sales-tax")
    assert ("From", "2027-02-01") in report.filters and ("To", "2027-02-03") in report.filters
    assert total(report.tables[0])["net_tax"] == 3_200 - 3_195
    with pytest.raises(ValidationError) as refused:
        run(day, "sales-tax", by="style")
    assert refused.value.field == "by" and "month, day" in str(refused.value)


def test_a_clerk_may_not_see_the_sales_tax_or_the_end_of_day(day: Day) -> None:
    for name in ("sales-tax", "end-of-day"):
        with pytest.raises(PermissionDenied):
            run(day, name, JAN_15, JAN_15, actor=day.clerk)


# ---------------------------------------------------------------- end of day


def test_end_of_day_shows_every_counters_shift_as_its_z_report_counted_it(day: Day) -> None:
    report = run(day, "end-of-day", JAN_15, JAN_15, actor=day.owner)
    assert report.title == "End of day"
    shifts, _, _, _ = report.tables
    got = rows(shifts)
    assert [(r["counter"], r["opened_by"], r["opened_at"], r["closed_by"], r["closed_at"]) for r in got] == [
        ("C1", day.clerk.name, "2027-01-15 09:00", day.clerk.name, "2027-01-15 23:45"),
        ("C2", day.manager.name, "2027-01-15 10:00", day.manager.name, "2027-01-15 18:00")]
    c1, c2 = got
    assert (c1["sales"], c1["returns"], c1["net_sales"], c1["tax"]) == (276_000, 0, 276_000, 15_620)
    # cash: S1 108,875 + S3 100,000 + S4 43,550 (voided: its refund is the 43,550 refunded) + S5 43,550
    assert (c1["cash_taken"], c1["card_taken"], c1["refunds"], c1["paid_in"], c1["paid_out"]) == (
        295_975, 39_195, 43_550, 5_000, 2_000)
    assert (c1["expected"], c1["counted"], c1["over_short"]) == (275_425, 274_925, -500)
    assert (c2["net_sales"], c2["tax"], c2["cash_taken"], c2["expected"], c2["counted"], c2["over_short"]) == (
        200_000, 17_750, 217_750, 227_750, 227_850, 100)
    for row, z in ((c1, day.z["C1 Jan 15"]), (c2, day.z["C2"])):
        variance = z.variance
        assert variance is not None
        assert (row["net_sales"], row["tax"], row["expected"], row["counted"], row["over_short"]) == (
            z.figures.net_sales, z.figures.tax, z.expected.cents, z.shift.counted_cents, variance.cents)
    assert total(shifts)["over_short"] == -400 and total(shifts)["net_sales"] == 476_000


def test_the_sales_report_for_a_day_is_the_sum_of_that_days_z_reports(day: Day) -> None:
    (jan_15,) = run(day, "sales", JAN_15, JAN_15, by="day").tables[0].rows
    sales = dict(zip([c.key for c in run(day, "sales", JAN_15, JAN_15, by="day").tables[0].columns], jan_15,
                     strict=True))
    zs = (day.z["C1 Jan 15"], day.z["C2"])
    assert sales["net_sales"] == sum(z.figures.net_sales for z in zs) == 476_000
    assert sales["tax"] == sum(z.figures.tax for z in zs) == 33_370
    for when, key in ((JAN_31, "C1 Jan 31"), (FEB_2, "C1 Feb 2")):
        (one,) = day.facet.store.reports.sales_totals(Period(when, when), NY)
        assert (one.totals.net_sales, one.totals.tax) == (day.z[key].figures.net_sales, day.z[key].figures.tax)


def test_end_of_day_tenders_match_the_drawers_and_list_the_void_and_the_drawer_openings_with_approvers(
        day: Day) -> None:
    _, tenders, voids, drawer = run(day, "end-of-day", JAN_15, JAN_15).tables
    assert [(r["tender"], r["receipts"], r["taken"], r["refunded"], r["net"]) for r in rows(tenders)] == [
        ("Card", 1, 39_195, 0, 39_195),
        # S1, S3, S4, S5 on C1 and S6 on C2; the void gave S4's 43,550 back
        ("Cash", 5, 513_725, 43_550, 470_175)]
    assert total(tenders)["net"] == 509_370
    assert [(r["number"], r["counter"], r["time"], r["voided_by"], r["approved_by"], r["reason"], r["amount"])
            for r in rows(voids)] == [
        (day.numbers["S4"], "C1", "2027-01-15 13:05", day.clerk.name, day.manager.name, "Rang the wrong piece",
         43_550)]
    assert [(r["time"], r["counter"], r["kind"], r["staff"], r["approved_by"], r["reason"], r["amount"])
            for r in rows(drawer)] == [
        ("2027-01-15 14:00", "C1", "No sale", day.clerk.name, day.manager.name, "Change for a customer", 0),
        ("2027-01-15 15:00", "C1", "Paid out", day.clerk.name, day.manager.name, "Courier", 2_000),
        ("2027-01-15 15:30", "C1", "Paid in", day.clerk.name, day.manager.name, "Change from the bank", 5_000)]


def test_end_of_day_over_a_range_of_days_lists_each_shift_and_defaults_to_today(day: Day) -> None:
    shifts = run(day, "end-of-day", JAN_15, FEB_2).tables[0]
    assert [(r["counter"], r["opened_at"][:10], r["over_short"]) for r in rows(shifts)] == [
        ("C1", "2027-01-15", -500), ("C2", "2027-01-15", 100), ("C1", "2027-01-20", 0), ("C1", "2027-01-31", 0),
        ("C1", "2027-02-02", 0)]
    feb_2 = rows(run(day, "end-of-day", FEB_2, FEB_2).tables[0])
    # R1 39,195 + R2 100,000 refunded in cash; returns without tax 36,000 + 100,000
    assert [(r["sales"], r["returns"], r["net_sales"], r["tax"], r["refunds"], r["expected"]) for r in feb_2] == [
        (40_000, 136_000, -96_000, 3_200 - 3_195, 139_195, 104_005)]
    today = run(day, "end-of-day")
    assert ("From", "2027-02-03") in today.filters and ("To", "2027-02-03") in today.filters
    (still_open,) = rows(today.tables[0])  # its drawer so far, as an X report reads it; nothing counted yet
    assert (still_open["opened_at"], still_open["closed_by"], still_open["closed_at"], still_open["paid_in"],
            still_open["expected"], still_open["counted"], still_open["over_short"]) == (
        "2027-02-03 09:00", "", "open", 1_000, 16_000, None, None)
    assert total(today.tables[0])["over_short"] is None
    x = cash.x_report(sales=day.facet.store.sales, actor=day.clerk, uow=day.facet.uow())
    assert (still_open["net_sales"], still_open["expected"]) == (x.figures.net_sales, x.expected.cents)
    (paid_in,) = rows(today.tables[3])
    assert (paid_in["kind"], paid_in["approved_by"], paid_in["amount"]) == ("Paid in", day.manager.name, 1_000)
    nothing = run(day, "end-of-day", dt.date(2027, 1, 10), dt.date(2027, 1, 10)).tables
    assert [t.rows for t in nothing] == [(), (), (), ()] and "No shift" in nothing[0].note


def test_end_of_day_refuses_a_grouping_and_a_day_not_yet_come_naming_the_field(day: Day) -> None:
    with pytest.raises(ValidationError) as refused:
        run(day, "end-of-day", by="day")
    assert refused.value.field == "by" and "no grouping" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        run(day, "end-of-day", dt.date(2027, 2, 4), dt.date(2027, 2, 4))
    assert refused.value.field == "to"
    with pytest.raises(ValidationError) as refused:
        run(day, "end-of-day", dt.date(2026, 11, 2), dt.date(2027, 2, 2))  # 93 days
    assert refused.value.field == "from" and "at most 92 days" in str(refused.value)
    assert len(rows(run(day, "end-of-day", dt.date(2026, 11, 3), dt.date(2027, 2, 2)).tables[0])) == 5


def test_a_shift_across_midnight_is_in_both_days_and_its_void_is_on_the_day_it_was_voided(day: Day) -> None:
    for when in (JAN_20, JAN_21):
        (shift,) = rows(run(day, "end-of-day", when, when).tables[0])
        assert (shift["opened_at"], shift["closed_at"], shift["sales"], shift["cash_taken"], shift["refunds"],
                shift["expected"], shift["over_short"]) == (
            "2027-01-20 22:00", "2027-01-21 00:30", 0, 43_200, 43_200, 10_000, 0)
    assert run(day, "end-of-day", JAN_20, JAN_20).tables[2].rows == ()
    (void,) = rows(run(day, "end-of-day", JAN_21, JAN_21).tables[2])
    assert (void["number"], void["time"], void["voided_by"], void["approved_by"], void["reason"], void["amount"]) == (
        day.numbers["S9"], "2027-01-21 00:10", day.clerk.name, day.manager.name, "Customer changed their mind",
        43_200)
