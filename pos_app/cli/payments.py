"""`pos-app payments set-key | status | register-reader | refunds`: card payments through Stripe Terminal.
The key goes to the keyring and is never printed."""

from __future__ import annotations

import argparse

from pos_app.cli.core import Commands, Output, Refused, ask_secret, signed_in


def cmd_payments_set_key(args: argparse.Namespace) -> Output:
    from pos_app.domain.payments import check_stripe_key
    from pos_app.services.payment_setup import set_stripe_key

    key = check_stripe_key(ask_secret(args.key_env, "Stripe secret key: ", what="Stripe key"))
    with signed_in(args) as cmd:
        test_mode = set_stripe_key(key, keys=cmd.devices.payment_keys(), uow=cmd.store.uow(), actor=cmd.actor)
        status = cmd.devices.secrets_status()
    mode = "TEST mode" if test_mode else "LIVE mode"
    return Output({"stored": True, "test_mode": test_mode, "keyring": status.backend},
                  f"Stored the Stripe key ({mode}) in the keyring ({status.backend})."
                  + (f"\nWarning: {status.warning}" if status.warning else ""))


def cmd_payments_register_reader(args: argparse.Namespace) -> Output:
    from pos_app.services.payment_setup import register_reader

    with signed_in(args) as cmd:
        reader = register_reader(args.code, registry=cmd.devices.reader_registry(), terminal=cmd.store.terminal,
                                 location=args.location, uow=cmd.store.uow(), actor=cmd.actor)
    return Output({"reader_id": reader.reader_id, "label": reader.label, "device_type": reader.device_type},
                  f"Registered {reader.reader_id} ({reader.device_type or 'reader'}, \"{reader.label}\"): it is this "
                  "counter's card reader now.")


def cmd_payments_status(args: argparse.Namespace) -> Output:
    with signed_in(args) as cmd:
        key = cmd.devices.payment_keys().stripe_key()
        directory = cmd.store.directory
        reader = str(directory.setting("payments.reader_id", "") or "")
        api_base = str(directory.setting("payments.api_base", "") or "")
    data = {"key_stored": bool(key), "test_mode": bool(key and "_test_" in key), "reader_id": reader or None,
            "api_base": api_base or "https://api.stripe.com", "ready": bool(key and reader)}
    lines = [
        "Stripe key: " + ("stored in the keyring" + (" (TEST mode)" if data["test_mode"] else " (LIVE)")
                          if key else "not set (pos-app payments set-key)"),
        f"Reader: {reader or 'not set (pos-app payments register-reader CODE)'}",
        f"Stripe API: {data['api_base']}",
    ]
    return Output(data, "\n".join(lines))


def cmd_payments_refunds(args: argparse.Namespace) -> Output:
    """Card refunds not done: pending at Stripe, or failed and not yet paid back another way."""
    from pos_app.services import card_refunds

    with signed_in(args) as cmd:
        actor = cmd.actor
        note = ""
        if args.paid_in_cash:
            waiting = card_refunds.refunds_needing_attention(uow=cmd.store.uow(), actor=actor)
            row = next((r for r in waiting if r.refund_id == args.paid_in_cash), None)
            if row is None:
                raise Refused(f"No card refund {args.paid_in_cash} is waiting to be paid back.")
            done = card_refunds.refund_failed_in_cash(row.id, uow=cmd.store.uow(), actor=actor)
            note = f"Recorded: refund {done.refund_id} {done.handled_how}.\n"
        if args.check:
            checked = card_refunds.check_refunds(uow=cmd.store.uow(), actor=actor, terminal=cmd.devices.card_terminal())
            rows, unreachable = list(checked.attention), checked.unreachable
            note += "".join(f"Stripe settled refund {r.refund_id}: {r.status}.\n" for r in checked.settled)
        else:
            rows, unreachable = card_refunds.refunds_needing_attention(uow=cmd.store.uow(), actor=actor), None
    data = {"refunds": [{"refund_id": r.refund_id, "status": r.status, "failure_reason": r.failure_reason,
                         "amount_cents": r.amount_cents, "currency": r.currency, "card_brand": r.card_brand,
                         "card_last4": r.card_last4, "reason": r.reason, "sale_number": r.sale_number,
                         "created_at": r.created_at.isoformat()} for r in rows],
            "unreachable": unreachable}
    lines = [card_refunds.attention_message(r) for r in rows] or ["No card refund is pending or failed."]
    return Output(data, note + "\n".join(lines + ([unreachable] if unreachable else [])))


def register(commands: Commands) -> None:
    command = commands.command
    payments_sub = commands.group("payments", help="set up card payments (Stripe Terminal)",
                                   description="Card payments through Stripe Terminal.")
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

