"""Two stores of one sync group on a real central PostgreSQL (the `group` fixture), for the multi-store tests.

The demo store (S1, New York) runs `central init`; a second store, Uptown (S2, Los Angeles), joins with its
first counter and is set up as `pos-app sync join --owner-name ...` sets a new store up. Each store has its own
encrypted file; everything between them goes through central.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.permissions import Actor, Role
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.setup import OwnerAccount, set_up_store
from pos_app.sync_group import add_counter, join_group
from tests.conftest import FAST_HASHER, actor_for
from tests.integration.sync_helpers import counter_url, first_store, one, sync_now
from tests.postgres_server import PostgresDatabase
from tests.sync_groups import FrozenGroup, GroupTemplates

UPTOWN_OWNER = OwnerAccount(name="Uma Uptown", password="uptown-pass-1", pin="4321")
UPTOWN_ZONE = "America/Los_Angeles"


@dataclass
class Group:
    first: app.Facet  # S1, the demo store
    second: app.Facet  # S2, Uptown
    first_dir: Path
    second_dir: Path
    admin_url: str

    def store_id(self, facet: app.Facet) -> str:
        return str(one(facet, "SELECT store_id FROM sync_state WHERE id = 1"))

    def manager_at_first(self) -> Actor:
        return actor_for(self.first, Role.MANAGER)

    def owner_at_second(self) -> Actor:
        staff_id = one(self.second, "SELECT id FROM staff WHERE name = ?", UPTOWN_OWNER.name)
        return Actor(staff_id=staff_id, name=UPTOWN_OWNER.name, role=Role.OWNER, terminal=self.second.terminal)

    def sync_all(self) -> None:
        for facet in (self.first, self.second, self.first):
            sync_now(facet)


def _set_up_uptown(facet: Any, answer: dict[str, Any]) -> None:
    profile = StoreProfile(name=answer["store_name"], address="2 Hill Road\nLos Angeles, CA 90012", phone="",
                           email="", timezone=UPTOWN_ZONE, currency="USD", locale="en_US", tax_rate="9.5",
                           receipt_footer="", privacy_contact="")
    set_up_store(profile, UPTOWN_OWNER, uow=facet.uow(), hasher=FAST_HASHER)


def _join_uptown(central: PostgresDatabase, root: Path) -> dict[str, Path]:
    """Kind "two_stores", built on "first_store": Uptown's first counter joins and sets its store up, then
    every counter syncs (each store learns the group's store directory)."""
    _, _, token = add_counter(central.url, None, "Uptown")
    join_group(root / "uptown", counter_url(central.url), token, set_up=_set_up_uptown)
    first, second = app.open_facet(root / "first"), app.open_facet(root / "uptown")
    try:
        Group(first, second, root / "first", root / "uptown", central.url).sync_all()
    finally:
        second.close()
        first.close()
    return {"uptown": root / "uptown"}


@pytest.fixture(name="group")
def group_fixture(group_templates: GroupTemplates, demo_template: tuple[Path, str],
                  group_copy: Callable[[FrozenGroup, Mapping[str, Path]], PostgresDatabase],
                  tmp_path: Path) -> Iterator[Group]:
    """The two stores, synced: this test's copy of the group built once a session (tests/sync_groups.py)."""
    base = group_templates.get("first_store", first_store(demo_template))
    frozen = group_templates.get("two_stores", _join_uptown, based_on=base)
    first_dir, second_dir = tmp_path / "demo-store", tmp_path / "uptown"
    central = group_copy(frozen, {"first": first_dir, "uptown": second_dir})
    first = app.open_facet(first_dir)
    try:
        second = app.open_facet(second_dir)
        try:
            yield Group(first, second, first_dir, second_dir, central.url)
        finally:
            second.close()
    finally:
        first.close()
