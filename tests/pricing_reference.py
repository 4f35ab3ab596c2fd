"""The one pricing reference the cart tests check `domain.cart.price` against.

Written independently of the code under test, in exact fractions: each sold
line's gross, its own discount (percent rounded half up, or an amount capped at
the line), its share of an order discount (percent per line rounded half up, or
an amount split by largest remainder), and tax on what is left, rounded half up
per line; a returned line refunds exactly what it was charged. The sale's figures
are the sums of the lines'. Used by tests/unit/test_cart.py and
tests/unit/test_cart_pricing.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pos_app.domain.cart import Cart, DiscountKind


def round_half_up(x: Fraction) -> int:
    """Nearest whole cent, halves away from zero; exact, no Decimal context involved."""
    magnitude = abs(x)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * rest >= magnitude.denominator:
        whole += 1
    return whole if x >= 0 else -whole


def largest_remainder(amount: int, weights: list[int]) -> list[int]:
    """`amount` split in proportion to `weights`: exact quotas floored, leftover cents to the largest fractions."""
    total = sum(weights)
    if total == 0:
        return [0] * len(weights)
    quotas = [Fraction(amount * w, total) for w in weights]
    parts = [q.numerator // q.denominator for q in quotas]
    leftover = amount - sum(parts)
    by_fraction = sorted(range(len(weights)), key=lambda i: (parts[i] - quotas[i], i))
    for i in by_fraction[:leftover]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class Expected:
    gross: int
    line_discount: int
    order_discount: int
    tax: int


def reference(cart: Cart, tax_rate: Decimal) -> list[Expected]:
    """Each line of `cart` priced by the documented rule, in exact arithmetic."""
    rate = Fraction(tax_rate) / 100
    sold = [i for i, line in enumerate(cart.lines) if line.returned is None]
    gross: dict[int, int] = {}
    own_off: dict[int, int] = {}
    for i in sold:
        line = cart.lines[i]
        gross[i] = line.unit_price.cents * line.quantity
        d = line.discount
        if d is None:
            own_off[i] = 0
        elif d.kind is DiscountKind.PERCENT:
            own_off[i] = round_half_up(gross[i] * Fraction(d.percent) / 100)
        else:
            assert d.amount is not None
            own_off[i] = min(d.amount.cents, gross[i])
    after = {i: gross[i] - own_off[i] for i in sold}
    order_off = dict.fromkeys(sold, 0)
    od = cart.order_discount
    if od is not None and od.kind is DiscountKind.PERCENT:
        order_off = {i: round_half_up(after[i] * Fraction(od.percent) / 100) for i in sold}
    elif od is not None:
        assert od.amount is not None
        wanted = min(od.amount.cents, sum(after.values()))
        order_off = dict(zip(sold, largest_remainder(wanted, [after[i] for i in sold])))
    expected = []
    for i, line in enumerate(cart.lines):
        if line.returned is not None:
            line_gross = line.unit_price.cents * line.quantity
            # net = gross - discount must come out as minus what was charged
            expected.append(Expected(line_gross, line_gross + line.returned.net.cents, 0, -line.returned.tax.cents))
            continue
        taxable = gross[i] - own_off[i] - order_off[i]
        tax = 0 if cart.tax_exempt else round_half_up(taxable * rate)
        expected.append(Expected(gross[i], own_off[i], order_off[i], tax))
    return expected
