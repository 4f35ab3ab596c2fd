"""The store's profile after the first run: changed with the first run's checks, audited, guarded;
`pos-app store show|set` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos_app import app, cli
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import store_profile
from tests.conftest import actor_for, audit_summaries, cli_login, store_digest


def test_the_owner_changes_the_tax_rate_and_time_zone_and_the_trail_says_old_and_new(demo_facet: app.Facet) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    before = demo_facet.store.directory.store()
    assert before is not None
    saved = store_profile.change_store_profile({"tax_rate": "6.25%", "timezone": "America/Chicago"},
                                               uow=demo_facet.uow(), actor=owner)
    assert saved.tax_rate == "6.25" and saved.timezone == "America/Chicago"
    assert demo_facet.store.directory.store() == saved
    assert saved.name == before.name and saved.address == before.address
    (event,) = audit_summaries(demo_facet, "store.profile_changed")
    assert event["changed"] == {"tax_rate": {"before": before.tax_rate, "after": "6.25"},
                                "timezone": {"before": before.timezone, "after": "America/Chicago"}}


@pytest.mark.parametrize(("field", "text", "problem"), [
    ("name", "  ", "is required"),
    ("timezone", "America", "not a time zone"),
    ("tax_rate", "31", "between 0 and 30"),
    ("tax_rate", "8.12345", "more than 4 decimal"),
    ("phone", "12", "not a"),
    ("email", "jane@", "email"),
    ("currency", "dollars", "three-letter"),
])
def test_a_bad_field_is_refused_by_name_and_nothing_changes(demo_facet: app.Facet, field: str, text: str,
                                                            problem: str) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    before = demo_facet.store.directory.store()
    with pytest.raises(ValidationError) as refused:
        # a good change alongside: all or nothing
        other = {"receipt_footer": "Thank you!"}
        store_profile.change_store_profile({**other, field: text}, uow=demo_facet.uow(), actor=owner)
    assert refused.value.field == field and problem in str(refused.value)
    assert demo_facet.store.directory.store() == before
    assert audit_summaries(demo_facet, "store.profile_changed") == []


def test_the_currency_stays_once_a_sale_is_recorded(demo_facet: app.Facet) -> None:
    assert demo_facet.store.directory.counts().sales > 0
    with pytest.raises(ValidationError) as refused:
        store_profile.change_store_profile({"currency": "CAD"}, uow=demo_facet.uow(),
                                           actor=actor_for(demo_facet, Role.OWNER))
    assert refused.value.field == "currency" and "stays USD" in str(refused.value)


def test_an_unknown_field_is_named(demo_facet: app.Facet) -> None:
    with pytest.raises(ValidationError) as refused:
        store_profile.change_store_profile({"owner": "x"}, uow=demo_facet.uow(),
                                           actor=actor_for(demo_facet, Role.OWNER))
    assert "'owner' is not part of the store profile" in str(refused.value)


def test_saving_the_same_values_records_nothing(demo_facet: app.Facet) -> None:
    profile = demo_facet.store.directory.store()
    assert profile is not None
    store_profile.change_store_profile(store_profile.as_texts(profile), uow=demo_facet.uow(),
                                       actor=actor_for(demo_facet, Role.OWNER))
    assert audit_summaries(demo_facet, "store.profile_changed") == []


def test_a_manager_sees_the_profile_but_may_not_change_it_and_the_refusal_is_recorded(demo_facet: app.Facet) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    shown = store_profile.store_profile(reader=demo_facet.store.directory, actor=manager, uow=demo_facet.uow())
    with pytest.raises(PermissionDenied):
        store_profile.change_store_profile({"tax_rate": "0"}, uow=demo_facet.uow(), actor=manager)
    assert demo_facet.store.directory.store() == shown
    refusals = audit_summaries(demo_facet, "permission.refused")
    assert refusals[-1]["function"] == "store_profile.change_store_profile"
    with pytest.raises(PermissionDenied):
        store_profile.store_profile(reader=demo_facet.store.directory, actor=actor_for(demo_facet, Role.CLERK),
                                    uow=demo_facet.uow())


# ---------------------------------------------------------------- the command line


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_store_set_changes_the_address_with_line_breaks_and_store_show_prints_it(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir)
    code, out, _ = _run(capsys, "store", "set", "address", "12 Main St\\nSpringfield, OR 97477",
                        "--data-dir", str(demo_dir), "--json")
    assert code == cli.EXIT_OK
    assert json.loads(out)["store"]["address"] == "12 Main St\nSpringfield, OR 97477"
    code, out, _ = _run(capsys, "store", "set", "tax_rate", "0", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK and out.strip() == 'tax_rate = "0"'
    code, out, _ = _run(capsys, "store", "show", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK
    assert 'address = "12 Main St\\nSpringfield, OR 97477"' in out and 'tax_rate = "0"' in out
    code, out, _ = _run(capsys, "store", "show", "--data-dir", str(demo_dir), "--json")
    assert json.loads(out)["store"]["tax_rate"] == "0"


def test_store_set_refuses_a_bad_time_zone_naming_it_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir)
    before = store_digest(demo_dir)
    code, out, err = _run(capsys, "store", "set", "timezone", "Mars/Olympus", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and out == ""
    assert "timezone" in err and "Mars/Olympus" in err
    assert store_digest(demo_dir) == before


def test_store_set_is_refused_for_a_clerk(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir, "Lily Chen")
    code, _, err = _run(capsys, "store", "set", "tax_rate", "0", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "owner" in err.lower()


@pytest.mark.parametrize("argv", [["store"], ["store", "show"], ["store", "set"]], ids=" ".join)
def test_store_commands_have_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([*argv, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pos-app store")
    if len(argv) > 1:
        assert "--json" in out and "tax_rate" in out


# ---------------------------------------------------------------- the printer is the manager's too


def test_a_manager_sets_the_receipt_printer_on_the_command_line_but_not_the_return_policy(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir, "Marcus Reed")
    code, out, _ = _run(capsys, "settings", "set", "receipt.printer", "tcp://10.0.0.9:9100", "--data-dir",
                        str(demo_dir))
    assert code == cli.EXIT_OK and out.strip() == 'receipt.printer = "tcp://10.0.0.9:9100"'
    code, out, err = _run(capsys, "settings", "set", "receipt.return_policy", "No returns.", "--data-dir",
                          str(demo_dir))
    assert code == cli.EXIT_REFUSED and out == ""
    assert "owner" in err.lower()
    facet = app.open_facet(demo_dir)
    try:
        directory = facet.store.directory
        assert directory.setting("receipt.printer", "") == "tcp://10.0.0.9:9100"
        assert directory.setting("receipt.return_policy", "") != "No returns."
    finally:
        facet.close()


def test_the_printer_service_refuses_other_settings_naming_them(demo_facet: app.Facet) -> None:
    from pos_app.services import settings

    manager = actor_for(demo_facet, Role.MANAGER)
    with pytest.raises(ValidationError) as refused:
        settings.change_printer_settings({"receipt.printer": "tcp://10.0.0.9:9100",
                                          "security.idle_lock_minutes": "60"}, uow=demo_facet.uow(), actor=manager)
    assert refused.value.field == "security.idle_lock_minutes"
    assert demo_facet.store.directory.setting("receipt.printer", "") == ""
    with pytest.raises(PermissionDenied):
        settings.change_printer_settings({"receipt.printer": "tcp://10.0.0.9:9100"}, uow=demo_facet.uow(),
                                         actor=actor_for(demo_facet, Role.CLERK))


def test_settings_list_names_the_keyring_acknowledgement(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir)
    code, out, _ = _run(capsys, "settings", "list", "--data-dir", str(demo_dir), "--json")
    assert code == cli.EXIT_OK
    assert json.loads(out)["settings"]["security.keyring_warning_acknowledged"] is False
    code, _, _ = _run(capsys, "settings", "set", "security.keyring_warning_acknowledged", "yes", "--data-dir",
                      str(demo_dir))
    assert code == cli.EXIT_OK
    code, out, _ = _run(capsys, "doctor", "--data-dir", str(demo_dir))
    assert "plaintext file keyring" in out and "acknowledged the keyring warning" in out


def test_settings_list_says_which_settings_the_stores_counters_share(capsys: pytest.CaptureFixture[str],
                                                                     demo_dir: Path) -> None:
    cli_login(demo_dir)
    code, out, _ = _run(capsys, "settings", "list", "--data-dir", str(demo_dir), "--json")
    assert code == cli.EXIT_OK
    shared = set(json.loads(out)["store_wide"])
    assert {"inventory.locations", "security.idle_lock_minutes", "receipt.return_policy"} <= shared
    assert not {"receipt.printer", "payments.reader_id"} & shared
    code, out, _ = _run(capsys, "settings", "list", "--data-dir", str(demo_dir))
    assert "places stock is kept, comma-separated (cases, safe, back office) (every counter of the store)" in out
    assert "(this counter only)" in out.split("receipt.printer =")[1].split("\n")[1]
