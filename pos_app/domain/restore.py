"""What restoring a backup undoes, and how a person (or a script) says they accept it.

A backup is the store as it was when it was taken. Restoring it replaces
the store, so everything recorded since is gone from the store (it stays in
the copy of the replaced store kept in `backups/`): sales and returns with
their payments, stock movements, customers added, consents, privacy
requests, appraisals, cash drawer movements, and the audit trail's later
events. `RestoreUndo` lists it, from a comparison of the two files: rows of
those tables present in the current store and absent from the backup, and
sales voided since (the restore brings them back as completed).

Nothing is undone by accident: a person types the word `CONFIRM_WORD` after
reading the list, and a script states how many sales it expects to undo
(`--expect-undo N`, `unknown` when the current store cannot be read); a
different number refuses the restore. A restore is audited in the restored
store, with what it undid, and flagged for the owner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money, format_money

CONFIRM_WORD = "RESTORE"
UNKNOWN = "unknown"
# How many sale numbers the audit event lists (the count is always whole; the kept store has them all).
NUMBERS_AUDITED = 200

# The tables compared, as a person calls their rows (one, many).
KINDS: dict[str, tuple[str, str]] = {
    "sales": ("sale or return", "sales and returns"),
    "payments": ("payment or refund", "payments and refunds"),
    "stock_movements": ("stock movement", "stock movements"),
    "items": ("item received", "items received"),
    "customers": ("customer added", "customers added"),
    "consent_events": ("consent change", "consent changes"),
    "privacy_requests": ("privacy request", "privacy requests"),
    "appraisals": ("appraisal", "appraisals"),
    "certificates": ("certificate", "certificates"),
    "shifts": ("cash drawer shift", "cash drawer shifts"),
    "cash_movements": ("cash paid in or out", "cash paid in or out"),
    "large_cash_reports": ("Form 8300 cash report", "Form 8300 cash reports"),
    "audit_events": ("audit event", "audit events"),
}


@dataclass(frozen=True)
class UndoneSale:
    """A sale (or return, or exchange) recorded after the backup: the restore removes it."""

    number: str
    kind: str  # sale | return | exchange
    total_cents: int
    currency: str
    completed_at: dt.datetime

    def describe(self, locale: str = "en_US") -> str:
        what = "" if self.kind == "sale" else f" ({self.kind})"
        return f"{self.number}{what} {format_money(Money(self.total_cents, self.currency), locale)}"


@dataclass(frozen=True)
class TrailHead:
    """An audit trail's last event."""

    seq: int
    hash: str
    at: dt.datetime | None = None


@dataclass(frozen=True)
class RestoreUndo:
    """What restoring the backup over the current store would undo. `readable` False: the current store could
    not be read (`problem` says why), so nothing could be listed."""

    readable: bool
    problem: str | None = None
    sales: tuple[UndoneSale, ...] = ()
    voids: tuple[str, ...] = ()  # numbers of sales voided since the backup: completed again after it
    counts: dict[str, int] = field(default_factory=dict)  # table -> rows added since the backup
    current_head: TrailHead | None = None  # the current trail's last event (the trail the restore replaces)
    backup_head: TrailHead | None = None  # the backup's last event
    timezone: str = "UTC"  # the current store's, for the times a person reads in this list

    @property
    def sale_numbers(self) -> tuple[str, ...]:
        return tuple(s.number for s in self.sales)

    @property
    def nothing(self) -> bool:
        """True when the current store holds nothing the backup lacks (a backup restored over itself)."""
        return self.readable and not self.voids and not any(self.counts.values())

    def describe(self, locale: str = "en_US", *, numbers: int = 50) -> list[str]:
        """The list a person reads before confirming, one line each."""
        if not self.readable:
            return [f"The current store cannot be read ({self.problem}), so what the restore would undo cannot be "
                    "listed: any sale, payment or other record made since the backup is lost from the store. The "
                    "unreadable files are moved to backups/ as they are."]
        if self.nothing:
            return ["The current store holds nothing the backup lacks: the restore undoes nothing."]
        lines = []
        if self.sales:
            shown = ", ".join(s.describe(locale) for s in self.sales[:numbers])
            more = f", and {len(self.sales) - numbers} more" if len(self.sales) > numbers else ""
            lines.append(f"{_count(len(self.sales), 'sales')}: {shown}{more}")
        if self.voids:
            lines.append(f"{len(self.voids)} void{'s' if len(self.voids) != 1 else ''} (these sales become "
                         f"completed again): {', '.join(self.voids[:numbers])}")
        others = [_count(n, table) for table, n in self.counts.items() if n and table != "sales"]
        if others:
            lines.append(", ".join(others))
        return lines

    def as_dict(self) -> dict[str, object]:
        return {
            "readable": self.readable, "problem": self.problem,
            "sales": [{"number": s.number, "kind": s.kind, "total": Money(s.total_cents, s.currency).plain(),
                       "currency": s.currency, "completed_at": s.completed_at.isoformat()} for s in self.sales],
            "voids": list(self.voids), "counts": dict(self.counts),
            "current_head": _head(self.current_head), "backup_head": _head(self.backup_head),
        }

    def audit_summary(self) -> dict[str, object]:
        """What the `store.restored` event keeps: counts, sale numbers (the first `NUMBERS_AUDITED`) and the
        replaced trail's last event; no personal data (sale numbers and totals are not)."""
        return {
            "readable": self.readable, "undone": {t: n for t, n in self.counts.items() if n},
            "undone_sales": len(self.sales), "sale_numbers": list(self.sale_numbers[:NUMBERS_AUDITED]),
            "voids_undone": list(self.voids[:NUMBERS_AUDITED]),
            "previous_trail_head": _head(self.current_head), "backup_trail_head": _head(self.backup_head),
        }


def _count(n: int, table: str) -> str:
    one, many = KINDS.get(table, (table, table))
    return f"{n} {one if n == 1 else many}"


def _head(head: TrailHead | None) -> dict[str, object] | None:
    if head is None:
        return None
    return {"seq": head.seq, "hash": head.hash, "at": head.at.isoformat() if head.at else None}


def check_typed(typed: str) -> None:
    """A person confirms a restore by typing the word, as shown; anything else refuses it."""
    if typed.strip() != CONFIRM_WORD:
        raise ValidationError("confirmation", f"type {CONFIRM_WORD} to restore; nothing was changed")


def check_expected(undo: RestoreUndo, expected: str | None) -> None:
    """A script confirms a restore by stating how many sales it undoes (`unknown` when the current store cannot
    be read); ValidationError naming `--expect-undo` when it says otherwise, or nothing."""
    if expected is None:
        raise ValidationError("--expect-undo", "a restore without a prompt must say how many sales it undoes "
                                               "(see --dry-run); nothing was changed")
    said = expected.strip().lower()
    if not undo.readable:
        if said != UNKNOWN:
            raise ValidationError("--expect-undo", f"the current store cannot be read ({undo.problem}), so what "
                                                   f"the restore undoes is unknown: say {UNKNOWN}; nothing was "
                                                   "changed")
        return
    if said == UNKNOWN or not said.isdigit():
        raise ValidationError("--expect-undo", f"give the number of sales the restore undoes ({len(undo.sales)} "
                                               "now); nothing was changed")
    if int(said) != len(undo.sales):
        numbers = ", ".join(undo.sale_numbers[:20]) + ("…" if len(undo.sales) > 20 else "")
        raise ValidationError("--expect-undo", f"the restore would undo {len(undo.sales)} sales"
                                               + (f" ({numbers})" if numbers else "")
                                               + f", not {int(said)}; nothing was changed")
