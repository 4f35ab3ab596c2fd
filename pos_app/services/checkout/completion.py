"""Completing a paid cart: the sale, its lines, payments, stock movements and receipt, in one transaction.

`complete_sale` writes the sale, its lines, payments, stock movements, item
statuses, the audit event, the outbox rows and the receipt's print queue
entry in one transaction, or nothing; the journal closes in the same one.
The receipt prints after the commit and leaves the queue once printed
(`services/receipts.py`).

Stock is checked when payment starts, but another window on the same store
may sell the same piece while this one takes the money. The sale's own
transaction therefore takes each unique piece only if it is still available,
and the database refuses stock below zero (`persistence/stock_guard.py`):
`complete_sale` then raises a `StockConflict` naming the SKU, writes no
sale, keeps the checkout open with what was paid, notes the conflict on it
and on the audit trail (`checkout.stock_conflict`, one of `audit flags`),
and the money goes back with `refund_unsold`.

The customer on the sale may be erased while it is being paid for: at the
privacy desk of another window on the same store (which the screen here
never hears of), or of another counter, arriving through a sync pull. The
database refuses to link a new sale to them (migration 0017); the refused
transaction keeps nothing, and the sale is written again without a
customer, as a walk-in's is, in a transaction of its own: the customer has
paid (a card stays captured, cash stays in the drawer), and the store keeps
its promise of erasure. `CompletedSale.note` tells the clerk.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from pos_app.domain.cart import Cart, Discount, TenderKind
from pos_app.domain.checkout import Checkout
from pos_app.domain.commission import Credit
from pos_app.domain.errors import Conflict, CustomerErased, PermissionDenied, StockConflict, ValidationError
from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.checkout import journal
from pos_app.services.checkout.journal import CheckoutRef
from pos_app.services.checkout.salespeople import credits_for_sale
from pos_app.services.checkout.tenders import large_cash_since
from pos_app.services.guard import requires
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine, SalesReader
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.receipts import WAITING_FOR_FIRST_PRINT


@dataclass(frozen=True)
class CompletedSale:
    sale_id: str
    number: str
    kind: str
    total: Money
    change: Money
    receipt_job_id: str | None = None  # the receipt's entry in the print queue, written with the sale
    note: str = ""  # what the clerk must hear of how it completed ("" when it went as rung up)


CUSTOMER_ERASED_NOTE = ("Completed without a customer: the customer on it was erased at their request meanwhile "
                        "(at the privacy desk of another counter), so the sale does not name them.")


def _sale_kind(cart: Cart) -> str:
    returns = [line for line in cart.lines if line.is_return]
    if not returns:
        return "sale"
    return "return" if len(returns) == len(cart.lines) else "exchange"


def _why(discount: Discount) -> str:
    """A discount as the sale line keeps it: "100% off: staff gift" (the reason when one was needed)."""
    return f"{discount.describe()}: {discount.reason}" if discount.reason else discount.describe()


def sale_rows(co: Checkout, *, number: str, terminal: str, staff_id: str, shift_id: str | None,
              original_sale_id: str | None, completed_at: dt.datetime,
              credits: tuple[Credit, ...] = ()) -> NewSale:
    cart, priced = co.cart, co.priced
    lines = []
    for p in priced.lines:
        line = p.line
        discount_reason = _why(line.discount) if line.discount else ""
        if cart.order_discount is not None and p.order_discount.cents:
            discount_reason = ", ".join(x for x in (discount_reason, "order " + _why(cart.order_discount)) if x)
        lines.append(NewSaleLine(
            item_id=line.item_id, sku=line.sku, description=line.description[:200], quantity=line.quantity,
            unit_price_cents=line.unit_price.cents, list_price_cents=line.list_price.cents,
            discount_cents=p.discount.cents, tax_cents=p.tax.cents, unique=line.unique,
            returns_line_id=line.returned.original_line_id if line.returned else None,
            discount_reason=discount_reason[:120], override_reason=line.override_reason,
            approved_by=line.approved_by or (cart.order_discount_approved_by if p.order_discount.cents else None),
        ))
    payments = tuple(
        NewPayment(tender=t.kind.value, amount_cents=t.amount.cents, status=t.refund_status or "succeeded",
                   payment_intent_id=t.payment_intent_id, card_brand=t.card_brand, card_last4=t.card_last4,
                   tendered_cents=None if t.tendered is None else t.tendered.cents, refund_id=t.refund_id,
                   card_receipt=json.dumps(t.card_receipt.to_dict(), sort_keys=True) if t.card_receipt else None)
        for t in co.tenders
    )
    kind = _sale_kind(cart)
    summary = {"kind": kind, "lines": len(lines), "total_cents": priced.total.cents,
               "tenders": sorted({t.kind.value for t in co.tenders}), "customer": cart.customer_id is not None}
    approvers = {x for x in [*(line.approved_by for line in cart.lines), cart.order_discount_approved_by] if x}
    return NewSale(
        number=number, terminal=terminal, staff_id=staff_id, customer_id=cart.customer_id, currency=cart.currency,
        completed_at=completed_at, lines=tuple(lines), payments=payments, tax_rate=str(priced.tax_rate), kind=kind,
        original_sale_id=original_sale_id, shift_id=shift_id, tax_exempt_reason=cart.tax_exempt_reason or None,
        tax_exempt_number=cart.tax_exempt_number or None,
        order_discount_reason=(_why(cart.order_discount) if cart.order_discount else "")[:120],
        audit_summary=summary, approved_by=sorted(approvers)[0] if approvers else None, credits=credits)


def paid_summary(co: Checkout) -> str:
    """What was taken for a checkout, as a clerk says it: "$1,250.00 (cash $250.00, VISA ****4242 $1,000.00)"."""
    parts = []
    for t in co.tenders:
        what = f"{t.card_brand.upper()} ****{t.card_last4 or ''}" if t.card_brand else t.kind.label.lower()
        back = t.amount.cents < 0
        parts.append(f"{what} {format_money(-t.amount if back else t.amount)}" + (" back" if back else ""))
    paid = co.paid
    return f"{format_money(paid)} ({', '.join(parts)})" if parts else format_money(paid)


@contextlib.contextmanager
def _noting_conflicts(co: Checkout, *, uow: UnitOfWork, actor: Actor, on_recovery: bool) -> Iterator[None]:
    """Around `with uow:` (entered first, left last): a StockConflict from the sale's transaction, once
    that transaction rolled back, is noted on the checkout and on the audit trail, then raised again."""
    try:
        yield
    except StockConflict as conflict:
        _note_conflict(co, conflict, uow=uow, actor=actor, on_recovery=on_recovery)
        raise


def _note_conflict(co: Checkout, conflict: StockConflict, *, uow: UnitOfWork, actor: Actor,
                   on_recovery: bool) -> None:
    """The checkout stays open with what was paid and says why it could not complete; the audit trail
    (and so `audit flags`) hears of it once per checkout, whoever tries again."""
    with uow:
        entry = uow.checkouts.get(co.id)
        if entry is not None and (entry.checkout.conflict == str(conflict) or not entry.checkout.is_open):
            return
        journal.save(uow, co.conflicted(str(conflict)), actor)
        cash, card = co.paid_in(TenderKind.CASH), co.paid_in(TenderKind.CARD)
        uow.audit.record(actor, "checkout.stock_conflict", entity_type="checkout", entity_id=co.id,
                         summary={"sku": conflict.sku, "paid_cents": co.paid.cents,
                                  "cash_cents": cash, "card_cents": card, "on_recovery": on_recovery})
        uow.commit()


@requires(Permission.SELL)
def complete_sale(checkout: CheckoutRef, *, uow: UnitOfWork, actor: Actor, sales: SalesReader | None = None,
                  staff_id: str | None = None, now: dt.datetime | None = None,
                  action: str = "sale.completed") -> CompletedSale:
    """Write the paid sale in one transaction; the checkout row closes in the same one.

    A piece sold elsewhere since the cart was checked (or too few units left) raises a
    `StockConflict` naming the SKU: no sale is written and the checkout stays open with what
    was paid, noted as conflicted; `refund_unsold` gives the money back. A customer erased
    meanwhile is left off the sale, which completes without them; its `note` says so.
    """
    co = journal.current(checkout, uow)
    if co.pending is not None:
        raise Conflict("A card payment is still waiting on the reader.")
    due = co.due
    if due.cents > 0:
        raise ValidationError("payment", f"{format_money(due)} is still to be paid")
    if due.cents < 0:
        raise ValidationError("refund", f"{format_money(-due)} is still to be refunded to the customer")
    seller = staff_id or actor.staff_id
    if seller is None:
        raise PermissionDenied("A sale is made by a signed-in staff member.")
    original_sale_id = None
    originals = {line.returned.original_sale_number for line in co.cart.lines if line.returned}
    if originals and sales is not None:
        original_sale_id = sales.sale_id_for_number(sorted(originals)[0])
    # A return comes off the salespeople of the sale it returns, unless the clerk named others.
    original = sales.sale(original_sale_id) if original_sale_id and sales is not None and not co.cart.salespeople \
        else None
    credits = credits_for_sale(co.cart, seller=seller, original=original)
    moment = now or dt.datetime.now(dt.UTC)
    try:
        return _write(co, uow=uow, actor=actor, sales=sales, seller=seller, original_sale_id=original_sale_id,
                      moment=moment, action=action, credits=credits)
    except CustomerErased:
        # Erased while this sale was being paid for; the refused transaction kept nothing. A sale needs no
        # customer (a walk-in's has none) and this one is paid for: it completes without them, as the cart
        # goes on without them when the screen hears of an erasure (`refresh_customer`). Form 8300's twelve
        # months still count the cash of their earlier sales, which keep pointing at the pseudonym.
        walk_in = dataclasses.replace(co, cart=dataclasses.replace(co.cart, customer_id=None, customer_name=""))
        done = _write(walk_in, uow=uow, actor=actor, sales=sales, seller=seller, original_sale_id=original_sale_id,
                      moment=moment, action=action, cash_history_of=co.cart.customer_id, credits=credits)
        return dataclasses.replace(done, note=CUSTOMER_ERASED_NOTE)


def _write(co: Checkout, *, uow: UnitOfWork, actor: Actor, sales: SalesReader | None, seller: str,
           original_sale_id: str | None, moment: dt.datetime, action: str,
           cash_history_of: str | None = None, credits: tuple[Credit, ...] = ()) -> CompletedSale:
    """The sale's one transaction. `cash_history_of`: whose earlier cash Form 8300 counts, when it is not the
    cart's customer (one erased meanwhile, whose sale is written without them)."""
    customer_erased = cash_history_of is not None
    cash_history_of = cash_history_of or co.cart.customer_id
    with _noting_conflicts(co, uow=uow, actor=actor, on_recovery=action != "sale.completed"), uow:
        counter = uow.counter
        terminal = actor.terminal
        number = f"{terminal}-{counter.next_sale_number(terminal):06d}"
        rows = sale_rows(co, number=number, terminal=terminal, staff_id=seller,
                         shift_id=counter.open_shift_id(terminal), original_sale_id=original_sale_id,
                         completed_at=moment, credits=credits)
        if customer_erased:
            rows = dataclasses.replace(rows, audit_summary={**rows.audit_summary, "customer_erased": True})
        sale_id = counter.write_sale(rows, actor=actor, action=action)
        # The receipt waits in the print queue from the sale's own commit: no crash can lose it.
        receipt_job_id = counter.enqueue_print(terminal=terminal, document="receipt", sale_id=sale_id,
                                               shift_id=None, error=WAITING_FOR_FIRST_PRINT)
        if co.large_cash is not None:
            cash = co.paid_in(TenderKind.CASH)
            profile = uow.store.get()
            since = large_cash_since(moment, profile.timezone if profile else "UTC")
            earlier = (sales.customer_cash_since(cash_history_of, since)
                       if sales is not None and cash_history_of else 0)
            counter.add_large_cash_report({
                **dataclasses.asdict(co.large_cash), "customer_id": co.cart.customer_id, "sale_id": sale_id,
                "cash_cents": cash, "twelve_month_cents": cash + earlier, "recorded_by": actor.staff_id,
                "status": "to_file"})
            uow.audit.record(actor, "sale.large_cash_recorded", entity_type="sale", entity_id=sale_id,
                             summary={"cash_cents": cash})
        journal.save(uow, co.completed(sale_id), actor)  # the journal keeps no copy of the Form 8300 details
        uow.commit()
    return CompletedSale(sale_id=sale_id, number=number, kind=rows.kind, total=co.priced.total,
                         change=co.change, receipt_job_id=receipt_job_id)
