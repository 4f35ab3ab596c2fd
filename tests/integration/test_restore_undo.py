"""Restoring an earlier backup says what it will undo, needs the owner and a typed confirmation, keeps the
replaced store, and is recorded: in the audit trail (with what it undid), in `audit flags`, in `audit verify`."""

from __future__ import annotations

import builtins
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.domain.audit import AuditFilter, FlagKind
from pos_app.domain.cart import Cart
from pos_app.domain.errors import PermissionDenied
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.persistence.database import db_path
from pos_app.services import audit, backup, cash, checkout
from tests.conftest import actor_for, store_digest
from tests.integration.test_checkout import _available, _cash_sale


def _digest(data_dir: Path) -> str:
    """Every row but the command-line sessions (each command moves its session's last use on)."""
    return store_digest(data_dir)


def _q(data_dir: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    facet = app.open_facet(data_dir)
    try:
        conn = facet.connection()
        try:
            return [tuple(r) for r in conn.execute(sql, args).fetchall()]
        finally:
            conn.close()
    finally:
        facet.close()


def _five_cash_sales(data_dir: Path) -> list[tuple[str, str]]:
    """Five cash sales at the counter, each of one piece; returns (number, total as a CSV writes it)."""
    facet = app.open_facet(data_dir)
    try:
        clerk = actor_for(facet, Role.CLERK)
        settings = checkout.counter_settings(facet.store.directory, facet.terminal)
        cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
        sold = []
        for row in _available(facet, "counted", 5):
            done = _cash_sale(facet, clerk, settings, checkout.add_item(Cart(), row, actor=clerk))
            sold.append((done.number, done.total.plain()))
        return sold
    finally:
        facet.close()


@pytest.fixture
def later(cli_owner: Path, tmp_path: Path) -> dict[str, Any]:
    """A backup, then five cash sales at the counter; the owner signed in on the command line."""
    demo_dir = cli_owner
    before = tmp_path / "before-the-sales.db"
    assert cli.main(["backup", str(before), "--data-dir", str(demo_dir)]) == 0
    return {"dir": demo_dir, "backup": before, "sales": _five_cash_sales(demo_dir)}


def _restore(later: dict[str, Any], *extra: str) -> int:
    return cli.main(["restore", str(later["backup"]), *extra, "--data-dir", str(later["dir"])])


# ---------------------------------------------------------------- the list, before anything changes


def test_the_dry_run_lists_the_five_later_sales_with_their_numbers_and_totals(
        later: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    before = _digest(later["dir"])
    capsys.readouterr()
    assert _restore(later, "--dry-run", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    undo = data["would_undo"]
    assert [(s["number"], s["total"]) for s in undo["sales"]] == later["sales"]
    assert undo["counts"]["sales"] == 5 and undo["counts"]["payments"] == 5 and undo["counts"]["stock_movements"] == 5
    assert undo["counts"]["shifts"] == 1 and undo["counts"]["audit_events"] >= 6
    assert undo["readable"] is True and undo["current_head"]["seq"] > undo["backup_head"]["seq"]
    assert _restore(later, "--dry-run") == 0
    text = capsys.readouterr().out
    assert "5 sales and returns: " in text
    for number, total in later["sales"]:
        assert number in text and f"${float(total):,.2f}" in text
    assert "1 cash drawer shift" in text and "5 payments and refunds" in text
    assert _digest(later["dir"]) == before, "a dry run changes nothing"


@pytest.mark.parametrize("how", ["no-terminal", "typed-yes", "yes-alone", "wrong-count", "unknown"])
def test_a_restore_over_later_sales_is_refused_without_the_typed_confirmation_and_changes_nothing(
        later: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    before = _digest(later["dir"])
    backups = sorted((later["dir"] / "backups").glob("*")) if (later["dir"] / "backups").exists() else []
    if how == "typed-yes":
        monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
        monkeypatch.setattr(builtins, "input", lambda _prompt: "y")
    extra = {"no-terminal": [], "typed-yes": [], "yes-alone": ["--yes"], "wrong-count": ["--yes", "--expect-undo", "4"],
             "unknown": ["--yes", "--expect-undo", "unknown"]}[how]
    capsys.readouterr()
    assert _restore(later, *extra) == cli.EXIT_REFUSED
    err = capsys.readouterr().err
    assert "nothing was changed" in err.lower()
    if how == "wrong-count":
        assert "would undo 5 sales" in err and later["sales"][0][0] in err
    if how == "typed-yes":
        assert "type RESTORE" in err
    assert _digest(later["dir"]) == before
    now = sorted((later["dir"] / "backups").glob("*")) if (later["dir"] / "backups").exists() else []
    assert now == backups, "nothing was set aside either"


# ---------------------------------------------------------------- confirmed: restored, recorded, flagged


def test_typing_the_word_restores_and_the_trail_flags_and_verify_say_what_was_undone(
        later: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = later["dir"]
    numbers = [n for n, _ in later["sales"]]
    previous = _q(data_dir, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")[0]
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    shown: list[str] = []
    monkeypatch.setattr(builtins, "input", lambda prompt: shown.append(prompt) or "RESTORE")
    capsys.readouterr()
    assert _restore(later) == 0
    out = capsys.readouterr().out
    assert shown == ["Type RESTORE to replace the store: "]
    assert all(n in out for n in numbers), "the list is shown before the prompt"
    assert "It undid 5 sale(s) made after the backup" in out

    # The sales are gone from the store; the replaced store is kept, with them.
    assert _q(data_dir, f"SELECT count(*) FROM sales WHERE number IN ({','.join('?' * 5)})", *numbers) == [(0,)]
    [kept] = sorted((data_dir / "backups").glob("facet-before-restore-*.db"))
    facet = app.open_facet(data_dir)
    try:
        owner = actor_for(facet, Role.OWNER)
        [event] = audit.search(AuditFilter(action="store.restored"), trail=facet.store.audit, uow=facet.uow(),
                               actor=owner)
        summary = json.loads(event.summary)
        assert summary["sale_numbers"] == numbers and summary["undone_sales"] == 5
        assert summary["undone"]["payments"] == 5 and summary["previous_store_kept_as"] == kept.name
        assert summary["previous_trail_head"]["seq"] == previous[0]
        assert summary["previous_trail_head"]["hash"] == previous[1]
        assert event.person == "Jane Ellen (command line)", "the trail names who restored"

        [flag] = [f for f in audit.flags(trail=facet.store.audit, uow=facet.uow(), actor=owner)
                  if f.kind is FlagKind.RESTORED]
        assert (flag.count, flag.sales_undone) == (1, 5)
        assert flag.describe().startswith("Jane Ellen (command line) restored the store from a backup (once), "
                                          "undoing 5 sales made after the backup")
        officer = actor_for(facet, Role.PRIVACY_OFFICER)
        assert any(f.kind is FlagKind.RESTORED for f in audit.flags(trail=facet.store.audit, uow=facet.uow(),
                                                                     actor=officer))
    finally:
        facet.close()

    assert cli.main(["audit", "flags", "--data-dir", str(data_dir)]) == 0
    assert "restored the store from a backup" in capsys.readouterr().out
    assert cli.main(["audit", "verify", "--json", "--data-dir", str(data_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    [note] = [w for w in report["warnings"] if "restored from a backup" in w]
    assert later["backup"].name in note and f"ended at event {previous[0]}" in note and numbers[0] in note
    assert kept.name in note


def test_a_script_restores_only_when_it_states_the_sales_it_undoes(later: dict[str, Any]) -> None:
    assert _restore(later, "--yes", "--expect-undo", "5", "--json") == 0
    assert _q(later["dir"], "SELECT count(*) FROM audit_events WHERE action = 'store.restored'") == [(1,)]


def test_a_sale_made_after_the_list_was_confirmed_refuses_the_restore(later: dict[str, Any]) -> None:
    data_dir = later["dir"]
    preview = app.preview_restore(data_dir, later["backup"])
    assert len(preview.undo.sales) == 5
    facet = app.open_facet(data_dir)
    try:
        clerk = actor_for(facet, Role.CLERK)
        settings = checkout.counter_settings(facet.store.directory, facet.terminal)
        row = _available(facet, "counted", 6)[-1]
        _cash_sale(facet, clerk, settings, checkout.add_item(Cart(), row, actor=clerk))
    finally:
        facet.close()
    before = _digest(data_dir)
    with pytest.raises(app.RestoreNotConfirmed, match="now 6 sales"):
        app.restore_store(data_dir, later["backup"], confirmed=preview.undo)
    with pytest.raises(app.RestoreNotConfirmed, match="dry-run"):
        app.restore_store(data_dir, later["backup"])
    assert _digest(data_dir) == before


def test_only_the_owner_may_restore(demo_facet: app.Facet, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        backup.check_may_restore(actor_for(demo_facet, Role.MANAGER))
    with pytest.raises(PermissionDenied):
        backup.record_restore(tmp_path / "b.db", None, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.MANAGER))
    backup.check_may_restore(actor_for(demo_facet, Role.OWNER))


# ---------------------------------------------------------------- the store cannot be read


def test_over_a_damaged_store_the_restore_says_what_cannot_be_listed_and_keeps_the_damaged_file(
        later: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = later["dir"]
    path = db_path(data_dir)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    damaged = os.urandom(path.stat().st_size)
    path.write_bytes(damaged)
    capsys.readouterr()
    assert _restore(later, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "cannot be read" in out and "cannot be listed" in out
    assert _restore(later, "--yes", "--expect-undo", "5") == cli.EXIT_REFUSED
    assert "say unknown" in capsys.readouterr().err
    assert path.read_bytes() == damaged

    assert _restore(later, "--yes", "--expect-undo", "unknown") == 0
    [moved] = sorted((data_dir / "backups").glob("facet-unreadable-before-restore-*.db"))
    assert moved.read_bytes() == damaged
    [(summary,)] = _q(data_dir, "SELECT summary FROM audit_events WHERE action = 'store.restored'")
    assert json.loads(summary)["readable"] is False
    assert json.loads(summary)["unreadable_store_moved_to"] == moved.name
    assert cli.main(["audit", "verify", "--data-dir", str(data_dir)]) == 0
    assert "could not be read" in capsys.readouterr().out


def test_restore_has_help_naming_the_dry_run_and_the_expected_count(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["restore", "--help"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert "--dry-run" in out and "--expect-undo" in out and "--yes" in out
