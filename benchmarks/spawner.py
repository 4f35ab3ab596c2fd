"""Starts the benchmark's child processes from a small process, so their peak RSS is their own.

On Linux a child's `ru_maxrss` starts at the peak RSS of the process that
spawned it: Python's subprocess uses vfork, and exec() records the shared
parent's high-water mark in the child's maxrss. A child of the harness,
which holds a 100k-item store's worth of objects, would report the harness's
peak instead of its own. The harness starts this script first, while it is
still small, and hands it every child to run: one JSON request a line on
stdin ({"cmd", "env", "log", "want"}), one JSON reply a line on stdout.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.children import run_until_ready  # noqa: E402 - stdlib-only module


def main() -> int:
    for line in sys.stdin:
        request = json.loads(line)
        try:
            run = run_until_ready(request["cmd"], request["env"], Path(request["log"]), want_event=request["want"])
            reply = {"ok": True, **dataclasses.asdict(run)}
        except Exception as exc:  # noqa: BLE001 - reported to the harness, which raises it
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        reply["spawner_max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
