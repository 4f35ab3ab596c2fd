"""Finding a customer in the store's free text, and cutting them out of it: the erasure's search and plan.

Searching the whole store is the slow part of an erasure (every row of every text column), so it is done
first, by `plan` and `search`, in reads that hold no lock: sales go on meanwhile. `catch_up` looks at what
was added or changed since, just before the write; inside the write, `cut` re-reads the rows the plan found
and what was added or changed since (the rows after each table's highest rowid then, and the rows the
outbox names since its seq then) and cuts the text: milliseconds, not a full scan. `scrub` is retention's
cut of a customer's own linked texts.

What this module searches: the free text linked to the customer (`LINKED`: their sales' reasons, their
lines' descriptions, their appraisals' and requests' texts), where every word naming them is cut, and every
text column of every table that `persistence/free_text.py` does not allowlist, where what names them
unmistakably (full name, email, phone, street) is cut. The rules (which words, how they are cut) are in
`domain/erasure.py`. Cut rows are recorded in the caller's `changed` map; the caller (`erasure_repo.py`)
writes the journal. Raw DBAPI on the unit of work's own connection, like the repository.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from pos_app.domain import erasure as rules
from pos_app.domain.erasure import Identity
from pos_app.persistence.free_text import free_text_columns, json_columns
from pos_app.persistence.models.inventory import TYPED_MOVEMENTS_EXCLUDED
from pos_app.services.ports.privacy import ErasurePlan

# Rows searched in one read by `search` (a slice of a table): a few hundred milliseconds at most.
SEARCH_SLICE = 10_000
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")

# Free text in rows linked to the customer: (table, columns, the rows' condition on one customer id).
LINKED: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("sales", ("void_reason", "order_discount_reason", "tax_exempt_reason"), "customer_id = ?"),
    ("sale_lines", ("description", "discount_reason", "override_reason"),
     "sale_id IN (SELECT id FROM sales WHERE customer_id = ?)"),
    ("appraisals", ("description", "notes", "clasp", "limiting_conditions"), "owner_customer_id = ?"),
    ("certificates", ("inscription", "measurements"), "customer_id = ?"),
    ("privacy_requests", ("extension_reason", "outcome"), "customer_id = ?"),
)
# The columns of each linked table that hold its free text (what retention cuts).
LINKED_COLUMNS = {table: columns for table, columns, _ in LINKED}
# The same conditions checked on a few given rows (the write's second look): a probe per row, where the
# condition above would first collect all of the customer's sales.
_LINKED_ROW = {"sale_lines": "EXISTS (SELECT 1 FROM sales s WHERE s.id = sale_lines.sale_id AND s.customer_id = ?)"}
# Which rows of a table can hold typed text at all, where most cannot: sales, returns and receipts write
# their kind as a movement's reason; a person types the others (a memo out to a customer, an adjustment),
# and the partial index ix_stock_movements_typed finds those.
_TYPED_ROWS = {"stock_movements": f"kind NOT IN {TYPED_MOVEMENTS_EXCLUDED}"}
# The tables the sync pushes: a row cut here gets a new updated_at.
SYNCED = frozenset({"customers", "sales", "sale_lines", "appraisals", "certificates", "privacy_requests",
                    "cash_movements", "stock_movements", "large_cash_reports", "items", "stock_counts",
                    "appraisal_stones"})


@dataclass(frozen=True)
class Search:
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


def searches() -> tuple[Search, ...]:
    """Every search an erasure makes: the customer's linked texts first, then every free-text column."""
    found = [Search(t, cols, where, True) for t, cols, where in LINKED]
    for table, columns in free_text_columns().items():
        only = _TYPED_ROWS.get(table)
        where = "id != ?" + (f" AND {only}" if only else "")
        found.append(Search(table, columns, where, False))
    return tuple(found)


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


class ErasureSearch:
    """The customer's rows in the store's free text: found by `plan`, `search` and `catch_up` (reads), cut by
    `cut` and `scrub` (inside the caller's write transaction)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def _c(self) -> Any:
        return self._s.connection().connection.driver_connection

    def plan(self, customer_id: str, who: Identity) -> ErasurePlan:
        """Start the search for the customer: note where the store stands (each table's highest rowid, the
        outbox's last seq), search the rows linked to them (by index: quick), and list the rest of the store
        to search, a slice at a time, with `search`."""
        c = self._c()
        words = rules.needles(who)
        rows: dict[str, set[str]] = {}
        every = searches()
        marks = {table: int(c.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0])
                 for table in {s.table for s in every}}
        outbox = int(c.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0])
        for search in every:
            if search.linked and words:
                for row_id, *_ in self._changes(search, search.where, (customer_id,), words):
                    rows.setdefault(search.table, set()).add(row_id)
        todo = tuple((n, 0) for n, search in enumerate(every)
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
        search = searches()[n]
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

    def _changes(self, search: Search, where: str, params: tuple[Any, ...], words: Sequence[str],
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
        for search in searches():
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

    def cut(self, plan: ErasurePlan, who: Identity, now: str, changed: dict[str, set[str]]) -> int:
        """Cut the customer out of the rows the plan found, and out of every row added or changed since."""
        before = {t: set(ids) for t, ids in changed.items()}
        self._found_since(plan, who, changes=True, now=now, changed=changed)
        return sum(len(ids - before.get(t, set())) for t, ids in changed.items())

    def _write(self, search: Search, where: str, params: tuple[Any, ...], words: Sequence[str], now: str,
               changed: dict[str, set[str]], source: str | None = None) -> int:
        updates = list(self._changes(search, where, params, words, source))
        if not updates:
            return 0
        stamp = ", updated_at = ?" if search.table in SYNCED else ""
        sql = (f"UPDATE {search.table} SET {', '.join(f'{col} = ?' for col in search.columns)}{stamp} "
               "WHERE id = ?")
        c = self._c()
        c.executemany(sql, [(*u[1:], now, u[0]) if stamp else (*u[1:], u[0]) for u in updates])
        changed.setdefault(search.table, set()).update(u[0] for u in updates)
        return len(updates)

    def scrub(self, table: str, columns: Sequence[str], where: str, params: tuple[Any, ...],
               words: Sequence[str], now: str, changed: dict[str, set[str]]) -> int:
        """Cut `words` out of `columns` of the rows of `table` matching `where` (retention's linked texts)."""
        return self._write(Search(table, tuple(columns), where, True), where, params, words, now, changed)
