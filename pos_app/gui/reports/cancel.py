"""Stopping a report that is running: Esc on the Reports screen.

A report runs on a worker with the job's own connection (`gui/ops.py`). The
job hands its `ReportsReader` to a `RunningReport` as soon as it has one;
`cancel()`, called on the GUI thread, marks the job cancelled and interrupts
that connection's query (`ReportsReader.interrupt`, which is
`sqlite3.Connection.interrupt()`, safe from another thread). The job checks
the mark before and after the report is made, so a report cancelled between
two of its queries is thrown away too: the screen never shows half of one.
The lock keeps `cancel()` from interrupting a connection the worker has
already let go of (and closed).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from pos_app.gui.ops import Cancelled
from pos_app.services.ports.reports import ReportsReader

T = TypeVar("T")


class RunningReport:
    """One run of a report: made on the GUI thread, used by the worker job and by Esc."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._reader: ReportsReader | None = None

    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop the run (any thread): its query is interrupted now, its result thrown away."""
        with self._lock:
            self._cancelled = True
            if self._reader is not None:
                self._reader.interrupt()

    def run(self, reader: ReportsReader, make: Callable[[], T]) -> T:
        """On the worker: `make()` while Esc can interrupt `reader`'s connection; `Cancelled` if it did.

        Any failure of a cancelled run (SQLite's "interrupted") is `Cancelled`."""
        with self._lock:
            if self._cancelled:
                raise Cancelled("Cancelled")
            self._reader = reader
        try:
            made = make()
        except Exception as exc:
            if self._cancelled:
                raise Cancelled("Cancelled") from exc
            raise
        finally:
            with self._lock:
                self._reader = None
        if self._cancelled:
            raise Cancelled("Cancelled")
        return made
