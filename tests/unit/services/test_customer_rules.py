"""Customers on the fakes: the counter's quick add, consent events, privacy flags, corrections."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import customers
from tests.fakes.builders import actor, add_customer, staff_id
from tests.fakes.uow import FakeUnitOfWork

CLERK, OFFICER, MANAGER = actor(Role.CLERK), actor(Role.PRIVACY_OFFICER), actor(Role.MANAGER)
TODAY = dt.date(2026, 3, 2)


def quick(**changes: object) -> customers.QuickCustomer:
    values: dict[str, object] = {"first_name": "Ruby", "last_name": "Stone", "email": "Ruby@Example.COM",
                                 "phone": "", "adult_confirmed": True, **changes}
    return customers.QuickCustomer(**values)  # type: ignore[arg-type]


def test_a_quick_add_writes_the_customer_both_consent_answers_and_one_event(uow: FakeUnitOfWork) -> None:
    customer = customers.quick_add_customer(quick(marketing_email=True), uow=uow, actor=CLERK, policy=("p-3", 3))
    assert uow.state.customers[customer]["email"] == "Ruby@example.com"
    assert [(c["purpose"], c["granted"], c["policy_version_id"], c["staff_id"]) for c in uow.state.consents] == [
        ("marketing_email", True, "p-3", staff_id(Role.CLERK)), ("marketing_sms", False, "p-3", staff_id(Role.CLERK))]
    assert uow.committed == [("customer.created",)]
    assert uow.events[0].summary == {"channel": "counter", "policy_version": 3, "marketing_email": True,
                                     "marketing_sms": False}


def test_no_record_is_kept_of_anyone_under_18(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        customers.quick_add_customer(quick(adult_confirmed=False), uow=uow, actor=CLERK, policy=None)
    assert refused.value.field == "adult" and uow.state.customers == {}


def test_a_customer_needs_an_email_or_a_phone(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        customers.quick_add_customer(quick(email=""), uow=uow, actor=CLERK, policy=None)
    assert refused.value.field == "email"


def test_marketing_texts_need_a_phone_number(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        customers.quick_add_customer(quick(marketing_sms=True), uow=uow, actor=CLERK, policy=None)
    assert refused.value.field == "marketing texts"


def test_withdrawing_consent_is_allowed_to_anyone_who_serves_customers(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow)
    customers.change_consent(customer, "marketing_email", False, channel="counter", uow=uow,
                             actor=actor(Role.APPRAISER), today=TODAY)
    assert [c["granted"] for c in uow.state.consents] == [False]
    assert uow.events[-1].action == "customer.consent_withdrawn"


def test_consent_names_the_policy_version_in_force(uow: FakeUnitOfWork) -> None:
    old = uow.customers.add_policy_version(1, dt.date(2025, 1, 1), "v1")
    uow.customers.add_policy_version(2, TODAY + dt.timedelta(days=1), "v2")
    customer = add_customer(uow)
    customers.change_consent(customer, "marketing_email", True, channel="email", uow=uow, actor=CLERK, today=TODAY)
    assert uow.state.consents[-1]["policy_version_id"] == old
    assert uow.events[-1].summary == {"purpose": "marketing_email", "channel": "email"}


def test_marketing_email_consent_needs_an_email_on_file(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow, email=None, phone="+12175550100")
    with pytest.raises(ValidationError, match="needs an email address on file"):
        customers.change_consent(customer, "marketing_email", True, channel="counter", uow=uow, actor=CLERK,
                                 today=TODAY)
    assert uow.state.consents == []


def test_consent_of_a_restricted_customer_is_given_only_through_the_privacy_officer(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow, restricted=True)
    with pytest.raises(PermissionDenied):
        customers.change_consent(customer, "marketing_email", True, channel="counter", uow=uow, actor=MANAGER,
                                 today=TODAY)
    customers.change_consent(customer, "marketing_email", True, channel="counter", uow=uow, actor=OFFICER,
                             today=TODAY)
    assert [c["granted"] for c in uow.state.consents] == [True]


def test_anyone_serving_customers_turns_a_protection_on(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow)
    flags = customers.set_privacy_flags(customer, uow=uow, actor=CLERK, do_not_sell=True)
    assert flags.do_not_sell and uow.events[-1].action == "customer.privacy_flags_changed"


@pytest.mark.parametrize("change", [{"do_not_sell": False}, {"restricted": True}], ids=["opt back in", "restrict"])
def test_loosening_a_protection_or_restricting_is_the_privacy_officers(uow: FakeUnitOfWork,
                                                                      change: dict[str, bool]) -> None:
    customer = add_customer(uow)
    customers.set_privacy_flags(customer, uow=uow, actor=CLERK, do_not_sell=True)
    with pytest.raises(PermissionDenied):
        customers.set_privacy_flags(customer, uow=uow, actor=MANAGER, **change)
    assert uow.state.customers[customer]["do_not_sell"] and not uow.state.customers[customer]["restricted"]
    customers.set_privacy_flags(customer, uow=uow, actor=OFFICER, **change)
    assert uow.events[-1].action == "customer.privacy_flags_changed"


def test_unchanged_flags_write_no_event(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow)
    customers.set_privacy_flags(customer, uow=uow, actor=CLERK, do_not_sell=False)
    assert uow.events == []


def test_a_correction_names_the_fields_changed_never_their_values(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow)
    changed = customers.update_customer(customer, customers.CustomerEdit("Ruby", "Stone-Gem", "ruby@example.com",
                                                                         "", notes="likes bezels"),
                                        uow=uow, actor=CLERK)
    assert changed == ["last_name", "notes"]
    assert uow.events[-1].summary == {"fields": ["last_name", "notes"]}


def test_an_erased_customer_cannot_be_changed(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow)
    uow.state.customers[customer]["erased_at"] = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        customers.update_customer(customer, customers.CustomerEdit("A", "B", "a@example.com", ""), uow=uow,
                                  actor=CLERK)
    assert refused.value.field == "customer_id"
