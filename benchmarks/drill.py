"""The kill -9 drill: sell at a counter, pull the plug at random moments, count what was lost.

    python -m benchmarks.drill --sales 300 [--json OUT.json] [--keep DIR] [--seed N] [--max-life S]

Run it from the repository root with the project's venv Python. A store is
made from the demo in a temporary folder (or DIR) with a temporary plaintext
keyring. A child process then sells continuously through the real services,
as the sell screen does: it opens a cash drawer shift if none is open, puts
one or two available pieces in a cart (a unique necklace, counted units),
`start_checkout`, `pay_cash` (rounded up to $20), `complete_sale`, and prints
the receipt (with the drawer kick) to a loopback TCP "printer" the parent
runs, which answers status requests (DLE EOT n) as a working TM printer does. Each
child first runs `recover_checkouts`, as the app does at sign-in, and prints
the receipts of the sales recovery completed.

The parent kills the child with SIGKILL at a random moment (most lives end
a random 0 to --max-life seconds after recovery; about one in five is killed
at a random moment of its start-up and recovery instead) and starts another,
until the children have reported --sales sales committed. A last child only
recovers and exits. Then, from the store and the printer's bytes:

- committed: sales the drill made (in the store), and how many the children reported;
- lost: a sale a child reported committed that is not in the store, or a
  checkout paid in full that is neither completed (with its sale) nor open;
- half-written: a sale without lines, payments or stock movements for each
  line, or whose payments do not add up to its total; a piece in an open sale
  still available; a checkout marked completed with no sale; an item whose
  on hand differs from its ledger;
- sold twice: a unique piece in more than one open sale (not returned, not
  voided), and items below zero on hand;
- receipts lost: a committed sale whose receipt the printer never received in
  full (through to the paper cut) and that is not waiting in the print queue.
  A kill between the sale's commit and the receipt reaching the printer or
  the queue loses it: this is measured as it is, not hidden.

It prints these figures and writes them with --json. Exit code 1 when any
sale was lost, half-written or sold twice; 0 otherwise (receipts lost are
reported, not judged); 2 when the drill itself could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# A working TM printer's answers to DLE EOT n (1 printer, 2 offline cause, 3 error cause, 4 roll paper).
STATUS_OK = {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}
CUT = b"\x1dV"  # GS V: the paper cut that ends a receipt
STARTUP_KILL_SHARE = 0.2
STARTUP_KILL_WINDOW_S = 1.5
CHILD_READY_TIMEOUT_S = 60
MAX_FAILED_LIVES = 5


# ---------------------------------------------------------------- the printer


def _status_answers(data: bytes) -> bytes:
    """One status byte for each DLE EOT n that `data` ends with, as a printer answers them on reading."""
    found = []
    while len(data) >= 3 and data[-3:-1] == b"\x10\x04" and data[-1] in STATUS_OK:
        found.insert(0, STATUS_OK[data[-1]])
        data = data[:-3]
    return bytes(found)


class Printer:
    """A loopback receipt printer that works: keeps each connection's bytes, answers status requests "ready"."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.url = f"tcp://127.0.0.1:{self._server.getsockname()[1]}"
        self.jobs: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="drill-printer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        chunks = []
        conn.settimeout(10)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
                answers = _status_answers(chunk)
                if answers:
                    try:
                        conn.sendall(answers)
                    except OSError:
                        break
        with self._lock:
            self.jobs.append(b"".join(chunks))

    def received_numbers(self) -> set[str]:
        """Sale numbers of the receipts that arrived whole (through to the cut)."""
        with self._lock:
            jobs = list(self.jobs)
        found: set[str] = set()
        for data in jobs:
            if CUT in data:
                found.update(m.decode() for m in re.findall(rb"[A-Z0-9]{1,8}-\d{6}", data))
        return found

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=2)


# ---------------------------------------------------------------- the child: a counter that sells


def _say(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def child(data_dir: Path, printer_url: str, seed: int, settle_only: bool) -> None:
    """Recover as at sign-in, then sell until killed (or, with settle_only, exit after recovering)."""
    from pos_app import app
    from pos_app.domain.cart import Cart
    from pos_app.domain.money import Money
    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import cash, checkout, receipts

    PAYER = checkout.LargeCashDetails(full_name="Drill Payer", address="1 Test Street, Springfield",  # noqa: N806
                                      date_of_birth=dt.date(1970, 1, 1), taxpayer_id="123-45-6789",
                                      id_document="Driver license D1234567, IL")
    facet = app.open_facet(data_dir)
    clerk_row = next(s for s in facet.store.directory.staff_list() if s.role is Role.CLERK)
    clerk = Actor(staff_id=clerk_row.id, name=clerk_row.name, role=clerk_row.role, terminal=facet.terminal)
    settings = checkout.counter_settings(facet.store.directory, clerk.terminal)
    printer = facet.printer_for(printer_url)

    def print_receipt(sale_id: str, number: str) -> None:
        try:
            outcome = receipts.print_receipt(sale_id, printer=printer, sales=facet.store.sales,
                                             directory=facet.store.directory, uow=facet.uow(), actor=clerk,
                                             open_drawer=True)
            _say("printed" if outcome.printed else "queued", number=number)
        except Exception as exc:  # noqa: BLE001 - a receipt that neither prints nor queues is what is counted
            _say("print_failed", number=number, error=f"{type(exc).__name__}: {exc}"[:300])

    _say("started", pid=os.getpid(), at=time.time())
    found = checkout.recover_checkouts(uow=facet.uow(), actor=clerk, sales=facet.store.sales,
                                       terminal=None)
    for result in found:
        if result.completed is not None:
            _say("committed", checkout=result.checkout.id, number=result.completed.number, recovered=True)
            print_receipt(result.completed.sale_id, result.completed.number)
        elif result.conflict:
            _say("conflict", checkout=result.checkout.id, message=result.message)
    # What a counter that has printed before has loaded: the kills fall on sales, not on first imports.
    import escpos.printer  # noqa: F401

    import pos_app.documents.receipt_escpos  # noqa: F401

    _say("ready", at=time.time())
    if settle_only:
        facet.close()
        return
    if facet.store.sales.open_shift(clerk.terminal) is None:
        cash.open_shift(Money(20_000), uow=facet.uow(), actor=clerk)
    rng = random.Random(seed)
    conn = facet.connection()
    reader, sales = facet.store.inventory, facet.store.sales
    while True:
        cart = Cart(currency=settings.currency)
        wanted = 2 if rng.random() < 0.3 else 1
        first = rng.choice(["unique", "counted"])
        second = "counted" if first == "unique" else "unique"
        for kind in (first, second, first, second):  # the other kind when one is sold out
            if len(cart.lines) == wanted:
                break
            row = conn.execute("SELECT id FROM items WHERE status = 'available' AND tracking = ? AND on_hand > 0 "
                               "ORDER BY random() LIMIT 1", (kind,)).fetchone()
            if row is not None and cart.quantity_of(row[0]) == 0:
                cart = checkout.add_item(cart, reader.rows_by_ids([row[0]])[0], actor=clerk)
        if cart.is_empty:
            _say("out_of_stock")
            return
        co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=clerk)
        handed = Money(-(-co.due.cents // 2000) * 2000, co.due.currency)
        try:
            co = checkout.pay_cash(co, handed, uow=facet.uow(), actor=clerk, sales=sales)
        except checkout.LargeCashDetailsNeeded:  # over $10,000 in cash: the payer's Form 8300 details, as asked
            co = checkout.pay_cash(co, handed, uow=facet.uow(), actor=clerk, sales=sales, large_cash=PAYER)
        _say("paid", checkout=co.id, cents=co.priced.total.cents)
        done = checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=sales)
        _say("committed", checkout=co.id, number=done.number, at=time.time())
        print_receipt(done.sale_id, done.number)


# ---------------------------------------------------------------- the parent: the plug


class Life:
    """One child process and the JSON lines it wrote before it died."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path) -> None:
        self.events: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self._err = log.open("ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._err)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            self.events.append(line)
            if line.get("event") == "ready":
                self.ready.set()

    def kill(self) -> bool:
        """SIGKILL; True if the child was still running when the signal went."""
        running = self.proc.poll() is None
        if running:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._reader.join(timeout=5)
        self._err.close()
        return running

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        self._err.close()
        return code


class Drill:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.data_dir = work / "store"
        self.rng = random.Random(args.seed)
        self.events: list[dict[str, Any]] = []
        self.kills = 0
        self.startup_kills = 0
        self.lives = 0
        self.failed_lives = 0
        self.deaths: list[dict[str, Any]] = []
        self.out_of_stock = False

    def say(self, text: str) -> None:
        if not self.args.quiet:
            print(text, file=sys.stderr, flush=True)

    def build_store(self) -> dict[str, Any]:
        """The demo store (cheap argon2: nobody signs in with a PIN here), with counted stock for --sales."""
        from pos_app import app
        from pos_app.adapters.hashing import Argon2Hasher
        from pos_app.domain.permissions import Role

        if not app.store_exists(self.data_dir):
            self.say(f"making the demo store in {self.data_dir} ...")
            app.create_demo_facet(self.data_dir, hasher=Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1))
        facet = app.open_facet(self.data_dir)
        try:
            conn = facet.connection()
            counted = [r[0] for r in conn.execute(
                "SELECT id FROM items WHERE tracking = 'counted' AND status = 'available' ORDER BY seq")]
            units = conn.execute("SELECT coalesce(sum(on_hand), 0) FROM items WHERE tracking = 'counted' "
                                 "AND status = 'available' AND on_hand > 0").fetchone()[0]
            wanted = 2 * self.args.sales
            if units < wanted and counted:
                each = -(-(wanted - units) // len(counted))
                manager = next(s for s in facet.store.directory.staff_list() if s.role is Role.MANAGER)
                from pos_app.domain.permissions import Actor

                actor = Actor(staff_id=manager.id, name=manager.name, role=manager.role, terminal=facet.terminal)
                with facet.uow() as uow:
                    uow.stock.record_many([(i, "receive", each, "drill stock") for i in counted], actor=actor)
                    uow.commit()
            before = {"sales": {r[0] for r in conn.execute("SELECT id FROM sales")},
                      "checkouts": {r[0] for r in conn.execute("SELECT id FROM checkouts")}}
            conn.close()
        finally:
            facet.close()
        return before

    def _cmd(self, printer: Printer, settle: bool) -> list[str]:
        cmd = [sys.executable, "-m", "benchmarks.drill", "--child", "--keep", str(self.work), "--printer", printer.url,
               "--seed", str(self.rng.randrange(2**31))]
        return [*cmd, "--settle"] if settle else cmd

    def committed(self) -> int:
        return sum(1 for e in self.events if e.get("event") == "committed")

    def run_lives(self, printer: Printer, env: dict[str, str]) -> None:
        log = self.work / "children.log"
        while self.committed() < self.args.sales:
            life = Life(self._cmd(printer, False), env, log)
            self.lives += 1
            if self.rng.random() < STARTUP_KILL_SHARE:
                time.sleep(self.rng.uniform(0, STARTUP_KILL_WINDOW_S))
                during_startup = not life.ready.is_set()
            else:
                if not life.ready.wait(CHILD_READY_TIMEOUT_S):
                    life.kill()
                    raise SystemExit(f"a child never got ready; see {log}")
                time.sleep(self.rng.uniform(0, self.args.max_life))
                during_startup = False
            alive = life.kill()
            self.events.extend(life.events)
            if any(e.get("event") == "out_of_stock" for e in life.events):
                self.say("the store has nothing left to sell: the drill stops here")
                self.out_of_stock = True
                break
            self.kills += alive
            self.startup_kills += alive and during_startup
            if not alive:  # it died by itself: a crash the drill reports
                self.failed_lives += 1
                self.deaths.append({"exit_code": life.proc.returncode,
                                    "last_event": life.events[-1] if life.events else None})
                if self.failed_lives >= MAX_FAILED_LIVES:
                    raise SystemExit(f"{self.failed_lives} children died by themselves; see {log}")
            self.say(f"life {self.lives}: {len(life.events)} events, {self.committed()} sales committed so far")
        settle = Life(self._cmd(printer, True), env, log)
        if settle.wait(CHILD_READY_TIMEOUT_S * 2) != 0:
            raise SystemExit(f"the last child could not settle the store; see {log}")
        self.events.extend(settle.events)

    def measure(self, before: dict[str, Any], printer: Printer) -> dict[str, Any]:
        from pos_app import app
        from pos_app.doctor import SOLD_TWICE_SQL, examine

        facet = app.open_facet(self.data_dir)
        try:
            conn = facet.connection()
            sales = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, number, total_cents FROM sales")}
            new = {sid: v for sid, v in sales.items() if sid not in before["sales"]}
            numbers = {number for number, _ in new.values()}
            reported = [e for e in self.events if e.get("event") == "committed"]
            lost_reported = sorted({e["number"] for e in reported} - numbers)
            paid = {e["checkout"] for e in self.events if e.get("event") == "paid"}
            status = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, status, sale_id FROM checkouts")}
            lost_paid = sorted(c for c in paid if status.get(c, ("missing", None))[0] not in ("completed", "open")
                               or (status[c][0] == "completed" and status[c][1] not in sales))
            half = self._half_written(conn, new, before)
            twice = [r[0] for r in conn.execute(SOLD_TWICE_SQL)]
            below_zero = [r[0] for r in conn.execute("SELECT sku FROM items WHERE on_hand < 0")]
            queued = {r[0] for r in conn.execute(
                "SELECT s.number FROM print_queue q JOIN sales s ON s.id = q.sale_id WHERE q.status = 'waiting'")}
            received = printer.received_numbers()
            receipts_lost = sorted(numbers - received - queued)
            open_left = sum(1 for c in paid if status.get(c, ("", None))[0] == "open")
            conn.close()
        finally:
            facet.close()
        doctor = examine(self.data_dir)
        count = {e.get("event"): 0 for e in self.events}
        for e in self.events:
            count[e.get("event")] += 1
        return {
            "sales_target": self.args.sales, "sales_committed": len(new), "sales_reported_committed": len(reported),
            "completed_on_recovery": sum(1 for e in reported if e.get("recovered")),
            "lost": len(lost_reported) + len(lost_paid), "half_written": sum(len(v) for v in half.values()),
            "sold_twice": len(twice) + len(below_zero), "receipts_lost": len(receipts_lost),
            "kills": self.kills, "kills_during_startup": self.startup_kills, "lives": self.lives,
            "children_died_by_themselves": self.failed_lives, "paid_checkouts_left_open": open_left,
            "stopped_out_of_stock": self.out_of_stock,
            "receipts_printed": count.get("printed", 0), "receipts_queued_by_child": count.get("queued", 0),
            "receipt_errors": count.get("print_failed", 0), "conflicts": count.get("conflict", 0),
            "detail": {"lost_sales": lost_reported, "lost_checkouts": lost_paid, "half_written": half,
                       "sold_twice": twice, "below_zero": below_zero, "receipts_lost": receipts_lost,
                       "print_errors": sorted({e["error"] for e in self.events if e.get("event") == "print_failed"}),
                       "children_died": self.deaths},
            "doctor": {"ok": doctor["ok"], "problems": doctor["problems"]},
        }

    @staticmethod
    def _half_written(conn: Any, new: dict[str, tuple[str, int]], before: dict[str, Any]) -> dict[str, list[str]]:
        half: dict[str, list[str]] = {"no_lines": [], "no_payments": [], "moves_missing": [],
                                      "payments_not_total": [], "sold_piece_available": [],
                                      "completed_checkout_without_sale": [], "on_hand_not_ledger": []}
        for sale_id, (number, total) in new.items():
            lines = conn.execute("SELECT count(*) FROM sale_lines WHERE sale_id = ?", (sale_id,)).fetchone()[0]
            pays = conn.execute("SELECT count(*), coalesce(sum(amount_cents), 0) FROM payments WHERE sale_id = ?",
                                (sale_id,)).fetchone()
            moves = conn.execute("SELECT count(*) FROM stock_movements WHERE reference = ?", (number,)).fetchone()[0]
            if not lines:
                half["no_lines"].append(number)
            if not pays[0]:
                half["no_payments"].append(number)
            if moves != lines:
                half["moves_missing"].append(number)
            if pays[1] != total:
                half["payments_not_total"].append(number)
        half["sold_piece_available"] = [r[0] for r in conn.execute(
            "SELECT DISTINCT i.sku FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN items i ON i.id = l.item_id "
            "WHERE i.tracking = 'unique' AND l.quantity > 0 AND s.status = 'completed' AND i.status != 'sold' "
            "AND NOT EXISTS (SELECT 1 FROM sale_lines r WHERE r.returns_line_id = l.id)")]
        half["completed_checkout_without_sale"] = [r[0] for r in conn.execute(
            "SELECT c.id FROM checkouts c LEFT JOIN sales s ON s.id = c.sale_id "
            "WHERE c.status = 'completed' AND s.id IS NULL")]
        half["on_hand_not_ledger"] = [r[0] for r in conn.execute(
            "SELECT i.sku FROM items i WHERE i.on_hand != "
            "(SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m WHERE m.item_id = i.id)")]
        return half


FIGURES = (("sales_committed", "sales committed"), ("lost", "lost"), ("half_written", "half-written"),
           ("sold_twice", "pieces sold twice (or below zero)"), ("receipts_lost", "receipts lost"),
           ("kills", "kills (SIGKILL)"), ("kills_during_startup", "  of them during start-up and recovery"),
           ("completed_on_recovery", "sales completed by recovery"), ("receipts_printed", "receipts printed"),
           ("receipt_errors", "receipts that neither printed nor queued (errors)"))


def set_environment(work: Path) -> dict[str, str]:
    """A plaintext keyring and python-escpos's cache in `work`, set before keyring or escpos is imported."""
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    os.environ["XDG_DATA_HOME"] = str(work / "xdg-data")
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(work / "escpos")
    (work / "escpos").mkdir(exist_ok=True)
    os.environ.pop("FACET_DATA_DIR", None)
    return dict(os.environ)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales", type=int, default=300, help="sales to commit before the drill stops (300)")
    parser.add_argument("--json", metavar="FILE", help="write the figures here")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (store, keyring, logs) and keep it")
    parser.add_argument("--seed", type=int, default=13, help="the random kill moments and carts (13)")
    parser.add_argument("--max-life", type=float, default=0.6,
                        help="longest a child sells before it is killed, in seconds (0.6)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--settle", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--printer", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sales < 1 or args.max_life <= 0:
        parser.error("--sales must be at least 1 and --max-life more than 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child(Path(args.keep) / "store", args.printer, args.seed, args.settle)
        return 0
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="facet-drill-"))
    work.mkdir(parents=True, exist_ok=True)
    env = set_environment(work)
    started = time.perf_counter()
    drill = Drill(args, work)
    before = drill.build_store()
    setup_seconds = round(time.perf_counter() - started, 1)
    import escpos.printer  # noqa: F401 - its capability cache is written once here, as on a counter that ran before

    printer = Printer()
    try:
        drill.run_lives(printer, env)
        time.sleep(0.5)  # the last receipt's bytes reach the listener
        result = drill.measure(before, printer)
    finally:
        printer.close()
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["setup_seconds"] = setup_seconds
    result["work"] = str(work)
    width = max(len(label) for _, label in FIGURES)
    print("\n".join(f"{label:<{width}}  {result[key]}" for key, label in FIGURES))
    if not result["doctor"]["ok"]:
        print("pos-app doctor: " + " ".join(result["doctor"]["problems"]))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if result["lost"] or result["half_written"] or result["sold_twice"] else 0


if __name__ == "__main__":
    sys.exit(main())
