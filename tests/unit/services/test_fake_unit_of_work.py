"""The fake unit of work behaves as the real one where a service relies on it: all or nothing."""

from __future__ import annotations

import pytest

from pos_app.domain.permissions import Role
from tests.fakes.builders import actor, item_spec
from tests.fakes.uow import FakeUnitOfWork

OWNER = actor(Role.OWNER)


def test_what_is_committed_stays_and_each_commit_lists_its_events(uow: FakeUnitOfWork) -> None:
    with uow:
        item = uow.items.add(item_spec("NK-1"))
        uow.audit.record(OWNER, "item.received", entity_type="item", entity_id=item)
        uow.commit()
    assert uow.items.get(item) is not None
    assert (uow.commits, uow.committed, uow.actions()) == (1, [("item.received",)], ["item.received"])


def test_leaving_without_a_commit_rolls_back_everything_written_since_the_last_commit(uow: FakeUnitOfWork) -> None:
    with pytest.raises(RuntimeError), uow:
        kept = uow.items.add(item_spec("NK-1"))
        uow.commit()
        uow.items.add(item_spec("NK-2"))
        uow.audit.record(OWNER, "item.received")
        raise RuntimeError("a service failed halfway")
    assert [r.spec.sku for r in uow.state.items.values()] == ["NK-1"] and uow.items.get(kept) is not None
    assert (uow.events, uow.rollbacks) == ([], 1)


def test_a_read_is_always_rolled_back(uow: FakeUnitOfWork) -> None:
    with uow.reading() as read:
        read.settings.set("x", 1)
    assert uow.settings.get("x") is None and uow.commits == 0


def test_a_unit_of_work_inside_another_is_refused(uow: FakeUnitOfWork) -> None:
    with uow, pytest.raises(AssertionError, match="inside another"), uow:
        pass


def test_a_reader_without_a_fake_fails_loudly(uow: FakeUnitOfWork) -> None:
    from tests.fakes.store import FakeStore

    with pytest.raises(AssertionError, match="no fake 'customer data reader'"):
        FakeStore(uow.state).customer_data.file_count("customer-1")


def test_a_fake_store_hands_out_units_of_work_and_readers_on_one_state() -> None:
    from pos_app.services import inventory
    from tests.fakes.builders import fake_store
    from tests.fakes.store import FakeStore

    store = FakeStore(fake_store().state)
    manager = actor(Role.MANAGER)
    record = inventory.receive_new_item(
        {"sku": "NK-7", "style": "bezel", "title": "Bezel", "metal": "platinum", "price": "900.00", "cost": "400.00",
         "tracking": "unique", "location": "Case 1", "stone_count": "1", "total_carat": "0.50"},
        uow=store.uow(), actor=manager)
    assert store.inventory.lookup_code("NK-7") == store.inventory.rows_by_ids([record.id])[0]
    assert [unit.committed for unit in store.units] == [[("item.received",)]]
    assert store.directory.store() is not None and store.terminal == "C1"
