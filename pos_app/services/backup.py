"""Backing the store up and restoring it: permission checks and the audit trail.

The copying itself is the store file's job (SQLite's online backup, in
`persistence/backups.py`); this module decides who may ask for it and
records that they did. A restore is recorded in the restored store, since
that is the trail that continues, with what it undid (`domain/restore.py`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.restore import RestoreUndo
from pos_app.services.guard import requires
from pos_app.services.ports.settings import StoreFile, StoreKeyring
from pos_app.services.ports.uow import UnitOfWork


@requires(Permission.BACKUP)
def back_up(dest: Path, *, passphrase: str | None, store: StoreFile, uow: UnitOfWork, actor: Actor) -> Path:
    """Copy the store to `dest` (encrypted with its key, or with `passphrase` to move it elsewhere)."""
    path = store.backup_to(dest, passphrase=passphrase)
    with uow:
        uow.audit.record(actor, "store.backed_up", entity_type="store",
                         summary={"file": path.name, "portable": passphrase is not None})
        uow.commit()
    return path


def check_may_restore(actor: Actor) -> None:
    """Refuse before the restore starts. The store to be replaced may not open (that is often why it is
    restored), so there is no unit of work to record a refusal in; `record_restore` is guarded."""
    actor.require(Permission.RESTORE)


@requires(Permission.RESTORE)
def record_restore(source: Path, kept: Path | None, undo: RestoreUndo | None = None, *, uow: UnitOfWork,
                   actor: Actor, moved_aside: Path | None = None) -> None:
    """Note in the restored store's trail that it was restored, from what, keeping what, and what it undid:
    counts by kind, the sale numbers, the voids, and the replaced trail's last event (seq and hash), which
    the kept copy still holds. The audit anchor was reset to the restored trail's last event, and this
    event says so. `audit flags` shows the restore to the owner and the privacy officer; `audit verify`
    names it."""
    summary: dict[str, object] = {"file": source.name, "previous_store_kept_as": kept.name if kept else None,
                                  "audit_anchor_reset": True}
    if moved_aside is not None:
        summary["unreadable_store_moved_to"] = moved_aside.name
    if undo is not None:
        summary.update(undo.audit_summary())
    with uow:
        uow.audit.record(actor, "store.restored", entity_type="store", summary=summary)
        uow.commit()


@requires(Permission.REKEY)
def change_key(new_key: str, *, store: StoreFile, keys: StoreKeyring, backups: Path, uow: UnitOfWork,
               actor: Actor) -> Path:
    """Re-encrypt the store with `new_key` and keep it in the keyring; returns the backup taken first.

    The order makes every crash recoverable: the backup (old key), then the new key staged in the
    keyring beside the old, then the file re-encrypted in one transaction, then the new key made
    current and the old one retired (kept, so older backups still restore). A start after a crash
    between the last two steps finds the staged key opens the file and finishes the change.
    """
    with keys.changing():  # no other process forgets the staged key meanwhile
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        name, n = f"facet-before-rekey-{stamp}.db", 1
        while (backups / name).exists():  # a second key change within the same second
            n += 1
            name = f"facet-before-rekey-{stamp}-{n}.db"
        backup = store.backup_to(backups / name)
        keys.stage(new_key)
        # A failure from here on leaves the staged key where it is: whichever key opens the file is
        # settled at the next start, so no outcome leaves the keyring without it.
        store.rekey(new_key)
        keys.promote(new_key)
    with uow:
        uow.audit.record(actor, "store.rekeyed", entity_type="store", summary={"backup": backup.name})
        uow.commit()
    return backup
