"""Certificate fields checked one by one, and report-number formats per lab."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app.domain.certificates import (
    normal_report_number,
    parse_certificate,
    parse_measurements,
    report_number_warning,
    scan_type,
)
from pos_app.domain.errors import ValidationError
from pos_app.domain.jewelry import CertificateLab

TODAY = dt.date(2026, 11, 25)
GOOD = {"lab": "GIA", "report_number": "GIA 2141 234 567", "report_date": "2024-03-18", "shape": "round",
        "carat": "1.52", "color": "f", "clarity": "VS1", "cut": "Excellent", "polish": "ex", "symmetry": "vg",
        "fluorescence": "none", "measurements": "7.38-7.41x4.56mm", "inscription": "GIA 2141234567",
        "origin": "natural"}


def test_a_full_report_is_read_and_normalized() -> None:
    spec = parse_certificate(GOOD, today=TODAY)
    assert spec.report_number == "2141234567" and spec.carat_points == 152 and spec.color == "F"
    assert (spec.clarity.value, spec.cut.value, spec.polish.value, spec.symmetry.value) == (  # type: ignore[union-attr]
        "VS1", "excellent", "excellent", "very_good")
    assert spec.measurements == "7.38 - 7.41 x 4.56 mm"
    assert spec.retain_until == dt.date(2034, 3, 18)
    assert parse_certificate({**GOOD, "report_date": "2024-02-29"}, today=TODAY).retain_until == dt.date(2034, 2, 28)


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("lab", "XYZ", "is not one of"),
    ("report_number", "", "is required"),
    ("carat", "0", "greater than zero"),
    ("carat", "", "is required"),
    ("color", "Q7", "not a color grade"),
    ("clarity", "VVS3", "is not one of"),
    ("cut", "Superb", "is not one of"),
    ("polish", "Ideal-ish", "is not one of"),
    ("fluorescence", "glowing", "is not one of"),
    ("measurements", "seven by seven", "not a measurement"),
    ("report_date", "18/03/2024", "YYYY-MM-DD"),
    ("report_date", "2027-01-01", "in the future"),
    ("origin", "moon", "is not one of"),
])
def test_each_bad_field_is_named(field: str, value: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_certificate({**GOOD, field: value}, today=TODAY)
    assert caught.value.field == field and problem in caught.value.problem


def test_fancy_colors_and_every_clarity_and_cut_grade_are_accepted() -> None:
    assert parse_certificate({**GOOD, "color": "fancy intense yellow"}, today=TODAY).color == "Fancy Intense Yellow"
    for clarity in ("FL", "IF", "VVS1", "VVS2", "VS1", "VS2", "SI1", "SI2", "I1", "I2", "I3"):
        assert parse_certificate({**GOOD, "clarity": clarity}, today=TODAY).clarity.value == clarity  # type: ignore[union-attr]
    for cut in ("Excellent", "Very Good", "Good", "Fair", "Poor"):
        assert parse_certificate({**GOOD, "cut": cut}, today=TODAY).cut.label == cut  # type: ignore[union-attr]


@pytest.mark.parametrize(("lab", "number", "fits"), [
    (CertificateLab.GIA, "2141234567", True),
    (CertificateLab.GIA, "16234567", True),  # an older report
    (CertificateLab.GIA, "21412345678", False),
    (CertificateLab.GIA, "LG612345678", False),
    (CertificateLab.IGI, "612345678", True),
    (CertificateLab.IGI, "LG612345678", True),
    (CertificateLab.IGI, "61234567", False),
    (CertificateLab.HRD, "210000123456", True),  # no published format: letters and digits only
    (CertificateLab.AGS, "104123456789", True),
    (CertificateLab.OTHER, "AB12", True),
    (CertificateLab.OTHER, "A#12", False),
])
def test_report_numbers_against_the_labs_formats(lab: CertificateLab, number: str, fits: bool) -> None:
    assert (report_number_warning(lab, number) is None) == fits


def test_report_numbers_lose_spaces_dashes_and_the_lab_name() -> None:
    assert normal_report_number(" gia 2141-234-567 ") == "2141234567"
    assert normal_report_number("IGI LG612345678") == "LG612345678"


def test_measurements_and_scans() -> None:
    assert parse_measurements("6.45 x 6.48 x 3.98") == "6.45 - 6.48 x 3.98 mm"
    assert parse_measurements("9.1 x 7.2 mm") == "9.1 x 7.2 mm"
    assert scan_type(b"%PDF-1.7 ...") == "application/pdf"
    assert scan_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    with pytest.raises(ValidationError, match="scan: is not a PDF, JPEG or PNG"):
        scan_type(b"GIF89a")
