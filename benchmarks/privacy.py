"""A customer's privacy export and erasure at 1,000 sales and 20 appraisals, beside raw SQLite doing the same.

Setup, not timed: `CustomerMaker.make` builds a customer the way the store
would have one: added at the counter (`customers.quick_add_customer`, with
their email and text consents) and given addresses, preferences and a note
naming their phone; a consent withdrawn later (`customers.change_consent`);
`SALES` past sales of the store's history that had no customer (chosen at
random over its three years, raw UPDATE), three of them with an order
discount reason naming the customer and one with a line "price matched for
<last name>"; `APPRAISALS` appraisals owned by them (`appraisals.create_draft`
with two stone rows and a note naming them, `add_photos` of two 640 x 480
JPEGs (~100 KB each), `finalize`; every tenth stays a draft). A small store
has fewer past sales without a customer than the figures need: each
customer then gets an equal share (`detail.sales_per_customer`).

The figures, each after one discarded warm-up round (for the export, its
traced run):

- ``privacy_export``: `privacy_export.export_customer` of a verified access
  request (recorded and verified through `privacy` before, closed after,
  untimed, one per round; closing it as delivered deletes the zip),
  to a zip in the work folder, vs `raw_export`: the same customer's profile,
  consents, requests, sales with their lines and payments, appraisals with
  their stones read with `fetchall` on a raw sqlcipher3 connection and
  json-dumped as one ``data.json`` into a deflated zip, then the photos
  stored, one row at a time. Memory: the peak traced by `tracemalloc` of one
  more run of each, untimed, when the customer has half of the sales and
  when they have all of them; "flat" means the export's peak at all the
  sales is at most `FLAT` times its peak at half (judged when half is at
  least one of the reader's batches of 500 rows: below that the export's
  memory grows with the rows by design).
- ``privacy_erase``: `erasure.erase_customer` of a verified deletion request
  with `store=None` (no scrub), vs `raw_erase`: one raw transaction writing
  the same rows for another customer of the same shape (see its docstring).
  Erasure cannot be repeated, so every round erases two fresh customers,
  one each; the first timed round's is the exported customer.
- ``privacy_erase_vacuum`` (the name kept for comparison with older runs):
  `LocalDatabase.scrub` once, after the last erasure: a PASSIVE checkpoint
  and a restart of the WAL, no VACUUM any more (it held the write lock for
  17 to 20 s at 860 MB), vs copying the store's file (read, write, fsync). No
  target.
- ``privacy_erase_sale_wait``: `measure_concurrent_wait`: a second process
  (`benchmarks/sale_loop.py`) completes 3-line cash sales back to back while
  a fresh customer is erased (`erase_customer`) and the file scrubbed; the
  figure is the longest any of those sales waited for the store's write lock
  (its BEGIN IMMEDIATE), over all rounds, against the 100 ms target; the
  baseline is the median whole sale of that loop outside the erasure. The
  detail gives each round's erase and scrub times, how many sales went
  through meanwhile, the longest whole sale (which adds what a busy CPU
  costs) and the load average: on a shared machine the waits follow the load.

Run alone (the store is built as `run.py` builds it, and kept with --keep):

    python -m benchmarks.privacy --items 20000 [--repeat 3] [--keep DIR] [--json OUT.json]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import statistics
import time
import tracemalloc
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.inprocess import Timings

SALES = 1_000
APPRAISALS = 20
PHOTOS_EACH = 2
PHOTO_SIZE = (640, 480)
DRAFT_EVERY = 10  # every tenth appraisal is still a draft
WARMUP = 1
EXPORT_TARGET_S = 2.0
ERASE_TARGET_S = 1.0
FLAT = 1.5  # the export's peak memory at all the sales / at half of them

_FIRST = ("Margaret", "Eleanor", "Harriet", "Beatrice", "Ingrid", "Naomi", "Theodora", "Rosalind")
_LAST = ("Okafor", "Lindqvist", "Whitcombe", "Fairbanks", "Abernathy", "Nakamura", "Castellanos", "Delacroix")
_STREETS = ("Elm Street", "Orchard Lane", "Bedford Avenue", "Court Street", "Prospect Park West")
_APPRAISAL = {"purpose": "insurance", "style": "halo", "metal": "18k white", "gram_weight": "6.42",
              "chain_length_in": "18", "clasp": "lobster",
              "description": "An 18k white gold halo pendant necklace with a round brilliant center diamond and "
                             "a halo of eighteen round brilliant diamonds, on an 18 inch cable chain.",
              "limiting_conditions": "Stones graded as mounted; weights estimated from measurements."}
_STONES = ({"role": "center", "shape": "round", "count": "1", "carat": "1.02", "color": "G", "clarity": "VS1",
            "cut": "excellent", "measurements": "6.45 x 6.48 x 3.98 mm"},
           {"role": "accent", "shape": "round", "count": "18", "carat": "0.36", "color": "H", "clarity": "SI1"})
# Past sales with no customer, no drawer shift (the history's and the demo's), not the original of a return.
_FREE_SALES = ("SELECT id FROM sales WHERE customer_id IS NULL AND kind = 'sale' AND status = 'completed' "
               "AND shift_id IS NULL AND id NOT IN (SELECT original_sale_id FROM sales "
               "WHERE original_sale_id IS NOT NULL) ORDER BY id")


def _ts(moment: dt.datetime) -> str:
    """The app's stored UTC text ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


@dataclass(frozen=True)
class Customer:
    id: str
    first: str
    last: str
    email: str
    phone: str
    sales: int
    appraisals: int
    photos: int
    seconds: float

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


class CustomerMaker:
    """Customers of the same shape, each with their own past sales and appraisals (see the module docstring)."""

    def __init__(self, facet: Any, raw: Any, *, customers: int, sales: int = SALES, appraisals: int = APPRAISALS,
                 seed: int = 41) -> None:
        from benchmarks import catalog
        from benchmarks.appraisal_pdf import make_photo
        from pos_app.domain.permissions import Role
        from pos_app.domain.store import store_today

        self.facet, self.raw = facet, raw
        self.rng = random.Random(seed)
        self.manager = catalog.actor_for(facet, Role.MANAGER)
        self.appraiser = catalog.actor_for(facet, Role.APPRAISER)
        self.today = store_today(facet.profile.timezone)
        self.free = [r[0] for r in raw.execute(_FREE_SALES)]
        self.rng.shuffle(self.free)
        self.free_at_start = len(self.free)
        # `sales` past sales each (SALES unless told), or an equal share of the free past sales when the
        # store has fewer than `customers` × `sales`.
        self.sales = sales
        self.appraisals = appraisals  # each; every DRAFT_EVERY-th stays a draft
        self.sales_each = max(1, min(sales, len(self.free) // max(1, customers)))
        self.photos = [make_photo(*PHOTO_SIZE, seed=seed) for seed in range(4)]
        self._names = [(f, last) for last in _LAST for f in _FIRST]
        self.rng.shuffle(self._names)
        self._tag = random.randrange(10**4)  # emails and phones of this run's customers, unlike a kept store's
        self.made = 0

    def make(self, sales: int | None = None) -> Customer:
        from pos_app.domain.privacy import Channel
        from pos_app.services import appraisals, customers

        started = time.perf_counter()
        n = self.made
        self.made += 1
        first, last = self._names[n % len(self._names)]
        email = f"{first}.{last}.{self._tag}{n:03d}@example.com".lower()
        phone = f"+1718555{(self._tag + n) % 10_000:04d}"
        form = customers.QuickCustomer(first_name=first, last_name=last, email=email, phone=phone,
                                       adult_confirmed=True, marketing_email=True, marketing_sms=True)
        policy = self.facet.store.sales.current_policy_version(self.today)
        customer_id = customers.quick_add_customer(form, uow=self.facet.uow(), actor=self.manager, policy=policy)
        street = f"{12 + n} {self.rng.choice(_STREETS)}"
        self._write("UPDATE customers SET billing_address = ?, shipping_address = ?, preferences = ?, wishlist = ?, "
                    "notes = ? WHERE id = ?",
                    (f"{street}\nBrooklyn, NY 11201", f"{street}\nBrooklyn, NY 11201", "white gold, halos",
                     "a tennis necklace for her anniversary", f"Prefers a call on {phone} after 5 pm.", customer_id))
        customers.change_consent(customer_id, "marketing_sms", False, channel=Channel.EMAIL.value,
                                 uow=self.facet.uow(), actor=self.manager, today=self.today)
        got = self.add_sales(customer_id, first, last, self.sales_each if sales is None else sales)
        for k in range(self.appraisals):
            day = self.today - dt.timedelta(days=self.rng.randrange(0, 3 * 365))
            raw = {**_APPRAISAL, "appraised_on": day.isoformat(), "value": f"{self.rng.randrange(2_000, 40_000)}.00",
                   "notes": f"Brought in by {first} {last} for her insurer; photos taken at the counter."}
            draft = appraisals.create_draft(raw, _STONES, uow=self.facet.uow(), actor=self.appraiser,
                                            today=self.today, owner_customer_id=customer_id)
            photos = [self.photos[(k + j) % len(self.photos)] for j in range(PHOTOS_EACH)]
            appraisals.add_photos(draft.id, photos, uow=self.facet.uow(), actor=self.appraiser)
            if (k + 1) % DRAFT_EVERY:
                appraisals.finalize(draft.id, uow=self.facet.uow(), actor=self.appraiser)
        return Customer(customer_id, first, last, email, phone, got, self.appraisals, self.appraisals * PHOTOS_EACH,
                        time.perf_counter() - started)

    def add_sales(self, customer_id: str, first: str, last: str, count: int, *, texts: bool = True) -> int:
        """Give the customer `count` more past sales from the free ones (fewer if the store runs out); with
        `texts`, three of them get an order discount reason naming the customer, and one a line's reason.
        Returns how many sales the customer has."""
        ids, self.free = self.free[:count], self.free[count:]
        if not ids:
            return self._count(customer_id)
        raw = self.raw
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.execute(f"UPDATE sales SET customer_id = ? WHERE id IN ({','.join('?' * len(ids))})",
                        (customer_id, *ids))
            if texts:
                raw.executemany("UPDATE sales SET order_discount_reason = ? WHERE id = ?",
                                [(f"anniversary gift from {first} {last}", i) for i in ids[:3]])
                raw.execute("UPDATE sale_lines SET discount_reason = ? WHERE id = (SELECT id FROM sale_lines "
                            "WHERE sale_id = ? ORDER BY position LIMIT 1)", (f"price matched for {last}", ids[-1]))
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        return self._count(customer_id)

    def _count(self, customer_id: str) -> int:
        return int(self.raw.execute("SELECT count(*) FROM sales WHERE customer_id = ?", (customer_id,)).fetchone()[0])

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        self.raw.execute("BEGIN IMMEDIATE")
        try:
            self.raw.execute(sql, args)
            self.raw.execute("COMMIT")
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise


def verified_request(facet: Any, officer: Any, customer_id: str, kind: str) -> str:
    """A request of `kind` for the customer, recorded and verified as the privacy desk does (untimed)."""
    from pos_app.services import privacy

    request_id = privacy.record_request(customer_id, kind, "email", uow=facet.uow(), actor=officer).id
    privacy.verify(request_id, "code_to_email_on_file", officer.staff_id or "", uow=facet.uow(), actor=officer)
    return request_id


# ---------------------------------------------------------------- the export


def _rows(raw: Any, sql: str, *args: Any) -> list[dict[str, Any]]:
    cursor = raw.execute(sql, args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def raw_export(raw: Any, customer_id: str, out: Path) -> int:
    """The floor of the export: the customer's rows read whole with `fetchall`, one ``data.json`` deflated
    into a zip (same level as the app's), then each photo stored; returns the zip's size."""
    data = {
        "profile": _rows(raw, "SELECT * FROM customers WHERE id = ?", customer_id),
        "consents": _rows(raw, "SELECT * FROM consent_events WHERE customer_id = ? ORDER BY created_at, id",
                          customer_id),
        "privacy_requests": _rows(raw, "SELECT * FROM privacy_requests WHERE customer_id = ?", customer_id),
        "sales": _rows(raw, "SELECT * FROM sales WHERE customer_id = ? ORDER BY completed_at, number", customer_id),
        "sale_lines": _rows(raw, "SELECT l.* FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
                                 "WHERE s.customer_id = ? ORDER BY l.sale_id, l.position", customer_id),
        "payments": _rows(raw, "SELECT p.* FROM payments p JOIN sales s ON s.id = p.sale_id "
                               "WHERE s.customer_id = ? ORDER BY p.sale_id, p.created_at", customer_id),
        "appraisals": _rows(raw, "SELECT * FROM appraisals WHERE owner_customer_id = ? "
                                 "ORDER BY appraised_on, number, version", customer_id),
        "appraisal_stones": _rows(raw, "SELECT t.* FROM appraisal_stones t JOIN appraisals a "
                                       "ON a.id = t.appraisal_id WHERE a.owner_customer_id = ?", customer_id),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=1, default=str))
        for photo_id, blob in raw.execute("SELECT p.id, p.data FROM appraisal_photos p JOIN appraisals a "
                                          "ON a.id = p.appraisal_id WHERE a.owner_customer_id = ?", (customer_id,)):
            zf.writestr(zipfile.ZipInfo(f"files/{photo_id}.jpg", date_time=(1980, 1, 1, 0, 0, 0)), blob,
                        compress_type=zipfile.ZIP_STORED)
    return out.stat().st_size


def measure_export(facet: Any, raw: Any, maker: CustomerMaker, officer: Any, work: Path, *,
                   rounds: int) -> tuple[Timings, dict[str, Any], Customer]:
    """`export_customer` vs `raw_export` of one customer; returns the customer for the erasure after it."""
    from pos_app.services import privacy, privacy_export

    work.mkdir(parents=True, exist_ok=True)
    from pos_app.persistence.privacy_export_queries import BATCH

    half = max(1, maker.sales_each // 2)
    customer = maker.make(sales=half)
    t = Timings()
    outcome: dict[str, Any] = {}

    def ours(name: str, trace: bool = False) -> tuple[float, float]:
        """Seconds of one export (and its peak traced MB when `trace`); the request is made first, untimed."""
        request_id = verified_request(facet, officer, customer.id, "access")
        store = facet.open_store()
        try:
            if trace:
                tracemalloc.start()
            start = time.perf_counter()
            result = privacy_export.export_customer(request_id, work / name, uow=facet.uow(), files=facet.devices.files,
                                                    reader=store.customer_data, actor=officer)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
        finally:
            if trace:
                tracemalloc.stop()
            store.close()
        outcome.update(counts=result.counts, zip_bytes=result.path.stat().st_size)
        # Delivered: closing the request deletes the zip (and forgets its path), as the privacy desk does.
        privacy.close_request(request_id, "completed", "Export sent to the email on file.", uow=facet.uow(),
                              actor=officer, exports=facet.export_files())
        assert not result.path.exists()
        return seconds, peak

    def baseline(name: str, trace: bool = False) -> tuple[float, float]:
        if trace:
            tracemalloc.start()
        try:
            start = time.perf_counter()
            outcome["baseline_zip_bytes"] = raw_export(raw, customer.id, work / name)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
        finally:
            if trace:
                tracemalloc.stop()
        (work / name).unlink()
        return seconds, peak

    ours("warm-up.zip")  # imports the privacy PDF's modules, so the traced peaks below are the export's own
    baseline("warm-up-raw.zip")
    peaks_half = {"ours": ours("half.zip", trace=True)[1], "raw": baseline("half-raw.zip", trace=True)[1]}
    sales = maker.add_sales(customer.id, customer.first, customer.last, maker.sales_each - half, texts=False)
    # The traced run of each at all the sales is the round's discarded warm-up (WARMUP = 1).
    peaks = {"ours": ours("full.zip", trace=True)[1], "raw": baseline("full-raw.zip", trace=True)[1]}
    for n in range(rounds):
        for who in (("ours", "raw") if n % 2 == 0 else ("raw", "ours")):
            try:
                seconds = (ours(f"export-{n}.zip") if who == "ours" else baseline(f"raw-{n}.zip"))[0]
            except Exception as exc:  # noqa: BLE001 - a crash is a result here
                t.errors.append(f"{who}: {type(exc).__name__}: {exc}")
                continue
            (t.ours_ms if who == "ours" else t.raw_ms).append(seconds * 1000)
    # The export reads BATCH rows at a time: below one batch its memory grows with the sales by design.
    flat = peaks["ours"] <= FLAT * peaks_half["ours"] if half >= BATCH else None
    detail = {
        "sales": sales, "sales_at_half": half, "appraisals": customer.appraisals, "photos": customer.photos,
        "scaled_down": maker.sales_each < maker.sales, "rounds": rounds,
        "warmup": "the traced run of each at all the sales",
        "peak_traced_mb": round(peaks["ours"], 2), "peak_traced_mb_at_half": round(peaks_half["ours"], 2),
        "baseline_peak_traced_mb": round(peaks["raw"], 2),
        "baseline_peak_traced_mb_at_half": round(peaks_half["raw"], 2), "memory_flat": flat,
        "memory_flat_is": (f"peak at all the sales ≤ {FLAT:g} × peak at half of them" if flat is not None else
                           f"not judged: half the sales is less than one batch of {BATCH} rows"),
        "customer_setup_s": round(customer.seconds, 2), **outcome,
    }
    return t, detail, customer


# ---------------------------------------------------------------- the erasure


_OUTBOX = "INSERT INTO outbox (device_seq, tx_id, table_name, row_id, op, at) VALUES (?, ?, ?, ?, ?, ?)"
_OUTBOX_SEQ = "UPDATE outbox_sequence SET last_seq = last_seq + ? WHERE id = 1 RETURNING last_seq"
_AUDIT = ("INSERT INTO audit_events (seq, id, at, staff_id, actor_name, role, terminal, action, entity_type, "
          "entity_id, summary, approved_by, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def raw_erase(raw: Any, customer: Customer, request_id: str, actor: Any) -> None:
    """The rows an erasure writes, set-based, as one raw transaction: the floor under `erase_customer`.

    BEGIN IMMEDIATE; delete the customer's consent events and their
    appraisals' photos; seal their final appraisals (a random 12-hex seal: no
    content hash); cut their full name and last name out of the texts that
    hold them (`replace()`: their appraisals' notes, three sales' order
    discount reasons, one line's discount reason); blank the customer
    row; the erasure log row; close the request; one outbox row per deleted
    or changed row; the audit event, chained; COMMIT. Not done: finding
    which texts name them (the app reads every linked text and every note
    and reason in the store and matches each name, email and phone), the
    blockers' and the kept records' reads, the erasure log file beside the
    store (written and fsynced before the commit).
    """
    from pos_app.persistence.journal import event_hash, hashed_content

    now = _ts(dt.datetime.now(dt.UTC))
    cid = customer.id
    written: list[tuple[str, str, str, str]] = []
    raw.execute("BEGIN IMMEDIATE")
    try:
        for table, where in (("consent_events", "customer_id = ?"),
                             ("appraisal_photos", "appraisal_id IN (SELECT id FROM appraisals "
                                                  "WHERE owner_customer_id = ?)")):
            written += [(table, r[0], "delete", now)
                        for r in raw.execute(f"DELETE FROM {table} WHERE {where} RETURNING id", (cid,))]
        sealed = {r[0] for r in raw.execute(
            "UPDATE appraisals SET seal = lower(hex(randomblob(6))) WHERE owner_customer_id = ? "
            "AND status = 'final' AND seal IS NULL RETURNING id", (cid,))}
        # each seal journaled, as the erasure does (a synced group verifies the appraisal by the same seal)
        written += [("appraisals", i, "update", now) for i in sorted(sealed)]
        changed = {r[0] for r in raw.execute(
            "UPDATE appraisals SET notes = replace(notes, ?, '[erased]'), updated_at = ? "
            "WHERE owner_customer_id = ? AND instr(notes, ?) > 0 RETURNING id",
            (customer.full, now, cid, customer.full))}
        written += [("appraisals", i, "update", now) for i in sorted(changed)]
        written += [("sales", r[0], "update", now) for r in raw.execute(
            "UPDATE sales SET order_discount_reason = replace(order_discount_reason, ?, '[erased]'), updated_at = ? "
            "WHERE customer_id = ? AND instr(order_discount_reason, ?) > 0 RETURNING id",
            (customer.full, now, cid, customer.full))]
        written += [("sale_lines", r[0], "update", now) for r in raw.execute(
            "UPDATE sale_lines SET discount_reason = replace(discount_reason, ?, '[erased]'), updated_at = ? "
            "WHERE sale_id IN (SELECT id FROM sales WHERE customer_id = ?) AND instr(discount_reason, ?) > 0 "
            "RETURNING id", (customer.last, now, cid, customer.last))]
        raw.execute("UPDATE customers SET first_name = 'Erased', last_name = 'Customer', email = NULL, phone = NULL, "
                    "billing_address = '', shipping_address = '', adult_confirmed = 0, preferences = '', "
                    "wishlist = '', notes = '', do_not_sell = 0, restricted = 0, marketing_objection = 0, "
                    "erased_at = ?, updated_at = ? WHERE id = ?", (now, now, cid))
        written.append(("customers", cid, "update", now))
        entry_id = str(uuid.uuid4())
        raw.execute("INSERT INTO erasure_log (id, erased_at, request_id, customer_hash, created_at, updated_at) "
                    "VALUES (?, ?, ?, lower(hex(randomblob(32))), ?, ?)", (entry_id, now, request_id, now, now))
        written.append(("erasure_log", entry_id, "insert", now))
        raw.execute("UPDATE privacy_requests SET status = 'completed', outcome = 'Personal data erased.', "
                    "completed_at = ?, updated_at = ? WHERE id = ?", (now, now, request_id))
        written.append(("privacy_requests", request_id, "update", now))
        last_seq = raw.execute(_OUTBOX_SEQ, (len(written),)).fetchone()[0]
        tx_id = str(uuid.uuid4())
        raw.executemany(_OUTBOX, [(last_seq - len(written) + 1 + k, tx_id, *row) for k, row in enumerate(written)])
        last = raw.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        summary = {"request_id": request_id, "counts": {"sealed": len(sealed), "rows": len(written)}}
        event = {"seq": last[0] + 1, "id": str(uuid.uuid4()), "at": now, "staff_id": actor.staff_id,
                 "actor_name": actor.name, "role": actor.role.value, "terminal": actor.terminal,
                 "action": "privacy.erased", "entity_type": "customer", "entity_id": cid, "summary": summary,
                 "approved_by": None, "prev_hash": last[1]}
        raw.execute(_AUDIT, (event["seq"], event["id"], now, actor.staff_id, actor.name, actor.role.value,
                             actor.terminal, "privacy.erased", "customer", cid, json.dumps(summary), None, last[1],
                             event_hash(hashed_content(event))))
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise


def _marks(raw: Any) -> tuple[int, int]:
    return (raw.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0],
            raw.execute("SELECT coalesce(max(seq), 0) FROM audit_events").fetchone()[0])


def _written(raw: Any, marks: tuple[int, int], customer_id: str) -> dict[str, int]:
    """What one erasure left: outbox rows per table and op, audit events, and the customer's rows now."""
    found = {f"outbox {t} {op}": n for t, op, n in raw.execute(
        "SELECT table_name, op, count(*) FROM outbox WHERE seq > ? GROUP BY 1, 2 ORDER BY 1, 2", (marks[0],))}
    found["audit_events"] = raw.execute("SELECT count(*) FROM audit_events WHERE seq > ?", (marks[1],)).fetchone()[0]
    for name, sql in (
            ("photos_left", "SELECT count(*) FROM appraisal_photos p JOIN appraisals a ON a.id = p.appraisal_id "
                            "WHERE a.owner_customer_id = ?"),
            ("consents_left", "SELECT count(*) FROM consent_events WHERE customer_id = ?"),
            ("appraisals_sealed", "SELECT count(*) FROM appraisals WHERE owner_customer_id = ? AND seal IS NOT NULL"),
            ("sales_kept", "SELECT count(*) FROM sales WHERE customer_id = ?")):
        found[name] = raw.execute(sql, (customer_id,)).fetchone()[0]
    return found


def measure_erase(facet: Any, raw: Any, maker: CustomerMaker, officer: Any, first: Customer, *,
                  rounds: int, warmup: int = WARMUP) -> tuple[Timings, dict[str, Any]]:
    """`erase_customer(store=None)` vs `raw_erase`, a fresh customer each per round (the first timed round's
    ours is `first`, the exported customer)."""
    from pos_app.services import erasure

    t = Timings()
    setups: list[float] = []
    rows: dict[str, dict[str, int]] = {}
    counts: dict[str, int] = {}
    for n in range(warmup + rounds):
        people = {"ours": first if n == warmup else maker.make(), "raw": maker.make()}
        setups += [p.seconds for p in people.values() if p is not first]
        requests = {who: verified_request(facet, officer, p.id, "deletion") for who, p in people.items()}
        for who in (("ours", "raw") if n % 2 == 0 else ("raw", "ours")):
            person = people[who]
            marks = _marks(raw)
            start = time.perf_counter()
            try:
                if who == "ours":
                    result = erasure.erase_customer(person.id, requests[who], uow=facet.uow(), actor=officer,
                                                    log=facet.erasure_log(), store=None)
                    counts = result.counts
                else:
                    raw_erase(raw, person, requests[who], officer)
            except Exception as exc:  # noqa: BLE001 - a crash is a result here
                t.errors.append(f"{who}: {type(exc).__name__}: {exc}")
                continue
            seconds = time.perf_counter() - start
            if n >= warmup:
                (t.ours_ms if who == "ours" else t.raw_ms).append(seconds * 1000)
            rows[who] = _written(raw, marks, person.id)
    detail = {
        "sales_per_customer": maker.sales_each, "scaled_down": maker.sales_each < maker.sales,
        "appraisals_per_customer": maker.appraisals, "photos_per_customer": maker.appraisals * PHOTOS_EACH,
        "rounds": rounds, "warmup_rounds": warmup,
        "customers": "two fresh customers of the same shape per round, one erased by each; the first timed "
                     "round's (ours) is the exported customer",
        "counts": counts, "rows_written": rows,
        "customer_setup_s": round(statistics.median(setups), 2) if setups else None,
        "free_past_sales_at_start": maker.free_at_start,
    }
    return t, detail


def measure_scrub(facet: Any, work: Path) -> tuple[float, float, dict[str, Any]]:
    """`facet.db.scrub()` once, then a copy of the store's file with fsync (the baseline); seconds each."""
    path = Path(facet.db.path)
    wal = path.with_name(path.name + "-wal")
    before_mb = path.stat().st_size / 2**20
    wal_mb = wal.stat().st_size / 2**20 if wal.exists() else 0.0
    start = time.perf_counter()
    scrubbed = facet.db.scrub()
    seconds = time.perf_counter() - start
    after_mb = path.stat().st_size / 2**20
    copy = work / "scrub-copy.db"
    start = time.perf_counter()
    with path.open("rb") as src, copy.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())
    baseline = time.perf_counter() - start
    copy.unlink()
    return seconds, baseline, {
        "rounds": 1, "scrubbed": scrubbed, "store_mb_before": round(before_mb, 1), "wal_mb_before": round(wal_mb, 1),
        "store_mb_after": round(after_mb, 1),
        "mb_per_s": round(after_mb / seconds, 1) if seconds else None,
        "measured": "once, after the last erasure: a PASSIVE checkpoint and a WAL restart, no VACUUM (the "
                    "file keeps its size; free pages are zeroed and given back by the daily compaction)",
    }


# ---------------------------------------------------------------- a sale at another counter meanwhile


WAIT_TARGET_MS = 100.0


def _sale_loop(data_dir: Path, work: Path, max_seconds: float) -> tuple[Any, dict[str, Path]]:
    """Start `benchmarks.sale_loop` in its own process on `data_dir`; returns it and its files."""
    import subprocess
    import sys

    files = {name: work / f"sale-loop.{name}" for name in ("ready", "stop", "out", "log")}
    for path in files.values():
        path.unlink(missing_ok=True)
    root = Path(__file__).resolve().parent.parent
    log = files["log"].open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.sale_loop", str(data_dir), "--ready", str(files["ready"]),
         "--stop", str(files["stop"]), "--out", str(files["out"]), "--max-seconds", str(max_seconds)],
        cwd=root, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 120
    while not files["ready"].exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the sale loop did not start: {files['log'].read_text()[-2000:]}")
        time.sleep(0.05)
    return proc, files


def _stop(proc: Any, files: dict[str, Path]) -> dict[str, Any]:
    files["stop"].write_text("stop")
    proc.wait(timeout=120)
    data: dict[str, Any] = json.loads(files["out"].read_text())
    return data


def sales_during(loop: dict[str, Any], began: float, ended: float) -> dict[str, Any]:
    """Of a sale loop's sales (`benchmarks.sale_loop`'s output), those under way between the unix times `began`
    and `ended`: how many, the longest wait for the write lock among them, and the longest sale among them
    beside the median sale outside that time."""
    base = loop["started_at_unix"]
    rows = list(zip(loop["starts_s"], loop["durations_ms"], loop["lock_waits_ms"]))

    def meanwhile(start: float, ms: float) -> bool:
        return base + start < ended and base + start + ms / 1000 > began

    during = [(ms, wait) for start, ms, wait in rows if meanwhile(start, ms)]
    outside = [ms for start, ms, _ in rows if not meanwhile(start, ms)]
    return {"sales_during": len(during), "sales_total": len(rows),
            "longest_lock_wait_ms": round(max((w for _, w in during), default=0.0), 2),
            "longest_sale_during_ms": round(max((ms for ms, _ in during), default=0.0), 2),
            "median_sale_outside_ms": round(statistics.median(outside), 2) if outside else None}


def measure_concurrent_wait(facet: Any, maker: CustomerMaker, officer: Any, work: Path, *,
                            rounds: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The longest a cash sale at another counter waited while a customer was erased and the file scrubbed.

    Each round: a fresh customer of the usual shape (untimed), a verified deletion request, then
    `benchmarks.sale_loop` started in its own process on the same store, completing 3-line cash sales
    back to back; once it has made its first sales, `erase_customer(..., store=facet.db)` (the erasure
    and its scrub, as the privacy desk runs them); then the loop runs 0.5 s more and stops. Of the sales
    that were under way while the erasure or its scrub ran, the longest wait for the store's write lock
    (their BEGIN IMMEDIATE) is the wait; the longest sale, beside the loop's median sale outside that
    time, is given too (it adds what a busy CPU costs). Returns one dict per round and the detail.
    """
    from pos_app.services import erasure

    work.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for _ in range(rounds):
        person = maker.make()
        request_id = verified_request(facet, officer, person.id, "deletion")
        proc, files = _sale_loop(facet.data_dir, work, max_seconds=120)
        try:
            time.sleep(0.3)
            # What erase_customer(..., store=facet.db) does, in its two parts, each timed.
            began = time.time()
            erasure.erase_customer(person.id, request_id, uow=facet.uow(), actor=officer,
                                   log=facet.erasure_log(), store=None)
            erased = time.time()
            scrubbed = facet.db.scrub()
            ended = time.time()
            time.sleep(0.5)
        finally:
            loop = _stop(proc, files)
        whole = sales_during(loop, began, ended)
        results.append({**whole, "erase_s": round(erased - began, 3), "scrub_s": round(ended - erased, 3),
                        "longest_lock_wait_erase_ms": sales_during(loop, began, erased)["longest_lock_wait_ms"],
                        "longest_lock_wait_scrub_ms": sales_during(loop, erased, ended)["longest_lock_wait_ms"],
                        "scrubbed": scrubbed, "loop_errors": loop["errors"][:5], "sales_of_customer": person.sales})
    detail = {
        "rounds": rounds, "target": f"≤ {WAIT_TARGET_MS:g} ms",
        "method": "a second process completing 3-line cash sales back to back (benchmarks/sale_loop.py) while "
                  "erase_customer(store=facet.db) erases a fresh customer and scrubs the file; wait = the longest "
                  "time a sale under way meanwhile waited for the write lock (its BEGIN IMMEDIATE)",
    }
    return results, detail


# ---------------------------------------------------------------- run alone


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the store as `benchmarks/run.py` does and print only the privacy figures."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description="Facet's privacy figures alone (see the module docstring).")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="facet-privacy-bench-"))
    from benchmarks import run

    run.set_environment(work)
    harness = run.Harness(run.parse_args(["--items", str(args.items), "--repeat", str(args.repeat),
                                          "--keep", str(work)]), work, None)
    run._log_to(harness.logs / "harness.log")
    harness.build_store()
    from benchmarks.inprocess import raw_connection
    from pos_app import app

    facet = app.open_facet(harness.data_dir)
    try:
        raw = raw_connection(facet.db.path, harness._key())
        try:
            harness.privacy_figures(facet, raw)
        finally:
            raw.close()
    finally:
        facet.close()
    print(f"Facet privacy figures: {harness.setup['items']:,} items, {harness.setup['store_mb']} MB store, "
          f"{args.repeat} rounds; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(harness.table())
    for warning in harness.warnings:
        print(f"warning: {warning}")
    if args.json:
        result = {"items": args.items, "repeat": args.repeat, "machine": run.machine(), "setup": harness.setup,
                  "figures": [f.as_json() for f in harness.figures], "warnings": harness.warnings}
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
