"""The Jane Ellen demo store: necklaces, staff, customers, sales since January last year, certificates, appraisals.

Deterministic (a fixed random seed and the day it is made), so screenshots,
tests and the README's demo logins agree. The last 90 days of sales are this
module's; the months before them, the season's extra trade and today's sales
are `demo_history.py`'s, from a random stream of their own; all are written
together, oldest first. Everything is written in one unit of work: a demo
store is complete or not there at all. Names and numbers are fictional: emails use
example.com and phone numbers the 555-01xx range set aside for fiction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pos_app import paths
from pos_app.domain.credentials import normalize_code
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import CertificateLab, Clarity, Cut, ItemStatus, Metal, Origin, Shape, Style, Tracking
from pos_app.domain.money import Money, percent_of
from pos_app.domain.permissions import Actor, Role
from pos_app.services import demo_history
from pos_app.services.demo_history import Planned
from pos_app.services.demo_paperwork import SoldPiece, add_appraisals, add_certificates
from pos_app.services.ports.customers import NewCustomer
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.ports.staff import SecretHasher
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.setup import OwnerAccount

DEMO_PROFILE = StoreProfile(
    name="Jane Ellen",
    address="410 Madison Avenue\nNew York, NY 10017",
    phone="+18005551234",
    email="hello@janeellen.example",
    timezone="America/New_York",
    currency="USD",
    locale="en_US",
    tax_rate="8.875",
    receipt_footer="Thank you for choosing Jane Ellen.",
    privacy_contact="privacy@janeellen.example · 1-800-555-1234",
)
DEMO_OWNER = OwnerAccount(name="Jane Ellen", password="owner-demo-1", pin="1111")


@dataclass(frozen=True)
class DemoStaff:
    name: str
    role: Role
    pin: str
    password: str | None = None
    credentials: str = ""


DEMO_STAFF = (
    DemoStaff("Marcus Reed", Role.MANAGER, "2222", "manager-demo-1"),
    DemoStaff("Lily Chen", Role.CLERK, "3333"),
    DemoStaff("Sam Ortiz", Role.CLERK, "3344"),
    DemoStaff("Priya Nair", Role.APPRAISER, "4444", credentials="GIA Graduate Gemologist"),
    DemoStaff("Dana Brooks", Role.PRIVACY_OFFICER, "5555", "privacy-demo-1"),
)

# Demo only, published in the README so a newcomer can sign in: two-step keys and
# recovery codes for the two roles that require them. A real store enrols its own.
DEMO_TWO_STEP: dict[str, tuple[str, tuple[str, ...]]] = {
    "Jane Ellen": ("JANEELLENDEMOOWNERTOTPSECRETKEY2", tuple(f"janee-{c * 5}" for c in "abcdefghjk")),
    "Dana Brooks": ("DANABROOKSDEMOPRIVACYTOTPSECRET2", tuple(f"danab-{c * 5}" for c in "abcdefghjk")),
}

UNIQUE_PIECES = 205
COUNTED_LINES = 30
SALE_DAYS = 90
POLICY_EFFECTIVE = dt.date(2026, 1, 1)


@dataclass(frozen=True)
class DemoCatalog:
    data: dict[str, Any]
    policy_text: str

    @classmethod
    def load(cls) -> DemoCatalog:
        data = json.loads(paths.demo_data("catalog.json").read_text(encoding="utf-8"))
        policy = paths.demo_data("privacy-policy.txt").read_text(encoding="utf-8")
        return cls(data, policy)


@dataclass(frozen=True)
class DemoSummary:
    items: int
    customers: int
    sales: int
    staff: int
    certificates: int = 0
    appraisals: int = 0
    sold_long_ago: int = 0  # unique pieces of the older history: received and sold (not in stock unless returned)


def _price(rng: random.Random, retail: float) -> int:
    """Retail in cents, ending the way jewelers price: $2,495, $12,950."""
    step = 50 if retail < 10_000 else 250
    dollars = max(step, round(retail / step) * step) - 5
    return int(dollars * 100)


class _Maker:
    def __init__(self, catalog: DemoCatalog, rng: random.Random, today: dt.date) -> None:
        self.c = catalog.data
        self.rng = rng
        self.today = today
        self.numbers: dict[str, int] = {}
        self.barcodes = iter(range(200_000_100_001, 200_000_200_000, 7))

    def sku(self, style: str) -> str:
        prefix = self.c["styles"][style]["prefix"]
        self.numbers[prefix] = self.numbers.get(prefix, 1000) + self.rng.randint(1, 9)
        return f"{prefix}-{self.numbers[prefix]}"

    def item(self, style: Style, *, counted: bool) -> ItemSpec:
        rng, s = self.rng, self.c["styles"][style.value]
        metals = list(self.c["metals"])
        metal = Metal.of(rng.choice(metals[-3:] if counted else metals))
        lab = rng.random() < (0.6 if metal is Metal.SILVER else 0.25)
        shape = Shape.of(rng.choice(self.c["shapes"]) if style is not Style.TENNIS else "round")
        length = rng.choice(s["lengths"])
        grams = round(rng.uniform(*s["grams"]), 2)
        variant = rng.randrange(len(s["titles"]))
        if "center_carat" in s and variant not in s.get("no_center_variants", ()):
            low, high = s["center_carat"]
            center = round(rng.uniform(low, high if not counted else min(high, 0.5)), 2)
            sides = rng.randint(*s["side_stones"])
            side_weight = round(sides * rng.uniform(0.01, 0.02), 2)
            total = round(center + side_weight, 2)
            stones = 1 + sides
        elif "center_carat" in s:  # stations of small bezel-set diamonds, no center stone
            stones = rng.randint(2, 8)
            center, side_weight, sides = 0.0, round(stones * rng.uniform(0.05, 0.2), 2), stones
            total = side_weight
        else:
            low, high = s["total_carat"]
            total = round(rng.uniform(low, high if not counted else low + 1), 2)
            stones = rng.randint(*s["stones"])
            center, side_weight, sides = 0.0, total, stones
        color = rng.choice("DEFGHIJ") if not lab else rng.choice("DEFG")
        clarity = Clarity.of(rng.choice(["VVS1", "VVS2", "VS1", "VS1", "VS2", "VS2", "SI1", "SI2"]))
        cut = Cut.of(rng.choice(["excellent", "excellent", "very_good", "good"]))
        per_carat = (5200 * max(center, 0.01) ** 0.7 if center else 2300) * (0.18 if lab else 1.0)
        quality = 1.0 + ("DEFGHIJ".index(color) * -0.06) + (0.15 if clarity.value.startswith("VVS") else 0)
        stone_value = (center * per_carat * quality) + side_weight * (1900 if not lab else 380)
        metal_value = grams * 38 * self.c["metals"][metal.value]
        retail = (stone_value + metal_value) * 2.1
        price = _price(rng, retail)
        cost = int(price * rng.uniform(0.42, 0.55))
        fmt = {
            "carat": f"{center:.2f}", "ctw": f"{total:.2f}", "shape": shape.label, "shape_lower": shape.label.lower(),
            "metal": metal.label, "length": length, "stones": stones,
        }
        title = s["titles"][variant].format(**fmt)
        if lab:
            title = "Lab-Grown " + title
        cert_lab = cert_number = None
        if center >= 0.7 and not counted:
            if lab:
                cert_lab, cert_number = CertificateLab.IGI, f"LG{rng.randint(500_000_000, 699_999_999)}"
            else:
                cert_lab, cert_number = CertificateLab.GIA, str(rng.randint(1_100_000_000, 7_499_999_999))
        status = ItemStatus.AVAILABLE
        if not counted:
            roll = rng.random()
            status = (ItemStatus.ON_HOLD if roll < 0.03 else ItemStatus.IN_REPAIR if roll < 0.05
                      else ItemStatus.ON_MEMO if roll < 0.08 else ItemStatus.AVAILABLE)
        style_sku = self.sku(style.value)
        return ItemSpec(
            sku=style_sku, barcode=str(next(self.barcodes)), style=style, title=title,
            description=s["descriptions"][variant].format(**fmt), metal=metal,
            chain_length_tenths=length * 10, clasp=rng.choice(s["clasps"]),
            total_carat_points=int(round(total * 100)), stone_count=stones,
            center_shape=shape if center else None,
            center_carat_points=int(round(center * 100)) if center else None,
            center_color=color if center else None, center_clarity=clarity if center else None,
            center_cut=cut if center else None,
            center_origin=Origin.LAB_GROWN if lab else Origin.NATURAL,
            cert_lab=cert_lab, cert_number=cert_number, gram_weight_cg=int(round(grams * 100)),
            cost=Money(cost), price=Money(price),
            tracking=Tracking.COUNTED if counted else Tracking.UNIQUE,
            serial=None if counted else f"JE{rng.randint(100000, 999999)}",
            quantity=rng.randint(2, 8) if counted else 1,
            reorder_point=rng.choice([2, 3]) if counted else None,
            location=rng.choice(["Case 1", "Case 2", "Case 3", "Safe"] if not counted else ["Case 3", "Back office"]),
            status=status, vendor=self.c["lab_vendor"] if lab else rng.choice(self.c["vendors"]),
            received_on=self.today - dt.timedelta(days=rng.randint(3, 560)),
        )


def _enrol_demo_two_step(uow: UnitOfWork, hasher: SecretHasher, people: list[Actor]) -> None:
    for person in people:
        secret, codes = DEMO_TWO_STEP[person.name]
        assert person.staff_id is not None
        uow.staff.set_totp(person.staff_id, secret, None)
        uow.staff.replace_recovery_codes(person.staff_id, [hasher.hash(normalize_code(c)) for c in codes])


def load_demo_store(
    catalog: DemoCatalog,
    *,
    uow_factory: Callable[[], UnitOfWork],
    hasher: SecretHasher,
    owner: Actor,
    seed: int = 2026,
    now: dt.datetime | None = None,
) -> DemoSummary:
    """Fill a freshly set-up store with the demo (one transaction), its sales up to `now` (default: now)."""
    rng = random.Random(seed)
    zone = ZoneInfo(DEMO_PROFILE.timezone)
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(zone).date()
    maker = _Maker(catalog, rng, today)
    styles = list(Style)
    with uow_factory() as uow:
        terminal = owner.terminal
        policy_id = uow.customers.add_policy_version(1, POLICY_EFFECTIVE, catalog.policy_text)
        staff: dict[Role, list[Actor]] = {Role.OWNER: [owner]}
        for person in DEMO_STAFF:
            staff_id = uow.staff.add(name=person.name, role=person.role, pin_hash=hasher.hash(person.pin),
                                     password_hash=hasher.hash(person.password) if person.password else None,
                                     credentials=person.credentials)
            staff.setdefault(person.role, []).append(Actor(staff_id, person.name, person.role, terminal))
        _enrol_demo_two_step(uow, hasher, [owner, *staff[Role.PRIVACY_OFFICER]])
        manager = staff[Role.MANAGER][0]
        sellers = staff[Role.CLERK] + staff[Role.MANAGER]

        specs_made: list[ItemSpec] = []
        for n in range(UNIQUE_PIECES + COUNTED_LINES):
            counted = n >= UNIQUE_PIECES
            style = Style.of(rng.choice(catalog.data["counted_styles"])) if counted else styles[n % len(styles)]
            specs_made.append(maker.item(style, counted=counted))
        items = list(zip(uow.items.add_many(specs_made), specs_made))  # one statement each: the build stays quick
        uow.stock.record_many([(item_id, "receive", spec.quantity, "received") for item_id, spec in items],
                              actor=manager, at=[dt.datetime.combine(spec.received_on or today, dt.time(10), zone)
                                                 .astimezone(dt.UTC) for _, spec in items])

        customers: list[str] = []
        joined_on: dict[str, dt.datetime] = {}
        data = catalog.data
        pairs = [(f, last) for f, last in zip(data["first_names"], data["last_names"])][:50]
        for n, (first, last) in enumerate(pairs):
            city, state, zipcode = rng.choice(data["cities"])
            address = f"{rng.randint(10, 990)} {rng.choice(data['streets'])}\n{city}, {state} {zipcode}"
            joined = now - dt.timedelta(days=rng.randint(95, 900))
            customer_id = uow.customers.add(NewCustomer(
                first_name=first, last_name=last, email=f"{first}.{last}@example.com".lower(),
                phone=f"+1212555{100 + n:04d}", billing_address=address, shipping_address=address,
                adult_confirmed=True, preferences=rng.choice(["", "Prefers white gold", "Ovals and pears",
                                                              "Anniversary in June", "Platinum only"]),
                restricted=n in (7, 31), do_not_sell=n in (3, 12, 40), marketing_objection=n == 22,
            ), at=joined)
            customers.append(customer_id)
            joined_on[customer_id] = joined
            for purpose, chance in (("marketing_email", 0.45), ("marketing_sms", 0.2)):
                if rng.random() < chance:
                    uow.customers.add_consent(customer_id, purpose, True, channel="counter",
                                              policy_version_id=policy_id, staff_id=rng.choice(sellers).staff_id,
                                              at=joined)
                    if rng.random() < 0.12:
                        uow.customers.add_consent(customer_id, purpose, False, channel="email",
                                                  policy_version_id=policy_id, staff_id=None,
                                                  at=joined + dt.timedelta(days=rng.randint(5, 60)))

        rate = Decimal(DEMO_PROFILE.tax_rate)
        sold_unique: set[str] = set()
        counted_left = {item_id: spec.quantity for item_id, spec in items if spec.tracking is Tracking.COUNTED}
        planned: list[Planned] = []
        specs = dict(items)
        for days_ago in range(SALE_DAYS, 0, -1):
            day = today - dt.timedelta(days=days_ago)
            for _ in range(rng.choice([0, 1, 1, 1, 2])):
                lines: list[NewSaleLine] = []
                for _ in range(1 if rng.random() < 0.8 else 2):
                    item_id, spec = rng.choice(items)
                    if spec.status is not ItemStatus.AVAILABLE or item_id in sold_unique:
                        continue
                    if spec.received_on is None or spec.received_on >= day:
                        continue
                    if spec.tracking is Tracking.COUNTED:
                        if counted_left[item_id] <= 0:
                            continue
                        counted_left[item_id] -= 1
                    else:
                        sold_unique.add(item_id)
                    discount = percent_of(spec.price, Decimal(rng.choice([0, 0, 0, 5, 10]))).cents
                    tax = percent_of(Money(spec.price.cents - discount), rate).cents
                    lines.append(NewSaleLine(item_id, spec.sku, spec.title, 1, spec.price.cents, discount, tax,
                                             unique=spec.tracking is Tracking.UNIQUE))
                if not lines:
                    continue
                seller = rng.choice(sellers)
                at = dt.datetime.combine(day, dt.time(rng.randint(10, 18), rng.randint(0, 59)), zone)
                total = sum(line.total_cents for line in lines)
                if rng.random() < 0.75:
                    payment = NewPayment("card", total, payment_intent_id=f"pi_demo{rng.getrandbits(64):016x}",
                                         card_brand=rng.choice(["visa", "mastercard", "amex"]),
                                         card_last4=f"{rng.randint(0, 9999):04d}")
                else:
                    payment = NewPayment("cash", total)
                buyer = rng.choice(customers) if rng.random() < 0.7 else None
                planned.append(Planned(at, NewSale(
                    number="", terminal=terminal, staff_id=seller.staff_id or "", customer_id=buyer,
                    currency="USD", completed_at=at.astimezone(dt.UTC), lines=tuple(lines), payments=(payment,),
                    tax_rate=str(rate)), seller))
        # The older months, the season's extra and today, from their own stream: the rest is the same without them.
        older = random.Random(seed + 2)
        history_maker = _Maker(catalog, older, today)
        history_maker.numbers, history_maker.barcodes = maker.numbers, maker.barcodes  # no SKU or barcode twice

        def piece(style: Style, day: dt.date) -> ItemSpec:
            # What sells is cheaper than what waits in the case: mostly the cheaper of two such pieces.
            made = history_maker.item(style, counted=False)
            other = history_maker.item(style, counted=False)
            if (other.price.cents < made.price.cents) == (older.random() < 0.75):
                made = other
            return dataclasses.replace(made, received_on=day - dt.timedelta(days=older.randint(12, 420)))

        history = demo_history.plan_history(
            older, today=today, now=now.astimezone(zone), recent_days=SALE_DAYS, make_piece=piece,
            counted=[(item_id, spec) for item_id, spec in items if spec.tracking is Tracking.COUNTED],
            customers=joined_on, sellers=sellers, manager=manager, zone=zone, rate=rate, terminal=terminal)
        pieces = demo_history.write_history_stock(uow, history, receiver=manager)
        demo_history.write_sales(uow, [*planned, *history.sales], terminal=terminal)
        sold = [SoldPiece(p.sale_id or "", p.at.date(), p.sale.customer_id, line.item_id, specs[line.item_id],
                          line.unit_price_cents)
                for p in planned if p.sale.customer_id is not None
                for line in p.sale.lines if specs[line.item_id].tracking is Tracking.UNIQUE]
        sales = len(planned) + len(history.sales)
        paper = random.Random(seed + 1)  # its own stream: the rest of the demo is the same without it
        certificates = add_certificates(uow, items, paper)
        certificates.update(add_certificates(uow, pieces, random.Random(seed + 3)))
        appraisals = add_appraisals(uow, items=items, sold=sold, certificates=certificates,
                                    appraiser=staff[Role.APPRAISER][0], customers=customers, today=today, rng=paper)
        summary = DemoSummary(items=len(items) + len(pieces), customers=len(customers), sales=sales,
                              staff=1 + len(DEMO_STAFF), certificates=len(certificates) + 1, appraisals=appraisals,
                              sold_long_ago=len(pieces))
        uow.audit.record(owner, "demo.loaded", entity_type="store", summary=vars(summary))
        uow.commit()
    return summary
