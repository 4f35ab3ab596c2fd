"""Stock aggregates for reports: inventory valuation at a date, aging by style, turn and GMROI.

Part of `SqliteReportsReader` (`persistence/report_queries.py`).

The stock as it was at a past date is read backwards from today: an item's
units then are its `on_hand` now (this store's units: the movements whose
store is this one, not in transit; migration 0016) less the movements of
this store since the end of that day (the store's local midnight,
`Period.utc_bounds`). Those movements come from `ix_stock_movements_at`
(created_at, store_id, kind, item_id, quantity) alone, one index range from
the date to now, so a year ago reads a year of the ledger and never the
years before it. Every sum here is linear in units, so it is computed as
"today's sum less the sum over the movements since" in one UNION ALL: no
per-item intermediate table.

Every value is at the item's cost and price as they are now: the ledger
records units, not what a unit cost then (the reports say so). A piece with
no cost recorded counts at $0, and its units are counted apart so a report
can say how many there were.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
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

    def _stock_sum(self, key_sql: str, at: dt.date | None, timezone: str) -> list[Any]:
        """(key, units, units without cost, cost, retail) per key: today's on hand less what moved since the
        end of `at`; `at` None: on hand now."""
        parts = [f"SELECT {key_sql} AS key, i.on_hand AS u, i.cost_cents AS cost, i.price_cents AS price "
                 "FROM items i WHERE i.on_hand <> 0"]
        params: list[Any] = []
        if at is not None:
            own = self._own_store()
            parts.append(f"SELECT {key_sql}, -m.quantity, i.cost_cents, i.price_cents FROM stock_movements m "
                         f"JOIN items i ON i.id = m.item_id WHERE m.created_at >= ? AND {_OWN_MOVES}")
            params += [day_end(at, timezone), own, own]
        sql = ("SELECT key, sum(u), coalesce(sum(u) FILTER (WHERE cost IS NULL), 0), "
               "sum(u * coalesce(cost, 0)), sum(u * price) "
               f"FROM ({' UNION ALL '.join(parts)}) GROUP BY key")
        return list(self._c.execute(sql, params).fetchall())

    def stock_valuation(self, at: dt.date | None, timezone: str, by: str = "") -> list[StockValue]:
        rows = self._stock_sum(STOCK_KEYS[by], at, timezone)
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
        for r in self._stock_sum(key_sql, at, timezone):
            if not (r[1] or r[3] or r[4]):
                continue
            key, _, number = str(r[0]).rpartition("\x1f")
            out.append((int(number), StockValue(key, int(r[1]), int(r[3]), int(r[4]), int(r[2]))))
        return out

    def stock_cost_at(self, points: Sequence[dt.date], timezone: str,
                      by: str = "") -> list[tuple[str, tuple[int, ...]]]:
        """Inventory at cost at the end of each of `points` (oldest first), per key, in two passes: today's
        on hand by key, and the movements since the end of the first point, summed per key and per the
        interval between points they fall in; the value at a point is today's less every interval after it."""
        ends = [day_end(day, timezone) for day in points]
        key_sql = STOCK_KEYS[by]
        now = {str(r[0] if r[0] is not None else ""): int(r[1]) for r in self._c.execute(
            f"SELECT {key_sql}, sum(i.on_hand * coalesce(i.cost_cents, 0)) FROM items i WHERE i.on_hand <> 0 "
            "GROUP BY 1")}
        own = self._own_store()
        # The interval a movement falls in: n when it is at or after the end of point n and before the next.
        cases = " ".join(f"WHEN m.created_at >= ? THEN {n}" for n in range(len(ends) - 1, 0, -1))
        interval = f"CASE {cases} ELSE 0 END" if cases else "0"
        sql = (f"SELECT {key_sql}, {interval}, sum(m.quantity * coalesce(i.cost_cents, 0)) "
               "FROM stock_movements m JOIN items i ON i.id = m.item_id "
               f"WHERE m.created_at >= ? AND {_OWN_MOVES} GROUP BY 1, 2")
        moved: dict[str, list[int]] = defaultdict(lambda: [0] * len(points))
        for key, n, cents in self._c.execute(sql, [*reversed(ends[1:]), ends[0], own, own]):
            moved[str(key if key is not None else "")][int(n)] += int(cents)
        out = []
        for key in sorted(set(now) | set(moved)):
            since = moved.get(key, [0] * len(points))
            values, after = [], 0
            for n in range(len(points) - 1, -1, -1):  # walk back from today: each point less what moved after it
                after += since[n]
                values.append(now.get(key, 0) - after)
            out.append((key, tuple(reversed(values))))
        return out
