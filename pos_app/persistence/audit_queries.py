"""Reading the audit trail: the chain check, the anchor outside the database, searches and export rows.

The chain check streams the table in `seq` order, a batch at a time (a
million events never sit in memory), recomputes each event's hash and its
link to the one before, and at the first event that does not hold looks a
little further to say what happened: edited, deleted, inserted, reordered.

Two kinds of tampering leave a consistent table behind: cutting events off
the end, and recomputing the whole chain (anyone holding the database key
can). The anchor, `audit-head.json` beside the store, catches both: after
every commit that added events it records the last event's seq and hash,
signed with an HMAC whose key is derived from the database key, and the
check compares the table with it. The anchor only moves forward; a restore
resets it to the restored trail's head.

Deleting the anchor along with the last events must not pass for a store that
never had one. So the transaction that first anchors a trail also writes an
`audit.anchor_started` event into it (the unit of work does, in its commit),
and from then on a missing anchor file is a break of the check (the trail's
end cannot be vouched for), and is not silently written again by the next
commit. A trail without that event (a new store before its first commit, or
one from before anchors, until its next commit) may have no anchor: a warning.
Cutting the trail back to before that event, or deleting the anchor and
forging the event out, is still possible for whoever holds the key, as is
rewriting both the table and the anchor; an older copy of the anchor put back
vouches for less. Backups kept elsewhere remain the evidence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pos_app.domain.audit import (
    AuditFilter,
    AuditRow,
    BreakKind,
    ChainBreak,
    ChainReport,
    CheckCancelled,
    Flag,
    FlagKind,
)
from pos_app.domain.store import store_time
from pos_app.persistence.journal import GENESIS, event_hash, hashed_content
from pos_app.persistence.models.base import parse_utc, store_timezone

log = logging.getLogger(__name__)

ANCHOR_NAME = "audit-head.json"
ANCHOR_STARTED = "audit.anchor_started"
"""The event that records, inside the chain, that the store keeps an anchor from then on."""
_SLOT = 256  # bytes per anchor slot: a signed head is ~190
BATCH = 5000
_COLUMNS = ("seq", "id", "at", "staff_id", "actor_name", "role", "terminal", "action", "entity_type",
            "entity_id", "summary", "approved_by", "prev_hash", "hash")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM audit_events"


def anchor_key(key_hex: str) -> bytes:
    """The anchor's HMAC key: derived from the database key, so only this store's key signs its anchor."""
    return hmac.new(bytes.fromhex(key_hex), b"facet audit-head anchor v1", hashlib.sha256).digest()


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


class AnchorForged(Exception):
    """The anchor file's signature does not match this store's key."""


class AuditAnchor:
    """`audit-head.json`: the last audit event's seq and hash, HMAC-signed. Written after commits; a
    failure to write it is logged, never raised (the sale was saved; the next commit writes it).

    The file holds two fixed-size slots, written in place by turns, and the valid one with the later
    event counts: a write torn by a crash spoils only the slot being written, and no rename touches the
    folder (a rename's metadata rides on the next save's fsync: it cost a save ~0.3 ms more).
    """

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key
        self._written = 0
        self._slot = 0
        self._started = False  # the trail records ANCHOR_STARTED (once seen, it stays there)
        self._starting = False  # this process committed ANCHOR_STARTED and has not written the anchor yet

    def needs_start(self, conn: Any) -> bool:
        """Whether the trail lacks ANCHOR_STARTED, read on `conn` inside the write transaction: then the
        caller records it in that transaction and passes `started=True` to `advance`. Asked once per
        process while the answer is no (an index lookup)."""
        if not self._started:
            found = conn.execute("SELECT 1 FROM audit_events WHERE action = ? LIMIT 1", (ANCHOR_STARTED,))
            self._started = found.fetchone() is not None
        return not self._started

    def _mac(self, seq: int, hash_: str) -> str:
        return hmac.new(self._key, f"{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()

    def _parse(self, chunk: bytes) -> Head | None:
        try:
            data = json.loads(chunk.decode("utf-8").strip())
            seq, hash_, mac = int(data["seq"]), str(data["hash"]), str(data["mac"])
        except (ValueError, KeyError, TypeError):
            return None
        return Head(seq, hash_) if hmac.compare_digest(mac, self._mac(seq, hash_)) else None

    def _slots(self) -> list[tuple[int, Head]] | None:
        """The slots signed with this store's key, as (slot, head); None when there is no anchor yet."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            raise AnchorForged(f"{self.path.name} cannot be read") from None
        if not data:
            return None
        found = [(n, self._parse(data[n * _SLOT:(n + 1) * _SLOT])) for n in (0, 1)]
        valid = [(n, h) for n, h in found if h is not None]
        if not valid:
            raise AnchorForged(f"{self.path.name} is not signed with this store's key")
        return valid

    def read(self) -> Head | None:
        """The anchored head; None when there is no anchor yet; AnchorForged when it is not this store's."""
        slots = self._slots()
        return None if slots is None else max((h for _n, h in slots), key=lambda h: h.seq)

    def advance(self, head: Head, *, started: bool = False) -> None:
        """Record `head` unless the anchor already vouches for a later event (another process wrote it).

        `started`: the commit of `head` recorded ANCHOR_STARTED, so this writes the first anchor. Otherwise
        a missing anchor of a trail that records one is left missing, for the check to report: writing a
        new one would vouch for a trail whose end was cut off."""
        if started:
            self._started = self._starting = True
        if head.seq <= self._written:
            return
        try:
            slots = self._slots()
        except AnchorForged:
            return  # the check reports the forged anchor; writing over it would hide that
        if slots is None and self._started and not self._starting:
            log.warning("the audit anchor %s is missing; it is not written again (the audit check reports it)",
                        self.path.name)
            return
        if slots:
            slot, latest = max(slots, key=lambda s: s[1].seq)
            if latest.seq >= head.seq:
                self._written = latest.seq
                return
            self._slot = 1 - slot
        self._write(head, (self._slot,))

    def reset(self, head: Head | None) -> None:
        """After a restore: the anchor follows the restored trail (the restore is itself audited)."""
        self._started = self._starting = False  # the restored trail says again whether it was anchored
        if head is None:
            self.path.unlink(missing_ok=True)
            self._written = 0
            return
        self._write(head, (0, 1))

    def resign(self, new_key: bytes) -> None:
        """Sign with `new_key` from now on (a rekey), and sign the head this anchor vouches for again.
        An anchor the current key does not vouch for is left as it is: re-signing it would hide it."""
        try:
            anchored = self.read()
        except AnchorForged:
            anchored = None
        self._key = new_key
        if anchored is not None:
            self.reset(anchored)

    def _write(self, head: Head, slots: tuple[int, ...]) -> None:
        line = json.dumps({"seq": head.seq, "hash": head.hash, "mac": self._mac(head.seq, head.hash)})
        chunk = line.ljust(_SLOT - 1).encode() + b"\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                for slot in slots:
                    os.pwrite(fd, chunk, slot * _SLOT)
            finally:
                os.close(fd)
        except OSError:
            log.warning("could not write the audit anchor %s", self.path.name, exc_info=True)
            return
        self._written, self._slot, self._starting = head.seq, 1 - slots[-1], False


def reseal(path: Path, old_key_hex: str, new_key_hex: str) -> None:
    """After a rekey: sign the anchored head with the new database key.

    Left as it is: no anchor, one already signed with the new key (a rekey finished after a crash),
    and one the old key does not vouch for either, since re-signing a forgery would hide it.
    """
    AuditAnchor(path, anchor_key(old_key_hex)).resign(anchor_key(new_key_hex))


def head(conn: Any) -> Head | None:
    """The trail's last event (seq and hash), on a raw connection or a session's DBAPI connection."""
    row = conn.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else Head(int(row[0]), str(row[1]))


# ---------------------------------------------------------------- the chain check


def _computed(event: dict[str, Any], seq: int | None = None) -> str | None:
    """The hash `event`'s content should have (as if numbered `seq`); None if its summary is not JSON, or not
    the very text Facet writes for it (`json.dumps`): the hash covers the parsed summary, so an edit that
    parses the same (a key given twice, the last one winning; other spacing) must be caught here."""
    text = event["summary"]
    try:
        summary = json.loads(text) if text is not None else None
    except ValueError:
        return None
    if text is not None and json.dumps(summary) != text:
        return None
    content = hashed_content({**event, "summary": summary})
    if seq is not None:
        content["seq"] = seq
    return event_hash(content)


def _at(event: dict[str, Any] | None) -> dt.datetime | None:
    try:
        return parse_utc(event["at"]) if event else None
    except (TypeError, ValueError):
        return None


def _break(kind: BreakKind, seq: int, event: dict[str, Any] | None, detail: str) -> ChainBreak:
    return ChainBreak(kind, seq, _at(event), event["action"] if event else None, detail)


def _seq_with_hash(conn: Any, hash_: str) -> int | None:
    row = conn.execute("SELECT seq FROM audit_events WHERE hash = ? ORDER BY seq LIMIT 1", (hash_,)).fetchone()
    return None if row is None else int(row[0])


def _by_seq(conn: Any, seq: int) -> dict[str, Any] | None:
    row = conn.execute(f"{_SELECT} WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else dict(zip(_COLUMNS, row))


def _classify(conn: Any, event: dict[str, Any], expected: int, prev_hash: str) -> ChainBreak:
    """What happened at the first event that does not hold (`expected` is the seq it should have)."""
    content_ok = _computed(event) == event["hash"]
    linked = event["prev_hash"] == prev_hash
    seq = int(event["seq"])
    if seq != expected:
        if linked and content_ok:
            return _break(BreakKind.INSERTED, seq, event,
                          f"it follows event {expected - 1} but is numbered {seq}: it was added, not written there")
        return _break(BreakKind.DELETED, expected, event,
                      f"events {expected} to {seq - 1} are missing; the next one present is event {seq}"
                      if seq - 1 > expected else f"it is missing; the next one present is event {seq}")
    if linked:
        return _break(BreakKind.EDITED, seq, event, "its content no longer matches the hash it was written with")
    points_to = _seq_with_hash(conn, event["prev_hash"])
    if points_to is not None and points_to > expected - 1:
        return _break(BreakKind.REORDERED, seq, event,
                      f"it was written after event {points_to}, yet stands before it")
    if points_to is not None:
        first = points_to + 1
        return _break(BreakKind.INSERTED, first, _by_seq(conn, first),
                      f"event {seq} was written right after event {points_to}: "
                      f"event(s) {first} to {seq - 1} were added between them")
    if content_ok:
        earlier = _by_seq(conn, expected - 1)
        return _break(BreakKind.EDITED, expected - 1, earlier,
                      f"its hash was rewritten: event {seq} still names the hash it had when written")
    if event["hash"] == _computed(event, seq + 1):
        return _break(BreakKind.DELETED, expected, event,
                      f"it is missing, and the later events were renumbered (this one was event {seq + 1})")
    return _break(BreakKind.INSERTED, seq, event, "it links to no event of the trail: Facet did not write it")


def _rows(conn: Any, batch: int) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = conn.execute(f"{_SELECT} WHERE seq > ? ORDER BY seq LIMIT ?", (last, batch)).fetchall()
        for row in rows:
            yield dict(zip(_COLUMNS, row))
        if len(rows) < batch:
            return
        last = rows[-1][0]


def check_events(events: Iterable[dict[str, Any]]) -> tuple[int, int | None, str | None]:
    """One counter's chain as another copy holds it (central keeps every counter's, `pos-app audit verify
    --central`): (events checked, the first bad event's seq or None, why). The same rules as `verify_chain`:
    numbered from 1 without a gap, each linked to the one before, each hash its content's."""
    expected, prev_hash, count = 1, GENESIS, 0
    for event in events:
        if event["seq"] != expected:
            return count, int(event["seq"]), f"event {expected} is missing (the next present is {event['seq']})"
        if event["prev_hash"] != prev_hash:
            return count, int(event["seq"]), "it does not link to the event before it"
        if _computed(event) != event["hash"]:
            return count, int(event["seq"]), "its content does not match its hash: it was edited"
        count, expected, prev_hash = count + 1, expected + 1, event["hash"]
    return count, None, None


def verify_chain(conn: Any, anchor: AuditAnchor | None, *, batch: int = BATCH,
                 cancelled: Callable[[], bool] | None = None) -> ChainReport:
    """Check the whole trail on `conn` (a raw connection); stops at the first break. `cancelled` is asked
    between batches (CheckCancelled when it says so).

    The anchor is read first: events appended while the check runs only ever come after it.
    """
    warnings: list[str] = []
    try:
        anchored = anchor.read() if anchor is not None else None
    except AnchorForged as exc:
        return ChainReport(0, None, None, ChainBreak(BreakKind.ANCHOR_FORGED, 0, None, None, str(exc)))
    expected, prev_hash, count, last, started = 1, GENESIS, 0, None, None
    for event in _rows(conn, batch):
        if event["seq"] != expected or event["prev_hash"] != prev_hash or _computed(event) != event["hash"]:
            return ChainReport(count, int(event["seq"]), anchored.seq if anchored else None,
                               _classify(conn, event, expected, prev_hash))
        if anchored is not None and event["seq"] == anchored.seq and event["hash"] != anchored.hash:
            return ChainReport(count, int(event["seq"]), anchored.seq, _break(
                BreakKind.REWRITTEN, anchored.seq, event,
                "its hash is not the one anchored outside the database: the trail up to here was recomputed; "
                "compare with a backup to find the first changed event"))
        count, expected, prev_hash, last = count + 1, expected + 1, event["hash"], event
        if started is None and event["action"] == ANCHOR_STARTED:
            started = int(event["seq"])
        if cancelled is not None and count % batch == 0 and cancelled():
            raise CheckCancelled(f"The check was stopped after {count:,} events; it says nothing about the rest.")
    head_seq = int(last["seq"]) if last else None
    if anchored is not None and (head_seq or 0) < anchored.seq:
        first = (head_seq or 0) + 1
        return ChainReport(count, head_seq, anchored.seq, ChainBreak(
            BreakKind.TRUNCATED, first, _at(last), last["action"] if last else None,
            f"events {first} to {anchored.seq} were cut off the end of the trail (the last one present is "
            f"event {head_seq or 'none'})"))
    if anchor is not None and anchored is None and started is not None:
        return ChainReport(count, head_seq, None, ChainBreak(
            BreakKind.ANCHOR_MISSING, head_seq or 0, _at(last), last["action"] if last else None,
            f"its anchor outside the database ({ANCHOR_NAME}) is missing, though the trail records one was kept "
            f"from event {started} on: it was deleted or left behind in a copy, so events cut off the end since "
            f"cannot be seen (the last present is event {head_seq}). Put {ANCHOR_NAME} back from a copy of the "
            "data folder, or compare the trail with a backup"))
    if anchor is not None and anchored is None and count:
        warnings.append(f"No anchor ({ANCHOR_NAME}) yet: the next saved change writes it; until then events cut "
                        "off the end of the trail cannot be seen.")
    warnings += restores(conn)
    return ChainReport(count, head_seq, anchored.seq if anchored else None, None, tuple(warnings))


def restores(conn: Any) -> list[str]:
    """Each restore of the store from a backup, as the trail recorded it: when, by whom, from which file, and
    where the events and records it replaced are kept. The chain holds across a restore (the restored trail
    goes on from the backup's last event), so these are said, not counted as breaks."""
    notes = []
    zone = store_timezone(conn)
    for seq, at, person, text in conn.execute(
            "SELECT seq, at, actor_name, summary FROM audit_events WHERE action = 'store.restored' ORDER BY seq"):
        try:
            summary = json.loads(text or "{}")
        except ValueError:
            summary = {}
        when = store_time(parse_utc(at), zone)
        note = (f"The store was restored from a backup on {when:%Y-%m-%d %H:%M %Z} by {person}, from "
                f"{summary.get('file') or 'a backup'} (event {seq}).")
        previous = summary.get("previous_trail_head") or {}
        if previous:
            note += (f" The trail it replaced ended at event {previous.get('seq')} (hash "
                     f"{str(previous.get('hash'))[:16]}…)")
            undone = summary.get("undone") or {}
            sales = int(summary.get("undone_sales") or 0)
            others = sum(int(n) for kind, n in undone.items() if kind not in ("sales", "audit_events"))
            note += (f"; {sales} sale{'s' if sales != 1 else ''} and {others} other record{'s' if others != 1 else ''} "
                     "made after the backup were undone")
            numbers = summary.get("sale_numbers") or []
            if numbers:
                note += f" ({', '.join(numbers[:10])}{', …' if len(numbers) > 10 else ''})"
            note += "."
        elif summary.get("readable") is False:
            note += " The store it replaced could not be read, so what it undid is not known."
        kept = summary.get("previous_store_kept_as") or summary.get("unreadable_store_moved_to")
        if kept:
            note += f" The replaced store is kept as backups/{kept}."
        notes.append(note)
    return notes


# ---------------------------------------------------------------- searches


def _where(f: AuditFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if f.person:
        clauses.append("(staff_id = ? OR actor_name LIKE ? ESCAPE '\\')")
        params += [f.person, _prefix(f.person)]
    if f.action:
        clauses.append("action LIKE ? ESCAPE '\\'")
        params.append(_prefix(f.action))
    if f.entity:
        kind, _, entity_id = f.entity.partition(":")  # "item:ID", or "item: ID" as the viewer shows it
        clauses.append("entity_type = ?")
        params.append(kind.strip())
        if entity_id.strip():
            clauses.append("entity_id = ?")
            params.append(entity_id.strip())
    if f.since:
        clauses.append("at >= ?")
        params.append(_text(f.since))
    if f.until:
        clauses.append("at < ?")
        params.append(_text(f.until))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _row(r: Any) -> AuditRow:
    return AuditRow(seq=int(r[0]), at=parse_utc(r[2]), staff_id=r[3], person=r[4], role=r[5], terminal=r[6],
                    action=r[7], entity_type=r[8], entity_id=r[9], summary=r[10] or "{}", approved_by=r[11],
                    hash=r[13])


_FLAGGED = {"staff.sign_in_failed": FlagKind.LOCKED_OUT, "permission.refused": FlagKind.REFUSED,
            "staff.recovery_code_used": FlagKind.RECOVERY_CODE, "checkout.stock_conflict": FlagKind.STOCK_CONFLICT}


class SqliteAuditTrail:
    """The trail on one raw connection (the GUI's reader, the CLI's, or a worker's own)."""

    def __init__(self, conn: Any, anchor: AuditAnchor | None) -> None:
        self._conn = conn
        self._anchor = anchor

    def verify_chain(self, cancelled: Callable[[], bool] | None = None) -> ChainReport:
        return verify_chain(self._conn, self._anchor, cancelled=cancelled)

    def count(self, f: AuditFilter) -> int:
        where, params = _where(f)
        return int(self._conn.execute(f"SELECT count(*) FROM audit_events{where}", params).fetchone()[0])

    def flags(self, since: dt.datetime, *, lock_after: int) -> list[Flag]:
        """Suspicious activity since `since`, by kind and person, most recent first. A failed sign-in counts
        only when it locked the account (its attempt number reached `lock_after`); a restore always counts
        (it removed what was recorded after its backup)."""
        rows = self._conn.execute(
            "SELECT action, actor_name, count(*), max(at) FROM audit_events "
            f"WHERE action IN ({', '.join('?' * len(_FLAGGED))}) AND at >= ? "
            "AND (action != 'staff.sign_in_failed' OR CAST(json_extract(summary, '$.attempt') AS INTEGER) >= ?) "
            "GROUP BY action, actor_name ORDER BY max(at) DESC", (*_FLAGGED, _text(since), lock_after)).fetchall()
        found = [Flag(_FLAGGED[action], person, int(count), parse_utc(last)) for action, person, count, last in rows]
        found += [Flag(FlagKind.RESTORED, person, int(count), parse_utc(last), int(undone or 0))
                  for person, count, last, undone in self._conn.execute(
                      "SELECT actor_name, count(*), max(at), sum(json_extract(summary, '$.undone_sales')) "
                      "FROM audit_events WHERE action = 'store.restored' AND at >= ? GROUP BY actor_name",
                      (_text(since),))]
        return sorted(found, key=lambda f: f.last, reverse=True)

    def page(self, f: AuditFilter, offset: int, limit: int) -> list[AuditRow]:
        """Newest first."""
        where, params = _where(f)
        rows = self._conn.execute(f"{_SELECT}{where} ORDER BY seq DESC LIMIT ? OFFSET ?",
                                  [*params, limit, offset]).fetchall()
        return [_row(r) for r in rows]

    def rows(self, f: AuditFilter, batch: int = BATCH) -> Iterator[AuditRow]:
        """Every matching event, oldest first, a batch at a time."""
        where, params = _where(f)
        joiner = " AND " if where else " WHERE "
        last = 0
        while True:
            rows = self._conn.execute(f"{_SELECT}{where}{joiner}seq > ? ORDER BY seq LIMIT ?",
                                      [*params, last, batch]).fetchall()
            yield from (_row(r) for r in rows)
            if len(rows) < batch:
                return
            last = rows[-1][0]
