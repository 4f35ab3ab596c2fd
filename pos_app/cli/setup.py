"""`pos-app init` and `pos-app doctor`: making a store, and checking one. Neither needs anyone signed in:
there is no one yet to sign in to a new store, and `doctor` reads the files, not the records."""

from __future__ import annotations

import argparse

from pos_app.cli.core import EXIT_CHECK_FAILED, EXIT_OK, Commands, Opened, Output, Refused, ask_secret, data_dir


def cmd_init(args: argparse.Namespace) -> Output:
    from pos_app import app

    folder = data_dir(args)
    if app.store_exists(folder):
        raise Refused(f"A store already exists in {folder}; it was left untouched.")
    if args.demo:
        facet = app.create_demo_facet(folder)
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
        password = ask_secret(args.owner_password_env, "Owner password: ", confirm=True, what="owner password")
        pin = ask_secret(args.owner_pin_env, "Owner PIN (4-8 digits): ", confirm=True, what="owner PIN")
        facet = app.create_facet(folder, profile, OwnerAccount(args.owner_name, password, pin))
    with Opened(facet) as made:
        counts = made.store.directory.counts()
        warning = made.devices.secrets_status().warning
    data = {"data_dir": str(folder), "demo": bool(args.demo), "items": counts.items,
            "customers": counts.customers, "sales": counts.sales, "staff": counts.staff,
            "keyring_warning": warning}
    text = f"Created the {'demo ' if args.demo else ''}store in {folder}: {counts.items} items, " \
           f"{counts.customers} customers, {counts.sales} sales, {counts.staff} staff."
    if warning:
        text += f"\nWarning: {warning}"
    return Output(data, text)


def cmd_doctor(args: argparse.Namespace) -> Output:
    from pos_app.doctor import examine

    report = examine(data_dir(args))
    lines = [f"Facet {report['version']} - data folder {report['data_dir']}"]
    lines.append(f"  keyring: {report['keyring']['backend']} ({'secure' if report['keyring']['secure'] else 'WEAK'})")
    for key in ("key_present", "opens", "integrity", "schema", "counts", "audit_chain"):
        if key in report:
            lines.append(f"  {key.replace('_', ' ')}: {report[key]}")
    lines += [f"  warning: {w}" for w in report["warnings"]]
    lines += [f"  PROBLEM: {p}" for p in report["problems"]]
    lines.append("healthy" if report["ok"] else "NOT healthy")
    return Output(report, "\n".join(lines), EXIT_OK if report["ok"] else EXIT_CHECK_FAILED)


def register(commands: Commands) -> None:
    """`pos-app init`, `pos-app doctor`."""
    command = commands.command
    p = command("init", cmd_init, "create the store (or the demo store) in the data folder", signs_in=False)
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

    command("doctor", cmd_doctor, "check the store: file, key, keyring, integrity, schema, counts", signs_in=False)

