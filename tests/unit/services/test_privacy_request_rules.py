"""Privacy requests on the fakes: the 30-day clock, verification, the one extension, closing, policy versions."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import privacy
from tests.fakes.builders import actor, add_customer, staff_id
from tests.fakes.privacy import FakePrivacyReader
from tests.fakes.uow import FakeUnitOfWork

OFFICER = actor(Role.PRIVACY_OFFICER)
TODAY = dt.date(2026, 3, 2)


def received(uow: FakeUnitOfWork, on: dt.date = TODAY) -> str:
    return privacy.record_request(add_customer(uow), "access", "email", on, uow=uow, actor=OFFICER, today=TODAY).id


def verified(uow: FakeUnitOfWork) -> str:
    request = received(uow)
    privacy.verify(request, "in_person_id", staff_id(Role.PRIVACY_OFFICER), uow=uow, actor=OFFICER)
    return request


def test_a_request_is_due_thirty_days_after_it_was_received(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow)
    record = privacy.record_request(customer, "deletion", "phone", dt.date(2026, 2, 20), uow=uow, actor=OFFICER,
                                    today=TODAY)
    assert (record.status, record.due_on) == ("received", dt.date(2026, 3, 22))
    assert uow.events[-1].action == "privacy.request_received"
    assert uow.events[-1].summary == {"customer_id": customer, "type": "deletion", "channel": "phone",
                                      "received_on": "2026-02-20", "due_on": "2026-03-22"}


@pytest.mark.parametrize("on", [TODAY + dt.timedelta(days=1), TODAY - dt.timedelta(days=400)],
                         ids=["tomorrow", "over a year ago"])
def test_a_request_is_recorded_the_day_it_arrives(uow: FakeUnitOfWork, on: dt.date) -> None:
    customer = add_customer(uow)
    with pytest.raises(ValidationError) as refused:
        privacy.record_request(customer, "access", "email", on, uow=uow, actor=OFFICER, today=TODAY)
    assert refused.value.field == "received_on" and uow.state.requests == {}


def test_a_request_names_a_customer_on_file(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        privacy.record_request("nobody", "access", "email", uow=uow, actor=OFFICER, today=TODAY)
    assert refused.value.field == "customer_id"


def test_only_a_privacy_officer_or_the_owner_verifies_identity(uow: FakeUnitOfWork) -> None:
    request = received(uow)
    with pytest.raises(ValidationError) as refused:
        privacy.verify(request, "in_person_id", staff_id(Role.MANAGER), uow=uow, actor=OFFICER)
    assert refused.value.field == "verified_by"
    record = privacy.verify(request, "in_person_id", staff_id(Role.OWNER), uow=uow, actor=OFFICER)
    assert (record.status, record.verified_by) == ("verified", staff_id(Role.OWNER))


def test_a_request_is_verified_once(uow: FakeUnitOfWork) -> None:
    request = verified(uow)
    with pytest.raises(Conflict, match="already verified"):
        privacy.verify(request, "in_person_id", staff_id(Role.OWNER), uow=uow, actor=OFFICER)


def test_one_extension_of_up_to_45_days_with_the_customer_told(uow: FakeUnitOfWork) -> None:
    request = received(uow)
    record = privacy.extend(request, "many records", TODAY, uow=uow, actor=OFFICER, days=45, today=TODAY)
    assert record.due_on == TODAY + dt.timedelta(days=30 + 45)
    assert uow.events[-1].summary["previous_due_on"] == "2026-04-01"
    assert "reason" not in uow.events[-1].summary  # free text stays on the request, off the audit trail
    with pytest.raises(Conflict, match="already extended once"):
        privacy.extend(request, "still more", TODAY, uow=uow, actor=OFFICER, today=TODAY)


def test_an_extension_cannot_add_more_than_45_days(uow: FakeUnitOfWork) -> None:
    request = received(uow)
    with pytest.raises(ValidationError) as refused:
        privacy.extend(request, "many records", TODAY, uow=uow, actor=OFFICER, days=46, today=TODAY)
    assert refused.value.field == "days" and uow.state.requests[request].extension_reason is None


def test_the_customer_is_told_of_an_extension_before_the_due_date(uow: FakeUnitOfWork) -> None:
    request = received(uow, on=dt.date(2026, 1, 2))
    with pytest.raises(ValidationError) as refused:
        privacy.extend(request, "many records", dt.date(2026, 2, 2), uow=uow, actor=OFFICER, today=TODAY)
    assert refused.value.field == "told_on"


def test_a_request_is_completed_only_once_identity_is_verified(uow: FakeUnitOfWork) -> None:
    request = received(uow)
    with pytest.raises(Conflict, match="verify the customer's identity first"):
        privacy.close_request(request, "completed", "sent the export", uow=uow, actor=OFFICER)
    record = privacy.close_request(verified(uow), "completed", "sent the export", uow=uow, actor=OFFICER)
    assert record.status == "completed" and uow.events[-1].action == "privacy.request_completed"


def test_an_unverified_request_may_be_refused(uow: FakeUnitOfWork) -> None:
    record = privacy.close_request(received(uow), "refused", "could not verify", uow=uow, actor=OFFICER)
    assert record.status == "refused" and uow.events[-1].action == "privacy.request_refused"


def test_a_closed_request_cannot_be_extended(uow: FakeUnitOfWork) -> None:
    request = received(uow)
    privacy.close_request(request, "refused", "could not verify", uow=uow, actor=OFFICER)
    with pytest.raises(Conflict, match="closed request cannot be extended"):
        privacy.extend(request, "more", TODAY, uow=uow, actor=OFFICER, today=TODAY)


def test_a_request_is_closed_as_completed_or_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        privacy.close_request(received(uow), "verified", "x", uow=uow, actor=OFFICER)
    assert refused.value.field == "status"


def test_the_desk_lists_only_requests_due_within_the_days_asked(uow: FakeUnitOfWork) -> None:
    soon = received(uow, on=TODAY - dt.timedelta(days=25))
    received(uow)
    rows = privacy.list_requests(reader=FakePrivacyReader(uow.state), actor=OFFICER, today=TODAY,
                                 due_within_days=7, uow=uow)
    assert [(r.id, r.days_left) for r in rows] == [(soon, 5)]
    with pytest.raises(ValidationError) as refused:
        privacy.list_requests(reader=FakePrivacyReader(uow.state), actor=OFFICER, today=TODAY,
                              due_within_days=400, uow=uow)
    assert refused.value.field == "due_within_days"


def test_a_policy_version_takes_effect_today_or_later_and_never_repeats(uow: FakeUnitOfWork) -> None:
    first = privacy.publish_policy("We keep receipts 7 years.", TODAY, uow=uow, actor=OFFICER, today=TODAY)
    assert (first.version, first.in_force) == (1, True)
    with pytest.raises(ValidationError) as past:
        privacy.publish_policy("Older text", TODAY - dt.timedelta(days=1), uow=uow, actor=OFFICER, today=TODAY)
    assert past.value.field == "effective_on"
    with pytest.raises(Conflict, match="same as version 1"):
        privacy.publish_policy("We keep receipts 7 years.", TODAY, uow=uow, actor=OFFICER, today=TODAY)
    later = privacy.publish_policy("Now 10 years for appraisals.", TODAY + dt.timedelta(days=10), uow=uow,
                                   actor=OFFICER, today=TODAY)
    assert (later.version, later.in_force) == (2, False)
    assert [v.in_force for v in privacy.policy_versions(uow=uow, actor=OFFICER, today=TODAY)] == [True, False]


def test_an_empty_policy_text_is_not_published(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        privacy.publish_policy("   ", TODAY, uow=uow, actor=OFFICER, today=TODAY)
    assert refused.value.field == "text" and uow.state.policies == []


def test_who_saw_a_customer_is_answered_from_the_trail(uow: FakeUnitOfWork) -> None:
    from pos_app.services import customers

    customer = add_customer(uow)
    customers.set_privacy_flags(customer, uow=uow, actor=actor(Role.CLERK), do_not_sell=True)
    rows = privacy.access_log(customer, reader=FakePrivacyReader(uow.state), actor=OFFICER, uow=uow)
    assert [(r.staff, r.action) for r in rows] == [("Cody Clerk", "customer.privacy_flags_changed")]
    with pytest.raises(ValidationError) as refused:
        privacy.access_log(" ", reader=FakePrivacyReader(uow.state), actor=OFFICER, uow=uow)
    assert refused.value.field == "customer_id"


def test_an_incident_window_needs_time_zones_and_an_end_after_its_start(uow: FakeUnitOfWork) -> None:
    reader = FakePrivacyReader(uow.state)
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as naive:
        privacy.affected(start.replace(tzinfo=None), start, reader=reader, actor=OFFICER, uow=uow)
    assert naive.value.field == "since"
    with pytest.raises(ValidationError) as backwards:
        privacy.affected(start, start, reader=reader, actor=OFFICER, uow=uow)
    assert backwards.value.field == "until"
