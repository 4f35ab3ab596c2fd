"""The status bar's sync words ("Synced", "Offline since 14:02, 37 changes waiting", "1 conflict").

`status_text` is pure (a report in, words out; times in the store's time
zone); `SyncStatusLabel` is the status bar's permanent widget, fed by the
worker's `report` signal. Conflicts and refused changes are named only to
whoever settles them (managers and the owner); a clerk sees whether the
counter is in step, which is what they need to tell a customer.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtWidgets import QLabel, QWidget

from pos_app.domain.store import store_time
from pos_app.gui.sync.worker import SyncReport

_PAIR = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")


def central_place(central: str | None) -> str:
    """Where central is, as a person reads it: host:port/database (the counter keeps a libpq conninfo)."""
    if not central:
        return ""
    parts = {key: value.strip("'") for key, value in _PAIR.findall(central)}
    if "dbname" not in parts and "host" not in parts:
        return central
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _clock(moment: dt.datetime, timezone: str, now: dt.datetime) -> str:
    local, today = store_time(moment, timezone), store_time(now, timezone)
    return local.strftime("%H:%M") if local.date() == today.date() else local.strftime("%b %-d %H:%M")


def status_text(report: SyncReport, timezone: str, *, show_cases: bool, now: dt.datetime | None = None) -> str:
    """The words for the status bar ('' for a store that does not sync)."""
    status = report.status
    if not status.joined:
        return ""
    now = now or dt.datetime.now(dt.UTC)
    waiting = _count(status.waiting, "change") + " waiting"
    if status.offline_since is not None:
        words = f"Offline since {_clock(status.offline_since, timezone, now)}"
        if status.waiting:
            words += f", {waiting}"
    elif status.last_error and report.checked and not report.syncing:
        words = "Sync stopped: a change from central clashes with one here (see the tooltip)"
    elif not report.checked or report.syncing:
        words = "Syncing…"
    elif status.waiting:
        words = f"Synced, {waiting}"
    else:
        words = "Synced"
    if show_cases:
        if status.conflicts:
            words += f" · {_count(status.conflicts, 'conflict')}"
        if status.attention:
            words += f" · {_count(status.attention, 'refused change')}"
    return words


def status_tip(report: SyncReport, timezone: str) -> str:
    """The tooltip: central, the last round, and why the last try failed."""
    status = report.status
    lines = [f"Central: {central_place(status.central)}", f"This counter: {status.store_code}-{status.counter_code}"]
    if status.last_pull_at is not None:
        lines.append("Last synced: " + store_time(status.last_pull_at, timezone).strftime("%Y-%m-%d %H:%M"))
    if status.last_error:
        lines.append(f"Last try: {status.last_error}")
    if report.retry_in is not None and status.offline_since is not None:
        lines.append(f"Trying again in {report.retry_in:.0f} s")
    return "\n".join(lines)


class SyncStatusLabel(QLabel):
    """The status bar's sync words; hidden until the worker reports (never shown for a store that does not
    sync: no worker, no report)."""

    def __init__(self, timezone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_status")
        self.timezone = timezone
        self.show_cases = False
        self.last: SyncReport | None = None
        self.setVisible(False)

    def show_report(self, report: SyncReport | None) -> None:
        self.last = report
        if report is None:
            self.clear()
            self.setVisible(False)
            return
        text = status_text(report, self.timezone, show_cases=self.show_cases)
        self.setText(text)
        self.setToolTip(status_tip(report, self.timezone))
        self.setAccessibleName(f"Sync: {text}")
        offline = report.status.offline_since is not None
        self.setProperty("state", "offline" if offline else "online")
        self.setStyleSheet("color: #9a3412; font-weight: 600;" if offline else "")
        self.setVisible(bool(text))

    def set_show_cases(self, show: bool) -> None:
        """Whoever is signed in settles conflicts (or not): name them (or not) from now on."""
        self.show_cases = show
        self.show_report(self.last)
