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


def test_an_area_without_a_fake_fails_loudly(uow: FakeUnitOfWork) -> None:
    with pytest.raises(AssertionError, match="no fake 'appraisals' repository"):
        uow.appraisals.get("a-1")
