"""Composition root: data folder -> keyring -> encrypted store -> services.

The GUI and the CLI both start here. Building a `Facet` opens the store with
its raw key and nothing more; SQLAlchemy, Alembic and the heavier adapters
load when first used.
"""

from __future__ import annotations

import getpass
import logging
import logging.handlers
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor, Permission, Role

if TYPE_CHECKING:
    from pos_app.adapters.erasure_log import ErasureLogFile
    from pos_app.adapters.export_files import ExportFolder
    from pos_app.adapters.files import LocalFiles
    from pos_app.adapters.hashing import Argon2Hasher
    from pos_app.adapters.head_office import CentralHeadOffice
    from pos_app.adapters.secrets import KeyringSecrets, KeyringStatus
    from pos_app.domain.restore import RestoreUndo
    from pos_app.persistence.database import LocalDatabase
    from pos_app.persistence.store import SqliteStore
    from pos_app.persistence.uow import SqlUnitOfWork
    from pos_app.services.ports.devices import CardTerminal, Devices, ReaderRegistry, ReceiptPrinter
    from pos_app.services.ports.settings import StoreProfile
    from pos_app.services.setup import OwnerAccount
    from pos_app.sync_group import SyncGroup

log = logging.getLogger("pos_app")
APP_NAME = "facet"


def resolve_data_dir(option: str | None = None) -> Path:
    """`--data-dir`, else FACET_DATA_DIR, else the platform's user data folder."""
    chosen = option or os.environ.get("FACET_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)).resolve()


def configure_logging(data_dir: Path, *, verbose: bool = False) -> None:
    """Log to `<data>/logs/facet.log` (rotated). Logs never hold customer data or secrets."""
    root = logging.getLogger("pos_app")
    if any(getattr(h, "_facet", False) for h in root.handlers):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        if not data_dir.is_dir():
            raise FileNotFoundError(data_dir)  # no store here yet: log to stderr, create nothing
        logs = data_dir / "logs"
        logs.mkdir(exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            logs / "facet.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._facet = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def secrets() -> KeyringSecrets:
    from pos_app.adapters.secrets import KeyringSecrets

    return KeyringSecrets()


@dataclass
class Facet:
    """An opened store and what its services need; one per process."""

    data_dir: Path
    db: LocalDatabase
    keyring: KeyringSecrets
    actor: Actor | None = None  # the command line's signed-in person or job (see cli.core.signed_in)

    def uow(self) -> SqlUnitOfWork:
        return self.db.unit_of_work()

    def connection(self) -> Any:
        """A new raw connection for read-only queries (one per thread)."""
        return self.db.connect()

    @cached_property
    def store(self) -> SqliteStore:
        """The store handle on this process's own connection (the GUI thread's, or the command's)."""
        from pos_app.persistence.store import SqliteStore

        return SqliteStore(self.db, self._conn)

    def open_store(self) -> SqliteStore:
        """A store handle on a new connection of its own, for another thread; close it when done."""
        from pos_app.persistence.store import SqliteStore

        return SqliteStore(self.db)

    @property
    def devices(self) -> Devices:
        """The printer, the card reader, the hasher and the files beside the store (this object makes them)."""
        return self

    def sync(self) -> SyncGroup:
        """This store's place in a sync group: its file's side and its link to central (`sync_group.py`)."""
        from pos_app.sync_group import SyncGroup

        return SyncGroup(self)

    def head_office(self, url: str, *, user: str = "", password: str = "") -> CentralHeadOffice:
        """Central read as the group's administrator, for the head office's reports (`services/head_office.py`);
        the password is held for this reader's connections only."""
        from pos_app.adapters.head_office import CentralHeadOffice

        return CentralHeadOffice(url, user=user, password=password)

    @property
    def files(self) -> LocalFiles:
        """Where documents and exports the person asked for are written (whole or not at all, mode 0600)."""
        from pos_app.adapters.files import LocalFiles

        return LocalFiles()

    @cached_property
    def _conn(self) -> Any:
        return self.db.connect()

    def erasure_log(self) -> ErasureLogFile:
        """The log of erased customers kept beside the store (re-applied after a restore)."""
        from pos_app.adapters.erasure_log import ErasureLogFile

        return ErasureLogFile(self.data_dir)

    def export_files(self) -> ExportFolder:
        """The privacy exports of this store's data folder (deleted when delivered or the customer is erased)."""
        from pos_app.adapters.export_files import ExportFolder

        return ExportFolder(self.data_dir)

    def payment_keys(self) -> KeyringSecrets:
        """Where the Stripe key is kept: the keyring (Devices)."""
        return self.keyring

    def secrets_status(self) -> KeyringStatus:
        """The keyring's backend and its warning (Devices)."""
        return self.keyring.status

    def store_file(self) -> LocalDatabase:
        """The store's file, to scrub after an erasure or a retention run (Devices)."""
        return self.db

    @cached_property
    def terminal(self) -> str:
        return str(self.store.directory.setting("terminal.code", "C1"))

    @cached_property
    def profile(self) -> StoreProfile:
        profile = self.store.directory.store()
        if profile is None:
            from pos_app.persistence.sqlcipher import StoreProblem

            raise StoreProblem("The store file has no store profile; it was not set up completely.")
        return profile

    def hasher(self) -> Argon2Hasher:
        """The PIN and password hasher with the store's argon2 costs as they are now: read at
        each call (each sign-in), so a changed `security.argon2` rehashes at the next sign-in."""
        from pos_app.adapters.hashing import Argon2Hasher

        return Argon2Hasher.from_settings(self.store.directory.setting("security.argon2"))

    def receipt_printer(self) -> ReceiptPrinter | None:
        """The receipt printer the settings name (a new connection each print), or None.

        An address that does not parse gives a printer whose every send fails saying so, so the
        receipt waits in the queue with that reason rather than the print failing before it starts.
        """
        directory = self.store.directory
        uri = str(directory.setting("receipt.printer", "") or "")
        if not uri:
            return None
        from pos_app.adapters.receipt_printer import EscposPrinter, UnusablePrinter, parse_printer_uri
        from pos_app.domain.errors import ValidationError

        columns, profile = int(directory.setting("receipt.columns", 42)), str(directory.setting("receipt.profile",
                                                                                                 "TM-T88V"))
        try:
            target = parse_printer_uri(uri)
        except ValidationError as error:
            return UnusablePrinter(error.problem, columns=columns, profile=profile)
        return EscposPrinter(target, columns=columns, profile=profile)

    def printer_for(self, uri: str) -> ReceiptPrinter:
        """A receipt printer at `uri` with this store's receipt layout (for `pos-app receipt --printer`)."""
        from pos_app.adapters.receipt_printer import EscposPrinter, parse_printer_uri

        directory = self.store.directory
        return EscposPrinter(parse_printer_uri(uri), columns=int(directory.setting("receipt.columns", 42)),
                             profile=str(directory.setting("receipt.profile", "TM-T88V")))

    def card_terminal(self) -> CardTerminal | None:
        """The Stripe Terminal reader of this counter, if its key and reader are set up; else None."""
        from pos_app.adapters.secrets import STRIPE_KEY_NAME

        directory = self.store.directory
        reader_id = str(directory.setting("payments.reader_id", "") or "")
        if not reader_id:
            return None
        key = self.keyring.get(STRIPE_KEY_NAME)
        if not key:
            return None
        from pos_app.adapters.card_terminal import StripeTerminal

        api_base = str(directory.setting("payments.api_base", "") or "") or None
        return StripeTerminal(key, reader_id, api_base=api_base)

    def reader_registry(self) -> ReaderRegistry:
        """Stripe Terminal's reader registration with the store's key (one that says so when none is kept yet:
        the permission check comes first, in the service)."""
        from pos_app.adapters.card_terminal import NoStripeKey, StripeTerminal
        from pos_app.adapters.secrets import STRIPE_KEY_NAME

        key = self.keyring.get(STRIPE_KEY_NAME)
        if not key:
            return NoStripeKey()
        api_base = str(self.store.directory.setting("payments.api_base", "") or "") or None
        return StripeTerminal(key, "", api_base=api_base)

    def cli_actor(self) -> Actor:
        """Who the command line acts for: the person `pos-app` signed in (a session of `pos-app login`,
        or a sign-in for this command alone) or a job token, set by `cli.core.signed_in`; nobody else."""
        if self.actor is None:
            from pos_app.domain.errors import SignInFailed

            raise SignInFailed("No one is signed in on the command line: run `pos-app login`.")
        return self.actor

    def close(self) -> None:
        if "_conn" in self.__dict__:
            try:
                self._conn.execute("PRAGMA optimize")  # refresh the planner's statistics where they drifted
            except Exception:  # noqa: BLE001 - closing must not fail over an optimization
                log.debug("PRAGMA optimize failed", exc_info=True)
            self._conn.close()
            del self.__dict__["_conn"]
        self.__dict__.pop("store", None)
        self.db.dispose()


def os_user() -> str:
    """The operating system's user name, for the record of who opened a command-line session."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def setup_actor(terminal: str) -> Actor:
    """Who restores a backup into a folder with no store yet (moving to a new computer): like `init`,
    a set-up with no one to sign in yet, where the backup's passphrase is what it takes. It may restore
    and nothing else."""
    return Actor(staff_id=None, name=f"set-up from a backup (command line, {os_user()})"[:80], role=Role.OWNER,
                 terminal=terminal, only=frozenset({Permission.RESTORE}))


def open_facet(data_dir: Path) -> Facet:
    """Open the existing store in `data_dir` (StoreProblem if it cannot be used)."""
    from pos_app.persistence.database import open_database

    keyring = secrets()
    db = open_database(data_dir, settled_key(keyring, data_dir))
    if db.migrated_from:
        log.info("store migrated from schema %s; backup at %s", db.migrated_from, db.backup_before_migration)
    return Facet(data_dir, db, keyring)


def settled_key(keyring: KeyringSecrets, data_dir: Path) -> str | None:
    """The key that opens the store in `data_dir`, finishing a key change a crash interrupted."""
    from pos_app.adapters.secrets import StoreKeys
    from pos_app.persistence.database import db_path, key_opens

    path = db_path(data_dir)
    keys = StoreKeys(keyring, data_dir)
    key, finished = keys.settle(lambda k: path.exists() and key_opens(path, k))
    if finished and key is not None:
        from pos_app.persistence.audit_queries import ANCHOR_NAME, reseal

        log.warning("finished an interrupted change of the database key: the new key is now current")
        retired = keys.retired()
        if retired:
            reseal(path.with_name(ANCHOR_NAME), retired[0], key)
    return key


def rekey_store(facet: Facet) -> Path:
    """Give the store a new random key (`pos-app rekey`); returns the backup taken first."""
    from pos_app.adapters.secrets import StoreKeys
    from pos_app.persistence.sqlcipher import new_key
    from pos_app.services.backup import change_key

    actor = facet.cli_actor()
    facet.close()  # the rekey needs the file to itself: no connection of this process may stay open
    return change_key(new_key(), store=facet.db, keys=StoreKeys(facet.keyring, facet.data_dir),
                      backups=facet.data_dir / "backups", uow=facet.uow(), actor=actor)


def store_exists(data_dir: Path) -> bool:
    from pos_app.persistence.database import db_path

    return db_path(data_dir).exists()


def create_facet(
    data_dir: Path,
    profile: StoreProfile,
    owner: OwnerAccount,
    *,
    hasher: Any | None = None,
    guided: bool = False,
) -> Facet:
    """Create the store: key in the keyring, schema, profile, counter C1, owner.

    `guided`: the first-run wizard's further steps follow (see `services.setup`).

    Refuses when a store exists. If setting up fails, the new file is removed
    so the next attempt starts clean; the key stays in the keyring (reusing
    it keeps any older backup of this folder restorable).
    """
    from pos_app.adapters.hashing import Argon2Hasher
    from pos_app.adapters.secrets import database_key_name
    from pos_app.persistence.database import create_database, remove_store_files
    from pos_app.persistence.sqlcipher import new_key
    from pos_app.services.setup import check_owner, set_up_store

    check_owner(owner)
    keyring = secrets()
    name = database_key_name(data_dir)
    key = keyring.get(name)
    if key is None:
        key = new_key()
        keyring.set(name, key)
        if keyring.get(name) != key:
            from pos_app.persistence.sqlcipher import StoreProblem

            raise StoreProblem(f"The keyring ({keyring.status.backend}) did not keep the database key.")
    db = create_database(data_dir, key)
    try:
        set_up_store(profile, owner, uow=db.unit_of_work(), hasher=hasher or Argon2Hasher(), guided=guided)
    except BaseException:
        db.dispose()
        remove_store_files(db.path)
        raise
    return Facet(data_dir, db, keyring)


def load_demo(facet: Facet, *, hasher: Any | None = None) -> Any:
    from pos_app.services import demo

    catalog = demo.DemoCatalog.load()
    return demo.load_demo_store(catalog, uow_factory=facet.uow, hasher=hasher or facet.hasher(),
                                owner=owner_actor(facet))


def owner_actor(facet: Facet) -> Actor:
    """The store's (first) owner, acting at this counter: whoever has just created the store."""
    owner = next(s for s in facet.store.directory.staff_list() if s.role is Role.OWNER)
    return Actor(staff_id=owner.id, name=owner.name, role=Role.OWNER, terminal=facet.terminal)


def create_demo_facet(data_dir: Path, *, hasher: Any | None = None) -> Facet:
    """A new store filled with the Jane Ellen demo (see README for its logins)."""
    from pos_app.persistence.database import remove_store_files
    from pos_app.services import demo

    facet = create_facet(data_dir, demo.DEMO_PROFILE, demo.DEMO_OWNER, hasher=hasher)
    try:
        load_demo(facet, hasher=hasher)
    except BaseException:
        facet.close()
        remove_store_files(facet.db.path)
        raise
    return facet


@dataclass(frozen=True)
class RestorePreview:
    """A backup checked, and what restoring it over the store in `data_dir` would undo."""

    backup: Path
    revision: str  # the backup's schema revision
    undo: RestoreUndo
    store_exists: bool


@dataclass(frozen=True)
class RestoreOutcome:
    kept: Path | None  # the copy of the replaced store (None: there was no store)
    undo: RestoreUndo  # what was undone, compared just before the swap
    moved_aside: Path | None = None  # an unreadable store's file, moved into backups/ as it was


def _restore_keys(data_dir: Path) -> tuple[KeyringSecrets, str | None, list[str]]:
    """The keyring, the store's current key (a key change a crash interrupted is finished first: that
    retires the key old backups need) and the retired keys, newest first."""
    from pos_app.adapters.secrets import StoreKeys

    keyring = secrets()
    current = settled_key(keyring, data_dir)
    return keyring, current, StoreKeys(keyring, data_dir).retired()


def _check_backup(backup: Path, passphrase: str | None, keys: Sequence[str]) -> str:
    """The backup's revision, or NotABackup / DatabaseTooNew saying what is wrong with it."""
    from pos_app.persistence.backups import NotABackup, backup_key_for, verify_backup

    if passphrase is not None:
        return verify_backup(backup, key_hex=None, passphrase=passphrase)
    if not keys:
        raise NotABackup("There is no store key on this machine: restore a backup made with a passphrase.")
    return verify_backup(backup, key_hex=backup_key_for(backup, keys))


def _compare(data_dir: Path, backup: Path, passphrase: str | None, current: str | None,
             older: Sequence[str], fallback: str | None) -> RestoreUndo:
    from pos_app.persistence.backups import backup_key_sql, compare_backup
    from pos_app.persistence.database import db_path

    keys = [k for k in (current, fallback) if k] + list(older)
    return compare_backup(db_path(data_dir), current, backup,
                          backup_key_sql(backup, passphrase=passphrase, keys=keys))


def preview_restore(data_dir: Path, backup: Path, *, passphrase: str | None = None) -> RestorePreview:
    """Check `backup` and list what restoring it over the store in `data_dir` would undo (changes nothing)."""
    from pos_app.adapters.secrets import database_key_name
    from pos_app.domain.restore import RestoreUndo

    keyring, current, older = _restore_keys(data_dir)
    fallback = keyring.get(database_key_name(data_dir))
    revision = _check_backup(backup, passphrase, [k for k in (current, fallback) if k] + older)
    if not store_exists(data_dir):
        return RestorePreview(backup.resolve(), revision, RestoreUndo(readable=True), store_exists=False)
    undo = _compare(data_dir, backup, passphrase, current, older, fallback)
    return RestorePreview(backup.resolve(), revision, undo, store_exists=True)


class RestoreNotConfirmed(UserFacingError):
    """A restore over a store was asked for without the list of what it undoes confirmed, or that list changed."""


def restore_store(data_dir: Path, backup: Path, *, passphrase: str | None = None,
                  confirmed: RestoreUndo | None = None) -> RestoreOutcome:
    """Replace the store in `data_dir` with `backup`, keeping the replaced store in `backups/`.

    Over an existing store, `confirmed` is what the person (or script) was shown and accepted
    (`preview_restore(...).undo`): it is compared again now, and a restore that would undo other sales
    than those, or other voids, is refused with nothing changed; so is one where a sale lands before the
    safety copy is made. A store that cannot be read is moved into `backups/` as it is, then the backup
    restored as on a new machine.

    On a machine with no store yet (moving to a new computer), a new key is made and the backup is
    re-encrypted with it; that needs a backup made with a passphrase.
    """
    from pos_app.adapters.secrets import database_key_name
    from pos_app.domain.restore import RestoreUndo
    from pos_app.persistence.backups import move_aside
    from pos_app.persistence.database import create_database, open_database, remove_store_files

    keyring, current, older = _restore_keys(data_dir)
    name = database_key_name(data_dir)
    fallback = keyring.get(name)
    _check_backup(backup, passphrase, [k for k in (current, fallback) if k] + older)
    keep_dir = data_dir / "backups"
    moved: Path | None = None
    if store_exists(data_dir):
        undo = _compare(data_dir, backup, passphrase, current, older, fallback)
        if confirmed is None:
            raise RestoreNotConfirmed("Restoring replaces the store: look at what it would undo (pos-app restore "
                                      "FILE --dry-run) and confirm it. Nothing was changed.")
        if (undo.readable, undo.sale_numbers, undo.voids) != (confirmed.readable, confirmed.sale_numbers,
                                                              confirmed.voids):
            raise RestoreNotConfirmed(
                f"What the restore would undo changed since it was confirmed: now {len(undo.sales)} sales "
                f"and {len(undo.voids)} voids, not {len(confirmed.sales)} and {len(confirmed.voids)}. Nothing was "
                "changed: look at the list again and confirm it.")
        if undo.readable:
            db = open_database(data_dir, current)
            try:
                kept = db.restore_from(backup, passphrase=passphrase, keep_dir=keep_dir, older_keys=older,
                                       expect_head=undo.current_head, check_head=True)
            finally:
                db.dispose()
            return RestoreOutcome(kept, undo)
        moved = move_aside(data_dir, keep_dir)
    else:
        undo = RestoreUndo(readable=True)
    key = keyring.get(name)
    if key is None:
        from pos_app.persistence.sqlcipher import new_key

        key = new_key()
        keyring.set(name, key)
    db = create_database(data_dir, key)
    try:
        db.restore_from(backup, passphrase=passphrase, keep_dir=keep_dir, older_keys=older)
    except BaseException:
        db.dispose()
        remove_store_files(db.path)
        raise
    db.dispose()
    return RestoreOutcome(None, undo, moved)
