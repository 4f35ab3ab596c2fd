"""`HeadOfficeReader` over central's PostgreSQL: the head office's reports across a group's stores.

Central keeps every synced row in `facet.records` as JSON of the store file's
columns, with the store it came from (`store_id`); a store's own time zone is
in its `stores` record (pushed by that store's counters only). Stock is kept
per store in `facet.stock` (item, store, on hand, in transit to it), summed
from the movements as they arrive. Each report is one statement, computed by
PostgreSQL; the reports run as the administrator (the group's owner):
counters have no read access to central's tables at all.

The administrator's login comes with the URL (`postgresql://USER:PASSWORD@HOST/DB?...`, as the command line
takes it), or beside it (`user=`, `password=`: the app's Head office tab, where the owner types them), or
from libpq's own places (PGPASSWORD, ~/.pgpass). The password is used for the connection only: never kept,
never in a message or a log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from pos_app.adapters.central import LoginRefused, _explain, connect, describe
from pos_app.domain.errors import CentralProblem, ValidationError
from pos_app.services.ports.head_office import (
    GroupCertificate,
    StoreAging,
    StoreDaySales,
    StoreLowStock,
    age_brackets,
)

# A sale's completion time is stored as UTC text; its day is the selling store's local day.
_DAY = "((s.data->>'completed_at')::timestamp AT TIME ZONE 'UTC' AT TIME ZONE coalesce(z.tz, 'UTC'))::date"

# Each store's time zone and currency, from its own `stores` row (only its counters write it).
_ZONES = """zones AS (
    SELECT DISTINCT ON (store_id) store_id, data->>'timezone' AS tz, data->>'currency' AS currency
    FROM facet.records WHERE table_name = 'stores' AND NOT deleted ORDER BY store_id, server_seq DESC)"""

_SALES_BY_STORE_DAY = f"""
WITH {_ZONES}
SELECT st.code, st.name, coalesce(z.tz, 'UTC'), {_DAY} AS day,
       count(*) FILTER (WHERE s.data->>'kind' IS DISTINCT FROM 'return'),
       count(*) FILTER (WHERE s.data->>'kind' = 'return'),
       coalesce(sum((s.data->>'total_cents')::bigint - (s.data->>'tax_cents')::bigint), 0),
       coalesce(sum((s.data->>'tax_cents')::bigint), 0),
       coalesce(sum((s.data->>'total_cents')::bigint), 0),
       min(s.data->>'currency')
FROM facet.records s
JOIN facet.stores st ON st.store_id = s.store_id
LEFT JOIN zones z ON z.store_id = s.store_id
WHERE s.table_name = 'sales' AND NOT s.deleted AND s.data->>'status' = 'completed'
  AND {_DAY} BETWEEN %s AND %s
GROUP BY st.code, st.name, 3, day
ORDER BY day, st.code
"""

# A store's units of a counted item (facet.stock: one row per item and store that ever had a movement) at or
# below the item's reorder point; in transit shown beside, not counted, as the store's own report does.
_LOW_STOCK_BY_STORE = """
SELECT st.code, st.name, i.data->>'sku', i.data->>'title', s.on_hand, s.in_transit,
       (i.data->>'reorder_point')::bigint AS reorder_point
FROM facet.stock s
JOIN facet.records i ON i.table_name = 'items' AND i.row_id = s.item_id AND NOT i.deleted
JOIN facet.stores st ON st.store_id = s.store_id
WHERE i.data->>'tracking' = 'counted' AND i.data->>'reorder_point' IS NOT NULL
  AND s.on_hand <= (i.data->>'reorder_point')::bigint
ORDER BY st.code, s.on_hand - (i.data->>'reorder_point')::bigint, i.data->>'sku'
"""


def _aging_by_store(edges: Sequence[int]) -> str:
    """Units on hand at each store and their retail value per age bracket, every store and bracket (zeros
    included). The age is the store's own day at %(at)s less the item's received day; an item with no received
    day falls in the oldest bracket (its age is unknown: NULL), as the store's own Aging report counts it."""
    cases = " ".join(f"WHEN age <= {int(edge)} THEN {n}" for n, edge in enumerate(edges))
    return f"""
WITH {_ZONES}, held AS (
    SELECT s.store_id, s.on_hand, i.data->>'currency' AS currency,
           coalesce((i.data->>'price_cents')::bigint, 0) AS price_cents,
           (%(at)s::timestamptz AT TIME ZONE coalesce(z.tz, 'UTC'))::date - (i.data->>'received_on')::date AS age
    FROM facet.stock s
    JOIN facet.records i ON i.table_name = 'items' AND i.row_id = s.item_id AND NOT i.deleted
    LEFT JOIN zones z ON z.store_id = s.store_id
    WHERE s.on_hand > 0
), brackets AS (
    SELECT store_id, CASE {cases} ELSE {len(edges)} END AS bracket, currency,
           sum(on_hand) AS units, sum(price_cents * on_hand) AS retail
    FROM held GROUP BY 1, 2, 3
)
SELECT st.code, st.name, b.n, coalesce(a.currency, z.currency, ''), coalesce(a.units, 0), coalesce(a.retail, 0)
FROM facet.stores st
CROSS JOIN generate_series(0, {len(edges)}) AS b(n)
LEFT JOIN brackets a ON a.store_id = st.store_id AND a.bracket = b.n
LEFT JOIN zones z ON z.store_id = st.store_id
ORDER BY st.code, b.n, 4
"""


# Lab and report number on more than one certificate anywhere in the group (the store's own duplicate report's
# rule, over every store): each certificate with the piece it is on and that piece's store (its home store, where
# it is now), or, on no piece, the store that recorded it.
_DUPLICATE_CERTIFICATES = """
WITH certs AS (
    SELECT data->>'lab' AS lab, data->>'report_number' AS number, data->>'item_id' AS item_id,
           store_id AS recorded_by
    FROM facet.records WHERE table_name = 'certificates' AND NOT deleted
), repeated AS (
    SELECT lab, number FROM certs GROUP BY lab, number HAVING count(*) > 1
)
SELECT c.lab, c.number, st.code, st.name, coalesce(i.data->>'sku', ''), coalesce(i.data->>'title', '')
FROM certs c
JOIN repeated r ON r.lab = c.lab AND r.number = c.number
LEFT JOIN facet.records i ON i.table_name = 'items' AND i.row_id = c.item_id AND NOT i.deleted
JOIN facet.stores st ON st.store_id = coalesce(i.data->>'store_id', i.store_id, c.recorded_by)
ORDER BY c.lab, c.number, st.code, 5
"""


class CentralHeadOffice:
    """Reports read from central with an administrator URL (`pos-app central report ...`); `user` and `password`,
    when given, replace the URL's (the app asks for them beside the address)."""

    def __init__(self, url: str, *, user: str = "", password: str = "") -> None:
        where = describe(url)  # a clear message for a URL that is not one, before any connection
        login = {key: value for key, value in (("user", user), ("password", password)) if value}
        try:
            self._url = make_conninfo(url, **login) if login else url
        except psycopg.ProgrammingError:
            raise CentralProblem(f"central ({where}): the address is not a PostgreSQL URL") from None
        self._where = where

    def sales_by_store_day(self, first: dt.date, last: dt.date) -> list[StoreDaySales]:
        return [StoreDaySales(store_code=str(r[0]), store_name=str(r[1]), timezone=str(r[2]), day=r[3],
                              sales=int(r[4]), returns=int(r[5]), net_cents=int(r[6]), tax_cents=int(r[7]),
                              total_cents=int(r[8]), currency=str(r[9] or ""))
                for r in self._read(_SALES_BY_STORE_DAY, (first, last))]

    def low_stock_by_store(self) -> list[StoreLowStock]:
        return [StoreLowStock(store_code=str(r[0]), store_name=str(r[1]), sku=str(r[2]), title=str(r[3] or ""),
                              on_hand=int(r[4]), in_transit=int(r[5]), reorder_point=int(r[6]))
                for r in self._read(_LOW_STOCK_BY_STORE, ())]

    def aging_by_store(self, at: dt.datetime, edges: Sequence[int]) -> list[StoreAging]:
        ages = age_brackets(edges)
        return [StoreAging(store_code=str(r[0]), store_name=str(r[1]), bracket=int(r[2]), age=ages[int(r[2])],
                           currency=str(r[3]), units=int(r[4]), retail_cents=int(r[5]))
                for r in self._read(_aging_by_store(edges), {"at": at})]

    def duplicate_certificates(self) -> list[GroupCertificate]:
        return [GroupCertificate(lab=str(r[0]), report_number=str(r[1]), store_code=str(r[2]), store_name=str(r[3]),
                                 sku=str(r[4]), title=str(r[5]))
                for r in self._read(_DUPLICATE_CERTIFICATES, ())]

    def _read(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one report's statement, central's refusals and failures said as a person can act on them."""
        where = self._where
        try:
            with connect(self._url) as conn:
                return conn.execute(sql, params).fetchall()
        except LoginRefused:  # the person's to fix, in the password (or the name beside it)
            raise ValidationError("password", f"central ({where}) refused the administrator's login: wrong name "
                                              "or password") from None
        except CentralProblem as exc:
            if "no password supplied" in str(exc):
                raise ValidationError("password", f"central ({where}) asks for the administrator's password, and "
                                                  "none was given") from None
            raise
        except psycopg.errors.UndefinedTable:
            raise CentralProblem(f"central ({where}) has no Facet schema: it is not a sync group's central "
                                 "(check the database name), or pos-app central init was never run") from None
        except psycopg.errors.InsufficientPrivilege:
            raise CentralProblem(f"central ({where}): this login may not read the group's records; use the "
                                 "group's administrator (the login that ran pos-app central init)") from None
        except psycopg.Error as exc:
            raise _explain(exc, where) from None
