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
import json
import queue
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
READ_AHEAD = 2  # snapshot pages read from central ahead of the one being written
FINISH_SHARE = 4  # the load's finishing steps count as a quarter of its rows on the progress bar
JOINING_DIR = ".joining"  # where a join builds the store; moved into the data folder once whole
JOIN_MARK = "sync-join.json"  # an enrolled counter's role and device id until its join finishes (no secret)
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
    owner; without it such a join is refused once enrolled (and can be run again with it).

    The store is built apart, in `JOINING_DIR` inside the folder, and moved in only once whole: a join
    that stops half-way (central gone, the network down, the laptop closed, the process killed) leaves a
    folder that holds no store. A join that fails after enrolling keeps the enrolment (the counter's login
    in the keyring, its identity in `JOIN_MARK`): the same command on the same folder takes central's
    snapshot again without a new token, while a token whose counter finished joining stays refused (its
    password was changed at enrolment; the folder then holds a store)."""
    from pos_app import app
    from pos_app.adapters.secrets import database_key_name, sync_login_name
    from pos_app.persistence.database import create_database
    from pos_app.persistence.sqlcipher import new_key

    if app.store_exists(data_dir):
        raise ValidationError("data folder", f"{data_dir} already holds a store: join from a new, empty data folder "
                                             "(the store's data comes from central)")
    credentials = read_token(token)
    keyring = app.secrets()
    resumed = _enrolled_before(data_dir, url, credentials, keyring)
    if resumed is None:
        # A clear message for a wrong URL, token, password or certificate, before any file is made.
        try:
            connect(url, credentials).close()
        except LoginRefused:
            raise _token_refused(url) from None
    _clear_half_made(data_dir)
    had_key = keyring.get(database_key_name(data_dir))
    key = had_key or new_key()
    keyring.set(database_key_name(data_dir), key)
    staging = data_dir / JOINING_DIR
    db = create_database(staging, key)
    facet = app.Facet(data_dir, db, keyring)
    local = _local(facet)
    secret = new_password()
    enrolled: bool | None = resumed is not None
    try:
        if resumed is not None:
            credentials = resumed["credentials"]
            local.record(device_id=resumed["device_id"])
            with CentralLink(url, credentials) as link:
                answer = _identity(link.hello())
        else:
            device_id = local.state().device_id
            # Kept before central hears of it: a join cut off at enrolment can tell whether it enrolled.
            keyring.set(sync_login_name(data_dir), secret)
            _write_mark(data_dir, {"role": credentials.role, "device_id": device_id, "central": without_login(url)})
            enrolled = None
            with CentralLink(url, credentials) as link:
                answer = link.enrol(device_id, socket.gethostname()[:60], secret)
            enrolled = True
            credentials = Credentials(credentials.role, secret)
        _record_identity(local, url, credentials.role, answer)
        rows = local_snapshot(facet, local, progress)
        if facet.store.directory.setting("terminal.code", None) is None or local.has_no_store():
            if set_up is None:
                raise ValidationError("store", f"{answer['store_name']} ({answer['store_code']}) has no data at "
                                               "central yet: give its profile and owner to set it up")
            set_up(facet, answer)
        local.set_terminal(f"{answer['store_code']}-{answer['counter_code']}")
        local.set_default_settings()
        local.mark_store_settings_sent()  # the snapshot brought them (and the defaults are journaled)
        facet.close()
        _move_in(staging, data_dir)
        (data_dir / JOIN_MARK).unlink(missing_ok=True)
    except BaseException as failure:
        facet.close()
        shutil.rmtree(staging, ignore_errors=True)
        if had_key is None:
            keyring.delete(database_key_name(data_dir))
        if enrolled is None:
            enrolled = _login_opens(url, Credentials(credentials.role, secret))
        if enrolled is False:
            # Nothing of a join central never enrolled stays: neither a login for it nor its identity.
            keyring.delete(sync_login_name(data_dir))
            (data_dir / JOIN_MARK).unlink(missing_ok=True)
        elif isinstance(failure, CentralProblem):
            raise CentralProblem(f"{failure}. This counter is enrolled: run the same pos-app sync join on the same "
                                 "data folder again to take central's data again (no new token is needed)") from None
        raise
    return Joined(answer["store_code"], answer["counter_code"], answer["store_name"], rows, describe(url))


def _token_refused(url: str) -> CentralProblem:
    """Central refused the token's login. Enrolment changes its password, so a used token fails like a wrong one."""
    return CentralProblem(f"central ({describe(url)}) refused this token's login (wrong password): a token works "
                          "once, so it was already used (a join that failed after enrolling is taken up again by the "
                          "same join on the same data folder), or it is not for this central; ask the owner for a "
                          "new one (pos-app central add-counter)")


@dataclass(frozen=True)
class JoinPreview:
    """What a token joins, as central answers before anything is written (`preview_join`)."""

    store_code: str
    counter_code: str
    store_name: str
    central: str
    new_store: bool
    """Central holds nothing of the store yet: its first counter gives the profile and owner (`set_up=`)."""
    resumed: bool = False
    """This folder's join of the token enrolled and stopped before its end: joining takes it up (the token's
    own password is used up; the login the keyring kept for the folder answers)."""

    @property
    def terminal(self) -> str:
        return f"{self.store_code}-{self.counter_code}"


def preview_join(url: str, token: str, data_dir: Path | None = None) -> JoinPreview:
    """Which store and counter `token` joins at `url`, asked of central without using the token or writing
    anything, here or there; refused with `join_group`'s own messages (URL, port, password, used, expired or
    damaged token, certificate). With `data_dir`, a join of the token that enrolled there and stopped before
    its end is taken up (`resumed`): central answers who the folder already is, not "the token was used"."""
    credentials = read_token(token)
    if data_dir is not None:
        from pos_app import app

        earlier = _enrolled_before(data_dir, url, credentials, app.secrets())
        if earlier is not None:
            with CentralLink(url, earlier["credentials"]) as link:
                answer = _identity(link.hello())
                has_store = link.has_store()
            return JoinPreview(answer["store_code"], answer["counter_code"], answer["store_name"], describe(url),
                               new_store=not has_store, resumed=True)
    try:
        link = CentralLink(url, credentials)
        link.conn  # noqa: B018 - connects: a wrong URL, port, password or certificate is told here
    except LoginRefused:
        raise _token_refused(url) from None
    with link:
        answer = link.preview_enrol("preview", socket.gethostname()[:60])
    return JoinPreview(answer["store_code"], answer["counter_code"], answer["store_name"], describe(url),
                       new_store=not answer["has_store"])


def _enrolled_before(data_dir: Path, url: str, credentials: Credentials, keyring: Any) -> dict[str, Any] | None:
    """A join of this token on this folder that enrolled and did not finish: its identity and the login the
    keyring keeps for it, or None (no such join, or central does not take that login: enrol afresh)."""
    from pos_app.adapters.secrets import sync_login_name

    try:
        mark = json.loads((data_dir / JOIN_MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    password = keyring.get(sync_login_name(data_dir))
    if not isinstance(mark, dict) or mark.get("role") != credentials.role or password is None:
        return None
    kept = Credentials(credentials.role, password)
    try:
        connect(url, kept).close()
    except LoginRefused:
        return None  # cut off before central enrolled it: the token's own password still opens
    return {"credentials": kept, "device_id": str(mark["device_id"])}


def _login_opens(url: str, credentials: Credentials) -> bool | None:
    """Whether central takes this login (None: central cannot be asked now)."""
    try:
        connect(url, credentials).close()
    except LoginRefused:
        return False
    except CentralProblem:
        return None
    return True


def _identity(hello: dict[str, Any]) -> dict[str, Any]:
    """What enrolment answered (store id, store code and name, counter code), from central's hello."""
    store: dict[str, Any] = next((s for s in hello.get("stores", []) if s["id"] == hello["store_id"]), {})
    return {"store_id": hello["store_id"], "store_code": store.get("code", ""), "store_name": store.get("name", ""),
            "counter_code": hello["counter_code"]}


def _record_identity(local: SqliteSyncLocal, url: str, role: str, answer: dict[str, Any]) -> None:
    local.record(central=without_login(url), role_name=role, store_id=answer["store_id"],
                 store_code=answer["store_code"], counter_code=answer["counter_code"],
                 joined_at=dt.datetime.now(dt.UTC), offline_since=None, last_error=None)
    local.set_terminal(f"{answer['store_code']}-{answer['counter_code']}")


def _write_mark(data_dir: Path, mark: dict[str, Any]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    part = data_dir / (JOIN_MARK + ".part")
    part.write_text(json.dumps(mark), encoding="utf-8")
    part.replace(data_dir / JOIN_MARK)


def _clear_half_made(data_dir: Path) -> None:
    """What a join that stopped half-way left (never a store: `join_group` refuses a folder holding one)."""
    from pos_app.persistence.audit_queries import ANCHOR_NAME
    from pos_app.persistence.database import DB_NAME

    shutil.rmtree(data_dir / JOINING_DIR, ignore_errors=True)
    if (data_dir / JOIN_MARK).exists():
        # Stopped while moving the store in: the files that went before the store file itself.
        for name in (ANCHOR_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
            (data_dir / name).unlink(missing_ok=True)


def _move_in(staging: Path, data_dir: Path) -> None:
    """The finished store moved into the folder, its file last: until then the folder holds no store."""
    from pos_app.persistence.audit_queries import ANCHOR_NAME
    from pos_app.persistence.database import DB_NAME

    for name in (ANCHOR_NAME, DB_NAME + "-wal", DB_NAME + "-shm", DB_NAME):
        if (staging / name).exists():
            (staging / name).replace(data_dir / name)
    shutil.rmtree(staging, ignore_errors=True)


def local_snapshot(facet: Any, local: SqliteSyncLocal, progress: Progress | None) -> int:
    """Central's current rows written into this (new) store file, and the cursor they were read at.

    Central's pages are read ahead on a thread of their own (central builds the next page while this file
    writes the last; at most `READ_AHEAD` pages wait in memory), and written by one bulk load
    (`SnapshotLoad`). `progress(done, total)` moves over the whole of it: the rows central counts first, then
    the finishing steps (indexes, full text, stock sums) as a share of them (`FINISH_SHARE`)."""
    with link_for(facet) as link:
        with link.repeatable_read():
            cursor = int(link.hello()["cursor"])
            size = link.snapshot_size()
            finishing = max(1, size // FINISH_SHARE)
            total = size + finishing
            done = 0
            if progress is not None:
                progress(0, total)
            with local.snapshot_load() as load, _read_ahead(link) as pages:
                for rows in pages:
                    load.add(rows)
                    done += len(rows)
                    if progress is not None:
                        progress(min(done, size), total)
                if progress is not None:
                    progress(size, total)

                def finished(step: int, steps: int) -> None:
                    if progress is not None:
                        progress(size + finishing * step // max(steps, 1), total)

                load.finish(cursor, finished)
    return done


@contextmanager
def _read_ahead(link: CentralLink) -> Iterator[Iterator[list[Any]]]:
    """Central's snapshot pages in order, read on a thread while the caller writes the ones before."""
    pages: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                pages.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        after = ("", "")
        try:
            while not stop.is_set():
                page = link.snapshot(after, SNAPSHOT_PAGE)
                if page["rows"] and not put(("rows", page["rows"])):
                    return
                if page["last"] is None:
                    break
                after = (str(page["last"][0]), str(page["last"][1]))
            put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread, which raises it
            put(("error", exc))

    reader = threading.Thread(target=read, name="snapshot-reader", daemon=True)

    def taken() -> Iterator[list[Any]]:
        while True:
            kind, value = pages.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value

    reader.start()
    try:
        yield taken()
    finally:
        stop.set()
        reader.join()


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
