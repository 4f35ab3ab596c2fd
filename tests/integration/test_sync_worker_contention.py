"""The sync worker and the counter share one store file in one process: the counter goes first, nothing is lost.

The worker here is the app's own loop (`pos_app/sync_loop.SyncLoop`, which the GUI's worker wraps) against a
real central PostgreSQL (tests/postgres_server.py); the counter sells through the checkout services. See
`persistence/write_turns.py` for how they take turns and `persistence/sync_repo.py` for the worker's short,
fsync-free writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from pos_app import app
from pos_app.persistence import sync_repo
from pos_app.persistence.sqlcipher import prompt_busy_handler
from pos_app.services import sync
from pos_app.sync_loop import SyncLoop
from tests.integration.sync_helpers import available, join, one, sell, sync_now


@pytest.fixture
def group(demo_dir: Path, central_database: Any, tmp_path: Path) -> Iterator[tuple[app.Facet, app.Facet]]:
    """(this counter S1-C1, the other counter S1-C2) of one store, in a group on a fresh central."""
    first = app.open_facet(demo_dir)
    try:
        first.sync().central_init(central_database.url)
        second = join(central_database.url, tmp_path / "second", one(first, "SELECT id FROM stores"),
                      first.profile.name)
        try:
            yield first, second
        finally:
            second.close()
    finally:
        first.close()


def _until(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def _started(facet: app.Facet) -> SyncLoop:
    loop = SyncLoop(facet.sync(), poll_s=30.0)
    loop.start()
    assert _until(lambda: loop.last is not None and loop.last.checked), "the worker's first round never ended"
    return loop


def test_the_worker_waits_while_a_sale_is_being_written_and_goes_on_when_it_ends(group) -> None:
    first, second = group
    loop = _started(first)
    try:
        sale = sell(second, available(second)[0])
        with first.uow() as uow:  # a sale's unit of work open at this counter
            uow.counter.open_shift_id(first.terminal)
            sync_now(second)  # central notifies: the worker wakes for the other counter's sale
            time.sleep(1.0)  # less than the worker's patience (write_turns.WORKER_PATIENCE_S)
            assert one(first, "SELECT count(*) FROM sales WHERE id = ?", sale.sale_id) == 0
            assert loop.running
        assert _until(lambda: one(first, "SELECT count(*) FROM sales WHERE id = ?", sale.sale_id) == 1)
    finally:
        assert loop.stop()


def test_sales_at_both_counters_while_the_worker_runs_are_all_delivered_once(group, central_database) -> None:
    first, second = group
    loop = _started(first)
    here: list[str] = []
    there: list[str] = []
    problems: list[BaseException] = []

    def other_counter() -> None:
        try:
            for item_id in available(second, "counted", 4):
                there.append(sell(second, item_id).sale_id)
                sync_now(second)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            problems.append(exc)

    try:
        seller = threading.Thread(target=other_counter)
        seller.start()
        for item_id in available(first, "unique", 6):
            here.append(sell(first, item_id).sale_id)  # the worker is mid-round as often as not
            loop.nudge()
        seller.join(120)
        assert not problems and len(there) == 4
        assert _until(lambda: first.sync().local.waiting() == 0 and all(
            one(first, "SELECT count(*) FROM sales WHERE id = ?", s) == 1 for s in there))
    finally:
        assert loop.stop()
    sync_now(second)
    for sale_id in here:
        assert one(second, "SELECT count(*) FROM sales WHERE id = ?", sale_id) == 1
    with central_database.connect() as pg:
        counts = dict(pg.execute("SELECT row_id, count(*) FROM facet.changes WHERE table_name = 'sales' "
                                 "GROUP BY row_id").fetchall())
    assert all(counts.get(s) == 1 for s in here + there)  # every sale once at central, none replayed twice
    assert loop.last is not None and loop.last.status.last_error is None


def test_the_workers_writes_leave_the_stores_connections_as_a_sale_wants_them(group) -> None:
    first, second = group
    sell(first, available(first)[0])
    sell(second, available(second)[0])
    sync_now(second)
    done = sync_now(first)  # pushes (marks), pulls (a page written), records the round
    assert done.pushed and done.pulled
    pooled = [first.db.engine.raw_connection() for _ in range(4)]
    try:
        for conn in pooled:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: every sale's commit on disk
            assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        for conn in pooled:
            conn.close()


def test_a_store_locked_by_another_writer_is_retried_until_free_and_refused_after_the_patience(
        demo_facet: app.Facet) -> None:
    holder = demo_facet.connection()
    waiter = demo_facet.connection()
    try:
        holder.execute("BEGIN IMMEDIATE")
        threading.Timer(0.05, lambda: holder.execute("COMMIT")).start()
        waiter.execute("BEGIN IMMEDIATE")  # retried every fraction of a ms until the holder commits
        waiter.execute("COMMIT")
        waiter.set_busy_handler(prompt_busy_handler(patience_s=0.2))
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(sqlcipher3.OperationalError, match="locked"):
            waiter.execute("BEGIN IMMEDIATE")
        assert time.monotonic() - started >= 0.2
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        waiter.close()


def test_waiting_changes_are_read_through_the_pushed_at_index_even_after_sqlite_analyzed_the_outbox(
        demo_facet: app.Facet) -> None:
    local = demo_facet.sync().local
    local.mark_pushed(2 ** 62)  # every row pushed at once (a seed, an offline day's push) ...
    conn = demo_facet.connection()
    try:
        conn.execute("ANALYZE")  # ... then analyzed (PRAGMA optimize at close): pushed_at looks unselective
        plan = " ".join(str(r[3]) for r in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT device_seq FROM {sync_repo._UNPUSHED} WHERE pushed_at IS NULL "
            "ORDER BY seq LIMIT 10"))
        assert "ix_outbox_pushed_at" in plan and "SCAN" not in plan
    finally:
        conn.close()
    assert local.waiting() == 0 and local.outbox_batch(10) == []
    sync.status(local)  # reads the same way, no error
