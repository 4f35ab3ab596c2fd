"""The demo store's older history: sales since January of last year, so last year's figures are there to compare.

Part of the demo's one transaction (`demo.load_demo_store`). The last ninety
days are `demo.py`'s own, unchanged; this module adds, from its own random
stream:

- the months before them, back to the first of January last year, or to
  fourteen months ago when that is earlier (the dashboard compares today, the
  month and the year to date with the same days a year before, and the
  twelve-month figures need a year and more), lighter (a small store on Madison Avenue sells a
  necklace or two on a good day), busier before Christmas, Valentine's Day
  and Mother's Day, quieter in January and the summer, Saturdays busier;
- in the last ninety days, the season's extra trade on top (December);
- today's sales so far, when the store has been open a while.

Every sale goes through the counter's one writer (`write_sale`), so each line
records its cost. The unique pieces these sales sell are made here, received
(dated, in the ledger) weeks or months before they sold, and are in the store
now only as sold pieces, or back in the case when a return brought them back
and nobody bought them since. Counted lines of the store's stock sell too:
each few units sold is reordered and received a few days later, so the stock
the ninety days start from is what `demo.py` received. Some sales come back
(a few in the month after the sale) and are refunded to the card or in cash;
some carry a discount (a manager approves those above a clerk's 10%); two are
tax exempt, with the exemption certificate's number: a dealer's among the
older months, a charity's in the last ninety days.

A sale is planned first (`Planned`) and written later, with every other sale
of the demo, in time order: numbers follow the clock.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pos_app.domain.commission import credits_of
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import ItemStatus, Style, Tracking
from pos_app.domain.money import Money, percent_of
from pos_app.domain.permissions import Actor
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine
from pos_app.services.ports.uow import UnitOfWork

HISTORY_MONTHS = 14
OLDER_RATE = 0.45  # sales a day before the last ninety days, before the season and the weekday
RECENT_RATE = 0.65  # what the last ninety days average; their seasonal extra is on top of it
RETURN_SHARE = 0.05
CASH_CEILING = 300_000  # cents: a larger ticket goes on a card (and no demo customer nears Form 8300)
SHARED_FROM = 3_000_000
"""A clerk's sale of $30,000 or more was closed with the manager's help: shared 60/40 (`sale_credits`)."""
EXEMPT = (("resale: dealer buying for stock (Form ST-120)", "11-2847301"),
          ("exempt organization: charity gala auction (Form ST-119.1)", "EX-214973"))


@dataclass
class Planned:
    """A sale (or a return) to write, at a store-local time. Its number is given when written, in time order;
    a return's lines name the original's positions ("1", "2") until the original is written and has ids."""

    at: dt.datetime
    sale: NewSale
    seller: Actor
    original: Planned | None = None  # the sale a return takes back
    sale_id: str | None = field(default=None, compare=False)


def months_back(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def history_start(today: dt.date) -> dt.date:
    """The demo's first day of sales: fourteen months back, or the first of January last year if earlier (so last
    year's year to date is all there)."""
    return min(months_back(today, HISTORY_MONTHS), dt.date(today.year - 1, 1, 1))


def mothers_day(year: int) -> dt.date:
    """The second Sunday of May."""
    first = dt.date(year, 5, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7)


def season(day: dt.date) -> float:
    """How much busier than an ordinary day: the weeks before Christmas most, then Valentine's Day and
    Mother's Day; January, late December and the summer quieter; Saturdays busier, Sundays quieter."""
    month, date = day.month, day.day
    if month == 12:
        factor = 3.2 if 12 <= date <= 24 else 2.2 if date < 12 else 0.8
    elif month == 2 and date <= 14:
        factor = 2.4 if date >= 7 else 1.6
    elif dt.timedelta(0) <= mothers_day(day.year) - day <= dt.timedelta(days=10):
        factor = 2.0
    elif month == 11 and date >= 24:
        factor = 1.6  # Black Friday's weekend
    elif month == 1 or month in (7, 8):
        factor = 0.75
    else:
        factor = 1.0
    return factor * {5: 1.4, 6: 0.6}.get(day.weekday(), 1.0)


class _Footfall:
    """How many sales each day brings: its expected number, varied by half either way, carried over in
    fractions, so a month sells about what its days expect while its days differ."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.carry = rng, 0.0

    def __call__(self, expected: float) -> int:
        self.carry += expected * self.rng.uniform(0.5, 1.5)
        count = int(self.carry)
        self.carry -= count
        return count


@dataclass
class HistoryPlan:
    pieces: list[tuple[ItemSpec, dt.datetime]]  # unique pieces to add, each with when it was received
    restocks: list[tuple[str, int, dt.datetime]]  # counted items: (item id, units, received at)
    sales: list[Planned]
    piece_ids: dict[str, str] = field(default_factory=dict)  # "piece:N" -> item id, once written


class _Planner:
    """Plans the history, day by day (no database): which pieces sell, to whom, by whom, for how much."""

    def __init__(self, rng: random.Random, *, make_piece: Callable[[Style, dt.date], ItemSpec],
                 counted: Sequence[tuple[str, ItemSpec]], customers: dict[str, dt.datetime],
                 sellers: Sequence[Actor], manager: Actor, zone: dt.tzinfo, rate: Decimal, terminal: str) -> None:
        self.rng, self.make_piece, self.zone, self.rate, self.terminal = rng, make_piece, zone, rate, terminal
        self.counted = list(counted)
        self.customers = customers
        self.sellers, self.manager = list(sellers), manager
        self.plan = HistoryPlan([], [], [])
        self.missing: dict[str, int] = {}  # counted units sold and not back on the shelf
        self.unordered: dict[str, int] = {}  # counted units sold and not reordered yet
        self.arriving: list[tuple[dt.date, str, int]] = []
        self.back_in_case: list[tuple[dt.date, str]] = []  # returned pieces: (back from, piece), for the next buyer
        self.last_day = dt.date.max  # returns come back by this day
        self.styles = list(Style)

    # ------------------------------------------------------------ lines

    def _piece_line(self, day: dt.date) -> tuple[str, ItemSpec]:
        back = [entry for entry in self.back_in_case if entry[0] < day]
        if back and self.rng.random() < 0.6:
            self.back_in_case.remove(back[0])
            piece = back[0][1]
            return piece, self.plan.pieces[int(piece.split(":")[1])][0]
        spec = self.make_piece(self.rng.choice(self.styles), day)
        received = dt.datetime.combine(spec.received_on or day, dt.time(10), self.zone)
        self.plan.pieces.append((spec, received))
        return f"piece:{len(self.plan.pieces) - 1}", spec

    def _counted_line(self, day: dt.date, counted_until: dt.date) -> tuple[str, ItemSpec] | None:
        if day > counted_until:
            return None
        for _ in range(3):
            item_id, spec = self.rng.choice(self.counted)
            if spec.received_on is None or spec.received_on >= day or self.missing.get(item_id, 0) >= spec.quantity:
                continue
            self.missing[item_id] = self.missing.get(item_id, 0) + 1
            self.unordered[item_id] = self.unordered.get(item_id, 0) + 1
            if self.unordered[item_id] >= self.rng.randint(2, 4):
                self._reorder(item_id, day + dt.timedelta(days=self.rng.randint(3, 6)))
            return item_id, spec
        return None

    def _reorder(self, item_id: str, arrives: dt.date) -> None:
        units = self.unordered.pop(item_id)
        self.arriving.append((arrives, item_id, units))
        self.plan.restocks.append((item_id, units, dt.datetime.combine(arrives, dt.time(9, 30), self.zone)))

    def reorder_all(self, arrives: dt.date) -> None:
        """What is still sold and not reordered, ordered now (the ninety days start from full stock)."""
        for item_id in sorted(self.unordered):
            self._reorder(item_id, arrives)

    def _arrivals(self, day: dt.date) -> None:
        """Reordered units are on the shelf from the morning they arrive."""
        for entry in [a for a in self.arriving if a[0] <= day]:
            self.missing[entry[1]] -= entry[2]
            self.arriving.remove(entry)

    # ------------------------------------------------------------ sales

    def day(self, day: dt.date, count: int, *, counted_until: dt.date, opens: dt.time = dt.time(10),
            closes: dt.time = dt.time(19)) -> None:
        self._arrivals(day)
        start = opens.hour * 60 + opens.minute
        end = closes.hour * 60 + closes.minute
        if end <= start:
            return
        for minute in sorted(self.rng.randrange(start, end) for _ in range(count)):
            at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), self.zone)
            self._sale(day, at, counted_until)

    def _sale(self, day: dt.date, at: dt.datetime, counted_until: dt.date) -> None:
        rng = self.rng
        picked: list[tuple[str, ItemSpec]] = []
        for _ in range(1 if rng.random() < 0.85 else 2):
            line = self._counted_line(day, counted_until) if rng.random() < 0.2 else None
            picked.append(line or self._piece_line(day))
        seller = rng.choice(self.sellers)
        festive = season(day) >= 2.0
        percent = rng.choices([0, 5, 10, 15], weights=[60, 12, 18, 10 if festive else 3])[0]
        lines = []
        for item_id, spec in picked:
            discount = percent_of(spec.price, Decimal(percent)).cents
            lines.append(NewSaleLine(
                item_id, spec.sku, spec.title, 1, spec.price.cents, discount,
                percent_of(Money(spec.price.cents - discount), self.rate).cents,
                unique=spec.tracking is Tracking.UNIQUE, discount_reason=f"{percent}% off" if percent else "",
                approved_by=self.manager.staff_id if percent > 10 else None))
        # Two sales in three name a customer, once the store knows a few dozen; before that, fewer (walk-ins).
        known = [cid for cid, joined in self.customers.items() if joined.date() < day]
        buyer = rng.choice(known) if known and rng.random() < 0.65 * min(1.0, len(known) / 30) else None
        self._add(at, seller, buyer, lines)

    def exempt(self, day: dt.date, which: int) -> None:
        """The year's tax-exempt sale: a piece sold without tax to a buyer with an exemption certificate."""
        at = dt.datetime.combine(day, dt.time(14, 20), self.zone)
        item_id, spec = self._piece_line(day)
        reason, number = EXEMPT[which]
        line = NewSaleLine(item_id, spec.sku, spec.title, 1, spec.price.cents, 0, 0, unique=True)
        known = sorted(cid for cid, joined in self.customers.items() if joined.date() < day)
        self._add(at, self.manager, known[which * 7 % len(known)], [line], exempt=(reason, number))

    def _add(self, at: dt.datetime, seller: Actor, buyer: str | None, lines: list[NewSaleLine],
             exempt: tuple[str, str] | None = None) -> None:
        rng = self.rng
        total = sum(line.total_cents for line in lines)
        if total <= CASH_CEILING and rng.random() < 0.3:
            payment = NewPayment("cash", total, tendered_cents=-(-total // 10_000) * 10_000)
        else:
            payment = NewPayment("card", total, payment_intent_id=f"pi_demo{rng.getrandbits(64):016x}",
                                 card_brand=rng.choice(["visa", "visa", "mastercard", "amex"]),
                                 card_last4=f"{rng.randint(0, 9999):04d}")
        # Decided from the sale itself, not the random stream, so the rest of the demo is the same with it.
        shared = seller.staff_id != self.manager.staff_id and total >= SHARED_FROM
        credits = credits_of([(seller.staff_id or "", 6_000), (self.manager.staff_id or "", 4_000)],
                             names={seller.staff_id or "": seller.name,
                                    self.manager.staff_id or "": self.manager.name}) if shared else ()
        sale = NewSale(number="", terminal=self.terminal, staff_id=seller.staff_id or "", customer_id=buyer,
                       currency="USD", completed_at=at.astimezone(dt.UTC), lines=tuple(lines), payments=(payment,),
                       tax_rate=str(self.rate), tax_exempt_reason=exempt[0] if exempt else None,
                       tax_exempt_number=exempt[1] if exempt else None, credits=credits)
        planned = Planned(at, sale, seller)
        self.plan.sales.append(planned)
        if exempt is None and lines[0].unique and rng.random() < RETURN_SHARE:
            self._comes_back(planned, at.date() + dt.timedelta(days=rng.randint(2, 27)))

    def _comes_back(self, planned: Planned, day: dt.date) -> None:
        """A sale returned within four weeks (so some in the next month): its first line, refunded the way it
        was paid; the piece goes back in the case for the next buyer."""
        rng = self.rng
        if day > self.last_day:
            return
        line = planned.sale.lines[0]
        back = NewSaleLine(line.item_id, line.sku, line.description, -1, line.unit_price_cents,
                           -line.discount_cents, -line.tax_cents, unique=True, returns_line_id="1")
        paid = planned.sale.payments[0]
        if paid.tender == "card":
            refund = dataclasses.replace(paid, amount_cents=back.total_cents, tendered_cents=None,
                                         refund_id=f"re_demo{rng.getrandbits(64):016x}")
            clerk = rng.choice(self.sellers)
        else:
            refund, clerk = NewPayment("cash", back.total_cents), self.manager  # cash back: the manager's
        at = dt.datetime.combine(day, dt.time(rng.randint(11, 17), rng.randint(0, 59)), self.zone)
        sale = NewSale(number="", terminal=self.terminal, staff_id=clerk.staff_id or "",
                       customer_id=planned.sale.customer_id, currency="USD", completed_at=at.astimezone(dt.UTC),
                       lines=(back,), payments=(refund,), tax_rate=planned.sale.tax_rate, kind="return",
                       credits=planned.sale.credits)  # a return comes off the salespeople who shared the sale
        self.plan.sales.append(Planned(at, sale, clerk, original=planned))
        self.back_in_case.append((day, line.item_id))


def plan_history(rng: random.Random, *, today: dt.date, now: dt.datetime, recent_days: int,
                 make_piece: Callable[[Style, dt.date], ItemSpec], counted: Sequence[tuple[str, ItemSpec]],
                 customers: dict[str, dt.datetime], sellers: Sequence[Actor], manager: Actor, zone: dt.tzinfo,
                 rate: Decimal, terminal: str) -> HistoryPlan:
    """The history's pieces, restocks and sales (see the module's docstring); `now` is store-local."""
    planner = _Planner(rng, make_piece=make_piece, counted=counted, customers=customers, sellers=sellers,
                       manager=manager, zone=zone, rate=rate, terminal=terminal)
    first = history_start(today)
    recent = today - dt.timedelta(days=recent_days)
    counted_until = recent - dt.timedelta(days=10)  # reorders arrive before the ninety days start
    exempt_days = (first + (recent - first) * 2 // 5, recent + dt.timedelta(days=recent_days // 3))
    planner.last_day = today - dt.timedelta(days=1)
    footfall, extra = _Footfall(rng), _Footfall(rng)
    day = first
    while day < today:
        if day < recent:
            count = footfall(OLDER_RATE * season(day))
        else:
            count = extra(RECENT_RATE * max(0.0, season(day) - 1.0))
        planner.day(day, count, counted_until=counted_until)
        if day in exempt_days:
            planner.exempt(day, exempt_days.index(day))
        if day == counted_until:
            planner.reorder_all(day + dt.timedelta(days=3))
        day += dt.timedelta(days=1)
    # Today, up to a quarter of an hour ago, once the store has been open a while.
    until = now - dt.timedelta(minutes=15)
    planner.day(today, extra(RECENT_RATE * season(today)), counted_until=counted_until,
                closes=min(until.time(), dt.time(19)) if until.date() == today else dt.time(0))
    return planner.plan


def write_history_stock(uow: UnitOfWork, plan: HistoryPlan, *, receiver: Actor) -> list[tuple[str, ItemSpec]]:
    """The history's pieces and their receipts, and the counted lines' reorders, in two statements each;
    the planned sales then name the pieces' ids. Returns the pieces written (id, spec)."""
    specs = [dataclasses.replace(spec, status=ItemStatus.AVAILABLE) for spec, _ in plan.pieces]
    ids = uow.items.add_many(specs)
    plan.piece_ids = {f"piece:{n}": item_id for n, item_id in enumerate(ids)}
    moves = [(item_id, "receive", 1, "received") for item_id in ids]
    moves += [(item_id, "receive", units, "received") for item_id, units, _ in plan.restocks]
    times = [received for _, received in plan.pieces] + [at for _, _, at in plan.restocks]
    uow.stock.record_many(moves, actor=receiver, at=[t.astimezone(dt.UTC) for t in times])
    for planned in plan.sales:
        lines = tuple(dataclasses.replace(line, item_id=plan.piece_ids.get(line.item_id, line.item_id))
                      for line in planned.sale.lines)
        planned.sale = dataclasses.replace(planned.sale, lines=lines)
    return list(zip(ids, specs))


def write_sales(uow: UnitOfWork, sales: Sequence[Planned], *, terminal: str) -> None:
    """Every planned sale of the demo, oldest first, numbered in that order (C1-000001 the oldest)."""
    for number, planned in enumerate(sorted(sales, key=lambda p: p.at), start=1):
        sale = dataclasses.replace(planned.sale, number=f"{terminal}-{number:06d}")
        if planned.original is not None:
            assert planned.original.sale_id is not None, "a return is written after the sale it takes back"
            ids = uow.counter.line_ids(planned.original.sale_id)
            sale = dataclasses.replace(sale, original_sale_id=planned.original.sale_id, lines=tuple(
                dataclasses.replace(line, returns_line_id=ids[int(line.returns_line_id or "1") - 1])
                for line in sale.lines))
        # The counter's own writer (stock movements, pieces sold, outbox), dated when it was sold; the history is
        # audited once, as `demo.loaded`, not sale by sale.
        planned.sale_id = uow.counter.write_sale(sale, actor=planned.seller, action=None,
                                                 at=planned.at.astimezone(dt.UTC))
