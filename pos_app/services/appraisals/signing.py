"""Signing and finalizing: a draft made final and signed, and the counter's appraisals of a sale.

Finalizing (an appraiser's or the owner's) checks what a final appraisal
must state and freezes it. Who signs is who drafted it when they may sign
(their credentials are on file), else who finalizes it (`_signer`).
Finalizing asks first (`FinalizeUnconfirmed`) when a diamond necklace's
appraisal lists no stones (`final_warnings`).

At the counter, `appraise_sale` makes the appraisal of each necklace of a
sale in one step, from the item record and the sale's customer, signed by an
appraiser: the counter asks which one (`signers`: only people whose staff
profile holds appraiser credentials, appraisers first), and the one chosen
enters their PIN unless they are the person signed in. Whoever makes the
appraisal (a clerk, the owner) need not be who signs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pos_app.domain.appraisals import AppraisalSpec, appraisal_number, check_final, retain_until
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, UserFacingError, ValidationError
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import points_text
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission, Role, allows
from pos_app.services.appraisals.drafting import _item_stones, _record, spec_from_item
from pos_app.services.guard import ApprovalNeeded, requires
from pos_app.services.ports.appraisals import AppraisalRecord
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork

SALE_PHOTOS = 2  # the item's first photos copied onto an appraisal made from a sale


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
