"""`pos-app settings reports | commission | aging`: the settings the reports read, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos_app import cli
from tests.conftest import cli_login, last_audit_event, store_digest


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_owner_sets_commission_rules_and_aging_cut_offs(capsys: pytest.CaptureFixture[str],
                                                            cli_owner: Path) -> None:
    where = ("--data-dir", str(cli_owner))
    code, out, err = run(capsys, "settings", "reports", *where)
    assert code == cli.EXIT_OK, err
    assert "none: nobody earns commission" in out and "6, 12 months" in out

    code, out, err = run(capsys, "settings", "commission", "all: 5% of sales; tennis: 12.5% of margin", "--json",
                         *where)
    assert code == cli.EXIT_OK, err
    assert json.loads(out)["value"] == [{"style": None, "basis": "sales", "percent": "5.00"},
                                        {"style": "tennis", "basis": "margin", "percent": "12.50"}]
    from pos_app import app

    facet = app.open_facet(cli_owner)
    try:
        event = last_audit_event(facet)
    finally:
        facet.close()
    assert event.action == "setting.changed" and event.entity_id == "reports.commission_rules"

    code, out, err = run(capsys, "settings", "aging", "3, 6, 12", *where)
    assert code == cli.EXIT_OK and "3, 6, 12 months" in out, err
    code, out, _ = run(capsys, "settings", "reports", "--json", *where)
    shown = json.loads(out)
    assert shown["reports.aging_months"] == [3, 6, 12]
    assert shown["reports.commission_rules"][1]["style"] == "tennis"
    code, out, _ = run(capsys, "settings", "reports", *where)
    assert "all: 5% of sales\n  tennis: 12.5% of margin" in out


def test_bad_rules_are_refused_naming_the_setting_and_change_nothing(capsys: pytest.CaptureFixture[str],
                                                                     cli_owner: Path) -> None:
    before = store_digest(cli_owner)
    code, _, err = run(capsys, "settings", "commission", "bracelets: 5% of sales", "--data-dir", str(cli_owner))
    assert code != cli.EXIT_OK and "reports.commission_rules (rule 1)" in err and "not a style" in err
    code, _, err = run(capsys, "settings", "aging", "12, 6", "--data-dir", str(cli_owner))
    assert code != cli.EXIT_OK and "reports.aging_months" in err
    assert store_digest(cli_owner) == before


def test_a_manager_reads_the_rules_but_only_the_owner_sets_them(capsys: pytest.CaptureFixture[str],
                                                                demo_dir: Path) -> None:
    cli_login(demo_dir, "Marcus Reed")
    code, _, err = run(capsys, "settings", "reports", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK, err
    code, _, err = run(capsys, "settings", "commission", "all: 50% of sales", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "cannot" in err


@pytest.mark.parametrize("argv", [["settings", "reports"], ["settings", "commission"], ["settings", "aging"]])
def test_the_report_settings_commands_have_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main([*argv, "--help"])
    out = capsys.readouterr().out
    assert raised.value.code == 0 and "--json" in out and "--data-dir" in out
