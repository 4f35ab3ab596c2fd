"""The sync target: a sync group's central PostgreSQL, reached directly with psycopg 3.

Two kinds of connection, two classes:

- `CentralLink`: a counter's own login (one PostgreSQL role per counter).
  It can only call the `facet.*` sync functions of the central schema
  (`db/central/versions/`): hello, enrol, push, pull, snapshot, the
  manager's queue, leave. Every call names the central schema revision this
  Facet speaks (`CENTRAL_REVISION`); central refuses a mismatch and says
  which side to upgrade.
- `CentralAdmin`: the owner's administrator URL, for `pos-app central ...`:
  creating and upgrading the central schema (Alembic, its own version line
  in `db/central/`), adding stores and counters, vacuuming after erasures.

Connections use the URL's TLS settings as given (`sslmode=verify-full` and
`sslrootcert=...` outside of tests). Passwords never reach a log or a
message: errors are turned into `CentralProblem`s that name the host, never
the credentials.

An enrolment token (`FCT1.` and base64 of the counter's role and a
one-time password) is what `central add-counter` prints and `sync join`
reads; the counter changes that password at once, so a token seen later
opens nothing.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pos_app.domain.errors import CentralProblem

# The central schema revision this Facet speaks (db/central/versions/).
CENTRAL_REVISION = "c0005"
CHANNEL = "facet_changes"
TOKEN_PREFIX = "FCT1."
CONNECT_TIMEOUT_S = 5
# libpq's TCP keepalive and user timeout on every connection to central: a link that died without a word (a
# router dropped, a cable pulled, a laptop slept) is noticed within ~30 s instead of the operating system's
# default of two hours, so a sync round that waits on it fails and backs off instead of hanging. A URL that
# sets one of these keeps its own value.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
             "tcp_user_timeout": 30_000}  # seconds, seconds, probes, milliseconds


@dataclass(frozen=True)
class Credentials:
    role: str
    password: str = ""


def describe(url: str) -> str:
    """Where central is, for a person to read: host:port/database, never a user or password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise CentralProblem(f"central URL: not a PostgreSQL URL ({_first_line(exc)})") from None
    host = parts.get("host") or "localhost"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


def without_login(url: str) -> str:
    """The URL with its user and password taken out (what a counter keeps in its store file)."""
    parts = {k: v for k, v in conninfo_to_dict(url).items() if k not in ("user", "password")}
    return make_conninfo(**{k: str(v) for k, v in parts.items()})


def make_token(credentials: Credentials) -> str:
    raw = json.dumps({"r": credentials.role, "p": credentials.password}, separators=(",", ":")).encode()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str) -> Credentials:
    """The counter's login in an enrolment token; a clear message for anything else."""
    text = token.strip()
    if not text.startswith(TOKEN_PREFIX):
        raise CentralProblem("token: not a Facet enrolment token (it starts with FCT1.): copy it whole")
    body = text[len(TOKEN_PREFIX):]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return Credentials(role=str(data["r"]), password=str(data["p"]))
    except (ValueError, KeyError, TypeError):
        raise CentralProblem("token: damaged (a character is missing or changed): copy it whole") from None


def new_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


class LoginRefused(CentralProblem):
    """Central refused the login itself (its password is wrong, or the role is gone)."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _explain(exc: psycopg.Error, where: str) -> CentralProblem:
    """A psycopg error as a message a person can act on (never the password)."""
    state = getattr(exc, "sqlstate", None) or ""
    diag = getattr(exc, "diag", None)
    primary = (diag.message_primary if diag is not None else None) or _first_line(exc)
    if state.startswith("FC"):
        return CentralProblem(f"central ({where}) refused: {primary}")
    text = str(exc)
    if "password authentication failed" in text:
        return LoginRefused(f"central ({where}) refused the login: wrong password, or the counter was removed")
    if "certificate verify failed" in text or "server certificate" in text or "certificate" in text.lower():
        return CentralProblem(f"central ({where}): its TLS certificate does not match this URL or the trusted "
                              f"certificate (sslrootcert): {_first_line(exc)}")
    if "does not exist" in text and "database" in text:
        return CentralProblem(f"central ({where}): no such database")
    if isinstance(exc, psycopg.OperationalError):
        return CentralProblem(f"central ({where}) is not reachable: {_first_line(exc)}")
    return CentralProblem(f"central ({where}): {primary}")


def connect(url: str, credentials: Credentials | None = None, *, autocommit: bool = True,
            timeout: float = CONNECT_TIMEOUT_S) -> psycopg.Connection[Any]:
    where = describe(url)
    extra: dict[str, Any] = {"connect_timeout": max(1, int(timeout)), "application_name": "facet"}
    given = conninfo_to_dict(url)
    extra.update({k: v for k, v in KEEPALIVE.items() if k not in given})
    if credentials is not None:
        extra.update(user=credentials.role, password=credentials.password)
    try:
        return psycopg.connect(url, autocommit=autocommit, **extra)
    except psycopg.Error as exc:
        raise _explain(exc, where) from None


class CentralLink:
    """A counter's connection to central; every method is one call of a `facet.*` function."""

    def __init__(self, url: str, credentials: Credentials, *, timeout: float = CONNECT_TIMEOUT_S) -> None:
        self.url = url
        self.where = describe(url)
        self._credentials = credentials
        self._timeout = timeout
        self._conn: psycopg.Connection[Any] | None = None
        self._listener: psycopg.Connection[Any] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def conn(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.url, self._credentials, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        for conn in (self._conn, self._listener):
            if conn is not None and not conn.closed:
                conn.close()
        self._conn = self._listener = None

    def _call(self, function: str, *args: Any) -> Any:
        placeholders = sql.SQL(", ").join(sql.Placeholder() * len(args))
        query = sql.SQL("SELECT facet.{}({})").format(sql.Identifier(function), placeholders)
        try:
            row = self.conn.execute(query, args).fetchone()
        except psycopg.Error as exc:
            if self._conn is not None and self._conn.broken:
                self._conn = None
            raise _explain(exc, self.where) from None
        return None if row is None else row[0]

    @contextmanager
    def repeatable_read(self) -> Iterator[None]:
        """Calls inside one REPEATABLE READ transaction: one consistent view (a snapshot and its cursor)."""
        conn = self.conn
        conn.autocommit = False
        try:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
            conn.commit()
        except BaseException as exc:
            if not conn.closed and not conn.broken:
                conn.rollback()
            if isinstance(exc, psycopg.Error):  # central gone between calls: a message, like the calls' own
                raise _explain(exc, self.where) from None
            raise
        finally:
            if not conn.closed:
                conn.autocommit = True

    def enrol(self, device_id: str, name: str, new_secret: str) -> dict[str, Any]:
        """Claim the enrolment (once) and change this login's password to `new_secret`, in one transaction:
        central never holds an enrolment whose login still opens with the token's password, nor the reverse,
        so a join cut off here is either not enrolled (the token works again) or enrolled with `new_secret`."""
        try:
            with self.conn.transaction():
                result = self._call("enrol", CENTRAL_REVISION, device_id, name)
                self.conn.execute(sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(sql.Literal(new_secret)))
        except psycopg.Error as exc:
            raise _explain(exc, self.where) from None
        self._credentials = Credentials(self._credentials.role, new_secret)
        return dict(result)

    def hello(self) -> dict[str, Any]:
        return dict(self._call("hello", CENTRAL_REVISION))

    def preview_enrol(self, device_id: str, name: str) -> dict[str, Any]:
        """What enrolling would answer (store id, code and name, counter code), and `has_store`: whether
        central holds the store's profile yet (False: a new store, whose first counter sets it up).

        Run as `enrol` and a look at the snapshot's `stores` rows in one transaction that is rolled back:
        central keeps nothing, so the token stays unused; a used or expired token is refused as by `enrol`."""
        conn = self.conn
        conn.autocommit = False
        try:
            answer = dict(self._call("enrol", CENTRAL_REVISION, device_id, name))
            answer["has_store"] = self.has_store()
        finally:
            if not conn.closed:
                conn.rollback()
                conn.autocommit = True
        return answer

    def has_store(self) -> bool:
        """Whether central's snapshot holds a `stores` row (the store's profile) for this login to read."""
        after = ("stores", "")
        while True:
            page = self.snapshot(after, 100)
            if any(row[0] == "stores" for row in page["rows"]):
                return True
            if page["last"] is None or page["last"][0] != "stores":
                return False
            after = (str(page["last"][0]), str(page["last"][1]))

    def push(self, seen: int, batch: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return dict(self._call("push", CENTRAL_REVISION, seen, psycopg.types.json.Jsonb(list(batch))))

    def push_audit(self, events: Sequence[dict[str, Any]]) -> int:
        return int(self._call("push_audit", CENTRAL_REVISION, psycopg.types.json.Jsonb(list(events))))

    def pull(self, cursor: int, limit: int) -> dict[str, Any]:
        return dict(self._call("pull", CENTRAL_REVISION, cursor, limit))

    def snapshot_size(self) -> int:
        return int(self._call("snapshot_size", CENTRAL_REVISION))

    def snapshot(self, after: tuple[str, str], limit: int) -> dict[str, Any]:
        return dict(self._call("snapshot", CENTRAL_REVISION, after[0], after[1], limit))

    def open_cases(self) -> dict[str, Any]:
        return dict(self._call("open_cases", CENTRAL_REVISION))

    def resolve(self, kind: str, case_id: int, resolution: str, by: str) -> bool:
        return bool(self._call("resolve", CENTRAL_REVISION, kind, case_id, resolution, by))

    def leave(self) -> None:
        self._call("leave", CENTRAL_REVISION)

    # ------------------------------------------------------------ being woken

    def listen(self) -> None:
        """Start listening for central's "new changes" notifications (on a connection of its own)."""
        if self._listener is None or self._listener.closed:
            self._listener = connect(self.url, self._credentials, timeout=self._timeout)
            self._listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds for a notification; True if one came. Listens first if needed."""
        self.listen()
        assert self._listener is not None
        try:
            for _ in self._listener.notifies(timeout=timeout, stop_after=1):
                return True
        except psycopg.Error as exc:
            self._listener = None
            raise _explain(exc, self.where) from None
        return False


class CentralAdmin:
    """The owner's administrator connection: the central schema, stores and counters."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = describe(url)

    def _sqlalchemy_url(self) -> str:
        parts = {k: str(v) for k, v in conninfo_to_dict(self.url).items() if v is not None}
        from sqlalchemy.engine import URL

        query = {k: v for k, v in parts.items() if k not in ("host", "port", "dbname", "user", "password")}
        return URL.create("postgresql+psycopg", username=parts.get("user"), password=parts.get("password"),
                          host=parts.get("host"), port=int(parts["port"]) if parts.get("port") else None,
                          database=parts.get("dbname"), query=query).render_as_string(hide_password=False)

    def revision(self) -> str | None:
        with connect(self.url) as conn:
            try:
                row = conn.execute("SELECT version_num FROM facet.alembic_version").fetchone()
            except psycopg.errors.UndefinedTable:
                return None
            except psycopg.Error as exc:
                raise _explain(exc, self.where) from None
        return None if row is None else str(row[0])

    def upgrade(self) -> str:
        """Create or migrate the central schema to this Facet's revision; returns the revision reached."""
        connect(self.url).close()  # a clear message for a bad URL, password or certificate, before Alembic
        from alembic import command
        from alembic.config import Config
        from sqlalchemy import create_engine

        from pos_app import paths

        config = Config()
        config.set_main_option("script_location", str(paths.migrations() / "central"))
        engine = create_engine(self._sqlalchemy_url(), connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        try:
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, CENTRAL_REVISION)
        except Exception as exc:
            cause = getattr(exc, "orig", exc)
            if isinstance(cause, psycopg.Error):
                raise _explain(cause, self.where) from None
            raise
        finally:
            engine.dispose()
        return CENTRAL_REVISION

    def _counter_group(self, conn: psycopg.Connection[Any]) -> str:
        row = conn.execute("SELECT value FROM facet.info WHERE key = 'counter_role'").fetchone()
        if row is None:
            raise CentralProblem(f"central ({self.where}) has no Facet schema: run pos-app central init first")
        return str(row[0])

    def add_store(self, name: str, store_id: str) -> str:
        """The store's code in the group (S1, S2, ...); made if the store is new."""
        with connect(self.url) as conn:
            self._counter_group(conn)
            row = conn.execute("SELECT code FROM facet.stores WHERE store_id = %s", (store_id,)).fetchone()
            if row is not None:
                return str(row[0])
            count = conn.execute("SELECT count(*) FROM facet.stores").fetchone()
            code = f"S{int(count[0] if count else 0) + 1}"
            conn.execute("INSERT INTO facet.stores (store_id, code, name) VALUES (%s, %s, %s)", (store_id, code, name))
            return code

    def stores(self) -> list[dict[str, str]]:
        with connect(self.url) as conn:
            rows = conn.execute("SELECT store_id, code, name FROM facet.stores ORDER BY code").fetchall()
        return [{"id": str(r[0]), "code": str(r[1]), "name": str(r[2])} for r in rows]

    def add_counter(self, store_id: str, *, valid_hours: int = 24) -> tuple[str, Credentials]:
        """A new counter of the store: its code (C1, C2...) and a login to enrol with (in a token)."""
        credentials = Credentials(role="", password=new_password())
        with connect(self.url) as conn:
            group = self._counter_group(conn)
            with conn.transaction():
                conn.execute("LOCK TABLE facet.counters IN SHARE ROW EXCLUSIVE MODE")
                count = conn.execute("SELECT count(*) FROM facet.counters WHERE store_id = %s",
                                     (store_id,)).fetchone()
                code = f"C{int(count[0] if count else 0) + 1}"
                prefix = group.removesuffix("_counter")
                role = f"{prefix}_{secrets.token_hex(4)}"[:63]
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(role), sql.Literal(credentials.password), sql.Identifier(group)))
                conn.execute("INSERT INTO facet.counters (role_name, store_id, counter_code, expires_at) "
                             "VALUES (%s, %s, %s, now() + make_interval(hours => %s))",
                             (role, store_id, code, valid_hours))
        return code, Credentials(role=role, password=credentials.password)

    def audit_chains(self) -> Iterator[tuple[str, str, Iterator[dict[str, Any]]]]:
        """Every counter's audit chain as central holds it: (device id, "S1-C2", its events in order)."""
        with connect(self.url) as conn:
            devices = conn.execute(
                "SELECT DISTINCT a.device_id, coalesce(s.code || '-' || c.counter_code, a.device_id) "
                "FROM facet.audit_events a LEFT JOIN facet.counters c ON c.device_id = a.device_id "
                "LEFT JOIN facet.stores s ON s.store_id = c.store_id ORDER BY 2").fetchall()
            for device_id, code in devices:
                def events(device: str = str(device_id)) -> Iterator[dict[str, Any]]:
                    last = 0
                    while True:
                        page = conn.execute("SELECT seq, data FROM facet.audit_events WHERE device_id = %s "
                                            "AND seq > %s ORDER BY seq LIMIT 5000", (device, last)).fetchall()
                        for _, data in page:
                            yield dict(data)
                        if len(page) < 5000:
                            return
                        last = int(page[-1][0])

                yield str(device_id), str(code), events()

    def vacuum(self) -> None:
        """VACUUM the tables an erasure rewrites, so no dead row version keeps what was erased."""
        with connect(self.url) as conn:
            for table in ("records", "changes", "conflicts"):
                conn.execute(sql.SQL("VACUUM (ANALYZE) facet.{}").format(sql.Identifier(table)))
