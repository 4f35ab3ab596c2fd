"""`pos-app audit verify | flags | list | export`: the tamper-evident audit trail (the owner's: VIEW_AUDIT)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos_app.cli.core import EXIT_CHECK_FAILED, EXIT_OK, Commands, Output, signed_in
from pos_app.cli.options import AUDIT_LIST_MAX, cli_moment, whole_number

if TYPE_CHECKING:
    from pos_app.domain.audit import AuditFilter, AuditRow


def _audit_filter(args: argparse.Namespace, zone: str) -> AuditFilter:
    from pos_app.domain.audit import AuditFilter

    return AuditFilter(person=args.person, action=args.action, entity=args.entity,
                       since=cli_moment(args.since, "--since", zone) if args.since else None,
                       until=cli_moment(args.until, "--until", zone) if args.until else None)


def _audit_json(r: AuditRow) -> dict[str, Any]:
    return {"seq": r.seq, "at": r.at.isoformat(), "person": r.person, "staff_id": r.staff_id, "role": r.role,
            "terminal": r.terminal, "action": r.action, "entity_type": r.entity_type, "entity_id": r.entity_id,
            "approved_by": r.approved_by, "summary": json.loads(r.summary)}


def cmd_audit_verify(args: argparse.Namespace) -> Output:
    from pos_app.services import audit

    with signed_in(args) as cmd:
        zone = cmd.profile.timezone
        report = audit.verify(trail=cmd.store.audit, uow=cmd.store.uow(), actor=cmd.actor)
    brk = report.first_break
    chains: list[dict[str, object]] = []
    if args.central:
        from pos_app.sync_group import verify_central_audit

        chains = verify_central_audit(args.central)
    central_ok = all(c["ok"] for c in chains)
    data = {"ok": report.ok and central_ok, "central_chains": chains, "events": report.events,
            "head_seq": report.head_seq,
            "anchored_seq": report.anchored_seq, "warnings": list(report.warnings),
            "first_bad_event": None if brk is None else {
                "seq": brk.seq, "kind": brk.kind.value, "at": brk.at.isoformat() if brk.at else None,
                "action": brk.action, "detail": brk.detail}}
    lines = [f"Central holds counter {c['counter']}'s chain: {c['events']} events, "
             + ("intact." if c["ok"] else f"broken at event {c['first_bad_event']}: {c['detail']}.") for c in chains]
    return Output(data, "\n".join([report.describe(zone), *(f"Warning: {w}" for w in report.warnings), *lines]),
                  EXIT_OK if report.ok and central_ok else EXIT_CHECK_FAILED)


def cmd_audit_list(args: argparse.Namespace) -> Output:
    from pos_app.domain.store import store_time
    from pos_app.services import audit

    with signed_in(args) as cmd:
        zone = cmd.profile.timezone
        f = _audit_filter(args, zone)
        rows = audit.search(f, trail=cmd.store.audit, uow=cmd.store.uow(), actor=cmd.actor,
                             limit=args.limit)
    lines = [f"{r.seq:>8}  {store_time(r.at, zone):%Y-%m-%d %H:%M:%S}  {r.person} ({r.role}, {r.terminal})  "
             f"{r.action}"
             + (f"  {r.entity_type}:{r.entity_id or ''}" if r.entity_type else "") for r in rows]
    return Output({"events": [_audit_json(r) for r in rows]}, "\n".join(lines) or "No events match.")


def cmd_audit_flags(args: argparse.Namespace) -> Output:
    from pos_app.domain.store import store_time
    from pos_app.services import audit

    with signed_in(args) as cmd:
        zone = cmd.profile.timezone
        found = audit.flags(trail=cmd.store.audit, uow=cmd.store.uow(), actor=cmd.actor, days=args.days)
    lines = [f"{store_time(f.last, zone):%Y-%m-%d %H:%M %Z}  {f.describe()}" for f in found]
    return Output({"days": args.days, "flags": [{"kind": f.kind.value, "person": f.person, "count": f.count,
                                                 "last": f.last.isoformat()} for f in found]},
                  "\n".join(lines) or f"Nothing flagged in the last {args.days} days.")


def cmd_audit_export(args: argparse.Namespace) -> Output:
    from pos_app.services import audit

    with signed_in(args) as cmd:
        f = _audit_filter(args, cmd.profile.timezone)
        written = audit.export_csv(Path(args.file), f, trail=cmd.store.audit, uow=cmd.store.uow(),
                                   files=cmd.devices.files, actor=cmd.actor)
    return Output({"file": str(Path(args.file).resolve()), "events": written},
                  f"Wrote {written} audit event(s) to {args.file}.")


def register(commands: Commands) -> None:
    """`pos-app audit verify | flags | list | export` (the owner's: VIEW_AUDIT)."""
    command = commands.command
    audit_sub = commands.group("audit", help="check, list and export the tamper-evident audit trail",
                                description="The audit trail: who did what, when, at which counter.")
    p = command("verify", cmd_audit_verify, "check the whole hash chain; exit 1 and name the first bad event if it "
                "was edited, deleted, inserted, reordered or cut short", audit_sub)
    p.add_argument("--central", metavar="ADMIN_URL",
                   help="also check every counter's chain as the sync group's central PostgreSQL holds it")
    p = command("flags", cmd_audit_flags, "suspicious activity: accounts locked by wrong tries, refused actions, "
                "sign-ins with a recovery code, payments taken for a piece sold elsewhere", audit_sub)
    p.add_argument("--days", type=whole_number(1, 366), default=7,
                   help="look back this many days (1 to 366; default 7)")
    for name, fn, help_text in (("list", cmd_audit_list, "list events, newest first"),
                                ("export", cmd_audit_export, "write events to a CSV file (oldest first)")):
        p = command(name, fn, help_text, audit_sub)
        if name == "export":
            p.add_argument("file", help="the CSV file to write (replaced whole, or not at all)")
        else:
            p.add_argument("--limit", type=whole_number(1, AUDIT_LIST_MAX), default=200,
                           help=f"at most this many (1 to {AUDIT_LIST_MAX:,}; default 200)")
        p.add_argument("--person", metavar="NAME", help="a staff member's id or the start of their name")
        p.add_argument("--action", metavar="ACTION", help="the start of an action, e.g. sale. or staff.sign_in")
        p.add_argument("--entity", metavar="TYPE[:ID]", help="a kind of record (sale), or one record (sale:ID)")
        p.add_argument("--since", metavar="TIME", help="YYYY-MM-DD or an ISO time (store time), included")
        p.add_argument("--until", metavar="TIME", help="YYYY-MM-DD or an ISO time (store time), not included")
