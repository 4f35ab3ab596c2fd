"""Changing the audit trail behind Facet's back, as someone holding the database key could.

The trail is append-only inside the store (triggers refuse UPDATE and DELETE); whoever has the key
can drop those triggers first, and that is what these helpers do before they tamper. What the hash
chain and its anchor must then still show is what the tests check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pos_app.persistence.sqlcipher import connect


def tamper_with(path: Path, key: str, *sql: tuple[str, tuple[Any, ...]]) -> None:
    """Run `sql` on the store file at `path` with the append-only triggers dropped first."""
    conn = connect(path, key)
    try:
        for trigger in ("audit_events_no_update", "audit_events_no_delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement, params in sql:
            conn.execute(statement, params)
    finally:
        conn.close()
