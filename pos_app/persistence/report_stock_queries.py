"""Stock aggregates for reports: inventory valuation at a date, aging by style, turn and GMROI.

Part of `SqliteReportsReader` (`persistence/report_queries.py`).

The stock as it was at a past date is read backwards from today: an item's
units then are its `on_hand` now (this store's units: the movements whose
store is this one, not in transit; migration 0016) less the movements of
this store since the end of that day (the store's local midnight,
`Period.utc_bounds`). Those movements come from `ix_stock_movements_at`
(created_at, store_id, kind, item_id, quantity) alone, one index range from
the date to now, so a year ago reads a year of the ledger and never the
years before it (a date nearer the ledger's start is read forwards: the
movements before it). Several dates (the 13 month ends of the turn report) are
one pass over the same range: per item, one column per date of what moved
after it. Then every item is read once (a full scan: the items table has
no index that covers cost and price) and looked up in those per-item sums.

Measured on a synthetic store of 100,000 items and 1.1M movements spread
over three years (random receipts and adjustments, every item touched), on
a busy 2-core machine: a valuation a year ago reads ~490,000 movements, 0.8
to 1.0 s of CPU; the 13 points of the turn report 1.0 to 1.4 s; a valuation
three years ago, read forwards, 0.4 s. Most of it is sorting the movements
by item for the per-item sums (SQLite has no hash aggregate); joining each
movement to its item by id instead was ten times slower.

Every value is at the item's cost and price as they are now: the ledger
records units, not what a unit cost then (the reports say so). A piece with
no cost recorded counts at $0, and its units are counted apart so a report
can say how many there were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pos_app.domain.figures import Period
from pos_app.persistence.journal import stored_time
from pos_app.services.ports.reports import StockValue

# What each grouping of stock groups by (the item's row as it is now).
STOCK_KEYS: dict[str, str] = {"style": "i.style", "metal": "i.metal", "location": "i.location", "": "''"}

# This store's movements that change on hand (not units in transit to it); `?`, `?`: this store's id twice.
_OWN_MOVES = "m.kind <> 'in_transit' AND coalesce(m.store_id, ?) IS ?"


def day_end(day: dt.date, timezone: str) -> str:
    """The UTC moment `day` ends in the store's timezone (its local midnight), as the ledger stores times."""
    return stored_time(Period(day, day).utc_bounds(timezone)[1])


class StockReportQueries:
    _c: Any

    def _own_store(self) -> str | None:
        row = self._c.execute("SELECT store_id FROM sync_state WHERE id = 1").fetchone()
        return None if row is None else row[0]

    def _nearer_the_start(self, end: str) -> bool:
        """Whether the moment `end` is nearer the ledger's first movement than its last: then the stock at `end`
        is read forwards, from the movements before it (the fewer to read, if they are spread evenly)."""
        first, last = self._c.execute("SELECT min(created_at), max(created_at) FROM stock_movements").fetchone()
        if first is None:
            return False
        moment, start, finish = (dt.datetime.fromisoformat(str(t)) for t in (end, first, last))
        return moment - start < finish - moment

    def _stock_at(self, key_sql: str, ends: Sequence[str], *, cost_only: bool = False) -> list[Any]:
        """Per key, this store's stock at each of the UTC moments `ends` (oldest first; none: now): for each,
        (units, units without cost, at cost, at retail), or with `cost_only` just at cost.

        Two passes: the movements since the oldest moment, summed per item in one row with a column per
        moment (what moved after it), from `ix_stock_movements_at` alone; then every item once, its units at
        each moment being its on hand less what moved after. One moment nearer the ledger's first movement
        than its last is read forwards instead: the units then are the sum of the movements before it (the
        ledger is on hand). The items drive the join (SQLite looks each up in the per-item sums' automatic
        index), so no movement looks up its item by id. Every sum is linear
        in units, so a group's figure is exactly the sum of its items'."""
        units = ["i.on_hand"]
        params: list[Any] = []
        moved = ""
        if ends:
            own = self._own_store()
            forward = len(ends) == 1 and self._nearer_the_start(ends[0])
            after = ", ".join(f"coalesce(sum(m.quantity) FILTER (WHERE m.created_at >= ?), 0) AS a{n}"
                              for n in range(1, len(ends)))
            # INDEXED BY: left to itself, the planner walks the whole ledger by item to spare the GROUP BY a sort.
            moved = ("WITH moved AS MATERIALIZED (SELECT m.item_id AS item_id, sum(m.quantity) AS a0"
                     f"{', ' + after if after else ''} FROM stock_movements m INDEXED BY ix_stock_movements_at "
                     f"WHERE m.created_at {'<' if forward else '>='} ? AND {_OWN_MOVES} GROUP BY m.item_id) ")
            params += [*ends[1:], ends[0], own, own]
            units = (["coalesce(mv.a0, 0)"] if forward
                     else [f"(i.on_hand - coalesce(mv.a{n}, 0))" for n in range(len(ends))])
        columns = []
        for u in units:
            if not cost_only:
                columns += [f"sum({u})", f"coalesce(sum({u}) FILTER (WHERE i.cost_cents IS NULL), 0)"]
            columns.append(f"sum({u} * coalesce(i.cost_cents, 0))")
            if not cost_only:
                columns.append(f"sum({u} * i.price_cents)")
        join = " LEFT JOIN moved mv ON mv.item_id = i.id" if ends else ""
        source = "items i NOT INDEXED" + join
        where = "" if ends else " WHERE i.on_hand <> 0"
        sql = f"{moved}SELECT {key_sql}, {', '.join(columns)} FROM {source}{where} GROUP BY 1"
        return list(self._c.execute(sql, params).fetchall())

    def stock_valuation(self, at: dt.date | None, timezone: str, by: str = "") -> list[StockValue]:
        rows = self._stock_at(STOCK_KEYS[by], [] if at is None else [day_end(at, timezone)])
        return [StockValue(str(r[0] if r[0] is not None else ""), int(r[1]), int(r[3]), int(r[4]), int(r[2]))
                for r in rows if r[1] or r[3] or r[4]]

    def stock_value(self, at: dt.date | None, timezone: str, by: str) -> list[tuple[str, int, int, int]]:
        return [(v.key, v.units, v.cost_cents, v.retail_cents) for v in self.stock_valuation(at, timezone, by)]

    def stock_aging(self, at: dt.date, timezone: str, cutoffs: Sequence[dt.date],
                    by: str = "style") -> list[tuple[int, StockValue]]:
        # Bucket 0 is the newest; a piece received on or before cutoffs[k] is at least in bucket k + 1. A piece
        # without a received date is counted in the oldest bucket (as the stock list's aging does).
        oldest = len(cutoffs)
        cases = " ".join(f"WHEN i.received_on <= '{day.isoformat()}' THEN {n + 1}"
                         for n, day in reversed(list(enumerate(cutoffs))))
        bucket = f"CASE WHEN i.received_on IS NULL THEN {oldest} {cases} ELSE 0 END"
        key_sql = f"{STOCK_KEYS[by]} || char(31) || ({bucket})"
        out = []
        for r in self._stock_at(key_sql, [day_end(at, timezone)]):
            if not (r[1] or r[3] or r[4]):
                continue
            key, _, number = str(r[0]).rpartition("\x1f")
            out.append((int(number), StockValue(key, int(r[1]), int(r[3]), int(r[4]), int(r[2]))))
        return out

    def stock_cost_at(self, points: Sequence[dt.date], timezone: str,
                      by: str = "") -> list[tuple[str, tuple[int, ...]]]:
        rows = self._stock_at(STOCK_KEYS[by], [day_end(day, timezone) for day in points], cost_only=True)
        return [(str(r[0] if r[0] is not None else ""), tuple(int(v) for v in r[1:])) for r in sorted(
            rows, key=lambda r: str(r[0]))]
