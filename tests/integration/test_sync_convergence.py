"""Randomized convergence of sync: three counters of two stores, random work, random outages, one truth.

Each seed runs on its own copy of one group on a fresh central PostgreSQL: counter A is a demo store that ran
`central_init` (store S1), counter B a second counter of S1 joined from central, counter C the first counter of
a new store S2 (joined with a `set_up` that makes its profile and owner, as `pos-app sync join --owner-name`
does). The group is built once a session and copied for each seed (tests/sync_groups.py): every seed starts
from the same group, as each did when it built its own. A
seeded generator (`random.Random(seed)`) then drives them through the services a person uses: sales of
pieces in stock (each counter only its own store's), returns of earlier sales, edits of items (price, title)
and customers (notes, phone), stock received, units of counted items sent to the other store and checked in
there, an erasure of a customer, with sync rounds at random counters
and counters cut off for a while (a counter that is "offline" simply does not sync).

After everyone syncs until a pass moves nothing (two passes bring everything everywhere; an erasure that
crossed a counter's late writes about the customer takes up to two more), what each person relies on holds:
- every device's rows equal central's, table by table, in the columns central keeps (a canonical digest
  of each; another store's counter holds the shared tables only, and another store's staff without their
  secrets); `items.on_hand` is not compared but must be the ledger's sum on every device;
- no sale is lost or doubled: every sale rung up is on central and on every counter exactly once;
- central refused nothing (nothing waits in its "needs attention" queue), every unique piece central counts
  below zero has a `sold_twice` conflict, and central's change log keeps no consent of an erased customer.
A failure names the seed, to replay it alone (`-k "seed_7"`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.util
import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.cart import Cart
from pos_app.domain.errors import UserFacingError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.persistence.stock_guard import OFF_LEDGER_SQL
from pos_app.persistence.sync_repo import LOCAL_ONLY
from pos_app.services import cash, checkout, customers, erasure, inventory, privacy, returns, transfers
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.setup import OwnerAccount, set_up_store
from pos_app.sync_group import add_counter, join_group
from tests.conftest import FAST_HASHER, actor_for
from tests.integration.sync_helpers import counter_url, first_store, one, rows, sync_now
from tests.sync_groups import CopiedGroup, GroupTemplates

# More seeds, to explore: SYNC_CONVERGENCE_SEEDS=1,2,3,4 pytest tests/integration/test_sync_convergence.py
SEEDS = tuple(int(s) for s in os.environ.get("SYNC_CONVERGENCE_SEEDS", "4,12,17").split(","))
STEPS = int(os.environ.get("SYNC_CONVERGENCE_STEPS", "60"))

_spec = importlib.util.spec_from_file_location(
    "c0003_store_settings", Path(__file__).resolve().parents[2] / "db/central/versions/c0003_store_settings.py")
assert _spec is not None and _spec.loader is not None
_central_schema = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_central_schema)
SHARED: tuple[str, ...] = _central_schema.SHARED
STORE_ONLY: tuple[str, ...] = _central_schema.STORE_ONLY
_c0001 = importlib.util.spec_from_file_location(
    "c0001_central_schema", Path(__file__).resolve().parents[2] / "db/central/versions/c0001_central_schema.py")
assert _c0001 is not None and _c0001.loader is not None
_first_schema = importlib.util.module_from_spec(_c0001)
_c0001.loader.exec_module(_first_schema)
STAFF_SECRETS: tuple[str, ...] = _first_schema.STAFF_SECRETS

SECOND_OWNER = OwnerAccount(name="Sam Second", password="second-pass-1", pin="8888")


@dataclass
class Till:
    """One counter of the group as the test drives it."""

    name: str
    facet: app.Facet
    store_id: str
    clerk: Actor
    manager: Actor
    officer: Actor
    online: bool = True
    sold: list[str] = field(default_factory=list)


def _actor(facet: app.Facet, *roles: Role) -> Actor:
    for role in roles:
        try:
            who = actor_for(facet, role)
        except StopIteration:
            continue
        return Actor(staff_id=who.staff_id, name=who.name, role=who.role, terminal=facet.terminal)
    raise AssertionError(f"no staff with a role of {roles} at {facet.terminal}")


def _till(name: str, facet: app.Facet) -> Till:
    store_id = facet.sync().local.state().store_id
    assert store_id is not None
    return Till(name, facet, store_id, clerk=_actor(facet, Role.CLERK, Role.OWNER),
                manager=_actor(facet, Role.MANAGER, Role.OWNER),
                officer=_actor(facet, Role.PRIVACY_OFFICER, Role.OWNER))


def _set_up_second_store(facet: Any, answer: dict[str, Any]) -> None:
    profile = StoreProfile(name=answer["store_name"], address="", phone="", email="", timezone="America/Chicago",
                           currency="USD", locale="en_US", tax_rate="0", receipt_footer="", privacy_contact="")
    set_up_store(profile, SECOND_OWNER, uow=facet.uow(), hasher=FAST_HASHER)


# ---------------------------------------------------------------- what a person does at a counter

def _shift(till: Till, actor: Actor) -> None:
    if one(till.facet, "SELECT count(*) FROM shifts WHERE terminal = ? AND closed_at IS NULL", actor.terminal) == 0:
        cash.open_shift(Money(50000), uow=till.facet.uow(), actor=actor)


def _sell(till: Till, rnd: random.Random) -> str:
    pieces = [r[0] for r in rows(
        till.facet, "SELECT id FROM items WHERE status = 'available' AND on_hand >= 1 AND price_cents <= 150000 "
                    "AND coalesce(store_id, ?) = ? ORDER BY sku", till.store_id, till.store_id)]
    if not pieces:
        return "sell: nothing in stock"
    # The first few only: two counters of one store, offline, often sell the same piece (central flags it).
    item_id = rnd.choice(pieces[:8])
    facet, actor = till.facet, till.clerk
    _shift(till, actor)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    piece = facet.store.inventory.rows_by_ids([item_id])[0]
    cart = checkout.add_item(Cart(), piece, actor=actor)
    buyers = _customers(till)
    if buyers and rnd.random() < 0.4:
        cart = checkout.attach_customer(cart, rnd.choice(buyers), sales=facet.store.sales, actor=actor)
    co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=actor)
    co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=actor, sales=facet.store.sales)
    done = checkout.complete_sale(co, uow=facet.uow(), actor=actor, sales=facet.store.sales)
    till.sold.append(done.number)
    return f"sell {piece.sku} as {done.number}"


def _customers(till: Till) -> list[str]:
    """A few customers, the same few at every counter: their edits and erasures cross."""
    return [r[0] for r in rows(till.facet, "SELECT id FROM customers WHERE erased_at IS NULL ORDER BY email, id LIMIT 6")]


def _new_customer(till: Till, rnd: random.Random, step: int) -> str:
    customer_id = customers.quick_add_customer(customers.QuickCustomer(
        first_name=f"Random{step}", last_name=f"{till.name}Person", email=f"random{step}@example.com",
        phone="", adult_confirmed=True, marketing_email=rnd.random() < 0.5), uow=till.facet.uow(),
        actor=till.clerk, policy=None)
    return f"new customer {customer_id[:8]}"


def _consent(till: Till, rnd: random.Random) -> str:
    found = _customers(till)
    if not found:
        return "consent: nobody"
    customer_id = rnd.choice(found)
    granted = rnd.random() < 0.5
    customers.change_consent(customer_id, "marketing_email", granted, channel="counter", uow=till.facet.uow(),
                             actor=till.manager, today=dt.date.today())
    return f"consent {customer_id[:8]} {granted}"


def _return(till: Till, rnd: random.Random) -> str:
    numbers = [r[0] for r in rows(
        till.facet, "SELECT s.number FROM sales s JOIN shifts h ON h.id = s.shift_id "
                    "WHERE s.kind = 'sale' AND s.status = 'completed' ORDER BY s.number")]
    if not numbers:
        return "return: no sale of this store"
    number = rnd.choice(numbers)
    facet, actor = till.facet, till.clerk
    sale = returns.find_sale(number, sales=facet.store.sales, actor=actor, uow=facet.uow())
    if not any(returns.returnable(sale).values()):
        return f"return: {number} was returned already"
    _shift(till, actor)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    co = checkout.start_checkout(returns.return_whole_sale(Cart(), sale, actor=actor), settings=settings,
                                 uow=facet.uow(), actor=actor)
    co = checkout.refund_cash(co, -co.due, uow=facet.uow(), actor=actor, approver=till.manager)
    done = checkout.complete_sale(co, uow=facet.uow(), actor=actor, sales=facet.store.sales)
    till.sold.append(done.number)
    return f"return {number} as {done.number}"


def _edit_item(till: Till, rnd: random.Random) -> str:
    ids = [r[0] for r in rows(till.facet, "SELECT id FROM items WHERE coalesce(store_id, ?) = ? ORDER BY sku",
                              till.store_id, till.store_id)]
    if not ids:
        return "edit item: none"
    item_id = rnd.choice(ids[:40])
    facet = till.facet
    fields = inventory.item_detail(item_id, uow=facet.uow(), actor=till.manager).fields
    if rnd.random() < 0.5:
        fields = {**fields, "price": f"{rnd.randrange(100, 9000)}.00"}
    else:
        fields = {**fields, "title": f"{fields['title'].split(' #')[0]} #{rnd.randrange(1000)}"}
    inventory.update_item(item_id, fields, uow=facet.uow(), actor=till.manager)
    return f"edit item {fields['sku']}"


def _edit_customer(till: Till, rnd: random.Random) -> str:
    found = rows(till.facet, "SELECT id, first_name, last_name, email, phone, billing_address, shipping_address, "
                             "preferences, wishlist, notes FROM customers WHERE erased_at IS NULL ORDER BY email, id LIMIT 6")
    if not found:
        return "edit customer: none"
    row = rnd.choice(found)
    form = customers.CustomerEdit(*(v or "" for v in row[1:]))
    if rnd.random() < 0.5:
        form = customers.CustomerEdit(**{**form.__dict__, "notes": f"note {rnd.randrange(10_000)} from {till.name}"})
    else:
        form = customers.CustomerEdit(**{**form.__dict__, "phone": f"312-555-{rnd.randrange(10_000):04d}"})
    customers.update_customer(row[0], form, uow=till.facet.uow(), actor=till.manager)
    return f"edit customer {row[0][:8]}"


def _receive(till: Till, rnd: random.Random, seed: int, step: int) -> str:
    facet = till.facet
    counted = [r[0] for r in rows(facet, "SELECT id FROM items WHERE tracking = 'counted' "
                                         "AND coalesce(store_id, ?) = ? ORDER BY sku", till.store_id, till.store_id)]
    if counted and rnd.random() < 0.5:
        item_id = rnd.choice(counted)
        inventory.receive_more(item_id, rnd.randrange(1, 4), uow=facet.uow(), actor=till.manager)
        return f"receive more of {item_id[:8]}"
    sku = f"RND-{seed}-{till.name}-{step}"
    tracking = rnd.choice(["unique", "counted"])
    raw = {"sku": sku, "style": "solitaire", "title": f"Random Piece {step}", "metal": "14k yellow",
           "price": f"{rnd.randrange(100, 5000)}.00", "cost": "50.00", "tracking": tracking, "location": "Case 2"}
    if tracking == "counted":
        raw["quantity"] = str(rnd.randrange(1, 5))
    inventory.receive_new_item(raw, uow=facet.uow(), actor=till.manager)
    return f"receive new {sku}"


def _coming(till: Till) -> list[str]:
    return [r[0] for r in rows(till.facet, "SELECT item_id FROM item_store_stock WHERE store_id = ? "
                                           "AND in_transit > 0 ORDER BY item_id", till.store_id)]


def _check_in(till: Till, item_id: str | None = None) -> str | None:
    """Check in all units of an item another store sent here (the first in transit, unless named)."""
    coming = _coming(till)
    if not coming:
        return None
    got = transfers.receive_transfer(item_id or coming[0], uow=till.facet.uow(), actor=till.manager)
    return f"check in {got.quantity} of {got.sku}"


def _transfer(till: Till, rnd: random.Random) -> str:
    """Check in units another store sent here, or send a few of a counted item to the other store."""
    facet = till.facet
    coming = _coming(till)
    if coming and rnd.random() < 0.6:
        return _check_in(till, rnd.choice(coming)) or "check in: nothing"
    counted = rows(facet, "SELECT id, on_hand FROM items WHERE tracking = 'counted' AND on_hand >= 1 ORDER BY sku")
    others = [s for s in inventory.group_stores(uow=facet.uow(), actor=till.manager) if not s.here]
    if not counted or not others:
        return "transfer: nothing to send"
    item_id, on_hand = rnd.choice(counted[:10])
    sent = transfers.transfer_out(item_id, rnd.choice(others).code, uow=facet.uow(), actor=till.manager,
                                  quantity=rnd.randrange(1, min(on_hand, 3) + 1))
    return f"send {sent.quantity} of {sent.sku} to {sent.store_code}"


def _erase(till: Till, rnd: random.Random) -> str:
    found = _customers(till)
    if not found:
        return "erase: nobody"
    customer_id = rnd.choice(found)
    facet, officer = till.facet, till.officer
    request = privacy.record_request(customer_id, "deletion", "email", uow=facet.uow(), actor=officer).id
    privacy.verify(request, "code_to_email_on_file", officer.staff_id or "", uow=facet.uow(), actor=officer)
    erasure.erase_customer(customer_id, request, uow=facet.uow(), actor=officer, log=facet.erasure_log(),
                           store=facet.db)
    return f"erase customer {customer_id[:8]}"


# ---------------------------------------------------------------- comparing devices with central

def _canonical(value: Any) -> Any:
    """A value as central's JSON holds it and as the store file holds it, made comparable."""
    if isinstance(value, dict) and "$b64" in value:
        return hashlib.sha256(base64.b64decode(value["$b64"])).hexdigest()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return _canonical(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def _central_rows(pg: Any) -> dict[str, dict[str, tuple[str, dict[str, Any]]]]:
    """table -> row id -> (store id, data) of every row central holds (not deleted)."""
    held: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
    for table, row_id, store_id, data in pg.execute(
            "SELECT table_name, row_id, store_id, data FROM facet.records WHERE NOT deleted"):
        held.setdefault(table, {})[row_id] = (store_id, data)
    return held


def _as_shown(till: Till, table: str, store_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Central's row as this counter is given it (another store's staff: no secrets, not active here)."""
    if table == "staff" and store_id != till.store_id:
        return {**{k: v for k, v in data.items() if k not in STAFF_SECRETS}, "active": False}
    return data


def _differences(till: Till, central: dict[str, dict[str, tuple[str, dict[str, Any]]]]) -> list[str]:
    problems: list[str] = []
    conn = till.facet.connection()
    try:
        for table in (*SHARED, *STORE_ONLY):
            cursor = conn.execute(f"SELECT * FROM {table}")
            keys = [d[0] for d in cursor.description]
            local = {str(r[keys.index("id")]): dict(zip(keys, r)) for r in cursor}
            wanted = {row_id: _as_shown(till, table, store_id, data)
                      for row_id, (store_id, data) in central.get(table, {}).items()
                      if table in SHARED or store_id == till.store_id}
            missing, extra = sorted(set(wanted) - set(local)), sorted(set(local) - set(wanted))
            if missing:
                problems.append(f"{till.name} lacks {len(missing)} {table} central holds: {missing[:3]}")
            if extra:
                problems.append(f"{till.name} holds {len(extra)} {table} central does not: {extra[:3]}")
            skip = LOCAL_ONLY.get(table, frozenset())
            mine, theirs = [], []
            for row_id in sorted(set(wanted) & set(local)):
                columns = sorted(k for k in wanted[row_id] if k not in skip and k in local[row_id])
                a = {k: _canonical(wanted[row_id][k]) for k in columns}
                b = {k: _canonical(local[row_id][k]) for k in columns}
                theirs.append(a)
                mine.append(b)
                if a != b and len(problems) < 40:
                    diff = {k: (a[k], b[k]) for k in columns if a[k] != b[k]}
                    problems.append(f"{till.name} {table} {row_id[:8]} differs (central, here): {diff}")
            digest = hashlib.sha256(json.dumps(theirs, sort_keys=True, default=str).encode()).hexdigest()
            if digest != hashlib.sha256(json.dumps(mine, sort_keys=True, default=str).encode()).hexdigest() \
                    and not any(p.startswith(f"{till.name} {table}") for p in problems):
                problems.append(f"{till.name} {table} digest differs from central's")
        drift = conn.execute(OFF_LEDGER_SQL).fetchall()
        if drift:
            problems.append(f"{till.name} on_hand is not the ledger's sum: {[tuple(r) for r in drift[:5]]}")
        doubled = conn.execute("SELECT number, count(*) FROM sales GROUP BY terminal, number HAVING count(*) > 1"
                               ).fetchall()
        if doubled:
            problems.append(f"{till.name} holds sales twice: {[tuple(r) for r in doubled]}")
    finally:
        conn.close()
    return problems


def _check(tills: list[Till], pg: Any) -> list[str]:
    problems: list[str] = []
    refused = pg.execute("SELECT device_seq, reason, tables FROM facet.attention").fetchall()
    if refused:
        problems.append(f"central refused transactions: {refused}")
    central = _central_rows(pg)
    numbers = Counter(d.get("number") for _, d in central.get("sales", {}).values())
    rung_up = [n for till in tills for n in till.sold]
    lost = [n for n in rung_up if numbers[n] != 1]
    if lost:
        problems.append(f"sales not on central exactly once: {[(n, numbers[n]) for n in lost]}")
    # Per item and store, on hand and in transit apart (central revision c0004).
    stock = {(r[0], r[1], False): r[2] for r in pg.execute("SELECT item_id, store_id, on_hand FROM facet.stock")}
    stock.update({(r[0], r[1], True): r[2] for r in pg.execute("SELECT item_id, store_id, in_transit "
                                                                 "FROM facet.stock")})
    ledger: Counter[tuple[str, str, bool]] = Counter()
    for store_id, data in central.get("stock_movements", {}).values():
        ledger[(data["item_id"], data.get("store_id") or store_id, data["kind"] == "in_transit")] \
            += int(data["quantity"])
    off = {k: (stock.get(k, 0), v) for k, v in ledger.items() if stock.get(k, 0) != v}
    if off:
        problems.append(f"central's stock is not its ledger's sum: {list(off.items())[:5]}")
    twice = {r[0] for r in pg.execute("SELECT row_id FROM facet.conflicts WHERE kind = 'sold_twice'")}
    oversold = [k for (k, _, transit), v in stock.items() if v < 0 and not transit
                and central.get("items", {}).get(k, ("", {}))[1].get("tracking") == "unique" and k not in twice]
    if oversold:
        problems.append(f"unique pieces sold twice with no conflict for a manager: {oversold}")
    short = {r[0] for r in pg.execute("SELECT row_id FROM facet.conflicts WHERE kind = 'below_zero' "
                                      "AND (details->>'in_transit')::boolean")}
    doubled = [k for (k, _, transit), v in stock.items() if transit and v < 0 and k not in short]
    if doubled:
        problems.append(f"transfers checked in twice with no conflict for a manager: {doubled}")
    kept = pg.execute(
        "SELECT c.table_name, c.row_id FROM facet.changes c JOIN facet.records x ON x.table_name = 'customers' "
        "AND x.erased AND c.changes->>'customer_id' = x.row_id WHERE c.table_name = 'consent_events'").fetchall()
    if kept:
        problems.append(f"central's change log keeps consent events of erased customers: {kept[:5]}")
    for till in tills:
        problems += _differences(till, central)
        held = Counter(r[0] for r in rows(till.facet, "SELECT number FROM sales"))
        gone = [n for n in rung_up if held[n] != 1]
        if gone:
            problems.append(f"{till.name} does not hold these sales once: {gone[:5]}")
    return problems


# ---------------------------------------------------------------- the group every seed starts from


def _join_b_and_c(central: Any, root: Path) -> dict[str, Path]:
    """Kind "convergence", built on "first_store": B joins S1, C joins as the first counter of a new store."""
    first = app.open_facet(root / "first")
    try:
        store_id, name = one(first, "SELECT id FROM stores"), first.profile.name
    finally:
        first.close()
    _, _, token = add_counter(central.url, store_id, name)
    join_group(root / "b", counter_url(central.url), token)
    _, _, token = add_counter(central.url, None, "Second Street Jewelers")
    join_group(root / "c", counter_url(central.url), token, set_up=_set_up_second_store)
    return {"b": root / "b", "c": root / "c"}


@pytest.fixture
def three_counters(group_templates: GroupTemplates, demo_template: tuple[Path, str], group_copy: Any,
                   tmp_path: Path) -> CopiedGroup:
    base = group_templates.get("first_store", first_store(demo_template))
    frozen = group_templates.get("convergence", _join_b_and_c, based_on=base)
    folders = {"first": tmp_path / "a", "b": tmp_path / "b", "c": tmp_path / "c"}
    return CopiedGroup(group_copy(frozen, folders), folders)


# ---------------------------------------------------------------- the run

@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed_{s}" for s in SEEDS])
def test_every_counter_converges_on_central_after_random_work_and_outages(
        seed: int, three_counters: CopiedGroup) -> None:
    rnd = random.Random(seed)
    log: list[str] = []
    central_database = three_counters.central
    opened: list[app.Facet] = []
    try:
        for name in ("first", "b", "c"):
            opened.append(app.open_facet(three_counters.folders[name]))
        tills = [_till(name, facet) for name, facet in zip("ABC", opened)]
        assert tills[0].store_id == tills[1].store_id != tills[2].store_id

        actions = [("sell", 6), ("return", 2), ("edit_item", 2), ("edit_customer", 3), ("receive", 2),
                   ("transfer", 3), ("new_customer", 1), ("consent", 1), ("sync", 5), ("toggle", 2)]
        names = [n for n, w in actions for _ in range(w)]
        erasures = 2
        for step in range(STEPS):
            till = rnd.choice(tills)
            action = rnd.choice(names)
            if erasures and step > STEPS // 4 and rnd.random() < 0.06:
                action, erasures = "erase", erasures - 1
            try:
                if action == "sell":
                    done = _sell(till, rnd)
                elif action == "return":
                    done = _return(till, rnd)
                elif action == "edit_item":
                    done = _edit_item(till, rnd)
                elif action == "edit_customer":
                    done = _edit_customer(till, rnd)
                elif action == "receive":
                    done = _receive(till, rnd, seed, step)
                elif action == "transfer":
                    done = _transfer(till, rnd)
                elif action == "new_customer":
                    done = _new_customer(till, rnd, step)
                elif action == "consent":
                    done = _consent(till, rnd)
                elif action == "erase":
                    done = _erase(till, rnd)
                elif action == "toggle":
                    till.online = not till.online
                    done = "online" if till.online else "offline"
                elif till.online:
                    done = f"sync {sync_now(till.facet).to_dict()}"
                else:
                    done = "sync: offline"
            except UserFacingError as exc:  # refused at the counter, as a person would see it: nothing changed
                done = f"{action} refused: {exc}"
            log.append(f"{step:3d} {till.name} {done}")

        # Everyone syncs until a whole pass moves nothing. Two passes bring every change everywhere; when a
        # counter that wrote about a customer before it pulled their erasure erases what it wrote (central's
        # erasure never saw it), it sends that on in the next pass and the counters before it in the order
        # pull it in the pass after: at most two more. A sixth pass must find nothing to move.
        def settle() -> None:
            for passes in range(1, 7):
                moved = 0
                for till in tills:
                    done = sync_now(till.facet)
                    moved += done.pushed + done.pulled
                    log.append(f"  final pass {passes} {till.name} {done.to_dict()}")
                if not moved:
                    return
            raise AssertionError(f"seed {seed}: changes still moving after 6 passes of sync at every counter")

        settle()
        # Whatever is still in transit arrives: each store checks in what was sent to it, and that settles too.
        for till in tills:
            while (step_done := _check_in(till)) is not None:
                log.append(f"    {till.name} {step_done}")
        settle()
        with central_database.connect() as pg:
            problems = _check(tills, pg)
        assert not problems, (f"seed {seed} did not converge:\n  " + "\n  ".join(problems)
                              + "\nsteps:\n  " + "\n  ".join(log))
    except Exception as exc:
        exc.add_note(f"random convergence seed {seed}; steps so far:\n  " + "\n  ".join(log))
        raise
    finally:
        for facet in opened:
            facet.close()
