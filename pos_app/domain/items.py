"""A necklace as the store describes it, checked field by field.

`ItemSpec` is what a manager enters when receiving or editing a piece, and what
one CSV row holds. `parse_item` turns raw text (a form or a CSV row, keyed by
the column names in `COLUMNS`) into an `ItemSpec`, and `item_fields` turns one
back into text, so an export read back by an import gives the same item.

A *unique* piece is one serialized necklace (quantity 1, or 0 once sold); a
*counted* item is stock of identical pieces with a quantity and a reorder
point. The quantity here is only the opening quantity of a new item: after
that, stock moves through the ledger.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from pos_app.domain.errors import ValidationError
from pos_app.domain.jewelry import (
    CertificateLab,
    Clarity,
    Cut,
    ItemStatus,
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
from pos_app.domain.money import Money, parse_money
from pos_app.domain.store import check_plain_text

# Column order of the CSV files Facet reads and writes.
COLUMNS: tuple[str, ...] = (
    "sku", "barcode", "style", "title", "description", "metal", "chain_length_in", "clasp",
    "total_carat", "stone_count", "center_shape", "center_carat", "center_color",
    "center_clarity", "center_cut", "center_origin", "cert_lab", "cert_number",
    "gram_weight", "cost", "price", "tracking", "serial", "quantity", "reorder_point",
    "location", "status", "vendor", "received_on",
)
REQUIRED = ("sku", "style", "title", "metal", "price", "tracking", "location")

_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,31}$")
_BARCODE = re.compile(r"^[\x21-\x7e]{1,48}$")  # printable ASCII: what Code 128 encodes


@dataclass(frozen=True)
class ItemSpec:
    sku: str
    style: Style
    title: str
    metal: Metal
    price: Money
    tracking: Tracking
    location: str
    barcode: str | None = None
    description: str = ""
    chain_length_tenths: int | None = None
    clasp: str = ""
    total_carat_points: int | None = None
    stone_count: int | None = None
    center_shape: Shape | None = None
    center_carat_points: int | None = None
    center_color: str | None = None
    center_clarity: Clarity | None = None
    center_cut: Cut | None = None
    center_origin: Origin | None = None
    cert_lab: CertificateLab | None = None
    cert_number: str | None = None
    gram_weight_cg: int | None = None
    cost: Money | None = None
    serial: str | None = None
    quantity: int = 1
    reorder_point: int | None = None
    status: ItemStatus = ItemStatus.AVAILABLE
    vendor: str = ""
    received_on: dt.date | None = None

    @property
    def code(self) -> str:
        """What the tag's barcode encodes and the scanner types: the barcode, else the SKU."""
        return self.barcode or self.sku


def _text(raw: Mapping[str, str | None], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


MAX_COUNT = 1_000_000  # no quantity, reorder point or stone count of one item comes near


def _int(text: str, *, field: str, minimum: int = 0) -> int:
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        raise ValidationError(field, f"{text!r} is not a whole number up to {MAX_COUNT:,}")
    value = int(text)
    if value < minimum:
        raise ValidationError(field, f"must be at least {minimum}")
    if value > MAX_COUNT:
        raise ValidationError(field, f"must be at most {MAX_COUNT:,}")
    return value


def parse_units(text: str, *, field: str = "quantity") -> int:
    """A number of units as a person types it ("3", "12"); anything else is refused naming the field."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise ValidationError(field, f"{value!r} is not a whole number of units")
    return int(value)


def parse_item(
    raw: Mapping[str, str | None],
    *,
    currency: str,
    locations: Sequence[str],
    today: dt.date,
) -> ItemSpec:
    """Check every field of one item; the first problem raises `ValidationError`.

    `locations` are the store's configured places (cases, safe, back office);
    `today` bounds the received date (a piece cannot arrive tomorrow). No
    field holds a control character (a NUL, an escape); the description, the
    one field of several lines, may hold tabs and line breaks.
    """
    for name in COLUMNS:
        check_plain_text(_text(raw, name), field=name, lines=name == "description")
    for name in REQUIRED:
        if not _text(raw, name):
            raise ValidationError(name, "is required")

    sku = _text(raw, "sku")
    if not _SKU.match(sku):
        raise ValidationError("sku", f"{sku!r} must be 1-32 letters, digits, '-', '_', '.' or '/'")
    barcode = _text(raw, "barcode") or None
    if barcode is not None and not _BARCODE.match(barcode):
        raise ValidationError("barcode", "must be 1-48 printable characters without spaces")
    title = _text(raw, "title")
    if len(title) > 120:
        raise ValidationError("title", "is longer than 120 characters")
    description = _text(raw, "description")
    if len(description) > 4000:
        raise ValidationError("description", "is longer than 4000 characters")

    style = Style.parse(_text(raw, "style"), field="style")
    metal = Metal.parse(_text(raw, "metal"), field="metal")
    price = parse_money(_text(raw, "price"), currency, field="price")
    if price.cents <= 0:
        raise ValidationError("price", "must be greater than zero")
    cost_text = _text(raw, "cost")
    cost = parse_money(cost_text, currency, field="cost") if cost_text else None
    tracking = Tracking.parse(_text(raw, "tracking"), field="tracking")

    location = _text(raw, "location")
    matches = [known for known in locations if known.lower() == location.lower()]
    if not matches:
        raise ValidationError("location", f"{location!r} is not one of the store's locations: {', '.join(locations)}")
    location = matches[0]

    status_text = _text(raw, "status")
    status = ItemStatus.parse(status_text, field="status") if status_text else ItemStatus.AVAILABLE

    quantity_text = _text(raw, "quantity")
    serial = _text(raw, "serial") or None
    reorder_text = _text(raw, "reorder_point")
    reorder_point = _int(reorder_text, field="reorder_point") if reorder_text else None
    if tracking is Tracking.UNIQUE:
        expected = 0 if status is ItemStatus.SOLD else 1
        quantity = _int(quantity_text, field="quantity") if quantity_text else expected
        if quantity != expected:
            raise ValidationError(
                "quantity",
                f"a unique piece that is {status.label.lower()} has quantity {expected}, not {quantity}",
            )
        if reorder_point is not None:
            raise ValidationError("reorder_point", "applies to counted stock, not a unique piece")
    else:
        quantity = _int(quantity_text, field="quantity") if quantity_text else 0
        if serial is not None:
            raise ValidationError("serial", "a counted item has no serial number; make it a unique piece")
        if status is ItemStatus.SOLD:
            raise ValidationError("status", "counted stock is never 'sold'; its quantity goes to zero")

    def optional(name: str, parse):  # type: ignore[no-untyped-def]
        text = _text(raw, name)
        return parse(text) if text else None

    cert_lab = optional("cert_lab", lambda t: CertificateLab.parse(t, field="cert_lab"))
    cert_number = optional("cert_number", lambda t: parse_report_number(t, field="cert_number"))
    if (cert_lab is None) != (cert_number is None):
        missing = "cert_number" if cert_number is None else "cert_lab"
        raise ValidationError(missing, "is required when the other certificate field is given")

    received_on = optional("received_on", lambda t: _date(t, field="received_on"))
    if received_on is not None and received_on > today:
        raise ValidationError("received_on", f"{received_on.isoformat()} is in the future")

    stone_count = optional("stone_count", lambda t: _int(t, field="stone_count"))
    return ItemSpec(
        sku=sku,
        barcode=barcode,
        style=style,
        title=title,
        description=description,
        metal=metal,
        chain_length_tenths=optional("chain_length_in", lambda t: parse_inches(t, field="chain_length_in")),
        clasp=_text(raw, "clasp")[:40],
        total_carat_points=optional("total_carat", lambda t: parse_carat(t, field="total_carat")),
        stone_count=stone_count,
        center_shape=optional("center_shape", lambda t: Shape.parse(t, field="center_shape")),
        center_carat_points=optional("center_carat", lambda t: parse_carat(t, field="center_carat")),
        center_color=optional("center_color", lambda t: parse_color(t, field="center_color")),
        center_clarity=optional("center_clarity", lambda t: Clarity.parse(t, field="center_clarity")),
        center_cut=optional("center_cut", lambda t: Cut.parse(t, field="center_cut")),
        center_origin=optional("center_origin", lambda t: Origin.parse(t, field="center_origin")),
        cert_lab=cert_lab,
        cert_number=cert_number,
        gram_weight_cg=optional("gram_weight", lambda t: parse_grams(t, field="gram_weight")),
        cost=cost,
        price=price,
        tracking=tracking,
        serial=serial,
        quantity=quantity,
        reorder_point=reorder_point,
        location=location,
        status=status,
        vendor=_text(raw, "vendor")[:80],
        received_on=received_on,
    )


def _date(text: str, *, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"{text!r} is not a date; use YYYY-MM-DD") from None


def item_fields(spec: ItemSpec) -> dict[str, str]:
    """The item as text keyed by `COLUMNS`: the inverse of `parse_item`."""

    def opt(value: object, fmt=str) -> str:  # type: ignore[no-untyped-def]
        return "" if value is None else fmt(value)

    return {
        "sku": spec.sku,
        "barcode": spec.barcode or "",
        "style": spec.style.value,
        "title": spec.title,
        "description": spec.description,
        "metal": spec.metal.value,
        "chain_length_in": opt(spec.chain_length_tenths, tenths_text),
        "clasp": spec.clasp,
        "total_carat": opt(spec.total_carat_points, points_text),
        "stone_count": opt(spec.stone_count),
        "center_shape": opt(spec.center_shape and spec.center_shape.value),
        "center_carat": opt(spec.center_carat_points, points_text),
        "center_color": spec.center_color or "",
        "center_clarity": opt(spec.center_clarity and spec.center_clarity.value),
        "center_cut": opt(spec.center_cut and spec.center_cut.value),
        "center_origin": opt(spec.center_origin and spec.center_origin.value),
        "cert_lab": opt(spec.cert_lab and spec.cert_lab.value),
        "cert_number": spec.cert_number or "",
        "gram_weight": opt(spec.gram_weight_cg, centigrams_text),
        "cost": opt(spec.cost, lambda m: m.plain()),
        "price": spec.price.plain(),
        "tracking": spec.tracking.value,
        "serial": spec.serial or "",
        "quantity": str(spec.quantity),
        "reorder_point": opt(spec.reorder_point),
        "location": spec.location,
        "status": spec.status.value,
        "vendor": spec.vendor,
        "received_on": opt(spec.received_on, lambda d: d.isoformat()),
    }


SPEC_FIELDS = tuple(f.name for f in fields(ItemSpec))


# ---------------------------------------------------------------- what receiving checks beyond the fields
#
# Every style Facet knows (solitaire, tennis, bezel, halo, linked tennis) is a
# diamond necklace. Receiving one *refuses* what cannot be true of it (a
# contradiction is a typo: no answer a person gives makes it right) and *warns*
# about what may simply not be known yet, which the person may accept: the cost
# comes with the vendor's invoice, the stones are counted and weighed when the
# piece is graded or its lab report arrives.


@dataclass(frozen=True)
class ReceivingWarning:
    """One thing a received piece leaves unknown (`field` names the form's field)."""

    field: str
    text: str


def check_received_piece(spec: ItemSpec) -> None:
    """Refuse a new piece whose stones contradict each other (`ValidationError` naming the field)."""
    total, center = spec.total_carat_points, spec.center_carat_points
    if total is not None and center is not None and center > total:
        raise ValidationError("center_carat", f"{points_text(center)} ct is more than the total carat weight "
                                              f"({points_text(total)} ct), which includes the center stone")
    if spec.stone_count == 0:
        raise ValidationError("stone_count", f"a {spec.style.label.lower()} carries at least one diamond: count "
                                             "them, or leave the count empty if not known yet")
    if total == 0:
        raise ValidationError("total_carat", f"a {spec.style.label.lower()} carries diamonds: 0 ct cannot be "
                                             "right; leave it empty if the weight is not known yet")


def receiving_warnings(spec: ItemSpec) -> tuple[ReceivingWarning, ...]:
    """What a new piece leaves unknown, for the person receiving it to confirm (empty: nothing to ask)."""
    found = []
    if spec.cost is None or spec.cost.cents == 0:
        found.append(ReceivingWarning("cost", "no cost: margins and the stock's value will leave it out until "
                                              "the invoice's cost is entered"))
    elif spec.cost.cents > spec.price.cents:
        found.append(ReceivingWarning("cost", f"the cost ({spec.cost.plain()}) is above the price "
                                              f"({spec.price.plain()}): it would sell at a loss"))
    has_center = spec.center_carat_points is not None or spec.center_shape is not None
    if not spec.stone_count and not has_center:
        found.append(ReceivingWarning("stone_count", f"no stones: a {spec.style.label.lower()} carries "
                                                     "diamonds, and neither a stone count nor a center stone "
                                                     "is given"))
    if spec.total_carat_points is None and spec.center_carat_points is None:
        found.append(ReceivingWarning("total_carat", "no carat weight: neither a total nor a center stone "
                                                     "weight is given"))
    return tuple(found)
