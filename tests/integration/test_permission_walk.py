"""Every service action checks a permission, and every refusal leaves a trace.

The walk finds every public function of every `pos_app.services` module. Each
one is either guarded by `@requires` or listed in NOT_GUARDED with the reason
it needs no check of its own; a new function that is neither fails the walk.
Then, for each guarded function and each role the matrix refuses, the
function is called as that role with placeholder arguments: the guard must
refuse before it looks at them, and commit a `permission.refused` event
naming the person, the role, the terminal, the permission and the function.

To cover a new module: decorate its actions, add its helpers to NOT_GUARDED.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import pos_app.services
from pos_app import app
from pos_app.domain.errors import PermissionDenied
from pos_app.domain.permissions import Actor, Permission, Role, allows
from pos_app.services import inventory, sales, settings, staff
from pos_app.services.guard import required_permission, requires
from pos_app.services.reports import catalog
from tests.conftest import FAST_HASHER, actor_for, clone_store

# A reason for each public function that checks no permission itself. Group by why.
_PURE = "pure: computes from its arguments, reads and writes nothing"
_CART = ("in-memory cart edit at the counter: reads at most the item or sale named, keeps nothing; "
         "what the cart becomes is checked by the guarded park_cart/start_checkout/complete_sale")
_SIGN_IN = "signing in itself: who is asking is what it finds out (failures are audited)"
_DEMO = "builds the demo store before anyone can sign in"
_INTERNAL = "a step of a guarded action, called by it after its check"
_GUARD = "the guard itself"
_SHIPPED = "reads a file shipped with Facet (the privacy export's schema), no store data"

NOT_GUARDED: dict[str, str] = {
    "sync.status": "what the status bar shows everyone (online, changes waiting, counts): no data, no secret",
    "sync.sync_once": "the counter's own sync worker moves changes under the counter's own login to central; "
                      "it reads and writes no data for a person (the CLI's `sync now` signs someone in first)",
    "appraisals.content": _PURE,
    "appraisals.final_warnings": _PURE,
    "appraisals.signers": "the names on the counter's \"who signs?\" list, like the sign-in list",
    "appraisals.spec_from_item": _PURE,
    "appraisals.stones_from_item": _PURE,
    "appraisals.verification_code": _PURE,
    "appraisals.find_version": "turns a number into an id for the guarded call that follows (CLI print)",
    "audit.check_actor": "who the chain check at start acts as, before anyone signs in (like retention.job_actor)",
    "backup.check_may_restore": ("refuses before a restore, when the store to be replaced may not open; "
                                 "record_restore is guarded"),
    "cash.count_total": _PURE,
    "cash.denominations": _PURE,
    "card_refunds.attention_message": _PURE,
    "card_refunds.record": ("writes inside the caller's open unit of work (refund_card, void_checkout, void_sale), "
                            "which is guarded"),
    "checkout.add_item": _CART,
    "checkout.attach_customer": _CART,
    "checkout.refresh_customer": _CART,
    "checkout.clear_tax_exemption": _CART,
    "checkout.exempt_from_tax": _CART,
    "checkout.remove_line": _CART,
    "checkout.scan": _CART,
    "checkout.share_sale": _CART,
    "checkout.credits_for_sale": _PURE,
    "checkout.sellers": "the names a clerk may credit with a sale, like the sign-in list",
    "report_settings.commission_rules": ("the rules the guarded salespeople report reads through the report's "
                                         "context; showing them is report_settings.report_settings, guarded"),
    "report_settings.aging_months": "the cut-offs the guarded aging report reads through the report's context",
    "checkout.set_quantity": _CART,
    "checkout.find_item": _INTERNAL,
    "checkout.card_refundable": _INTERNAL,
    "checkout.open_checkout": _INTERNAL,
    "checkout.sale_rows": _PURE,
    "checkout.check_large_cash": _PURE,
    "checkout.large_cash_since": _PURE,
    "checkout.counter_settings": "the store's currency, tax and discount limit: read before anyone signs in",
    "checkout.parse_discount": _PURE,
    "checkout.paid_summary": _PURE,
    "checkout.conflict_message": _PURE,
    "checkout.current": "reads the journal a guarded payment call acts on, inside its unit of work",
    "checkout.stored": "reads the journal a guarded payment call acts on, inside its unit of work",
    "checkout.save": "writes the journal inside a guarded payment call's unit of work",
    "checkout.commit": "writes the journal for a guarded payment call, between its Stripe requests",
    "checkout.finish_refund": _INTERNAL,
    "customers.check_customer_edit": _PURE,
    "customers.check_quick_customer": _PURE,
    "command_line.check_job": _PURE,
    "command_line.end_session": "anyone ends their own session: the token is what proves whose it is",
    "command_line.job_actor": "a job token signing in: who is asking is what it finds out",
    "command_line.session_actor": "a session signing in: who is asking is what it finds out",
    "command_line.session_status": "who the session in your keyring signs in (`pos-app whoami`), no more",
    "command_line.start_session": "the session of someone `staff.sign_in` has just signed in (`pos-app login`)",
    "command_line.token_hash": _PURE,
    "demo.load_demo_store": _DEMO,
    **{f"demo_history.{name}": _DEMO for name in ("history_start", "months_back", "mothers_day", "plan_history",
                                                   "season", "write_history_stock", "write_sales")},
    "demo_paperwork.add_appraisals": _DEMO,
    "demo_paperwork.add_certificates": _DEMO,
    "demo_paperwork.necklace_photo": _DEMO,
    "guard.approval": _GUARD,
    "guard.check_open": _GUARD,
    "guard.refuse": _GUARD,
    "guard.required_permission": _GUARD,
    "guard.requires": _GUARD,
    "inventory.photo_type": _PURE,
    "inventory.store_filter": _PURE,
    "inventory.store_context": "the store's currency and locations, which every screen needs to start",
    "inventory.visible_rows": "hides cost from whoever may not view it: a filter, not an action",
    "labels.tag_for": _PURE,
    "privacy_export.categories": _PURE,
    "privacy_export_schema.csv_header": _SHIPPED,
    "privacy_export_schema.schema_bytes": _SHIPPED,
    "receipts.build_receipt": _INTERNAL,
    "receipts.find_sale_id": _INTERNAL,
    "receipts.kick_drawer": "the printer's drawer pulse, sent after the guarded no_sale or sale",
    "receipts.layout": _INTERNAL,
    "receipts.print_report": "prints a shift report the guarded x_report/close_shift already produced",
    "receipts.render_receipt": _PURE,
    "retention.due": "whether the retention job is due: a date, no personal data (start-up banner)",
    "retention.job_actor": _PURE,
    "retention.periods": "the retention periods in settings (shown on the privacy desk to whoever opens it)",
    "returns.add_return": _CART,
    "returns.return_whole_sale": _CART,
    "returns.returnable": _PURE,
    "sales.parse_day": _PURE,
    "setup.check_owner": _PURE,
    "setup.parse_store_profile": _PURE,
    "setup.set_up_store": "first run: there is no one to ask yet; it makes the owner",
    "setup.setup_pending": "whether the first-run wizard still has steps: a flag, read at the owner's sign-in",
    "store_profile.as_texts": _PURE,
    "payment_setup.check_registration_code": _PURE,
    "staff.acting_name": _PURE,
    "staff.approve": "a manager's PIN: checked like a sign-in, and the approver's role is checked",
    "staff.approvers": "the names on the approval dialog, like the sign-in list",
    "staff.check_password": _PURE,
    "staff.check_pin": _PURE,
    "staff.check_new_secret": _PURE,
    "staff.check_sign_in": _SIGN_IN,
    "staff.lock_delay": _PURE,
    "staff.record_sign_in": _SIGN_IN,
    "staff.sign_in": _SIGN_IN,
    "staff.sign_in_choices": _SIGN_IN,
    "staff.sign_out": "anyone signs themself out",
    "staff.wait_words": _PURE,
    "two_step.check_second_step": _SIGN_IN,
    "two_step.confirm_enrolment": "anyone adds two-step sign-in to their own account (the actor is themself)",
    "two_step.mark_required": ("marks the rows the guarded staff_overview and staff.staff_list return with "
                               "whether the store's setting requires two-step sign-in"),
    "two_step.matching_step": _PURE,
    "two_step.replace_recovery_codes": ("your own codes need no permission; another person's need manage_staff, "
                                        "checked (and a refusal audited) inside with check_open"),
    "two_step.start_enrolment": "a new secret for the actor's own enrolment: nothing is read or kept yet",
    "two_step.time_step": _PURE,
}


def _service_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for module_info in sorted(pkgutil.iter_modules(pos_app.services.__path__), key=lambda m: m.name):
        if module_info.name == "ports":
            continue
        module = importlib.import_module(f"pos_app.services.{module_info.name}")
        modules = [module]
        if module_info.ispkg:  # a service split into modules (checkout): each function under the package's name
            modules += [importlib.import_module(f"{module.__name__}.{sub.name}")
                        for sub in pkgutil.iter_modules(module.__path__)]
        for each in modules:
            for name, fn in inspect.getmembers(each, inspect.isfunction):
                if not name.startswith("_") and fn.__module__ == each.__name__:
                    yield f"{module_info.name}.{name}", fn


_BUILDER = "a report's builder: reached only through the guarded catalog.run"
_REPORT_PARTS = "the reports' own parts (periods, cells, labels, the catalog's lookups, JSON): no store, no change"
NOT_GUARDED.update({f"reports.{spec.build.__name__}": _BUILDER for spec in map(catalog.spec, catalog.names())})
NOT_GUARDED.update({f"reports.{name}": _REPORT_PARTS for name in (
    "aging_months", "bucket_labels", "grouped_table", "just_today", "label_of", "last_twelve_months", "margin_cells",
    "month_to_date", "months_before", "names", "rate_rows", "report", "report_json", "report_rows", "sales_cells",
    "settle", "shown_rate", "spec", "table_json", "tender_table", "turn_cells")})
NOT_GUARDED["reports.check_path"] = "checks a path a report would be saved to; writing it (write_report) is guarded"
NOT_GUARDED["cash.expected_in_drawer"] = _PURE

FUNCTIONS = dict(_service_functions())
GUARDED = {name: (fn, permission) for name, fn in FUNCTIONS.items()
           if (permission := required_permission(fn)) is not None}
REFUSALS = [(name, role) for name, (_, permission) in GUARDED.items() for role in Role if not allows(role, permission)]


def test_every_public_service_function_is_guarded_or_says_why_not() -> None:
    unexplained = sorted(set(FUNCTIONS) - set(GUARDED) - set(NOT_GUARDED))
    assert not unexplained, f"decorate with @requires, or add to NOT_GUARDED with a reason: {unexplained}"


def test_the_allowlist_names_only_real_unguarded_functions_each_with_a_reason() -> None:
    assert sorted(set(NOT_GUARDED) - set(FUNCTIONS)) == [], "stale entries"
    assert sorted(set(NOT_GUARDED) & set(GUARDED)) == [], "guarded functions need no excuse"
    assert all(reason.strip() for reason in NOT_GUARDED.values())


def test_the_walk_found_the_services() -> None:
    # A walk that silently found nothing would pass every check above.
    assert len(GUARDED) > 100
    assert {"checkout.complete_sale", "customers.list_customers", "sales.list_sales",
            "certificates.list_certificates", "privacy.list_requests", "inventory.adjust_stock"} <= set(GUARDED)


def test_the_walk_reaches_every_module_of_a_service_split_into_a_package() -> None:
    # appraisals is a package (drafting, signing, verification, printed, register): each module's actions are
    # walked, under the name the audit trail gives them.
    assert {"appraisals.create_draft", "appraisals.finalize", "appraisals.correct", "appraisals.document",
            "appraisals.erase_expired"} <= set(GUARDED)
    assert {"appraisals.content", "appraisals.spec_from_item", "appraisals.signers"} <= set(FUNCTIONS)


def test_every_permission_a_guard_asks_for_is_in_the_matrix() -> None:
    assert {permission for _, permission in GUARDED.values()} <= set(Permission)


def test_the_guard_insists_on_keyword_only_actor_and_uow() -> None:
    def positional_actor(actor: Actor, *, uow: object) -> None: ...

    def no_uow(*, actor: Actor) -> None: ...

    for fn in (positional_actor, no_uow):
        with pytest.raises(TypeError, match="keyword-only"):
            requires(Permission.SELL)(fn)


class Placeholder:
    """Stands for any argument: a guard that looked at one would trip over it."""

    def __repr__(self) -> str:
        return "<placeholder>"


def _placeholder_call(fn: Callable[..., Any], actor: Actor, uow: Any) -> None:
    positional: list[Any] = []
    keywords: dict[str, Any] = {"actor": actor, "uow": uow}
    for param in inspect.signature(fn).parameters.values():
        if param.name in keywords or param.default is not inspect.Parameter.empty:
            continue
        if param.kind is inspect.Parameter.KEYWORD_ONLY:
            keywords[param.name] = Placeholder()
        else:
            positional.append(Placeholder())
    fn(*positional, **keywords)


@pytest.fixture(scope="module")
def walk_facet(demo_template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[app.Facet]:
    """One demo store for the whole walk: each refusal only appends an audit event."""
    facet = app.open_facet(clone_store(demo_template, tmp_path_factory.mktemp("walk") / "store"))
    yield facet
    facet.close()


def _last_event(facet: app.Facet) -> tuple[Any, ...]:
    return tuple(facet.connection().execute(
        "SELECT action, staff_id, actor_name, role, terminal, summary FROM audit_events "
        "ORDER BY seq DESC LIMIT 1").fetchone())


@pytest.mark.parametrize(("name", "role"), REFUSALS, ids=[f"{name}-{role.value}" for name, role in REFUSALS])
def test_a_role_without_the_permission_is_refused_and_the_refusal_is_recorded(
        walk_facet: app.Facet, name: str, role: Role) -> None:
    fn, permission = GUARDED[name]
    someone = actor_for(walk_facet, role)
    with pytest.raises(PermissionDenied) as refused:
        _placeholder_call(fn, someone, walk_facet.uow())
    assert role.label.lower() in str(refused.value).lower()
    action, staff_id, actor_name, recorded_role, terminal, summary = _last_event(walk_facet)
    assert (action, staff_id, actor_name, recorded_role, terminal) == (
        "permission.refused", someone.staff_id, someone.name, role.value, someone.terminal)
    assert json.loads(summary) == {"permission": permission.value, "function": name}


# ---------------------------------------------------------------- a clerk's session, readably


@pytest.mark.parametrize(("call", "function"), [
    (lambda f, a: sales.list_sales(since=None, until=None, timezone="UTC", limit=50, sales=f.store.sales,
                                   actor=a, uow=f.uow()),
     "sales.list_sales"),
    (lambda f, a: staff.add_staff("Mallory", Role.OWNER, pin="1234", password="long-enough", uow=f.uow(), actor=a,
                                  hasher=FAST_HASHER), "staff.add_staff"),
    (lambda f, a: inventory.receive_more("any-item", 3, uow=f.uow(), actor=a), "inventory.receive_more"),
    (lambda f, a: settings.change_setting("sales.clerk_discount_limit_percent", "90", uow=f.uow(), actor=a),
     "settings.change_setting"),
], ids=["sales report", "add an owner", "receive stock", "raise own discount limit"])
def test_a_clerk_calling_manager_only_services_is_refused_and_logged(
        demo_facet: app.Facet, call: Callable[[app.Facet, Actor], Any], function: str) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    with pytest.raises(PermissionDenied, match="A clerk cannot"):
        call(demo_facet, clerk)
    action, staff_id, _, role, _, summary = _last_event(demo_facet)
    assert (action, staff_id, role) == ("permission.refused", clerk.staff_id, "clerk")
    assert json.loads(summary)["function"] == function
    limit = demo_facet.store.directory.setting("sales.clerk_discount_limit_percent", "10")
    assert str(limit) != "90"
