"""Appraisals: draft, finalize, correct with a new version; the printed document and its check.

A draft can be changed by whoever may write appraisals. Finalizing (an
appraiser's or the owner's) checks what a final appraisal must state and
freezes it: from then on it never changes, photos included. A correction
opens a new draft version of the same number, with copies of the stones and
photos, that supersedes the final one; when it is final, both stay readable,
each with who made it and when.

At the counter, `appraise_sale` makes the appraisal of each necklace of a
sale in one step, from the item record and the sale's customer, signed by an
appraiser: the counter asks which one (`signers`: only people whose staff
profile holds appraiser credentials, appraisers first), and the one chosen
enters their PIN unless they are the person signed in. Whoever makes the
appraisal (a clerk, the owner) need not be who signs it.

A new appraisal of an inventory item starts from the item's record
(`item_start`): style, metal, weight, length, clasp, description and stones.
Finalizing asks first (`FinalizeUnconfirmed`) when a diamond necklace's
appraisal lists no stones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pos_app.domain.appraisals import (
    AppraisalSpec,
    Purpose,
    StoneRole,
    StoneSpec,
    appraisal_number,
    check_final,
    parse_appraisal,
    retain_until,
)
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, UserFacingError, ValidationError
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import Clarity, Cut, Shape, points_text
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission, Role, allows
from pos_app.services.guard import ApprovalNeeded, check_open, requires
from pos_app.services.ports.appraisals import (
    AppraisalReader,
    AppraisalRecord,
    AppraisalRow,
    AppraisalVersionRow,
    ItemStoneRow,
)
from pos_app.services.ports.certificates import CertificateRecord
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork

if TYPE_CHECKING:
    from pos_app.documents.appraisal_pdf import AppraisalDocument as AppraisalDocumentData
    from pos_app.documents.appraisal_pdf import CertificateSummary

MAX_PHOTOS = 6  # a page holds four beside the description; more is a catalogue, not an appraisal
SALE_PHOTOS = 2  # the item's first photos copied onto an appraisal made from a sale


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


class FinalizeUnconfirmed(UserFacingError):
    """Finalizing would freeze something that looks wrong (a diamond necklace with no stones): nothing was
    written; finalize again with the person's confirmation."""

    def __init__(self, number: str, warnings: Sequence[str]) -> None:
        self.warnings = tuple(warnings)
        super().__init__(f"{number}: " + "; ".join(self.warnings) + ".")


def final_warnings(spec: AppraisalSpec, item: ItemSpec | None) -> tuple[str, ...]:
    """What a person should confirm before a final appraisal freezes it (empty: nothing to ask).

    Every style Facet knows is a diamond necklace; an appraisal of one (or of an
    item whose record has stones or a carat weight) that lists no stones is
    almost always an unfinished stones tab, and a final appraisal never changes.
    """
    if spec.stones:
        return ()
    recorded = []
    if item is not None and item.total_carat_points:
        recorded.append(f"{points_text(item.total_carat_points)} ct total")
    if item is not None and item.stone_count:
        recorded.append(f"{item.stone_count} stone{'s' if item.stone_count != 1 else ''}")
    if item is not None and recorded:
        return (f"it lists no stones, but the record of {item.sku} says {' in '.join(recorded)}",)
    if spec.style is not None:
        return (f"it lists no stones, but a {spec.style.label.lower()} carries diamonds",)
    return ()


def _signer(uow: UnitOfWork, record: AppraisalRecord, actor: Actor) -> str:
    """Who signs a draft being finalized: who drafted it when they may sign (their credentials are on file),
    else who finalizes it. A draft made by someone who may not sign (a clerk at the counter, the owner without
    credentials) is signed by the appraiser who finalizes it."""
    drafted_by = uow.staff.get(record.appraiser_id) if record.appraiser_id else None
    if drafted_by is not None and drafted_by.credentials.strip() and \
            allows(drafted_by.role, Permission.FINALIZE_APPRAISALS):
        return drafted_by.id
    if actor.staff_id is not None:
        return actor.staff_id
    if record.appraiser_id is None:
        raise ValidationError("appraiser", "the appraisal names no appraiser")
    return record.appraiser_id


@requires(Permission.FINALIZE_APPRAISALS)
def finalize(appraisal_id: str, *, uow: UnitOfWork, actor: Actor, now: dt.datetime | None = None,
             ask_first: bool = False) -> AppraisalRecord:
    """Make a draft final, signed (see `_signer`). With `ask_first` (the appraisal screen), a draft that
    looks unfinished (`final_warnings`) raises `FinalizeUnconfirmed` and nothing changes; the screen asks
    the appraiser, and finalizes again without it when they confirm."""
    moment = now or dt.datetime.now(dt.UTC)
    with uow:
        record = _record(uow, appraisal_id)
        if record.status != "draft":
            raise Conflict(f"{record.number} version {record.version} is already final.")
        signer_id = _signer(uow, record, actor)
        appraiser = uow.staff.get(signer_id)
        if appraiser is None:
            raise ValidationError("appraiser", "the appraisal names no appraiser")
        if not appraiser.credentials.strip():
            raise ValidationError("appraiser", f"{appraiser.name}'s credentials (such as GIA Graduate Gemologist) "
                                               "are not in their staff profile: the draft is saved; an appraiser "
                                               "finalizes and signs it")
        check_final(record.spec, appraiser_credentials=appraiser.credentials)
        item = uow.items.get(record.item_id) if record.item_id else None
        warnings = final_warnings(record.spec, item.spec if item is not None else None)
        if warnings and ask_first:
            raise FinalizeUnconfirmed(f"{record.number} version {record.version}", warnings)
        uow.appraisals.finalize(appraisal_id, at=moment, retain_until=retain_until(record.spec.appraised_on),
                                appraiser_id=signer_id)
        uow.audit.record(actor, "appraisal.finalized", entity_type="appraisal", entity_id=appraisal_id,
                         summary={"number": record.number, "version": record.version,
                                  "value_cents": record.spec.value.cents if record.spec.value else None})
        record = _record(uow, appraisal_id)
        uow.commit()
    return record


@requires(Permission.WRITE_APPRAISALS)
def correct(appraisal_id: str, *, uow: UnitOfWork, actor: Actor) -> AppraisalRecord:
    """A new draft version of a final appraisal, superseding it; the final one stays as it was."""
    with uow:
        record = _record(uow, appraisal_id)
        if record.status != "final":
            raise Conflict(f"{record.number} is still a draft: change it directly.")
        latest = uow.appraisals.latest_version(record.number)
        if latest != record.version:
            raise Conflict(f"{record.number} already has version {latest}; correct that one.")
        new_id = uow.appraisals.add(number=record.number, version=record.version + 1, supersedes_id=record.id,
                                    spec=record.spec, item_id=record.item_id,
                                    owner_customer_id=record.owner_customer_id, appraiser_id=actor.staff_id,
                                    currency=record.currency, sale_id=record.sale_id)
        uow.appraisals.copy_photos(record.id, new_id)
        uow.audit.record(actor, "appraisal.correction_started", entity_type="appraisal", entity_id=new_id,
                         summary={"number": record.number, "version": record.version + 1,
                                  "supersedes": record.id})
        new = _record(uow, new_id)
        uow.commit()
    return new


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


# ---------------------------------------------------------------- one click from a sale


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


@dataclass(frozen=True)
class Signer:
    """Someone who may sign an appraisal: their role allows it and their credentials are on file."""

    id: str
    name: str
    role: Role
    credentials: str


def signers(reader: DirectoryReader) -> list[Signer]:
    """Who can sign an appraisal, for the counter's "who signs?" list: appraisers first, then anyone else whose
    role may finalize and whose staff profile holds credentials (an owner without them is not listed)."""
    found = [Signer(s.id, s.name, s.role, s.credentials.strip()) for s in reader.staff_list()
             if s.active and s.credentials.strip() and allows(s.role, Permission.FINALIZE_APPRAISALS)]
    return sorted(found, key=lambda s: (s.role is not Role.APPRAISER, s.name))


@requires(Permission.APPRAISE_SALE)
def sale_appraisals(sale_id: str, *, uow: UnitOfWork, sales: SalesReader, actor: Actor) -> list[AppraisalRecord]:
    """The appraisals already made from a sale when every piece kept has one (asking again shows them without
    asking anyone to sign); empty when some piece still needs one."""
    sale = sales.sale(sale_id)
    if sale is None:
        raise NotFound("That sale does not exist.")
    kept = [line for line in sale.lines if line.quantity - line.returned > 0]
    with uow:
        existing = uow.appraisals.for_sale(sale_id)
        if not kept or any(line.item_id not in existing for line in kept):
            return []
        return [_record(uow, existing[line.item_id]) for line in kept]


@requires(Permission.APPRAISE_SALE)
def appraise_sale(sale_id: str, *, uow: UnitOfWork, sales: SalesReader, actor: Actor, today: dt.date,
                  approver: Actor | None = None, now: dt.datetime | None = None) -> list[AppraisalRecord]:
    """The insurance appraisal of every necklace of a sale, final and ready to print with the receipt.

    Each is made from the item record (style, metal, weight, length, clasp,
    stones and their certificates, the first two photos), owned by the sale's
    customer, valued at the line's list price (the replacement cost at retail,
    not what a discount made it), and signed by the signed-in person when
    they may finalize appraisals, else by `approver` (an appraiser's PIN at
    the counter; `ApprovalNeeded` asks for one). Asking again returns the
    same appraisals: one per piece, never two. Returned pieces are left out.
    """
    from pos_app.services.settings import DEFAULT_LIMITING_CONDITIONS

    signer = approver or actor
    if not signer.can(Permission.FINALIZE_APPRAISALS):
        if approver is not None:
            raise PermissionDenied(f"{approver.name} ({approver.role.label.lower()}) cannot sign appraisals.")
        raise ApprovalNeeded(Permission.FINALIZE_APPRAISALS,
                             "An appraiser signs the appraisal: ask one to enter their PIN.")
    sale = sales.sale(sale_id)
    if sale is None:
        raise NotFound("That sale does not exist.")
    if sale.kind != "sale" or sale.status != "completed":
        raise Conflict(f"{sale.number} is {'voided' if sale.status == 'voided' else 'a return'}: only a completed "
                       "sale's pieces are appraised from it.")
    kept = [line for line in sale.lines if line.quantity - line.returned > 0]
    if not kept:
        raise Conflict(f"Every piece of {sale.number} was returned: there is nothing to appraise.")
    moment = now or dt.datetime.now(dt.UTC)
    if signer.staff_id is None:
        raise ValidationError("appraiser", "an appraisal is signed by a person on the staff list; name the appraiser")
    with uow:
        signer_record = uow.staff.get(signer.staff_id)
        if signer_record is None or not signer_record.credentials.strip():
            raise ValidationError("appraiser", f"{signer.name}'s credentials (such as GIA Graduate Gemologist) are "
                                               "not in their staff profile: an appraiser signs instead (choose "
                                               "them when asked who signs, or --appraiser)")
        conditions = str(uow.settings.get("appraisals.limiting_conditions", DEFAULT_LIMITING_CONDITIONS))
        existing = uow.appraisals.for_sale(sale_id)
        made: list[str] = []
        for line in kept:
            if line.item_id in existing:
                made.append(existing[line.item_id])
                continue
            item = uow.items.get(line.item_id)
            if item is None:
                raise NotFound(f"The item {line.sku} of {sale.number} no longer exists.")
            stones = _item_stones(uow, item.id, item.spec)
            spec = spec_from_item(item.spec, stones, value=Money(line.list_price_cents or line.unit_price_cents,
                                                                 sale.currency),
                                  appraised_on=today, conditions=conditions)
            check_final(spec, appraiser_credentials=signer_record.credentials)
            number = appraisal_number(today.year, uow.appraisals.next_number(today.year))
            appraisal_id = uow.appraisals.add(number=number, version=1, supersedes_id=None, spec=spec,
                                              item_id=item.id, owner_customer_id=sale.customer_id,
                                              appraiser_id=signer.staff_id, currency=sale.currency, sale_id=sale_id)
            for data, mime in uow.appraisals.item_photos(item.id, SALE_PHOTOS):
                uow.appraisals.add_photo(appraisal_id, data, mime)
            uow.appraisals.finalize(appraisal_id, at=moment, retain_until=retain_until(today))
            uow.audit.record(actor, "appraisal.made_from_sale", entity_type="appraisal", entity_id=appraisal_id,
                             summary={"number": number, "sale": sale.number, "sku": line.sku,
                                      "value_cents": spec.value.cents if spec.value else None},
                             approved_by=approver.staff_id if approver is not None else None)
            made.append(appraisal_id)
        records = [_record(uow, appraisal_id) for appraisal_id in made]
        uow.commit()
    return records


# ---------------------------------------------------------------- the printed paperwork and its check


def content(record: AppraisalRecord) -> dict[str, object]:
    """What a final appraisal's hash covers: everything it states, and who made it final when."""
    spec = record.spec
    return {
        "number": record.number, "version": record.version, "status": record.status,
        "purpose": spec.purpose.value, "appraised_on": spec.appraised_on, "effective_on": spec.effective_on,
        "style": spec.style and spec.style.value, "metal": spec.metal and spec.metal.value,
        "gram_weight_cg": spec.gram_weight_cg, "chain_length_tenths": spec.chain_length_tenths,
        "clasp": spec.clasp, "description": spec.description,
        "value_cents": spec.value.cents if spec.value else None, "currency": record.currency,
        "limiting_conditions": spec.limiting_conditions, "owner": record.owner_customer_id,
        "item": record.item_id, "appraiser": record.appraiser_id, "finalized_at": record.finalized_at,
        "photos": [photo.sha256 for photo in record.photos],
        "stones": [[s.role.value, s.shape and s.shape.value, s.count, s.carat_points, s.color,
                    s.clarity and s.clarity.value, s.cut and s.cut.value, s.measurements, s.certificate_id]
                   for s in spec.stones],
    }


def verification_code(record: AppraisalRecord) -> str | None:
    """`AP-2026-0042 v1 3f9a2c71be04` for a final appraisal (None for a draft)."""
    from pos_app.domain.appraisals import short_hash

    if record.status != "final":
        return None
    return f"{record.number} v{record.version} {record.seal or short_hash(content(record))}"


@requires(Permission.PRINT_APPRAISALS)
def document(appraisal_id: str, *, uow: UnitOfWork, actor: Actor) -> AppraisalDocumentData:
    """The appraisal as printed: the same record always prints the same content.

    It carries the photos and a summary of every certificate its stones cite
    (for the optional certificate summary page), each with its scan when the
    scan is an image.
    """
    from pos_app.documents.appraisal_pdf import AppraisalDocument
    from pos_app.domain.appraisals import value_in_words
    from pos_app.domain.jewelry import centigrams_text, points_text
    from pos_app.domain.money import format_money
    from pos_app.domain.store import display_phone

    with uow:
        record = _record(uow, appraisal_id)
        if record.sale_id is None:
            # At the counter a clerk prints the appraisals made from a sale, and no others.
            check_open(actor, Permission.VIEW_APPRAISALS, uow, function="appraisals.document")
        profile = uow.store.get()
        assert profile is not None
        owner = "Store inventory"
        if record.owner_customer_id:
            found = uow.customers.name_and_address(record.owner_customer_id)
            owner = "\n".join(x for x in found if x) if found else "(customer record erased)"
        appraiser = uow.staff.get(record.appraiser_id) if record.appraiser_id else None
        supersedes = None
        if record.supersedes_id:
            before = uow.appraisals.get(record.supersedes_id)
            if before is not None:
                supersedes = f"version {before.version} of {before.number}, which stays on record"
        photos = tuple(uow.appraisals.photo_data(appraisal_id))
        cited = dict.fromkeys(s.certificate_id for s in record.spec.stones if s.certificate_id)
        certificates = tuple(summary for summary in (_certificate_summary(uow, cid) for cid in cited) if summary)
    spec = record.spec

    piece = [("Style", spec.style.label if spec.style else ""), ("Metal", spec.metal.label if spec.metal else ""),
             ("Weight", f"{centigrams_text(spec.gram_weight_cg)} g" if spec.gram_weight_cg else ""),
             ("Length", f"{spec.chain_length_tenths / 10:g} in" if spec.chain_length_tenths else ""),
             ("Clasp", spec.clasp)]
    stones = tuple(
        (s.role.label, s.shape.label if s.shape else "", str(s.count),
         f"{points_text(s.carat_points)} ct" if s.carat_points else "", s.color or "",
         s.clarity.label if s.clarity else "", s.cut.label if s.cut else "", s.measurements)
        for s in spec.stones)
    return AppraisalDocument(
        store_name=profile.name, store_address=profile.address, store_phone=display_phone(profile.phone),
        number=record.number, version=record.version, status=record.status, appraised_on=_day(spec.appraised_on),
        effective_on=_day(spec.effective_on), purpose=spec.purpose.label, owner=owner,
        piece=tuple((a, b) for a, b in piece if b), description=spec.description, stones=stones,
        value=format_money(spec.value, profile.locale) if spec.value else "(not yet appraised)",
        value_words=value_in_words(spec.value) if spec.value else "",
        appraiser=appraiser.name if appraiser else "", credentials=appraiser.credentials if appraiser else "",
        limiting_conditions=spec.limiting_conditions, qr_payload=verification_code(record), supersedes=supersedes,
        photos=photos, certificates=certificates,
    )


def _day(value: dt.date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _certificate_summary(uow: UnitOfWork, certificate_id: str) -> CertificateSummary | None:
    from pos_app.documents.appraisal_pdf import CertificateSummary
    from pos_app.domain.certificates import Fluorescence
    from pos_app.domain.jewelry import CertificateLab, Origin, points_text

    cert = uow.certificates.get(certificate_id)
    if cert is None:
        return None

    def label(enum: Any, value: str | None) -> str:
        return enum.of(value).label if value else ""

    facts = [("Shape", label(Shape, cert.shape)),
             ("Carat weight", f"{points_text(cert.carat_points)} ct" if cert.carat_points else ""),
             ("Color", cert.color or ""), ("Clarity", label(Clarity, cert.clarity)), ("Cut", label(Cut, cert.cut)),
             ("Polish", label(Cut, cert.polish)), ("Symmetry", label(Cut, cert.symmetry)),
             ("Fluorescence", label(Fluorescence, cert.fluorescence)), ("Measurements", cert.measurements or ""),
             ("Laser inscription", cert.inscription or ""), ("Origin", label(Origin, cert.origin))]
    image = cert.scan if cert.scan_mime_type in ("image/jpeg", "image/png") else None
    return CertificateSummary(lab=label(CertificateLab, cert.lab) or cert.lab, report_number=cert.report_number,
                              report_date=_day(cert.report_date) if cert.report_date else "",
                              facts=tuple((a, b) for a, b in facts if b), scan_image=image)


def find_version(number: str, *, uow: UnitOfWork, version: int | None = None) -> str:
    """The id of an appraisal by its number (the latest version unless one is named)."""
    with uow:
        number = number.strip().upper()
        latest = uow.appraisals.latest_version(number)
        if latest == 0:
            raise NotFound(f"No appraisal has the number {number!r}.")
        found = uow.appraisals.by_number(number, version or latest)
    if found is None:
        raise NotFound(f"{number} has no version {version}.")
    return found


@requires(Permission.VERIFY_APPRAISALS)
def verify(number: str, code: str, *, uow: UnitOfWork, actor: Actor) -> tuple[bool, str]:
    """Does a printed verification code match the record? (matches, what it says)."""
    from pos_app.domain.appraisals import short_hash

    wanted = code.strip().lower()
    with uow:
        number = number.strip().upper()
        latest = uow.appraisals.latest_version(number)
        if latest == 0:
            raise NotFound(f"No appraisal has the number {number!r}.")
        versions = [uow.appraisals.get(i) for i in [uow.appraisals.by_number(number, v) for v in
                                                    range(1, latest + 1)] if i]
    for record in versions:
        if record is not None and record.status == "final" and \
                (record.seal or short_hash(content(record))) == wanted:
            current = " (the current version)" if record.version == latest else \
                f" (superseded: version {latest} is current)"
            return True, f"The paper matches {number} version {record.version}{current}."
    return False, f"The code does not match any final version of {number}: the paper was altered or is not ours."


@requires(Permission.VIEW_APPRAISALS)
def list_appraisals(*, reader: AppraisalReader, actor: Actor, uow: UnitOfWork, search: str = "",
                    drafts_only: bool = False, limit: int = 500, offset: int = 0) -> list[AppraisalRow]:
    """Appraisals newest first, by number, item SKU, owner's name or certificate number; `drafts_only`: those
    waiting. `offset` pages through a long list (the screen's table fetches a page at a time)."""
    if not 1 <= limit <= 100_000:
        raise ValidationError("limit", "must be from 1 to 100,000")
    if offset < 0:
        raise ValidationError("offset", "cannot be negative")
    return reader.appraisals(search=search, drafts_only=drafts_only, limit=limit, offset=offset)


@requires(Permission.VIEW_APPRAISALS)
def drafts_waiting(*, reader: AppraisalReader, actor: Actor, uow: UnitOfWork) -> int:
    return reader.drafts_waiting()


@requires(Permission.ERASE_CUSTOMER)
def erase_expired(*, uow: UnitOfWork, actor: Actor, today: dt.date) -> tuple[int, int]:
    """The retention rule: appraisal and certificate records, scans and photos go 10 years after their date.

    Returns (appraisals, certificates) erased. The privacy center runs this as its retention job.
    """
    with uow:
        erased = uow.appraisals.erase_expired(today)
        uow.audit.record(actor, "retention.appraisals_erased", entity_type="appraisal",
                         summary={"appraisals": erased[0], "certificates": erased[1], "before": today.isoformat()})
        uow.commit()
    return erased


# ---------------------------------------------------------------- the appraisals screen (read-only)


@requires(Permission.VIEW_APPRAISALS)
def count_appraisals(*, reader: AppraisalReader, actor: Actor, uow: UnitOfWork, search: str = "",
                     drafts_only: bool = False) -> int:
    """How many appraisals `list_appraisals` pages through for this search (the screen's row count)."""
    return reader.count(search=search, drafts_only=drafts_only)


@requires(Permission.VIEW_APPRAISALS)
def versions(number: str, *, reader: AppraisalReader, actor: Actor, uow: UnitOfWork) -> list[AppraisalVersionRow]:
    """Every version of an appraisal number, oldest first: who made each, when, and which is current."""
    return reader.versions(number.strip().upper())


@requires(Permission.VIEW_APPRAISALS)
def certificate_numbers(certificate_ids: Sequence[str], *, reader: AppraisalReader, actor: Actor,
                        uow: UnitOfWork) -> dict[str, str]:
    """certificate id -> lab report number, for the stones of an appraisal as the appraiser reads them."""
    return reader.certificate_numbers(certificate_ids)


@requires(Permission.VIEW_APPRAISALS)
def resolve_certificates(report_numbers: Sequence[str], *, reader: AppraisalReader, actor: Actor, uow: UnitOfWork,
                         item_id: str | None = None) -> list[str | None]:
    """The certificate id each stone row cites by its report number (None for a blank one).

    A number recorded on more than one certificate (two labs, or a duplicate report) is taken as the one
    recorded for `item_id` when exactly one is; otherwise the row is named in a `ValidationError`.
    """
    found: list[str | None] = []
    for position, number in enumerate(report_numbers, start=1):
        text = number.strip()
        if not text:
            found.append(None)
            continue
        field = f"stone {position} certificate"
        matches = reader.certificates_numbered(text)
        if item_id is not None and len(matches) > 1:
            matches = [m for m in matches if m[2] == item_id] or matches
        if not matches:
            raise ValidationError(field, f"no certificate with report number {text} is recorded; add it first")
        if len(matches) > 1:
            labs = ", ".join(sorted({m[1] for m in matches}))
            raise ValidationError(field, f"{len(matches)} certificates have report number {text} ({labs}); "
                                         "choose the item the stone is on, or check the duplicate report")
        found.append(matches[0][0])
    return found
