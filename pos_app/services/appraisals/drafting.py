"""Drafting and changing an appraisal: a new draft (from scratch or an inventory item's record), its
edits and photos, until it is final.

A draft can be changed by whoever may write appraisals; a final appraisal
never changes, photos included (`_require_draft`). A new appraisal of an
inventory item starts from the item's record (`item_start`): style, metal,
weight, length, clasp, description and stones, its center stone's lab
report cited when one is on record; the counter's appraisal of a sale
(`signing.appraise_sale`) takes the item the same way (`spec_from_item`).

`_record`, `_currency` and `_require_draft` are this package's shared
look-ups; the other modules import them from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pos_app.domain.appraisals import (
    AppraisalSpec,
    Purpose,
    StoneRole,
    StoneSpec,
    appraisal_number,
    parse_appraisal,
)
from pos_app.domain.errors import Conflict, NotFound, ValidationError
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import Clarity, Shape
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.appraisals import AppraisalRecord, ItemStoneRow
from pos_app.services.ports.certificates import CertificateRecord
from pos_app.services.ports.uow import UnitOfWork

MAX_PHOTOS = 6  # a page holds four beside the description; more is a catalogue, not an appraisal


def _currency(uow: UnitOfWork) -> str:
    profile = uow.store.get()
    if profile is None:
        raise NotFound("The store has not been set up yet.")
    return profile.currency


def _record(uow: UnitOfWork, appraisal_id: str) -> AppraisalRecord:
    record = uow.appraisals.get(appraisal_id)
    if record is None:
        raise NotFound("That appraisal does not exist.")
    return record


@requires(Permission.WRITE_APPRAISALS)
def create_draft(raw: Mapping[str, str], stones: Sequence[Mapping[str, str]], *, uow: UnitOfWork, actor: Actor,
                 today: dt.date, item_id: str | None = None,
                 owner_customer_id: str | None = None) -> AppraisalRecord:
    """A new appraisal, numbered AP-<year>-<count>, as a draft by the signed-in appraiser."""
    with uow:
        spec = parse_appraisal(raw, stones, currency=_currency(uow), today=today)
        if item_id is not None and uow.items.get(item_id) is None:
            raise NotFound("That item no longer exists.")
        number = appraisal_number(spec.appraised_on.year, uow.appraisals.next_number(spec.appraised_on.year))
        appraisal_id = uow.appraisals.add(number=number, version=1, supersedes_id=None, spec=spec, item_id=item_id,
                                          owner_customer_id=owner_customer_id, appraiser_id=actor.staff_id,
                                          currency=_currency(uow))
        uow.audit.record(actor, "appraisal.drafted", entity_type="appraisal", entity_id=appraisal_id,
                         summary={"number": number, "stones": len(spec.stones)})
        record = _record(uow, appraisal_id)
        uow.commit()
    return record


KEEP = "keep"  # update_draft's owner and item: as they are


@requires(Permission.WRITE_APPRAISALS)
def update_draft(appraisal_id: str, raw: Mapping[str, str], stones: Sequence[Mapping[str, str]], *,
                 uow: UnitOfWork, actor: Actor, today: dt.date, item_id: str | None = KEEP,
                 owner_customer_id: str | None = KEEP) -> AppraisalRecord:
    """Change a draft; `item_id` and `owner_customer_id` change too when given (None: no item; the store)."""
    with uow:
        record = _record(uow, appraisal_id)
        if record.status != "draft":
            raise Conflict(f"{record.number} is final and never changes; make a correction (a new version).")
        spec = parse_appraisal(raw, stones, currency=record.currency, today=today)
        item = record.item_id if item_id == KEEP else item_id
        owner = record.owner_customer_id if owner_customer_id == KEEP else owner_customer_id
        if item is not None and item != record.item_id and uow.items.get(item) is None:
            raise NotFound("That item no longer exists.")
        uow.appraisals.replace_draft(appraisal_id, spec, item_id=item, owner_customer_id=owner)
        uow.audit.record(actor, "appraisal.draft_changed", entity_type="appraisal", entity_id=appraisal_id,
                         summary={"number": record.number, "version": record.version})
        record = _record(uow, appraisal_id)
        uow.commit()
    return record


# ---------------------------------------------------------------- photos


@requires(Permission.WRITE_APPRAISALS)
def add_photos(appraisal_id: str, photos: Sequence[bytes], *, uow: UnitOfWork, actor: Actor) -> list[str]:
    """Add photos to a draft: every one is checked first, then all are saved together or none."""
    from pos_app.services.inventory import MAX_PHOTO_BYTES, photo_type

    kinds = []
    for n, data in enumerate(photos, start=1):
        which = f"photo {n} of {len(photos)}" if len(photos) > 1 else "photo"
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationError(which, f"is larger than {MAX_PHOTO_BYTES // 1_000_000} MB; resize it first")
        try:
            kinds.append(photo_type(data))
        except ValidationError:
            raise ValidationError(which, "is not a JPEG or PNG image") from None
    with uow:
        record = _record(uow, appraisal_id)
        _require_draft(record)
        if len(record.photos) + len(photos) > MAX_PHOTOS:
            raise ValidationError("photos", f"an appraisal has at most {MAX_PHOTOS} photos "
                                            f"({len(record.photos)} already)")
        ids = [uow.appraisals.add_photo(appraisal_id, data, mime) for data, mime in zip(photos, kinds)]
        uow.audit.record(actor, "appraisal.photo_added", entity_type="appraisal", entity_id=appraisal_id,
                         summary={"number": record.number, "photos": len(ids)})
        uow.commit()
    return ids


@requires(Permission.WRITE_APPRAISALS)
def remove_photo(photo_id: str, *, uow: UnitOfWork, actor: Actor) -> None:
    with uow:
        found = uow.appraisals.photo(photo_id)
        if found is None:
            raise NotFound("That photo was already removed.")
        record = _record(uow, found[0])
        _require_draft(record)
        uow.appraisals.remove_photo(photo_id)
        uow.audit.record(actor, "appraisal.photo_removed", entity_type="appraisal", entity_id=record.id,
                         summary={"number": record.number})
        uow.commit()


@requires(Permission.VIEW_APPRAISALS)
def photo_data(appraisal_id: str, *, uow: UnitOfWork, actor: Actor) -> list[bytes]:
    """The photos' bytes in their printed order (for the appraisal screen)."""
    with uow:
        return uow.appraisals.photo_data(appraisal_id)


def _require_draft(record: AppraisalRecord) -> None:
    if record.status != "draft":
        raise Conflict(f"{record.number} version {record.version} is final and never changes; make a correction "
                       "(a new version).")


@requires(Permission.VIEW_APPRAISALS)
def get(appraisal_id: str, *, uow: UnitOfWork, actor: Actor) -> AppraisalRecord:
    with uow:
        return _record(uow, appraisal_id)


# ---------------------------------------------------------------- starting from an inventory item


def stones_from_item(spec: ItemSpec, side: Sequence[ItemStoneRow],
                     center: CertificateRecord | None = None) -> tuple[StoneSpec, ...]:
    """The stones table of an inventory item: its center stone (with its lab report's measurements
    when one is on record), then its side and accent stones."""
    stones = []
    if spec.center_carat_points or spec.center_shape:
        stones.append(StoneSpec(role=StoneRole.CENTER, shape=spec.center_shape, count=1,
                                carat_points=spec.center_carat_points, color=spec.center_color,
                                clarity=spec.center_clarity, cut=spec.center_cut,
                                measurements=(center.measurements or "") if center else "",
                                certificate_id=center.id if center else None))
    for stone in side:
        role = StoneRole.ACCENT if stone.role == "accent" else StoneRole.SIDE
        stones.append(StoneSpec(role=role, shape=Shape.of(stone.shape) if stone.shape else None, count=stone.count,
                                carat_points=stone.carat_points, color=stone.color,
                                clarity=Clarity.of(stone.clarity) if stone.clarity else None, cut=None,
                                measurements="", certificate_id=stone.certificate_id))
    side_points = (spec.total_carat_points or 0) - (spec.center_carat_points or 0)
    if not side and side_points > 0:
        count = (spec.stone_count or 1) - (1 if spec.center_carat_points else 0)
        stones.append(StoneSpec(role=StoneRole.SIDE, shape=None, count=max(count, 1), carat_points=side_points,
                                color=None, clarity=None, cut=None, measurements=""))
    return tuple(stones)


def spec_from_item(spec: ItemSpec, stones: tuple[StoneSpec, ...], *, value: Money | None, appraised_on: dt.date,
                   conditions: str, purpose: Purpose = Purpose.INSURANCE) -> AppraisalSpec:
    """An appraisal of an inventory item as its record describes it, valued at `value` (None: not yet)."""
    description = spec.title + (f". {spec.description}" if spec.description else "")
    if spec.serial:
        description += f" Serial {spec.serial}."
    return AppraisalSpec(
        purpose=purpose, appraised_on=appraised_on, effective_on=appraised_on, style=spec.style, metal=spec.metal,
        gram_weight_cg=spec.gram_weight_cg, chain_length_tenths=spec.chain_length_tenths, clasp=spec.clasp,
        description=description[:4000], value=value, notes=f"From the inventory record of {spec.sku}.",
        limiting_conditions=conditions, stones=stones)


def _item_stones(uow: UnitOfWork, item_id: str, spec: ItemSpec) -> tuple[StoneSpec, ...]:
    """The item's stones as an appraisal lists them, its center stone's lab report cited when on record."""
    center_id = uow.appraisals.item_certificate(item_id, spec.cert_lab and spec.cert_lab.value, spec.cert_number)
    center = uow.certificates.get(center_id) if center_id else None
    return stones_from_item(spec, uow.appraisals.item_stones(item_id), center)


@requires(Permission.WRITE_APPRAISALS)
def item_start(item_id: str, *, uow: UnitOfWork, actor: Actor, today: dt.date, conditions: str,
               purpose: Purpose = Purpose.INSURANCE) -> AppraisalSpec:
    """What a new appraisal of an inventory item starts from: its record (style, metal, weight, length, clasp,
    description, stones and their certificates), as the appraisal of a sale takes it, with no value yet (the
    appraiser appraises). Nothing is written; the draft is saved by `create_draft`."""
    with uow:
        item = uow.items.get(item_id)
        if item is None:
            raise NotFound("That item no longer exists.")
        stones = _item_stones(uow, item_id, item.spec)
    return spec_from_item(item.spec, stones, value=None, appraised_on=today, conditions=conditions,
                          purpose=purpose)
