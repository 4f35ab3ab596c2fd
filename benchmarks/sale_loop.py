"""A second counter ringing up cash sales in a loop, timing each: how long did a sale wait?

    python -m benchmarks.sale_loop DATA_DIR --ready FILE --stop FILE --out FILE.json [--max-seconds N]

Run as its own process beside something that writes to the same store (an
erasure and its scrub), the way a second window or counter would. It opens
the store with `app.open_facet`, opens a cash drawer shift if the counter
has none, and completes 3-line cash sales of counted stock with
`checkout.complete_sale` (the clerk's own service call, one transaction
each) back to back. It writes `--ready` once its first sales are done, and
stops when `--stop` exists (or after `--max-seconds`). Then it writes
`--out`: every sale's start (seconds since the loop began, on this
process's monotonic clock), its duration in ms and how long of that its
BEGIN IMMEDIATE waited for the store's write lock, and `started_at_unix`
to line them up with the other process's events.

A sale takes a few milliseconds on its own; the longest wait for the write
lock while the other process worked is how long that process held the
counter up (a longer sale with no wait for the lock was slowed by a busy
CPU, not by the store).
`tests/integration/test_erasure.py` and `benchmarks/privacy.py` both use it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any


def _clerk(facet: Any) -> Any:
    from pos_app.domain.permissions import Actor, Role

    staff = next(s for s in facet.store.directory.staff_list() if s.role is Role.CLERK)
    return Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=facet.terminal)


def _manager(facet: Any) -> Any:
    from pos_app.domain.permissions import Actor, Role

    staff = next(s for s in facet.store.directory.staff_list() if s.role in (Role.MANAGER, Role.OWNER))
    return Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=facet.terminal)


def _time_write_locks(facet: Any) -> list[float]:
    """A list that gets, for each unit of work, how long its BEGIN IMMEDIATE took in ms: the time the sale
    waited for the store's write lock (whatever else slows a sale, a busy CPU, is not in it)."""
    from sqlalchemy import event

    waits: list[float] = []
    started: dict[int, float] = {}

    @event.listens_for(facet.db.engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            started[id(cursor)] = time.perf_counter()

    @event.listens_for(facet.db.engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement == "BEGIN IMMEDIATE" and id(cursor) in started:
            waits.append((time.perf_counter() - started.pop(id(cursor))) * 1000)

    return waits


def run(data_dir: Path, *, ready: Path, stop: Path, out: Path, max_seconds: float, units: int = 3000) -> int:
    from benchmarks.counter import _checkout, _CountedStock, ensure_shift
    from benchmarks.inprocess import raw_connection
    from pos_app import app
    from pos_app.adapters.secrets import database_key_name
    from pos_app.services import checkout

    facet = app.open_facet(data_dir)
    starts: list[float] = []
    durations: list[float] = []
    lock_waits: list[float] = []
    errors: list[str] = []
    try:
        clerk = _clerk(facet)
        settings = checkout.counter_settings(facet.store.directory, facet.terminal)
        ensure_shift(facet, clerk)
        key = facet.keyring.get(database_key_name(data_dir))
        raw = raw_connection(facet.db.path, key)
        try:
            stock = _CountedStock(facet, raw, _manager(facet), units, random.Random(7))
        finally:
            raw.close()
        reader = facet.store.sales
        waits = _time_write_locks(facet)
        began_unix, began = time.time(), time.perf_counter()
        while time.perf_counter() - began < max_seconds and not stop.exists():
            co = _checkout(stock.take(3), settings.tax_rate)
            start = time.perf_counter()
            try:
                checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=reader)
            except Exception as exc:  # noqa: BLE001 - a failed sale is a result here
                errors.append(f"{type(exc).__name__}: {exc}")
                if len(errors) > 20:
                    break
                continue
            durations.append((time.perf_counter() - start) * 1000)
            starts.append(start - began)
            lock_waits.append(waits.pop() if waits else 0.0)
            waits.clear()
            if len(durations) == 5:
                ready.write_text("ready")
    finally:
        facet.close()
    out.write_text(json.dumps({"started_at_unix": began_unix, "starts_s": starts, "durations_ms": durations,
                               "lock_waits_ms": lock_waits, "errors": errors}))
    return 0 if not errors else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--ready", type=Path, required=True, help="written after the first sales")
    parser.add_argument("--stop", type=Path, required=True, help="the loop stops when this file exists")
    parser.add_argument("--out", type=Path, required=True, help="the timings, as JSON")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    return run(args.data_dir, ready=args.ready, stop=args.stop, out=args.out, max_seconds=args.max_seconds)


if __name__ == "__main__":
    sys.exit(main())
