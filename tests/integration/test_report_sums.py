"""Any grouping of the sales adds up to the total, to the cent, on a real encrypted store (hypothesis).

Each example writes its sales (and returns of some of their lines) into a year of its own, through the
counter's own writer, then groups that year by every grouping the reports offer: the sums of every
additive figure over the groups are the figures of the whole year, and the daily receipt counts add up
to the year's.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_app import app
from pos_app.domain.cart import returned_amounts
from pos_app.domain.figures import Period, SalesTotals, total
from pos_app.domain.money import Money, percent_of
from pos_app.domain.permissions import Actor, Role
from pos_app.services import inventory, staff
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine
from pos_app.services.setup import parse_store_profile
from tests.conftest import FAST_HASHER, OWNER, STORE_FORM

ZONE = ZoneInfo("America/Chicago")
PIECES = (  # sku, style, metal, price, cost
    ("TEN-1", "tennis", "14k white", "950.00", "400.00"),
    ("TEN-2", "tennis", "platinum", "12500.00", "6100.00"),
    ("HAL-1", "halo", "18k yellow", "4300.00", ""),
    ("SOL-1", "solitaire", "14k white", "27000.00", "13000.00"),
    ("BEZ-1", "bezel", "14k rose", "640.00", "210.00"),
    ("LNK-1", "linked_tennis", "18k white", "7800.00", "3300.00"),
)
GROUPINGS = ("day", "week", "month", "style", "metal", "band", "clerk", "counter", "item")


class World:
    years = itertools.count(2001)

    def __init__(self, facet: app.Facet) -> None:
        self.facet = facet
        people = facet.store.directory.staff_list()
        owner = next(Actor(s.id, s.name, s.role, facet.terminal) for s in people if s.role is Role.OWNER)
        clerk_id = staff.add_staff("Ines Ibarra", Role.CLERK, pin="6543", uow=facet.uow(), actor=owner,
                                   hasher=FAST_HASHER)
        self.people = [owner, Actor(clerk_id, "Ines Ibarra", Role.CLERK, facet.terminal)]
        self.items = []
        for sku, style, metal, price, cost in PIECES:
            record = inventory.receive_new_item(
                {"sku": sku, "style": style, "title": f"{style} {metal}", "metal": metal, "price": price,
                 "cost": cost, "tracking": "counted", "quantity": "100000", "location": "Case 1"},
                uow=facet.uow(), actor=owner)
            self.items.append((record.id, sku, record.spec.price.cents))
        self.number = 0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    facet = app.create_facet(tmp_path_factory.mktemp("sums") / "store", parse_store_profile(STORE_FORM), OWNER,
                             hasher=FAST_HASHER)
    yield World(facet)
    facet.close()


line_st = st.tuples(st.integers(0, len(PIECES) - 1), st.integers(1, 3), st.sampled_from((0, 5, 10)))
sale_st = st.tuples(st.integers(0, 363), st.integers(0, 23), st.integers(0, 1), st.lists(line_st, min_size=1,
                    max_size=3), st.booleans(), st.booleans())
RATE = Decimal("6.25")


def write_year(world: World, year: int, sales: list[tuple[int, int, int, list[tuple[int, int, int]], bool, bool]],
               ) -> None:
    given_back: list[tuple[str, Actor, dt.datetime, NewSaleLine]] = []
    with world.facet.uow() as uow:
        for day, hour, who, lines, exempt, give_back in sales:
            at = dt.datetime.combine(dt.date(year, 1, 1) + dt.timedelta(days=day), dt.time(hour, 30), ZONE)
            new_lines = []
            for piece, quantity, off in lines:
                item_id, sku, price = world.items[piece]
                discount = percent_of(Money(price * quantity, "USD"), Decimal(off)).cents
                tax = 0 if exempt else percent_of(Money(price * quantity - discount, "USD"), RATE).cents
                new_lines.append(NewSaleLine(item_id, sku, sku, quantity, price, discount, tax))
            world.number += 1
            seller = world.people[who]
            sale_id = uow.counter.write_sale(NewSale(
                number=f"C1-{world.number:06d}", terminal="C1", staff_id=seller.staff_id or "", customer_id=None,
                currency="USD", completed_at=at.astimezone(dt.UTC), lines=tuple(new_lines),
                payments=(NewPayment("cash", sum(line.total_cents for line in new_lines)),),
                tax_rate="0" if exempt else str(RATE), tax_exempt_number="EX-9" if exempt else None,
            ), actor=seller, action=None, at=at.astimezone(dt.UTC))
            if give_back:
                given_back.append((sale_id, seller, at, new_lines[0]))
        uow.commit()
    conn = world.facet.connection()
    try:
        first_lines = {sale_id: conn.execute("SELECT id FROM sale_lines WHERE sale_id = ? AND position = 1",
                                             (sale_id,)).fetchone()[0] for sale_id, *_ in given_back}
    finally:
        conn.close()
    # The first line of some sales comes back whole the next day (in the next year for one on 30 December).
    with world.facet.uow() as uow:
        for sale_id, seller, at, first in given_back:
            net, tax = returned_amounts(line_net=first.unit_price_cents * first.quantity - first.discount_cents,
                                        line_tax=first.tax_cents, sold=first.quantity, already_returned=0,
                                        returning=first.quantity)
            gross = first.unit_price_cents * first.quantity
            back = NewSaleLine(first.item_id, first.sku, first.sku, -first.quantity, first.unit_price_cents,
                               -(gross - net), -tax, returns_line_id=first_lines[sale_id])
            world.number += 1
            later = (at + dt.timedelta(days=1)).astimezone(dt.UTC)
            uow.counter.write_sale(NewSale(
                number=f"C1-{world.number:06d}", terminal="C1", staff_id=seller.staff_id or "", customer_id=None,
                currency="USD", completed_at=later, lines=(back,), payments=(NewPayment("cash", back.total_cents),),
                kind="return", original_sale_id=sale_id), actor=seller, action=None, at=later)
        uow.commit()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sales=st.lists(sale_st, min_size=1, max_size=8))
def test_every_grouping_adds_up_to_the_total(world: World, sales: list) -> None:  # type: ignore[type-arg]
    year = next(World.years)
    write_year(world, year, sales)
    period = Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    reader = world.facet.store.reports
    whole = reader.sales_totals(period, "America/Chicago")
    everything = whole[0].totals if whole else SalesTotals()
    assert everything.sales == len(sales)
    for by in GROUPINGS:
        groups = reader.sales_totals(period, "America/Chicago", by=by)
        summed = total(g.totals for g in groups)
        for name in SalesTotals.ADDITIVE:
            assert getattr(summed, name) == getattr(everything, name), (by, name)
        if by in ("day", "week", "month"):
            assert (summed.sales, summed.returns) == (everything.sales, everything.returns)
    # The year's own figures, by hand from what was written: every sold line, every return inside the year.
    sold_gross = sum(world.items[p][2] * q for sale in sales for p, q, _ in sale[3])
    assert everything.sold_gross == sold_gross
