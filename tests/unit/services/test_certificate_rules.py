"""Diamond certificates (services/certificates.py) on the fakes: report numbers, duplicates, links and scans."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pos_app.domain.errors import NotFound, PermissionDenied, ValidationError
from pos_app.domain.permissions import Permission, Role
from pos_app.services import certificates
from tests.fakes.builders import actor, add_customer, add_item
from tests.fakes.certificates import FakeCertificateReader
from tests.fakes.uow import FakeUnitOfWork

APPRAISER, CLERK, MANAGER = actor(Role.APPRAISER), actor(Role.CLERK), actor(Role.MANAGER)
TODAY = dt.date(2026, 3, 2)
GIA = {"lab": "GIA", "report_number": "2141234567", "carat": "1.01", "color": "G", "clarity": "VS1"}
PDF = b"%PDF-1.7 a lab report"


def add(uow: FakeUnitOfWork, raw: dict[str, str] = GIA, **kwargs: object) -> certificates.SavedCertificate:
    return certificates.add_certificate(raw, uow=uow, actor=APPRAISER, today=TODAY, **kwargs)  # type: ignore[arg-type]


def test_a_certificate_is_recorded_on_its_piece_with_its_scan_and_audited(uow: FakeUnitOfWork) -> None:
    ring = add_item(uow, sku="RING")
    saved = add(uow, item_id=ring, scan=PDF)
    record = uow.certificates.get(saved.id)
    assert record is not None and (record.item_id, record.carat_points, record.scan_mime_type) == (
        ring, 101, "application/pdf")
    assert saved.duplicates == 0 and saved.warning is None
    assert uow.of("certificate.added")[0].summary == {"lab": "GIA", "has_scan": True, "item": True}


def test_a_number_unlike_the_labs_is_refused_until_a_reason_is_given_and_the_reason_is_kept(
        uow: FakeUnitOfWork) -> None:
    odd = {**GIA, "report_number": "12345"}
    with pytest.raises(certificates.ReportNumberWarning, match="does not look like a GIA report number"):
        add(uow, odd)
    assert uow.state.certificates == {}
    saved = add(uow, odd, override_reason="  old report, 1998  ")
    [event] = uow.of("certificate.number_format_overridden")
    assert event.entity_id == saved.id and event.summary["reason"] == "old report, 1998"


def test_an_override_reason_is_at_most_two_hundred_characters(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        add(uow, {**GIA, "report_number": "12345"}, override_reason="x" * 201)
    assert refused.value.field == "reason" and uow.state.certificates == {}


def test_the_same_report_on_a_second_piece_is_recorded_with_a_warning_and_an_audit_event(
        uow: FakeUnitOfWork) -> None:
    first = add(uow, item_id=add_item(uow, sku="RING"))
    second = add(uow, item_id=add_item(uow, sku="PENDANT"))
    assert second.duplicates == 1 and second.warning is not None
    assert "GIA report 2141234567 is already on 1 other record(s)" in second.warning
    [event] = uow.of("certificate.duplicate_report")
    assert (event.entity_id, event.summary["other_certificates"]) == (second.id, [first.id])


def test_the_managers_duplicate_report_groups_one_report_number_on_several_pieces(uow: FakeUnitOfWork) -> None:
    first = add(uow, item_id=add_item(uow, sku="RING"))
    second = add(uow, item_id=add_item(uow, sku="PENDANT"))
    add(uow, {**GIA, "report_number": "2141234568"})
    [dup] = certificates.duplicate_reports(reader=FakeCertificateReader(uow.state), actor=MANAGER, uow=uow)
    assert (dup.report_number, [c.id for c in dup.certificates], [c.item_sku for c in dup.certificates]) == (
        "2141234567", [first.id, second.id], ["RING", "PENDANT"])


def test_a_clerk_does_not_see_the_duplicate_report(uow: FakeUnitOfWork) -> None:
    with pytest.raises(PermissionDenied):
        certificates.duplicate_reports(reader=FakeCertificateReader(uow.state), actor=CLERK, uow=uow)


def test_a_certificate_is_not_attached_to_a_piece_or_customer_that_is_gone(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound, match="item no longer exists"):
        add(uow, item_id="item-gone")
    erased = add_customer(uow)
    uow.state.customers[erased]["erased_at"] = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(NotFound, match="customer no longer exists"):
        add(uow, customer_id=erased)
    assert uow.state.certificates == {} and uow.events == []


def test_a_scan_is_a_pdf_jpeg_or_png(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        add(uow, scan=b"GIF89a")
    assert refused.value.field == "scan" and uow.state.certificates == {}


def test_a_scan_attached_later_is_audited_saying_whether_it_replaced_one(uow: FakeUnitOfWork) -> None:
    saved = add(uow)
    assert certificates.attach_scan(saved.id, b"\x89PNG\r\n\x1a\n image", uow=uow, actor=APPRAISER) == "image/png"
    certificates.attach_scan(saved.id, PDF, uow=uow, actor=APPRAISER)
    assert [e.summary["replaced"] for e in uow.of("certificate.scan_attached")] == [False, True]
    with pytest.raises(NotFound):
        certificates.attach_scan("certificate-gone", PDF, uow=uow, actor=APPRAISER)


def test_the_customers_name_on_a_certificate_is_shown_only_to_who_may_see_customers(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    saved = add(uow, customer_id=ruby, item_id=add_item(uow, sku="RING"))
    shown = certificates.certificate(saved.id, uow=uow, actor=APPRAISER)
    assert (shown.item_sku, shown.customer_name, shown.has_customer) == ("RING", "Ruby Stone", True)
    narrowed = dataclasses.replace(actor(Role.OWNER), only=frozenset({Permission.VIEW_CERTIFICATES}))
    hidden = certificates.certificate(saved.id, uow=uow, actor=narrowed)
    assert (hidden.customer_name, hidden.has_customer) == (None, True)
    with pytest.raises(PermissionDenied):
        certificates.certificate(saved.id, uow=uow, actor=CLERK)


def test_the_list_is_searched_by_number_or_sku_within_a_sane_limit(uow: FakeUnitOfWork) -> None:
    on_ring = add(uow, item_id=add_item(uow, sku="RING"))
    add(uow, {**GIA, "report_number": "2141234568"})
    reader = FakeCertificateReader(uow.state)
    assert [r.id for r in certificates.list_certificates(reader=reader, actor=MANAGER, uow=uow, search="ring")] == [
        on_ring.id]
    assert len(certificates.list_certificates(reader=reader, actor=MANAGER, uow=uow, search="21412345")) == 2
    with pytest.raises(ValidationError) as refused:
        certificates.list_certificates(reader=reader, actor=MANAGER, uow=uow, limit=0)
    assert refused.value.field == "limit"
