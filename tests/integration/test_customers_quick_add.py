"""Adding a customer at the counter: consent asked properly, nothing kept on bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pos_app import app
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services.customers import QuickCustomer, quick_add_customer
from tests.conftest import actor_for


def _rows(facet: app.Facet, sql: str, *args: object) -> list[tuple[object, ...]]:
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


def _counts(facet: app.Facet) -> tuple[object, ...]:
    return _rows(facet, "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM consent_events), "
                        "(SELECT count(*) FROM audit_events)")[0]


def _policy(facet: app.Facet) -> tuple[str, int]:
    policy = facet.store.sales.current_policy_version(dt.date(2026, 11, 25))
    assert policy is not None
    return policy


def test_a_new_customer_has_both_marketing_consents_refused_unless_asked(demo_facet: app.Facet) -> None:
    clerk, policy = actor_for(demo_facet, Role.CLERK), _policy(demo_facet)
    customer_id = quick_add_customer(QuickCustomer("Ada", "Quill", "ada@example.com", "", adult_confirmed=True),
                                     uow=demo_facet.uow(), actor=clerk, policy=policy)
    consents = _rows(demo_facet, "SELECT purpose, granted, channel, policy_version_id, staff_id FROM consent_events "
                                 "WHERE customer_id = ? ORDER BY purpose", customer_id)
    assert consents == [("marketing_email", 0, "counter", policy[0], clerk.staff_id),
                        ("marketing_sms", 0, "counter", policy[0], clerk.staff_id)]


def test_a_new_customer_is_kept_normalized_with_the_answers_and_policy_version_given(demo_facet: app.Facet) -> None:
    clerk, policy = actor_for(demo_facet, Role.CLERK), _policy(demo_facet)
    customer_id = quick_add_customer(
        QuickCustomer("  Ada ", "Quill", "Ada.Quill@Example.com", "(212) 555-0142", adult_confirmed=True,
                      marketing_sms=True),
        uow=demo_facet.uow(), actor=clerk, policy=policy)
    row = _rows(demo_facet, "SELECT first_name, email, phone, adult_confirmed FROM customers WHERE id = ?",
                customer_id)
    assert row == [("Ada", "Ada.Quill@example.com", "+12125550142", 1)]
    consents = _rows(demo_facet, "SELECT purpose, granted, channel, policy_version_id, staff_id FROM consent_events "
                                 "WHERE customer_id = ? ORDER BY purpose", customer_id)
    assert consents == [("marketing_email", 0, "counter", policy[0], clerk.staff_id),
                        ("marketing_sms", 1, "counter", policy[0], clerk.staff_id)]
    assert demo_facet.store.sales.find_customers("quill")[0].id == customer_id


def test_the_audit_event_names_no_personal_value(demo_facet: app.Facet) -> None:
    clerk, policy = actor_for(demo_facet, Role.CLERK), _policy(demo_facet)
    customer_id = quick_add_customer(
        QuickCustomer("Ada", "Quill", "ada.quill@example.com", "(212) 555-0142", adult_confirmed=True,
                      marketing_email=True),
        uow=demo_facet.uow(), actor=clerk, policy=policy)
    [(summary, staff_id)] = _rows(demo_facet, "SELECT summary, staff_id FROM audit_events "
                                              "WHERE action = 'customer.created' AND entity_id = ?", customer_id)
    text = str(summary)
    for personal in ("Ada", "Quill", "ada.quill", "example.com", "555", "0142"):
        assert personal.lower() not in text.lower()
    assert json.loads(text) == {"channel": "counter", "policy_version": policy[1], "marketing_email": True,
                                "marketing_sms": False}
    assert staff_id == clerk.staff_id


def test_without_a_policy_on_record_the_consents_are_kept_without_a_version(demo_facet: app.Facet) -> None:
    customer_id = quick_add_customer(QuickCustomer("Ada", "Quill", "", "212 555 0142", True),
                                     uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK), policy=None)
    assert _rows(demo_facet, "SELECT DISTINCT policy_version_id FROM consent_events WHERE customer_id = ?",
                 customer_id) == [(None,)]


@pytest.mark.parametrize(("form", "field"), [
    (QuickCustomer("", "Quill", "ada@example.com", "", True), "first name"),
    (QuickCustomer("Ada", "  ", "ada@example.com", "", True), "last name"),
    (QuickCustomer("A" * 81, "Quill", "ada@example.com", "", True), "first name"),
    (QuickCustomer("Ada", "Quill", "not-an-email", "", True), "email"),
    (QuickCustomer("Ada", "Quill", "ada@", "(212) 555-0142", True), "email"),
    (QuickCustomer("Ada", "Quill", "", "12", True), "phone"),
    (QuickCustomer("Ada", "Quill", "ada@example.com", "call me", True), "phone"),
    (QuickCustomer("Ada", "Quill", "", "", True), "email"),
    (QuickCustomer("Ada", "Quill", "", "(212) 555-0142", True, marketing_email=True), "marketing email"),
    (QuickCustomer("Ada", "Quill", "ada@example.com", "", True, marketing_sms=True), "marketing texts"),
    (QuickCustomer("Ada\x00", "Quill", "ada@example.com", "", True), "first name"),
    (QuickCustomer("Ada", "Qu\x1bill", "ada@example.com", "", True), "last name"),
])
def test_bad_input_names_the_field_and_writes_nothing(demo_facet: app.Facet, form: QuickCustomer,
                                                     field: str) -> None:
    before = _counts(demo_facet)
    with pytest.raises(ValidationError) as caught:
        quick_add_customer(form, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK),
                           policy=_policy(demo_facet))
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert _counts(demo_facet) == before


def test_someone_under_18_is_refused_and_nothing_about_them_is_kept(demo_facet: app.Facet) -> None:
    before = _counts(demo_facet)
    with pytest.raises(ValidationError) as caught:
        quick_add_customer(QuickCustomer("Tim", "Young", "tim@example.com", "", adult_confirmed=False,
                                         marketing_email=True),
                           uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK), policy=_policy(demo_facet))
    assert caught.value.field == "adult" and "under 18" in str(caught.value)
    assert _counts(demo_facet) == before
    assert demo_facet.store.sales.find_customers("Young") == []


def test_an_appraiser_cannot_add_customers(demo_facet: app.Facet) -> None:
    before = _counts(demo_facet)
    with pytest.raises(PermissionDenied):
        quick_add_customer(QuickCustomer("Ada", "Quill", "ada@example.com", "", True), uow=demo_facet.uow(),
                           actor=actor_for(demo_facet, Role.APPRAISER), policy=None)
    customers_before, consents_before, audit_before = before
    assert _counts(demo_facet) == (customers_before, consents_before, audit_before + 1), "only the refusal is kept"
