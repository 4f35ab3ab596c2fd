"""`pos-app staff list / unlock / reset-mfa` over a real demo store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.adapters.hashing import Argon2Hasher
from pos_app.domain.errors import SignInFailed
from pos_app.services import staff
from tests.conftest import cli_login


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def lock_out(folder: Path, name: str, hasher: Argon2Hasher) -> str:
    facet = app.open_facet(folder)
    try:
        person = next(s for s in facet.store.directory.staff_list() if s.name == name)
        for _ in range(staff.FREE_ATTEMPTS):
            with pytest.raises(SignInFailed):
                staff.sign_in(person.id, "0000", uow=facet.uow(), hasher=hasher, terminal="C1")
        return person.id
    finally:
        facet.close()


def staff_json(capsys: pytest.CaptureFixture[str], folder: Path) -> dict[str, Any]:
    code, out, _ = run(capsys, "staff", "list", "--data-dir", str(folder), "--json")
    assert code == cli.EXIT_OK
    return {row["name"]: row for row in json.loads(out)["staff"]}


def test_staff_list_shows_two_step_and_lockouts(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                fast_hasher: Argon2Hasher) -> None:
    cli_login(demo_dir)
    lock_out(demo_dir, "Lily Chen", fast_hasher)
    rows = staff_json(capsys, demo_dir)
    assert rows["Jane Ellen"] | {"id": None} == {
        "id": None, "name": "Jane Ellen", "role": "owner", "active": True, "must_change_secret": False,
        "credentials": "", "two_step": True, "two_step_required": True,
        "recovery_codes_left": 10, "failed_attempts": 0, "locked_until": None}
    assert rows["Lily Chen"]["failed_attempts"] == 5 and rows["Lily Chen"]["locked_until"] is not None
    assert rows["Marcus Reed"]["two_step"] is False
    code, out, _ = run(capsys, "staff", "list", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK
    assert "Jane Ellen" in out and "two-step on" in out and "locked until" in out


def test_staff_unlock_lets_a_locked_clerk_sign_in(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                  fast_hasher: Argon2Hasher) -> None:
    cli_login(demo_dir)
    lily = lock_out(demo_dir, "Lily Chen", fast_hasher)
    code, out, _ = run(capsys, "staff", "unlock", "lily chen", "--data-dir", str(demo_dir), "--json")
    assert code == cli.EXIT_OK and json.loads(out) == {"unlocked": lily, "name": "Lily Chen"}
    assert staff_json(capsys, demo_dir)["Lily Chen"]["locked_until"] is None
    facet = app.open_facet(demo_dir)
    conn = facet.connection()
    try:
        assert staff.sign_in(lily, "3333", uow=facet.uow(), hasher=fast_hasher, terminal="C1").name == "Lily Chen"
        actors = list(conn.execute(
            "SELECT actor_name FROM audit_events WHERE action = 'staff.unlocked' AND entity_id = ?", (lily,)))
    finally:
        conn.close()
        facet.close()
    assert actors == [("Jane Ellen (command line)",)], "the audit trail names who unlocked, and where"


def test_staff_reset_mfa_and_refusals_name_the_problem(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir)
    code, out, _ = run(capsys, "staff", "reset-mfa", "Dana Brooks", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK and "sets it up again at the next sign-in" in out
    assert staff_json(capsys, demo_dir)["Dana Brooks"]["two_step"] is False
    code, _, err = run(capsys, "staff", "reset-mfa", "Dana Brooks", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "has no two-step sign-in to reset" in err
    code, _, err = run(capsys, "staff", "unlock", "Nobody", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "STAFF: no staff member is called 'Nobody'" in err


@pytest.mark.parametrize("argv", [["staff"], ["staff", "list"], ["staff", "unlock"], ["staff", "reset-mfa"]])
def test_staff_commands_have_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([*argv, "--help"])
    assert done.value.code == 0
    assert "usage: pos-app staff" in capsys.readouterr().out
