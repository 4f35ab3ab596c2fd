"""The appraisals screen over 50,000 appraisals: how long until its first rows show.

Setup, not a figure: `fill_appraisals` writes appraisals with raw
`executemany` on a raw sqlcipher3 connection (about 2% drafts, 3% corrected
with a second version, most owned by customers, some of an inventory item),
spread over the last five years, numbered on from each year's sequence.

The figure: `measure_open` constructs `AppraisalsView`, shows it and runs
the event loop until its table has painted its first page of rows (the row
count known and the first block fetched). The baseline, in the same run and
alternating which goes first, is a bare `QTableView` over a
`QStandardItemModel` holding the same first 50 rows as text (already read),
shown and painted the same way. Target: at most 500 ms.

    python -m benchmarks.appraisal_list DATA_DIR [--fill 50000] [--rounds 15] [--json OUT]

DATA_DIR is a store folder whose key is in the keyring (what `benchmarks/run.py` builds); `main` returns
the results as a dict for the harness.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.inprocess import Timings

TARGET_MS = 500.0
FIRST_ROWS = 50
BATCH = 10_000
YEARS = 5
DRAFT_SHARE = 0.02
CORRECTED_SHARE = 0.03
OWNED_SHARE = 0.8
ITEM_SHARE = 0.3
WARMUP = 3

_COLUMNS = ("id, number, version, supersedes_id, status, purpose, appraised_on, effective_on, owner_customer_id, "
            "item_id, style, metal, gram_weight_cg, chain_length_tenths, clasp, description, value_cents, currency, "
            "appraiser_id, notes, limiting_conditions, finalized_at, retain_until, created_at, updated_at")
_INSERT = f"INSERT INTO appraisals ({_COLUMNS}) VALUES ({', '.join('?' * len(_COLUMNS.split(', ')))})"
_STYLES = ("solitaire", "tennis", "bezel", "halo", "linked_tennis")
_METALS = ("platinum", "14k_white", "14k_yellow", "18k_white", "18k_yellow", "18k_rose")
_PURPOSES = ("insurance_replacement", "insurance_replacement", "insurance_replacement", "estate", "fair_market_value")


def _ts(moment: dt.datetime) -> str:
    """The app's stored UTC text ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def fill_appraisals(raw: Any, *, count: int = 50_000, seed: int = 5, progress: Any = None) -> dict[str, Any]:
    """Appraisal rows until `appraisals` holds `count`; nothing if it already does (a kept store).

    No stones, photos, audit events or outbox rows: a store's past, already
    synced. `raw` should be a connection of its own.
    """
    started = time.perf_counter()
    have = raw.execute("SELECT count(*) FROM appraisals").fetchone()[0]
    if have >= count:
        return {"made": False, "appraisals": have, "added": 0, "seconds": round(time.perf_counter() - started, 1)}
    rng = random.Random(seed + have)
    customers = [r[0] for r in raw.execute("SELECT id FROM customers WHERE erased_at IS NULL")]
    items = [r[0] for r in raw.execute("SELECT id FROM items")]
    appraisers = [r[0] for r in raw.execute("SELECT id FROM staff WHERE role IN ('appraiser', 'owner')")]
    currency = raw.execute("SELECT currency FROM stores LIMIT 1").fetchone()[0]
    conditions = "Stones graded as mounted; weights estimated by formula."
    today = dt.date.today()
    days = sorted(today - dt.timedelta(days=rng.randrange(0, 365 * YEARS)) for _ in range(count - have))
    used: dict[int, int] = {}
    for (name, value) in raw.execute("SELECT name, next_value FROM number_sequences WHERE name LIKE 'appraisal:%'"):
        used[int(name.split(":")[1])] = int(value)
    for (number,) in raw.execute("SELECT number FROM appraisals WHERE version = 1"):
        year, seq = int(number[3:7]), int(number[8:])
        used[year] = max(used.get(year, 0), seq)

    rows: list[tuple[Any, ...]] = []
    made = 0

    def flush() -> None:
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.executemany(_INSERT, rows)
            for year, last in used.items():
                raw.execute("INSERT INTO number_sequences (name, next_value) VALUES (?, ?) ON CONFLICT(name) "
                            "DO UPDATE SET next_value = max(next_value, excluded.next_value)",
                            (f"appraisal:{year}", last))
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        rows.clear()

    for day in days:
        if made >= count - have:
            break
        used[day.year] = used.get(day.year, 0) + 1
        number = f"AP-{day.year}-{used[day.year]:04d}"
        moment = dt.datetime.combine(day, dt.time(15, rng.randrange(60)), dt.UTC)
        draft = day > today - dt.timedelta(days=60) and rng.random() < DRAFT_SHARE * 20
        versions = 2 if not draft and rng.random() < CORRECTED_SHARE and made + 2 <= count - have else 1
        owner = rng.choice(customers) if customers and rng.random() < OWNED_SHARE else None
        item = rng.choice(items) if items and rng.random() < ITEM_SHARE else None
        before = None
        for version in range(1, versions + 1):
            appraisal_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            value = rng.randrange(800, 60_000) * 100
            at = _ts(moment + dt.timedelta(days=version - 1))
            final = not draft
            rows.append((appraisal_id, number, version, before, "final" if final else "draft", rng.choice(_PURPOSES),
                         day.isoformat(), day.isoformat(), owner, item, rng.choice(_STYLES), rng.choice(_METALS),
                         rng.randrange(300, 3000), rng.choice((160, 180, 200)), "lobster",
                         "A diamond necklace, as described on the appraisal.", value, currency,
                         rng.choice(appraisers), "", conditions, at if final else None,
                         (day + dt.timedelta(days=3652)).isoformat() if final else None, at, at))
            before = appraisal_id
            made += 1
        if len(rows) >= BATCH:
            flush()
            if progress:
                progress(f"  appraisals: {have + made:,} of {count:,}")
    if rows:
        flush()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"made": True, "appraisals": have + made, "added": made, "seconds": round(time.perf_counter() - started, 1)}


# ---------------------------------------------------------------- the figure


def _painted(view: Any) -> Any:
    """An event filter that notes when a table's viewport has painted."""
    from PySide6.QtCore import QEvent, QObject

    class Painted(QObject):
        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.seen = True
            return False

    watcher = Painted()
    view.viewport().installEventFilter(watcher)
    return watcher


def _spin(until: Any, timeout_s: float = 10.0) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.perf_counter() + timeout_s
    while not until():
        QApplication.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the table did not show its rows")


def _open_ours(context: Any) -> tuple[float, int]:
    from PySide6.QtWidgets import QApplication

    from pos_app.gui.appraisals.view import AppraisalsView

    started = time.perf_counter()
    view = AppraisalsView(context)
    view.resize(1200, 700)
    watcher = _painted(view.form.table)
    view.show()
    _spin(lambda: watcher.seen and view.model.rowCount() > 0 and view.model.row_at(0) is not None)
    elapsed = (time.perf_counter() - started) * 1000
    rows = view.model.rowCount()
    context.runner.wait()  # the drafts count it started on a worker, outside the timing
    view.close()
    view.deleteLater()
    QApplication.processEvents()
    return elapsed, rows


def _open_baseline(texts: list[list[str]], headers: list[str]) -> float:
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView

    started = time.perf_counter()
    model = QStandardItemModel(len(texts), len(headers))
    model.setHorizontalHeaderLabels(headers)
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            model.setItem(r, c, QStandardItem(text))
    view = QTableView()
    view.setModel(model)
    view.resize(1200, 700)
    watcher = _painted(view)
    view.show()
    _spin(lambda: watcher.seen)
    elapsed = (time.perf_counter() - started) * 1000
    view.close()
    view.deleteLater()
    QApplication.processEvents()
    return elapsed


def measure_open(facet: Any, actor: Any, *, rounds: int = 15,
                 warmup: int = WARMUP) -> tuple[Timings, dict[str, Any]]:
    """Open the screen until its first page of rows is painted, vs the bare table baseline."""
    from pos_app.gui.appraisals.model import COLUMNS
    from pos_app.gui.context import AppContext
    from pos_app.gui.launch import make_application
    from pos_app.services import appraisals

    make_application()
    context = AppContext(facet)
    context.set_actor(actor)
    reader = context.store.appraisals
    first = appraisals.list_appraisals(reader=reader, actor=actor, limit=FIRST_ROWS, uow=facet.uow())
    texts = [[r.number, str(r.version), r.status, r.appraised_on.isoformat(), r.purpose, r.owner_name,
              r.item_sku or "", context.money(r.value_cents, r.currency), r.appraiser] for r in first]
    t = Timings()
    rows = 0
    try:
        for n in range(warmup + rounds):
            order = ("ours", "raw") if n % 2 == 0 else ("raw", "ours")
            measured: dict[str, float] = {}
            for which in order:
                if which == "ours":
                    measured["ours"], rows = _open_ours(context)
                else:
                    measured["raw"] = _open_baseline(texts, list(COLUMNS))
            if n >= warmup:
                t.ours_ms.append(measured["ours"])
                t.raw_ms.append(measured["raw"])
        # The far end of the list: the last block (OFFSET near the count), as a scroll to the bottom asks it.
        from pos_app.gui.appraisals.view import AppraisalsView

        view = AppraisalsView(context)
        for _ in range(5):
            view.model.refresh()
            started = time.perf_counter()
            view.model.row_at(view.model.rowCount() - 1)
            t.extra_ms.append((time.perf_counter() - started) * 1000)
        view.deleteLater()
    finally:
        context.runner.wait()
        context.close()
    return t, {"rows": rows}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Fill the store at DATA_DIR to --fill appraisals, then time opening the screen; print and return it."""
    import os
    import statistics

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--fill", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from benchmarks.inprocess import raw_connection
    from pos_app import app
    from pos_app.adapters.secrets import KeyringSecrets, database_key_name
    from pos_app.domain.permissions import Actor, Role

    key = KeyringSecrets().get(database_key_name(args.data_dir))
    if key is None:
        raise SystemExit(f"no key for {args.data_dir} in the keyring")
    facet = app.open_facet(args.data_dir)
    try:
        raw = raw_connection(facet.db.path, key)
        try:
            fill = fill_appraisals(raw, count=args.fill, progress=lambda text: print(text, file=sys.stderr))
        finally:
            raw.close()
        staff = next(s for s in facet.store.directory.staff_list() if s.role is Role.APPRAISER)
        actor = Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=facet.terminal)
        timings, shown = measure_open(facet, actor, rounds=args.rounds)
    finally:
        facet.close()
    summary = timings.summary()
    result = {"figure": "appraisals screen: open until the first page of rows is shown", "setup": fill,
              **shown, **{k: round(v, 1) if isinstance(v, float) else v for k, v in summary.items()},
              "last_block_p50_ms": round(statistics.median(timings.extra_ms), 1),
              "target_ms": TARGET_MS, "pass": summary["ours_p95_ms"] <= TARGET_MS}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
