"""Diamond grading reports ("certificates"): what one says, checked field by field.

Report numbers
--------------
A report number that does not look like its lab's is a warning, never an
error: the appraiser may override it with a reason (recorded in the audit
trail), because labs change their numbering and old reports stay valid.
Facet knows the formats these labs publish or print on every report:

- GIA: 10 digits on current diamond reports (older reports have 7 to 9);
  the same number is laser-inscribed on the girdle, as "GIA 2141234567".
- IGI: 9 digits; lab-grown reports may carry an "LG" prefix (LG612345678),
  which some databases keep and others strip, so both are accepted and the
  number is stored as printed.

AGS, HRD, GCAL and other labs: no format is checked beyond letters and
digits (4 to 20 of them); Facet says so rather than guessing.

The same lab and report number on two different pieces is a fraud signal
(a copied or forged report): `services/certificates.py` warns where it is
entered, audits it, and lists such cases for managers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pos_app.domain.errors import ValidationError
from pos_app.domain.jewelry import (
    CertificateLab,
    Clarity,
    Cut,
    LabeledEnum,
    Origin,
    Shape,
    parse_carat,
    parse_color,
)

# 10 years from the report's date (the privacy policy's limit for certificate records).
RETENTION_YEARS = 10
SCAN_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
MAX_SCAN_BYTES = 15 * 1024 * 1024


class Fluorescence(LabeledEnum):
    NONE = "none", "None"
    FAINT = "faint", "Faint"
    MEDIUM = "medium", "Medium"
    STRONG = "strong", "Strong"
    VERY_STRONG = "very_strong", "Very Strong"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"negligible": "none", "nil": "none", "slight": "faint", "very slight": "faint", "vst": "very_strong"}


_FORMATS: dict[CertificateLab, tuple[re.Pattern[str], str]] = {
    CertificateLab.GIA: (re.compile(r"\d{7,10}"), "GIA report numbers have 10 digits (7 to 9 on older reports)"),
    CertificateLab.IGI: (re.compile(r"(LG)?\d{9}"), "IGI report numbers have 9 digits, with LG before them on "
                                                     "some lab-grown reports"),
}
_GENERIC = re.compile(r"[A-Z0-9]{4,20}")


def normal_report_number(text: str) -> str:
    """As printed, without spaces, dashes or a leading lab name ("GIA 2141 234 567" -> "2141234567")."""
    value = re.sub(r"[\s\-./]", "", text.strip().upper())
    for lab in CertificateLab:
        if lab is not CertificateLab.OTHER and value.startswith(lab.value) and len(value) > len(lab.value):
            value = value[len(lab.value):]
    return value


def report_number_warning(lab: CertificateLab, number: str) -> str | None:
    """Why `number` does not look like a `lab` report number, or None when it does."""
    if not _GENERIC.fullmatch(number.removeprefix("LG")):
        return f"{number!r} has characters no lab uses in report numbers"
    known = _FORMATS.get(lab)
    if known is not None and not known[0].fullmatch(number):
        return f"{number!r} does not look like a {lab.label} report number: {known[1]}"
    return None


def scan_type(data: bytes) -> str:
    """The MIME type of a certificate scan: PDF, JPEG or PNG only."""
    if len(data) > MAX_SCAN_BYTES:
        raise ValidationError("scan", f"is larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB")
    for magic, mime in SCAN_TYPES.items():
        if data.startswith(magic):
            return mime
    raise ValidationError("scan", "is not a PDF, JPEG or PNG file")


_MEASURES = re.compile(r"(\d{1,2}(?:\.\d{1,2})?)\s*(?:[x×\-*]\s*(\d{1,2}(?:\.\d{1,2})?)\s*){1,2}\s*(?:mm)?",
                       re.IGNORECASE)


def parse_measurements(text: str, *, field: str = "measurements") -> str:
    """"6.45 - 6.48 x 3.98 mm" as a report writes it, normalized to "6.45 - 6.48 x 3.98 mm"."""
    value = text.strip()
    numbers = re.findall(r"\d{1,2}(?:\.\d{1,2})?", value)
    if not _MEASURES.fullmatch(value) or len(numbers) not in (2, 3):
        raise ValidationError(field, f"{value!r} is not a measurement such as 6.45 - 6.48 x 3.98 mm")
    if any(float(n) <= 0 for n in numbers):
        raise ValidationError(field, "each measurement must be greater than zero")
    if len(numbers) == 3:
        return f"{numbers[0]} - {numbers[1]} x {numbers[2]} mm"
    return f"{numbers[0]} x {numbers[1]} mm"


@dataclass(frozen=True)
class CertificateSpec:
    lab: CertificateLab
    report_number: str
    report_date: dt.date | None
    shape: Shape | None
    carat_points: int
    color: str | None
    clarity: Clarity | None
    cut: Cut | None
    polish: Cut | None
    symmetry: Cut | None
    fluorescence: Fluorescence | None
    measurements: str | None
    inscription: str | None
    origin: Origin

    @property
    def retain_until(self) -> dt.date | None:
        if self.report_date is None:
            return None
        try:
            return self.report_date.replace(year=self.report_date.year + RETENTION_YEARS)
        except ValueError:  # 29 February
            return self.report_date.replace(year=self.report_date.year + RETENTION_YEARS, day=28)


def _opt(raw: Mapping[str, str], name: str) -> str:
    return (raw.get(name) or "").strip()


def parse_certificate(raw: Mapping[str, str], *, today: dt.date) -> CertificateSpec:
    """A certificate from what an appraiser typed; every bad field named."""
    lab = CertificateLab.parse(_opt(raw, "lab"), field="lab")
    number = normal_report_number(_opt(raw, "report_number"))
    if not number:
        raise ValidationError("report_number", "is required")
    if len(number) > 24:
        raise ValidationError("report_number", "is longer than 24 characters")
    report_date = None
    if _opt(raw, "report_date"):
        try:
            report_date = dt.date.fromisoformat(_opt(raw, "report_date"))
        except ValueError:
            raise ValidationError("report_date", "use YYYY-MM-DD, such as 2024-03-18") from None
        if report_date > today:
            raise ValidationError("report_date", "is in the future")
        if report_date.year < 1950:
            raise ValidationError("report_date", "is before any lab issued grading reports")
    carat_text = _opt(raw, "carat")
    if not carat_text:
        raise ValidationError("carat", "is required")
    carat = parse_carat(carat_text, field="carat")

    def enum(cls: type[LabeledEnum], name: str) -> LabeledEnum | None:
        text = _opt(raw, name)
        return cls.parse(text, field=name) if text else None

    color = parse_color(_opt(raw, "color"), field="color") if _opt(raw, "color") else None
    inscription = _opt(raw, "inscription") or None
    if inscription is not None and len(inscription) > 60:
        raise ValidationError("inscription", "is longer than 60 characters")
    measurements = parse_measurements(_opt(raw, "measurements")) if _opt(raw, "measurements") else None
    origin_text = _opt(raw, "origin") or "natural"
    return CertificateSpec(
        lab=lab, report_number=number, report_date=report_date,
        shape=enum(Shape, "shape"),  # type: ignore[arg-type]
        carat_points=carat, color=color,
        clarity=enum(Clarity, "clarity"),  # type: ignore[arg-type]
        cut=enum(Cut, "cut"),  # type: ignore[arg-type]
        polish=enum(Cut, "polish"),  # type: ignore[arg-type]
        symmetry=enum(Cut, "symmetry"),  # type: ignore[arg-type]
        fluorescence=enum(Fluorescence, "fluorescence"),  # type: ignore[arg-type]
        measurements=measurements, inscription=inscription,
        origin=Origin.parse(origin_text, field="origin"),
    )
