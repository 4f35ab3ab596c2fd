"""Two-step sign-in, recovery codes, lockout and unlock, over the real encrypted demo store."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyotp
import pytest
import time_machine

from pos_app import app
from pos_app.adapters.hashing import Argon2Hasher
from pos_app.domain.errors import Conflict, PermissionDenied, SignInFailed, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import settings, staff, two_step
from pos_app.services.demo import DEMO_TWO_STEP
from pos_app.services.ports.staff import StaffRecord
from tests.conftest import actor_for

OWNER, OWNER_PASSWORD = "Jane Ellen", "owner-demo-1"
OWNER_SECRET, OWNER_CODES = DEMO_TWO_STEP[OWNER]
CLERK, CLERK_PIN = "Lily Chen", "3333"
START = dt.datetime(2026, 3, 2, 15, 0, 7, tzinfo=dt.UTC)


def person(facet: app.Facet, name: str) -> StaffRecord:
    return next(s for s in facet.store.directory.staff_list() if s.name == name)


def sign_in(facet: app.Facet, name: str, secret: str, hasher: Any, code: str = "") -> Any:
    return staff.sign_in(person(facet, name).id, secret, uow=facet.uow(), hasher=hasher, terminal="C1", code=code)


def audit_for(facet: app.Facet, staff_id: str) -> list[tuple[str, dict[str, Any]]]:
    conn = facet.connection()
    try:
        return [(action, json.loads(summary)) for action, summary in conn.execute(
            "SELECT action, summary FROM audit_events WHERE entity_id = ? ORDER BY seq", (staff_id,))]
    finally:
        conn.close()


def code_at(secret: str, at: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def test_the_owner_needs_the_code_after_the_password(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    with time_machine.travel(START, tick=False):
        check = staff.check_sign_in(person(demo_facet, OWNER).id, OWNER_PASSWORD, uow=demo_facet.uow(),
                                    hasher=fast_hasher, terminal="C1")
        assert (check.outcome, check.second_step) == ("ok", "code")
        actor = staff.record_sign_in(check, OWNER_PASSWORD, uow=demo_facet.uow(), hasher=fast_hasher,
                                     code=code_at(OWNER_SECRET, START))
    assert actor.role is Role.OWNER
    assert audit_for(demo_facet, actor.staff_id)[-1] == ("staff.signed_in", {"second_step": "totp"})


def test_a_wrong_code_is_a_failed_attempt_and_the_password_alone_is_not_enough(
        demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    owner = person(demo_facet, OWNER)
    with time_machine.travel(START, tick=False):
        with pytest.raises(SignInFailed, match=f"Wrong or already used code for {OWNER}"):
            sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code="000000")
        with pytest.raises(SignInFailed, match="Wrong or already used code"):
            sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher)
    assert person(demo_facet, OWNER).failed_attempts == 2
    assert audit_for(demo_facet, owner.id)[-2:] == [("staff.sign_in_failed", {"attempt": n, "step": "code"})
                                                   for n in (1, 2)]


def test_a_code_cannot_be_used_twice_but_the_next_one_works(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    with time_machine.travel(START, tick=False) as clock:
        code = code_at(OWNER_SECRET, START)
        sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=code)
        with pytest.raises(SignInFailed, match="already used"):
            sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=code)
        clock.shift(dt.timedelta(seconds=10))  # same 30-second window: still the same code
        with pytest.raises(SignInFailed, match="already used"):
            sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=code)
        clock.shift(dt.timedelta(seconds=30))
        assert sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher,
                       code=code_at(OWNER_SECRET, START + dt.timedelta(seconds=40))).role is Role.OWNER


def test_a_code_from_a_phone_a_step_behind_is_accepted(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    with time_machine.travel(START, tick=False):
        late = code_at(OWNER_SECRET, START - dt.timedelta(seconds=30))
        assert sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=late).role is Role.OWNER
        old = code_at(OWNER_SECRET, START - dt.timedelta(seconds=120))
        with pytest.raises(SignInFailed):
            sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=old)


def test_a_recovery_code_works_once_and_is_audited(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    owner = person(demo_facet, OWNER)
    recovery = OWNER_CODES[3].upper().replace("-", " ")  # typed in capitals with a space: still the code
    sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=recovery)
    assert audit_for(demo_facet, owner.id)[-2:] == [
        ("staff.recovery_code_used", {"left": 9}), ("staff.signed_in", {"second_step": "recovery code"})]
    with pytest.raises(SignInFailed, match="already used"):
        sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=OWNER_CODES[3])
    assert sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=OWNER_CODES[4]).role is Role.OWNER
    rows = {row.name: row for row in demo_facet.store.directory.staff_security()}
    assert rows[OWNER].recovery_codes_left == 8


def test_brute_forcing_a_pin_locks_the_account_and_every_failure_is_an_audit_event(
        demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    clerk = person(demo_facet, CLERK)
    refused = 0
    with time_machine.travel(START, tick=False):
        for guess in range(40):
            try:
                sign_in(demo_facet, CLERK, f"{guess:04d}", fast_hasher)
            except SignInFailed as failure:
                refused += "Too many wrong tries" in str(failure)
    assert refused == 40 - staff.FREE_ATTEMPTS, "after five wrong PINs, the account stops checking"
    after = person(demo_facet, CLERK)
    assert after.failed_attempts == staff.FREE_ATTEMPTS
    assert after.locked_until == START + dt.timedelta(seconds=30)
    actions = [action for action, _ in audit_for(demo_facet, clerk.id)]
    assert actions == ["staff.sign_in_failed"] * 5 + ["staff.sign_in_refused_locked"] * 35
    with time_machine.travel(START + dt.timedelta(seconds=5), tick=False):
        with pytest.raises(SignInFailed, match="Too many wrong tries"):
            sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher)


def test_wrong_codes_lock_the_account_too(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(staff.FREE_ATTEMPTS):
            with pytest.raises(SignInFailed, match="Wrong or already used code"):
                sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code="123456")
        with pytest.raises(SignInFailed, match="Too many wrong tries"):
            sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=code_at(OWNER_SECRET, START))


def test_the_owner_unlocks_an_account_and_a_clerk_cannot(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    clerk = person(demo_facet, CLERK)
    for _ in range(staff.FREE_ATTEMPTS):
        with pytest.raises(SignInFailed):
            sign_in(demo_facet, CLERK, "0000", fast_hasher)
    with pytest.raises(PermissionDenied):
        staff.unlock(clerk.id, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK))
    staff.unlock(clerk.id, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.OWNER))
    after = person(demo_facet, CLERK)
    assert (after.failed_attempts, after.locked_until) == (0, None)
    assert audit_for(demo_facet, clerk.id)[-1] == ("staff.unlocked", {"failed_attempts": 5})
    assert sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher).role is Role.CLERK


def test_enrolment_saves_the_secret_only_after_a_good_code(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    offer = two_step.start_enrolment(clerk, store_name="Jane Ellen")
    assert offer.uri.startswith("otpauth://totp/") and "issuer=Facet" in offer.uri
    with pytest.raises(ValidationError, match="code: is the 6 digits"):
        two_step.confirm_enrolment(offer, "12ab", uow=demo_facet.uow(), actor=clerk, hasher=fast_hasher)
    with pytest.raises(ValidationError, match="code: does not match"):
        two_step.confirm_enrolment(offer, "000000", uow=demo_facet.uow(), actor=clerk, hasher=fast_hasher)
    assert not person(demo_facet, CLERK).two_step_enrolled
    with time_machine.travel(START, tick=False):
        codes = two_step.confirm_enrolment(offer, code_at(offer.secret, START), uow=demo_facet.uow(), actor=clerk,
                                           hasher=fast_hasher)
        assert len(codes) == len(set(codes)) == 10
        assert person(demo_facet, CLERK).two_step_enrolled
        with pytest.raises(SignInFailed, match="already used"):  # the enrolment code is spent
            sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher, code=code_at(offer.secret, START))
    assert sign_in(demo_facet, CLERK, CLERK_PIN, fast_hasher, code=codes[0]).role is Role.CLERK
    conn = demo_facet.connection()
    try:
        stored = [r[0] for r in conn.execute("SELECT code_hash FROM staff_recovery_codes WHERE staff_id = ?",
                                             (clerk.staff_id,))]
    finally:
        conn.close()
    assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
    assert not set(codes) & set(stored)


def test_new_recovery_codes_replace_the_old_ones(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    assert owner.staff_id is not None
    fresh = two_step.replace_recovery_codes(owner.staff_id, uow=demo_facet.uow(), actor=owner, hasher=fast_hasher)
    with pytest.raises(SignInFailed):
        sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=OWNER_CODES[0])
    assert sign_in(demo_facet, OWNER, OWNER_PASSWORD, fast_hasher, code=fresh[0]).role is Role.OWNER
    clerk = actor_for(demo_facet, Role.CLERK)
    with pytest.raises(PermissionDenied):
        two_step.replace_recovery_codes(owner.staff_id, uow=demo_facet.uow(), actor=clerk, hasher=fast_hasher)
    assert clerk.staff_id is not None
    with pytest.raises(Conflict, match="has not set up two-step"):
        two_step.replace_recovery_codes(clerk.staff_id, uow=demo_facet.uow(), actor=clerk, hasher=fast_hasher)


def test_a_reset_sends_a_required_role_back_to_enrolment(demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    officer = person(demo_facet, "Dana Brooks")
    with pytest.raises(PermissionDenied):
        two_step.reset(officer.id, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.MANAGER))
    two_step.reset(officer.id, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.OWNER))
    check = staff.check_sign_in(officer.id, "privacy-demo-1", uow=demo_facet.uow(), hasher=fast_hasher,
                                terminal="C1")
    assert (check.outcome, check.second_step) == ("ok", "enrol")
    actor = staff.record_sign_in(check, "privacy-demo-1", uow=demo_facet.uow(), hasher=fast_hasher)
    assert audit_for(demo_facet, officer.id)[-2:] == [
        ("staff.two_step_reset", {}), ("staff.signed_in", {"second_step": "enrolment due"})]
    assert actor.role is Role.PRIVACY_OFFICER


def test_argon2_costs_below_owasp_are_refused_naming_the_field(demo_facet: app.Facet) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    for text, field in (("memory_cost=4096", "security.argon2.memory_cost"),
                        ("time_cost=1", "security.argon2.memory_cost"),
                        ("parallelism=0", "security.argon2.parallelism"),
                        ("memory_cost=lots", "security.argon2.memory_cost"),
                        ("speed=9", "security.argon2")):
        with pytest.raises(ValidationError) as refused:
            settings.change_setting("security.argon2", text, uow=demo_facet.uow(), actor=owner)
        assert refused.value.field == field
    assert demo_facet.store.directory.setting("security.argon2") is None, "a refused value changes nothing"
    with pytest.raises(PermissionDenied):
        settings.change_setting("security.argon2", "t=3", uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK))


def test_a_changed_argon2_setting_rehashes_at_the_next_sign_in(demo_facet: app.Facet) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    saved = settings.change_setting("security.argon2", "t=3 m=12288 p=1", uow=demo_facet.uow(), actor=owner)
    assert saved == {"time_cost": 3, "memory_cost": 12288, "parallelism": 1}
    sign_in(demo_facet, CLERK, CLERK_PIN, demo_facet.hasher())  # the hasher reads the setting now
    assert "m=12288,t=3,p=1" in (person(demo_facet, CLERK).pin_hash or "")

    settings.change_setting("security.argon2", "time_cost=2 memory_cost=19456", uow=demo_facet.uow(), actor=owner)
    sign_in(demo_facet, CLERK, CLERK_PIN, demo_facet.hasher())
    assert "m=19456,t=2,p=1" in (person(demo_facet, CLERK).pin_hash or "")
