"""Sync figures (issue 16): counters against a real central PostgreSQL, each beside a baseline or a target.

    .venv/bin/python -m benchmarks.sync_figures [--sales 10000] [--latency-sales 40] [--sale-rounds 200]
        [--devices 10] [--chain-seconds 45] [--chain-drain 15] [--join-items 10000] [--join-lines 100000]
        [--only push,latency,overhead,chain,join] [--json OUT.json]

Starts its own PostgreSQL (`tests/postgres_server.py`'s `PostgresServer`: initdb in a temporary folder, TLS
verify-full, fsync off), a demo store as the template of every counter (cheap argon2: no figure signs in), and
measures, each figure in a database of its own:

- `push_offline_day`: a counter that sold 10,000 three-line sales while cut off pushes them (`sync_once`)
  vs a raw psycopg `executemany` of the same rows into copies of `facet.records` + `facet.changes`;
- `sale_visible_elsewhere_p95`: commit of a sale at counter A to the sale applied at counter B, with A's
  worker pushing after the sale and B's waiting on LISTEN/NOTIFY (`CentralLink.wait`) then `sync_once`;
- `complete_sale_sync_on_p95`: `checkout.complete_sale` with a sync worker thread of the same process
  pushing and pulling vs with no worker, blocks alternating;
- `chain_*`: N devices (processes of a few devices each, threads speaking the real protocol with their
  own stores) selling at a busy counter's pace, all pushing and pulling at once;
- `join_*`: a new counter joining a central seeded directly (the administrator's COPY) with items and sale
  lines: time to ready and peak memory (the joining child's own VmHWM).

See benchmarks/README.md, "Sync". Exit code 0 whatever the results: it measures, it does not gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIGURES = ("push", "latency", "overhead", "chain", "join")


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (as benchmarks/README.md's other p95s)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


@dataclass
class Figure:
    name: str
    label: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_is: str = ""
    target: str | None = None
    passed: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return None if not self.baseline else self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        ratio = self.ratio
        return {"name": self.name, "value": round(self.value, 4), "unit": self.unit,
                "baseline": None if self.baseline is None else round(self.baseline, 4),
                "ratio": None if ratio is None else round(ratio, 3), "target": self.target, "pass": self.passed,
                "label": self.label, "baseline_is": self.baseline_is, "detail": self.detail}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- stores


class Stores:
    """The demo store built once (cheap argon2, lots of counted stock received), cloned for every counter
    that starts from it; new counters join from central's snapshot as `pos-app sync join` does."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.template = work / "template"
        self._n = 0

    def build_template(self, units: int) -> None:
        from pos_app import app
        from pos_app.adapters.hashing import Argon2Hasher
        from pos_app.domain.permissions import Role

        facet = app.create_demo_facet(self.template, hasher=Argon2Hasher(time_cost=1, memory_cost=64,
                                                                           parallelism=1))
        try:
            manager = actor(facet, Role.MANAGER)
            conn = facet.connection()
            try:
                ids = [r[0] for r in conn.execute(
                    "SELECT id FROM items WHERE tracking = 'counted' AND status = 'available' ORDER BY seq")]
            finally:
                conn.close()
            with facet.uow() as uow:
                uow.stock.record_many([(i, "receive", units, "received") for i in ids], actor=manager)
                uow.commit()
        finally:
            facet.close()

    def clone(self, name: str) -> Path:
        from pos_app.adapters.secrets import KeyringSecrets, database_key_name
        from pos_app.persistence.database import copy_store

        self._n += 1
        dest = self.work / f"{name}-{self._n}"
        copy_store(self.template, dest)
        secrets = KeyringSecrets()
        key = secrets.get(database_key_name(self.template))
        assert key is not None
        secrets.set(database_key_name(dest), key)
        return dest


def time_calls(obj: Any, names: tuple[str, ...], prefix: str) -> dict[str, list[float]]:
    """Wrap `obj`'s methods `names` (on the instance: callers see the wrapper) to add up their wall time."""
    spent: dict[str, list[float]] = {}

    def wrap(name: str) -> None:
        plain = getattr(obj, name)
        tally = spent.setdefault(prefix + name, [0.0, 0])

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return plain(*args, **kwargs)
            finally:
                tally[0] += time.perf_counter() - started
                tally[1] += 1

        setattr(obj, name, timed)

    for name in names:
        wrap(name)
    return spent


def fast_writes(facet: Any) -> Any:
    """Untimed setup only: the store's pooled connections with `synchronous = OFF` (no fsync per commit) while
    the offline day's sales are made; returns the undo (the pool is emptied: the next connections are
    the app's own, synchronous = FULL)."""
    from sqlalchemy import event

    def relaxed(dbapi: Any, record: Any, proxy: Any) -> None:
        dbapi.execute("PRAGMA synchronous = OFF")

    engine = facet.db.engine
    event.listen(engine, "checkout", relaxed)

    def undo() -> None:
        event.remove(engine, "checkout", relaxed)
        facet.db.dispose()

    return undo


def actor(facet: Any, role: Any) -> Any:
    from pos_app.domain.permissions import Actor

    staff = next(s for s in facet.store.directory.staff_list() if s.role is role)
    return Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=facet.terminal)


def one(facet: Any, query: str, *args: Any) -> Any:
    conn = facet.connection()
    try:
        row = conn.execute(query, args).fetchone()
        return None if row is None else row[0]
    finally:
        conn.close()


def join(admin_url: str, folder: Path, store_id: str, store_name: str, progress: Any = None) -> Path:
    from pos_app.adapters.central import without_login
    from pos_app.sync_group import add_counter, join_group

    _, _, token = add_counter(admin_url, store_id, store_name)
    join_group(folder, without_login(admin_url), token, progress=progress)
    return folder


class Seller:
    """Three-line cash sales of counted items at one counter through `checkout.complete_sale` (the
    counter's own path: number, rows, outbox, audit, receipt queue), as benchmarks/counter.py builds them."""

    def __init__(self, facet: Any, seed: int, lines: int = 3) -> None:
        from benchmarks import counter
        from pos_app.domain.permissions import Role
        from pos_app.services import checkout

        self.facet = facet
        self.clerk = actor(facet, Role.CLERK)
        self.settings = checkout.counter_settings(facet.store.directory, facet.terminal)
        counter.ensure_shift(facet, self.clerk)
        conn = facet.connection()
        try:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM items WHERE tracking = 'counted' AND status = 'available' AND on_hand > 100")]
        finally:
            conn.close()
        self.rows = facet.store.inventory.rows_by_ids(ids)
        self.rng = random.Random(seed)
        self.lines = lines

    def checkout(self) -> Any:
        from benchmarks import counter

        return counter._checkout(self.rng.sample(self.rows, self.lines), self.settings.tax_rate)

    def complete(self, co: Any) -> Any:
        from pos_app.services import checkout

        return checkout.complete_sale(co, uow=self.facet.uow(), actor=self.clerk, sales=self.facet.store.sales)


def sync_worker(facet: Any, *, poll_s: float = 5.0, on_round: Any = None) -> Any:
    """A counter's sync worker as the app runs it (`_worker_class`), not started."""
    return _worker_class()(facet, poll_s=poll_s, on_round=on_round)


@functools.cache
def _worker_class() -> Any:
    """Made on first use, as every pos_app import here is (after `set_environment`, in main)."""
    from pos_app.sync_loop import SyncLoop

    class _Worker(SyncLoop):
        """A counter's sync worker: the app's own loop (`pos_app/sync_loop.SyncLoop`, which
        `gui/sync/worker.py` runs), with each round timed and counted and its errors kept. A round when this
        counter committed something (`poke`, the app's nudge after a sale), when central says something new
        arrived (LISTEN/NOTIFY through `CentralLink.wait`, notifications that piled up during a round drained
        first), or every `poll_s` at the latest; each of its steps on the store file waits for the counter's
        open units of work (`persistence/write_turns.py`). `on_round()` after a round that moved something."""

        def __init__(self, facet: Any, *, poll_s: float = 5.0, on_round: Any = None) -> None:
            super().__init__(facet.sync(), poll_s=poll_s,
                             on_round=None if on_round is None else (lambda _done: on_round()))
            self.rounds = 0
            self.round_s: list[float] = []
            self.errors: list[str] = []

        def one_round(self, link: Any) -> Any:
            started = time.perf_counter()
            try:
                done = super().one_round(link)
            except Exception as exc:  # the loop backs off and retries, as the app's does; the figure reports it
                self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                raise
            self.rounds += 1
            self.round_s.append(time.perf_counter() - started)
            return done

        def poke(self) -> None:
            self.nudge()

        def stop(self, timeout: float = 60.0) -> bool:
            return super().stop(timeout)

    return _Worker


class Arrivals:
    """When sales of other counters arrive in this counter's file: new rows of `sales` after each round."""

    def __init__(self, facet: Any) -> None:
        self.facet = facet
        self.last_rowid = int(one(facet, "SELECT coalesce(max(rowid), 0) FROM sales"))
        self.seen: dict[str, float] = {}
        self.lock = threading.Lock()

    def check(self) -> None:
        now = time.time()
        conn = self.facet.connection()
        try:
            rows = conn.execute("SELECT rowid, id FROM sales WHERE rowid > ? ORDER BY rowid",
                                (self.last_rowid,)).fetchall()
        finally:
            conn.close()
        with self.lock:
            for rowid, sale_id in rows:
                self.seen.setdefault(str(sale_id), now)
                self.last_rowid = max(self.last_rowid, int(rowid))


# ---------------------------------------------------------------- the harness


class SyncBench:
    def __init__(self, args: argparse.Namespace, work: Path, server: Any) -> None:
        self.args = args
        self.work = work
        self.server = server
        self.stores = Stores(work)
        self.figures: list[Figure] = []
        self.warnings: list[str] = []
        self.setup: dict[str, Any] = {}

    def table(self) -> str:
        lines = [f"{'figure':34} {'ours':>12} {'baseline':>12} {'ratio':>7}  target  result"]
        for f in self.figures:
            base = "" if f.baseline is None else f"{f.baseline:.3f}"
            ratio = "" if f.ratio is None else f"{f.ratio:.2f}x"
            verdict = "" if f.passed is None else ("PASS" if f.passed else "FAIL")
            lines.append(f"{f.name:34} {f.value:>10.3f} {f.unit:<2}{base:>12} {ratio:>7}  {f.target or '-'}  {verdict}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        from benchmarks.run import machine

        return {"machine": machine(), "setup": self.setup, "figures": [f.as_json() for f in self.figures],
                "warnings": self.warnings}

    def database(self, name: str) -> str:
        self.server.create_database(name)
        return str(self.server.url(name))

    def first_counter(self, name: str) -> tuple[Any, str, str]:
        """A clone of the demo store that creates central in database `name` (`central init`): (facet,
        admin URL, store id)."""
        from pos_app import app

        url = self.database(name)
        facet = app.open_facet(self.stores.clone(name))
        facet.sync().central_init(url)
        return facet, url, str(one(facet, "SELECT id FROM stores"))

    # ------------------------------------------------------------ 1. a day offline, pushed

    def push_offline_day(self) -> None:
        from pos_app.domain.permissions import Role
        from pos_app.services import sync
        from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine

        n_sales = self.args.sales
        say(f"push: {n_sales:,} three-line sales made offline ...")
        facet, url, _ = self.first_counter("central_push")
        try:
            clerk = actor(facet, Role.CLERK)
            conn = facet.connection()
            try:
                items = conn.execute("SELECT id, sku, title, price_cents FROM items WHERE tracking = 'counted' "
                                     "AND status = 'available' AND on_hand > 100").fetchall()
                rate = 0.0625
            finally:
                conn.close()
            rng = random.Random(5)
            unsafe = fast_writes(facet)  # setup only: the sales are made, not timed
            started = time.perf_counter()
            terminal = facet.terminal
            for n in range(n_sales):
                lines = []
                for item_id, sku, title, price in rng.sample(items, 3):
                    tax = round(price * rate)
                    lines.append(NewSaleLine(item_id, sku, title, 1, price, 0, tax))
                total = sum(line.total_cents for line in lines)
                payment = (NewPayment("cash", total, tendered_cents=-(-total // 2000) * 2000) if n % 4 == 0 else
                           NewPayment("card", total, payment_intent_id=f"pi_bench{n:012d}", card_brand="visa",
                                      card_last4=f"{n % 10000:04d}"))
                sale = NewSale(number=f"{terminal}-B{n:06d}", terminal=terminal, staff_id=clerk.staff_id or "",
                               customer_id=None, currency="USD", completed_at=dt.datetime.now(dt.UTC),
                               lines=tuple(lines), payments=(payment,), tax_rate="6.25")
                with facet.uow() as uow:  # one sale, one local transaction, as at the counter
                    uow.counter.write_sale(sale, actor=clerk)
                    uow.commit()
            made_s = time.perf_counter() - started
            unsafe()
            local = facet.sync().local
            waiting = local.waiting()
            per_table = dict(_rows(facet, "SELECT table_name, count(*) FROM outbox WHERE pushed_at IS NULL "
                                          "GROUP BY table_name ORDER BY table_name"))
            audit_waiting = int(one(facet, "SELECT count(*) FROM audit_events WHERE seq > ?",
                                    local.state().audit_pushed_seq))
            say(f"  made in {made_s:.1f} s: {waiting:,} outbox rows {per_table}, {audit_waiting:,} audit events")
            baseline_s, baseline_rows = self._raw_push(url, local)
            say(f"  baseline (raw executemany into copies of facet.records + facet.changes): {baseline_s:.2f} s")
            link = facet.sync().link()
            profile = os.environ.get("FACET_SYNCBENCH_PROFILE")
            profiler = None
            if profile:
                import cProfile

                with self.server.connect("central_push", autocommit=True) as pg:
                    pg.execute("ALTER DATABASE central_push SET track_functions = 'pl'")
                link.close()
                profiler = cProfile.Profile()
                profiler.enable()
            split = time_calls(link, ("hello", "push", "push_audit", "pull"), "central.")
            split.update(time_calls(local, ("outbox_batch", "mark_pushed", "audit_after", "apply"), "local."))
            started = time.perf_counter()
            done = sync.sync_once(local, link)
            ours_s = time.perf_counter() - started
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
                with self.server.connect("central_push") as pg:
                    time.sleep(1)  # the statistics collector
                    for row in pg.execute("SELECT funcname, calls, round(total_time), round(self_time) "
                                          "FROM pg_stat_user_functions ORDER BY total_time DESC"):
                        say(f"  central function {row}")
            link.close()
            say(f"  sync_once: {ours_s:.2f} s ({done.to_dict()})")
            with self.server.connect("central_push") as pg:
                device = local.state().device_id
                ours = ("WITH bench AS (SELECT table_name, row_id FROM facet.records r WHERE "
                        "(table_name = 'sales' AND data->>'number' LIKE %(p)s) OR "
                        "(table_name IN ('sale_lines', 'payments') AND data->>'sale_id' IN (SELECT row_id FROM "
                        "facet.records WHERE table_name = 'sales' AND data->>'number' LIKE %(p)s)) OR "
                        "(table_name = 'stock_movements' AND data->>'reference' LIKE %(p)s)) ")
                at_central = dict(pg.execute(ours + "SELECT table_name, count(*) FROM bench GROUP BY 1",
                                             {"p": f"{terminal}-B%"}).fetchall())
                # Every row once in the change log: a change applied twice would show as a second change of it.
                changes_of_them = int(pg.execute(
                    ours + "SELECT count(*) FROM facet.changes c JOIN bench USING (table_name, row_id) "
                    "WHERE c.device_id = %(d)s", {"p": f"{terminal}-B%", "d": device}).fetchone()[0])
                bench_sales = int(pg.execute("SELECT count(*) FROM facet.records WHERE table_name = 'sales' AND "
                                             "data->>'number' LIKE %s", (f"{terminal}-B%",)).fetchone()[0])
                dup = changes_of_them - sum(at_central.values())
            complete = at_central == {"sales": n_sales, "sale_lines": 3 * n_sales, "payments": n_sales,
                                      "stock_movements": 3 * n_sales}
            passed = (ours_s <= 30 and ours_s <= 3 * baseline_s and bench_sales == n_sales and complete
                      and dup == 0 and done.quarantined == 0)
            self.figures.append(Figure(
                "push_offline_day", f"{n_sales:,} three-line sales made offline, pushed by sync_once", ours_s, "s",
                baseline_s, "raw psycopg executemany of the same rows into copies of facet.records + facet.changes "
                f"(LIKE ... INCLUDING ALL), one transaction per {sync.PUSH_BATCH:,} changes (a push's batch)",
                "<= 30 s and <= 3x baseline", passed,
                {"outbox_rows": waiting, "outbox_by_table": per_table, "audit_events": audit_waiting,
                 "baseline_rows": baseline_rows, "round": done.to_dict(), "sales_at_central": bench_sales,
                 "duplicate_changes": dup, "bench_rows_at_central": at_central, "sales_made_s": round(made_s, 1),
                 "sales_made_per_s": round(n_sales / made_s, 1),
                 # Where sync_once's time went: seconds in each call (central's functions as the counter waits
                 # for them, the store file's side), [seconds, calls].
                 "split_s_calls": {k: [round(v[0], 2), v[1]] for k, v in split.items()}}))
        finally:
            facet.close()

    def _raw_push(self, url: str, local: Any) -> tuple[float, int]:
        """The same outbox rows as central's records and changes rows, `executemany`d by the superuser into
        copies of the two tables (their columns, keys and indexes), a push's batch (`sync.PUSH_BATCH`) a transaction."""
        import psycopg
        from psycopg.types.json import Jsonb

        from pos_app.services import sync

        state = local.state()
        conn = local._db.connect()
        try:
            outbox = conn.execute("SELECT device_seq, tx_id, table_name, row_id, op, changes FROM outbox "
                                  "WHERE pushed_at IS NULL ORDER BY device_seq").fetchall()
            data = [local._data(conn, r[2], r[3], r[4], r[5]) for r in outbox]
        finally:
            conn.close()
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute("CREATE SCHEMA bench")
            pg.execute("CREATE TABLE bench.records (LIKE facet.records INCLUDING ALL)")
            pg.execute("CREATE TABLE bench.changes (LIKE facet.changes INCLUDING ALL)")
            seq0 = 10_000_000
            started = time.perf_counter()
            for start in range(0, len(outbox), sync.PUSH_BATCH):
                chunk = range(start, min(len(outbox), start + sync.PUSH_BATCH))
                with pg.transaction(), pg.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO bench.records (table_name, row_id, store_id, data, writers, server_seq) "
                        "VALUES (%s, %s, %s, %s, %s, %s)",
                        [(outbox[k][2], outbox[k][3], state.store_id, Jsonb(data[k]),
                          Jsonb({c: [state.device_id, seq0 + k] for c in (data[k] or {})}), seq0 + k) for k in chunk])
                    cur.executemany(
                        "INSERT INTO bench.changes (server_seq, store_id, device_id, device_seq, tx_id, table_name, "
                        "row_id, op, changes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [(seq0 + k, state.store_id, state.device_id, outbox[k][0], outbox[k][1], outbox[k][2],
                          outbox[k][3], outbox[k][4], Jsonb(data[k])) for k in chunk])
            seconds = time.perf_counter() - started
            pg.execute("DROP SCHEMA bench CASCADE")
        return seconds, 2 * len(outbox)


    # ------------------------------------------------------------ 2 and 3. two counters online

    def _two_counters(self) -> tuple[Any, Any, str]:
        from pos_app import app

        if getattr(self, "_pair", None) is None:
            say("two counters: A creates central, B joins from its snapshot ...")
            a, url, store_id = self.first_counter("central_pair")
            started = time.perf_counter()
            b_dir = join(url, self.work / "pair-b", store_id, a.profile.name)
            self.setup["pair_join_s"] = round(time.perf_counter() - started, 2)
            b = app.open_facet(b_dir)
            self._pair = (a, b, url)
        return self._pair

    def latency(self) -> None:
        """A sale committed at A, then A's worker pushes (poked by the sale, as the app's worker is), central
        notifies, B's worker wakes from `CentralLink.wait` and runs `sync_once`: the sale is in B's file."""
        a, b, _ = self._two_counters()
        n = self.args.latency_sales
        say(f"latency: {n} sales at A, each seen at B ...")
        seller = Seller(a, seed=41)
        arrivals = Arrivals(b)
        worker_a = sync_worker(a)
        worker_b = sync_worker(b, on_round=arrivals.check)
        worker_a.start()
        worker_b.start()
        committed: dict[str, float] = {}
        rng = random.Random(43)
        try:
            time.sleep(1.0)  # both listening
            for _ in range(n):
                sale = seller.complete(seller.checkout())
                committed[sale.sale_id] = time.time()
                worker_a.poke()
                time.sleep(rng.uniform(0.5, 1.5))  # a busy counter pair, not a flood
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not set(committed) <= set(arrivals.seen):
                time.sleep(0.1)
        finally:
            worker_a.stop()
            worker_b.stop()
        delays = [arrivals.seen[s] - t for s, t in committed.items() if s in arrivals.seen]
        missing = len(committed) - len(delays)
        value = p95(delays)
        self.figures.append(Figure(
            "sale_visible_elsewhere_p95", "a sale's commit at counter A to it applied at counter B (both online)",
            value, "s", None, "", "<= 2 s", value <= 2 and missing == 0,
            {"sales": n, "missing_at_b": missing, "p50_s": round(statistics.median(delays), 3) if delays else None,
             "max_s": round(max(delays), 3) if delays else None,
             "a_round_p50_s": round(statistics.median(worker_a.round_s), 3) if worker_a.round_s else None,
             "b_round_p50_s": round(statistics.median(worker_b.round_s), 3) if worker_b.round_s else None,
             "rounds": {"a": worker_a.rounds, "b": worker_b.rounds},
             "errors": worker_a.errors[:3] + worker_b.errors[:3]}))

    def overhead(self) -> None:
        """`complete_sale` at A with its sync worker running (poked after every sale: it pushes it and pulls
        while the next sale is made) vs with no worker; blocks of 20 sales alternate off/on."""
        a, b, _ = self._two_counters()
        rounds = self.args.sale_rounds
        say(f"overhead: {rounds} sales with sync on, {rounds} with it off, alternating blocks ...")
        seller = Seller(a, seed=47)
        b_seller = Seller(b, seed=53)
        times: dict[str, list[float]] = {"on": [], "off": []}
        waits: dict[str, list[float]] = {"on": [], "off": []}
        lock_wait = _BeginWaits(a)
        worker: Any = None
        rng = random.Random(59)
        block = 20
        for _ in range(10):  # warm-up, untimed
            seller.complete(seller.checkout())
        other_sales = 0
        for k in range(2 * (rounds // block)):
            mode = "on" if k % 2 else "off"
            if mode == "on":
                worker = sync_worker(a)
                worker.start()
                time.sleep(0.3)
            for _ in range(block):
                co = seller.checkout()
                lock_wait.spent = 0.0
                started = time.perf_counter()
                seller.complete(co)
                times[mode].append((time.perf_counter() - started) * 1000)
                waits[mode].append(lock_wait.spent * 1000)
                if worker is not None:
                    worker.poke()
                    if rng.random() < 0.5:  # the other counter sells too: A pulls its sales while selling
                        b_seller.complete(b_seller.checkout())
                        other_sales += 1
                        _sync(b)
                time.sleep(rng.uniform(0.0, 0.1))
            if worker is not None:
                worker.stop()
                worker = None
        on, off = p95(times["on"]), p95(times["off"])
        self.figures.append(Figure(
            "complete_sale_sync_on_p95", "complete_sale of a 3-line cash sale with A's sync worker running",
            on, "ms", off, "the same with no sync worker (blocks of 20 alternating)", "<= 1.2x baseline",
            on <= 1.2 * off,
            {"p50_on_ms": round(statistics.median(times["on"]), 2),
             "p50_off_ms": round(statistics.median(times["off"]), 2), "rounds_each": len(times["on"]),
             "other_counter_sales_pulled": other_sales, "switch_interval_s": sys.getswitchinterval(),
             # The sale's own BEGIN IMMEDIATE (taking the store's write lock): the time it waited for the
             # worker's write transactions (SQLite's busy handler sleeps 1, 2, 5, 10 ... ms between tries).
             "begin_wait_p50_ms": {m: round(statistics.median(w), 2) for m, w in waits.items() if w},
             "begin_wait_p95_ms": {m: round(p95(w), 2) for m, w in waits.items() if w},
             "begin_wait_mean_ms": {m: round(statistics.fmean(w), 2) for m, w in waits.items() if w}}))
        lock_wait.remove()


    # ------------------------------------------------------------ 4. a chain, simulated

    def chain(self) -> None:
        """N devices in child processes (a few devices each, a seller and a sync worker thread per device,
        each with its own store joined from central's snapshot), selling every 2-5 s for --chain-seconds,
        all pushing and pulling at once; then a drain, a last round each, and the checks."""
        from pos_app.sync_group import add_counter

        n = self.args.devices
        per_process = 5 if n > 10 else max(1, -(-n // 2))
        say(f"chain: {n} devices ({-(-n // per_process)} processes), {self.args.chain_seconds:.0f} s of selling ...")
        first, url, store_id = self.first_counter("central_chain")
        name = first.profile.name
        first.close()
        with self.server.connect("central_chain", autocommit=True) as pg:  # central's own time, per function
            pg.execute("ALTER DATABASE central_chain SET track_functions = 'pl'")
        from pos_app.adapters.central import without_login

        folder = self.work / "chain"
        folder.mkdir()
        children: list[tuple[subprocess.Popen[bytes], Path]] = []
        started = time.perf_counter()
        for p_index, start in enumerate(range(0, n, per_process)):
            devices = list(range(start, min(n, start + per_process)))
            spec = {"url": without_login(url), "dir": str(folder), "devices": devices,
                    "tokens": [add_counter(url, store_id, name)[2] for _ in devices],
                    "seconds": self.args.chain_seconds, "drain": self.args.chain_drain, "seed": 1000 + p_index}
            spec_file = folder / f"spec-{p_index}.json"
            spec_file.write_text(json.dumps(spec))
            log = (folder / f"child-{p_index}.log").open("wb")
            # Each child its own keyring file, as each counter has its own machine: the plaintext keyring is one
            # file rewritten whole, and processes joining at once would lose each other's logins.
            env = {**os.environ, "XDG_DATA_HOME": str(folder / f"xdg-{p_index}")}
            children.append((subprocess.Popen([sys.executable, "-m", "benchmarks.sync_figures", "--chain-child",
                                               str(spec_file)], cwd=ROOT, stdout=log, stderr=log, env=env),
                             spec_file))
        _wait_files([folder / f"ready-{d}" for d in range(n)], children, 900)
        joined_s = time.perf_counter() - started
        say(f"  {n} devices joined in {joined_s:.0f} s; selling ...")
        go = time.time() + 1.0
        (folder / "go").write_text(str(go))
        _wait_files([folder / f"drained-{d}" for d in range(n)], children, self.args.chain_seconds + 300)
        (folder / "final").write_text("")
        _wait_files([folder / f"result-{d}.json" for d in range(n)], children, 600)
        for child, _ in children:
            child.wait(timeout=120)
        results = [json.loads((folder / f"result-{d}.json").read_text()) for d in range(n)]
        committed: dict[str, tuple[int, float]] = {}
        for r in results:
            for sale_id, at in r["committed"].items():
                committed[sale_id] = (r["device"], at)
        delays: list[float] = []
        lost_at_devices = 0
        late = 0
        for r in results:
            seen = r["seen"]
            have = set(r["sales"])
            for sale_id, (device, at) in committed.items():
                if device == r["device"]:
                    continue
                if sale_id not in have:
                    lost_at_devices += 1
                elif sale_id in seen and seen[sale_id] <= r["final_at"]:
                    delays.append(seen[sale_id] - at)
                else:
                    late += 1
        end = go + self.args.chain_seconds
        with self.server.connect("central_chain") as pg:
            on_central = dict(pg.execute(
                "SELECT row_id, count(*) FROM facet.changes WHERE table_name = 'sales' AND row_id = ANY(%s) "
                "GROUP BY row_id", (list(committed),)).fetchall())
            lines_on_central = int(pg.execute(
                "SELECT count(*) FROM facet.records WHERE table_name = 'sale_lines' AND data->>'sale_id' = ANY(%s)",
                (list(committed),)).fetchone()[0])
            applied = int(pg.execute(
                "SELECT count(*) FROM facet.changes WHERE applied_at >= to_timestamp(%s) AND "
                "applied_at < to_timestamp(%s)", (go, end)).fetchone()[0])
            busiest = pg.execute(
                "SELECT count(*) FROM facet.changes WHERE applied_at >= to_timestamp(%s) AND "
                "applied_at < to_timestamp(%s) GROUP BY date_trunc('second', applied_at) ORDER BY 1 DESC LIMIT 1",
                (go, end)).fetchone()
            time.sleep(0.6)  # the statistics of the last sessions
            central_s = {str(r[0]): round(float(r[1]) / 1000, 1) for r in pg.execute(
                "SELECT funcname, total_time FROM pg_stat_user_functions WHERE funcname IN "
                "('push', 'pull', 'hello', 'push_audit')")}
        lost = sum(1 for s in committed if s not in on_central)
        doubled = sum(1 for c in on_central.values() if c > 1)
        lines_expected = sum(r["lines"] for r in results)
        throughput = applied / self.args.chain_seconds
        value = p95(delays)
        ok = lost == 0 and doubled == 0 and lost_at_devices == 0 and lines_on_central == lines_expected
        detail = {"devices": n, "processes": len(children), "seconds": self.args.chain_seconds,
                  "sales": len(committed), "sales_per_s": round(len(committed) / self.args.chain_seconds, 2),
                  "changes_applied": applied, "changes_per_s": round(throughput, 1),
                  "busiest_second_changes": int(busiest[0]) if busiest else 0,
                  "delay_p50_s": round(statistics.median(delays), 3) if delays else None,
                  "delay_max_s": round(max(delays), 3) if delays else None, "deliveries": len(delays),
                  "seen_only_at_the_last_round": late, "lost_at_central": lost, "doubled_at_central": doubled,
                  "missing_at_devices": lost_at_devices, "lines_at_central": lines_on_central,
                  "lines_committed": lines_expected, "join_s": round(joined_s, 1),
                  "worker_rounds": sum(r["rounds"] for r in results),
                  "round_p50_s": round(statistics.median([x for r in results for x in r["round_s"]] or [0]), 3),
                  "errors": [e for r in results for e in r["errors"]][:5],
                  # Seconds central spent inside each sync function over the whole run (joins, selling, drain):
                  # against the run's length, how busy central itself was.
                  "central_function_s": central_s}
        say(f"  {detail}")
        self.figures.append(Figure(
            "chain_delay_p95", f"{n} devices selling every 2-5 s: a sale's commit at one to its arrival at another",
            value, "s", None, "", "nothing lost or doubled", ok, detail))
        self.figures.append(Figure(
            "chain_changes_per_s", f"central's changes applied a second with {n} devices", throughput, "/s",
            None, "", None, None, {"busiest_second": detail["busiest_second_changes"]}))


    # ------------------------------------------------------------ 5. a new counter joins a big central

    def join(self) -> None:
        """Central seeded directly (the administrator's COPY into facet.records and facet.changes, rows
        shaped like the demo's own) with --join-items items and --join-lines sale lines, then a new counter
        joins in a child process: time from `join_group` to the store opened, and the child's peak RSS."""
        from pos_app.adapters.central import without_login
        from pos_app.sync_group import add_counter

        items, lines = self.args.join_items, self.args.join_lines
        say(f"join: seeding central with {items:,} items and {lines:,} sale lines ...")
        first, url, store_id = self.first_counter("central_join")
        name = first.profile.name
        first.close()
        started = time.perf_counter()
        seeded = seed_central(self.server, "central_join", store_id, items, lines)
        seeded["seconds"] = round(time.perf_counter() - started, 1)
        say(f"  seeded: {seeded}")
        folder = self.work / "joiner"
        spec = {"url": without_login(url), "token": add_counter(url, store_id, name)[2], "dir": str(folder)}
        spec_file = self.work / "join-spec.json"
        spec_file.write_text(json.dumps(spec))
        done = subprocess.run([sys.executable, "-m", "benchmarks.sync_figures", "--join-child", str(spec_file)],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the joining child failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        say(f"  joined: {result}")
        at_full = items >= 100_000 and lines >= 1_000_000
        scale = "" if at_full else f" (scaled down: {items:,} items / {lines:,} lines, not 100,000 / 1,000,000)"
        self.figures.append(Figure(
            "join_ready", f"a new counter joins a central of {items:,} items and {lines:,} sale lines{scale}",
            result["ready_s"], "s", None, "", "<= 300 s", result["ready_s"] <= 300,
            {"seeded": seeded, **result, "full_scale": at_full}))
        self.figures.append(Figure(
            "join_peak_rss", "the joining process's peak memory (VmHWM)", result["peak_rss_mb"], "MB", None, "",
            "<= 300 MB", result["peak_rss_mb"] <= 300, {"full_scale": at_full}))



class _BeginWaits:
    """Adds up how long this thread's `BEGIN IMMEDIATE` statements on the store's engine took (the wait for
    the write lock): the sale's units of work begin there; the worker's writes are on other threads."""

    def __init__(self, facet: Any) -> None:
        from sqlalchemy import event

        self.engine = facet.db.engine
        self.thread = threading.get_ident()
        self.spent = 0.0
        self.started = 0.0
        event.listen(self.engine, "before_cursor_execute", self.before)
        event.listen(self.engine, "after_cursor_execute", self.after)

    def before(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.startswith("BEGIN") and threading.get_ident() == self.thread:
            self.started = time.perf_counter()

    def after(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.startswith("BEGIN") and threading.get_ident() == self.thread:
            self.spent += time.perf_counter() - self.started

    def remove(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)


def _sync(facet: Any) -> None:
    from pos_app.services import sync

    group = facet.sync()
    with group.link() as link:
        sync.sync_once(group.local, link)


def _wait_files(files: list[Path], children: list[tuple[subprocess.Popen[bytes], Path]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not all(f.exists() for f in files):
        dead = [c for c, _ in children if c.poll() not in (None, 0)]
        if dead:
            logs = sorted(files[0].parent.glob("child-*.log"))
            tails = "\n".join(f"{log.name}: ..." + log.read_text(errors="replace")[-1500:] for log in logs)
            raise RuntimeError(f"a chain child failed (exit {dead[0].returncode}):\n{tails}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"chain children too slow: {sum(not f.exists() for f in files)} not there")
        time.sleep(0.2)


def chain_child(spec_file: Path) -> int:
    """Some devices of the chain, each a thread pair: join, wait for "go", sell every 2-5 s, drain, report."""
    from pos_app import app
    from pos_app.sync_group import join_group

    spec = json.loads(spec_file.read_text())
    folder = Path(spec["dir"])
    devices: list[dict[str, Any]] = []
    for device, token in zip(spec["devices"], spec["tokens"]):
        data_dir = folder / f"device-{device}"
        join_group(data_dir, spec["url"], token)
        facet = app.open_facet(data_dir)
        devices.append({"device": device, "facet": facet, "seller": Seller(facet, seed=spec["seed"] * 100 + device),
                        "committed": {}, "lines": 0})
        (folder / f"ready-{device}").write_text("")
    while not (folder / "go").exists():
        time.sleep(0.05)
    go = float((folder / "go").read_text())
    end = go + float(spec["seconds"])
    for d in devices:
        d["arrivals"] = Arrivals(d["facet"])
        d["worker"] = sync_worker(d["facet"], poll_s=5.0, on_round=d["arrivals"].check)
        d["worker"].start()
    time.sleep(max(0.0, go - time.time()))

    def sell(d: dict[str, Any]) -> None:
        rng = random.Random(d["device"])
        time.sleep(rng.uniform(0, 5))
        while time.time() < end:
            seller = d["seller"]
            co = seller.checkout()
            sale = seller.complete(co)
            d["committed"][sale.sale_id] = time.time()
            d["lines"] += len(co.cart.lines)
            d["worker"].poke()
            time.sleep(rng.uniform(2, 5))

    sellers = [threading.Thread(target=sell, args=(d,), daemon=True) for d in devices]
    for t in sellers:
        t.start()
    for t in sellers:
        t.join()
    time.sleep(float(spec["drain"]))  # the workers deliver what is left
    for d in devices:
        (folder / f"drained-{d['device']}").write_text("")
    while not (folder / "final").exists():
        time.sleep(0.1)
    for d in devices:
        d["worker"].stop()
        d["final_at"] = time.time()
    for d in devices:
        _sync(d["facet"])
        d["arrivals"].check()
        result = {"device": d["device"], "committed": d["committed"], "lines": d["lines"],
                  "seen": d["arrivals"].seen, "final_at": d["final_at"],
                  "sales": [r[0] for r in _rows(d["facet"], "SELECT id FROM sales")],
                  "rounds": d["worker"].rounds, "round_s": d["worker"].round_s, "errors": d["worker"].errors}
        d["facet"].close()
        (folder / f"result-{d['device']}.json.tmp").write_text(json.dumps(result))
        (folder / f"result-{d['device']}.json.tmp").rename(folder / f"result-{d['device']}.json")
    return 0


def seed_central(server: Any, database: str, store_id: str, items: int, lines: int) -> dict[str, Any]:
    """`items` pieces (each with its receipt movement) and sales of 3 lines (a payment each, a sale movement
    per line) COPYed into facet.records and facet.changes as the administrator, shaped like the demo's rows
    central already holds (same columns, new ids, SKUs, barcodes and numbers)."""
    rng = random.Random(61)
    with server.connect(database) as pg:
        def template(table: str, where: str = "") -> dict[str, Any]:
            row = pg.execute(f"SELECT data FROM facet.records WHERE table_name = %s {where} LIMIT 1",
                             (table,)).fetchone()
            return dict(row[0])

        item_t = template("items", "AND data->>'tracking' = 'unique'")
        sale_t = template("sales")
        line_t = template("sale_lines")
        pay_t = template("payments")
        move_t = template("stock_movements")
        device = "seeded-" + uuid.uuid4().hex[:8]
        seq = int(pg.execute("SELECT coalesce(max(server_seq), 0) FROM facet.changes").fetchone()[0])
        counts: dict[str, int] = {}
        start_seq = seq

        def rows() -> Any:
            item_ids = []
            for k in range(items):
                item_id = str(uuid.uuid4())
                item_ids.append(item_id)
                yield "items", item_id, {**item_t, "id": item_id, "sku": f"SEED-{k:07d}",
                                         "barcode": f"9{k:012d}", "title": f"{item_t.get('title', '')} #{k}",
                                         "price_cents": rng.randint(20_000, 2_000_000), "store_id": store_id}
                yield "stock_movements", str(uuid.uuid4()), {**move_t, "item_id": item_id, "kind": "receive",
                                                             "quantity": 1, "reason": "received"}
            for n in range(lines // 3):
                sale_id = str(uuid.uuid4())
                number = f"S1-C9-{n:07d}"
                yield "sales", sale_id, {**sale_t, "id": sale_id, "number": number, "terminal": "S1-C9"}
                for position in range(1, 4):
                    item_id = rng.choice(item_ids)
                    yield "sale_lines", str(uuid.uuid4()), {**line_t, "sale_id": sale_id, "item_id": item_id,
                                                            "position": position}
                    yield "stock_movements", str(uuid.uuid4()), {**move_t, "item_id": item_id, "kind": "sale",
                                                                 "quantity": -1, "reference": number}
                yield "payments", str(uuid.uuid4()), {**pay_t, "sale_id": sale_id}

        # Streamed into facet.records (never a list of every row here); the change log is then made from the
        # same rows at central, in one statement.
        written = 0
        with pg.cursor() as cur:
            with cur.copy("COPY facet.records (table_name, row_id, store_id, data, writers, server_seq) "
                          "FROM STDIN") as copy:
                for k, (table, row_id, data) in enumerate(rows(), start=1):
                    data = {**data, "id": row_id}
                    copy.write_row((table, row_id, store_id, json.dumps(data),
                                    json.dumps({c: [device, start_seq + k] for c in data}), start_seq + k))
                    counts[table] = counts.get(table, 0) + 1
                    written = k
            cur.execute("INSERT INTO facet.changes (server_seq, store_id, device_id, device_seq, tx_id, table_name, "
                        "row_id, op, changes) SELECT server_seq, store_id, %s, server_seq - %s, %s, table_name, "
                        "row_id, 'insert', data FROM facet.records WHERE server_seq > %s",
                        (device, start_seq, device, start_seq))
        seq = start_seq + written
        pg.execute("SELECT setval('facet.server_seq', %s)", (seq,))
        pg.commit()
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE facet.records")
        pg.execute("VACUUM ANALYZE facet.changes")
    return {"rows": written, "by_table": counts}


def join_child(spec_file: Path) -> int:
    """Join a group as `pos-app sync join` does (with a progress callback), open the store: print the time
    and this process's own peak RSS (VmHWM: exec gives a process its own, unlike ru_maxrss)."""
    import resource

    from pos_app import app
    from pos_app.sync_group import FINISH_SHARE, join_group

    spec = json.loads(spec_file.read_text())
    progress: list[tuple[float, int, int]] = []
    started = time.perf_counter()
    joined = join_group(Path(spec["dir"]), spec["url"], spec["token"],
                        progress=lambda done, total: progress.append((time.perf_counter() - started, done, total)))
    facet = app.open_facet(Path(spec["dir"]))
    count = facet.store.directory.counts()
    ready = time.perf_counter() - started
    facet.close()
    status = Path("/proc/self/status").read_text()
    hwm_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # Where the wall time went, from the progress calls: up to central's first count (store made, enrolled),
    # the rows written (central's pages read ahead meanwhile), the finishing steps (indexes, full text, sums).
    total = progress[-1][2] if progress else 0
    loaded = next((t for t, done, _ in progress if done >= total * FINISH_SHARE // (FINISH_SHARE + 1)), ready)
    finished = progress[-1][0] if progress else ready
    phases = {"before_snapshot_s": round(progress[0][0], 2) if progress else None,
              "rows_s": round(loaded - (progress[0][0] if progress else 0), 2),
              "finish_s": round(finished - loaded, 2), "after_s": round(ready - finished, 2)}
    print(json.dumps({"ready_s": round(ready, 2), "peak_rss_mb": round(hwm_kb / 1024, 1),
                      "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), **phases, "rows": joined.rows,
                      "progress_calls": len(progress), "items": count.items, "sales": count.sales,
                      "first_progress_s": round(progress[0][0], 2) if progress else None}))
    return 0


def _rows(facet: Any, query: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(query, args)]
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales", type=int, default=10_000, help="sales made offline, then pushed (10000)")
    parser.add_argument("--latency-sales", type=int, default=40)
    parser.add_argument("--sale-rounds", type=int, default=200, help="timed complete_sale calls each way (200)")
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--chain-seconds", type=float, default=45)
    parser.add_argument("--chain-drain", type=float, default=15,
                        help="seconds the chain's workers keep delivering after the selling stops (15)")
    parser.add_argument("--join-items", type=int, default=10_000)
    parser.add_argument("--join-lines", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(FIGURES))
    parser.add_argument("--switch-interval", type=float, metavar="S",
                        help="sys.setswitchinterval for this process (Python's default 0.005): how long a thread "
                             "busy in Python (the sync worker) may keep a sale's thread waiting for the GIL")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--chain-child", metavar="SPEC", help=argparse.SUPPRESS)
    parser.add_argument("--join-child", metavar="SPEC", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.chain_child:
        return chain_child(Path(args.chain_child))
    if args.join_child:
        profile = os.environ.get("FACET_SYNCBENCH_PROFILE")  # a cProfile of the join, for where the time goes
        if profile:
            import cProfile

            with cProfile.Profile() as profiler:
                join_child(Path(args.join_child))
            profiler.dump_stats(profile)
            return 0
        return join_child(Path(args.join_child))
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    wanted = [f for f in args.only.split(",") if f]
    unknown = set(wanted) - set(FIGURES)
    if unknown:
        parser.error(f"--only: unknown {sorted(unknown)}; pick from {', '.join(FIGURES)}")
    work = Path(tempfile.mkdtemp(prefix="facet-syncbench-"))
    from benchmarks.run import set_environment

    set_environment(work)
    from tests.postgres_server import PostgresServer

    try:
        with PostgresServer() as server:
            bench = SyncBench(args, work, server)
            say(f"PostgreSQL {server.bindir.parent.name} on port {server.port}; building the demo template ...")
            bench.stores.build_template(units=1_000_000)
            for name in wanted:
                try:
                    getattr(bench, {"push": "push_offline_day", "latency": "latency", "overhead": "overhead",
                                    "chain": "chain", "join": "join"}[name])()
                except Exception as exc:  # noqa: BLE001 - one figure failing leaves the others measured
                    import traceback

                    traceback.print_exc()
                    bench.warnings.append(f"{name}: {type(exc).__name__}: {str(exc)[-2000:]}")
                if args.json:  # after every figure: a long run that stops keeps what it measured
                    Path(args.json).write_text(json.dumps(bench.as_json(), indent=2))
                say(bench.table())
            print(bench.table())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
