"""The trade's vocabulary: styles, metals, the 4Cs, weights, lengths and report numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_app.domain.errors import ValidationError
from pos_app.domain.jewelry import (
    COLOR_GRADES,
    CertificateLab,
    Clarity,
    Cut,
    ItemStatus,
    LabeledEnum,
    Metal,
    Origin,
    Shape,
    Style,
    Tracking,
    centigrams_text,
    parse_carat,
    parse_color,
    parse_grams,
    parse_inches,
    parse_report_number,
    points_text,
    tenths_text,
)

ENUMS: list[type[LabeledEnum]] = [Style, Metal, Shape, Clarity, Cut, Origin, CertificateLab, Tracking, ItemStatus]
MEMBERS = [member for enum in ENUMS for member in enum]


# --- labeled choices ---------------------------------------------------------------


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: f"{type(m).__name__}.{m.name}")
def test_every_choice_reads_from_its_stored_value_and_from_its_label(member: LabeledEnum) -> None:
    enum = type(member)
    assert enum.parse(member.value, field="f") is member
    assert enum.parse(member.label, field="f") is member


@pytest.mark.parametrize(
    ("typed", "style"),
    [
        ("tennis", Style.TENNIS),
        ("TENNIS", Style.TENNIS),
        ("  Tennis Necklace  ", Style.TENNIS),
        ("linked_tennis", Style.LINKED_TENNIS),
        ("Linked Tennis", Style.LINKED_TENNIS),
        ("linked-tennis", Style.LINKED_TENNIS),
        ("LINKED   TENNIS necklace", Style.LINKED_TENNIS),
        ("linked__tennis_necklace", Style.LINKED_TENNIS),
        ("Halo Necklace", Style.HALO),
    ],
)
def test_style_reads_case_space_and_underscore_variations(typed: str, style: Style) -> None:
    assert Style.parse(typed, field="style") is style


@pytest.mark.parametrize(
    ("typed", "style"),
    [
        ("Soltitaire", Style.SOLITAIRE),
        ("Soltitaire Necklace", Style.SOLITAIRE),
        ("soltitaire-necklace", Style.SOLITAIRE),
        ("Brzel", Style.BEZEL),
        ("BRZEL NECKLACE", Style.BEZEL),
        ("brzel_necklace", Style.BEZEL),
    ],
)
def test_style_reads_the_store_websites_spellings(typed: str, style: Style) -> None:
    assert Style.parse(typed, field="style") is style


@pytest.mark.parametrize(
    ("enum", "typed", "member"),
    [
        (Metal, "14K yellow gold", Metal.Y14),
        (Metal, "14k-white", Metal.W14),
        (Metal, "platinum", Metal.PLATINUM),
        (Metal, "Sterling silver", Metal.SILVER),
        (Shape, "RB", Shape.ROUND),
        (Shape, "brilliant", Shape.ROUND),
        (Shape, "round brilliant", Shape.ROUND),
        (Cut, "VG", Cut.VERY_GOOD),
        (Cut, "ideal", Cut.EXCELLENT),
        (Cut, "EX", Cut.EXCELLENT),
        (Clarity, "vvs1", Clarity.VVS1),
        (Clarity, " si2 ", Clarity.SI2),
        (Origin, "LGD", Origin.LAB_GROWN),
        (Origin, "lab created", Origin.LAB_GROWN),
        (Origin, "Lab-grown", Origin.LAB_GROWN),
        (Origin, "mined", Origin.NATURAL),
        (CertificateLab, "gia", CertificateLab.GIA),
        (ItemStatus, "On hold", ItemStatus.ON_HOLD),
        (Tracking, "counted stock", Tracking.COUNTED),
    ],
)
def test_reads_the_trades_usual_abbreviations(enum: type[LabeledEnum], typed: str, member: LabeledEnum) -> None:
    assert enum.parse(typed, field="f") is member


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_alias_leads_to_a_real_choice(enum: type[LabeledEnum]) -> None:
    for alias, value in enum.aliases().items():
        assert enum.parse(alias, field="f") is enum(value)


def test_refuses_an_unknown_style_listing_the_choices() -> None:
    with pytest.raises(ValidationError) as caught:
        Style.parse("Pendant", field="style")
    assert caught.value.field == "style"
    assert "'Pendant'" in caught.value.problem
    for style in Style:
        assert style.label in caught.value.problem


@pytest.mark.parametrize("typed", ["", "   "])
def test_refuses_an_empty_choice(typed: str) -> None:
    with pytest.raises(ValidationError, match="metal: is empty"):
        Metal.parse(typed, field="metal")


def test_refuses_a_karat_the_store_does_not_stock() -> None:
    with pytest.raises(ValidationError, match="is not one of: Platinum, 10k Yellow Gold"):
        Metal.parse("22k yellow", field="metal")


# --- weights and lengths as integers ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "points"),
    [("1.50", 150), ("1.5", 150), ("1.5 ct", 150), ("1.5CT", 150), (" 2 ", 200), ("0.01", 1), ("12.25 ct", 1225)],
)
def test_reads_carats_into_points(typed: str, points: int) -> None:
    assert parse_carat(typed) == points


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("0", "must be greater than zero"),
        ("0.00 ct", "must be greater than zero"),
        ("-1.5", "must be greater than zero"),
        ("1.505", "has more than 2 decimal places"),
        ("0.001", "has more than 2 decimal places"),
        ("1.0000000000000000000000000000001", "has more than 2 decimal places"),
        ("one carat", "is not a number"),
        ("nan", "is not a number"),
        ("Infinity", "is not a number"),
        ("", "is empty"),
        ("ct", "is empty"),
        ("1e999999999", "is too large"),
    ],
)
def test_refuses_a_carat_weight_that_cannot_be(typed: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_carat(typed, field="center_carat")
    assert caught.value.field == "center_carat"
    assert problem in caught.value.problem


@pytest.mark.parametrize(("typed", "centigrams"), [("12.35", 1235), ("12.35 g", 1235), ("12.35G", 1235), ("3", 300)])
def test_reads_gram_weight_into_centigrams(typed: str, centigrams: int) -> None:
    assert parse_grams(typed) == centigrams


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("0", "greater than zero"), ("-2", "greater than zero"), ("12.345", "more than 2 decimal places"), ("heavy", "not a number")],
)
def test_refuses_a_gram_weight_that_cannot_be(typed: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_grams(typed)
    assert caught.value.field == "gram_weight"
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    ("typed", "tenths"),
    [("18", 180), ("16.5", 165), ('18"', 180), ("18 in", 180), ("20IN", 200), ("6", 60), ("60", 600)],
)
def test_reads_chain_length_into_tenths_of_an_inch(typed: str, tenths: int) -> None:
    assert parse_inches(typed) == tenths


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("5.9", "between 6 and 60 inches"),
        ("60.1", "between 6 and 60 inches"),
        ("0", "between 6 and 60 inches"),
        ("16.25", "more than 1 decimal places"),
        ("long", "not a number"),
    ],
)
def test_refuses_a_chain_length_outside_what_a_necklace_can_be(typed: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_inches(typed)
    assert caught.value.field == "chain_length_in"
    assert problem in caught.value.problem


def test_writes_weights_and_lengths_back_as_people_read_them() -> None:
    assert points_text(150) == "1.50"
    assert points_text(5) == "0.05"
    assert centigrams_text(1235) == "12.35"
    assert tenths_text(180) == "18"
    assert tenths_text(165) == "16.5"


@given(points=st.integers(min_value=1, max_value=10**9), centigrams=st.integers(min_value=1, max_value=10**9))
def test_written_weights_read_back_unchanged(points: int, centigrams: int) -> None:
    assert parse_carat(points_text(points)) == points
    assert parse_grams(centigrams_text(centigrams)) == centigrams


@given(tenths=st.integers(min_value=60, max_value=600))
def test_written_chain_lengths_read_back_unchanged(tenths: int) -> None:
    assert parse_inches(tenths_text(tenths)) == tenths


@given(typed=st.text(alphabet="0123456789.eE+-_ ctgin\"Na", max_size=24) | st.text(max_size=24))
def test_a_typed_measurement_is_a_value_or_a_validation_error_never_a_crash(typed: str) -> None:
    for parse in (parse_carat, parse_grams, parse_inches):
        try:
            value = parse(typed)
        except ValidationError:
            continue
        assert isinstance(value, int) and value > 0


# --- color ------------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", COLOR_GRADES)
def test_accepts_every_color_grade_from_d_to_z_in_either_case(grade: str) -> None:
    assert parse_color(grade) == grade
    assert parse_color(f" {grade.lower()} ") == grade


def test_color_grades_run_d_to_z() -> None:
    assert "".join(COLOR_GRADES) == "DEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize(
    ("typed", "color"),
    [("Fancy Yellow", "Fancy Yellow"), ("fancy intense pink", "Fancy Intense Pink"), ("FANCY Vivid Blue", "Fancy Vivid Blue")],
)
def test_accepts_a_fancy_color_with_its_hue(typed: str, color: str) -> None:
    assert parse_color(typed) == color


@pytest.mark.parametrize("typed", ["A", "B", "C", "DE", "D-E", "yellow", "1"])
def test_refuses_what_is_not_a_color_grade(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_color(typed, field="center_color")
    assert caught.value.field == "center_color"
    assert "D to Z" in caught.value.problem


def test_refuses_an_empty_color() -> None:
    with pytest.raises(ValidationError, match="color: is empty"):
        parse_color("  ")


# --- lab report numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("2141438167", "2141438167"),  # GIA: ten digits
        ("LG612345678", "LG612345678"),  # IGI lab-grown
        (" lg 612 345 678 ", "LG612345678"),
        ("ags-104123456", "AGS-104123456"),
        ("A123", "A123"),  # shortest
        ("X" * 24, "X" * 24),  # longest
    ],
)
def test_reads_a_report_number_in_capitals_without_spaces(typed: str, number: str) -> None:
    assert parse_report_number(typed) == number


@pytest.mark.parametrize("typed", ["", "A12", "X" * 25, "-1234", "1234/56", "12.345", "GIA#12345", "１２３４５"])
def test_refuses_what_can_never_be_a_report_number(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_report_number(typed)
    assert caught.value.field == "cert_number"
    assert "is not a report number" in caught.value.problem


def test_an_absurdly_large_weight_is_refused_naming_the_field_not_a_crash() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_carat("1e999999999999999999", field="center_carat")
    assert caught.value.field == "center_carat"
