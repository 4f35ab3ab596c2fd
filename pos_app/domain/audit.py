"""The audit trail's values: what a search asks for, what a row shows, and what a chain check found.

The trail is the store's record of who did what: each event names the
person, their role, the counter (terminal), the action (`sale.completed`),
the record it touched (entity type and id), a summary without personal data
values, and the time. Events are hash-chained; a check walks the chain and
names the first event that was edited, deleted, inserted or reordered, or
says the end of the trail was cut off or the whole trail rewritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from pos_app.domain.errors import UserFacingError
from pos_app.domain.store import store_time


class CheckCancelled(UserFacingError):
    """The person stopped a chain check before it finished; it found nothing either way."""


class BreakKind(StrEnum):
    EDITED = "edited"
    """An event's content no longer matches its hash (or its hash was rewritten)."""
    DELETED = "deleted"
    """An event is missing from the middle of the trail."""
    INSERTED = "inserted"
    """An event that Facet did not write in that place was added."""
    REORDERED = "reordered"
    """Events were moved out of the order they were written in."""
    TRUNCATED = "truncated"
    """Events are missing from the end (the anchor outside the database remembers a later one)."""
    REWRITTEN = "rewritten"
    """The trail up to the anchored event was recomputed with new hashes."""
    ANCHOR_FORGED = "anchor_forged"
    """The anchor file was not written by this store (edited, or copied from another)."""
    ANCHOR_MISSING = "anchor_missing"
    """The anchor file is gone, though the trail records that the store kept one: its end cannot be vouched for."""


# Breaks of the anchor outside the database, not of an event: their detail says it all.
ANCHOR_BREAKS = frozenset({BreakKind.ANCHOR_FORGED, BreakKind.ANCHOR_MISSING})


@dataclass(frozen=True)
class ChainBreak:
    """The first place the trail does not hold: `seq` is the event's number (for a deleted or truncated
    event, the first missing number); `at` and `action` name that event, or the nearest one present."""

    kind: BreakKind
    seq: int
    at: dt.datetime | None
    action: str | None
    detail: str

    def describe(self, timezone: str = "UTC") -> str:
        """The break in words, its time on the store's clock (`timezone`, the profile's) with the zone named."""
        if self.kind in ANCHOR_BREAKS:
            return self.detail
        when = f" at {store_time(self.at, timezone):%Y-%m-%d %H:%M:%S %Z}" if self.at else ""
        what = f" ({self.action})" if self.action else ""
        return f"event {self.seq}{when}{what} was {self.kind.value.replace('_', ' ')}: {self.detail}"


@dataclass(frozen=True)
class ChainReport:
    """A whole-trail check. `anchored_seq` is the last event the anchor outside the database vouches
    for (None when there is no anchor yet); `warnings` do not break the chain but deserve a look."""

    events: int
    head_seq: int | None
    anchored_seq: int | None
    first_break: ChainBreak | None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def describe(self, timezone: str = "UTC") -> str:
        if self.first_break is not None and self.first_break.kind is BreakKind.ANCHOR_MISSING:
            return f"The audit trail's end cannot be vouched for: {self.first_break.describe(timezone)}"
        if self.first_break is not None:
            return f"The audit trail was tampered with: {self.first_break.describe(timezone)}"
        return f"The audit trail holds: {self.events} events, each linked to the one before."


@dataclass(frozen=True)
class AuditFilter:
    """A search of the trail; every field is optional. `person` is a staff id or the start of a name;
    `action` the start of an action (`sale.` or `sale.completed`); `entity` a type (`customer`) or
    `type:id`; `since` is included and `until` is not."""

    person: str | None = None
    action: str | None = None
    entity: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: dt.datetime
    staff_id: str | None
    person: str
    role: str
    terminal: str
    action: str
    entity_type: str | None
    entity_id: str | None
    summary: str
    approved_by: str | None
    hash: str


class FlagKind(StrEnum):
    LOCKED_OUT = "locked_out"
    """An account was locked after repeated wrong PINs, passwords or codes."""
    REFUSED = "refused"
    """Someone tried actions their role does not allow."""
    RECOVERY_CODE = "recovery_code"
    """Someone signed in with a recovery code instead of their authenticator (a lost phone, or stolen codes)."""
    STOCK_CONFLICT = "stock_conflict"
    """A customer paid for a piece another counter had just sold: the sale was not made, the money is owed back."""
    RESTORED = "restored"
    """Someone restored the store from a backup: what was recorded after that backup left the store."""


@dataclass(frozen=True)
class Flag:
    """Suspicious activity for the owner to look at: what, whose account, how often, and when last."""

    kind: FlagKind
    person: str
    count: int
    last: dt.datetime
    sales_undone: int = 0  # RESTORED: the sales the restores removed from the store

    def describe(self) -> str:
        times = "once" if self.count == 1 else f"{self.count} times"
        if self.kind is FlagKind.RESTORED:
            undone = (f"undoing {self.sales_undone} sale{'s' if self.sales_undone != 1 else ''} made after the "
                      "backup" if self.sales_undone else "undoing no sale")
            return (f"{self.person} restored the store from a backup ({times}), {undone}; the store.restored "
                    "event lists what was undone")
        if self.kind is FlagKind.LOCKED_OUT:
            return f"{self.person}'s account was locked after repeated wrong tries ({times})"
        if self.kind is FlagKind.REFUSED:
            return f"{self.person} tried {self.count} action{'s' if self.count != 1 else ''} their role does not allow"
        if self.kind is FlagKind.STOCK_CONFLICT:
            return (f"{self.person} took payment for a piece sold elsewhere meanwhile ({times}): no sale was made; "
                    "check the customer got the money back")
        return f"{self.person} signed in with a recovery code ({times})"
