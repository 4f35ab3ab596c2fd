"""The cash drawer's shift and the store's settings, on the fakes."""

from __future__ import annotations

import pytest

from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.services import cash, settings
from pos_app.services.guard import ApprovalNeeded
from tests.fakes.builders import actor, staff_id
from tests.fakes.uow import FakeUnitOfWork

CLERK, MANAGER, OWNER = actor(Role.CLERK), actor(Role.MANAGER), actor(Role.OWNER)


def test_one_shift_at_a_time_on_a_counter(uow: FakeUnitOfWork) -> None:
    shift = cash.open_shift(Money(20_000), uow=uow, actor=CLERK)
    assert uow.events[-1].summary == {"float_cents": 20_000} and uow.events[-1].entity_id == shift
    with pytest.raises(Conflict, match="already open on C1"):
        cash.open_shift(Money(20_000), uow=uow, actor=CLERK)
    assert cash.open_shift(Money(0), uow=uow, actor=actor(Role.CLERK, terminal="C2")) != shift


def test_a_float_is_at_most_ten_thousand(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        cash.open_shift(Money(1_000_001), uow=uow, actor=CLERK)
    assert refused.value.field == "float" and uow.state.shifts == {}


def test_a_clerks_paid_out_needs_a_reason_and_a_manager(uow: FakeUnitOfWork) -> None:
    cash.open_shift(Money(20_000), uow=uow, actor=CLERK)
    with pytest.raises(ValidationError) as no_reason:
        cash.move_cash("paid_out", Money(1_500), " ", uow=uow, actor=CLERK)
    assert no_reason.value.field == "reason"
    with pytest.raises(ApprovalNeeded):
        cash.move_cash("paid_out", Money(1_500), "courier", uow=uow, actor=CLERK)
    cash.move_cash("paid_out", Money(1_500), "courier", uow=uow, actor=CLERK, approver=MANAGER)
    assert [(m["kind"], m["amount_cents"], m["approved_by"]) for m in uow.state.cash_movements] == [
        ("paid_out", 1_500, staff_id(Role.MANAGER))]
    assert uow.events[-1].action == "shift.paid_out"


def test_cash_moves_only_in_an_open_shift(uow: FakeUnitOfWork) -> None:
    with pytest.raises(Conflict, match="No shift is open"):
        cash.no_sale("change for a customer", uow=uow, actor=MANAGER)
    assert uow.events == []


def test_opening_the_drawer_without_a_sale_is_recorded_with_its_approver(uow: FakeUnitOfWork) -> None:
    cash.open_shift(Money(20_000), uow=uow, actor=CLERK)
    cash.no_sale("", uow=uow, actor=CLERK, approver=MANAGER)
    assert uow.state.cash_movements[-1]["reason"] == "no sale"
    assert (uow.events[-1].action, uow.events[-1].approved_by) == ("shift.no_sale", staff_id(Role.MANAGER))


def test_counted_cash_is_made_of_the_currencys_bills_and_coins() -> None:
    assert cash.count_total({10_000: 2, 25: 4}, "USD") == Money(20_100)
    with pytest.raises(ValidationError, match="not a bill or coin"):
        cash.count_total({300: 1}, "USD")


def test_a_setting_change_is_checked_saved_and_audited_with_before_and_after(uow: FakeUnitOfWork) -> None:
    assert settings.change_setting("sales.clerk_discount_limit_percent", "15", uow=uow, actor=OWNER) == "15"
    assert uow.state.settings["sales.clerk_discount_limit_percent"] == "15"
    assert uow.events[-1].summary == {"key": "sales.clerk_discount_limit_percent", "before": "10", "after": "15"}


@pytest.mark.parametrize(("key", "text"), [("sales.clerk_discount_limit_percent", "120"),
                                           ("inventory.locations", "Case 1, case 1"),
                                           ("security.idle_lock_minutes", "0"), ("receipt.columns", "40")])
def test_a_setting_is_refused_naming_it_and_nothing_is_saved(uow: FakeUnitOfWork, key: str, text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        settings.change_setting(key, text, uow=uow, actor=OWNER)
    assert refused.value.field == key and uow.state.settings == {} and uow.events == []


def test_several_settings_are_saved_together_or_not_at_all(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError):
        settings.change_settings({"inventory.locations": "Case 1, Safe", "security.idle_lock_minutes": "999"},
                                 uow=uow, actor=OWNER)
    assert uow.state.settings == {}


def test_a_manager_changes_the_printer_settings_and_nothing_else(uow: FakeUnitOfWork) -> None:
    settings.change_printer_settings({"receipt.printer": "tcp://127.0.0.1:9100"}, uow=uow, actor=MANAGER)
    assert uow.state.settings["receipt.printer"] == "tcp://127.0.0.1:9100"
    with pytest.raises(ValidationError) as refused:
        settings.change_printer_settings({"inventory.locations": "Safe"}, uow=uow, actor=MANAGER)
    assert refused.value.field == "inventory.locations"
