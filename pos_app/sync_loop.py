"""The counter's sync worker thread, without Qt: rounds with central, woken by central and by this counter.

Part of the composition root (like `sync_group.py`). The app's worker
(`gui/sync/worker.py`) wraps one `SyncLoop` in a QObject whose signals carry
its reports to the GUI thread; `benchmarks/sync_figures.py` runs the same loop
to measure what the app does. A plain `threading.Thread` loops:

1. one round (`services.sync.sync_once`: hello, push, audit, pull);
2. wait, until the first of: central's NOTIFY on `facet_changes` (every push
   of any counter notifies it, so a sale at the other counter arrives within
   a second or two), this counter's own nudge (`nudge()`: e.g. a sale was
   just committed and the outbox holds waiting rows), "Sync now"
   (`sync_now()`), or the polling fallback (`POLL_S`);
3. on `CentralProblem` (central down, a refused login, a schema on another
   revision) it backs off 1, 2, 4 ... 60 s; "Sync now" tries at once.

The thread runs as the store's background writer (`SqliteSyncLocal.background`,
`persistence/write_turns.py`): each step of a round that touches the store file
first waits for the counter's open units of work to end, so a sale never
shares its write lock, its CPU or its GIL with the round, and the round's own
writes are short and skip the fsync (what they record is recoverable: see
`persistence/sync_repo.py`). The counter never waits for this thread.

Every wait is cut in slices of `SLICE_S`, so `stop()` ends the thread within
about that long (it is joined; the app never hangs on close) and a nudge is
seen within it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pos_app.domain.errors import CentralProblem
from pos_app.services import sync

if TYPE_CHECKING:
    from pos_app.services.sync import SyncRound, SyncStatus
    from pos_app.sync_group import SyncGroup

log = logging.getLogger(__name__)

POLL_S = 30.0
"""A round at least this often, should a NOTIFY be lost (a NAT dropping the idle listener)."""
SLICE_S = 0.05
"""The longest the worker is deaf to `stop()`, "Sync now" and nudges (a sale is pushed this soon after)."""
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


class SyncLoop:
    """One store's sync worker thread. `on_report(SyncReport)` after each round, failed round and nudge that
    changed the count shown; `on_round(SyncRound)` after a round that pushed or pulled something. Both are
    called on the worker's thread: a GUI hands them on through a queued signal."""

    def __init__(self, group: SyncGroup, *, poll_s: float = POLL_S,
                 on_report: Callable[[SyncReport], None] | None = None,
                 on_round: Callable[[SyncRound], None] | None = None) -> None:
        self._group = group
        self._local = group.local
        self._poll_s = poll_s
        self._on_report = on_report
        self._on_round = on_round
        self._stop = threading.Event()
        self._bell = threading.Event()  # rung by stop(), sync_now() and nudge(): ends a wait early
        self._force = threading.Event()
        self._nudged = threading.Event()
        self._checked = False
        self.last: SyncReport | None = None
        """The latest report (a screen opened between two rounds shows it)."""
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)

    # ------------------------------------------------------------ the caller's side (any thread)

    def start(self) -> None:
        self._thread.start()

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

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------ the worker thread

    def one_round(self, link: Any) -> SyncRound:
        """One round over `link` (a subclass may time or count it)."""
        return sync.sync_once(self._local, link)

    def _publish(self, *, syncing: bool = False, retry_in: float | None = None) -> None:
        try:
            status = sync.status(self._local)
        except Exception:  # noqa: BLE001 - a status read must not end the worker (the store is closing)
            log.debug("reading the sync status failed", exc_info=True)
            return
        self.last = SyncReport(status, self._checked, syncing, retry_in)
        if not self._stop.is_set() and self._on_report is not None:
            self._on_report(self.last)

    def _run(self) -> None:
        with self._local.background():
            self._loop()

    def _loop(self) -> None:
        link: Any = None
        failures = 0
        self._publish(syncing=True)
        try:
            while not self._stop.is_set():
                self._force.clear()
                self._nudged.clear()
                rounding = False
                try:
                    if link is None:
                        link = self._group.link(timeout=LINK_TIMEOUT_S)
                    # Listening before the round: a change pushed while this round pulls still wakes the next.
                    link.listen()
                    while link.wait(0):  # notifications that came during the last round: this one serves them
                        pass
                    rounding = True
                    done = self.one_round(link)
                except CentralProblem as problem:
                    if not rounding:
                        self._went_offline(problem)
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
                if (done.pushed or done.pulled) and self._on_round is not None and not self._stop.is_set():
                    self._on_round(done)
                try:
                    self._wait(self._poll_s, link)
                except CentralProblem as problem:  # the listener broke: central went away; a round tells
                    log.info("sync listener lost: %s", problem)
                    link.close()
                    link = None
        finally:
            if link is not None:
                link.close()

    def _went_offline(self, problem: CentralProblem) -> None:
        """Central could not be reached before a round began (connecting, listening): recorded as a failed round
        records it (`sync_once`), so the status bar says "Offline since ..." either way."""
        try:
            state = self._local.state()
            if state.offline_since is None:
                self._local.record(offline_since=dt.datetime.now(dt.UTC), last_error=str(problem))
            elif state.last_error != str(problem):
                self._local.record(last_error=str(problem))
        except Exception:  # noqa: BLE001 - the store is closing; the next round tells
            log.debug("recording the offline state failed", exc_info=True)

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
