"""`pos-app login | logout | whoami`, `sessions list | revoke`, `jobs create | list | revoke`: who the command
line acts for. A session or a job token is kept in this OS account's keyring, its hash in the store."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from pos_app.cli.core import Commands, Output, Refused, data_dir, opened, signed_in
from pos_app.cli.sign_in import sign_in, sign_in_options

if TYPE_CHECKING:
    from pos_app.cli.core import Opened
    from pos_app.services.ports.staff import JobTokenRecord, SessionRecord


def _store_clock(opened: Opened, moment: dt.datetime) -> str:
    """A time as the store's clock shows it, with its zone's abbreviation."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(opened.profile.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({local:%Z})"


def _keep_in_keyring(opened: Opened, name: str, token: str) -> None:
    """Keep `token` in the keyring under `name`, and read it back: Refused if the keyring did not keep it."""
    opened.keyring.set(name, token)
    if opened.keyring.get(name) != token:
        raise Refused(f"The keyring ({opened.devices.secrets_status().backend}) did not keep the token.")


def cmd_login(args: argparse.Namespace) -> Output:
    from pos_app import app
    from pos_app.adapters.secrets import cli_session_name
    from pos_app.services import command_line

    with opened(data_dir(args)) as cmd:
        actor = sign_in(args, cmd)
        name = cli_session_name(cmd.devices.data_dir)
        previous = cmd.keyring.get(name)
        if previous:
            command_line.end_session(previous, uow=cmd.store.uow(), terminal=cmd.store.terminal,
                                     reason="replaced by a new login")
        started = command_line.start_session(actor, uow=cmd.store.uow(), os_user=app.os_user())
        try:
            _keep_in_keyring(cmd, name, started.token)
        except BaseException:
            command_line.end_session(started.token, uow=cmd.store.uow(), terminal=cmd.store.terminal,
                                     reason="the keyring did not keep it")
            raise
        until, ends_by = _store_clock(cmd, started.session.expires_at), _store_clock(cmd, started.session.ends_by)
        warning = cmd.devices.secrets_status().warning
    person = started.session.staff_name
    return Output({"staff": person, "staff_id": actor.staff_id, "role": actor.role.value,
                   "session": started.session.id, "expires_at": started.session.expires_at.isoformat(),
                   "ends_by": started.session.ends_by.isoformat(),
                   "keyring_warning": warning},
                  f"Signed in as {person} ({actor.role.label.lower()}) on the command line until {until}; each "
                  f"command moves that on by the store's idle time, up to {ends_by}. `pos-app logout` ends it."
                  + (f"\nWarning: {warning}" if warning else ""))


def cmd_logout(args: argparse.Namespace) -> Output:
    from pos_app import app
    from pos_app.adapters.secrets import cli_session_name
    from pos_app.services import command_line

    folder = data_dir(args)
    keyring = app.secrets()
    name = cli_session_name(folder)
    token = keyring.get(name)
    ended = None
    if token and app.store_exists(folder):
        with opened(folder) as cmd:
            ended = command_line.end_session(token, uow=cmd.store.uow(), terminal=cmd.store.terminal)
    keyring.delete(name)
    if ended is None:
        return Output({"ended": None}, "No command-line session was open; nothing to end.")
    return Output({"ended": ended.id, "staff": ended.staff_name},
                  f"Signed out: {ended.staff_name}'s command-line session has ended.")


def cmd_whoami(args: argparse.Namespace) -> Output:
    from pos_app import app
    from pos_app.adapters.secrets import cli_session_name
    from pos_app.services import command_line

    folder = data_dir(args)
    token = app.secrets().get(cli_session_name(folder))
    if not token:
        raise Refused("No one is signed in on the command line; `pos-app login` signs you in.")
    with opened(folder) as cmd:
        status = command_line.session_status(token, uow=cmd.store.uow(), terminal=cmd.store.terminal)
        until, ends_by = _store_clock(cmd, status.expires_at), _store_clock(cmd, status.ends_by)
    person = status.session.staff_name
    return Output({"staff": person, "staff_id": status.actor.staff_id, "role": status.actor.role.value,
                   "session": status.session.id, "expires_at": status.expires_at.isoformat(),
                   "ends_by": status.ends_by.isoformat()},
                  f"{person} ({status.actor.role.label.lower()}), signed in on the command line until {until} "
                  f"(each command moves that on, up to {ends_by}).")


def _session_json(r: SessionRecord) -> dict[str, Any]:
    return {"id": r.id, "staff": r.staff_name, "staff_id": r.staff_id, "os_user": r.os_user,
            "opened_at": r.created_at.isoformat(), "last_used_at": r.last_used_at.isoformat(),
            "expires_at": r.expires_at.isoformat(), "ended_at": r.ended_at.isoformat() if r.ended_at else None,
            "end_reason": r.end_reason}


def cmd_sessions_list(args: argparse.Namespace) -> Output:
    from pos_app.services import command_line

    with signed_in(args) as cmd:
        rows = command_line.list_sessions(uow=cmd.store.uow(), actor=cmd.actor, include_ended=args.all)
        lines = []
        now = dt.datetime.now(dt.UTC)
        for r in rows:
            state = (f"ended: {r.end_reason}" if r.ended_at else
                     "expired" if r.expires_at <= now else f"until {_store_clock(cmd, r.expires_at)}")
            lines.append(f"{r.id}  {r.staff_name:<24} OS user {r.os_user:<12} opened "
                         f"{_store_clock(cmd, r.created_at)}  {state}")
    return Output({"sessions": [_session_json(r) for r in rows]}, "\n".join(lines) or "No command-line sessions.")


def cmd_sessions_revoke(args: argparse.Namespace) -> Output:
    from pos_app.services import command_line

    with signed_in(args) as cmd:
        ended = command_line.revoke_session(args.session_id, uow=cmd.store.uow(), actor=cmd.actor)
    return Output(_session_json(ended), f"{ended.staff_name}'s command-line session {ended.id} is ended.")


def _job_json(r: JobTokenRecord) -> dict[str, Any]:
    return {"name": r.name, "job": r.job, "created_by": r.created_by_name, "created_at": r.created_at.isoformat(),
            "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None}


def cmd_jobs_create(args: argparse.Namespace) -> Output:
    from pos_app.adapters.secrets import job_token_name
    from pos_app.services import command_line

    with signed_in(args) as cmd:
        token, record = command_line.create_job_token(args.name, args.job_for, uow=cmd.store.uow(),
                                                      actor=cmd.actor)
        try:
            _keep_in_keyring(cmd, job_token_name(cmd.devices.data_dir, record.name), token)
        except BaseException:
            command_line.revoke_job_token(record.name, uow=cmd.store.uow(), actor=cmd.actor)
            raise
        warning = cmd.devices.secrets_status().warning
    command = "backup FILE" if record.job == "backup" else "privacy retention"
    return Output({**_job_json(record), "keyring_warning": warning},
                  f"Made the job token {record.name!r} for {record.job}, kept in this account's keyring. Run the job "
                  f"as this OS user: pos-app {command} --job {record.name}"
                  + (f"\nWarning: {warning}" if warning else ""))


def cmd_jobs_list(args: argparse.Namespace) -> Output:
    from pos_app.services import command_line

    with signed_in(args) as cmd:
        rows = command_line.list_job_tokens(uow=cmd.store.uow(), actor=cmd.actor)
        lines = [f"{r.name:<24} {r.job:<10} made by {r.created_by_name} {_store_clock(cmd, r.created_at)}  "
                 + (f"REVOKED {_store_clock(cmd, r.revoked_at)}" if r.revoked_at else
                    f"last used {_store_clock(cmd, r.last_used_at)}" if r.last_used_at else "not used yet")
                 for r in rows]
    return Output({"jobs": [_job_json(r) for r in rows]}, "\n".join(lines) or "No job tokens.")


def cmd_jobs_revoke(args: argparse.Namespace) -> Output:
    from pos_app.adapters.secrets import job_token_name
    from pos_app.services import command_line

    with signed_in(args) as cmd:
        record = command_line.revoke_job_token(args.name, uow=cmd.store.uow(), actor=cmd.actor)
        cmd.keyring.delete(job_token_name(cmd.devices.data_dir, record.name))
    return Output({"revoked": record.name, "job": record.job}, f"The job token {record.name!r} no longer works.")


def register(commands: Commands) -> None:
    """`pos-app login | logout | whoami`, `sessions list | revoke`, `jobs create | list | revoke`."""
    command = commands.command
    p = command("login", cmd_login, "sign in on the command line: a session kept in the keyring, ending after the "
                "store's idle time without a command (or 12 hours), or at `pos-app logout`", signs_in=False)
    sign_in_options(p)  # the person who signs in; a job token cannot open a session
    command("logout", cmd_logout, "end the command-line session", signs_in=False)
    command("whoami", cmd_whoami, "who is signed in on the command line, and until when", signs_in=False)

    sessions_sub = commands.group("sessions", help="command-line sessions (owner)",
                                   description="Command-line sessions opened with pos-app login.")
    p = command("list", cmd_sessions_list, "open command-line sessions: who, OS user, until when", sessions_sub)
    p.add_argument("--all", action="store_true", help="include ended sessions")
    p = command("revoke", cmd_sessions_revoke, "end someone's command-line session now", sessions_sub)
    p.add_argument("session_id", metavar="SESSION_ID", help="the session's id (see `pos-app sessions list`)")

    jobs_sub = commands.group("jobs", help="tokens for unattended jobs: the nightly backup, the retention run (owner)",
                               description="Job tokens: an unattended job acts under its name with its job's "
                                           "permission only. The token is kept in this OS account's keyring.")
    p = command("create", cmd_jobs_create, "make a job token, kept in the keyring (run the job with --job NAME)",
                jobs_sub)
    p.add_argument("name", metavar="NAME", help="the job's name, e.g. nightly-backup")
    p.add_argument("--for", dest="job_for", required=True, metavar="JOB",
                   help="backup (pos-app backup) or retention (pos-app privacy retention)")
    command("list", cmd_jobs_list, "every job token: its job, who made it, last use, revoked", jobs_sub)
    p = command("revoke", cmd_jobs_revoke, "stop a job token working", jobs_sub)
    p.add_argument("name", metavar="NAME", help="the job token's name (see `pos-app jobs list`)")
