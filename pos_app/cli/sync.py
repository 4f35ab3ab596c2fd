"""`pos-app central ...` (the owner sets up a group's central PostgreSQL) and `pos-app sync ...` (a counter).

- `central init URL`: create central's schema and roles with an administrator's URL, make this store the
  group's first, seed central from it, and start syncing this counter.
- `central add-counter --store NAME`: a one-time enrolment token for a new counter (a new store by name).
- `sync join URL --token T`: on a new data folder, build this counter's store from central.
- `sync status`, `sync now`, `sync conflicts`, `sync resolve ID --note TEXT`, `sync leave`.

Passwords never go on the command line where `ps` shows them: an administrator's URL may leave its
password to `PGPASSWORD` / `~/.pgpass` (libpq reads both), and a counter's own password lives in the OS
keyring only.
"""

from __future__ import annotations

import argparse
import sys

from pos_app.cli.core import Commands, Output, data_dir, signed_in
from pos_app.cli.options import whole_number
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Permission


def _owner_may(cmd_actor: object) -> None:
    from pos_app.domain.permissions import Actor

    assert isinstance(cmd_actor, Actor)
    cmd_actor.require(Permission.MANAGE_SYNC)


def cmd_central_init(args: argparse.Namespace) -> Output:
    with signed_in(args) as cmd:
        _owner_may(cmd.actor)
        joined = cmd.sync().central_init(args.url)
    return Output({"central": joined.central, "store": joined.store_code, "counter": joined.counter_code,
                   "terminal": joined.terminal, "rows_seeded": joined.rows},
                  f"Central {joined.central} is ready: this store is {joined.store_code} ({joined.store_name}), "
                  f"this counter {joined.terminal} (its sale numbers start {joined.terminal}-); "
                  f"{joined.rows} rows seeded. Add counters with: pos-app central add-counter --url URL --store NAME")


def cmd_central_upgrade(args: argparse.Namespace) -> Output:
    from pos_app.adapters.central import CentralAdmin, describe

    with signed_in(args) as cmd:
        _owner_may(cmd.actor)
        admin = CentralAdmin(args.url)
        before = admin.revision()
        if before is None:
            raise ValidationError("url", f"{describe(args.url)} has no Facet schema: pos-app central init creates it")
        reached = admin.upgrade()
    return Output({"central": describe(args.url), "from": before, "to": reached},
                  f"Central {describe(args.url)}: schema {before} -> {reached}." if before != reached else
                  f"Central {describe(args.url)} already has schema {reached}.")


def cmd_central_add_counter(args: argparse.Namespace) -> Output:
    from pos_app.sync_group import TOKEN_HOURS, add_counter

    with signed_in(args) as cmd:
        _owner_may(cmd.actor)
        own = cmd.sync().local.state()
        wanted = args.store
        same_store = wanted is None or wanted.casefold() == cmd.profile.name.casefold()
        store_code, counter_code, token = add_counter(
            args.url, own.store_id if same_store else None, cmd.profile.name if same_store else wanted,
            hours=args.hours or TOKEN_HOURS)
    return Output({"store": store_code, "counter": counter_code, "token": token, "valid_hours": args.hours},
                  f"Counter {store_code}-{counter_code}: on the new counter, within {args.hours} hours, run\n"
                  f"  pos-app sync join URL --token {token}\n(the token works once; it is not kept anywhere)")


def cmd_join(args: argparse.Namespace) -> Output:
    from pos_app.sync_group import join_group

    folder = data_dir(args)
    token = args.token or (sys.stdin.readline().strip() if args.token_stdin else "")
    if not token:
        raise ValidationError("token", "is missing: --token T (from pos-app central add-counter)")

    def progress(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            width = 30
            filled = width * done // max(total, 1)
            # `total` is central's rows and the finishing steps after them (indexes, search): a share, not rows.
            print(f"\rTaking central's data [{'#' * filled}{'.' * (width - filled)}] {100 * done // max(total, 1):3d}%",
                  end="", file=sys.stderr, flush=True)

    set_up = _set_up_new_store(args) if args.owner_name else None
    joined = join_group(folder, args.url, token, progress=progress, set_up=set_up)
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    return Output({"central": joined.central, "store": joined.store_code, "counter": joined.counter_code,
                   "terminal": joined.terminal, "rows": joined.rows, "data_dir": str(folder)},
                  f"Joined {joined.central} as counter {joined.terminal} of {joined.store_name} "
                  f"({joined.rows} rows from central). Start Facet with: pos-app --data-dir {folder}")


def _set_up_new_store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """A new store's first counter: the store's profile and owner, as `pos-app init` takes them."""
    from pos_app.cli.core import ask_secret

    password = ask_secret(args.owner_password_env, "Owner password: ", confirm=True, what="owner password")
    pin = ask_secret(args.owner_pin_env, "Owner PIN: ", confirm=True, what="owner PIN")

    def set_up(facet, answer):  # type: ignore[no-untyped-def]
        from pos_app.adapters.hashing import Argon2Hasher
        from pos_app.services.ports.settings import StoreProfile
        from pos_app.services.setup import OwnerAccount, set_up_store

        profile = StoreProfile(name=answer["store_name"], address="", phone="", email="", timezone=args.timezone,
                               currency=args.currency, locale="en_US", tax_rate="0", receipt_footer="",
                               privacy_contact="")
        set_up_store(profile, OwnerAccount(args.owner_name, password, pin), uow=facet.uow(), hasher=Argon2Hasher())

    return set_up


def cmd_status(args: argparse.Namespace) -> Output:
    from pos_app.domain.store import store_time
    from pos_app.services import sync

    with signed_in(args) as cmd:
        state = sync.status(cmd.sync().local)
        zone = cmd.profile.timezone
    if not state.joined:
        return Output(state.to_dict(), "This counter does not sync: it works on its own (pos-app sync join to join a "
                                       "group).")
    line = ("Synced" if state.online and not state.waiting else
            f"Offline since {store_time(state.offline_since, zone):%Y-%m-%d %H:%M %Z}" if state.offline_since
            else "Online")
    return Output(state.to_dict(),
                  f"{line} with {state.central} as counter {state.store_code}-{state.counter_code}: "
                  f"{state.waiting} changes waiting, {state.conflicts} conflicts, {state.attention} refused changes"
                  + (f"\nLast problem: {state.last_error}" if state.last_error else ""))


def cmd_now(args: argparse.Namespace) -> Output:
    from pos_app.services import sync

    with signed_in(args) as cmd:
        group = cmd.sync()
        with group.link() as link:
            done = sync.sync_once(group.local, link)
    return Output(done.to_dict(), f"Pushed {done.pushed} transactions ({done.skipped} central already had, "
                                  f"{done.quarantined} refused), pulled {done.pulled} changes; "
                                  f"{done.conflicts} conflicts open, {done.attention} refused changes.")


def cmd_conflicts(args: argparse.Namespace) -> Output:
    from pos_app.services import sync

    with signed_in(args) as cmd:
        with cmd.sync().link() as link:
            cases = sync.open_cases(actor=cmd.actor, uow=cmd.store.uow(), central=link)
    lines = [f"conflict {c['id']}: {c['kind']} {c['table']} {c.get('sku') or c['row']}"
             + (f" field {c['field']}" if c.get("field") else "") for c in cases["conflicts"]]
    lines += [f"refused {a['id']}: {a['reason']} (tables {', '.join(a['tables'])})" for a in cases["attention"]]
    return Output(cases, "\n".join(lines) or "No open conflicts and no refused changes.")


def cmd_resolve(args: argparse.Namespace) -> Output:
    from pos_app.services import sync

    with signed_in(args) as cmd:
        group = cmd.sync()
        with group.link() as link:
            resent = sync.resolve(args.kind, args.id, args.note, actor=cmd.actor, uow=cmd.store.uow(),
                                  central=link, local=group.local)
    return Output({"kind": args.kind, "id": args.id, "resolved": True, "rows_sent_again": resent},
                  f"{args.kind} {args.id} resolved." + (f" {resent} rows of the refused change go to central "
                                                         "again at the next sync." if resent else ""))


def cmd_leave(args: argparse.Namespace) -> Output:
    with signed_in(args) as cmd:
        _owner_may(cmd.actor)
        cmd.sync().leave()
    return Output({"joined": False}, "This counter left its sync group; its store file stays as it is.")


def register(commands: Commands) -> None:
    central = commands.group("central", help="set up a sync group's central PostgreSQL (owner)",
                             description="A sync group's central PostgreSQL: create it, add counters and stores.")
    p = commands.command("init", cmd_central_init, "create central's schema and roles, make this store the group's "
                         "first and seed central from it (an administrator's URL)", central)
    p.add_argument("url", help="postgresql://admin@host:5432/db?sslmode=verify-full&sslrootcert=ca.crt "
                               "(password from PGPASSWORD or ~/.pgpass)")
    p = commands.command("upgrade", cmd_central_upgrade, "bring central's schema to this Facet's revision (after "
                         "installing a newer Facet; counters on the old one are refused until they upgrade too)",
                         central)
    p.add_argument("url", help="central's administrator URL, as for init")
    p = commands.command("add-counter", cmd_central_add_counter, "print a one-time enrolment token for a new "
                         "counter of this store or of another store (new stores are added by name)", central)
    p.add_argument("--url", required=True, help="central's administrator URL, as for init")
    p.add_argument("--store", help="the store's name or code (default: this store)")
    p.add_argument("--hours", type=whole_number(1, 24 * 14), default=24,
                   help="how long the token is valid, in hours (1 to 336; default 24)")
    from pos_app.cli import head_office

    head_office.register(commands, central)

    sync = commands.group("sync", help="sync this counter with its group's central PostgreSQL",
                          description="Sync with a central PostgreSQL: join, status, now, conflicts, leave.")
    p = commands.command("join", cmd_join, "on a new data folder: enrol with a token and build this counter's "
                         "store from central", sync, signs_in=False)
    p.add_argument("url", help="central's URL for counters: postgresql://host:5432/db?sslmode=verify-full&"
                               "sslrootcert=ca.crt (no user or password: the token holds the login)")
    p.add_argument("--token", help="the enrolment token (FCT1....) from pos-app central add-counter")
    p.add_argument("--token-stdin", action="store_true", help="read the token from standard input")
    p.add_argument("--owner-name", help="a new store's first counter: the owner to create")
    p.add_argument("--owner-password-env", metavar="VAR", help="read the new owner's password from VAR")
    p.add_argument("--owner-pin-env", metavar="VAR", help="read the new owner's PIN from VAR")
    p.add_argument("--timezone", default="America/New_York", help="a new store's IANA time zone")
    p.add_argument("--currency", default="USD", help="a new store's currency")
    commands.command("status", cmd_status, "online or offline, changes waiting, last push and pull, conflicts",
                     sync)
    commands.command("now", cmd_now, "push and pull now (the app does it by itself)", sync)
    commands.command("conflicts", cmd_conflicts, "this store's open conflicts and refused changes (manager)", sync)
    p = commands.command("resolve", cmd_resolve, "close a conflict or a refused change, saying what was done "
                         "(manager)", sync)
    p.add_argument("id", type=whole_number(1, 2 ** 62), help="the number `sync conflicts` lists")
    p.add_argument("--kind", choices=("conflict", "attention"), default="conflict",
                   help="a conflict (default) or a refused change (attention)")
    p.add_argument("--note", required=True, help="what was done: 'refunded sale S1-C2-000012', 'substituted...'")
    commands.command("leave", cmd_leave, "leave the sync group (owner); the store file stays", sync)

