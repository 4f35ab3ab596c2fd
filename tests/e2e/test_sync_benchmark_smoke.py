"""The sync figures' harness runs end to end at a tiny size and reports every figure.

No timing is asserted (performance is measured by `benchmarks/sync_figures.py`, see benchmarks/README.md,
never by timed tests): this proves the harness works against a real PostgreSQL, and that what it checks
beside the timings holds even at this size: every sale pushed once, every chain sale on every device.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {"push_offline_day", "sale_visible_elsewhere_p95", "complete_sale_sync_on_p95", "chain_delay_p95",
            "chain_changes_per_s", "join_ready", "join_peak_rss"}


def test_sync_harness_reports_every_figure_and_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "sync.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACET_")}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.sync_figures", "--sales", "30", "--latency-sales", "3",
         "--sale-rounds", "20", "--devices", "2", "--chain-seconds", "6", "--chain-drain", "3",
         "--join-items", "100", "--join-lines", "600", "--json", str(out)],
        # A few minutes at most on a busy machine; the limit only catches a hang.
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    figures = {f["name"]: f for f in json.loads(out.read_text())["figures"]}
    assert set(figures) == EXPECTED
    assert all(isinstance(f["value"], (int, float)) and math.isfinite(f["value"]) for f in figures.values())
    push = figures["push_offline_day"]["detail"]
    assert push["sales_at_central"] == 30 and push["duplicate_changes"] == 0
    assert push["bench_rows_at_central"] == {"sales": 30, "sale_lines": 90, "payments": 30, "stock_movements": 90}
    assert push["round"]["refused"] == 0
    chain = figures["chain_delay_p95"]["detail"]
    assert chain["sales"] > 0
    assert (chain["lost_at_central"], chain["doubled_at_central"], chain["missing_at_devices"]) == (0, 0, 0)
    assert chain["lines_at_central"] == chain["lines_committed"]
    assert figures["sale_visible_elsewhere_p95"]["detail"]["missing_at_b"] == 0
    assert figures["join_ready"]["detail"]["items"] > 100
