"""Who must use two-step sign-in is the store's setting `security.two_step_roles`: never fewer than the
owner and the privacy officer; the owner may add managers (and others), who set it up at their next
sign-in, at a counter or before the command line lets them in."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.adapters.hashing import Argon2Hasher
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import TWO_STEP_SETTING, Role, parse_two_step_roles, two_step_roles
from pos_app.services import settings, staff, two_step
from tests.conftest import actor_for, cli_login


def _marcus(facet: app.Facet) -> str:
    return next(s.id for s in facet.store.directory.staff_list() if s.name == "Marcus Reed")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _changes(facet: app.Facet) -> list[dict[str, Any]]:
    conn = facet.connection()
    try:
        rows = conn.execute("SELECT summary FROM audit_events WHERE action = 'setting.changed' AND entity_id = ? "
                            "ORDER BY seq", (TWO_STEP_SETTING,)).fetchall()
    finally:
        conn.close()
    return [json.loads(r[0]) for r in rows]


def test_the_roles_are_read_as_typed_and_kept_in_the_roles_order() -> None:
    assert parse_two_step_roles("Manager, privacy officer,owner") == ["owner", "manager", "privacy_officer"]
    assert parse_two_step_roles("owner, privacy-officer, clerk, clerk") == ["owner", "clerk", "privacy_officer"]
    # a value stored by hand without the minimum still requires it of the owner and the privacy officer
    assert two_step_roles(["manager"]) == {Role.OWNER, Role.PRIVACY_OFFICER, Role.MANAGER}
    assert two_step_roles(None) == {Role.OWNER, Role.PRIVACY_OFFICER}


def test_the_default_requires_it_of_the_owner_and_the_privacy_officer_only(
        demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    assert settings.current_settings(reader=demo_facet.store.directory, actor=owner, uow=demo_facet.uow())[
        TWO_STEP_SETTING] == ["owner", "privacy_officer"]
    check = staff.check_sign_in(_marcus(demo_facet), "manager-demo-1", uow=demo_facet.uow(), hasher=fast_hasher,
                                terminal="C1")
    assert (check.outcome, check.second_step) == ("ok", "")


def test_removing_the_owner_or_the_privacy_officer_is_refused_naming_the_field_and_nothing_changes(
        demo_facet: app.Facet) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    for text, missing in (("owner, manager", "privacy officer"), ("privacy_officer", "owner"),
                          ("", "owner and privacy officer")):
        with pytest.raises(ValidationError) as refused:
            settings.change_setting(TWO_STEP_SETTING, text, uow=demo_facet.uow(), actor=owner)
        assert refused.value.field == TWO_STEP_SETTING
        assert f"{missing} cannot be removed" in refused.value.problem
    with pytest.raises(ValidationError, match="'cashier' is not a role"):
        settings.change_setting(TWO_STEP_SETTING, "owner, privacy_officer, cashier", uow=demo_facet.uow(),
                                actor=owner)
    assert demo_facet.store.directory.setting(TWO_STEP_SETTING, None) is None
    assert _changes(demo_facet) == []


def test_only_the_owner_changes_it(demo_facet: app.Facet) -> None:
    with pytest.raises(PermissionDenied):
        settings.change_setting(TWO_STEP_SETTING, "owner, privacy_officer, manager", uow=demo_facet.uow(),
                                actor=actor_for(demo_facet, Role.MANAGER))
    assert demo_facet.store.directory.setting(TWO_STEP_SETTING, None) is None


def test_a_manager_sets_it_up_at_the_next_sign_in_once_the_owner_requires_it_of_managers(
        demo_facet: app.Facet, fast_hasher: Argon2Hasher) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    settings.change_setting(TWO_STEP_SETTING, "owner, privacy_officer, manager", uow=demo_facet.uow(), actor=owner)
    assert _changes(demo_facet) == [{"key": TWO_STEP_SETTING, "before": ["owner", "privacy_officer"],
                                     "after": ["owner", "manager", "privacy_officer"]}]
    marcus = _marcus(demo_facet)
    check = staff.check_sign_in(marcus, "manager-demo-1", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    assert (check.outcome, check.second_step) == ("ok", "enrol")
    staff.record_sign_in(check, "manager-demo-1", uow=demo_facet.uow(), hasher=fast_hasher)
    conn = demo_facet.connection()
    try:
        signed_in = conn.execute("SELECT summary FROM audit_events WHERE action = 'staff.signed_in' AND entity_id = ?",
                                 (marcus,)).fetchall()
    finally:
        conn.close()
    assert json.loads(signed_in[-1][0]) == {"second_step": "enrolment due"}
    rows = {r.name: r for r in two_step.staff_overview(reader=demo_facet.store.directory, uow=demo_facet.uow(),
                                                       actor=owner)}
    assert rows["Marcus Reed"].two_step_required and rows["Jane Ellen"].two_step_required
    assert not rows["Lily Chen"].two_step_required
    assert two_step.required_roles(uow=demo_facet.uow(), actor=owner) == {Role.OWNER, Role.MANAGER,
                                                                          Role.PRIVACY_OFFICER}
    # and back: the manager may, no longer must
    settings.change_setting(TWO_STEP_SETTING, "owner, privacy_officer", uow=demo_facet.uow(), actor=owner)
    check = staff.check_sign_in(marcus, "manager-demo-1", uow=demo_facet.uow(), hasher=fast_hasher, terminal="C1")
    assert check.second_step == ""


def test_the_command_line_sets_it_and_then_sends_the_manager_to_the_app_to_set_it_up(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir)
    code, _, err = _run(capsys, "settings", "set", TWO_STEP_SETTING, "manager", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED
    assert TWO_STEP_SETTING in err and "owner and privacy officer cannot be removed" in err
    code, out, _ = _run(capsys, "settings", "set", TWO_STEP_SETTING, "owner,privacy_officer,manager",
                        "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK and "manager" in out
    code, out, _ = _run(capsys, "staff", "list", "--data-dir", str(demo_dir), "--json")
    listed = {p["name"]: p for p in json.loads(out)["staff"]}
    assert listed["Marcus Reed"]["two_step_required"] and not listed["Lily Chen"]["two_step_required"]
    _run(capsys, "logout", "--data-dir", str(demo_dir))
    os.environ["FACET_TEST_SECRET"] = "manager-demo-1"
    try:
        code, _, err = _run(capsys, "login", "--as", "Marcus Reed", "--secret-env", "FACET_TEST_SECRET",
                            "--data-dir", str(demo_dir))
    finally:
        del os.environ["FACET_TEST_SECRET"]
    assert code == cli.EXIT_REFUSED
    assert "Marcus Reed must set up two-step sign-in" in err
