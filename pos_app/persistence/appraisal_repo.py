"""Appraisals, their stones and photos (the ORM: not a hot path; the journal's flush hook sees every row)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_app.domain.appraisals import AppraisalSpec, Purpose, StoneRole, StoneSpec
from pos_app.domain.jewelry import Clarity, Cut, Metal, Shape, Style
from pos_app.domain.money import Money
from pos_app.persistence.models import (
    Appraisal,
    AppraisalPhoto,
    AppraisalStone,
    Certificate,
    Item,
    ItemPhoto,
    ItemStone,
    NumberSequence,
    new_id,
)
from pos_app.services.ports.appraisals import AppraisalPhotoRef, AppraisalRecord, ItemStoneRow


def _opt(enum: Any, value: str | None) -> Any:
    return None if value is None else enum.of(value)


class AppraisalRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def next_number(self, year: int) -> int:
        name = f"appraisal:{year}"
        row = self._s.get(NumberSequence, name)
        if row is None:
            used = self._s.scalar(select(func.count()).select_from(Appraisal)
                                  .where(Appraisal.number.like(f"AP-{year}-%"), Appraisal.version == 1)) or 0
            row = NumberSequence(name=name, next_value=int(used) + 1)
            self._s.add(row)
        else:
            row.next_value += 1
        self._s.flush()
        return int(row.next_value)

    def _stones(self, appraisal_id: str, stones: tuple[StoneSpec, ...]) -> None:
        for stone in stones:
            self._s.add(AppraisalStone(
                id=new_id(), appraisal_id=appraisal_id, role=stone.role.value,
                shape=stone.shape and stone.shape.value, count=stone.count, carat_points=stone.carat_points,
                color=stone.color, clarity=stone.clarity and stone.clarity.value, cut=stone.cut and stone.cut.value,
                measurements=stone.measurements or None, certificate_id=stone.certificate_id))

    @staticmethod
    def _columns(spec: AppraisalSpec) -> dict[str, Any]:
        return {
            "purpose": spec.purpose.value, "appraised_on": spec.appraised_on, "effective_on": spec.effective_on,
            "style": spec.style and spec.style.value, "metal": spec.metal and spec.metal.value,
            "gram_weight_cg": spec.gram_weight_cg, "chain_length_tenths": spec.chain_length_tenths,
            "clasp": spec.clasp, "description": spec.description,
            "value_cents": None if spec.value is None else spec.value.cents, "notes": spec.notes,
            "limiting_conditions": spec.limiting_conditions,
        }

    def add(self, *, number: str, version: int, supersedes_id: str | None, spec: AppraisalSpec,
            item_id: str | None, owner_customer_id: str | None, appraiser_id: str | None, currency: str,
            sale_id: str | None = None, at: dt.datetime | None = None) -> str:
        row = Appraisal(id=new_id(), number=number, version=version, supersedes_id=supersedes_id, status="draft",
                        item_id=item_id, owner_customer_id=owner_customer_id, appraiser_id=appraiser_id,
                        currency=currency, sale_id=sale_id, **self._columns(spec))
        if at is not None:  # a record of the past (the demo's), drafted when it was
            row.created_at = row.updated_at = at
        self._s.add(row)
        self._s.flush()
        self._stones(row.id, spec.stones)
        self._s.flush()
        return row.id

    def get(self, appraisal_id: str) -> AppraisalRecord | None:
        row = self._s.get(Appraisal, appraisal_id)
        if row is None:
            return None
        stones = self._s.scalars(select(AppraisalStone).where(AppraisalStone.appraisal_id == appraisal_id)
                                 .order_by(AppraisalStone.created_at, AppraisalStone.id))
        spec = AppraisalSpec(
            purpose=Purpose.of(row.purpose), appraised_on=row.appraised_on,
            effective_on=row.effective_on or row.appraised_on, style=_opt(Style, row.style),
            metal=_opt(Metal, row.metal), gram_weight_cg=row.gram_weight_cg,
            chain_length_tenths=row.chain_length_tenths, clasp=row.clasp, description=row.description,
            value=None if row.value_cents is None else Money(row.value_cents, row.currency), notes=row.notes,
            limiting_conditions=row.limiting_conditions,
            stones=tuple(StoneSpec(role=StoneRole.of(s.role), shape=_opt(Shape, s.shape), count=s.count,
                                   carat_points=s.carat_points, color=s.color, clarity=_opt(Clarity, s.clarity),
                                   cut=_opt(Cut, s.cut), measurements=s.measurements or "",
                                   certificate_id=s.certificate_id) for s in stones),
        )
        return AppraisalRecord(id=row.id, number=row.number, version=row.version, supersedes_id=row.supersedes_id,
                               status=row.status, spec=spec, item_id=row.item_id,
                               owner_customer_id=row.owner_customer_id, appraiser_id=row.appraiser_id,
                               currency=row.currency, finalized_at=row.finalized_at, retain_until=row.retain_until,
                               created_at=row.created_at, sale_id=row.sale_id, photos=self._photo_refs(row.id),
                               seal=row.seal)

    # -- photos -------------------------------------------------------------------------------

    def _photo_refs(self, appraisal_id: str) -> tuple[AppraisalPhotoRef, ...]:
        rows = self._s.execute(select(AppraisalPhoto.id, AppraisalPhoto.mime_type, AppraisalPhoto.data)
                               .where(AppraisalPhoto.appraisal_id == appraisal_id)
                               .order_by(AppraisalPhoto.position, AppraisalPhoto.id))
        return tuple(AppraisalPhotoRef(id=r[0], mime_type=r[1], sha256=hashlib.sha256(r[2]).hexdigest(),
                                       size=len(r[2])) for r in rows)

    def photo_data(self, appraisal_id: str) -> list[bytes]:
        """The photos' bytes in their printed order."""
        return list(self._s.scalars(select(AppraisalPhoto.data).where(AppraisalPhoto.appraisal_id == appraisal_id)
                                    .order_by(AppraisalPhoto.position, AppraisalPhoto.id)))

    def photo(self, photo_id: str) -> tuple[str, str, bytes] | None:
        """(appraisal id, MIME type, bytes) of one photo."""
        row = self._s.get(AppraisalPhoto, photo_id)
        return None if row is None else (row.appraisal_id, row.mime_type, row.data)

    def add_photo(self, appraisal_id: str, data: bytes, mime_type: str) -> str:
        last = self._s.scalar(select(func.max(AppraisalPhoto.position))
                              .where(AppraisalPhoto.appraisal_id == appraisal_id))
        row = AppraisalPhoto(id=new_id(), appraisal_id=appraisal_id, position=(-1 if last is None else last) + 1,
                             mime_type=mime_type, data=data)
        self._s.add(row)
        self._s.flush()
        return row.id

    def remove_photo(self, photo_id: str) -> None:
        row = self._s.get(AppraisalPhoto, photo_id)
        if row is not None:
            self._s.delete(row)
            self._s.flush()

    def copy_photos(self, from_id: str, to_id: str) -> None:
        for row in self._s.scalars(select(AppraisalPhoto).where(AppraisalPhoto.appraisal_id == from_id)
                                   .order_by(AppraisalPhoto.position, AppraisalPhoto.id)):
            self._s.add(AppraisalPhoto(id=new_id(), appraisal_id=to_id, position=row.position,
                                       mime_type=row.mime_type, data=row.data))
        self._s.flush()

    # -- what an appraisal is made from ---------------------------------------------------------

    def item_stones(self, item_id: str) -> list[ItemStoneRow]:
        """The item's side and accent stones as recorded in the inventory."""
        rows = self._s.scalars(select(ItemStone).where(ItemStone.item_id == item_id)
                               .order_by(ItemStone.created_at, ItemStone.id))
        return [ItemStoneRow(role=r.role, shape=r.shape, count=r.count, carat_points=r.carat_points, color=r.color,
                             clarity=r.clarity, certificate_id=r.certificate_id) for r in rows]

    def item_photos(self, item_id: str, limit: int) -> list[tuple[bytes, str]]:
        rows = self._s.execute(select(ItemPhoto.data, ItemPhoto.mime_type).where(ItemPhoto.item_id == item_id)
                               .order_by(ItemPhoto.position, ItemPhoto.id).limit(limit))
        return [(r[0], r[1]) for r in rows]

    def item_certificate(self, item_id: str, lab: str | None, number: str | None) -> str | None:
        """The certificate recorded for the item's center stone: its lab and number, else the item's only one."""
        query = select(Certificate.id).where(Certificate.item_id == item_id)
        if lab and number:
            found = self._s.scalar(query.where(Certificate.lab == lab, Certificate.report_number == number))
            if found:
                return found
        ids = list(self._s.scalars(query.limit(2)))
        return ids[0] if len(ids) == 1 else None

    def for_sale(self, sale_id: str) -> dict[str, str]:
        """item id -> the latest version's id of each appraisal made from this sale."""
        rows = self._s.execute(select(Appraisal.item_id, Appraisal.id, Appraisal.version)
                               .where(Appraisal.sale_id == sale_id).order_by(Appraisal.version))
        return {r[0]: r[1] for r in rows if r[0] is not None}

    def item_sku(self, item_id: str) -> str | None:
        return self._s.scalar(select(Item.sku).where(Item.id == item_id))

    def latest_version(self, number: str) -> int:
        return int(self._s.scalar(select(func.max(Appraisal.version)).where(Appraisal.number == number)) or 0)

    def by_number(self, number: str, version: int) -> str | None:
        return self._s.scalar(select(Appraisal.id).where(Appraisal.number == number, Appraisal.version == version))

    def replace_draft(self, appraisal_id: str, spec: AppraisalSpec, *, item_id: str | None,
                      owner_customer_id: str | None) -> None:
        row = self._s.get_one(Appraisal, appraisal_id)
        for name, value in self._columns(spec).items():
            setattr(row, name, value)
        row.item_id, row.owner_customer_id = item_id, owner_customer_id
        for stone in self._s.scalars(select(AppraisalStone).where(AppraisalStone.appraisal_id == appraisal_id)):
            self._s.delete(stone)
        self._s.flush()
        self._stones(appraisal_id, spec.stones)
        self._s.flush()

    def erase_expired(self, today: dt.date) -> tuple[int, int]:
        return erase_expired(self._s, today)

    def finalize(self, appraisal_id: str, *, at: dt.datetime, retain_until: dt.date,
                 appraiser_id: str | None = None) -> None:
        row = self._s.get_one(Appraisal, appraisal_id)
        if appraiser_id is not None:
            row.appraiser_id = appraiser_id
        row.status = "final"
        row.finalized_at = at
        row.retain_until = retain_until
        self._s.flush()


def erase_expired(session: Session, today: dt.date) -> tuple[int, int]:
    """Delete appraisals (with their stones and photos) and certificates (with their scans) kept past `retain_until`.

    Newest versions go first, so a superseded version is never left pointing at
    a deleted one; a stone of a kept appraisal loses only its link to an erased
    certificate. Returns (appraisals, certificates) erased.
    """
    from sqlalchemy import delete, update

    from pos_app.persistence.journal import Journal

    expired = list(session.execute(
        select(Appraisal.id).where(Appraisal.retain_until.is_not(None), Appraisal.retain_until < today)
        .order_by(Appraisal.version.desc())).scalars())
    for appraisal_id in expired:
        session.execute(update(Appraisal).where(Appraisal.supersedes_id == appraisal_id).values(supersedes_id=None))
        session.execute(delete(AppraisalStone).where(AppraisalStone.appraisal_id == appraisal_id))
        session.execute(delete(AppraisalPhoto).where(AppraisalPhoto.appraisal_id == appraisal_id))
        session.execute(delete(Appraisal).where(Appraisal.id == appraisal_id))
    certificates = list(session.execute(
        select(Certificate.id).where(Certificate.retain_until.is_not(None), Certificate.retain_until < today)
    ).scalars())
    if certificates:
        session.execute(update(AppraisalStone).where(AppraisalStone.certificate_id.in_(certificates))
                        .values(certificate_id=None))
        session.execute(delete(Certificate).where(Certificate.id.in_(certificates)))
    # Erasures travel as tombstones: the sync pushes a delete for each row, and no earlier outbox row keeps
    # what they held.
    journal = Journal.of(session)
    journal.deleted(Appraisal.__tablename__, expired)
    journal.deleted(Certificate.__tablename__, certificates)
    journal.scrubbed(Appraisal.__tablename__, expired)
    journal.scrubbed(Certificate.__tablename__, certificates)
    return len(expired), len(certificates)
