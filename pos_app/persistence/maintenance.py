"""Keeping the store's file in order while it is in use: no old copy of erased rows, free pages given back,
the whole file re-encrypted with a new key.

`LocalDatabase.scrub`, `.compact` and `.rekey` (`persistence/database.py`) call these with a way to open a
connection of their own; nothing here holds the store's write lock for longer than a short transaction,
except the rekey, which needs the file to itself and says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3

from pos_app.persistence.sqlcipher import StoreProblem, connect

# How long a scrub keeps trying to empty the WAL while the store is busy, and how often.
SCRUB_PATIENCE_S = 10.0
SCRUB_RETRY_S = 0.02
# Compaction: pages given back per step (each step one short write transaction), and time allowed a run.
COMPACT_STEP_PAGES = 64
COMPACT_BUDGET_S = 30.0
AUTO_VACUUM_INCREMENTAL = 2
PAGE_SIZE, WAL_HEADER, WAL_FRAME_HEADER = 4096, 32, 24


def scrub(open_connection: Callable[[], Any], *, patience_s: float = SCRUB_PATIENCE_S) -> bool:
    """Leave no old copy of erased rows in the file or its WAL, without holding up a sale.

    Every connection deletes securely (`PRAGMA secure_delete`, set in `sqlcipher.connect`): a deleted
    or rewritten row's old bytes are zeroed in its page, and a freed page is zeroed before it joins
    the free list. What is left is the WAL, which still holds the pages as they were before the
    erasure until they are copied back and the WAL starts over. So, until it works or `patience_s`
    runs out:

    1. a PASSIVE checkpoint copies the WAL's pages into the file while sales go on (it takes no write
       lock; it cannot finish while a reader still uses an older snapshot);
    2. once every frame is copied, a write transaction that changes nothing (`busy_timeout = 0`:
       tried, never waited for) starts the WAL over from its beginning, and every connection's
       `journal_size_limit = 0` (`sqlcipher.connect`) truncates the file to that transaction's own
       few frames at its commit; a sale that commits first does the same.
    3. The WAL then holds only pages written after the erasure: done.

    No TRUNCATE checkpoint, which holds the write lock while it copies and syncs the file, and no
    VACUUM, which held it for the seconds a whole-file rewrite takes (17 to 20 s at 860 MB): free
    pages are zeroed already, and shrinking the file is `compact`'s job, a few pages at a time.

    True when the WAL was emptied of older frames; False when the store stayed too busy (a report
    kept an old snapshot open): the next scrub, or the daily retention run's, finishes it.
    """
    conn = open_connection()
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        deadline = time.monotonic() + patience_s
        while True:
            _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames == copied and (frames <= 0 or _restart_wal(conn)):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(SCRUB_RETRY_S)
    finally:
        conn.close()


def _restart_wal(conn: Any) -> bool:
    """After a complete checkpoint: commit a transaction that rewrites one row as it is, which starts the
    WAL over and (journal_size_limit = 0) truncates it to its own frames. True when the WAL holds no
    more than those frames afterwards."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlcipher3.OperationalError:
        return False  # a sale is writing: it restarts the WAL itself, or the next try does
    try:
        conn.execute("UPDATE alembic_version SET version_num = version_num")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    wal = Path(str(conn.execute("PRAGMA database_list").fetchone()[2]) + "-wal")
    size = wal.stat().st_size if wal.exists() else 0
    return size <= WAL_HEADER + max(int(frames), 0) * (PAGE_SIZE + WAL_FRAME_HEADER)


def compact(open_connection: Callable[[], Any], *, budget_s: float = COMPACT_BUDGET_S,
            step_pages: int = COMPACT_STEP_PAGES) -> int:
    """Give free pages back to the file system in small steps; returns how many pages were released.

    Only a store in incremental auto-vacuum mode can (new stores are made so; an older store keeps
    its free pages, zeroed, for reuse). Each step is its own short write transaction of
    `PRAGMA incremental_vacuum(step_pages)`, tried with `busy_timeout = 0` so it never waits holding
    anything: a sale that wants the lock gets it between steps. Stops after `budget_s` seconds or when
    no free page is left. Meant for an idle moment (the daily retention run), not after each erasure.
    """
    conn = open_connection()
    released = 0
    try:
        if int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) != AUTO_VACUUM_INCREMENTAL:
            return 0
        conn.execute("PRAGMA busy_timeout = 0")
        deadline = time.monotonic() + budget_s
        while time.monotonic() < deadline:
            free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            if free == 0:
                break
            try:
                conn.execute(f"PRAGMA incremental_vacuum({min(step_pages, free)})").fetchall()
            except sqlcipher3.OperationalError:
                time.sleep(SCRUB_RETRY_S)  # a sale is writing: let it finish
                continue
            released += free - int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            time.sleep(0)  # let a waiting writer take the lock between steps
    finally:
        conn.close()
    return released


def rekey_file(path: Path, key_hex: str, new_key_hex: str) -> None:
    """Re-encrypt the file at `path` from `key_hex` to `new_key_hex` (SQLCipher's `PRAGMA rekey`), in one
    transaction.

    Needs the file to itself: it leaves WAL mode first, which SQLite refuses while another
    connection (another Facet window or counter) has the store open, and then nothing is changed.
    In rollback-journal mode the rekey is atomic: a crash leaves the file wholly in the old key.
    The caller (`LocalDatabase.rekey`) checks the new key, closes its own pooled connections first, and
    checks the new key opens the file after.
    """
    conn = connect(path, key_hex)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        try:
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except sqlcipher3.OperationalError:
            mode = "wal"
        if str(mode).lower() != "delete":
            raise StoreProblem(
                "Facet is open elsewhere (another window, counter or command), so the key cannot be changed "
                "now. Close it there and try again; nothing was changed.")
        conn.execute(f"PRAGMA rekey = \"x'{new_key_hex}'\"").fetchall()
    finally:
        conn.close()
