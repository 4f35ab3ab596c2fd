"""Signing in with a PIN or a password against the real staff table, lockout and rehashing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine

from pos_app import app
from pos_app.adapters.hashing import Argon2Hasher
from pos_app.domain.errors import SignInFailed
from pos_app.domain.permissions import Role
from pos_app.services import staff
from pos_app.services.ports.staff import StaffRecord

CLERK, CLERK_PIN = "Lily Chen", "3333"
MANAGER, MANAGER_PASSWORD, MANAGER_PIN = "Marcus Reed", "manager-demo-1", "2222"


def person(facet: app.Facet, name: str) -> StaffRecord:
    return next(s for s in facet.store.directory.staff_list() if s.name == name)


def sign_in(facet: app.Facet, name: str, secret: str, hasher: Any) -> Any:
    return staff.sign_in(person(facet, name).id, secret, uow=facet.uow(), hasher=hasher, terminal="C1")


def audit_for(facet: app.Facet, staff_id: str) -> list[tuple[str, dict[str, Any]]]:
    conn = facet.connection()
    try:
        return [(action, json.loads(summary)) for action, summary in conn.execute(
            "SELECT action, summary FROM audit_events WHERE entity_id = ? ORDER BY seq", (staff_id,))]
    finally:
        conn.close()


def test_a_clerk_signs_in_with_the_right_pin(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    actor = sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher)
    clerk = person(demo_facet, CLERK)
    assert (actor.staff_id, actor.name, actor.role, actor.terminal) == (clerk.id, CLERK, Role.CLERK, "C1")
    assert audit_for(demo_facet, clerk.id) == [("staff.signed_in", {})]


def test_a_manager_signs_in_with_the_password_not_the_pin(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    with pytest.raises(SignInFailed, match=f"Wrong password for {MANAGER}"):
        sign_in(demo_facet, MANAGER, MANAGER_PIN, fast_hasher)
    actor = sign_in(demo_facet, MANAGER, MANAGER_PASSWORD, fast_hasher)
    assert actor.role is Role.MANAGER
    assert person(demo_facet, MANAGER).failed_attempts == 0, "a success clears the failures"


def test_a_wrong_pin_is_refused_and_audited_without_the_pin(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    clerk = person(demo_facet, CLERK)
    for attempt in (1, 2):
        with pytest.raises(SignInFailed, match=f"Wrong PIN for {CLERK}"):
            sign_in(demo_facet, CLERK, "0000", fast_hasher)
        assert person(demo_facet, CLERK).failed_attempts == attempt
    with pytest.raises(SignInFailed):
        sign_in(demo_facet, CLERK, "", fast_hasher)
    assert audit_for(demo_facet, clerk.id) == [("staff.sign_in_failed", {"attempt": n}) for n in (1, 2, 3)]
    conn = demo_facet.connection()
    try:
        dump = "\n".join(str(r) for r in conn.execute("SELECT action, summary FROM audit_events"))
    finally:
        conn.close()
    assert "0000" not in dump and CLERK_PIN not in dump


def test_unknown_staff_cannot_sign_in(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    with pytest.raises(SignInFailed, match="cannot sign in"):
        staff.sign_in("no-such-id", "1234", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")


def test_five_failures_lock_the_account_for_a_delay_that_doubles(
        demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    start = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(staff.FREE_ATTEMPTS - 1):
            with pytest.raises(SignInFailed, match="Wrong PIN"):
                sign_in(demo_facet, CLERK, "0000", fast_hasher)
        assert person(demo_facet, CLERK).locked_until is None

        with pytest.raises(SignInFailed, match="Wrong PIN"):
            sign_in(demo_facet, CLERK, "0000", fast_hasher)
        assert person(demo_facet, CLERK).locked_until == start + dt.timedelta(seconds=30)

        # Locked: even the right PIN waits, and the wait is not a new failure.
        with pytest.raises(SignInFailed, match=r"Too many wrong tries\. .* try again in \d+ seconds"):
            sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher)
        clock.shift(dt.timedelta(seconds=29))
        with pytest.raises(SignInFailed, match="Too many wrong tries"):
            sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher)
        assert person(demo_facet, CLERK).failed_attempts == staff.FREE_ATTEMPTS
        refused = [action for action, _ in audit_for(demo_facet, person(demo_facet, CLERK).id)]
        assert refused.count("staff.sign_in_refused_locked") == 2

        # After the delay, another wrong PIN locks it for twice as long.
        clock.shift(dt.timedelta(seconds=2))
        with pytest.raises(SignInFailed, match="Wrong PIN"):
            sign_in(demo_facet, CLERK, "0000", fast_hasher)
        now = start + dt.timedelta(seconds=31)
        assert person(demo_facet, CLERK).locked_until == now + dt.timedelta(seconds=60)

        clock.shift(dt.timedelta(seconds=61))
        actor = sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher)
        assert actor.role is Role.CLERK
        after = person(demo_facet, CLERK)
        assert (after.failed_attempts, after.locked_until) == (0, None)


def test_the_delay_stops_growing_at_fifteen_minutes() -> None:
    assert staff.lock_delay(staff.FREE_ATTEMPTS - 1) is None
    assert staff.lock_delay(staff.FREE_ATTEMPTS) == dt.timedelta(seconds=30)
    assert staff.lock_delay(staff.FREE_ATTEMPTS + 1) == dt.timedelta(seconds=60)
    assert staff.lock_delay(staff.FREE_ATTEMPTS + 20) == dt.timedelta(minutes=15)


def test_a_lock_on_one_account_does_not_lock_another(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    for _ in range(staff.FREE_ATTEMPTS):
        with pytest.raises(SignInFailed):
            sign_in(demo_facet, CLERK, "0000", fast_hasher)
    assert sign_in(demo_facet, "Sam Ortiz", "3344", fast_hasher).role is Role.CLERK


def test_a_pin_is_rehashed_when_the_stores_hasher_parameters_change(
        demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    before = person(demo_facet, CLERK).pin_hash
    assert before is not None and "m=64,t=1,p=1" in before
    sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher)
    assert person(demo_facet, CLERK).pin_hash == before, "same parameters: no rehash"

    with demo_facet.uow() as uow:
        uow.settings.set("security.argon2", {"time_cost": 2, "memory_cost": 128, "parallelism": 1})
        uow.commit()
    stronger = demo_facet.hasher()
    assert (stronger.time_cost, stronger.memory_cost, stronger.parallelism) == (2, 128, 1)
    conn = demo_facet.connection()
    outbox0 = conn.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    conn.close()

    sign_in(demo_facet, CLERK, CLERK_PIN, stronger)

    after = person(demo_facet, CLERK)
    assert after.pin_hash is not None and after.pin_hash != before
    assert "m=128,t=2,p=1" in after.pin_hash
    assert stronger.verify(after.pin_hash, CLERK_PIN) and not stronger.needs_rehash(after.pin_hash)
    conn = demo_facet.connection()
    try:
        assert set(conn.execute("SELECT table_name, row_id, op FROM outbox WHERE seq > ?", (outbox0,))) == {
            ("staff", after.id, "update")}
    finally:
        conn.close()
    # The old PIN still signs in, now without another rehash.
    sign_in(demo_facet, CLERK, CLERK_PIN, stronger)
    assert person(demo_facet, CLERK).pin_hash == after.pin_hash


def test_a_password_is_rehashed_too_and_a_wrong_one_is_not(demo_facet: app.Facet) -> None:
    stronger = Argon2Hasher(time_cost=2, memory_cost=128, parallelism=1)
    before = person(demo_facet, MANAGER).password_hash
    with pytest.raises(SignInFailed):
        sign_in(demo_facet, MANAGER, "not-the-password", stronger)
    assert person(demo_facet, MANAGER).password_hash == before
    sign_in(demo_facet, MANAGER, MANAGER_PASSWORD, stronger)
    after = person(demo_facet, MANAGER)
    assert after.password_hash != before and "m=128,t=2,p=1" in (after.password_hash or "")
    assert after.pin_hash == person(demo_facet, MANAGER).pin_hash
