"""The cash drawer (services/cash.py) on the fakes: the X and Z figures, over/short, and the paid-in/out limits.

Opening a shift, one shift per counter, the float's limit and a clerk's paid-out needing a manager are in
test_drawer_and_settings_rules.py.
"""

from __future__ import annotations

import pytest

from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pos_app.domain.jewelry import Tracking
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.services import cash
from pos_app.services.ports.sales import NewPayment
from tests.fakes.builders import actor, add_item, add_sale, staff_id
from tests.fakes.sales import FakeSalesReader, line_id
from tests.fakes.uow import FakeUnitOfWork

CLERK, MANAGER, APPRAISER = actor(Role.CLERK), actor(Role.MANAGER), actor(Role.APPRAISER)


def busy_shift(uow: FakeUnitOfWork) -> str:
    """A $200 float; a cash sale of $1,062.50 (tax $62.50); a card sale of $531.25 less a $50 discount;
    a return of one of two $100 beads for cash; a $50 paid-in, a $15 paid-out and a voided cash sale."""
    shift = cash.open_shift(Money(20_000), uow=uow, actor=CLERK)
    ring, pendant = add_item(uow, sku="RING"), add_item(uow, sku="PENDANT")
    beads = add_item(uow, sku="BEAD", tracking=Tracking.COUNTED, quantity=10, price_cents=10_000)
    add_sale(uow, [(ring, 1, 100_000, 0, 6_250)], shift_id=shift)
    add_sale(uow, [(pendant, 1, 55_000, 5_000, 3_125)], shift_id=shift,
             payments=[{"tender": "card", "payment_intent_id": "pi_p"}])
    bead_sale = add_sale(uow, [(beads, 2, 10_000, 0, 1_250)], shift_id=shift)
    add_sale(uow, [(beads, -1, 10_000, 0, -625)], shift_id=shift, returns=[line_id(bead_sale, 1)])
    voided = add_sale(uow, [(beads, 1, 10_000, 0, 0)], shift_id=shift)
    uow.counter.void_sale(voided, by=staff_id(Role.MANAGER), reason="twice", at=uow.state.sales[voided]["completed_at"])
    uow.counter.add_refund_payment(voided, NewPayment("cash", -10_000))
    cash.move_cash("paid_in", Money(5_000), "change from the bank", uow=uow, actor=MANAGER)
    cash.move_cash("paid_out", Money(1_500), "courier", uow=uow, actor=MANAGER)
    return shift


def test_the_x_report_adds_cash_sales_and_paid_in_to_the_float_and_takes_out_refunds_and_paid_out(
        uow: FakeUnitOfWork) -> None:
    busy_shift(uow)
    report = cash.x_report(sales=FakeSalesReader(uow.state), actor=CLERK, uow=uow)
    f = report.figures
    # cash in: 106,250 + 21,250 + 10,000 (the voided sale's, refunded below); out: 10,625 + 10,000.
    assert (f.cash_in, f.cash_out, f.paid_in, f.paid_out) == (137_500, 20_625, 5_000, 1_500)
    assert report.expected == Money(20_000 + 137_500 - 20_625 + 5_000 - 1_500)
    assert report.counted is None and report.variance is None


def test_a_return_is_its_own_line_on_the_report_never_netted_into_the_sales_count(uow: FakeUnitOfWork) -> None:
    busy_shift(uow)
    f = cash.x_report(sales=FakeSalesReader(uow.state), actor=CLERK, uow=uow).figures
    assert (f.sales, f.voided, f.returns, f.returned_pieces) == (3, 1, 1, 1)
    assert (f.sold_before_discounts, f.discounts, f.returned, f.returned_tax) == (175_000, 5_000, 10_000, 625)
    assert f.net_sales == 175_000 - 5_000 - 10_000
    assert (f.card_in, f.card_out) == (53_125, 0)


def test_the_x_report_changes_nothing(uow: FakeUnitOfWork) -> None:
    busy_shift(uow)
    before = uow.state.snapshot()
    cash.x_report(sales=FakeSalesReader(uow.state), actor=CLERK, uow=uow)
    assert uow.state == before


def test_there_is_no_x_report_without_an_open_shift(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound, match="No shift is open on C1"):
        cash.x_report(sales=FakeSalesReader(uow.state), actor=CLERK, uow=uow)


def test_closing_keeps_counted_expected_and_the_short_with_the_z_report(uow: FakeUnitOfWork) -> None:
    shift = cash.open_shift(Money(20_000), uow=uow, actor=CLERK)
    add_sale(uow, [(add_item(uow, sku="RING"), 1, 10_000, 0, 0)], shift_id=shift)
    report = cash.close_shift({10_000: 2, 2_000: 4, 25: 2}, uow=uow, sales=FakeSalesReader(uow.state), actor=CLERK)
    assert (report.expected, report.counted, report.variance) == (Money(30_000), Money(28_050), Money(-1_950))
    kept = uow.state.shifts[shift]
    assert (kept["status"], kept["counted_cents"], kept["expected_cents"], kept["counted"]) == (
        "closed", 28_050, 30_000, {"10000": 2, "2000": 4, "25": 2})
    assert ["Over (+) / short (-)", "-$19.50"] in kept["z_report"]
    assert report.shift.status == "closed" and report.shift.variance_cents == -1_950
    assert uow.of("shift.closed")[0].summary == {"expected_cents": 30_000, "counted_cents": 28_050,
                                                 "variance_cents": -1_950}


def test_a_drawer_with_more_than_expected_is_over(uow: FakeUnitOfWork) -> None:
    cash.open_shift(Money(10_000), uow=uow, actor=CLERK)
    report = cash.close_shift({10_000: 1, 100: 3}, uow=uow, sales=FakeSalesReader(uow.state), actor=CLERK)
    assert report.variance == Money(300)
    assert ("Over (+) / short (-)", "$3.00") in report.rows()


def test_a_count_with_a_coin_the_currency_has_not_closes_nothing(uow: FakeUnitOfWork) -> None:
    shift = cash.open_shift(Money(10_000), uow=uow, actor=CLERK)
    with pytest.raises(ValidationError, match="not a bill or coin"):
        cash.close_shift({300: 1}, uow=uow, sales=FakeSalesReader(uow.state), actor=CLERK)
    assert uow.state.shifts[shift]["status"] == "open" and uow.of("shift.closed") == []


def test_a_count_of_more_than_ten_thousand_pieces_of_one_kind_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        cash.count_total({100: 10_001}, "USD")
    assert refused.value.field == "count of 1.00"


def test_closing_without_an_open_shift_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        cash.close_shift({}, uow=uow, sales=FakeSalesReader(uow.state), actor=CLERK)


def test_a_shift_closed_meanwhile_is_not_closed_twice(uow: FakeUnitOfWork) -> None:
    cash.open_shift(Money(0), uow=uow, actor=CLERK)
    reader = FakeSalesReader(uow.state)
    stale = reader.open_shift("C1")

    class Stale(FakeSalesReader):
        def open_shift(self, terminal: str):  # type: ignore[no-untyped-def]
            return stale  # what the counting screen read before another counter closed it

    cash.close_shift({}, uow=uow, sales=reader, actor=CLERK)
    cash.open_shift(Money(0), uow=uow, actor=CLERK)
    with pytest.raises(Conflict, match="count again"):
        cash.close_shift({}, uow=uow, sales=Stale(uow.state), actor=CLERK)


@pytest.mark.parametrize("cents", [0, -100, 1_000_001])
def test_paid_in_and_out_are_more_than_nothing_and_at_most_ten_thousand(uow: FakeUnitOfWork, cents: int) -> None:
    cash.open_shift(Money(0), uow=uow, actor=CLERK)
    with pytest.raises(ValidationError) as refused:
        cash.move_cash("paid_in", Money(cents), "bank", uow=uow, actor=MANAGER)
    assert refused.value.field == "amount" and uow.state.cash_movements == []


def test_only_paid_in_and_paid_out_move_cash(uow: FakeUnitOfWork) -> None:
    cash.open_shift(Money(0), uow=uow, actor=CLERK)
    with pytest.raises(ValidationError) as refused:
        cash.move_cash("tip", Money(500), "tip jar", uow=uow, actor=MANAGER)
    assert refused.value.field == "kind"


def test_a_managers_own_paid_in_needs_no_approver(uow: FakeUnitOfWork) -> None:
    shift = cash.open_shift(Money(0), uow=uow, actor=CLERK)
    cash.move_cash("paid_in", Money(5_000), "  change from the bank  ", uow=uow, actor=MANAGER)
    [moved] = uow.state.cash_movements
    assert (moved["shift_id"], moved["reason"], moved["approved_by"]) == (shift, "change from the bank", None)
    assert uow.of("shift.paid_in")[0].summary == {"amount_cents": 5_000}


def test_an_appraiser_does_not_run_the_drawer(uow: FakeUnitOfWork) -> None:
    with pytest.raises(PermissionDenied):
        cash.open_shift(Money(0), uow=uow, actor=APPRAISER)
