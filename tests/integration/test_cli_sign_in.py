"""The command line asks who you are: `pos-app login`, sessions that end, job tokens, and the
permission matrix applied to whoever signed in, on a real demo store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine

from pos_app import app, cli
from pos_app.adapters.secrets import KeyringSecrets, cli_session_name, job_token_name
from pos_app.domain.errors import SignInFailed
from pos_app.domain.permissions import Role
from pos_app.services import settings, staff
from pos_app.services.ports.staff import StaffRecord
from tests.conftest import FAST_HASHER, actor_for, cli_login, fresh_code, store_digest, two_step_key

START = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main([*argv, "--data-dir", str(data_dir)])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, Any]:
    code, out, err = run(capsys, data_dir, *argv, "--json")
    return code, json.loads(out) if out else {"stderr": err}


def person(data_dir: Path, name: str) -> StaffRecord:
    facet = app.open_facet(data_dir)
    try:
        return next(s for s in facet.store.directory.staff_list() if s.name == name)
    finally:
        facet.close()


def query(data_dir: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    facet = app.open_facet(data_dir)
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()
        facet.close()


def events_since(data_dir: Path, seq: int) -> list[tuple[str, str | None, str, str, dict[str, Any]]]:
    """(action, staff_id, person, role, summary) of each audit event after `seq`."""
    return [(a, s, n, r, json.loads(m)) for a, s, n, r, m in query(
        data_dir, "SELECT action, staff_id, actor_name, role, summary FROM audit_events WHERE seq > ? ORDER BY seq",
        seq)]


def last_seq(data_dir: Path) -> int:
    return int(query(data_dir, "SELECT max(seq) FROM audit_events")[0][0])


def a_customer(data_dir: Path) -> str:
    return str(query(data_dir, "SELECT id FROM customers WHERE erased_at IS NULL ORDER BY id LIMIT 1")[0][0])


def owner_once(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> list[str]:
    """The options that sign the owner in for one command alone (no session is kept)."""
    facet = app.open_facet(data_dir)
    try:
        jane = next(s for s in facet.store.directory.staff_list() if s.name == "Jane Ellen")
        code = fresh_code(facet, jane.id, two_step_key("Jane Ellen"))
    finally:
        facet.close()
    monkeypatch.setenv("FACET_TEST_OWNER_PASSWORD", "owner-demo-1")
    monkeypatch.setenv("FACET_TEST_OWNER_CODE", code)
    return ["--as", "Jane Ellen", "--secret-env", "FACET_TEST_OWNER_PASSWORD", "--code-env", "FACET_TEST_OWNER_CODE"]


# ---------------------------------------------------------------- no one signed in


@pytest.mark.parametrize("argv", [
    ["settings", "set", "sales.clerk_discount_limit_percent", "100"],
    ["staff", "reset-mfa", "Jane Ellen"],
    ["staff", "unlock", "Lily Chen"],
    ["privacy", "verify", "any-request", "--method", "in_person_id", "--by", "Dana Brooks"],
    ["privacy", "erase", "any-customer"],
    ["customers", "list"],
    ["audit", "list"],
    ["backup", "BACKUP"],
    ["restore", "BACKUP", "--yes"],
    ["rekey", "--yes"],
    ["jobs", "create", "nightly", "--for", "backup"],
    ["sessions", "list"],
], ids=" ".join)
def test_a_command_is_refused_without_a_sign_in_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path, argv: list[str]) -> None:
    backup = tmp_path / "facet.bak"
    before = store_digest(demo_dir)
    code, out, err = run(capsys, demo_dir, *[str(backup) if a == "BACKUP" else a for a in argv])
    assert code == cli.EXIT_REFUSED
    assert "No one is signed in on the command line" in err and "pos-app login" in err
    assert out == ""
    assert store_digest(demo_dir) == before
    assert not backup.exists()


def test_init_doctor_and_help_need_no_sign_in(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                              tmp_path: Path) -> None:
    assert run(capsys, demo_dir, "doctor")[0] == cli.EXIT_OK
    assert run(capsys, tmp_path / "new", "init", "--demo")[0] == cli.EXIT_OK
    for argv in (["login"], ["logout"], ["whoami"], ["sessions", "list"], ["sessions", "revoke"], ["jobs", "create"],
                 ["jobs", "list"], ["jobs", "revoke"], ["settings", "set"]):
        with pytest.raises(SystemExit) as done:
            cli.main([*argv, "--help"])
        assert done.value.code == 0
        assert capsys.readouterr().out.startswith("usage: pos-app")


# ---------------------------------------------------------------- the permission matrix, as in the app


def test_a_clerks_session_may_sell_side_work_but_not_the_owners(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir, "Lily Chen")
    lily, customer = person(demo_dir, "Lily Chen"), a_customer(demo_dir)
    limit_sql = "SELECT value FROM store_settings WHERE key = 'sales.clerk_discount_limit_percent'"
    limit = query(demo_dir, limit_sql)
    seq = last_seq(demo_dir)
    for argv, function in (
            (["settings", "set", "sales.clerk_discount_limit_percent", "100"], "settings.change_setting"),
            (["staff", "reset-mfa", "Jane Ellen"], "staff.staff_list"),
            (["staff", "unlock", "Sam Ortiz"], "staff.staff_list"),
            (["privacy", "erase", customer, "--request", "any"], "erasure.erase_customer"),
            (["jobs", "create", "nightly", "--for", "backup"], "command_line.create_job_token")):
        code, out, err = run(capsys, demo_dir, *argv)
        assert (code, out) == (cli.EXIT_REFUSED, ""), err
        assert "A clerk cannot" in err
        refused = events_since(demo_dir, seq)
        assert refused[-1][:4] == ("permission.refused", lily.id, "Lily Chen (command line)", "clerk")
        assert refused[-1][4]["function"] == function
        seq = last_seq(demo_dir)
    assert query(demo_dir, limit_sql) == limit
    assert person(demo_dir, "Jane Ellen").two_step_enrolled
    assert query(demo_dir, "SELECT erased_at FROM customers WHERE id = ?", customer) == [(None,)]
    code, out, _ = run(capsys, demo_dir, "items", "list", "--limit", "3")
    assert code == cli.EXIT_OK and len(out.splitlines()) == 3  # what a clerk may do, she does


def test_the_audit_trail_names_the_person_and_the_command_line(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    seq = last_seq(demo_dir)
    cli_login(demo_dir)
    code, _, err = run(capsys, demo_dir, "settings", "set", "security.idle_lock_minutes", "10")
    assert code == cli.EXIT_OK, err
    jane = person(demo_dir, "Jane Ellen")
    done = events_since(demo_dir, seq)
    assert [e[:4] for e in done] == [(action, jane.id, "Jane Ellen (command line)", "owner") for action in
                                     ("staff.signed_in", "staff.cli_session_opened", "setting.changed")]
    assert done[0][4] == {"second_step": "totp"}
    assert "command line (" not in json.dumps(query(demo_dir, "SELECT actor_name FROM audit_events WHERE seq > ?",
                                                    seq))


def test_privacy_verify_records_the_signed_in_officer_and_no_one_else(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir, "Dana Brooks")
    customer = a_customer(demo_dir)
    code, made = run_json(capsys, demo_dir, "privacy", "request", customer, "--type", "access", "--channel", "phone")
    assert code == cli.EXIT_OK
    code, refused = run_json(capsys, demo_dir, "privacy", "verify", made["id"], "--method", "in_person_id",
                             "--by", "Jane Ellen")
    assert code == cli.EXIT_REFUSED and "the verifier is the person signed in (Dana Brooks)" in refused["error"]
    code, verified = run_json(capsys, demo_dir, "privacy", "verify", made["id"], "--method", "in_person_id")
    assert code == cli.EXIT_OK and verified["verified_by"] == person(demo_dir, "Dana Brooks").id

    cli_login(demo_dir, "Lily Chen")  # a clerk cannot verify anyone, herself included
    code, refused = run_json(capsys, demo_dir, "privacy", "verify", made["id"], "--method", "in_person_id")
    assert code == cli.EXIT_REFUSED and "A clerk cannot handle privacy requests" in refused["error"]


# ---------------------------------------------------------------- signing in: two-step, lockout


def test_the_owner_needs_her_two_step_code_to_log_in(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACET_TEST_PASSWORD", "owner-demo-1")
    login = ("login", "--as", "jane ellen", "--secret-env", "FACET_TEST_PASSWORD")
    code, _, err = run(capsys, demo_dir, *login)
    assert code == cli.EXIT_REFUSED and "two-step code (--code-env)" in err
    monkeypatch.setenv("FACET_TEST_CODE", "000000")
    code, _, err = run(capsys, demo_dir, *login, "--code-env", "FACET_TEST_CODE")
    assert code == cli.EXIT_REFUSED and "Wrong or already used code for Jane Ellen" in err
    assert person(demo_dir, "Jane Ellen").failed_attempts == 1
    assert KeyringSecrets().get(cli_session_name(demo_dir)) is None
    code, _, err = run(capsys, demo_dir, "whoami")
    assert code == cli.EXIT_REFUSED and "pos-app login" in err

    monkeypatch.setenv("FACET_TEST_CODE", fresh_code(app.open_facet(demo_dir), person(demo_dir, "Jane Ellen").id,
                                                     two_step_key("Jane Ellen")))
    code, out, err = run(capsys, demo_dir, *login, "--code-env", "FACET_TEST_CODE")
    assert code == cli.EXIT_OK, err
    assert "Signed in as Jane Ellen (owner)" in out and "owner-demo-1" not in out + err
    token = KeyringSecrets().get(cli_session_name(demo_dir))
    assert token and token not in out + err
    code, who = run_json(capsys, demo_dir, "whoami")
    assert code == cli.EXIT_OK and (who["staff"], who["role"]) == ("Jane Ellen", "owner")
    # The store keeps the token's SHA-256, never the token.
    assert query(demo_dir, "SELECT token_hash FROM cli_sessions") == [(hashlib.sha256(token.encode()).hexdigest(),)]


def test_wrong_pins_on_the_command_line_count_toward_the_lockout(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lily = person(demo_dir, "Lily Chen")
    seq = last_seq(demo_dir)
    once = ("items", "list", "--as", "Lily Chen", "--secret-env", "FACET_TEST_PIN")
    monkeypatch.setenv("FACET_TEST_PIN", "0000")
    for attempt in range(1, staff.FREE_ATTEMPTS + 1):
        code, out, err = run(capsys, demo_dir, *once)
        assert (code, out) == (cli.EXIT_REFUSED, "") and "Wrong PIN for Lily Chen" in err
        assert person(demo_dir, "Lily Chen").failed_attempts == attempt
    monkeypatch.setenv("FACET_TEST_PIN", "3333")
    code, out, err = run(capsys, demo_dir, *once)
    assert (code, out) == (cli.EXIT_REFUSED, "") and "Too many wrong tries. Lily Chen can try again in" in err
    code, _, err = run(capsys, demo_dir, "login", "--as", "Lily Chen", "--secret-env", "FACET_TEST_PIN")
    assert code == cli.EXIT_REFUSED and "Too many wrong tries" in err
    # The counter is locked out just the same: one lockout, wherever the guesses came from.
    facet = app.open_facet(demo_dir)
    try:
        with pytest.raises(SignInFailed, match="Too many wrong tries"):
            staff.sign_in(lily.id, "3333", uow=facet.uow(), hasher=FAST_HASHER, terminal="C1")
    finally:
        facet.close()
    after = person(demo_dir, "Lily Chen")
    assert after.failed_attempts == staff.FREE_ATTEMPTS and after.locked_until is not None
    trail = events_since(demo_dir, seq)
    assert [(action, name, summary) for action, _, name, _, summary in trail] == [
        *[("staff.sign_in_failed", "Lily Chen (command line)", {"attempt": n}) for n in range(1, 6)],
        ("staff.sign_in_refused_locked", "Lily Chen (command line)", {}),
        ("staff.sign_in_refused_locked", "Lily Chen (command line)", {}),
        ("staff.sign_in_refused_locked", "Lily Chen", {})]


# ---------------------------------------------------------------- sessions end


def test_a_session_ends_after_the_idle_time_without_a_command(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    with time_machine.travel(START, tick=False) as clock:
        cli_login(demo_dir, "Lily Chen")  # the demo's idle lock: 5 minutes
        for minutes in (4, 4.5):
            clock.shift(dt.timedelta(minutes=minutes))
            assert run(capsys, demo_dir, "items", "list", "--limit", "1")[0] == cli.EXIT_OK
        code, who = run_json(capsys, demo_dir, "whoami")
        assert code == cli.EXIT_OK
        assert dt.datetime.fromisoformat(who["expires_at"]) == START + dt.timedelta(minutes=8.5 + 5)
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        code, out, err = run(capsys, demo_dir, "items", "list", "--limit", "1")
        assert (code, out) == (cli.EXIT_REFUSED, "")
        assert "session of Lily Chen expired at 2026-11-25 10:13 (EST)" in err and "pos-app login" in err
        assert run(capsys, demo_dir, "whoami")[0] == cli.EXIT_REFUSED
        cli_login(demo_dir, "Lily Chen")
        assert run(capsys, demo_dir, "items", "list", "--limit", "1")[0] == cli.EXIT_OK


def test_a_session_lasts_twelve_hours_at_most_however_busy(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        settings.change_setting("security.idle_lock_minutes", "240", uow=facet.uow(),
                                actor=actor_for(facet, Role.OWNER))
    finally:
        facet.close()
    with time_machine.travel(START, tick=False) as clock:
        cli_login(demo_dir, "Lily Chen")
        for hours in (3.9, 3.9, 3.9):
            clock.shift(dt.timedelta(hours=hours))
            assert run(capsys, demo_dir, "items", "list", "--limit", "1")[0] == cli.EXIT_OK
        clock.shift(dt.timedelta(minutes=19))
        code, _, err = run(capsys, demo_dir, "items", "list", "--limit", "1")
        assert code == cli.EXIT_REFUSED and "it lasts at most 12 hours" in err


def test_logout_ends_the_session(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir, "Lily Chen")
    code, out, _ = run(capsys, demo_dir, "whoami")
    assert code == cli.EXIT_OK and out.startswith("Lily Chen (clerk), signed in on the command line until")
    seq = last_seq(demo_dir)
    code, out, _ = run(capsys, demo_dir, "logout")
    assert code == cli.EXIT_OK and "Lily Chen's command-line session has ended" in out
    assert KeyringSecrets().get(cli_session_name(demo_dir)) is None
    code, _, err = run(capsys, demo_dir, "items", "list")
    assert code == cli.EXIT_REFUSED and "pos-app login" in err
    assert run(capsys, demo_dir, "whoami")[0] == cli.EXIT_REFUSED
    assert run(capsys, demo_dir, "logout")[1].startswith("No command-line session was open")
    assert query(demo_dir, "SELECT end_reason FROM cli_sessions") == [("logged out",)]
    assert [e[:3] for e in events_since(demo_dir, seq)] == [
        ("staff.cli_session_ended", person(demo_dir, "Lily Chen").id, "Lily Chen (command line)")]


def test_the_owner_lists_and_revokes_someone_elses_session(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_login(demo_dir, "Lily Chen")
    code, _, err = run(capsys, demo_dir, "sessions", "list")
    assert code == cli.EXIT_REFUSED and "A clerk cannot manage staff" in err
    code, listed = run_json(capsys, demo_dir, "sessions", "list", *owner_once(monkeypatch, demo_dir))
    assert code == cli.EXIT_OK
    assert [(s["staff"], s["ended_at"]) for s in listed["sessions"]] == [("Lily Chen", None)]
    code, ended = run_json(capsys, demo_dir, "sessions", "revoke", listed["sessions"][0]["id"],
                           *owner_once(monkeypatch, demo_dir))
    assert code == cli.EXIT_OK and ended["end_reason"] == "revoked by Jane Ellen (command line)"
    code, _, err = run(capsys, demo_dir, "items", "list")
    assert code == cli.EXIT_REFUSED
    assert "session of Lily Chen ended at" in err and "revoked by Jane Ellen (command line)" in err
    assert "pos-app login" in err


def test_a_session_of_someone_no_longer_on_staff_or_of_another_store_is_refused(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir, "Lily Chen")
    facet = app.open_facet(demo_dir)
    try:
        with facet.uow() as uow:
            assert uow.session is not None
            uow.session.connection().exec_driver_sql("UPDATE staff SET active = 0 WHERE name = 'Lily Chen'")
            uow.commit()
    finally:
        facet.close()
    code, _, err = run(capsys, demo_dir, "items", "list")
    assert code == cli.EXIT_REFUSED and "Lily Chen is no longer on the staff list" in err

    KeyringSecrets().set(cli_session_name(demo_dir), "facet-session-not-one-of-this-store")
    code, _, err = run(capsys, demo_dir, "items", "list")
    assert code == cli.EXIT_REFUSED and "does not know the command-line session" in err and "pos-app login" in err


# ---------------------------------------------------------------- job tokens


def test_a_backup_job_token_backs_up_and_does_nothing_else(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    code, made = run_json(capsys, demo_dir, "jobs", "create", "nightly-backup", "--for", "backup")
    assert code == cli.EXIT_OK and (made["name"], made["job"], made["created_by"]) == (
        "nightly-backup", "backup", "Jane Ellen")
    token = KeyringSecrets().get(job_token_name(demo_dir, "nightly-backup"))
    assert token and token not in json.dumps(made)
    assert query(demo_dir, "SELECT token_hash FROM job_tokens") == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert run(capsys, demo_dir, "logout")[0] == cli.EXIT_OK

    seq = last_seq(demo_dir)
    backup = tmp_path / "nightly.bak"
    code, _, err = run(capsys, demo_dir, "backup", str(backup), "--job", "nightly-backup")
    assert code == cli.EXIT_OK, err
    assert backup.exists()
    assert [e[:4] for e in events_since(demo_dir, seq)] == [
        ("store.backed_up", None, "nightly-backup (backup job)", "owner")]

    customer = a_customer(demo_dir)
    for argv in (["privacy", "erase", customer, "--request", "any"], ["customers", "list"],
                 ["privacy", "retention"], ["settings", "set", "security.idle_lock_minutes", "60"]):
        seq = last_seq(demo_dir)
        code, out, err = run(capsys, demo_dir, *argv, "--job", "nightly-backup")
        assert (code, out) == (cli.EXIT_REFUSED, ""), err
        assert "nightly-backup (backup job) may only backup; it cannot" in err
        assert [e[:3] for e in events_since(demo_dir, seq)] == [
            ("permission.refused", None, "nightly-backup (backup job)")]
    assert query(demo_dir, "SELECT erased_at FROM customers WHERE id = ?", customer) == [(None,)]


def test_a_retention_job_token_runs_the_retention_job_only(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    assert run(capsys, demo_dir, "jobs", "create", "retention", "--for", "retention")[0] == cli.EXIT_OK
    code, report = run_json(capsys, demo_dir, "privacy", "retention", "--dry-run", "--job", "retention")
    assert code == cli.EXIT_OK and report["dry_run"] is True
    code, _, err = run(capsys, demo_dir, "backup", str(tmp_path / "b.bak"), "--job", "retention")
    assert code == cli.EXIT_REFUSED and "retention (retention job) may only erase customer" in err


def test_a_revoked_or_unknown_job_token_is_refused(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                    tmp_path: Path) -> None:
    cli_login(demo_dir)
    assert run(capsys, demo_dir, "jobs", "create", "nightly", "--for", "backup")[0] == cli.EXIT_OK
    token = KeyringSecrets().get(job_token_name(demo_dir, "nightly"))
    assert token
    code, out, _ = run(capsys, demo_dir, "jobs", "revoke", "nightly")
    assert code == cli.EXIT_OK and "no longer works" in out
    assert KeyringSecrets().get(job_token_name(demo_dir, "nightly")) is None
    code, listed = run_json(capsys, demo_dir, "jobs", "list")
    assert [(j["name"], j["revoked_at"] is not None) for j in listed["jobs"]] == [("nightly", True)]

    backup = tmp_path / "b.bak"
    code, _, err = run(capsys, demo_dir, "backup", str(backup), "--job", "nightly")
    assert code == cli.EXIT_REFUSED and "holds no job token called 'nightly'" in err
    KeyringSecrets().set(job_token_name(demo_dir, "nightly"), token)  # a copy kept somewhere
    code, _, err = run(capsys, demo_dir, "backup", str(backup), "--job", "nightly")
    assert code == cli.EXIT_REFUSED and "The job token 'nightly' was revoked at" in err
    KeyringSecrets().set(job_token_name(demo_dir, "nightly"), "facet-job-made-up")
    code, _, err = run(capsys, demo_dir, "backup", str(backup), "--job", "nightly")
    assert code == cli.EXIT_REFUSED and "does not know that job token" in err
    assert not backup.exists()
    # The name is free again for a new token.
    assert run(capsys, demo_dir, "jobs", "create", "nightly", "--for", "backup")[0] == cli.EXIT_OK
    assert run(capsys, demo_dir, "backup", str(backup), "--job", "nightly")[0] == cli.EXIT_OK


def test_only_the_owner_makes_job_tokens(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir, "Marcus Reed")
    code, _, err = run(capsys, demo_dir, "jobs", "create", "nightly", "--for", "backup")
    assert code == cli.EXIT_REFUSED and "A manager cannot manage staff" in err
    assert KeyringSecrets().get(job_token_name(demo_dir, "nightly")) is None
    assert query(demo_dir, "SELECT count(*) FROM job_tokens") == [(0,)]
