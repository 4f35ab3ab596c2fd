"""Turns at the store's write lock within this process: the counter first, the sync worker between sales.

SQLite lets one connection write at a time. The counter (units of work: a sale,
a print job, a sign-in) and the sync worker (marking pushed rows, writing a
pulled page) meet at that one lock in the same process. Left to SQLite, a sale
that arrives while the worker writes waits for it, and the worker starts its
writes whenever its round gets there, often in the middle of the counter's
next sale. `WriteTurns` lets the worker look before it takes the lock:

- every write transaction a unit of work opens on the store's engine
  (`database.make_engine`'s BEGIN IMMEDIATE) is counted open until its commit
  or rollback (`opened` / `closed`, from the engine's events);
- the worker's thread runs `with turns.background():`, so its own writes
  through the engine (a pulled page) are not counted as the counter's;
- before each write transaction, the worker calls `after_counter()`: it
  waits (on a condition, woken the moment the counter's transaction ends)
  until no counter write is open, then writes at once.

The counter never waits on this object; a sale that begins while the worker
writes waits at SQLite's lock, whose busy handler (`sqlcipher.prompt_busy_handler`)
retries every fraction of a millisecond, and the worker's writes are short.
The worker's wait is bounded (`patience_s`): a counter that keeps a write open
for long (an import) delays sync by that much, then SQLite orders them.
Another process (a second window on the same file) is not seen here; SQLite's
lock still orders it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

WORKER_PATIENCE_S = 2.0
"""The longest the worker waits for the counter's write transactions to end before it writes anyway."""


class WriteTurns:
    """The counter's open write transactions on one store, and the background thread's wait for none.

    Thread-safe; one per `LocalDatabase` (so per store file in this process)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._open: set[int] = set()
        self._background = threading.local()
        self._last_closed = 0.0

    # ------------------------------------------------------------ the counter's side (engine events)

    def opened(self, key: int) -> None:
        """A write transaction began on connection `key` (ignored on a background thread)."""
        if self.in_background:
            return
        with self._changed:
            self._open.add(key)

    def closed(self, key: int) -> None:
        """The write transaction on connection `key` ends (commit or rollback): a waiting worker may go."""
        with self._changed:
            if key in self._open:
                self._open.discard(key)
                self._last_closed = time.monotonic()
                self._changed.notify_all()

    @property
    def counter_writing(self) -> bool:
        """Whether a unit of work of this process holds (or is taking) the store's write lock now."""
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

    def after_counter(self, patience_s: float = WORKER_PATIENCE_S) -> bool:
        """Wait until no counter write transaction is open (at most `patience_s`); True if none is. Returns
        at once when none is: the caller then begins its own write straight away."""
        deadline = time.monotonic() + patience_s
        with self._changed:
            while self._open:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True
