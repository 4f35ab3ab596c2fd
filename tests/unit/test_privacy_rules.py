"""The privacy request rules: forgiving names, the 30-day clock, the one 45-day extension, the moves."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.privacy import (
    Channel,
    RequestStatus,
    RequestType,
    VerificationMethod,
    check_move,
    check_received_on,
    due_on,
    extended_due_on,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("access", RequestType.ACCESS), ("Right to know", RequestType.ACCESS), ("delete", RequestType.DELETION),
    ("opt-out", RequestType.OPT_OUT_SALE), ("Do Not Sell", RequestType.OPT_OUT_SALE),
    ("withdraw_consent", RequestType.WITHDRAW_CONSENT), ("export", RequestType.PORTABILITY),
    ("object", RequestType.OBJECTION), ("restrict", RequestType.RESTRICTION), ("correct", RequestType.CORRECTION),
])
def test_request_types_accept_the_names_people_use(text: str, expected: RequestType) -> None:
    assert RequestType.parse(text, field="type") is expected


def test_channels_and_methods_accept_aliases_and_name_the_field_otherwise() -> None:
    assert Channel.parse("in person", field="channel") is Channel.COUNTER
    assert Channel.parse("letter", field="channel") is Channel.MAIL
    assert VerificationMethod.parse("photo ID", field="method") is VerificationMethod.IN_PERSON_ID
    with pytest.raises(ValidationError) as raised:
        Channel.parse("fax", field="channel")
    assert raised.value.field == "channel"


def test_a_request_is_due_30_days_after_receipt() -> None:
    assert due_on(dt.date(2026, 2, 1)) == dt.date(2026, 3, 3)


def test_an_extension_adds_at_most_45_days_once_and_the_customer_is_told_in_time() -> None:
    received, today = dt.date(2026, 1, 1), dt.date(2026, 1, 20)
    assert extended_due_on(received, already_extended=False, days=45, reason="archive", told_on=today,
                           today=today) == dt.date(2026, 3, 17)
    with pytest.raises(Conflict):
        extended_due_on(received, already_extended=True, days=10, reason="archive", told_on=today, today=today)
    with pytest.raises(ValidationError, match="days"):
        extended_due_on(received, already_extended=False, days=46, reason="archive", told_on=today, today=today)
    with pytest.raises(ValidationError, match="told_on"):
        extended_due_on(received, already_extended=False, days=10, reason="archive", told_on=dt.date(2026, 2, 1),
                        today=dt.date(2026, 2, 5))


def test_status_moves_received_verified_then_completed_or_refused() -> None:
    check_move(RequestStatus.RECEIVED, RequestStatus.VERIFIED)
    check_move(RequestStatus.RECEIVED, RequestStatus.REFUSED)
    check_move(RequestStatus.VERIFIED, RequestStatus.COMPLETED)
    for current, new in ((RequestStatus.RECEIVED, RequestStatus.COMPLETED),
                         (RequestStatus.VERIFIED, RequestStatus.VERIFIED),
                         (RequestStatus.COMPLETED, RequestStatus.REFUSED)):
        with pytest.raises(Conflict):
            check_move(current, new)


def test_a_request_is_recorded_within_a_year_of_arriving_never_later_nor_in_the_future() -> None:
    today = dt.date(2026, 11, 25)
    assert check_received_on(today - dt.timedelta(days=366), today=today) == dt.date(2025, 11, 24)
    for slip in (today - dt.timedelta(days=367), dt.date(1901, 1, 1), today + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as raised:
            check_received_on(slip, today=today)
        assert raised.value.field == "received_on"
