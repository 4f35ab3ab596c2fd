"""Opening the encrypted SQLite file: raw key, pragmas, and honest errors.

The key is 32 random bytes applied as a raw key (`PRAGMA key = "x'…'"`), so
opening costs a fraction of a millisecond instead of a key derivation. The
`-wal` and `-shm` files are encrypted too. A wrong key and a damaged file look
the same to SQLCipher ("file is not a database"); both become
`DatabaseUnreadable`, and nothing is written to the file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3

from pos_app.domain.errors import UserFacingError

APPLICATION_ID = 0x46414345  # "FACE": marks a SQLite file as a Facet store or backup
_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")
BUSY_PATIENCE_S = 15.0
"""How long a statement waits for another connection's write lock before "database is locked"."""


class StoreProblem(UserFacingError):
    """The store's file cannot be used as it is; nothing was changed."""


class DatabaseUnreadable(StoreProblem):
    pass


def new_key() -> str:
    """A fresh database key: 32 random bytes as 64 lowercase hex characters."""
    import secrets

    return secrets.token_hex(32)


def check_key(key_hex: str) -> str:
    if not _HEX_KEY.match(key_hex or ""):
        raise DatabaseUnreadable("The database key in the keyring is not 64 hex characters; it was changed or damaged.")
    return key_hex


def connect(path: Path, key_hex: str, *, create: bool = False, inspect_only: bool = False) -> Any:
    """An open, keyed, checked connection to the store at `path`.

    Autocommit at the driver level (`isolation_level=None`): callers say BEGIN.
    With `create=False` a missing file is an error, never a new empty store.
    With `inspect_only` the file's journal settings are left as they are: a
    backup being checked or restored from is read, never written to.
    """
    check_key(key_hex)
    mode = "rwc" if create else "rw"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    try:
        conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                                  timeout=BUSY_PATIENCE_S)
    except sqlcipher3.OperationalError as exc:
        raise DatabaseUnreadable(f"Cannot open {path}: {exc}.") from None
    conn.set_busy_handler(prompt_busy_handler())
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key_hex}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise DatabaseUnreadable(
            f"Cannot read {path}: the key does not open it, or the file is damaged. "
            "The file was left as it is. Restore the key to the keyring, or restore a backup."
        ) from None
    if inspect_only:
        return conn
    # Journal settings right after the key, outside any transaction: set
    # later, WAL is silently not applied.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted content is overwritten with zeros, not left in free pages: an
    # erased customer must not survive in the decrypted file.
    conn.execute("PRAGMA secure_delete = ON")
    # When the WAL starts over (its frames all copied into the file), the committing connection cuts the
    # file to what it just wrote: frames from before, with what an erasure removed, do not linger at its end.
    conn.execute("PRAGMA journal_size_limit = 0")
    return conn


def prompt_busy_handler(patience_s: float = BUSY_PATIENCE_S) -> Callable[[int], bool]:
    """A busy handler (`set_busy_handler`) that retries a locked statement every fraction of a millisecond.

    SQLite's own (`busy_timeout`) sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries, so a sale that
    meets another connection's write of 3 ms (the sync worker marking rows pushed) waits 8 ms, and one of
    12 ms waits 33. Retrying every 0.2 ms for the first 50 ms (the length of any write of this app but an
    import), then every ms, then every 5 ms after a second, gets the lock within a fraction of a millisecond
    of its release, at the cost of a few cheap lock checks. Gives up (SQLITE_BUSY, "database is locked")
    after `patience_s`, as the timeout did. One handler per connection: it keeps the time of its first try."""
    first = [0.0]

    def retry(tries: int) -> bool:
        now = time.monotonic()
        if tries == 0:
            first[0] = now
        waited = now - first[0]
        if waited >= patience_s:
            return False
        time.sleep(0.0002 if waited < 0.05 else 0.001 if waited < 1.0 else 0.005)
        return True

    return retry


def application_id(conn: Any) -> int:
    return int(conn.execute("PRAGMA application_id").fetchone()[0])
