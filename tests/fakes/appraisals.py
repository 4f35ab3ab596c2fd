"""Appraisals, their versions and photos in memory, and the appraisals list over them.

As `persistence/appraisal_repo.py`: numbers run per year (`next_number`), a
correction is a new row with the next version superseding the last, a photo's
digest is what the verification hash covers, and `erase_expired` deletes what
is kept past its retention date, newest versions first, and unlinks a deleted
certificate from the stones of what stays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from pos_app.services.ports.appraisals import (
    AppraisalPhotoRef,
    AppraisalRecord,
    AppraisalRow,
    AppraisalVersionRow,
    ItemStoneRow,
)
from tests.fakes.state import FakeState, new_id, utcnow


class FakeAppraisalRepository:
    """`AppraisalRepository` over the fake state (the spec kept as the domain value it is)."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def next_number(self, year: int) -> int:
        name = f"appraisal:{year}"
        if name not in self._state.number_sequences:
            used = sum(1 for a in self._state.appraisals.values()
                       if a["number"].startswith(f"AP-{year}-") and a["version"] == 1)
            self._state.number_sequences[name] = used + 1
        else:
            self._state.number_sequences[name] += 1
        return self._state.number_sequences[name]

    def add(self, *, number: str, version: int, supersedes_id: str | None, spec: Any, item_id: str | None,
            owner_customer_id: str | None, appraiser_id: str | None, currency: str,
            sale_id: str | None = None, at: dt.datetime | None = None) -> str:
        if self.by_number(number, version) is not None:
            raise ValueError(f"{number} already has version {version}")  # the (number, version) unique index
        appraisal_id = new_id("appraisal")
        self._state.appraisals[appraisal_id] = {
            "id": appraisal_id, "number": number, "version": version, "supersedes_id": supersedes_id,
            "status": "draft", "spec": spec, "item_id": item_id, "owner_customer_id": owner_customer_id,
            "appraiser_id": appraiser_id, "currency": currency, "sale_id": sale_id, "finalized_at": None,
            "retain_until": None, "created_at": at or utcnow(), "seal": None}
        return appraisal_id

    def _photos(self, appraisal_id: str) -> list[tuple[str, str, bytes]]:
        rows = sorted((position, photo_id, mime, data) for photo_id, (owner, position, mime, data)
                      in self._state.appraisal_photos.items() if owner == appraisal_id)
        return [(photo_id, mime, data) for _, photo_id, mime, data in rows]

    def get(self, appraisal_id: str) -> AppraisalRecord | None:
        a = self._state.appraisals.get(appraisal_id)
        if a is None:
            return None
        photos = tuple(AppraisalPhotoRef(id=pid, mime_type=mime, sha256=hashlib.sha256(data).hexdigest(),
                                         size=len(data)) for pid, mime, data in self._photos(appraisal_id))
        return AppraisalRecord(id=a["id"], number=a["number"], version=a["version"], supersedes_id=a["supersedes_id"],
                               status=a["status"], spec=a["spec"], item_id=a["item_id"],
                               owner_customer_id=a["owner_customer_id"], appraiser_id=a["appraiser_id"],
                               currency=a["currency"], finalized_at=a["finalized_at"], retain_until=a["retain_until"],
                               created_at=a["created_at"], sale_id=a["sale_id"], photos=photos, seal=a["seal"])

    def latest_version(self, number: str) -> int:
        return max((a["version"] for a in self._state.appraisals.values() if a["number"] == number), default=0)

    def by_number(self, number: str, version: int) -> str | None:
        return next((a["id"] for a in self._state.appraisals.values()
                     if a["number"] == number and a["version"] == version), None)

    def replace_draft(self, appraisal_id: str, spec: Any, *, item_id: str | None,
                      owner_customer_id: str | None) -> None:
        self._state.appraisals[appraisal_id].update(spec=spec, item_id=item_id, owner_customer_id=owner_customer_id)

    def finalize(self, appraisal_id: str, *, at: dt.datetime, retain_until: dt.date,
                 appraiser_id: str | None = None) -> None:
        a = self._state.appraisals[appraisal_id]
        if appraiser_id is not None:
            a["appraiser_id"] = appraiser_id
        a.update(status="final", finalized_at=at, retain_until=retain_until)

    def erase_expired(self, today: dt.date) -> tuple[int, int]:
        expired = sorted((a for a in self._state.appraisals.values()
                          if a["retain_until"] is not None and a["retain_until"] < today),
                         key=lambda a: -a["version"])
        for a in expired:
            for other in self._state.appraisals.values():
                if other["supersedes_id"] == a["id"]:
                    other["supersedes_id"] = None
            for photo_id in [p for p, row in self._state.appraisal_photos.items() if row[0] == a["id"]]:
                del self._state.appraisal_photos[photo_id]
            del self._state.appraisals[a["id"]]
        gone = [c for c, row in self._state.certificates.items()
                if row["retain_until"] is not None and row["retain_until"] < today]
        for a in self._state.appraisals.values():
            stones = tuple(dataclasses.replace(s, certificate_id=None) if s.certificate_id in gone else s
                           for s in a["spec"].stones)
            a["spec"] = dataclasses.replace(a["spec"], stones=stones)
        for cert_id in gone:
            del self._state.certificates[cert_id]
        return len(expired), len(gone)

    def photo_data(self, appraisal_id: str) -> list[bytes]:
        return [data for _, _, data in self._photos(appraisal_id)]

    def photo(self, photo_id: str) -> tuple[str, str, bytes] | None:
        found = self._state.appraisal_photos.get(photo_id)
        return None if found is None else (found[0], found[2], found[3])

    def add_photo(self, appraisal_id: str, data: bytes, mime_type: str) -> str:
        self._state.appraisals[appraisal_id]  # noqa: B018 - the photo's foreign key
        last = max((row[1] for row in self._state.appraisal_photos.values() if row[0] == appraisal_id), default=-1)
        photo_id = new_id("appraisal-photo")
        self._state.appraisal_photos[photo_id] = (appraisal_id, last + 1, mime_type, data)
        return photo_id

    def remove_photo(self, photo_id: str) -> None:
        self._state.appraisal_photos.pop(photo_id, None)

    def copy_photos(self, from_id: str, to_id: str) -> None:
        for _, (owner, position, mime, data) in sorted(self._state.appraisal_photos.items(),
                                                       key=lambda kv: (kv[1][1], kv[0])):
            if owner == from_id:
                self._state.appraisal_photos[new_id("appraisal-photo")] = (to_id, position, mime, data)

    def item_stones(self, item_id: str) -> list[ItemStoneRow]:
        return list(self._state.item_stones.get(item_id, []))

    def item_photos(self, item_id: str, limit: int) -> list[tuple[bytes, str]]:
        rows = sorted((position, photo_id, data, mime) for photo_id, (item, position, mime, data)
                      in self._state.photos.items() if item == item_id)
        return [(data, mime) for _, _, data, mime in rows[:limit]]

    def item_certificate(self, item_id: str, lab: str | None, number: str | None) -> str | None:
        mine = [c for c in self._state.certificates.values() if c["item_id"] == item_id]
        if lab and number:
            found = next((c["id"] for c in mine if c["lab"] == lab and c["report_number"] == number), None)
            if found:
                return str(found)
        return str(mine[0]["id"]) if len(mine) == 1 else None

    def for_sale(self, sale_id: str) -> dict[str, str]:
        rows = sorted((a for a in self._state.appraisals.values() if a["sale_id"] == sale_id),
                      key=lambda a: a["version"])
        return {a["item_id"]: a["id"] for a in rows if a["item_id"] is not None}

    def item_sku(self, item_id: str) -> str | None:
        row = self._state.items.get(item_id)
        return None if row is None else row.spec.sku


class FakeAppraisalReader:
    """`AppraisalReader`: newest first; searched by number, SKU, owner or a stone's report number."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _latest(self, number: str) -> int:
        return max((a["version"] for a in self._state.appraisals.values() if a["number"] == number), default=0)

    def _matching(self, search: str, drafts_only: bool) -> list[dict[str, Any]]:
        text = search.strip().upper()
        rows = []
        for a in self._state.appraisals.values():
            if drafts_only and a["status"] != "draft":
                continue
            if text and not self._found(a, text):
                continue
            rows.append(a)
        return sorted(rows, key=lambda a: (a["spec"].appraised_on, a["number"], a["version"]), reverse=True)

    def _found(self, a: dict[str, Any], text: str) -> bool:
        """The number, the item's SKU (its start), the owner's name (its start) or a stone's report number."""
        item = self._state.items.get(a["item_id"] or "")
        owner = self._state.customers.get(a["owner_customer_id"] or "")
        names = () if owner is None or owner.get("erased_at") else (
            f"{owner['first_name']} {owner['last_name']}".upper(), (owner["last_name"] or "").upper())
        reports = [self._state.certificates[s.certificate_id]["report_number"].upper() for s in a["spec"].stones
                   if s.certificate_id in self._state.certificates]
        return (text in a["number"].upper() or (item is not None and item.spec.sku.upper().startswith(text))
                or any(n.startswith(text) for n in names) or any(text in r for r in reports))

    def _row(self, a: dict[str, Any]) -> AppraisalRow:
        item = self._state.items.get(a["item_id"] or "")
        owner = self._state.customers.get(a["owner_customer_id"] or "")
        appraiser = self._state.staff.get(a["appraiser_id"] or "")
        spec = a["spec"]
        return AppraisalRow(
            id=a["id"], number=a["number"], version=a["version"], status=a["status"],
            superseded=a["version"] < self._latest(a["number"]), purpose=spec.purpose.value,
            appraised_on=spec.appraised_on, value_cents=None if spec.value is None else spec.value.cents,
            currency=a["currency"], item_sku=item.spec.sku if item else None,
            has_owner=a["owner_customer_id"] is not None, appraiser=appraiser.record.name if appraiser else "",
            owner_name="" if owner is None or owner.get("erased_at") else
            f"{owner['first_name']} {owner['last_name']}".strip())

    def appraisals(self, *, search: str = "", drafts_only: bool = False, limit: int = 500,
                   offset: int = 0) -> list[AppraisalRow]:
        return [self._row(a) for a in self._matching(search, drafts_only)[offset:offset + limit]]

    def drafts_waiting(self) -> int:
        return sum(1 for a in self._state.appraisals.values() if a["status"] == "draft")

    def count(self, *, search: str = "", drafts_only: bool = False) -> int:
        return len(self._matching(search, drafts_only))

    def versions(self, number: str) -> list[AppraisalVersionRow]:
        latest = self._latest(number)
        rows = sorted((a for a in self._state.appraisals.values() if a["number"] == number),
                      key=lambda a: a["version"])
        found = []
        for a in rows:
            maker = self._state.staff.get(a["appraiser_id"] or "")
            spec = a["spec"]
            found.append(AppraisalVersionRow(
                id=a["id"], number=number, version=a["version"], status=a["status"],
                made_by=maker.record.name if maker else "", created_at=a["created_at"],
                finalized_at=a["finalized_at"], value_cents=None if spec.value is None else spec.value.cents,
                currency=a["currency"], current=a["version"] == latest))
        return found

    def certificate_numbers(self, certificate_ids: Sequence[str]) -> dict[str, str]:
        return {c: self._state.certificates[c]["report_number"] for c in certificate_ids
                if c in self._state.certificates}

    def certificates_numbered(self, report_number: str) -> list[tuple[str, str, str | None]]:
        wanted = report_number.strip().upper()
        rows = [c for c in self._state.certificates.values() if c["report_number"].upper() == wanted]
        return [(c["id"], c["lab"], c["item_id"]) for c in sorted(rows, key=lambda c: c["created_at"])]
