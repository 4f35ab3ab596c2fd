"""The inventory table pages through 100,000 items in any column's order: each order has its index, so a page
never sorts the whole table (SQLite's "USE TEMP B-TREE FOR ORDER BY")."""

from __future__ import annotations

from typing import Any

import pytest

from pos_app import app
from pos_app.persistence.queries import SORT_COLUMNS, SqliteInventoryReader
from pos_app.services.ports.inventory import InventoryFilter


def _page_plan(conn: Any, sort: str, descending: bool) -> str:
    """The query plan of the page the inventory table fetches, as the reader writes its SQL."""
    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    try:
        SqliteInventoryReader(conn).page_seqs(InventoryFilter(), sort, descending, 100, 50)
    finally:
        conn.set_trace_callback(None)
    page = next(sql for sql in ran if "LIMIT" in sql and "ORDER BY" in sql)
    return " | ".join(str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {page}"))


@pytest.mark.parametrize("sort", sorted(SORT_COLUMNS))
def test_every_column_the_inventory_sorts_by_pages_through_an_index(demo_facet: app.Facet, sort: str) -> None:
    conn = demo_facet.connection()
    try:
        for descending in (False, True):
            plan = _page_plan(conn, sort, descending)
            assert "TEMP B-TREE" not in plan, f"sorted by {sort}{' descending' if descending else ''}: {plan}"
    finally:
        conn.close()
