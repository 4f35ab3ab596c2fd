"""The performance harness runs end to end on a small store and reports every figure.

No timing is asserted here: performance is measured by `benchmarks/run.py`
(see benchmarks/README.md), never by timed tests. This only proves the
harness works, so its numbers can be trusted to exist when someone runs it.
It runs with `--smoke`: the same measuring code at the smallest sizes and
round counts that still produce every figure (2,000 appraisals, 100 sales and
10 appraisals a privacy customer, 500 CSV rows, fewer rounds and warm-ups).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMOKE_APPRAISALS = 2_000  # run.py's Sizes.of(smoke=True)
SMOKE_PRIVACY_SALES = 100
SMOKE_PRIVACY_APPRAISALS = 10  # two photos each
SMOKE_IMPORT_ROWS = 500

EXPECTED_FIGURES = {
    "cold_start_inventory_manager",
    "cold_start_inventory_clerk",
    "cold_start_sign_in",
    "peak_rss_inventory_manager",
    "peak_rss_scrolled_to_end",
    "first_screen_inventory",
    "search_p95",
    "search_p50",
    "lookup_p95",
    "import_csv",
    "scan_to_line_p95",
    "scan_to_line_p50",
    "complete_sale_p95",
    "complete_sale_p50",
    "receipt_escpos_p95",
    "receipt_escpos_p50",
    "appraisal_pdf_p95",
    "appraisal_pdf_p50",
    "appraisal_list_open_p95",
    "appraisal_list_open_p50",
    "privacy_export",
    "privacy_erase",
    "privacy_erase_vacuum",
    "privacy_erase_sale_wait",
}


MAIN_REPORTS = {"report_vs_sql_sales_by_day_p95", "report_vs_sql_sales_by_style_p95",
                "report_vs_sql_margin_by_item_p95"}


def _report_figures() -> set[str]:
    """The dashboard and one figure per report the catalog has now (other modules add reports), the main ones
    beside hand-written SQL (the salespeople's once the catalog offers them)."""
    from pos_app.services.reports import catalog

    names = catalog.names()
    figures = {"dashboard_p95", *(f"report_{n.replace('-', '_')}_p95" for n in names), *MAIN_REPORTS}
    if "salespeople" in names or "salesperson" in catalog.spec("sales").bys:
        figures.add("report_vs_sql_salespeople_p95")
    return figures


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def test_harness_reports_every_figure_with_value_baseline_and_ratio(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACET_")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--items", "2000", "--repeat", "1",
         "--json", str(out), "--quiet", "--smoke"],
        # About 40 s of CPU; the limit only catches a hang, so a busy machine (3 min and more) passes.
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["items"] == 2000
    assert result["smoke"] is True and "--smoke" in proc.stdout, "the table does not say its sizes are --smoke's"
    assert result["machine"]["cpus"]
    figures = {f["name"]: f for f in result["figures"]}
    assert set(figures) == EXPECTED_FIGURES | _report_figures()
    for name, figure in figures.items():
        for key in ("value", "baseline", "ratio"):
            assert _number(figure[key]), f"{name}.{key} is {figure[key]!r}"
        assert figure["unit"] in ("s", "ms", "MB"), name
        assert figure["pass"] in (True, False, None), name
        assert (figure["target"] is None) == (figure["pass"] is None), name
        assert figure["label"] in proc.stdout, f"{name} is not in the printed table"
    search = figures["search_p95"]["detail"]
    assert '"' in search["keystrokes"] and "SKU-000*" in search["keystrokes"]
    assert search["errors"] == [], "a keystroke crashed the search"
    assert search["row_count_mismatches"] == [], "the baseline did not find what the app found"
    assert result["setup"]["sales_history"]["sale_lines"] >= 20_000, "the store has no sales history"
    sale = figures["complete_sale_p95"]["detail"]
    assert sale["errors"] == [] and sale["rows_match"], "the baseline does not write what complete_sale writes"
    assert sale["audit_chain_breaks"] == 0
    for name in ("scan_to_line_p95", "receipt_escpos_p95", "appraisal_pdf_p95", "appraisal_list_open_p95",
                 "privacy_export", "privacy_erase"):
        assert figures[name]["detail"]["errors"] == [], name
    pdf = figures["appraisal_pdf_p95"]["detail"]
    assert pdf["images_in_pdf"] == 2 and pdf["same_bytes_every_render"], "the timed PDF is not the one described"
    listing = figures["appraisal_list_open_p95"]["detail"]
    assert listing["rows"] > 0 and listing["setup"]["appraisals"] >= SMOKE_APPRAISALS
    assert f"({listing['setup']['appraisals']:,} appraisals)" in figures["appraisal_list_open_p95"]["label"]
    export = figures["privacy_export"]["detail"]
    assert export["counts"]["sales"] == export["sales"] == SMOKE_PRIVACY_SALES
    assert export["counts"]["appraisals"] == SMOKE_PRIVACY_APPRAISALS and export["counts"]["files"] == 2 * SMOKE_PRIVACY_APPRAISALS
    assert export["sales_at_half"] == SMOKE_PRIVACY_SALES // 2 and export["peak_traced_mb_at_half"] > 0
    assert f"({SMOKE_PRIVACY_SALES} sales)" in figures["privacy_export"]["label"]
    assert figures["import_csv"]["label"] == f"import {SMOKE_IMPORT_ROWS} CSV rows"
    erase = figures["privacy_erase"]["detail"]["rows_written"]
    # The app writes one audit event more: privacy.erasure_started, before the photos go in batches.
    assert {**erase["ours"], "audit_events": erase["ours"]["audit_events"] - 1} == erase["raw"], \
        "the erasure's baseline does not write what erase_customer writes"
    assert erase["ours"]["photos_left"] == 0 and erase["ours"]["sales_kept"] > 0
    assert figures["privacy_erase_vacuum"]["detail"]["scrubbed"], "the scrub left WAL frames or free pages"
    history = result["setup"]["sales_history"]["shaped"]
    assert history["returns"] > 0 and history["shared"] > 0 and history["exempt"] > 0, history
    assert sale["rows_written"]["ours"]["lines_with_cost"] == 3, "the sale's lines were written without their cost"
    for name in _report_figures():
        detail = figures[name]["detail"]
        assert detail["errors"] == [], (name, detail["errors"])
        if name.startswith("report_vs_sql_"):
            assert detail["totals_match"], f"{name}: the report and the hand-written SQL disagree on net sales"
    assert figures["dashboard_p95"]["detail"]["year_to_date_net_sales"] > 0
    waits = figures["privacy_erase_sale_wait"]["detail"]["runs"]
    assert all(r["sales_during"] > 0 and r["scrubbed"] and not r["loop_errors"] for r in waits), waits

