"""Erasing a customer (services/erasure.py) on the fakes: the refusals, what goes, what is kept, and after a restore.

The erasure log is the real file adapter in a temporary folder; the free-text search of the whole store is
tested on the real store (tests/integration/test_erasure*.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from pos_app.adapters.erasure_log import ErasureLogFile
from pos_app.domain.appraisals import parse_appraisal, short_hash
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import appraisals, erasure, privacy
from tests.fakes.builders import actor, add_customer, add_item, add_sale, staff_id
from tests.fakes.uow import FakeUnitOfWork

OFFICER, OWNER, MANAGER = actor(Role.PRIVACY_OFFICER), actor(Role.OWNER), actor(Role.MANAGER)
AT = dt.datetime(2026, 3, 2, 18, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def log(tmp_path: Path) -> ErasureLogFile:
    return ErasureLogFile(tmp_path)


def asked(uow: FakeUnitOfWork, customer: str, *, kind: str = "deletion", verified: bool = True) -> str:
    request = privacy.record_request(customer, kind, "email", uow=uow, actor=OFFICER, today=TODAY).id
    if verified:
        privacy.verify(request, "in_person_id", staff_id(Role.PRIVACY_OFFICER), uow=uow, actor=OFFICER)
    return request


def erase(uow: FakeUnitOfWork, log: ErasureLogFile, customer: str, request: str,
          **kwargs: object) -> erasure.ErasureResult:
    args: dict[str, object] = {"actor": OFFICER, "now": AT, **kwargs}
    return erasure.erase_customer(customer, request, uow=uow, log=log, **args)  # type: ignore[arg-type]


def test_an_erased_customer_is_a_pseudonym_and_the_request_is_completed(uow: FakeUnitOfWork,
                                                                         log: ErasureLogFile) -> None:
    opal = add_customer(uow, first_name="Opal", last_name="Quartz", email="opal@example.com")
    uow.customers.add_consent(opal, "marketing_email", True, channel="counter", policy_version_id=None, staff_id=None)
    request = asked(uow, opal)
    result = erase(uow, log, opal, request)
    row = uow.state.customers[opal]
    assert (row["first_name"], row["last_name"], row["email"], row["erased_at"]) == ("Erased", "customer", None, AT)
    assert uow.state.consents == [] and result.counts["consents_deleted"] == 1
    record = uow.privacy.get(request)
    assert record is not None and record.status == "completed" and "1 consent events" in (record.outcome or "")
    [event] = uow.of("privacy.erased")
    assert event.entity_id == opal and event.summary["request_id"] == request
    assert "opal@example.com" not in repr(event.summary) and "Opal" not in repr(event.summary)


def test_the_erasure_is_logged_in_the_store_and_the_file_beside_it_under_a_salted_hash(
        uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal = add_customer(uow)
    request = asked(uow, opal)
    erase(uow, log, opal, request)
    [entry] = log.entries()
    assert entry.request_id == request and opal not in entry.customer_hash
    assert [h for h, _, _ in uow.state.erasure_log] == [entry.customer_hash]
    assert uow.state.settings[erasure.SALT_SETTING] == log.salt()


def test_sales_appraisals_and_requests_are_kept_without_the_person_with_their_basis_and_end(
        uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal = add_customer(uow)
    add_sale(uow, [(add_item(uow, sku="RING"), 1, 10_000, 0, 0)], customer_id=opal,
             completed_at=dt.datetime(2025, 6, 1, 15, tzinfo=dt.UTC))
    request = asked(uow, opal)
    result = erase(uow, log, opal, request)
    kept = {k.category.split(" (")[0]: (k.count, k.until) for k in result.kept}
    assert kept["Sales and returns"] == (1, dt.date(2032, 6, 1))  # seven years after the last sale
    assert kept["Your privacy requests"][0] == 1
    assert "Sales and returns" in result.letter
    assert uow.state.sales[next(iter(uow.state.sales))]["customer_id"] == opal  # the pseudonym


def test_the_years_sales_are_kept_follow_the_stores_setting(uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal = add_customer(uow)
    add_sale(uow, [(add_item(uow, sku="RING"), 1, 10_000, 0, 0)], customer_id=opal,
             completed_at=dt.datetime(2025, 6, 1, 15, tzinfo=dt.UTC))
    uow.state.settings[erasure.TRANSACTIONS_SETTING] = 10
    [sales] = [k for k in erase(uow, log, opal, asked(uow, opal)).kept if k.category.startswith("Sales")]
    assert sales.until == dt.date(2035, 6, 1)


def test_a_final_appraisal_is_sealed_so_its_paper_still_verifies_after_its_photos_are_gone(
        uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal = add_customer(uow)
    spec = parse_appraisal({"description": "Ring", "value": "100"}, [], currency="USD", today=TODAY)
    appraisal = uow.appraisals.add(number="AP-2026-0001", version=1, supersedes_id=None, spec=spec, item_id=None,
                                   owner_customer_id=opal, appraiser_id=staff_id(Role.APPRAISER), currency="USD")
    uow.appraisals.add_photo(appraisal, b"\xff\xd8\xff photo", "image/jpeg")
    uow.appraisals.finalize(appraisal, at=AT, retain_until=dt.date(2036, 3, 2))
    record = uow.appraisals.get(appraisal)
    assert record is not None
    printed = short_hash(appraisals.content(record))
    result = erase(uow, log, opal, asked(uow, opal))
    assert result.counts["appraisal_photos_deleted"] == 1 and uow.appraisals.photo_data(appraisal) == []
    assert uow.state.appraisals[appraisal]["seal"] == printed
    assert appraisals.verify("AP-2026-0001", printed, uow=uow, actor=actor(Role.APPRAISER))[0] is True


def test_a_parked_cart_blocks_the_erasure_and_nothing_is_changed(uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal = add_customer(uow)
    request = asked(uow, opal)
    uow.counter.park(terminal="C1", staff_id=staff_id(Role.CLERK), customer_id=opal, label="Opal", cart={})
    with pytest.raises(Conflict, match="a cart is parked for them at counter C1 .* Nothing was changed"):
        erase(uow, log, opal, request)
    assert uow.state.customers[opal]["erased_at"] is None and log.entries() == []
    assert uow.privacy.get(request).status == "verified"  # type: ignore[union-attr]


def test_an_unfiled_form_8300_blocks_the_erasure(uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal = add_customer(uow)
    uow.counter.add_large_cash_report({"customer_id": opal, "sale_id": None, "full_name": "Opal Quartz",
                                       "cash_cents": 1_100_000, "twelve_month_cents": 1_100_000, "status": "to_file"})
    with pytest.raises(Conflict, match="Form 8300 cash report .* is not filed yet"):
        erase(uow, log, opal, asked(uow, opal))


def test_only_a_verified_deletion_request_for_this_customer_erases(uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal, ruby = add_customer(uow), add_customer(uow, email="ruby2@example.com")
    with pytest.raises(Conflict, match="not deletion"):
        erase(uow, log, opal, asked(uow, opal, kind="access"))
    with pytest.raises(Conflict, match="not verified yet"):
        erase(uow, log, opal, asked(uow, opal, verified=False))
    with pytest.raises(ValidationError) as other:
        erase(uow, log, opal, asked(uow, ruby))
    assert other.value.field == "customer_id"
    with pytest.raises(NotFound):
        erase(uow, log, opal, "request-missing")
    assert uow.state.customers[opal]["erased_at"] is None


def test_a_customer_is_erased_once(uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal = add_customer(uow)
    request = asked(uow, opal)
    erase(uow, log, opal, request)
    with pytest.raises(Conflict, match="already completed"):
        erase(uow, log, opal, request)
    assert len(log.entries()) == 1


@pytest.mark.parametrize(("customer", "request_id", "field"), [(" ", "r", "customer_id"), ("c", " ", "request_id")])
def test_an_erasure_names_the_customer_and_the_request(uow: FakeUnitOfWork, log: ErasureLogFile, customer: str,
                                                       request_id: str, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        erase(uow, log, customer, request_id)
    assert refused.value.field == field


def test_a_manager_cannot_erase_a_customer(uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal = add_customer(uow)
    with pytest.raises(PermissionDenied):
        erase(uow, log, opal, asked(uow, opal), actor=MANAGER)


def test_after_a_restore_everyone_in_the_log_is_erased_again(uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    opal, ruby = add_customer(uow), add_customer(uow, first_name="Ruby", email="ruby2@example.com")
    backup = uow.state.snapshot()  # taken before the erasure
    erase(uow, log, opal, asked(uow, opal))
    uow.state.restore(dataclasses.replace(backup))  # the old backup is restored: Opal is back, the file log stays
    assert uow.state.customers[opal]["erased_at"] is None and uow.state.erasure_log == []
    result = erasure.reapply_erasures(uow=uow, actor=OWNER, log=log, now=AT)
    assert result.erased == [opal] and result.logged == 1
    assert uow.state.customers[opal]["first_name"] == "Erased" and uow.state.customers[ruby]["erased_at"] is None
    assert len(uow.state.erasure_log) == 1 and uow.of("privacy.erasure_reapplied")[0].entity_id == opal


def test_with_no_erasure_logged_a_restore_erases_no_one(uow: FakeUnitOfWork, log: ErasureLogFile) -> None:
    add_customer(uow)
    assert erasure.reapply_erasures(uow=uow, actor=OWNER, log=log, now=AT).erased == []
    assert uow.commits == 0
