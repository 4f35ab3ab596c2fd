"""The audit trail read back, in memory (`AuditTrail`, as `persistence/audit_queries.py`).

Events are numbered in the order recorded (`seq`), searched as the real trail
searches them (a person by staff id or the start of their name, an action by
its start, an entity by type or type:id, `since` included and `until` not,
case-insensitive as SQLite's LIKE), and flagged the same way (a failed sign-in
counts only when it locked the account). Each event carries a SHA-256 chained
over the previous one; the fake's events cannot be altered, so `verify_chain`
always finds the chain whole: tampering is tested on the real store
(tests/integration/test_audit*.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator

from pos_app.domain.audit import AuditFilter, AuditRow, ChainReport, Flag, FlagKind
from tests.fakes.state import AuditEvent, FakeState

_FLAGGED = {"staff.sign_in_failed": FlagKind.LOCKED_OUT, "permission.refused": FlagKind.REFUSED,
            "staff.recovery_code_used": FlagKind.RECOVERY_CODE, "checkout.stock_conflict": FlagKind.STOCK_CONFLICT}


class FakeAuditTrail:
    """`AuditTrail` over the fake state's events."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _rows(self) -> list[AuditRow]:
        rows, previous = [], ""
        for seq, e in enumerate(self._state.audit, start=1):
            summary = json.dumps(e.summary, sort_keys=True)
            previous = hashlib.sha256(f"{previous}|{seq}|{e.action}|{summary}".encode()).hexdigest()
            rows.append(AuditRow(seq=seq, at=e.at, staff_id=e.actor.staff_id, person=e.actor.name,
                                 role=e.actor.role.value, terminal=e.actor.terminal, action=e.action,
                                 entity_type=e.entity_type, entity_id=e.entity_id, summary=summary,
                                 approved_by=e.approved_by, hash=previous))
        return rows

    @staticmethod
    def _matches(r: AuditRow, f: AuditFilter) -> bool:
        if f.person and not (r.staff_id == f.person or r.person.lower().startswith(f.person.lower())):
            return False
        if f.action and not r.action.lower().startswith(f.action.lower()):
            return False
        if f.entity:
            kind, _, entity_id = f.entity.partition(":")
            if r.entity_type != kind.strip() or (entity_id.strip() and r.entity_id != entity_id.strip()):
                return False
        return (f.since is None or r.at >= f.since) and (f.until is None or r.at < f.until)

    def verify_chain(self, cancelled: Callable[[], bool] | None = None) -> ChainReport:
        rows = self._rows()
        return ChainReport(events=len(rows), head_seq=rows[-1].seq if rows else None, anchored_seq=None,
                           first_break=None)

    def count(self, f: AuditFilter) -> int:
        return sum(1 for r in self._rows() if self._matches(r, f))

    def page(self, f: AuditFilter, offset: int, limit: int) -> list[AuditRow]:
        return [r for r in reversed(self._rows()) if self._matches(r, f)][offset:offset + limit]

    def rows(self, f: AuditFilter) -> Iterator[AuditRow]:
        return iter([r for r in self._rows() if self._matches(r, f)])

    def flags(self, since: dt.datetime, *, lock_after: int) -> list[Flag]:
        groups: dict[tuple[FlagKind, str], list[AuditEvent]] = {}
        for e in self._state.audit:
            if e.at < since:
                continue
            if e.action == "store.restored":
                groups.setdefault((FlagKind.RESTORED, e.actor.name), []).append(e)
            elif e.action in _FLAGGED and (e.action != "staff.sign_in_failed"
                                           or int(e.summary.get("attempt") or 0) >= lock_after):
                groups.setdefault((_FLAGGED[e.action], e.actor.name), []).append(e)
        found = [Flag(kind, person, len(events), max(e.at for e in events),
                      sum(int(e.summary.get("undone_sales") or 0) for e in events) if kind is FlagKind.RESTORED else 0)
                 for (kind, person), events in groups.items()]
        return sorted(found, key=lambda f: f.last, reverse=True)
