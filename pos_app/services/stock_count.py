"""Counting a location: scan what is there, see what is missing or unexpected, post.

A count is kept in the store as it goes (a crash loses no scans). Posting
turns each difference into an `adjustment` movement with the reason
"stock count <location>", in one transaction, and closes the count.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

from pos_app.domain.errors import Conflict, NotEnoughStock, NotFound, ValidationError
from pos_app.domain.jewelry import Tracking
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.inventory import store_context, visible_rows
from pos_app.services.ports.inventory import CountRecord, InventoryReader, ItemRow
from pos_app.services.ports.uow import UnitOfWork


@dataclass(frozen=True)
class ScanResult:
    code: str
    item: ItemRow | None
    message: str
    ok: bool


@dataclass(frozen=True)
class CountLine:
    item: ItemRow
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class CountReport:
    count_id: str
    location: str
    status: str
    matched: tuple[CountLine, ...]
    missing: tuple[CountLine, ...]
    unexpected: tuple[CountLine, ...]
    unknown_codes: tuple[str, ...]

    @property
    def scanned(self) -> int:
        return sum(line.counted for line in self.matched + self.unexpected) + len(self.unknown_codes)

    @property
    def differences(self) -> tuple[CountLine, ...]:
        return tuple(line for line in self.matched + self.missing + self.unexpected if line.difference)


@requires(Permission.COUNT_STOCK)
def start_count(location: str, *, uow: UnitOfWork, actor: Actor) -> str:
    with uow:
        ctx = store_context(uow)
        if location not in ctx.locations:
            raise ValidationError("location", f"{location!r} is not one of: {', '.join(ctx.locations)}")
        count_id = uow.counts.start(location, actor)
        uow.audit.record(actor, "count.started", entity_type="stock_count", entity_id=count_id,
                         summary={"location": location})
        uow.commit()
    return count_id


@requires(Permission.COUNT_STOCK)
def open_counts(*, reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> list[CountRecord]:
    """Counts started and not yet posted or cancelled (to resume after a restart)."""
    records = (reader.count_record(count_id) for count_id in reader.open_count_ids())
    return [record for record in records if record is not None]


def _open_count(uow: UnitOfWork, count_id: str) -> CountRecord:
    count = uow.counts.get(count_id)
    if count is None:
        raise NotFound("That stock count does not exist.")
    if count.status != "open":
        raise Conflict(f"This count is already {count.status}.")
    return count


@requires(Permission.COUNT_STOCK)
def scan(count_id: str, code: str, *, uow: UnitOfWork, reader: InventoryReader, actor: Actor) -> ScanResult:
    """Record one scanned code; says what it was, so the clerk hears about surprises."""
    code = code.strip()
    if not code:
        raise ValidationError("code", "is empty")
    found = reader.lookup_code(code)
    item = None if found is None else visible_rows([found], actor)[0]
    with uow:
        count = _open_count(uow, count_id)
        uow.counts.add_scan(count_id, code, item.id if item else None)
        uow.audit.record(actor, "count.scanned", entity_type="stock_count", entity_id=count_id,
                         summary={"code": code, "matched": item is not None})
        uow.commit()
    if item is None:
        return ScanResult(code, None, f"{code}: no item has this code", False)
    if item.location != count.location:
        return ScanResult(code, item, f"{item.sku} belongs in {item.location}, not {count.location}", False)
    if item.tracking == Tracking.UNIQUE.value:
        already = sum(1 for s in count.scans if s.item_id == item.id)
        if already:
            return ScanResult(code, item, f"{item.sku} was already scanned", False)
    if item.on_hand <= 0:
        return ScanResult(code, item, f"{item.sku} is not in stock ({item.status})", False)
    return ScanResult(code, item, f"{item.sku} {item.title}", True)


@requires(Permission.COUNT_STOCK)
def undo_last_scan(count_id: str, *, uow: UnitOfWork, actor: Actor) -> str | None:
    with uow:
        _open_count(uow, count_id)
        removed = uow.counts.remove_last_scan(count_id)
        if removed is not None:
            uow.audit.record(actor, "count.scan_undone", entity_type="stock_count", entity_id=count_id,
                             summary={"code": removed.code})
        uow.commit()
    return None if removed is None else removed.code


@requires(Permission.COUNT_STOCK)
def report(count_id: str, *, reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> CountReport:
    """Where the count stands: matched, missing and unexpected pieces. Reads only."""
    count = reader.count_record(count_id)
    if count is None:
        raise NotFound("That stock count does not exist.")
    counted = Counter(s.item_id for s in count.scans if s.item_id is not None)
    unknown = tuple(s.code for s in count.scans if s.item_id is None)
    # Quantities as the ledger stood when the count started: a piece received or sold
    # while the case was being counted is the ledger's business, not a difference.
    expected = {row.id: row for row in visible_rows(reader.expected_at(count.location, as_of=count.started_at),
                                                    actor)}
    scanned_rows = {row.id: row for row in visible_rows(
        reader.rows_as_of([i for i in counted if i not in expected], count.started_at), actor)}

    def times_counted(row: ItemRow) -> int:
        # A unique piece scanned twice is still one piece.
        n = counted.get(row.id, 0)
        return min(n, 1) if row.tracking == Tracking.UNIQUE.value else n

    matched: list[CountLine] = []
    missing: list[CountLine] = []
    unexpected: list[CountLine] = []
    for row in expected.values():
        line = CountLine(row, row.on_hand, times_counted(row))
        (matched if line.counted else missing).append(line)
    for row in scanned_rows.values():
        on_hand_here = row.on_hand if row.location == count.location else 0
        unexpected.append(CountLine(row, on_hand_here, times_counted(row)))
    return CountReport(count.id, count.location, count.status, tuple(matched), tuple(missing),
                       tuple(unexpected), unknown)


@requires(Permission.ADJUST_STOCK)
def post_count(count_id: str, *, uow: UnitOfWork, reader: InventoryReader, actor: Actor) -> CountReport:
    """Post the differences of the location's own items as adjustments; close the count.

    Items found here that belong elsewhere are reported but not moved: their
    stock is right, their place is not, and that is a decision for a person.
    Likewise a unique piece the ledger says is gone (sold, say) but that was
    found in the case: that needs looking into, not an automatic correction.
    Counted stock of this location found with none on record is posted.
    """
    result = report(count_id, reader=reader, actor=actor, uow=uow)
    with uow:
        _open_count(uow, count_id)
        reason = f"stock count {result.location}"
        found_here = tuple(
            line for line in result.unexpected
            if line.item.location == result.location and line.item.tracking == Tracking.COUNTED.value
        )
        to_post = [line for line in result.matched + result.missing + found_here if line.difference]
        for line in to_post:
            try:
                uow.stock.record(line.item.id, "count", line.difference, actor=actor, reason=reason,
                                 reference=count_id[:8])
            except NotEnoughStock as refused:  # sold while the count was being posted: its figures are stale
                raise Conflict(f"{refused.sku} was sold while the count was posted (only {refused.on_hand} on "
                               "hand now); nothing was posted. Post the count again.") from None
        uow.counts.close(count_id, "posted", actor)
        uow.audit.record(actor, "count.posted", entity_type="stock_count", entity_id=count_id,
                         summary={"location": result.location, "adjusted": len(to_post)})
        uow.commit()
    # What was posted: the differences as they stood when the count closed.
    return dataclasses.replace(result, status="posted")


@requires(Permission.COUNT_STOCK)
def cancel_count(count_id: str, *, uow: UnitOfWork, actor: Actor) -> None:
    with uow:
        _open_count(uow, count_id)
        uow.counts.close(count_id, "cancelled", actor)
        uow.audit.record(actor, "count.cancelled", entity_type="stock_count", entity_id=count_id)
        uow.commit()
