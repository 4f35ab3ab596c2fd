"""Erasing a customer (the right to deletion), and erasing them again after an old backup is restored.

`erase_customer` answers a verified deletion request in one unit of work:
it checks that nothing is still open for the customer, freezes the
verification hash of their final appraisals (their photos are about to go),
erases their personal data everywhere (`persistence/erasure_repo.py`),
records what the law makes the store keep with its basis and end date (the
completion record on the request, and the letter for the customer), writes
the erasure log entry (in the store and, flushed to disk before the commit,
in the file beside it) and the ``privacy.erased`` audit event, and closes the
request. The search for the customer in every text column runs first, in a
read that holds no lock, so sales at other counters go on; the write
transaction only re-reads what the search found and what changed since.
The customer's privacy exports (the files their requests recorded, and any
zip in the exports folder made for them) are deleted with it. Then, outside
the transaction, the store's file is scrubbed (WAL checkpointed and emptied,
never VACUUMed: see `LocalDatabase.scrub`) so no old page keeps a copy.

Sales, their totals and payments, tax and the cash drawer are not touched:
the sales keep pointing at the customer's id, which now names no one.

`reapply_erasures` runs after a restore: every customer whose salted id hash
is in the log (the file's entries and the restored store's own) is erased
again, and both logs are made whole.

What stays and why is in `domain/erasure.py`.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from pos_app.domain import erasure as rules
from pos_app.domain.erasure import ErasureEntry, Identity, KeptRecord, customer_hash
from pos_app.domain.errors import Conflict, NotFound, ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.privacy import TRANSACTION_RETENTION_YEARS, RequestStatus, RequestType
from pos_app.domain.store import store_today
from pos_app.services.guard import requires
from pos_app.services.ports.privacy import ErasureLog, ErasurePlan
from pos_app.services.ports.settings import StoreFile
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.privacy import _open_request

SALT_SETTING = "privacy.erasure_salt"
# Photos and scans are deleted in batches of about this many bytes, with this pause between batches.
# A sale that starts waiting for the write lock during a batch (a few milliseconds) is retried by SQLite's
# busy handler within 1 to 25 ms, so it takes the lock in the pause before the next batch. Measured with
# benchmarks/privacy.py (20,000 items, 40 photos): 256 KB and 40 ms: longest wait 38 ms, erasure 2.3 s;
# 1 MB and 30 ms: 35 ms, 1.5 s; 4 MB and 30 ms: 80 ms, 1.6 s (a batch's own commit becomes the wait).
FILE_BATCH_BYTES = 1024 * 1024
FILE_BATCH_PAUSE_S = 0.03
TRANSACTIONS_SETTING = "retention.transactions_years"


@dataclass(frozen=True)
class ErasureResult:
    customer_id: str  # now a pseudonym: the sales and records kept point at it
    request_id: str | None
    erased_at: dt.datetime
    counts: dict[str, int]
    kept: tuple[KeptRecord, ...]
    letter: str  # what the customer is told, in plain words
    scrubbed: bool | None = None  # the WAL was written back and emptied (erased bytes are zeroed in the file)

    def as_dict(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "request_id": self.request_id,
                "erased_at": self.erased_at.isoformat(), "counts": self.counts,
                "kept": [k.as_dict() for k in self.kept], "letter": self.letter, "scrubbed": self.scrubbed}


@dataclass
class ReapplyResult:
    erased: list[str] = field(default_factory=list)  # customer ids erased again
    logged: int = 0  # entries known to the store and the file after the merge
    scrubbed: bool | None = None


def _utc(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _check_request(uow: UnitOfWork, request_id: str, customer_id: str) -> None:
    record = _open_request(uow, request_id)
    if record.type != RequestType.DELETION.value:
        raise Conflict(f"Request {request_id} asks for {RequestType.of(record.type).label.lower()}, not deletion; "
                       "record a deletion request to erase a customer.")
    status = RequestStatus.of(record.status)
    if status is RequestStatus.RECEIVED:
        raise Conflict(f"Request {request_id} is not verified yet: verify the customer's identity before erasing "
                       "(pos-app privacy verify).")
    if not status.is_open:
        raise Conflict(f"Request {request_id} is already {record.status}; nothing was erased.")
    if record.customer_id != customer_id:
        raise ValidationError("customer_id", f"request {request_id} was made for another customer")


def _salt(uow: UnitOfWork, log: ErasureLog) -> str:
    known = uow.settings.get(SALT_SETTING)
    salt = log.salt(known)
    if salt != known:
        uow.settings.set(SALT_SETTING, salt)
    return salt


def _seals(uow: UnitOfWork, customer_id: str, known: dict[str, str] | None = None) -> dict[str, str]:
    """The verification hash of each of the customer's final appraisals without a seal, computed from their
    content as it is now (their photos are about to go); those in `known` (computed by the read before)
    are taken from it."""
    from pos_app.domain.appraisals import short_hash
    from pos_app.services.appraisals.verification import content

    found = {}
    for appraisal_id in uow.erasure.final_appraisals(customer_id):
        if known and appraisal_id in known:
            found[appraisal_id] = known[appraisal_id]
            continue
        record = uow.appraisals.get(appraisal_id)
        if record is not None:
            found[appraisal_id] = short_hash(content(record))
    return found


def _erase(uow: UnitOfWork, customer_id: str, who: Identity, *, at: dt.datetime, today: dt.date,
           seals: dict[str, str] | None = None, plan: ErasurePlan | None = None
           ) -> tuple[dict[str, int], list[KeptRecord]]:
    """Inside the write transaction: seal, erase, and say what is kept. `seals` and `plan` come from the read
    before it; what they did not see (an appraisal finalized since) is done here."""
    for appraisal_id, seal in _seals(uow, customer_id, seals).items():
        uow.erasure.seal(appraisal_id, seal)
    counts = uow.erasure.erase(customer_id, who, at=at, plan=plan)
    years = int(uow.settings.get(TRANSACTIONS_SETTING, TRANSACTION_RETENTION_YEARS))
    kept = rules.kept_records(today=today, transactions_years=years, **uow.erasure.kept(customer_id))
    return counts, kept


def _outcome(kept: list[KeptRecord], counts: dict[str, int]) -> str:
    lines = [f"Personal data erased ({counts['texts_scrubbed']} free-text fields cut, "
             f"{counts['consents_deleted']} consent events, {counts['appraisal_photos_deleted']} photos and "
             f"{counts['certificate_scans_deleted']} scans deleted)."]
    if kept:
        lines.append("Kept without the person:")
        lines += [f"- {k.category} ({k.count}): until {k.until.isoformat()}; basis: {k.basis}" for k in kept]
    else:
        lines.append("Nothing is kept.")
    return "\n".join(lines)


def _check_blockers(uow: UnitOfWork, customer_id: str) -> None:
    blockers = uow.erasure.blockers(customer_id)
    if blockers:
        raise Conflict("The customer cannot be erased yet: " + "; ".join(blockers) + ". Nothing was changed.")


@dataclass
class _Files:
    photos: int = 0
    scans: int = 0


def _delete_files(uow: UnitOfWork, customer_id: str, request_id: str, seals: dict[str, str], *, actor: Actor,
                  at: dt.datetime) -> _Files:
    """Before the erasure's own transaction: seal the customer's final appraisals, then delete their photos
    and certificate scans a few at a time, each batch its own short transaction, with a pause between for
    the counter. Secure deletion writes every deleted byte once more (as zeros): a customer's forty photos
    in one transaction held the write lock for its whole commit. The request is checked in each batch;
    a failure later leaves the files deleted and the request open, and erasing again finishes it."""
    done = _Files()
    while True:
        with uow:
            _check_request(uow, request_id, customer_id)
            _check_blockers(uow, customer_id)
            for appraisal_id, seal in _seals(uow, customer_id, seals).items():
                uow.erasure.seal(appraisal_id, seal)
            photos, scans, left = uow.erasure.delete_files(customer_id, at=at, max_bytes=FILE_BATCH_BYTES)
            if not photos + scans:
                return done  # nothing to delete: the seals are written by the erasure itself
            if not done.photos + done.scans:
                # Once, with the first batch: the trail shows the files going even if the erasure then fails.
                uow.audit.record(actor, "privacy.erasure_started", entity_type="customer", entity_id=customer_id,
                                 summary={"request_id": request_id, "deleting": "appraisal photos and certificate "
                                                                                "scans, a few at a time"})
            uow.commit()
        done.photos += photos
        done.scans += scans
        time.sleep(FILE_BATCH_PAUSE_S)  # a sale waiting for the write lock takes it now
        if not left:
            return done


@requires(Permission.ERASE_CUSTOMER, entity=("privacy_request", "request_id"))
def erase_customer(customer_id: str, request_id: str, *, uow: UnitOfWork, actor: Actor, log: ErasureLog,
                   store: StoreFile | None = None, now: dt.datetime | None = None) -> ErasureResult:
    """Erase the customer of a verified deletion request; `store` given: scrub the file afterwards.

    Two steps, so the counter never waits on the search: first a read (no write lock) checks the request
    and searches the whole store for the customer (`ErasureRepository.plan`) and seals their appraisals;
    then one write transaction checks again, cuts what the read found and what changed since, deletes the
    customer's privacy exports (found by the read; deleted just before the commit: a crash after it cannot
    leave a file the letter says is gone), logs, audits, closes the request and commits."""
    customer_id, request_id = customer_id.strip(), request_id.strip()
    if not customer_id:
        raise ValidationError("customer_id", "is required")
    if not request_id:
        raise ValidationError("request_id", "an erasure answers a verified deletion request; give its id")
    at = now or dt.datetime.now(dt.UTC)
    with uow.reading():
        _check_request(uow, request_id, customer_id)
        who = uow.erasure.identity(customer_id)
        if who is None:
            raise NotFound(f"customer_id: no customer has the id {customer_id!r}, or they were erased already.")
        _check_blockers(uow, customer_id)
        seals = _seals(uow, customer_id)
        plan = uow.erasure.plan(customer_id, who)
        exports = uow.erasure.exports(customer_id)
        known_salt = uow.settings.get(SALT_SETTING)
    files_found = log.find_exports(customer_id, exports)  # reads each candidate whole: before any lock
    salt = log.salt(known_salt)  # the file's (written now if the store has none yet)
    while plan.todo:  # the rest of the store, a slice at a time, each in its own read
        with uow.reading():
            plan = uow.erasure.search(plan, who)
    files = _delete_files(uow, customer_id, request_id, seals, actor=actor, at=at)
    with uow.reading():  # what the counter wrote meanwhile, so the write looks at the last moment's rows only
        plan = uow.erasure.catch_up(plan, who)
    with uow:
        profile = uow.store.get()
        today = store_today(profile.timezone if profile else "UTC", at)
        _check_request(uow, request_id, customer_id)
        who = uow.erasure.identity(customer_id)
        if who is None:
            raise NotFound(f"customer_id: no customer has the id {customer_id!r}, or they were erased already.")
        _check_blockers(uow, customer_id)
        if salt != known_salt:
            uow.settings.set(SALT_SETTING, salt)
        counts, kept = _erase(uow, customer_id, who, at=at, today=today, seals=seals, plan=plan)
        counts["appraisal_photos_deleted"] += files.photos
        counts["certificate_scans_deleted"] += files.scans
        entry = ErasureEntry(customer_hash(salt, customer_id), request_id, at.isoformat())
        uow.erasure.add_log(entry.customer_hash, request_id, at)
        counts["exports_deleted"] = len(log.delete_exports(files_found))
        letter = rules.confirmation(profile.name if profile else "The store", today, kept)
        uow.privacy.close(request_id, status=RequestStatus.COMPLETED.value, outcome=_outcome(kept, counts), at=at)
        uow.audit.record(actor, "privacy.erased", entity_type="customer", entity_id=customer_id,
                         summary={"request_id": request_id, "counts": counts,
                                  "kept": [k.as_dict() for k in kept]})
        log.append(entry)  # on disk before the commit: a crash can only leave an entry with no one to erase
        uow.commit()
    scrubbed = store.scrub() if store is not None else None
    return ErasureResult(customer_id=customer_id, request_id=request_id, erased_at=at, counts=counts,
                         kept=tuple(kept), letter=letter, scrubbed=scrubbed)


@requires(Permission.RESTORE)
def reapply_erasures(*, uow: UnitOfWork, actor: Actor, log: ErasureLog, store: StoreFile | None = None,
                     now: dt.datetime | None = None) -> ReapplyResult:
    """After a restore: erase again everyone the log says was erased, and merge the two logs."""
    at = now or dt.datetime.now(dt.UTC)
    result = ReapplyResult()
    with uow:
        in_file = {e.customer_hash: e for e in log.entries()}
        in_store = {h: ErasureEntry(h, r, e) for h, r, e in uow.erasure.log()}
        if not in_file and not in_store:
            return result
        profile = uow.store.get()
        today = store_today(profile.timezone if profile else "UTC", at)
        salt = _salt(uow, log)
        wanted = {**in_store, **in_file}
        for customer_id in list(uow.erasure.live_customer_ids()):
            entry = wanted.get(customer_hash(salt, customer_id))
            if entry is None:
                continue
            who = uow.erasure.identity(customer_id)
            if who is None:
                continue
            exports = log.find_exports(customer_id, uow.erasure.exports(customer_id))
            counts, _ = _erase(uow, customer_id, who, at=at, today=today)
            counts["exports_deleted"] = len(log.delete_exports(exports))
            uow.audit.record(actor, "privacy.erasure_reapplied", entity_type="customer", entity_id=customer_id,
                             summary={"request_id": entry.request_id, "erased_at": entry.erased_at,
                                      "counts": counts})
            result.erased.append(customer_id)
        for h, entry in in_file.items():
            if h not in in_store:
                uow.erasure.add_log(h, entry.request_id, _utc(entry.erased_at))
        for h, entry in in_store.items():
            if h not in in_file:
                log.append(entry)
        result.logged = len(wanted)
        uow.commit()
    if result.erased and store is not None:
        result.scrubbed = store.scrub()
    return result
