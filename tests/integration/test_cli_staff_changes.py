"""`pos-app staff add / set-role / reset-secret / deactivate / reactivate` over a real demo store:
secrets only from environment variables (or a terminal's prompt), bad input refused naming the
field with nothing changed, and the person's first sign-in choosing their own secret."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from tests.conftest import cli_login, store_digest


def run(capsys: pytest.CaptureFixture[str], *argv: str, data_dir: Path) -> tuple[int, str, str]:
    code = cli.main([*argv, "--data-dir", str(data_dir)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def env() -> Iterator[dict[str, str]]:
    """Environment variables set for one test, removed after it."""
    names: dict[str, str] = {}
    yield names
    for name in names:
        os.environ.pop(name, None)


def put(env: dict[str, str], **values: str) -> None:
    env.update(values)
    os.environ.update(values)


def listed(capsys: pytest.CaptureFixture[str], data_dir: Path) -> dict[str, dict[str, Any]]:
    code, out, _ = run(capsys, "staff", "list", "--all", "--json", data_dir=data_dir)
    assert code == cli.EXIT_OK
    return {row["name"]: row for row in json.loads(out)["staff"]}


def test_staff_add_then_the_new_clerk_chooses_a_pin_at_the_first_sign_in(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, env: dict[str, str]) -> None:
    cli_login(demo_dir)
    put(env, NEW_PIN="482913")
    code, out, err = run(capsys, "staff", "add", "山田 花子", "--role", "appraiser", "--pin-env", "NEW_PIN",
                         "--credentials", "GIA Graduate Gemologist", "--json", data_dir=demo_dir)
    assert code == cli.EXIT_OK, err
    added = json.loads(out)
    assert (added["name"], added["role"], added["credentials"], added["must_change_secret"]) == (
        "山田 花子", "appraiser", "GIA Graduate Gemologist", True)
    assert "482913" not in out
    # Her first sign-in on the command line needs a new PIN, from a variable (no terminal here).
    put(env, TEMP="482913", MINE="2468")
    code, _, err = run(capsys, "login", "--as", "山田 花子", "--secret-env", "TEMP", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "new PIN (--new-secret-env)" in err
    code, out, err = run(capsys, "login", "--as", "山田 花子", "--secret-env", "TEMP", "--new-secret-env", "MINE",
                         data_dir=demo_dir)
    assert code == cli.EXIT_OK, err
    code, _, err = run(capsys, "login", "--as", "山田 花子", "--secret-env", "MINE", data_dir=demo_dir)
    assert code == cli.EXIT_OK, err


@pytest.mark.parametrize(("argv", "values", "problem"), [
    (["Ann Lee", "--role", "clerk", "--pin-env", "P"], {"P": "12a4"}, "pin: must be 4 to 8 digits"),
    (["LILY CHEN", "--role", "clerk", "--pin-env", "P"], {"P": "1234"}, "name: 'LILY CHEN' is already on the staff"),
    (["  ", "--role", "clerk", "--pin-env", "P"], {"P": "1234"}, "name: is required"),
    (["Ann Lee", "--role", "manager", "--password-env", "P"], {"P": "short"}, "password: must be at least 8"),
    (["Ann Lee", "--role", "clerk", "--password-env", "P"], {"P": "long-enough"}, "--password-env: a clerk signs in"),
    (["Ann Lee", "--role", "clerk", "--pin-env", "UNSET_VAR"], {}, "(--pin-env): the environment variable UNSET_VAR"),
    (["Ann Lee", "--role", "clerk"], {}, "(--pin-env): not in a terminal"),
])
def test_staff_add_refuses_bad_input_naming_it_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, env: dict[str, str], argv: list[str],
        values: dict[str, str], problem: str) -> None:
    cli_login(demo_dir)
    put(env, **values)
    before = store_digest(demo_dir)
    code, _, err = run(capsys, "staff", "add", *argv, data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and problem in err, err
    assert store_digest(demo_dir) == before


def test_staff_add_refuses_an_unknown_role_naming_the_option(capsys: pytest.CaptureFixture[str],
                                                            demo_dir: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["staff", "add", "Ann Lee", "--role", "boss", "--data-dir", str(demo_dir)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--role" in err and "'boss' is not a role" in err and "privacy_officer" in err


def test_staff_set_role_asks_a_password_for_a_new_manager_and_keeps_the_last_owner(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, env: dict[str, str]) -> None:
    cli_login(demo_dir)
    before = store_digest(demo_dir)
    code, _, err = run(capsys, "staff", "set-role", "sam ortiz", "manager", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "(--password-env): not in a terminal" in err
    code, _, err = run(capsys, "staff", "set-role", "Jane Ellen", "manager", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "must keep an active owner" in err
    assert store_digest(demo_dir) == before
    put(env, P="sams-temp-pass")
    code, out, err = run(capsys, "staff", "set-role", "Sam Ortiz", "manager", "--password-env", "P",
                         data_dir=demo_dir)
    assert code == cli.EXIT_OK, err
    assert "Sam Ortiz is now a manager. At the next sign-in they choose a new password." in out
    code, out, err = run(capsys, "staff", "set-role", "Marcus Reed", "privacy-officer", "--json", data_dir=demo_dir)
    assert code == cli.EXIT_OK, err
    assert json.loads(out)["role"] == "privacy_officer" and json.loads(out)["from"] == "manager"
    assert listed(capsys, demo_dir)["Sam Ortiz"]["role"] == "manager"


def test_staff_reset_secret_by_a_manager_for_a_clerk_only(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                          env: dict[str, str]) -> None:
    cli_login(demo_dir, "Marcus Reed")
    put(env, T="12")
    before = store_digest(demo_dir)
    code, _, err = run(capsys, "staff", "reset-secret", "Lily Chen", "--temporary-env", "T", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "temporary_pin: must be 4 to 8 digits" in err
    assert store_digest(demo_dir) == before
    put(env, T="975310")
    code, out, err = run(capsys, "staff", "reset-secret", "Lily Chen", "--temporary-env", "T", "--json",
                         data_dir=demo_dir)
    assert code == cli.EXIT_OK, err
    assert json.loads(out)["must_change_secret"] is True and json.loads(out)["secret"] == "pin"
    code, _, err = run(capsys, "staff", "reset-secret", "Dana Brooks", "--temporary-env", "T", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "no staff member is called 'Dana Brooks'" in err
    code, _, err = run(capsys, "staff", "deactivate", "Lily Chen", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "A manager cannot manage staff" in err


def test_staff_deactivate_and_reactivate(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir)
    code, out, err = run(capsys, "staff", "deactivate", "Sam Ortiz", data_dir=demo_dir)
    assert code == cli.EXIT_OK and "Sam Ortiz is deactivated" in out, err
    facet = app.open_facet(demo_dir)
    try:
        assert "Sam Ortiz" not in [s.name for s in facet.store.directory.staff_list()]
    finally:
        facet.close()
    assert listed(capsys, demo_dir)["Sam Ortiz"]["active"] is False
    code, out, _ = run(capsys, "staff", "list", "--all", data_dir=demo_dir)
    assert "Sam Ortiz" in out and "(deactivated)" in out
    code, _, err = run(capsys, "staff", "deactivate", "Sam Ortiz", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "already deactivated" in err
    code, _, err = run(capsys, "staff", "deactivate", "Nobody", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "STAFF: no staff member is called 'Nobody'" in err
    code, _, err = run(capsys, "staff", "deactivate", "Jane Ellen", data_dir=demo_dir)
    assert code == cli.EXIT_REFUSED and "cannot deactivate yourself" in err
    code, out, err = run(capsys, "staff", "reactivate", "sam ortiz", "--json", data_dir=demo_dir)
    assert code == cli.EXIT_OK and json.loads(out)["name"] == "Sam Ortiz", err
    assert listed(capsys, demo_dir)["Sam Ortiz"]["active"] is True


@pytest.mark.parametrize("action", ["add", "set-role", "reset-secret", "deactivate", "reactivate"])
def test_each_staff_change_has_help(capsys: pytest.CaptureFixture[str], action: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["staff", action, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: pos-app staff {action}" in out and "--json" in out
