"""The counter's figures: scan to line, complete a sale, render an ESC/POS receipt.

And the store's sales history they run against: `fill_history` writes about
ten past sale lines per item (1,000,000 lines over ~330,000 sales with their
payments for 100,000 items) with raw `executemany` on a raw sqlcipher3
connection, in transactions of `HISTORY_BATCH` sales. Setup, not a figure.

Each figure is timed beside its baseline in the same run, alternating which
goes first from one round to the next, after discarded warm-up rounds:

- scan to line: `checkout.scan` of a random barcode of an available item into
  a cart of 0 to 3 lines, vs the raw indexed `SELECT ... WHERE barcode = ?`;
- complete a sale: `checkout.complete_sale` of a 3-line cash checkout, vs one
  raw transaction through the same driver and pragmas writing the same rows
  (`CounterRepo.write_sale`, the checkout journal's upsert and the receipt's
  print queue row, mirrored);
- render a receipt: `receipt_escpos.render_receipt` of a stored 10-line sale,
  vs python-escpos's own `Dummy` printer writing as many text lines.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from decimal import Decimal
from typing import Any

from benchmarks.inprocess import ROW_COLUMNS, Timings
from pos_app.domain.permissions import Actor

HISTORY_YEARS = 3
HISTORY_BATCH = 20_000  # sales per transaction (~60,000 lines)
LINES_PER_SALE = (1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 6)  # mean 3.05
CUSTOMER_SHARE = 0.3
CARD_SHARE = 0.75
LINE_DISCOUNT_SHARE = 0.15
WARMUP = 20


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ts(moment: dt.datetime) -> str:
    """The app's stored UTC text ('YYYY-MM-DD HH:MM:SS.ffffff', see models.base.UtcDateTime)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _tax(taxable: int, num: int, den: int) -> int:
    """taxable × rate% rounded half up, in integer arithmetic (rate = num/den)."""
    if taxable <= 0:
        return 0
    return (2 * taxable * num + 100 * den) // (200 * den)


# ---------------------------------------------------------------- the sales history (setup)


_HIST_SALE_SQL = (
    "INSERT INTO sales (id, number, terminal, kind, original_sale_id, shift_id, staff_id, customer_id, status, "
    "currency, subtotal_cents, discount_cents, tax_cents, total_cents, tax_rate, tax_exempt_reason, "
    "tax_exempt_number, order_discount_reason, completed_at, created_at, updated_at) "
    "VALUES (?, ?, ?, 'sale', NULL, NULL, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, NULL, NULL, '', ?, ?, ?)")
_HIST_LINE_SQL = (
    "INSERT INTO sale_lines (id, sale_id, item_id, position, sku, description, quantity, unit_price_cents, "
    "list_price_cents, discount_cents, tax_cents, total_cents, returns_line_id, discount_reason, override_reason, "
    "approved_by, cost_cents, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, '', NULL, ?, ?, ?)")
_HIST_PAYMENT_SQL = (
    "INSERT INTO payments (id, sale_id, tender, amount_cents, status, payment_intent_id, card_brand, card_last4, "
    "idempotency_key, tendered_cents, refund_id, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, 'succeeded', ?, ?, ?, NULL, ?, NULL, ?, ?)")


def fill_history(raw: Any, *, terminal: str, lines: int, seed: int = 3, progress: Any = None) -> dict[str, Any]:
    """Past sales until `sale_lines` holds `lines` sold lines, then `shape_history`; a kept store keeps its own.

    Completed sales of kind 'sale' on `terminal`, numbered on from its highest
    number, spread over the last HISTORY_YEARS years in store hours, oldest
    first; 1 to 6 lines each (mean ~3) pointing at random existing items at
    their price and cost (`sale_lines.cost_cents`, migration 0018), some with a
    line discount, taxed at the store's rate per line as the cart rounds it;
    one payment each (card with a PaymentIntent id and last four, or cash with
    the amount handed over); some with a customer. Then `shape_history` makes
    some of them tax exempt, shared by two salespeople, or returned later, up
    to their shares of the past sales (so a kept store, or one topped up, gets
    what it is missing). No stock movements, audit events or outbox rows: a
    store's past, already synced. `raw` should be a connection of its own (its
    page cache is raised).
    """
    started = time.perf_counter()
    have = _sold_lines(raw)
    sales_before = raw.execute("SELECT count(*) FROM sales").fetchone()[0]
    raw.execute("PRAGMA cache_size = -524288")  # 512 MiB: the new indexes stay in memory while they grow
    try:
        if have >= lines:
            result: dict[str, Any] = {"made": False, "lines_added": 0, "sales_added": 0}
        else:
            result = _write_past_sales(raw, terminal=terminal, lines=lines, have=have, seed=seed, progress=progress,
                                       started=started)
        result["shaped"] = shape_history(raw, terminal=terminal, seed=seed, progress=progress)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.execute("PRAGMA cache_size = -2000")
    result["sale_lines"] = raw.execute("SELECT count(*) FROM sale_lines").fetchone()[0]
    result["sales"] = raw.execute("SELECT count(*) FROM sales").fetchone()[0]
    result["sales_before"] = sales_before
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _sold_lines(raw: Any) -> int:
    """Sale lines that sold something (return lines, read through their index, left out)."""
    every = raw.execute("SELECT count(*) FROM sale_lines").fetchone()[0]
    back = raw.execute("SELECT count(*) FROM sale_lines WHERE returns_line_id IS NOT NULL").fetchone()[0]
    return int(every) - int(back)


def _write_past_sales(raw: Any, *, terminal: str, lines: int, have: int, seed: int, progress: Any,
                      started: float) -> dict[str, Any]:
    """The past sales `fill_history` describes, HISTORY_BATCH sales a transaction."""
    rng = random.Random(seed + have)
    items = raw.execute("SELECT id, sku, title, price_cents, tracking, cost_cents FROM items").fetchall()
    staff = [r[0] for r in raw.execute("SELECT id FROM staff WHERE role IN ('owner', 'manager', 'clerk')")]
    customers = [r[0] for r in raw.execute("SELECT id FROM customers WHERE erased_at IS NULL")]
    store = raw.execute("SELECT currency, tax_rate FROM stores LIMIT 1").fetchone()
    currency, tax_rate = store[0], str(store[1])
    num, den = Decimal(tax_rate).as_integer_ratio()
    highest = raw.execute(
        "SELECT max(CAST(substr(number, length(terminal) + 2) AS INTEGER)) FROM sales WHERE terminal = ?",
        (terminal,)).fetchone()[0] or 0
    sequence = raw.execute("SELECT next_value FROM number_sequences WHERE name = ?", (f"sale:{terminal}",)).fetchone()
    number = max(int(highest), int(sequence[0]) if sequence else 0)

    todo = lines - have
    sizes: list[int] = []
    while todo > 0:
        size = min(rng.choice(LINES_PER_SALE), todo)
        sizes.append(size)
        todo -= size
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    span_days = 365 * HISTORY_YEARS
    # Store hours, 10:00 to 19:00 in New York (14:00 to 23:00 UTC, near enough for a benchmark).
    moments = sorted(
        now - dt.timedelta(days=rng.randrange(1, span_days + 1)) + dt.timedelta(
            hours=14 - now.hour, seconds=rng.randrange(9 * 3600), microseconds=rng.randrange(1_000_000))
        for _ in sizes)

    made_sales = made_lines = 0
    for start in range(0, len(sizes), HISTORY_BATCH):
        sale_rows: list[tuple[Any, ...]] = []
        line_rows: list[tuple[Any, ...]] = []
        payment_rows: list[tuple[Any, ...]] = []
        for size, moment in zip(sizes[start:start + HISTORY_BATCH], moments[start:start + HISTORY_BATCH]):
            number += 1
            sale_id = _id(rng)
            at = _ts(moment)
            subtotal = discount = tax = 0
            picked = rng.sample(items, size)
            for position, (item_id, sku, title, price_cents, tracking, cost) in enumerate(picked, start=1):
                quantity = 1 if tracking == "unique" or rng.random() < 0.8 else rng.randint(2, 3)
                gross = price_cents * quantity
                percent = rng.choice((5, 10)) if rng.random() < LINE_DISCOUNT_SHARE else 0
                off = (gross * percent * 2 + 100) // 200 if percent else 0
                line_tax = _tax(gross - off, num, den)
                subtotal, discount, tax = subtotal + gross, discount + off, tax + line_tax
                line_rows.append((_id(rng), sale_id, item_id, position, sku, title[:200], quantity, price_cents,
                                  price_cents, off, line_tax, gross - off + line_tax,
                                  f"{percent}% off" if percent else "", cost, at, at))
            total = subtotal - discount + tax
            customer = rng.choice(customers) if customers and rng.random() < CUSTOMER_SHARE else None
            sale_rows.append((sale_id, f"{terminal}-{number:06d}", terminal, rng.choice(staff), customer,
                              currency, subtotal, discount, tax, total, tax_rate, at, at, at))
            if rng.random() < CARD_SHARE:
                payment_rows.append((_id(rng), sale_id, "card", total, f"pi_{rng.getrandbits(96):024x}",
                                     rng.choice(("visa", "mastercard", "amex", "discover")),
                                     f"{rng.randrange(10_000):04d}", None, at, at))
            else:
                handed = -(-total // 2000) * 2000  # the next $20 up
                payment_rows.append((_id(rng), sale_id, "cash", total, None, None, None, handed, at, at))
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.executemany(_HIST_SALE_SQL, sale_rows)
            raw.executemany(_HIST_LINE_SQL, line_rows)
            raw.executemany(_HIST_PAYMENT_SQL, payment_rows)
            if sequence:
                raw.execute("UPDATE number_sequences SET next_value = max(next_value, ?) WHERE name = ?",
                            (number, f"sale:{terminal}"))
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        made_sales += len(sale_rows)
        made_lines += len(line_rows)
        if progress:
            progress(f"  history: {made_lines:,} lines in {made_sales:,} sales, "
                     f"{time.perf_counter() - started:.0f} s")
    return {"made": True, "lines_added": made_lines, "sales_added": made_sales,
            "first_number": f"{terminal}-{number - made_sales + 1:06d}", "last_number": f"{terminal}-{number:06d}",
            "write_seconds": round(time.perf_counter() - started, 1)}


RETURN_SHARE = 0.03  # of the past sales: one of their lines brought back, 1 to 60 days later
SPLIT_SHARE = 0.04  # shared by two salespeople (`sale_credits`)
EXEMPT_SHARE = 0.01  # tax exempt, with an exemption certificate's number
SPLIT_AT_BP = (3000, 4000, 5000, 6000, 7000)  # where the first salesperson's slice ends, in basis points
EXEMPT_REASONS = ("Resale", "Charity", "Government agency")
# The history's sales (and the demo's): no drawer shift, on this counter. The benchmark's own sales have one.
_PAST = "kind = 'sale' AND status = 'completed' AND shift_id IS NULL AND terminal = ?"
_CREDIT_SQL = ("INSERT INTO sale_credits (id, sale_id, staff_id, position, share_from_bp, share_to_bp, created_at, "
               "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_RETURN_SALE_SQL = (
    "INSERT INTO sales (id, number, terminal, kind, original_sale_id, shift_id, staff_id, customer_id, status, "
    "currency, subtotal_cents, discount_cents, tax_cents, total_cents, tax_rate, tax_exempt_reason, "
    "tax_exempt_number, order_discount_reason, completed_at, created_at, updated_at) "
    "VALUES (?, ?, ?, 'return', ?, NULL, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, NULL, NULL, '', ?, ?, ?)")
_RETURN_LINE_SQL = (
    "INSERT INTO sale_lines (id, sale_id, item_id, position, sku, description, quantity, unit_price_cents, "
    "list_price_cents, discount_cents, tax_cents, total_cents, returns_line_id, discount_reason, override_reason, "
    "approved_by, cost_cents, created_at, updated_at) "
    "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', NULL, ?, ?, ?)")
_REFUND_SQL = (
    "INSERT INTO payments (id, sale_id, tender, amount_cents, status, payment_intent_id, card_brand, card_last4, "
    "idempotency_key, tendered_cents, refund_id, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, 'succeeded', ?, ?, ?, NULL, NULL, ?, ?, ?)")


def shape_history(raw: Any, *, terminal: str, seed: int = 3, progress: Any = None) -> dict[str, Any]:
    """Make the past sales look like a store's for the reports, up to each share of them; idempotent.

    In this order (each leaves alone the sales the ones before it changed):
    - every line's cost where it has none (a store whose history was written
      before the harness wrote costs): its item's cost, as migration 0018 does;
    - EXEMPT_SHARE of them tax exempt: a reason and a certificate number,
      their lines' and the sale's tax taken off the total and the payment;
    - SPLIT_SHARE shared by two salespeople: `sale_credits` rows, the sale's
      clerk from 0 to a cut (30-70%) and another salesperson from there to
      10,000 basis points (migration 0018, `domain.figures.split`);
    - RETURN_SHARE returned: one line of each brought back whole, 1 to 60
      days after the sale (never in the future), in a completed sale of kind
      'return' numbered on the same counter: the line with a minus sign
      (quantity, discount, tax and total negated, so the refund is what was
      charged), `returns_line_id` and the cost it sold at, refunded to the
      card it was paid with (a Stripe refund id) or in cash.
    A store that already has its share of each (a kept store) is left as it is;
    one topped up with more past sales gets what it is missing.
    """
    started = time.perf_counter()
    rng = random.Random(seed * 1_000_003 + 17)
    past = raw.execute(f"SELECT id, completed_at, staff_id, customer_id, currency, tax_rate FROM sales "
                       f"WHERE {_PAST} ORDER BY id", (terminal,)).fetchall()
    staff = [r[0] for r in raw.execute("SELECT id FROM staff WHERE role IN ('owner', 'manager', 'clerk')")]
    returned = {r[0] for r in raw.execute("SELECT original_sale_id FROM sales WHERE original_sale_id IS NOT NULL")}
    exempt = {r[0] for r in raw.execute(f"SELECT id FROM sales WHERE {_PAST} AND tax_exempt_number IS NOT NULL",
                                        (terminal,))}
    shared = {r[0] for r in raw.execute("SELECT DISTINCT sale_id FROM sale_credits")}
    history_returns = raw.execute("SELECT count(*) FROM sales WHERE kind = 'return' AND shift_id IS NULL "
                                  "AND terminal = ?", (terminal,)).fetchone()[0]
    done = {"costs_filled": 0, "exempt_added": 0, "shared_added": 0, "returns_added": 0}
    order = list(past)
    rng.shuffle(order)

    def pick(want: int, usable: Any) -> list[Any]:
        chosen = []
        for row in order:
            if len(chosen) >= want:
                break
            if usable(row):
                chosen.append(row)
        return chosen

    raw.execute("BEGIN IMMEDIATE")
    try:
        # One scan of the lines (~2 s at 1,000,000); it writes only on a store without costs.
        done["costs_filled"] = raw.execute(
            "UPDATE sale_lines SET cost_cents = (SELECT i.cost_cents FROM items i WHERE i.id = sale_lines.item_id) "
            "WHERE cost_cents IS NULL AND returns_line_id IS NULL").rowcount + raw.execute(
            "UPDATE sale_lines SET cost_cents = (SELECT o.cost_cents FROM sale_lines o "
            "WHERE o.id = sale_lines.returns_line_id) WHERE cost_cents IS NULL AND returns_line_id IS NOT NULL"
        ).rowcount
        want = round(EXEMPT_SHARE * len(past)) - len(exempt)
        for row in pick(want, lambda r: r[0] not in exempt and r[0] not in returned and r[0] not in shared):
            sale_id = row[0]
            payments = raw.execute("SELECT id, tender FROM payments WHERE sale_id = ?", (sale_id,)).fetchall()
            if len(payments) != 1:
                continue  # a demo sale paid two ways: leave it
            raw.execute("UPDATE sale_lines SET total_cents = total_cents - tax_cents, tax_cents = 0 "
                        "WHERE sale_id = ?", (sale_id,))
            total = raw.execute(
                "UPDATE sales SET total_cents = total_cents - tax_cents, tax_cents = 0, tax_exempt_reason = ?, "
                "tax_exempt_number = ? WHERE id = ? RETURNING total_cents",
                (rng.choice(EXEMPT_REASONS), f"EX-{rng.randrange(10**9):09d}", sale_id)).fetchone()[0]
            handed = -(-total // 2000) * 2000 if payments[0][1] == "cash" else None
            raw.execute("UPDATE payments SET amount_cents = ?, tendered_cents = ? WHERE id = ?",
                        (total, handed, payments[0][0]))
            exempt.add(sale_id)
            done["exempt_added"] += 1

        want = round(SPLIT_SHARE * len(past)) - len(shared)
        credits = []
        if len(staff) >= 2:
            for sale_id, at, clerk, *_ in pick(want, lambda r: r[0] not in shared):
                other = rng.choice([s for s in staff if s != clerk])
                cut = rng.choice(SPLIT_AT_BP)
                credits += [(_id(rng), sale_id, clerk, 0, 0, cut, at, at),
                            (_id(rng), sale_id, other, 1, cut, 10_000, at, at)]
                shared.add(sale_id)
        raw.executemany(_CREDIT_SQL, credits)
        done["shared_added"] = len(credits) // 2

        want = round(RETURN_SHARE * len(past)) - history_returns
        if want > 0:
            highest = raw.execute(
                "SELECT max(CAST(substr(number, length(terminal) + 2) AS INTEGER)) FROM sales WHERE terminal = ?",
                (terminal,)).fetchone()[0] or 0
            sequence = raw.execute("SELECT next_value FROM number_sequences WHERE name = ?",
                                   (f"sale:{terminal}",)).fetchone()
            number = max(int(highest), int(sequence[0]) if sequence else 0)
            now = dt.datetime.now(dt.UTC)
            latest = _ts(now - dt.timedelta(days=2))
            sales, lines, refunds = [], [], []
            for sale_id, at, _clerk, customer, currency, tax_rate in pick(
                    want, lambda r: r[0] not in returned and r[1] < latest):
                line = rng.choice(raw.execute(
                    "SELECT id, item_id, sku, description, quantity, unit_price_cents, list_price_cents, "
                    "discount_cents, tax_cents, total_cents, cost_cents FROM sale_lines WHERE sale_id = ?",
                    (sale_id,)).fetchall())
                paid = raw.execute("SELECT tender, payment_intent_id, card_brand, card_last4 FROM payments "
                                   "WHERE sale_id = ? ORDER BY amount_cents DESC LIMIT 1", (sale_id,)).fetchone()
                line_id, item_id, sku, description, quantity, unit, listed, off, tax, total, cost = line
                sold = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
                back = min(sold + dt.timedelta(days=rng.randint(1, 60), seconds=rng.randrange(-3 * 3600, 3 * 3600)),
                           now - dt.timedelta(hours=1))
                when = _ts(back)
                number += 1
                return_id = _id(rng)
                sales.append((return_id, f"{terminal}-{number:06d}", terminal, sale_id, rng.choice(staff), customer,
                              currency, -unit * quantity, -off, -tax, -total, tax_rate, when, when, when))
                lines.append((_id(rng), return_id, item_id, sku, description, -quantity, unit, listed, -off, -tax,
                              -total, line_id, cost, when, when))
                card = paid is not None and paid[0] == "card"
                refunds.append((_id(rng), return_id, "card" if card else "cash", -total,
                                paid[1] if card else None, paid[2] if card else None, paid[3] if card else None,
                                f"re_{rng.getrandbits(96):024x}" if card else None, when, when))
                returned.add(sale_id)
            raw.executemany(_RETURN_SALE_SQL, sales)
            raw.executemany(_RETURN_LINE_SQL, lines)
            raw.executemany(_REFUND_SQL, refunds)
            if sequence:
                raw.execute("UPDATE number_sequences SET next_value = max(next_value, ?) WHERE name = ?",
                            (number, f"sale:{terminal}"))
            done["returns_added"] = len(sales)
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    result = {**done, "past_sales": len(past), "exempt": len(exempt), "shared": len(shared),
              "returns": history_returns + done["returns_added"], "seconds": round(time.perf_counter() - started, 1)}
    if progress and any(done.values()):
        progress(f"  history shaped: {done['costs_filled']:,} line costs filled, {done['exempt_added']:,} sales made "
                 f"tax exempt, {done['shared_added']:,} shared by two salespeople, {done['returns_added']:,} returns, "
                 f"{result['seconds']} s")
    return result


# ---------------------------------------------------------------- scan to line


def measure_scan(facet: Any, raw: Any, clerk: Actor, *, rounds: int, warmup: int = WARMUP,
                 seed: int = 17) -> Timings:
    """`checkout.scan` into a cart of 0..3 lines vs the raw indexed barcode SELECT."""
    from pos_app.domain.cart import Cart
    from pos_app.services import checkout

    reader = facet.store.inventory
    rng = random.Random(seed)
    codes = [r[0] for r in raw.execute(
        "SELECT barcode FROM items WHERE status = 'available' AND on_hand > 0 AND barcode IS NOT NULL")]
    in_carts = rng.sample(codes, 3)
    carts = [Cart(currency="USD")]
    for code in in_carts:
        carts.append(checkout.scan(carts[-1], code, reader=reader, actor=clerk))
    codes = sorted(set(codes) - set(in_carts))
    sql = f"SELECT {ROW_COLUMNS}, on_hand FROM items WHERE barcode = ?"  # the columns lookup_code reads
    t = Timings()
    for n in range(warmup + rounds):
        code = rng.choice(codes)
        cart = carts[n % len(carts)]
        for who in (("ours", "raw") if n % 2 == 0 else ("raw", "ours")):
            start = time.perf_counter()
            try:
                if who == "ours":
                    ok = len(checkout.scan(cart, code, reader=reader, actor=clerk).lines) == len(cart.lines) + 1
                else:
                    ok = raw.execute(sql, (code,)).fetchone() is not None
            except Exception as exc:  # noqa: BLE001 - a crash is a result here
                ok = False
                t.errors.append(f"{who} {code}: {type(exc).__name__}: {exc}")
            ms = (time.perf_counter() - start) * 1000
            if not ok and len(t.errors) < 50:
                t.errors.append(f"{who}: no new line for {code}")
            if n >= warmup:
                (t.ours_ms if who == "ours" else t.raw_ms).append(ms)
                (t.by_input if who == "ours" else t.raw_by_input).setdefault(f"{len(cart.lines)} lines", []).append(ms)
    return t


# ---------------------------------------------------------------- complete a sale


_MOVE_SQL = ("INSERT INTO stock_movements (id, item_id, kind, quantity, reason, reference, staff_id, terminal, "
             "created_at, updated_at) VALUES (?, ?, 'sale', ?, 'sale', ?, ?, ?, ?, ?)")
_SALE_SQL = (
    "INSERT INTO sales (id, number, terminal, kind, original_sale_id, shift_id, staff_id, customer_id, status, "
    "currency, subtotal_cents, discount_cents, tax_cents, total_cents, tax_rate, tax_exempt_reason, "
    "tax_exempt_number, order_discount_reason, completed_at, created_at, updated_at) "
    "VALUES (?, ?, ?, 'sale', NULL, ?, ?, NULL, 'completed', ?, ?, ?, ?, ?, ?, NULL, NULL, '', ?, ?, ?)")
_LINE_SQL = (
    "INSERT INTO sale_lines (id, sale_id, item_id, position, sku, description, quantity, unit_price_cents, "
    "list_price_cents, discount_cents, tax_cents, total_cents, returns_line_id, discount_reason, override_reason, "
    "approved_by, created_at, updated_at, cost_cents) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', '', NULL, ?, ?, ?)")
_PAYMENT_SQL = (
    "INSERT INTO payments (id, sale_id, tender, amount_cents, status, payment_intent_id, card_brand, card_last4, "
    "idempotency_key, tendered_cents, refund_id, created_at, updated_at) "
    "VALUES (?, ?, 'cash', ?, 'succeeded', NULL, NULL, NULL, NULL, ?, NULL, ?, ?)")
_OUTBOX_SQL = ("INSERT INTO outbox (device_seq, tx_id, table_name, row_id, op, at, changes) "
               "VALUES (?, ?, ?, ?, 'insert', ?, ?)")
_OUTBOX_SEQ_SQL = "UPDATE outbox_sequence SET last_seq = last_seq + ? WHERE id = 1 RETURNING last_seq"
# The columns of each row written, as the outbox's `changes` captures them (the whole row of an insert).
_SALE_KEYS = ("id", "number", "terminal", "kind", "original_sale_id", "shift_id", "staff_id", "customer_id", "status",
              "currency", "subtotal_cents", "discount_cents", "tax_cents", "total_cents", "tax_rate",
              "tax_exempt_reason", "tax_exempt_number", "order_discount_reason", "completed_at", "created_at",
              "updated_at")
_LINE_KEYS = ("id", "sale_id", "item_id", "position", "sku", "description", "quantity", "unit_price_cents",
              "list_price_cents", "discount_cents", "tax_cents", "total_cents", "returns_line_id", "discount_reason",
              "override_reason", "approved_by", "created_at", "updated_at", "cost_cents")
_PAYMENT_KEYS = ("id", "sale_id", "tender", "amount_cents", "status", "payment_intent_id", "card_brand", "card_last4",
                 "idempotency_key", "tendered_cents", "refund_id", "card_receipt", "created_at", "updated_at")
_MOVE_KEYS = ("id", "item_id", "kind", "quantity", "reason", "reference", "staff_id", "terminal", "created_at",
              "updated_at")
_AUDIT_SQL = ("INSERT INTO audit_events (seq, id, at, staff_id, actor_name, role, terminal, action, entity_type, "
              "entity_id, summary, approved_by, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_SEQUENCE_SQL = ("INSERT INTO number_sequences (name, next_value) VALUES (?, 1) "
                 "ON CONFLICT(name) DO UPDATE SET next_value = next_value + 1 RETURNING next_value")
_CHECKOUT_SQL = (
    "INSERT INTO checkouts (id, terminal, staff_id, customer_id, cart, tenders, status, sale_id, created_at, "
    "updated_at) VALUES (?, ?, ?, NULL, ?, ?, 'completed', ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET customer_id = excluded.customer_id, cart = excluded.cart, "
    "tenders = excluded.tenders, status = excluded.status, sale_id = excluded.sale_id, "
    "updated_at = excluded.updated_at")

_PRINT_QUEUE_SQL = ("INSERT INTO print_queue (id, terminal, document, sale_id, shift_id, status, error, created_at) "
                    "VALUES (?, ?, 'receipt', ?, NULL, 'waiting', 'Not printed yet: queued with the sale.', ?)")


def raw_sale(raw: Any, co: Any, *, clerk: Actor, shift_id: str) -> str:
    """The rows `complete_sale` writes for a paid cash checkout of counted lines, as one raw transaction.

    BEGIN IMMEDIATE; the number sequence upsert; 1 sale, its lines (each at its item's cost, read in one
    SELECT as `CounterRepo` reads it), 1 payment,
    a stock movement per line; the outbox rows of all of them; the audit event
    (last hash read, next chained); the checkout journal's upsert; the
    receipt's print queue row; COMMIT.
    """
    from pos_app.persistence.checkout_repo import stored_form
    from pos_app.persistence.journal import event_hash, hashed_content

    priced, cart, terminal = co.priced, co.cart, clerk.terminal
    tender = co.tenders[0]
    now = _ts(dt.datetime.now(dt.UTC))
    raw.execute("BEGIN IMMEDIATE")
    try:
        seq = raw.execute(_SEQUENCE_SQL, (f"sale:{terminal}",)).fetchone()[0]
        number = f"{terminal}-{seq:06d}"
        sale_id = str(uuid.uuid4())
        sale = (sale_id, number, terminal, shift_id, clerk.staff_id, cart.currency, priced.subtotal.cents,
                priced.discount.cents, priced.tax.cents, priced.total.cents, str(priced.tax_rate), now, now, now)
        raw.execute(_SALE_SQL, sale)
        line_ids = [str(uuid.uuid4()) for _ in priced.lines]
        # Each line sells at its item's cost now (migration 0018), read as the app reads it.
        items = sorted({p.line.item_id for p in priced.lines})
        costs = dict(raw.execute(f"SELECT id, cost_cents FROM items WHERE id IN ({', '.join('?' * len(items))})",
                                 items).fetchall())
        lines = [(line_id, sale_id, p.line.item_id, position, p.line.sku, p.line.description[:200], p.line.quantity,
                  p.line.unit_price.cents, p.line.list_price.cents, p.discount.cents, p.tax.cents, p.total.cents,
                  now, now, costs.get(p.line.item_id))
                 for position, (line_id, p) in enumerate(zip(line_ids, priced.lines), start=1)]
        raw.executemany(_LINE_SQL, lines)
        payment_id = str(uuid.uuid4())
        payment = (payment_id, sale_id, tender.amount.cents, None if tender.tendered is None else tender.tendered.cents,
                   now, now)
        raw.execute(_PAYMENT_SQL, payment)
        move_ids = [str(uuid.uuid4()) for _ in priced.lines]
        moves = [(move_id, p.line.item_id, -p.line.quantity, number, clerk.staff_id, terminal, now, now)
                 for move_id, p in zip(move_ids, priced.lines)]
        raw.executemany(_MOVE_SQL, moves)
        # The outbox v2 rows: the device sequence drawn once, one transaction id, each row whole as JSON.
        changes = [("sales", dict(zip(_SALE_KEYS, (*sale[:3], "sale", None, *sale[3:5], None, "completed",
                                                   *sale[5:11], None, None, "", *sale[11:]))))]
        changes += [("sale_lines", dict(zip(_LINE_KEYS, (*line[:12], None, "", "", None, *line[12:]))))
                    for line in lines]
        changes.append(("payments", dict(zip(_PAYMENT_KEYS, (*payment[:2], "cash", payment[2], "succeeded", None,
                                                             None, None, None, payment[3], None, None,
                                                             *payment[4:])))))
        changes += [("stock_movements", dict(zip(_MOVE_KEYS, (move[0], move[1], "sale", move[2], "sale", *move[3:]))))
                    for move in moves]
        last_seq = raw.execute(_OUTBOX_SEQ_SQL, (len(changes),)).fetchone()[0]
        tx_id = str(uuid.uuid4())
        raw.executemany(_OUTBOX_SQL, [(last_seq - len(changes) + 1 + k, tx_id, table, row["id"], now,
                                       json.dumps(row, separators=(",", ":")))
                                      for k, (table, row) in enumerate(changes)])
        last = raw.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        summary = {"number": number, "kind": "sale", "lines": len(priced.lines), "total_cents": priced.total.cents,
                   "tenders": ["cash"], "customer": False}
        event = {"seq": last[0] + 1, "id": str(uuid.uuid4()), "at": now, "staff_id": clerk.staff_id,
                 "actor_name": clerk.name, "role": clerk.role.value, "terminal": terminal,
                 "action": "sale.completed", "entity_type": "sale", "entity_id": sale_id, "summary": summary,
                 "approved_by": None, "prev_hash": last[1]}
        raw.execute(_AUDIT_SQL, (event["seq"], event["id"], now, clerk.staff_id, clerk.name, clerk.role.value,
                                 terminal, "sale.completed", "sale", sale_id, json.dumps(summary), None, last[1],
                                 event_hash(hashed_content(event))))
        journal, stored_cart = stored_form(co.completed(sale_id))  # as the app's journal repository writes it
        raw.execute(_CHECKOUT_SQL, (co.id, terminal, clerk.staff_id, json.dumps(stored_cart), json.dumps(journal),
                                    sale_id, now, now))
        raw.execute(_PRINT_QUEUE_SQL, (str(uuid.uuid4()), terminal, sale_id, now))
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    return sale_id


class _CountedStock:
    """Available counted items with units on hand, drawn three different ones at a time."""

    _POOL = ("SELECT id, on_hand FROM items WHERE tracking = 'counted' AND status = 'available' AND on_hand > 0")

    def __init__(self, facet: Any, raw: Any, manager: Actor, units_needed: int, rng: random.Random) -> None:
        pool = raw.execute(self._POOL).fetchall()
        self.received = 0
        if sum(r[1] for r in pool) < 2 * units_needed:  # a small or well-used kept store: receive more, untimed
            ids = [r[0] for r in raw.execute(
                "SELECT id FROM items WHERE tracking = 'counted' AND status = 'available' ORDER BY seq LIMIT 2000")]
            each = -(-2 * units_needed // max(1, len(ids)))
            with facet.uow() as uow:
                uow.stock.record_many([(i, "receive", each, "received") for i in ids], actor=manager)
                uow.commit()
            self.received = each * len(ids)
            pool = raw.execute(self._POOL).fetchall()
        self.left = {r[0]: r[1] for r in pool}
        rows = facet.store.inventory.rows_by_ids(list(self.left))
        self.rows = {r.id: r for r in rows}
        self.ids = [r.id for r in rows]
        self.rng = rng

    def take(self, n: int) -> list[Any]:
        """n different items, one unit of each taken off what is left."""
        while True:
            if len(self.ids) < n:
                raise RuntimeError(f"fewer than {n} counted items have units left to sell")
            picked = self.rng.sample(self.ids, n)
            empty = [i for i in picked if self.left[i] <= 0]
            if not empty:
                break
            self.ids = [i for i in self.ids if self.left[i] > 0]
        for item_id in picked:
            self.left[item_id] -= 1
        return [self.rows[i] for i in picked]


def _checkout(rows: list[Any], tax_rate: Decimal) -> Any:
    """A paid checkout of one unit of each row, cash handed over rounded up to $20, built directly."""
    from pos_app.domain.cart import Cart, CartLine, Tender, TenderKind, price
    from pos_app.domain.money import Money
    from pos_app.services.checkout import Checkout

    cart = Cart(currency="USD", lines=tuple(
        CartLine(item_id=r.id, sku=r.sku, description=r.title, quantity=1, unit_price=Money(r.price_cents),
                 list_price=Money(r.price_cents), unique=False) for r in rows))
    priced = price(cart, tax_rate)
    handed = Money(-(-priced.total.cents // 2000) * 2000)
    return Checkout(id=str(uuid.uuid4()), cart=cart, priced=priced,
                    tenders=(Tender(TenderKind.CASH, amount=priced.total, tendered=handed),))


def _rows_of_sale(conn: Any, sale_id: str) -> dict[str, int]:
    """What one completed sale left in each table (to check the baseline writes what the app writes)."""
    number = conn.execute("SELECT number FROM sales WHERE id = ?", (sale_id,)).fetchone()[0]
    line_ids = [r[0] for r in conn.execute("SELECT id FROM sale_lines WHERE sale_id = ?", (sale_id,))]
    pay_ids = [r[0] for r in conn.execute("SELECT id FROM payments WHERE sale_id = ?", (sale_id,))]
    move_ids = [r[0] for r in conn.execute("SELECT id FROM stock_movements WHERE reference = ?", (number,))]
    ids = [sale_id, *line_ids, *pay_ids, *move_ids]
    outbox = conn.execute(f"SELECT count(*) FROM outbox WHERE row_id IN ({', '.join('?' * len(ids))})",
                          ids).fetchone()[0]

    def one(sql: str) -> int:
        return int(conn.execute(sql, (sale_id,)).fetchone()[0])

    return {"sale_lines": len(line_ids), "payments": len(pay_ids), "stock_movements": len(move_ids),
            "outbox": int(outbox), "audit_events": one("SELECT count(*) FROM audit_events WHERE entity_id = ?"),
            "checkouts": one("SELECT count(*) FROM checkouts WHERE sale_id = ?"),
            "print_queue": one("SELECT count(*) FROM print_queue WHERE sale_id = ?"),
            "lines_with_cost": one("SELECT count(cost_cents) FROM sale_lines WHERE sale_id = ?"),
            "shift_linked": one("SELECT count(*) FROM sales WHERE id = ? AND shift_id IS NOT NULL")}


def _chain_breaks(conn: Any, after_seq: int) -> int:
    """Audit events after `after_seq` whose hash or link to the previous one is wrong (both writers chain)."""
    from pos_app.persistence.journal import event_hash, hashed_content

    cols = ("seq", "id", "at", "staff_id", "actor_name", "role", "terminal", "action", "entity_type", "entity_id",
            "summary", "approved_by", "prev_hash", "hash")
    prev = conn.execute("SELECT hash FROM audit_events WHERE seq = ?", (after_seq,)).fetchone()
    prev_hash = prev[0] if prev else None
    bad = 0
    for r in conn.execute(f"SELECT {', '.join(cols)} FROM audit_events WHERE seq > ? ORDER BY seq", (after_seq,)):
        row = dict(zip(cols, r))
        row["summary"] = json.loads(row["summary"])
        if (prev_hash is not None and row["prev_hash"] != prev_hash) or event_hash(hashed_content(row)) != row["hash"]:
            bad += 1
        prev_hash = row["hash"]
    return bad


def ensure_shift(facet: Any, clerk: Actor) -> tuple[str, bool]:
    """This counter's open cash drawer shift (opened with `cash.open_shift` if none is)."""
    from pos_app.domain.money import Money
    from pos_app.services import cash

    shift = facet.store.sales.open_shift(clerk.terminal)
    if shift is not None:
        return shift.id, False
    return cash.open_shift(Money(20_000), uow=facet.uow(), actor=clerk), True


def measure_complete(facet: Any, raw: Any, clerk: Actor, manager: Actor, *, rounds: int,
                     warmup: int = WARMUP, seed: int = 23) -> tuple[Timings, dict[str, Any]]:
    """`checkout.complete_sale` of a 3-line cash checkout vs `raw_sale` writing the same rows."""
    from pos_app.services import checkout

    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    shift_id, opened = ensure_shift(facet, clerk)
    rng = random.Random(seed)
    stock = _CountedStock(facet, raw, manager, 2 * 3 * (warmup + rounds), rng)
    audit_seq = raw.execute("SELECT max(seq) FROM audit_events").fetchone()[0] or 0
    sales_reader = facet.store.sales
    t = Timings()
    last: dict[str, str] = {}
    for n in range(warmup + rounds):
        # Round 0 runs ours first: it creates the number sequence from the highest number if it is not there.
        for who in (("ours", "raw") if n % 2 == 0 else ("raw", "ours")):
            co = _checkout(stock.take(3), settings.tax_rate)
            uow = facet.uow()
            start = time.perf_counter()
            try:
                if who == "ours":
                    last[who] = checkout.complete_sale(co, uow=uow, actor=clerk, sales=sales_reader).sale_id
                else:
                    last[who] = raw_sale(raw, co, clerk=clerk, shift_id=shift_id)
            except Exception as exc:  # noqa: BLE001 - a crash is a result here
                t.errors.append(f"{who}: {type(exc).__name__}: {exc}")
                if len(t.errors) > 5:
                    raise
                continue
            ms = (time.perf_counter() - start) * 1000
            if n >= warmup:
                (t.ours_ms if who == "ours" else t.raw_ms).append(ms)
    detail: dict[str, Any] = {"shift_opened": opened, "units_received_first": stock.received}
    if "ours" in last and "raw" in last:
        rows = {who: _rows_of_sale(raw, sale_id) for who, sale_id in last.items()}
        detail["rows_written"] = rows
        detail["rows_match"] = rows["ours"] == rows["raw"]
    detail["audit_chain_breaks"] = _chain_breaks(raw, audit_seq)
    detail["sales_in_store"] = raw.execute("SELECT count(*) FROM sales").fetchone()[0]
    return t, detail


# ---------------------------------------------------------------- render an ESC/POS receipt


def receipt_module_ready() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None
               for m in ("pos_app.documents.receipt", "pos_app.documents.receipt_escpos"))


def ten_line_sale(facet: Any, clerk: Actor, manager: Actor, raw: Any, *, seed: int = 29) -> str:
    """A stored 10-line cash sale made through `complete_sale` (untimed), for the receipt."""
    from pos_app.services import checkout

    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    ensure_shift(facet, clerk)
    stock = _CountedStock(facet, raw, manager, 10, random.Random(seed))
    co = _checkout(stock.take(10), settings.tax_rate)
    return checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales).sale_id


def measure_receipt(facet: Any, sale_id: str, *, rounds: int, warmup: int = WARMUP,
                    columns: int = 42) -> tuple[Timings, dict[str, Any]]:
    """`render_receipt(receipt, columns=42)` vs a python-escpos `Dummy` writing as many text lines."""
    import inspect

    from pos_app.documents import receipt_escpos
    from pos_app.services import receipts

    directory, sales = facet.store.directory, facet.store.sales
    profile = receipts.layout(directory).profile
    start = time.perf_counter()
    receipt = receipts.build_receipt(sale_id, sales=sales, directory=directory)
    build_ms = (time.perf_counter() - start) * 1000
    kwargs: dict[str, Any] = {"columns": columns}
    if "profile" in inspect.signature(receipt_escpos.render_receipt).parameters:
        kwargs["profile"] = profile  # as services.receipts passes it
    start = time.perf_counter()
    first = receipt_escpos.render_receipt(receipt, **kwargs)  # warm-up: imports python-escpos, loads the profile
    first_ms = (time.perf_counter() - start) * 1000
    text_lines = max(1, first.count(b"\n"))
    filler = [f"{f'Line {i} of the baseline':<{columns - 10}}{i * 1234 / 100:>10.2f}\n" for i in range(text_lines)]

    from escpos.printer import Dummy

    def baseline() -> bytes:
        printer = Dummy(profile=profile)
        for line in filler:
            printer.text(line)
        printer.cut()
        return bytes(printer.output)

    baseline_first = baseline()
    t = Timings()
    builds: list[float] = []
    same_bytes = True
    for n in range(warmup + rounds):
        for who in (("ours", "raw") if n % 2 == 0 else ("raw", "ours")):
            start = time.perf_counter()
            out = receipt_escpos.render_receipt(receipt, **kwargs) if who == "ours" else baseline()
            ms = (time.perf_counter() - start) * 1000
            same_bytes = same_bytes and (who == "raw" or out == first)
            if n >= warmup:
                (t.ours_ms if who == "ours" else t.raw_ms).append(ms)
        if n < 50:
            start = time.perf_counter()
            receipts.build_receipt(sale_id, sales=sales, directory=directory)
            builds.append((time.perf_counter() - start) * 1000)
    from benchmarks.inprocess import percentile

    return t, {"first_render_ms": round(first_ms, 2), "build_receipt_first_ms": round(build_ms, 3),
               "build_receipt_p50_ms": round(sorted(builds)[len(builds) // 2], 3),
               "build_receipt_p95_ms": round(percentile(builds, 95), 3), "receipt_lines": len(receipt.lines),
               "text_lines": text_lines, "bytes": len(first), "baseline_bytes": len(baseline_first),
               "profile": kwargs.get("profile"), "columns": columns, "same_bytes_every_render": same_bytes}

