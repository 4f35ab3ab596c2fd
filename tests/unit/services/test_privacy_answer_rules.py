"""Which privacy request a command given only the customer answers (services/privacy.py), on the fakes."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.permissions import Role
from pos_app.domain.privacy import RequestType
from pos_app.services import privacy
from tests.fakes.builders import actor, add_customer, staff_id
from tests.fakes.privacy import FakePrivacyReader
from tests.fakes.uow import FakeUnitOfWork

OFFICER = actor(Role.PRIVACY_OFFICER)
TODAY = dt.date(2026, 3, 2)
DELETION = (RequestType.DELETION,)


def request(uow: FakeUnitOfWork, customer: str, kind: str = "deletion", *, verified: bool = True) -> str:
    found = privacy.record_request(customer, kind, "email", uow=uow, actor=OFFICER, today=TODAY).id
    if verified:
        privacy.verify(found, "in_person_id", staff_id(Role.PRIVACY_OFFICER), uow=uow, actor=OFFICER)
    return found


def answer(uow: FakeUnitOfWork, customer: str) -> str:
    return privacy.request_to_answer(customer, DELETION, reader=FakePrivacyReader(uow.state), actor=OFFICER,
                                     today=TODAY, uow=uow)


def test_the_customers_one_verified_request_of_the_kind_is_the_one_answered(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    request(uow, ruby, "access")
    wanted = request(uow, ruby)
    assert answer(uow, f" {ruby} ") == wanted


def test_two_verified_requests_must_be_told_apart(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    first, second = request(uow, ruby), request(uow, ruby)
    with pytest.raises(ValidationError, match="2 verified deletion requests") as refused:
        answer(uow, ruby)
    assert refused.value.field == "request" and first in str(refused.value) and second in str(refused.value)


def test_an_unverified_request_is_named_with_what_to_do_first(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    pending = request(uow, ruby, verified=False)
    with pytest.raises(Conflict, match=f"{pending} is not verified yet"):
        answer(uow, ruby)


def test_without_an_open_request_there_is_nothing_to_answer(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    request(uow, ruby, "access")
    with pytest.raises(ValidationError, match="no open deletion request") as refused:
        answer(uow, ruby)
    assert refused.value.field == "request"
