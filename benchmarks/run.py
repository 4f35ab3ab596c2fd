"""Facet's performance harness: each figure beside a baseline measured in the same run.

    python benchmarks/run.py --items 100000 --json OUT.json [--repeat 5] [--keep DIR] [--smoke]

Builds (or, with --keep, reuses) a demo store grown to --items necklaces and
--sale-lines past sale lines in a temporary data folder with a temporary
plaintext keyring, then measures cold start, search as you type, scanner
lookup, the inventory table's first screen, the counter (scan to line,
complete a sale, render a receipt), the dashboard and every manager report over a
year of sales (beside hand-written SQL for the main ones), the appraisal PDF and the appraisals
screen at 50,000 appraisals, a customer's privacy export and erasure (1,000
sales, 20 appraisals), the scrub after it and the longest a sale at another
counter waited meanwhile, a CSV import and peak memory,
and prints one table: figure, baseline, ratio, target, PASS/FAIL. See
benchmarks/README.md for what each figure is. Run it with the project's
venv Python (it starts `pos-app` from the same venv). `--smoke` runs the
same measuring code at the smallest sizes and round counts that still
produce every figure (`Sizes`): for tests, not figures to quote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


GROUPS = ("cold_start", "first_screen", "search", "counter", "reports", "appraisals", "privacy", "import")
"""The groups of figures `--only` picks from, in the order they run."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="items in the store (default 100000)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed rounds of each child process, and passes over the search and lookup "
                             "inputs, after one warm-up (default 5)")
    parser.add_argument("--json", metavar="FILE", help="write the results here")
    parser.add_argument("--keep", metavar="DIR", help="build the store in DIR and keep it; reuse it next time")
    parser.add_argument("--import-rows", type=int,
                        help="rows in the CSV import (default min(10000, --items); with --smoke min(500, --items))")
    parser.add_argument("--sale-lines", type=int,
                        help="past sale lines in the store (default 10 x --items: 1,000,000 for 100,000 items)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--smoke", action="store_true",
                        help="the harness end to end at the smallest sizes that still exercise every figure "
                             "(fewer rounds and warm-ups, 2,000 appraisals, 100 sales and 10 appraisals a "
                             "privacy customer, 500 CSV rows): for tests; its numbers are not figures to quote")
    parser.add_argument("--display", choices=("auto", "xvfb", "offscreen"), default="auto",
                        help="where the timed windows open: a real X window on a private Xvfb server (what a "
                             "person sees; 'auto' picks it when Xvfb is installed) or Qt's offscreen platform")
    parser.add_argument("--sync", action="store_true",
                        help="also the sync figures (benchmarks/sync_figures.py, its own PostgreSQL and stores, "
                             "in a child process): printed as their own table, added to --json's figures")
    parser.add_argument("--sync-devices", type=int, default=10, help="devices of the simulated chain (10)")
    parser.add_argument("--only", metavar="GROUPS",
                        help="only these groups of figures, comma-separated: " + ", ".join(GROUPS) +
                             " (default: all of them; the store is built either way)")
    parser.add_argument("--report-rounds", type=int,
                        help="timed rounds of the dashboard and each report (default 2 x --repeat; --smoke: "
                             "--repeat)")
    args = parser.parse_args(argv)
    if args.items < 1000 or args.repeat < 1:
        parser.error("--items must be at least 1000 (the demo alone has about 600: its 235 in stock and the pieces "
                     "its older sales sold) and --repeat at least 1")
    if args.sale_lines is None:
        args.sale_lines = 10 * args.items
    if args.sale_lines < 0:
        parser.error("--sale-lines cannot be negative")
    args.groups = set(GROUPS) if not args.only else {g.strip() for g in args.only.split(",") if g.strip()}
    if not args.groups or args.groups - set(GROUPS):
        parser.error(f"--only takes some of {', '.join(GROUPS)}, not {args.only!r}")
    if args.report_rounds is not None and args.report_rounds < 1:
        parser.error("--report-rounds must be at least 1")
    return args


def start_display(choice: str) -> subprocess.Popen[bytes] | None:
    """A private Xvfb server for the timed windows, or None for Qt's offscreen platform.

    Cold start is "the window is up and usable": with a real X server both the
    app and the bare-window baseline pay for connecting to it and mapping a
    window, as on a counter PC; offscreen skips that for both.
    """
    xvfb = shutil.which("Xvfb")
    if choice == "offscreen" or (choice == "auto" and xvfb is None):
        return None
    if xvfb is None:
        raise SystemExit("--display xvfb: Xvfb is not installed (Debian package xvfb)")
    for number in range(91, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    server = subprocess.Popen([xvfb, f":{number}", "-nolisten", "tcp", "-screen", "0", "1600x1000x24"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = f":{number}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return server


def set_environment(work: Path) -> None:
    """Offscreen Qt (unless a display was started) and a plaintext keyring in `work`:
    set before keyring or Qt is imported."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    os.environ["XDG_DATA_HOME"] = str(work / "xdg-data")
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(work / "escpos")
    os.environ.pop("FACET_DATA_DIR", None)
    for name in ("FACET_SMOKE_STAFF", "FACET_SMOKE_SECRET", "FACET_BENCH_SCROLL"):
        os.environ.pop(name, None)


@dataclass(frozen=True)
class Sizes:
    """The sizes and round counts a run uses besides --items and --repeat: a full run's, or --smoke's.

    Only these change with --smoke; every figure is measured by the same code either way."""

    child_warmup: int  # discarded rounds of the cold-start and first-screen children, before --repeat timed ones
    counter_rounds: int  # timed rounds of scan to line, complete a sale, the receipt: this × --repeat
    counter_warmup: int
    pdf_rounds: int  # timed rounds of the appraisal PDF with JPEG photos: this × --repeat
    pdf_warmup: int
    pdf_png_rounds: int | None  # with PNG photos (detail only); None: appraisal_pdf.png_rounds(PDF rounds)
    appraisals: int  # the appraisals screen opens over this many appraisals (filled up to it)
    list_rounds: int  # timed opens of the appraisals screen: this × --repeat
    list_warmup: int
    privacy_sales: int  # past sales of each privacy customer (fewer if the store has too few)
    privacy_appraisals: int  # appraisals of each privacy customer, two photos each
    privacy_warmup: int  # discarded erasure rounds (two customers each)
    import_rows: int  # CSV rows imported, at most --items, unless --import-rows says
    report_rounds: int  # timed rounds of the dashboard and each report: this × --repeat
    report_warmup: int

    @classmethod
    def of(cls, smoke: bool) -> Sizes:
        from benchmarks import appraisal_list, appraisal_pdf, counter, privacy, reports

        if smoke:
            return cls(child_warmup=0, counter_rounds=20, counter_warmup=2, pdf_rounds=3, pdf_warmup=0,
                       pdf_png_rounds=1, appraisals=2_000, list_rounds=3, list_warmup=1, privacy_sales=100,
                       privacy_appraisals=10, privacy_warmup=0, import_rows=500,
                       report_rounds=1, report_warmup=0)
        return cls(child_warmup=1, counter_rounds=100, counter_warmup=counter.WARMUP, pdf_rounds=20,
                   pdf_warmup=appraisal_pdf.WARMUP, pdf_png_rounds=None, appraisals=50_000, list_rounds=5,
                   list_warmup=appraisal_list.WARMUP, privacy_sales=privacy.SALES,
                   privacy_appraisals=privacy.APPRAISALS, privacy_warmup=privacy.WARMUP, import_rows=10_000,
                   report_rounds=reports.ROUNDS, report_warmup=reports.WARMUP)


@dataclass
class Figure:
    name: str
    label: str
    value: float
    unit: str
    baseline: float
    baseline_is: str
    target: str | None = None
    passed: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": round(self.value, 4), "unit": self.unit,
                "baseline": round(self.baseline, 4), "ratio": round(self.ratio, 3), "target": self.target,
                "pass": self.passed, "label": self.label, "baseline_is": self.baseline_is, "detail": self.detail}


def machine() -> dict[str, Any]:
    import PySide6
    import sqlcipher3

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    memory_mb = None
    try:
        memory_mb = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    except (OSError, IndexError, ValueError):
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cpus": os.cpu_count(), "memory_mb": memory_mb,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "pyside6": PySide6.__version__,
            "sqlite": sqlcipher3.sqlite_version, "qt_platform": os.environ.get("QT_QPA_PLATFORM")}


class Harness:
    def __init__(self, args: argparse.Namespace, work: Path, spawner: Any) -> None:
        self.args = args
        self.spawner = spawner
        self.work = work
        self.data_dir = work / "store"
        self.logs = work / "logs"
        self.figures: list[Figure] = []
        self.warnings: list[str] = []
        self.setup: dict[str, Any] = {}
        self.sync_result: dict[str, Any] | None = None
        self.sync_table = ""
        self.sizes = Sizes.of(args.smoke)

    def say(self, text: str) -> None:
        if not self.args.quiet:
            print(text, file=sys.stderr, flush=True)

    # -- setup ---------------------------------------------------------------------------

    def build_store(self) -> None:
        """The demo store (default argon2 costs) grown to --items; reused from --keep if there."""
        from benchmarks import catalog
        from pos_app import app

        started = time.perf_counter()
        if app.store_exists(self.data_dir):
            facet = app.open_facet(self.data_dir)
            reused = True
        else:
            self.say(f"building the demo store in {self.data_dir} ...")
            facet = app.create_demo_facet(self.data_dir)
            reused = False
        try:
            have = facet.store.directory.counts().items
            if have > self.args.items:
                raise SystemExit(f"{self.data_dir} already holds {have:,} items, more than --items "
                                 f"{self.args.items:,}: use another --keep folder")
            self.say(f"adding {self.args.items - have:,} items in units of work of {catalog.BATCH:,} ...")
            added = catalog.grow_store(facet, self.args.items)
            history = self.fill_history(facet)
            counts = facet.store.directory.counts()
        finally:
            facet.close()
        self.setup = {"reused_store": reused, "items_added": added, "seconds": round(time.perf_counter() - started, 1),
                      "items": counts.items, "items_in_stock": counts.items_in_stock, "sales": counts.sales,
                      "sales_history": history,
                      "hasher": "argon2id default costs (time_cost=3, memory_cost=65536, parallelism=4)",
                      "store_mb": round(self.data_dir.joinpath("facet.db").stat().st_size / 2**20, 1)}
        self.say(f"store ready: {counts.items:,} items, {history['sale_lines']:,} sale lines, "
                 f"{self.setup['store_mb']} MB, {self.setup['seconds']} s")

    def fill_history(self, facet: Any) -> dict[str, Any]:
        """--sale-lines past sale lines (raw executemany, big transactions); kept stores keep theirs."""
        from benchmarks import counter, inprocess

        raw = inprocess.raw_connection(facet.db.path, self._key())
        try:
            self.say(f"sales history: up to {self.args.sale_lines:,} sale lines ...")
            history = counter.fill_history(raw, terminal=facet.terminal, lines=self.args.sale_lines,
                                           progress=self.say)
        finally:
            raw.close()
        if history["made"]:
            self.say(f"  wrote {history['lines_added']:,} sale lines in {history['sales_added']:,} sales "
                     f"({history['first_number']} to {history['last_number']}) in {history['write_seconds']} s")
        else:
            self.say(f"  the store already has {history['sale_lines']:,} sale lines: kept")
        return history

    # -- figures ---------------------------------------------------------------------------

    def cold_start_and_memory(self) -> None:
        from benchmarks import children

        self.say(f"cold start (children interleaved, {self.sizes.child_warmup} warm-up round) ...")
        runs = children.interleaved(self.spawner, children.cold_start_commands(self.data_dir),
                                    rounds=self.args.repeat, warmup=self.sizes.child_warmup, logs=self.logs,
                                    progress=self.say)
        self.say("memory: manager signed in, table scrolled to the end ...")
        cmd, extra = children.scrolled_command(self.data_dir)
        scrolled = self.spawner.run(cmd, children.child_env(extra), self.logs / "scrolled.log")
        scroll_line = next((x for x in scrolled.lines if x.get("event") == "scrolled"), {})
        self.say(f"  scrolled: {scrolled.max_rss_mb:.0f} MB, {scroll_line}")
        for name, group in [*runs.items(), ("scrolled", [scrolled])]:
            bad = [r.exit_code for r in group if r.exit_code != 0]
            if bad:
                self.warnings.append(f"{name}: {len(bad)} of {len(group)} runs exited with {sorted(set(bad))} "
                                     f"after printing ready (see {self.logs})")

        bare = runs["bare_window"]
        bare_s = statistics.median(r.seconds for r in bare)
        bare_rss = max(r.max_rss_mb for r in bare)

        def seconds_detail(group: list[Any]) -> dict[str, Any]:
            return {"runs_s": [round(r.seconds, 4) for r in group],
                    "in_process_s": [r.ready.get("seconds") for r in group],
                    "exit_codes": [r.exit_code for r in group]}

        sign_in_s = statistics.median(r.seconds for r in runs["sign_in"])
        self.figures.append(Figure(
            "cold_start_sign_in", "cold start → sign-in screen", sign_in_s, "s", bare_s,
            "bare PySide6 QMainWindow, same method", "≤ 3× baseline", sign_in_s <= 3 * bare_s,
            seconds_detail(runs["sign_in"]) | {"baseline": seconds_detail(bare)}))
        # Cold start to the inventory = to the sign-in screen (wall clock, above) + from
        # Enter to the inventory's first rows painted (measured in the child). The
        # child waits, as a person typing a PIN would, for the sign-in screen and the
        # start-up's background work before it presses Enter; that wait is left out.
        for name, label in (("inventory_manager", "cold start → inventory (manager)"),
                            ("inventory_clerk", "cold start → inventory (clerk)")):
            enter = statistics.median(float(r.ready["enter_to_inventory"]) for r in runs[name])
            value = sign_in_s + enter
            self.figures.append(Figure(
                f"cold_start_{name}", label, value, "s", bare_s,
                "bare PySide6 QMainWindow, same method", "≤ 3× baseline", value <= 3 * bare_s,
                seconds_detail(runs[name]) | {
                    "sign_in_screen_s": round(sign_in_s, 4), "enter_to_inventory_s": round(enter, 4),
                    "enter_to_inventory_runs_s": [r.ready.get("enter_to_inventory") for r in runs[name]],
                    "baseline": seconds_detail(bare)}))
        manager = runs["inventory_manager"]
        value = max(r.max_rss_mb for r in manager)
        self.figures.append(Figure(
            "peak_rss_inventory_manager", "peak RSS, inventory shown (manager)", value, "MB", bare_rss,
            "bare PySide6 window's peak RSS", "≤ 300 MB", value <= 300,
            {"runs_mb": [round(r.max_rss_mb, 1) for r in manager],
             "baseline_runs_mb": [round(r.max_rss_mb, 1) for r in bare]}))
        self.figures.append(Figure(
            "peak_rss_scrolled_to_end", "peak RSS, table scrolled to end", scrolled.max_rss_mb, "MB", bare_rss,
            "bare PySide6 window's peak RSS", "≤ 300 MB", scrolled.max_rss_mb <= 300,
            {"scroll": scroll_line, "baseline_runs_mb": [round(r.max_rss_mb, 1) for r in bare]}))

    def first_screen(self) -> None:
        from benchmarks import children

        self.say("first screen of the inventory table (fresh interpreters) ...")
        from pos_app.gui.inventory.model import COLUMNS

        runs = children.first_screen(self.spawner, self.data_dir, self.args.items, len(COLUMNS),
                                     rounds=self.args.repeat, warmup=self.sizes.child_warmup, logs=self.logs,
                                     progress=self.say)
        facet = [r.lines[-1] for r in runs["facet"]]
        bare = [r.lines[-1] for r in runs["bare"]]
        for name, group in runs.items():
            bad = [r.exit_code for r in group if r.exit_code != 0]
            if bad:
                self.warnings.append(f"first screen ({name}): {len(bad)} of {len(group)} runs exited with "
                                     f"{sorted(set(bad))} (see {self.logs})")
        splits = {k: round(statistics.median(float(r["splits"][k]) for r in facet), 4)  # type: ignore[index]
                  for k in facet[0]["splits"]}  # type: ignore[union-attr]
        self.figures.append(Figure(
            "first_screen_inventory", "first screen of inventory table",
            statistics.median(float(r["seconds"]) for r in facet), "s",  # type: ignore[arg-type]
            statistics.median(float(r["seconds"]) for r in bare),  # type: ignore[arg-type]
            "QTableView over a trivial model, same rows, shown the same way", None, None,
            {"runs_s": [r["seconds"] for r in facet], "baseline_runs_s": [r["seconds"] for r in bare],
             "median_splits_s": splits,
             # No sign-in here, so no argon2: this is the table's own memory at this size.
             "max_rss_mb": max(round(r.max_rss_mb, 1) for r in runs["facet"]),
             "baseline_max_rss_mb": max(round(r.max_rss_mb, 1) for r in runs["bare"])}))

    def search_and_lookup(self, facet: Any, raw: Any) -> None:
        from benchmarks import catalog, inprocess
        from pos_app.domain.permissions import Role

        actor = catalog.actor_for(facet, Role.MANAGER)
        reader = facet.store.inventory
        typed = inprocess.keystrokes(raw)
        self.say(f"search as you type: {len(typed)} keystrokes x {self.args.repeat} passes ...")
        t = inprocess.measure_search(reader, raw, actor, typed, passes=self.args.repeat, uow=facet.uow())
        s = t.summary()
        detail = {**{k: round(v, 3) for k, v in s.items()}, "keystrokes": typed, "slowest": t.slowest(),
                  "raw_fts_limit20_p50_ms": round(statistics.median(t.extra_ms), 3),
                  "raw_fts_limit20_p95_ms": round(inprocess.percentile(t.extra_ms, 95), 3),
                  "errors": t.errors[:10], "row_count_mismatches": t.mismatches[:10]}
        if t.errors:
            self.warnings.append(f"search raised {len(t.errors)} times, e.g. {t.errors[0]}")
        p95, raw95 = s["ours_p95_ms"], s["raw_p95_ms"]
        self.figures.append(Figure(
            "search_p95", "search as you type, p95", p95, "ms", raw95,
            "raw FTS5: count + first 100 matches + their rows, p95",
            "≤ 30 ms and ≤ 3× baseline", p95 <= 30 and p95 <= 3 * raw95 and not t.errors, detail))
        self.figures.append(Figure(
            "search_p50", "search as you type, p50", s["ours_p50_ms"], "ms", s["raw_p50_ms"],
            "raw FTS5: count + first 100 matches + their rows, p50", None, None, {}))

        self.say(f"scanner lookup: {self.args.repeat} passes of 400 codes ...")
        t = inprocess.measure_lookup(reader, raw, actor, passes=self.args.repeat, uow=facet.uow())
        s = t.summary()
        if t.errors:
            self.warnings.append(f"lookup failed {len(t.errors)} times, e.g. {t.errors[0]}")
        self.figures.append(Figure(
            "lookup_p95", "barcode/SKU lookup, p95", s["ours_p95_ms"], "ms", s["raw_p95_ms"],
            "raw SELECT … WHERE barcode = ? (or sku = ?), p95", "≤ 5 ms", s["ours_p95_ms"] <= 5 and not t.errors,
            {**{k: round(v, 4) for k, v in s.items()}, "by_kind_p95_ms": {
                k: round(inprocess.percentile(v, 95), 4) for k, v in t.by_input.items()}, "errors": t.errors[:10]}))

    def in_process(self) -> None:
        from benchmarks import inprocess
        from pos_app import app

        facet = app.open_facet(self.data_dir)
        try:
            key = self._key()
            raw = inprocess.raw_connection(facet.db.path, key)
            try:
                groups = self.args.groups
                if "search" in groups:
                    self.search_and_lookup(facet, raw)
                if "counter" in groups:
                    self.counter_figures(facet, raw)
                if "reports" in groups:
                    self.report_figures(facet, raw)
                if "appraisals" in groups:
                    self.appraisal_figures(facet, raw)
                if "privacy" in groups:
                    self.privacy_figures(facet, raw)
            finally:
                raw.close()
        finally:
            facet.close()
        if "import" in self.args.groups:
            self.csv_import()

    def appraisal_figures(self, facet: Any, raw: Any) -> None:
        """The appraisal PDF with two photos, and the appraisals screen opened over 50,000 appraisals (--smoke:
        fewer rounds, 2,000 appraisals)."""
        from benchmarks import appraisal_list, appraisal_pdf, catalog
        from pos_app.domain.permissions import Role

        def add(name: str, label: str, t: Any, baseline_is: str, target_ms: float, detail: dict[str, Any]) -> None:
            s = t.summary()
            detail = {**{k: round(v, 4) for k, v in s.items()}, **detail, "errors": t.errors[:10]}
            if t.errors:
                self.warnings.append(f"{name}: {len(t.errors)} errors, e.g. {t.errors[0]}")
            self.figures.append(Figure(f"{name}_p95", f"{label}, p95", s["ours_p95_ms"], "ms", s["raw_p95_ms"],
                                       f"{baseline_is}, p95", f"≤ {target_ms:g} ms",
                                       s["ours_p95_ms"] <= target_ms and not t.errors, detail))
            self.figures.append(Figure(f"{name}_p50", f"{label}, p50", s["ours_p50_ms"], "ms", s["raw_p50_ms"],
                                       f"{baseline_is}, p50", None, None, {}))

        sizes = self.sizes
        rounds = sizes.pdf_rounds * self.args.repeat  # a render with two 1600 x 1200 photos is ~0.1-0.3 s
        self.say(f"appraisal PDF with two photos: {rounds} rounds after {sizes.pdf_warmup} warm-up ...")
        t, detail = appraisal_pdf.measure_appraisal_pdf(rounds, warmup=sizes.pdf_warmup, png=sizes.pdf_png_rounds)
        add("appraisal_pdf", "appraisal PDF with two photos", t, "ReportLab bare page drawing the same two JPEGs",
            300, detail)

        self.say(f"appraisals screen over {sizes.appraisals:,} appraisals (filling them when the store has fewer) ...")
        fill = appraisal_list.fill_appraisals(raw, count=sizes.appraisals, progress=self.say)
        t, detail = appraisal_list.measure_open(facet, catalog.actor_for(facet, Role.APPRAISER),
                                                rounds=sizes.list_rounds * self.args.repeat,
                                                warmup=sizes.list_warmup)
        add("appraisal_list_open", f"open the appraisals screen ({fill['appraisals']:,} appraisals)", t,
            "bare QTableView with the same first rows", appraisal_list.TARGET_MS, {**detail, "setup": fill})

    def privacy_figures(self, facet: Any, raw: Any) -> None:
        """Export and erase a customer with 1,000 sales and 20 appraisals (--smoke: 100 and 10); then the file's scrub;
        then the longest a cash sale in another process waited while a customer was erased and the file scrubbed."""
        from benchmarks import catalog, privacy
        from pos_app.domain.permissions import Role

        officer = catalog.actor_for(facet, Role.PRIVACY_OFFICER)
        rounds = self.args.repeat
        work = self.work / "privacy"
        # Two customers a round for the erasure (one each for ours and the baseline); the first timed
        # round's own is the exported customer.
        warmup = self.sizes.privacy_warmup
        maker = privacy.CustomerMaker(facet, raw, customers=2 * (warmup + rounds), sales=self.sizes.privacy_sales,
                                      appraisals=self.sizes.privacy_appraisals)
        scaled = (f" (scaled down to {maker.sales_each:,}: the store has {maker.free_at_start:,} past sales "
                  "without a customer)" if maker.sales_each < maker.sales else "")
        self.say(f"privacy export of a customer with {maker.sales_each:,} sales and {maker.appraisals} "
                 f"appraisals{scaled}: {rounds} rounds ...")

        def add(name: str, label: str, t: Any, baseline_is: str, target_s: float, passed: bool,
                target: str, detail: dict[str, Any]) -> None:
            if t.errors:
                self.warnings.append(f"{name}: {len(t.errors)} errors, e.g. {t.errors[0]}")
            if not t.ours_ms or not t.raw_ms:
                raise RuntimeError(f"{name} did not run: {t.errors[:3]}")
            value, base = statistics.median(t.ours_ms) / 1000, statistics.median(t.raw_ms) / 1000
            detail = {"runs_s": [round(x / 1000, 4) for x in t.ours_ms],
                      "baseline_runs_s": [round(x / 1000, 4) for x in t.raw_ms], **detail, "errors": t.errors[:10]}
            self.figures.append(Figure(name, label, value, "s", base, baseline_is, target,
                                       passed and value <= target_s and not t.errors, detail))

        t, detail, customer = privacy.measure_export(facet, raw, maker, officer, work, rounds=rounds)
        if detail["memory_flat"] is False:
            self.warnings.append(f"privacy_export: peak traced memory {detail['peak_traced_mb']} MB at "
                                 f"{detail['sales']:,} sales vs {detail['peak_traced_mb_at_half']} MB at "
                                 f"{detail['sales_at_half']:,}: not flat")
        add("privacy_export", f"privacy export ({detail['sales']:,} sales)", t,
            "raw SELECTs of the same rows, json.dumps into a zip", privacy.EXPORT_TARGET_S,
            detail["memory_flat"] is not False,
            f"≤ {privacy.EXPORT_TARGET_S:g} s, flat memory", detail)

        self.say(f"privacy erasure: {rounds} rounds, two fresh customers each (and {warmup} warm-up round) ...")
        t, detail = privacy.measure_erase(facet, raw, maker, officer, customer, rounds=rounds, warmup=warmup)
        # The app writes one audit event more (privacy.erasure_started, before its photos go in batches).
        ours = {k: v for k, v in detail["rows_written"].get("ours", {}).items() if k != "audit_events"}
        raw_rows = {k: v for k, v in detail["rows_written"].get("raw", {}).items() if k != "audit_events"}
        if ours != raw_rows:
            self.warnings.append(f"privacy_erase: the baseline wrote other rows than the app: "
                                 f"{detail['rows_written']}")
        add("privacy_erase", f"erase a customer ({maker.sales_each:,} sales)", t,
            "one raw transaction writing the same rows", privacy.ERASE_TARGET_S, True,
            f"≤ {privacy.ERASE_TARGET_S:g} s (no VACUUM)", detail)

        self.say("scrub after the erasure (WAL checkpoint and restart, no VACUUM), once ...")
        seconds, baseline, detail = privacy.measure_scrub(facet, work)
        self.figures.append(Figure(
            "privacy_erase_vacuum", "scrub after erasure (no VACUUM)", seconds, "s", baseline,
            "copy of the store's file with fsync", None, None, detail))

        self.say(f"a sale at another counter during an erasure and its scrub: {rounds} rounds ...")
        results, detail = privacy.measure_concurrent_wait(facet, maker, officer, work, rounds=rounds)
        worst = max(r["longest_lock_wait_ms"] for r in results)
        typical = statistics.median(r["median_sale_outside_ms"] for r in results if r["median_sale_outside_ms"])
        errors = [e for r in results for e in r["loop_errors"]]
        if errors:
            self.warnings.append(f"privacy_erase_sale_wait: the sale loop failed {len(errors)} times, e.g. {errors[0]}")
        self.figures.append(Figure(
            "privacy_erase_sale_wait", "longest wait of a sale during an erasure", worst, "ms", typical,
            "a cash sale at that counter on its own, median", f"≤ {privacy.WAIT_TARGET_MS:g} ms",
            worst <= privacy.WAIT_TARGET_MS and not errors,
            {**detail, "runs": results, "load_average": [round(x, 2) for x in os.getloadavg()]}))
        shutil.rmtree(work, ignore_errors=True)

    def counter_figures(self, facet: Any, raw: Any) -> None:
        """Scan to line, complete a sale, render a receipt: 100 × --repeat rounds each after 20 warm-up rounds
        (--smoke: 20 × --repeat after 2)."""
        from benchmarks import catalog, counter, inprocess
        from pos_app.domain.permissions import Role

        clerk = catalog.actor_for(facet, Role.CLERK)
        manager = catalog.actor_for(facet, Role.MANAGER)
        rounds = self.sizes.counter_rounds * self.args.repeat
        warmup = self.sizes.counter_warmup

        def add(name: str, label: str, t: Any, baseline_is: str, target: str, passed: bool,
                detail: dict[str, Any]) -> None:
            s = t.summary()
            detail = {**{k: round(v, 4) for k, v in s.items()}, **detail, "errors": t.errors[:10]}
            if t.errors:
                self.warnings.append(f"{name}: {len(t.errors)} errors, e.g. {t.errors[0]}")
            self.figures.append(Figure(f"{name}_p95", f"{label}, p95", s["ours_p95_ms"], "ms", s["raw_p95_ms"],
                                       f"{baseline_is}, p95", target, passed and not t.errors, detail))
            self.figures.append(Figure(f"{name}_p50", f"{label}, p50", s["ours_p50_ms"], "ms", s["raw_p50_ms"],
                                       f"{baseline_is}, p50", None, None, {}))

        self.say(f"scan to line: {rounds} rounds ...")
        t = counter.measure_scan(facet, raw, clerk, rounds=rounds, warmup=warmup)
        add("scan_to_line", "scan → cart line", t, "raw SELECT … WHERE barcode = ?", "≤ 20 ms",
            t.summary()["ours_p95_ms"] <= 20, {"by_cart_lines_p95_ms": {
                k: round(inprocess.percentile(v, 95), 4) for k, v in t.by_input.items()}})

        self.say(f"complete a sale: {rounds} rounds of a 3-line cash sale, and as many raw transactions ...")
        t, detail = counter.measure_complete(facet, raw, clerk, manager, rounds=rounds, warmup=warmup)
        s = t.summary() if t.ours_ms and t.raw_ms else None
        if s is None:
            raise RuntimeError(f"complete_sale did not run: {t.errors[:3]}")
        if detail.get("rows_match") is False:
            self.warnings.append(f"complete_sale: the baseline wrote other rows than the app: {detail['rows_written']}")
        if detail.get("audit_chain_breaks"):
            self.warnings.append(f"complete_sale: {detail['audit_chain_breaks']} audit events break the hash chain")
        add("complete_sale", "complete a 3-line cash sale", t,
            "raw sqlcipher3 transaction writing the same rows", "≤ 3× baseline",
            s["ours_p95_ms"] <= 3 * s["raw_p95_ms"], detail)

        if not counter.receipt_module_ready():
            self.warnings.append("receipt_escpos_p95: pos_app/documents/receipt_escpos.py is not there; not measured")
            return
        self.say(f"ESC/POS receipt of a 10-line sale: {rounds} rounds ...")
        sale_id = counter.ten_line_sale(facet, clerk, manager, raw)
        t, detail = counter.measure_receipt(facet, sale_id, rounds=rounds, warmup=warmup)
        add("receipt_escpos", "render a 10-line ESC/POS receipt", t,
            "python-escpos Dummy, as many text lines", "≤ 20 ms", t.summary()["ours_p95_ms"] <= 20, detail)

    def report_figures(self, facet: Any, raw: Any) -> None:
        """The dashboard, every catalog report over a year, the main ones beside hand-written SQL (reports.py):
        2 × --repeat rounds each after 1 warm-up round (--smoke: --repeat rounds, no warm-up)."""
        from benchmarks import catalog, reports
        from pos_app.domain.permissions import Permission, Role

        manager = catalog.actor_for(facet, Role.MANAGER)
        if not manager.can(Permission.VIEW_COST):
            manager = catalog.actor_for(facet, Role.OWNER)
        rounds = self.args.report_rounds or self.sizes.report_rounds * self.args.repeat
        if not reports.dashboard_ready():
            self.warnings.append("dashboard_p95: pos_app/services/reports/dashboard.py is not there; not measured")
        self.say(f"reports over a year of sales: {rounds} rounds after {self.sizes.report_warmup} warm-up ...")
        found, notes = reports.measure(facet, raw, manager, rounds=rounds, warmup=self.sizes.report_warmup,
                                       progress=self.say)
        self.setup["reports"] = notes
        for case in found:
            if case.errors:
                self.warnings.append(f"{case.key}: {len(case.errors)} errors, e.g. {case.errors[0]}")
            if not case.ours_ms or not case.raw_ms:
                continue
            value, base = case.p95()
            detail = {"runs_ms": [round(x, 2) for x in case.ours_ms],
                      "baseline_runs_ms": [round(x, 2) for x in case.raw_ms], **case.detail,
                      "errors": case.errors[:10]}
            ok = not case.errors
            if case.request is None:
                target_s, target = reports.DASHBOARD_TARGET_S, f"≤ {reports.DASHBOARD_TARGET_S:g} s"
            else:
                target_s, target = reports.REPORT_TARGET_S, f"≤ {reports.REPORT_TARGET_S:g} s"
            if case.sql is not None:
                target += f" and ≤ {reports.RATIO_TARGET:g}× SQL"
                ok = ok and value <= reports.RATIO_TARGET * base and detail.get("totals_match") is not False
                detail["baseline_sql"] = case.sql
                detail["baseline_plan"] = reports.explain(raw, case)
                if detail.get("totals_match") is False:
                    self.warnings.append(f"{case.key}: the report's net sales {detail.get('ours_net_sales')} are "
                                         f"not the hand-written SQL's {detail.get('raw_net_sales')}")
                baseline_is = "hand-written GROUP BY over the same rows (raw sqlcipher3), p95"
            else:
                baseline_is = "floor: the year's sale lines summed once (raw sqlcipher3), p95"
            self.figures.append(Figure(f"{case.key}_p95", f"{case.label}, p95", value / 1000, "s", base / 1000,
                                       baseline_is, target, ok and value <= target_s * 1000, detail))

    def _key(self, data_dir: Path | None = None) -> str:
        from pos_app.adapters.secrets import KeyringSecrets, database_key_name

        key = KeyringSecrets().get(database_key_name(data_dir or self.data_dir))
        assert key is not None
        return key

    def csv_import(self) -> None:
        """Into a copy of the store, so a kept store stays at --items."""
        from benchmarks import catalog, inprocess
        from pos_app import app
        from pos_app.adapters.secrets import KeyringSecrets, database_key_name
        from pos_app.domain.permissions import Role
        from pos_app.persistence.database import copy_store

        rows = self.args.import_rows or min(self.sizes.import_rows, self.args.items)
        self.say(f"CSV import of {rows:,} new items into a copy of the store ...")
        copy = self.work / "import-copy"
        shutil.rmtree(copy, ignore_errors=True)
        copy_store(self.data_dir, copy)
        KeyringSecrets().set(database_key_name(copy), self._key())
        csv_path = self.work / "import.csv"
        catalog.write_csv(csv_path, catalog.csv_rows(rows))
        facet = app.open_facet(copy)
        try:
            raw = inprocess.raw_connection(facet.db.path, self._key())
            try:
                result = inprocess.measure_import(facet, raw, csv_path, catalog.actor_for(facet, Role.MANAGER))
            finally:
                raw.close()
        finally:
            facet.close()
            shutil.rmtree(copy, ignore_errors=True)
        self.say(f"  import {result['seconds']:.2f} s, raw executemany {result['baseline_seconds']:.3f} s")
        self.figures.append(Figure(
            "import_csv", f"import {rows:,} CSV rows", result["seconds"], "s", result["baseline_seconds"],
            "csv.reader + raw executemany into a scratch table, one transaction", "≤ 5 s",
            result["seconds"] <= 5, {"rows": result["rows"], "created": result["created"]}))

    def sync_figures(self) -> None:
        """The sync figures, measured by `benchmarks/sync_figures.py` in a child process (its own PostgreSQL,
        demo-based stores and threads, none of this store): their own table, their figures in --json."""
        out = self.work / "sync.json"
        self.say("sync figures (benchmarks/sync_figures.py, own PostgreSQL) ...")
        done = subprocess.run([sys.executable, "-m", "benchmarks.sync_figures", "--json", str(out),
                               "--devices", str(self.args.sync_devices)], cwd=ROOT, capture_output=True, text=True,
                              check=False)
        (self.logs / "sync.log").parent.mkdir(parents=True, exist_ok=True)
        (self.logs / "sync.log").write_text(done.stderr, encoding="utf-8")
        if done.returncode != 0 or not out.exists():
            self.warnings.append(f"sync figures failed (exit {done.returncode}): see {self.logs / 'sync.log'}")
            return
        self.sync_result = json.loads(out.read_text(encoding="utf-8"))
        self.sync_table = done.stdout.strip()

    # -- report ------------------------------------------------------------------------

    def table(self) -> str:
        head = f"{'figure':40s} {'value':>11s} {'baseline':>11s} {'ratio':>8s}  {'target':28s} result"
        lines = [head, "-" * len(head)]
        for f in self.figures:
            result = "—" if f.passed is None else ("PASS" if f.passed else "FAIL")
            lines.append(f"{f.label:40s} {_num(f.value, f.unit):>11s} {_num(f.baseline, f.unit):>11s} "
                         f"{f.ratio:7.1f}×  {f.target or '(no target)':28s} {result}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        self.setup["spawner_max_rss_mb"] = round(self.spawner.max_rss_mb, 1)
        figures = [f.as_json() for f in self.figures]
        if self.sync_result is not None:
            figures.extend(self.sync_result["figures"])
            self.setup["sync"] = self.sync_result["setup"]
        return {"items": self.args.items, "repeat": self.args.repeat, "smoke": self.args.smoke,
                "groups": [g for g in GROUPS if g in self.args.groups],
                "sizes": asdict(self.sizes), "machine": machine(), "setup": self.setup,
                "figures": figures, "warnings": self.warnings}


def _num(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "s":
        return f"{value:.3f} s"
    return f"{value:.0f} {unit}"


def _log_to(path: Path) -> None:
    """Facet's own log lines (the plaintext-keyring warning, ...) to a file, not the table."""
    import logging

    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("pos_app")
    logger.addHandler(handler)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="facet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.pop("QT_QPA_PLATFORM", None)
    display = start_display(args.display)
    set_environment(work)
    sys.path.insert(0, str(ROOT))
    from benchmarks.children import Spawner

    spawner = Spawner()  # first, while this process is small (see benchmarks/spawner.py)
    harness = Harness(args, work, spawner)
    _log_to(harness.logs / "harness.log")
    ok = False
    try:
        harness.build_store()
        if "cold_start" in args.groups:
            harness.cold_start_and_memory()
        if "first_screen" in args.groups:
            harness.first_screen()
        harness.in_process()
        if args.sync:
            harness.sync_figures()
        ok = True
    finally:
        spawner.close()
        if display is not None:
            display.terminate()
        if not ok:
            print(f"benchmark stopped; logs kept in {harness.logs}", file=sys.stderr)
    result = harness.as_json()
    m = result["machine"]
    print(f"Facet benchmark: {harness.setup.get('items', args.items):,} items, {args.repeat} rounds; "
          f"{m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, PySide6 {m['pyside6']}, SQLite {m['sqlite']}")
    if args.smoke:
        print(f"--smoke: the smallest sizes that exercise every figure, not figures to quote ({result['sizes']}).")
    history = harness.setup.get("sales_history") or {}
    print(f"Store: demo + generated items, {harness.setup.get('store_mb')} MB encrypted; staff secrets hashed with "
          "the default argon2 costs (sign-in is real); searches and lookups as a manager, the counter as a clerk.")
    if history:
        how = (f"written now in {history['seconds']} s (raw executemany)" if history["made"]
               else "kept from an earlier run")
        print(f"Sales history: {history['sale_lines']:,} sale lines in {history['sales']:,} sales, {how}.")
        shaped = history.get("shaped") or {}
        if shaped:
            print(f"  of its {shaped['past_sales']:,} past sales: {shaped['returns']:,} returned later, "
                  f"{shaped['shared']:,} shared by two salespeople, {shaped['exempt']:,} tax exempt.")
    if args.only:
        print(f"--only {','.join(g for g in GROUPS if g in args.groups)}: the other figures were not measured.")
    print(f"Windows: {'a real X window on Xvfb' if display is not None else 'Qt offscreen platform'} "
          f"(QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}).")
    print(harness.table())
    if harness.sync_table:
        print("\nSync (benchmarks/sync_figures.py):")
        print(harness.sync_table)
    for warning in harness.warnings:
        print(f"warning: {warning}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.keep:
        for path in work.iterdir():
            if not (path == harness.logs and harness.warnings):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
        if not harness.warnings:
            work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
