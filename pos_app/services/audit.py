"""The owner's view of the audit trail: check the chain, search it, export it to CSV.

Who may: whoever holds VIEW_AUDIT (the owner). The trail holds no personal
data values (only which record changed and which fields), so neither does
the export; staff names are there, because "who did it" is the point.
An export is itself an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from pos_app.documents.text import csv_cell
from pos_app.domain.audit import AuditFilter, AuditRow, ChainReport, Flag
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.services.guard import requires
from pos_app.services.ports.audit import AuditTrail
from pos_app.services.ports.devices import FileOutput
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.staff import FREE_ATTEMPTS

CSV_COLUMNS = ("seq", "time_utc", "person", "staff_id", "role", "terminal", "action", "entity_type", "entity_id",
               "approved_by", "summary", "hash")


def check_actor(terminal: str) -> Actor:
    """Who the check at start acts as (before anyone signs in); only VIEW_AUDIT holders are shown its result."""
    return Actor(staff_id=None, name="audit check", role=Role.OWNER, terminal=terminal)


def _check_filter(f: AuditFilter) -> None:
    """ValidationError naming the field when the search cannot mean anything."""
    if f.since and f.until and f.until <= f.since:
        raise ValidationError("until", "the end of the period must come after its start")
    if f.entity is not None and not f.entity.partition(":")[0].strip():
        raise ValidationError("entity", "name the kind of record, e.g. sale or sale:<id>")


@requires(Permission.VIEW_AUDIT)
def verify(*, trail: AuditTrail, uow: UnitOfWork, actor: Actor,
           cancelled: Callable[[], bool] | None = None) -> ChainReport:
    """Walk the whole chain (seconds at a million events: run it off the GUI thread)."""
    return trail.verify_chain(cancelled)


FLAG_DAYS = 7


@requires(Permission.VIEW_AUDIT)
def flags(*, trail: AuditTrail, uow: UnitOfWork, actor: Actor, days: int = FLAG_DAYS,
          now: dt.datetime | None = None) -> list[Flag]:
    """Suspicious activity of the last `days` days: accounts locked by wrong tries, actions refused, sign-ins
    with a recovery code, payments taken for a piece sold elsewhere meanwhile (money owed back), restores from
    a backup. The store's policy promises such activity is flagged; this is the flag."""
    if not 1 <= days <= 366:
        raise ValidationError("days", "look back 1 to 366 days")
    since = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    return trail.flags(since, lock_after=FREE_ATTEMPTS)


@requires(Permission.VIEW_AUDIT)
def count(f: AuditFilter, *, trail: AuditTrail, uow: UnitOfWork, actor: Actor) -> int:
    _check_filter(f)
    return trail.count(f)


@requires(Permission.VIEW_AUDIT)
def search(f: AuditFilter, *, trail: AuditTrail, uow: UnitOfWork, actor: Actor, offset: int = 0,
           limit: int = 100) -> list[AuditRow]:
    """One page of matching events, newest first."""
    _check_filter(f)
    if offset < 0 or not 0 < limit <= 10_000:
        raise ValidationError("limit", "ask for 1 to 10,000 events at a time")
    return trail.page(f, offset, limit)


def _csv_row(r: AuditRow) -> list[str]:
    values = (str(r.seq), r.at.isoformat(), r.person, r.staff_id or "", r.role, r.terminal, r.action,
              r.entity_type or "", r.entity_id or "", r.approved_by or "", r.summary, r.hash)
    return [csv_cell(v) for v in values]


@requires(Permission.VIEW_AUDIT)
def export_csv(path: Path, f: AuditFilter, *, trail: AuditTrail, uow: UnitOfWork, files: FileOutput,
               actor: Actor) -> int:
    """Write the matching events (oldest first) to `path` through `files`, whole or not at all; returns how
    many."""
    _check_filter(f)
    path = path.resolve()
    if not files.folder_exists(path):
        raise ValidationError("file", f"the folder {path.parent} does not exist")
    written = files.write_csv_atomically(path, CSV_COLUMNS, (_csv_row(row) for row in trail.rows(f)))
    with uow:
        uow.audit.record(actor, "audit.exported", entity_type="audit",
                         summary={"file": path.name, "events": written, "filtered": f != AuditFilter()})
        uow.commit()
    return written
