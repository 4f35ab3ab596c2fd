"""The test suite's copied sync groups (tests/sync_groups.py) behave as groups made from nothing.

A copy must be a group of its own: its central a database nobody else writes, its counters talking to it
alone, the template untouched; and a copy's central, killed and recovered, must go on numbering central's
change log where it was (the sequence trap `GroupTemplates._freeze` avoids).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import psycopg
import pytest

from pos_app import app
from tests.integration.sync_helpers import available, first_store, one, sell, sync_now
from tests.postgres_server import PostgresDatabase
from tests.sync_groups import CopiedGroup, FrozenGroup, GroupTemplates

Copy = Callable[[FrozenGroup, Mapping[str, Path]], PostgresDatabase]


def central_sales(central: PostgresDatabase) -> int:
    with central.connect() as pg:
        (count,) = pg.execute("SELECT count(*) FROM facet.records WHERE table_name = 'sales'").fetchall()
        return int(count[0])


def test_two_copies_of_a_group_are_two_groups_and_the_template_stays_as_it_was(
        group_templates: GroupTemplates, demo_template: tuple[Path, str], group_copy: Copy, tmp_path: Path) -> None:
    frozen = group_templates.get("first_store", first_store(demo_template))
    one_copy = group_copy(frozen, {"first": tmp_path / "one"})
    other_copy = group_copy(frozen, {"first": tmp_path / "other"})
    before = central_sales(one_copy)
    assert central_sales(other_copy) == before

    counter = app.open_facet(tmp_path / "one")
    try:
        assert f"dbname={one_copy.name}" in (counter.sync().local.state().central or "")
        sale = sell(counter, available(counter)[0])
        done = sync_now(counter)
        assert done.pushed > 0 and done.quarantined == 0
    finally:
        counter.close()

    assert central_sales(one_copy) == before + 1
    assert central_sales(other_copy) == before
    other = app.open_facet(tmp_path / "other")
    try:
        sync_now(other)
        assert one(other, "SELECT count(*) FROM sales WHERE id = ?", sale.sale_id) == 0
    finally:
        other.close()
    with pytest.raises(psycopg.OperationalError, match="not currently accepting connections"):
        frozen.server.connect(frozen.database).close()


def test_a_copys_central_killed_and_recovered_numbers_its_change_log_on_without_a_duplicate(
        first_store_copy: CopiedGroup) -> None:
    central = first_store_copy.central
    counter = app.open_facet(first_store_copy.folders["first"])
    try:
        before = central_sales(central)
        sell(counter, available(counter)[0])
        sync_now(counter)
        central.server.kill()  # no checkpoint: recovery replays the WAL since the last one
        central.server.start()
        sell(counter, available(counter)[0])
        done = sync_now(counter)
        assert done.quarantined == 0 and done.pushed > 0
        assert counter.sync().local.waiting() == 0
    finally:
        counter.close()
    with central.connect() as pg:
        assert pg.execute("SELECT count(*) FROM facet.attention").fetchall() == [(0,)]
    assert central_sales(central) == before + 2
