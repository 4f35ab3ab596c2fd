"""`pos-app staff ...`: hiring, roles, PINs and passwords, leavers; two-step sign-in and lockouts.

A PIN or password given here is temporary (the person chooses their own at the next sign-in), and never an
argument: an environment variable names it, or it is asked twice in a terminal."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pos_app.cli.core import Commands, Output, Refused, ask_secret, signed_in

if TYPE_CHECKING:
    from pos_app.cli.core import SignedIn
    from pos_app.domain.permissions import Role
    from pos_app.services.ports.staff import StaffSecurityRow


def _staff_row(cmd: SignedIn, text: str) -> StaffSecurityRow:
    """The person named (or their id), among those the signed-in person may manage, leavers included."""
    from pos_app.domain.staff import name_key
    from pos_app.services import staff

    rows = staff.staff_list(reader=cmd.store.staff_security, uow=cmd.store.uow(), actor=cmd.actor,
                            include_inactive=True)
    wanted = name_key(text)
    for row in rows:
        if text.strip() == row.id or wanted == name_key(row.name):
            return row
    raise Refused(f"STAFF: no staff member is called {text!r}; the staff are: {', '.join(r.name for r in rows)}.")


def _staff_json(row: StaffSecurityRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role.value, "active": row.active,
            "must_change_secret": row.must_change_secret, "credentials": row.credentials, "two_step": row.two_step,
            "two_step_required": row.two_step_required, "recovery_codes_left": row.recovery_codes_left,
            "failed_attempts": row.failed_attempts,
            "locked_until": row.locked_until.isoformat() if row.locked_until else None}


def _role(text: str) -> Role:
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
    return ask_secret(env, f"{what[0].upper()}{what[1:]} (temporary; read it to the person): ", confirm=True,
                      what=f"{what} ({option})")


def cmd_staff_list(args: argparse.Namespace) -> Output:
    import datetime as dt

    from pos_app.domain.store import store_time
    from pos_app.services import two_step

    with signed_in(args) as cmd:
        zone = cmd.profile.timezone
        rows = two_step.staff_overview(reader=cmd.store.staff_security, uow=cmd.store.uow(), actor=cmd.actor,
                                       include_inactive=args.all)
    now = dt.datetime.now(dt.UTC)
    lines = [f"{r.name:<24} {r.role.label:<16} two-step "
             f"{'on' if r.two_step else ('needed' if r.two_step_required else 'off'):<6}"
             + (f" ({r.recovery_codes_left} recovery codes left)" if r.two_step else "")
             + (f"  locked until {store_time(r.locked_until, zone):%Y-%m-%d %H:%M:%S %Z}"
                if r.locked_until and r.locked_until > now else "")
             + ("  (new PIN or password at next sign-in)" if r.must_change_secret else "")
             + ("" if r.active else "  (deactivated)") for r in rows]
    return Output({"staff": [_staff_json(r) for r in rows]}, "\n".join(line.rstrip() for line in lines))


def cmd_staff_add(args: argparse.Namespace) -> Output:
    from pos_app.domain.staff import clean_name
    from pos_app.services import staff

    role = args.role
    with signed_in(args) as cmd:
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
                                   credentials=args.credentials or "", uow=cmd.store.uow(), actor=cmd.actor,
                                   hasher=cmd.devices.hasher())
        row = _staff_row(cmd, staff_id)
    word = "password" if role.signs_in_with_password else "PIN"
    return Output({"added": staff_id, **_staff_json(row)},
                  f"Added {row.name} ({role.label.lower()}). They sign in with the temporary {word} you gave and "
                  "choose their own at the first sign-in"
                  + (", then set up two-step sign-in." if row.two_step_required else "."))


def cmd_staff_set_role(args: argparse.Namespace) -> Output:
    from pos_app.services import staff

    role = args.role
    with signed_in(args) as cmd:
        row = _staff_row(cmd, args.staff)
        record = cmd.store.directory.staff_member(row.id)
        if record is None:  # left the list between the two reads
            raise Refused(f"STAFF: {row.name} is no longer on the staff list.")
        pin = password = ""
        if role.signs_in_with_password and (args.password_env or record.password_hash is None):
            password = _new_secret(args.password_env, what=f"{row.name}'s password", option="--password-env")
        if not role.signs_in_with_password and (args.pin_env or record.pin_hash is None):
            pin = _new_secret(args.pin_env, what=f"{row.name}'s PIN", option="--pin-env")
        staff.set_role(row.id, role, pin=pin, password=password or None, credentials=args.credentials,
                       uow=cmd.store.uow(), actor=cmd.actor, hasher=cmd.devices.hasher())
        after = _staff_row(cmd, row.id)
    then = []
    if after.must_change_secret:
        then.append(f"choose a new {'password' if role.signs_in_with_password else 'PIN'}")
    if after.two_step_required and not after.two_step:
        then.append("set up two-step sign-in")
    return Output({"changed": row.id, "from": row.role.value, **_staff_json(after)},
                  f"{row.name} is now {'an' if role.label[0] in 'AEIOU' else 'a'} {role.label.lower()}."
                  + (f" At the next sign-in they {' and '.join(then)}." if then else ""))


def cmd_staff_reset_secret(args: argparse.Namespace) -> Output:
    from pos_app.services import staff

    with signed_in(args) as cmd:
        row = _staff_row(cmd, args.staff)
        word = "password" if row.role.signs_in_with_password else "PIN"
        temporary = _new_secret(args.temporary_env, what=f"{row.name}'s temporary {word}", option="--temporary-env")
        staff.reset_secret(row.id, temporary, uow=cmd.store.uow(), actor=cmd.actor, hasher=cmd.devices.hasher())
        after = _staff_row(cmd, row.id)
    return Output({"reset": row.id, "secret": word.lower(), **_staff_json(after)},
                  f"{row.name}'s {word} is now the temporary one you gave; at the next sign-in {row.name} types it, "
                  f"then chooses a new {word} (twice).")


def _staff_leave_or_return(args: argparse.Namespace, *, leaving: bool) -> Output:
    """`staff deactivate` (a leaver) and `staff reactivate` (taken back): the same steps, the other way."""
    from pos_app.services import staff

    with signed_in(args) as cmd:
        row = _staff_row(cmd, args.staff)
        change = staff.deactivate if leaving else staff.reactivate
        change(row.id, uow=cmd.store.uow(), actor=cmd.actor)
    if leaving:
        return Output({"deactivated": row.id, "name": row.name},
                      f"{row.name} is deactivated: off the sign-in list and unable to sign in; their sales, "
                      "appraisals and audit trail are kept. `pos-app staff reactivate` takes them back.")
    return Output({"reactivated": row.id, "name": row.name},
                  f"{row.name} is active again and on the sign-in list, as a {row.role.label.lower()}.")


def cmd_staff_deactivate(args: argparse.Namespace) -> Output:
    return _staff_leave_or_return(args, leaving=True)


def cmd_staff_reactivate(args: argparse.Namespace) -> Output:
    return _staff_leave_or_return(args, leaving=False)


def cmd_staff_unlock(args: argparse.Namespace) -> Output:
    from pos_app.services import staff

    with signed_in(args) as cmd:
        row = _staff_row(cmd, args.staff)
        staff.unlock(row.id, uow=cmd.store.uow(), actor=cmd.actor)
    return Output({"unlocked": row.id, "name": row.name}, f"{row.name} can sign in again now.")


def cmd_staff_reset_mfa(args: argparse.Namespace) -> Output:
    from pos_app.services import two_step

    with signed_in(args) as cmd:
        row = _staff_row(cmd, args.staff)
        two_step.reset(row.id, uow=cmd.store.uow(), actor=cmd.actor)
    then = " sets it up again at the next sign-in." if row.two_step_required else " may set it up again."
    return Output({"reset": row.id, "name": row.name},
                  f"{row.name}'s two-step key and recovery codes are forgotten; {row.name}{then}")


def register(commands: Commands) -> None:
    """`pos-app staff list | add | set-role | reset-secret | deactivate | reactivate | unlock | reset-mfa`."""
    command = commands.command
    staff_sub = commands.group("staff", help="hire, change roles, reset PINs, let leavers go; two-step sign-in and "
                                              "lockouts (owner; managers reset clerks' PINs)",
                                description="Staff: hiring, roles, PINs and passwords, leavers; two-step sign-in and "
                                            "lockouts. A PIN or password given here is temporary: the person chooses "
                                            "their own at the next sign-in.")
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
