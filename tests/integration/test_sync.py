"""Sync with a real central PostgreSQL: counters with their own encrypted stores, one group.

Every test runs against the session's PostgreSQL (tests/postgres_server.py) in a database of its own, with
TLS verified (`sslmode=verify-full`), the central schema made by `pos-app central init`'s code, and counters
logged in with their own least-privilege roles.
"""

from __future__ import annotations

from pathlib import Path

from pos_app import app
from tests.integration.sync_helpers import available, join, one, sell, sync_now


def test_a_sale_at_one_counter_reaches_central_and_the_other_counter(demo_dir: Path, central_database,
                                                                     tmp_path: Path) -> None:
    first = app.open_facet(demo_dir)
    try:
        joined = first.sync().central_init(central_database.url)
        assert (joined.store_code, joined.counter_code) == ("S1", "C1")
        second = join(central_database.url, tmp_path / "second", one(first, "SELECT id FROM stores"),
                      first.profile.name)
        try:
            assert second.terminal == "S1-C2" and first.terminal == "S1-C1"
            assert one(second, "SELECT count(*) FROM items") == one(first, "SELECT count(*) FROM items")
            piece = available(second)[0]
            sale = sell(second, piece)
            assert sale.number.startswith("S1-C2-")
            sync_now(second)
            sync_now(first)
            assert one(first, "SELECT number FROM sales WHERE id = ?", sale.sale_id) == sale.number
            assert one(first, "SELECT on_hand FROM items WHERE id = ?", piece) == 0
            assert one(first, "SELECT status FROM items WHERE id = ?", piece) == "sold"
            with central_database.connect() as pg:
                assert pg.execute("SELECT count(*) FROM facet.records WHERE table_name = 'sales' AND row_id = %s",
                                  (sale.sale_id,)).fetchone()[0] == 1
        finally:
            second.close()
    finally:
        first.close()
