"""Backing the store up and restoring it: permission checks and the audit trail.

The copying itself is the store file's job (SQLite's online backup, in
`persistence/database.py`); this module decides who may ask for it and
records that they did. A restore is recorded in the restored store, since
that is the trail that continues.
"""

from __future__ import annotations

from pathlib import Path

from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports import StoreFile, UnitOfWork


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
def record_restore(source: Path, kept: Path | None, *, uow: UnitOfWork, actor: Actor) -> None:
    """Note in the restored store's trail that it was restored, from what, keeping what."""
    with uow:
        uow.audit.record(actor, "store.restored", entity_type="store",
                         summary={"file": source.name, "previous_store_kept_as": kept.name if kept else None})
        uow.commit()
