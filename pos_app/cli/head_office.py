"""`pos-app central report sales|low-stock|aging|duplicate-certificates --url URL`: the head office's reports
across the group's stores, read from central with its administrator URL (`services/head_office.py`)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any

from pos_app.cli.core import Commands, Output, signed_in


def _money(locale: str) -> Callable[[int, str], str]:
    """Cents as the store writes money (plain cents when a row has no currency)."""
    from pos_app.domain.money import Money, format_money

    def money(cents: int, currency: str) -> str:
        return format_money(Money(cents, currency), locale) if currency else str(cents)

    return money


def cmd_report_sales(args: argparse.Namespace) -> Output:
    from pos_app.adapters.head_office import CentralHeadOffice
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

    money = _money(locale)

    lines = [f"{'Day':<10}  {'Store':<24} {'Sales':>5} {'Returns':>7} {'Net sales':>14} {'Tax':>12}"]
    lines += [f"{r.day.isoformat():<10}  {(r.store_code + ' ' + r.store_name)[:24]:<24} {r.sales:>5} {r.returns:>7} "
              f"{money(r.net_cents, r.currency):>14} {money(r.tax_cents, r.currency):>12}" for r in rows]
    text = "\n".join(lines) if rows else f"No sales at any store from {first} to {last}."
    return Output(data, text)


def cmd_report_low_stock(args: argparse.Namespace) -> Output:
    from pos_app.adapters.head_office import CentralHeadOffice
    from pos_app.services import head_office

    with signed_in(args) as cmd:
        rows = head_office.low_stock_by_store(central=CentralHeadOffice(args.url), actor=cmd.actor,
                                              uow=cmd.store.uow())
    data: dict[str, Any] = {"rows": [
        {"store": r.store_code, "store_name": r.store_name, "sku": r.sku, "title": r.title, "on_hand": r.on_hand,
         "in_transit": r.in_transit, "reorder_point": r.reorder_point} for r in rows]}
    lines = [f"{'Store':<18} {'SKU':<14} {'Title':<34} {'On hand':>7} {'In transit':>10} {'Reorder at':>10}"]
    lines += [f"{(r.store_code + ' ' + r.store_name)[:18]:<18} {r.sku[:14]:<14} {r.title[:34]:<34} "
              f"{r.on_hand:>7} {r.in_transit:>10} {r.reorder_point:>10}" for r in rows]
    text = "\n".join(lines) if rows else "No counted item is at or below its reorder point at any store."
    return Output(data, text)


def cmd_report_aging(args: argparse.Namespace) -> Output:
    from pos_app.adapters.head_office import CentralHeadOffice
    from pos_app.services import head_office

    now = dt.datetime.now(dt.UTC)
    with signed_in(args) as cmd:
        rows = head_office.aging_by_store(central=CentralHeadOffice(args.url), actor=cmd.actor, uow=cmd.store.uow(),
                                          now=now)
        locale = cmd.profile.locale
    data: dict[str, Any] = {"as_of": now.isoformat(timespec="seconds"), "edges_days": list(head_office.AGING_EDGES),
                            "rows": [{"store": r.store_code, "store_name": r.store_name, "bracket": r.bracket,
                                      "age": r.age, "units": r.units, "retail_cents": r.retail_cents,
                                      "currency": r.currency} for r in rows]}

    money = _money(locale)

    lines = [f"{'Store':<24} {'Age':<15} {'Units':>7} {'Retail value':>16}"]
    lines += [f"{(r.store_code + ' ' + r.store_name)[:24]:<24} {r.age:<15} {r.units:>7} "
              f"{money(r.retail_cents, r.currency):>16}" for r in rows]
    text = "\n".join(lines) if rows else "The group has no store yet."
    return Output(data, text)


def cmd_report_duplicate_certificates(args: argparse.Namespace) -> Output:
    from pos_app.adapters.head_office import CentralHeadOffice
    from pos_app.services import head_office

    with signed_in(args) as cmd:
        rows = head_office.duplicate_certificates(central=CentralHeadOffice(args.url), actor=cmd.actor,
                                                  uow=cmd.store.uow())
    data: dict[str, Any] = {"rows": [
        {"lab": r.lab, "report_number": r.report_number, "store": r.store_code, "store_name": r.store_name,
         "sku": r.sku, "title": r.title} for r in rows]}
    lines = [f"{'Lab':<6} {'Report number':<16} {'Store':<18} {'SKU':<14} Title"]
    lines += [f"{r.lab[:6]:<6} {r.report_number[:16]:<16} {(r.store_code + ' ' + r.store_name)[:18]:<18} "
              f"{(r.sku or '(no piece)')[:14]:<14} {r.title}" for r in rows]
    text = ("\n".join(lines) if rows
            else "No lab report number is recorded on more than one certificate in the group.")
    return Output(data, text)


def register(commands: Commands, central: Any) -> None:
    """`pos-app central report ...` (under the `central` group made by `cli/sync.py`)."""
    report = central.add_parser("report", help="head-office reports across the group's stores, read from central",
                                description="Reports across every store of the group, read from central with "
                                            "its administrator URL.")
    reports = report.add_subparsers(dest="central_report_command", metavar="REPORT", required=True)
    p = commands.command("sales", cmd_report_sales, "sales per store and day (each store's own day): count, net "
                         "sales, tax", reports)
    p.add_argument("--url", required=True, help="central's administrator URL, as for central init")
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD", help="first day")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD", help="last day")
    p = commands.command("low-stock", cmd_report_low_stock, "counted items at or below their reorder point at "
                         "each store: units on hand there, in transit to it, reorder point", reports)
    p.add_argument("--url", required=True, help="central's administrator URL, as for central init")
    p = commands.command("aging", cmd_report_aging, "stock on hand at each store by days since received (the "
                         "store's Aging brackets, on its own day): units and retail value", reports)
    p.add_argument("--url", required=True, help="central's administrator URL, as for central init")
    p = commands.command("duplicate-certificates", cmd_report_duplicate_certificates, "lab report numbers "
                         "recorded on more than one certificate anywhere in the group: each piece's store, SKU, "
                         "title", reports)
    p.add_argument("--url", required=True, help="central's administrator URL, as for central init")
