"""Erasing a customer everywhere their data lives, inside the unit of work's transaction.

Raw DBAPI on the unit of work's own connection, like `counter.py`: an erasure
touches a customer's thousand sales in a few statements, and writes the
outbox rows for what it changed itself. The rules (what is kept, which words
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
- free text linked to them (their sales' reasons, their lines' descriptions,
  their appraisals' and requests' texts), with every identifying word cut out;
- free text anywhere else that names them in full, or gives their email,
  phone or address (another customer's notes, a cash movement's reason).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from pos_app.domain import erasure as rules
from pos_app.domain.erasure import Identity
from pos_app.persistence.models import new_id
from pos_app.persistence.models.base import UtcDateTime
from pos_app.persistence.models.inventory import TYPED_MOVEMENTS_EXCLUDED

_AT = UtcDateTime()
_OUTBOX_SQL = "INSERT INTO outbox (table_name, row_id, op, at) VALUES (?, ?, ?, ?)"

# Free text in rows linked to the customer: (table, columns, the rows' condition on one customer id).
_LINKED: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("sales", ("void_reason", "order_discount_reason", "tax_exempt_reason"), "customer_id = ?"),
    ("sale_lines", ("description", "discount_reason", "override_reason"),
     "sale_id IN (SELECT id FROM sales WHERE customer_id = ?)"),
    ("appraisals", ("description", "notes", "clasp", "limiting_conditions"), "owner_customer_id = ?"),
    ("certificates", ("inscription", "measurements"), "customer_id = ?"),
    ("privacy_requests", ("extension_reason", "outcome"), "customer_id = ?"),
)
# Free text anywhere, searched for what names the customer unmistakably (not a lone first name):
# (table, columns, which rows can hold typed text).
_ANYWHERE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # Not other customers' addresses: a spouse at the same address keeps theirs.
    ("customers", ("notes", "preferences", "wishlist"), ""),
    ("appraisals", ("description", "notes"), ""),
    ("privacy_requests", ("extension_reason", "outcome"), ""),
    ("cash_movements", ("reason",), ""),
    # Sales, returns and receipts write their kind as the reason; a person types the others (a memo
    # out to a customer, an adjustment): the partial index ix_stock_movements_typed finds those.
    ("stock_movements", ("reason",), f"kind NOT IN {TYPED_MOVEMENTS_EXCLUDED}"),
    ("large_cash_reports", ("occupation",), ""),
)
# Every column that points at a customer.
_CUSTOMER_LINKS = (
    ("sales", "customer_id"), ("appraisals", "owner_customer_id"), ("certificates", "customer_id"),
    ("large_cash_reports", "customer_id"), ("privacy_requests", "customer_id"), ("checkouts", "customer_id"),
    ("parked_carts", "customer_id"), ("consent_events", "customer_id"))
_SYNCED = frozenset({"customers", "sales", "sale_lines", "appraisals", "certificates", "privacy_requests",
                     "cash_movements", "stock_movements", "large_cash_reports"})


def _ts(moment: dt.datetime) -> str:
    text = _AT.process_bind_param(moment, None)  # type: ignore[arg-type]
    assert text is not None
    return text


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
                 for r in c.execute("SELECT terminal FROM checkouts WHERE customer_id = ? AND status = 'open'",
                                    (customer_id,))]
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

    # ------------------------------------------------------------ the erasure

    def erase(self, customer_id: str, who: Identity, *, at: dt.datetime) -> dict[str, int]:
        """Erase the customer everywhere; returns how many rows of each kind changed (no personal values)."""
        self._s.flush()
        c = self._c()
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
        for checkout_id, cart_text in list(c.execute("SELECT id, cart FROM checkouts WHERE customer_id = ?",
                                                     (customer_id,))):
            cart = json.loads(cart_text)
            cart["customer_name"] = ""
            if isinstance(cart.get("_checkout"), dict):
                cart["_checkout"]["large_cash"] = None
            c.execute("UPDATE checkouts SET cart = ? WHERE id = ?", (json.dumps(cart), checkout_id))
            carts += 1
        counts["checkouts_cleared"] = carts

        words = rules.needles(who)
        texts = 0
        for table, columns, where in _LINKED:
            texts += self._scrub(table, columns, where, (customer_id,), words, now, changed)
        distinctive = [w for w in words if " " in w or "@" in w or any(ch.isdigit() for ch in w)]
        if distinctive:
            lowered = [w.lower() for w in distinctive]

            def mentions(text: str | None) -> bool:
                # A cheap filter, once per row (C substring searches); the exact, whole-word rule is
                # applied afterwards to the few rows it lets through.
                if not text:
                    return False
                folded = text.lower()
                for word in lowered:
                    if word in folded:
                        return True
                return False

            c.create_function("facet_mentions", 1, mentions, deterministic=True)
            for table, columns, only in _ANYWHERE:
                joined = " || char(10) || ".join(f"coalesce({col}, '')" for col in columns)
                where = f"id != ? AND {only + ' AND ' if only else ''}facet_mentions({joined})"
                texts += self._scrub(table, columns, where, (customer_id,), distinctive, now, changed)
        counts["texts_scrubbed"] = texts

        c.execute("UPDATE customers SET first_name = ?, last_name = ?, email = NULL, phone = NULL, "
                  "billing_address = '', shipping_address = '', adult_confirmed = 0, preferences = '', "
                  "wishlist = '', notes = '', do_not_sell = 0, restricted = 0, marketing_objection = 0, "
                  "erased_at = ?, updated_at = ? WHERE id = ?",
                  (rules.ERASED_FIRST_NAME, rules.ERASED_LAST_NAME, now, now, customer_id))
        changed.setdefault("customers", set()).add(customer_id)

        # Erasures travel as tombstones: the sync pushes each deleted row's delete and each blanked row.
        rows = [(table, row_id, "delete", now) for table, ids in deleted.items() for row_id in ids]
        rows += [(table, row_id, "update", now) for table, ids in changed.items() if table in _SYNCED
                 for row_id in sorted(ids)]
        c.executemany(_OUTBOX_SQL, rows)
        self._s.expire_all()
        return counts

    def _scrub(self, table: str, columns: Sequence[str], where: str, params: tuple[Any, ...],
               words: Sequence[str], now: str, changed: dict[str, set[str]]) -> int:
        c = self._c()
        updates: list[tuple[Any, ...]] = []
        cursor = c.execute(f"SELECT id, {', '.join(columns)} FROM {table} WHERE {where}", params)
        while batch := cursor.fetchmany(500):
            for row in batch:
                values = [rules.scrub(v, words) for v in row[1:]]
                if values != list(row[1:]):
                    updates.append((*values, row[0]))
        if not updates:
            return 0
        stamp = ", updated_at = ?" if table in _SYNCED else ""
        sql = f"UPDATE {table} SET {', '.join(f'{col} = ?' for col in columns)}{stamp} WHERE id = ?"
        c.executemany(sql, [(*u[:-1], now, u[-1]) if stamp else u for u in updates])
        changed.setdefault(table, set()).update(u[-1] for u in updates)
        return len(updates)

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
        for checkout_id, cart_text in list(c.execute(
                "SELECT id, cart FROM checkouts WHERE customer_id IS NOT NULL AND status != 'open' "
                "AND created_at < ?", (limit,))):
            cart = json.loads(cart_text)
            cart["customer_name"], cart["customer_id"] = "", None
            if isinstance(cart.get("_checkout"), dict):
                cart["_checkout"]["large_cash"] = None
            c.execute("UPDATE checkouts SET cart = ?, customer_id = NULL WHERE id = ?", (json.dumps(cart), checkout_id))
        changed.setdefault("sales", set()).update(ids)
        c.executemany(_OUTBOX_SQL, [(t, i, "update", now) for t, rows in changed.items() for i in sorted(rows)])
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
            c.executemany(_OUTBOX_SQL, [("large_cash_reports", i, "update", now) for i in ids])
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
            c.executemany(_OUTBOX_SQL, [("privacy_requests", i, "delete", _ts(at)) for i in ids])
        return len(ids)

    def delete_unlinked_pseudonyms(self, *, at: dt.datetime) -> int:
        """Erased customers nothing points at any more (their kept records have all expired): deleted."""
        c = self._c()
        links = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {table} x WHERE x.{column} = customers.id)"
                             for table, column in _CUSTOMER_LINKS)
        ids = [r[0] for r in c.execute(f"SELECT id FROM customers WHERE erased_at IS NOT NULL AND {links}")]
        if ids:
            c.execute(f"DELETE FROM customers WHERE id IN ({','.join('?' * len(ids))})", ids)
            c.executemany(_OUTBOX_SQL, [("customers", i, "delete", _ts(at)) for i in ids])
        return len(ids)

    # ------------------------------------------------------------ the erasure log

    def add_log(self, customer_hash: str, request_id: str | None, at: dt.datetime) -> None:
        now = _ts(at)
        entry_id = new_id()
        self._c().execute("INSERT OR IGNORE INTO erasure_log (id, erased_at, request_id, customer_hash, created_at, "
                          "updated_at) VALUES (?, ?, ?, ?, ?, ?)", (entry_id, now, request_id, customer_hash, now, now))
        self._c().execute(_OUTBOX_SQL, ("erasure_log", entry_id, "insert", now))

    def log(self) -> list[tuple[str, str | None, str]]:
        """(customer hash, request id, erased at) of every erasure this store knows, oldest first."""
        return [(r[0], r[1], r[2]) for r in self._c().execute(
            "SELECT customer_hash, request_id, erased_at FROM erasure_log ORDER BY erased_at, id")]

    def live_customer_ids(self) -> Iterator[str]:
        cursor = self._c().execute("SELECT id FROM customers WHERE erased_at IS NULL")
        while batch := cursor.fetchmany(2000):
            yield from (r[0] for r in batch)
