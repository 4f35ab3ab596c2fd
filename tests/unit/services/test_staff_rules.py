"""Staff on the fakes: hiring, roles, the last owner, leavers, temporary secrets, sign-in tries and approvals."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pos_app.domain.errors import Conflict, PermissionDenied, SignInFailed, ValidationError
from pos_app.domain.permissions import Permission, Role
from pos_app.domain.staff import LAST_OWNER
from pos_app.services import staff
from tests.fakes.builders import HASHER, TERMINAL, actor, secret_of, staff_id
from tests.fakes.settings import FakeDirectoryReader
from tests.fakes.uow import FakeUnitOfWork

OWNER = actor(Role.OWNER)
CLERK_ID = staff_id(Role.CLERK)


def test_a_hire_gets_a_temporary_secret_and_an_event_without_it(uow: FakeUnitOfWork) -> None:
    new = staff.add_staff("Nia Newhire", Role.CLERK, pin="2468", uow=uow, actor=OWNER, hasher=HASHER)
    record = uow.staff.get(new)
    assert record is not None and record.must_change_secret and HASHER.verify(record.pin_hash or "", "2468")
    assert uow.events[-1].summary == {"role": "clerk", "pin": True, "password": False, "credentials": False}


def test_a_name_already_on_the_staff_list_is_refused_in_any_case(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        staff.add_staff("CODY  clerk", Role.CLERK, pin="2468", uow=uow, actor=OWNER, hasher=HASHER)
    assert refused.value.field == "name" and len(uow.state.staff) == 5


@pytest.mark.parametrize(("role", "pin", "password", "field"), [
    (Role.MANAGER, "2468", None, "password"), (Role.CLERK, "", "long-enough-1", "password"),
    (Role.APPRAISER, "", None, "pin"), (Role.CLERK, "12", None, "pin")])
def test_each_role_gets_the_secret_it_signs_in_with(uow: FakeUnitOfWork, role: Role, pin: str,
                                                   password: str | None, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        staff.add_staff("Nia Newhire", role, pin=pin, password=password, uow=uow, actor=OWNER, hasher=HASHER)
    assert refused.value.field == field


def test_the_last_active_owner_keeps_the_role(uow: FakeUnitOfWork) -> None:
    with pytest.raises(Conflict, match=LAST_OWNER):
        staff.set_role(staff_id(Role.OWNER), Role.MANAGER, pin="2468", uow=uow, actor=OWNER, hasher=HASHER)
    assert uow.state.staff[staff_id(Role.OWNER)].record.role is Role.OWNER and uow.events == []


def test_an_owner_steps_down_once_another_owner_is_active(uow: FakeUnitOfWork) -> None:
    staff.set_role(staff_id(Role.MANAGER), Role.OWNER, uow=uow, actor=OWNER, hasher=HASHER)
    staff.set_role(staff_id(Role.OWNER), Role.MANAGER, pin="2468", uow=uow, actor=OWNER, hasher=HASHER)
    assert uow.events[-1].summary == {"from": "owner", "to": "manager", "temporary": "pin"}


def test_a_clerk_made_manager_needs_a_temporary_password(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        staff.set_role(CLERK_ID, Role.MANAGER, uow=uow, actor=OWNER, hasher=HASHER)
    assert refused.value.field == "password"
    staff.set_role(CLERK_ID, Role.MANAGER, password="temporary-1", uow=uow, actor=OWNER, hasher=HASHER)
    assert uow.state.staff[CLERK_ID].record.must_change_secret


def test_nobody_deactivates_themself(uow: FakeUnitOfWork) -> None:
    with pytest.raises(Conflict, match="cannot deactivate yourself"):
        staff.deactivate(staff_id(Role.OWNER), uow=uow, actor=OWNER)


def test_a_leaver_is_deactivated_once_and_reactivated_once(uow: FakeUnitOfWork) -> None:
    staff.deactivate(CLERK_ID, uow=uow, actor=OWNER)
    with pytest.raises(Conflict, match="already deactivated"):
        staff.deactivate(CLERK_ID, uow=uow, actor=OWNER)
    with pytest.raises(Conflict, match="reactivate them first"):
        staff.set_role(CLERK_ID, Role.APPRAISER, uow=uow, actor=OWNER, hasher=HASHER)
    staff.reactivate(CLERK_ID, uow=uow, actor=OWNER)
    with pytest.raises(Conflict, match="already active"):
        staff.reactivate(CLERK_ID, uow=uow, actor=OWNER)
    assert uow.actions() == ["staff.deactivated", "staff.reactivated"]


def test_a_reset_gives_a_temporary_pin_and_lifts_a_lockout(uow: FakeUnitOfWork) -> None:
    uow.state.staff[CLERK_ID].record = dataclasses.replace(
        uow.state.staff[CLERK_ID].record, failed_attempts=6, locked_until=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    assert staff.reset_secret(CLERK_ID, "2468", uow=uow, actor=actor(Role.MANAGER), hasher=HASHER) == "PIN"
    record = uow.state.staff[CLERK_ID].record
    assert (record.must_change_secret, record.failed_attempts, record.locked_until) == (True, 0, None)
    assert uow.events[-1].summary == {"secret": "pin"}


def test_a_lock_doubles_after_five_wrong_tries_up_to_fifteen_minutes() -> None:
    assert [staff.lock_delay(n) for n in (4, 5, 6, 11)] == [
        None, dt.timedelta(seconds=30), dt.timedelta(seconds=60), dt.timedelta(minutes=15)]


def test_five_wrong_pins_lock_the_account_even_against_the_right_one(uow: FakeUnitOfWork) -> None:
    for _ in range(5):
        check = staff.check_sign_in(CLERK_ID, "0000", uow=uow, hasher=HASHER, terminal=TERMINAL)
        assert check.outcome == "wrong"
    assert "locked for 30 seconds" in check.problem
    assert staff.check_sign_in(CLERK_ID, secret_of(Role.CLERK), uow=uow, hasher=HASHER,
                               terminal=TERMINAL).outcome == "locked"
    assert uow.actions() == ["staff.sign_in_failed"] * 5 + ["staff.sign_in_refused_locked"]


def test_a_right_pin_signs_in_and_starts_the_count_again(uow: FakeUnitOfWork) -> None:
    staff.check_sign_in(CLERK_ID, "0000", uow=uow, hasher=HASHER, terminal=TERMINAL)
    who = staff.sign_in(CLERK_ID, secret_of(Role.CLERK), uow=uow, hasher=HASHER, terminal=TERMINAL)
    assert who == actor(Role.CLERK)
    assert uow.state.staff[CLERK_ID].record.failed_attempts == 0
    assert uow.events[-1].summary == {"after_wrong_tries": 1}


def test_a_temporary_pin_lets_the_person_in_only_with_a_new_one(uow: FakeUnitOfWork) -> None:
    staff.reset_secret(CLERK_ID, "2468", uow=uow, actor=actor(Role.MANAGER), hasher=HASHER)
    check = staff.check_sign_in(CLERK_ID, "2468", uow=uow, hasher=HASHER, terminal=TERMINAL)
    assert check.new_secret
    with pytest.raises(SignInFailed, match="must choose a new PIN"):
        staff.record_sign_in(check, "2468", uow=uow, hasher=HASHER)
    with pytest.raises(ValidationError, match="must differ from the temporary PIN"):
        staff.record_sign_in(check, "2468", uow=uow, hasher=HASHER, new_secret="2468")
    staff.record_sign_in(check, "2468", uow=uow, hasher=HASHER, new_secret="8642")
    record = uow.state.staff[CLERK_ID].record
    assert not record.must_change_secret and HASHER.verify(record.pin_hash or "", "8642")
    assert uow.actions()[-2:] == ["staff.secret_chosen", "staff.signed_in"]


def test_a_leaver_cannot_sign_in(uow: FakeUnitOfWork) -> None:
    staff.deactivate(CLERK_ID, uow=uow, actor=OWNER)
    with pytest.raises(SignInFailed):
        staff.sign_in(CLERK_ID, secret_of(Role.CLERK), uow=uow, hasher=HASHER, terminal=TERMINAL)


def test_a_managers_pin_approves_and_gives_its_try_back(uow: FakeUnitOfWork) -> None:
    directory = FakeDirectoryReader(uow.state)
    approver = staff.approve(staff_id(Role.MANAGER), secret_of(Role.MANAGER), Permission.DISCOUNT_ABOVE_LIMIT,
                             reader=directory, uow=uow, hasher=HASHER, terminal=TERMINAL)
    assert approver.staff_id == staff_id(Role.MANAGER)
    assert uow.state.staff[staff_id(Role.MANAGER)].record.failed_attempts == 0
    with pytest.raises(SignInFailed, match="Wrong PIN"):
        staff.approve(staff_id(Role.MANAGER), "0000", Permission.DISCOUNT_ABOVE_LIMIT, reader=directory, uow=uow,
                      hasher=HASHER, terminal=TERMINAL)
    assert uow.state.staff[staff_id(Role.MANAGER)].record.failed_attempts == 1


def test_a_clerk_cannot_approve_a_discount(uow: FakeUnitOfWork) -> None:
    with pytest.raises(PermissionDenied, match="cannot approve"):
        staff.approve(CLERK_ID, secret_of(Role.CLERK), Permission.DISCOUNT_ABOVE_LIMIT,
                      reader=FakeDirectoryReader(uow.state), uow=uow, hasher=HASHER, terminal=TERMINAL)


def test_approvers_list_managers_first(uow: FakeUnitOfWork) -> None:
    assert [c.name for c in staff.approvers(FakeDirectoryReader(uow.state), Permission.REFUND)] == [
        "Mina Manager", "Olive Owner"]


def test_a_manager_lists_only_the_clerks_and_appraisers_whose_pins_they_reset(uow: FakeUnitOfWork) -> None:
    from tests.fakes.staff import FakeStaffSecurityReader

    reader = FakeStaffSecurityReader(uow.state)
    assert {r.role for r in staff.staff_list(reader=reader, uow=uow, actor=actor(Role.MANAGER))} == {
        Role.CLERK, Role.APPRAISER}
    everyone = staff.staff_list(reader=reader, uow=uow, actor=OWNER)
    assert len(everyone) == 5
    assert {r.role for r in everyone if r.two_step_required} == {Role.OWNER, Role.PRIVACY_OFFICER}


def test_two_step_sign_in_is_reset_only_for_someone_who_has_it(uow: FakeUnitOfWork) -> None:
    from pos_app.services import two_step

    with pytest.raises(Conflict, match="no two-step sign-in to reset"):
        two_step.reset(CLERK_ID, uow=uow, actor=OWNER)
    uow.state.staff[CLERK_ID].totp_secret = "JBSWY3DPEHPK3PXP"
    uow.staff.replace_recovery_codes(CLERK_ID, ["h1", "h2"])
    two_step.reset(CLERK_ID, uow=uow, actor=OWNER)
    assert uow.staff.totp(CLERK_ID) == (None, None) and uow.staff.unused_recovery_codes(CLERK_ID) == []
    assert uow.events[-1].action == "staff.two_step_reset"


def test_an_owner_unlocks_a_locked_account_and_the_event_says_how_many_tries(uow: FakeUnitOfWork) -> None:
    for _ in range(5):
        staff.check_sign_in(CLERK_ID, "0000", uow=uow, hasher=HASHER, terminal=TERMINAL)
    staff.unlock(CLERK_ID, uow=uow, actor=OWNER)
    assert uow.state.staff[CLERK_ID].record.locked_until is None
    assert uow.events[-1].summary == {"failed_attempts": 5}
    assert staff.sign_in(CLERK_ID, secret_of(Role.CLERK), uow=uow, hasher=HASHER, terminal=TERMINAL).role is Role.CLERK
