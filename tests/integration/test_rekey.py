"""`pos-app rekey`: a new database key in one safe step, a backup first, and no crash that loses the key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pos_app import app, cli, doctor
from pos_app.adapters.secrets import KeyringSecrets, KeyringUnavailable, StoreKeys
from pos_app.domain.errors import PermissionDenied
from pos_app.domain.permissions import Role
from pos_app.persistence.database import db_path, key_opens
from pos_app.persistence.sqlcipher import StoreProblem, new_key
from pos_app.services import backup as backup_service
from tests.conftest import actor_for
from tests.conftest import audit_actions as actions_of


def keys(data_dir: Path) -> StoreKeys:
    return StoreKeys(KeyringSecrets(), data_dir)


def counts(data_dir: Path) -> tuple[int, int, int]:
    facet = app.open_facet(data_dir)
    try:
        c = facet.store.directory.counts()
        return c.items, c.customers, c.sales
    finally:
        facet.close()


def audit_actions(data_dir: Path) -> list[str]:
    facet = app.open_facet(data_dir)
    try:
        return actions_of(facet)
    finally:
        facet.close()


def audit_verify(data_dir: Path) -> dict[str, object]:
    """`pos-app audit verify --json`: the chain and its anchor, checked with the store's current key."""
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["audit", "verify", "--json", "--data-dir", str(data_dir)])
    report: dict[str, object] = json.loads(out.getvalue())
    assert code == (0 if report["ok"] else 1)
    return report


def rekey_cli(capsys: pytest.CaptureFixture[str], data_dir: Path) -> dict[str, object]:
    code = cli.main(["rekey", "--yes", "--json", "--data-dir", str(data_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.usefixtures("cli_owner")
def test_rekey_re_encrypts_the_store_and_keeps_the_new_key_in_the_keyring(
        demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = keys(demo_dir).current()
    assert old is not None
    before = counts(demo_dir)

    result = rekey_cli(capsys, demo_dir)

    new = keys(demo_dir).current()
    assert new is not None and new != old
    assert not key_opens(db_path(demo_dir), old), "the old key must no longer open the store"
    assert key_opens(db_path(demo_dir), new)
    assert keys(demo_dir).pending() is None
    assert keys(demo_dir).retired() == [old]
    assert counts(demo_dir) == before
    assert audit_actions(demo_dir)[-1] == "store.rekeyed"
    # The audit anchor beside the store was signed again with the new key: the chain still checks.
    report = audit_verify(demo_dir)
    assert report["ok"] and report["first_bad_event"] is None and not report["warnings"], json.dumps(report)
    # The backup taken first is the store as it was, under the old key.
    backup = Path(str(result["backup"]))
    assert backup.parent == demo_dir / "backups" and backup.name.startswith("facet-before-rekey-")
    assert key_opens(backup, old) and not key_opens(backup, new)
    # No key is printed, logged or written beside the store.
    out = json.dumps(result)
    assert old not in out and new not in out
    for log_file in (demo_dir / "logs").glob("*.log*"):
        text = log_file.read_text(encoding="utf-8")
        assert old not in text and new not in text


@pytest.mark.usefixtures("cli_owner")
def test_a_backup_made_before_a_rekey_still_restores(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = counts(demo_dir)
    assert cli.main(["backup", str(demo_dir / "monday.db"), "--data-dir", str(demo_dir)]) == 0
    capsys.readouterr()
    rekey_cli(capsys, demo_dir)
    rekey_cli(capsys, demo_dir)  # twice: the backup's key is now two keys ago
    assert not key_opens(demo_dir / "monday.db", str(keys(demo_dir).current()))

    code = cli.main(["restore", str(demo_dir / "monday.db"), "--yes", "--expect-undo", "0", "--json",
                     "--data-dir", str(demo_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err

    current = keys(demo_dir).current()
    assert current is not None and key_opens(db_path(demo_dir), current)
    assert len(keys(demo_dir).retired()) == 2
    assert counts(demo_dir) == before


def test_rekey_refuses_while_the_store_is_open_elsewhere_and_changes_nothing(demo_dir: Path) -> None:
    old = keys(demo_dir).current()
    other_counter = app.open_facet(demo_dir)
    other_counter.connection().execute("SELECT count(*) FROM items").fetchone()
    held = other_counter.connection()
    held.execute("SELECT 1").fetchone()
    facet = app.open_facet(demo_dir)
    facet.actor = actor_for(facet, Role.OWNER)  # as `pos-app rekey` signs the owner in
    try:
        with pytest.raises(StoreProblem, match="open elsewhere"):
            app.rekey_store(facet)
    finally:
        facet.close()
        held.close()
        other_counter.close()
    assert keys(demo_dir).current() == old and old is not None
    assert key_opens(db_path(demo_dir), old)
    counts(demo_dir)  # the next start discards the key that was staged
    assert keys(demo_dir).pending() is None and keys(demo_dir).retired() == []


def test_only_the_owner_may_change_the_key(demo_dir: Path) -> None:
    old = keys(demo_dir).current()
    facet = app.open_facet(demo_dir)
    try:
        with pytest.raises(PermissionDenied, match="rekey"):
            backup_service.change_key(new_key(), store=facet.db, keys=StoreKeys(facet.keyring, demo_dir),
                                      backups=demo_dir / "backups", uow=facet.uow(),
                                      actor=actor_for(facet, Role.MANAGER))
    finally:
        facet.close()
    assert keys(demo_dir).current() == old and keys(demo_dir).pending() is None
    assert not (demo_dir / "backups").exists() or not list((demo_dir / "backups").glob("facet-before-rekey-*"))


CRASH = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from pos_app import app
    from pos_app.adapters.secrets import StoreKeys
    from pos_app.persistence.sqlcipher import new_key

    data_dir, stage = Path(sys.argv[1]), sys.argv[2]
    facet = app.open_facet(data_dir)
    key = new_key()
    StoreKeys(facet.keyring, data_dir).stage(key)
    if stage == "after-rekey":
        facet.db.rekey(key)
    os._exit(9)  # the power goes out: no promote, no cleanup
""")


def crash(data_dir: Path, stage: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FACET_DATA_DIR"}
    done = subprocess.run([sys.executable, "-c", CRASH, str(data_dir), stage], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 9, done.stderr


@pytest.mark.usefixtures("cli_owner")
def test_a_crash_after_the_file_was_re_encrypted_is_finished_at_the_next_start(demo_dir: Path) -> None:
    old = keys(demo_dir).current()
    before = counts(demo_dir)
    assert cli.main(["backup", str(demo_dir / "monday.db"), "--data-dir", str(demo_dir)]) == 0  # audited
    assert (demo_dir / "audit-head.json").exists(), "the audit anchor, signed with the old key"
    crash(demo_dir, "after-rekey")
    staged = keys(demo_dir).pending()
    assert staged is not None and not key_opens(db_path(demo_dir), str(old))

    report = doctor.examine(demo_dir)
    assert report["ok"], report["problems"]
    assert any("interrupted" in w for w in report["warnings"])
    assert keys(demo_dir).pending() == staged, "doctor only reads"

    assert counts(demo_dir) == before  # opening finishes the change
    assert keys(demo_dir).current() == staged and keys(demo_dir).pending() is None
    assert keys(demo_dir).retired() == [old]
    report = audit_verify(demo_dir)
    assert report["ok"] and not report["warnings"], report


def test_a_crash_before_the_file_changed_keeps_the_old_key(demo_dir: Path) -> None:
    old = keys(demo_dir).current()
    crash(demo_dir, "before-rekey")
    assert keys(demo_dir).pending() is not None
    assert counts(demo_dir)
    assert keys(demo_dir).current() == old and keys(demo_dir).pending() is None
    assert keys(demo_dir).retired() == []


def test_rekey_has_help() -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("pos-app")), "rekey", "--help"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "new database key" in done.stdout and "--json" in done.stdout


def test_resealing_the_audit_anchor_signs_the_same_head_and_never_a_forgery(tmp_path: Path) -> None:
    from pos_app.persistence.audit_queries import AnchorForged, AuditAnchor, Head, anchor_key, reseal

    old, new, stranger = new_key(), new_key(), new_key()
    path = tmp_path / "audit-head.json"
    AuditAnchor(path, anchor_key(old)).reset(Head(41, "ab" * 32))

    reseal(path, old, new)  # a crash came after the file was re-encrypted, before the anchor was
    assert AuditAnchor(path, anchor_key(new)).read() == Head(41, "ab" * 32)
    reseal(path, old, new)  # again, as the next start would: nothing changes
    assert AuditAnchor(path, anchor_key(new)).read() == Head(41, "ab" * 32)
    with pytest.raises(AnchorForged):
        AuditAnchor(path, anchor_key(old)).read()

    AuditAnchor(path, anchor_key(stranger)).reset(Head(99, "cd" * 32))  # someone else's anchor
    reseal(path, old, new)
    with pytest.raises(AnchorForged):
        AuditAnchor(path, anchor_key(new)).read()


OPEN_ELSEWHERE = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pos_app import app

    app.open_facet(Path(sys.argv[1])).close()  # what every counter and command does first
""")


def test_a_counter_starting_while_the_key_changes_keeps_the_staged_key(demo_dir: Path) -> None:
    """Between staging the new key and re-encrypting, the old key still opens the file; a start elsewhere
    must not take the staged key for a leftover of a crash and forget it."""
    old = keys(demo_dir).current()
    new = new_key()
    env = {k: v for k, v in os.environ.items() if k != "FACET_DATA_DIR"}
    with keys(demo_dir).changing():
        keys(demo_dir).stage(new)
        done = subprocess.run([sys.executable, "-c", OPEN_ELSEWHERE, str(demo_dir)], env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert keys(demo_dir).pending() == new, "the staged key survived the other start"
        with pytest.raises(KeyringUnavailable, match="Another change of the database key"):
            with keys(demo_dir).changing():
                pass
    assert keys(demo_dir).current() == old
    counts(demo_dir)  # with no change running, a start forgets the key that was never used
    assert keys(demo_dir).pending() is None


@pytest.mark.usefixtures("cli_owner")
def test_a_backup_restores_right_after_an_interrupted_change_is_finished(
        demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = counts(demo_dir)
    assert cli.main(["backup", str(demo_dir / "monday.db"), "--data-dir", str(demo_dir)]) == 0
    crash(demo_dir, "after-rekey")
    code = cli.main(["restore", str(demo_dir / "monday.db"), "--yes", "--expect-undo", "0", "--data-dir", str(demo_dir)])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert counts(demo_dir) == before and keys(demo_dir).pending() is None
