"""Who saw what: a customer's access log, and the customers touched in an incident's window."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import customers, privacy
from tests.conftest import actor_for

TODAY = dt.date(2026, 11, 25)


def _two_customers(facet: app.Facet) -> tuple[str, str, str]:
    conn = facet.connection()
    try:
        (a, last), (b, _) = conn.execute("SELECT id, last_name FROM customers WHERE NOT restricted "
                                         "AND email IS NOT NULL ORDER BY last_name LIMIT 2").fetchall()
        return a, b, last
    finally:
        conn.close()


def test_views_changes_and_requests_make_up_the_customers_access_log(demo_facet: app.Facet) -> None:
    clerk, officer = actor_for(demo_facet, Role.CLERK), actor_for(demo_facet, Role.PRIVACY_OFFICER)
    first, second, last = _two_customers(demo_facet)
    customers.list_customers(reader=demo_facet.store.sales, actor=clerk, search=last, uow=demo_facet.uow())
    customers.change_consent(first, "email", False, channel="phone", uow=demo_facet.uow(), actor=clerk, today=TODAY)
    request = privacy.record_request(first, "access", "email", uow=demo_facet.uow(), actor=officer, today=TODAY)

    log = privacy.access_log(first, reader=demo_facet.store.privacy, actor=officer, uow=demo_facet.uow())
    actions = [(row.action, row.staff) for row in log]
    assert ("customers.viewed", clerk.name) in actions
    assert ("customer.consent_withdrawn", clerk.name) in actions
    assert ("privacy.request_received", officer.name) in actions
    assert all(row.customer_id == first for row in log)
    assert [row.at for row in log] == sorted(row.at for row in log)
    # Another customer's log holds none of it.
    other = {r.action for r in privacy.access_log(second, reader=demo_facet.store.privacy, actor=officer, uow=demo_facet.uow())}
    assert "privacy.request_received" not in other
    assert request.customer_id == first


def test_the_incident_list_names_exactly_the_customers_touched_in_the_window(demo_facet: app.Facet) -> None:
    clerk, officer = actor_for(demo_facet, Role.CLERK), actor_for(demo_facet, Role.PRIVACY_OFFICER)
    first, second, _ = _two_customers(demo_facet)
    before = dt.datetime.now(dt.UTC)
    customers.change_consent(first, "sms", False, channel="counter", uow=demo_facet.uow(), actor=clerk, today=TODAY)
    customers.set_privacy_flags(second, uow=demo_facet.uow(), actor=clerk, do_not_sell=True)
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    found = privacy.affected(before, after, reader=demo_facet.store.privacy, actor=officer, uow=demo_facet.uow())
    assert {row.customer_id for row in found} == {first, second}
    assert all(row.name and row.email and row.events >= 1 for row in found)
    earlier = privacy.affected(before - dt.timedelta(days=1), before, reader=demo_facet.store.privacy,
                               actor=officer, uow=demo_facet.uow())
    assert not {first, second} & {row.customer_id for row in earlier}

    with pytest.raises(ValidationError) as raised:
        privacy.affected(after, before, reader=demo_facet.store.privacy, actor=officer, uow=demo_facet.uow())
    assert raised.value.field == "until"
    with pytest.raises(PermissionDenied):
        privacy.affected(before, after, reader=demo_facet.store.privacy, actor=clerk, uow=demo_facet.uow())
    with pytest.raises(PermissionDenied):
        privacy.access_log(first, reader=demo_facet.store.privacy, actor=clerk, uow=demo_facet.uow())
    refused = [r.action for r in privacy.access_log(first, reader=demo_facet.store.privacy, actor=officer, uow=demo_facet.uow())]
    assert "permission.refused" not in refused  # a refusal is audited, but it read nothing of the customer's


@pytest.mark.usefixtures("cli_owner")
def test_the_command_line_answers_for_an_incident_and_one_customer(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    from pos_app import cli

    facet = app.open_facet(demo_dir)
    try:
        first, _, last = _two_customers(facet)
    finally:
        facet.close()

    def run(*argv: str) -> tuple[int, Any]:
        code = cli.main([*argv, "--json", "--data-dir", str(demo_dir)])
        return code, json.loads(capsys.readouterr().out)

    start = dt.datetime.now(dt.UTC).isoformat()
    assert run("customers", "list", "--search", last)[0] == 0
    end = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).isoformat()
    code, found = run("privacy", "affected", "--since", start, "--until", end)
    assert code == 0 and first in {c["customer_id"] for c in found["customers"]}
    code, log = run("privacy", "access-log", first)
    assert code == 0 and "customers.viewed" in {e["action"] for e in log["events"]}
    assert run("privacy", "affected", "--since", "yesterday", "--until", end)[0] == 2
