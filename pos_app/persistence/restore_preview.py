"""Comparing a backup with the current store: what restoring it would undo (`domain/restore.py`).

The backup is attached read-only to a connection on the current store (with
its own key: today's, a retired one, or the passphrase it was made with), and
each table of `domain.restore.KINDS` is compared by primary key: the current
store's rows the backup lacks were recorded after it. The audit trail is
compared by (seq, hash), so a trail that went another way after the backup
(an earlier restore) counts from where they part. Every probe walks the
backup's primary key: a second or so for a million rows, read only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pos_app.domain.restore import KINDS, RestoreUndo, TrailHead, UndoneSale
from pos_app.persistence.models.base import parse_utc, store_timezone


def compare(current: Any, backup: Path, key_sql: str) -> RestoreUndo:
    """What restoring `backup` (opened with `key_sql`, a SQLCipher KEY clause value) over the store that
    `current` (a raw connection) is open on would undo. Changes neither file."""
    uri = f"{backup.resolve().as_uri()}?mode=ro"
    current.execute(f"ATTACH DATABASE ? AS backup KEY {key_sql}", (uri,))
    try:
        in_backup = {r[0] for r in current.execute("SELECT name FROM backup.sqlite_master WHERE type = 'table'")}
        in_current = {r[0] for r in current.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
        counts: dict[str, int] = {}
        for table in KINDS:
            if table in in_current:
                counts[table] = int(current.execute(
                    f"SELECT count(*) FROM main.{table} AS a WHERE {_absent(table, in_backup)}").fetchone()[0])
        sales = tuple(UndoneSale(number=r[0], kind=r[1], total_cents=int(r[2]), currency=r[3],
                                 completed_at=parse_utc(r[4])) for r in current.execute(
            "SELECT number, kind, total_cents, currency, completed_at FROM main.sales AS a "
            f"WHERE {_absent('sales', in_backup)} ORDER BY completed_at, number"))
        voids: tuple[str, ...] = ()
        if "sales" in in_backup:
            voids = tuple(r[0] for r in current.execute(
                "SELECT a.number FROM main.sales AS a JOIN backup.sales AS b ON b.id = a.id "
                "WHERE a.status = 'voided' AND b.status != 'voided' ORDER BY a.number"))
        return RestoreUndo(readable=True, sales=sales, voids=voids, counts=counts,
                           current_head=_head(current, "main"),
                           backup_head=_head(current, "backup") if "audit_events" in in_backup else None,
                           timezone=store_timezone(current, "main"))
    finally:
        current.execute("DETACH DATABASE backup")


def _absent(table: str, in_backup: set[str]) -> str:
    """The condition on a current row `a` that the backup lacks it."""
    if table not in in_backup:
        return "1"
    if table == "audit_events":
        return "NOT EXISTS (SELECT 1 FROM backup.audit_events AS b WHERE b.seq = a.seq AND b.hash = a.hash)"
    return f"NOT EXISTS (SELECT 1 FROM backup.{table} AS b WHERE b.id = a.id)"


def _head(conn: Any, schema: str) -> TrailHead | None:
    row = conn.execute(f"SELECT seq, hash, at FROM {schema}.audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else TrailHead(int(row[0]), str(row[1]), parse_utc(row[2]))
