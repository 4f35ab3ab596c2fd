"""`pos-app items import | export | list | transfer | receive-transfer`: the inventory as CSV files, a quick
list (by store, in a sync group), and transfers between the stores of a group."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos_app.cli.core import EXIT_REFUSED, Commands, Output, signed_in
from pos_app.cli.options import LIST_MAX, whole_number

if TYPE_CHECKING:
    from pos_app.services.item_files import ImportReport


def cmd_items_import(args: argparse.Namespace) -> Output:
    from pos_app.services.item_files import ImportRejected, import_items

    rejects = Path(args.rejects) if args.rejects else None
    if args.skip_invalid and rejects is None:
        rejects = Path(args.file).with_suffix(".rejected.csv")
    with signed_in(args) as cmd:
        try:
            report = import_items(Path(args.file), uow=cmd.store.uow(), files=cmd.devices.files, actor=cmd.actor,
                                  skip_invalid=args.skip_invalid, rejects_path=rejects)
        except ImportRejected as exc:
            return Output(_import_json(exc.report, imported=False),
                          f"{exc}\n(--skip-invalid imports the valid rows and writes the others to a file.)",
                          EXIT_REFUSED, text_on_stderr=True)
    text = (f"Imported {args.file}: {report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.rejected} rejected.")
    if report.rejects_file:
        text += f"\nRejected rows, with their problems, are in {report.rejects_file}."
    for problem in report.problems[:20]:
        text += f"\n  {problem}"
    return Output(_import_json(report, imported=True), text)


def _import_json(report: ImportReport, *, imported: bool) -> dict[str, Any]:
    return {
        "imported": imported, "rows": report.rows, "created": report.created, "updated": report.updated,
        "unchanged": report.unchanged, "rejected": report.rejected,
        "rejects_file": str(report.rejects_file) if report.rejects_file else None,
        "problems": [{"row": p.row, "column": p.column, "problem": p.problem} for p in report.problems],
    }


def cmd_items_export(args: argparse.Namespace) -> Output:
    from pos_app.services.item_files import export_items

    with signed_in(args) as cmd:
        count = export_items(Path(args.file), reader=cmd.store.inventory, actor=cmd.actor,
                             uow=cmd.store.uow(), files=cmd.devices.files)
    return Output({"file": str(Path(args.file).resolve()), "items": count}, f"Exported {count} items to {args.file}.")


def cmd_items_list(args: argparse.Namespace) -> Output:
    from pos_app.domain.money import Money, format_money
    from pos_app.services import inventory
    from pos_app.services.ports.inventory import InventoryFilter

    with signed_in(args) as cmd:
        actor, reader = cmd.actor, cmd.store.inventory
        limit = args.limit or 10**9
        if args.search and not (args.store or args.status):
            rows = inventory.search(args.search, reader=reader, actor=actor, limit=limit, uow=cmd.store.uow())
        else:
            store = ""
            if args.store:
                store = inventory.store_filter(args.store, inventory.group_stores(uow=cmd.store.uow(), actor=actor))
            flt = InventoryFilter(text=args.search or "", store=store,
                                  statuses=(args.status,) if args.status else ())
            seqs = inventory.page_seqs(flt, "sku", False, 0, limit, reader=reader, actor=actor,
                                       uow=cmd.store.uow())
            rows = inventory.rows_for(seqs, reader=reader, actor=actor, uow=cmd.store.uow())
        locale = cmd.profile.locale
    data = {"items": [
        {"sku": r.sku, "barcode": r.barcode, "title": r.title, "style": r.style, "metal": r.metal,
         "price": Money(r.price_cents, r.currency).plain(), "currency": r.currency, "status": r.status,
         "location": r.location, "on_hand": r.on_hand, "in_transit": r.in_transit, "cert_number": r.cert_number,
         "store": r.store_code}
        for r in rows
    ]}
    text = "\n".join(
        (f"{r.store_code:<4} " if r.store_code else "")
        + f"{r.sku:<12} {r.title[:48]:<48} {format_money(Money(r.price_cents, r.currency), locale):>12} "
        f"{r.on_hand:>3} {r.status}" + (f" (+{r.in_transit} coming)" if r.in_transit else "")
        for r in rows
    ) or "No items match."
    return Output(data, text)


def _piece(cmd: Any, code: str) -> str:
    from pos_app.domain.errors import NotFound
    from pos_app.services import inventory

    row = inventory.lookup(code, reader=cmd.store.inventory, actor=cmd.actor, uow=cmd.store.uow())
    if row is None:
        raise NotFound(f"No item has the SKU or barcode {code!r}.")
    return str(row.id)


def cmd_items_transfer(args: argparse.Namespace) -> Output:
    from pos_app.services import transfers

    with signed_in(args) as cmd:
        done = transfers.transfer_out(_piece(cmd, args.sku), args.to, uow=cmd.store.uow(), actor=cmd.actor,
                                      quantity=args.quantity)
    what = f"{done.quantity} of {done.sku} are" if args.quantity != 1 else f"{done.sku} is"
    return Output(done.to_dict(), f"{what} in transit to {done.store_code} {done.store_name}: they leave this "
                                  "store's stock; the other store receives them (pos-app items receive-transfer) "
                                  "once it has synced.")


def cmd_items_receive_transfer(args: argparse.Namespace) -> Output:
    from pos_app.services import transfers

    with signed_in(args) as cmd:
        done = transfers.receive_transfer(_piece(cmd, args.sku), uow=cmd.store.uow(), actor=cmd.actor,
                                          quantity=args.quantity)
    origin = f" from {done.store_code}" if done.store_code else ""
    left = f"; {done.left_in_transit} still in transit" if done.left_in_transit else ""
    what = done.sku if args.quantity is None and done.quantity == 1 else f"{done.quantity} of {done.sku}"
    return Output(done.to_dict(), f"{what}{origin} received: available at this store{left}.")


def register(commands: Commands) -> None:
    """`pos-app items import | export | list | transfer | receive-transfer`."""
    from pos_app.domain.jewelry import ItemStatus

    command = commands.command
    items_sub = commands.group("items", help="import, export and list items", description="Items in the inventory.")
    p = command("import", cmd_items_import, "import items from a CSV file (all rows checked first)", items_sub)
    p.add_argument("file", help="CSV file with a header row of Facet's column names")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid rows and write the rejected ones to a file")
    p.add_argument("--rejects", metavar="FILE", help="where rejected rows go (default: FILE.rejected.csv)")
    p = command("export", cmd_items_export, "export every item to a CSV file", items_sub)
    p.add_argument("file", help="CSV file to write")
    p = command("list", cmd_items_list, "list items, or search them", items_sub)
    p.add_argument("--search", metavar="TEXT", help="SKU, barcode, title, description or certificate number")
    p.add_argument("--limit", type=whole_number(1, LIST_MAX, zero="all"), default=50,
                   help=f"at most this many (1 to {LIST_MAX:,}, or 0: all; default 50)")
    p.add_argument("--store", metavar="STORE",
                   help="in a sync group: here (this store's pieces), all, or a store's code (S2) or name")
    p.add_argument("--status", choices=[s.value for s in ItemStatus], help="only pieces with this status")
    p = command("transfer", cmd_items_transfer,
                "send a unique piece, or units of a counted item, to another store of the sync group (manager)",
                items_sub)
    p.add_argument("sku", metavar="SKU", help="the item's SKU or barcode")
    p.add_argument("--to", required=True, metavar="STORE", help="the receiving store's code (S2) or name")
    p.add_argument("--quantity", type=whole_number(1, 1_000_000), default=1, metavar="N",
                   help="units of a counted item to send (default 1; a unique piece is always 1)")
    p = command("receive-transfer", cmd_items_receive_transfer,
                "check in a piece, or units of a counted item, another store of the group sent here", items_sub)
    p.add_argument("sku", metavar="SKU", help="the item's SKU or barcode")
    p.add_argument("--quantity", type=whole_number(1, 1_000_000), metavar="N",
                   help="units of a counted item to check in (default: all in transit to this store)")

