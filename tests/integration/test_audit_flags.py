"""Suspicious activity is flagged: accounts locked by wrong tries, refused actions, recovery-code sign-ins."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pos_app import app, cli
from pos_app.domain.audit import FlagKind
from pos_app.domain.errors import PermissionDenied, SignInFailed
from pos_app.domain.permissions import Role
from pos_app.services import audit, reports, staff
from pos_app.services.demo import DEMO_TWO_STEP
from tests.conftest import FAST_HASHER, actor_for


def _person_id(facet: app.Facet, name: str) -> str:
    return next(s.id for s in facet.store.directory.staff_list() if s.name == name)


def _suspicious_week(facet: app.Facet) -> None:
    """Lily Chen's PIN guessed five times (locked), Sam Ortiz twice at a manager's report, Jane Ellen in with a
    recovery code."""
    lily = _person_id(facet, "Lily Chen")
    for guess in ("0000", "1234", "1111", "9999", "2580"):
        with pytest.raises(SignInFailed):
            staff.sign_in(lily, guess, uow=facet.uow(), hasher=FAST_HASHER, terminal="C1")
    sam = actor_for(facet, Role.CLERK)
    assert sam.name in ("Lily Chen", "Sam Ortiz")
    for _ in range(2):
        with pytest.raises(PermissionDenied):
            reports.low_stock(reader=facet.store.inventory, actor=sam, uow=facet.uow())
    staff.sign_in(_person_id(facet, "Jane Ellen"), "owner-demo-1", uow=facet.uow(), hasher=FAST_HASHER,
                  terminal="C1", code=DEMO_TWO_STEP["Jane Ellen"][1][0])


def test_the_weeks_flags_name_whose_account_and_how_often(demo_facet: app.Facet) -> None:
    _suspicious_week(demo_facet)
    owner = actor_for(demo_facet, Role.OWNER)
    found = audit.flags(trail=demo_facet.store.audit, uow=demo_facet.uow(), actor=owner)
    clerk = actor_for(demo_facet, Role.CLERK).name
    assert {(f.kind, f.person, f.count) for f in found} == {
        (FlagKind.LOCKED_OUT, "Lily Chen", 1), (FlagKind.REFUSED, clerk, 2),
        (FlagKind.RECOVERY_CODE, "Jane Ellen", 1)}
    assert found[0].kind is FlagKind.RECOVERY_CODE, "most recent first"
    assert [f.describe() for f in found if f.kind is FlagKind.LOCKED_OUT] == [
        "Lily Chen's account was locked after repeated wrong tries (once)"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    assert audit.flags(trail=demo_facet.store.audit, uow=demo_facet.uow(), actor=owner, now=later) == []


def test_only_who_reads_the_audit_trail_sees_the_flags(demo_facet: app.Facet) -> None:
    with pytest.raises(PermissionDenied):
        audit.flags(trail=demo_facet.store.audit, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.MANAGER))
    _suspicious_week(demo_facet)
    seen = audit.flags(trail=demo_facet.store.audit, uow=demo_facet.uow(),
                       actor=actor_for(demo_facet, Role.PRIVACY_OFFICER))
    # Restores (test_restore_undo.py) and stock conflicts (test_one_sale_per_piece.py) are flagged too.
    assert {f.kind for f in seen} == {FlagKind.LOCKED_OUT, FlagKind.REFUSED, FlagKind.RECOVERY_CODE}


@pytest.mark.usefixtures("cli_owner")
def test_cli_lists_flags_and_names_a_bad_period(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facet = app.open_facet(demo_dir)
    try:
        _suspicious_week(facet)
    finally:
        facet.close()
    capsys.readouterr()
    assert cli.main(["audit", "flags", "--json", "--data-dir", str(demo_dir)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {(f["kind"], f["count"]) for f in data["flags"]} == {("locked_out", 1), ("refused", 2),
                                                                ("recovery_code", 1)}
    with pytest.raises(SystemExit) as refused:  # argparse's usage error, naming the option
        cli.main(["audit", "flags", "--days", "0", "--data-dir", str(demo_dir)])
    assert refused.value.code == cli.EXIT_REFUSED
    assert "argument --days: 0 is out of range: give a whole number from 1 to 366" in capsys.readouterr().err
