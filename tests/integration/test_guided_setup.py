"""The first-run wizard's bookkeeping: a store it makes is "setup pending" until the owner finishes the setup;
`pos-app init` makes the same store with nothing pending (the command line has no further steps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos_app import app, cli
from pos_app.domain.errors import PermissionDenied
from pos_app.domain.permissions import Actor, Role
from pos_app.services.setup import finish_setup, parse_store_profile, setup_pending
from tests.conftest import FAST_HASHER, OWNER, STORE_FORM, actor_for, audit_events


def _events(facet: app.Facet, action: str) -> list[str]:
    return [row.summary for row in audit_events(facet, action)]


def test_a_store_the_wizard_makes_stays_pending_until_its_owner_finishes_the_setup_once(tmp_path: Path) -> None:
    facet = app.create_facet(tmp_path / "store", parse_store_profile(STORE_FORM), OWNER, hasher=FAST_HASHER,
                             guided=True)
    try:
        assert setup_pending(facet.store.directory)
        clerk = Actor(staff_id=None, name="A clerk", role=Role.CLERK, terminal="C1")
        with pytest.raises(PermissionDenied):
            finish_setup(uow=facet.uow(), actor=clerk)
        assert setup_pending(facet.store.directory)

        owner = actor_for(facet, Role.OWNER)
        finish_setup(uow=facet.uow(), actor=owner, skipped=["payments", "inventory"])
        finish_setup(uow=facet.uow(), actor=owner)  # finishing again changes nothing
        assert not setup_pending(facet.store.directory)
        assert len(_events(facet, "store.setup_finished")) == 1
        assert "inventory" in _events(facet, "store.setup_finished")[0]
    finally:
        facet.close()


def test_pos_app_init_makes_a_store_with_no_setup_pending(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEST_OWNER_PASSWORD", OWNER.password)
    monkeypatch.setenv("TEST_OWNER_PIN", OWNER.pin)
    code = cli.main(["init", "--data-dir", str(tmp_path / "store"), "--name", "Test Jewelers", "--timezone",
                     "America/Chicago", "--owner-name", OWNER.name, "--owner-password-env", "TEST_OWNER_PASSWORD",
                     "--owner-pin-env", "TEST_OWNER_PIN"])
    assert code == 0, capsys.readouterr().err
    facet = app.open_facet(tmp_path / "store")
    try:
        assert not setup_pending(facet.store.directory)
        assert [s.role for s in facet.store.directory.staff_list()] == [Role.OWNER]
    finally:
        facet.close()
