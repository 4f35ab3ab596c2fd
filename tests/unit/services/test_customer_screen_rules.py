"""The customers screen and the mailing list (services/customers.py) on the fake customer reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import customers
from tests.fakes.builders import actor, add_customer
from tests.fakes.customer_reader import FakeCustomerReader
from tests.fakes.files import FakeFileOutput
from tests.fakes.uow import FakeUnitOfWork

CLERK, MANAGER, OFFICER = actor(Role.CLERK), actor(Role.MANAGER), actor(Role.PRIVACY_OFFICER)
TODAY = dt.date(2026, 3, 2)
AT = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)


def consent(uow: FakeUnitOfWork, customer: str, purpose: str, granted: bool, hours: int = 0) -> None:
    uow.customers.add_consent(customer, purpose, granted, channel="counter", policy_version_id=None, staff_id=None,
                              at=AT + dt.timedelta(hours=hours))


def test_viewing_a_customer_is_an_audit_event_naming_them(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    detail = customers.customer_detail(ruby, reader=FakeCustomerReader(uow.state), actor=CLERK, uow=uow, today=TODAY)
    assert detail.profile.name == "Ruby Stone"
    [event] = uow.of("customer.viewed")
    assert (event.entity_id, event.actor.name) == (ruby, CLERK.name)


def test_the_latest_consent_answer_is_the_one_that_counts(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    consent(uow, ruby, "marketing_email", True)
    consent(uow, ruby, "marketing_email", False, hours=1)
    detail = customers.customer_detail(ruby, reader=FakeCustomerReader(uow.state), actor=CLERK, uow=uow, today=TODAY)
    current = detail.current("marketing_email")
    assert current is not None and current.granted is False and detail.current("marketing_sms") is None


def test_privacy_requests_show_only_to_who_handles_them(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    uow.privacy.add(customer_id=ruby, type="access", channel="email", received_on=TODAY,
                    due_on=TODAY + dt.timedelta(days=30))
    reader = FakeCustomerReader(uow.state)
    assert customers.customer_detail(ruby, reader=reader, actor=CLERK, uow=uow, today=TODAY).requests == []
    shown = customers.customer_detail(ruby, reader=reader, actor=OFFICER, uow=uow, today=TODAY).requests
    assert [r.type for r in shown] == ["access"]


def test_an_erased_customer_has_no_record_to_show(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    uow.state.customers[ruby]["erased_at"] = AT
    with pytest.raises(ValidationError) as refused:
        customers.customer_detail(ruby, reader=FakeCustomerReader(uow.state), actor=CLERK, uow=uow, today=TODAY)
    assert refused.value.field == "customer_id" and uow.events == []


def test_the_mailing_list_holds_only_who_said_yes_last_and_did_not_object(uow: FakeUnitOfWork,
                                                                         tmp_path: Path) -> None:
    yes = add_customer(uow, first_name="Ada", email="ada@example.com")
    changed_mind = add_customer(uow, first_name="Bea", email="bea@example.com")
    restricted = add_customer(uow, first_name="Cy", email="cy@example.com", restricted=True)
    for who in (yes, changed_mind, restricted):
        consent(uow, who, "marketing_email", True)
    consent(uow, changed_mind, "marketing_email", False, hours=1)
    out, files = tmp_path / "list.csv", FakeFileOutput([tmp_path])
    count = customers.export_marketing_list(out, reader=FakeCustomerReader(uow.state), uow=uow, files=files,
                                            actor=MANAGER)
    assert count == 1 and "ada@example.com" in files.text(out) and "bea@" not in files.text(out)
    assert uow.of("customers.marketing_list_exported")[0].summary == {"purpose": "marketing_email", "customers": 1}


def test_advertising_partners_get_no_list(uow: FakeUnitOfWork, tmp_path: Path) -> None:
    files = FakeFileOutput([tmp_path])
    with pytest.raises(ValidationError) as refused:
        customers.export_marketing_list(tmp_path / "x.csv", purpose="ad_sharing", reader=FakeCustomerReader(uow.state),
                                        uow=uow, files=files, actor=MANAGER)
    assert refused.value.field == "purpose" and files.written == {}


def test_a_clerk_exports_no_mailing_list(uow: FakeUnitOfWork, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        customers.export_marketing_list(tmp_path / "x.csv", reader=FakeCustomerReader(uow.state), uow=uow,
                                        files=FakeFileOutput([tmp_path]), actor=CLERK)
