"""Two stores of one sync group on a real central PostgreSQL (the `group` fixture), for the multi-store tests.

The demo store (S1, New York) runs `central init`; a second store, Uptown (S2, Los Angeles), joins with its
first counter and is set up as `pos-app sync join --owner-name ...` sets a new store up. Each store has its own
encrypted file; everything between them goes through central.
"""

from __future__ import annotations

from collections.abc import Iterator
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
from tests.integration.sync_helpers import counter_url, one, sync_now

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


@pytest.fixture(name="group")
def group_fixture(demo_dir: Path, central_database: Any, tmp_path: Path) -> Iterator[Group]:
    first = app.open_facet(demo_dir)
    first.sync().central_init(central_database.url)
    _, _, token = add_counter(central_database.url, None, "Uptown")
    second_dir = tmp_path / "uptown"
    join_group(second_dir, counter_url(central_database.url), token, set_up=_set_up_uptown)
    second = app.open_facet(second_dir)
    found = Group(first, second, demo_dir, second_dir, central_database.url)
    try:
        found.sync_all()  # each store learns the group's store directory
        yield found
    finally:
        second.close()
        first.close()


