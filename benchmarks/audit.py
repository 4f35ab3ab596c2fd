"""The audit trail's chain check at a million events, beside a raw SQLite scan of the same rows.

```
.venv/bin/python -m benchmarks.audit --events 1000000 [--json OUT.json] [--keep DIR] [--repeat 3]
```

Setup, not timed: a new store (`app.create_facet`, cheap argon2), then
`--events` audit events in a valid chain written with raw `executemany` on a
raw sqlcipher3 connection, 50,000 a transaction, each hashed by the app's
own `event_hash` (a mix of actions, entities and small summaries, spread
over three years). A kept store that already has them is reused.

Figures (medians of `--repeat` runs, after one discarded warm-up):

- ``audit_verify``: `audit_queries.verify_chain` over the whole trail, with
  the anchor, vs ``SELECT`` of the same columns in the same batches on a raw
  connection, every row fetched (the floor of reading them). The ratio is
  the price of hashing every event in Python; the app runs the check at
  start on a worker thread, so it never holds the GUI. Memory: the peak
  traced by `tracemalloc` during one more check (flat: batches, never the
  table).
- ``audit_commit``: one unit of work recording one audit event and
  committing, with the anchor (the app's) vs without (a bare
  `SqlUnitOfWork`), 200 rounds each, alternating: what keeping
  `audit-head.json` costs a save.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

BATCH = 50_000
ACTIONS = (("sale.completed", "sale"), ("item.updated", "item"), ("staff.signed_in", "staff"),
           ("stock.adjusted", "item"), ("privacy.request_received", "privacy_request"), ("shift.opened", "shift"))


def fill(raw: Any, events: int) -> None:
    """Top the trail up to `events` events, each chained to the last (untimed)."""
    from pos_app.persistence.journal import GENESIS, event_hash, hashed_content

    last = raw.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    rng = random.Random(6)
    start = time.time() - 3 * 365 * 86400
    step = 3 * 365 * 86400 / max(events, 1)
    while seq < events:
        rows = []
        for _ in range(min(BATCH, events - seq)):
            seq += 1
            action, entity = ACTIONS[rng.randrange(len(ACTIONS))]
            at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(start + seq * step)) + ".000000"
            summary = {"n": seq, "fields": ["price"]} if entity == "item" else {"terminal": "C1"}
            row = {"seq": seq, "id": str(uuid.UUID(int=rng.getrandbits(128))), "at": at, "staff_id": None,
                   "actor_name": "Bench Owner", "role": "owner", "terminal": "C1", "action": action,
                   "entity_type": entity, "entity_id": str(seq), "summary": summary, "approved_by": None,
                   "prev_hash": prev}
            row["hash"] = prev = event_hash(hashed_content(row))
            rows.append((*[row[k] for k in ("seq", "id", "at", "staff_id", "actor_name", "role", "terminal",
                                            "action", "entity_type", "entity_id")],
                         json.dumps(summary), None, row["prev_hash"], row["hash"]))
        raw.execute("BEGIN")
        raw.executemany("INSERT INTO audit_events (seq, id, at, staff_id, actor_name, role, terminal, action, "
                        "entity_type, entity_id, summary, approved_by, prev_hash, hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        raw.execute("COMMIT")


def raw_scan(raw: Any) -> int:
    """The baseline: every row's columns read in the check's batches, nothing computed."""
    from pos_app.persistence.audit_queries import BATCH as CHECK_BATCH

    last, count = 0, 0
    while True:
        rows = raw.execute("SELECT seq, id, at, staff_id, actor_name, role, terminal, action, entity_type, "
                           "entity_id, summary, approved_by, prev_hash, hash FROM audit_events WHERE seq > ? "
                           "ORDER BY seq LIMIT ?", (last, CHECK_BATCH)).fetchall()
        count += len(rows)
        if len(rows) < CHECK_BATCH:
            return count
        last = rows[-1][0]


def measure_verify(facet: Any, raw: Any, repeat: int) -> dict[str, Any]:
    from pos_app.persistence.audit_queries import verify_chain

    ours, base = [], []
    for n in range(repeat + 1):
        t0 = time.perf_counter()
        report = verify_chain(raw, facet.db.audit_anchor)
        t1 = time.perf_counter()
        raw_scan(raw)
        t2 = time.perf_counter()
        if n:  # the first is a warm-up
            ours.append(t1 - t0)
            base.append(t2 - t1)
    assert report.ok, report.describe()
    tracemalloc.start()
    verify_chain(raw, facet.db.audit_anchor)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"name": "audit_verify", "label": f"audit chain check ({report.events:,} events)", "unit": "s",
            "value": statistics.median(ours), "baseline": statistics.median(base),
            "baseline_is": "raw SELECT of the same rows in the same batches",
            "detail": {"events": report.events, "peak_traced_mb": round(peak / 2**20, 1),
                       "events_per_s": round(report.events / statistics.median(ours))}}


def measure_commit(facet: Any, rounds: int = 200) -> dict[str, Any]:
    from pos_app.domain.permissions import Actor, Role
    from pos_app.persistence.uow import SqlUnitOfWork

    actor = Actor(staff_id=None, name="Bench Owner", role=Role.OWNER, terminal="C1")
    ours, base = [], []
    for n in range(rounds + 20):
        for anchored in ((True, False) if n % 2 else (False, True)):
            uow = facet.uow() if anchored else SqlUnitOfWork(facet.db.engine)
            t0 = time.perf_counter()
            with uow:
                uow.audit.record(actor, "bench.saved", entity_type="store", summary={"n": n})
                uow.commit()
            elapsed = (time.perf_counter() - t0) * 1000
            if n >= 20:
                (ours if anchored else base).append(elapsed)
    return {"name": "audit_commit", "label": "save one audit event, with the anchor", "unit": "ms",
            "value": statistics.median(ours), "baseline": statistics.median(base),
            "baseline_is": "the same unit of work without the anchor", "detail": {"rounds": rounds}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="reuse the store in this folder")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="facet-audit-bench-"))
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    os.environ["XDG_DATA_HOME"] = str(work / "xdg-data")
    from benchmarks.inprocess import raw_connection
    from pos_app import app
    from pos_app.adapters.hashing import Argon2Hasher
    from pos_app.services.setup import OwnerAccount, parse_store_profile

    store = work / "store"
    if app.store_exists(store):
        facet = app.open_facet(store)
    else:
        profile = parse_store_profile({"name": "Bench Jewelers", "address": "1 Main St", "phone": "+12125550123",
                                       "email": "b@example.com", "timezone": "America/New_York",
                                       "currency": "USD", "locale": "en_US", "tax_rate": "8", "receipt_footer": "",
                                       "privacy_contact": "b@example.com"})
        facet = app.create_facet(store, profile, OwnerAccount("Bench Owner", "bench-pass-1", "9999"),
                                 hasher=Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1))
    raw = raw_connection(facet.db.path, facet.db._key_hex)
    t0 = time.perf_counter()
    fill(raw, args.events)
    print(f"trail filled to {args.events:,} events in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    with facet.uow() as uow:  # anchor the filled trail, as the app's next save would
        uow.audit.record(app.command_line_actor("C1"), "bench.filled", entity_type="store")
        uow.commit()
    figures = [measure_verify(facet, raw, args.repeat), measure_commit(facet)]
    raw.close()
    facet.close()
    for f in figures:
        f["ratio"] = round(f["value"] / f["baseline"], 2) if f["baseline"] else None
        print(f"{f['label']:<48} {f['value']:>9.3f} {f['unit']:<3} baseline {f['baseline']:>9.3f} "
              f"ratio {f['ratio']:>6}  {json.dumps(f['detail'])}")
    if args.json:
        args.json.write_text(json.dumps({"events": args.events, "figures": figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
