"""Recording certificates on a real store: format warnings, duplicate report numbers, who may see them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pos_app import app, cli
from pos_app.domain.errors import NotFound, PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import certificates
from tests.conftest import actor_for, audit_events
from tests.images import png

TODAY = dt.date(2026, 11, 25)
FORM = {"lab": "GIA", "report_number": "2141234567", "report_date": "2024-03-18", "shape": "oval",
        "carat": "1.21", "color": "G", "clarity": "VS2", "cut": "", "origin": "natural"}


def _items(facet: app.Facet, n: int) -> list[str]:
    return [r[0] for r in facet.connection().execute("SELECT id FROM items ORDER BY sku LIMIT ?", (n,))]


def _audit(facet: app.Facet, action: str) -> list[str]:
    return [row.summary for row in audit_events(facet, action)]


def test_a_certificate_with_its_scan_is_kept_ten_years(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    item = _items(demo_facet, 1)[0]
    saved = certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY, item_id=item,
                                         scan=b"%PDF-1.7 scanned report")
    assert saved.duplicates == 0 and saved.warning is None
    [row] = certificates.list_certificates(reader=demo_facet.store.certificates, actor=appraiser,
                                           search="2141234567", uow=demo_facet.uow())
    assert (row.lab, row.carat_points, row.has_scan, row.retain_until) == ("GIA", 121, True, dt.date(2034, 3, 18))
    assert row.item_id == item


def test_a_number_that_does_not_fit_the_lab_needs_a_reason_which_is_audited(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    odd = {**FORM, "report_number": "21412345678"}
    before = demo_facet.store.certificates.certificates()
    with pytest.raises(certificates.ReportNumberWarning, match="GIA report numbers have 10 digits"):
        certificates.add_certificate(odd, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    assert demo_facet.store.certificates.certificates() == before
    certificates.add_certificate(odd, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                 override_reason="number checked on GIA's report check service")
    [summary] = _audit(demo_facet, "certificate.number_format_overridden")
    assert "report check service" in json.loads(summary)["reason"]


def test_the_same_report_on_two_pieces_is_flagged_audited_and_reported(demo_facet: app.Facet) -> None:
    appraiser, manager = actor_for(demo_facet, Role.APPRAISER), actor_for(demo_facet, Role.MANAGER)
    first, second = _items(demo_facet, 2)
    certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY, item_id=first)
    again = certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY, item_id=second)
    assert again.duplicates == 1 and again.warning is not None and "2141234567" in again.warning
    assert len(_audit(demo_facet, "certificate.duplicate_report")) == 1
    [group] = certificates.duplicate_reports(reader=demo_facet.store.certificates, actor=manager, uow=demo_facet.uow())
    assert (group.lab, group.report_number) == ("GIA", "2141234567")
    assert {r.item_id for r in group.certificates} == {first, second}
    with pytest.raises(PermissionDenied):
        certificates.duplicate_reports(reader=demo_facet.store.certificates, actor=appraiser, uow=demo_facet.uow())


def test_bad_grades_write_nothing_and_clerks_may_not_record_or_read(demo_facet: app.Facet) -> None:
    appraiser, clerk = actor_for(demo_facet, Role.APPRAISER), actor_for(demo_facet, Role.CLERK)
    before = demo_facet.store.certificates.certificates()
    with pytest.raises(ValidationError, match="clarity"):
        certificates.add_certificate({**FORM, "clarity": "VVS3"}, uow=demo_facet.uow(), actor=appraiser,
                                     today=TODAY)
    with pytest.raises(ValidationError, match="scan"):
        certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY, scan=b"GIF89a")
    assert demo_facet.store.certificates.certificates() == before
    with pytest.raises(PermissionDenied):
        certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=clerk, today=TODAY)
    with pytest.raises(PermissionDenied):
        certificates.list_certificates(reader=demo_facet.store.certificates, actor=clerk, uow=demo_facet.uow())


@pytest.mark.usefixtures("cli_owner")
def test_certificates_from_the_command_line(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        appraiser = actor_for(facet, Role.APPRAISER)
        first, second = _items(facet, 2)
        for item in (first, second):
            certificates.add_certificate(FORM, uow=facet.uow(), actor=appraiser, today=TODAY, item_id=item)
    finally:
        facet.close()
    assert cli.main(["certificates", "list", "--search", "2141", "--json", "--data-dir", str(demo_dir)]) == 0
    listed = json.loads(capsys.readouterr().out)["certificates"]
    assert [c["report_number"] for c in listed] == ["2141234567", "2141234567"] and listed[0]["carat"] == "1.21"
    assert cli.main(["certificates", "duplicates", "--data-dir", str(demo_dir)]) == 0
    assert "GIA 2141234567: on 2 records" in capsys.readouterr().out


def _counts(facet: app.Facet) -> tuple[int, int, int]:
    return facet.connection().execute(
        "SELECT (SELECT count(*) FROM certificates), (SELECT count(*) FROM certificates WHERE scan IS NOT NULL), "
        "(SELECT count(*) FROM audit_events)").fetchone()


def test_a_certificate_reads_back_whole_with_its_piece_and_customer(demo_facet: app.Facet) -> None:
    appraiser, manager, clerk = (actor_for(demo_facet, r) for r in (Role.APPRAISER, Role.MANAGER, Role.CLERK))
    item = _items(demo_facet, 1)[0]
    customer = demo_facet.connection().execute("SELECT id, first_name FROM customers LIMIT 1").fetchone()
    saved = certificates.add_certificate({**FORM, "measurements": "6.45-6.48x3.98", "inscription": "GIA 2141234567"},
                                         uow=demo_facet.uow(), actor=appraiser, today=TODAY, item_id=item,
                                         customer_id=customer[0], scan=b"%PDF-1.7 scanned report")
    detail = certificates.certificate(saved.id, uow=demo_facet.uow(), actor=manager)
    sku = demo_facet.connection().execute("SELECT sku FROM items WHERE id = ?", (item,)).fetchone()[0]
    assert (detail.item_sku, detail.has_customer) == (sku, True) and customer[1] in (detail.customer_name or "")
    assert detail.record.measurements == "6.45 - 6.48 x 3.98 mm" and detail.record.scan == b"%PDF-1.7 scanned report"
    with pytest.raises(PermissionDenied):
        certificates.certificate(saved.id, uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(NotFound):
        certificates.certificate("no-such-certificate", uow=demo_facet.uow(), actor=appraiser)


def test_a_scan_attached_later_replaces_the_old_one_and_is_audited(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    saved = certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    scan = png()
    assert certificates.attach_scan(saved.id, scan, uow=demo_facet.uow(), actor=appraiser) == "image/png"
    record = certificates.certificate(saved.id, uow=demo_facet.uow(), actor=appraiser).record
    assert (record.scan, record.scan_mime_type) == (scan, "image/png")
    certificates.attach_scan(saved.id, b"%PDF-1.7 better scan", uow=demo_facet.uow(), actor=appraiser)
    first, second = (json.loads(s) for s in _audit(demo_facet, "certificate.scan_attached"))
    assert (first["replaced"], second["replaced"], second["mime_type"]) == (False, True, "application/pdf")
    [row] = certificates.list_certificates(reader=demo_facet.store.certificates, actor=appraiser,
                                           search=FORM["report_number"], uow=demo_facet.uow())
    assert row.has_scan
    outbox = demo_facet.connection().execute(
        "SELECT count(*) FROM outbox WHERE table_name = 'certificates' AND row_id = ? AND op = 'update'",
        (saved.id,)).fetchone()[0]
    assert outbox == 2


def test_a_bad_scan_or_a_clerk_attaches_nothing(demo_facet: app.Facet) -> None:
    appraiser, clerk = actor_for(demo_facet, Role.APPRAISER), actor_for(demo_facet, Role.CLERK)
    saved = certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    before = _counts(demo_facet)
    with pytest.raises(ValidationError, match="scan") as bad:
        certificates.attach_scan(saved.id, b"GIF89a not a report", uow=demo_facet.uow(), actor=appraiser)
    assert bad.value.field == "scan"
    with pytest.raises(PermissionDenied):
        certificates.attach_scan(saved.id, png(), uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(NotFound):
        certificates.attach_scan("no-such-certificate", png(), uow=demo_facet.uow(), actor=appraiser)
    certificates_before, scans_before, audit_before = before
    assert _counts(demo_facet) == (certificates_before, scans_before, audit_before + 1), "only the refusal is recorded"


def test_the_duplicates_only_list_is_open_to_appraisers(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    first, second = _items(demo_facet, 2)
    twice = {**FORM, "report_number": "7141234567"}
    for item in (first, second):
        certificates.add_certificate(twice, uow=demo_facet.uow(), actor=appraiser, today=TODAY, item_id=item)
    certificates.add_certificate({**FORM, "report_number": "5141234567"}, uow=demo_facet.uow(), actor=appraiser,
                                 today=TODAY)
    reader = demo_facet.store.certificates
    doubles = certificates.list_certificates(reader=reader, actor=appraiser, duplicates_only=True, search="7141234567", uow=demo_facet.uow())
    assert {r.item_id for r in doubles} == {first, second} and all(r.recorded_at for r in doubles)
    assert certificates.list_certificates(reader=reader, actor=appraiser, duplicates_only=True, search="5141", uow=demo_facet.uow()) == []
    assert len(certificates.list_certificates(reader=reader, actor=appraiser, search="5141", uow=demo_facet.uow())) == 1
    every = certificates.list_certificates(reader=reader, actor=appraiser, duplicates_only=True, limit=100_000, uow=demo_facet.uow())
    pairs = [(r.lab, r.report_number) for r in every]
    assert all(pairs.count(pair) > 1 for pair in pairs)


def test_a_customer_that_does_not_exist_writes_nothing(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    before = _counts(demo_facet)
    with pytest.raises(NotFound, match="customer"):
        certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                     customer_id="no-such-customer")
    assert _counts(demo_facet) == before
