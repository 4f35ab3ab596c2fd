"""`HeadOfficeReader` over central's PostgreSQL: the head office's reports across a group's stores.

Central keeps every synced row in `facet.records` as JSON of the store file's
columns, with the store it came from (`store_id`); a store's own time zone is
in its `stores` record (pushed by that store's counters only). The report runs as the administrator (the group's
owner): counters have no read access to central's tables at all.
"""

from __future__ import annotations

import datetime as dt

import psycopg

from pos_app.adapters.central import _explain, connect, describe
from pos_app.services.ports.head_office import StoreDaySales

# A sale's completion time is stored as UTC text; its day is the selling store's local day.
_DAY = "((s.data->>'completed_at')::timestamp AT TIME ZONE 'UTC' AT TIME ZONE coalesce(z.tz, 'UTC'))::date"

_SALES_BY_STORE_DAY = f"""
WITH zones AS (  -- each store's time zone, from its own `stores` row (only its counters write it)
    SELECT DISTINCT ON (store_id) store_id, data->>'timezone' AS tz FROM facet.records
    WHERE table_name = 'stores' AND NOT deleted ORDER BY store_id, server_seq DESC)
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


class CentralHeadOffice:
    """Reports read from central with an administrator URL (`pos-app central report ...`)."""

    def __init__(self, url: str) -> None:
        self._url = url

    def sales_by_store_day(self, first: dt.date, last: dt.date) -> list[StoreDaySales]:
        try:
            with connect(self._url) as conn:
                rows = conn.execute(_SALES_BY_STORE_DAY, (first, last)).fetchall()
        except psycopg.errors.UndefinedTable:
            from pos_app.domain.errors import CentralProblem

            raise CentralProblem(f"central ({describe(self._url)}) has no Facet schema: run pos-app central init "
                                 "first") from None
        except psycopg.Error as exc:
            raise _explain(exc, describe(self._url)) from None
        return [StoreDaySales(store_code=str(r[0]), store_name=str(r[1]), timezone=str(r[2]), day=r[3],
                              sales=int(r[4]), returns=int(r[5]), net_cents=int(r[6]), tax_cents=int(r[7]),
                              total_cents=int(r[8]), currency=str(r[9] or "")) for r in rows]
