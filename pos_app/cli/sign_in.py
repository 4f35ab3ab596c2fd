"""Who a `pos-app` command acts for: a job token, a sign-in for this command alone, or the `pos-app login` session.

Every command that reads or changes the store opens it through `core.signed_in`,
which finds out who is asking (`who`) before anything else happens; the
handler then hands that person (or job), `cmd.actor`, to the services, whose
`@requires` guards apply the permission matrix exactly as in the app.
`init`, `doctor`, `login`, `logout`, `whoami` and `--help` need no one.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from pos_app.cli.core import Refused, ask_secret

if TYPE_CHECKING:
    from pos_app.cli.core import Opened
    from pos_app.domain.permissions import Actor

NOT_SIGNED_IN = ("No one is signed in on the command line. Run `pos-app login` first (the session lasts as long "
                 "as the app's idle lock), or sign in for this command alone with --as NAME and --secret-env VAR.")


def who(args: argparse.Namespace, opened: Opened) -> Actor:
    """A job token (--job NAME), a sign-in for this command alone (--as, or asked in a terminal), or
    the session `pos-app login` keeps in the keyring; Refused when there is none."""
    from pos_app.adapters.secrets import cli_session_name, job_token_name
    from pos_app.services import command_line

    store, folder = opened.store, opened.devices.data_dir
    job = getattr(args, "job", None)
    if job:
        token = opened.keyring.get(job_token_name(folder, job))
        if not token:
            raise Refused(f"--job: this account's keyring holds no job token called {job!r} for this store; the "
                          f"owner makes one with `pos-app jobs create {job} --for JOB`.")
        return command_line.job_actor(token, uow=store.uow(), terminal=store.terminal)
    if getattr(args, "as_name", None) or getattr(args, "secret_env", None):
        return sign_in(args, opened)
    token = opened.keyring.get(cli_session_name(folder))
    if token:
        return command_line.session_actor(token, uow=store.uow(), terminal=store.terminal)
    if sys.stdin.isatty():
        return sign_in(args, opened)
    raise Refused(NOT_SIGNED_IN)


def sign_in(args: argparse.Namespace, opened: Opened) -> Actor:
    """Sign a person in through the same service as a counter (lockout, two-step code, audit):
    the name from --as or asked, the PIN or password and any code asked or read from the
    environment variables named by --secret-env and --code-env."""
    from pos_app.domain.permissions import TWO_STEP_SETTING, two_step_required, two_step_roles
    from pos_app.services import command_line
    from pos_app.services import staff as staff_service

    store = opened.store
    name = getattr(args, "as_name", None)
    if not name:
        if not sys.stdin.isatty():
            raise Refused(f"--as: name who signs in. {NOT_SIGNED_IN}")
        name = input("Your name: ")
    wanted = name.strip().lower()
    found = [s for s in store.directory.staff_list() if s.name.lower() == wanted]
    if not found:
        raise Refused(f"--as: no one on the staff list is called {name!r}.")
    person = found[0]
    if not person.two_step_enrolled and two_step_required(person.role, two_step_roles(
            store.directory.setting(TWO_STEP_SETTING, None))):
        raise Refused(f"{person.name} must set up two-step sign-in before using the command line: sign in once in "
                      "the Facet app, which sets it up.")
    what = "password" if person.role.signs_in_with_password else "PIN"
    secret = ask_secret(getattr(args, "secret_env", None), f"{what.capitalize()} for {person.name}: ",
                        what=f"{person.name}'s {what} (--secret-env)")
    hasher = opened.devices.hasher()
    check = staff_service.check_sign_in(person.id, secret, uow=store.uow(), hasher=hasher, terminal=store.terminal,
                                        via=command_line.VIA)
    code = new_secret = ""
    if check.outcome == "ok" and check.new_secret:  # the secret was temporary (a hire, a reset): choose one
        new_secret = ask_secret(getattr(args, "new_secret_env", None),
                                f"{person.name}, that {what} was temporary; choose a new {what}: ", confirm=True,
                                what=f"{person.name}'s new {what} (--new-secret-env)")
        staff_service.check_new_secret(check, secret, new_secret, new_secret)
    if check.outcome == "ok" and check.second_step == "code":
        code = ask_secret(getattr(args, "code_env", None), "Two-step code (or a recovery code): ",
                           what="two-step code (--code-env)")
    actor = staff_service.record_sign_in(check, secret, uow=store.uow(), hasher=hasher, code=code,
                                         new_secret=new_secret)
    if check.second_step == "enrol":  # their two-step sign-in was reset while they typed
        raise Refused(f"{person.name} must set up two-step sign-in again: sign in once in the Facet app.")
    return actor


def sign_in_options(p: argparse.ArgumentParser, *, job: bool = False) -> None:
    """The "signing in" options of a command that acts for someone (`--job` where a job token may run it)."""
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

