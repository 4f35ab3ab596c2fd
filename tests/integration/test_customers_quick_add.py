"""Adding a customer at the counter: consent asked properly, nothing kept on bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app import app
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Role
from pos_app.services.customers import QuickCustomer, quick_add_customer
from tests.conftest import actor_for


def _count(facet: app.Facet, table: str) -> int:
    return int(facet.connection().execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_new_customer_has_marketing_off_unless_asked_and_the_policy_version_recorded(demo_facet: app.Facet) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    policy = demo_facet.sales_reader().current_policy_version(dt.date(2026, 11, 25))
    assert policy is not None
    customer_id = quick_add_customer(
        QuickCustomer("Ada", "Quill", "Ada.Quill@Example.com", "(212) 555-0142", adult_confirmed=True,
                      marketing_sms=True),
        uow=demo_facet.uow(), actor=clerk, policy=policy)
    conn = demo_facet.connection()
    row = conn.execute("SELECT first_name, email, phone, adult_confirmed FROM customers WHERE id = ?",
                       (customer_id,)).fetchone()
    assert row == ("Ada", "Ada.Quill@example.com", "+12125550142", 1)
    consents = conn.execute("SELECT purpose, granted, channel, policy_version_id, staff_id FROM consent_events "
                            "WHERE customer_id = ? ORDER BY purpose", (customer_id,)).fetchall()
    assert consents == [("marketing_email", 0, "counter", policy[0], clerk.staff_id),
                        ("marketing_sms", 1, "counter", policy[0], clerk.staff_id)]
    summary = conn.execute("SELECT summary FROM audit_events WHERE action = 'customer.created' "
                           "AND entity_id = ?", (customer_id,)).fetchone()[0]
    assert "Ada" not in summary and "Quill" not in summary and "555" not in summary
    assert demo_facet.sales_reader().find_customers("quill")[0].id == customer_id


@pytest.mark.parametrize(("form", "field"), [
    (QuickCustomer("", "Quill", "ada@example.com", "", True), "first name"),
    (QuickCustomer("Ada", "Quill", "not-an-email", "", True), "email"),
    (QuickCustomer("Ada", "Quill", "", "12", True), "phone"),
    (QuickCustomer("Ada", "Quill", "", "", True), "email"),
    (QuickCustomer("Ada", "Quill", "ada@example.com", "", False), "adult"),
    (QuickCustomer("Ada", "Quill", "", "(212) 555-0142", True, marketing_email=True), "marketing email"),
])
def test_bad_input_names_the_field_and_writes_nothing(demo_facet: app.Facet, form: QuickCustomer,
                                                     field: str) -> None:
    before = (_count(demo_facet, "customers"), _count(demo_facet, "consent_events"),
              _count(demo_facet, "audit_events"))
    with pytest.raises(ValidationError) as caught:
        quick_add_customer(form, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK), policy=None)
    assert caught.value.field == field
    assert (_count(demo_facet, "customers"), _count(demo_facet, "consent_events"),
            _count(demo_facet, "audit_events")) == before


def test_an_appraiser_cannot_add_customers(demo_facet: app.Facet) -> None:
    from pos_app.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        quick_add_customer(QuickCustomer("Ada", "Quill", "ada@example.com", "", True), uow=demo_facet.uow(),
                           actor=actor_for(demo_facet, Role.APPRAISER), policy=None)
