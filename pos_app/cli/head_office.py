"""`pos-app central report sales --url URL --from DAY --to DAY`: the head office's sales across stores."""

from __future__ import annotations

import argparse
from typing import Any

from pos_app.cli.core import Commands, Output, signed_in


def cmd_report_sales(args: argparse.Namespace) -> Output:
    from pos_app.adapters.head_office import CentralHeadOffice
    from pos_app.domain.money import Money, format_money
    from pos_app.services import head_office
    from pos_app.services.sales import parse_day

    first = parse_day(args.date_from, field="from")
    last = parse_day(args.date_to, field="to")
    with signed_in(args) as cmd:
        rows = head_office.sales_by_store(first, last, central=CentralHeadOffice(args.url), actor=cmd.actor,
                                          uow=cmd.store.uow())
        locale = cmd.profile.locale
    data: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat(), "rows": [
        {"store": r.store_code, "store_name": r.store_name, "timezone": r.timezone, "day": r.day.isoformat(),
         "sales": r.sales, "returns": r.returns, "net_cents": r.net_cents, "tax_cents": r.tax_cents,
         "total_cents": r.total_cents, "currency": r.currency} for r in rows]}

    def money(cents: int, currency: str) -> str:
        return format_money(Money(cents, currency), locale) if currency else str(cents)

    lines = [f"{'Day':<10}  {'Store':<24} {'Sales':>5} {'Returns':>7} {'Net sales':>14} {'Tax':>12}"]
    lines += [f"{r.day.isoformat():<10}  {(r.store_code + ' ' + r.store_name)[:24]:<24} {r.sales:>5} {r.returns:>7} "
              f"{money(r.net_cents, r.currency):>14} {money(r.tax_cents, r.currency):>12}" for r in rows]
    text = "\n".join(lines) if rows else f"No sales at any store from {first} to {last}."
    return Output(data, text)


def register(commands: Commands, central: Any) -> None:
    """`pos-app central report sales` (under the `central` group made by `cli/sync.py`)."""
    report = central.add_parser("report", help="head-office reports across the group's stores, read from central",
                                description="Reports across every store of the group, read from central.")
    reports = report.add_subparsers(dest="central_report_command", metavar="REPORT", required=True)
    p = commands.command("sales", cmd_report_sales, "sales per store and day (each store's own day): count, net "
                         "sales, tax", reports)
    p.add_argument("--url", required=True, help="central's administrator URL, as for central init")
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD", help="first day")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD", help="last day")
