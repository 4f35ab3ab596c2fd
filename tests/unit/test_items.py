"""One necklace as a form or a CSV row describes it: `parse_item` and its inverse `item_fields`."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.domain.errors import ValidationError
from pos_app.domain.items import COLUMNS, REQUIRED, ItemSpec, item_fields, parse_item
from pos_app.domain.jewelry import (
    COLOR_GRADES,
    CertificateLab,
    Clarity,
    Cut,
    ItemStatus,
    Metal,
    Origin,
    Shape,
    Style,
    Tracking,
)
from pos_app.domain.money import Money
from pos_app.domain.store import DEFAULT_LOCATIONS

TODAY = dt.date(2026, 3, 14)


def full_row(**changes: str) -> dict[str, str]:
    """A complete row for a GIA-graded solitaire, as a CSV export writes it."""
    row = {
        "sku": "NK-1001",
        "barcode": "0400012345678",
        "style": "Solitaire Necklace",
        "title": "1.50 ct Round Solitaire Pendant",
        "description": "Four-prong platinum setting on a cable chain.",
        "metal": "Platinum",
        "chain_length_in": "18",
        "clasp": "Lobster",
        "total_carat": "1.50",
        "stone_count": "1",
        "center_shape": "Round Brilliant",
        "center_carat": "1.50",
        "center_color": "F",
        "center_clarity": "VS1",
        "center_cut": "Excellent",
        "center_origin": "Natural",
        "cert_lab": "GIA",
        "cert_number": "2141438167",
        "gram_weight": "4.20",
        "cost": "6,200.00",
        "price": "$12,500.00",
        "tracking": "unique",
        "serial": "SN-88213",
        "quantity": "1",
        "reorder_point": "",
        "location": "Case 1",
        "status": "available",
        "vendor": "Rapaport Trading",
        "received_on": "2026-03-02",
    }
    row.update(changes)
    return row


def minimal_row(**changes: str) -> dict[str, str]:
    """Only the required columns."""
    row = {
        "sku": "TN-2001",
        "style": "tennis",
        "title": "3 ct Tennis Necklace",
        "metal": "14k_white",
        "price": "4800",
        "tracking": "unique",
        "location": "Safe",
    }
    row.update(changes)
    return row


def parse(row: dict[str, str], *, currency: str = "USD") -> ItemSpec:
    return parse_item(row, currency=currency, locations=DEFAULT_LOCATIONS, today=TODAY)


def refusal(row: dict[str, str]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse(row)
    return caught.value


# --- a whole row -----------------------------------------------------------------------


def test_reads_a_full_valid_row_into_an_item() -> None:
    assert parse(full_row()) == ItemSpec(
        sku="NK-1001",
        barcode="0400012345678",
        style=Style.SOLITAIRE,
        title="1.50 ct Round Solitaire Pendant",
        description="Four-prong platinum setting on a cable chain.",
        metal=Metal.PLATINUM,
        chain_length_tenths=180,
        clasp="Lobster",
        total_carat_points=150,
        stone_count=1,
        center_shape=Shape.ROUND,
        center_carat_points=150,
        center_color="F",
        center_clarity=Clarity.VS1,
        center_cut=Cut.EXCELLENT,
        center_origin=Origin.NATURAL,
        cert_lab=CertificateLab.GIA,
        cert_number="2141438167",
        gram_weight_cg=420,
        cost=Money(620000, "USD"),
        price=Money(1250000, "USD"),
        tracking=Tracking.UNIQUE,
        serial="SN-88213",
        quantity=1,
        reorder_point=None,
        location="Case 1",
        status=ItemStatus.AVAILABLE,
        vendor="Rapaport Trading",
        received_on=dt.date(2026, 3, 2),
    )


def test_reads_a_row_with_only_the_required_columns() -> None:
    spec = parse(minimal_row())
    assert spec == ItemSpec(
        sku="TN-2001",
        style=Style.TENNIS,
        title="3 ct Tennis Necklace",
        metal=Metal.W14,
        price=Money(480000, "USD"),
        tracking=Tracking.UNIQUE,
        location="Safe",
    )
    assert spec.quantity == 1
    assert spec.status is ItemStatus.AVAILABLE


def test_reads_a_row_exported_from_the_store_website() -> None:
    spec = parse(full_row(style="Brzel Necklace", metal="18K Rose Gold", center_cut="ideal"))
    assert (spec.style, spec.metal, spec.center_cut) == (Style.BEZEL, Metal.R18, Cut.EXCELLENT)


def test_trims_the_spaces_a_spreadsheet_leaves_around_values() -> None:
    spec = parse(full_row(sku="  NK-1001 ", title=" Solitaire  ", vendor=" Rapaport "))
    assert (spec.sku, spec.title, spec.vendor) == ("NK-1001", "Solitaire", "Rapaport")


def test_an_export_lists_every_column_in_file_order() -> None:
    assert list(item_fields(parse(full_row()))) == list(COLUMNS)


def test_tag_code_is_the_barcode_or_else_the_sku() -> None:
    assert parse(full_row()).code == "0400012345678"
    assert parse(full_row(barcode="")).code == "NK-1001"


# --- required columns --------------------------------------------------------------------


def test_required_columns_are_those_an_item_cannot_exist_without() -> None:
    assert set(REQUIRED) == {"sku", "style", "title", "metal", "price", "tracking", "location"}


@pytest.mark.parametrize("column", REQUIRED)
@pytest.mark.parametrize("blank", ["", "   ", None, "absent"])
def test_a_missing_required_column_is_named_in_the_refusal(column: str, blank: str | None) -> None:
    row: dict[str, str | None] = dict(full_row())
    if blank == "absent":
        del row[column]
    else:
        row[column] = blank
    with pytest.raises(ValidationError) as caught:
        parse_item(row, currency="USD", locations=DEFAULT_LOCATIONS, today=TODAY)
    assert caught.value.field == column
    assert caught.value.problem == "is required"


# --- unique pieces and counted stock -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "quantity", "expected"),
    [("available", "", 1), ("available", "1", 1), ("on_hold", "1", 1), ("on memo", "", 1), ("sold", "", 0), ("sold", "0", 0)],
)
def test_a_unique_piece_has_quantity_one_or_zero_once_sold(status: str, quantity: str, expected: int) -> None:
    assert parse(full_row(status=status, quantity=quantity)).quantity == expected


@pytest.mark.parametrize(("status", "quantity"), [("available", "2"), ("available", "0"), ("in_repair", "0"), ("sold", "1")])
def test_refuses_a_unique_piece_with_another_quantity(status: str, quantity: str) -> None:
    error = refusal(full_row(status=status, quantity=quantity))
    assert error.field == "quantity"
    assert f"not {quantity}" in error.problem


def test_refuses_a_reorder_point_on_a_unique_piece() -> None:
    assert refusal(full_row(reorder_point="2")).field == "reorder_point"


def test_reads_counted_stock_with_its_quantity_and_reorder_point() -> None:
    spec = parse(minimal_row(tracking="Counted stock", quantity="25", reorder_point="5"))
    assert (spec.tracking, spec.quantity, spec.reorder_point) == (Tracking.COUNTED, 25, 5)


def test_counted_stock_without_a_quantity_opens_at_zero() -> None:
    assert parse(minimal_row(tracking="counted")).quantity == 0


def test_refuses_a_serial_number_on_counted_stock() -> None:
    error = refusal(minimal_row(tracking="counted", quantity="3", serial="SN-1"))
    assert error.field == "serial"
    assert "unique piece" in error.problem


def test_refuses_counted_stock_marked_sold() -> None:
    error = refusal(minimal_row(tracking="counted", quantity="0", status="sold"))
    assert error.field == "status"


@pytest.mark.parametrize(("column", "typed"), [("quantity", "-1"), ("quantity", "2.5"), ("quantity", "lots"), ("reorder_point", "-3"), ("stone_count", "many")])
def test_refuses_a_count_that_is_not_a_whole_number_from_zero(column: str, typed: str) -> None:
    assert refusal(minimal_row(tracking="counted", **{column: typed})).field == column


# --- certificate, dates, places, prices, codes ------------------------------------------------------------


def test_refuses_a_certificate_lab_without_its_report_number() -> None:
    error = refusal(full_row(cert_number=""))
    assert error.field == "cert_number"
    assert "other certificate field" in error.problem


def test_refuses_a_report_number_without_its_lab() -> None:
    assert refusal(full_row(cert_lab="")).field == "cert_lab"


def test_an_item_without_a_certificate_has_neither_field() -> None:
    spec = parse(full_row(cert_lab="", cert_number=""))
    assert (spec.cert_lab, spec.cert_number) == (None, None)


def test_accepts_a_piece_received_today() -> None:
    assert parse(full_row(received_on=TODAY.isoformat())).received_on == TODAY


def test_refuses_a_piece_received_tomorrow() -> None:
    error = refusal(full_row(received_on="2026-03-15"))
    assert error.field == "received_on"
    assert "2026-03-15 is in the future" in error.problem


def test_refuses_a_received_date_that_is_not_iso() -> None:
    error = refusal(full_row(received_on="03/02/2026"))
    assert error.field == "received_on"
    assert "YYYY-MM-DD" in error.problem


def test_matches_a_location_regardless_of_case_and_keeps_the_stores_spelling() -> None:
    assert parse(full_row(location="back OFFICE")).location == "Back office"


def test_refuses_an_unknown_location_naming_the_stores_locations() -> None:
    error = refusal(full_row(location="Vault"))
    assert error.field == "location"
    assert "'Vault'" in error.problem
    for place in DEFAULT_LOCATIONS:
        assert place in error.problem


def test_a_store_with_its_own_locations_accepts_only_those() -> None:
    spec = parse_item(full_row(location="window 2"), currency="USD", locations=("Window 1", "Window 2"), today=TODAY)
    assert spec.location == "Window 2"
    with pytest.raises(ValidationError, match="Window 1, Window 2"):
        parse_item(full_row(location="Case 1"), currency="USD", locations=("Window 1", "Window 2"), today=TODAY)


@pytest.mark.parametrize(("typed", "problem"), [("0", "greater than zero"), ("0.00", "greater than zero"), ("12.345", "decimal places"), ("-5", "negative"), ("call us", "not an amount")])
def test_refuses_a_price_a_customer_cannot_pay(typed: str, problem: str) -> None:
    error = refusal(full_row(price=typed))
    assert error.field == "price"
    assert problem in error.problem


def test_a_price_is_in_the_stores_currency() -> None:
    assert parse(full_row(price="150000", cost=""), currency="JPY").price == Money(150000, "JPY")


def test_a_cost_of_zero_is_allowed_and_a_blank_cost_is_unknown() -> None:
    assert parse(full_row(cost="0")).cost == Money(0, "USD")
    assert parse(full_row(cost="")).cost is None


def test_names_the_cost_column_when_the_cost_is_wrong() -> None:
    assert refusal(full_row(cost="12.345")).field == "cost"


@pytest.mark.parametrize("sku", ["NK 1001", "-NK1001", "X" * 33, "NK#1"])
def test_refuses_a_sku_a_label_cannot_carry(sku: str) -> None:
    assert refusal(full_row(sku=sku)).field == "sku"


@pytest.mark.parametrize("sku", ["A", "NK-1001/B", "tn_2001.v2", "X" * 32])
def test_accepts_skus_of_letters_digits_and_separators(sku: str) -> None:
    assert parse(full_row(sku=sku)).sku == sku


@pytest.mark.parametrize("barcode", ["0400 012345", "X" * 49, "é123"])
def test_refuses_a_barcode_code_128_cannot_encode(barcode: str) -> None:
    assert refusal(full_row(barcode=barcode)).field == "barcode"


def test_refuses_a_title_longer_than_a_tag_and_receipt_can_show() -> None:
    assert parse(full_row(title="T" * 120)).title == "T" * 120
    assert refusal(full_row(title="T" * 121)).field == "title"


def test_refuses_a_description_over_4000_characters() -> None:
    assert refusal(full_row(description="d" * 4001)).field == "description"


@pytest.mark.parametrize(
    ("column", "typed"),
    [
        ("style", "Pendant"),
        ("metal", "Copper"),
        ("tracking", "serialized"),
        ("status", "lost"),
        ("center_shape", "triangle"),
        ("center_clarity", "VS3"),
        ("center_cut", "superb"),
        ("center_origin", "moissanite"),
        ("cert_lab", "EGL-USA"),
        ("cert_number", "#1"),
        ("center_color", "blue"),
        ("center_carat", "1.505"),
        ("total_carat", "0"),
        ("gram_weight", "heavy"),
        ("chain_length_in", "100"),
    ],
)
def test_names_the_column_of_any_value_it_refuses(column: str, typed: str) -> None:
    assert refusal(full_row(**{column: typed})).field == column


# --- export then import gives the same item -------------------------------------------------------------


def _clean_text(max_size: int, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text as a person leaves it: no surrounding whitespace (the import trims it), no control character
    (refused)."""
    return (
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=max_size)
        .map(str.strip)
        .filter(lambda s: len(s) >= min_size)
    )


def _optional(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


@st.composite
def item_specs(draw: st.DrawFn) -> tuple[ItemSpec, str]:
    currency = draw(st.sampled_from(["USD", "EUR", "JPY", "BHD"]))
    tracking = draw(st.sampled_from(Tracking))
    if tracking is Tracking.UNIQUE:
        status = draw(st.sampled_from(ItemStatus))
        quantity = 0 if status is ItemStatus.SOLD else 1
        serial = draw(_optional(_clean_text(40, min_size=1)))
        reorder_point = None
    else:
        status = draw(st.sampled_from([s for s in ItemStatus if s is not ItemStatus.SOLD]))
        quantity = draw(st.integers(min_value=0, max_value=100_000))
        serial = None
        reorder_point = draw(_optional(st.integers(min_value=0, max_value=1_000)))
    certificate = draw(
        st.none()
        | st.tuples(st.sampled_from(CertificateLab), st.from_regex(r"[A-Z0-9][A-Z0-9\-]{3,23}", fullmatch=True))
    )
    fancy = st.sampled_from(["Yellow", "Intense Pink", "Vivid Blue", "Light Brown"]).map(lambda hue: f"Fancy {hue}")
    cost = draw(_optional(st.integers(min_value=0, max_value=10**9)))
    spec = ItemSpec(
        sku=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-/]{0,31}", fullmatch=True)),
        barcode=draw(_optional(st.from_regex(r"[\x21-\x7e]{1,48}", fullmatch=True))),
        style=draw(st.sampled_from(Style)),
        title=draw(_clean_text(120, min_size=1)),
        description=draw(_clean_text(300)),
        metal=draw(st.sampled_from(Metal)),
        chain_length_tenths=draw(_optional(st.integers(min_value=60, max_value=600))),
        clasp=draw(_clean_text(40)),
        total_carat_points=draw(_optional(st.integers(min_value=1, max_value=100_000))),
        stone_count=draw(_optional(st.integers(min_value=0, max_value=10_000))),
        center_shape=draw(_optional(st.sampled_from(Shape))),
        center_carat_points=draw(_optional(st.integers(min_value=1, max_value=10_000))),
        center_color=draw(_optional(st.sampled_from(COLOR_GRADES) | fancy)),
        center_clarity=draw(_optional(st.sampled_from(Clarity))),
        center_cut=draw(_optional(st.sampled_from(Cut))),
        center_origin=draw(_optional(st.sampled_from(Origin))),
        cert_lab=certificate and certificate[0],
        cert_number=certificate and certificate[1],
        gram_weight_cg=draw(_optional(st.integers(min_value=1, max_value=100_000))),
        cost=None if cost is None else Money(cost, currency),
        price=Money(draw(st.integers(min_value=1, max_value=10**9)), currency),
        tracking=tracking,
        serial=serial,
        quantity=quantity,
        reorder_point=reorder_point,
        location=draw(st.sampled_from(DEFAULT_LOCATIONS)),
        status=status,
        vendor=draw(_clean_text(80)),
        received_on=draw(_optional(st.dates(min_value=dt.date(1990, 1, 1), max_value=TODAY))),
    )
    return spec, currency


@settings(max_examples=200)
@given(generated=item_specs())
def test_an_exported_item_imports_as_the_same_item(generated: tuple[ItemSpec, str]) -> None:
    spec, currency = generated
    assert parse_item(item_fields(spec), currency=currency, locations=DEFAULT_LOCATIONS, today=TODAY) == spec


def test_every_item_field_travels_in_its_own_column() -> None:
    # A field added to ItemSpec needs a column, parse_item, item_fields and the strategy above.
    assert len(dataclasses.fields(ItemSpec)) == len(COLUMNS) == len(set(COLUMNS))


@pytest.mark.parametrize("column", ["quantity", "reorder_point", "stone_count"])
def test_refuses_a_count_too_large_to_be_real_naming_the_column(column: str) -> None:
    raw = full_row(tracking="counted", serial="", **{"quantity": "3", column: "99999999999999999999"})
    with pytest.raises(ValidationError) as caught:
        parse_item(raw, currency="USD", locations=DEFAULT_LOCATIONS, today=TODAY)
    assert caught.value.field == column


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("control", ["\x00", "\x01", "\x1b", "\x7f", "\x9b"], ids=repr)
def test_no_field_holds_a_control_character(column: str, control: str) -> None:
    """A NUL (or an escape, DEL, a C1 control) inside any field is refused by the field's name, whatever the
    field; a form and a CSV row both come through here, so the store never holds one."""
    value = full_row()[column] or "x"
    with pytest.raises(ValidationError) as raised:
        parse(full_row(**{column: value[:1] + control + value[1:]}))
    assert raised.value.field == column
    assert f"U+{ord(control):04X}) at character 2" in raised.value.problem


def test_a_description_keeps_its_tabs_and_line_breaks_and_other_fields_refuse_a_tab() -> None:
    text = "Four-prong setting.\r\n\tCable chain, 18 in."
    assert parse(full_row(description=text)).description == text
    with pytest.raises(ValidationError) as raised:
        parse(full_row(title="1.50 ct\tRound"))
    assert raised.value.field == "title" and "U+0009" in raised.value.problem
