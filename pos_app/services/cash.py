"""The cash drawer: shifts with a float, paid-in and paid-out, X and Z reports.

A shift opens with the float counted into the drawer. Every cash tender of a
sale made during the shift, every cash refund, paid-in and paid-out moves
the drawer's expected amount; closing counts the drawer by denomination and
keeps expected, counted and the variance, with the Z report as printed.
An X report is the same figures mid-shift, changing nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from pos_app.domain.errors import Conflict, NotFound, ValidationError
from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import approval, requires
from pos_app.services.ports.sales import SalesReader, ShiftFigures, ShiftRecord
from pos_app.services.ports.uow import UnitOfWork

# US bills and coins in cents, largest first: how a drawer is counted.
DENOMINATIONS: dict[str, tuple[int, ...]] = {
    "USD": (10000, 5000, 2000, 1000, 500, 200, 100, 50, 25, 10, 5, 1),
}
MAX_FLOAT_CENTS = 1_000_000


def denominations(currency: str) -> tuple[int, ...]:
    return DENOMINATIONS.get(currency, DENOMINATIONS["USD"])


@requires(Permission.SELL)
def open_shift(float_: Money, *, uow: UnitOfWork, actor: Actor) -> str:
    if not 0 <= float_.cents <= MAX_FLOAT_CENTS:
        raise ValidationError("float", "must be between 0 and 10,000.00")
    with uow:
        if uow.counter.open_shift_id(actor.terminal) is not None:
            raise Conflict(f"A shift is already open on {actor.terminal}; close it first.")
        shift_id = uow.counter.open_shift(terminal=actor.terminal, staff_id=actor.staff_id, float_cents=float_.cents,
                                          currency=float_.currency)
        uow.audit.record(actor, "shift.opened", entity_type="shift", entity_id=shift_id,
                         summary={"float_cents": float_.cents})
        uow.commit()
    return shift_id


def _open(uow: UnitOfWork, actor: Actor) -> str:
    shift_id = uow.counter.open_shift_id(actor.terminal)
    if shift_id is None:
        raise Conflict(f"No shift is open on {actor.terminal}; open one first.")
    return shift_id


@requires(Permission.SELL)
def move_cash(kind: str, amount: Money, reason: str, *, uow: UnitOfWork, actor: Actor,
              approver: Actor | None = None) -> str:
    """Paid-in (change brought from the bank) or paid-out (a courier, a coffee run): a reason, and a manager."""
    if kind not in ("paid_in", "paid_out"):
        raise ValidationError("kind", "is paid_in or paid_out")
    if not 0 < amount.cents <= MAX_FLOAT_CENTS:
        raise ValidationError("amount", "must be more than zero and at most 10,000.00")
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason", "say what the cash is for")
    approved = approval(actor, approver, Permission.OPEN_DRAWER, f"A {kind.replace('_', '-')}")
    with uow:
        shift_id = _open(uow, actor)
        movement_id = uow.counter.add_cash_movement(
            shift_id, kind=kind, amount_cents=amount.cents, reason=reason[:200], staff_id=actor.staff_id,
            approved_by=approved.staff_id if approved else None)
        uow.audit.record(actor, f"shift.{kind}", entity_type="shift", entity_id=shift_id,
                         summary={"amount_cents": amount.cents}, approved_by=approved.staff_id if approved else None)
        uow.commit()
    return movement_id


@requires(Permission.SELL)
def no_sale(reason: str, *, uow: UnitOfWork, actor: Actor, approver: Actor | None = None) -> None:
    """Open the drawer without a sale (change for a customer): recorded, and a manager's."""
    reason = reason.strip() or "no sale"
    approved = approval(actor, approver, Permission.OPEN_DRAWER, "Opening the drawer without a sale")
    with uow:
        shift_id = _open(uow, actor)
        uow.counter.add_cash_movement(shift_id, kind="no_sale", amount_cents=0, reason=reason[:200],
                                      staff_id=actor.staff_id, approved_by=approved.staff_id if approved else None)
        uow.audit.record(actor, "shift.no_sale", entity_type="shift", entity_id=shift_id,
                         approved_by=approved.staff_id if approved else None)
        uow.commit()


@dataclass(frozen=True)
class ShiftReport:
    shift: ShiftRecord
    figures: ShiftFigures
    expected: Money
    counted: Money | None = None

    @property
    def variance(self) -> Money | None:
        return None if self.counted is None else self.counted - self.expected

    def rows(self, locale: str = "en_US") -> list[tuple[str, str]]:
        """Label and value rows as printed (a blank value makes a heading)."""
        f, cur = self.figures, self.shift.currency

        def m(cents: int) -> str:
            return format_money(Money(cents, cur), locale)

        # Net sales are without tax, as a store's books keep them; tax and returns each have their own line,
        # and a return is never counted as a sale (it is listed under Returns, with what it gave back).
        rows = [
            ("Sales", ""), ("Sales completed", str(f.sales)), ("Voided", str(f.voided)),
            ("Sold before discounts", m(f.sold_before_discounts)), ("Less discounts", m(-f.discounts)),
            ("Less returns", m(-f.returned)), ("Net sales (without tax)", m(f.net_sales)),
            ("Tax", m(f.tax)), ("Gross sales (with tax)", m(f.gross_sales)),
            ("Returns", ""), ("Return receipts", str(f.returns)), ("Pieces returned", str(f.returned_pieces)),
            ("Returned (without tax)", m(f.returned)), ("Tax refunded", m(f.returned_tax)),
            ("Card", ""), ("Card taken", m(f.card_in)), ("Card refunded", m(f.card_out)),
            ("Cash drawer", ""), ("Float", m(self.shift.float_cents)), ("Cash taken", m(f.cash_in)),
            ("Cash refunded", m(f.cash_out)), ("Paid in", m(f.paid_in)), ("Paid out", m(f.paid_out)),
            ("No-sale opens", str(f.no_sales)), ("Expected in drawer", m(self.expected.cents)),
        ]
        if self.counted is not None:
            variance = self.variance
            assert variance is not None
            rows += [("Counted", m(self.counted.cents)), ("Over (+) / short (-)", m(variance.cents))]
        return rows


def expected_in_drawer(shift: ShiftRecord, f: ShiftFigures) -> Money:
    """Expected in the drawer = float + cash taken - cash refunded + paid in - paid out."""
    return Money(shift.float_cents + f.cash_in - f.cash_out + f.paid_in - f.paid_out, shift.currency)


@requires(Permission.SELL)
def x_report(*, sales: SalesReader, actor: Actor, uow: UnitOfWork) -> ShiftReport:
    """The open shift's figures so far; changes nothing."""
    shift = sales.open_shift(actor.terminal)
    if shift is None:
        raise NotFound(f"No shift is open on {actor.terminal}.")
    figures = sales.shift_figures(shift.id)
    return ShiftReport(shift, figures, expected_in_drawer(shift, figures))


def count_total(counted: Mapping[int, int], currency: str) -> Money:
    allowed = set(denominations(currency))
    total = 0
    for value, pieces in counted.items():
        if value not in allowed:
            raise ValidationError("count", f"{Money(value, currency).plain()} is not a bill or coin of {currency}")
        if not 0 <= pieces <= 10_000:
            raise ValidationError(f"count of {Money(value, currency).plain()}", "must be from 0 to 10,000 pieces")
        total += value * pieces
    return Money(total, currency)


@requires(Permission.SELL)
def close_shift(counted: Mapping[int, int], *, uow: UnitOfWork, sales: SalesReader, actor: Actor,
                locale: str = "en_US") -> ShiftReport:
    """Count the drawer by denomination and close the shift; returns the Z report, also kept."""
    shift = sales.open_shift(actor.terminal)
    if shift is None:
        raise NotFound(f"No shift is open on {actor.terminal}.")
    total = count_total(counted, shift.currency)
    with uow:
        if uow.counter.open_shift_id(actor.terminal) != shift.id:
            raise Conflict("The shift changed while it was being counted; count again.")
        figures = sales.shift_figures(shift.id)
        report = ShiftReport(shift, figures, expected_in_drawer(shift, figures), total)
        variance = report.variance
        assert variance is not None
        uow.counter.close_shift(shift.id, staff_id=actor.staff_id,
                                counted={str(k): v for k, v in counted.items() if v},
                                counted_cents=total.cents, expected_cents=report.expected.cents,
                                z_report=[[a, b] for a, b in report.rows(locale)])
        uow.audit.record(actor, "shift.closed", entity_type="shift", entity_id=shift.id,
                         summary={"expected_cents": report.expected.cents, "counted_cents": total.cents,
                                  "variance_cents": variance.cents})
        uow.commit()
    # As closed: the report says when the shift closed (in the store's time, where it is shown).
    return dataclasses.replace(report, shift=sales.shift(shift.id) or shift)
