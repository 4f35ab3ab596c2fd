"""Central's push (central revision c0002): new rows applied set-based, everything else one change at a time,
and every promise of a push kept either way.

The counters here are bare: a central made by `CentralAdmin.upgrade`, a store and a counter enrolled with its
own least-privilege login, and batches written as a counter's outbox sends them, so each test says exactly which
rows central is given. One test sells at a real store and syncs, as the counter does.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pos_app import app, paths
from pos_app.adapters.central import CENTRAL_REVISION, KEEPALIVE, CentralAdmin, CentralLink, new_password
from pos_app.domain.errors import CentralProblem
from tests.integration.sync_helpers import available, counter_url, sell, sync_now


class Counter:
    """A bare enrolled counter: its link to central and the next device sequence number of its outbox."""

    def __init__(self, link: CentralLink, device_id: str, store_id: str) -> None:
        self.link, self.device_id, self.store_id = link, device_id, store_id
        self.seq = 0

    def tx(self, *changes: tuple[str, str, str, dict[str, Any] | None]) -> dict[str, Any]:
        """One local transaction as the outbox sends it: (table, row id, op, data) each, numbered in order."""
        numbered = []
        for table, row, op, data in changes:
            self.seq += 1
            numbered.append({"seq": self.seq, "table": table, "row": row, "op": op, "data": data})
        return {"tx": str(uuid.uuid4()), "changes": numbered}

    def push(self, *txs: dict[str, Any], seen: int = 0) -> dict[str, Any]:
        return self.link.push(seen, list(txs))


def enrolled(url: str, store_id: str | None = None, name: str = "Main Street") -> Counter:
    admin = CentralAdmin(url)
    store_id = store_id or str(uuid.uuid4())
    admin.add_store(name, store_id)
    _, credentials = admin.add_counter(store_id)
    device_id = str(uuid.uuid4())
    link = CentralLink(counter_url(url), credentials)
    link.enrol(device_id, "till", new_password())
    return Counter(link, device_id, store_id)


@pytest.fixture
def counter(central_database: Any) -> Iterator[Counter]:
    CentralAdmin(central_database.url).upgrade()
    till = enrolled(central_database.url)
    yield till
    till.link.close()


def rows_at(central_database: Any, query: str, *args: Any) -> list[tuple[Any, ...]]:
    with central_database.connect() as pg:
        return [tuple(r) for r in pg.execute(query, args).fetchall()]


def value_at(central_database: Any, query: str, *args: Any) -> Any:
    found = rows_at(central_database, query, *args)
    return found[0][0] if found else None


def function_calls(central_database: Any) -> dict[str, int]:
    """How often central ran each facet function (track_functions is on for the test's database). A counter's
    statistics arrive when its connection closes: wait for push's to be there, then read them all."""
    query = ("SELECT funcname, sum(calls)::int FROM pg_stat_user_functions WHERE schemaname = 'facet' "
             "GROUP BY funcname")
    for _ in range(100):
        calls = dict(rows_at(central_database, query))
        if calls.get("push"):
            return calls
        time.sleep(0.1)
    raise AssertionError("central's function statistics never arrived")


def track_functions(central_database: Any) -> None:
    with central_database.connect(autocommit=True) as pg:
        pg.execute(f"ALTER DATABASE {central_database.name} SET track_functions = 'pl'")


def item(sku: str, tracking: str = "unique") -> dict[str, Any]:
    return {"sku": sku, "title": f"Piece {sku}", "tracking": tracking, "price_cents": 125000, "status": "available"}


def movement(item_id: str, quantity: int, kind: str, reference: str) -> dict[str, Any]:
    return {"item_id": item_id, "quantity": quantity, "kind": kind, "reference": reference, "terminal": "S1-C1"}


def sale(number: str) -> dict[str, Any]:
    return {"number": number, "terminal": "S1-C1", "total_cents": 125000}


def new_id() -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------- the fast path and its order


def test_a_day_of_new_sales_lands_set_based_once_in_device_order(central_database: Any) -> None:
    track_functions(central_database)
    CentralAdmin(central_database.url).upgrade()
    till = enrolled(central_database.url)
    piece = new_id()
    batch = [till.tx(("items", piece, "insert", item("RING-1", "counted")),
                     ("stock_movements", new_id(), "insert", movement(piece, 40, "receive", "received")))]
    for n in range(30):
        sale_id = new_id()
        batch.append(till.tx(("sales", sale_id, "insert", sale(f"S1-C1-{n:06d}")),
                             ("sale_lines", new_id(), "insert", {"sale_id": sale_id, "item_id": piece}),
                             ("stock_movements", new_id(), "insert", movement(piece, -1, "sale", f"S1-C1-{n:06d}")),
                             ("payments", new_id(), "insert", {"sale_id": sale_id, "amount_cents": 125000})))
    answer = till.push(*batch)
    till.link.close()

    log = rows_at(central_database, "SELECT server_seq, device_seq, op, store_id FROM facet.changes "
                                    "WHERE device_id = %s ORDER BY server_seq", till.device_id)
    # `own`: the block of server numbers holding the batch as sent, which the counter need not apply again.
    assert answer == {"through": till.seq, "applied": 31, "skipped": 0, "quarantined": 0,
                      "own": [[log[0][0], log[-1][0]]]}
    assert [r[1] for r in log] == list(range(1, till.seq + 1))  # server order is the counter's order
    assert [r[0] for r in log] == list(range(log[0][0], log[0][0] + till.seq))  # one block, no gap
    assert {r[2] for r in log} == {"insert"} and {r[3] for r in log} == {till.store_id}
    assert value_at(central_database, "SELECT count(*) FROM facet.records WHERE store_id = %s",
                    till.store_id) == till.seq
    # Each record's writers name this device and the change's own server number.
    assert value_at(central_database,
                    "SELECT count(*) FROM facet.records r JOIN facet.changes c USING (table_name, row_id) "
                    "WHERE r.writers->'sku' = jsonb_build_array(%s::text, c.server_seq)", till.device_id) == 1
    assert value_at(central_database, "SELECT data->>'store_id' FROM facet.records WHERE row_id = %s",
                    piece) == till.store_id
    assert rows_at(central_database, "SELECT outcome, count(*) FROM facet.received GROUP BY 1") == \
        [("applied", till.seq)]
    assert value_at(central_database, "SELECT on_hand FROM facet.stock WHERE item_id = %s", piece) == 10
    assert value_at(central_database, "SELECT count(*) FROM facet.conflicts") == 0
    calls = function_calls(central_database)
    assert calls.get("apply_new_rows") == 1 and "apply_change" not in calls


def test_a_replayed_batch_is_skipped_whole_and_changes_nothing(counter: Counter, central_database: Any) -> None:
    piece = new_id()
    batch = [counter.tx(("items", piece, "insert", item("PEND-7"))),
             counter.tx(("stock_movements", new_id(), "insert", movement(piece, 1, "receive", "received")))]
    assert counter.push(*batch)["applied"] == 2
    before = rows_at(central_database, "SELECT server_seq, device_seq FROM facet.changes ORDER BY 1")

    assert counter.push(*batch) == {"through": counter.seq, "applied": 0, "skipped": 2, "quarantined": 0,
                                    "own": []}
    assert rows_at(central_database, "SELECT server_seq, device_seq FROM facet.changes ORDER BY 1") == before
    assert value_at(central_database, "SELECT on_hand FROM facet.stock WHERE item_id = %s", piece) == 1


def test_updates_and_rows_central_has_go_one_at_a_time_between_runs_in_device_order(
        central_database: Any) -> None:
    track_functions(central_database)
    CentralAdmin(central_database.url).upgrade()
    till = enrolled(central_database.url)
    piece, again = new_id(), new_id()
    till.push(till.tx(("items", again, "insert", item("BRAC-2"))))
    batch = [till.tx(("items", piece, "insert", item("NECK-1"))),                      # new: a run
             till.tx(("items", piece, "update", {"price_cents": 99000})),               # an update
             till.tx(("stock_movements", new_id(), "insert", movement(piece, 1, "receive", "r"))),  # a run again
             till.tx(("items", again, "insert", item("BRAC-2") | {"title": "Bracelet, restored"})),  # central has it
             till.tx(("sales", new_id(), "insert", sale("S1-C1-000001")))]              # a run again
    answer = till.push(*batch)
    till.link.close()

    log = rows_at(central_database, "SELECT device_seq, table_name, op, server_seq FROM facet.changes "
                                    "ORDER BY server_seq")
    at = {r[0]: r[3] for r in log}
    assert answer == {"through": till.seq, "applied": 5, "skipped": 0, "quarantined": 0,
                      "own": [[at[2], at[2]], [at[4], at[4]], [at[6], at[6]]]}
    assert [r[0] for r in log] == list(range(1, till.seq + 1))
    # A whole row sent again still travels as an insert (a counter that never had it takes it whole).
    assert log[4][:3] == (5, "items", "insert")
    assert value_at(central_database, "SELECT data->>'price_cents' FROM facet.records WHERE row_id = %s",
                    piece) == "99000"
    assert value_at(central_database, "SELECT data->>'title' FROM facet.records WHERE row_id = %s",
                    again) == "Bracelet, restored"
    calls = function_calls(central_database)
    assert calls["apply_new_rows"] == 4  # the first push, then three runs
    assert calls["apply_change"] == 2


def test_the_same_row_twice_in_one_batch_is_applied_in_order(counter: Counter, central_database: Any) -> None:
    piece = new_id()
    answer = counter.push(counter.tx(("items", piece, "insert", item("EAR-3"))),
                          counter.tx(("items", piece, "insert", item("EAR-3") | {"title": "Earrings, relabelled"})))
    assert answer["applied"] == 2
    assert value_at(central_database, "SELECT data->>'title' FROM facet.records WHERE row_id = %s",
                    piece) == "Earrings, relabelled"
    assert value_at(central_database, "SELECT count(*) FROM facet.changes WHERE row_id = %s", piece) == 2


# ---------------------------------------------------------------- refusals and stock


def test_a_transaction_central_refuses_in_a_run_goes_to_attention_alone_while_the_rest_land(
        counter: Counter, central_database: Any) -> None:
    first, second, third = new_id(), new_id(), new_id()
    batch = [counter.tx(("sales", first, "insert", sale("S1-C1-000010")),
                        ("payments", new_id(), "insert", {"sale_id": first})),
             counter.tx(("sales", second, "insert", sale("S1-C1-000010")),  # the same sale number: refused
                        ("payments", new_id(), "insert", {"sale_id": second})),
             counter.tx(("sales", third, "insert", sale("S1-C1-000011")),
                        ("payments", new_id(), "insert", {"sale_id": third}))]

    assert counter.push(*batch) == {"through": 6, "applied": 2, "skipped": 0, "quarantined": 1, "own": []}
    assert rows_at(central_database, "SELECT row_id FROM facet.records WHERE table_name = 'sales' ORDER BY "
                                     "server_seq") == [(first,), (third,)]
    attention = rows_at(central_database, "SELECT device_seq, tables, reason FROM facet.attention")
    assert len(attention) == 1 and attention[0][:2] == (3, ["payments", "sales"])
    assert "records_sale_number" in attention[0][2]
    assert rows_at(central_database, "SELECT device_seq, outcome FROM facet.received ORDER BY 1") == [
        (1, "applied"), (2, "applied"), (3, "quarantined"), (4, "quarantined"), (5, "applied"), (6, "applied")]
    assert [r[0] for r in rows_at(central_database, "SELECT device_seq FROM facet.changes ORDER BY server_seq")] \
        == [1, 2, 5, 6]
    # Sent again, nothing changes: the refused transaction waits for a manager, not for a retry.
    assert counter.push(*batch)["skipped"] == 3


def test_a_unique_piece_sold_twice_in_one_run_is_one_sold_twice_conflict_with_both_sales(
        counter: Counter, central_database: Any) -> None:
    piece, counted = new_id(), new_id()
    receive = [counter.tx(("items", piece, "insert", item("SOL-1")),
                          ("stock_movements", new_id(), "insert", movement(piece, 1, "receive", "received"))),
               counter.tx(("items", counted, "insert", item("CHAIN-5", "counted")),
                          ("stock_movements", new_id(), "insert", movement(counted, 2, "receive", "received")))]
    counter.push(*receive)
    sold = [new_id(), new_id()]
    batch = [counter.tx(("stock_movements", sold[0], "insert", movement(piece, -1, "sale", "S1-C1-000001"))),
             counter.tx(("stock_movements", sold[1], "insert", movement(piece, -1, "sale", "S1-C1-000002"))),
             counter.tx(("stock_movements", new_id(), "insert", movement(counted, -3, "sale", "S1-C1-000003"))),
             counter.tx(("stock_movements", new_id(), "insert", movement(counted, 5, "receive", "received")))]
    assert counter.push(*batch)["applied"] == 4

    assert dict(rows_at(central_database, "SELECT item_id, on_hand FROM facet.stock")) == {piece: -1, counted: 4}
    conflicts = rows_at(central_database, "SELECT kind, row_id, details, server_seq, store_id FROM facet.conflicts "
                                          "ORDER BY kind")
    assert [(c[0], c[1]) for c in conflicts] == [("below_zero", counted), ("sold_twice", piece)]
    below, twice = conflicts
    assert twice[2]["on_hand"] == -1 and [s["movement"] for s in twice[2]["sales"]] == sold
    assert twice[2]["sales"][1] == {"movement": sold[1], "reference": "S1-C1-000002", "terminal": "S1-C1",
                                    "quantity": -1}
    # The conflict is the movement that took it below zero, with on hand as it was then (before the receipt).
    assert twice[3] == value_at(central_database, "SELECT server_seq FROM facet.changes WHERE row_id = %s", sold[1])
    assert below[2]["on_hand"] == -1 and {c[4] for c in conflicts} == {counter.store_id}


@pytest.mark.parametrize("path", ["set-based", "one change at a time"])
def test_stock_is_kept_per_store_and_a_transfer_checked_in_twice_is_below_zero_in_transit_at_that_store(
        counter: Counter, central_database: Any, path: str) -> None:
    counted, uptown = new_id(), new_id()
    here = counter.store_id

    def at(store: str, quantity: int, kind: str) -> tuple[str, str, str, dict[str, Any]]:
        return ("stock_movements", new_id(), "insert", {**movement(counted, quantity, kind, "t"), "store_id": store})

    # An update in a transaction sends it the per-change way (c0001's path, count_stock); new rows go set-based.
    touch = (("items", counted, "update", {"title": "Chain, 18 in"}),) if path != "set-based" else ()
    counter.push(counter.tx(("items", counted, "insert", item("CHAIN-18", "counted")), at(here, 10, "receive")))
    sent = counter.tx(at(here, -4, "transfer_out"), at(uptown, 4, "in_transit"), *touch)
    # Two counters of the receiving store both check the four in while offline.
    checked_in = [counter.tx(at(uptown, -4, "in_transit"), at(uptown, 4, "transfer_in"), *touch) for _ in range(2)]
    assert counter.push(sent, *checked_in)["applied"] == 3

    assert {r[0]: (r[1], r[2]) for r in rows_at(
        central_database, "SELECT store_id, on_hand, in_transit FROM facet.stock WHERE item_id = %s", counted)} == \
        {here: (6, 0), uptown: (8, -4)}
    [(kind, store, details)] = rows_at(central_database, "SELECT kind, store_id, details FROM facet.conflicts "
                                                         "WHERE row_id = %s", counted)
    assert (kind, store, details["store"], details["in_transit"], details["on_hand"]) == \
        ("below_zero", uptown, uptown, True, -4)
    assert [m["quantity"] for m in details["sales"]] == [4, -4, -4]  # the transit movements at that store


def test_a_sale_shared_by_two_salespeople_lands_whole_with_its_credits(counter: Counter,
                                                                       central_database: Any) -> None:
    sold = new_id()
    shares = [("sale_credits", new_id(), "insert", {"sale_id": sold, "staff_id": new_id(), "position": n,
                                                    "share_from_bp": a, "share_to_bp": b})
              for n, (a, b) in enumerate(((0, 6000), (6000, 10000)))]
    outcome = counter.push(counter.tx(("sales", sold, "insert", sale("S1-C1-000020")),
                                      ("payments", new_id(), "insert", {"sale_id": sold}), *shares))
    assert (outcome["applied"], outcome["quarantined"]) == (1, 0)  # one transaction, whole
    assert value_at(central_database, "SELECT count(*) FROM facet.records WHERE table_name = 'sale_credits'") == 2
    assert value_at(central_database, "SELECT count(*) FROM facet.attention") == 0


def test_a_movement_without_a_quantity_is_refused_alone(counter: Counter, central_database: Any) -> None:
    piece = new_id()
    answer = counter.push(counter.tx(("items", piece, "insert", item("PIN-9", "counted"))),
                          counter.tx(("stock_movements", new_id(), "insert",
                                      {"item_id": piece, "kind": "receive", "reference": "r"})),
                          counter.tx(("stock_movements", new_id(), "insert", movement(piece, 3, "receive", "r"))))
    assert answer == {"through": 3, "applied": 2, "skipped": 0, "quarantined": 1, "own": []}
    assert value_at(central_database, "SELECT on_hand FROM facet.stock WHERE item_id = %s", piece) == 3
    assert value_at(central_database, "SELECT device_seq FROM facet.attention") == 2


# ---------------------------------------------------------------- two counters at once


def test_two_counters_pushing_at_once_never_let_a_pull_cursor_skip_a_change(central_database: Any) -> None:
    CentralAdmin(central_database.url).upgrade()
    tills = [enrolled(central_database.url, name="Main Street")]
    tills.append(enrolled(central_database.url, tills[0].store_id))
    reader = enrolled(central_database.url, tills[0].store_id)
    batches = {till.device_id: [[till.tx(("sales", new_id(), "insert", sale(f"{k}-{b}-{t}")))
                                 for t in range(40)] for b in range(15)]
               for k, till in enumerate(tills)}
    seen: list[int] = []
    done = threading.Event()

    def pull_all() -> None:  # a third counter pulls while they push: every number it passes, it got
        cursor = 0
        while True:
            finished = done.is_set()
            page = reader.link.pull(cursor, 500)
            seen.extend(c[0] for c in page["changes"])
            cursor = int(page["through"])
            if finished and not page["changes"]:
                return

    def push_all(till: Counter) -> None:
        for batch in batches[till.device_id]:
            till.push(*batch)

    puller = threading.Thread(target=pull_all)
    pushers = [threading.Thread(target=push_all, args=(t,)) for t in tills]
    puller.start()
    for p in pushers:
        p.start()
    for p in pushers:
        p.join()
    done.set()
    puller.join()

    everything = [r[0] for r in rows_at(central_database, "SELECT server_seq FROM facet.changes ORDER BY 1")]
    assert len(everything) == 2 * 15 * 40
    assert seen == everything  # in order, each once, none skipped
    for till in tills:
        assert [r[0] for r in rows_at(central_database, "SELECT device_seq FROM facet.changes WHERE device_id = %s "
                                                        "ORDER BY server_seq", till.device_id)] == \
            list(range(1, 601))
        till.link.close()
    reader.link.close()


# ---------------------------------------------------------------- a real counter, and the revisions


def test_a_counter_selling_then_syncing_pushes_through_the_fast_path(demo_dir: Path, central_database: Any) -> None:
    track_functions(central_database)
    facet = app.open_facet(demo_dir)
    try:
        facet.sync().central_init(central_database.url)
        for item_id in available(facet, n=3):
            sell(facet, item_id)
        assert facet.sync().local.waiting() > 0
        done = sync_now(facet)
        assert done.pushed >= 3 and done.quarantined == 0
        assert facet.sync().local.waiting() == 0
    finally:
        facet.close()
    assert function_calls(central_database).get("apply_new_rows", 0) >= 1


def _central_at(url: str, revision: str, *, down: bool = False) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    config = Config()
    config.set_main_option("script_location", str(paths.migrations() / "central"))
    engine = create_engine(CentralAdmin(url)._sqlalchemy_url())
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def test_central_upgrade_takes_a_c0001_central_to_the_newest_and_a_downgrade_puts_the_old_push_back(
        central_database: Any) -> None:
    assert CENTRAL_REVISION == "c0005"
    _central_at(central_database.url, "c0001")
    with pytest.raises(CentralProblem, match="upgrade central first"):
        enrolled(central_database.url)

    assert CentralAdmin(central_database.url).upgrade() == "c0005"
    till = enrolled(central_database.url)
    assert till.push(till.tx(("sales", new_id(), "insert", sale("S1-C1-000001"))))["applied"] == 1
    till.link.close()

    _central_at(central_database.url, "c0001", down=True)
    assert value_at(central_database, "SELECT count(*) FROM pg_proc WHERE proname IN ('apply_new_rows', "
                                      "'apply_tx', 'shared_tables', 'store_only_tables')") == 0
    assert value_at(central_database, "SELECT version_num FROM facet.alembic_version") == "c0001"
    with central_database.connect() as pg:  # c0001's push runs again, one change at a time
        assert pg.execute("SELECT prosrc LIKE '%%apply_change%%' FROM pg_proc WHERE proname = 'push'"
                          ).fetchone()[0] is True


# ---------------------------------------------------------------- a link that dies without a word


def test_the_counters_connection_to_central_keeps_tcp_keepalives_and_a_user_timeout(counter: Counter) -> None:
    conn = counter.link.conn
    given = {o.keyword.decode(): (o.val or b"").decode() for o in conn.pgconn.info}
    assert {k: given[k] for k in KEEPALIVE} == {k: str(v) for k, v in KEEPALIVE.items()}
    # Set on the socket itself: the kernel probes an idle link and gives up on unacknowledged data.
    sock = socket.socket(fileno=conn.pgconn.socket)
    try:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == KEEPALIVE["keepalives_idle"]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == KEEPALIVE["keepalives_interval"]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == KEEPALIVE["keepalives_count"]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == KEEPALIVE["tcp_user_timeout"]
    finally:
        sock.detach()  # the socket stays libpq's
    counter.link.listen()  # the connection that waits for notifications too
    listener = counter.link._listener
    assert listener is not None
    sock = socket.socket(fileno=listener.pgconn.socket)
    try:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    finally:
        sock.detach()


def test_a_url_that_sets_its_own_keepalive_keeps_it(counter: Counter, central_database: Any) -> None:
    from pos_app.adapters.central import connect

    with connect(central_database.url_as("postgres", None, keepalives_idle="42")) as conn:
        given = {o.keyword.decode(): (o.val or b"").decode() for o in conn.pgconn.info}
        assert given["keepalives_idle"] == "42" and given["keepalives_count"] == "3"
    assert isinstance(conn, psycopg.Connection)
