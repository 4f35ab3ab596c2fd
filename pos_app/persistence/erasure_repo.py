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
- ``checkouts.cart``: the name and the Form 8300 details a checkout carries;
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

Searching the whole store is the slow part (every row of every text column),
so it is done first, by `plan`, in a read that holds no lock: sales go on
meanwhile. `erase` then holds the write lock only to re-read the rows the plan
found and what was added or changed since (the rows after each table's
highest rowid then, and the rows the outbox names since its seq then), cut
the text, and blank, delete and log: milliseconds, not a full scan.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from pos_app.domain import erasure as rules
from pos_app.domain.erasure import Identity
from pos_app.persistence.free_text import free_text_columns, json_columns
from pos_app.persistence.journal import Journal, deletes, updates
from pos_app.persistence.models import new_id
from pos_app.persistence.models.base import UtcDateTime
from pos_app.persistence.models.inventory import TYPED_MOVEMENTS_EXCLUDED
from pos_app.services.ports.privacy import ErasurePlan, ExportRef

_AT = UtcDateTime()
# Rows searched in one read by `search` (a slice of a table): a few hundred milliseconds at most.
SEARCH_SLICE = 10_000
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")

# Free text in rows linked to the customer: (table, columns, the rows' condition on one customer id).
_LINKED: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("sales", ("void_reason", "order_discount_reason", "tax_exempt_reason"), "customer_id = ?"),
    ("sale_lines", ("description", "discount_reason", "override_reason"),
     "sale_id IN (SELECT id FROM sales WHERE customer_id = ?)"),
    ("appraisals", ("description", "notes", "clasp", "limiting_conditions"), "owner_customer_id = ?"),
    ("certificates", ("inscription", "measurements"), "customer_id = ?"),
    ("privacy_requests", ("extension_reason", "outcome"), "customer_id = ?"),
)
# The columns of each linked table that hold its free text (what retention cuts), and what else detaching an old
# sale from its customer changes.
_LINKED_COLUMNS = {table: columns for table, columns, _ in _LINKED}
_DETACHED = {"sales": ("customer_id",)}
# The same conditions checked on a few given rows (the write's second look): a probe per row, where the
# condition above would first collect all of the customer's sales.
_LINKED_ROW = {"sale_lines": "EXISTS (SELECT 1 FROM sales s WHERE s.id = sale_lines.sale_id AND s.customer_id = ?)"}
# Which rows of a table can hold typed text at all, where most cannot: sales, returns and receipts write
# their kind as a movement's reason; a person types the others (a memo out to a customer, an adjustment),
# and the partial index ix_stock_movements_typed finds those.
_TYPED_ROWS = {"stock_movements": f"kind NOT IN {TYPED_MOVEMENTS_EXCLUDED}"}
# Every column that points at a customer.
_CUSTOMER_LINKS = (
    ("sales", "customer_id"), ("appraisals", "owner_customer_id"), ("certificates", "customer_id"),
    ("large_cash_reports", "customer_id"), ("privacy_requests", "customer_id"), ("checkouts", "customer_id"),
    ("parked_carts", "customer_id"), ("consent_events", "customer_id"))
_SYNCED = frozenset({"customers", "sales", "sale_lines", "appraisals", "certificates", "privacy_requests",
                     "cash_movements", "stock_movements", "large_cash_reports", "items", "stock_counts",
                     "appraisal_stones"})


@dataclass(frozen=True)
class _Search:
    """Text columns of one table and which of its rows to search: `where` takes the customer's id as its one
    parameter. `linked` rows are the customer's own (every word of their name is cut); the others are
    searched for what names them unmistakably (full name, email, phone, street), so a namesake's "Rose"
    stays."""

    table: str
    columns: tuple[str, ...]
    where: str
    linked: bool

    @property
    def row_check(self) -> str:
        """`where`, as checked on given rows."""
        return _LINKED_ROW.get(self.table, self.where) if self.linked else self.where


def _searches() -> tuple[_Search, ...]:
    found = [_Search(t, cols, where, True) for t, cols, where in _LINKED]
    for table, columns in free_text_columns().items():
        only = _TYPED_ROWS.get(table)
        where = "id != ?" + (f" AND {only}" if only else "")
        found.append(_Search(table, columns, where, False))
    return tuple(found)


# Columns an erasure blanks outright, besides the free text it cuts (`_searches`).
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
    columns = {c for search in _searches() if search.table == table for c in search.columns}
    return (*sorted(columns | set(_BLANKED.get(table, ()))), "updated_at")


def _ts(moment: dt.datetime) -> str:
    text = _AT.process_bind_param(moment, None)  # type: ignore[arg-type]
    assert text is not None
    return text


def _distinctive(words: Sequence[str]) -> list[str]:
    """The needles that name the person unmistakably: the full name, the email, the phone, a street line."""
    return [w for w in words if " " in w or "@" in w or any(ch.isdigit() for ch in w)]


def _keys(words: Sequence[str]) -> list[str]:
    """The distinctive needles, lower-cased, less any that holds a shorter one (found whenever it is)."""
    lowered = sorted({w.lower() for w in _distinctive(words)}, key=len)
    keys: list[str] = []
    for word in lowered:
        if not any(key in word for key in keys):
            keys.append(word)
    return keys


def _folded(text: str) -> str:
    """Lower-cased, with JSON's \\u escapes read back (a cart stored as JSON spells "Łódź" as \\u0141...)."""
    if "\\u" in text:
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text.lower()


class ErasureRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

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

    def exports(self, customer_id: str) -> list[ExportRef]:
        """The privacy exports made for the customer, as their requests recorded them."""
        return [ExportRef(r[0], r[1], r[2]) for r in self._c().execute(
            "SELECT id, export_file, export_sha256 FROM privacy_requests WHERE customer_id = ? "
            "AND (export_file IS NOT NULL OR export_sha256 IS NOT NULL) ORDER BY received_on, id", (customer_id,))]

    # ------------------------------------------------------------ the search (no lock held)

    def plan(self, customer_id: str, who: Identity) -> ErasurePlan:
        """Start the search for the customer: note where the store stands (each table's highest rowid, the
        outbox's last seq), search the rows linked to them (by index: quick), and list the rest of the store
        to search, a slice at a time, with `search`."""
        c = self._c()
        words = rules.needles(who)
        rows: dict[str, set[str]] = {}
        searches = _searches()
        marks = {table: int(c.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0])
                 for table in {s.table for s in searches}}
        outbox = int(c.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0])
        for search in searches:
            if search.linked and words:
                for row_id, *_ in self._changes(search, search.where, (customer_id,), words):
                    rows.setdefault(search.table, set()).add(row_id)
        todo = tuple((n, 0) for n, search in enumerate(searches)
                     if not search.linked and _distinctive(words) and marks[search.table] > 0)
        return ErasurePlan(customer_id, {t: frozenset(ids) for t, ids in rows.items()}, marks, outbox, todo)

    def search(self, plan: ErasurePlan, who: Identity, *, rows: int = SEARCH_SLICE) -> ErasurePlan:
        """Search the next slice of the store (up to `rows` rows of one table, by rowid) for the customer;
        returns the plan with what was found and what is left. Each slice may run in its own read, so no
        snapshot is held for the whole search (a snapshot held for seconds keeps the WAL from being
        checkpointed while the counter writes, and every later write pays for it)."""
        if not plan.todo:
            return plan
        (n, after), rest = plan.todo[0], plan.todo[1:]
        search = _searches()[n]
        words = rules.needles(who)
        self._register(self._c(), words)
        last = min(after + rows, plan.marks[search.table])
        where = f"{search.where} AND rowid > ? AND rowid <= ? AND {self._filter(search.columns, words)}"
        found = dict(plan.rows)
        hits = {row_id for row_id, *_ in self._changes(search, where, (plan.customer_id, after, last), words)}
        if hits:
            found[search.table] = found.get(search.table, frozenset()) | hits
        todo = ((n, last), *rest) if last < plan.marks[search.table] else rest
        return replace(plan, rows=found, todo=todo)

    @staticmethod
    def _register(c: Any, words: Sequence[str]) -> None:
        """`facet_mentions(text)`: a cheap filter, once per row: does one of the keys appear in the text, in
        any case? The exact, whole-word rule (`domain/erasure.py`) then runs on the few rows it lets
        through. (SQLite's own lower() folds only ASCII letters, and ten instr() calls a row cost more than
        this one call.)"""
        keys = _keys(words)
        found = re.compile("|".join(re.escape(k) for k in keys)).search if keys else None

        def mentions(text: str | None) -> bool:
            return bool(text) and found is not None and found(_folded(text or "")) is not None

        c.create_function("facet_mentions", 1, mentions, deterministic=True)

    @staticmethod
    def _filter(columns: Sequence[str], words: Sequence[str]) -> str:
        return "facet_mentions(" + " || char(10) || ".join(f"coalesce({col}, '')" for col in columns) + ")"

    def _changes(self, search: _Search, where: str, params: tuple[Any, ...], words: Sequence[str],
                 source: str | None = None) -> Iterator[tuple[Any, ...]]:
        """(id, new values...) of the rows of `source` (default: the table) matching `where` whose text the
        rule changes."""
        use = words if search.linked else _distinctive(words)
        json_cols = [(search.table, col) in json_columns() for col in search.columns]
        cursor = self._c().execute(f"SELECT {search.table}.id, {', '.join(search.columns)} "
                                   f"FROM {source or search.table} WHERE {where}", params)
        while batch := cursor.fetchmany(500):
            for row in batch:
                values = [_scrub_json(v, use) if is_json else rules.scrub(v, use)
                          for v, is_json in zip(row[1:], json_cols)]
                if values != list(row[1:]):
                    yield (row[0], *values)

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
        for checkout_id, cart_text, journal_text in list(c.execute(
                "SELECT id, cart, tenders FROM checkouts INDEXED BY ix_checkouts_customer_id WHERE customer_id = ?",
                (customer_id,))):
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

        counts["texts_scrubbed"] = self._cut(plan, who, now, changed)

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
            if table in _SYNCED:
                journal.updated_as_stored(table, ids, _rewritten(table), at=now)
        for table, gone in deleted.items():
            journal.scrubbed(table, gone)
        for table, ids in changed.items():
            journal.scrubbed(table, ids)
        self._s.expire_all()
        return counts

    def catch_up(self, plan: ErasurePlan, who: Identity) -> ErasurePlan:
        """Search what was added or changed since the plan's marks (the counter kept selling while the store
        was searched) and move the marks to now. Run in a read just before the erasure's write, so that
        the write itself looks again only at the last moment's rows."""
        c = self._c()
        marks = {table: int(c.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0])
                 for table in plan.marks}
        outbox = int(c.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0])
        found = self._found_since(plan, who, changes=False)
        rows = {t: plan.rows.get(t, frozenset()) | found.get(t, frozenset()) for t in {*plan.rows, *found}}
        return replace(plan, rows=rows, marks=marks, outbox_seq=outbox)

    def _found_since(self, plan: ErasurePlan, who: Identity, *, changes: bool, now: str = "",
                     changed: dict[str, set[str]] | None = None) -> dict[str, frozenset[str]]:
        """Look again at the rows the plan found and at those added (rowid past the mark) or changed (named by
        the outbox since its seq) since; with `changes`, cut the customer out of them and return what was
        cut, else only return which rows name them."""
        c = self._c()
        words = rules.needles(who)
        self._register(c, words)
        since: dict[str, set[str]] = {}
        for table, row_id in c.execute("SELECT DISTINCT table_name, row_id FROM outbox WHERE seq > ? "
                                       "AND op != 'delete'", (plan.outbox_seq,)):
            since.setdefault(table, set()).add(row_id)
        found: dict[str, set[str]] = {}
        for search in _searches():
            if not (words if search.linked else _distinctive(words)):
                continue
            added = [r[0] for r in c.execute(f"SELECT id FROM {search.table} WHERE rowid > ?",
                                             (plan.marks.get(search.table, 0),))]
            known = plan.rows.get(search.table, frozenset()) if changes else frozenset()
            ids = sorted(known | since.get(search.table, set()) | set(added))
            if not ids:
                continue
            test = "" if search.linked else f" AND {self._filter(search.columns, words)}"
            # The listed rows drive (CROSS JOIN keeps SQLite from walking the customer's thousand sales
            # by its own index instead); the search's condition is then checked on each of them.
            source = (f"(SELECT value AS wanted FROM json_each(?)) AS wanted CROSS JOIN {search.table} "
                      f"ON {search.table}.id = wanted.wanted")
            where, params = f"{search.row_check}{test}", (json.dumps(ids), plan.customer_id)
            if changes:
                assert changed is not None
                self._write(search, where, params, words, now, changed, source=source)
            else:
                found.setdefault(search.table, set()).update(
                    row_id for row_id, *_ in self._changes(search, where, params, words, source))
        return {t: frozenset(ids) for t, ids in found.items()}

    def _cut(self, plan: ErasurePlan, who: Identity, now: str, changed: dict[str, set[str]]) -> int:
        """Cut the customer out of the rows the plan found, and out of every row added or changed since."""
        before = {t: set(ids) for t, ids in changed.items()}
        self._found_since(plan, who, changes=True, now=now, changed=changed)
        return sum(len(ids - before.get(t, set())) for t, ids in changed.items())

    def _write(self, search: _Search, where: str, params: tuple[Any, ...], words: Sequence[str], now: str,
               changed: dict[str, set[str]], source: str | None = None) -> int:
        updates = list(self._changes(search, where, params, words, source))
        if not updates:
            return 0
        stamp = ", updated_at = ?" if search.table in _SYNCED else ""
        sql = (f"UPDATE {search.table} SET {', '.join(f'{col} = ?' for col in search.columns)}{stamp} "
               "WHERE id = ?")
        c = self._c()
        c.executemany(sql, [(*u[1:], now, u[0]) if stamp else (*u[1:], u[0]) for u in updates])
        changed.setdefault(search.table, set()).update(u[0] for u in updates)
        return len(updates)

    def _scrub(self, table: str, columns: Sequence[str], where: str, params: tuple[Any, ...],
               words: Sequence[str], now: str, changed: dict[str, set[str]]) -> int:
        """Cut `words` out of `columns` of the rows of `table` matching `where` (retention's linked texts)."""
        return self._write(_Search(table, tuple(columns), where, True), where, params, words, now, changed)

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
            self._scrub("sales", _LINKED[0][1], "customer_id = ? AND completed_at < ?", (customer_id, limit),
                        words, now, changed)
            self._scrub("sale_lines", _LINKED[1][1],
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
            journal.updated_as_stored(table, rows, (*_DETACHED.get(table, ()), *_LINKED_COLUMNS[table], "updated_at"),
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


def _scrub_json(text: str | None, words: Sequence[str]) -> str | None:
    """A JSON column's text with every needle cut out of its strings; the same text when nothing changed."""
    if not text:
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return rules.scrub(text, words)
    cut = rules.scrub_value(value, words)
    return text if cut == value else json.dumps(cut)


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
