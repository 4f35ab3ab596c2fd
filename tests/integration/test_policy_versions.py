"""The privacy policy's versions: published, never changed, and named by each consent recorded under them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pos_app import app, cli
from pos_app.domain.errors import Conflict, PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import customers, privacy
from tests.conftest import actor_for

TODAY = dt.date(2026, 12, 1)


def _version_named_by(facet: app.Facet, event_id: str) -> int:
    conn = facet.connection()
    try:
        return int(conn.execute("SELECT p.version FROM consent_events e JOIN policy_versions p "
                                "ON p.id = e.policy_version_id WHERE e.id = ?", (event_id,)).fetchone()[0])
    finally:
        conn.close()


def test_a_new_version_is_in_force_from_its_date_and_consents_name_it(demo_facet: app.Facet) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    row = privacy.publish_policy("Our privacy policy, version two.", dt.date(2027, 1, 1), uow=demo_facet.uow(),
                                 actor=officer, today=TODAY)
    assert (row.version, row.in_force) == (2, False)
    versions = privacy.policy_versions(uow=demo_facet.uow(), actor=officer, today=TODAY)
    assert [(v.version, v.in_force) for v in versions] == [(1, True), (2, False)]
    assert [(v.version, v.in_force) for v in privacy.policy_versions(
        uow=demo_facet.uow(), actor=officer, today=dt.date(2027, 1, 1))] == [(1, False), (2, True)]
    customer_id = demo_facet.store.sales.customers()[0].id
    clerk = actor_for(demo_facet, Role.CLERK)
    before = customers.change_consent(customer_id, "email", False, channel="counter", uow=demo_facet.uow(),
                                      actor=clerk, today=dt.date(2026, 12, 31))
    after = customers.change_consent(customer_id, "email", False, channel="counter", uow=demo_facet.uow(),
                                     actor=clerk, today=dt.date(2027, 1, 1))
    assert (_version_named_by(demo_facet, before), _version_named_by(demo_facet, after)) == (1, 2)
    assert privacy.policy_text(2, uow=demo_facet.uow(), actor=officer) == "Our privacy policy, version two."


@pytest.mark.parametrize(("text", "effective", "error", "words"), [
    ("", dt.date(2027, 1, 1), ValidationError, "empty"),
    ("New text", dt.date(2026, 11, 30), ValidationError, "in the past"),
    ("x" * 200_001, dt.date(2027, 1, 1), ValidationError, "longer than"),
])
def test_bad_versions_are_refused_and_nothing_is_published(demo_facet: app.Facet, text: str, effective: dt.date,
                                                           error: type[Exception], words: str) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    with pytest.raises(error, match=words):
        privacy.publish_policy(text, effective, uow=demo_facet.uow(), actor=officer, today=TODAY)
    assert len(privacy.policy_versions(uow=demo_facet.uow(), actor=officer, today=TODAY)) == 1


def test_the_same_text_twice_or_a_date_before_the_latest_is_refused(demo_facet: app.Facet) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    privacy.publish_policy("Version two.", dt.date(2027, 3, 1), uow=demo_facet.uow(), actor=officer, today=TODAY)
    with pytest.raises(Conflict, match="same as version 2"):
        privacy.publish_policy("Version two.\n", dt.date(2027, 4, 1), uow=demo_facet.uow(), actor=officer, today=TODAY)
    with pytest.raises(ValidationError, match="before version 2's date"):
        privacy.publish_policy("Version three.", dt.date(2027, 2, 1), uow=demo_facet.uow(), actor=officer,
                               today=TODAY)


def test_a_clerk_cannot_publish(demo_facet: app.Facet) -> None:
    with pytest.raises(PermissionDenied):
        privacy.publish_policy("Mine.", TODAY, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK),
                               today=TODAY)


@pytest.mark.usefixtures("cli_owner")
def test_the_command_line_publishes_and_lists(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                              tmp_path: Path) -> None:
    text = tmp_path / "policy.txt"
    text.write_text("Privacy policy, revised.\n", encoding="utf-8")
    assert cli.main(["privacy", "publish-policy", str(text), "--effective", "2099-01-01", "--json",
                     "--data-dir", str(demo_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 2
    assert cli.main(["privacy", "policies", "--json", "--data-dir", str(demo_dir)]) == 0
    versions = json.loads(capsys.readouterr().out)["versions"]
    assert [(v["version"], v["effective_on"], v["in_force"]) for v in versions][-1] == (2, "2099-01-01", False)
    assert cli.main(["privacy", "publish-policy", str(tmp_path / "missing.txt"), "--data-dir", str(demo_dir)]) \
        == cli.EXIT_REFUSED
    assert "file: cannot read" in capsys.readouterr().err
    for name in ("policies", "publish-policy"):
        with pytest.raises(SystemExit):
            cli.main(["privacy", name, "--help"])
        assert "--json" in capsys.readouterr().out
