"""What every `pos-app` command shares: opening the store for someone, printing, exit codes.

A command is a handler `(args) -> Output`: it opens the store with
`with signed_in(args) as cmd:` (closed when the block ends, whatever
happens), calls the services with `cmd.store` (the unit of work and the
typed readers), `cmd.devices` and `cmd.actor`, and returns what to print. `run(args)` prints
the output as JSON (`--json`) or text and turns errors into the exit codes
below, the same for every command:

    0 done; 1 a check found a problem (`doctor`, `audit verify`, `appraisals verify`);
    2 the request could not be done (bad input, no store, wrong key, no sign-in:
      the message says which, and nothing was changed); 3 a bug (logged, not shown).

Each area module (`cli/items.py`, `cli/privacy.py`, ...) registers its
commands through `Commands`, which gives every command `--data-dir` and
`--json`, and the sign-in options unless it needs no one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:
    from pos_app.app import Facet
    from pos_app.domain.permissions import Actor
    from pos_app.services.ports.devices import Devices
    from pos_app.services.ports.settings import StoreProfile
    from pos_app.services.ports.store import Store
    from pos_app.sync_group import SyncGroup

log = logging.getLogger("pos_app.cli")

EXIT_OK, EXIT_CHECK_FAILED, EXIT_REFUSED, EXIT_BUG = 0, 1, 2, 3


class Refused(Exception):
    """The CLI cannot do what was asked; the message says why."""


@dataclass(frozen=True)
class Output:
    """What a command prints: `data` with --json, else `text`; and its exit code.

    `text_on_stderr`: the text is a refusal a person reads (the JSON, for a script, still goes to stdout).
    """

    data: dict[str, Any]
    text: str
    code: int = EXIT_OK
    text_on_stderr: bool = field(default=False, kw_only=True)


Handler = Callable[[argparse.Namespace], Output]
"""A command: the parsed arguments in, what to print out."""


def emit(args: argparse.Namespace, output: Output) -> int:
    """Print `output` as JSON (--json) or text; its exit code."""
    if args.json:
        print(json.dumps(output.data, indent=2, default=str))
    else:
        print(output.text, file=sys.stderr if output.text_on_stderr else sys.stdout)
    return output.code


def ask_secret(env_name: str | None, prompt: str, *, confirm: bool = False, what: str) -> str:
    """A secret from the environment variable named `env_name`, else asked in a terminal (twice with `confirm`).

    Never a plain argument: it would land in the shell's history and in `ps`."""
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


# ---------------------------------------------------------------- opening the store


def data_dir(args: argparse.Namespace) -> Path:
    """The data folder: --data-dir, else FACET_DATA_DIR, else the user data folder."""
    from pos_app import app

    return app.resolve_data_dir(args.data_dir)


class Keyring(Protocol):
    """The keyring as the command line keeps its own secrets there: the `pos-app login` session and the job
    tokens, under the names `adapters.secrets` gives them (`cli_session_name`, `job_token_name`)."""

    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class Opened:
    """A store a command opened, for no one yet (`opened`), and what a handler works with.

    `store` is the store handle (`services/ports/store.py`: a unit of work per change, the typed readers,
    on the command's own connection); `devices` what lives outside the store file (printers, the card
    reader, the hasher, the erasure log, the export folder, the store file to back up or scrub, the data
    folder); `keyring` the command line's own tokens. All three come from the composition root
    (`app.Facet`), as the GUI's do; a handler reaches the store through nothing else. A `with` block
    closes the store when it ends, whatever happens.
    """

    def __init__(self, facet: Facet) -> None:
        self._facet = facet

    @property
    def store(self) -> Store:
        return self._facet.store

    @property
    def devices(self) -> Devices:
        return self._facet.devices

    @property
    def keyring(self) -> Keyring:
        return self._facet.keyring

    @property
    def profile(self) -> StoreProfile:
        """The store's profile (name, time zone, locale, ...); StoreProblem if the store was never set up."""
        return self._facet.profile

    def sync(self) -> SyncGroup:
        """The store's place in a sync group: its file's side and its link to central (`pos_app/sync_group.py`)."""
        return self._facet.sync()

    def today(self) -> dt.date:
        """Today in the store's time zone (the day a request, a consent or a policy is dated)."""
        from pos_app.domain.store import store_today

        return store_today(self.profile.timezone)

    def close(self) -> None:
        self._facet.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class SignedIn(Opened):
    """A store opened for `actor`, the person (or job) the command acts for (`sign_in.who`), whose role the
    services' `@requires` guards check exactly as in the app."""

    def __init__(self, facet: Facet, actor: Actor) -> None:
        super().__init__(facet)
        self.actor = actor

    def rekey(self) -> Path:
        """Re-encrypt the store with a new random key (`pos-app rekey`): the store is closed first, for the
        change needs the file to itself, and stays closed (only `devices.secrets_status()` may be read after).
        Returns the backup taken before."""
        from pos_app import app

        return app.rekey_store(self._facet)


def signed_in(args: argparse.Namespace) -> SignedIn:
    """The store, opened for the person (or job) the command acts for; closed when the `with` block ends
    (and at once if no one can sign in). Every command that reads or changes the store opens it here."""
    from pos_app import app
    from pos_app.cli.sign_in import who

    facet = app.open_facet(data_dir(args))
    try:
        actor = who(args, Opened(facet))
    except BaseException:
        facet.close()
        raise
    facet.actor = actor  # `app.rekey_store` takes the actor from the Facet it closes
    return SignedIn(facet, actor)


def opened(folder: Path) -> Opened:
    """The store in `folder`, opened for no one yet (`login`, `logout`, `whoami`, and a restore's record);
    closed when the `with` block ends."""
    from pos_app import app

    return Opened(app.open_facet(folder))


# ---------------------------------------------------------------- registering commands


class Commands:
    """Where each area module registers its commands (`register(commands)`), in the order `--help` lists them."""

    def __init__(self, sub: Any) -> None:
        self._sub = sub
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                            help="the store's data folder (default: FACET_DATA_DIR, else the user data folder)")
        common.add_argument("--json", action="store_true", help="print the result as JSON")
        self._common = common

    def group(self, name: str, *, help: str, description: str,
              formatter_class: type[argparse.HelpFormatter] = argparse.HelpFormatter) -> Any:
        """A command with actions (`pos-app NAME ACTION`); pass what it returns as `parent` to `command`.
        `formatter_class`: `argparse.RawDescriptionHelpFormatter` keeps a description's own lines (a listing)."""
        parser = self._sub.add_parser(name, help=help, description=description, formatter_class=formatter_class)
        return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)

    def command(self, name: str, handler: Handler, help_text: str, parent: Any = None, *,
                signs_in: bool = True) -> argparse.ArgumentParser:
        """A command (or a group's action) run by `handler`, with --data-dir and --json; with the sign-in
        options unless `signs_in` is False (`init`, `doctor`, `login`, `logout`, `whoami` need no one)."""
        from pos_app.cli.sign_in import sign_in_options

        parser: argparse.ArgumentParser = (parent or self._sub).add_parser(
            name, parents=[self._common], help=help_text, description=help_text)
        parser.set_defaults(func=handler)
        if signs_in:  # every command that opens the store signs someone in first (`signed_in`)
            sign_in_options(parser, job=True)
        return parser


# ---------------------------------------------------------------- running one


def run(args: argparse.Namespace, folder: Path) -> int:
    """Run the command `args` names and print its output; errors become exit codes (see the module's doc)."""
    from pos_app.domain.errors import UserFacingError

    handler: Handler = args.func
    try:
        return emit(args, handler(args))
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
        print(f"pos-app {args.command}: an unexpected error; details are in {folder / 'logs' / 'facet.log'}.",
              file=sys.stderr)
        return EXIT_BUG
