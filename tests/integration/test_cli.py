"""`pos-app` headless commands: in-process through `cli.main`, and as the installed console script."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.domain.items import COLUMNS
from pos_app.domain.permissions import Actor, Role
from pos_app.persistence.backups import verify_backup
from pos_app.persistence.database import db_path
from pos_app.services import demo, inventory, staff
from tests.conftest import audit_events, cli_login, last_audit_event, store_digest

POS_APP = Path(sys.executable).with_name("pos-app")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, *argv, "--json")
    return code, json.loads(out)


def script(*argv: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FACET_DATA_DIR"}
    env["PYTHON_KEYRING_BACKEND"] = os.environ["PYTHON_KEYRING_BACKEND"]
    env["XDG_DATA_HOME"] = os.environ["XDG_DATA_HOME"]
    env.update(extra_env)
    return subprocess.run([str(POS_APP), *argv], capture_output=True, text=True, env=env, timeout=120, check=False)


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def item_count(data_dir: Path) -> int:
    facet = app.open_facet(data_dir)
    try:
        return facet.store.directory.counts().items
    finally:
        facet.close()


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def piece(sku: str, **overrides: str) -> dict[str, str]:
    return {"sku": sku, "style": "tennis", "title": f"Tennis Necklace {sku}", "metal": "platinum",
            "price": "8800.00", "tracking": "unique", "location": "Safe", **overrides}


# ---------------------------------------------------------------- the installed script


def test_installed_script_inits_the_demo_and_doctor_reports_it_healthy(tmp_path: Path) -> None:
    assert POS_APP.exists(), "the console script is installed in the venv"
    data = tmp_path / "demo"

    created = script("init", "--demo", "--data-dir", str(data), "--json")
    assert created.returncode == 0, created.stderr
    summary = json.loads(created.stdout)
    # The stock, and the pieces its older sales sold (their number follows the calendar: demo_history).
    demo_items = demo.UNIQUE_PIECES + demo.COUNTED_LINES
    assert (summary["demo"], summary["staff"]) == (True, 1 + len(demo.DEMO_STAFF))
    assert summary["items"] > demo_items + 100
    assert summary["customers"] > 0
    assert summary["keyring_warning"], "the plaintext test keyring is announced as weak"

    doctor = script("doctor", "--data-dir", str(data), "--json")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = json.loads(doctor.stdout)
    assert report["ok"] is True and report["problems"] == []
    assert report["integrity"] == "ok" and report["schema"]["current"] is True
    assert report["counts"]["items"] == summary["items"] and report["counts"]["customers"] == summary["customers"]
    assert report["counts"]["sales"] == summary["sales"] > 0

    refused = script("items", "list", "--search", "halo", "--limit", "5", "--data-dir", str(data))
    assert refused.returncode == cli.EXIT_REFUSED and "pos-app login" in refused.stderr and not refused.stdout
    once = script("items", "list", "--search", "halo", "--limit", "5", "--data-dir", str(data),
                  "--as", "Lily Chen", "--secret-env", "FACET_TEST_PIN", FACET_TEST_PIN="3333")
    assert once.returncode == 0, once.stderr
    assert len(once.stdout.strip().splitlines()) == 5
    login = script("login", "--as", "Lily Chen", "--secret-env", "FACET_TEST_PIN", "--data-dir", str(data),
                   FACET_TEST_PIN="3333")
    assert login.returncode == 0, login.stderr
    assert "3333" not in login.stdout + login.stderr
    listed = script("items", "list", "--search", "halo", "--limit", "5", "--data-dir", str(data))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == once.stdout
    # The key is in the (shared, test) keyring, never in the data folder.
    key = KeyringSecrets().get(database_key_name(data))
    assert key is not None
    assert all(key.encode() not in p.read_bytes() for p in data.rglob("*") if p.is_file())


# ---------------------------------------------------------------- init


def test_init_takes_the_owners_secrets_from_environment_variables(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "store"
    monkeypatch.setenv("TEST_OWNER_PASSWORD", "s3cret-owner-pass")
    monkeypatch.setenv("TEST_OWNER_PIN", "8642")
    code, out, err = run(capsys, "init", "--data-dir", str(data), "--name", "Test Jewelers",
                         "--timezone", "America/Chicago", "--tax-rate", "6.25", "--owner-name", "Olive Owner",
                         "--owner-password-env", "TEST_OWNER_PASSWORD", "--owner-pin-env", "TEST_OWNER_PIN",
                         "--json")
    assert code == 0, err
    assert json.loads(out)["staff"] == 1
    assert "s3cret-owner-pass" not in out + err

    facet = app.open_facet(data)
    try:
        assert facet.profile.name == "Test Jewelers" and facet.profile.tax_rate == "6.25"
        owner = facet.store.directory.staff_list()[0]
        assert (owner.name, owner.role) == ("Olive Owner", Role.OWNER)
        hasher = facet.hasher()
        assert hasher.verify(owner.pin_hash or "", "8642")
        actor = staff.sign_in(owner.id, "s3cret-owner-pass", uow=facet.uow(), hasher=hasher, terminal="C1")
        assert actor.role is Role.OWNER
    finally:
        facet.close()
    log = data / "logs" / "facet.log"
    assert not log.exists() or "s3cret-owner-pass" not in log.read_text(encoding="utf-8")


def test_init_without_the_named_environment_variable_refuses_and_creates_no_store(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "store"
    monkeypatch.delenv("TEST_MISSING_PASSWORD", raising=False)
    monkeypatch.setenv("TEST_OWNER_PIN", "8642")
    code, _, err = run(capsys, "init", "--data-dir", str(data), "--name", "Test Jewelers",
                       "--timezone", "America/Chicago", "--owner-name", "Olive Owner",
                       "--owner-password-env", "TEST_MISSING_PASSWORD", "--owner-pin-env", "TEST_OWNER_PIN")
    assert code == cli.EXIT_REFUSED
    assert "TEST_MISSING_PASSWORD" in err
    assert not db_path(data).exists()


def test_init_with_a_short_password_names_the_field_and_creates_no_store(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "store"
    monkeypatch.setenv("TEST_OWNER_PASSWORD", "short")
    monkeypatch.setenv("TEST_OWNER_PIN", "8642")
    code, _, err = run(capsys, "init", "--data-dir", str(data), "--name", "Test Jewelers",
                       "--timezone", "America/Chicago", "--owner-name", "Olive Owner",
                       "--owner-password-env", "TEST_OWNER_PASSWORD", "--owner-pin-env", "TEST_OWNER_PIN")
    assert code == cli.EXIT_REFUSED
    assert "owner_password" in err
    assert not db_path(data).exists()
    assert KeyringSecrets().get(database_key_name(data)) is None


def test_init_refuses_when_a_store_exists_and_leaves_it_untouched(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    before = fingerprint(db_path(demo_dir))
    code, _, err = run(capsys, "init", "--demo", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED
    assert "already exists" in err and "untouched" in err
    assert fingerprint(db_path(demo_dir)) == before
    code, payload = run_json(capsys, "init", "--demo", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and payload["kind"] == "Refused"


# ---------------------------------------------------------------- doctor


def test_doctor_on_an_empty_folder_exits_1_with_a_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, report = run_json(capsys, "doctor", "--data-dir", str(empty))
    assert code == cli.EXIT_CHECK_FAILED
    assert report["ok"] is False and report["exists"] is False
    assert any("No store" in p for p in report["problems"])
    assert not db_path(empty).exists()


def test_doctor_without_the_key_exits_1_and_says_so(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    KeyringSecrets().delete(database_key_name(demo_dir))
    code, out, _ = run(capsys, "doctor", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_CHECK_FAILED
    assert "NOT healthy" in out and "key is not in the keyring" in out


def test_doctor_on_the_demo_is_healthy(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    code, out, _ = run(capsys, "doctor", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK
    assert out.strip().endswith("healthy") and "WEAK" in out


# ---------------------------------------------------------------- items


def test_items_list_search_halo_as_json(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir)
    code, payload = run_json(capsys, "items", "list", "--search", "halo", "--limit", "0", "--data-dir", str(demo_dir))
    assert code == 0
    items = payload["items"]
    assert items and any(i["style"] == "halo" for i in items)
    assert set(items[0]) == {"sku", "barcode", "title", "style", "metal", "price", "currency", "status",
                             "location", "on_hand", "in_transit", "cert_number", "store"}
    assert items[0]["store"] is None  # a store in no sync group: no store codes
    assert {i["in_transit"] for i in items} == {0}  # nothing comes from another store
    assert "cost" not in json.dumps(items)
    facet = app.open_facet(demo_dir)
    try:
        expected = [r.sku for r in facet.store.inventory.search("halo", limit=10_000)]
    finally:
        facet.close()
    assert [i["sku"] for i in items] == expected


def test_items_list_without_a_match_says_so(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir)
    code, out, _ = run(capsys, "items", "list", "--search", "zzzyxq", "--data-dir", str(demo_dir))
    assert (code, out.strip()) == (0, "No items match.")


def test_items_export_writes_every_item(capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    dest = tmp_path / "export.csv"
    code, payload = run_json(capsys, "items", "export", str(dest), "--data-dir", str(demo_dir))
    assert code == 0
    assert payload == {"file": str(dest.resolve()), "items": item_count(demo_dir)}
    with dest.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == payload["items"] and list(rows[0]) == list(COLUMNS)


def test_items_import_of_a_bad_file_exits_2_naming_the_row_and_column(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    path = write_csv(tmp_path / "bad.csv", [piece("TN-1"), piece("TN-2", price="lots")])
    before = item_count(demo_dir)
    code, _, err = run(capsys, "items", "import", str(path), "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED
    assert "Row 3, column price" in err and "Nothing was imported" in err
    assert item_count(demo_dir) == before

    code, payload = run_json(capsys, "items", "import", str(path), "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED
    assert payload["imported"] is False
    assert [(p["row"], p["column"]) for p in payload["problems"]] == [(3, "price")]


def test_items_import_of_a_non_utf8_file_exits_2_with_a_clear_message(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    path = tmp_path / "latin1.csv"
    path.write_bytes("sku,style,title,metal,price,tracking,location\nTN-1,tennis,Rivière,platinum,1.00,unique,Safe\n"
                     .encode("latin-1"))
    code, _, err = run(capsys, "items", "import", str(path), "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED
    assert "not UTF-8" in err


def test_items_import_skip_invalid_writes_the_rejects_beside_the_file(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    path = write_csv(tmp_path / "mixed.csv", [piece("TN-1"), piece("TN-2", location="Attic")])
    before = item_count(demo_dir)
    code, payload = run_json(capsys, "items", "import", str(path), "--skip-invalid", "--data-dir", str(demo_dir))
    assert code == 0
    assert (payload["created"], payload["rejected"]) == (1, 1)
    assert payload["rejects_file"] == str(tmp_path / "mixed.rejected.csv")
    assert (tmp_path / "mixed.rejected.csv").exists()
    assert item_count(demo_dir) == before + 1


def test_commands_on_a_folder_without_a_store_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "items", "list", "--data-dir", str(tmp_path / "nothing"))
    assert code == cli.EXIT_REFUSED
    assert "No Facet store" in err and "pos-app init" in err
    assert not db_path(tmp_path / "nothing").exists()


# ---------------------------------------------------------------- backup and restore


def _add_item(data_dir: Path, sku: str) -> None:
    facet = app.open_facet(data_dir)
    try:
        manager = next(s for s in facet.store.directory.staff_list() if s.role is Role.MANAGER)
        actor = Actor(manager.id, manager.name, manager.role, facet.terminal)
        inventory.receive_new_item(piece(sku), uow=facet.uow(), actor=actor)
    finally:
        facet.close()


def test_backup_then_restore_yes_brings_the_store_back_and_keeps_the_old_one(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    backup = tmp_path / "backups" / "facet.bak"
    code, payload = run_json(capsys, "backup", str(backup), "--data-dir", str(demo_dir))
    assert code == 0
    assert payload["file"] == str(backup.resolve()) and payload["portable"] is False
    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert verify_backup(backup, key_hex=key)
    before = item_count(demo_dir)
    _add_item(demo_dir, "AFTER-BACKUP")
    assert item_count(demo_dir) == before + 1

    code, payload = run_json(capsys, "restore", str(backup), "--yes", "--expect-undo", "0", "--data-dir", str(demo_dir))
    assert code == 0
    kept = Path(payload["previous_store_kept_at"])
    assert kept.exists() and kept.parent == demo_dir / "backups"
    assert item_count(demo_dir) == before
    facet = app.open_facet(demo_dir)
    try:
        audit, last = len(audit_events(facet, "store.backed_up")), last_audit_event(facet)
    finally:
        facet.close()
    assert audit == 0, "the backup's own audit event was written after the copy was taken"
    assert last.action == "store.restored" and json.loads(last.summary)["file"] == "facet.bak"


def test_a_passphrase_backup_restores_on_another_machine_through_the_cli(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    monkeypatch.setenv("TEST_BACKUP_PASSPHRASE", "a long backup passphrase")
    backup = tmp_path / "portable.bak"
    code, payload = run_json(capsys, "backup", str(backup), "--passphrase-env", "TEST_BACKUP_PASSPHRASE",
                             "--data-dir", str(demo_dir))
    assert code == 0 and payload["portable"] is True

    other = tmp_path / "new-laptop"
    code, _, err = run(capsys, "restore", str(backup), "--yes", "--data-dir", str(other))
    assert code == cli.EXIT_REFUSED and "passphrase" in err
    assert not db_path(other).exists()

    code, payload = run_json(capsys, "restore", str(backup), "--yes", "--passphrase-env", "TEST_BACKUP_PASSPHRASE",
                             "--data-dir", str(other))
    assert code == 0 and payload["previous_store_kept_at"] is None
    code, report = run_json(capsys, "doctor", "--data-dir", str(other))
    assert code == 0 and report["counts"]["items"] == item_count(demo_dir)


def test_restore_of_a_file_that_is_not_a_backup_exits_2_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    cli_login(demo_dir)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database\n" * 100, encoding="utf-8")
    before = store_digest(demo_dir)
    code, _, err = run(capsys, "restore", str(bogus), "--yes", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "not a Facet backup" in err
    assert store_digest(demo_dir) == before


# ---------------------------------------------------------------- help


@pytest.mark.parametrize("argv", [
    [], ["init"], ["doctor"], ["items"], ["items", "import"], ["items", "export"], ["items", "list"],
    ["backup"], ["restore"], ["settings"], ["settings", "list"], ["settings", "set"], ["sales"], ["sales", "list"],
    ["sales", "large-cash"], ["certificates"], ["certificates", "list"], ["certificates", "duplicates"],
    ["appraisals"], ["appraisals", "list"], ["appraisals", "print"], ["appraisals", "verify"], ["receipt"], ["payments"], ["payments", "set-key"], ["payments", "status"],
], ids=lambda argv: " ".join(argv) or "pos-app")
def test_every_command_has_help_that_exits_0(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main([*argv, "--help"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pos-app")
    if len(argv) > 1 or argv in (["init"], ["doctor"], ["backup"], ["restore"], ["receipt"]):
        assert "--json" in out and "--data-dir" in out


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.startswith("Facet ")


def test_doctor_reports_a_locked_keyring_as_a_problem_not_a_crash(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.errors
    from keyrings.alt.file import PlaintextKeyring

    def locked(self: object, service: str, username: str) -> str:
        raise keyring.errors.KeyringLocked("the keyring is locked")

    monkeypatch.setattr(PlaintextKeyring, "get_password", locked)
    code, payload = run_json(capsys, "doctor", "--data-dir", str(demo_dir))
    assert code == 1
    assert any("keyring could not be used" in p for p in payload["problems"])
