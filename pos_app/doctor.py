"""`pos-app doctor`: is this store healthy? Reads only; changes nothing.

Checks, in order, and stops at the first that makes the rest meaningless:
the data folder and file, the keyring backend and the key, that the key opens
the file, SQLite's integrity check, the schema version against this build,
the counts of items, customers and sales, stock against its ledger, stock
below zero and unique pieces in more than one open sale (what the stock
guards of migration 0009 prevent), the counter (payments left open, receipts
waiting, the receipt printer's set-up and python-escpos's capability cache),
and the audit trail's hash chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pos_app import __version__
from pos_app.domain.errors import UserFacingError


def examine(data_dir: Path) -> dict[str, Any]:
    import sqlcipher3

    from pos_app.adapters.secrets import KeyringSecrets, StoreKeys
    from pos_app.persistence import schema
    from pos_app.persistence.database import db_path, key_opens
    from pos_app.persistence.queries import SqliteDirectoryReader
    from pos_app.persistence.sqlcipher import APPLICATION_ID, DatabaseUnreadable, application_id, connect
    from pos_app.persistence.stock_guard import OFF_LEDGER_SQL

    path = db_path(data_dir)
    report: dict[str, Any] = {"version": __version__, "data_dir": str(data_dir), "database": str(path),
                              "ok": False, "problems": [], "warnings": []}
    problems, warnings = report["problems"], report["warnings"]
    try:
        keyring = KeyringSecrets()
    except UserFacingError as exc:
        report["keyring"] = {"backend": None, "secure": False, "warning": None}
        problems.append(str(exc))
        return report
    report["keyring"] = {"backend": keyring.status.backend, "secure": keyring.status.secure,
                         "warning": keyring.status.warning}
    if keyring.status.warning:
        warnings.append(keyring.status.warning)
    report["exists"] = path.exists()
    if not path.exists():
        problems.append(f"No store in {data_dir}: run 'pos-app init' or 'pos-app init --demo'.")
        return report
    report["bytes"] = path.stat().st_size
    try:
        keys = StoreKeys(keyring, data_dir)
        key, pending = keys.current(), keys.pending()
    except UserFacingError as exc:
        problems.append(str(exc))
        return report
    if pending is not None and not (key is not None and key_opens(path, key)) and key_opens(path, pending):
        warnings.append("A change of the database key was interrupted after the file was re-encrypted; the "
                        "next start of Facet finishes it (the new key is in the keyring).")
        key = pending
    report["key_present"] = key is not None
    if key is None:
        problems.append("The database key is not in the keyring, so the store cannot be opened.")
        return report
    try:
        conn = connect(path, key)
    except DatabaseUnreadable as exc:
        report["opens"] = False
        problems.append(str(exc))
        return report
    report["opens"] = True
    try:
        if application_id(conn) != APPLICATION_ID:
            problems.append(f"{path} is not a Facet store.")
            return report
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        report["integrity"] = "ok" if integrity == ["ok"] else "; ".join(integrity[:5])
        if integrity != ["ok"]:
            problems.append(f"SQLite's integrity check failed: {report['integrity']}. Restore a backup.")
        revision = schema.current_revision(conn)
        report["schema"] = {"version": revision, "head": schema.HEAD, "current": revision == schema.HEAD}
        if revision not in schema.REVISIONS:
            problems.append(f"The store's schema {revision} is newer than this Facet knows; update Facet.")
            return report
        if revision != schema.HEAD:
            warnings.append(
                f"The store's schema {revision} will be upgraded (after a backup) when Facet next opens it.")
        directory = SqliteDirectoryReader(conn)
        store = directory.store()
        if store is None:
            problems.append("The store has no profile: its first run did not finish.")
            return report
        report["store"] = store.name
        if keyring.status.warning:
            # The warning stays here for good; the owner's acknowledgement only hides the app's banner.
            acknowledged = bool(directory.setting("security.keyring_warning_acknowledged", False))
            report["keyring"]["acknowledged"] = acknowledged
            if acknowledged:
                warnings.append("The owner acknowledged the keyring warning in Settings: the app no longer shows "
                                "it as a banner.")
        counts = directory.counts()
        report["counts"] = {"items": counts.items, "items_in_stock": counts.items_in_stock,
                            "customers": counts.customers, "sales": counts.sales, "staff": counts.staff}
        if counts.staff == 0:
            problems.append("No active staff member can sign in.")
        drifted = int(conn.execute(
            f"SELECT count(*) FROM ({OFF_LEDGER_SQL})").fetchone()[0])
        report["on_hand_matches_ledger"] = drifted == 0
        if drifted:
            problems.append(f"{drifted} item(s) show a quantity on hand that differs from their stock ledger.")
        _check_stock_guards(conn, report)
        open_checkouts = int(conn.execute("SELECT count(*) FROM checkouts WHERE status = 'open'").fetchone()[0])
        waiting = int(conn.execute("SELECT count(*) FROM print_queue WHERE status = 'waiting'").fetchone()[0])
        report["counter"] = {"open_checkouts": open_checkouts, "receipts_waiting": waiting}
        if open_checkouts:
            warnings.append(f"{open_checkouts} payment(s) were left open; the next sign-in at the counter settles "
                            "them with Stripe.")
        if waiting:
            warnings.append(f"{waiting} receipt(s) wait to be printed (F11 on the sell screen).")
        _check_printer(directory, report)
        _check_sync(conn, report, store.timezone)
        _check_audit_chain(conn, path, key, report, store.timezone)
    except sqlcipher3.OperationalError as exc:
        problems.append(f"Reading the store failed: {exc}.")
    except sqlcipher3.DatabaseError as exc:
        problems.append(f"The store is damaged: SQLite cannot read part of it ({exc}). Restore a backup.")
    finally:
        conn.close()
    report["ok"] = not problems
    return report


def _check_sync(conn: Any, report: dict[str, Any], timezone: str) -> None:
    """Whether this counter syncs with a group's central PostgreSQL, and how it stands (from its file only)."""
    from pos_app.domain.store import store_time
    from pos_app.persistence.models.base import parse_utc

    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sync_state'").fetchone() is None:
        return
    row = conn.execute("SELECT central, store_code, counter_code, offline_since, last_error, conflicts, attention "
                       "FROM sync_state WHERE id = 1").fetchone()
    if row is None or row[0] is None:
        report["sync"] = {"joined": False}
        return
    central, store_code, counter_code, offline_since, last_error, conflicts, attention = row
    waiting = int(conn.execute("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetchone()[0])
    report["sync"] = {"joined": True, "counter": f"{store_code}-{counter_code}", "online": offline_since is None,
                      "waiting": waiting, "conflicts": conflicts, "needs_attention": attention}
    if offline_since is not None:
        report["warnings"].append(
            f"Sync: offline since {store_time(parse_utc(offline_since), timezone):%Y-%m-%d %H:%M %Z}, "
            f"{waiting} change(s) waiting ({last_error or 'central not reached'}). Selling goes on; the changes "
            "go when central is reachable.")
    if conflicts or attention:
        report["warnings"].append(f"Sync: {conflicts} conflict(s) and {attention} refused change(s) wait for a "
                                  "manager (pos-app sync conflicts).")


# Unique pieces in more than one open sale. A piece's lines in completed (not voided) sales add up
# to its open sales: +1 for each sale, -1 for each return. Candidates first: items with more than one
# sale line of any kind, from the covering index on sale_lines.item_id (a fraction of a second at a
# million lines); only the lines of the unique ones among them are read, and a store has few pieces
# sold, returned and sold again.
SOLD_TWICE_SQL = (
    "WITH candidates AS MATERIALIZED (SELECT item_id FROM sale_lines GROUP BY item_id HAVING count(*) > 1) "
    "SELECT i.sku, sum(l.quantity) FROM candidates c "
    "CROSS JOIN items i ON i.id = c.item_id "
    "CROSS JOIN sale_lines l ON l.item_id = c.item_id "
    "CROSS JOIN sales s ON s.id = l.sale_id "
    "WHERE i.tracking = 'unique' AND s.status = 'completed' "
    "GROUP BY c.item_id HAVING sum(l.quantity) > 1 ORDER BY i.sku")
_SHOWN = 5


def _named(rows: list[Any], what: Any) -> str:
    names = ", ".join(what(row) for row in rows[:_SHOWN])
    return names + (f" and {len(rows) - _SHOWN} more" if len(rows) > _SHOWN else "")


def _check_stock_guards(conn: Any, report: dict[str, Any]) -> None:
    """What the stock guards (migration 0009) exist to prevent, looked for in the data itself: a store
    made before them, or one whose triggers someone with the key dropped, may hold either."""
    negative = conn.execute("SELECT sku, on_hand FROM items WHERE on_hand < 0 ORDER BY sku").fetchall()
    twice = conn.execute(SOLD_TWICE_SQL).fetchall()
    report["stock"] = {"below_zero": [{"sku": r[0], "on_hand": r[1]} for r in negative],
                       "sold_twice": [{"sku": r[0], "open_sales": r[1]} for r in twice]}
    if negative:
        report["problems"].append(
            f"{len(negative)} item(s) show less than zero on hand: "
            f"{_named(negative, lambda r: f'{r[0]} ({r[1]})')}. More was sold than was there: count them "
            "and correct the stock with an adjustment.")
    if twice:
        report["problems"].append(
            f"{len(twice)} unique piece(s) are in more than one open sale: "
            f"{_named(twice, lambda r: f'{r[0]} ({r[1]} sales)')}. One piece was sold twice: a manager "
            "settles it with the customers (a return or a void of one sale).")
    guards = {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN "
        "('stock_movements_not_below_zero', 'items_sold_only_when_available')")}
    report["stock"]["guards"] = len(guards) == 2
    if len(guards) != 2 and report.get("schema", {}).get("current"):
        report["problems"].append("The store's stock guards (triggers) are missing: a piece could be sold twice. "
                                  "Restore a backup, or keep this store as evidence.")


def _check_audit_chain(conn: Any, path: Path, key: str, report: dict[str, Any], timezone: str) -> None:
    """The audit trail's chain and its anchor: a break is a problem naming the first bad event, its time on
    the store's clock (`timezone`)."""
    from pos_app.persistence.audit_queries import ANCHOR_NAME, AuditAnchor, anchor_key, verify_chain

    chain = verify_chain(conn, AuditAnchor(path.with_name(ANCHOR_NAME), anchor_key(key)))
    anchored = f", anchored at event {chain.anchored_seq}" if chain.anchored_seq else ", not anchored yet"
    report["audit_chain"] = (f"holds ({chain.events} events{anchored})" if chain.ok
                             else f"BROKEN at event {chain.first_break.seq}" if chain.first_break else "")
    if chain.first_break is not None:
        report["problems"].append(chain.describe(timezone) + " Restore a backup, or keep this store as evidence.")
    report["warnings"].extend(chain.warnings)


def _check_printer(directory: Any, report: dict[str, Any]) -> None:
    """The receipt printer's settings (address, profile, width) and python-escpos's capability cache.

    A setting that cannot work is a problem: receipts would only wait in the queue. A damaged cache is a
    warning: Facet writes a new one before the next receipt (see `pos_app.escpos_loader`).
    """
    from pos_app.adapters.receipt_printer import parse_printer_uri
    from pos_app.documents.receipt_escpos import width_problem
    from pos_app.domain.errors import ValidationError
    from pos_app.escpos_loader import cache_problem

    uri = str(directory.setting("receipt.printer", "") or "")
    profile = str(directory.setting("receipt.profile", "TM-T88V"))
    columns = directory.setting("receipt.columns", 42)
    found: list[str] = []
    if uri:
        try:
            parse_printer_uri(uri)
        except ValidationError as error:
            found.append(f"The receipt printer's address (receipt.printer) cannot be used: {error.problem}")
    try:
        problem = width_problem(int(columns), profile)
    except ValueError as error:
        found.append(f"The receipt printer's profile (receipt.profile): {error}.")
    else:
        if problem:
            found.append(f"The receipt width (receipt.columns) {problem}.")
    cache = cache_problem()
    report["printer"] = {"address": uri or None, "profile": profile, "columns": columns,
                         "capability_cache": "ok" if cache is None else "damaged", "ok": not found}
    report["problems"].extend(found)
    if cache:
        report["warnings"].append(f"{cache}. Facet replaces it before the next receipt; deleting it is also safe.")
