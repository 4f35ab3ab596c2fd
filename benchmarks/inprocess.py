"""Measurements in the harness process: search as you type, scanner lookup, CSV import.

Each of ours is timed beside its raw baseline on a separate raw sqlcipher3
connection to the same file (same key, same pragmas as the app's:
WAL, synchronous=FULL, SQLite's default page cache), alternating which goes
first from one pass to the next so neither always finds the other's pages
cached.
"""

from __future__ import annotations

import csv
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pos_app.domain.permissions import Actor

ROW_COLUMNS = ("seq, id, sku, barcode, title, style, metal, price_cents, cost_cents, currency, status, "
               "location, tracking, received_on, cert_number")


def raw_connection(path: Path, key_hex: str) -> Any:
    """A plain sqlcipher3 connection, keyed and set up the way the app sets up its own."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key_hex}'\"")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Timings:
    ours_ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)
    by_input: dict[str, list[float]] = field(default_factory=dict)
    raw_by_input: dict[str, list[float]] = field(default_factory=dict)
    extra_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "ours_p50_ms": statistics.median(self.ours_ms), "ours_p95_ms": percentile(self.ours_ms, 95),
            "raw_p50_ms": statistics.median(self.raw_ms), "raw_p95_ms": percentile(self.raw_ms, 95),
            "samples": len(self.ours_ms),
        }

    def slowest(self, n: int = 6) -> list[dict[str, object]]:
        worst = sorted(self.by_input, key=lambda k: -statistics.median(self.by_input[k]))[:n]
        return [{"input": k, "ours_median_ms": round(statistics.median(self.by_input[k]), 2),
                 "raw_median_ms": round(statistics.median(self.raw_by_input.get(k, [0.0])), 2)} for k in worst]


# ---------------------------------------------------------------- search as you type


def keystrokes(raw: Any) -> list[str]:
    """What a clerk types, one entry per keystroke, from words and codes in this store."""
    sku = raw.execute("SELECT sku FROM items WHERE sku LIKE 'HAL-1%' ORDER BY seq DESC LIMIT 1").fetchone()
    sku = sku[0] if sku else raw.execute("SELECT sku FROM items ORDER BY seq DESC LIMIT 1").fetchone()[0]
    cert = raw.execute("SELECT cert_number FROM items WHERE cert_lab = 'GIA' ORDER BY seq DESC LIMIT 1").fetchone()
    cert = cert[0] if cert else "2345678901"
    typed: list[str] = []

    def typing(text: str, first: int = 1) -> None:
        typed.extend(text[:n] for n in range(first, len(text) + 1))

    typing("halo 18k")  # h, ha, hal, halo, "halo ", halo 1, halo 18, halo 18k
    typing("tennis")
    typing("plat")
    typing("oval")
    typing("diamond", 3)
    typing(sku, 3)  # HAL, HAL-, HAL-1, ... an existing SKU in full
    typing(cert, 3)  # a GIA report number, 3 digits on
    typing("SKU-000*")  # not a SKU format here; FTS5 syntax if unquoted
    typed += ['"', 'halo "', '"halo', "lab-grown oval"]
    return typed


def measure_search(reader: Any, raw: Any, actor: Actor, typed: list[str], *, passes: int, uow: Any) -> Timings:
    """What the inventory screen does per keystroke, against plain FTS5 doing the same amount of work.

    Ours: `inventory.count` (the table's row count) + `inventory.page_seqs` for
    the first block of 100 in SKU order + `inventory.rows_for` that block.
    Raw: a raw sqlcipher3 connection asks FTS5 the same question in its own
    (rowid) order: `count(*) ... MATCH`, the first 100 rowids `... MATCH ? LIMIT
    100`, and those rows' columns. No sort by SKU, no filters: the floor of the
    same answer on the same data.
    """
    from pos_app.gui.inventory.model import BLOCK
    from pos_app.persistence.queries import fts_query
    from pos_app.services import inventory
    from pos_app.services.ports.inventory import InventoryFilter

    def ours(text: str) -> int:
        flt = InventoryFilter(text=text)
        total = inventory.count(flt, reader=reader, actor=actor, uow=uow)
        seqs = inventory.page_seqs(flt, "sku", False, 0, BLOCK, reader=reader, actor=actor, uow=uow)
        inventory.rows_for(seqs, reader=reader, actor=actor, uow=uow)
        return total

    def baseline(text: str) -> int:
        match = fts_query(text)
        if match is None:  # nothing searchable typed: the list shows every item
            total = raw.execute("SELECT count(*) FROM items").fetchone()[0]
            rowids = [r[0] for r in raw.execute("SELECT seq FROM items LIMIT ?", (BLOCK,))]
        else:
            total = raw.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", (match,)).fetchone()[0]
            rowids = [r[0] for r in raw.execute(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH ? LIMIT ?", (match, BLOCK))]
        if rowids:
            raw.execute(f"SELECT * FROM items WHERE seq IN ({','.join('?' * len(rowids))})", rowids).fetchall()
        return int(total)

    def fts_only(text: str) -> None:
        match = fts_query(text)
        if match is not None:
            raw.execute("SELECT rowid FROM items_fts WHERE items_fts MATCH ? LIMIT 20", (match,)).fetchall()

    t = Timings()
    for n in range(passes + 1):  # pass 0 warms both connections' caches and is not kept
        for i, text in enumerate(typed):
            found = {}
            order = ("ours", "raw") if (n + i) % 2 == 0 else ("raw", "ours")
            for who in order:
                start = time.perf_counter()
                try:
                    found[who] = ours(text) if who == "ours" else baseline(text)
                except Exception as exc:  # noqa: BLE001 - a crash is a result here
                    found[who] = -1
                    t.errors.append(f"{who} {text!r}: {type(exc).__name__}: {exc}")
                ms = (time.perf_counter() - start) * 1000
                if n:
                    (t.ours_ms if who == "ours" else t.raw_ms).append(ms)
                    (t.by_input if who == "ours" else t.raw_by_input).setdefault(text, []).append(ms)
            if found["ours"] != found["raw"]:
                t.mismatches.append(f"{text!r}: ours {found['ours']} rows, raw {found['raw']}")
            if n:
                start = time.perf_counter()
                fts_only(text)
                t.extra_ms.append((time.perf_counter() - start) * 1000)
    return t


# ---------------------------------------------------------------- scanner lookup


def measure_lookup(reader: Any, raw: Any, actor: Actor, *, passes: int, per_pass: int = 400,
                   seed: int = 11, uow: Any) -> Timings:
    """inventory.lookup of random existing barcodes and SKUs vs one raw indexed SELECT each."""
    from pos_app.services import inventory

    rng = random.Random(seed)
    codes = raw.execute("SELECT barcode, sku FROM items WHERE barcode IS NOT NULL").fetchall()
    t = Timings()
    for n in range(passes + 1):
        sample = rng.sample(codes, min(per_pass // 2, len(codes)))
        work = [(b, "barcode") for b, _ in sample] + [(s, "sku") for _, s in sample]
        rng.shuffle(work)
        for i, (code, column) in enumerate(work):
            order = ("ours", "raw") if (n + i) % 2 == 0 else ("raw", "ours")
            for who in order:
                start = time.perf_counter()
                if who == "ours":
                    row = inventory.lookup(code, reader=reader, actor=actor, uow=uow)
                    ok = row is not None and code in (row.barcode, row.sku)
                else:
                    sql = f"SELECT {ROW_COLUMNS} FROM items WHERE {column} = ?"
                    ok = raw.execute(sql, (code,)).fetchone() is not None
                ms = (time.perf_counter() - start) * 1000
                if not ok:
                    t.errors.append(f"{who} found nothing for {column} {code}")
                if n:
                    (t.ours_ms if who == "ours" else t.raw_ms).append(ms)
                    (t.by_input if who == "ours" else t.raw_by_input).setdefault(column, []).append(ms)
    return t


# ---------------------------------------------------------------- CSV import


def measure_import(facet: Any, raw: Any, csv_path: Path, actor: Actor) -> dict[str, Any]:
    """item_files.import_items of the whole file vs raw executemany of its rows into a scratch table."""
    from pos_app.domain.items import COLUMNS
    from pos_app.services import item_files

    with facet.uow() as uow:  # the app warms its engine after the first paint; so do we, untimed
        uow.store.get()
    start = time.perf_counter()
    report = item_files.import_items(csv_path, uow=facet.uow(), files=facet.devices.files, actor=actor)
    ours = time.perf_counter() - start
    if report.created != report.rows or report.problems:
        raise RuntimeError(f"the import did not create every row: {report}")

    columns = ", ".join(f'"{c}" TEXT' for c in COLUMNS)
    raw.execute(f"CREATE TABLE bench_import_scratch ({columns})")
    try:
        start = time.perf_counter()
        with csv_path.open(newline="", encoding="utf-8") as stream:
            reader = csv.reader(stream)
            next(reader)
            rows = list(reader)
        raw.execute("BEGIN IMMEDIATE")
        raw.executemany(f"INSERT INTO bench_import_scratch VALUES ({', '.join('?' * len(COLUMNS))})", rows)
        raw.execute("COMMIT")
        baseline = time.perf_counter() - start
    finally:
        raw.execute("DROP TABLE bench_import_scratch")
    return {"seconds": ours, "baseline_seconds": baseline, "rows": report.rows, "created": report.created}
