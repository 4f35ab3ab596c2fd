"""Two stores, three counters, one real central PostgreSQL: what the group's data does when counters sell,
edit and erase while cut off, then sync.

One group for the whole module (built once: ~15 s): store A is a clone of the demo store that runs
`central init` (counter S1-C1), A's second counter joins from central (S1-C2), and a new store B's first
counter joins with a set-up that creates its profile and owner (S2-C1). Every test starts and ends with
everyone synced, uses its own pieces and customers, and reads every device and central's tables.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import time_machine

from pos_app import app, cli
from pos_app.domain.cart import Cart, CartLine
from pos_app.domain.errors import CentralProblem, Conflict, StockConflict
from pos_app.domain.items import item_fields
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.services import checkout, customers, inventory
from pos_app.services import staff as staff_service
from pos_app.services.customers import CustomerEdit
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.setup import OwnerAccount, set_up_store
from pos_app.sync_group import add_counter, join_group
from tests.conftest import FAST_HASHER, SIGN_IN_SECRETS, actor_for, cli_login
from tests.integration.sync_helpers import counter_url, first_store, off_ledger, one, rows, sell, sell_cart, sync_now
from tests.integration.test_erasure import _customer, _erase, _key, _request
from tests.postgres_server import PostgresDatabase, PostgresServer
from tests.sqlcipher_pages import decrypted
from tests.sync_groups import GroupTemplates

B_OWNER = OwnerAccount("Bram Osei", "b-owner-pass-1", "7171")
B_CLERK = ("Tove Lind", "7272")
DEMO_MANAGER, DEMO_CLERK = "Marcus Reed", "Lily Chen"


@dataclass
class Group:
    central: PostgresDatabase
    a1: app.Facet
    a2: app.Facet
    b1: app.Facet

    @property
    def counters(self) -> tuple[app.Facet, app.Facet, app.Facet]:
        return (self.a1, self.a2, self.b1)

    def sync_all(self) -> None:
        """Everyone pushes, then everyone pulls what the others pushed after it (a second round)."""
        for _ in range(2):
            for facet in self.counters:
                sync_now(facet)

    def pg(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Central's rows, read as PostgreSQL's administrator (`args`: positional, or one mapping)."""
        params = args[0] if len(args) == 1 and isinstance(args[0], dict) else args
        with self.central.connect() as conn:
            return [tuple(r) for r in conn.execute(query, params).fetchall()]


_NUMBERS = itertools.count(1)


@pytest.fixture(scope="module")
def group_database(postgres_server: PostgresServer, group_templates: GroupTemplates,
                   demo_template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[PostgresDatabase, Path]]:
    """The module's own central database (as `central_database`, for a group shared by the module's tests),
    with A1, the demo store after `central init` made it S1-C1: a copy of the group made once a session
    (tests/sync_groups.py). Dropped after the module with every role its tests created."""
    name = f"central_group_{next(_NUMBERS)}"
    a1 = tmp_path_factory.mktemp("group") / "a1"
    postgres_server.start()
    roles_before = postgres_server.roles()
    first = group_templates.get("first_store", first_store(demo_template))
    yield first.copy_into(name, {"first": a1}), a1
    postgres_server.start()
    postgres_server.drop_database(name)
    postgres_server.drop_roles(sorted(postgres_server.roles() - roles_before - postgres_server.kept_roles))


def _set_up_b(facet: Any, answer: dict[str, Any]) -> None:
    """Store B's profile and owner, as `pos-app sync join --owner-name ...` sets up a new store."""
    profile = StoreProfile(name=answer["store_name"], address="", phone="", email="", timezone="America/Chicago",
                           currency="USD", locale="en_US", tax_rate="0", receipt_footer="", privacy_contact="")
    set_up_store(profile, B_OWNER, uow=facet.uow(), hasher=FAST_HASHER)


def _receive_like(b1: app.Facet, a1: app.Facet, n: int) -> None:
    """Store B receives `n` unique pieces of its own (made like A's first pieces, with new SKUs)."""
    owner = actor_for(b1, Role.OWNER)
    for i, item_id in enumerate(one_column(a1, "SELECT id FROM items WHERE tracking = 'unique' "
                                               "AND status = 'available' ORDER BY sku DESC LIMIT ?", n)):
        spec = inventory.item_detail(item_id, uow=a1.uow(), actor=actor_for(a1, Role.OWNER)).record.spec
        raw = {**item_fields(spec), "sku": f"B-{i + 1:04d}", "barcode": "", "serial": "", "cert_number": "",
               "cert_lab": "", "status": "available", "location": item_fields(spec)["location"]}
        inventory.receive_new_item(raw, uow=b1.uow(), actor=owner)


def one_column(facet: app.Facet, query: str, *args: Any) -> list[Any]:
    return [r[0] for r in rows(facet, query, *args)]


@pytest.fixture(scope="module")
def group(group_database: tuple[PostgresDatabase, Path]) -> Iterator[Group]:
    central, a1_dir = group_database
    root = a1_dir.parent
    a1 = app.open_facet(a1_dir)
    opened = [a1]
    try:
        a_store = one(a1, "SELECT id FROM stores")
        _, _, token = add_counter(central.url, a_store, a1.profile.name)
        join_group(root / "a2", counter_url(central.url), token)
        a2 = app.open_facet(root / "a2")
        opened.append(a2)
        _, _, token = add_counter(central.url, None, "Bellweather Jewelers")
        join_group(root / "b1", counter_url(central.url), token, set_up=_set_up_b)
        b1 = app.open_facet(root / "b1")
        opened.append(b1)
        staff_service.add_staff(B_CLERK[0], Role.CLERK, pin=B_CLERK[1], uow=b1.uow(),
                                actor=actor_for(b1, Role.OWNER), hasher=FAST_HASHER)
        SIGN_IN_SECRETS[B_CLERK[0]] = B_CLERK[1]
        _receive_like(b1, a1, 6)
        built = Group(central, a1, a2, b1)
        built.sync_all()
        yield built
    finally:
        for facet in opened:
            facet.close()


@pytest.fixture
def synced(group: Group) -> Iterator[Group]:
    """The group, everyone synced (the group fixture ends synced, and so does every test)."""
    yield group
    group.sync_all()


# ---------------------------------------------------------------- reading every device


def clerk(facet: app.Facet) -> Actor:
    who = actor_for(facet, Role.CLERK)
    return Actor(staff_id=who.staff_id, name=who.name, role=who.role, terminal=facet.terminal)


def manager(facet: app.Facet) -> Actor:
    who = actor_for(facet, Role.MANAGER)
    return Actor(staff_id=who.staff_id, name=who.name, role=who.role, terminal=facet.terminal)


_TAKEN: set[str] = set()


def pieces(facet: app.Facet, n: int, tracking: str = "unique") -> list[str]:
    """`n` available pieces of this store no other test of the module has used."""
    home = facet.sync().local.state().store_id
    found = [i for i in one_column(facet, "SELECT id FROM items WHERE status = 'available' AND tracking = ? "
                                          "AND on_hand >= 1 AND coalesce(store_id, ?) = ? ORDER BY sku",
                                   tracking, home, home) if i not in _TAKEN][:n]
    assert len(found) == n
    _TAKEN.update(found)
    return found


def run_cli(data_dir: Path, *argv: str) -> tuple[int, Any, str]:
    """`pos-app ARGV --json --data-dir DIR`: (exit code, the JSON printed, what went to stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([*argv, "--json", "--data-dir", str(data_dir)])
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else None), err.getvalue()


# ---------------------------------------------------------------- 1. offline selling, then reconnecting


def test_sales_made_offline_at_three_counters_reach_central_once_and_every_other_counter(synced: Group) -> None:
    g = synced
    closed_port = counter_url(g.central.url).replace(f"port={g.central.server.port}", "port=9")
    assert closed_port != counter_url(g.central.url)
    sales = []
    for facet in g.counters:
        first, second = pieces(facet, 2)
        sales.append(sell(facet, first))  # cut off: simply not syncing
        real = facet.sync().local.state().central
        facet.sync().local.record(central=closed_port)
        try:
            with pytest.raises(CentralProblem):
                sync_now(facet)  # central unreachable: the round fails ...
            sales.append(sell(facet, second))  # ... and the counter sells on
            assert facet.sync().local.state().offline_since is not None
        finally:
            facet.sync().local.record(central=real)
    assert [s.number[:6] for s in sales] == ["S1-C1-", "S1-C1-", "S1-C2-", "S1-C2-", "S2-C1-", "S2-C1-"]

    g.sync_all()

    for sale in sales:  # one piece, paid in cash: one line, one payment, one stock movement each
        assert g.pg("SELECT count(*) FROM facet.changes WHERE table_name = 'sales' AND row_id = %s "
                    "AND op = 'insert'", sale.sale_id) == [(1,)]
        assert g.pg("SELECT (SELECT count(*) FROM facet.records WHERE table_name = 'sale_lines' "
                    "AND data->>'sale_id' = %(id)s), (SELECT count(*) FROM facet.records "
                    "WHERE table_name = 'payments' AND data->>'sale_id' = %(id)s), (SELECT count(*) FROM "
                    "facet.records WHERE table_name = 'stock_movements' AND data->>'reference' = %(number)s)",
                    {"id": sale.sale_id, "number": sale.number}) == [(1, 1, 1)]
        for facet in g.counters:
            assert one(facet, "SELECT number FROM sales WHERE id = ?", sale.sale_id) == sale.number
            assert rows(facet, "SELECT (SELECT count(*) FROM sale_lines WHERE sale_id = ?1), "
                               "(SELECT count(*) FROM payments WHERE sale_id = ?1), "
                               "(SELECT count(*) FROM stock_movements WHERE reference = ?2)",
                        sale.sale_id, sale.number) == [(1, 1, 1)], facet.terminal
    for facet in g.counters:
        assert off_ledger(facet) == []
        assert facet.sync().local.state().offline_since is None
        assert facet.sync().local.waiting() == 0
    assert g.pg("SELECT count(*) FROM facet.stock s JOIN facet.records r ON r.table_name = 'items' "
                "AND r.row_id = s.item_id WHERE s.on_hand != (SELECT coalesce(sum((m.data->>'quantity')::int), 0) "
                "FROM facet.records m WHERE m.table_name = 'stock_movements' AND m.data->>'item_id' = s.item_id "
                "AND m.data->>'store_id' = s.store_id AND m.data->>'kind' <> 'in_transit')"
                ) == [(0,)]


# ---------------------------------------------------------------- 2. one unique piece sold at two offline counters


def test_a_piece_sold_at_two_offline_counters_keeps_both_sales_and_opens_one_conflict_a_manager_resolves(
        synced: Group) -> None:
    g = synced
    [piece] = pieces(g.a1, 1)
    sku = one(g.a1, "SELECT sku FROM items WHERE id = ?", piece)
    first, second = sell(g.a1, piece), sell(g.a2, piece)  # both cut off: each saw the piece available

    g.sync_all()

    for facet in g.counters:
        assert one_column(facet, "SELECT number FROM sales WHERE id IN (?, ?) ORDER BY number",
                          first.sale_id, second.sale_id) == sorted([first.number, second.number])
        # At its store, on every counter of the group (the other store's own on hand of it is none).
        assert one(facet, "SELECT on_hand FROM item_store_stock WHERE item_id = ? AND store_id = ?", piece,
                   g.a1.sync().local.state().store_id) == -1, "flagged, not hidden"
        assert off_ledger(facet) == []
    assert g.pg("SELECT on_hand FROM facet.stock WHERE item_id = %s", piece) == [(-1,)]

    a1_dir = g.a1.data_dir
    cli_login(a1_dir, DEMO_MANAGER)
    code, cases, _ = run_cli(a1_dir, "sync", "conflicts")
    assert code == 0
    [case] = [c for c in cases["conflicts"] if c["row"] == piece]
    assert (case["kind"], case["sku"]) == ("sold_twice", sku)
    assert sorted(s["reference"] for s in case["details"]["sales"]) == sorted([first.number, second.number])
    assert g.pg("SELECT count(*) FROM facet.conflicts WHERE row_id = %s AND resolved_at IS NULL", piece) == [(1,)]

    cli_login(a1_dir, DEMO_CLERK)
    code, said, err = run_cli(a1_dir, "sync", "resolve", str(case["id"]), "--note", "refunded")
    assert code != 0 and said["kind"] == "PermissionDenied" and "clerk cannot resolve" in said["error"]
    code, said, err = run_cli(a1_dir, "sync", "conflicts")
    assert code != 0
    assert g.pg("SELECT count(*) FROM facet.conflicts WHERE row_id = %s AND resolved_at IS NULL", piece) == [(1,)]

    cli_login(a1_dir, DEMO_MANAGER)
    code, said, _ = run_cli(a1_dir, "sync", "resolve", str(case["id"]), "--note", f"refunded sale {second.number}")
    assert code == 0 and said["resolved"] is True
    code, cases, _ = run_cli(a1_dir, "sync", "conflicts")
    assert code == 0 and [c for c in cases["conflicts"] if c["row"] == piece] == []
    [(by, note)] = g.pg("SELECT resolved_by, resolution FROM facet.conflicts WHERE id = %s", case["id"])
    assert by.startswith(DEMO_MANAGER) and note == f"refunded sale {second.number}"


# ---------------------------------------------------------------- 3. a piece of another store


def test_a_clerk_of_store_b_cannot_sell_a_piece_of_store_a_and_is_told_whose_it_is(synced: Group) -> None:
    g = synced
    [piece] = pieces(g.a1, 1)
    sku = one(g.b1, "SELECT sku FROM items WHERE id = ?", piece)
    a_name = g.a1.profile.name
    sales_before = one(g.b1, "SELECT count(*) FROM sales")
    tove = clerk(g.b1)
    assert tove.name == B_CLERK[0]

    row = g.b1.store.inventory.rows_by_ids([piece])[0]
    with pytest.raises(Conflict) as at_scan:  # the scan is refused before anything is paid
        checkout.add_item(Cart(), row, actor=tove)
    assert str(at_scan.value) == (f"{sku} belongs to store S1: a piece is sold only at its home store; transfer it "
                                  "here first.")

    # The database refuses it too, should a cart still hold it (one parked before the piece went home).
    line = CartLine(item_id=row.id, sku=row.sku, description=row.title, quantity=1,
                    unit_price=Money(row.price_cents, row.currency), list_price=Money(row.price_cents, row.currency),
                    unique=True)
    with pytest.raises(StockConflict) as refused:
        sell_cart(g.b1, Cart().with_line(line), actor=tove)

    assert str(refused.value) == (f"{sku} belongs to {a_name} (S1): a piece is sold only at its home store; "
                                  "transfer it here first.")
    assert refused.value.sku == sku
    assert one(g.b1, "SELECT count(*) FROM sales") == sales_before
    assert rows(g.b1, "SELECT status, on_hand FROM items WHERE id = ?", piece) == [("available", 0)], \
        "none of it at this store"
    assert one(g.b1, "SELECT on_hand FROM item_store_stock WHERE item_id = ? AND store_id = ?", piece,
               g.a1.sync().local.state().store_id) == 1
    assert sell(g.a2, piece).number.startswith("S1-C2-"), "at its home store the piece sells"


# ---------------------------------------------------------------- 4. privacy wins

FIRST, LAST = "Ysolde", "Quarrington"
EMAIL, PHONE = "ysolde@quarrington.example", "+13125550188"
PERSONAL = (f"{FIRST} {LAST}", FIRST, LAST, EMAIL, PHONE, "5550188")
TODAY = dt.date(2026, 12, 1)


def _latest_consent(facet: app.Facet, customer_id: str, purpose: str) -> bool | None:
    found = one(facet, "SELECT granted FROM consent_events WHERE customer_id = ? AND purpose = ? "
                       "ORDER BY created_at DESC, rowid DESC LIMIT 1", customer_id, purpose)
    return None if found is None else bool(found)


def test_an_erasure_at_one_counter_leaves_no_personal_value_on_any_counter_or_central_even_after_a_later_edit(
        synced: Group) -> None:
    g = synced
    customer_id = _customer(g.a1, FIRST, LAST, EMAIL, PHONE, "88 Wren Street", notes="likes rose gold")
    customers.change_consent(customer_id, "marketing_email", True, channel="counter", uow=g.a1.uow(),
                             actor=manager(g.a1), today=TODAY)
    g.sync_all()
    for facet in g.counters:
        assert rows(facet, "SELECT first_name, email FROM customers WHERE id = ?", customer_id) == [(FIRST, EMAIL)]
        assert _latest_consent(facet, customer_id, "marketing_email") is True

    # A consent withdrawn at B (another store) is at A's second counter when A2's next round ends.
    customers.change_consent(customer_id, "marketing_email", False, channel="phone", uow=g.b1.uow(),
                             actor=clerk(g.b1), today=TODAY)
    sync_now(g.b1)
    sync_now(g.a2)
    assert _latest_consent(g.a2, customer_id, "marketing_email") is False

    # Erased at A2; B, cut off, edits the customer's notes before it pulls the erasure.
    _erase(g.a2, customer_id, _request(g.a2, customer_id))
    sync_now(g.a2)
    customers.update_customer(customer_id, CustomerEdit(FIRST, LAST, EMAIL, PHONE, notes="asked for a resize"),
                              uow=g.b1.uow(), actor=clerk(g.b1))
    g.sync_all()

    for facet in g.counters:
        [(first, email, phone, notes, erased_at)] = rows(
            facet, "SELECT first_name, email, phone, notes, erased_at FROM customers WHERE id = ?", customer_id)
        assert erased_at is not None and FIRST not in first and email is None and phone is None
        assert "resize" not in (notes or "")
        assert rows(facet, "SELECT count(*) FROM consent_events WHERE customer_id = ?", customer_id) == [(0,)]
        dump = decrypted(facet.db.path, _key(facet)).lower()
        for value in PERSONAL:
            assert value.lower().encode() not in dump, (facet.terminal, value)
    for table in ("records", "changes", "conflicts", "attention"):
        for value in PERSONAL:
            assert g.pg(f"SELECT count(*) FROM facet.{table} t WHERE t::text ILIKE %s",
                        f"%{value}%") == [(0,)], (table, value)
    assert g.pg("SELECT erased FROM facet.records WHERE table_name = 'customers' AND row_id = %s",
                customer_id) == [(True,)]
    assert "resize" not in g.pg("SELECT data::text FROM facet.records WHERE table_name = 'customers' "
                                "AND row_id = %s", customer_id)[0][0]


# ---------------------------------------------------------------- 5. last writer by central order; 6. clocks


def _set_price(facet: app.Facet, item_id: str, price: str) -> None:
    """A manager changes the piece's price at this counter, through the inventory service."""
    who = manager(facet)
    detail = inventory.item_detail(item_id, uow=facet.uow(), actor=who)
    inventory.update_item(item_id, {**item_fields(detail.record.spec), "price": price}, uow=facet.uow(), actor=who)


def _prices(g: Group, item_id: str) -> list[int]:
    return [one(f, "SELECT price_cents FROM items WHERE id = ?", item_id) for f in g.counters] + [
        int(g.pg("SELECT data->>'price_cents' FROM facet.records WHERE table_name = 'items' AND row_id = %s",
                 item_id)[0][0])]


def _overwrites(g: Group, item_id: str) -> list[tuple[Any, ...]]:
    return g.pg("SELECT field, details->'kept', details->'overwritten', details->>'kept_from', "
                "details->>'overwritten_from' FROM facet.conflicts WHERE kind = 'overwrite' AND row_id = %s "
                "ORDER BY id", item_id)


def _edit_offline_then_sync(g: Group, item_id: str, *, second_clock: dt.timedelta) -> tuple[str, str]:
    """A1 and A2 both change the price while cut off (A2 second, its clock off by `second_clock`); A1 syncs
    first, A2 second, then everyone syncs. Returns the edits' times as each counter wrote them."""
    _set_price(g.a1, item_id, "1111.00")
    a1_wrote = one(g.a1, "SELECT updated_at FROM items WHERE id = ?", item_id)
    with time_machine.travel(dt.datetime.now(dt.UTC) + second_clock, tick=True):
        _set_price(g.a2, item_id, "2222.00")
        a2_wrote = one(g.a2, "SELECT updated_at FROM items WHERE id = ?", item_id)
        sync_now(g.a1)
        sync_now(g.a2)
    g.sync_all()
    return a1_wrote, a2_wrote


def test_two_offline_edits_of_one_price_end_with_the_one_central_applied_last_and_one_logged_conflict(
        synced: Group) -> None:
    g = synced
    [item_id] = pieces(g.a1, 1)
    _edit_offline_then_sync(g, item_id, second_clock=dt.timedelta(0))

    assert _prices(g, item_id) == [222200] * 4
    assert _overwrites(g, item_id) == [("price_cents", 222200, 111100, g.a2.sync().local.state().device_id,
                                        g.a1.sync().local.state().device_id)]

    # A1 has pulled A2's price: its next edit overwrites nothing it had not seen.
    _set_price(g.a1, item_id, "3333.00")
    g.sync_all()
    assert _prices(g, item_id) == [333300] * 4
    assert len(_overwrites(g, item_id)) == 1


@pytest.mark.parametrize("off_by", [dt.timedelta(hours=-1), dt.timedelta(hours=1)], ids=["behind", "ahead"])
def test_a_counter_clock_an_hour_off_changes_no_outcome(synced: Group, off_by: dt.timedelta) -> None:
    """A2's clock is an hour behind (its edit looks older than A1's) or ahead: central's order decides."""
    g = synced
    [item_id] = pieces(g.a1, 1)
    a1_wrote, a2_wrote = _edit_offline_then_sync(g, item_id, second_clock=off_by)

    assert (a2_wrote < a1_wrote) is (off_by < dt.timedelta(0)), "behind: A2's edit looks the older one"
    assert _prices(g, item_id) == [222200] * 4
    assert [o[:3] for o in _overwrites(g, item_id)] == [("price_cents", 222200, 111100)]


# ---------------------------------------------------------------- 7. staff


def test_store_b_holds_store_a_staff_without_secrets_and_never_offers_them_to_sign_in(synced: Group) -> None:
    g = synced
    a_staff = set(one_column(g.a1, "SELECT id FROM staff WHERE store_id = (SELECT id FROM stores)"))
    b_staff = set(one_column(g.b1, "SELECT id FROM staff WHERE name IN (?, ?)", B_OWNER.name, B_CLERK[0]))
    assert len(b_staff) == 2 and a_staff <= set(one_column(g.b1, "SELECT id FROM staff"))
    for column in ("pin_hash", "password_hash", "totp_secret"):
        assert one(g.b1, f"SELECT count(*) FROM staff WHERE {column} IS NOT NULL AND id IN "
                         f"({', '.join('?' * len(a_staff))})", *a_staff) == 0, column
    assert one(g.a2, f"SELECT count(*) FROM staff WHERE pin_hash IS NOT NULL AND id IN "
                     f"({', '.join('?' * len(a_staff))})", *a_staff) == len(a_staff), "A's counters keep A's secrets"
    assert one(g.a2, "SELECT count(*) FROM staff WHERE pin_hash IS NOT NULL AND id IN (?, ?)", *b_staff) == 0

    with g.b1.open_store() as store:
        offered = {c.name for c in staff_service.sign_in_choices(store.directory)}
        listed = {r.name for r in staff_service.staff_list(reader=store.staff_security, uow=store.uow(),
                                                           actor=actor_for(g.b1, Role.OWNER),
                                                           include_inactive=True)}
    assert offered == listed == {B_OWNER.name, B_CLERK[0]}
    with g.a2.open_store() as store:
        offered = {c.name for c in staff_service.sign_in_choices(store.directory)}
        listed = {r.name for r in staff_service.staff_list(reader=store.staff_security, uow=store.uow(),
                                                           actor=actor_for(g.a2, Role.OWNER),
                                                           include_inactive=True)}
    assert not {B_OWNER.name, B_CLERK[0]} & (offered | listed)
    assert DEMO_MANAGER in offered

    # A's staff are not B's: B may hire someone of the same name as one of A's clerks.
    hired = staff_service.add_staff("Sam Ortiz", Role.CLERK, pin="7373", uow=g.b1.uow(),
                                    actor=actor_for(g.b1, Role.OWNER), hasher=FAST_HASHER)
    assert one(g.b1, "SELECT count(*) FROM staff WHERE name = 'Sam Ortiz'") == 2
    with g.b1.open_store() as store:
        assert {c.id for c in staff_service.sign_in_choices(store.directory) if c.name == "Sam Ortiz"} == {hired}
