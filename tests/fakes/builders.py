"""A small store in memory for service-rule tests: the profile, one person of each role, items, customers.

Seeding writes straight into the fake state (not through the services under
test), the way a fixture loads rows; hashes are real argon2id with cheap costs,
made once per test session.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from pos_app.adapters.hashing import Argon2Hasher
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import ItemStatus, Metal, Style, Tracking
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.services.ports.inventory import ItemRow
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.ports.staff import StaffRecord
from tests.fakes.inventory import FakeInventoryReader
from tests.fakes.state import FakeState, MoveRow, StaffRow, utcnow
from tests.fakes.uow import FakeUnitOfWork

HASHER = Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1)
PROFILE = StoreProfile(name="Test Jewelers", address="1 Main Street\nSpringfield, IL 62701", phone="+12175550123",
                       email="shop@test-jewelers.example", timezone="America/Chicago", currency="USD",
                       locale="en_US", tax_rate="6.25", receipt_footer="Thank you",
                       privacy_contact="privacy@example.com")
TERMINAL = "C1"
# Who works at the fake store, and what they sign in with (PIN roles: PIN; password roles: password and PIN).
STAFF = {
    Role.OWNER: ("Olive Owner", "owner-pass-1", "9999"),
    Role.MANAGER: ("Mina Manager", "manager-pass-1", "4321"),
    Role.CLERK: ("Cody Clerk", None, "1234"),
    Role.APPRAISER: ("Ada Appraiser", None, "5678"),
    Role.PRIVACY_OFFICER: ("Pia Privacy", "privacy-pass-1", None),
}


@functools.cache
def hashed(secret: str) -> str:
    return HASHER.hash(secret)


def staff_id(role: Role) -> str:
    return f"staff-{role.value}"


def fake_store(*, staff: bool = True) -> FakeUnitOfWork:
    """A set-up store (Test Jewelers, Chicago, 6.25% tax) with one active person of each role."""
    state = FakeState(profile=PROFILE)
    if staff:
        for role, (name, password, pin) in STAFF.items():
            sid = staff_id(role)
            state.staff[sid] = StaffRow(StaffRecord(
                id=sid, name=name, role=role, pin_hash=hashed(pin) if pin else None,
                password_hash=hashed(password) if password else None, active=True, failed_attempts=0,
                locked_until=None))
    return FakeUnitOfWork(state)


def actor(role: Role, *, terminal: str = TERMINAL) -> Actor:
    """The signed-in person of `role` at the fake store."""
    return Actor(staff_id=staff_id(role), name=STAFF[role][0], role=role, terminal=terminal)


def secret_of(role: Role) -> str:
    _, password, pin = STAFF[role]
    return password if role.signs_in_with_password and password else (pin or "")


def item_spec(sku: str = "NK-1", *, price_cents: int = 250_000, tracking: Tracking = Tracking.UNIQUE,
              quantity: int = 1, status: ItemStatus = ItemStatus.AVAILABLE, barcode: str | None = None,
              cost_cents: int | None = 100_000) -> ItemSpec:
    return ItemSpec(sku=sku, style=Style.SOLITAIRE, title=f"Solitaire {sku}", metal=Metal.PLATINUM,
                    price=Money(price_cents, "USD"), tracking=tracking, location="Case 1", barcode=barcode,
                    cost=None if cost_cents is None else Money(cost_cents, "USD"), quantity=quantity, status=status,
                    serial=f"S-{sku}" if tracking is Tracking.UNIQUE else None, received_on=dt.date(2026, 1, 5))


def add_item(uow: FakeUnitOfWork, spec: ItemSpec | None = None, **kwargs: object) -> str:
    """An item with its receipt on the ledger (`spec.quantity` received)."""
    spec = spec or item_spec(**kwargs)  # type: ignore[arg-type]
    item_id = uow.items.add(spec)
    if spec.quantity:
        uow.state.moves.append(MoveRow(item_id, "receive", spec.quantity, "received", None, None, TERMINAL, utcnow()))
    return item_id


def item_row(uow: FakeUnitOfWork, item_id: str) -> ItemRow:
    """The inventory list's row of an item, as the sell screen hands it to the cart."""
    (row,) = FakeInventoryReader(uow.state).rows_by_ids([item_id])
    return row


def add_customer(uow: FakeUnitOfWork, *, email: str | None = "ruby@example.com", phone: str | None = None,
                 restricted: bool = False, first_name: str = "Ruby", last_name: str = "Stone") -> str:
    from pos_app.services.ports.customers import NewCustomer

    return uow.customers.add(NewCustomer(first_name=first_name, last_name=last_name, email=email, phone=phone,
                                         restricted=restricted))


def add_sale(uow: FakeUnitOfWork, lines: Sequence[tuple[str, int, int, int, int]], *,
             payments: Sequence[dict[str, object]] = (), number: str | None = None, terminal: str = TERMINAL,
             shift_id: str | None = None, customer_id: str | None = None, clerk: Role = Role.CLERK,
             completed_at: dt.datetime | None = None, returns: Sequence[str | None] = (),
             original_sale_id: str | None = None) -> str:
    """A completed sale written by the counter's own writer (`write_sale`): its stock moved, its unique
    pieces sold (or, returned, available again).

    `lines` are (item_id, quantity, unit_price_cents, discount_cents, tax_cents), a returned line with a
    negative quantity, discount and tax (as checkout prices a return) and the id of the line it returns in
    `returns` (same order). `payments` (NewPayment's fields) default to the total in cash.
    """
    number = number or f"{terminal}-{1 + uow.state.sale_numbers.get(terminal, 0):06d}"
    uow.state.sale_numbers[terminal] = int(number.rsplit("-", 1)[1])
    new_lines = []
    for n, (item_id, quantity, unit, discount, tax) in enumerate(lines):
        spec = uow.state.items[item_id].spec
        new_lines.append(NewSaleLine(item_id=item_id, sku=spec.sku, description=spec.title, quantity=quantity,
                                     unit_price_cents=unit, discount_cents=discount, tax_cents=tax,
                                     unique=spec.tracking is Tracking.UNIQUE,
                                     returns_line_id=returns[n] if returns else None))
    total = sum(line.total_cents for line in new_lines)
    sold, back = any(x.quantity > 0 for x in new_lines), any(x.quantity < 0 for x in new_lines)
    paid = tuple(NewPayment(**{"tender": "cash", "amount_cents": total, **p}) for p in (payments or [{}]))  # type: ignore[arg-type]
    sale = NewSale(number=number, terminal=terminal, staff_id=staff_id(clerk), customer_id=customer_id,
                   currency="USD", completed_at=completed_at or utcnow(), lines=tuple(new_lines), payments=paid,
                   tax_rate="6.25", kind="exchange" if sold and back else "return" if back else "sale",
                   original_sale_id=original_sale_id, shift_id=shift_id)
    return uow.counter.write_sale(sale, actor=actor(clerk, terminal=terminal), action=None)


def set_state(uow: FakeUnitOfWork, **changes: object) -> FakeState:
    """Replace top-level parts of the state (say `profile=`) and return it."""
    for name, value in changes.items():
        setattr(uow.state, name, value)
    return uow.state


__all__ = ["HASHER", "PROFILE", "TERMINAL", "actor", "add_customer", "add_item", "add_sale", "fake_store",
           "item_row", "item_spec", "secret_of", "staff_id"]
