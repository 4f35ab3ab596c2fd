"""`pos-app`: the desktop app with no arguments, a headless operation with one.

Every subcommand has --help and --json. Exit codes: 0 done; 1 a check found
a problem (`doctor`); 2 the request could not be done (bad input, no store,
wrong key: the message says which, and nothing was changed); 3 a bug.
Secrets are never taken as plain arguments (they would land in shell history
and `ps`): a prompt, or the name of an environment variable that holds them.

Every command that reads or changes the store acts for someone who signed in
(`core.signed_in`): the session of `pos-app login`, a sign-in for that command alone
(`--as NAME`, the secret asked or named by `--secret-env`), or a job token
(`--job NAME`); the services then apply that person's role, as in the app.
`init`, `doctor`, `login`, `logout`, `whoami` and `--help` need no one.

One module per area registers its commands and holds their handlers
(`items`, `sales`, `privacy`, ...); `core` is what they share (opening the
store for someone, printing JSON or text, exit codes), `sign_in` who a command
acts for, `options` the number, day and time options. A new command goes in
its area's module: a handler `(args) -> Output` and a line in its `register`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from pos_app import __version__
from pos_app.cli import (
    access,
    appraisals,
    audit,
    backup,
    certificates,
    customers,
    items,
    payments,
    privacy,
    reports,
    sales,
    setup,
    staff,
    store,
    sync,
)
from pos_app.cli.core import EXIT_BUG, EXIT_CHECK_FAILED, EXIT_OK, EXIT_REFUSED, Commands, Output, Refused, run

__all__ = ["EXIT_BUG", "EXIT_CHECK_FAILED", "EXIT_OK", "EXIT_REFUSED", "Output", "Refused", "build_parser", "main"]

AREAS = (setup, items, store, sales, reports, certificates, appraisals, customers, privacy, payments, audit, backup,
         staff, access, sync)
"""Each area's `register`, in the order `pos-app --help` lists the commands."""


def build_parser() -> argparse.ArgumentParser:
    """`pos-app`'s whole parser: the desktop app's own options, then every area's commands."""
    parser = argparse.ArgumentParser(
        prog="pos-app", description="Facet point of sale. With no command, starts the desktop app.")
    parser.add_argument("--version", action="version", version=f"Facet {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="the store's data folder")
    parser.add_argument("--demo", action="store_true", help="on first run, load the demo store instead of asking")
    parser.add_argument("--smoke", action="store_true", help="open the main window, then close it (build check)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = Commands(parser.add_subparsers(dest="command", metavar="COMMAND"))
    for area in AREAS:
        area.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`pos-app [COMMAND ...]`: the desktop app with no command, else the command; its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from pos_app import app

    data_dir = app.resolve_data_dir(args.data_dir)
    app.configure_logging(data_dir, verbose=args.verbose)
    if args.command is None:
        from pos_app.gui.launch import run_desktop

        return run_desktop(data_dir, demo=args.demo, smoke=args.smoke)
    return run(args, data_dir)
