"""The cart at the counter and how it is priced: discounts, tax, returns, tenders.

Pure Python: a `Cart` is an immutable value the sell screen holds and the
checkout service checks, prices and finally writes as a sale. Every change
makes a new cart, so "undo" and "park" are just keeping an old value.

The rounding rule (one rule, documented because customers and auditors ask)
---------------------------------------------------------------------------
All amounts are integer minor units. Each *line* is priced on its own:

1. gross    = unit price x quantity
2. line discount: a percentage of gross, rounded half up to the cent, or a
   fixed amount (never more than gross)
3. order discount: a percentage is applied to each line's amount after its
   line discount, rounded half up per line; a fixed amount is shared between
   the lines in proportion to that amount, by the largest-remainder method,
   so the shares add up to exactly the amount asked for
4. taxable  = gross - line discount - order discount share
5. tax      = taxable x rate, rounded half up per line (zero when exempt)

and the sale's subtotal, discount, tax and total are the sums of the lines'
figures. Summing rounded lines (rather than rounding a sum) is what makes a
receipt add up line by line, and what a return of one line refunds exactly.

Returned lines carry the amounts that sale line was actually charged (net and
tax for the returned units, fixed when the return is found), entered with a
minus sign; they are never re-priced at today's price or today's tax rate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pos_app.domain.commission import Credit, check_slices, credits_from_list, credits_to_list
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money, percent_of
from pos_app.domain.payments import EmvReceipt

MAX_LINES = 200
MAX_QUANTITY = 999


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True)
class Discount:
    """A percentage (`percent`, e.g. Decimal("10")) or a fixed amount (`amount`) off."""

    kind: DiscountKind
    percent: Decimal = Decimal(0)
    amount: Money | None = None
    reason: str = ""

    @classmethod
    def of_percent(cls, percent: Decimal, reason: str = "", *, field: str = "discount") -> Discount:
        if not percent.is_finite() or percent <= 0 or percent > 100:
            raise ValidationError(field, "a percentage must be more than 0 and at most 100")
        if percent != percent.quantize(Decimal("0.01")):
            raise ValidationError(field, "a percentage has at most two decimals")
        return cls(DiscountKind.PERCENT, percent=percent, reason=reason)

    @classmethod
    def of_amount(cls, amount: Money, reason: str = "", *, field: str = "discount") -> Discount:
        if amount.cents <= 0:
            raise ValidationError(field, "an amount off must be more than zero")
        return cls(DiscountKind.AMOUNT, amount=amount, reason=reason)

    def off(self, base: Money) -> Money:
        """How much this discount takes off `base` (never more than base)."""
        if self.kind is DiscountKind.PERCENT:
            return percent_of(base, self.percent)
        assert self.amount is not None
        return Money(min(self.amount.cents, max(base.cents, 0)), base.currency)

    def describe(self) -> str:
        if self.kind is DiscountKind.PERCENT:
            return f"{self.percent.normalize():f}% off"
        assert self.amount is not None
        return f"{self.amount.plain()} off"


@dataclass(frozen=True)
class ReturnedAmounts:
    """What a returned line refunds: the net (after discounts) and tax it was charged."""

    net: Money
    tax: Money
    original_line_id: str
    original_sale_number: str


@dataclass(frozen=True)
class CartLine:
    item_id: str
    sku: str
    description: str
    quantity: int  # negative for a returned line
    unit_price: Money
    list_price: Money
    unique: bool
    discount: Discount | None = None
    override_reason: str = ""
    approved_by: str | None = None  # staff id of the manager who approved a discount/override
    returned: ReturnedAmounts | None = None

    @property
    def is_return(self) -> bool:
        return self.returned is not None


@dataclass(frozen=True)
class Cart:
    currency: str = "USD"
    lines: tuple[CartLine, ...] = ()
    order_discount: Discount | None = None
    order_discount_approved_by: str | None = None
    customer_id: str | None = None
    customer_name: str = ""
    tax_exempt_reason: str = ""
    tax_exempt_number: str = ""
    # Who shared the sale (`domain/commission.py`): empty when the clerk alone sold it.
    salespeople: tuple[Credit, ...] = ()

    @property
    def tax_exempt(self) -> bool:
        return bool(self.tax_exempt_number)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def with_salespeople(self, credits: tuple[Credit, ...]) -> Cart:
        """The cart shared by `credits` (checked: 1 to 4 distinct people, slices adding up to the whole);
        one person alone, or none, is the clerk's own sale unless that person is someone else."""
        if credits:
            check_slices(credits)
        return dataclasses.replace(self, salespeople=tuple(credits))

    def with_line(self, line: CartLine) -> Cart:
        if len(self.lines) >= MAX_LINES:
            raise ValidationError("cart", f"a sale holds at most {MAX_LINES} lines")
        if line.unit_price.currency != self.currency:
            raise ValidationError("price", f"is in {line.unit_price.currency}, the store sells in {self.currency}")
        return dataclasses.replace(self, lines=(*self.lines, line))

    def replace_line(self, index: int, line: CartLine) -> Cart:
        self.line(index)
        return dataclasses.replace(self, lines=(*self.lines[:index], line, *self.lines[index + 1:]))

    def without_line(self, index: int) -> Cart:
        self.line(index)
        return dataclasses.replace(self, lines=self.lines[:index] + self.lines[index + 1:])

    def line(self, index: int) -> CartLine:
        if not 0 <= index < len(self.lines):
            raise ValidationError("line", f"there is no line {index + 1} in the cart")
        return self.lines[index]

    def quantity_of(self, item_id: str) -> int:
        """Units of an item being sold (returned units of it not counted)."""
        return sum(line.quantity for line in self.lines if line.item_id == item_id and not line.is_return)


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    gross: Money
    line_discount: Money
    order_discount: Money
    tax: Money

    @property
    def discount(self) -> Money:
        return self.line_discount + self.order_discount

    @property
    def net(self) -> Money:
        """Taxable amount: gross less both discounts."""
        return self.gross - self.discount

    @property
    def total(self) -> Money:
        return self.net + self.tax


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    tax_rate: Decimal


def parse_tax_rate(text: str) -> Decimal:
    rate = Decimal(text)
    if not rate.is_finite() or rate < 0 or rate >= 100:
        raise ValidationError("tax_rate", "must be a percentage from 0 up to 100")
    return rate


def share(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` in proportion to `weights` (largest remainder); the parts sum to `amount`.

    Ties in the remainder go to the earlier line, so the split is deterministic.
    """
    total = sum(weights)
    if total <= 0 or amount == 0:
        return [0] * len(weights)
    floors = [amount * w // total for w in weights]
    left = amount - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return floors


def price(cart: Cart, tax_rate: Decimal) -> PricedCart:
    """Price every line by the rule in the module docstring, and sum."""
    zero = Money(0, cart.currency)
    sale_lines = [i for i, line in enumerate(cart.lines) if not line.is_return]
    after_line: dict[int, Money] = {}
    line_off: dict[int, Money] = {}
    for i in sale_lines:
        line = cart.lines[i]
        gross = line.unit_price * line.quantity
        off = line.discount.off(gross) if line.discount else zero
        line_off[i] = off
        after_line[i] = gross - off
    order_off: dict[int, Money] = dict.fromkeys(sale_lines, zero)
    discount = cart.order_discount
    if discount is not None and sale_lines:
        if discount.kind is DiscountKind.PERCENT:
            order_off = {i: percent_of(after_line[i], discount.percent) for i in sale_lines}
        else:
            assert discount.amount is not None
            base = sum(after_line[i].cents for i in sale_lines)
            wanted = min(discount.amount.cents, base)
            parts = share(wanted, [after_line[i].cents for i in sale_lines])
            order_off = {i: Money(p, cart.currency) for i, p in zip(sale_lines, parts)}

    priced: list[PricedLine] = []
    for i, line in enumerate(cart.lines):
        if line.returned is not None:
            # gross at the original unit price; the "discount" gives back what was taken off then,
            # so the net refunded is exactly what was charged.
            gross = line.unit_price * line.quantity
            refunded = gross + line.returned.net
            priced.append(PricedLine(line, gross=gross, line_discount=refunded, order_discount=zero,
                                     tax=-line.returned.tax))
            continue
        gross = line.unit_price * line.quantity
        taxable = gross - line_off[i] - order_off[i]
        tax = zero if cart.tax_exempt else percent_of(taxable, tax_rate)
        priced.append(PricedLine(line, gross=gross, line_discount=line_off[i], order_discount=order_off[i], tax=tax))
    subtotal = sum((p.gross for p in priced), zero)
    disc = sum((p.discount for p in priced), zero)
    tax = sum((p.tax for p in priced), zero)
    return PricedCart(tuple(priced), subtotal=subtotal, discount=disc, tax=tax, total=subtotal - disc + tax,
                      tax_rate=tax_rate)


def discount_percent(off: Money, base: Money) -> Decimal:
    """How deep a discount goes, as a percentage of what it was taken from."""
    if base.cents <= 0:
        return Decimal(0)
    return (Decimal(off.cents) * 100 / Decimal(base.cents)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def deepest_discount(priced: PricedCart) -> Decimal:
    """The largest share of any sold line's gross taken off by discounts (for the clerk's limit)."""
    return max((discount_percent(p.discount, p.gross) for p in priced.lines if not p.line.is_return),
               default=Decimal(0))


def returned_amounts(*, line_net: int, line_tax: int, sold: int, already_returned: int,
                     returning: int) -> tuple[int, int]:
    """Net and tax refunded for `returning` more units of a line that sold `sold` units.

    Cumulative rounding: the first k units returned refund round(k/sold of the
    line), so returning every unit, in any number of returns, refunds exactly
    what the line was charged and never a cent more.
    """
    if returning <= 0 or already_returned + returning > sold:
        raise ValidationError("quantity", f"only {sold - already_returned} of {sold} can still be returned")

    def upto(amount: int, k: int) -> int:
        return int((Decimal(amount) * k / sold).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    done, now = already_returned, already_returned + returning
    return upto(line_net, now) - upto(line_net, done), upto(line_tax, now) - upto(line_tax, done)


# ---------------------------------------------------------------- tenders


class TenderKind(StrEnum):
    CASH = "cash"
    CARD = "card"
    STORE_CREDIT = "store_credit"

    @property
    def label(self) -> str:
        return {"cash": "Cash", "card": "Card", "store_credit": "Store credit"}[self.value]


@dataclass(frozen=True)
class Tender:
    """Money taken (or, negative, given back) toward a sale.

    `amount` is what counts toward the total; for cash, `tendered` is what the
    customer handed over and the difference is the change.
    """

    kind: TenderKind
    amount: Money
    tendered: Money | None = None
    payment_intent_id: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    refund_id: str | None = None
    card_receipt: EmvReceipt | None = None  # a card payment's chip receipt fields, as Stripe gave them
    refund_status: str | None = None  # a card refund's Stripe status when recorded: succeeded | pending

    @property
    def change(self) -> Money:
        if self.tendered is None:
            return Money(0, self.amount.currency)
        return self.tendered - self.amount


def balance_due(total: Money, tenders: Sequence[Tender]) -> Money:
    """What is still to be paid (negative: still to be refunded to the customer)."""
    return total - sum((t.amount for t in tenders), Money(0, total.currency))


def cash_tender(due: Money, tendered: Money) -> Tender:
    """Cash toward `due`: the customer may hand over more and gets change."""
    if tendered.cents <= 0:
        raise ValidationError("cash", "enter the amount the customer hands over")
    if due.cents <= 0:
        raise ValidationError("cash", "nothing is left to pay")
    applied = min(due, tendered)
    return Tender(TenderKind.CASH, amount=applied, tendered=tendered)


# ---------------------------------------------------------------- as JSON (parked carts, checkouts in progress)


def _money_dict(m: Money | None) -> int | None:
    return None if m is None else m.cents


def _discount_dict(d: Discount | None) -> dict[str, object] | None:
    if d is None:
        return None
    return {"kind": d.kind.value, "percent": str(d.percent), "amount": _money_dict(d.amount), "reason": d.reason}


def _discount_of(data: dict[str, object] | None, currency: str) -> Discount | None:
    if data is None:
        return None
    amount = data.get("amount")
    return Discount(DiscountKind(str(data["kind"])), percent=Decimal(str(data["percent"])),
                    amount=None if amount is None else Money(int(str(amount)), currency), reason=str(data["reason"]))


def cart_to_dict(cart: Cart) -> dict[str, object]:
    return {
        "currency": cart.currency,
        "customer_id": cart.customer_id,
        "customer_name": cart.customer_name,
        "tax_exempt_reason": cart.tax_exempt_reason,
        "tax_exempt_number": cart.tax_exempt_number,
        "order_discount": _discount_dict(cart.order_discount),
        "order_discount_approved_by": cart.order_discount_approved_by,
        **({"salespeople": credits_to_list(cart.salespeople)} if cart.salespeople else {}),
        "lines": [
            {
                "item_id": line.item_id, "sku": line.sku, "description": line.description,
                "quantity": line.quantity, "unit_price": line.unit_price.cents, "list_price": line.list_price.cents,
                "unique": line.unique, "discount": _discount_dict(line.discount),
                "override_reason": line.override_reason, "approved_by": line.approved_by,
                "returned": None if line.returned is None else {
                    "net": line.returned.net.cents, "tax": line.returned.tax.cents,
                    "original_line_id": line.returned.original_line_id,
                    "original_sale_number": line.returned.original_sale_number,
                },
            }
            for line in cart.lines
        ],
    }


def cart_from_dict(data: dict[str, object]) -> Cart:
    currency = str(data["currency"])
    lines = []
    for raw in data["lines"]:  # type: ignore[attr-defined]
        returned = raw.get("returned")
        lines.append(CartLine(
            item_id=raw["item_id"], sku=raw["sku"], description=raw["description"], quantity=int(raw["quantity"]),
            unit_price=Money(int(raw["unit_price"]), currency), list_price=Money(int(raw["list_price"]), currency),
            unique=bool(raw["unique"]), discount=_discount_of(raw.get("discount"), currency),
            override_reason=raw.get("override_reason", ""), approved_by=raw.get("approved_by"),
            returned=None if returned is None else ReturnedAmounts(
                net=Money(int(returned["net"]), currency), tax=Money(int(returned["tax"]), currency),
                original_line_id=returned["original_line_id"],
                original_sale_number=returned["original_sale_number"]),
        ))
    return Cart(
        currency=currency, lines=tuple(lines),
        order_discount=_discount_of(data.get("order_discount"), currency),  # type: ignore[arg-type]
        order_discount_approved_by=data.get("order_discount_approved_by"),  # type: ignore[arg-type]
        customer_id=data.get("customer_id"),  # type: ignore[arg-type]
        customer_name=str(data.get("customer_name") or ""),
        tax_exempt_reason=str(data.get("tax_exempt_reason") or ""),
        tax_exempt_number=str(data.get("tax_exempt_number") or ""),
        salespeople=credits_from_list(data.get("salespeople")),  # type: ignore[arg-type]
    )


def tender_to_dict(t: Tender) -> dict[str, object]:
    return {"kind": t.kind.value, "amount": t.amount.cents, "tendered": _money_dict(t.tendered),
            "payment_intent_id": t.payment_intent_id, "card_brand": t.card_brand, "card_last4": t.card_last4,
            "refund_id": t.refund_id, "card_receipt": t.card_receipt.to_dict() if t.card_receipt else None,
            "refund_status": t.refund_status}


def tender_from_dict(data: dict[str, object], currency: str) -> Tender:
    tendered = data.get("tendered")
    return Tender(TenderKind(str(data["kind"])), amount=Money(int(str(data["amount"])), currency),
                  tendered=None if tendered is None else Money(int(str(tendered)), currency),
                  payment_intent_id=data.get("payment_intent_id"),  # type: ignore[arg-type]
                  card_brand=data.get("card_brand"), card_last4=data.get("card_last4"),  # type: ignore[arg-type]
                  refund_id=data.get("refund_id"),  # type: ignore[arg-type]
                  card_receipt=EmvReceipt.from_dict(data.get("card_receipt")),  # type: ignore[arg-type]
                  refund_status=data.get("refund_status"))  # type: ignore[arg-type]
