"""Returns and voids (services/returns.py) on the fakes: what may come back, how much, and who approves."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pos_app.domain.cart import Cart
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.permissions import Role
from pos_app.services import returns
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.devices import DeviceUnavailable
from pos_app.services.ports.sales import SaleDetail
from tests.fakes.builders import actor, add_customer, add_item, add_sale, staff_id
from tests.fakes.devices import FakeCardRefunds
from tests.fakes.sales import FakeSalesReader, line_id
from tests.fakes.uow import FakeUnitOfWork

CLERK, MANAGER, APPRAISER = actor(Role.CLERK), actor(Role.MANAGER), actor(Role.APPRAISER)
ZONE = "America/Chicago"


def sale_of(uow: FakeUnitOfWork, sale_id: str) -> SaleDetail:
    found = FakeSalesReader(uow.state).sale(sale_id)
    assert found is not None
    return found


def ring_and_beads(uow: FakeUnitOfWork, **kwargs: object) -> str:
    """A sale of a ring ($2,500 less $100, tax $150) and 3 beads ($10 each, tax $1.88 for the three)."""
    ring = add_item(uow, sku="RING")
    beads = add_item(uow, sku="BEAD", tracking=Tracking.COUNTED, quantity=10, price_cents=1_000)
    return add_sale(uow, [(ring, 1, 250_000, 10_000, 15_000), (beads, 3, 1_000, 0, 188)], **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------ finding the sale


def test_a_receipt_is_found_by_its_number_as_typed_or_scanned(uow: FakeUnitOfWork) -> None:
    sold = ring_and_beads(uow)
    found = returns.find_sale(" c1-000001 ", sales=FakeSalesReader(uow.state), actor=CLERK, uow=uow)
    assert (found.id, found.number) == (sold, "C1-000001")


def test_a_blank_or_unknown_receipt_number_is_refused_with_what_to_type(uow: FakeUnitOfWork) -> None:
    reader = FakeSalesReader(uow.state)
    with pytest.raises(ValidationError) as blank:
        returns.find_sale("  ", sales=reader, actor=CLERK, uow=uow)
    assert blank.value.field == "receipt"
    with pytest.raises(NotFound, match="C1-000999"):
        returns.find_sale("C1-000999", sales=reader, actor=CLERK, uow=uow)


def test_an_appraiser_cannot_look_up_a_sale_to_return(uow: FakeUnitOfWork) -> None:
    ring_and_beads(uow)
    with pytest.raises(PermissionDenied):
        returns.find_sale("C1-000001", sales=FakeSalesReader(uow.state), actor=APPRAISER, uow=uow)


# ------------------------------------------------------------ what may come back


def test_a_returned_line_refunds_what_it_was_charged_less_its_discount(uow: FakeUnitOfWork) -> None:
    sale = sale_of(uow, ring_and_beads(uow))
    cart = returns.add_return(Cart(), sale, sale.lines[0].id, 1, actor=CLERK)
    [line] = cart.lines
    assert line.quantity == -1 and line.returned is not None
    assert (line.returned.net.cents, line.returned.tax.cents) == (240_000, 15_000)
    assert line.returned.original_sale_number == "C1-000001" and line.returned.original_line_id == sale.lines[0].id


def test_returning_part_of_a_line_refunds_its_share_and_the_rest_never_more_than_charged(
        uow: FakeUnitOfWork) -> None:
    sale = sale_of(uow, ring_and_beads(uow))
    beads = sale.lines[1].id
    first = returns.add_return(Cart(), sale, beads, 1, actor=CLERK).lines[0].returned
    rest = returns.add_return(returns.add_return(Cart(), sale, beads, 1, actor=CLERK), sale, beads, 2,
                              actor=CLERK).lines[1].returned
    assert first is not None and rest is not None
    assert (first.net.cents, first.tax.cents) == (1_000, 63)
    assert (first.net + rest.net).cents == 3_000 and (first.tax + rest.tax).cents == 188


def test_no_more_units_come_back_than_were_sold_less_earlier_returns_and_the_cart(uow: FakeUnitOfWork) -> None:
    sold = ring_and_beads(uow)
    beads_line = line_id(sold, 2)
    beads = sale_of(uow, sold).lines[1].item_id
    add_sale(uow, [(beads, -1, 1_000, 0, -63)], returns=[beads_line], original_sale_id=sold)
    sale = sale_of(uow, sold)
    assert sale.lines[1].returned == 1 and returns.returnable(sale) == {line_id(sold, 1): 1, beads_line: 2}
    cart = returns.add_return(Cart(), sale, beads_line, 1, actor=CLERK)
    assert returns.returnable(sale, cart)[beads_line] == 1
    with pytest.raises(ValidationError, match="3 sold, only 1 can still be returned") as refused:
        returns.add_return(cart, sale, beads_line, 2, actor=CLERK)
    assert refused.value.field == "quantity"


def test_a_return_of_zero_units_is_refused(uow: FakeUnitOfWork) -> None:
    sale = sale_of(uow, ring_and_beads(uow))
    with pytest.raises(ValidationError) as refused:
        returns.add_return(Cart(), sale, sale.lines[1].id, 0, actor=CLERK)
    assert refused.value.field == "quantity"


def test_nothing_comes_back_from_a_voided_sale(uow: FakeUnitOfWork) -> None:
    sale = dataclasses.replace(sale_of(uow, ring_and_beads(uow)), status="voided")
    with pytest.raises(Conflict, match="was voided"):
        returns.add_return(Cart(), sale, sale.lines[0].id, 1, actor=CLERK)


def test_a_sale_in_another_currency_cannot_be_returned_into_this_cart(uow: FakeUnitOfWork) -> None:
    sale = sale_of(uow, ring_and_beads(uow))
    with pytest.raises(ValidationError) as refused:
        returns.add_return(Cart(currency="CAD"), sale, sale.lines[0].id, 1, actor=CLERK)
    assert refused.value.field == "currency"


def test_a_cart_returns_pieces_from_one_sale_at_a_time(uow: FakeUnitOfWork) -> None:
    first = sale_of(uow, ring_and_beads(uow))
    other = add_item(uow, sku="PENDANT")
    second = sale_of(uow, add_sale(uow, [(other, 1, 50_000, 0, 3_125)]))
    cart = returns.add_return(Cart(), first, first.lines[0].id, 1, actor=CLERK)
    with pytest.raises(Conflict, match="one sale at a time"):
        returns.add_return(cart, second, second.lines[0].id, 1, actor=CLERK)


def test_only_a_sold_line_of_the_sale_can_be_returned(uow: FakeUnitOfWork) -> None:
    sold = ring_and_beads(uow)
    beads = sale_of(uow, sold).lines[1].item_id
    back = sale_of(uow, add_sale(uow, [(beads, -1, 1_000, 0, -63)], returns=[line_id(sold, 2)]))
    with pytest.raises(NotFound, match="not a sold line"):
        returns.add_return(Cart(), back, back.lines[0].id, 1, actor=CLERK)
    with pytest.raises(NotFound):
        returns.add_return(Cart(), sale_of(uow, sold), "no-such-line", 1, actor=CLERK)


def test_the_return_carries_the_sales_customer_into_the_cart(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    sale = sale_of(uow, ring_and_beads(uow, customer_id=ruby))
    cart = returns.add_return(Cart(), sale, sale.lines[0].id, 1, actor=CLERK)
    assert (cart.customer_id, cart.customer_name) == (ruby, "Ruby Stone")


def test_returning_a_whole_sale_takes_what_is_left_and_refuses_when_nothing_is(uow: FakeUnitOfWork) -> None:
    sold = ring_and_beads(uow)
    cart = returns.return_whole_sale(Cart(), sale_of(uow, sold), actor=CLERK)
    assert [line.quantity for line in cart.lines] == [-1, -3]
    ring, beads = (line.item_id for line in sale_of(uow, sold).lines)
    add_sale(uow, [(ring, -1, 250_000, -10_000, -15_000), (beads, -3, 1_000, 0, -188)],
             returns=[line_id(sold, 1), line_id(sold, 2)])
    with pytest.raises(Conflict, match="already been returned"):
        returns.return_whole_sale(Cart(), sale_of(uow, sold), actor=CLERK)


# ------------------------------------------------------------ voids


def shift_sale(uow: FakeUnitOfWork, *, card: bool = False) -> tuple[str, str]:
    """An open shift on C1 and a sale of a ring in it (cash, or by card)."""
    shift = uow.counter.open_shift(terminal="C1", staff_id=staff_id(Role.CLERK), float_cents=0, currency="USD")
    ring = add_item(uow, sku="RING")
    payments: list[dict[str, object]] = [{"tender": "card", "payment_intent_id": "pi_ring", "card_brand": "visa",
                                          "card_last4": "4242"}] if card else []
    return shift, add_sale(uow, [(ring, 1, 100_000, 0, 6_250)], shift_id=shift, payments=payments)


def void(uow: FakeUnitOfWork, sale_id: str, reason: str = "rang up twice", **kwargs: object) -> None:
    args: dict[str, object] = {"actor": MANAGER, "timezone": ZONE, "terminal": None, **kwargs}
    returns.void_sale(sale_id, reason, uow=uow, sales=FakeSalesReader(uow.state), **args)  # type: ignore[arg-type]


def test_a_void_puts_the_piece_back_refunds_the_cash_and_marks_the_sale(uow: FakeUnitOfWork) -> None:
    _, sale_id = shift_sale(uow)
    void(uow, sale_id)
    sale = sale_of(uow, sale_id)
    assert sale.status == "voided" and [p.amount_cents for p in sale.payments] == [106_250, -106_250]
    ring = uow.items.get(sale.lines[0].item_id)
    assert ring is not None and (ring.spec.status, ring.on_hand) == (ItemStatus.AVAILABLE, 1)
    assert uow.of("sale.voided")[0].summary == {"number": sale.number, "total_cents": 106_250, "card_refunds": 0}
    assert uow.commits == 1


def test_a_void_needs_a_reason(uow: FakeUnitOfWork) -> None:
    _, sale_id = shift_sale(uow)
    with pytest.raises(ValidationError) as refused:
        void(uow, sale_id, reason="  ")
    assert refused.value.field == "reason" and uow.state.sales[sale_id]["status"] == "completed"


def test_a_clerks_void_needs_a_managers_approval_which_the_trail_keeps(uow: FakeUnitOfWork) -> None:
    _, sale_id = shift_sale(uow)
    with pytest.raises(ApprovalNeeded):
        void(uow, sale_id, actor=CLERK)
    assert uow.state.sales[sale_id]["status"] == "completed"
    void(uow, sale_id, actor=CLERK, approver=MANAGER)
    assert uow.of("sale.voided")[0].approved_by == staff_id(Role.MANAGER)


def test_a_sale_is_voided_once(uow: FakeUnitOfWork) -> None:
    _, sale_id = shift_sale(uow)
    void(uow, sale_id)
    with pytest.raises(Conflict, match="already voided"):
        void(uow, sale_id)


def test_a_sale_with_pieces_returned_since_cannot_be_voided(uow: FakeUnitOfWork) -> None:
    shift, sale_id = shift_sale(uow)
    ring = sale_of(uow, sale_id).lines[0].item_id
    add_sale(uow, [(ring, -1, 100_000, 0, -6_250)], returns=[line_id(sale_id, 1)], shift_id=shift)
    with pytest.raises(Conflict, match="returned since"):
        void(uow, sale_id)


def test_only_a_sale_of_the_open_shift_can_be_voided(uow: FakeUnitOfWork) -> None:
    old = add_sale(uow, [(add_item(uow, sku="OLD"), 1, 10_000, 0, 0)], shift_id="an-earlier-shift")
    shift_sale(uow)
    with pytest.raises(Conflict, match="current shift"):
        void(uow, old)


def test_without_a_shift_only_todays_sales_of_this_counter_can_be_voided(uow: FakeUnitOfWork) -> None:
    now = dt.datetime(2026, 3, 2, 18, tzinfo=dt.UTC)  # noon in Chicago
    today = add_sale(uow, [(add_item(uow, sku="A"), 1, 10_000, 0, 0)], completed_at=now - dt.timedelta(hours=2))
    yesterday = add_sale(uow, [(add_item(uow, sku="B"), 1, 10_000, 0, 0)], completed_at=now - dt.timedelta(days=1))
    elsewhere = add_sale(uow, [(add_item(uow, sku="C"), 1, 10_000, 0, 0)], terminal="C2", completed_at=now)
    for refused in (yesterday, elsewhere):
        with pytest.raises(Conflict, match="today's sales of this counter"):
            void(uow, refused, now=now)
    void(uow, today, now=now)
    assert uow.state.sales[today]["status"] == "voided"


def test_a_card_sale_is_refunded_to_the_card_once_however_often_the_void_is_retried(uow: FakeUnitOfWork) -> None:
    _, sale_id = shift_sale(uow, card=True)
    reader = FakeCardRefunds()
    void(uow, sale_id, terminal=reader)
    [(key, refund)] = reader.refunds.items()
    assert refund.amount_cents == 106_250 and key.startswith(f"void-{sale_id}-")
    [row] = [uow.card_refunds.get(r) for r in uow.state.card_refunds]
    assert row is not None and (row.reason, row.status, row.sale_number) == ("void_sale", "succeeded", "C1-000001")
    assert uow.of("sale.voided")[0].summary["card_refunds"] == 1
    reader.refund("pi_ring", 106_250, key=key)  # the same key again: Stripe answers with the same refund
    assert len(reader.refunds) == 1


def test_a_card_sale_is_not_voided_without_a_card_reader_to_refund_it(uow: FakeUnitOfWork) -> None:
    _, sale_id = shift_sale(uow, card=True)
    with pytest.raises(DeviceUnavailable):
        void(uow, sale_id, terminal=None)
    assert uow.state.sales[sale_id]["status"] == "completed" and uow.events == []


def test_a_void_is_refused_before_any_refund_when_a_returned_piece_has_been_sold_again(
        uow: FakeUnitOfWork) -> None:
    shift = uow.counter.open_shift(terminal="C1", staff_id=staff_id(Role.CLERK), float_cents=0, currency="USD")
    ring = add_item(uow, sku="RING")
    first = add_sale(uow, [(ring, 1, 100_000, 0, 0)])
    pendant = add_item(uow, sku="PENDANT")
    exchange = add_sale(uow, [(ring, -1, 100_000, 0, 0), (pendant, 1, 150_000, 0, 0)],
                        returns=[line_id(first, 1), None], shift_id=shift,
                        payments=[{"tender": "card", "amount_cents": 50_000, "payment_intent_id": "pi_x"}])
    add_sale(uow, [(ring, 1, 100_000, 0, 0)], shift_id=shift)  # the returned ring sold again
    reader = FakeCardRefunds()
    with pytest.raises(Conflict, match="RING, returned in it, has been sold again"):
        void(uow, exchange, terminal=reader)
    assert reader.refunds == {} and uow.state.sales[exchange]["status"] == "completed"


def test_a_void_refund_stripe_leaves_pending_is_recorded_pending_and_followed(uow: FakeUnitOfWork) -> None:
    _, sale_id = shift_sale(uow, card=True)
    void(uow, sale_id, terminal=FakeCardRefunds(status="pending"))
    [refund] = [p for p in sale_of(uow, sale_id).payments if p.amount_cents < 0]
    assert (refund.tender, refund.status, refund.amount_cents) == ("card", "pending", -106_250)
    [row] = uow.card_refunds.unsettled()
    assert (row.refund_id, row.sale_number) == (refund.refund_id, "C1-000001")
