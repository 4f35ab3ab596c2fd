"""Turns at the store within this process: the counter first, the sync worker between the counter's work.

SQLite lets one connection write at a time, and Python runs one thread at a
time. The counter (units of work: a sale, a print job, a sign-in) and the
sync worker (`sync_loop.py`) share both in one process. Left alone, a sale
that arrives while the worker writes waits for it, and the worker starts its
steps whenever its round gets there, often in the middle of the counter's
next sale. `WriteTurns` lets the worker look first:

- every unit of work (`uow.SqlUnitOfWork`, from `with uow:` or `reading()` to
  its end) and every write transaction begun on the store's engine
  (`database.make_engine`'s BEGIN IMMEDIATE, counted from before the BEGIN
  to its commit or rollback) is the counter's, open (`opened` / `closed`);
- the worker's thread runs inside `background()`: what it opens is not the
  counter's;
- before each step that touches the store file, the worker calls
  `after_counter()`: it waits on a condition, woken the moment the counter's
  last open unit of work ends, then goes on at once.

The counter never waits on this object. A sale that begins while a worker's
step runs waits at SQLite's lock at most for that short step, through a busy
handler that retries every fraction of a millisecond
(`sqlcipher.prompt_busy_handler`). The worker's wait is bounded
(`WORKER_PATIENCE_S`): a counter that keeps a unit of work open for long (an
import, a screen's long read) delays sync by that much, then SQLite orders
them. Another process on the same file (a second window) is not seen here;
SQLite's lock still orders it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

WORKER_PATIENCE_S = 2.0
"""The longest the worker waits for the counter's write transactions to end before it writes anyway."""


class WriteTurns:
    """The counter's open units of work and write transactions on one store, and the worker's wait for none.

    Thread-safe; one per `LocalDatabase` (so per store file in this process)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._open: set[int] = set()
        self._background = threading.local()

    # ------------------------------------------------------------ the counter's side (uow and engine events)

    def opened(self, key: int) -> None:
        """The counter opened unit of work or write transaction `key` (ignored on a background thread)."""
        if self.in_background:
            return
        with self._changed:
            self._open.add(key)

    def closed(self, key: int) -> None:
        """`key` ended (commit, rollback, the unit of work's end): a waiting worker may go once none is open."""
        with self._changed:
            if key in self._open:
                self._open.discard(key)
                self._changed.notify_all()

    @property
    def counter_busy(self) -> bool:
        """Whether the counter has a unit of work or write transaction open now."""
        with self._changed:
            return bool(self._open)

    # ------------------------------------------------------------ the background thread's side

    @property
    def in_background(self) -> bool:
        return getattr(self._background, "depth", 0) > 0

    @contextmanager
    def background(self) -> Iterator[None]:
        """This thread's writes inside the block are the worker's, not the counter's (re-entrant)."""
        self._background.depth = getattr(self._background, "depth", 0) + 1
        try:
            yield
        finally:
            self._background.depth -= 1

    def pause_for_counter(self) -> None:
        """On a background thread, inside a long stretch of its own work (a loop over rows, no write lock
        held): wait while the counter has a unit of work open, so the sale gets the CPU and the GIL. A cheap
        look when it has none (this is called once per row)."""
        if self._open and self.in_background:
            self.after_counter()

    def after_counter(self, patience_s: float = WORKER_PATIENCE_S) -> bool:
        """Wait until the counter has no unit of work or write transaction open (at most `patience_s`); True
        if it has none. Returns at once when none is open: the caller then goes on straight away."""
        deadline = time.monotonic() + patience_s
        with self._changed:
            while self._open:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True
