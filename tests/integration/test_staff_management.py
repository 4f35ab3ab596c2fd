"""Hiring, changing a role, resetting a PIN or password, letting a leaver go and taking them back,
on the real encrypted demo store: each change one unit of work with its audit event, and the
store never without an active owner, even when two owners remove each other at once."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.adapters.hashing import Argon2Hasher
from pos_app.domain.errors import Conflict, PermissionDenied, SignInFailed, ValidationError
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.domain.staff import temporary_secret
from pos_app.services import staff, two_step
from pos_app.services.ports.staff import StaffRecord
from tests import staff_racer
from tests.conftest import actor_for, fresh_code, two_step_key


def everyone(facet: app.Facet) -> dict[str, StaffRecord]:
    """Everybody on the staff table, active or not, by name."""
    conn = facet.connection()
    try:
        ids = [r[0] for r in conn.execute("SELECT id FROM staff")]
    finally:
        conn.close()
    with facet.uow() as uow:
        records = [uow.staff.get(i) for i in ids]
    return {r.name: r for r in records if r is not None}


def events(facet: app.Facet, staff_id: str, prefix: str = "staff.") -> list[tuple[str, str, dict[str, Any]]]:
    conn = facet.connection()
    try:
        return [(action, name, json.loads(summary)) for action, name, summary in conn.execute(
            "SELECT action, actor_name, summary FROM audit_events WHERE entity_id = ? AND action LIKE ? "
            "ORDER BY seq", (staff_id, prefix + "%"))]
    finally:
        conn.close()


def first_sign_in(facet: app.Facet, staff_id: str, temporary: str, new: str, hasher: Argon2Hasher) -> Actor:
    check = staff.check_sign_in(staff_id, temporary, uow=facet.uow(), hasher=hasher, terminal="C1")
    assert check.outcome == "ok" and check.new_secret
    return staff.record_sign_in(check, temporary, uow=facet.uow(), hasher=hasher, new_secret=new)


@pytest.fixture
def owner(demo_facet: app.Facet) -> Actor:
    return actor_for(demo_facet, Role.OWNER)


def test_a_new_clerk_signs_in_once_with_the_temporary_pin_and_chooses_their_own(
        demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher) -> None:
    new_id = staff.add_staff("Zoë Ngô", Role.CLERK, pin="482913", uow=demo_facet.uow(), actor=owner,
                             hasher=fast_hasher)
    assert "Zoë Ngô" in [c.name for c in staff.sign_in_choices(demo_facet.store.directory)]
    with pytest.raises(SignInFailed, match="must choose a new PIN"):
        staff.sign_in(new_id, "482913", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    check = staff.check_sign_in(new_id, "482913", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    with pytest.raises(ValidationError, match="new_pin: must differ from the temporary PIN"):
        staff.check_new_secret(check, "482913", "482913", "482913")
    with pytest.raises(ValidationError, match="new_pin_again: does not match"):
        staff.check_new_secret(check, "482913", "5150", "5151")
    with pytest.raises(ValidationError, match="new_pin: must be 4 to 8 digits"):
        staff.check_new_secret(check, "482913", "12", "12")
    actor = first_sign_in(demo_facet, new_id, "482913", "5150", fast_hasher)
    assert actor.name == "Zoë Ngô" and not everyone(demo_facet)["Zoë Ngô"].must_change_secret
    assert staff.sign_in(new_id, "5150", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1").staff_id == new_id
    with pytest.raises(SignInFailed, match="Wrong PIN"):
        staff.sign_in(new_id, "482913", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    actions = [action for action, _, _ in events(demo_facet, new_id)]
    assert actions[:1] == ["staff.added"] and "staff.secret_chosen" in actions
    assert not any("482913" in json.dumps(summary) or "5150" in json.dumps(summary)
                   for _, _, summary in events(demo_facet, new_id))


def test_names_are_unique_whatever_their_case_or_script(demo_facet: app.Facet, owner: Actor,
                                                        fast_hasher: Argon2Hasher) -> None:
    staff.add_staff("山田 花子", Role.APPRAISER, pin="7777", credentials="GIA Graduate Gemologist",
                    uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    staff.add_staff("Zoë Ngô", Role.CLERK, pin="7778", uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    for taken in ("ZOË NGÔ", "zoë  ngô", "LILY CHEN", " 山田  花子 "):
        with pytest.raises(ValidationError, match="name: .* is already on the staff list"):
            staff.add_staff(taken, Role.CLERK, pin="1234", uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    assert everyone(demo_facet)["山田 花子"].credentials == "GIA Graduate Gemologist"
    # The database itself refuses a second row with the same name key (two hires typed at once).
    with demo_facet.uow() as uow, pytest.raises(ValidationError, match="already on the staff list"):
        uow.staff.add(name="ZOË NGÔ", role=Role.CLERK, pin_hash="x", password_hash=None)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": " ", "role": Role.CLERK, "pin": "1234"}, "name: is required"),
    ({"name": "Ann Lee", "role": Role.CLERK, "pin": "12a4"}, "pin: must be 4 to 8 digits"),
    ({"name": "Ann Lee", "role": Role.CLERK}, "pin: is required for a clerk"),
    ({"name": "Ann Lee", "role": Role.CLERK, "pin": "1234", "password": "long-enough"}, "password: is not used"),
    ({"name": "Ann Lee", "role": Role.MANAGER, "pin": "1234"}, "password: is required for a manager"),
    ({"name": "Ann Lee", "role": Role.MANAGER, "password": "short"}, "password: must be at least 8"),
    ({"name": "A" * 81, "role": Role.CLERK, "pin": "1234"}, "name: must be at most 80"),
])
def test_a_hire_with_bad_input_names_the_field_and_changes_nothing(
        demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher, kwargs: dict[str, Any], field: str) -> None:
    before = sorted(everyone(demo_facet))
    with pytest.raises(ValidationError, match=field):
        staff.add_staff(**kwargs, uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    assert sorted(everyone(demo_facet)) == before


def test_a_clerk_made_manager_gets_a_temporary_password_and_an_appraiser_keeps_credentials(
        demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher) -> None:
    sam = everyone(demo_facet)["Sam Ortiz"]
    with pytest.raises(ValidationError, match="password: is required for a manager"):
        staff.set_role(sam.id, Role.MANAGER, uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    assert everyone(demo_facet)["Sam Ortiz"].role is Role.CLERK, "nothing changed"
    staff.set_role(sam.id, Role.MANAGER, password="temp-pass-9", uow=demo_facet.uow(), actor=owner,
                   hasher=fast_hasher)
    check = staff.check_sign_in(sam.id, "3344", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    assert check.outcome == "wrong", "a manager signs in with the password, not the PIN"
    actor = first_sign_in(demo_facet, sam.id, "temp-pass-9", "sams-own-password", fast_hasher)
    assert actor.role is Role.MANAGER and actor.can(Permission.REFUND)
    assert events(demo_facet, sam.id, "staff.role_changed")[0][2] == {"from": "clerk", "to": "manager",
                                                                      "temporary": "password"}
    with pytest.raises(ValidationError, match="role: Sam Ortiz is already a manager"):
        staff.set_role(sam.id, Role.MANAGER, uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)


def test_a_role_that_requires_two_step_sign_in_sets_it_up_at_the_next_sign_in(
        demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher) -> None:
    marcus = everyone(demo_facet)["Marcus Reed"]
    staff.set_role(marcus.id, Role.PRIVACY_OFFICER, uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    check = staff.check_sign_in(marcus.id, "manager-demo-1", uow=demo_facet.uow(), hasher=fast_hasher,
                                terminal="C1")
    assert (check.outcome, check.second_step, check.new_secret) == ("ok", "enrol", False)


def test_a_manager_resets_a_clerks_pin_but_not_a_managers_password(
        demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    manager, people = actor_for(demo_facet, Role.MANAGER), everyone(demo_facet)
    lily = people["Lily Chen"]
    for _ in range(staff.FREE_ATTEMPTS):
        staff.check_sign_in(lily.id, "0000", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    temporary = temporary_secret(uses_password=False)
    assert staff.reset_secret(lily.id, temporary, uow=demo_facet.uow(), actor=manager, hasher=fast_hasher) == "PIN"
    after = everyone(demo_facet)["Lily Chen"]
    assert after.must_change_secret and after.locked_until is None and after.failed_attempts == 0
    first_sign_in(demo_facet, lily.id, temporary, "8642", fast_hasher)
    dana = people["Dana Brooks"]
    with pytest.raises(PermissionDenied):
        staff.reset_secret(dana.id, "new-password-1", uow=demo_facet.uow(), actor=manager, hasher=fast_hasher)
    assert not everyone(demo_facet)["Dana Brooks"].must_change_secret
    refused = events(demo_facet, dana.id, "permission.")
    assert refused and refused[-1][2]["permission"] == "manage_staff"
    with pytest.raises(ValidationError, match="temporary_pin: must be 4 to 8 digits"):
        staff.reset_secret(lily.id, "12", uow=demo_facet.uow(), actor=manager, hasher=fast_hasher)
    assert [r.name for r in staff.staff_list(reader=demo_facet.store.directory, uow=demo_facet.uow(), actor=manager)] \
        == ["Lily Chen", "Priya Nair", "Sam Ortiz"]


def test_a_temporary_secret_cannot_approve(demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher) -> None:
    marcus = everyone(demo_facet)["Marcus Reed"]
    staff.reset_secret(marcus.id, "temp-pass-7", uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    with pytest.raises(SignInFailed, match="temporary PIN or password"):
        staff.approve(marcus.id, "temp-pass-7", Permission.REFUND, reader=demo_facet.store.directory,
                      uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")


def test_a_leaver_keeps_their_history_cannot_sign_in_and_can_come_back(
        demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher) -> None:
    lily = everyone(demo_facet)["Lily Chen"]
    conn = demo_facet.connection()
    try:
        history = conn.execute("SELECT (SELECT count(*) FROM sales WHERE staff_id = ?), "
                               "(SELECT count(*) FROM audit_events WHERE staff_id = ?)", (lily.id, lily.id)).fetchone()
    finally:
        conn.close()
    staff.deactivate(lily.id, uow=demo_facet.uow(), actor=owner)
    assert "Lily Chen" not in [c.name for c in staff.sign_in_choices(demo_facet.store.directory)]
    with pytest.raises(SignInFailed, match="cannot sign in"):
        staff.sign_in(lily.id, "3333", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    with pytest.raises(Conflict, match="already deactivated"):
        staff.deactivate(lily.id, uow=demo_facet.uow(), actor=owner)
    shown = staff.staff_list(reader=demo_facet.store.directory, uow=demo_facet.uow(), actor=owner, include_inactive=True)
    assert [(r.name, r.active) for r in shown][-1] == ("Lily Chen", False)
    with pytest.raises(ValidationError, match="name: .* is already on the staff list"):
        staff.add_staff("lily chen", Role.CLERK, pin="1234", uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    staff.reactivate(lily.id, uow=demo_facet.uow(), actor=owner)
    assert staff.sign_in(lily.id, "3333", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1").name == "Lily Chen"
    conn = demo_facet.connection()
    try:
        sales_now, events_now = conn.execute(
            "SELECT (SELECT count(*) FROM sales WHERE staff_id = ?), "
            "(SELECT count(*) FROM audit_events WHERE staff_id = ?)", (lily.id, lily.id)).fetchone()
        assert sales_now == history[0] > 0 and events_now >= history[1], "her sales and trail are kept"
    finally:
        conn.close()
    assert [a for a, _, _ in events(demo_facet, lily.id) if a in ("staff.deactivated", "staff.reactivated")] == [
        "staff.deactivated", "staff.reactivated"]


def test_the_last_active_owner_cannot_be_deactivated_or_demoted(
        demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher) -> None:
    with pytest.raises(Conflict, match="yourself"):
        staff.deactivate(owner.staff_id or "", uow=demo_facet.uow(), actor=owner)
    assert owner.staff_id is not None
    with pytest.raises(Conflict, match="must keep an active owner"):
        staff.set_role(owner.staff_id, Role.MANAGER, uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    assert everyone(demo_facet)[owner.name].role is Role.OWNER
    # The database refuses it whoever writes: a raw UPDATE too.
    conn = demo_facet.connection()
    try:
        with pytest.raises(Exception, match="last active owner"):
            conn.execute("UPDATE staff SET active = 0 WHERE id = ?", (owner.staff_id,))
    finally:
        conn.close()


@pytest.mark.parametrize("how", ["deactivate", "demote"])
def test_two_owners_removing_each_other_at_once_leave_one_owner(demo_dir: Path, fast_hasher: Argon2Hasher,
                                                                 how: str) -> None:
    facet = app.open_facet(demo_dir)
    try:
        jane = actor_for(facet, Role.OWNER)
        staff.add_staff("Olga Okafor", Role.OWNER, password="olga-temp-1", uow=facet.uow(), actor=jane,
                        hasher=fast_hasher)
    finally:
        facet.close()
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(staff_racer.PRELOAD)
    ready, go = ctx.Semaphore(0), ctx.Event()
    racers = [ctx.Process(target=staff_racer.remove, args=(str(demo_dir), me, other, how, ready, go))
              for me, other in ((jane.name, "Olga Okafor"), ("Olga Okafor", jane.name))]
    for process in racers:
        process.start()
    try:
        for _ in racers:
            assert ready.acquire(timeout=120), "a racer did not start"
        go.set()
        for process in racers:
            process.join(timeout=120)
    finally:
        for process in racers:
            if process.is_alive():
                process.kill()
    assert sorted(p.exitcode for p in racers) == [staff_racer.DONE, staff_racer.REFUSED]
    facet = app.open_facet(demo_dir)
    try:
        owners = [s for s in everyone(facet).values() if s.role is Role.OWNER and s.active]
        assert len(owners) == 1
    finally:
        facet.close()


def test_each_change_is_audited_and_a_refused_one_changes_nothing(
        demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    with pytest.raises(PermissionDenied):
        staff.add_staff("Eve", Role.OWNER, password="long-enough", uow=demo_facet.uow(), actor=clerk,
                        hasher=fast_hasher)
    assert "Eve" not in everyone(demo_facet)
    sam = everyone(demo_facet)["Sam Ortiz"]

    def outbox_rows() -> int:
        conn = demo_facet.connection()
        try:
            return int(conn.execute("SELECT count(*) FROM outbox WHERE table_name = 'staff' AND row_id = ?",
                                    (sam.id,)).fetchone()[0])
        finally:
            conn.close()

    before = outbox_rows()
    staff.reset_secret(sam.id, "246810", uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    assert outbox_rows() > before, "the change goes out to sync with its transaction"
    before = outbox_rows()
    staff.set_role(sam.id, Role.APPRAISER, credentials="GIA Graduate Gemologist", uow=demo_facet.uow(),
                   actor=owner, hasher=fast_hasher)
    recorded = events(demo_facet, sam.id)
    assert [(a, n) for a, n, _ in recorded] == [("staff.secret_reset", owner.name),
                                                ("staff.role_changed", owner.name)]
    assert recorded[0][2] == {"secret": "pin"}
    assert everyone(demo_facet)["Sam Ortiz"].credentials == "GIA Graduate Gemologist"
    assert outbox_rows() > before
    assert two_step.staff_overview(reader=demo_facet.store.directory, uow=demo_facet.uow(), actor=owner)


def test_a_reset_password_with_two_step_takes_the_new_password_then_the_code(
        demo_facet: app.Facet, owner: Actor, fast_hasher: Argon2Hasher) -> None:
    dana = everyone(demo_facet)["Dana Brooks"]
    assert dana.two_step_enrolled
    staff.reset_secret(dana.id, "dana-temp-1", uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    check = staff.check_sign_in(dana.id, "dana-temp-1", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    assert (check.outcome, check.second_step, check.new_secret, check.secret_word) == ("ok", "code", True, "password")
    with pytest.raises(ValidationError, match="new_password: must be at least 8 characters"):
        staff.check_new_secret(check, "dana-temp-1", "short", "short")
    code = fresh_code(demo_facet, dana.id, two_step_key("Dana Brooks"))
    actor = staff.record_sign_in(check, "dana-temp-1", uow=demo_facet.uow(), hasher=fast_hasher, code=code,
                                 new_secret="danas-own-pass")
    assert actor.staff_id == dana.id and not everyone(demo_facet)["Dana Brooks"].must_change_secret
    code = fresh_code(demo_facet, dana.id, two_step_key("Dana Brooks"))
    assert staff.sign_in(dana.id, "danas-own-pass", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1",
                         code=code).staff_id == dana.id
