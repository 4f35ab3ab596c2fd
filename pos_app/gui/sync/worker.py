"""The counter's one sync worker, for the GUI: `sync_loop.SyncLoop`'s thread, its reports as Qt signals.

`SyncWorker.start_for(facet)` starts it only when the store has joined a
group; a store that never joined gets None: no thread, no socket, nothing
changes for it. The loop itself (rounds, what wakes it, the backoff, how it
takes turns with the counter at the store file) is `pos_app/sync_loop.py`,
the same code `benchmarks/sync_figures.py` measures. The counter never waits
for this worker: selling, printing and signing in go through the op runner
and the store file only.

After each round, and when a nudge finds the outbox changed, the worker
emits `report` (a `SyncReport`) through a Qt signal: the connection is
queued, so the status bar and the Sync tab update on the GUI thread.
Connect it to lambdas or widgets' slots, never to bound methods of plain
Python objects (PySide ties such a connection to the object's life, and its
last reference going on this thread can deadlock against the GUI thread).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from pos_app.sync_loop import BACKOFF_S, LINK_TIMEOUT_S, POLL_S, SLICE_S, THREAD_NAME, SyncLoop, SyncReport

if TYPE_CHECKING:
    from pos_app.app import Facet
    from pos_app.services.sync import SyncRound

__all__ = ["BACKOFF_S", "LINK_TIMEOUT_S", "POLL_S", "SLICE_S", "THREAD_NAME", "SyncReport", "SyncWorker"]


class SyncWorker(QObject):
    report = Signal(object)
    """A `SyncReport`, emitted from the worker thread (queued to the GUI thread)."""
    round_done = Signal(object)
    """A round went through: the `services.sync.SyncRound` (what was pushed, pulled)."""

    def __init__(self, facet: Facet, parent: QObject | None = None, *, poll_s: float = POLL_S) -> None:
        super().__init__(parent)
        self._loop = SyncLoop(facet.sync(), poll_s=poll_s, on_report=self._reported, on_round=self._went_through)

    def _reported(self, report: SyncReport) -> None:
        self.report.emit(report)

    def _went_through(self, done: SyncRound) -> None:
        self.round_done.emit(done)

    @classmethod
    def start_for(cls, facet: Facet, parent: QObject | None = None) -> SyncWorker | None:
        """The worker of a store that joined a group, started; None for a store that never joined."""
        if not facet.sync().local.state().joined:
            return None
        worker = cls(facet, parent)
        worker._loop.start()
        return worker

    @property
    def last(self) -> SyncReport | None:
        """The latest report (read on the GUI thread: a screen opened between two rounds shows it)."""
        return self._loop.last

    def nudge(self) -> None:
        """Something may have been written (a sale committed): push it soon if the outbox holds it."""
        self._loop.nudge()

    def sync_now(self) -> None:
        """A round now, even while backing off."""
        self._loop.sync_now()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the loop and wait for the thread (a round under way finishes its current call first)."""
        return self._loop.stop(timeout)

    @property
    def running(self) -> bool:
        return self._loop.running
