"""The counter's one sync worker: rounds with central off the GUI thread, woken by central and by this counter.

`SyncWorker.start_for(facet)` starts it only when the store has joined a
group; a store that never joined gets None: no thread, no socket, nothing
changes for it. Once started, a plain `threading.Thread` loops:

1. one round (`services.sync.sync_once`: hello, push, audit, pull);
2. wait, until the first of: central's NOTIFY on `facet_changes` (every push
   of any counter notifies it, so a sale at the other counter arrives within
   a second or two), this counter's own nudge (`nudge()`: a job of the op
   runner ended and the outbox holds waiting rows, e.g. a sale was just
   committed), "Sync now" (`sync_now()`), or the polling fallback
   (`POLL_S`);
3. on `CentralProblem` (central down, a refused login, a schema on another
   revision) it backs off 1, 2, 4 ... 60 s; "Sync now" tries at once.

Every wait is cut in slices of `SLICE_S` so `stop()` ends the thread within
about that long (it is joined; the app never hangs on close). The counter
never waits for this worker: selling, printing and signing in go through the
op runner and the store file only.

After each round, and when a nudge finds the outbox changed, the worker
emits `report` (a `SyncReport`) through a Qt signal: the connection is
queued, so the status bar and the Sync tab update on the GUI thread.
Connect it to lambdas or widgets' slots, never to bound methods of plain
Python objects (PySide ties such a connection to the object's life, and its
last reference going on this thread can deadlock against the GUI thread).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from pos_app.domain.errors import CentralProblem
from pos_app.services import sync

if TYPE_CHECKING:
    from pos_app.app import Facet
    from pos_app.services.sync import SyncStatus

log = logging.getLogger(__name__)

POLL_S = 30.0
"""A round at least this often, should a NOTIFY be lost (a NAT dropping the idle listener)."""
SLICE_S = 0.25
"""The longest the worker is deaf to `stop()`, "Sync now" and nudges."""
BACKOFF_S = (1, 2, 4, 8, 15, 30, 60)
"""Waits after the first, second ... failed round; then 60 s until central answers again."""
LINK_TIMEOUT_S = 5
THREAD_NAME = "facet-sync"


@dataclass(frozen=True)
class SyncReport:
    """What the status bar and the Sync tab show: the counter's sync status and the worker's phase."""

    status: SyncStatus
    checked: bool
    """A round finished or failed since the app started (before that, "Syncing…")."""
    syncing: bool = False
    """A round is under way."""
    retry_in: float | None = None
    """Offline: seconds until the next try."""


class SyncWorker(QObject):
    report = Signal(object)
    """A `SyncReport`, emitted from the worker thread (queued to the GUI thread)."""
    round_done = Signal(object)
    """A round went through: the `services.sync.SyncRound` (what was pushed, pulled)."""

    def __init__(self, facet: Facet, parent: QObject | None = None, *, poll_s: float = POLL_S) -> None:
        super().__init__(parent)
        self._group = facet.sync()
        self._local = self._group.local
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._bell = threading.Event()  # rung by stop(), sync_now() and nudge(): ends a wait early
        self._force = threading.Event()
        self._nudged = threading.Event()
        self._checked = False
        self.last: SyncReport | None = None
        """The latest report (read on the GUI thread: a screen opened between two rounds shows it)."""
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)

    @classmethod
    def start_for(cls, facet: Facet, parent: QObject | None = None) -> SyncWorker | None:
        """The worker of a store that joined a group, started; None for a store that never joined."""
        if not facet.sync().local.state().joined:
            return None
        worker = cls(facet, parent)
        worker._thread.start()
        return worker

    # ------------------------------------------------------------ the GUI thread's side

    def nudge(self) -> None:
        """Something may have been written (a sale committed): push it soon if the outbox holds it."""
        self._nudged.set()
        self._bell.set()

    def sync_now(self) -> None:
        """A round now, even while backing off."""
        self._force.set()
        self._bell.set()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the loop and wait for the thread (a round under way finishes its current call first)."""
        self._stop.set()
        self._bell.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # ------------------------------------------------------------ the worker thread

    def _publish(self, *, syncing: bool = False, retry_in: float | None = None) -> None:
        try:
            status = sync.status(self._local)
        except Exception:  # noqa: BLE001 - a status read must not end the worker (the store is closing)
            log.debug("reading the sync status failed", exc_info=True)
            return
        self.last = SyncReport(status, self._checked, syncing, retry_in)
        if not self._stop.is_set():
            self.report.emit(self.last)

    def _run(self) -> None:
        link: Any = None
        failures = 0
        self._publish(syncing=True)
        try:
            while not self._stop.is_set():
                self._force.clear()
                self._nudged.clear()
                try:
                    if link is None:
                        link = self._group.link(timeout=LINK_TIMEOUT_S)
                    # Listening before the round: a change pushed while this round pulls still wakes the next.
                    link.listen()
                    done = sync.sync_once(self._local, link)
                except CentralProblem as problem:
                    failures += 1
                    self._checked = True
                    wait = float(BACKOFF_S[min(failures, len(BACKOFF_S)) - 1])
                    log.info("sync round failed (retry in %g s): %s", wait, problem)
                    if link is not None:
                        link.close()
                        link = None
                    self._publish(retry_in=wait)
                    self._wait(wait, None)
                    continue
                except Exception:  # noqa: BLE001 - a bug must not kill the worker silently; back off and retry
                    failures += 1
                    log.exception("sync round failed unexpectedly")
                    if link is not None:
                        link.close()
                        link = None
                    self._checked = True
                    self._publish(retry_in=60.0)
                    self._wait(60.0, None)
                    continue
                failures = 0
                self._checked = True
                self._publish()
                if done.pushed or done.pulled:
                    self.round_done.emit(done)
                try:
                    self._wait(self._poll_s, link)
                except CentralProblem as problem:  # the listener broke: central went away; a round tells
                    log.info("sync listener lost: %s", problem)
                    link.close()
                    link = None
        finally:
            if link is not None:
                link.close()

    def _wait(self, seconds: float, link: Any) -> None:
        """Until `seconds` passed, central notified (with a `link`), "Sync now", a nudge with work waiting
        (online only: offline a nudge updates the count shown, and the backoff stands), or stop."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._force.is_set():
                return
            if self._nudged.is_set():
                self._nudged.clear()
                if link is not None and self._local.waiting() > 0:
                    return
                if link is None:
                    self._publish(retry_in=max(remaining, 0.0))
            self._bell.clear()
            if self._stop.is_set() or self._force.is_set() or self._nudged.is_set():
                continue
            if link is not None:
                if link.wait(min(SLICE_S, remaining)):
                    return
            else:
                self._bell.wait(min(SLICE_S, remaining))
