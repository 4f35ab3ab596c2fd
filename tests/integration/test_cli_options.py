"""`pos-app`'s number, day and time options: each refuses what no one means, naming the option, exit 2.

`--limit -5` once listed everything, and `--limit 99999999999999999999999`, `--version 99999999999999999999`,
`--until 9999-12-31` or `--since 0001-01-01T00:00+14:00` once reached SQLite or the calendar's edge and ended
in "an unexpected error" (exit 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pos_app import app, cli
from pos_app.domain.errors import ValidationError
from pos_app.domain.store import store_today, typed_day, typed_moment

POS_APP = Path(sys.executable).with_name("pos-app")

LISTS = (["items", "list"], ["sales", "list"], ["certificates", "list"], ["appraisals", "list"],
         ["customers", "list"], ["audit", "list"])


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """argparse's usage error: exit 2, and the message on stderr."""
    with pytest.raises(SystemExit) as raised:
        cli.main(list(argv))
    err = capsys.readouterr().err
    assert raised.value.code == cli.EXIT_REFUSED, err
    assert "Traceback" not in err and "unexpected error" not in err
    return err


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found += _subparsers(sub)
    return found


def test_no_option_takes_a_bare_int_or_float() -> None:
    """Every number option goes through `cli.options.whole_number`, whatever command adds one next."""
    for parser in _subparsers(cli.build_parser()):
        for action in parser._actions:
            assert action.type not in (int, float), f"{parser.prog} {'/'.join(action.option_strings)}"


@pytest.mark.parametrize("argv", LISTS, ids=" ".join)
@pytest.mark.parametrize("value", ["-5", "-1", "99999999999999999999999", "100001", "ten", "1.5", "9" * 5000])
def test_every_limit_refuses_negatives_absurd_values_and_words_by_name(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], value: str) -> None:
    err = refused(capsys, *argv, "--limit", value, "--data-dir", str(tmp_path))
    assert "argument --limit:" in err and "give a whole number from 1 to" in err
    assert not (tmp_path / "facet.db").exists()


def test_the_audit_list_stops_at_ten_thousand_and_only_items_list_takes_0_for_all(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert "from 1 to 10,000" in refused(capsys, "audit", "list", "--limit", "10001", "--data-dir", str(tmp_path))
    for argv in LISTS[1:]:
        assert "from 1 to" in refused(capsys, *argv, "--limit", "0", "--data-dir", str(tmp_path))
    assert "or 0 for all" in refused(capsys, "items", "list", "--limit", "-5", "--data-dir", str(tmp_path))


@pytest.mark.usefixtures("cli_owner")
def test_items_list_limit_0_lists_every_item_and_a_limit_caps_the_list(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    def skus(limit: str) -> list[str]:
        assert cli.main(["items", "list", "--limit", limit, "--json", "--data-dir", str(demo_dir)]) == cli.EXIT_OK
        return [i["sku"] for i in json.loads(capsys.readouterr().out)["items"]]

    facet = app.open_facet(demo_dir)
    try:
        total = facet.store.directory.counts().items
    finally:
        facet.close()
    assert total > 3
    every = skus("0")
    assert len(every) == total and skus("3") == every[:3]


@pytest.mark.parametrize(("argv", "option", "expected"), [
    (["audit", "flags", "--days", "0"], "--days", "from 1 to 366"),
    (["audit", "flags", "--days", "99999999999"], "--days", "from 1 to 366"),
    (["privacy", "extend", "REQ", "--reason", "r", "--told", "2026-11-20", "--days", "-3"], "--days", "from 1 to 45"),
    (["privacy", "extend", "REQ", "--reason", "r", "--told", "2026-11-20", "--days", "46"], "--days", "from 1 to 45"),
    (["privacy", "requests", "--due-within", "-1"], "--due-within", "from 0 to 366"),
    (["privacy", "requests", "--due-within", "999999999999"], "--due-within", "from 0 to 366"),
    (["appraisals", "print", "AP-2026-0009", "--pdf", "x.pdf", "--version", "99999999999999999999"], "--version",
     "from 1 to 1,000,000"),
    (["appraisals", "print", "AP-2026-0009", "--pdf", "x.pdf", "--version", "0"], "--version", "from 1 to"),
    (["privacy", "policies", "--show", "-1"], "--show", "from 1 to 1,000,000"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_every_other_number_option_refuses_out_of_range_by_name(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], option: str, expected: str) -> None:
    err = refused(capsys, *argv, "--data-dir", str(tmp_path))
    assert f"argument {option}:" in err and expected in err


@pytest.mark.parametrize(("argv", "option"), [
    (["sales", "list", "--until", "9999-12-31"], "--until"),
    (["sales", "list", "--since", "0001-01-01"], "--since"),
    (["audit", "list", "--since", "0001-01-01T00:00+14:00"], "--since"),
    (["audit", "export", "a.csv", "--until", "9999-12-31T23:00-12:00"], "--until"),
    (["privacy", "affected", "--since", "0001-01-01", "--until", "2026-01-01"], "--since"),
    (["privacy", "request", "C", "--type", "access", "--channel", "email", "--received", "0001-01-01"], "--received"),
    (["privacy", "extend", "R", "--reason", "r", "--told", "9999-12-31"], "--told"),
    (["privacy", "publish-policy", "p.txt", "--effective", "9999-12-31"], "--effective"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
@pytest.mark.usefixtures("cli_owner")
def test_days_and_times_off_the_calendar_are_refused_by_name_not_a_crash(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, argv: list[str], option: str) -> None:
    (demo_dir / "p.txt").write_text("Our privacy policy.", encoding="utf-8")
    argv = [str(demo_dir / a) if a.endswith((".txt", ".csv")) else a for a in argv]
    code = cli.main([*argv, "--data-dir", str(demo_dir)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_REFUSED, err
    assert f"{option}: " in err and "is out of range: give a day from 1900-01-01 to 2999-12-31" in err


@pytest.mark.usefixtures("cli_owner")
def test_the_far_ends_of_the_calendar_that_are_accepted_work_on_a_real_store(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    """1900-01-01 and 2999-12-31 reach the store and back without overflowing, whatever the offset."""
    for argv in (["sales", "list", "--since", "1900-01-01", "--until", "2999-12-31"],
                 ["audit", "list", "--since", "1900-01-01T00:00+14:00", "--until", "2999-12-31T23:59-12:00"],
                 ["privacy", "affected", "--since", "1900-01-01", "--until", "2999-12-31"]):
        assert cli.main([*argv, "--json", "--data-dir", str(demo_dir)]) == cli.EXIT_OK, " ".join(argv)
        assert json.loads(capsys.readouterr().out)
    assert typed_day("2026-11-25", field="day") == dt.date(2026, 11, 25)
    assert typed_moment("2026-11-25T14:30-06:00", field="time").utcoffset() == dt.timedelta(hours=-6)
    for slip in ("2026-02-30", "yesterday", "1899-12-31", "3000-01-01"):
        with pytest.raises(ValidationError):
            typed_day(slip, field="day")


@pytest.mark.usefixtures("cli_owner")
def test_a_request_received_more_than_a_year_ago_is_refused(capsys: pytest.CaptureFixture[str],
                                                             demo_dir: Path) -> None:
    """Once, `--received 1901-01-01` recorded a request 46,000 days overdue."""
    facet = app.open_facet(demo_dir)
    try:
        today = store_today(facet.profile.timezone)
        conn = facet.connection()
        try:
            customer = conn.execute("SELECT id FROM customers ORDER BY id LIMIT 1").fetchone()[0]
        finally:
            conn.close()
    finally:
        facet.close()
    long_ago = (today - dt.timedelta(days=400)).isoformat()
    code = cli.main(["privacy", "request", customer, "--type", "access", "--channel", "email", "--received", long_ago,
                     "--data-dir", str(demo_dir)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_REFUSED and "more than a year ago" in err


def test_the_installed_script_exits_2_with_the_usage_error_and_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FACET_DATA_DIR"}
    for argv in (["items", "list", "--limit", "99999999999999999999999"], ["items", "list", "--limit", "-5"]):
        done = subprocess.run([str(POS_APP), *argv, "--data-dir", str(tmp_path)], capture_output=True, text=True,
                              env=env, timeout=60, check=False)
        assert done.returncode == 2, done.stderr
        assert "argument --limit:" in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr) < 2000
        assert done.stdout == ""
