"""The Sync tab (managers and the owner, in a store that joined a group): where the counter stands, "Sync now",
and the store's open conflicts and refused changes, each closed with a note saying what was done.

Keys: F5 syncs now; the arrows choose a case; Enter (or F2) opens the note for
it (`PromptDialog`; Enter saves, Esc cancels); Ctrl+R reads the cases again.
The status comes from the sync worker's reports; the cases are read from
central (`services.sync.open_cases`) on the op runner's "io" lane, and a
resolution is `services.sync.resolve` (which checks the permission and writes
the audit event). Central out of reach shows as a message here; nothing else
waits for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHeaderView, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.store import store_time
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.sync.status import central_place, status_text
from pos_app.gui.sync.worker import SyncReport
from pos_app.gui.tables import fill
from pos_app.services import sync
from pos_app.services.ports.store import Store

HEADERS = ["Case", "What", "Details", "Since"]
KINDS = {"sold_twice": "Sold twice", "below_zero": "Stock below zero", "overwrite": "Overwritten",
         "attention": "Refused change"}


@dataclass(frozen=True)
class Case:
    """One open case as the table shows it; `kind` and `case_id` are what `services.sync.resolve` takes."""

    kind: str  # "conflict" or "attention"
    case_id: int
    title: str
    what: str
    details: str
    since: str


def _when(text: str | None, timezone: str) -> str:
    if not text:
        return ""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return store_time(moment, timezone).strftime("%Y-%m-%d %H:%M")


def cases_of(found: dict[str, Any], timezone: str) -> list[Case]:
    """Central's open cases (`open_cases`) as rows a manager reads: what happened to which piece or record."""
    rows: list[Case] = []
    for c in found.get("conflicts", []):
        details = c.get("details") or {}
        what = f"piece {c['sku']}" if c.get("sku") else f"{c['table']} {c['row']}"
        if c["kind"] == "overwrite":
            what += f", field {c.get('field')}"
            told = (f"kept {details.get('kept')!r}, another counter's {details.get('overwritten')!r} was "
                    "overwritten")
        elif details.get("in_transit"):
            # Central lists the transfer's in-transit movements; the negative ones are check-ins.
            checks = [s for s in details.get("sales") or [] if int(s.get("quantity") or 0) < 0]
            where = ", ".join(sorted({str(s.get("terminal") or "?") for s in checks}))
            what = "units in transit of " + what
            told = (f"checked in {len(checks)} times ({where}); in transit {details.get('on_hand')}: count what "
                    "arrived and adjust the stock for the units counted twice")
        else:
            sales = details.get("sales") or []
            where = ", ".join(sorted({str(s.get("terminal") or "?") for s in sales}))
            fix = ("refund one sale or substitute a piece" if c["kind"] == "sold_twice"
                   else "count the stock and adjust it, or refund a sale")
            told = f"{len(sales)} sales ({where}); on hand {details.get('on_hand')}: {fix}"
        rows.append(Case("conflict", int(c["id"]), KINDS.get(c["kind"], c["kind"]), what, told,
                         _when(c.get("at"), timezone)))
    for a in found.get("attention", []):
        rows.append(Case("attention", int(a["id"]), KINDS["attention"], ", ".join(a.get("tables") or []),
                         str(a.get("reason") or ""), _when(a.get("at"), timezone)))
    return rows


class SyncView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.actor = context.require_actor()
        self.form = Form("sync.ui", self)
        f = self.form
        self.cases: list[Case] = []
        self.loading = False
        self.dialog: QWidget | None = None
        self._counts: tuple[int, int] | None = None  # (conflicts, refused) when the cases were last read
        f.status_label.setObjectName("sync_state")
        font = f.status_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        f.status_label.setFont(font)
        for keys, slot in (("F5", self.sync_now), ("Ctrl+R", self.refresh), ("F2", self.resolve_selected),
                           ("Return", self.resolve_selected), ("Enter", self.resolve_selected)):
            QShortcut(QKeySequence(keys), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        f.sync_button.clicked.connect(self.sync_now)
        f.reload_button.clicked.connect(self.refresh)
        f.resolve_button.clicked.connect(self.resolve_selected)
        f.cases_table.doubleClicked.connect(lambda _index: self.resolve_selected())
        fill(f.cases_table, HEADERS, [])
        worker = context.sync
        if worker is not None:
            worker.report.connect(self.show_report)  # a QWidget's slot: disconnected when the tab goes
            if worker.last is not None:
                self.show_report(worker.last)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def focus_first(self) -> None:
        self.form.cases_table.setFocus()

    # ------------------------------------------------------------ status

    def show_report(self, report: SyncReport) -> None:
        f, status = self.form, report.status
        timezone = self.context.profile.timezone
        f.status_label.setText(status_text(report, timezone, show_cases=True))

        def when(moment: dt.datetime | None) -> str:
            return store_time(moment, timezone).strftime("%Y-%m-%d %H:%M") if moment is not None else "not yet"

        lines = [f"Central: {central_place(status.central)}  ·  "
                 f"this counter: {status.store_code}-{status.counter_code}",
                 f"Last synced: {when(status.last_pull_at)}  ·  changes waiting to be sent: {status.waiting}"]
        if status.offline_since is not None and status.last_error:
            retry = f" Trying again in {report.retry_in:.0f} s (F5 tries now)." if report.retry_in else ""
            lines.append(f"Why offline: {status.last_error}.{retry} Selling goes on; the changes wait here.")
        f.details_label.setText("\n".join(lines))
        counts = (status.conflicts, status.attention)
        if (report.checked and not report.syncing and self._counts is not None and counts != self._counts
                and self.isVisible()):
            self.refresh()

    def sync_now(self) -> None:
        worker = self.context.sync
        if worker is None:
            mark_problem(self.form.message_label, "This counter does not sync (it left its group).")
            return
        mark_info(self.form.message_label, "Syncing now…")
        worker.sync_now()

    # ------------------------------------------------------------ cases

    def refresh(self) -> None:
        """Read the open cases from central (on the "io" lane: a slow central never holds up a sale)."""
        if self.loading or self.context.sync is None:
            return
        self.loading = True
        actor, facet = self.actor, self.context.facet

        def work(store: Store) -> dict[str, Any]:
            with facet.sync().link() as link:
                return sync.open_cases(actor=actor, uow=store.uow(), central=link)

        def done(found: dict[str, Any]) -> None:
            self.loading = False
            self._counts = (len(found.get("conflicts", [])), len(found.get("attention", [])))
            self._show_cases(cases_of(found, self.context.profile.timezone))

        def failed(exc: BaseException) -> None:
            self.loading = False
            if isinstance(exc, UserFacingError):
                mark_problem(self.form.message_label, f"The open cases cannot be read now: {exc}")
            else:
                from pos_app.gui.ops import show_error

                show_error(self, exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def _show_cases(self, cases: list[Case]) -> None:
        f = self.form
        keep = self.selected()
        self.cases = cases
        fill(f.cases_table, HEADERS, [(c.title, c.what, c.details, c.since) for c in cases])
        f.cases_table.horizontalHeader().setSectionResizeMode(HEADERS.index("Details"), QHeaderView.ResizeMode.Stretch)
        at = next((n for n, c in enumerate(cases) if keep is not None and (c.kind, c.case_id) ==
                   (keep.kind, keep.case_id)), 0)
        if cases:
            f.cases_table.selectRow(at)
            mark_info(f.message_label, "")
        else:
            mark_info(f.message_label, "No open conflicts and no refused changes.")
        f.resolve_button.setEnabled(bool(cases))

    def selected(self) -> Case | None:
        index = self.form.cases_table.currentIndex()
        return self.cases[index.row()] if index.isValid() and index.row() < len(self.cases) else None

    def resolve_selected(self) -> None:
        """A note on what was done about the selected case closes it at central (Enter saves, Esc cancels)."""
        from pos_app.gui.base import open_dialog
        from pos_app.gui.sell.prompts import PromptDialog

        case = self.selected()
        if case is None:
            mark_problem(self.form.message_label, "Select a case first (arrow keys).")
            return
        actor, facet = self.actor, self.context.facet

        def resolve(note: str, _reason: str, store: Store) -> Case:
            group = facet.sync()
            with group.link() as link:  # a refused change of this counter's is sent again, whole, at the next push
                sync.resolve(case.kind, case.case_id, note, actor=actor, uow=store.uow(), central=link,
                             local=group.local)
            return case

        def resolved(done: Case) -> None:
            mark_info(self.form.message_label, f"{done.title} ({done.what}) resolved.")
            self.refresh()
            if self.context.sync is not None:
                self.context.sync.sync_now()  # the status bar's count comes from central's hello

        dialog = PromptDialog(
            self.context, "Resolve", f"{case.title}: {case.what}.\n{case.details}\n\nWhat was done about it?",
            value_label="&Note", accept_with=resolve, on_done=resolved, parent=self)
        dialog.form.value_edit.setPlaceholderText("refunded sale S1-C2-000012, piece substituted…")
        self.dialog = dialog
        open_dialog(dialog, self.form.cases_table)
