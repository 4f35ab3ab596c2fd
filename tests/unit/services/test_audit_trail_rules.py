"""Reading the audit trail (services/audit.py) on the fake trail: searches, the flags, the export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from pos_app.domain.audit import AuditFilter, FlagKind
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import audit
from pos_app.services.staff import FREE_ATTEMPTS
from tests.fakes.audit_trail import FakeAuditTrail
from tests.fakes.builders import actor
from tests.fakes.files import FakeFileOutput
from tests.fakes.uow import FakeUnitOfWork

OWNER, MANAGER, CLERK, OFFICER = actor(Role.OWNER), actor(Role.MANAGER), actor(Role.CLERK), actor(Role.PRIVACY_OFFICER)
NOW = dt.datetime(2026, 3, 2, 18, tzinfo=dt.UTC)


def events(uow: FakeUnitOfWork) -> FakeAuditTrail:
    uow.audit.record(CLERK, "sale.completed", entity_type="sale", entity_id="s-1", summary={"total_cents": 100})
    uow.audit.record(MANAGER, "sale.voided", entity_type="sale", entity_id="s-1", approved_by="staff-manager")
    uow.audit.record(CLERK, "customer.viewed", entity_type="customer", entity_id="c-1")
    return FakeAuditTrail(uow.state)


def test_a_search_finds_events_by_action_person_and_record_newest_first(uow: FakeUnitOfWork) -> None:
    trail = events(uow)
    found = audit.search(AuditFilter(action="sale."), trail=trail, uow=uow, actor=OWNER)
    assert [r.action for r in found] == ["sale.voided", "sale.completed"]
    assert audit.count(AuditFilter(person="cody"), trail=trail, uow=uow, actor=OWNER) == 2
    assert audit.count(AuditFilter(entity="sale:s-1"), trail=trail, uow=uow, actor=OWNER) == 2


def test_a_period_ending_before_it_starts_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        audit.count(AuditFilter(since=NOW, until=NOW), trail=events(uow), uow=uow, actor=OWNER)
    assert refused.value.field == "until"


def test_a_record_search_names_the_kind_of_record(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        audit.search(AuditFilter(entity=":s-1"), trail=events(uow), uow=uow, actor=OWNER)
    assert refused.value.field == "entity"


@pytest.mark.parametrize(("offset", "limit"), [(-1, 10), (0, 0), (0, 10_001)])
def test_a_page_is_one_to_ten_thousand_events(uow: FakeUnitOfWork, offset: int, limit: int) -> None:
    with pytest.raises(ValidationError) as refused:
        audit.search(AuditFilter(), trail=events(uow), uow=uow, actor=OWNER, offset=offset, limit=limit)
    assert refused.value.field == "limit"


def test_the_privacy_officer_reads_the_trail_and_a_manager_does_not(uow: FakeUnitOfWork) -> None:
    trail = events(uow)
    assert audit.count(AuditFilter(), trail=trail, uow=uow, actor=OFFICER) == 3
    with pytest.raises(PermissionDenied):
        audit.count(AuditFilter(), trail=trail, uow=uow, actor=MANAGER)


def test_a_failed_sign_in_is_flagged_only_when_it_locked_the_account(uow: FakeUnitOfWork) -> None:
    for attempt in range(1, FREE_ATTEMPTS + 1):
        uow.audit.record(CLERK, "staff.sign_in_failed", summary={"attempt": attempt})
    uow.audit.record(CLERK, "permission.refused", summary={"permission": "void_sale"})
    found = audit.flags(trail=FakeAuditTrail(uow.state), uow=uow, actor=OWNER)
    assert sorted((f.kind, f.person, f.count) for f in found) == [
        (FlagKind.LOCKED_OUT, CLERK.name, 1), (FlagKind.REFUSED, CLERK.name, 1)]


def test_flags_look_back_one_to_366_days(uow: FakeUnitOfWork) -> None:
    uow.audit.record(CLERK, "permission.refused")
    trail = FakeAuditTrail(uow.state)
    assert audit.flags(trail=trail, uow=uow, actor=OWNER, days=1) != []
    assert audit.flags(trail=trail, uow=uow, actor=OWNER, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
                       days=1) == []
    with pytest.raises(ValidationError) as refused:
        audit.flags(trail=trail, uow=uow, actor=OWNER, days=367)
    assert refused.value.field == "days"


def test_the_export_writes_the_matching_events_oldest_first_and_is_itself_audited(uow: FakeUnitOfWork,
                                                                                 tmp_path: Path) -> None:
    trail = events(uow)
    out, files = tmp_path / "trail.csv", FakeFileOutput([tmp_path])
    assert audit.export_csv(out, AuditFilter(action="sale."), trail=trail, uow=uow, files=files, actor=OWNER) == 2
    rows = list(csv.DictReader(io.StringIO(files.text(out))))
    assert [r["action"] for r in rows] == ["sale.completed", "sale.voided"] and rows[1]["approved_by"]
    assert uow.of("audit.exported")[0].summary == {"file": "trail.csv", "events": 2, "filtered": True}


def test_the_export_needs_a_folder_that_exists(uow: FakeUnitOfWork, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        audit.export_csv(tmp_path / "missing" / "trail.csv", AuditFilter(), trail=events(uow), uow=uow,
                         files=FakeFileOutput([tmp_path]), actor=OWNER)
    assert refused.value.field == "file" and uow.of("audit.exported") == []


def test_a_clerk_cannot_check_the_chain(uow: FakeUnitOfWork) -> None:
    with pytest.raises(PermissionDenied):
        audit.verify(trail=events(uow), uow=uow, actor=CLERK)
