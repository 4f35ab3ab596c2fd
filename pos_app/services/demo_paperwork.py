"""The demo store's paperwork: lab certificates for its larger diamonds, and a dozen appraisals.

Part of the demo's one transaction (`demo.load_demo_store` calls `add_paperwork`
inside its unit of work). Its own random stream, so the rest of the demo is
the same with or without it. The appraisals:

- eight insurance appraisals of pieces sold to customers, made from the sale
  (as the counter's one click makes them), final;
- one of those corrected: version 1 final and superseded, version 2 final;
- two of pieces still in stock, owned by the store: one final (fair market
  value), one draft waiting for the appraiser;
- one estate appraisal of a customer's own necklace brought in, with the
  customer's GIA report, still a draft.

Photos are drawn here (a necklace on a velvet pad, by style) with Pillow, so
printed appraisals show what a real one does without shipping image files.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from pos_app.domain.appraisals import (
    AppraisalSpec,
    Purpose,
    StoneRole,
    StoneSpec,
    retain_until,
    standard_limiting_conditions,
)
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import CertificateLab, Clarity, Cut, Metal, Origin, Shape, Style
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor
from pos_app.services.appraisals.drafting import spec_from_item, stones_from_item
from pos_app.services.ports.uow import UnitOfWork

SOLD_APPRAISALS = 8
PHOTO_SIZE = (480, 360)


@dataclass(frozen=True)
class SoldPiece:
    sale_id: str
    day: dt.date
    customer_id: str
    item_id: str
    spec: ItemSpec
    list_price_cents: int


def _measurements(shape: Shape | None, points: int, rng: random.Random) -> str:
    """Plausible millimetres for a stone of this weight (a round's diameter grows with the cube root)."""
    carat = points / 100
    diameter = 6.5 * carat ** (1 / 3)
    if shape in (None, Shape.ROUND):
        low, high = diameter * rng.uniform(0.995, 1.0), diameter * rng.uniform(1.0, 1.006)
        return f"{low:.2f} - {high:.2f} x {diameter * 0.61:.2f} mm"
    length, width = diameter * 1.25, diameter * 0.85
    return f"{length:.2f} x {width:.2f} x {width * 0.62:.2f} mm"


def _years_later(day: dt.date, years: int) -> dt.date:
    """The same date `years` later; the 28th of February for a 29th with no leap year to land on."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_certificates(uow: UnitOfWork, items: Sequence[tuple[str, ItemSpec]], rng: random.Random) -> dict[str, str]:
    """A lab report for every piece whose center stone has one on its tag; item id -> certificate id."""
    made = {}
    for item_id, spec in items:
        if spec.cert_lab is None or spec.cert_number is None or not spec.center_carat_points:
            continue
        received = spec.received_on or dt.date(2026, 1, 1)
        report_date = received - dt.timedelta(days=rng.randint(40, 400))
        lab_grown = spec.center_origin is Origin.LAB_GROWN
        inscription = f"{spec.cert_lab.value} {spec.cert_number}" if not lab_grown else \
            f"{spec.cert_lab.value} {spec.cert_number} LABORATORY GROWN"
        made[item_id] = uow.certificates.add({
            "lab": spec.cert_lab.value, "report_number": spec.cert_number, "report_date": report_date,
            "shape": spec.center_shape and spec.center_shape.value, "carat_points": spec.center_carat_points,
            "color": spec.center_color, "clarity": spec.center_clarity and spec.center_clarity.value,
            "cut": (spec.center_cut or Cut.EXCELLENT).value,
            "polish": rng.choice([Cut.EXCELLENT, Cut.EXCELLENT, Cut.VERY_GOOD]).value,
            "symmetry": rng.choice([Cut.EXCELLENT, Cut.VERY_GOOD, Cut.VERY_GOOD]).value,
            "fluorescence": rng.choice(["none", "none", "faint", "medium"]),
            "measurements": _measurements(spec.center_shape, spec.center_carat_points, rng),
            "inscription": inscription, "origin": (spec.center_origin or Origin.NATURAL).value,
            "item_id": item_id, "customer_id": None, "scan_mime_type": None, "scan": None,
            "retain_until": _years_later(report_date, 10),
        })
    return made


def necklace_photo(style: Style, metal: Metal | None, seed: int) -> bytes:
    """A JPEG of a necklace of this style laid on a dark pad (drawn, not photographed)."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, (38, 40, 52))
    draw = ImageDraw.Draw(image)
    for row in range(height):  # the pad: a soft vertical gradient
        shade = int(30 + 26 * row / height)
        draw.line([(0, row), (width, row)], fill=(shade, shade + 2, shade + 14))
    gold = {Metal.Y10: (208, 176, 96), Metal.Y14: (214, 178, 92), Metal.Y18: (226, 186, 88),
            Metal.R10: (214, 156, 132), Metal.R14: (218, 152, 128), Metal.R18: (222, 150, 122)}.get(
        metal or Metal.PLATINUM, (214, 216, 222))
    cx, top, span, drop = width / 2, 40.0, width * 0.36, height * 0.52
    points = [(cx + span * math.sin(t), top + drop * math.cos(t))
              for t in (i / 60 * math.pi - math.pi / 2 for i in range(61))]
    draw.line(points, fill=gold, width=3, joint="curve")
    stones = {Style.TENNIS: 41, Style.LINKED_TENNIS: 25}.get(style, 0)
    for n in range(stones):  # a line of small diamonds along the chain
        x, y = points[10 + n * 40 // max(stones, 1)]
        draw.ellipse([x - 5, y - 5, x + 5, y + 5], fill=(236, 240, 246), outline=gold)
    bottom_x, bottom_y = points[30]
    size = {Style.SOLITAIRE: 22, Style.HALO: 20, Style.BEZEL: 18}.get(style, 0)
    if size:
        if style is Style.HALO:
            for k in range(16):
                a = k / 16 * 2 * math.pi
                hx, hy = bottom_x + (size + 7) * math.cos(a), bottom_y + 24 + (size + 7) * math.sin(a)
                draw.ellipse([hx - 4, hy - 4, hx + 4, hy + 4], fill=(232, 236, 244))
        if style is Style.BEZEL:
            draw.ellipse([bottom_x - size - 5, bottom_y + 19 - size, bottom_x + size + 5, bottom_y + 29 + size],
                         fill=gold)
        draw.ellipse([bottom_x - size, bottom_y + 24 - size, bottom_x + size, bottom_y + 24 + size],
                     fill=(244, 247, 252), outline=(190, 200, 214), width=2)
        for k in range(8):  # facets catching the light
            a = k / 8 * 2 * math.pi + rng.random() * 0.2
            draw.line([(bottom_x, bottom_y + 24),
                       (bottom_x + size * 0.9 * math.cos(a), bottom_y + 24 + size * 0.9 * math.sin(a))],
                      fill=(200, 210, 226), width=1)
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=86)
    return out.getvalue()


def add_appraisals(uow: UnitOfWork, *, items: Sequence[tuple[str, ItemSpec]], sold: Sequence[SoldPiece],
                   certificates: dict[str, str], appraiser: Actor, customers: Sequence[str], today: dt.date,
                   rng: random.Random) -> int:
    """The dozen demo appraisals (see the module's docstring); returns how many records were written."""
    photos: dict[tuple[Style, Metal], bytes] = {}

    def photo(spec: ItemSpec) -> bytes:
        key = (spec.style, spec.metal)
        if key not in photos:
            photos[key] = necklace_photo(spec.style, spec.metal, seed=len(photos))
        return photos[key]

    def write(spec: AppraisalSpec, *, item: tuple[str, ItemSpec] | None, owner: str | None, sale_id: str | None,
              final: bool, version: int = 1, number: str | None = None, supersedes: str | None = None) -> tuple[
            str, str]:
        if number is None:
            year = spec.appraised_on.year
            number = f"AP-{year}-{uow.appraisals.next_number(year):04d}"
        appraisal_id = uow.appraisals.add(number=number, version=version, supersedes_id=supersedes, spec=spec,
                                          item_id=item[0] if item else None, owner_customer_id=owner,
                                          appraiser_id=appraiser.staff_id, currency="USD", sale_id=sale_id,
                                          at=dt.datetime.combine(spec.appraised_on, dt.time(14, 5), dt.UTC))
        if item is not None:
            uow.appraisals.add_photo(appraisal_id, photo(item[1]), "image/jpeg")
        if final:
            moment = dt.datetime.combine(spec.appraised_on, dt.time(16, 30), dt.UTC)
            uow.appraisals.finalize(appraisal_id, at=moment, retain_until=retain_until(spec.appraised_on))
        return appraisal_id, number

    def of_item(item_id: str, spec: ItemSpec, value: int, day: dt.date, purpose: Purpose) -> AppraisalSpec:
        cert = uow.certificates.get(certificates[item_id]) if item_id in certificates else None
        stones = stones_from_item(spec, [], cert)
        return spec_from_item(spec, stones, value=Money(value), appraised_on=day,
                              conditions=standard_limiting_conditions(purpose), purpose=purpose)

    written = 0
    # The largest diamonds sold are the ones customers insure first.
    chosen = sorted(sold, key=lambda piece: -(piece.spec.center_carat_points or 0))[:SOLD_APPRAISALS]
    for n, piece in enumerate(sorted(chosen, key=lambda p: p.day)):
        made = of_item(piece.item_id, piece.spec, piece.list_price_cents, piece.day, Purpose.INSURANCE)
        first_id, number = write(made, item=(piece.item_id, piece.spec), owner=piece.customer_id,
                                 sale_id=piece.sale_id, final=True)
        written += 1
        if n == 1:  # a correction: the clasp was misread, and the value follows the market
            fixed = AppraisalSpec(**{**vars(made), "clasp": "box clasp with safety",
                                     "appraised_on": made.appraised_on + dt.timedelta(days=6),
                                     "effective_on": made.appraised_on + dt.timedelta(days=6),
                                     "value": Money(int(round(piece.list_price_cents * 1.04, -2)))})
            write(fixed, item=(piece.item_id, piece.spec), owner=piece.customer_id, sale_id=piece.sale_id,
                  final=True, version=2, number=number, supersedes=first_id)
            written += 1

    in_stock = [(item_id, spec) for item_id, spec in items
                if item_id in certificates and item_id not in {p.item_id for p in sold}]
    for n, (item_id, spec) in enumerate(in_stock[:2]):
        day = today - dt.timedelta(days=3 - n * 2)
        value = int(round(spec.price.cents * (0.62 if n == 0 else 1.0), -2))
        purpose = Purpose.FAIR_MARKET if n == 0 else Purpose.INSURANCE
        write(of_item(item_id, spec, value, day, purpose), item=(item_id, spec), owner=None, sale_id=None,
              final=n == 0)
        written += 1

    # An heirloom brought in for an estate: the customer's own GIA report, no inventory record.
    owner = customers[rng.randrange(len(customers))]
    report = str(rng.randint(2_100_000_000, 2_199_999_999))
    cert_id = uow.certificates.add({
        "lab": CertificateLab.GIA.value, "report_number": report, "report_date": dt.date(2019, 4, 14),
        "shape": Shape.ROUND.value,
        "carat_points": 156, "color": "H", "clarity": Clarity.VS2.value, "cut": Cut.GOOD.value,
        "polish": Cut.VERY_GOOD.value, "symmetry": Cut.GOOD.value, "fluorescence": "faint",
        "measurements": "7.31 - 7.38 x 4.61 mm", "inscription": None, "origin": Origin.NATURAL.value,
        "item_id": None, "customer_id": owner, "scan_mime_type": None, "scan": None,
        "retain_until": dt.date(2029, 4, 14),
    })
    estate = AppraisalSpec(
        purpose=Purpose.ESTATE, appraised_on=today - dt.timedelta(days=1), effective_on=today - dt.timedelta(days=1),
        style=Style.SOLITAIRE, metal=Metal.PLATINUM, gram_weight_cg=712, chain_length_tenths=170,
        clasp="spring ring", description="A platinum solitaire pendant on a cable chain, circa 1960, with a round "
                                          "brilliant diamond in a four-prong basket setting. Light wear to the bail.",
        value=Money(1_425_000), notes="Brought in by the owner for an estate inventory.",
        limiting_conditions=standard_limiting_conditions(Purpose.ESTATE),
        stones=(StoneSpec(role=StoneRole.CENTER, shape=Shape.ROUND, count=1, carat_points=156, color="H",
                          clarity=Clarity.VS2, cut=Cut.GOOD, measurements="7.31 - 7.38 x 4.61 mm",
                          certificate_id=cert_id),),
    )
    write(estate, item=None, owner=owner, sale_id=None, final=False)
    return written + 1
