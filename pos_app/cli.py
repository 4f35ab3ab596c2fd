"""`pos-app`: the desktop app with no arguments, a headless operation with one.

Every subcommand has --help and --json. Exit codes: 0 done; 1 a check found
a problem (`doctor`); 2 the request could not be done (bad input, no store,
wrong key: the message says which, and nothing was changed); 3 a bug.
Secrets are never taken as plain arguments (they would land in shell history
and `ps`): a prompt, or the name of an environment variable that holds them.

Every command that reads or changes the store acts for someone who signed in
(`_open`): the session of `pos-app login`, a sign-in for that command alone
(`--as NAME`, the secret asked or named by `--secret-env`), or a job token
(`--job NAME`); the services then apply that person's role, as in the app.
`init`, `doctor`, `login`, `logout`, `whoami` and `--help` need no one.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pos_app import __version__
from pos_app.cli_options import AUDIT_LIST_MAX, LIST_MAX, VERSION_MAX, whole_number

log = logging.getLogger("pos_app.cli")

EXIT_OK, EXIT_CHECK_FAILED, EXIT_REFUSED, EXIT_BUG = 0, 1, 2, 3


class Refused(Exception):
    """The CLI cannot do what was asked; the message says why."""


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        print(text)


def _secret(env_name: str | None, prompt: str, *, confirm: bool = False, what: str) -> str:
    if env_name:
        value = os.environ.get(env_name)
        if not value:
            raise Refused(f"{what}: the environment variable {env_name} is empty or not set.")
        return value
    if not sys.stdin.isatty():
        raise Refused(f"{what}: not in a terminal; name an environment variable that holds it.")
    import getpass

    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != value:
        raise Refused(f"{what}: the two entries differ.")
    return value


# ---------------------------------------------------------------- who is asking
# Every command that reads or changes the store opens it through `_open`, which finds out who
# is asking before anything else happens; `facet.cli_actor()` then hands that person (or job) to
# the services, whose `@requires` guards apply the permission matrix exactly as in the app.
# `init`, `doctor`, `login`, `logout`, `whoami` and `--help` need no one.

NOT_SIGNED_IN = ("No one is signed in on the command line. Run `pos-app login` first (the session lasts as long "
                 "as the app's idle lock), or sign in for this command alone with --as NAME and --secret-env VAR.")


def _open(args: argparse.Namespace) -> Any:
    """Open the store and sign in whoever asks (`_who`); the store is closed again if no one can."""
    from pos_app import app

    facet = app.open_facet(app.resolve_data_dir(args.data_dir))
    try:
        facet.actor = _who(args, facet)
    except BaseException:
        facet.close()
        raise
    return facet


def _who(args: argparse.Namespace, facet: Any) -> Any:
    """A job token (--job NAME), a sign-in for this command alone (--as, or asked in a terminal), or
    the session `pos-app login` keeps in the keyring; Refused when there is none."""
    from pos_app.adapters.secrets import cli_session_name, job_token_name
    from pos_app.services import command_line

    job = getattr(args, "job", None)
    if job:
        token = facet.keyring.get(job_token_name(facet.data_dir, job))
        if not token:
            raise Refused(f"--job: this account's keyring holds no job token called {job!r} for this store; the "
                          f"owner makes one with `pos-app jobs create {job} --for JOB`.")
        return command_line.job_actor(token, uow=facet.uow(), terminal=facet.terminal)
    if getattr(args, "as_name", None) or getattr(args, "secret_env", None):
        return _sign_in(args, facet)
    token = facet.keyring.get(cli_session_name(facet.data_dir))
    if token:
        return command_line.session_actor(token, uow=facet.uow(), terminal=facet.terminal)
    if sys.stdin.isatty():
        return _sign_in(args, facet)
    raise Refused(NOT_SIGNED_IN)


def _sign_in(args: argparse.Namespace, facet: Any) -> Any:
    """Sign a person in through the same service as a counter (lockout, two-step code, audit):
    the name from --as or asked, the PIN or password and any code asked or read from the
    environment variables named by --secret-env and --code-env."""
    from pos_app.domain.permissions import TWO_STEP_SETTING, two_step_required, two_step_roles
    from pos_app.services import command_line
    from pos_app.services import staff as staff_service

    name = getattr(args, "as_name", None)
    if not name:
        if not sys.stdin.isatty():
            raise Refused(f"--as: name who signs in. {NOT_SIGNED_IN}")
        name = input("Your name: ")
    wanted = name.strip().lower()
    found = [s for s in facet.directory().staff_list() if s.name.lower() == wanted]
    if not found:
        raise Refused(f"--as: no one on the staff list is called {name!r}.")
    person = found[0]
    if not person.two_step_enrolled and two_step_required(person.role, two_step_roles(
            facet.directory().setting(TWO_STEP_SETTING, None))):
        raise Refused(f"{person.name} must set up two-step sign-in before using the command line: sign in once in "
                      "the Facet app, which sets it up.")
    what = "password" if person.role.signs_in_with_password else "PIN"
    secret = _secret(getattr(args, "secret_env", None), f"{what.capitalize()} for {person.name}: ",
                     what=f"{person.name}'s {what} (--secret-env)")
    hasher = facet.hasher()
    check = staff_service.check_sign_in(person.id, secret, uow=facet.uow(), hasher=hasher, terminal=facet.terminal,
                                        via=command_line.VIA)
    code = new_secret = ""
    if check.outcome == "ok" and check.new_secret:  # the secret was temporary (a hire, a reset): choose one
        new_secret = _secret(getattr(args, "new_secret_env", None),
                             f"{person.name}, that {what} was temporary; choose a new {what}: ", confirm=True,
                             what=f"{person.name}'s new {what} (--new-secret-env)")
        staff_service.check_new_secret(check, secret, new_secret, new_secret)
    if check.outcome == "ok" and check.second_step == "code":
        code = _secret(getattr(args, "code_env", None), "Two-step code (or a recovery code): ",
                       what="two-step code (--code-env)")
    actor = staff_service.record_sign_in(check, secret, uow=facet.uow(), hasher=hasher, code=code,
                                         new_secret=new_secret)
    if check.second_step == "enrol":  # their two-step sign-in was reset while they typed
        raise Refused(f"{person.name} must set up two-step sign-in again: sign in once in the Facet app.")
    return actor


# ---------------------------------------------------------------- commands


def cmd_init(args: argparse.Namespace) -> int:
    from pos_app import app

    data_dir = app.resolve_data_dir(args.data_dir)
    if app.store_exists(data_dir):
        raise Refused(f"A store already exists in {data_dir}; it was left untouched.")
    if args.demo:
        facet = app.create_demo_facet(data_dir)
    else:
        from pos_app.services.setup import OwnerAccount, parse_store_profile

        profile = parse_store_profile({
            "name": args.name or "", "address": args.address or "", "phone": args.phone or "",
            "email": args.email or "", "timezone": args.timezone or "", "currency": args.currency,
            "locale": args.locale, "tax_rate": args.tax_rate, "receipt_footer": args.receipt_footer or "",
            "privacy_contact": args.privacy_contact or "",
        })
        if not args.owner_name:
            raise Refused("--owner-name is required (the owner's name as it appears on the sign-in screen).")
        password = _secret(args.owner_password_env, "Owner password: ", confirm=True, what="owner password")
        pin = _secret(args.owner_pin_env, "Owner PIN (4-8 digits): ", confirm=True, what="owner PIN")
        facet = app.create_facet(data_dir, profile, OwnerAccount(args.owner_name, password, pin))
    counts = facet.directory().counts()
    warning = facet.keyring.status.warning
    facet.close()
    data = {"data_dir": str(data_dir), "demo": bool(args.demo), "items": counts.items,
            "customers": counts.customers, "sales": counts.sales, "staff": counts.staff,
            "keyring_warning": warning}
    text = f"Created the {'demo ' if args.demo else ''}store in {data_dir}: {counts.items} items, " \
           f"{counts.customers} customers, {counts.sales} sales, {counts.staff} staff."
    if warning:
        text += f"\nWarning: {warning}"
    _emit(args, data, text)
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from pos_app import app
    from pos_app.doctor import examine

    report = examine(app.resolve_data_dir(args.data_dir))
    lines = [f"Facet {report['version']} - data folder {report['data_dir']}"]
    lines.append(f"  keyring: {report['keyring']['backend']} ({'secure' if report['keyring']['secure'] else 'WEAK'})")
    for key in ("key_present", "opens", "integrity", "schema", "counts", "audit_chain"):
        if key in report:
            lines.append(f"  {key.replace('_', ' ')}: {report[key]}")
    lines += [f"  warning: {w}" for w in report["warnings"]]
    lines += [f"  PROBLEM: {p}" for p in report["problems"]]
    lines.append("healthy" if report["ok"] else "NOT healthy")
    _emit(args, report, "\n".join(lines))
    return EXIT_OK if report["ok"] else EXIT_CHECK_FAILED


def cmd_items_import(args: argparse.Namespace) -> int:
    from pos_app.services.item_files import ImportRejected, import_items

    facet = _open(args)
    rejects = Path(args.rejects) if args.rejects else None
    if args.skip_invalid and rejects is None:
        rejects = Path(args.file).with_suffix(".rejected.csv")
    try:
        report = import_items(Path(args.file), uow=facet.uow(), actor=facet.cli_actor(),
                              skip_invalid=args.skip_invalid, rejects_path=rejects)
    except ImportRejected as exc:
        if args.json:
            print(json.dumps(_import_json(exc.report, imported=False), indent=2))
        else:
            print(f"{exc}\n(--skip-invalid imports the valid rows and writes the others to a file.)",
                  file=sys.stderr)
        return EXIT_REFUSED
    finally:
        facet.close()
    text = (f"Imported {args.file}: {report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.rejected} rejected.")
    if report.rejects_file:
        text += f"\nRejected rows, with their problems, are in {report.rejects_file}."
    for problem in report.problems[:20]:
        text += f"\n  {problem}"
    _emit(args, _import_json(report, imported=True), text)
    return EXIT_OK


def _import_json(report: Any, *, imported: bool) -> dict[str, Any]:
    return {
        "imported": imported, "rows": report.rows, "created": report.created, "updated": report.updated,
        "unchanged": report.unchanged, "rejected": report.rejected,
        "rejects_file": str(report.rejects_file) if report.rejects_file else None,
        "problems": [{"row": p.row, "column": p.column, "problem": p.problem} for p in report.problems],
    }


def cmd_items_export(args: argparse.Namespace) -> int:
    from pos_app.services.item_files import export_items

    facet = _open(args)
    try:
        count = export_items(Path(args.file), reader=facet.inventory_reader(), actor=facet.cli_actor(),
                             uow=facet.uow())
    finally:
        facet.close()
    _emit(args, {"file": str(Path(args.file).resolve()), "items": count}, f"Exported {count} items to {args.file}.")
    return EXIT_OK


def cmd_items_list(args: argparse.Namespace) -> int:
    from pos_app.domain.money import Money, format_money
    from pos_app.services import inventory
    from pos_app.services.ports.inventory import InventoryFilter

    facet = _open(args)
    try:
        actor, reader = facet.cli_actor(), facet.inventory_reader()
        limit = args.limit or 10**9
        if args.search:
            rows = inventory.search(args.search, reader=reader, actor=actor, limit=limit, uow=facet.uow())
        else:
            seqs = inventory.page_seqs(InventoryFilter(), "sku", False, 0, limit, reader=reader, actor=actor,
                                       uow=facet.uow())
            rows = inventory.rows_for(seqs, reader=reader, actor=actor, uow=facet.uow())
        locale = facet.profile.locale
    finally:
        facet.close()
    data = {"items": [
        {"sku": r.sku, "barcode": r.barcode, "title": r.title, "style": r.style, "metal": r.metal,
         "price": Money(r.price_cents, r.currency).plain(), "currency": r.currency, "status": r.status,
         "location": r.location, "on_hand": r.on_hand, "cert_number": r.cert_number}
        for r in rows
    ]}
    text = "\n".join(
        f"{r.sku:<12} {r.title[:48]:<48} {format_money(Money(r.price_cents, r.currency), locale):>12} "
        f"{r.on_hand:>3} {r.status}"
        for r in rows
    ) or "No items match."
    _emit(args, data, text)
    return EXIT_OK


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str | None:
    if not (args.passphrase_env or args.ask_passphrase):
        return None
    return _secret(args.passphrase_env, "Backup passphrase: ", confirm=confirm, what="backup passphrase")


def cmd_backup(args: argparse.Namespace) -> int:
    from pos_app.services.backup import back_up

    facet = _open(args)
    try:
        passphrase = _passphrase(args, confirm=True)
        dest = back_up(Path(args.file), passphrase=passphrase, store=facet.db, uow=facet.uow(),
                       actor=facet.cli_actor())
    finally:
        facet.close()
    _emit(args, {"file": str(dest), "portable": passphrase is not None, "bytes": dest.stat().st_size},
          f"Backed up the store to {dest}" + (" (encrypted with your passphrase)." if passphrase else
                                               " (encrypted with this store's key)."))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup: first the list of what it would undo, then a typed confirmation (a person types
    RESTORE; a script passes --yes with --expect-undo N, the sales it undoes); --dry-run only lists."""
    from pos_app import app
    from pos_app.domain import restore as rules
    from pos_app.domain.store import store_time
    from pos_app.services.backup import check_may_restore, record_restore
    from pos_app.services.erasure import reapply_erasures

    data_dir = app.resolve_data_dir(args.data_dir)
    passphrase = _passphrase(args, confirm=False)
    actor = _restorer(args, data_dir)
    if actor is not None:
        check_may_restore(actor)
    preview = app.preview_restore(data_dir, Path(args.file), passphrase=passphrase)
    undo = preview.undo
    head = (f"Restoring {preview.backup} over the store in {data_dir}"
            + (" would undo what was recorded after the backup"
               + (f" (its trail ends at event {undo.backup_head.seq}, "
                  f"{store_time(undo.backup_head.at, undo.timezone):%Y-%m-%d %H:%M %Z})"
                  if undo.backup_head and undo.backup_head.at else "") + ":"
               if preview.store_exists else ": there is no store there yet, so nothing is undone."))
    listing = [head, *(f"  {line}" for line in (undo.describe() if preview.store_exists else []))]
    if preview.store_exists:
        listing.append("The store as it is now is kept in backups/ first.")
    if args.dry_run:
        _emit(args, {"backup": str(preview.backup), "schema": preview.revision, "store_exists": preview.store_exists,
                     "would_undo": undo.as_dict(), "dry_run": True}, "\n".join(listing))
        return EXIT_OK
    if preview.store_exists:
        if args.yes:
            rules.check_expected(undo, args.expect_undo)
        elif sys.stdin.isatty():
            print("\n".join(listing))
            rules.check_typed(input(f"Type {rules.CONFIRM_WORD} to replace the store: "))
        else:
            raise Refused("Not in a terminal: to restore from a script, pass --yes with --expect-undo N (the number "
                          "of sales it undoes; see --dry-run). Nothing was changed.")
    outcome = app.restore_store(data_dir, Path(args.file), passphrase=passphrase, confirmed=undo)
    facet = app.open_facet(data_dir)
    facet.actor = actor or app.setup_actor(facet.terminal)
    try:
        record_restore(Path(args.file), outcome.kept, outcome.undo if preview.store_exists else None,
                       moved_aside=outcome.moved_aside, uow=facet.uow(), actor=facet.cli_actor())
        again = reapply_erasures(uow=facet.uow(), actor=facet.cli_actor(), log=facet.erasure_log(), store=facet.db)
    finally:
        facet.close()
    safety = outcome.kept or outcome.moved_aside
    data = {"restored_from": str(Path(args.file).resolve()), "previous_store_kept_at": str(safety) if safety else None,
            "erasures_reapplied": len(again.erased), "undone": outcome.undo.as_dict()}
    undone = (f" It undid {len(outcome.undo.sales)} sale(s) made after the backup."
              if outcome.undo.readable else " What it undid could not be listed (the store could not be read).")
    _emit(args, data,
          f"Restored the store from {args.file}." + (undone if preview.store_exists else "")
          + (f" The previous store is kept at {safety}." if safety else "")
          + (f" {len(again.erased)} customer(s) erased since that backup were erased again." if again.erased else ""))
    return EXIT_OK


def _restorer(args: argparse.Namespace, data_dir: Path) -> Any:
    """Who restores: someone signed in to the store being replaced; None for a folder with no store yet
    (a new computer: a set-up, like `init`, where the backup's passphrase is what it takes), and for a
    store that cannot be read (no one can sign in to it: the key or the passphrase is what it takes, the
    unreadable files are kept in backups/, and the restore is flagged for the owner)."""
    from pos_app import app
    from pos_app.persistence.sqlcipher import StoreProblem

    if not app.store_exists(data_dir):
        return None
    try:
        facet = _open(args)
    except StoreProblem:
        return None
    try:
        return facet.cli_actor()
    finally:
        facet.close()


def cmd_rekey(args: argparse.Namespace) -> int:
    from pos_app import app

    data_dir = app.resolve_data_dir(args.data_dir)
    if not args.yes and sys.stdin.isatty():
        answer = input(f"Re-encrypt the store in {data_dir} with a new key? Close Facet on every counter first; "
                       "a backup is taken before. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise Refused("Key change cancelled; nothing was changed.")
    facet = _open(args)
    try:
        backup = app.rekey_store(facet)
        backend = facet.keyring.status.backend
    finally:
        facet.close()
    _emit(args, {"rekeyed": True, "backup": str(backup), "keyring": backend},
          f"The store is now encrypted with a new key, kept in the keyring ({backend}). A backup from before "
          f"the change is at {backup}; the old key stays in the keyring so that backup and older ones can "
          "still be restored.")
    return EXIT_OK


def cmd_settings_list(args: argparse.Namespace) -> int:
    from pos_app.services.settings import SETTINGS, current_settings

    facet = _open(args)
    try:
        values = current_settings(reader=facet.directory(), actor=facet.cli_actor(), uow=facet.uow())
    finally:
        facet.close()
    if values.get("receipt.logo"):
        values["receipt.logo"] = f"(a PNG image, {len(values['receipt.logo']) * 3 // 4:,} bytes)"
    text = "\n".join(f"{key} = {json.dumps(value)}\n    {SETTINGS[key].meaning}" for key, value in values.items())
    _emit(args, {"settings": values}, text)
    return EXIT_OK


def cmd_settings_set(args: argparse.Namespace) -> int:
    from pos_app.services.settings import PRINTER_KEYS, change_printer_settings, change_setting

    facet = _open(args)
    try:
        actor = facet.cli_actor()
        if args.key in PRINTER_KEYS:  # a manager may change these: the printer's own guard decides
            value = change_printer_settings({args.key: args.value}, uow=facet.uow(), actor=actor)[args.key]
        else:
            value = change_setting(args.key, args.value, uow=facet.uow(), actor=actor)
    finally:
        facet.close()
    _emit(args, {"key": args.key, "value": value}, f"{args.key} = {json.dumps(value)}")
    return EXIT_OK


def _profile_json(profile: Any) -> dict[str, str]:
    from pos_app.services.store_profile import as_texts

    return as_texts(profile)


def _profile_text(values: dict[str, str]) -> str:
    from pos_app.domain.store import PROFILE_FIELDS as FIELDS

    return "\n".join(f"{name} = {json.dumps(values[name])}\n    {meaning}" for name, meaning in FIELDS.items())


def cmd_store_show(args: argparse.Namespace) -> int:
    from pos_app.services.store_profile import store_profile

    facet = _open(args)
    try:
        profile = store_profile(reader=facet.directory(), actor=facet.cli_actor(), uow=facet.uow())
    finally:
        facet.close()
    values = _profile_json(profile)
    _emit(args, {"store": values}, _profile_text(values))
    return EXIT_OK


def cmd_store_set(args: argparse.Namespace) -> int:
    from pos_app.services.store_profile import change_store_profile

    # A shell argument holds no line break easily: "\n" in the address stands for one, as in `init`'s help.
    value = args.value.replace("\\n", "\n") if args.field == "address" else args.value
    facet = _open(args)
    try:
        profile = change_store_profile({args.field: value}, uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    values = _profile_json(profile)
    shown = values.get(args.field, "")
    _emit(args, {"field": args.field, "value": shown, "store": values}, f"{args.field} = {json.dumps(shown)}")
    return EXIT_OK


def cmd_sales_list(args: argparse.Namespace) -> int:
    from pos_app.domain.money import Money, format_money
    from pos_app.services.sales import list_sales, parse_day

    since = parse_day(args.since, field="--since") if args.since else None
    until = parse_day(args.until, field="--until") if args.until else None
    facet = _open(args)
    try:
        profile = facet.profile
        rows = list_sales(since=since, until=until, timezone=profile.timezone, limit=args.limit,
                          sales=facet.sales_reader(), actor=facet.cli_actor(), uow=facet.uow())
    finally:
        facet.close()
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
    _emit(args, data, text)
    return EXIT_OK


def cmd_sales_large_cash(args: argparse.Namespace) -> int:
    from pos_app.domain.money import Money, format_money
    from pos_app.domain.store import store_time
    from pos_app.services.sales import large_cash_payments

    facet = _open(args)
    try:
        rows = large_cash_payments(sales=facet.sales_reader(), actor=facet.cli_actor(), uow=facet.uow())
        locale, zone = facet.profile.locale, facet.profile.timezone
    finally:
        facet.close()
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
    _emit(args, data, text)
    return EXIT_OK


def cmd_receipt(args: argparse.Namespace) -> int:
    from pos_app.services import receipts

    if bool(args.printer) == bool(args.pdf):
        raise Refused("name one destination: --printer URI or --pdf FILE")
    facet = _open(args)
    try:
        actor, sales, directory = facet.cli_actor(), facet.sales_reader(), facet.directory()
        sale_id = receipts.find_sale_id(args.number, sales=sales)
        if args.pdf:
            data = receipts.receipt_pdf(sale_id, sales=sales, directory=directory, actor=actor, gift=args.gift,
                                        reprint=True, uow=facet.uow())
            Path(args.pdf).write_bytes(data)
            result = {"number": args.number.upper(), "pdf": str(Path(args.pdf).resolve()), "bytes": len(data)}
            text = f"Saved the receipt of {args.number.upper()} to {args.pdf}."
        else:
            printer = facet.printer_for(args.printer)
            outcome = receipts.print_receipt(sale_id, printer=printer, sales=sales, directory=directory,
                                             uow=facet.uow(), actor=actor, gift=args.gift, reprint=True)
            if not outcome.printed:
                raise Refused(outcome.message)
            result = {"number": args.number.upper(), "printer": args.printer, "printed": True}
            text = outcome.message
    finally:
        facet.close()
    _emit(args, result, text)
    return EXIT_OK


def cmd_payments_set_key(args: argparse.Namespace) -> int:
    from pos_app.domain.payments import check_stripe_key
    from pos_app.services.payment_setup import set_stripe_key

    key = check_stripe_key(_secret(args.key_env, "Stripe secret key: ", what="Stripe key"))
    facet = _open(args)
    try:
        test_mode = set_stripe_key(key, keys=facet.keyring, uow=facet.uow(), actor=facet.cli_actor())
        status = facet.keyring.status
    finally:
        facet.close()
    mode = "TEST mode" if test_mode else "LIVE mode"
    _emit(args, {"stored": True, "test_mode": test_mode, "keyring": status.backend},
          f"Stored the Stripe key ({mode}) in the keyring ({status.backend})."
          + (f"\nWarning: {status.warning}" if status.warning else ""))
    return EXIT_OK


def cmd_payments_register_reader(args: argparse.Namespace) -> int:
    from pos_app.services.payment_setup import register_reader

    facet = _open(args)
    try:
        reader = register_reader(args.code, registry=facet.reader_registry(), terminal=facet.terminal,
                                 location=args.location, uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    _emit(args, {"reader_id": reader.reader_id, "label": reader.label, "device_type": reader.device_type},
          f"Registered {reader.reader_id} ({reader.device_type or 'reader'}, \"{reader.label}\"): it is this "
          "counter's card reader now.")
    return EXIT_OK


def cmd_payments_status(args: argparse.Namespace) -> int:
    from pos_app.adapters.secrets import STRIPE_KEY_NAME

    facet = _open(args)
    try:
        key = facet.keyring.get(STRIPE_KEY_NAME)
        directory = facet.directory()
        reader = str(directory.setting("payments.reader_id", "") or "")
        api_base = str(directory.setting("payments.api_base", "") or "")
    finally:
        facet.close()
    data = {"key_stored": bool(key), "test_mode": bool(key and "_test_" in key), "reader_id": reader or None,
            "api_base": api_base or "https://api.stripe.com", "ready": bool(key and reader)}
    lines = [
        "Stripe key: " + ("stored in the keyring" + (" (TEST mode)" if data["test_mode"] else " (LIVE)")
                          if key else "not set (pos-app payments set-key)"),
        f"Reader: {reader or 'not set (pos-app payments register-reader CODE)'}",
        f"Stripe API: {data['api_base']}",
    ]
    _emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_payments_refunds(args: argparse.Namespace) -> int:
    """Card refunds not done: pending at Stripe, or failed and not yet paid back another way."""
    from pos_app.services import card_refunds

    facet = _open(args)
    try:
        actor = facet.cli_actor()
        note = ""
        if args.paid_in_cash:
            waiting = card_refunds.refunds_needing_attention(uow=facet.uow(), actor=actor)
            row = next((r for r in waiting if r.refund_id == args.paid_in_cash), None)
            if row is None:
                raise Refused(f"No card refund {args.paid_in_cash} is waiting to be paid back.")
            done = card_refunds.refund_failed_in_cash(row.id, uow=facet.uow(), actor=actor)
            note = f"Recorded: refund {done.refund_id} {done.handled_how}.\n"
        if args.check:
            checked = card_refunds.check_refunds(uow=facet.uow(), actor=actor, terminal=facet.card_terminal())
            rows, unreachable = list(checked.attention), checked.unreachable
            note += "".join(f"Stripe settled refund {r.refund_id}: {r.status}.\n" for r in checked.settled)
        else:
            rows, unreachable = card_refunds.refunds_needing_attention(uow=facet.uow(), actor=actor), None
    finally:
        facet.close()
    data = {"refunds": [{"refund_id": r.refund_id, "status": r.status, "failure_reason": r.failure_reason,
                         "amount_cents": r.amount_cents, "currency": r.currency, "card_brand": r.card_brand,
                         "card_last4": r.card_last4, "reason": r.reason, "sale_number": r.sale_number,
                         "created_at": r.created_at.isoformat()} for r in rows],
            "unreachable": unreachable}
    lines = [card_refunds.attention_message(r) for r in rows] or ["No card refund is pending or failed."]
    _emit(args, data, note + "\n".join(lines + ([unreachable] if unreachable else [])))
    return EXIT_OK


def _certificate_json(r: Any) -> dict[str, Any]:
    from pos_app.domain.jewelry import points_text

    return {"lab": r.lab, "report_number": r.report_number,
            "report_date": r.report_date.isoformat() if r.report_date else None, "shape": r.shape,
            "carat": points_text(r.carat_points) if r.carat_points else None, "color": r.color,
            "clarity": r.clarity, "origin": r.origin, "item_sku": r.item_sku, "has_customer": r.has_customer,
            "has_scan": r.has_scan, "retain_until": r.retain_until.isoformat() if r.retain_until else None}


def _certificate_line(r: Any) -> str:
    from pos_app.domain.jewelry import points_text

    carat = f"{points_text(r.carat_points)} ct" if r.carat_points else ""
    return (f"{r.lab:<5} {r.report_number:<14} {carat:>8} {r.color or '':<4} {r.clarity or '':<5} "
            f"{r.item_sku or ('customer stone' if r.has_customer else '')}")


def cmd_certificates_list(args: argparse.Namespace) -> int:
    from pos_app.services.certificates import list_certificates

    facet = _open(args)
    try:
        rows = list_certificates(reader=facet.certificate_reader(), actor=facet.cli_actor(),
                                 search=args.search or "", limit=args.limit, uow=facet.uow())
    finally:
        facet.close()
    _emit(args, {"certificates": [_certificate_json(r) for r in rows]},
          "\n".join(_certificate_line(r) for r in rows) or "No certificates match.")
    return EXIT_OK


def cmd_certificates_duplicates(args: argparse.Namespace) -> int:
    from pos_app.services.certificates import duplicate_reports

    facet = _open(args)
    try:
        groups = duplicate_reports(reader=facet.certificate_reader(), actor=facet.cli_actor(), uow=facet.uow())
    finally:
        facet.close()
    data = {"duplicates": [{"lab": g.lab, "report_number": g.report_number,
                            "certificates": [_certificate_json(r) for r in g.certificates]} for g in groups]}
    text = "\n".join(f"{g.lab} {g.report_number}: on {len(g.certificates)} records ("
                     + ", ".join(r.item_sku or "customer stone" for r in g.certificates) + ")" for g in groups)
    _emit(args, data, text or "No report number is on more than one piece.")
    return EXIT_OK


def cmd_appraisals_list(args: argparse.Namespace) -> int:
    from pos_app.domain.money import Money, format_money
    from pos_app.services import appraisals

    facet = _open(args)
    try:
        rows = appraisals.list_appraisals(reader=facet.appraisal_reader(), actor=facet.cli_actor(),
                                          search=args.search or "", drafts_only=args.drafts, limit=args.limit,
                                          uow=facet.uow())
        locale = facet.profile.locale
    finally:
        facet.close()
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
    _emit(args, data, text)
    return EXIT_OK


def cmd_appraisals_print(args: argparse.Namespace) -> int:
    from pos_app.documents.appraisal_pdf import render_appraisal_card_pdf, render_appraisal_pdf
    from pos_app.services import appraisals

    facet = _open(args)
    try:
        actor = facet.cli_actor()
        appraisal_id = appraisals.find_version(args.number, uow=facet.uow(), version=args.version)
        doc = appraisals.document(appraisal_id, uow=facet.uow(), actor=actor)
    finally:
        facet.close()
    if args.card:
        data = render_appraisal_card_pdf(doc)
    else:
        data = render_appraisal_pdf(doc, certificate_pages=args.certificates)
    from pos_app.adapters.files import write_atomically

    write_atomically(Path(args.pdf), data, field="--pdf")
    what = "wallet card" if args.card else "appraisal"
    _emit(args, {"number": doc.number, "version": doc.version, "status": doc.status, "pdf": str(Path(args.pdf)),
                 "card": args.card, "certificate_pages": bool(args.certificates and doc.certificates),
                 "verification_code": doc.qr_payload},
          f"Saved the {what} {doc.number} version {doc.version} ({doc.status}) to {args.pdf}.")
    return EXIT_OK


def cmd_appraisals_from_sale(args: argparse.Namespace) -> int:
    from pos_app.domain.errors import NotFound, ValidationError
    from pos_app.domain.permissions import Permission
    from pos_app.domain.store import store_today
    from pos_app.services import appraisals, staff

    facet = _open(args)
    try:
        actor = facet.cli_actor()
        sales = facet.sales_reader()
        sale_id = sales.sale_id_for_number(args.sale.strip().upper())
        if sale_id is None:
            raise NotFound(f"No sale has the number {args.sale!r}.")
        signer = None
        if args.appraiser:
            wanted = args.appraiser.strip().lower()
            found = [s for s in facet.directory().staff_list() if s.name.lower() == wanted]
            if not found:
                raise ValidationError("--appraiser", f"no one on the staff list is named {args.appraiser!r}")
            if found[0].id != actor.staff_id:
                # Another person signs only with their own PIN, as at the counter: counted toward their lockout.
                secret = _secret(args.appraiser_secret_env, f"PIN of {found[0].name}: ",
                                 what=f"{found[0].name}'s PIN (--appraiser-secret-env)")
                signer = staff.approve(found[0].id, secret, Permission.FINALIZE_APPRAISALS,
                                       reader=facet.directory(), uow=facet.uow(), hasher=facet.hasher(),
                                       terminal=facet.terminal)
        records = appraisals.appraise_sale(sale_id, uow=facet.uow(), sales=sales, actor=actor, approver=signer,
                                           today=store_today(facet.profile.timezone))
    finally:
        facet.close()
    _emit(args, {"sale": args.sale.upper(), "appraisals": [
        {"id": r.id, "number": r.number, "version": r.version, "status": r.status, "item_id": r.item_id,
         "value_cents": r.spec.value.cents if r.spec.value else None, "currency": r.currency,
         "verification_code": appraisals.verification_code(r)} for r in records]},
        "\n".join(f"{r.number}  version {r.version}  {r.status}" for r in records))
    return EXIT_OK


def cmd_appraisals_verify(args: argparse.Namespace) -> int:
    from pos_app.services import appraisals

    facet = _open(args)
    try:
        matches, message = appraisals.verify(args.number, args.hash, uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    _emit(args, {"number": args.number.upper(), "matches": matches, "message": message}, message)
    return EXIT_OK if matches else EXIT_CHECK_FAILED


# ---------------------------------------------------------------- customers and privacy requests
# Customers' names, emails and phones are printed to the console only, never logged.


def cmd_customers_list(args: argparse.Namespace) -> int:
    from pos_app.services.customers import list_customers

    facet = _open(args)
    try:
        rows = list_customers(reader=facet.sales_reader(), actor=facet.cli_actor(), search=args.search or "",
                              limit=args.limit, uow=facet.uow())
    finally:
        facet.close()
    _emit(args, {"customers": [{"id": r.id, "name": r.name, "email": r.email, "phone": r.phone,
                                "restricted": r.restricted} for r in rows]},
          "\n".join(f"{r.id}  {r.name:<28} {r.email or '':<32} {r.phone or ''}"
                    f"{'  (restricted)' if r.restricted else ''}" for r in rows) or "No customers match.")
    return EXIT_OK


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


def cmd_customers_consent(args: argparse.Namespace) -> int:
    from pos_app.domain.store import store_today
    from pos_app.services.customers import change_consent

    facet = _open(args)
    try:
        event_id = change_consent(args.customer_id, args.purpose, args.answer == "yes", channel=args.channel,
                                  uow=facet.uow(), actor=facet.cli_actor(),
                                  today=store_today(facet.profile.timezone))
    finally:
        facet.close()
    _emit(args, {"customer_id": args.customer_id, "purpose": args.purpose, "granted": args.answer == "yes",
                 "consent_event_id": event_id},
          f"Recorded: {'yes' if args.answer == 'yes' else 'no'} to {args.purpose} (consent event {event_id}).")
    return EXIT_OK


def cmd_customers_flags(args: argparse.Namespace) -> int:
    from pos_app.services.customers import set_privacy_flags

    facet = _open(args)
    try:
        flags = set_privacy_flags(args.customer_id, uow=facet.uow(), actor=facet.cli_actor(),
                                  do_not_sell=_on_off(args.do_not_sell, "--do-not-sell"),
                                  restricted=_on_off(args.restricted, "--restricted"),
                                  marketing_objection=_on_off(args.objection, "--objection"))
    finally:
        facet.close()
    data = {"customer_id": args.customer_id, "do_not_sell": flags.do_not_sell, "restricted": flags.restricted,
            "marketing_objection": flags.marketing_objection}
    _emit(args, data, "  ".join(f"{k}: {'on' if v else 'off'}" for k, v in data.items() if k != "customer_id"))
    return EXIT_OK


def cmd_customers_marketing_export(args: argparse.Namespace) -> int:
    from pos_app.services.customers import export_marketing_list

    facet = _open(args)
    try:
        count = export_marketing_list(Path(args.out), purpose=args.purpose, reader=facet.customer_reader(),
                                      uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    _emit(args, {"out": str(Path(args.out)), "customers": count, "purpose": args.purpose},
          f"Wrote {count} customer(s) to {args.out}.")
    return EXIT_OK


def _cli_moment(text: str, option: str, zone: str) -> Any:
    """A time on the command line: YYYY-MM-DD (midnight, store time) or an ISO time; store time unless it
    names its own zone."""
    from zoneinfo import ZoneInfo

    from pos_app.domain.store import typed_moment

    moment = typed_moment(text, field=option)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


def cmd_privacy_access_log(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from pos_app.services import privacy

    facet = _open(args)
    try:
        zone = ZoneInfo(facet.profile.timezone)
        rows = privacy.access_log(args.customer_id, reader=facet.privacy_reader(), actor=facet.cli_actor(),
                                  uow=facet.uow())
    finally:
        facet.close()
    _emit(args, {"customer_id": args.customer_id, "events": [
        {"at": r.at.isoformat(), "staff": r.staff, "role": r.role, "terminal": r.terminal, "action": r.action}
        for r in rows]},
        "\n".join(f"{r.at.astimezone(zone):%Y-%m-%d %H:%M}  {r.terminal:<4} {r.staff} ({r.role}): {r.action}"
                  for r in rows) or "Nothing on record about this customer.")
    return EXIT_OK


def cmd_privacy_affected(args: argparse.Namespace) -> int:
    from pos_app.services import privacy

    facet = _open(args)
    try:
        zone = facet.profile.timezone
        since, until = _cli_moment(args.since, "--since", zone), _cli_moment(args.until, "--until", zone)
        rows = privacy.affected(since, until, reader=facet.privacy_reader(), actor=facet.cli_actor(),
                                uow=facet.uow())
    finally:
        facet.close()
    _emit(args, {"since": since.isoformat(), "until": until.isoformat(), "customers": [
        {"customer_id": r.customer_id, "name": r.name, "email": r.email, "phone": r.phone, "erased": r.erased,
         "events": r.events, "last_at": r.last_at.isoformat()} for r in rows]},
        "\n".join(f"{r.customer_id}  {r.name or '(erased)':<28} {r.email or '':<32} {r.phone or '':<14} "
                  f"{r.events} event(s)" for r in rows) or "No customer record was read or changed then.")
    return EXIT_OK


def _cli_date(text: str | None, option: str) -> Any:
    from pos_app.domain.store import typed_day

    return None if text is None else typed_day(text, field=option)


def _privacy_json(r: Any) -> dict[str, Any]:
    return {"id": r.id, "customer_id": r.customer_id, "type": r.type, "channel": r.channel,
            "received_on": r.received_on.isoformat(), "due_on": r.due_on.isoformat(), "status": r.status,
            "extended": r.extension_reason is not None,
            "customer_told_on": r.customer_told_on.isoformat() if r.customer_told_on else None,
            "verification_method": r.verification_method, "verified_by": r.verified_by,
            "verified_at": r.verified_at.isoformat() if r.verified_at else None}


def _store_date(facet: Any) -> Any:
    from pos_app.domain.store import store_today

    return store_today(facet.profile.timezone)


def cmd_privacy_request(args: argparse.Namespace) -> int:
    from pos_app.services import privacy

    received = _cli_date(args.received, "--received")
    facet = _open(args)
    try:
        record = privacy.record_request(args.customer_id, args.type, args.channel, received, uow=facet.uow(),
                                        actor=facet.cli_actor(), today=_store_date(facet))
    finally:
        facet.close()
    _emit(args, _privacy_json(record), record.id)
    return EXIT_OK


def cmd_privacy_verify(args: argparse.Namespace) -> int:
    from pos_app.domain.errors import ValidationError
    from pos_app.services import privacy

    facet = _open(args)
    try:
        # The verifier is whoever signed in: no one records a verification in another's name.
        actor = facet.cli_actor()
        me = facet.directory().staff_member(actor.staff_id) if actor.staff_id else None
        name = me.name if me else actor.name
        if args.by and args.by.strip().lower() != name.lower():
            raise ValidationError("--by", f"the verifier is the person signed in ({name}); {args.by} signs in "
                                          "to record their own verification")
        record = privacy.verify(args.request_id, args.method, actor.staff_id or "", uow=facet.uow(), actor=actor)
    finally:
        facet.close()
    _emit(args, {**_privacy_json(record), "verified_by_name": name},
          f"Request {record.id} verified ({record.verification_method}) by {name}; "
          f"due {record.due_on.isoformat()}.")
    return EXIT_OK


def cmd_privacy_extend(args: argparse.Namespace) -> int:
    from pos_app.services import privacy

    told = _cli_date(args.told, "--told")
    facet = _open(args)
    try:
        record = privacy.extend(args.request_id, args.reason, told, days=args.days, uow=facet.uow(),
                                actor=facet.cli_actor(), today=_store_date(facet))
    finally:
        facet.close()
    _emit(args, _privacy_json(record), f"Request {record.id} is now due {record.due_on.isoformat()}.")
    return EXIT_OK


def cmd_privacy_requests(args: argparse.Namespace) -> int:
    from pos_app.domain.store import store_time
    from pos_app.services import privacy

    facet = _open(args)
    try:
        today, zone = _store_date(facet), facet.profile.timezone
        rows = privacy.list_requests(reader=facet.privacy_reader(), actor=facet.cli_actor(), today=today,
                                     due_within_days=args.due_within, include_closed=args.all, uow=facet.uow())
    finally:
        facet.close()

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
    _emit(args, data, text or "No privacy requests match.")
    return EXIT_OK


def _request_for(facet: Any, args: argparse.Namespace, kinds: tuple[Any, ...]) -> str:
    """`--request`, or the customer's one verified open request of those kinds."""
    from pos_app.services import privacy

    if args.request:
        return str(args.request)
    return privacy.request_to_answer(args.customer_id, kinds, reader=facet.privacy_reader(), actor=facet.cli_actor(),
                                     today=_store_date(facet), uow=facet.uow())


def cmd_privacy_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pos_app.domain.privacy import RequestType
    from pos_app.services import privacy_export

    facet = _open(args)
    conn = facet.connection()
    try:
        request_id = _request_for(facet, args, (RequestType.ACCESS, RequestType.PORTABILITY))
        result = privacy_export.export_customer(
            request_id, Path(args.out).expanduser(), uow=facet.uow(), reader=facet.customer_data_reader(conn),
            actor=facet.cli_actor(), customer_id=args.customer_id)
    finally:
        conn.close()
        facet.close()
    _emit(args, {"customer_id": args.customer_id, "request_id": request_id, "path": str(result.path),
                 "sha256": result.sha256, "counts": result.counts},
          f"Wrote {result.path} (SHA-256 {result.sha256}, recorded on request {request_id}).")
    return EXIT_OK


def cmd_privacy_erase(args: argparse.Namespace) -> int:
    from pos_app.domain.privacy import RequestType
    from pos_app.services import erasure

    facet = _open(args)
    try:
        request_id = _request_for(facet, args, (RequestType.DELETION,))
        result = erasure.erase_customer(args.customer_id, request_id, uow=facet.uow(), actor=facet.cli_actor(),
                                        log=facet.erasure_log(), store=facet.db)
    finally:
        facet.close()
    kept = "\n".join(f"  {k.category} ({k.count}): until {k.until.isoformat()}; {k.basis}" for k in result.kept)
    _emit(args, result.as_dict(),
          f"Erased customer {result.customer_id} (request {request_id}, now completed)."
          + (f"\nKept without the person:\n{kept}" if kept else "\nNothing is kept.")
          + "\n\nThe customer's confirmation:\n\n" + result.letter)
    return EXIT_OK


def cmd_privacy_policies(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from pos_app.services import privacy

    facet = _open(args)
    try:
        rows = privacy.policy_versions(uow=facet.uow(), actor=facet.cli_actor(), today=_store_date(facet))
        if args.show is not None:
            text = privacy.policy_text(args.show, uow=facet.uow(), actor=facet.cli_actor())
            _emit(args, {"version": args.show, "text": text}, text)
            return EXIT_OK
    finally:
        facet.close()
    data = {"versions": [{**asdict(r), "effective_on": r.effective_on.isoformat()} for r in rows]}
    text = "\n".join(f"v{r.version}  in force from {r.effective_on.isoformat()}  {r.chars:>7,} characters  "
                     f"sha256 {r.sha256[:12]}" + ("  <- in force today" if r.in_force else "") for r in rows)
    _emit(args, data, text or "No privacy policy has been published.")
    return EXIT_OK


def cmd_privacy_publish_policy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pos_app.domain.errors import ValidationError
    from pos_app.services import privacy

    path = Path(args.file).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError("file", f"cannot read {path} as UTF-8 text: {getattr(error, 'strerror', None) or error}"
                              ) from None
    effective = _cli_date(args.effective, "--effective")
    facet = _open(args)
    try:
        row = privacy.publish_policy(text, effective or _store_date(facet), uow=facet.uow(), actor=facet.cli_actor(),
                                     today=_store_date(facet))
    finally:
        facet.close()
    _emit(args, {"version": row.version, "effective_on": row.effective_on.isoformat(), "sha256": row.sha256,
                 "chars": row.chars},
          f"Published version {row.version} of the privacy policy, in force from {row.effective_on.isoformat()}.")
    return EXIT_OK


def cmd_privacy_retention(args: argparse.Namespace) -> int:
    from pos_app.services import retention

    facet = _open(args)
    try:
        report = retention.run(uow=facet.uow(), actor=facet.cli_actor(), data_dir=facet.data_dir, store=facet.db,
                               dry_run=args.dry_run)
    finally:
        facet.close()
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
    _emit(args, report.as_dict(), f"{verb} on {report.today.isoformat()}:\n" + "\n".join(lines)
          + ("\nNothing was changed (dry run)." if report.dry_run else ""))
    return EXIT_OK


# ---------------------------------------------------------------- parser


# ---------------------------------------------------------------- audit trail


def _audit_filter(args: argparse.Namespace, zone: str) -> Any:
    from pos_app.domain.audit import AuditFilter

    return AuditFilter(person=args.person, action=args.action, entity=args.entity,
                       since=_cli_moment(args.since, "--since", zone) if args.since else None,
                       until=_cli_moment(args.until, "--until", zone) if args.until else None)


def _audit_json(r: Any) -> dict[str, Any]:
    return {"seq": r.seq, "at": r.at.isoformat(), "person": r.person, "staff_id": r.staff_id, "role": r.role,
            "terminal": r.terminal, "action": r.action, "entity_type": r.entity_type, "entity_id": r.entity_id,
            "approved_by": r.approved_by, "summary": json.loads(r.summary)}


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from pos_app.services import audit

    facet = _open(args)
    try:
        zone = facet.profile.timezone
        report = audit.verify(trail=facet.audit_trail(), uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    brk = report.first_break
    data = {"ok": report.ok, "events": report.events, "head_seq": report.head_seq,
            "anchored_seq": report.anchored_seq, "warnings": list(report.warnings),
            "first_bad_event": None if brk is None else {
                "seq": brk.seq, "kind": brk.kind.value, "at": brk.at.isoformat() if brk.at else None,
                "action": brk.action, "detail": brk.detail}}
    _emit(args, data, "\n".join([report.describe(zone), *(f"Warning: {w}" for w in report.warnings)]))
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def cmd_audit_list(args: argparse.Namespace) -> int:
    from pos_app.domain.store import store_time
    from pos_app.services import audit

    facet = _open(args)
    try:
        zone = facet.profile.timezone
        f = _audit_filter(args, zone)
        rows = audit.search(f, trail=facet.audit_trail(), uow=facet.uow(), actor=facet.cli_actor(),
                             limit=args.limit)
    finally:
        facet.close()
    lines = [f"{r.seq:>8}  {store_time(r.at, zone):%Y-%m-%d %H:%M:%S}  {r.person} ({r.role}, {r.terminal})  "
             f"{r.action}"
             + (f"  {r.entity_type}:{r.entity_id or ''}" if r.entity_type else "") for r in rows]
    _emit(args, {"events": [_audit_json(r) for r in rows]}, "\n".join(lines) or "No events match.")
    return EXIT_OK


def cmd_audit_flags(args: argparse.Namespace) -> int:
    from pos_app.domain.store import store_time
    from pos_app.services import audit

    facet = _open(args)
    try:
        zone = facet.profile.timezone
        found = audit.flags(trail=facet.audit_trail(), uow=facet.uow(), actor=facet.cli_actor(), days=args.days)
    finally:
        facet.close()
    lines = [f"{store_time(f.last, zone):%Y-%m-%d %H:%M %Z}  {f.describe()}" for f in found]
    _emit(args, {"days": args.days, "flags": [{"kind": f.kind.value, "person": f.person, "count": f.count,
                                               "last": f.last.isoformat()} for f in found]},
          "\n".join(lines) or f"Nothing flagged in the last {args.days} days.")
    return EXIT_OK


def cmd_audit_export(args: argparse.Namespace) -> int:
    from pos_app.services import audit

    facet = _open(args)
    try:
        f = _audit_filter(args, facet.profile.timezone)
        written = audit.export_csv(Path(args.file), f, trail=facet.audit_trail(), uow=facet.uow(),
                                   actor=facet.cli_actor())
    finally:
        facet.close()
    _emit(args, {"file": str(Path(args.file).resolve()), "events": written},
          f"Wrote {written} audit event(s) to {args.file}.")
    return EXIT_OK


def add_audit_commands(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """`pos-app audit verify | list | export` (the owner's: VIEW_AUDIT)."""
    audit = sub.add_parser("audit", help="check, list and export the tamper-evident audit trail",
                           description="The audit trail: who did what, when, at which counter.")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    command("verify", cmd_audit_verify, "check the whole hash chain; exit 1 and name the first bad event if it "
            "was edited, deleted, inserted, reordered or cut short", audit_sub)
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


# ---------------------------------------------------------------- staff (sign-in security)


def _staff_row(facet: Any, text: str) -> Any:
    """The person named (or their id), among those the signed-in person may manage, leavers included."""
    from pos_app.domain.staff import name_key
    from pos_app.services import staff

    rows = staff.staff_list(reader=facet.directory(), uow=facet.uow(), actor=facet.cli_actor(), include_inactive=True)
    wanted = name_key(text)
    for row in rows:
        if text.strip() == row.id or wanted == name_key(row.name):
            return row
    raise Refused(f"STAFF: no staff member is called {text!r}; the staff are: {', '.join(r.name for r in rows)}.")


def _staff_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role.value, "active": row.active,
            "must_change_secret": row.must_change_secret, "credentials": row.credentials, "two_step": row.two_step,
            "two_step_required": row.two_step_required, "recovery_codes_left": row.recovery_codes_left,
            "failed_attempts": row.failed_attempts,
            "locked_until": row.locked_until.isoformat() if row.locked_until else None}


def _role(text: str) -> Any:
    """ROLE as typed: owner, manager, clerk, appraiser, privacy_officer (or privacy-officer)."""
    from pos_app.domain.permissions import Role

    try:
        return Role(text.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a role; the roles are {', '.join(r.value for r in Role)}") from None


def _new_secret(env: str | None, *, what: str, option: str) -> str:
    """A PIN or password for someone else (temporary: they choose their own at their next sign-in),
    from the environment variable named by `option`, or asked twice in a terminal."""
    return _secret(env, f"{what[0].upper()}{what[1:]} (temporary; read it to the person): ", confirm=True,
                   what=f"{what} ({option})")


def cmd_staff_list(args: argparse.Namespace) -> int:
    import datetime as dt

    from pos_app.domain.store import store_time
    from pos_app.services import two_step

    facet = _open(args)
    try:
        zone = facet.profile.timezone
        rows = two_step.staff_overview(reader=facet.directory(), uow=facet.uow(), actor=facet.cli_actor(),
                                       include_inactive=args.all)
    finally:
        facet.close()
    now = dt.datetime.now(dt.UTC)
    lines = [f"{r.name:<24} {r.role.label:<16} two-step "
             f"{'on' if r.two_step else ('needed' if r.two_step_required else 'off'):<6}"
             + (f" ({r.recovery_codes_left} recovery codes left)" if r.two_step else "")
             + (f"  locked until {store_time(r.locked_until, zone):%Y-%m-%d %H:%M:%S %Z}"
                if r.locked_until and r.locked_until > now else "")
             + ("  (new PIN or password at next sign-in)" if r.must_change_secret else "")
             + ("" if r.active else "  (deactivated)") for r in rows]
    _emit(args, {"staff": [_staff_json(r) for r in rows]}, "\n".join(line.rstrip() for line in lines))
    return EXIT_OK


def cmd_staff_unlock(args: argparse.Namespace) -> int:
    from pos_app.services import staff

    facet = _open(args)
    try:
        row = _staff_row(facet, args.staff)
        staff.unlock(row.id, uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    _emit(args, {"unlocked": row.id, "name": row.name}, f"{row.name} can sign in again now.")
    return EXIT_OK


def cmd_staff_reset_mfa(args: argparse.Namespace) -> int:
    from pos_app.services import two_step

    facet = _open(args)
    try:
        row = _staff_row(facet, args.staff)
        two_step.reset(row.id, uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    then = " sets it up again at the next sign-in." if row.two_step_required else " may set it up again."
    _emit(args, {"reset": row.id, "name": row.name},
          f"{row.name}'s two-step key and recovery codes are forgotten; {row.name}{then}")
    return EXIT_OK


def cmd_staff_add(args: argparse.Namespace) -> int:
    from pos_app.domain.staff import clean_name
    from pos_app.services import staff

    role = args.role
    facet = _open(args)
    try:
        clean_name(args.name)  # a bad name is refused before any secret is asked
        pin = password = ""
        if role.signs_in_with_password:
            password = _new_secret(args.password_env, what=f"{args.name.strip()}'s password",
                                   option="--password-env")
            if args.pin_env:
                pin = _new_secret(args.pin_env, what=f"{args.name.strip()}'s PIN", option="--pin-env")
        else:
            if args.password_env:
                raise Refused(f"--password-env: a {role.label.lower()} signs in with a PIN; name --pin-env instead.")
            pin = _new_secret(args.pin_env, what=f"{args.name.strip()}'s PIN", option="--pin-env")
        staff_id = staff.add_staff(args.name, role, pin=pin, password=password or None,
                                   credentials=args.credentials or "", uow=facet.uow(), actor=facet.cli_actor(),
                                   hasher=facet.hasher())
        row = _staff_row(facet, staff_id)
    finally:
        facet.close()
    word = "password" if role.signs_in_with_password else "PIN"
    _emit(args, {"added": staff_id, **_staff_json(row)},
          f"Added {row.name} ({role.label.lower()}). They sign in with the temporary {word} you gave and choose "
          "their own at the first sign-in"
          + (", then set up two-step sign-in." if row.two_step_required else "."))
    return EXIT_OK


def cmd_staff_set_role(args: argparse.Namespace) -> int:
    from pos_app.services import staff

    role = args.role
    facet = _open(args)
    try:
        row = _staff_row(facet, args.staff)
        record = facet.directory().staff_member(row.id)
        pin = password = ""
        if role.signs_in_with_password and (args.password_env or record.password_hash is None):
            password = _new_secret(args.password_env, what=f"{row.name}'s password", option="--password-env")
        if not role.signs_in_with_password and (args.pin_env or record.pin_hash is None):
            pin = _new_secret(args.pin_env, what=f"{row.name}'s PIN", option="--pin-env")
        staff.set_role(row.id, role, pin=pin, password=password or None, credentials=args.credentials,
                       uow=facet.uow(), actor=facet.cli_actor(), hasher=facet.hasher())
        after = _staff_row(facet, row.id)
    finally:
        facet.close()
    then = []
    if after.must_change_secret:
        then.append(f"choose a new {'password' if role.signs_in_with_password else 'PIN'}")
    if after.two_step_required and not after.two_step:
        then.append("set up two-step sign-in")
    _emit(args, {"changed": row.id, "from": row.role.value, **_staff_json(after)},
          f"{row.name} is now {'an' if role.label[0] in 'AEIOU' else 'a'} {role.label.lower()}."
          + (f" At the next sign-in they {' and '.join(then)}." if then else ""))
    return EXIT_OK


def cmd_staff_reset_secret(args: argparse.Namespace) -> int:
    from pos_app.services import staff

    facet = _open(args)
    try:
        row = _staff_row(facet, args.staff)
        word = "password" if row.role.signs_in_with_password else "PIN"
        temporary = _new_secret(args.temporary_env, what=f"{row.name}'s temporary {word}", option="--temporary-env")
        staff.reset_secret(row.id, temporary, uow=facet.uow(), actor=facet.cli_actor(), hasher=facet.hasher())
        after = _staff_row(facet, row.id)
    finally:
        facet.close()
    _emit(args, {"reset": row.id, "secret": word.lower(), **_staff_json(after)},
          f"{row.name}'s {word} is now the temporary one you gave; at the next sign-in {row.name} types it, then "
          f"chooses a new {word} (twice).")
    return EXIT_OK


def _staff_leave_or_return(args: argparse.Namespace, *, leaving: bool) -> int:
    """`staff deactivate` (a leaver) and `staff reactivate` (taken back): the same steps, the other way."""
    from pos_app.services import staff

    facet = _open(args)
    try:
        row = _staff_row(facet, args.staff)
        change = staff.deactivate if leaving else staff.reactivate
        change(row.id, uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    if leaving:
        _emit(args, {"deactivated": row.id, "name": row.name},
              f"{row.name} is deactivated: off the sign-in list and unable to sign in; their sales, appraisals and "
              "audit trail are kept. `pos-app staff reactivate` takes them back.")
    else:
        _emit(args, {"reactivated": row.id, "name": row.name},
              f"{row.name} is active again and on the sign-in list, as a {row.role.label.lower()}.")
    return EXIT_OK


def cmd_staff_deactivate(args: argparse.Namespace) -> int:
    return _staff_leave_or_return(args, leaving=True)


def cmd_staff_reactivate(args: argparse.Namespace) -> int:
    return _staff_leave_or_return(args, leaving=False)


def _add_staff_commands(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    staff = sub.add_parser("staff", help="hire, change roles, reset PINs, let leavers go; two-step sign-in and "
                                         "lockouts (owner; managers reset clerks' PINs)",
                           description="Staff: hiring, roles, PINs and passwords, leavers; two-step sign-in and "
                                       "lockouts. A PIN or password given here is temporary: the person chooses "
                                       "their own at the next sign-in.")
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    p = command("list", cmd_staff_list, "list staff with role, two-step sign-in and lockout", staff_sub)
    p.add_argument("--all", action="store_true", help="include those who left (deactivated)")
    secrets_help = "Secrets are never arguments: name an environment variable, or be asked twice in a terminal."
    p = command("add", cmd_staff_add, "add a person who can sign in (owner; audited)", staff_sub)
    p.epilog = secrets_help
    p.add_argument("name", metavar="NAME", help="the name on the sign-in list, in any script (unique)")
    p.add_argument("--role", type=_role, required=True, metavar="ROLE",
                   help="owner, manager, clerk, appraiser or privacy_officer")
    p.add_argument("--pin-env", metavar="VAR", help="environment variable holding a temporary PIN (4-8 digits): "
                   "required for a clerk or appraiser, optional for others (approvals at the counter)")
    p.add_argument("--password-env", metavar="VAR", help="environment variable holding a temporary password "
                   "(8+ characters): required for an owner, manager or privacy officer")
    p.add_argument("--credentials", metavar="TEXT", help="an appraiser's credentials, e.g. 'GIA Graduate Gemologist'")
    p = command("set-role", cmd_staff_set_role, "give a person another role (owner; audited; the last active "
                "owner keeps theirs)", staff_sub)
    p.epilog = secrets_help
    p.add_argument("staff", metavar="STAFF", help="the staff member's name (or id)")
    p.add_argument("role", type=_role, metavar="ROLE", help="owner, manager, clerk, appraiser or privacy_officer")
    p.add_argument("--pin-env", metavar="VAR", help="a temporary PIN, when the new role signs in with one")
    p.add_argument("--password-env", metavar="VAR", help="a temporary password, when the new role signs in with one "
                   "(asked when the person has none)")
    p.add_argument("--credentials", metavar="TEXT", help="an appraiser's credentials")
    p = command("reset-secret", cmd_staff_reset_secret, "a forgotten PIN or password: give a temporary one, "
                "replaced by the person at the next sign-in (owner; managers for clerks and appraisers; audited)",
                staff_sub)
    p.epilog = secrets_help
    p.add_argument("staff", metavar="STAFF", help="the staff member's name (or id)")
    p.add_argument("--temporary-env", metavar="VAR", help="environment variable holding the temporary PIN or "
                   "password")
    p = command("deactivate", cmd_staff_deactivate, "a leaver: off the sign-in list, history kept (owner; audited)",
                staff_sub)
    p.add_argument("staff", metavar="STAFF", help="the staff member's name (or id)")
    p = command("reactivate", cmd_staff_reactivate, "take back someone who left (owner; audited)", staff_sub)
    p.add_argument("staff", metavar="STAFF", help="the staff member's name (or id)")
    p = command("unlock", cmd_staff_unlock, "let a locked-out staff member sign in again now (audited)", staff_sub)
    p.add_argument("staff", metavar="STAFF", help="the staff member's name (or id)")
    p = command("reset-mfa", cmd_staff_reset_mfa, "forget a staff member's two-step key and recovery codes, for a "
                "lost phone (audited)", staff_sub)
    p.add_argument("staff", metavar="STAFF", help="the staff member's name (or id)")


# ---------------------------------------------------------------- sessions and job tokens


def _store_clock(facet: Any, moment: Any) -> str:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(facet.profile.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({local:%Z})"


def _keep_in_keyring(facet: Any, name: str, token: str) -> None:
    facet.keyring.set(name, token)
    if facet.keyring.get(name) != token:
        raise Refused(f"The keyring ({facet.keyring.status.backend}) did not keep the token.")


def cmd_login(args: argparse.Namespace) -> int:
    from pos_app import app
    from pos_app.adapters.secrets import cli_session_name
    from pos_app.services import command_line

    facet = app.open_facet(app.resolve_data_dir(args.data_dir))
    try:
        actor = _sign_in(args, facet)
        name = cli_session_name(facet.data_dir)
        previous = facet.keyring.get(name)
        if previous:
            command_line.end_session(previous, uow=facet.uow(), terminal=facet.terminal,
                                     reason="replaced by a new login")
        opened = command_line.start_session(actor, uow=facet.uow(), os_user=app.os_user())
        try:
            _keep_in_keyring(facet, name, opened.token)
        except BaseException:
            command_line.end_session(opened.token, uow=facet.uow(), terminal=facet.terminal,
                                     reason="the keyring did not keep it")
            raise
        until, ends_by = _store_clock(facet, opened.session.expires_at), _store_clock(facet, opened.session.ends_by)
        warning = facet.keyring.status.warning
    finally:
        facet.close()
    person = opened.session.staff_name
    _emit(args, {"staff": person, "staff_id": actor.staff_id, "role": actor.role.value, "session": opened.session.id,
                 "expires_at": opened.session.expires_at.isoformat(), "ends_by": opened.session.ends_by.isoformat(),
                 "keyring_warning": warning},
          f"Signed in as {person} ({actor.role.label.lower()}) on the command line until {until}; each command "
          f"moves that on by the store's idle time, up to {ends_by}. `pos-app logout` ends it."
          + (f"\nWarning: {warning}" if warning else ""))
    return EXIT_OK


def cmd_logout(args: argparse.Namespace) -> int:
    from pos_app import app
    from pos_app.adapters.secrets import cli_session_name
    from pos_app.services import command_line

    data_dir = app.resolve_data_dir(args.data_dir)
    keyring = app.secrets()
    name = cli_session_name(data_dir)
    token = keyring.get(name)
    ended = None
    if token and app.store_exists(data_dir):
        facet = app.open_facet(data_dir)
        try:
            ended = command_line.end_session(token, uow=facet.uow(), terminal=facet.terminal)
        finally:
            facet.close()
    keyring.delete(name)
    if ended is None:
        _emit(args, {"ended": None}, "No command-line session was open; nothing to end.")
    else:
        _emit(args, {"ended": ended.id, "staff": ended.staff_name},
              f"Signed out: {ended.staff_name}'s command-line session has ended.")
    return EXIT_OK


def cmd_whoami(args: argparse.Namespace) -> int:
    from pos_app import app
    from pos_app.adapters.secrets import cli_session_name
    from pos_app.services import command_line

    data_dir = app.resolve_data_dir(args.data_dir)
    token = app.secrets().get(cli_session_name(data_dir))
    if not token:
        raise Refused("No one is signed in on the command line; `pos-app login` signs you in.")
    facet = app.open_facet(data_dir)
    try:
        status = command_line.session_status(token, uow=facet.uow(), terminal=facet.terminal)
        until, ends_by = _store_clock(facet, status.expires_at), _store_clock(facet, status.ends_by)
    finally:
        facet.close()
    person = status.session.staff_name
    _emit(args, {"staff": person, "staff_id": status.actor.staff_id, "role": status.actor.role.value,
                 "session": status.session.id, "expires_at": status.expires_at.isoformat(),
                 "ends_by": status.ends_by.isoformat()},
          f"{person} ({status.actor.role.label.lower()}), signed in on the command line until {until} "
          f"(each command moves that on, up to {ends_by}).")
    return EXIT_OK


def _session_json(r: Any) -> dict[str, Any]:
    return {"id": r.id, "staff": r.staff_name, "staff_id": r.staff_id, "os_user": r.os_user,
            "opened_at": r.created_at.isoformat(), "last_used_at": r.last_used_at.isoformat(),
            "expires_at": r.expires_at.isoformat(), "ended_at": r.ended_at.isoformat() if r.ended_at else None,
            "end_reason": r.end_reason}


def cmd_sessions_list(args: argparse.Namespace) -> int:
    import datetime as dt

    from pos_app.services import command_line

    facet = _open(args)
    try:
        rows = command_line.list_sessions(uow=facet.uow(), actor=facet.cli_actor(), include_ended=args.all)
        lines = []
        now = dt.datetime.now(dt.UTC)
        for r in rows:
            state = (f"ended: {r.end_reason}" if r.ended_at else
                     "expired" if r.expires_at <= now else f"until {_store_clock(facet, r.expires_at)}")
            lines.append(f"{r.id}  {r.staff_name:<24} OS user {r.os_user:<12} opened "
                         f"{_store_clock(facet, r.created_at)}  {state}")
    finally:
        facet.close()
    _emit(args, {"sessions": [_session_json(r) for r in rows]}, "\n".join(lines) or "No command-line sessions.")
    return EXIT_OK


def cmd_sessions_revoke(args: argparse.Namespace) -> int:
    from pos_app.services import command_line

    facet = _open(args)
    try:
        ended = command_line.revoke_session(args.session_id, uow=facet.uow(), actor=facet.cli_actor())
    finally:
        facet.close()
    _emit(args, _session_json(ended), f"{ended.staff_name}'s command-line session {ended.id} is ended.")
    return EXIT_OK


def _job_json(r: Any) -> dict[str, Any]:
    return {"name": r.name, "job": r.job, "created_by": r.created_by_name, "created_at": r.created_at.isoformat(),
            "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None}


def cmd_jobs_create(args: argparse.Namespace) -> int:
    from pos_app.adapters.secrets import job_token_name
    from pos_app.services import command_line

    facet = _open(args)
    try:
        token, record = command_line.create_job_token(args.name, args.job_for, uow=facet.uow(),
                                                      actor=facet.cli_actor())
        try:
            _keep_in_keyring(facet, job_token_name(facet.data_dir, record.name), token)
        except BaseException:
            command_line.revoke_job_token(record.name, uow=facet.uow(), actor=facet.cli_actor())
            raise
        warning = facet.keyring.status.warning
    finally:
        facet.close()
    command = "backup FILE" if record.job == "backup" else "privacy retention"
    _emit(args, {**_job_json(record), "keyring_warning": warning},
          f"Made the job token {record.name!r} for {record.job}, kept in this account's keyring. Run the job as "
          f"this OS user: pos-app {command} --job {record.name}"
          + (f"\nWarning: {warning}" if warning else ""))
    return EXIT_OK


def cmd_jobs_list(args: argparse.Namespace) -> int:
    from pos_app.services import command_line

    facet = _open(args)
    try:
        rows = command_line.list_job_tokens(uow=facet.uow(), actor=facet.cli_actor())
        lines = [f"{r.name:<24} {r.job:<10} made by {r.created_by_name} {_store_clock(facet, r.created_at)}  "
                 + (f"REVOKED {_store_clock(facet, r.revoked_at)}" if r.revoked_at else
                    f"last used {_store_clock(facet, r.last_used_at)}" if r.last_used_at else "not used yet")
                 for r in rows]
    finally:
        facet.close()
    _emit(args, {"jobs": [_job_json(r) for r in rows]}, "\n".join(lines) or "No job tokens.")
    return EXIT_OK


def cmd_jobs_revoke(args: argparse.Namespace) -> int:
    from pos_app.adapters.secrets import job_token_name
    from pos_app.services import command_line

    facet = _open(args)
    try:
        record = command_line.revoke_job_token(args.name, uow=facet.uow(), actor=facet.cli_actor())
        facet.keyring.delete(job_token_name(facet.data_dir, record.name))
    finally:
        facet.close()
    _emit(args, {"revoked": record.name, "job": record.job}, f"The job token {record.name!r} no longer works.")
    return EXIT_OK


def _add_access_commands(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """`pos-app login | logout | whoami`, `sessions list | revoke`, `jobs create | list | revoke`."""
    p = command("login", cmd_login, "sign in on the command line: a session kept in the keyring, ending after the "
                "store's idle time without a command (or 12 hours), or at `pos-app logout`")
    _sign_in_options(p)
    command("logout", cmd_logout, "end the command-line session")
    command("whoami", cmd_whoami, "who is signed in on the command line, and until when")

    sessions = sub.add_parser("sessions", help="command-line sessions (owner)",
                              description="Command-line sessions opened with pos-app login.")
    sessions_sub = sessions.add_subparsers(dest="sessions_command", metavar="ACTION", required=True)
    p = command("list", cmd_sessions_list, "open command-line sessions: who, OS user, until when", sessions_sub)
    p.add_argument("--all", action="store_true", help="include ended sessions")
    p = command("revoke", cmd_sessions_revoke, "end someone's command-line session now", sessions_sub)
    p.add_argument("session_id", metavar="SESSION_ID", help="the session's id (see `pos-app sessions list`)")

    jobs = sub.add_parser("jobs", help="tokens for unattended jobs: the nightly backup, the retention run (owner)",
                          description="Job tokens: an unattended job acts under its name with its job's "
                                      "permission only. The token is kept in this OS account's keyring.")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    p = command("create", cmd_jobs_create, "make a job token, kept in the keyring (run the job with --job NAME)",
                jobs_sub)
    p.add_argument("name", metavar="NAME", help="the job's name, e.g. nightly-backup")
    p.add_argument("--for", dest="job_for", required=True, metavar="JOB",
                   help="backup (pos-app backup) or retention (pos-app privacy retention)")
    command("list", cmd_jobs_list, "every job token: its job, who made it, last use, revoked", jobs_sub)
    p = command("revoke", cmd_jobs_revoke, "stop a job token working", jobs_sub)
    p.add_argument("name", metavar="NAME")


def _sign_in_options(p: argparse.ArgumentParser, *, job: bool = False) -> None:
    group = p.add_argument_group(
        "signing in", "Without these, the session of `pos-app login` is used (or, in a terminal, you are asked). "
        "Secrets are never arguments: they are asked, or read from the environment variable you name.")
    group.add_argument("--as", dest="as_name", metavar="NAME", help="sign in as this staff member")
    group.add_argument("--secret-env", metavar="VAR", help="environment variable holding the PIN or password")
    group.add_argument("--code-env", metavar="VAR", help="environment variable holding the two-step code")
    group.add_argument("--new-secret-env", metavar="VAR", help="environment variable holding the new PIN or password "
                       "you choose, when yours was temporary (a hire or a reset)")
    if job:
        group.add_argument("--job", metavar="NAME", help="act as this job token from the keyring (`pos-app jobs`)")


_NO_SIGN_IN = frozenset({cmd_init, cmd_doctor, cmd_login, cmd_logout, cmd_whoami})


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="the store's data folder (default: FACET_DATA_DIR, else the user data folder)")
    common.add_argument("--json", action="store_true", help="print the result as JSON")

    parser = argparse.ArgumentParser(
        prog="pos-app", description="Facet point of sale. With no command, starts the desktop app.")
    parser.add_argument("--version", action="version", version=f"Facet {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="the store's data folder")
    parser.add_argument("--demo", action="store_true", help="on first run, load the demo store instead of asking")
    parser.add_argument("--smoke", action="store_true", help="open the main window, then close it (build check)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, fn: Callable[[argparse.Namespace], int], help_text: str,
                parent: Any = sub) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=fn)
        if fn not in _NO_SIGN_IN:  # every command that opens the store signs someone in first (`_open`)
            _sign_in_options(p, job=True)
        return p

    p = command("init", cmd_init, "create the store (or the demo store) in the data folder")
    p.add_argument("--demo", action="store_true", help="load the Jane Ellen demo store (logins in README)")
    p.add_argument("--name", help="store name")
    p.add_argument("--address", help="store address (use \\n between lines)")
    p.add_argument("--phone", help="store phone")
    p.add_argument("--email", help="store email")
    p.add_argument("--timezone", help="IANA time zone, e.g. America/New_York")
    p.add_argument("--currency", default="USD", help="three-letter currency code (default USD)")
    p.add_argument("--locale", default="en_US", help="display locale (default en_US)")
    p.add_argument("--tax-rate", default="0", help="sales tax in percent, e.g. 8.875")
    p.add_argument("--receipt-footer", help="text printed at the foot of receipts")
    p.add_argument("--privacy-contact", help="how customers reach the privacy officer")
    p.add_argument("--owner-name", help="the owner's name")
    p.add_argument("--owner-password-env", metavar="VAR", help="environment variable holding the owner's password "
                   "(otherwise asked for)")
    p.add_argument("--owner-pin-env", metavar="VAR", help="environment variable holding the owner's PIN")

    command("doctor", cmd_doctor, "check the store: file, key, keyring, integrity, schema, counts")

    items = sub.add_parser("items", help="import, export and list items", description="Items in the inventory.")
    items_sub = items.add_subparsers(dest="items_command", metavar="ACTION", required=True)
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

    settings = sub.add_parser("settings", help="show or change store settings (idle lock, locations)",
                              description="Store settings.")
    settings_sub = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    command("list", cmd_settings_list, "show every setting with its meaning", settings_sub)
    p = command("set", cmd_settings_set, "change one setting (checked first; audited)", settings_sub)
    p.add_argument("key", help="e.g. security.idle_lock_minutes or inventory.locations")
    p.add_argument("value", help='e.g. 10, or "Case 1, Case 2, Safe, Back office"')

    from pos_app.domain.store import PROFILE_FIELDS as STORE_FIELDS

    store = sub.add_parser("store", help="show or change the store's profile (name, address, tax rate, ...)",
                           description="The store's profile: what the first run asked, changed with the same "
                                       "checks. Each change is recorded in the audit trail.")
    store_sub = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    command("show", cmd_store_show, f"show the store's profile: {', '.join(STORE_FIELDS)}", store_sub)
    p = command("set", cmd_store_set, "change one field of the store's profile (checked first; audited)", store_sub)
    p.add_argument("field", choices=list(STORE_FIELDS), metavar="FIELD", help=f"one of: {', '.join(STORE_FIELDS)}")
    p.add_argument("value", help='e.g. 8.875 for tax_rate, America/Chicago for timezone, "12 Main St\\nSpringfield" '
                                 "for address")

    sales = sub.add_parser("sales", help="list past sales", description="Sales, returns and exchanges.")
    sales_sub = sales.add_subparsers(dest="sales_command", metavar="ACTION", required=True)
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

    certificates = sub.add_parser("certificates", help="diamond grading reports (GIA, IGI, ...)",
                                  description="Diamond certificates: lab grading reports.")
    certificates_sub = certificates.add_subparsers(dest="certificates_command", metavar="ACTION", required=True)
    p = command("list", cmd_certificates_list, "list certificates, or search them by report number or SKU",
                certificates_sub)
    p.add_argument("--search", metavar="TEXT", help="part of a report number, or an item's SKU")
    p.add_argument("--limit", type=whole_number(1, LIST_MAX), default=500,
                   help=f"at most this many (1 to {LIST_MAX:,}; default 500)")
    command("duplicates", cmd_certificates_duplicates,
            "report numbers recorded on more than one piece (a fraud signal)", certificates_sub)

    appraisals = sub.add_parser("appraisals", help="print and check appraisals",
                                description="Appraisals: the printed paperwork and its verification code.")
    appraisals_sub = appraisals.add_subparsers(dest="appraisals_command", metavar="ACTION", required=True)
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

    customers = sub.add_parser("customers", help="find customers (names print here, never in logs)",
                               description="Customers.")
    customers_sub = customers.add_subparsers(dest="customers_command", metavar="ACTION", required=True)
    p = command("list", cmd_customers_list, "list customers by name, or search them", customers_sub)
    p.add_argument("--search", metavar="TEXT", help="the start of a name or email, or 3+ digits of a phone")
    p.add_argument("--limit", type=whole_number(1, LIST_MAX), default=500,
                   help=f"at most this many (1 to {LIST_MAX:,}; default 500)")
    p = command("consent", cmd_customers_consent,
                "record a customer's yes or no for marketing email, texts or advertising (a new consent event)",
                customers_sub)
    p.add_argument("customer_id", metavar="CUSTOMER_ID")
    p.add_argument("--purpose", required=True, help="email, sms or advertising")
    p.add_argument("answer", choices=("yes", "no"), help="what the customer said")
    p.add_argument("--channel", required=True, help="how: counter, email, phone, mail or web")
    p = command("flags", cmd_customers_flags,
                "opt out of sale/sharing, restrict processing, object to marketing (on or off)", customers_sub)
    p.add_argument("customer_id", metavar="CUSTOMER_ID")
    p.add_argument("--do-not-sell", metavar="on|off")
    p.add_argument("--restricted", metavar="on|off")
    p.add_argument("--objection", metavar="on|off", help="objection to direct marketing")
    p = command("marketing-export", cmd_customers_marketing_export,
                "the CSV for the mailing tool: only customers who said yes and are neither restricted nor objecting",
                customers_sub)
    p.add_argument("--out", required=True, metavar="FILE.csv")
    p.add_argument("--purpose", default="email", help="email (default) or sms")

    privacy = sub.add_parser("privacy", help="customers' privacy requests (privacy officer and owner)",
                             description="Privacy requests: access, deletion, opt-out and the other rights in the "
                                         "store's policy, each due 30 days after it was received.")
    privacy_sub = privacy.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)
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
    p.add_argument("customer_id", metavar="CUSTOMER_ID")
    p = command("affected", cmd_privacy_affected,
                "for a security incident: the customers whose records were read or changed in a window",
                privacy_sub)
    p.add_argument("--since", required=True, metavar="TIME", help="YYYY-MM-DD or an ISO time (store time)")
    p.add_argument("--until", required=True, metavar="TIME", help="YYYY-MM-DD or an ISO time, not included")

    payments = sub.add_parser("payments", help="set up card payments (Stripe Terminal)",
                              description="Card payments through Stripe Terminal.")
    payments_sub = payments.add_subparsers(dest="payments_command", metavar="ACTION", required=True)
    p = command("set-key", cmd_payments_set_key, "store the Stripe secret key in the keyring (asked, or --key-env)",
                payments_sub)
    p.add_argument("--key-env", metavar="VAR", help="environment variable holding the key (sk_test_... or sk_live_...)")
    command("status", cmd_payments_status, "show whether card payments are set up (never the key)", payments_sub)
    p = command("register-reader", cmd_payments_register_reader, "pair a Stripe card reader by the code its screen "
                "shows and make it this counter's reader", payments_sub)
    p.add_argument("code", help="the reader's pairing code, such as sepia-cerulean-aqua (on the reader: Settings, "
                                "Generate pairing code; simulated-wpe for Stripe's simulated reader)")
    p.add_argument("--location", metavar="tml_...", default="", help="the Stripe Terminal location to assign it to")
    p = command("refunds", cmd_payments_refunds, "card refunds pending at Stripe or failed, and what to do",
                payments_sub)
    p.add_argument("--check", action="store_true", help="ask Stripe how each pending refund stands first")
    p.add_argument("--paid-in-cash", metavar="REFUND_ID",
                   help="record that a failed card refund (re_...) was paid back in cash from this drawer")

    add_audit_commands(sub, command)

    for name, fn, help_text in (
        ("backup", cmd_backup, "copy the store to an encrypted backup file, safe while the app runs"),
        ("restore", cmd_restore, "replace the store with a backup, after listing what it would undo and a typed "
                                 "confirmation (the current store is kept aside)"),
    ):
        p = command(name, fn, help_text)
        p.add_argument("file", help="the backup file")
        p.add_argument("--passphrase-env", metavar="VAR",
                       help="environment variable holding a passphrase: the backup is encrypted with it and "
                            "can be restored on another machine")
        p.add_argument("--ask-passphrase", action="store_true", help="ask for that passphrase instead")
        if name == "restore":
            p.add_argument("--dry-run", action="store_true",
                           help="list what the restore would undo (sales with their numbers and totals, payments, "
                                "stock movements, ...) and change nothing; with --json, as data")
            p.add_argument("--yes", action="store_true",
                           help="do not ask: only with --expect-undo, for scripts")
            p.add_argument("--expect-undo", metavar="N", dest="expect_undo",
                           help="with --yes: the number of sales the restore undoes (as --dry-run lists), or "
                                "'unknown' when the current store cannot be read; any other number refuses it")
    p = command("rekey", cmd_rekey, "re-encrypt the store with a new database key (backup first; owner)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _add_staff_commands(sub, command)
    _add_access_commands(sub, command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from pos_app import app

    data_dir = app.resolve_data_dir(args.data_dir)
    app.configure_logging(data_dir, verbose=args.verbose)
    if args.command is None:
        from pos_app.gui.launch import run_desktop

        return run_desktop(data_dir, demo=args.demo, smoke=args.smoke)
    from pos_app.domain.errors import UserFacingError

    try:
        return int(args.func(args))
    except (UserFacingError, Refused) as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": str(exc), "kind": type(exc).__name__}, indent=2))
        print(f"pos-app {args.command}: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print(f"pos-app {args.command}: interrupted; nothing more was done.", file=sys.stderr)
        return EXIT_REFUSED
    except Exception:
        log.exception("pos-app %s failed", args.command)
        print(f"pos-app {args.command}: an unexpected error; details are in {data_dir / 'logs' / 'facet.log'}.",
              file=sys.stderr)
        return EXIT_BUG
