"""Sync when things go wrong, against the session's real PostgreSQL (tests/postgres_server.py).

What a store relies on when the network, central or a counter fails: an acknowledgement lost and a batch
sent again adds nothing; a counter killed with SIGKILL in the middle of its pushes, or central restarted in
the middle of a batch, loses and doubles nothing; a counter and central on different schema revisions are
refused with the side to upgrade; a change central refuses waits in the "needs attention" queue while the
changes after it flow; a wrong URL, password, token or certificate is refused clearly with nothing left
behind; a counter's login can do nothing but call the sync functions; its password is never in a log.

Every test has its own database on the session's server (`central_database`) and its own counter in
`demo_dir`: a copy of the group `central init`'s code made once a session from the demo store (this store,
S1, counter C1; tests/sync_groups.py), so each test starts where `central init` leaves an owner.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pos_app import app, cli
from pos_app.adapters.central import CENTRAL_REVISION, Credentials, make_token, read_token
from pos_app.adapters.secrets import KeyringSecrets, database_key_name, sync_login_name
from pos_app.domain.errors import CentralProblem, PullClash
from pos_app.domain.permissions import Role
from pos_app.services import inventory, sync
from pos_app.sync_group import add_counter, join_group
from tests.conftest import OWNER, actor_for, cli_login
from tests.integration.sync_helpers import (
    available,
    counter_url,
    join_new_store,
    one,
    rows,
    sell,
    sync_now,
)
from tests.postgres_server import PostgresDatabase, free_port
from tests.sync_groups import CopiedGroup

REPO = Path(__file__).resolve().parents[2]
FACTS = ("sales", "sale_lines", "payments", "stock_movements")


# ---------------------------------------------------------------- helpers


@pytest.fixture
def demo_dir(first_store_copy: CopiedGroup) -> Path:
    """Here: the demo store after `central init` made it S1-C1 (not the bare demo store of tests/conftest.py)."""
    return first_store_copy.folders["first"]


@pytest.fixture
def central_database(first_store_copy: CopiedGroup) -> PostgresDatabase:
    """Here: central seeded from the demo store by `central init` (not the empty database of tests/conftest.py)."""
    return first_store_copy.central


@contextlib.contextmanager
def first_counter(demo_dir: Path, central_database: Any) -> Iterator[app.Facet]:
    """The demo store, central's first store (S1) and counter (S1-C1), central seeded from it (the fixtures)."""
    facet = app.open_facet(demo_dir)
    try:
        assert facet.sync().local.state().joined
        yield facet
    finally:
        facet.close()


def central(central_database: Any, query: str, *args: Any) -> Any:
    """One value read at central as its administrator."""
    with central_database.connect() as pg:
        row = pg.execute(query, args).fetchone()
        return None if row is None else row[0]


def fact_rows(facet: app.Facet, sale_ids: list[str]) -> dict[str, set[str]]:
    """The ids of every row the sales wrote at this counter, per table: the sales, their lines, payments and
    stock movements."""
    marks = ", ".join("?" * len(sale_ids))
    numbers = [r[0] for r in rows(facet, f"SELECT number FROM sales WHERE id IN ({marks})", *sale_ids)]
    found = {
        "sales": set(sale_ids),
        "sale_lines": {r[0] for r in rows(facet, f"SELECT id FROM sale_lines WHERE sale_id IN ({marks})", *sale_ids)},
        "payments": {r[0] for r in rows(facet, f"SELECT id FROM payments WHERE sale_id IN ({marks})", *sale_ids)},
        "stock_movements": {r[0] for r in rows(
            facet, f"SELECT id FROM stock_movements WHERE kind = 'sale' AND reference IN ({marks}, {marks})",
            *numbers, *sale_ids)},
    }
    assert len(found["sale_lines"]) >= len(sale_ids) and len(found["payments"]) >= len(sale_ids)
    assert len(found["stock_movements"]) == len(found["sale_lines"])
    return found


def assert_once_at_central(central_database: Any, expected: dict[str, set[str]]) -> None:
    """Every row is in central's record once and was applied once (one insert in the change log)."""
    with central_database.connect() as pg:
        for table, ids in expected.items():
            id_list = sorted(ids)
            records = pg.execute("SELECT row_id, count(*) FROM facet.records WHERE table_name = %s "
                                 "AND row_id = ANY(%s) GROUP BY row_id", (table, id_list)).fetchall()
            assert dict(records) == dict.fromkeys(id_list, 1), table
            inserts = pg.execute("SELECT row_id, count(*) FROM facet.changes WHERE table_name = %s "
                                 "AND row_id = ANY(%s) AND op = 'insert' GROUP BY row_id", (table, id_list)).fetchall()
            assert dict(inserts) == dict.fromkeys(id_list, 1), table


def sales_since(facet: app.Facet, since: int) -> list[str]:
    """The sales this store file holds past its first `since` (ids, oldest first): a test's own sales."""
    return [r[0] for r in rows(facet, "SELECT id FROM sales ORDER BY rowid LIMIT -1 OFFSET ?", since)]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def counter_login(facet: app.Facet) -> Credentials:
    """This counter's own PostgreSQL login: its role (in the store file) and password (in the keyring)."""
    role = one(facet, "SELECT role_name FROM sync_state WHERE id = 1")
    password = facet.keyring.get(sync_login_name(facet.data_dir))
    assert role and password
    return Credentials(role, password)


def new_store_counter(central_database: Any, folder: Path, name: str) -> app.Facet:
    """The first counter of a new store of the group (its owner: Olive Owner of the test store)."""
    return join_new_store(central_database.url, folder, name, owner=(OWNER.name, OWNER.password, OWNER.pin),
                          tax_rate="0")


def piece(sku: str) -> dict[str, str]:
    return {"sku": sku, "style": "tennis", "title": f"Tennis Necklace {sku}", "metal": "platinum",
            "price": "8800.00", "tracking": "unique", "location": "Safe"}


# ---------------------------------------------------------------- a lost acknowledgement


def test_a_batch_sent_again_after_its_answer_was_lost_adds_nothing(demo_dir: Path, central_database: Any) -> None:
    with first_counter(demo_dir, central_database) as counter:
        before = one(counter, "SELECT count(*) FROM sales")
        for item_id in available(counter, n=3):
            sell(counter, item_id)
        sold = sales_since(counter, before)
        expected = fact_rows(counter, sold)
        group = counter.sync()
        batch = group.local.outbox_batch(10_000)
        with group.link() as link:
            link.hello()
            first = link.push(group.local.state().pull_cursor, batch)
        # Central applied the batch; its answer never reached the counter: nothing is marked pushed here.
        assert first["applied"] == len(batch) and first["skipped"] == 0
        assert group.local.waiting() == sum(len(tx["changes"]) for tx in batch)
        assert_once_at_central(central_database, expected)

        again = sync_now(counter)

        assert again.skipped == len(batch) and again.pushed == 0 and again.quarantined == 0
        assert_once_at_central(central_database, expected)
        assert central(central_database, "SELECT count(*) FROM facet.records WHERE table_name = 'sales'") == \
            one(counter, "SELECT count(*) FROM sales")
        assert group.local.waiting() == 0
        assert central(central_database, "SELECT count(*) FROM facet.attention") == 0


# ---------------------------------------------------------------- a counter killed with SIGKILL


def pusher(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.sync_pusher", str(data_dir), *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def kill_after(process: subprocess.Popen[str], line: str, *, timeout: float = 60) -> list[str]:
    """Read the child's lines until `line`, then SIGKILL it at once; the lines it printed."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        for text in process.stdout:
            seen.append(text.strip())
            if text.startswith(line):
                process.send_signal(signal.SIGKILL)
                break
            assert time.monotonic() < deadline, seen
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, (seen, process.stderr.read() if process.stderr else "")
    return seen


def test_a_counter_killed_in_the_middle_of_its_pushes_loses_and_doubles_nothing(demo_dir: Path,
                                                                              central_database: Any) -> None:
    with first_counter(demo_dir, central_database):
        pass
    counter = app.open_facet(demo_dir)
    try:
        before = one(counter, "SELECT count(*) FROM sales")
    finally:
        counter.close()

    # 1. Eight sales, pushed about a sale at a time; killed as soon as central has answered the first push,
    #    wherever it is then (marking it pushed, or in the middle of the next push).
    seen = kill_after(pusher(demo_dir, "--sales", "8", "--batch", "6"), "acked")
    assert seen[0] == "sold 8" and "done" not in seen
    # 2. Eight more; killed while central holds the third push and this counter's file does not know it yet.
    seen = kill_after(pusher(demo_dir, "--sales", "8", "--batch", "6", "--hold-at", "3"), "holding")
    assert seen[0] == "sold 8" and seen.count("holding") == 1

    counter = app.open_facet(demo_dir)
    try:
        device = one(counter, "SELECT device_id FROM sync_state WHERE id = 1")
        marked = one(counter, "SELECT coalesce(max(device_seq), 0) FROM outbox WHERE pushed_at IS NOT NULL")
        held = int(seen[-2].split()[1])  # the answer central gave and the counter never recorded
        assert held > marked, "the kill came after central's answer and before the counter marked it"
        assert central(central_database, "SELECT max(device_seq) FROM facet.received WHERE device_id = %s",
                       device) >= held
        sold = sales_since(counter, before)
        assert len(sold) == 16

        done = sync_now(counter)

        assert done.skipped >= 1 and done.quarantined == 0
        assert counter.sync().local.waiting() == 0
        assert_once_at_central(central_database, fact_rows(counter, sold))
        local_seqs = {r[0] for r in rows(counter, "SELECT device_seq FROM outbox WHERE device_seq > 0")}
        with central_database.connect() as pg:
            received = {r[0] for r in pg.execute(
                "SELECT device_seq FROM facet.received WHERE device_id = %s AND outcome = 'applied'", (device,))}
            assert pg.execute("SELECT count(*) FROM facet.attention").fetchone()[0] == 0
        # Every change journaled since central was seeded (the history before it was never sent) was applied.
        assert {s for s in local_seqs if s >= min(received)} <= received
        assert central(central_database, "SELECT count(*) FROM facet.records WHERE table_name = 'sales'") == \
            one(counter, "SELECT count(*) FROM sales")
    finally:
        counter.close()


# ---------------------------------------------------------------- central restarted in the middle of a batch


class RestartingAfterFirstPush:
    """A counter's real link to central; central is restarted right after it answered the first push."""

    def __init__(self, link: Any, server: Any) -> None:
        self._link, self._server, self._pushes = link, server, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._link, name)

    def push(self, seen: int, batch: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self._link.push(seen, batch)
        self._pushes += 1
        if self._pushes == 1:
            self._server.restart()
        return answer


def test_central_restarted_in_the_middle_of_a_batch_loses_and_doubles_nothing(demo_dir: Path, central_database: Any,
                                                                              postgres_server: Any) -> None:
    with first_counter(demo_dir, central_database) as counter:
        before = one(counter, "SELECT count(*) FROM sales")
        for item_id in available(counter, n=3):
            sell(counter, item_id)
        failure: list[BaseException] = []

        def push() -> None:
            try:
                sync_now(counter)
            except BaseException as exc:  # noqa: BLE001 - the test reads what the round raised
                failure.append(exc)

        with contextlib.closing(central_database.connect(autocommit=False)) as blocker:
            # Another writer holds central's change-log lock: the counter's push waits inside its transaction.
            blocker.execute("SELECT pg_advisory_xact_lock(hashtext('facet.changes'))")
            worker = threading.Thread(target=push)
            worker.start()
            deadline = time.monotonic() + 30
            while not central(central_database, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                              "AND wait_event_type = 'Lock' AND query LIKE '%%facet%%push%%'", central_database.name):
                assert time.monotonic() < deadline and worker.is_alive(), failure
                time.sleep(0.05)
            postgres_server.kill()  # as if the power went, the counter's batch half-way through
            worker.join(30)
        postgres_server.start()

        assert not worker.is_alive()
        assert len(failure) == 1 and isinstance(failure[0], CentralProblem), failure
        assert "not reachable" in str(failure[0]) and "Traceback" not in str(failure[0])
        state = sync.status(counter.sync().local)
        assert not state.online and state.offline_since is not None and state.last_error == str(failure[0])
        assert state.waiting > 0
        assert central(central_database, "SELECT count(*) FROM facet.records WHERE table_name = 'sales'") == before

        sell(counter, available(counter)[0])  # the counter sells on while its last round failed
        sold = sales_since(counter, before)
        done = sync_now(counter)

        assert done.pushed >= 4 and done.quarantined == 0
        assert sync.status(counter.sync().local).online
        assert counter.sync().local.waiting() == 0
        assert_once_at_central(central_database, fact_rows(counter, sold))
        assert central(central_database, "SELECT count(*) FROM facet.records WHERE table_name = 'sales'") == \
            one(counter, "SELECT count(*) FROM sales")

        # Restarted between two batches of a round: the round stops with the same clear problem, and the
        # next one sends what was left, once.
        for item_id in available(counter, n=3):
            sell(counter, item_id)
        group = counter.sync()
        with group.link() as link:
            with pytest.raises(CentralProblem, match="not reachable"):
                sync.sync_once(group.local, RestartingAfterFirstPush(link, postgres_server), push_batch=6)
        assert 0 < group.local.waiting()
        sold = sales_since(counter, before)
        sync_now(counter)
        assert group.local.waiting() == 0
        assert_once_at_central(central_database, fact_rows(counter, sold))
        assert central(central_database, "SELECT count(*) FROM facet.records WHERE table_name = 'sales'") == \
            one(counter, "SELECT count(*) FROM sales")


# ---------------------------------------------------------------- schema revisions


@pytest.mark.parametrize(("central_at", "says"), [("c9999", "upgrade Facet on this counter"),
                                                  ("c0002", "upgrade central first")])
def test_a_counter_and_central_on_different_schema_revisions_are_refused_naming_the_side_to_upgrade(
        demo_dir: Path, central_database: Any, tmp_path: Path, central_at: str, says: str) -> None:
    assert CENTRAL_REVISION == "c0005"
    with first_counter(demo_dir, central_database) as counter:
        sell(counter, available(counter)[0])
        waiting = counter.sync().local.waiting()
        outbox = rows(counter, "SELECT device_seq, pushed_at FROM outbox ORDER BY device_seq")
        _, _, token = add_counter(central_database.url, one(counter, "SELECT id FROM stores"), None)
        with central_database.connect() as pg:
            pg.execute("UPDATE facet.alembic_version SET version_num = %s", (central_at,))
            pg.commit()

        with pytest.raises(CentralProblem, match=says):
            sync_now(counter)
        with counter.sync().link() as link:
            calls = {"hello": link.hello, "push": lambda: link.push(0, counter.sync().local.outbox_batch(100)),
                     "push_audit": lambda: link.push_audit([]), "pull": lambda: link.pull(0, 10),
                     "snapshot": lambda: link.snapshot(("", ""), 10), "snapshot_size": link.snapshot_size,
                     "open_cases": link.open_cases, "resolve": lambda: link.resolve("attention", 1, "x", "me"),
                     "leave": link.leave}
            for call in calls.values():
                with pytest.raises(CentralProblem, match=says):
                    call()

        assert counter.sync().local.waiting() == waiting
        assert rows(counter, "SELECT device_seq, pushed_at FROM outbox ORDER BY device_seq") == outbox
        code, _, err = run_cli("sync", "join", counter_url(central_database.url), "--token", token,
                               "--data-dir", str(tmp_path / "new-counter"))
        assert code == 2 and says in err and "Traceback" not in err
        assert not app.store_exists(tmp_path / "new-counter")
        assert central(central_database, "SELECT count(*) FROM facet.changes WHERE table_name = 'sales'") == \
            one(counter, "SELECT count(*) FROM sales") - 1


# ---------------------------------------------------------------- a change central refuses


def test_a_change_central_refuses_waits_for_a_manager_and_the_changes_after_it_still_arrive(
        demo_dir: Path, central_database: Any, tmp_path: Path) -> None:
    with first_counter(demo_dir, central_database) as counter:
        uptown = new_store_counter(central_database, tmp_path / "uptown", "Uptown Jewelers")
        try:
            inventory.receive_new_item(piece("RB-TWIN-1"), uow=uptown.uow(), actor=actor_for(uptown, Role.OWNER))
            sync_now(uptown)
            # S1's counter had not pulled Uptown's piece yet: it receives another piece with the same SKU,
            # which central's chain-wide unique SKU refuses; then it sells something else.
            twin = inventory.receive_new_item(piece("RB-TWIN-1"), uow=counter.uow(),
                                              actor=actor_for(counter, Role.MANAGER))
            before = one(counter, "SELECT count(*) FROM sales")
            sold_piece = next(i for i in available(counter, n=5) if i != twin.id)
            sale = sell(counter, sold_piece)

            # The push goes through (the twin refused, the sale applied); the pull then stops at Uptown's piece,
            # which clashes with the twin here: it is neither dropped nor written over the twin.
            with pytest.raises(PullClash, match=r"clashes with a row of this counter's own"):
                sync_now(counter)
            assert counter.sync().local.state().offline_since is None  # online: a person's fix is what waits
            uptown_piece = central(central_database, "SELECT row_id FROM facet.records WHERE table_name = 'items' "
                                   "AND data->>'sku' = 'RB-TWIN-1'")
            assert one(counter, "SELECT count(*) FROM items WHERE id = ?", uptown_piece) == 0
            with central_database.connect() as pg:
                done_pushed = pg.execute("SELECT count(*) FROM facet.received WHERE outcome = 'quarantined'"
                                         ).fetchone()[0]
            assert done_pushed >= 1
            with central_database.connect() as pg:
                (case_id, reason, tables, resolved), = pg.execute(
                    "SELECT id, reason, tables, resolved_at FROM facet.attention").fetchall()
            assert "records_item_sku" in reason and "items" in tables and resolved is None
            assert central(central_database, "SELECT count(*) FROM facet.records WHERE table_name = 'items' "
                           "AND data->>'sku' = 'RB-TWIN-1'") == 1
            assert_once_at_central(central_database, fact_rows(counter, sales_since(counter, before)))
            assert counter.sync().local.waiting() == 0
            sync_now(uptown)
            assert one(uptown, "SELECT number FROM sales WHERE id = ?", sale.sale_id) == sale.number
            assert one(uptown, "SELECT status FROM items WHERE id = ?", sold_piece) == "sold"
        finally:
            uptown.close()

    cli_login(demo_dir, "Marcus Reed")  # a manager
    code, out, err = run_cli("sync", "conflicts", "--json", "--data-dir", str(demo_dir))
    assert code == 0, err
    listed = json.loads(out)["attention"]
    assert [(a["id"], a["reason"]) for a in listed] == [(case_id, reason)]

    cli_login(demo_dir, "Lily Chen")  # a clerk
    code, _, err = run_cli("sync", "resolve", str(case_id), "--kind", "attention", "--note", "renamed the piece",
                           "--data-dir", str(demo_dir))
    assert code == 2 and "cannot resolve sync conflicts" in err and "Traceback" not in err
    assert central(central_database, "SELECT resolved_at FROM facet.attention WHERE id = %s", case_id) is None

    # The manager fixes the piece here (another SKU), then closes the case: the refused rows go again, whole.
    counter = app.open_facet(demo_dir)
    try:
        manager = actor_for(counter, Role.MANAGER)
        fields = inventory.item_detail(twin.id, uow=counter.uow(), actor=manager).fields
        inventory.update_item(twin.id, {**fields, "sku": "RB-TWIN-2"}, uow=counter.uow(), actor=manager)
        cli_login(demo_dir, "Marcus Reed")
        code, out, err = run_cli("sync", "resolve", str(case_id), "--kind", "attention", "--note",
                                 "gave S1's piece the SKU RB-TWIN-2", "--data-dir", str(demo_dir), "--json")
        assert code == 0, err
        assert json.loads(out)["rows_sent_again"] >= 2  # the piece and its receiving movement
        assert central(central_database, "SELECT resolved_by FROM facet.attention WHERE id = %s AND resolved_at IS "
                       "NOT NULL", case_id).startswith("Marcus Reed")
        done = sync_now(counter)
        assert done.quarantined == 0 and done.attention == 0
        # the pull took up where it stopped: Uptown's piece is here now, beside the renamed twin
        assert one(counter, "SELECT sku FROM items WHERE id = ?", uptown_piece) == "RB-TWIN-1"
        assert counter.sync().local.state().last_error is None
    finally:
        counter.close()
    with central_database.connect() as pg:
        (data,), = pg.execute("SELECT data FROM facet.records WHERE table_name = 'items' AND row_id = %s",
                              (twin.id,)).fetchall()
        assert (data["sku"], data["title"], data["price_cents"]) == ("RB-TWIN-2", "Tennis Necklace RB-TWIN-1", 880000)
        assert pg.execute("SELECT on_hand FROM facet.stock WHERE item_id = %s", (twin.id,)).fetchone()[0] == 1
    code, out, _ = run_cli("sync", "conflicts", "--json", "--data-dir", str(demo_dir))
    assert code == 0 and json.loads(out)["attention"] == []
    uptown = app.open_facet(tmp_path / "uptown")
    try:
        sync_now(uptown)
        assert rows(uptown, "SELECT sku, title FROM items WHERE id = ?", twin.id) == \
            [("RB-TWIN-2", "Tennis Necklace RB-TWIN-1")]
    finally:
        uptown.close()


# ---------------------------------------------------------------- bad input when joining


def test_a_join_with_a_bad_url_password_token_or_certificate_is_refused_clearly_and_leaves_no_store(
        demo_dir: Path, central_database: Any, postgres_server: Any, tmp_path: Path) -> None:
    with first_counter(demo_dir, central_database) as counter:
        store_id = one(counter, "SELECT id FROM stores")
    url = counter_url(central_database.url)

    def token(hours: int = 24) -> str:
        return add_counter(central_database.url, store_id, None, hours=hours)[2]

    used = token()
    join_group(tmp_path / "joined-with-it", url, used)
    good = token()
    cases = {
        "unreachable": (url.replace(f"port={postgres_server.port}", f"port={free_port()}"), token(),
                        "not reachable"),
        "no database": (url.replace(f"dbname={central_database.name}", "dbname=no_such_central"), token(),
                        "no such database"),
        "wrong password": (url, make_token(Credentials(read_token(good).role, "not-its-password")),
                           "wrong password"),
        "expired": (url, token(hours=0), "token expired"),
        "used": (url, used, "already used"),
        "damaged": (url, good[:len(good) // 2], "damaged"),
        "not a token": (url, "hunter2", "not a Facet enrolment token"),
        "certificate": (counter_url(postgres_server.url(central_database.name,
                                                        sslrootcert=postgres_server.wrong_ca_file)),
                        token(), "TLS certificate"),
    }
    assert f"port={postgres_server.port}" in url and f"dbname={central_database.name}" in url
    keyring = KeyringSecrets()
    for problem, (where, given, says) in cases.items():
        folder = tmp_path / problem.replace(" ", "-")
        code, out, err = run_cli("sync", "join", where, "--token", given, "--data-dir", str(folder))
        assert code == 2, (problem, out, err)
        assert says in err and "Traceback" not in err, (problem, err)
        assert given not in err or problem == "not a token", problem
        assert not app.store_exists(folder), problem
        assert keyring.get(database_key_name(folder)) is None and keyring.get(sync_login_name(folder)) is None
        assert [p for p in folder.rglob("*") if p.is_file() and "logs" not in p.relative_to(folder).parts] == [], \
            problem
    # Every refused token but the used one can still enrol nothing: central has one counter more only.
    assert central(central_database, "SELECT count(*) FROM facet.counters WHERE enrolled_at IS NOT NULL") == 2


def test_a_counter_whose_central_is_down_sells_and_says_it_is_offline(demo_dir: Path, central_database: Any,
                                                                     postgres_server: Any) -> None:
    with first_counter(demo_dir, central_database) as counter:
        cli_login(demo_dir)
        before = one(counter, "SELECT count(*) FROM sales")
        postgres_server.kill()
        try:
            sale = sell(counter, available(counter)[0])
            code, _, err = run_cli("sync", "now", "--data-dir", str(demo_dir))
            assert code == 2 and "not reachable" in err and "Traceback" not in err
            code, out, err = run_cli("sync", "status", "--json", "--data-dir", str(demo_dir))
            assert code == 0, err
            shown = json.loads(out)
            assert shown["online"] is False and shown["offline_since"] and shown["waiting"] > 0
            assert "not reachable" in shown["last_error"]
            code, out, _ = run_cli("sync", "status", "--data-dir", str(demo_dir))
            assert code == 0 and "Offline since" in out
        finally:
            postgres_server.start()
        done = sync_now(counter)
        assert done.pushed >= 1 and sync.status(counter.sync().local).online
        assert_once_at_central(central_database, fact_rows(counter, sales_since(counter, before)))
        assert central(central_database, "SELECT data->>'number' FROM facet.records WHERE table_name = 'sales' "
                       "AND row_id = %s", sale.sale_id) == sale.number


# ---------------------------------------------------------------- least privilege, secrets


FACET_TABLES = ("info", "stores", "counters", "records", "changes", "received", "attention", "conflicts", "stock",
                "audit_events", "alembic_version")
SECRETS = ("pin_hash", "password_hash", "totp_secret")


def test_a_counters_login_can_only_call_the_sync_functions_and_never_sees_another_stores_staff_secrets(
        demo_dir: Path, central_database: Any, tmp_path: Path) -> None:
    with first_counter(demo_dir, central_database) as counter:
        uptown = new_store_counter(central_database, tmp_path / "uptown", "Uptown Jewelers")
        try:
            sync_now(uptown)
            sync_now(counter)
            login = counter_login(counter)
            with psycopg.connect(central_database.url_as(login.role, login.password), autocommit=True) as pg:
                refused = [f"SELECT * FROM facet.{t}" for t in FACET_TABLES] + [
                    "INSERT INTO facet.records (table_name, row_id, store_id, server_seq) VALUES ('x', 'y', 'z', 1)",
                    "CREATE TABLE public.taken (x int)", "CREATE TABLE facet.taken (x int)",
                    "SELECT facet.apply_change(NULL::facet.counters, 'tx', '{}'::jsonb, 0, false)",
                    "SELECT facet.me()", "CREATE ROLE another LOGIN", "CREATE SCHEMA mine"]
                for statement in refused:
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        pg.execute(statement)
                hello = pg.execute("SELECT facet.hello(%s)", (CENTRAL_REVISION,)).fetchone()[0]
                assert hello["store_id"] == one(counter, "SELECT id FROM stores")

            # Each counter's own store's secrets, as its own file holds them; none may reach the other store.
            own = {name: rows(facet, "SELECT id, pin_hash, password_hash, totp_secret FROM staff WHERE pin_hash IS "
                              "NOT NULL") for name, facet in (("S1", counter), ("S2", uptown))}
            assert own["S1"] and own["S2"]
            for reader, other in ((counter, "S2"), (uptown, "S1")):
                theirs = {r[0] for r in own[other]}
                values = {v for r in own[other] for v in r[1:] if v}
                with reader.sync().link() as link:
                    pulled = link.pull(0, 100_000)["changes"]
                    snapshot = link.snapshot(("staff", ""), 100_000)["rows"]
                staff_changes = [c for c in pulled if c[2] == "staff" and c[3] in theirs]
                staff_rows = [r for r in snapshot if r[0] == "staff" and r[1] in theirs]
                assert staff_changes and len(staff_rows) == len(theirs), other
                for data in [c[5] for c in staff_changes] + [r[2] for r in staff_rows]:
                    assert not set(SECRETS) & set(data or {}), other
                text = json.dumps([pulled, snapshot])
                assert not [v for v in values if v in text], other
                assert rows(reader, f"SELECT count(*) FROM staff WHERE id IN ({', '.join('?' * len(theirs))}) AND "
                            "(pin_hash IS NOT NULL OR password_hash IS NOT NULL OR totp_secret IS NOT NULL)",
                            *theirs) == [(0,)]

            # Nor may a counter write them: a push that sets another store's owner's PIN, or changes a row of a
            # table only that store keeps, is refused (central's own check, whatever the counter's code does).
            uptown_owner, uptown_pin = own["S2"][0][0], own["S2"][0][1]
            uptown_store = one(uptown, "SELECT id FROM stores")
            with counter.sync().link() as link:
                answer = link.push(0, [
                    {"tx": "forged-1", "changes": [{"seq": 10 ** 12, "table": "staff", "row": uptown_owner,
                                                    "op": "update", "data": {"pin_hash": "forged", "active": True}}]},
                    {"tx": "forged-2", "changes": [{"seq": 10 ** 12 + 1, "table": "stores", "row": uptown_store,
                                                    "op": "update", "data": {"name": "Taken"}}]}])
            assert answer["quarantined"] == 2 and answer["applied"] == 0
            with central_database.connect() as pg:
                assert pg.execute("SELECT data->>'pin_hash' FROM facet.records WHERE table_name = 'staff' AND "
                                  "row_id = %s", (uptown_owner,)).fetchone()[0] == uptown_pin
                assert pg.execute("SELECT data->>'name' FROM facet.records WHERE table_name = 'stores' AND "
                                  "row_id = %s", (uptown_store,)).fetchone()[0] == "Uptown Jewelers"
                reasons = [r[0] for r in pg.execute("SELECT reason FROM facet.attention ORDER BY id")]
            assert len(reasons) == 2 and all("another store" in r for r in reasons), reasons
        finally:
            uptown.close()


def test_a_counters_password_and_its_token_never_reach_a_log(demo_dir: Path, central_database: Any,
                                                             tmp_path: Path) -> None:
    from tests.conftest import SESSION_LOG

    with first_counter(demo_dir, central_database) as counter:
        _, _, token = add_counter(central_database.url, one(counter, "SELECT id FROM stores"), None)
    folder = tmp_path / "new-counter"
    folder.mkdir()  # an empty data folder: the command line logs into it from the start
    printed = []
    code, out, err = run_cli("-v", "sync", "join", counter_url(central_database.url), "--token", token,
                             "--data-dir", str(folder), "--json")
    assert code == 0, err
    printed.append(out + err)
    cli_login(folder)
    for command in (["sync", "now"], ["sync", "status", "--json"], ["sync", "conflicts"]):
        code, out, err = run_cli("-v", *command, "--data-dir", str(folder))
        assert code == 0, (command, err)
        printed.append(out + err)
    joined = app.open_facet(folder)
    try:
        password = joined.keyring.get(sync_login_name(folder))
    finally:
        joined.close()
    enrolment = read_token(token).password
    assert password and password != enrolment

    logs = [p for p in folder.rglob("*") if p.is_file() and (p.suffix == ".log" or "logs" in p.parts)]
    assert logs and (folder / "logs" / "facet.log").stat().st_size > 0
    for name, text in [*((p.name, p.read_text(encoding="utf-8", errors="replace")) for p in [*logs, SESSION_LOG]),
                       *(("output", o) for o in printed)]:
        for secret in (password, enrolment, token, token[len("FCT1."):]):
            assert secret not in text, name
