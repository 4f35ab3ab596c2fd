"""`pos-app appraisals list | print | from-sale | verify`: appraisals, their PDF and their verification code.

`print` renders and writes the PDF here, as the app's appraisal screens do; a document service is to own
that (issue 15, step 6), and this command will call it."""

from __future__ import annotations

import argparse
from pathlib import Path

from pos_app.cli.core import EXIT_CHECK_FAILED, EXIT_OK, Commands, Output, ask_secret, signed_in
from pos_app.cli.options import LIST_MAX, VERSION_MAX, whole_number


def cmd_appraisals_list(args: argparse.Namespace) -> Output:
    from pos_app.domain.money import Money, format_money
    from pos_app.services import appraisals

    with signed_in(args) as cmd:
        rows = appraisals.list_appraisals(reader=cmd.store.appraisals, actor=cmd.actor,
                                          search=args.search or "", drafts_only=args.drafts, limit=args.limit,
                                          uow=cmd.store.uow())
        locale = cmd.profile.locale
    data = {"appraisals": [
        {"number": r.number, "version": r.version, "status": r.status, "superseded": r.superseded,
         "purpose": r.purpose, "appraised_on": r.appraised_on.isoformat(),
         "value": None if r.value_cents is None else Money(r.value_cents, r.currency).plain(),
         "currency": r.currency, "item_sku": r.item_sku, "has_owner": r.has_owner, "appraiser": r.appraiser}
        for r in rows
    ]}
    text = "\n".join(
        f"{r.number} v{r.version:<2} {r.status + (' (superseded)' if r.superseded else ''):<18} "
        f"{r.appraised_on.isoformat()}  "
        f"{format_money(Money(r.value_cents, r.currency), locale) if r.value_cents is not None else '':>13}  "
        f"{r.item_sku or ('customer piece' if r.has_owner else '')}"
        for r in rows
    ) or "No appraisals match."
    return Output(data, text)


def cmd_appraisals_print(args: argparse.Namespace) -> Output:
    from pos_app.services import appraisals, paperwork

    pages = paperwork.AppraisalPages(appraisal=not args.card, certificate_pages=args.certificates, card=args.card)
    with signed_in(args) as cmd:
        appraisal_id = appraisals.find_version(args.number, uow=cmd.store.uow(), version=args.version)
        saved = paperwork.write_appraisals([appraisal_id], Path(args.pdf), uow=cmd.store.uow(),
                                           files=cmd.devices.files, actor=cmd.actor, pages=pages, field="--pdf")
    doc = saved.appraisals[0]
    what = "wallet card" if args.card else "appraisal"
    return Output({"number": doc.number, "version": doc.version, "status": doc.status, "pdf": str(Path(args.pdf)),
                   "card": args.card, "certificate_pages": bool(args.certificates and doc.certificates),
                   "verification_code": doc.verification_code},
                  f"Saved the {what} {doc.number} version {doc.version} ({doc.status}) to {args.pdf}.")


def cmd_appraisals_from_sale(args: argparse.Namespace) -> Output:
    from pos_app.domain.errors import NotFound, ValidationError
    from pos_app.domain.permissions import Permission
    from pos_app.domain.store import store_today
    from pos_app.services import appraisals, staff

    with signed_in(args) as cmd:
        actor = cmd.actor
        sales = cmd.store.sales
        sale_id = sales.sale_id_for_number(args.sale.strip().upper())
        if sale_id is None:
            raise NotFound(f"No sale has the number {args.sale!r}.")
        signer = None
        if args.appraiser:
            wanted = args.appraiser.strip().lower()
            found = [s for s in cmd.store.directory.staff_list() if s.name.lower() == wanted]
            if not found:
                raise ValidationError("--appraiser", f"no one on the staff list is named {args.appraiser!r}")
            if found[0].id != actor.staff_id:
                # Another person signs only with their own PIN, as at the counter: counted toward their lockout.
                secret = ask_secret(args.appraiser_secret_env, f"PIN of {found[0].name}: ",
                                    what=f"{found[0].name}'s PIN (--appraiser-secret-env)")
                signer = staff.approve(found[0].id, secret, Permission.FINALIZE_APPRAISALS,
                                       reader=cmd.store.directory, uow=cmd.store.uow(), hasher=cmd.devices.hasher(),
                                       terminal=cmd.store.terminal)
        records = appraisals.appraise_sale(sale_id, uow=cmd.store.uow(), sales=sales, actor=actor, approver=signer,
                                           today=store_today(cmd.profile.timezone))
    return Output({"sale": args.sale.upper(), "appraisals": [
        {"id": r.id, "number": r.number, "version": r.version, "status": r.status, "item_id": r.item_id,
         "value_cents": r.spec.value.cents if r.spec.value else None, "currency": r.currency,
         "verification_code": appraisals.verification_code(r)} for r in records]},
        "\n".join(f"{r.number}  version {r.version}  {r.status}" for r in records))


def cmd_appraisals_verify(args: argparse.Namespace) -> Output:
    from pos_app.services import appraisals

    with signed_in(args) as cmd:
        matches, message = appraisals.verify(args.number, args.hash, uow=cmd.store.uow(), actor=cmd.actor)
    return Output({"number": args.number.upper(), "matches": matches, "message": message}, message,
                  EXIT_OK if matches else EXIT_CHECK_FAILED)


def register(commands: Commands) -> None:
    command = commands.command
    appraisals_sub = commands.group("appraisals", help="print and check appraisals",
                                     description="Appraisals: the printed paperwork and its verification code.")
    p = command("list", cmd_appraisals_list, "list appraisals, newest first", appraisals_sub)
    p.add_argument("--search", metavar="TEXT",
                   help="an appraisal number, an item's SKU, the owner's name or a certificate number")
    p.add_argument("--drafts", action="store_true", help="only drafts waiting to be made final")
    p.add_argument("--limit", type=whole_number(1, LIST_MAX), default=500,
                   help=f"at most this many (1 to {LIST_MAX:,}; default 500)")
    p = command("print", cmd_appraisals_print, "save an appraisal as a PDF", appraisals_sub)
    p.add_argument("number", metavar="NUMBER", help="the appraisal number, e.g. AP-2026-0042")
    p.add_argument("--pdf", metavar="FILE", required=True, help="where to save the PDF")
    p.add_argument("--version", type=whole_number(1, VERSION_MAX), help="a version other than the latest")
    p.add_argument("--certificates", action="store_true",
                   help="add a certificate summary page for the lab reports its stones cite")
    p.add_argument("--card", action="store_true", help="the wallet-size appraisal card instead of the full appraisal")
    p = command("from-sale", cmd_appraisals_from_sale,
                "make the final appraisal of each necklace of a sale, signed by an appraiser (asking again gives "
                "the same ones)", appraisals_sub)
    p.add_argument("sale", metavar="SALE", help="the sale's number, as on its receipt (C1-000123)")
    p.add_argument("--appraiser", metavar="NAME",
                   help="who signs, when not the person signed in: an appraiser, who gives their PIN (asked, or "
                        "--appraiser-secret-env)")
    p.add_argument("--appraiser-secret-env", metavar="VAR", help="environment variable holding the appraiser's PIN")
    p = command("verify", cmd_appraisals_verify,
                "check a printed appraisal's verification code against the record (exit 1 if it does not match)",
                appraisals_sub)
    p.add_argument("number", metavar="NUMBER", help="the appraisal number")
    p.add_argument("hash", metavar="HASH", help="the 12-character code printed under the QR code")

