"""`pos-app --data-dir D --smoke`, plus one benchmark-only variant driven by env.

With FACET_BENCH_SCROLL=1, once the signed-in inventory shows its first rows
the table is scrolled to its last row, a page at a time in strides (every
stride painted, so the lazy model fetches and caches its blocks as a person
scrolling would), and only then is the ready line printed: the peak memory of
that process is the app's at 100k items with the table fully travelled.
Nothing in pos_app is changed; this script wraps `pos_app.gui.launch._ready`.
"""

from __future__ import annotations

import json
import os
import sys
import time

MAX_PAINTS = 400


def _scroll_to_end(window: object) -> dict[str, float]:
    screen = window.workspace.screens["Inventory"]  # type: ignore[attr-defined]
    table = screen.form.table
    bar = table.verticalScrollBar()
    started = time.perf_counter()
    step = max(bar.pageStep(), bar.maximum() // MAX_PAINTS or 1)
    paints = 0
    for value in [*range(0, bar.maximum(), step), bar.maximum()]:
        bar.setValue(value)
        table.viewport().repaint()
        paints += 1
    last = screen.model.row_at(screen.model.rowCount() - 1)
    return {"paints": paints, "seconds": round(time.perf_counter() - started, 4),
            "last_row_loaded": last is not None, **_memory()}


def _memory() -> dict[str, float]:
    """This process's resident memory now and its peak so far (Linux /proc), in MB."""
    found: dict[str, float] = {}
    try:
        for line in open("/proc/self/status", encoding="ascii"):
            if line.startswith(("VmRSS:", "VmHWM:")):
                found["rss_now_mb" if line.startswith("VmRSS") else "rss_peak_mb"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found


def main() -> int:
    from pos_app.gui import launch

    if os.environ.get("FACET_BENCH_SCROLL") == "1":
        original = launch._ready

        def ready(window: object, screen: str, **timings: float) -> None:
            if screen == "inventory":
                print(json.dumps({"event": "scrolled", **_scroll_to_end(window)}), flush=True)
            original(window, screen, **timings)

        launch._ready = ready  # type: ignore[assignment]
    from pos_app.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
