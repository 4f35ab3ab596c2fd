"""Sync with a group's central PostgreSQL: push this counter's changes, pull everyone's.

One round (`sync_once`), as the sync worker runs it off the GUI thread and
`pos-app sync now` runs it on the command line:

1. hello: central checks the schema revision both sides speak, and answers
   with the group's stores and this store's open conflicts and refused
   changes (for the status bar);
2. push: the unpushed outbox, whole local transactions, in batches; each
   batch is applied by central in one PostgreSQL transaction and the local
   rows are marked pushed only after central's answer. A batch whose answer
   was lost is sent again: central recognizes every (device, sequence) it
   has and changes nothing the second time;
3. this counter's audit events after the last one central holds;
4. pull: central's change log after this counter's cursor, page by page,
   each page written in one local transaction with the cursor; this round's
   own new rows coming back (the blocks central's push answered as `own`)
   are not applied again.

A round that cannot reach central records when the counter went offline and
why, and raises; selling never waits for it (nothing here runs on the
counter's path). Conflicts and refused changes stay at central, where a
manager settles them (`open_cases`, `resolve`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pos_app.domain.errors import CentralProblem, PullClash, ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.sync import CentralPort, SyncLocal
from pos_app.services.ports.uow import UnitOfWork

# Changes per push (whole transactions): central applies a batch of new rows in a few statements, so a larger
# batch is fewer round trips and fewer local write transactions; 5,000 keeps central's log lock a fraction of
# a second and a batch's JSON a few megabytes.
PUSH_BATCH = 5_000
PULL_PAGE = 2_000  # changes per pull page
AUDIT_BATCH = 2_000


@dataclass
class SyncRound:
    pushed: int = 0
    skipped: int = 0
    quarantined: int = 0
    pulled: int = 0
    erased: list[str] = field(default_factory=list)
    conflicts: int = 0
    attention: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"pushed": self.pushed, "already_there": self.skipped, "refused": self.quarantined,
                "pulled": self.pulled, "conflicts": self.conflicts, "needs_attention": self.attention}


@dataclass(frozen=True)
class SyncStatus:
    joined: bool
    central: str | None
    store_code: str | None
    counter_code: str | None
    online: bool
    offline_since: dt.datetime | None
    last_error: str | None
    waiting: int
    last_push_at: dt.datetime | None
    last_pull_at: dt.datetime | None
    conflicts: int
    attention: int

    def to_dict(self) -> dict[str, Any]:
        def when(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {"joined": self.joined, "central": self.central, "store": self.store_code,
                "counter": self.counter_code, "online": self.online, "offline_since": when(self.offline_since),
                "last_error": self.last_error, "waiting": self.waiting, "last_push_at": when(self.last_push_at),
                "last_pull_at": when(self.last_pull_at), "conflicts": self.conflicts,
                "needs_attention": self.attention}


def _time(text: str | None) -> dt.datetime | None:
    return None if not text else dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def status(local: SyncLocal) -> SyncStatus:
    """Where this counter stands, from its own file (no network): what the status bar shows."""
    state = local.state()
    return SyncStatus(
        joined=state.joined, central=state.central, store_code=state.store_code, counter_code=state.counter_code,
        online=state.joined and state.offline_since is None, offline_since=_time(state.offline_since),
        last_error=state.last_error, waiting=local.waiting() if state.joined else 0,
        last_push_at=_time(state.last_push_at), last_pull_at=_time(state.last_pull_at),
        conflicts=state.conflicts, attention=state.attention)


def sync_once(local: SyncLocal, central: CentralPort, *, push_batch: int = PUSH_BATCH,
              pull_page: int = PULL_PAGE) -> SyncRound:
    """One round: hello, push everything waiting, push the audit chain, pull everything new."""
    state = local.state()
    if not state.joined:
        raise CentralProblem("this counter has not joined a sync group (pos-app sync join)")
    done = SyncRound()
    now = dt.datetime.now(dt.UTC)
    audit_seq = state.audit_pushed_seq
    try:
        hello = central.hello()
        local.set_stores(hello.get("stores", []))
        # A store restored from a backup numbers its changes from the backup's sequence: carry on after what
        # central already has of this device instead of reusing its numbers.
        local.resume_after(int(hello.get("last_seq", 0)))
        local.send_store_settings_once()  # a store that joined before its counters shared settings
        own: list[tuple[int, int]] = []  # server numbers holding this round's changes exactly as this file has them
        while True:
            batch = local.outbox_batch(push_batch)
            if not batch:
                break
            answer = central.push(local.state().pull_cursor, batch)
            own += [(int(first), int(last)) for first, last in answer.get("own", [])]
            local.mark_pushed(int(answer["through"]), at=now)  # the push's time in the same short write
            done.pushed += int(answer["applied"])
            done.skipped += int(answer["skipped"])
            done.quarantined += int(answer["quarantined"])
        seq = state.audit_pushed_seq
        while True:
            events = local.audit_after(seq, AUDIT_BATCH)
            if not events:
                break
            seq = central.push_audit(events)
        # The audit cursor goes with the round's one last write: should the round fail before it, the events are
        # sent again and central keeps each (device, seq) once.
        audit_seq = seq
        cursor = local.state().pull_cursor
        unsaved_cursor: int | None = None
        while True:
            page = central.pull(cursor, pull_page)
            through = int(page["through"])
            if through == cursor:
                break
            applied = local.apply(_not_echoes(page["changes"], own), through, own_device=state.device_id)
            done.pulled += applied.changes
            done.erased += list(applied.erased)
            cursor = through
            unsaved_cursor = None if applied.saved else cursor
        cases = central.hello()
        done.conflicts, done.attention = int(cases["conflicts"]), int(cases["attention"])
    except PullClash as exc:  # online: what was pushed stands; a person fixes the clashing row here
        local.record(last_push_at=now, offline_since=None, last_error=str(exc), audit_pushed_seq=audit_seq)
        raise
    except CentralProblem as exc:
        if local.state().offline_since is None:
            local.record(offline_since=now)
        local.record(last_error=str(exc))
        raise
    # A round that moved nothing writes nothing, or once a minute the time of contact: every write here takes
    # the store's write lock a sale at this counter may be waiting for. A push's mark and a pulled page's write
    # recorded their times already (`after` is read after them).
    after = local.state()
    changed: dict[str, Any] = {}
    if _older(after.last_push_at, now):
        changed["last_push_at"] = now
    if _older(after.last_pull_at, now):
        changed["last_pull_at"] = now
    if audit_seq != after.audit_pushed_seq:
        changed["audit_pushed_seq"] = audit_seq
    if after.offline_since is not None:
        changed["offline_since"] = None
    if after.last_error is not None:
        changed["last_error"] = None
    if (after.conflicts, after.attention) != (done.conflicts, done.attention):
        changed.update(conflicts=done.conflicts, attention=done.attention)
    if unsaved_cursor is not None and unsaved_cursor > after.pull_cursor:
        changed["pull_cursor"] = unsaved_cursor  # pages that held nothing new: kept with the round's one write
    local.record(**changed)
    return done


def _not_echoes(changes: list[Any], own: list[tuple[int, int]]) -> list[Any]:
    """The pulled changes less this round's own new rows coming back: central applied them as sent (its `own`
    blocks of server numbers), so this file has them already, and checking each again would cost a read apiece
    (80,000 after a day offline). A new piece comes back with the store_id central gave it: it is applied."""
    if not own:
        return changes
    blocks = sorted(own)
    starts = [first for first, _ in blocks]

    def echoed(seq: int) -> bool:
        at = bisect.bisect_right(starts, seq) - 1
        return at >= 0 and seq <= blocks[at][1]

    return [c for c in changes if c[2] == "items" or not echoed(int(c[0]))]


def _older(stored: str | None, now: dt.datetime, *, by: dt.timedelta = dt.timedelta(minutes=1)) -> bool:
    """Whether a stored time is missing or more than `by` before `now`."""
    when = _time(stored)
    return when is None or now - when > by


@requires(Permission.RESOLVE_SYNC_CONFLICTS)
def open_cases(*, actor: Actor, uow: UnitOfWork, central: CentralPort) -> dict[str, Any]:
    """This store's open conflicts and refused changes, as central holds them."""
    return central.open_cases()


@requires(Permission.RESOLVE_SYNC_CONFLICTS)
def resolve(kind: str, case_id: int, resolution: str, *, actor: Actor, uow: UnitOfWork,
            central: CentralPort, local: SyncLocal | None = None) -> int:
    """Close a conflict (`kind` "conflict") or a refused change ("attention") with what was done about it.

    A refused change this counter made (given `local`) is sent again at the next push, its rows whole as they
    are now (after the manager fixed them here, e.g. gave the piece another SKU): central never had them.
    Returns how many rows wait to be sent again (0 for a conflict, or a change another counter made)."""
    if kind not in ("conflict", "attention"):
        raise ValidationError("kind", "is conflict or attention")
    if not resolution.strip():
        raise ValidationError("resolution", "says what was done (refunded sale S1-C2-000012, piece substituted...)")
    case = None
    if kind == "attention" and local is not None:
        case = next((a for a in central.open_cases().get("attention", []) if a.get("id") == case_id), None)
    if not central.resolve(kind, case_id, resolution.strip(), actor.name):
        raise ValidationError("id", f"no open {kind} {case_id} of this store")
    resent = 0
    if case is not None and local is not None and case.get("device_id") == local.state().device_id:
        resent = local.resend(int(case["device_seq"]))
    with uow:
        uow.audit.record(actor, "sync.resolved", entity_type=f"sync_{kind}", entity_id=str(case_id),
                         summary={"resolution": resolution.strip()[:200], "rows_sent_again": resent})
        uow.commit()
    return resent
