"""`pos-app privacy ...`: customers' privacy requests (access, deletion, opt-out, ...), each due 30 days after it
was received; the export and the erasure that answer them; the policy's versions; the retention job; who saw a
customer's record. Names are printed to the console only, never logged."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos_app.cli.core import Commands, Output, signed_in
from pos_app.cli.options import VERSION_MAX, cli_date, cli_day, cli_moment, whole_number

if TYPE_CHECKING:
    from pos_app.cli.core import SignedIn
    from pos_app.domain.privacy import RequestType
    from pos_app.services.ports.privacy import PrivacyRequestRecord


def _privacy_json(r: PrivacyRequestRecord) -> dict[str, Any]:
    return {"id": r.id, "customer_id": r.customer_id, "type": r.type, "channel": r.channel,
            "received_on": r.received_on.isoformat(), "due_on": r.due_on.isoformat(), "status": r.status,
            "extended": r.extension_reason is not None,
            "customer_told_on": r.customer_told_on.isoformat() if r.customer_told_on else None,
            "verification_method": r.verification_method, "verified_by": r.verified_by,
            "verified_at": r.verified_at.isoformat() if r.verified_at else None}


def _request_for(cmd: SignedIn, args: argparse.Namespace, kinds: tuple[RequestType, ...]) -> str:
    """`--request`, or the customer's one verified open request of those kinds."""
    from pos_app.services import privacy

    if args.request:
        return str(args.request)
    return privacy.request_to_answer(args.customer_id, kinds, reader=cmd.store.privacy, actor=cmd.actor,
                                     today=cmd.today(), uow=cmd.store.uow())


def cmd_privacy_request(args: argparse.Namespace) -> Output:
    from pos_app.services import privacy

    received = cli_date(args.received, "--received")
    with signed_in(args) as cmd:
        record = privacy.record_request(args.customer_id, args.type, args.channel, received, uow=cmd.store.uow(),
                                        actor=cmd.actor, today=cmd.today())
    return Output(_privacy_json(record), record.id)


def cmd_privacy_verify(args: argparse.Namespace) -> Output:
    from pos_app.domain.errors import ValidationError
    from pos_app.services import privacy

    with signed_in(args) as cmd:
        # The verifier is whoever signed in: no one records a verification in another's name.
        actor = cmd.actor
        me = cmd.store.directory.staff_member(actor.staff_id) if actor.staff_id else None
        name = me.name if me else actor.name
        if args.by and args.by.strip().lower() != name.lower():
            raise ValidationError("--by", f"the verifier is the person signed in ({name}); {args.by} signs in "
                                          "to record their own verification")
        record = privacy.verify(args.request_id, args.method, actor.staff_id or "", uow=cmd.store.uow(), actor=actor)
    return Output({**_privacy_json(record), "verified_by_name": name},
                  f"Request {record.id} verified ({record.verification_method}) by {name}; "
                  f"due {record.due_on.isoformat()}.")


def cmd_privacy_extend(args: argparse.Namespace) -> Output:
    from pos_app.services import privacy

    told = cli_day(args.told, "--told")  # required: argparse refuses the command without it
    with signed_in(args) as cmd:
        record = privacy.extend(args.request_id, args.reason, told, days=args.days, uow=cmd.store.uow(),
                                actor=cmd.actor, today=cmd.today())
    return Output(_privacy_json(record), f"Request {record.id} is now due {record.due_on.isoformat()}.")


def cmd_privacy_requests(args: argparse.Namespace) -> Output:
    from pos_app.domain.store import store_time
    from pos_app.services import privacy

    with signed_in(args) as cmd:
        today, zone = cmd.today(), cmd.profile.timezone
        rows = privacy.list_requests(reader=cmd.store.privacy, actor=cmd.actor, today=today,
                                     due_within_days=args.due_within, include_closed=args.all, uow=cmd.store.uow())

    def when(r: Any) -> str:
        if r.status not in ("received", "verified"):  # closed: on the store's day, as the receipts say
            return f"on {store_time(r.completed_at, zone):%Y-%m-%d}" if r.completed_at else ""
        return f"overdue {-r.days_left} d" if r.days_left < 0 else f"due in {r.days_left} d"

    data = {"today": today.isoformat(), "requests": [
        {"id": r.id, "customer_id": r.customer_id, "customer_name": r.customer_name, "type": r.type,
         "channel": r.channel, "received_on": r.received_on.isoformat(), "due_on": r.due_on.isoformat(),
         "days_left": r.days_left, "overdue": r.status in ("received", "verified") and r.days_left < 0,
         "extended": r.extended, "status": r.status, "verification_method": r.verification_method,
         "verified_by": r.verified_by,
         "completed_at": store_time(r.completed_at, zone).isoformat() if r.completed_at else None}
        for r in rows]}
    text = "\n".join(f"{r.id}  {r.due_on.isoformat()} {when(r):<15} {r.status:<9} {r.type:<16} "
                     f"{r.customer_name or '(erased)'}" for r in rows)
    return Output(data, text or "No privacy requests match.")


def cmd_privacy_export(args: argparse.Namespace) -> Output:
    from pos_app.domain.privacy import RequestType
    from pos_app.services import privacy_export

    with signed_in(args) as cmd:
        request_id = _request_for(cmd, args, (RequestType.ACCESS, RequestType.PORTABILITY))
        result = privacy_export.export_customer(
            request_id, Path(args.out).expanduser(), uow=cmd.store.uow(), reader=cmd.store.customer_data,
            files=cmd.devices.files, actor=cmd.actor, customer_id=args.customer_id)
    return Output({"customer_id": args.customer_id, "request_id": request_id, "path": str(result.path),
                   "sha256": result.sha256, "counts": result.counts},
                  f"Wrote {result.path} (SHA-256 {result.sha256}, recorded on request {request_id}).")


def cmd_privacy_erase(args: argparse.Namespace) -> Output:
    from pos_app.domain.privacy import RequestType
    from pos_app.services import erasure

    with signed_in(args) as cmd:
        request_id = _request_for(cmd, args, (RequestType.DELETION,))
        result = erasure.erase_customer(args.customer_id, request_id, uow=cmd.store.uow(), actor=cmd.actor,
                                        log=cmd.devices.erasure_log(), store=cmd.devices.store_file())
    kept = "\n".join(f"  {k.category} ({k.count}): until {k.until.isoformat()}; {k.basis}" for k in result.kept)
    return Output(result.as_dict(),
                  f"Erased customer {result.customer_id} (request {request_id}, now completed)."
                  + (f"\nKept without the person:\n{kept}" if kept else "\nNothing is kept.")
                  + "\n\nThe customer's confirmation:\n\n" + result.letter)


def cmd_privacy_policies(args: argparse.Namespace) -> Output:
    from dataclasses import asdict

    from pos_app.services import privacy

    with signed_in(args) as cmd:
        rows = privacy.policy_versions(uow=cmd.store.uow(), actor=cmd.actor, today=cmd.today())
        if args.show is not None:
            text = privacy.policy_text(args.show, uow=cmd.store.uow(), actor=cmd.actor)
            return Output({"version": args.show, "text": text}, text)
    data = {"versions": [{**asdict(r), "effective_on": r.effective_on.isoformat()} for r in rows]}
    text = "\n".join(f"v{r.version}  in force from {r.effective_on.isoformat()}  {r.chars:>7,} characters  "
                     f"sha256 {r.sha256[:12]}" + ("  <- in force today" if r.in_force else "") for r in rows)
    return Output(data, text or "No privacy policy has been published.")


def cmd_privacy_publish_policy(args: argparse.Namespace) -> Output:
    from pos_app.domain.errors import ValidationError
    from pos_app.services import privacy

    path = Path(args.file).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError("file", f"cannot read {path} as UTF-8 text: {getattr(error, 'strerror', None) or error}"
                              ) from None
    effective = cli_date(args.effective, "--effective")
    with signed_in(args) as cmd:
        row = privacy.publish_policy(text, effective or cmd.today(), uow=cmd.store.uow(), actor=cmd.actor,
                                     today=cmd.today())
    return Output({"version": row.version, "effective_on": row.effective_on.isoformat(), "sha256": row.sha256,
                   "chars": row.chars},
                  f"Published version {row.version} of the privacy policy, in force from "
                  f"{row.effective_on.isoformat()}.")


def cmd_privacy_retention(args: argparse.Namespace) -> Output:
    from pos_app.services import retention

    with signed_in(args) as cmd:
        devices = cmd.devices
        report = retention.run(uow=cmd.store.uow(), actor=cmd.actor, data_dir=devices.data_dir,
                               store=devices.store_file(), dry_run=args.dry_run)
    verb = "What the retention job would do" if report.dry_run else "What the retention job did"
    labels = {"sales_detached": "sales older than the transaction period detached from their customers",
              "cash_reports_blanked": "Form 8300 reports past their period blanked",
              "appraisals_erased": "appraisals past their retention date erased (photos with them)",
              "certificates_erased": "certificates past their retention date erased (scans with them)",
              "requests_deleted": "answered requests of erased customers deleted",
              "pseudonyms_deleted": "erased customers no record points at any more deleted"}
    lines = [f"  {count:>6}  {labels[key]}" for key, count in report.rows.items()]
    lines.append(f"  {len(report.backups_deleted):>6}  backups past their period deleted"
                 + (f" ({', '.join(report.backups_deleted)})" if report.backups_deleted else ""))
    lines.append(f"  {len(report.exports_deleted):>6}  privacy exports past their period deleted"
                 + (f" ({', '.join(report.exports_deleted)})" if report.exports_deleted else ""))
    return Output(report.as_dict(), f"{verb} on {report.today.isoformat()}:\n" + "\n".join(lines)
                  + ("\nNothing was changed (dry run)." if report.dry_run else ""))


def cmd_privacy_access_log(args: argparse.Namespace) -> Output:
    from zoneinfo import ZoneInfo

    from pos_app.services import privacy

    with signed_in(args) as cmd:
        zone = ZoneInfo(cmd.profile.timezone)
        rows = privacy.access_log(args.customer_id, reader=cmd.store.privacy, actor=cmd.actor,
                                  uow=cmd.store.uow())
    return Output({"customer_id": args.customer_id, "events": [
        {"at": r.at.isoformat(), "staff": r.staff, "role": r.role, "terminal": r.terminal, "action": r.action}
        for r in rows]},
        "\n".join(f"{r.at.astimezone(zone):%Y-%m-%d %H:%M}  {r.terminal:<4} {r.staff} ({r.role}): {r.action}"
                  for r in rows) or "Nothing on record about this customer.")


def cmd_privacy_affected(args: argparse.Namespace) -> Output:
    from pos_app.services import privacy

    with signed_in(args) as cmd:
        zone = cmd.profile.timezone
        since, until = cli_moment(args.since, "--since", zone), cli_moment(args.until, "--until", zone)
        rows = privacy.affected(since, until, reader=cmd.store.privacy, actor=cmd.actor,
                                uow=cmd.store.uow())
    return Output({"since": since.isoformat(), "until": until.isoformat(), "customers": [
        {"customer_id": r.customer_id, "name": r.name, "email": r.email, "phone": r.phone, "erased": r.erased,
         "events": r.events, "last_at": r.last_at.isoformat()} for r in rows]},
        "\n".join(f"{r.customer_id}  {r.name or '(erased)':<28} {r.email or '':<32} {r.phone or '':<14} "
                  f"{r.events} event(s)" for r in rows) or "No customer record was read or changed then.")


def register(commands: Commands) -> None:
    command = commands.command
    privacy_sub = commands.group("privacy", help="customers' privacy requests (privacy officer and owner)",
                                  description="Privacy requests: access, deletion, opt-out and the other rights in the "
                                              "store's policy, each due 30 days after it was received.")
    p = command("request", cmd_privacy_request, "record a customer's request and print its id", privacy_sub)
    p.add_argument("customer_id", metavar="CUSTOMER_ID", help="the customer's id (see `pos-app customers list`)")
    p.add_argument("--type", required=True, metavar="TYPE",
                   help="access (right to know), portability, correction, deletion, opt-out (of sale/sharing), "
                        "restriction, withdraw-consent or objection")
    p.add_argument("--channel", required=True, metavar="CHANNEL", help="counter, email, phone, mail or web")
    p.add_argument("--received", metavar="YYYY-MM-DD", help="the day it arrived (default: today, store time)")
    p = command("verify", cmd_privacy_verify, "record how the customer's identity was verified, by the person "
                "signed in (a privacy officer or the owner)", privacy_sub)
    p.add_argument("request_id", metavar="REQUEST_ID", help="the request's id")
    p.add_argument("--method", required=True, metavar="METHOD",
                   help="matched_order_detail, code_to_email_on_file, code_to_phone_on_file or in_person_id")
    p.add_argument("--by", metavar="STAFF_NAME",
                   help="optional check: refused unless it names the person signed in, who is the verifier")
    p = command("extend", cmd_privacy_extend,
                "extend the due date once, by up to 45 days, after telling the customer why", privacy_sub)
    p.add_argument("request_id", metavar="REQUEST_ID", help="the request's id")
    p.add_argument("--reason", required=True, help="why more time is needed (as the customer was told)")
    p.add_argument("--told", required=True, metavar="YYYY-MM-DD",
                   help="the day the customer was told (no later than the 30-day due date)")
    p.add_argument("--days", type=whole_number(1, 45), default=45,
                   help="days added to the due date (1 to 45; default 45)")
    p = command("requests", cmd_privacy_requests, "list open requests, overdue first, then by due date",
                privacy_sub)
    p.add_argument("--due-within", type=whole_number(0, 366), metavar="DAYS",
                   help="only those due within DAYS days, 0 to 366 (or overdue)")
    p.add_argument("--all", action="store_true", help="include completed and refused requests")
    p = command("export", cmd_privacy_export,
                "write the zip answering a verified access or portability request (data.json, CSVs, files, PDF)",
                privacy_sub)
    p.add_argument("customer_id", metavar="CUSTOMER_ID", help="the customer's id")
    p.add_argument("--out", required=True, metavar="FILE.zip", help="where to write the zip")
    p.add_argument("--request", metavar="REQUEST_ID",
                   help="the verified request the export answers (default: the customer's one verified access or "
                        "portability request)")
    p = command("erase", cmd_privacy_erase,
                "erase a customer's personal data everywhere, answering their verified deletion request; what the "
                "law makes the store keep stays without the person", privacy_sub)
    p.add_argument("customer_id", metavar="CUSTOMER_ID", help="the customer's id")
    p.add_argument("--request", metavar="REQUEST_ID",
                   help="the verified deletion request it answers (default: the customer's one verified deletion "
                        "request)")
    p = command("policies", cmd_privacy_policies,
                "the published versions of the store's privacy policy, and which is in force", privacy_sub)
    p.add_argument("--show", type=whole_number(1, VERSION_MAX), metavar="VERSION", help="print that version's text")
    p = command("publish-policy", cmd_privacy_publish_policy,
                "keep a new version of the privacy policy text; consents from its date name it", privacy_sub)
    p.add_argument("file", metavar="FILE.txt", help="the policy's text (UTF-8)")
    p.add_argument("--effective", metavar="YYYY-MM-DD", help="the day it takes effect (default: today)")
    p = command("retention", cmd_privacy_retention,
                "let go of what is past its period: detach old sales from customers, blank old Form 8300 details, "
                "erase expired appraisals and certificates, delete old backups and exports (the app runs it daily)",
                privacy_sub)
    p.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    p = command("access-log", cmd_privacy_access_log,
                "who read or changed a customer's record, when, at which counter, doing what", privacy_sub)
    p.add_argument("customer_id", metavar="CUSTOMER_ID", help="the customer's id (see `pos-app customers list`)")
    p = command("affected", cmd_privacy_affected,
                "for a security incident: the customers whose records were read or changed in a window",
                privacy_sub)
    p.add_argument("--since", required=True, metavar="TIME", help="YYYY-MM-DD or an ISO time (store time)")
    p.add_argument("--until", required=True, metavar="TIME", help="YYYY-MM-DD or an ISO time, not included")

