"""Secrets in the operating system's keyring (service "facet").

The database key is stored under `database:<absolute data folder>`; Stripe
keys and sync credentials will sit beside it. While `pos-app rekey` changes
the key, the new one waits under `database-pending:<folder>`; keys retired by
a rekey stay under `database-retired:<folder>`, so backups made before it can
still be restored. A command-line session's token (`pos-app login`) sits under
`cli-session:<folder>`, and each job token under `job:<name>:<folder>`: this OS
account's, as the keyring is. Nothing here writes a secret to
a file or a log, except the keyrings.alt plaintext file keyring, which Facet
uses only when the machine has no real keyring (a headless Linux) and then
says so, in the app and in `pos-app doctor`.

Tests and CI choose the backend with PYTHON_KEYRING_BACKEND and never touch a
developer's own keyring.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pos_app.domain.errors import UserFacingError

SERVICE = "facet"
LOCK_NAME = "rekey.lock"  # in the data folder, held while the database key changes
# The Stripe secret key of this store (sk_test_... while testing, sk_live_... for real).
STRIPE_KEY_NAME = "stripe:secret_key"
log = logging.getLogger(__name__)


class KeyringUnavailable(UserFacingError):
    """The keyring refused or failed (locked, no session, damaged)."""


@dataclass(frozen=True)
class KeyringStatus:
    backend: str
    secure: bool
    warning: str | None


def database_key_name(data_dir: Path) -> str:
    return f"database:{data_dir.resolve()}"


def cli_session_name(data_dir: Path) -> str:
    return f"cli-session:{data_dir.resolve()}"


def job_token_name(data_dir: Path, job_name: str) -> str:
    return f"job:{job_name}:{data_dir.resolve()}"


def sync_login_name(data_dir: Path) -> str:
    """The counter's PostgreSQL password for central (its role name is in the store's `sync_state`)."""
    return f"sync-login:{data_dir.resolve()}"


def pending_key_name(data_dir: Path) -> str:
    return f"database-pending:{data_dir.resolve()}"


def retired_keys_name(data_dir: Path) -> str:
    return f"database-retired:{data_dir.resolve()}"


def _backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_file_backend(backend: Any) -> bool:
    return type(backend).__module__.startswith("keyrings.alt")


def _is_missing(backend: Any) -> bool:
    module = type(backend).__module__
    return module.startswith(("keyring.backends.fail", "keyring.backends.null"))


class KeyringSecrets:
    """Reads and writes Facet's secrets; falls back to a file keyring, loudly."""

    def __init__(self) -> None:
        import keyring

        try:
            backend = keyring.get_keyring()
        except Exception as exc:  # keyring's backends raise whatever their platform raises
            raise _unavailable(exc) from exc
        children = getattr(backend, "backends", None)
        if children is not None and not children:
            backend = _fallback()
        elif _is_missing(backend):
            backend = _fallback()
        self._backend = backend
        self.status = _status(backend)
        if self.status.warning:
            log.warning("keyring: %s", self.status.warning)

    def get(self, name: str) -> str | None:
        try:
            value = self._backend.get_password(SERVICE, name)
        except Exception as exc:
            raise _unavailable(exc) from exc
        return None if value is None else str(value)

    def set(self, name: str, value: str) -> None:
        try:
            self._backend.set_password(SERVICE, name, value)
        except Exception as exc:
            raise _unavailable(exc) from exc

    def store_stripe_key(self, key: str) -> None:
        self.set(STRIPE_KEY_NAME, key)

    def stripe_key(self) -> str | None:
        return self.get(STRIPE_KEY_NAME)

    def delete(self, name: str) -> None:
        import keyring.errors

        try:
            self._backend.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass


def _unavailable(exc: Exception) -> KeyringUnavailable:
    # The exception's text is the backend's; it names no secret.
    return KeyringUnavailable(
        f"The system keyring could not be used ({type(exc).__name__}: {exc}). Unlock it (sign in to the "
        "desktop session) and try again; the store was not touched."
    )


def _fallback() -> Any:
    from keyrings.alt.file import PlaintextKeyring

    return PlaintextKeyring()


def _status(backend: Any) -> KeyringStatus:
    name = _backend_name(backend)
    children = getattr(backend, "backends", None)
    weak = _is_file_backend(backend) or (children is not None and all(_is_file_backend(b) for b in children))
    if not weak:
        return KeyringStatus(name, True, None)
    where = getattr(backend, "file_path", None)
    place = f" ({where})" if where else ""
    return KeyringStatus(
        name,
        False,
        "No secure system keyring on this machine; the database key is kept in a plaintext file "
        f"keyring{place}. Anyone who can read that file can decrypt the store: protect it, or install "
        "a desktop keyring (GNOME Keyring, KWallet).",
    )


class StoreKeys:
    """One store's database keys in the keyring: the current one, a new one while a rekey runs, and the
    retired ones older backups were encrypted with.

    A rekey stages the new key *before* the file is re-encrypted and promotes it after, so a crash at
    any point leaves a key in the keyring that opens the file; `settle` finds it on the next start.
    While it runs it holds `rekey.lock` in the data folder (an OS lock, let go if the process dies), and
    no other process's `settle` forgets the staged key then, however well the old key still opens the
    file: the rekey is about to need it.
    """

    def __init__(self, keyring: KeyringSecrets, data_dir: Path) -> None:
        self._keyring = keyring
        self._current, self._pending = database_key_name(data_dir), pending_key_name(data_dir)
        self._retired = retired_keys_name(data_dir)
        self._lock_path = data_dir / LOCK_NAME

    def current(self) -> str | None:
        return self._keyring.get(self._current)

    def pending(self) -> str | None:
        return self._keyring.get(self._pending)

    def retired(self) -> list[str]:
        text = self._keyring.get(self._retired)
        return list(json.loads(text)) if text else []

    def stage(self, new_key: str) -> None:
        """Keep `new_key` beside the current key until the file is re-encrypted with it."""
        self._keyring.set(self._pending, new_key)
        if self._keyring.get(self._pending) != new_key:
            raise KeyringUnavailable(f"The keyring ({self.status_backend}) did not keep the new database key; "
                                     "the store was not touched.")

    def discard_pending(self) -> None:
        self._keyring.delete(self._pending)

    def promote(self, new_key: str) -> None:
        """The file now opens with `new_key`: make it current (checked), retire the old one, and only then
        let go of the staged copy."""
        old = self.current()
        if old and old != new_key:
            self._keyring.set(self._retired, json.dumps([old, *[k for k in self.retired() if k != old]]))
        self._keyring.set(self._current, new_key)
        if self._keyring.get(self._current) != new_key:
            raise KeyringUnavailable(f"The keyring ({self.status_backend}) did not keep the new database key; it "
                                     "is still kept as the staged key, and the next start of Facet uses it.")
        if self.pending() == new_key:
            self.discard_pending()

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Held while this process changes the key; a second change at the same time is refused."""
        from filelock import FileLock, Timeout

        lock = FileLock(self._lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise KeyringUnavailable("Another change of the database key is running on this store; nothing was "
                                     "changed.") from None
        try:
            yield
        finally:
            lock.release()

    def _changing_elsewhere(self) -> bool:
        from filelock import FileLock, Timeout

        lock = FileLock(self._lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            return True
        lock.release()
        return False

    def settle(self, opens: Callable[[str], bool]) -> tuple[str | None, bool]:
        """The key that opens the store, finishing a rekey a crash interrupted; True when it did."""
        current, pending = self.current(), self.pending()
        if pending is None:
            return current, False
        if current is not None and opens(current):
            if not self._changing_elsewhere():
                self.discard_pending()  # the crash came before the file changed
            return current, False
        if opens(pending):
            self.promote(pending)  # the file was re-encrypted; the keyring had not been told yet
            return pending, True
        return current, False

    @property
    def status_backend(self) -> str:
        return self._keyring.status.backend
