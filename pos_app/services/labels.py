"""Price tags: the sheet a clerk or manager prints to tag necklaces for the cases.

A tag carries the piece's SKU, its retail price, a Code 128 barcode the
counter's scanner reads back (the item's own barcode, else its SKU), the title
and one short detail line: metal, carat weight and the lab report that grades
the center stone ("18k White Gold · 1.52 ct · GIA 2141438172"). Carat weight
of a piece with several diamonds is written "ctw" (carat total weight): the
FTC's jewelry guides ask that a total weight never read as one stone's.

Contract: `tag_sheet` reads the items in one batched query inside one unit of
work, changes nothing (it never commits), and returns PDF bytes; printing or
saving them is the caller's next step. It runs on a worker thread, not the
GUI thread: a few hundred tags take a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence

from pos_app.documents.tags import DEFAULT_STOCK, LABEL_STOCKS, Tag, TagDoesNotFit, render_tag_sheet
from pos_app.domain.errors import NotFound, ValidationError
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import CertificateLab, points_text
from pos_app.domain.money import format_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.uow import UnitOfWork

DETAIL_SEPARATOR = " \u00b7 "  # a middle dot, which the tag font has


def tag_for(spec: ItemSpec, locale: str) -> Tag:
    """The words and numbers on one item's tag, in the store's `locale`."""
    parts = [spec.metal.label]
    if spec.total_carat_points:
        unit = "ct" if spec.stone_count == 1 else "ctw"
        parts.append(f"{points_text(spec.total_carat_points)} {unit}")
    if spec.cert_lab is not None and spec.cert_number:
        lab = "Report" if spec.cert_lab is CertificateLab.OTHER else spec.cert_lab.label
        parts.append(f"{lab} {spec.cert_number}")
    return Tag(
        sku=spec.sku,
        code=spec.code,
        price=format_money(spec.price, locale),
        title=spec.title,
        detail=DETAIL_SEPARATOR.join(parts),
    )


@requires(Permission.PRINT_TAGS)
def tag_sheet(
    item_ids: Sequence[str],
    *,
    uow: UnitOfWork,
    actor: Actor,
    locale: str,
    stock_name: str = DEFAULT_STOCK,
    skip: int = 0,
) -> bytes:
    """The PDF of price tags for `item_ids`, in that order, on the label stock `stock_name`.

    An id given twice prints two tags (counted stock needs one per piece).
    `skip` leaves that many labels of the first sheet blank, counted row by
    row from the top-left, so a partly used sheet can go back in the printer.
    Refuses an empty selection, an unknown stock, a `skip` off the sheet and
    a barcode too long for the stock (`ValidationError`), and ids of items
    that no longer exist (`NotFound`).
    """
    if not item_ids:
        raise ValidationError("item_ids", "choose at least one item to tag")
    stock = LABEL_STOCKS.get(stock_name)
    if stock is None:
        known = ", ".join(LABEL_STOCKS)
        raise ValidationError("stock", f"{stock_name!r} is not a label stock Facet knows; choose one of {known}")
    if not 0 <= skip < stock.per_sheet:
        raise ValidationError("skip", f"must be between 0 and {stock.per_sheet - 1} on a {stock.name} sheet")
    with uow:
        records = uow.items.get_many(item_ids)
        profile = uow.store.get()
    missing = set(item_ids) - {record.id for record in records}
    if missing:
        raise NotFound(f"{len(missing)} of the chosen items no longer exist; refresh the list and try again.")
    tags = [tag_for(record.spec, locale) for record in records]
    try:
        return render_tag_sheet(tags, stock, store_name=profile.name if profile else "", skip=skip)
    except TagDoesNotFit as error:
        raise ValidationError(
            "stock",
            f"the barcode {error.tag.code} of {error.tag.sku} is too long to scan on {stock.name} labels; "
            "choose a larger label",
        ) from None
