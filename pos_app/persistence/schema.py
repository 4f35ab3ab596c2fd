"""The schema versions this build knows, without importing Alembic.

`REVISIONS` lists the Alembic revisions in `db/versions/` oldest first; a test
checks it against Alembic's own script directory. Opening a store reads its
version from `alembic_version` and imports Alembic only when a migration is due.
"""

from __future__ import annotations

from typing import Any

REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011",
                              "0012", "0013", "0014", "0015", "0016", "0017", "0018", "0019")
HEAD = REVISIONS[-1]


def current_revision(conn: Any) -> str | None:
    """The store's schema revision, or None for a file with no Facet schema."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not has_table:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])
