"""A counter in a process of its own, for the test of a counter killed with SIGKILL in the middle of a push
(`tests/integration/test_sync_robustness.py`).

Run as `python -m tests.sync_pusher DATA_DIR --sales N --batch CHANGES [--hold-at K]`: it opens the store in
DATA_DIR (its key and its central login from the keyring the environment names, as the app does), sells N
unique pieces in cash at this counter (no network is needed to sell), then syncs with central in pushes of
about CHANGES changes, so there are many of them. It prints one line per step, flushed at once, for the
test to act on:

- `sold <n>` once every sale is made;
- `acked <through>` each time central has answered a push (its changes are committed at central), before
  the counter marks them pushed in its own file;
- with `--hold-at K`: `holding` after the K-th answer, and it waits there (the test kills it in that
  window, where the answer is in central and not yet in the counter's file: the lost acknowledgement);
- `done` when the round ended by itself.

Kept apart from `tests/conftest.py` (as `tests/staff_racer.py` is): the child must not make a keyring of
its own; it inherits the test's environment (PYTHON_KEYRING_BACKEND, XDG_DATA_HOME).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def say(line: str) -> None:
    print(line, flush=True)


class ReportingLink:
    """The counter's real link to central, saying when central has answered each push."""

    def __init__(self, link: Any, hold_at: int | None) -> None:
        self._link = link
        self._hold_at = hold_at
        self.answers = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._link, name)

    def push(self, seen: int, batch: Sequence[dict[str, Any]]) -> dict[str, Any]:
        answer: dict[str, Any] = self._link.push(seen, batch)
        self.answers += 1
        say(f"acked {answer['through']}")
        if self.answers == self._hold_at:
            say("holding")
            time.sleep(120)  # killed here: central committed the batch, this file does not know yet
        return answer


def sell_pieces(facet: Any, count: int) -> list[str]:
    """`count` cash sales of one unique piece each (under $8,000), by the store's first clerk, at this counter."""
    from pos_app.domain.cart import Cart
    from pos_app.domain.money import Money
    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import cash, checkout

    clerk = next(s for s in facet.store.directory.staff_list() if s.role is Role.CLERK)
    actor = Actor(staff_id=clerk.id, name=clerk.name, role=clerk.role, terminal=facet.terminal)
    conn = facet.connection()
    try:
        pieces = [r[0] for r in conn.execute(
            "SELECT id FROM items WHERE status = 'available' AND tracking = 'unique' AND on_hand >= 1 "
            "AND (store_id IS NULL OR store_id = (SELECT store_id FROM sync_state WHERE id = 1)) "
            "AND price_cents < 800000 "  # cash under $10,000 a sale: no Form 8300 details to ask for
            "ORDER BY sku LIMIT ?", (count,))]
        open_shifts = conn.execute("SELECT count(*) FROM shifts WHERE terminal = ? AND closed_at IS NULL",
                                   (actor.terminal,)).fetchone()[0]
    finally:
        conn.close()
    if len(pieces) < count:
        raise SystemExit(f"only {len(pieces)} pieces to sell")
    if not open_shifts:
        cash.open_shift(Money(20000), uow=facet.uow(), actor=actor)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    sold = []
    for piece in facet.store.inventory.rows_by_ids(pieces):
        co = checkout.start_checkout(checkout.add_item(Cart(), piece, actor=actor), settings=settings,
                                     uow=facet.uow(), actor=actor)
        co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=actor, sales=facet.store.sales)
        sold.append(checkout.complete_sale(co, uow=facet.uow(), actor=actor, sales=facet.store.sales).sale_id)
    return sold


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--sales", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--hold-at", type=int)
    args = parser.parse_args(argv)

    from pos_app import app
    from pos_app.services import sync

    facet = app.open_facet(args.data_dir)
    try:
        sold = sell_pieces(facet, args.sales)
        say(f"sold {len(sold)}")
        group = facet.sync()
        with group.link() as link:
            sync.sync_once(group.local, ReportingLink(link, args.hold_at), push_batch=args.batch)
    finally:
        facet.close()
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
