"""The owner's audit tab, and the red banner when the trail's chain is broken.

The tab lists the trail newest first, lazily (a count, then blocks of rows
as the view paints them: a million events never load at once), filtered by
person, action, record and days in store time. Export CSV… writes the
matching events; Verify chain walks the whole chain. Both run off the GUI
thread on their own connection, on the device lane, so a check of a million
events (seconds) never queues in front of a sale on the database worker.

`ChainBanner` runs the same check once when the app starts and shows its
finding, in red, only to whoever holds VIEW_AUDIT (the owner).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QLabel, QWidget

from pos_app.domain.audit import ANCHOR_BREAKS, AuditFilter, AuditRow, ChainReport, CheckCancelled, Flag
from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.gui import dialogs
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import CancelToken, show_error
from pos_app.gui.tables import BlocksModel, RowBlocks
from pos_app.services import audit
from pos_app.services.ports.store import Store

COLUMNS = ("#", "Time", "Person", "Role", "Counter", "Action", "Record", "Summary")
WIDTHS = (70, 170, 170, 120, 80, 200, 220)
ANYONE = "Anyone"
log = logging.getLogger(__name__)


def _role_label(value: str) -> str:
    """"Privacy officer" for privacy_officer; a role this build does not know is shown as stored."""
    try:
        return Role(value).label
    except ValueError:
        return value


class AuditModel(BlocksModel[AuditRow]):
    """Rows of one search of the trail; `fetch_count(filter)` and `fetch_page(filter, offset, limit)` run on
    the GUI thread's reader."""

    columns = COLUMNS
    numeric = frozenset({0})

    def __init__(self, fetch_count: Callable[[AuditFilter], int],
                 fetch_page: Callable[[AuditFilter, int, int], list[AuditRow]], zone: ZoneInfo,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch_count, self._zone = fetch_count, zone
        self.filter = AuditFilter()
        self.rows: RowBlocks[AuditRow] = RowBlocks(
            lambda offset, limit: fetch_page(self.filter, offset, limit), self._texts, what="audit event")

    def set_filter(self, f: AuditFilter) -> None:
        """Count the new search's events (ValidationError, before anything changes, if it cannot mean
        anything) and forget the fetched rows."""
        total = self._fetch_count(f)
        self.beginResetModel()
        self.filter = f
        self.rows.reset(total)
        self.endResetModel()

    def _texts(self, r: AuditRow) -> tuple[str, ...]:
        record = f"{r.entity_type}: {r.entity_id}" if r.entity_id else (r.entity_type or "")
        summary = "" if r.summary == "{}" else r.summary
        return (str(r.seq), f"{r.at.astimezone(self._zone):%Y-%m-%d %H:%M:%S}", r.person, _role_label(r.role),
                r.terminal, r.action, record, summary)


def _day(text: str, field: str, zone: ZoneInfo, *, next_day: bool = False) -> dt.datetime | None:
    """A filter's day (YYYY-MM-DD, store time) as the UTC moment it starts (or, for "to", the next starts)."""
    if not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(field, f"{text.strip()!r} is not a day: write it as YYYY-MM-DD") from None
    if next_day:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), zone)


def chain_text(report: ChainReport, zone: ZoneInfo) -> str:
    """What a person reads about a check: the first bad event in store time, or that the chain holds."""
    brk = report.first_break
    if brk is None:
        return f"Chain verified: {report.events:,} events, none edited, deleted, inserted or reordered."
    if brk.kind in ANCHOR_BREAKS:
        return f"{report.describe()}."
    when = f" ({brk.at.astimezone(zone):%Y-%m-%d %H:%M}, {brk.action})" if brk.at else ""
    return f"The audit trail was tampered with: event {brk.seq}{when} was {brk.kind.value.replace('_', ' ')}. " \
           f"{brk.detail.capitalize()}."


class AuditView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.zone = ZoneInfo(context.profile.timezone)
        self.form = Form("audit.ui", self)
        f = self.form
        actor = context.require_actor()
        trail = context.store.audit
        self.model = AuditModel(
            lambda flt: audit.count(flt, trail=trail, uow=context.store.uow(), actor=actor),
            lambda flt, offset, limit: audit.search(flt, trail=trail, uow=context.store.uow(), actor=actor,
                                                    offset=offset, limit=limit),
            self.zone, self)
        f.table.setModel(self.model)
        for column, width in enumerate(WIDTHS):
            f.table.setColumnWidth(column, width)
        f.person_combo.addItem(ANYONE, None)
        for member in context.store.directory.staff_list():
            f.person_combo.addItem(member.name, member.id)
        for edit in (f.action_edit, f.entity_edit, f.since_edit, f.until_edit):
            edit.returnPressed.connect(self.search)
        f.person_combo.lineEdit().returnPressed.connect(self.search)
        f.search_button.clicked.connect(self.search)
        f.clear_button.clicked.connect(self.clear)
        f.verify_button.clicked.connect(self.verify)
        f.export_button.clicked.connect(self.export)
        QShortcut(QKeySequence("Esc"), self, self.clear)
        QShortcut(QKeySequence("F9"), self, self.verify)
        QShortcut(QKeySequence("Ctrl+E"), self, self.export)
        QShortcut(QKeySequence("F5"), self, self.search)
        self.report: ChainReport | None = None
        self.checking: CancelToken | None = None
        self.flags: list[Flag] = []

    def showEvent(self, event: QShowEvent) -> None:
        """The trail grows with every save: count again each time the tab comes to the front."""
        super().showEvent(event)
        self.search()
        self.show_flags()

    def show_flags(self) -> None:
        """What the last week holds that deserves a look (an indexed query: on the GUI thread's reader)."""
        context = self.context
        found = audit.flags(trail=context.store.audit, uow=context.store.uow(), actor=context.require_actor())
        self.flags = found
        if not found:
            mark_info(self.form.flags_label, f"Nothing flagged in the last {audit.FLAG_DAYS} days.")
            return
        mark_problem(self.form.flags_label, f"Flagged in the last {audit.FLAG_DAYS} days: "
                     + "; ".join(f.describe() for f in found)
                     + ". Type the person's name in Person to see what happened.")

    def focus_first(self) -> None:
        self.form.person_combo.setFocus()

    def current_filter(self) -> AuditFilter:
        """The filters as typed (ValidationError naming the field when a day is not a day)."""
        f = self.form
        text = f.person_combo.currentText().strip()
        index = f.person_combo.findText(text)
        person = f.person_combo.itemData(index) if index >= 0 else text
        return AuditFilter(person=person or None, action=f.action_edit.text().strip() or None,
                           entity=f.entity_edit.text().strip() or None,
                           since=_day(f.since_edit.text(), "from", self.zone),
                           until=_day(f.until_edit.text(), "to", self.zone, next_day=True))

    def search(self) -> None:
        try:
            self.model.set_filter(self.current_filter())
        except ValidationError as exc:
            field = {"since": "from", "until": "to"}.get(exc.field, exc.field)
            mark_problem(self.form.message_label, f"{field.capitalize()}: {exc.problem}")
            return
        mark_info(self.form.message_label, "")
        total = self.model.rows.total
        self.form.count_label.setText(f"{total:,} event{'' if total == 1 else 's'}")
        if self.model.rows.total:
            self.form.table.selectRow(0)

    def clear(self) -> None:
        f = self.form
        f.person_combo.setCurrentIndex(0)
        for edit in (f.action_edit, f.entity_edit, f.since_edit, f.until_edit):
            edit.clear()
        self.search()
        self.focus_first()

    def verify(self) -> None:
        """Walk the whole chain on a worker (its own connection), or stop the walk under way (F9 again)."""
        if self.checking is not None:
            self.checking.cancel()
            return
        actor = self.context.require_actor()
        token = self.checking = CancelToken()
        mark_info(self.form.chain_label, "Verifying the chain… (F9 stops)")
        self.form.verify_button.setText("Stop verifying  (F9)")

        def work(store: Store) -> ChainReport:
            return audit.verify(trail=store.audit, uow=store.uow(), actor=actor, cancelled=token.cancelled)

        def done(report: ChainReport) -> None:
            self._checked()
            self.report = report
            text = " ".join([chain_text(report, self.zone), *report.warnings])
            (mark_info if report.ok else mark_problem)(self.form.chain_label, text)

        def failed(exc: BaseException) -> None:
            self._checked()
            if isinstance(exc, CheckCancelled):
                mark_info(self.form.chain_label, str(exc))
            else:
                self._failed(exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def _checked(self) -> None:
        self.checking = None
        self.form.verify_button.setText("Verify chain  (F9)")

    def export(self) -> None:
        try:
            flt = self.current_filter()
        except ValidationError as exc:
            mark_problem(self.form.message_label, str(exc))
            return
        path = dialogs.ask_save_path(self, "Export the audit trail", "audit-trail.csv", "CSV files (*.csv)")
        if path is None:
            return
        actor, files = self.context.require_actor(), self.context.devices.files
        mark_info(self.form.message_label, f"Exporting to {path.name}…")

        def work(store: Store) -> int:
            return audit.export_csv(path, flt, trail=store.audit, uow=store.uow(), files=files, actor=actor)

        def done(written: int) -> None:
            mark_info(self.form.message_label, f"Exported {written:,} events to {path}.")

        self.context.runner.run(work, on_done=done, on_error=self._failed, parent=self, lane="io")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            mark_problem(self.form.message_label, str(exc))
            return
        show_error(self, exc)


class ChainBanner(QLabel):
    """A red line over the workspace naming the first bad event, for VIEW_AUDIT holders only; the check runs
    once, at start, on a worker with its own connection."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("audit_banner")
        self.setWordWrap(True)
        self.setVisible(False)
        self.report: ChainReport | None = None
        context.actor_changed.connect(self._show_for)
        def work(store: Store) -> ChainReport:
            return audit.verify(trail=store.audit, uow=store.uow(), actor=audit.check_actor(store.terminal))

        context.runner.run(work, on_done=self._checked, on_error=self._check_failed, parent=self, lane="io")

    def _checked(self, report: ChainReport) -> None:
        self.report = report
        if not report.ok:
            self.setText(chain_text(report, ZoneInfo(self.context.profile.timezone))
                         + " Open Audit in the side bar to look, and keep a copy of this store as evidence.")
        self._show_for(self.context.actor)

    def _check_failed(self, exc: BaseException) -> None:
        log.warning("the audit check at start failed: %s", type(exc).__name__)

    def _show_for(self, actor: Actor | None) -> None:
        broken = self.report is not None and not self.report.ok
        self.setVisible(broken and actor is not None and actor.can(Permission.VIEW_AUDIT))
