"""The trade's vocabulary for diamond necklaces, as values Facet can check.

- Style: how the necklace is built. A *solitaire* hangs one center diamond; a
  *tennis* necklace is a continuous line of matched diamonds; a *bezel*
  necklace sets each stone in a metal rim; a *halo* rings the center stone
  with small diamonds; a *linked tennis* necklace joins tennis sections with
  plain links.
- Metal: platinum, or gold by karat (10k = 41.7 % gold, 14k = 58.5 %,
  18k = 75 %) in yellow, white or rose; sterling silver (92.5 %).
- The 4Cs of a diamond: carat (weight; 1 ct = 100 points = 0.2 g), color
  (D colorless ... Z light yellow, or a fancy color), clarity (FL flawless ...
  I3 included) and cut (Excellent ... Poor). Lab reports (GIA, IGI, ...) grade
  them; natural and lab-grown diamonds are told apart on the report.
- Weights and lengths are kept as integers: carats in points (1.50 ct is
  150), gram weight in centigrams, chain length in tenths of an inch.
"""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import Self

from pos_app.domain.errors import ValidationError


class LabeledEnum(StrEnum):
    """A StrEnum whose members carry a human label; `parse` accepts either."""

    label: str

    def __new__(cls, value: str, label: str) -> LabeledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {}

    @classmethod
    def of(cls, value: str) -> Self:
        """The member stored as `value` (what the database and CSV files hold)."""
        member = cls._value2member_map_.get(value)
        if member is None:
            raise ValueError(f"{value!r} is not a {cls.__name__}")
        return member  # type: ignore[return-value]

    @classmethod
    def parse(cls, text: str, *, field: str) -> Self:
        key = _normal(text)
        if not key:
            raise ValidationError(field, "is empty")
        member = _lookup(cls).get(key)
        if member is None:
            choices = ", ".join(m.label for m in cls)
            raise ValidationError(field, f"{text.strip()!r} is not one of: {choices}")
        return member  # type: ignore[return-value]


@cache
def _lookup(enum: type[LabeledEnum]) -> dict[str, LabeledEnum]:
    """Every spelling `parse` accepts, normalized, to its member (built once per enum)."""
    table: dict[str, LabeledEnum] = {_normal(alias): enum.of(value) for alias, value in enum.aliases().items()}
    for member in enum:
        table[_normal(member.label)] = member
        table[_normal(member.value)] = member
    return table


def _normal(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


class Style(LabeledEnum):
    SOLITAIRE = "solitaire", "Solitaire Necklace"
    TENNIS = "tennis", "Tennis Necklace"
    BEZEL = "bezel", "Bezel Necklace"
    HALO = "halo", "Halo Necklace"
    LINKED_TENNIS = "linked_tennis", "Linked Tennis Necklace"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        # The store's website spells two styles "Soltitaire" and "Brzel";
        # files exported from it carry those spellings.
        return {
            "soltitaire": "solitaire",
            "soltitaire necklace": "solitaire",
            "brzel": "bezel",
            "brzel necklace": "bezel",
            "linked tennis": "linked_tennis",
        }


class Metal(LabeledEnum):
    PLATINUM = "platinum", "Platinum"
    Y10 = "10k_yellow", "10k Yellow Gold"
    W10 = "10k_white", "10k White Gold"
    R10 = "10k_rose", "10k Rose Gold"
    Y14 = "14k_yellow", "14k Yellow Gold"
    W14 = "14k_white", "14k White Gold"
    R14 = "14k_rose", "14k Rose Gold"
    Y18 = "18k_yellow", "18k Yellow Gold"
    W18 = "18k_white", "18k White Gold"
    R18 = "18k_rose", "18k Rose Gold"
    SILVER = "sterling_silver", "Sterling Silver"


class Shape(LabeledEnum):
    ROUND = "round", "Round Brilliant"
    PRINCESS = "princess", "Princess"
    CUSHION = "cushion", "Cushion"
    OVAL = "oval", "Oval"
    EMERALD = "emerald", "Emerald"
    PEAR = "pear", "Pear"
    MARQUISE = "marquise", "Marquise"
    RADIANT = "radiant", "Radiant"
    ASSCHER = "asscher", "Asscher"
    HEART = "heart", "Heart"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"round": "round", "rb": "round", "brilliant": "round"}


class Clarity(LabeledEnum):
    FL = "FL", "FL"
    IF = "IF", "IF"
    VVS1 = "VVS1", "VVS1"
    VVS2 = "VVS2", "VVS2"
    VS1 = "VS1", "VS1"
    VS2 = "VS2", "VS2"
    SI1 = "SI1", "SI1"
    SI2 = "SI2", "SI2"
    I1 = "I1", "I1"
    I2 = "I2", "I2"
    I3 = "I3", "I3"


class Cut(LabeledEnum):
    EXCELLENT = "excellent", "Excellent"
    VERY_GOOD = "very_good", "Very Good"
    GOOD = "good", "Good"
    FAIR = "fair", "Fair"
    POOR = "poor", "Poor"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"ex": "excellent", "ideal": "excellent", "vg": "very_good"}


class Origin(LabeledEnum):
    NATURAL = "natural", "Natural"
    LAB_GROWN = "lab_grown", "Lab-grown"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"lab": "lab_grown", "lab created": "lab_grown", "lgd": "lab_grown", "mined": "natural"}


class CertificateLab(LabeledEnum):
    GIA = "GIA", "GIA"
    IGI = "IGI", "IGI"
    AGS = "AGS", "AGS"
    HRD = "HRD", "HRD"
    GCAL = "GCAL", "GCAL"
    OTHER = "other", "Other"


class Tracking(LabeledEnum):
    """A unique piece is one serialized necklace; counted stock has a quantity."""

    UNIQUE = "unique", "Unique piece"
    COUNTED = "counted", "Counted stock"


class ItemStatus(LabeledEnum):
    AVAILABLE = "available", "Available"
    ON_HOLD = "on_hold", "On hold"
    ON_MEMO = "on_memo", "On memo"
    IN_REPAIR = "in_repair", "In repair"
    # Sent to another store of the sync group and not received there yet (its home is already that store).
    IN_TRANSIT = "in_transit", "In transit"
    SOLD = "sold", "Sold"


COLOR_GRADES = tuple("DEFGHIJKLMNOPQRSTUVWXYZ")
FANCY_COLOR = "Fancy"


def parse_color(text: str, *, field: str = "color") -> str:
    """A diamond color grade: a letter D..Z, or "Fancy <hue>" for a fancy color."""
    value = text.strip()
    if not value:
        raise ValidationError(field, "is empty")
    if value.upper() in COLOR_GRADES:
        return value.upper()
    fancy = re.fullmatch(r"fancy\s+([a-z][a-z \-]{2,19})", value, re.IGNORECASE)
    if fancy:
        return "Fancy " + " ".join(word.capitalize() for word in fancy.group(1).split())
    raise ValidationError(field, f"{value!r} is not a color grade; use D to Z or 'Fancy <hue>'")


# Moving the decimal point must be exact: Decimal's default context keeps 28
# significant digits (rounding a long typo into a valid weight) and overflows
# on "1e999999999".
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _fixed_point(text: str, places: int, *, field: str, unit: str, example: str) -> int:
    cleaned = text.strip().lower().removesuffix(unit).strip()
    if not cleaned:
        raise ValidationError(field, f"is empty; enter a number such as {example}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(field, f"{text.strip()!r} is not a number; use a number such as {example}") from None
    if not value.is_finite():
        raise ValidationError(field, f"{text.strip()!r} is not a number")
    if value.adjusted() >= 15:  # before scaling: "1e999999999999999999" would overflow Decimal itself
        raise ValidationError(field, f"{text.strip()!r} is too large")
    scaled = value.scaleb(places, _EXACT)
    if scaled != scaled.to_integral_value():
        raise ValidationError(field, f"has more than {places} decimal places")
    if scaled.adjusted() >= 18:  # a 64-bit column holds up to 9.2e18
        raise ValidationError(field, f"{text.strip()!r} is too large")
    return int(scaled)


def parse_carat(text: str, *, field: str = "carat") -> int:
    """Carats to points: "1.50" or "1.5 ct" is 150. Must be greater than zero."""
    points = _fixed_point(text, 2, field=field, unit="ct", example="1.50")
    if points <= 0:
        raise ValidationError(field, "must be greater than zero")
    return points


def parse_grams(text: str, *, field: str = "gram_weight") -> int:
    """Grams to centigrams: "12.35" or "12.35 g" is 1235."""
    value = _fixed_point(text, 2, field=field, unit="g", example="12.35")
    if value <= 0:
        raise ValidationError(field, "must be greater than zero")
    return value


def parse_inches(text: str, *, field: str = "chain_length_in") -> int:
    """Inches to tenths: "18" is 180, "16.5" is 165. Necklaces run 12 to 40 inches."""
    value = _fixed_point(text.replace('"', ""), 1, field=field, unit="in", example="18")
    if not 60 <= value <= 600:
        raise ValidationError(field, "must be between 6 and 60 inches")
    return value


def points_text(points: int) -> str:
    """150 -> "1.50" (carats)."""
    return f"{Decimal(points).scaleb(-2):.2f}"


def centigrams_text(value: int) -> str:
    return f"{Decimal(value).scaleb(-2):.2f}"


def tenths_text(value: int) -> str:
    text = f"{Decimal(value).scaleb(-1):.1f}"
    return text.removesuffix(".0")


_REPORT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9\-]{3,23}$")


def parse_report_number(text: str, *, field: str = "cert_number") -> str:
    """A lab report number: letters, digits and dashes, 4 to 24 characters.

    The lab-specific formats (GIA's 10 digits and the like) are warnings the
    appraiser can override, checked where certificates are entered; here only
    what can never be a report number is refused.
    """
    value = text.strip().upper().replace(" ", "")
    if not _REPORT_NUMBER.match(value):
        raise ValidationError(field, f"{text.strip()!r} is not a report number (letters, digits and dashes)")
    return value
