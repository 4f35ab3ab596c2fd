"""Consents as events, the privacy flags every part of Facet honors, and the mailing tool's list."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import customers
from pos_app.services.ports.customers import ConsentRow
from tests.conftest import actor_for, audit_events

TODAY = dt.date(2026, 11, 25)


def rows(facet: app.Facet, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def counts(facet: app.Facet) -> tuple[int, int, int]:
    return rows(facet, "SELECT (SELECT count(*) FROM consent_events), (SELECT count(*) FROM audit_events), "
                       "(SELECT count(*) FROM outbox)")[0]


def _customer(facet: app.Facet, *, restricted: bool = False) -> str:
    return str(rows(facet, "SELECT id FROM customers WHERE restricted = ? AND email IS NOT NULL AND phone IS NOT NULL "
                           "AND NOT marketing_objection ORDER BY last_name LIMIT 1", (restricted,))[0][0])


def _consents(facet: app.Facet, customer_id: str) -> list[ConsentRow]:
    """The customer's consent events, newest first, as the customers screen reads them."""
    with facet.open_store() as store:
        return store.customers.consents(customer_id)


def _latest(facet: app.Facet, customer_id: str, purpose: str) -> tuple[Any, ...]:
    latest = next(c for c in _consents(facet, customer_id) if c.purpose == purpose)
    return latest.granted, latest.channel, latest.recorded_by, latest.policy_version


def test_withdrawing_is_one_event_naming_the_policy_and_nothing_is_overwritten(demo_facet: app.Facet) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    customer_id = _customer(demo_facet)
    before = len(_consents(demo_facet, customer_id))
    customers.change_consent(customer_id, "email", True, channel="counter", uow=demo_facet.uow(), actor=clerk,
                             today=TODAY)
    customers.change_consent(customer_id, "marketing email", False, channel="phone", uow=demo_facet.uow(),
                             actor=clerk, today=TODAY)
    assert _latest(demo_facet, customer_id, "marketing_email") == (False, "phone", clerk.name, 1)
    after = len(_consents(demo_facet, customer_id))
    assert after == before + 2, "both answers are kept, in order"
    [summary] = [e.summary for e in audit_events(demo_facet, "customer.consent_withdrawn") if e.entity_id == customer_id]
    assert "@" not in summary and "marketing_email" in summary


def test_a_restricted_customer_can_withdraw_at_the_counter_but_only_the_privacy_officer_records_a_yes(
        demo_facet: app.Facet) -> None:
    clerk, officer = actor_for(demo_facet, Role.CLERK), actor_for(demo_facet, Role.PRIVACY_OFFICER)
    customer_id = _customer(demo_facet, restricted=True)
    customers.change_consent(customer_id, "sms", False, channel="counter", uow=demo_facet.uow(), actor=clerk,
                             today=TODAY)
    before = counts(demo_facet)
    with pytest.raises(PermissionDenied):
        customers.change_consent(customer_id, "sms", True, channel="counter", uow=demo_facet.uow(), actor=clerk,
                                 today=TODAY)
    consents_before, audit_before, outbox_before = before
    assert counts(demo_facet) == (consents_before, audit_before + 1, outbox_before), "only the refusal is recorded"
    customers.change_consent(customer_id, "sms", True, channel="phone", uow=demo_facet.uow(), actor=officer,
                             today=TODAY)
    assert _latest(demo_facet, customer_id, "marketing_sms")[0] is True


@pytest.mark.parametrize(("customer", "purpose", "channel", "field"), [
    ("no-such-customer", "email", "counter", "customer_id"),
    (None, "carrier pigeon", "counter", "purpose"),
    (None, "email", "telepathy", "channel"),
])
def test_bad_input_names_the_field_and_records_nothing(demo_facet: app.Facet, customer: str | None, purpose: str,
                                                      channel: str, field: str) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    before = counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        customers.change_consent(customer or _customer(demo_facet), purpose, True, channel=channel,
                                 uow=demo_facet.uow(), actor=clerk, today=TODAY)
    assert raised.value.field == field
    assert counts(demo_facet) == before


def test_opting_out_is_anyones_but_undoing_it_or_restricting_is_the_privacy_officers(demo_facet: app.Facet) -> None:
    clerk, officer = actor_for(demo_facet, Role.CLERK), actor_for(demo_facet, Role.PRIVACY_OFFICER)
    customer_id = _customer(demo_facet)
    flags = customers.set_privacy_flags(customer_id, uow=demo_facet.uow(), actor=clerk, do_not_sell=True,
                                        marketing_objection=True)
    assert flags.do_not_sell and flags.marketing_objection and not flags.restricted
    for change in ({"do_not_sell": False}, {"restricted": True}, {"marketing_objection": False}):
        with pytest.raises(PermissionDenied):
            customers.set_privacy_flags(customer_id, uow=demo_facet.uow(), actor=clerk, **change)
    flags = customers.set_privacy_flags(customer_id, uow=demo_facet.uow(), actor=officer, restricted=True,
                                        do_not_sell=False)
    assert flags.restricted and not flags.do_not_sell and flags.marketing_objection
    assert rows(demo_facet, "SELECT restricted, do_not_sell, marketing_objection FROM customers WHERE id = ?",
                (customer_id,)) == [(1, 0, 1)]


def test_the_mailing_list_has_only_those_who_said_yes_and_are_neither_restricted_nor_objecting(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    manager, officer = actor_for(demo_facet, Role.MANAGER), actor_for(demo_facet, Role.PRIVACY_OFFICER)
    clerk = actor_for(demo_facet, Role.CLERK)
    yes, objecting, withdrawn = [r[0] for r in rows(
        demo_facet, "SELECT id FROM customers WHERE NOT restricted AND NOT marketing_objection "
                    "AND email IS NOT NULL ORDER BY first_name LIMIT 3")]
    restricted = _customer(demo_facet, restricted=True)
    for customer_id in (yes, objecting, withdrawn):
        customers.change_consent(customer_id, "email", True, channel="counter", uow=demo_facet.uow(), actor=clerk,
                                 today=TODAY)
    customers.change_consent(restricted, "email", True, channel="counter", uow=demo_facet.uow(), actor=officer,
                             today=TODAY)
    customers.set_privacy_flags(objecting, uow=demo_facet.uow(), actor=clerk, marketing_objection=True)
    customers.change_consent(withdrawn, "email", False, channel="email", uow=demo_facet.uow(), actor=clerk,
                             today=TODAY)

    out = tmp_path / "mailing.csv"
    count = customers.export_marketing_list(out, reader=demo_facet.store.customers, uow=demo_facet.uow(), files=demo_facet.devices.files,
                                            actor=manager)
    with out.open(newline="", encoding="utf-8") as handle:
        listed = list(csv.DictReader(handle))
    assert len(listed) == count > 0
    emails = {r["email"] for r in listed}
    email_of = dict(rows(demo_facet, "SELECT id, email FROM customers"))
    assert email_of[yes] in emails
    assert not {email_of[objecting], email_of[withdrawn], email_of[restricted]} & emails
    # Everyone listed said yes last, and is neither restricted nor objecting.
    for email in emails:
        (customer_id, is_restricted, objects), = rows(
            demo_facet, "SELECT id, restricted, marketing_objection FROM customers WHERE email = ?", (email,))
        assert not is_restricted and not objects
        assert _latest(demo_facet, customer_id, "marketing_email")[0] is True
    [summary] = [e.summary for e in audit_events(demo_facet, "customers.marketing_list_exported")]
    assert "@" not in summary and str(count) in summary

    with pytest.raises(PermissionDenied):
        customers.export_marketing_list(tmp_path / "clerk.csv", reader=demo_facet.store.customers,
                                        uow=demo_facet.uow(), files=demo_facet.devices.files, actor=clerk)
    with pytest.raises(ValidationError) as raised:
        customers.export_marketing_list(tmp_path / "ads.csv", purpose="advertising",
                                        reader=demo_facet.store.customers, uow=demo_facet.uow(), files=demo_facet.devices.files, actor=manager)
    assert raised.value.field == "purpose"
    assert not (tmp_path / "clerk.csv").exists() and not (tmp_path / "ads.csv").exists()


@pytest.mark.usefixtures("cli_owner")
def test_the_command_line_records_answers_sets_flags_and_writes_the_mailing_list(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    import json

    from pos_app import cli

    facet = app.open_facet(demo_dir)
    try:
        customer_id = _customer(facet)
        email = rows(facet, "SELECT email FROM customers WHERE id = ?", (customer_id,))[0][0]
    finally:
        facet.close()

    def run(*argv: str) -> tuple[int, Any]:
        code = cli.main([*argv, "--json", "--data-dir", str(demo_dir)])
        return code, json.loads(capsys.readouterr().out)

    code, said = run("customers", "consent", customer_id, "yes", "--purpose", "email", "--channel", "counter")
    assert code == 0 and said["granted"] is True and said["consent_event_id"]
    out = tmp_path / "list.csv"
    code, wrote = run("customers", "marketing-export", "--out", str(out))
    assert code == 0 and email in out.read_text(encoding="utf-8") and wrote["customers"] >= 1
    code, flags = run("customers", "flags", customer_id, "--objection", "on")
    assert code == 0 and flags["marketing_objection"] is True
    run("customers", "marketing-export", "--out", str(out))
    assert email not in out.read_text(encoding="utf-8")
    assert run("customers", "flags", customer_id, "--restricted", "maybe")[0] == 2
    assert run("customers", "consent", customer_id, "yes", "--purpose", "pigeon", "--channel", "counter")[0] == 2


def test_the_texting_list_has_phones_in_e164_without_an_apostrophe_and_formula_names_stay_guarded(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    """A texting tool refuses "'+12125550199"; a plus and digits run nothing, a name starting with = would."""
    clerk, manager = actor_for(demo_facet, Role.CLERK), actor_for(demo_facet, Role.MANAGER)
    policy = demo_facet.store.sales.current_policy_version(TODAY)
    assert policy is not None
    customers.quick_add_customer(
        customers.QuickCustomer("=HYPERLINK(\"http://x.example\")", "-Quill", "", "(212) 555-0199", True,
                                marketing_sms=True), uow=demo_facet.uow(), actor=clerk, policy=policy)
    out = tmp_path / "texts.csv"
    count = customers.export_marketing_list(out, purpose="sms", reader=demo_facet.store.customers,
                                            uow=demo_facet.uow(), files=demo_facet.devices.files, actor=manager)
    with out.open(newline="", encoding="utf-8") as handle:
        listed = list(csv.DictReader(handle))
    assert len(listed) == count > 1
    [added] = [r for r in listed if r["phone"] == "+12125550199"]
    assert (added["first_name"], added["last_name"]) == ("'=HYPERLINK(\"http://x.example\")", "'-Quill")
    assert all(r["phone"].startswith("+") and r["phone"][1:].isdigit() for r in listed)
    assert not any(cell.startswith(("=", "-", "@")) for r in listed for cell in r.values())
