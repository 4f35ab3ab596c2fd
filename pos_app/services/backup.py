"""Backing the store up and restoring it: permission checks and the audit trail.

The copying itself is the store file's job (SQLite's online backup, in
`persistence/database.py`); this module decides who may ask for it and
records that they did. A restore is recorded in the restored store, since
that is the trail that continues.
"""

from __future__ import annotations

from pathlib import Path

from pos_app.domain.permissions import Actor, Permission
from pos_app.services.ports import StoreFile, UnitOfWork


def back_up(dest: Path, *, passphrase: str | None, store: StoreFile, uow: UnitOfWork, actor: Actor) -> Path:
    """Copy the store to `dest` (encrypted with its key, or with `passphrase` to move it elsewhere)."""
    actor.require(Permission.BACKUP)
    path = store.backup_to(dest, passphrase=passphrase)
    with uow:
        uow.audit.record(actor, "store.backed_up", entity_type="store",
                         summary={"file": path.name, "portable": passphrase is not None})
        uow.commit()
    return path


def check_may_restore(actor: Actor) -> None:
    actor.require(Permission.RESTORE)


def record_restore(source: Path, kept: Path | None, *, uow: UnitOfWork, actor: Actor) -> None:
    """Note in the restored store's trail that it was restored, from what, keeping what; the audit anchor
    was reset to the restored trail's last event, and this event says so."""
    actor.require(Permission.RESTORE)
    with uow:
        uow.audit.record(actor, "store.restored", entity_type="store",
                         summary={"file": source.name, "previous_store_kept_as": kept.name if kept else None,
                                  "audit_anchor_reset": True})
        uow.commit()
