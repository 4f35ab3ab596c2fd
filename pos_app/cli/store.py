"""`pos-app settings list | set` and `pos-app store show | set`: the store's settings and its profile
(name, address, tax rate, ...), changed with the same checks as in the app, each change audited."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from pos_app.cli.core import Commands, Output, signed_in

if TYPE_CHECKING:
    from pos_app.services.ports.settings import StoreProfile


def cmd_settings_list(args: argparse.Namespace) -> Output:
    from pos_app.domain.store import setting_is_store_wide
    from pos_app.services.settings import SETTINGS, current_settings

    with signed_in(args) as cmd:
        values = current_settings(reader=cmd.store.directory, actor=cmd.actor, uow=cmd.store.uow())
    if values.get("receipt.logo"):
        values["receipt.logo"] = f"(a PNG image, {len(values['receipt.logo']) * 3 // 4:,} bytes)"
    def scope(key: str) -> str:
        return "every counter of the store" if setting_is_store_wide(key) else "this counter only"

    text = "\n".join(f"{key} = {json.dumps(value)}\n    {SETTINGS[key].meaning} ({scope(key)})"
                     for key, value in values.items())
    return Output({"settings": values, "store_wide": sorted(k for k in values if setting_is_store_wide(k))}, text)


def cmd_settings_set(args: argparse.Namespace) -> Output:
    from pos_app.services.settings import PRINTER_KEYS, change_printer_settings, change_setting

    with signed_in(args) as cmd:
        actor = cmd.actor
        if args.key in PRINTER_KEYS:  # a manager may change these: the printer's own guard decides
            value = change_printer_settings({args.key: args.value}, uow=cmd.store.uow(), actor=actor)[args.key]
        else:
            value = change_setting(args.key, args.value, uow=cmd.store.uow(), actor=actor)
    return Output({"key": args.key, "value": value}, f"{args.key} = {json.dumps(value)}")


def _report_settings_output(values: dict[str, object], rules_text: str, months: tuple[int, ...]) -> Output:
    bounds = ", ".join(str(m) for m in months)
    text = (f"Commission rules ({RULES_KEY}):\n" + ("\n".join(f"  {line}" for line in rules_text.splitlines())
                                                    or "  none: nobody earns commission")
            + f"\nAging cut-offs ({AGING_KEY}): {bounds} months")
    return Output(values, text)


RULES_KEY, AGING_KEY = "reports.commission_rules", "reports.aging_months"


def cmd_settings_reports(args: argparse.Namespace) -> Output:
    from pos_app.domain.commission import rules_text
    from pos_app.services.report_settings import report_settings

    with signed_in(args) as cmd:
        found = report_settings(reader=cmd.store.directory, actor=cmd.actor, uow=cmd.store.uow())
    return _report_settings_output(found.to_dict(), rules_text(found.commission_rules), found.aging_months)


def cmd_settings_commission(args: argparse.Namespace) -> Output:
    from pos_app.domain.commission import rules_text
    from pos_app.services.report_settings import set_commission_rules

    with signed_in(args) as cmd:
        rules = set_commission_rules(args.rules, uow=cmd.store.uow(), actor=cmd.actor)
    text = rules_text(rules)
    return Output({"key": RULES_KEY, "value": [r.to_dict() for r in rules]},
                  f"{RULES_KEY} saved:\n" + (text or "none: nobody earns commission"))


def cmd_settings_aging(args: argparse.Namespace) -> Output:
    from pos_app.services.report_settings import set_aging_months

    with signed_in(args) as cmd:
        months = set_aging_months(args.months, uow=cmd.store.uow(), actor=cmd.actor)
    return Output({"key": AGING_KEY, "value": list(months)},
                  f"{AGING_KEY} = {', '.join(str(m) for m in months)} months")


def _profile_json(profile: StoreProfile) -> dict[str, str]:
    from pos_app.services.store_profile import as_texts

    return as_texts(profile)


def _profile_text(values: dict[str, str]) -> str:
    from pos_app.domain.store import PROFILE_FIELDS as FIELDS

    return "\n".join(f"{name} = {json.dumps(values[name])}\n    {meaning}" for name, meaning in FIELDS.items())


def cmd_store_show(args: argparse.Namespace) -> Output:
    from pos_app.services.store_profile import store_profile

    with signed_in(args) as cmd:
        profile = store_profile(reader=cmd.store.directory, actor=cmd.actor, uow=cmd.store.uow())
    values = _profile_json(profile)
    return Output({"store": values}, _profile_text(values))


def cmd_store_set(args: argparse.Namespace) -> Output:
    from pos_app.services.store_profile import change_store_profile

    # A shell argument holds no line break easily: "\n" in the address stands for one, as in `init`'s help.
    value = args.value.replace("\\n", "\n") if args.field == "address" else args.value
    with signed_in(args) as cmd:
        profile = change_store_profile({args.field: value}, uow=cmd.store.uow(), actor=cmd.actor)
    values = _profile_json(profile)
    shown = values.get(args.field, "")
    return Output({"field": args.field, "value": shown, "store": values}, f"{args.field} = {json.dumps(shown)}")


def register(commands: Commands) -> None:
    """`pos-app settings list | set`, `pos-app store show | set`."""
    command = commands.command
    settings_sub = commands.group("settings", help="show or change store settings (idle lock, locations)",
                                   description="Store settings.")
    command("list", cmd_settings_list, "show every setting with its meaning", settings_sub)
    p = command("set", cmd_settings_set, "change one setting (checked first; audited)", settings_sub)
    p.add_argument("key", help="e.g. security.idle_lock_minutes or inventory.locations")
    p.add_argument("value", help='e.g. 10, or "Case 1, Case 2, Safe, Back office"')
    command("reports", cmd_settings_reports, "show the commission rules and the aging cut-offs the reports use",
            settings_sub)
    p = command("commission", cmd_settings_commission,
                "set the commission rules (the owner's; checked first; audited)", settings_sub)
    p.add_argument("rules", help='"STYLE: PERCENT%% of sales|margin", separated by ";" (STYLE a style or all; a '
                                 'style\'s own rule beats all), e.g. "all: 5%% of sales; tennis: 12.5%% of margin"; '
                                 '"" for none')
    p = command("aging", cmd_settings_aging, "set the aging report's cut-offs in months (the owner's; audited)",
                settings_sub)
    p.add_argument("months", help='ascending whole months, e.g. "6, 12" (under 6, 6 to 12, over 12)')

    from pos_app.domain.store import PROFILE_FIELDS as STORE_FIELDS

    store_sub = commands.group("store", help="show or change the store's profile (name, address, tax rate, ...)",
                                description="The store's profile: what the first run asked, changed with the same "
                                            "checks. Each change is recorded in the audit trail.")
    command("show", cmd_store_show, f"show the store's profile: {', '.join(STORE_FIELDS)}", store_sub)
    p = command("set", cmd_store_set, "change one field of the store's profile (checked first; audited)", store_sub)
    p.add_argument("field", choices=list(STORE_FIELDS), metavar="FIELD", help=f"one of: {', '.join(STORE_FIELDS)}")
    p.add_argument("value", help='e.g. 8.875 for tax_rate, America/Chicago for timezone, "12 Main St\\nSpringfield" '
                                 "for address")

