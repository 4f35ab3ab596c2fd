"""Joining, seeding and leaving a sync group: where the store file, the keyring and central meet.

Part of the composition root (like `app.py`): these steps build the store
file's sync side (`persistence/sync_repo.py`) and central's connections
(`adapters/central.py`) and hand them to `services/sync.py`.

- `central_init`: the owner, with PostgreSQL administrator rights, creates
  the central schema and its roles, makes this store the group's first (S1)
  and this counter its first counter, and seeds central from this store.
- `add_counter`: a one-time enrolment token for a new counter of a store
  (a new store is added to the group by name).
- `join_group`: on a new data folder, a counter enrols with its token,
  changes the token's password at once (the new one goes to the OS
  keyring, never a file or a log), and builds its store file from central's
  snapshot, with a progress callback.
- `link_for`: the counter's connection to central, from the keyring.
- `leave_group`: tell central, forget the login; the store file stays.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pos_app.adapters.central import (
    CentralAdmin,
    CentralLink,
    Credentials,
    LoginRefused,
    connect,
    describe,
    make_token,
    new_password,
    read_token,
    without_login,
)
from pos_app.domain.errors import CentralProblem, ValidationError
from pos_app.persistence.sync_repo import SqliteSyncLocal

SNAPSHOT_PAGE = 5_000
TOKEN_HOURS = 24

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Joined:
    store_code: str
    counter_code: str
    store_name: str
    rows: int
    central: str

    @property
    def terminal(self) -> str:
        return f"{self.store_code}-{self.counter_code}"


def _local(facet: Any) -> SqliteSyncLocal:
    return SqliteSyncLocal(facet.db)


class SyncGroup:
    """One opened store's place in a sync group (`Facet.sync()`): its file's side, its link to central."""

    def __init__(self, facet: Any) -> None:
        self._facet = facet

    @property
    def local(self) -> SqliteSyncLocal:
        return _local(self._facet)

    def link(self, *, timeout: float = 5) -> CentralLink:
        return link_for(self._facet, timeout=timeout)

    def central_init(self, url: str) -> Joined:
        return central_init(self._facet, url)

    def leave(self) -> None:
        leave_group(self._facet)


def link_for(facet: Any, *, timeout: float = 5) -> CentralLink:
    """This counter's connection to central (not yet opened: the first call connects)."""
    from pos_app.adapters.secrets import sync_login_name

    state = _local(facet).state()
    if not state.joined or not state.role_name or not state.central:
        raise CentralProblem("this counter has not joined a sync group (pos-app sync join)")
    password = facet.keyring.get(sync_login_name(facet.data_dir))
    if password is None:
        raise CentralProblem("this counter's login for central is not in the keyring: leave and join again")
    return CentralLink(state.central, Credentials(state.role_name, password), timeout=timeout)


def _enrol(facet: Any, url: str, credentials: Credentials) -> dict[str, Any]:
    from pos_app.adapters.secrets import sync_login_name

    local = _local(facet)
    secret = new_password()
    with CentralLink(url, credentials) as link:
        answer = link.enrol(local.state().device_id, socket.gethostname()[:60], secret)
    facet.keyring.set(sync_login_name(facet.data_dir), secret)
    code = f"{answer['store_code']}-{answer['counter_code']}"
    local.record(central=without_login(url), role_name=credentials.role, store_id=answer["store_id"],
                 store_code=answer["store_code"], counter_code=answer["counter_code"],
                 joined_at=dt.datetime.now(dt.UTC), offline_since=None, last_error=None)
    local.set_terminal(code)
    return answer


def central_init(facet: Any, url: str, *, seed: Progress | None = None) -> Joined:
    """Create central (or bring it to this Facet's schema), add this store and this counter, seed central."""
    from pos_app.services import sync

    local = _local(facet)
    state = local.state()
    if state.joined:
        raise ValidationError("store", f"already syncs with {state.central}: leave first (pos-app sync leave)")
    profile = facet.profile
    if profile is None or state.store_id is None:
        raise ValidationError("store", "is not set up yet (pos-app init)")
    admin = CentralAdmin(url)
    admin.upgrade()
    admin.add_store(profile.name, state.store_id)
    _, credentials = admin.add_counter(state.store_id)
    answer = _enrol(facet, without_login(url), credentials)
    rows = local.seed_outbox()
    with link_for(facet) as link:
        sync.sync_once(local, link)
    return Joined(answer["store_code"], answer["counter_code"], answer["store_name"], rows, describe(url))


def add_counter(url: str, store_id: str | None, store_name: str | None, *, hours: int = TOKEN_HOURS
                ) -> tuple[str, str, str]:
    """(store code, counter code, enrolment token) for a new counter of a store of the group (new store by
    name: `store_name` with no `store_id`)."""
    import uuid

    admin = CentralAdmin(url)
    if store_id is None:
        wanted = (store_name or "").strip()
        if not wanted:
            raise ValidationError("store", "is the name of a store of the group, or of a new one")
        found = [s for s in admin.stores() if s["name"].casefold() == wanted.casefold() or s["code"] == wanted]
        store_id = found[0]["id"] if found else str(uuid.uuid4())
        store_code = admin.add_store(wanted, store_id)
    else:
        store_code = admin.add_store(store_name or "", store_id)
    counter_code, credentials = admin.add_counter(store_id, valid_hours=hours)
    return store_code, counter_code, make_token(credentials)


def join_group(data_dir: Path, url: str, token: str, *, progress: Progress | None = None,
               set_up: Callable[[Any, dict[str, Any]], None] | None = None) -> Joined:
    """Make this data folder's store a counter of the group: enrol, then build the store from central.

    Refused when the folder already holds a store (its data would not be the group's). `set_up(facet,
    answer)` sets up a store central holds nothing of yet (a new store's first counter): its profile and
    owner; without it such a join is refused before anything is written."""
    from pos_app import app
    from pos_app.adapters.secrets import database_key_name, sync_login_name
    from pos_app.persistence.database import create_database, remove_store_files
    from pos_app.persistence.sqlcipher import new_key

    if app.store_exists(data_dir):
        raise ValidationError("data folder", f"{data_dir} already holds a store: join from a new, empty data folder "
                                             "(the store's data comes from central)")
    credentials = read_token(token)
    # A clear message for a wrong URL, token, password or certificate, before any file is made.
    try:
        connect(url, credentials).close()
    except LoginRefused:
        # The token's password is changed at enrolment: a used token fails here, like a wrong one.
        raise CentralProblem(f"central ({describe(url)}) refused this token's login (wrong password): a token works "
                             "once, so it was already used, or it is not for this central; ask the owner for a new "
                             "one (pos-app central add-counter)") from None
    keyring = app.secrets()
    had_key = keyring.get(database_key_name(data_dir))
    key = had_key or new_key()
    keyring.set(database_key_name(data_dir), key)
    db = create_database(data_dir, key)
    facet = app.Facet(data_dir, db, keyring)
    try:
        answer = _enrol(facet, url, credentials)
        local = _local(facet)
        rows = local_snapshot(facet, local, progress)
        if facet.store.directory.setting("terminal.code", None) is None or local.has_no_store():
            if set_up is None:
                raise ValidationError("store", f"{answer['store_name']} ({answer['store_code']}) has no data at "
                                               "central yet: give its profile and owner to set it up")
            set_up(facet, answer)
        local.set_terminal(f"{answer['store_code']}-{answer['counter_code']}")
        local.set_default_settings()
    except BaseException:
        facet.close()
        remove_store_files(db.path)
        # Nothing of a failed join stays: neither the key of a store that is gone nor a login for it.
        if had_key is None:
            keyring.delete(database_key_name(data_dir))
        keyring.delete(sync_login_name(data_dir))
        raise
    facet.close()
    return Joined(answer["store_code"], answer["counter_code"], answer["store_name"], rows, describe(url))


@dataclass(frozen=True)
class JoinPreview:
    """What a token joins, as central answers before anything is written (`preview_join`)."""

    store_code: str
    counter_code: str
    store_name: str
    central: str
    new_store: bool
    """Central holds nothing of the store yet: its first counter gives the profile and owner (`set_up=`)."""

    @property
    def terminal(self) -> str:
        return f"{self.store_code}-{self.counter_code}"


def preview_join(url: str, token: str) -> JoinPreview:
    """Which store and counter `token` joins at `url`, asked of central without using the token or writing
    anything, here or there; refused with `join_group`'s own messages (URL, port, password, used, expired or
    damaged token, certificate)."""
    credentials = read_token(token)
    try:
        link = CentralLink(url, credentials)
        link.conn  # noqa: B018 - connects: a wrong URL, port, password or certificate is told here
    except LoginRefused:
        # join_group's message (a used token fails the login, since enrolment changes its password).
        raise CentralProblem(f"central ({describe(url)}) refused this token's login (wrong password): a token works "
                             "once, so it was already used, or it is not for this central; ask the owner for a new "
                             "one (pos-app central add-counter)") from None
    with link:
        answer = link.preview_enrol("preview", socket.gethostname()[:60])
    return JoinPreview(answer["store_code"], answer["counter_code"], answer["store_name"], describe(url),
                       new_store=not answer["has_store"])


def local_snapshot(facet: Any, local: SqliteSyncLocal, progress: Progress | None) -> int:
    """Central's current rows written into this (new) store file, and the cursor they were read at."""
    with link_for(facet) as link:
        with link.repeatable_read():
            cursor = int(link.hello()["cursor"])
            total = link.snapshot_size()
            after = ("", "")
            done = 0
            while True:
                page = link.snapshot(after, SNAPSHOT_PAGE)
                rows = page["rows"]
                if rows:
                    local.load_snapshot(rows, cursor)
                    done += len(rows)
                if progress is not None:
                    progress(done, total)
                if page["last"] is None:
                    break
                after = (str(page["last"][0]), str(page["last"][1]))
    return done


def leave_group(facet: Any) -> None:
    """Leave the group: central marks this counter gone; the keyring forgets its login; the file stays."""
    from pos_app.adapters.secrets import sync_login_name

    with link_for(facet) as link:
        link.leave()
    facet.keyring.delete(sync_login_name(facet.data_dir))
    _local(facet).record(central=None, role_name=None, offline_since=None, last_error=None)


def verify_central_audit(admin_url: str) -> list[dict[str, Any]]:
    """Check every counter's audit chain as central holds it (each device keeps its own chain)."""
    from pos_app.persistence.audit_queries import check_events

    report = []
    for device_id, code, events in CentralAdmin(admin_url).audit_chains():
        count, bad, why = check_events(events)
        report.append({"device": device_id, "counter": code, "events": count, "ok": bad is None,
                       "first_bad_event": bad, "detail": why})
    return report
