"""Windows on one store, each a process of its own, selling at the same moment.

`python -m tests.two_windows DATA_DIR TERMINAL SKU QUANTITY` opens its own
Facet on the store in DATA_DIR (its key from the keyring the environment
names), signs in as the demo's first clerk at counter TERMINAL, puts QUANTITY
of SKU in a cart, starts paying and pays it all in cash, then prints
`{"event": "paid", ...}` and waits for a line on stdin. At that line it
completes the sale and prints `{"event": "sold", "number": ...}` or
`{"event": "conflict", "kind": ..., "sku": ..., "message": ...}`.

`sell_at_once` runs several of them: every window takes its payment first,
then all are told to complete together, so their sale transactions race for
the store's write lock as two counters' would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 90


def window(data_dir: Path, terminal: str, sku: str, quantity: int) -> None:
    from pos_app import app
    from pos_app.domain.cart import Cart
    from pos_app.domain.errors import StockConflict
    from pos_app.domain.money import Money
    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import cash, checkout

    facet = app.open_facet(data_dir)
    try:
        clerk = next(s for s in facet.store.directory.staff_list() if s.role is Role.CLERK)
        actor = Actor(staff_id=clerk.id, name=clerk.name, role=clerk.role, terminal=terminal)
        if facet.store.sales.open_shift(terminal) is None:
            cash.open_shift(Money(20000), uow=facet.uow(), actor=actor)
        settings = checkout.counter_settings(facet.store.directory, terminal)
        row = checkout.find_item(sku, reader=facet.store.inventory)
        cart = checkout.add_item(Cart(), row, actor=actor, quantity=quantity)
        co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=actor)
        co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=actor, sales=facet.store.sales)
        _say({"event": "paid", "checkout": co.id, "paid_cents": co.priced.total.cents})
        sys.stdin.readline()
        try:
            done = checkout.complete_sale(co, uow=facet.uow(), actor=actor, sales=facet.store.sales)
        except StockConflict as conflict:
            _say({"event": "conflict", "kind": type(conflict).__name__, "sku": conflict.sku,
                  "message": str(conflict), "checkout": co.id})
        else:
            _say({"event": "sold", "number": done.number, "checkout": co.id})
    finally:
        facet.close()


def _say(line: dict[str, Any]) -> None:
    print(json.dumps(line), flush=True)


def sell_at_once(data_dir: Path, windows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """Start one process per (terminal, sku, quantity); once all have been paid, complete all at once.
    Returns each window's last line, in the order given."""
    env = {k: v for k, v in os.environ.items() if k != "FACET_DATA_DIR"}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.two_windows", str(data_dir), terminal, sku, str(n)],
                              cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for terminal, sku, n in windows]
    try:
        for proc in procs:
            assert proc.stdout is not None
            paid = proc.stdout.readline()
            if not paid:
                raise AssertionError(f"a window stopped before it was paid: {proc.communicate()[1][-3000:]}")
            assert json.loads(paid)["event"] == "paid"
        for proc in procs:  # all at once: each completes as soon as it reads its line
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=TIMEOUT_S)
            assert proc.returncode == 0, err[-3000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    window(Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]))
