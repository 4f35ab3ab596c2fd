"""`pos-app sales list | large-cash` and `pos-app receipt`: past sales, cash over $10,000 (Form 8300), and a
past sale's receipt printed again or saved as a PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

from pos_app.cli.core import Commands, Output, Refused, signed_in
from pos_app.cli.options import LIST_MAX, whole_number


def cmd_sales_list(args: argparse.Namespace) -> Output:
    from pos_app.domain.money import Money, format_money
    from pos_app.services.sales import list_sales, parse_day

    since = parse_day(args.since, field="--since") if args.since else None
    until = parse_day(args.until, field="--until") if args.until else None
    with signed_in(args) as cmd:
        profile = cmd.profile
        rows = list_sales(since=since, until=until, timezone=profile.timezone, limit=args.limit,
                          sales=cmd.store.sales, actor=cmd.actor, uow=cmd.store.uow())
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(profile.timezone)
    data = {"sales": [
        {"number": r.number, "kind": r.kind, "status": r.status,
         "completed_at": r.completed_at.astimezone(zone).isoformat(timespec="seconds"), "clerk": r.clerk,
         "has_customer": bool(r.customer), "total": Money(r.total_cents, r.currency).plain(), "currency": r.currency,
         "tenders": r.tenders.split(", ") if r.tenders else []}
        for r in rows
    ]}
    text = "\n".join(
        f"{r.number:<11} {r.completed_at.astimezone(zone):%Y-%m-%d %H:%M}  {r.kind:<8} {r.status:<9} "
        f"{format_money(Money(r.total_cents, r.currency), profile.locale):>13}  {r.tenders:<16} {r.clerk}"
        for r in rows
    ) or "No sales in that period."
    return Output(data, text)


def cmd_sales_large_cash(args: argparse.Namespace) -> Output:
    from pos_app.domain.money import Money, format_money
    from pos_app.domain.store import store_time
    from pos_app.services.sales import large_cash_payments

    with signed_in(args) as cmd:
        rows = large_cash_payments(sales=cmd.store.sales, actor=cmd.actor, uow=cmd.store.uow())
        locale, zone = cmd.profile.locale, cmd.profile.timezone
    data = {"large_cash_payments": [
        {"sale": r.sale_number, "recorded_at": store_time(r.created_at, zone).isoformat(timespec="seconds"),
         "payer": r.full_name,
         "cash": Money(r.cash_cents).plain(), "cash_12_months": Money(r.twelve_month_cents).plain(),
         "status": r.status}
        for r in rows
    ]}
    text = "\n".join(
        f"{r.sale_number or '-':<11} {store_time(r.created_at, zone):%Y-%m-%d}  {r.full_name[:30]:<30} "
        f"{format_money(Money(r.cash_cents), locale):>13} {format_money(Money(r.twelve_month_cents), locale):>13}  "
        f"{r.status.replace('_', ' ')}"
        for r in rows
    ) or "No cash payment over $10,000 is on record."
    return Output(data, text)


def cmd_receipt(args: argparse.Namespace) -> Output:
    from pos_app.services import paperwork, receipts

    if bool(args.printer) == bool(args.pdf):
        raise Refused("name one destination: --printer URI or --pdf FILE")
    with signed_in(args) as cmd:
        actor, sales, directory = cmd.actor, cmd.store.sales, cmd.store.directory
        sale_id = receipts.find_sale_id(args.number, sales=sales)
        if args.pdf:
            saved = paperwork.write_receipt(sale_id, Path(args.pdf), sales=sales, directory=directory,
                                            uow=cmd.store.uow(), files=cmd.devices.files, actor=actor, gift=args.gift,
                                            reprint=True, field="--pdf")
            result = {"number": args.number.upper(), "pdf": str(saved.resolve()), "bytes": saved.stat().st_size}
            text = f"Saved the receipt of {args.number.upper()} to {args.pdf}."
        else:
            printer = cmd.devices.printer_for(args.printer)
            outcome = receipts.print_receipt(sale_id, printer=printer, sales=sales, directory=directory,
                                             uow=cmd.store.uow(), actor=actor, gift=args.gift, reprint=True)
            if not outcome.printed:
                raise Refused(outcome.message)
            result = {"number": args.number.upper(), "printer": args.printer, "printed": True}
            text = outcome.message
    return Output(result, text)


def register(commands: Commands) -> None:
    command = commands.command
    sales_sub = commands.group("sales", help="list past sales and large cash payments (Form 8300)",
                               description="Sales, returns and exchanges.")
    p = command("list", cmd_sales_list, "list sales, newest first", sales_sub)
    p.add_argument("--since", metavar="DATE", help="from this day (YYYY-MM-DD, store time)")
    p.add_argument("--until", metavar="DATE", help="up to and including this day")
    p.add_argument("--limit", type=whole_number(1, LIST_MAX), default=1000,
                   help=f"at most this many (1 to {LIST_MAX:,}; default 1000)")

    command("large-cash", cmd_sales_large_cash, "cash over $10,000 within 12 months (IRS Form 8300 cases)",
            sales_sub)

    p = command("receipt", cmd_receipt, "print a past sale's receipt again, or save it as a PDF")
    p.add_argument("number", metavar="SALE_NUMBER", help="the sale number, e.g. C1-000123")
    p.add_argument("--printer", metavar="URI",
                   help="tcp://HOST:PORT, usb://VENDOR:PRODUCT, serial:///dev/ttyUSB0 or file:///path")
    p.add_argument("--pdf", metavar="FILE", help="save a PDF receipt here instead")
    p.add_argument("--gift", action="store_true", help="a gift receipt: no prices")

