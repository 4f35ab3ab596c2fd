"""`pos-app customers list | consent | flags | marketing-export`: finding customers, their consents and their
privacy flags. Customers' names, emails and phones are printed to the console only, never logged."""

from __future__ import annotations

import argparse
from pathlib import Path

from pos_app.cli.core import Commands, Output, signed_in
from pos_app.cli.options import LIST_MAX, whole_number


def cmd_customers_list(args: argparse.Namespace) -> Output:
    from pos_app.services.customers import list_customers

    with signed_in(args) as cmd:
        rows = list_customers(reader=cmd.store.sales, actor=cmd.actor, search=args.search or "",
                              limit=args.limit, uow=cmd.store.uow())
    return Output({"customers": [{"id": r.id, "name": r.name, "email": r.email, "phone": r.phone,
                                  "restricted": r.restricted} for r in rows]},
                  "\n".join(f"{r.id}  {r.name:<28} {r.email or '':<32} {r.phone or ''}"
                            f"{'  (restricted)' if r.restricted else ''}" for r in rows) or "No customers match.")


def _on_off(text: str | None, option: str) -> bool | None:
    from pos_app.domain.errors import ValidationError

    if text is None:
        return None
    value = text.strip().lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise ValidationError(option, f"{text!r}: say on or off")


def cmd_customers_consent(args: argparse.Namespace) -> Output:
    from pos_app.domain.store import store_today
    from pos_app.services.customers import change_consent

    with signed_in(args) as cmd:
        event_id = change_consent(args.customer_id, args.purpose, args.answer == "yes", channel=args.channel,
                                  uow=cmd.store.uow(), actor=cmd.actor,
                                  today=store_today(cmd.profile.timezone))
    return Output({"customer_id": args.customer_id, "purpose": args.purpose, "granted": args.answer == "yes",
                   "consent_event_id": event_id},
                  f"Recorded: {'yes' if args.answer == 'yes' else 'no'} to {args.purpose} (consent event {event_id}).")


def cmd_customers_flags(args: argparse.Namespace) -> Output:
    from pos_app.services.customers import set_privacy_flags

    with signed_in(args) as cmd:
        flags = set_privacy_flags(args.customer_id, uow=cmd.store.uow(), actor=cmd.actor,
                                  do_not_sell=_on_off(args.do_not_sell, "--do-not-sell"),
                                  restricted=_on_off(args.restricted, "--restricted"),
                                  marketing_objection=_on_off(args.objection, "--objection"))
    data = {"customer_id": args.customer_id, "do_not_sell": flags.do_not_sell, "restricted": flags.restricted,
            "marketing_objection": flags.marketing_objection}
    return Output(data, "  ".join(f"{k}: {'on' if v else 'off'}" for k, v in data.items() if k != "customer_id"))


def cmd_customers_marketing_export(args: argparse.Namespace) -> Output:
    from pos_app.services.customers import export_marketing_list

    with signed_in(args) as cmd:
        count = export_marketing_list(Path(args.out), purpose=args.purpose, reader=cmd.store.customers,
                                      uow=cmd.store.uow(), files=cmd.devices.files, actor=cmd.actor)
    return Output({"out": str(Path(args.out)), "customers": count, "purpose": args.purpose},
                  f"Wrote {count} customer(s) to {args.out}.")


def register(commands: Commands) -> None:
    command = commands.command
    customers_sub = commands.group("customers", help="find customers (names print here, never in logs)",
                                    description="Customers.")
    p = command("list", cmd_customers_list, "list customers by name, or search them", customers_sub)
    p.add_argument("--search", metavar="TEXT", help="the start of a name or email, or 3+ digits of a phone")
    p.add_argument("--limit", type=whole_number(1, LIST_MAX), default=500,
                   help=f"at most this many (1 to {LIST_MAX:,}; default 500)")
    p = command("consent", cmd_customers_consent,
                "record a customer's yes or no for marketing email, texts or advertising (a new consent event)",
                customers_sub)
    p.add_argument("customer_id", metavar="CUSTOMER_ID", help="the customer's id (see `pos-app customers list`)")
    p.add_argument("--purpose", required=True, help="email, sms or advertising")
    p.add_argument("answer", choices=("yes", "no"), help="what the customer said")
    p.add_argument("--channel", required=True, help="how: counter, email, phone, mail or web")
    p = command("flags", cmd_customers_flags,
                "opt out of sale/sharing, restrict processing, object to marketing (on or off)", customers_sub)
    p.add_argument("customer_id", metavar="CUSTOMER_ID", help="the customer's id (see `pos-app customers list`)")
    p.add_argument("--do-not-sell", metavar="on|off", help="opt-out of the sale or sharing of their data")
    p.add_argument("--restricted", metavar="on|off",
                   help="restricted processing: only the privacy officer changes the record")
    p.add_argument("--objection", metavar="on|off", help="objection to direct marketing")
    p = command("marketing-export", cmd_customers_marketing_export,
                "the CSV for the mailing tool: only customers who said yes and are neither restricted nor objecting",
                customers_sub)
    p.add_argument("--out", required=True, metavar="FILE.csv",
                   help="the CSV file to write (replaced whole, or not at all)")
    p.add_argument("--purpose", default="email", help="email (default) or sms")

