"""The retention job: what the privacy policy says the store keeps only so long, let go on time.

Run by `pos-app privacy retention` and by the app once a day (`due`). One
unit of work detaches sales older than the transaction period from their
customers (free text naming a customer still on file is cut first), blanks
Form 8300 details filed longer ago than the law's period, erases appraisal
and certificate records past their `retain_until` (photos and scans with
them), deletes erased customers' answered requests past 24 months and the
pseudonyms nothing points at any more, and records a ``retention.ran`` audit
event with the counts. Then, after the commit, it deletes backups and
privacy exports older than their periods, scrubs the store's file (WAL
emptied; no VACUUM) and gives its free pages back in small steps that let
a sale in between (`LocalDatabase.compact`).

`dry_run` runs the same statements and rolls them back, so the counts are
exactly what a real run would do now; no file is deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pos_app.domain import retention as rules
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.domain.store import store_today
from pos_app.services.guard import requires
from pos_app.services.ports.settings import StoreFile
from pos_app.services.ports.uow import UnitOfWork

LAST_RUN = "retention.last_run"
BACKUP_PATTERNS = ("*.db",)
EXPORT_PATTERNS = ("*.zip",)


@dataclass
class RetentionReport:
    dry_run: bool
    today: dt.date
    sales_detached: int = 0
    cash_reports_blanked: int = 0
    appraisals_erased: int = 0
    certificates_erased: int = 0
    requests_deleted: int = 0
    pseudonyms_deleted: int = 0
    backups_deleted: list[str] = field(default_factory=list)
    exports_deleted: list[str] = field(default_factory=list)
    scrubbed: bool | None = None
    pages_released: int | None = None  # free pages given back to the file system by `compact`

    @property
    def rows(self) -> dict[str, int]:
        """The records let go, by kind."""
        return {k: v for k, v in asdict(self).items()
                if isinstance(v, int) and not isinstance(v, bool) and k != "pages_released"}

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "today": self.today.isoformat()}


def job_actor(terminal: str) -> Actor:
    """Who the daily run acts as in the audit trail."""
    return Actor(staff_id=None, name="retention job", role=Role.OWNER, terminal=terminal)


def periods(uow: UnitOfWork) -> rules.Periods:
    def get(key: str) -> int:
        return int(uow.settings.get(key, rules.DEFAULTS[key]))
    return rules.Periods(transactions_years=get("retention.transactions_years"),
                         form_8300_years=get("retention.form_8300_years"),
                         request_months=get("retention.request_months"),
                         backup_days=get("retention.backup_days"), export_days=get("retention.export_days"))


def _old_files(folder: Path, patterns: tuple[str, ...], before: dt.datetime) -> list[Path]:
    if not folder.is_dir():
        return []
    found = {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
    return sorted(p for p in found if dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC) < before)


@requires(Permission.ERASE_CUSTOMER)
def run(*, uow: UnitOfWork, actor: Actor, data_dir: Path, store: StoreFile | None = None, dry_run: bool = False,
        now: dt.datetime | None = None) -> RetentionReport:
    """Let go of what is past its period (see the module docstring); `dry_run`: only say what would go."""
    at = now or dt.datetime.now(dt.UTC)
    with uow:
        profile = uow.store.get()
        today = store_today(profile.timezone if profile else "UTC", at)
        limits = rules.cutoffs(today, at, periods(uow))
        report = RetentionReport(dry_run=dry_run, today=today)
        report.sales_detached = uow.erasure.detach_old_sales(limits.sales_before, at=at)
        report.cash_reports_blanked = uow.erasure.blank_old_cash_reports(limits.cash_reports_filed_before, at=at)
        report.appraisals_erased, report.certificates_erased = uow.appraisals.erase_expired(limits.records_before)
        report.requests_deleted = uow.erasure.delete_old_requests(limits.requests_answered_before, at=at)
        report.pseudonyms_deleted = uow.erasure.delete_unlinked_pseudonyms(at=at)
        backups = _old_files(data_dir / "backups", BACKUP_PATTERNS, limits.backups_before)
        exports = _old_files(data_dir / "exports", EXPORT_PATTERNS, limits.exports_before)
        report.backups_deleted = [p.name for p in backups]
        report.exports_deleted = [p.name for p in exports]
        if dry_run:
            return report  # leaving the block rolls every statement back
        uow.settings.set(LAST_RUN, today.isoformat())
        uow.audit.record(actor, "retention.ran", entity_type="store",
                         summary={**report.rows, "backups_deleted": len(backups), "exports_deleted": len(exports),
                                  "sales_before": limits.sales_before.isoformat()})
        uow.commit()
    for path in (*backups, *exports):
        path.unlink(missing_ok=True)
    if store is not None and any(report.rows.values()):
        report.scrubbed = store.scrub()
    if store is not None:
        # The daily run is the store's quiet moment: give free pages back, a few at a time (never a VACUUM).
        report.pages_released = store.compact()
    return report


def due(*, uow: UnitOfWork, now: dt.datetime | None = None) -> bool:
    """Has the job not run yet today (store time)?"""
    at = now or dt.datetime.now(dt.UTC)
    with uow:
        profile = uow.store.get()
        last = uow.settings.get(LAST_RUN)
        today = store_today(profile.timezone if profile else "UTC", at)
    return last is None or dt.date.fromisoformat(str(last)) < today
