"""Baseline for cold start and memory: a bare PySide6 main window, shown and painted.

Prints one JSON line {"event": "ready", ...} after the first paint (a
zero-delay timer after show(), as `pos-app --smoke` does), then exits.
"""

from __future__ import annotations

import json
import sys
import time

_STARTED = time.perf_counter()

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1280, 800)
    window.show()

    def ready() -> None:
        window.repaint()
        print(json.dumps({"event": "ready", "screen": "bare", "seconds": round(time.perf_counter() - _STARTED, 4)}),
              flush=True)
        QTimer.singleShot(0, window.close)

    QTimer.singleShot(0, ready)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
