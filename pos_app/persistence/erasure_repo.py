"""Erasing a customer everywhere their data lives, inside the unit of work's transaction.

Raw DBAPI on the unit of work's own connection, like `counter_repo.py`: an
erasure touches a customer's thousand sales in a few statements, and tells the
journal (`journal.py`) what it changed: its outbox rows, and `scrubbed` for
every row it blanked or deleted, so no earlier outbox row keeps the values
that were erased (the outbox captures what each change wrote). The rules (what is kept, which words
are cut out of free text) are in `domain/erasure.py`; this module knows where
the data is.

Every place a customer's personal data can be:

- ``customers``: the row itself (blanked in place, its id kept as the pseudonym);
- ``consent_events``: deleted;
- ``appraisal_photos`` of their appraisals and ``certificates.scan`` of their
  certificates: deleted;
- ``large_cash_reports``: name, address, date of birth, taxpayer id,
  occupation and ID document blanked;
- ``checkouts.cart``: the name and the Form 8300 details a checkout carries (an
  open one, met only by an erasure pulled from another counter, keeps the
  details: the law has its report filed when the sale completes);
- ``privacy_requests.export_file``: where their exports were written (the
  files are deleted by the service);
- free text linked to them (their sales' reasons, their lines' descriptions,
  their appraisals' and requests' texts), with every identifying word cut out;
- free text anywhere else that names them in full, or gives their email,
  phone or address: every text column of every table that
  `persistence/free_text.py` does not allowlist (another customer's notes, an
  item's title and description, a cash movement's reason, a held cart's label
  and lines, ...). Cutting an item's text updates the full-text index through
  its triggers.

Finding the customer in free text, and cutting them out of it, is
`persistence/erasure_search.py`: the slow search runs first, by `plan` and
`search`, in reads that hold no lock; `erase` then holds the write lock only to
look again at what the plan found and what changed since, cut the text, and
blank, delete and log: milliseconds, not a full scan. This module holds the
repository: what must be finished first, the erasing writes, what stays, the
retention's writes and the erasure log.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from pos_app.domain import erasure as rules
from pos_app.domain.erasure import Identity
from pos_app.persistence.erasure_search import LINKED_COLUMNS, SEARCH_SLICE, SYNCED, ErasureSearch, searches
from pos_app.persistence.journal import Journal, deletes, updates
from pos_app.persistence.models import new_id
from pos_app.persistence.models.base import UtcDateTime
from pos_app.services.ports.privacy import ErasurePlan, ExportRef

_AT = UtcDateTime()

# Every column that points at a customer.
_CUSTOMER_LINKS = (
    ("sales", "customer_id"), ("appraisals", "owner_customer_id"), ("certificates", "customer_id"),
    ("large_cash_reports", "customer_id"), ("privacy_requests", "customer_id"), ("checkouts", "customer_id"),
    ("parked_carts", "customer_id"), ("consent_events", "customer_id"))
# What else detaching an old sale from its customer changes, besides its free text.
_DETACHED = {"sales": ("customer_id",)}

# Columns an erasure blanks outright, besides the free text it cuts (`erasure_search.searches`).
_BLANKED = {
    "customers": ("first_name", "last_name", "email", "phone", "billing_address", "shipping_address",
                  "adult_confirmed", "preferences", "wishlist", "notes", "do_not_sell", "restricted",
                  "marketing_objection", "erased_at"),
    "large_cash_reports": ("full_name", "address", "date_of_birth", "taxpayer_id", "occupation", "id_document"),
    "certificates": ("scan", "scan_mime_type"),
    "privacy_requests": ("export_file",),
}


def _rewritten(table: str) -> tuple[str, ...]:
    """The columns of `table` an erasure may rewrite, as its outbox update carries them."""
    columns = {c for search in searches() if search.table == table for c in search.columns}
    return (*sorted(columns | set(_BLANKED.get(table, ()))), "updated_at")


def _ts(moment: dt.datetime) -> str:
    text = _AT.process_bind_param(moment, None)  # type: ignore[arg-type]
    assert text is not None
    return text


class ErasureRepo:
    """The `ErasureRepository` port on the unit of work's session: the free-text search is delegated to
    `ErasureSearch`, the erasing and retention writes and their journal entries are made here."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._text = ErasureSearch(session)

    def _c(self) -> Any:
        return self._s.connection().connection.driver_connection

    # ------------------------------------------------------------ before

    def identity(self, customer_id: str) -> Identity | None:
        """Who the customer is, to find them in free text (None when there is no such customer, or they
        were erased already)."""
        r = self._c().execute("SELECT first_name, last_name, email, phone, billing_address, shipping_address "
                              "FROM customers WHERE id = ? AND erased_at IS NULL", (customer_id,)).fetchone()
        if r is None:
            return None
        return Identity(first_name=r[0] or "", last_name=r[1] or "", email=r[2], phone=r[3],
                        addresses=tuple(a for a in (r[4], r[5]) if a))

    def blockers(self, customer_id: str) -> list[str]:
        """What must be finished before the customer can be erased, as sentences naming it."""
        c = self._c()
        found = [f"a sale is being paid for at counter {r[0]}; finish or cancel it first"
                 # INDEXED BY: with most checkouts having no customer, the planner's statistics call the
                 # index useless and it reads every checkout (its cart JSON too) instead.
                 for r in c.execute("SELECT terminal FROM checkouts INDEXED BY ix_checkouts_customer_id "
                                    "WHERE customer_id = ? AND status = 'open'", (customer_id,))]
        found += [f"a cart is parked for them at counter {r[0]} ({r[1]!r}); finish or delete it first"
                  for r in c.execute("SELECT terminal, label FROM parked_carts WHERE customer_id = ?",
                                     (customer_id,))]
        found += [f"the Form 8300 cash report of {r[0][:10]} is not filed yet; the law requires it to be filed "
                  "with the person's details first"
                  for r in c.execute("SELECT created_at FROM large_cash_reports WHERE customer_id = ? "
                                     "AND status = 'to_file'", (customer_id,))]
        return found

    def final_appraisals(self, customer_id: str) -> list[str]:
        """Ids of the customer's final appraisals that have no seal yet (oldest first)."""
        return [r[0] for r in self._c().execute(
            "SELECT id FROM appraisals WHERE owner_customer_id = ? AND status = 'final' AND seal IS NULL "
            "ORDER BY appraised_on, number, version", (customer_id,))]

    def seal(self, appraisal_id: str, seal: str) -> None:
        self._c().execute("UPDATE appraisals SET seal = ? WHERE id = ?", (seal, appraisal_id))
        # Journaled: a synced group's other counters and central must verify the appraisal by the same seal.
        Journal.of(self._s).write(updates("appraisals", [{"id": appraisal_id, "seal": seal}]))

    def exports(self, customer_id: str) -> list[ExportRef]:
        """The privacy exports made for the customer, as their requests recorded them."""
        return [ExportRef(r[0], r[1], r[2]) for r in self._c().execute(
            "SELECT id, export_file, export_sha256 FROM privacy_requests WHERE customer_id = ? "
            "AND (export_file IS NOT NULL OR export_sha256 IS NOT NULL) ORDER BY received_on, id", (customer_id,))]

    # ------------------------------------------------------------ the search (no lock held): erasure_search.py

    def plan(self, customer_id: str, who: Identity) -> ErasurePlan:
        """Start the search for the customer (`ErasureSearch.plan`)."""
        return self._text.plan(customer_id, who)

    def search(self, plan: ErasurePlan, who: Identity, *, rows: int = SEARCH_SLICE) -> ErasurePlan:
        """Search the next slice of the store for the customer (`ErasureSearch.search`)."""
        return self._text.search(plan, who, rows=rows)

    def catch_up(self, plan: ErasurePlan, who: Identity) -> ErasurePlan:
        """Search what was added or changed since the plan's marks (`ErasureSearch.catch_up`)."""
        return self._text.catch_up(plan, who)

    # ------------------------------------------------------------ the erasure

    def delete_files(self, customer_id: str, *, at: dt.datetime, max_bytes: int) -> tuple[int, int, bool]:
        """Delete some of the customer's appraisal photos and certificate scans, about `max_bytes` of them (at
        least one); returns how many photos and scans, and whether any is left. Their bytes are zeroed in the
        file as they go (secure delete), which costs writing them once: a few at a time keeps each commit
        short."""
        c = self._c()
        now = _ts(at)
        photos: list[str] = []
        scans: list[str] = []
        total = 0
        left = False
        for kind, row_id, size in c.execute(
                "SELECT 'photo', p.id, length(p.data) FROM appraisal_photos p JOIN appraisals a "
                "ON a.id = p.appraisal_id WHERE a.owner_customer_id = ? "
                "UNION ALL SELECT 'scan', id, length(scan) FROM certificates WHERE customer_id = ? "
                "AND scan IS NOT NULL", (customer_id, customer_id)).fetchall():
            if total and total + (size or 0) > max_bytes:
                left = True
                break
            (photos if kind == "photo" else scans).append(row_id)
            total += size or 0
        if photos:
            c.execute("DELETE FROM appraisal_photos WHERE id IN (SELECT value FROM json_each(?))",
                      (json.dumps(photos),))
        if scans:
            c.execute("UPDATE certificates SET scan = NULL, scan_mime_type = NULL, updated_at = ? "
                      "WHERE id IN (SELECT value FROM json_each(?))", (now, json.dumps(scans)))
        journal = Journal.of(self._s)
        journal.write(deletes("appraisal_photos", photos)
                      + updates("certificates", [{"id": i, "scan": None, "scan_mime_type": None, "updated_at": now}
                                                 for i in scans]), at=now)
        journal.scrubbed("appraisal_photos", photos)
        journal.scrubbed("certificates", scans)
        return len(photos), len(scans), left

    def erase(self, customer_id: str, who: Identity, *, at: dt.datetime,
              plan: ErasurePlan | None = None) -> dict[str, int]:
        """Erase the customer everywhere; returns how many rows of each kind changed (no personal values).

        With a `plan` from a read before, only the rows it found and what changed since are searched
        again; without one, the whole store is searched here, inside the write transaction."""
        self._s.flush()
        c = self._c()
        if plan is None or plan.customer_id != customer_id:
            plan = self.plan(customer_id, who)
        while plan.todo:
            plan = self.search(plan, who, rows=max(SEARCH_SLICE, max(plan.marks.values(), default=0)))
        now = _ts(at)
        counts: dict[str, int] = {}
        changed: dict[str, set[str]] = {}
        deleted: dict[str, list[str]] = {}

        def delete(table: str, where: str) -> None:
            ids = [r[0] for r in c.execute(f"SELECT id FROM {table} WHERE {where}", (customer_id,))]
            if ids:
                c.execute(f"DELETE FROM {table} WHERE {where}", (customer_id,))
                deleted.setdefault(table, []).extend(ids)
            counts[table] = counts.get(table, 0) + len(ids)

        delete("consent_events", "customer_id = ?")
        delete("appraisal_photos", "appraisal_id IN (SELECT id FROM appraisals WHERE owner_customer_id = ?)")
        counts["appraisal_photos_deleted"] = counts.pop("appraisal_photos")
        counts["consents_deleted"] = counts.pop("consent_events")

        scans = [r[0] for r in c.execute("SELECT id FROM certificates WHERE customer_id = ? AND scan IS NOT NULL",
                                         (customer_id,))]
        c.execute("UPDATE certificates SET scan = NULL, scan_mime_type = NULL, updated_at = ? "
                  "WHERE customer_id = ? AND scan IS NOT NULL", (now, customer_id))
        changed.setdefault("certificates", set()).update(scans)
        counts["certificate_scans_deleted"] = len(scans)

        reports = [r[0] for r in c.execute("SELECT id FROM large_cash_reports WHERE customer_id = ?",
                                           (customer_id,))]
        c.execute("UPDATE large_cash_reports SET full_name = ?, address = '', date_of_birth = NULL, "
                  "taxpayer_id = '', occupation = '', id_document = '', updated_at = ? WHERE customer_id = ?",
                  (f"{rules.ERASED_FIRST_NAME} {rules.ERASED_LAST_NAME}", now, customer_id))
        changed.setdefault("large_cash_reports", set()).update(reports)
        counts["cash_reports_blanked"] = len(reports)

        carts = 0
        for checkout_id, cart_text, journal_text, status in list(c.execute(
                "SELECT id, cart, tenders, status FROM checkouts INDEXED BY ix_checkouts_customer_id "
                "WHERE customer_id = ?", (customer_id,))):
            if status == "open":
                # Only an erasure pulled from another counter meets one (an open checkout blocks a local
                # erasure). Its Form 8300 details stay: the cash was taken, the law has its report filed with
                # the payer's details, and the sale writes it when it completes (without the customer).
                cart, payment_journal = json.loads(cart_text), journal_text
            else:
                cart, payment_journal = _without_payer(cart_text, journal_text)
            cart["customer_name"] = ""
            c.execute("UPDATE checkouts SET cart = ?, tenders = ? WHERE id = ?",
                      (json.dumps(cart), payment_journal, checkout_id))
            carts += 1
        counts["checkouts_cleared"] = carts

        requests = [r[0] for r in c.execute(
            "SELECT id FROM privacy_requests WHERE customer_id = ? AND export_file IS NOT NULL", (customer_id,))]
        c.execute("UPDATE privacy_requests SET export_file = NULL, updated_at = ? WHERE customer_id = ? "
                  "AND export_file IS NOT NULL", (now, customer_id))
        changed.setdefault("privacy_requests", set()).update(requests)

        counts["texts_scrubbed"] = self._text.cut(plan, who, now, changed)

        c.execute("UPDATE customers SET first_name = ?, last_name = ?, email = NULL, phone = NULL, "
                  "billing_address = '', shipping_address = '', adult_confirmed = 0, preferences = '', "
                  "wishlist = '', notes = '', do_not_sell = 0, restricted = 0, marketing_objection = 0, "
                  "erased_at = ?, updated_at = ? WHERE id = ?",
                  (rules.ERASED_FIRST_NAME, rules.ERASED_LAST_NAME, now, now, customer_id))
        changed.setdefault("customers", set()).add(customer_id)

        # Erasures travel as tombstones: the sync pushes each deleted row's delete and each blanked row (the
        # columns an erasure rewrites, as they are now); no earlier outbox row of theirs keeps what they held.
        journal = Journal.of(self._s)
        journal.write([entry for table, ids in deleted.items() for entry in deletes(table, ids)], at=now)
        for table, ids in changed.items():
            if table in SYNCED:
                journal.updated_as_stored(table, ids, _rewritten(table), at=now)
        for table, gone in deleted.items():
            journal.scrubbed(table, gone)
        for table, ids in changed.items():
            journal.scrubbed(table, ids)
        self._s.expire_all()
        return counts

    # ------------------------------------------------------------ after: what stays

    def kept(self, customer_id: str) -> dict[str, Any]:
        """What stays linked to the pseudonym: counts and the dates their retention runs from."""
        c = self._c()
        sales, last = c.execute("SELECT count(*), max(completed_at) FROM sales WHERE customer_id = ?",
                                (customer_id,)).fetchone()
        appraisals, appraisals_until = c.execute(
            "SELECT count(*), max(retain_until) FROM appraisals WHERE owner_customer_id = ?", (customer_id,)).fetchone()
        certificates, certificates_until = c.execute(
            "SELECT count(*), max(retain_until) FROM certificates WHERE customer_id = ?", (customer_id,)).fetchone()
        filed = [None if r[0] is None else dt.date.fromisoformat(r[0]) for r in c.execute(
            "SELECT filed_on FROM large_cash_reports WHERE customer_id = ?", (customer_id,))]
        requests = c.execute("SELECT count(*) FROM privacy_requests WHERE customer_id = ?",
                             (customer_id,)).fetchone()[0]

        def day(text: str | None) -> dt.date | None:
            return None if text is None else dt.date.fromisoformat(text[:10])
        return {"sales": int(sales), "last_sale_on": day(last), "appraisals": int(appraisals),
                "appraisals_until": day(appraisals_until), "certificates": int(certificates),
                "certificates_until": day(certificates_until), "cash_reports_filed_on": filed,
                "requests": int(requests)}

    # ------------------------------------------------------------ retention

    def detach_old_sales(self, before: dt.date, *, at: dt.datetime) -> int:
        """Sales completed before `before` stop pointing at their customer; free text naming a customer
        who is still on file is cut first. Returns the sales detached."""
        c = self._c()
        now = _ts(at)
        limit = _ts(dt.datetime.combine(before, dt.time(), tzinfo=dt.UTC))
        customers = [r[0] for r in c.execute(
            "SELECT DISTINCT customer_id FROM sales WHERE customer_id IS NOT NULL AND completed_at < ?", (limit,))]
        changed: dict[str, set[str]] = {}
        for customer_id in customers:
            who = self.identity(customer_id)
            if who is None:
                continue  # erased: their texts were cut then
            words = rules.needles(who)
            self._text.scrub("sales", LINKED_COLUMNS["sales"], "customer_id = ? AND completed_at < ?",
                             (customer_id, limit), words, now, changed)
            self._text.scrub("sale_lines", LINKED_COLUMNS["sale_lines"],
                             "sale_id IN (SELECT id FROM sales WHERE customer_id = ? AND completed_at < ?)",
                             (customer_id, limit), words, now, changed)
        ids = [r[0] for r in c.execute("SELECT id FROM sales WHERE customer_id IS NOT NULL AND completed_at < ?",
                                       (limit,))]
        c.execute("UPDATE sales SET customer_id = NULL, updated_at = ? WHERE customer_id IS NOT NULL "
                  "AND completed_at < ?", (now, limit))
        for checkout_id, cart_text, journal_text in list(c.execute(
                "SELECT id, cart, tenders FROM checkouts WHERE customer_id IS NOT NULL AND status != 'open' "
                "AND created_at < ?", (limit,))):
            cart, payment_journal = _without_payer(cart_text, journal_text)
            cart["customer_name"], cart["customer_id"] = "", None
            c.execute("UPDATE checkouts SET cart = ?, tenders = ?, customer_id = NULL WHERE id = ?",
                      (json.dumps(cart), payment_journal, checkout_id))
        changed.setdefault("sales", set()).update(ids)
        journal = Journal.of(self._s)
        for table, rows in changed.items():
            journal.updated_as_stored(table, rows, (*_DETACHED.get(table, ()), *LINKED_COLUMNS[table], "updated_at"),
                                      at=now)
            journal.scrubbed(table, rows)
        return len(ids)

    def blank_old_cash_reports(self, filed_before: dt.date, *, at: dt.datetime) -> int:
        """Form 8300 reports filed before `filed_before` lose the person's details and their customer link."""
        c = self._c()
        now = _ts(at)
        ids = [r[0] for r in c.execute(
            "SELECT id FROM large_cash_reports WHERE status = 'filed' AND filed_on < ? "
            "AND (customer_id IS NOT NULL OR taxpayer_id != '' OR date_of_birth IS NOT NULL)",
            (filed_before.isoformat(),))]
        if ids:
            marks = ",".join("?" * len(ids))
            c.execute(f"UPDATE large_cash_reports SET customer_id = NULL, full_name = '', address = '', "
                      f"date_of_birth = NULL, taxpayer_id = '', occupation = '', id_document = '', updated_at = ? "
                      f"WHERE id IN ({marks})", (now, *ids))
            blank = {"customer_id": None, "full_name": "", "address": "", "date_of_birth": None, "taxpayer_id": "",
                     "occupation": "", "id_document": "", "updated_at": now}
            journal = Journal.of(self._s)
            journal.updated("large_cash_reports", [{"id": i, **blank} for i in ids], at=now)
            journal.scrubbed("large_cash_reports", ids)
        return len(ids)

    def delete_old_requests(self, answered_before: dt.date, *, at: dt.datetime) -> int:
        """Closed requests of erased customers answered before `answered_before`: deleted."""
        c = self._c()
        limit = _ts(dt.datetime.combine(answered_before, dt.time(), tzinfo=dt.UTC))
        ids = [r[0] for r in c.execute(
            "SELECT id FROM privacy_requests WHERE status IN ('completed', 'refused') AND completed_at < ? "
            "AND customer_id IN (SELECT id FROM customers WHERE erased_at IS NOT NULL)", (limit,))]
        if ids:
            c.execute(f"DELETE FROM privacy_requests WHERE id IN ({','.join('?' * len(ids))})", ids)
            journal = Journal.of(self._s)
            journal.deleted("privacy_requests", ids, at=_ts(at))
            journal.scrubbed("privacy_requests", ids)
        return len(ids)

    def delete_unlinked_pseudonyms(self, *, at: dt.datetime) -> int:
        """Erased customers nothing points at any more (their kept records have all expired): deleted."""
        c = self._c()
        links = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {table} x WHERE x.{column} = customers.id)"
                             for table, column in _CUSTOMER_LINKS)
        ids = [r[0] for r in c.execute(f"SELECT id FROM customers WHERE erased_at IS NOT NULL AND {links}")]
        if ids:
            c.execute(f"DELETE FROM customers WHERE id IN ({','.join('?' * len(ids))})", ids)
            journal = Journal.of(self._s)
            journal.deleted("customers", ids, at=_ts(at))
            journal.scrubbed("customers", ids)
        return len(ids)

    # ------------------------------------------------------------ the erasure log

    def add_log(self, customer_hash: str, request_id: str | None, at: dt.datetime) -> None:
        now = _ts(at)
        entry_id = new_id()
        row = {"id": entry_id, "erased_at": now, "request_id": request_id, "customer_hash": customer_hash,
               "created_at": now, "updated_at": now}
        written = self._c().execute(f"INSERT OR IGNORE INTO erasure_log ({', '.join(row)}) "
                                    f"VALUES ({', '.join('?' * len(row))})", tuple(row.values())).rowcount
        if written:  # a hash already logged (a restore erased them again) is not a change
            Journal.of(self._s).inserted("erasure_log", [row], at=now)

    def log(self) -> list[tuple[str, str | None, str]]:
        """(customer hash, request id, erased at) of every erasure this store knows, oldest first."""
        return [(r[0], r[1], r[2]) for r in self._c().execute(
            "SELECT customer_hash, request_id, erased_at FROM erasure_log ORDER BY erased_at, id")]

    def live_customer_ids(self) -> Iterator[str]:
        cursor = self._c().execute("SELECT id FROM customers WHERE erased_at IS NULL")
        while batch := cursor.fetchmany(2000):
            yield from (r[0] for r in batch)


def _without_payer(cart_text: str, journal_text: str | None) -> tuple[dict[str, Any], str | None]:
    """A checkout's cart and payment journal (`checkout_repo.py`) without the Form 8300 payer's details,
    in either layout: the journal in its own column, or (older) under the cart's `"_checkout"` key."""
    cart = json.loads(cart_text)
    if isinstance(cart.get("_checkout"), dict):
        cart["_checkout"]["large_cash"] = None
    journal = json.loads(journal_text) if journal_text else None
    if isinstance(journal, dict):
        journal["large_cash"] = None
    return cart, None if journal_text is None else json.dumps(journal)
