"""Who may do what: the whole permission matrix, cell by cell, written out by hand.

The grid below is the store's decision, not a copy of `MATRIX`: change the
grid first when a role's duties change, then the code. Adding a permission or
a role without deciding its row or column fails `test_the_grid_decides_...`.
"""

from __future__ import annotations

import pytest

from pos_app.domain.errors import PermissionDenied, UserFacingError
from pos_app.domain.permissions import AREAS, JOB_PERMISSIONS, Actor, Permission, Role, allows
from pos_app.services import command_line, staff
from tests.fakes.builders import HASHER, fake_store, secret_of, staff_id
from tests.fakes.builders import actor as staff_actor
from tests.fakes.uow import FakeUnitOfWork

# x = allowed, . = refused.
# Supporting permissions that the role descriptions do not name outright are
# marked with a note on the right: the appraiser reads customers and stock
# (an appraisal names its customer and often a piece in stock) and prints
# tags; the privacy officer views and edits customers (correction requests).
GRID = """
permission                 owner  manager  clerk  appraiser  privacy_officer
sell                         x       x       x        .             .
discount_above_limit         x       x       .        .             .
override_price               x       x       .        .             .
void_sale                    x       x       .        .             .
refund                       x       x       .        .             .
open_drawer                  x       x       .        .             .
view_inventory               x       x       x        x             .        appraiser: supporting
view_cost                    x       x       .        .             .
edit_item                    x       x       .        .             .
receive_stock                x       x       .        .             .
adjust_stock                 x       x       .        .             .
count_stock                  x       x       x        .             .
print_tags                   x       x       x        x             .        appraiser: supporting
import_items                 x       x       .        .             .
export_items                 x       x       .        .             .
view_stock_reports           x       x       .        .             .
view_customers               x       x       x        x             x        appraiser, privacy officer: supporting
edit_customers               x       x       x        .             x        privacy officer: supporting
edit_restricted_customer     .       .       .        .             x
export_marketing_list        x       x       .        .             .
handle_privacy_requests      x       .       .        .             x
erase_customer               x       .       .        .             x
write_appraisals             x       .       .        x             .
finalize_appraisals          x       .       .        x             .
view_appraisals              x       .       .        x             .
print_appraisals             x       x       x        x             .        manager, clerk: a sale's appraisals only
appraise_sale                x       x       x        x             .        clerk, manager: an appraiser signs
verify_appraisals            x       .       .        x             .
view_certificates            x       x       .        x             .
manage_staff                 x       .       .        .             .
reset_staff_pins             x       x       .        .             .
view_settings                x       x       .        .             .
manage_settings              x       .       .        .             .
manage_printer               x       x       .        .             .
backup                       x       x       .        .             .
restore                      x       .       .        .             .
rekey                        x       .       .        .             .
view_audit                   x       .       .        .             x
view_sales_reports           x       x       .        .             .
manage_sync                  x       .       .        .             .
resolve_sync_conflicts       x       x       .        .             .
"""


def _read_grid(grid: str) -> tuple[list[str], dict[str, dict[str, bool]]]:
    header, *rows = [line for line in grid.strip().splitlines() if line.strip()]
    roles = header.split()[1:]
    table: dict[str, dict[str, bool]] = {}
    for row in rows:
        permission, *marks = row.split()
        marks = marks[: len(roles)]
        assert permission not in table, f"{permission} is listed twice"
        assert all(mark in "x." for mark in marks), row
        table[permission] = {role: mark == "x" for role, mark in zip(roles, marks, strict=True)}
    return roles, table


ROLES, TABLE = _read_grid(GRID)
CELLS = [(Role(role), Permission(permission)) for permission, row in TABLE.items() for role in row]


def test_the_grid_decides_every_permission_for_every_role() -> None:
    assert sorted(TABLE) == sorted(p.value for p in Permission)
    assert sorted(ROLES) == sorted(r.value for r in Role)
    assert len(CELLS) == len(Permission) * len(Role)


@pytest.mark.parametrize(("role", "permission"), CELLS, ids=[f"{r.value}-{p.value}" for r, p in CELLS])
def test_each_role_may_do_exactly_what_the_grid_says(role: Role, permission: Permission) -> None:
    assert allows(role, permission) is TABLE[permission.value][role.value]


def test_settings_shows_every_permission_once_under_an_area() -> None:
    listed = [permission for permissions in AREAS.values() for permission in permissions]
    assert sorted(listed) == sorted(Permission)
    assert len(listed) == len(set(listed))


def test_a_permission_reads_as_words() -> None:
    assert Permission.DISCOUNT_ABOVE_LIMIT.label == "Discount above limit"


def test_only_the_privacy_officer_edits_a_restricted_customer() -> None:
    assert [role for role in Role if allows(role, Permission.EDIT_RESTRICTED_CUSTOMER)] == [Role.PRIVACY_OFFICER]


def test_the_owner_may_do_everything_but_edit_a_restricted_customer() -> None:
    refused = {p for p in Permission if not allows(Role.OWNER, p)}
    assert refused == {Permission.EDIT_RESTRICTED_CUSTOMER}


# --- the actor at the counter ----------------------------------------------------------


def actor(role: Role) -> Actor:
    return Actor(staff_id="staff-1", name="Casey Counter", role=role, terminal="C1")


def test_an_actor_can_what_the_role_allows() -> None:
    for role, permission in CELLS:
        assert actor(role).can(permission) is allows(role, permission)


def test_require_lets_through_exactly_what_the_grid_allows() -> None:
    let_through = []
    for role, permission in CELLS:
        try:
            actor(role).require(permission)
        except PermissionDenied:
            continue
        let_through.append((role, permission))
    assert let_through == [(role, p) for role, p in CELLS if TABLE[p.value][role.value]]
    assert (Role.PRIVACY_OFFICER, Permission.EDIT_RESTRICTED_CUSTOMER) in let_through


def test_require_refuses_naming_the_role_and_the_action() -> None:
    with pytest.raises(PermissionDenied) as caught:
        actor(Role.CLERK).require(Permission.VOID_SALE)
    message = str(caught.value)
    assert "clerk" in message.lower()
    assert "void sale" in message
    assert isinstance(caught.value, UserFacingError)


@pytest.mark.parametrize(("role", "permission"), [cell for cell in CELLS if not allows(*cell)], ids=str)
def test_a_refusal_names_the_role_and_only_roles_that_can_help(role: Role, permission: Permission) -> None:
    with pytest.raises(PermissionDenied) as caught:
        actor(role).require(permission)
    message = str(caught.value).lower()
    assert role.label.lower() in message
    _, advice = message.split("; ask ")
    for other in Role:
        named = other.label.lower() in advice
        assert not named or allows(other, permission), f"{other} cannot help with {permission}"
    assert any(helper.label.lower() in advice for helper in Role if allows(helper, permission))


def test_a_refusal_of_a_restricted_record_sends_the_owner_to_the_privacy_officer() -> None:
    with pytest.raises(PermissionDenied) as caught:
        actor(Role.OWNER).require(Permission.EDIT_RESTRICTED_CUSTOMER)
    assert str(caught.value) == "An owner cannot edit restricted customer; ask a privacy officer."


# --- the actor on the command line ------------------------------------------------------------
# `pos-app` acts for whom `cli._who` finds: a `pos-app login` session (`command_line.session_actor`)
# or a job token (`command_line.job_actor`). These tests go through those very functions, on the
# in-memory fakes of tests/fakes/ (the store-backed path is tests/integration/test_cli_sign_in.py).


def _owner_session(uow: FakeUnitOfWork) -> str:
    signed_in = staff.check_sign_in(staff_id(Role.OWNER), secret_of(Role.OWNER), uow=uow, hasher=HASHER,
                                    terminal="C1", via=command_line.VIA)
    assert signed_in.outcome == "ok"
    return command_line.start_session(signed_in.actor, uow=uow, os_user="olive").token


def test_the_command_line_acts_as_the_person_signed_in_with_their_roles_permissions() -> None:
    uow = fake_store()
    cli = command_line.session_actor(_owner_session(uow), uow=uow, terminal="C1")
    assert (cli.staff_id, cli.name, cli.role, cli.only) == (staff_id(Role.OWNER), "Olive Owner (command line)",
                                                             Role.OWNER, None)
    assert {p for p in Permission if cli.can(p)} == {p for p in Permission if TABLE[p.value]["owner"]}
    with pytest.raises(PermissionDenied, match="ask a privacy officer"):
        cli.require(Permission.EDIT_RESTRICTED_CUSTOMER)


def test_the_command_line_acts_with_the_role_a_person_has_now() -> None:
    uow = fake_store()
    token = _owner_session(uow)
    staff.set_role(staff_id(Role.MANAGER), Role.OWNER, uow=uow, actor=staff_actor(Role.OWNER), hasher=HASHER)
    staff.set_role(staff_id(Role.OWNER), Role.MANAGER, pin="2468", uow=uow, actor=staff_actor(Role.OWNER),
                   hasher=HASHER)
    cli = command_line.session_actor(token, uow=uow, terminal="C1")
    assert cli.role is Role.MANAGER and not cli.can(Permission.MANAGE_STAFF)


def test_a_job_token_acts_with_its_jobs_permission_and_nothing_else() -> None:
    uow = fake_store()
    token, _ = command_line.create_job_token("nightly", "backup", uow=uow, actor=staff_actor(Role.OWNER))
    job = command_line.job_actor(token, uow=uow, terminal="C1")
    assert (job.staff_id, job.name, job.only) == (None, "nightly (backup job)", JOB_PERMISSIONS["backup"])
    job.require(Permission.BACKUP)
    assert [p for p in Permission if job.can(p)] == [Permission.BACKUP]
    with pytest.raises(PermissionDenied) as caught:
        job.require(Permission.ERASE_CUSTOMER)
    assert str(caught.value) == "nightly (backup job) may only backup; it cannot erase customer."


def test_a_job_never_does_more_than_its_makers_role() -> None:
    uow = fake_store()
    token, _ = command_line.create_job_token("purge", "retention", uow=uow, actor=staff_actor(Role.OWNER))
    # Made by an owner who is a manager now: the job acts with its maker's role as it is today.
    staff.set_role(staff_id(Role.MANAGER), Role.OWNER, uow=uow, actor=staff_actor(Role.OWNER), hasher=HASHER)
    staff.set_role(staff_id(Role.OWNER), Role.MANAGER, pin="2468", uow=uow, actor=staff_actor(Role.OWNER),
                   hasher=HASHER)
    retention = command_line.job_actor(token, uow=uow, terminal="C1")
    assert retention.role is Role.MANAGER and not retention.can(Permission.ERASE_CUSTOMER)
    with pytest.raises(PermissionDenied, match="A manager cannot erase customer"):
        retention.require(Permission.ERASE_CUSTOMER)


# --- signing in ------------------------------------------------------------------------------


def test_roles_that_reach_money_staff_or_personal_data_sign_in_with_a_password() -> None:
    expected = {Role.OWNER: True, Role.MANAGER: True, Role.CLERK: False, Role.APPRAISER: False, Role.PRIVACY_OFFICER: True}
    assert {role: role.signs_in_with_password for role in Role} == expected


def test_roles_have_readable_labels() -> None:
    assert [role.label for role in Role] == ["Owner", "Manager", "Clerk", "Appraiser", "Privacy officer"]
