"""`pos-app certificates list | duplicates`: diamond grading reports (GIA, IGI, ...) on record."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pos_app.cli.core import Commands, Output, signed_in
from pos_app.cli.options import LIST_MAX, whole_number

if TYPE_CHECKING:
    from pos_app.services.ports.certificates import CertificateRow


def _certificate_json(r: CertificateRow) -> dict[str, Any]:
    from pos_app.domain.jewelry import points_text

    return {"lab": r.lab, "report_number": r.report_number,
            "report_date": r.report_date.isoformat() if r.report_date else None, "shape": r.shape,
            "carat": points_text(r.carat_points) if r.carat_points else None, "color": r.color,
            "clarity": r.clarity, "origin": r.origin, "item_sku": r.item_sku, "has_customer": r.has_customer,
            "has_scan": r.has_scan, "retain_until": r.retain_until.isoformat() if r.retain_until else None}


def _certificate_line(r: CertificateRow) -> str:
    from pos_app.domain.jewelry import points_text

    carat = f"{points_text(r.carat_points)} ct" if r.carat_points else ""
    return (f"{r.lab:<5} {r.report_number:<14} {carat:>8} {r.color or '':<4} {r.clarity or '':<5} "
            f"{r.item_sku or ('customer stone' if r.has_customer else '')}")


def cmd_certificates_list(args: argparse.Namespace) -> Output:
    from pos_app.services.certificates import list_certificates

    with signed_in(args) as cmd:
        rows = list_certificates(reader=cmd.store.certificates, actor=cmd.actor,
                                 search=args.search or "", limit=args.limit, uow=cmd.store.uow())
    return Output({"certificates": [_certificate_json(r) for r in rows]},
                  "\n".join(_certificate_line(r) for r in rows) or "No certificates match.")


def cmd_certificates_duplicates(args: argparse.Namespace) -> Output:
    from pos_app.services.certificates import duplicate_reports

    with signed_in(args) as cmd:
        groups = duplicate_reports(reader=cmd.store.certificates, actor=cmd.actor, uow=cmd.store.uow())
    data = {"duplicates": [{"lab": g.lab, "report_number": g.report_number,
                            "certificates": [_certificate_json(r) for r in g.certificates]} for g in groups]}
    text = "\n".join(f"{g.lab} {g.report_number}: on {len(g.certificates)} records ("
                     + ", ".join(r.item_sku or "customer stone" for r in g.certificates) + ")" for g in groups)
    return Output(data, text or "No report number is on more than one piece.")


def register(commands: Commands) -> None:
    command = commands.command
    certificates_sub = commands.group("certificates", help="diamond grading reports (GIA, IGI, ...)",
                                       description="Diamond certificates: lab grading reports.")
    p = command("list", cmd_certificates_list, "list certificates, or search them by report number or SKU",
                certificates_sub)
    p.add_argument("--search", metavar="TEXT", help="part of a report number, or an item's SKU")
    p.add_argument("--limit", type=whole_number(1, LIST_MAX), default=500,
                   help=f"at most this many (1 to {LIST_MAX:,}; default 500)")
    command("duplicates", cmd_certificates_duplicates,
            "report numbers recorded on more than one piece (a fraud signal)", certificates_sub)

