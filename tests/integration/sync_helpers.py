"""What the sync tests share: a group on a real central PostgreSQL, counters with their own encrypted stores,
and selling at one of them the way the counter does (cash, through the checkout services)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pos_app import app
from pos_app.adapters.central import without_login
from pos_app.domain.cart import Cart
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.persistence.stock_guard import OFF_LEDGER_SQL
from pos_app.services import cash, checkout, sync
from pos_app.sync_group import add_counter, join_group
from tests.conftest import actor_for
from tests.postgres_server import PostgresDatabase
from tests.sync_groups import Builder


def counter_url(admin_url: str) -> str:
    """Central's URL as a counter is given it: no user, no password (the token holds the login)."""
    return without_login(admin_url)


def join(admin_url: str, folder: Path, store_id: str | None = None, store_name: str | None = None) -> app.Facet:
    """A new counter in `folder`, enrolled with a fresh token and built from central's snapshot."""
    _, _, token = add_counter(admin_url, store_id, store_name)
    join_group(folder, counter_url(admin_url), token)
    return app.open_facet(folder)


def sync_now(facet: app.Facet) -> sync.SyncRound:
    group = facet.sync()
    with group.link() as link:
        return sync.sync_once(group.local, link)


def off_ledger(facet: app.Facet) -> list[tuple[Any, ...]]:
    """Items whose on hand (this store's) or per-store sums differ from the ledger: none, on every device."""
    return rows(facet, OFF_LEDGER_SQL)


def one(facet: app.Facet, query: str, *args: Any) -> Any:
    conn = facet.connection()
    try:
        row = conn.execute(query, args).fetchone()
        return None if row is None else row[0]
    finally:
        conn.close()


def rows(facet: app.Facet, query: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(query, args)]
    finally:
        conn.close()


def clerk_at(facet: app.Facet) -> Actor:
    who = actor_for(facet, Role.CLERK)
    return Actor(staff_id=who.staff_id, name=who.name, role=who.role, terminal=facet.terminal)


def sell(facet: app.Facet, item_id: str, *, actor: Actor | None = None) -> checkout.CompletedSale:
    """A cash sale of one unit of `item_id` at this counter."""
    actor = actor or clerk_at(facet)
    piece = facet.store.inventory.rows_by_ids([item_id])[0]
    return sell_cart(facet, checkout.add_item(Cart(), piece, actor=actor), actor=actor)


def sell_cart(facet: app.Facet, cart: Cart, *, actor: Actor) -> checkout.CompletedSale:
    """Check `cart` out in cash at this counter (its drawer opened first if it is closed)."""
    if one(facet, "SELECT count(*) FROM shifts WHERE terminal = ? AND closed_at IS NULL", actor.terminal) == 0:
        cash.open_shift(Money(20000), uow=facet.uow(), actor=actor)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=actor)
    co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=actor, sales=facet.store.sales)
    return checkout.complete_sale(co, uow=facet.uow(), actor=actor, sales=facet.store.sales)


def available(facet: app.Facet, tracking: str = "unique", n: int = 1) -> list[str]:
    conn = facet.connection()
    try:
        return [r[0] for r in conn.execute(
            "SELECT id FROM items WHERE status = 'available' AND tracking = ? AND on_hand >= 1 "
            "ORDER BY sku LIMIT ?", (tracking, n))]
    finally:
        conn.close()


NEW_OWNER = ("Noor Haddad", "noor-owner-pass-1", "5151")


def join_new_store(admin_url: str, folder: Path, name: str, *, owner: tuple[str, str, str] = NEW_OWNER,
                   tax_rate: str = "8.25") -> app.Facet:
    """The first counter of a new store of the group: its profile and owner are set up here, then pushed."""
    from pos_app.services.ports.settings import StoreProfile
    from pos_app.services.setup import OwnerAccount, set_up_store
    from tests.conftest import FAST_HASHER

    def set_up(facet: app.Facet, answer: dict[str, Any]) -> None:
        profile = StoreProfile(name=answer["store_name"], address="", phone="", email="",
                               timezone="America/Chicago", currency="USD", locale="en_US", tax_rate=tax_rate,
                               receipt_footer="", privacy_contact="")
        set_up_store(profile, OwnerAccount(*owner), uow=facet.uow(), hasher=FAST_HASHER)

    _, _, token = add_counter(admin_url, None, name)
    join_group(folder, counter_url(admin_url), token, set_up=set_up)
    return app.open_facet(folder)


# ---------------------------------------------------------------- groups built once a session (tests/sync_groups.py)
# Builders for `group_templates.get(kind, builder)`: the same set-ups the tests made for themselves, made once a
# session and copied into each test (`group_copy`). Each returns its counters' folders, every counter closed.


def first_store(demo_template: tuple[Path, str]) -> Builder:
    """Kind "first_store": the demo store ran `central_init` (S1-C1, central seeded from it)."""

    def build(central: PostgresDatabase, root: Path) -> dict[str, Path]:
        from tests.conftest import clone_store

        folder = clone_store(demo_template, root / "first")
        facet = app.open_facet(folder)
        try:
            facet.sync().central_init(central.url)
        finally:
            facet.close()
        return {"first": folder}

    return build


def second_counter(central: PostgresDatabase, root: Path) -> dict[str, Path]:
    """Kind "two_counters", built on "first_store": a second counter of the store joined (S1-C2)."""
    first = app.open_facet(root / "first")
    try:
        store_id, name = one(first, "SELECT id FROM stores"), first.profile.name
    finally:
        first.close()
    join(central.url, root / "second", store_id, name).close()
    return {"second": root / "second"}
