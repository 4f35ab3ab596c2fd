"""`HeadOfficeReader` over central's PostgreSQL: the head office's reports across a group's stores.

Central keeps every synced row in `facet.records` as JSON of the store file's
columns, with the store it came from (`store_id`); a store's own time zone is
in its `stores` record (pushed by that store's counters only). The report runs as the administrator (the group's
owner): counters have no read access to central's tables at all.

The administrator's login comes with the URL (`postgresql://USER:PASSWORD@HOST/DB?...`, as the command line
takes it), or beside it (`user=`, `password=`: the app's Head office tab, where the owner types them), or
from libpq's own places (PGPASSWORD, ~/.pgpass). The password is used for the connection only: never kept,
never in a message or a log.
"""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg.conninfo import make_conninfo

from pos_app.adapters.central import LoginRefused, _explain, connect, describe
from pos_app.domain.errors import CentralProblem, ValidationError
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
        where = self._where
        try:
            with connect(self._url) as conn:
                rows = conn.execute(_SALES_BY_STORE_DAY, (first, last)).fetchall()
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
        return [StoreDaySales(store_code=str(r[0]), store_name=str(r[1]), timezone=str(r[2]), day=r[3],
                              sales=int(r[4]), returns=int(r[5]), net_cents=int(r[6]), tax_cents=int(r[7]),
                              total_cents=int(r[8]), currency=str(r[9] or "")) for r in rows]
