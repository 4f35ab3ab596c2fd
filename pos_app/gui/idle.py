"""Locks the screen after the store's idle time (`security.idle_lock_minutes`).

An application-wide event filter notes the last key press, click or wheel;
a one-second timer compares. Cheap enough to run on every event.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.TouchBegin}


class IdleWatcher(QObject):
    idle = Signal()
    """No input for the configured time; emitted once until activity resumes."""

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.limit = max(minutes, 0.05) * 60
        self._last = time.monotonic()
        self._fired = False
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._check)

    def arm(self, armed: bool) -> None:
        """Watch only while someone is signed in."""
        self._armed = armed
        self._last = time.monotonic()
        self._fired = False
        if armed:
            self._timer.start()
        else:
            self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self._last = time.monotonic()
            self._fired = False
        return False

    def _check(self) -> None:
        if self._armed and not self._fired and time.monotonic() - self._last >= self.limit:
            self._fired = True
            self.idle.emit()
