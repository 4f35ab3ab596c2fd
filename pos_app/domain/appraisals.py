"""Appraisals: a valued description of a necklace, with its stones, drafted then made final.

A final appraisal never changes. A correction is a new version of the same
number (`AP-2026-0042`, version 2) that supersedes the one before; both stay
readable. Records are kept 10 years from the appraisal date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pos_app.domain.errors import ValidationError
from pos_app.domain.jewelry import (
    Clarity,
    Cut,
    LabeledEnum,
    Metal,
    Shape,
    Style,
    parse_carat,
    parse_color,
    parse_grams,
    parse_inches,
)
from pos_app.domain.money import Money, parse_money

RETENTION_YEARS = 10
MAX_STONES = 40


class Purpose(LabeledEnum):
    INSURANCE = "insurance_replacement", "Insurance replacement"
    ESTATE = "estate", "Estate"
    FAIR_MARKET = "fair_market_value", "Fair market value"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"insurance": "insurance_replacement", "replacement": "insurance_replacement",
                "fmv": "fair_market_value"}


# The limiting conditions an appraisal prints begin by saying what its value is, which follows from its purpose:
# an insurer replaces a piece at retail; an estate, a gift or a sale between private parties is valued at fair
# market value (the U.S. Treasury's definition, 26 CFR 20.2031-1(b)), which is usually far less.
_VALUE_STATEMENTS = {
    Purpose.INSURANCE: "This appraisal states the estimated retail replacement cost of the piece described, on its "
                       "effective date, for insurance.",
    Purpose.FAIR_MARKET: "This appraisal states the fair market value of the piece described, on its effective "
                         "date: the price at which it would change hands between a willing buyer and a willing "
                         "seller, neither being under any compulsion to buy or to sell and both having reasonable "
                         "knowledge of the relevant facts. It is not a retail replacement cost, nor an insurance "
                         "value.",
    Purpose.ESTATE: "This appraisal states the fair market value of the piece described for an estate, on its "
                    "effective date: the price at which it would change hands between a willing buyer and a "
                    "willing seller, neither being under any compulsion to buy or to sell and both having "
                    "reasonable knowledge of the relevant facts. It is not a retail replacement cost, nor an "
                    "insurance value.",
}
_GRADING = ("Stones were graded mounted, as far as the mounting allows; weights of mounted stones are estimated "
            "unless a laboratory report is cited.")
_MARKET = {
    Purpose.INSURANCE: "Values change with the market: have the piece re-appraised every two to three years.",
    Purpose.FAIR_MARKET: "The value holds on its effective date only.",
    Purpose.ESTATE: "The value holds on its effective date only.",
}
_NOT_A_GUARANTEE = ("This document is not a guarantee of authenticity beyond the reports cited, nor an offer to "
                    "buy.")


def standard_limiting_conditions(purpose: Purpose) -> str:
    """The limiting conditions a new appraisal for `purpose` starts with: what its value is, how the stones
    were graded, how long the value holds, what the document is not. The insurance wording is the setting
    `appraisals.limiting_conditions`' default."""
    return " ".join((_VALUE_STATEMENTS[purpose], _GRADING, _MARKET[purpose], _NOT_A_GUARANTEE))


def _value_statement_lead(purpose: Purpose) -> str:
    """The words that name the kind of value in `purpose`'s statement (up to its first colon or full stop)."""
    statement = _VALUE_STATEMENTS[purpose]
    return statement[:min(i for i in (statement.find(":"), statement.find("."), len(statement)) if i >= 0)]


def conditions_purpose_conflict(purpose: Purpose, conditions: str) -> Purpose | None:
    """The other purpose whose value statement `conditions` carry, if any: insurance conditions on a fair
    market value appraisal say it states a replacement cost it does not."""
    return next((other for other in Purpose
                 if other is not purpose and _value_statement_lead(other) in conditions
                 and _value_statement_lead(purpose) not in conditions), None)


class StoneRole(LabeledEnum):
    CENTER = "center", "Center stone"
    SIDE = "side", "Side stones"
    ACCENT = "accent", "Accent stones"


def appraisal_number(year: int, sequence: int) -> str:
    """AP-2026-0042: the year, then the year's running count."""
    return f"AP-{year}-{sequence:04d}"


def retain_until(appraised_on: dt.date) -> dt.date:
    try:
        return appraised_on.replace(year=appraised_on.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return appraised_on.replace(year=appraised_on.year + RETENTION_YEARS, day=28)


@dataclass(frozen=True)
class StoneSpec:
    role: StoneRole
    shape: Shape | None
    count: int
    carat_points: int | None
    color: str | None
    clarity: Clarity | None
    cut: Cut | None
    measurements: str
    certificate_id: str | None = None


@dataclass(frozen=True)
class AppraisalSpec:
    purpose: Purpose
    appraised_on: dt.date
    effective_on: dt.date
    style: Style | None
    metal: Metal | None
    gram_weight_cg: int | None
    chain_length_tenths: int | None
    clasp: str
    description: str
    value: Money | None
    notes: str
    limiting_conditions: str
    stones: tuple[StoneSpec, ...]


def _text(raw: Mapping[str, str], name: str, limit: int) -> str:
    value = (raw.get(name) or "").strip()
    if len(value) > limit:
        raise ValidationError(name, f"is longer than {limit:,} characters")
    return value


def _date(raw: Mapping[str, str], name: str, default: dt.date | None = None) -> dt.date:
    text = (raw.get(name) or "").strip()
    if not text:
        if default is None:
            raise ValidationError(name, "is required (YYYY-MM-DD)")
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(name, "use YYYY-MM-DD, such as 2026-11-25") from None


def parse_stone(raw: Mapping[str, str], *, position: int) -> StoneSpec:
    """One row of the stones table; `position` (from 1) names the row in messages."""

    def field(name: str) -> str:
        return f"stone {position} {name}"

    text = {k: (v or "").strip() for k, v in raw.items()}
    count_text = text.get("count") or "1"
    if not count_text.isdigit() or not 1 <= int(count_text) <= 999:
        raise ValidationError(field("count"), "must be a whole number from 1 to 999")
    return StoneSpec(
        role=StoneRole.parse(text.get("role") or "center", field=field("role")),
        shape=Shape.parse(text["shape"], field=field("shape")) if text.get("shape") else None,
        count=int(count_text),
        carat_points=parse_carat(text["carat"], field=field("carat")) if text.get("carat") else None,
        color=parse_color(text["color"], field=field("color")) if text.get("color") else None,
        clarity=Clarity.parse(text["clarity"], field=field("clarity")) if text.get("clarity") else None,
        cut=Cut.parse(text["cut"], field=field("cut")) if text.get("cut") else None,
        measurements=_text(text, "measurements", 40),
        certificate_id=text.get("certificate_id") or None,
    )


def parse_appraisal(raw: Mapping[str, str], stones: Sequence[Mapping[str, str]], *, currency: str,
                    today: dt.date) -> AppraisalSpec:
    """An appraisal from what the appraiser typed (a draft may leave the value out); every bad field named."""
    purpose = Purpose.parse((raw.get("purpose") or "").strip() or "insurance", field="purpose")
    appraised_on = _date(raw, "appraised_on", today)
    if appraised_on > today:
        raise ValidationError("appraised_on", "is in the future")
    effective_on = _date(raw, "effective_on", appraised_on)
    if effective_on < appraised_on:
        raise ValidationError("effective_on", "is before the appraisal date")
    value_text = (raw.get("value") or "").strip()
    value = parse_money(value_text, currency, field="value") if value_text else None
    if value is not None and value.cents <= 0:
        raise ValidationError("value", "must be more than zero")
    if len(stones) > MAX_STONES:
        raise ValidationError("stones", f"an appraisal lists at most {MAX_STONES} stone rows")
    description = _text(raw, "description", 4000)
    return AppraisalSpec(
        purpose=purpose, appraised_on=appraised_on, effective_on=effective_on,
        style=Style.parse(raw["style"], field="style") if (raw.get("style") or "").strip() else None,
        metal=Metal.parse(raw["metal"], field="metal") if (raw.get("metal") or "").strip() else None,
        gram_weight_cg=parse_grams(raw["gram_weight"], field="gram_weight")
        if (raw.get("gram_weight") or "").strip() else None,
        chain_length_tenths=parse_inches(raw["chain_length_in"], field="chain_length_in")
        if (raw.get("chain_length_in") or "").strip() else None,
        clasp=_text(raw, "clasp", 40), description=description, value=value,
        notes=_text(raw, "notes", 4000), limiting_conditions=_text(raw, "limiting_conditions", 4000),
        stones=tuple(parse_stone(stone, position=n) for n, stone in enumerate(stones, start=1)),
    )


def check_final(spec: AppraisalSpec, *, appraiser_credentials: str) -> None:
    """What a final appraisal must have that a draft may lack."""
    if spec.value is None:
        raise ValidationError("value", "a final appraisal states the appraised value")
    if not spec.description:
        raise ValidationError("description", "a final appraisal describes the piece")
    other = conditions_purpose_conflict(spec.purpose, spec.limiting_conditions)
    if other is not None:
        raise ValidationError("limiting_conditions", f"state a value for {other.label.lower()}, but this appraisal's "
                                                     f"purpose is {spec.purpose.label.lower()}: use that purpose's "
                                                     "conditions")
    if not appraiser_credentials.strip():
        raise ValidationError("appraiser", "the appraiser's credentials (such as GIA Graduate Gemologist) are not "
                                           "in their staff profile")


def short_hash(content: Mapping[str, object]) -> str:
    """12 hex digits of SHA-256 over a final appraisal's content (canonical JSON): printed in the QR
    code, so a paper copy can be checked against the record (`pos-app appraisals verify`)."""
    import hashlib
    import json

    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def value_in_words(value: Money) -> str:
    """$18,500.00 -> "Eighteen thousand, five hundred dollars and zero cents"."""
    from num2words import num2words  # type: ignore[import-untyped]

    words = str(num2words(value.amount, lang="en", to="currency", currency=value.currency))
    words = words.replace(" dollars, ", " dollars and ").replace(" dollar, ", " dollar and ")
    return words[:1].upper() + words[1:]
