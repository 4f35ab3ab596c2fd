"""Privacy requests on a real demo store: the 30-day clock, verification, the one extension, who may act."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, UserFacingError, ValidationError
from pos_app.domain.permissions import Role
from pos_app.domain.store import store_today
from pos_app.services import privacy
from tests.conftest import actor_for, audit_summaries, cli_login

TODAY = dt.date(2026, 11, 25)


def _customers(facet: app.Facet, n: int = 3) -> list[str]:
    return [c.id for c in facet.store.sales.customers("", n)]


def _staff_id(facet: app.Facet, role: Role) -> str:
    return next(s.id for s in facet.store.directory.staff_list() if s.role is role)


def _counts(facet: app.Facet) -> tuple[int, ...]:
    conn = facet.connection()
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("privacy_requests", "audit_events", "outbox"))
    finally:
        conn.close()


def _audit(facet: app.Facet, action: str) -> list[dict[str, Any]]:
    return audit_summaries(facet, action)


def _record(facet: app.Facet, received: dt.date = TODAY, *, customer: str | None = None,
            type: str = "access") -> str:
    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    customer_id = customer or _customers(facet, 1)[0]
    return privacy.record_request(customer_id, type, "email", received, uow=facet.uow(), actor=officer,
                                  today=TODAY).id


def test_a_request_is_due_30_days_after_the_day_it_was_received(demo_facet: app.Facet) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    customer = _customers(demo_facet, 1)[0]
    record = privacy.record_request(customer, "Right to know", "in person", dt.date(2026, 11, 20),
                                    uow=demo_facet.uow(), actor=officer, today=TODAY)
    assert (record.type, record.channel, record.status) == ("access", "counter", "received")
    assert record.due_on == dt.date(2026, 12, 20)
    assert record.customer_id == customer
    [event] = _audit(demo_facet, "privacy.request_received")
    assert event == {"customer_id": customer, "type": "access", "channel": "counter",
                     "received_on": "2026-11-20", "due_on": "2026-12-20"}
    outbox = demo_facet.connection().execute(
        "SELECT op FROM outbox WHERE table_name = 'privacy_requests' AND row_id = ?", (record.id,)).fetchall()
    assert outbox == [("insert",)]


def test_verifying_records_the_method_and_the_officer_and_holds_no_personal_value(demo_facet: app.Facet) -> None:
    request_id = _record(demo_facet, type="delete")
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    record = privacy.verify(request_id, "code to email", officer.staff_id or "", uow=demo_facet.uow(),
                            actor=officer)
    assert (record.status, record.verification_method, record.verified_by) == (
        "verified", "code_to_email_on_file", officer.staff_id)
    assert record.verified_at is not None
    [event] = _audit(demo_facet, "privacy.request_verified")
    customer = demo_facet.store.sales.customer(record.customer_id or "")
    assert customer is not None
    text = json.dumps(event)
    assert customer.name not in text and (customer.email or "@") not in text


def test_the_list_puts_overdue_requests_first_then_by_due_date(demo_facet: app.Facet) -> None:
    a, b, c = _customers(demo_facet)
    soon = _record(demo_facet, TODAY - dt.timedelta(days=25), customer=a)  # due in 5 days
    later = _record(demo_facet, TODAY - dt.timedelta(days=2), customer=b)  # due in 28 days
    overdue = _record(demo_facet, TODAY - dt.timedelta(days=33), customer=c)  # 3 days late
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    rows = privacy.list_requests(reader=demo_facet.store.privacy, actor=officer, today=TODAY, uow=demo_facet.uow())
    assert [r.id for r in rows] == [overdue, soon, later]
    assert [r.days_left for r in rows] == [-3, 5, 28]
    assert all(r.customer_name for r in rows)
    due_soon = privacy.list_requests(reader=demo_facet.store.privacy, actor=officer, today=TODAY,
                                     due_within_days=7, uow=demo_facet.uow())
    assert [r.id for r in due_soon] == [overdue, soon]


def test_closed_requests_leave_the_desk_list(demo_facet: app.Facet) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    request_id = _record(demo_facet)
    with pytest.raises(Conflict):  # completing needs a verified identity
        privacy.close_request(request_id, "completed", "sent the export", uow=demo_facet.uow(), actor=officer)
    privacy.verify(request_id, "in_person_id", officer.staff_id or "", uow=demo_facet.uow(), actor=officer)
    done = privacy.close_request(request_id, "completed", "sent the export", uow=demo_facet.uow(), actor=officer)
    assert done.status == "completed" and done.completed_at is not None
    reader = demo_facet.store.privacy
    assert privacy.list_requests(reader=reader, actor=officer, today=TODAY, uow=demo_facet.uow()) == []
    assert [r.id for r in privacy.list_requests(reader=reader, actor=officer, today=TODAY,
                                                include_closed=True, uow=demo_facet.uow())] == [request_id]


def test_one_extension_of_at_most_45_days_told_before_the_original_due_date(demo_facet: app.Facet) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    request_id = _record(demo_facet, dt.date(2026, 11, 1))  # due 2026-12-01
    with pytest.raises(ValidationError) as too_long:
        privacy.extend(request_id, "a large archive", TODAY, days=46, uow=demo_facet.uow(), actor=officer,
                       today=TODAY)
    assert too_long.value.field == "days"
    with pytest.raises(ValidationError) as no_reason:
        privacy.extend(request_id, "  ", TODAY, uow=demo_facet.uow(), actor=officer, today=TODAY)
    assert no_reason.value.field == "reason"
    extended = privacy.extend(request_id, "paper records in storage", TODAY, uow=demo_facet.uow(), actor=officer,
                              today=TODAY)
    assert extended.due_on == dt.date(2026, 12, 1) + dt.timedelta(days=45)
    assert (extended.extension_reason, extended.customer_told_on) == ("paper records in storage", TODAY)
    with pytest.raises(Conflict, match="one extension"):
        privacy.extend(request_id, "still more", TODAY, days=5, uow=demo_facet.uow(), actor=officer, today=TODAY)
    [event] = _audit(demo_facet, "privacy.request_extended")
    assert "reason" not in event and event["due_on"] == "2027-01-15"


def test_telling_the_customer_after_the_due_date_is_too_late_to_extend(demo_facet: app.Facet) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    request_id = _record(demo_facet, dt.date(2026, 10, 1))  # due 2026-10-31
    before = _counts(demo_facet)
    with pytest.raises(ValidationError) as late:
        privacy.extend(request_id, "backlog", dt.date(2026, 11, 2), uow=demo_facet.uow(), actor=officer,
                       today=TODAY)
    assert late.value.field == "told_on" and "2026-10-31" in str(late.value)
    assert _counts(demo_facet) == before


@pytest.mark.parametrize("role", [Role.CLERK, Role.MANAGER, Role.APPRAISER])
def test_only_the_privacy_officer_and_owner_handle_requests_and_a_refusal_is_audited(
        demo_facet: app.Facet, role: Role) -> None:
    someone = actor_for(demo_facet, role)
    request_id = _record(demo_facet)
    customer = _customers(demo_facet, 1)[0]
    with pytest.raises(PermissionDenied, match="privacy officer"):
        privacy.record_request(customer, "access", "email", TODAY, uow=demo_facet.uow(), actor=someone, today=TODAY)
    with pytest.raises(PermissionDenied):
        privacy.verify(request_id, "in_person_id", someone.staff_id or "", uow=demo_facet.uow(), actor=someone)
    with pytest.raises(PermissionDenied):
        privacy.list_requests(reader=demo_facet.store.privacy, actor=someone, today=TODAY, uow=demo_facet.uow())
    assert demo_facet.connection().execute("SELECT count(*), min(status) FROM privacy_requests").fetchone() == (
        1, "received")
    refused = demo_facet.connection().execute(
        "SELECT staff_id, role FROM audit_events WHERE action = 'permission.refused'").fetchall()
    assert refused == [(someone.staff_id, role.value)] * 3
    assert [e["function"] for e in _audit(demo_facet, "permission.refused")] == [
        "privacy.record_request", "privacy.verify", "privacy.list_requests"]
    owner = actor_for(demo_facet, Role.OWNER)
    assert privacy.list_requests(reader=demo_facet.store.privacy, actor=owner, today=TODAY, uow=demo_facet.uow())


BadCall = Callable[[app.Facet, str], Any]


def _as_officer(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> BadCall:
    def call(facet: app.Facet, request_id: str) -> Any:
        officer = actor_for(facet, Role.PRIVACY_OFFICER)
        resolved = [a(facet, request_id) if callable(a) else a for a in args]
        return fn(*resolved, uow=facet.uow(), actor=officer, **kwargs)
    return call


def _request_id(facet: app.Facet, request_id: str) -> str:
    return request_id


def _customer(facet: app.Facet, request_id: str) -> str:
    return _customers(facet, 1)[0]


def _officer_id(facet: app.Facet, request_id: str) -> str:
    return _staff_id(facet, Role.PRIVACY_OFFICER)


def _clerk_id(facet: app.Facet, request_id: str) -> str:
    return _staff_id(facet, Role.CLERK)


@pytest.mark.parametrize(("call", "error", "field"), [
    (_as_officer(privacy.record_request, "no-such-customer", "access", "email", TODAY, today=TODAY),
     ValidationError, "customer_id"),
    (_as_officer(privacy.record_request, _customer, "a refund", "email", TODAY, today=TODAY),
     ValidationError, "type"),
    (_as_officer(privacy.record_request, _customer, "access", "carrier pigeon", TODAY, today=TODAY),
     ValidationError, "channel"),
    (_as_officer(privacy.record_request, _customer, "access", "email", TODAY + dt.timedelta(days=1), today=TODAY),
     ValidationError, "received_on"),
    (_as_officer(privacy.verify, "no-such-request", "in_person_id", _officer_id), NotFound, "request_id"),
    (_as_officer(privacy.verify, _request_id, "a hunch", _officer_id), ValidationError, "method"),
    (_as_officer(privacy.verify, _request_id, "in_person_id", "no-such-staff"), ValidationError, "verified_by"),
    (_as_officer(privacy.verify, _request_id, "in_person_id", _clerk_id), ValidationError, "verified_by"),
    (_as_officer(privacy.extend, _request_id, "backlog", TODAY, days=90, today=TODAY), ValidationError, "days"),
    (_as_officer(privacy.extend, _request_id, "backlog", TODAY + dt.timedelta(days=1), today=TODAY),
     ValidationError, "told_on"),
    (_as_officer(privacy.close_request, _request_id, "completed", ""), ValidationError, "outcome"),
    (_as_officer(privacy.close_request, _request_id, "verified", "done"), ValidationError, "status"),
], ids=["unknown customer", "unknown type", "unknown channel", "received in the future", "unknown request",
        "unknown method", "unknown staff", "a clerk verifies", "extension too long",
        "told in the future", "no outcome", "closed as verified"])
def test_bad_input_names_its_field_and_changes_nothing(
        demo_facet: app.Facet, call: BadCall, error: type[UserFacingError], field: str) -> None:
    request_id = _record(demo_facet)
    before = _counts(demo_facet)
    with pytest.raises(error) as raised:
        call(demo_facet, request_id)
    if isinstance(raised.value, ValidationError):
        assert raised.value.field == field
    else:
        assert field in str(raised.value)
    assert _counts(demo_facet) == before


def test_a_request_is_verified_once_and_a_closed_one_never_changes(demo_facet: app.Facet) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    request_id = _record(demo_facet)
    privacy.verify(request_id, "matched_order_detail", officer.staff_id or "", uow=demo_facet.uow(), actor=officer)
    before = _counts(demo_facet)
    with pytest.raises(Conflict, match="already verified"):
        privacy.verify(request_id, "in_person_id", officer.staff_id or "", uow=demo_facet.uow(), actor=officer)
    assert _counts(demo_facet) == before
    privacy.close_request(request_id, "refused", "the law lets us keep tax records", uow=demo_facet.uow(),
                          actor=officer)
    before = _counts(demo_facet)
    with pytest.raises(Conflict, match="already refused"):
        privacy.extend(request_id, "backlog", TODAY, uow=demo_facet.uow(), actor=officer, today=TODAY)
    with pytest.raises(Conflict, match="already refused"):
        privacy.close_request(request_id, "completed", "done", uow=demo_facet.uow(), actor=officer)
    assert _counts(demo_facet) == before


# ---------------------------------------------------------------- command line


def _run(capsys: pytest.CaptureFixture[str], demo_dir: Path, *argv: str) -> tuple[int, Any]:
    code = cli.main([*argv, "--json", "--data-dir", str(demo_dir)])
    return code, json.loads(capsys.readouterr().out)


def test_the_command_line_records_verifies_and_lists_requests(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    cli_login(demo_dir, "Dana Brooks")  # the privacy officer
    code, listed = _run(capsys, demo_dir, "customers", "list")
    assert code == 0 and len(listed["customers"]) > 3
    first = listed["customers"][0]
    code, found = _run(capsys, demo_dir, "customers", "list", "--search", first["name"].split()[0])
    assert code == 0 and first["id"] in [c["id"] for c in found["customers"]]

    facet = app.open_facet(demo_dir)
    try:
        today = store_today(facet.profile.timezone)
    finally:
        facet.close()
    late = (today - dt.timedelta(days=31)).isoformat()
    code, old = _run(capsys, demo_dir, "privacy", "request", listed["customers"][1]["id"], "--type", "delete",
                     "--channel", "mail", "--received", late)
    assert code == 0 and old["status"] == "received" and old["type"] == "deletion"
    code, new = _run(capsys, demo_dir, "privacy", "request", first["id"], "--type", "opt-out", "--channel", "web")
    assert code == 0 and new["received_on"] == today.isoformat()
    assert new["due_on"] == (today + dt.timedelta(days=30)).isoformat()

    # The verifier is whoever signed in: --by may only name them.
    code, refused = _run(capsys, demo_dir, "privacy", "verify", old["id"], "--method", "in_person_id",
                         "--by", "Jane Ellen")
    assert code == cli.EXIT_REFUSED and refused["error"].startswith("--by: the verifier is the person signed in")
    code, verified = _run(capsys, demo_dir, "privacy", "verify", new["id"], "--method", "code_to_email_on_file",
                          "--by", "dana brooks")
    assert code == 0 and verified["status"] == "verified" and verified["verified_by_name"] == "Dana Brooks"

    code, listing = _run(capsys, demo_dir, "privacy", "requests")
    assert code == 0
    assert [(r["id"], r["overdue"]) for r in listing["requests"]] == [(old["id"], True), (new["id"], False)]
    assert listing["requests"][0]["customer_name"] == listed["customers"][1]["name"]
    code, soon = _run(capsys, demo_dir, "privacy", "requests", "--due-within", "7")
    assert code == 0 and [r["id"] for r in soon["requests"]] == [old["id"]]


@pytest.mark.usefixtures("cli_owner")
def test_the_command_line_prints_only_the_request_id_without_json(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    code, listed = _run(capsys, demo_dir, "customers", "list", "--limit", "1")
    assert code == 0 and len(listed["customers"]) == 1
    assert cli.main(["privacy", "request", listed["customers"][0]["id"], "--type", "access", "--channel", "phone",
                     "--data-dir", str(demo_dir)]) == 0
    out = capsys.readouterr().out.strip()
    assert len(out) == 36 and out.count("-") == 4
    assert cli.main(["privacy", "requests", "--data-dir", str(demo_dir)]) == 0
    listing = capsys.readouterr().out
    assert out in listing and "due in 30 d" in listing and listed["customers"][0]["name"] in listing
    assert cli.main(["privacy", "request", "nobody", "--type", "access", "--channel", "phone",
                     "--data-dir", str(demo_dir)]) == cli.EXIT_REFUSED
    assert "customer_id" in capsys.readouterr().err
    assert cli.main(["privacy", "request", listed["customers"][0]["id"], "--type", "access", "--channel", "phone",
                     "--received", "yesterday", "--data-dir", str(demo_dir)]) == cli.EXIT_REFUSED
    assert "--received" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["customers"], ["customers", "list"], ["privacy"], ["privacy", "request"], ["privacy", "verify"],
    ["privacy", "extend"], ["privacy", "requests"],
], ids=" ".join)
def test_every_privacy_command_has_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main([*argv, "--help"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pos-app")
    if len(argv) > 1:
        assert "--json" in out and "--data-dir" in out
