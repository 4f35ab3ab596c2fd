"""Running work off the GUI thread, Anki-style.

`runner.run(work, on_done=..., parent=view)` runs `work(store)` on a worker and
calls `on_done(result)` back on the GUI thread. `store` is the store handle
(`services/ports/store.py`) on a connection of the job's own, opened when the
work first reads and closed when it ends: no screen opens a connection. A job
that takes no parameter gets no store (a device's job, or creating the store).
Database work runs on ONE worker, one job at a time (SQLite has one writer);
printer, file and network jobs run on a small pool beside it. A failure goes to `on_error` if given,
else to `show_error(parent, exc)`: a `UserFacingError` is shown to the person
(inline, if the parent view can show problems, else in Facet's message box, `messages.tell`);
anything else is logged with its traceback and shown as an apology.
"""

from __future__ import annotations

import inspect
import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, overload

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QApplication, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.gui import messages
from pos_app.services.ports.store import OpenedStore, Store

log = logging.getLogger(__name__)


class Cancelled(UserFacingError):
    pass


class CancelToken:
    """Handed to long work that checks `cancelled()` between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def cancelled(self) -> bool:
        return self._event.is_set()


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Tell the person what went wrong; log what they cannot act on."""
    if isinstance(exc, UserFacingError):
        show_problem = getattr(parent, "show_problem", None)
        if callable(show_problem):
            show_problem(exc)
            return
        messages.tell(parent, str(exc), kind=messages.Kind.WARNING)
        return
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    messages.tell(
        parent,
        "Something went wrong that Facet did not expect. Nothing was half-saved: the change was "
        "rolled back. The details are in the log file; please tell your Facet contact.",
        kind=messages.Kind.ERROR,
    )


def install_failure_hook() -> None:
    """Make an exception that escapes a slot (a key, a button, a timer) reach the person and the log.

    PySide6 hands such an exception to `sys.excepthook` and carries on, so without this hook a
    window that fails to open (its form missing: `forms.FormLoadError`) does nothing but print a
    traceback on a terminal nobody reads. The desktop app installs it at start.
    """
    previous = sys.excepthook

    def report(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: not the person's business
            previous(kind, exc, tb)
            return
        try:
            parent = QApplication.activeWindow()
            if isinstance(exc, UserFacingError):
                log.warning("%s: %s", type(exc).__name__, exc)
                messages.tell(parent, str(exc), kind=messages.Kind.ERROR)
            else:
                show_error(parent, exc.with_traceback(tb))
        except Exception:  # telling failed too: at least the terminal and the log have it
            log.exception("could not show an error to the person")
            previous(kind, exc, tb)

    sys.excepthook = report


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


T = TypeVar("T")
Work = Callable[[Store], Any] | Callable[[], Any]
"""A job: given the store handle of its own connection (or, for a device-only job, nothing)."""


def _wants_store(work: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(work).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


class _Task(QRunnable):
    def __init__(self, work: Work, relay: _Relay, open_store: Callable[[], OpenedStore] | None) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._relay = relay
        self._open_store = open_store

    def run(self) -> None:
        store = None
        try:
            if _wants_store(self._work):
                if self._open_store is None:
                    raise RuntimeError("this runner has no store to hand to its jobs")
                store = self._open_store()
                result = self._work(store)  # type: ignore[call-arg]
            else:
                result = self._work()  # type: ignore[call-arg]
        except BaseException as exc:  # handed to the GUI thread, never lost
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)
        finally:
            if store is not None:
                try:
                    store.close()
                except Exception:  # noqa: BLE001 - the job's outcome is already decided
                    log.warning("could not close a job's connection", exc_info=True)


class OpRunner(QObject):
    """Owns the database worker and the device pool; one per application."""

    busy_changed = Signal(bool)
    """Emitted when the first job starts or the last one ends."""

    def __init__(self, parent: QObject | None = None, *,
                 open_store: Callable[[], OpenedStore] | None = None) -> None:
        super().__init__(parent)
        self._open_store = open_store
        self._db = QThreadPool(self)
        self._db.setMaxThreadCount(1)
        self._io = QThreadPool(self)
        self._io.setMaxThreadCount(4)
        self._relays: set[_Relay] = set()

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    # Two signatures rather than the `Work` union: with the union, mypy leaves a `lambda store: ...` unchecked;
    # with these it checks the lambda's body against the Store port and `on_done` against what the work returns.
    @overload
    def run(self, work: Callable[[Store], T], *, on_done: Callable[[T], object] | None = None,
            on_error: Callable[[BaseException], object] | None = None, parent: QWidget | None = None,
            lane: str = "db") -> None: ...
    @overload
    def run(self, work: Callable[[], T], *, on_done: Callable[[T], object] | None = None,
            on_error: Callable[[BaseException], object] | None = None, parent: QWidget | None = None,
            lane: str = "db") -> None: ...

    def run(
        self,
        work: Work,
        *,
        on_done: Callable[[Any], object] | None = None,
        on_error: Callable[[BaseException], object] | None = None,
        parent: QWidget | None = None,
        lane: str = "db",
    ) -> None:
        relay = _Relay()
        self._relays.add(relay)
        if len(self._relays) == 1:
            self.busy_changed.emit(True)

        def finish() -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if not self._relays:
                self.busy_changed.emit(False)

        def gone() -> bool:
            # The screen or dialog that asked was closed and deleted while the work ran: nobody to tell.
            return parent is not None and not shiboken6.isValid(parent)

        def done(result: Any) -> None:
            finish()
            if on_done is not None and not gone():
                on_done(result)

        def failed(exc: BaseException) -> None:
            finish()
            if gone():
                log.info("work finished after its window closed: %s", type(exc).__name__)
                return
            if on_error is not None:
                on_error(exc)
            else:
                show_error(parent, exc)

        relay.done.connect(done)
        relay.failed.connect(failed)
        (self._db if lane == "db" else self._io).start(_Task(work, relay, self._open_store))

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every job has finished (at exit, and in tests)."""
        return self._db.waitForDone(msecs) and self._io.waitForDone(msecs)
