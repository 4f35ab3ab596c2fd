"""Recording certificates on a real store: format warnings, duplicate report numbers, who may see them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pos_app import app, cli
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import certificates
from tests.conftest import actor_for

TODAY = dt.date(2026, 11, 25)
FORM = {"lab": "GIA", "report_number": "2141234567", "report_date": "2024-03-18", "shape": "oval",
        "carat": "1.21", "color": "G", "clarity": "VS2", "cut": "", "origin": "natural"}


def _items(facet: app.Facet, n: int) -> list[str]:
    return [r[0] for r in facet.connection().execute("SELECT id FROM items ORDER BY sku LIMIT ?", (n,))]


def _audit(facet: app.Facet, action: str) -> list[str]:
    return [r[0] for r in facet.connection().execute(
        "SELECT summary FROM audit_events WHERE action = ? ORDER BY seq", (action,))]


def test_a_certificate_with_its_scan_is_kept_ten_years(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    item = _items(demo_facet, 1)[0]
    saved = certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY, item_id=item,
                                         scan=b"%PDF-1.7 scanned report")
    assert saved.duplicates == 0 and saved.warning is None
    [row] = certificates.list_certificates(reader=demo_facet.certificate_reader(), actor=appraiser,
                                           search="2141234567")
    assert (row.lab, row.carat_points, row.has_scan, row.retain_until) == ("GIA", 121, True, dt.date(2034, 3, 18))
    assert row.item_id == item


def test_a_number_that_does_not_fit_the_lab_needs_a_reason_which_is_audited(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    odd = {**FORM, "report_number": "21412345678"}
    before = demo_facet.certificate_reader().certificates()
    with pytest.raises(certificates.ReportNumberWarning, match="GIA report numbers have 10 digits"):
        certificates.add_certificate(odd, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    assert demo_facet.certificate_reader().certificates() == before
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
    [group] = certificates.duplicate_reports(reader=demo_facet.certificate_reader(), actor=manager)
    assert (group.lab, group.report_number) == ("GIA", "2141234567")
    assert {r.item_id for r in group.certificates} == {first, second}
    with pytest.raises(PermissionDenied):
        certificates.duplicate_reports(reader=demo_facet.certificate_reader(), actor=appraiser)


def test_bad_grades_write_nothing_and_clerks_may_not_record_or_read(demo_facet: app.Facet) -> None:
    appraiser, clerk = actor_for(demo_facet, Role.APPRAISER), actor_for(demo_facet, Role.CLERK)
    before = demo_facet.certificate_reader().certificates()
    with pytest.raises(ValidationError, match="clarity"):
        certificates.add_certificate({**FORM, "clarity": "VVS3"}, uow=demo_facet.uow(), actor=appraiser,
                                     today=TODAY)
    with pytest.raises(ValidationError, match="scan"):
        certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=appraiser, today=TODAY, scan=b"GIF89a")
    assert demo_facet.certificate_reader().certificates() == before
    with pytest.raises(PermissionDenied):
        certificates.add_certificate(FORM, uow=demo_facet.uow(), actor=clerk, today=TODAY)
    with pytest.raises(PermissionDenied):
        certificates.list_certificates(reader=demo_facet.certificate_reader(), actor=clerk)


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
