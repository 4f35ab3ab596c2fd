"""The checkout journal: a cart being paid for, as a value with pure state changes.

Paying is where a sale could be lost or charged twice, so every step of it is
written down before the next one is taken: the cart priced once (its totals
and the tax rate it was priced at, kept so that a rate changed meanwhile, or
before a crash is recovered, never moves what the customer was shown and paid
toward), each tender as it is taken, and a card attempt *before* Stripe is
asked to charge, with the idempotency key every Stripe call of that attempt
derives from (`<checkout id>-<attempt>`, `-r<attempt>` for a refund).

Each change below returns a new `Checkout`; none touches a store, a reader or
Stripe (`services/checkout/` does, and saves the value through the journal
repository). The lifecycle:

    open --tender_added / card_started -> card_intent_created -> card_confirmed | card_dropped
         --refund_started -> refund_confirmed | card_dropped
         --conflicted (a piece sold elsewhere: the money goes back)
         --completed(sale id) | abandoned

`to_dict` / `from_dict` are the journal's stored form (JSON-safe).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pos_app.domain.cart import (
    Cart,
    PricedCart,
    Tender,
    TenderKind,
    balance_due,
    cart_from_dict,
    cart_to_dict,
    price,
    tender_from_dict,
    tender_to_dict,
)
from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.money import Money, format_money
from pos_app.domain.payments import EmvReceipt


class CheckoutStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"  # the sale was written (`sale_id`)
    ABANDONED = "abandoned"  # back to the cart, voided, or given back


@dataclass(frozen=True)
class PendingCard:
    """A card charge (amount > 0) or refund (amount < 0) asked of Stripe whose outcome is not yet known."""

    key: str
    amount: Money
    payment_intent_id: str | None = None  # the charge's PaymentIntent, or the one a refund goes back to
    card_brand: str | None = None
    card_last4: str | None = None

    @property
    def is_refund(self) -> bool:
        return self.amount.cents < 0


@dataclass(frozen=True)
class LargeCashDetails:
    """What IRS Form 8300 asks of the person paying cash."""

    full_name: str
    address: str
    date_of_birth: dt.date
    taxpayer_id: str
    id_document: str
    occupation: str = ""


@dataclass(frozen=True)
class Checkout:
    """One cart's payment journal. `priced` is the cart priced when payment started (its `tax_rate` and
    totals are what the customer owes, whatever the store's rate is later)."""

    id: str
    cart: Cart
    priced: PricedCart
    tenders: tuple[Tender, ...] = ()
    pending: PendingCard | None = None
    attempts: int = 0  # card attempts (charges and refunds) asked of Stripe: each gets its own key
    large_cash: LargeCashDetails | None = None
    conflict: str = ""  # why it could not complete: a piece sold elsewhere meanwhile (the StockConflict's message)
    status: CheckoutStatus = CheckoutStatus.OPEN
    sale_id: str | None = None  # the sale it completed as

    @classmethod
    def start(cls, checkout_id: str, cart: Cart, tax_rate: Decimal) -> Self:
        """Open the journal of `cart`, priced once at `tax_rate`."""
        if cart.is_empty:
            raise ValidationError("cart", "is empty; scan a necklace first")
        return cls(id=checkout_id, cart=cart, priced=price(cart, tax_rate))

    # -- what it says ---------------------------------------------------------------------

    @property
    def tax_rate(self) -> Decimal:
        return self.priced.tax_rate

    @property
    def total(self) -> Money:
        return self.priced.total

    @property
    def due(self) -> Money:
        """Still to pay (negative: still to refund)."""
        return balance_due(self.priced.total, self.tenders)

    @property
    def change(self) -> Money:
        return sum((t.change for t in self.tenders), Money(0, self.cart.currency))

    @property
    def paid(self) -> Money:
        """What the tenders add up to (refunds counted back)."""
        return sum((t.amount for t in self.tenders), Money(0, self.cart.currency))

    def paid_in(self, kind: TenderKind) -> int:
        """Cents taken in one kind of tender, net of what went back in it."""
        return sum(t.amount.cents for t in self.tenders if t.kind is kind)

    @property
    def settled(self) -> bool:
        return self.due.cents == 0 and self.pending is None

    @property
    def is_open(self) -> bool:
        return self.status is CheckoutStatus.OPEN

    # -- state changes --------------------------------------------------------------------

    def _changing(self) -> None:
        if not self.is_open:
            raise Conflict(f"This payment is already {self.status.value}: nothing more can be taken on it.")

    def tender_added(self, tender: Tender, *, large_cash: LargeCashDetails | None = None) -> Checkout:
        """Cash (or a cash refund) taken; `large_cash` keeps the payer's Form 8300 details with it."""
        self._changing()
        if self.pending is not None:
            raise Conflict("Finish or cancel the card payment first.")
        if tender.amount.currency != self.cart.currency:
            raise ValidationError("amount", f"must be in {self.cart.currency}")
        return dataclasses.replace(self, tenders=(*self.tenders, tender), large_cash=large_cash or self.large_cash)

    def card_started(self, amount: Money) -> Checkout:
        """A card charge of `amount` is about to be asked of Stripe under the next attempt's key."""
        self._changing()
        if self.pending is not None:
            raise Conflict("A card payment is already waiting on the reader.")
        if not 0 < amount.cents <= self.due.cents:
            raise ValidationError("card amount", f"must be more than zero and at most {format_money(self.due)}")
        key = f"{self.id}-{self.attempts + 1}"
        return dataclasses.replace(self, pending=PendingCard(key=key, amount=amount), attempts=self.attempts + 1)

    def refund_started(self, payment_intent_id: str, amount: Money, *, card_brand: str | None,
                       card_last4: str | None) -> Checkout:
        """A refund of `amount` (positive) to the card of `payment_intent_id` is about to be asked of Stripe."""
        self._changing()
        if self.pending is not None:
            raise Conflict("A card payment is already waiting on the reader.")
        owed = -self.due.cents
        if not 0 < amount.cents <= owed:
            most = format_money(Money(max(owed, 0), amount.currency))
            raise ValidationError("refund", f"must be more than zero and at most {most}")
        key = f"{self.id}-r{self.attempts + 1}"
        return dataclasses.replace(self, attempts=self.attempts + 1, pending=PendingCard(
            key=key, amount=-amount, payment_intent_id=payment_intent_id, card_brand=card_brand,
            card_last4=card_last4))

    def _waiting(self) -> PendingCard:
        if self.pending is None:
            raise Conflict("No card payment is waiting.")
        return self.pending

    def card_intent_created(self, payment_intent_id: str | None) -> Checkout:
        """Stripe made the PaymentIntent of the waiting charge (its outcome still to come)."""
        pending = self._waiting()
        return dataclasses.replace(self, pending=dataclasses.replace(pending, payment_intent_id=payment_intent_id))

    def card_confirmed(self, *, amount_cents: int, payment_intent_id: str | None, card_brand: str | None,
                       card_last4: str | None, receipt: EmvReceipt | None = None) -> Checkout:
        """The waiting charge went through: it becomes a card tender of what Stripe captured."""
        pending = self._waiting()
        if pending.is_refund:
            raise Conflict("The card refund under way is confirmed as a refund, not a charge.")
        tender = Tender(TenderKind.CARD, amount=Money(amount_cents, self.cart.currency),
                        payment_intent_id=payment_intent_id, card_brand=card_brand, card_last4=card_last4,
                        card_receipt=receipt)
        return dataclasses.replace(self, tenders=(*self.tenders, tender), pending=None)

    def card_dropped(self) -> Checkout:
        """The waiting attempt ended with nothing moved: declined, cancelled, or refused by Stripe."""
        self._waiting()
        return dataclasses.replace(self, pending=None)

    def refund_confirmed(self, *, refund_id: str, status: str) -> Checkout:
        """Stripe took the waiting refund (`status` succeeded, or pending while it holds the money)."""
        pending = self._waiting()
        if not pending.is_refund:
            raise Conflict("The card payment under way is a charge, not a refund.")
        tender = Tender(TenderKind.CARD, amount=pending.amount, payment_intent_id=pending.payment_intent_id,
                        card_brand=pending.card_brand, card_last4=pending.card_last4, refund_id=refund_id,
                        refund_status=status)
        return dataclasses.replace(self, tenders=(*self.tenders, tender), pending=None)

    def conflicted(self, why: str) -> Checkout:
        """It cannot complete (a piece was sold elsewhere meanwhile): what was paid is to go back."""
        self._changing()
        return dataclasses.replace(self, conflict=why)

    def completed(self, sale_id: str) -> Checkout:
        """The sale was written. The journal keeps no copy of the Form 8300 details (the report has them)."""
        self._changing()
        if not self.settled:
            raise Conflict("A payment completes only when nothing is left to pay or to refund.")
        return dataclasses.replace(self, status=CheckoutStatus.COMPLETED, sale_id=sale_id, large_cash=None)

    def abandoned(self) -> Checkout:
        """Back to the cart, voided, or given back: the journal closes without a sale."""
        self._changing()
        return dataclasses.replace(self, status=CheckoutStatus.ABANDONED)

    # -- stored form ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        pending = None
        if self.pending is not None:
            p = self.pending
            pending = {"key": p.key, "amount": p.amount.cents, "payment_intent_id": p.payment_intent_id,
                       "card_brand": p.card_brand, "card_last4": p.card_last4}
        large = None
        if self.large_cash is not None:
            large = {**dataclasses.asdict(self.large_cash), "date_of_birth": self.large_cash.date_of_birth.isoformat()}
        priced = self.priced
        return {"id": self.id, "status": self.status.value, "sale_id": self.sale_id, "cart": cart_to_dict(self.cart),
                "tax_rate": str(priced.tax_rate),
                "totals": {"subtotal": priced.subtotal.cents, "discount": priced.discount.cents,
                           "tax": priced.tax.cents, "total": priced.total.cents},
                "tenders": [tender_to_dict(t) for t in self.tenders], "pending": pending,
                "attempts": self.attempts, "large_cash": large, "conflict": self.conflict}

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, tax_rate: Decimal | None = None) -> Self:
        """The journal `to_dict` wrote. The cart is priced again at the kept rate and must come to the
        kept totals (else `JournalMismatch`). `tax_rate` is only for a journal written before the rate
        was kept (then its totals are not known either)."""
        cart = cart_from_dict(data["cart"])
        currency = cart.currency
        kept = data.get("tax_rate")
        rate = Decimal(str(kept)) if kept is not None else tax_rate
        if rate is None:
            raise JournalMismatch(f"The payment journal {data['id']} keeps no tax rate.")
        priced = price(cart, rate)
        totals = data.get("totals")
        if totals is not None:
            now = {"subtotal": priced.subtotal.cents, "discount": priced.discount.cents, "tax": priced.tax.cents,
                   "total": priced.total.cents}
            if {k: int(v) for k, v in totals.items()} != now:
                raise JournalMismatch(f"The payment journal {data['id']} was priced at {totals['total']} cents; "
                                      f"its cart now prices at {now['total']}.")
        p = data.get("pending")
        pending = None if p is None else PendingCard(
            key=p["key"], amount=Money(int(p["amount"]), currency), payment_intent_id=p.get("payment_intent_id"),
            card_brand=p.get("card_brand"), card_last4=p.get("card_last4"))
        lc = data.get("large_cash")
        large = None if lc is None else LargeCashDetails(
            **{**lc, "date_of_birth": dt.date.fromisoformat(lc["date_of_birth"])})
        return cls(id=str(data["id"]), cart=cart, priced=priced,
                   tenders=tuple(tender_from_dict(t, currency) for t in data.get("tenders") or []),
                   pending=pending, attempts=int(data.get("attempts") or 0), large_cash=large,
                   conflict=str(data.get("conflict") or ""),
                   status=CheckoutStatus(str(data.get("status") or "open")), sale_id=data.get("sale_id"))


class JournalMismatch(Conflict):
    """A stored journal that does not add up (its cart no longer prices at what it kept)."""
