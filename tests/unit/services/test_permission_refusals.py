"""Each guarded service refuses a role without its permission, audits the refusal, and writes nothing else.

`@requires` checks the role before the function reads its arguments; the refusal
is its own committed unit of work holding one `permission.refused` event, so
"who tried to void that sale?" has an answer. The same holds for the checks made
inside a unit of work (`check_open`), for a permission that depends on the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from pos_app.domain.cart import Cart, Discount
from pos_app.domain.errors import PermissionDenied
from pos_app.domain.permissions import Permission, Role
from pos_app.services import checkout, customers, inventory, privacy, settings, staff, two_step
from tests.fakes.builders import HASHER, actor, add_customer, add_item, staff_id
from tests.fakes.uow import FakeUnitOfWork

TODAY = dt.date(2026, 3, 2)
COUNTER = checkout.CounterSettings(currency="USD", locale="en_US", timezone="America/Chicago",
                                   tax_rate=Decimal("6.25"), clerk_discount_limit=Decimal(10), terminal="C1")
QUICK = customers.QuickCustomer("Ruby", "Stone", "ruby@example.com", "", adult_confirmed=True)
EDIT = customers.CustomerEdit("Ruby", "Stone", "ruby@example.com", "")


def _cart(uow: FakeUnitOfWork) -> Cart:
    from tests.fakes.builders import item_row

    item = add_item(uow, sku="NK-9")
    return checkout.add_item(Cart(currency="USD"), item_row(uow, item), actor=actor(Role.CLERK))


def _request(uow: FakeUnitOfWork) -> str:
    customer = add_customer(uow)
    return uow.privacy.add(customer_id=customer, type="access", channel="email", received_on=TODAY,
                           due_on=TODAY + dt.timedelta(days=30))


# (the call, the role refused, the permission it lacks, the refusal's entity)
Call = Callable[[FakeUnitOfWork, Any], object]
CASES: list[tuple[str, Call, Role, Permission]] = [
    ("inventory.receive_new_item", lambda u, a: inventory.receive_new_item({}, uow=u, actor=a),
     Role.CLERK, Permission.RECEIVE_STOCK),
    ("inventory.receive_more", lambda u, a: inventory.receive_more(add_item(u), 1, uow=u, actor=a),
     Role.CLERK, Permission.RECEIVE_STOCK),
    ("inventory.update_item", lambda u, a: inventory.update_item(add_item(u), {}, uow=u, actor=a),
     Role.CLERK, Permission.EDIT_ITEM),
    ("inventory.adjust_stock", lambda u, a: inventory.adjust_stock(add_item(u), -1, "lost", uow=u, actor=a),
     Role.APPRAISER, Permission.COUNT_STOCK),
    ("inventory.add_photos", lambda u, a: inventory.add_photos(add_item(u), [b"x"], uow=u, actor=a),
     Role.CLERK, Permission.EDIT_ITEM),
    ("inventory.item_detail", lambda u, a: inventory.item_detail(add_item(u), uow=u, actor=a),
     Role.PRIVACY_OFFICER, Permission.VIEW_INVENTORY),
    ("customers.quick_add_customer", lambda u, a: customers.quick_add_customer(QUICK, uow=u, actor=a, policy=None),
     Role.APPRAISER, Permission.EDIT_CUSTOMERS),
    ("customers.update_customer", lambda u, a: customers.update_customer(add_customer(u), EDIT, uow=u, actor=a),
     Role.APPRAISER, Permission.EDIT_CUSTOMERS),
    ("staff.add_staff", lambda u, a: staff.add_staff("Nia", Role.CLERK, pin="1111", uow=u, actor=a, hasher=HASHER),
     Role.MANAGER, Permission.MANAGE_STAFF),
    ("staff.set_role", lambda u, a: staff.set_role(staff_id(Role.CLERK), Role.MANAGER, uow=u, actor=a,
                                                   hasher=HASHER), Role.MANAGER, Permission.MANAGE_STAFF),
    ("staff.deactivate", lambda u, a: staff.deactivate(staff_id(Role.CLERK), uow=u, actor=a),
     Role.MANAGER, Permission.MANAGE_STAFF),
    ("staff.reactivate", lambda u, a: staff.reactivate(staff_id(Role.CLERK), uow=u, actor=a),
     Role.MANAGER, Permission.MANAGE_STAFF),
    ("staff.unlock", lambda u, a: staff.unlock(staff_id(Role.CLERK), uow=u, actor=a),
     Role.MANAGER, Permission.MANAGE_STAFF),
    ("staff.reset_secret", lambda u, a: staff.reset_secret(staff_id(Role.APPRAISER), "2468", uow=u, actor=a,
                                                           hasher=HASHER), Role.CLERK, Permission.RESET_STAFF_PINS),
    ("two_step.reset", lambda u, a: two_step.reset(staff_id(Role.CLERK), uow=u, actor=a),
     Role.MANAGER, Permission.MANAGE_STAFF),
    ("settings.change_setting", lambda u, a: settings.change_setting("inventory.locations", "Case 1", uow=u,
                                                                     actor=a), Role.MANAGER, Permission.MANAGE_SETTINGS),
    ("privacy.record_request", lambda u, a: privacy.record_request(add_customer(u), "access", "email", uow=u,
                                                                   actor=a), Role.MANAGER,
     Permission.HANDLE_PRIVACY_REQUESTS),
    ("privacy.verify", lambda u, a: privacy.verify(_request(u), "in_person_id", staff_id(Role.OWNER), uow=u,
                                                   actor=a), Role.CLERK, Permission.HANDLE_PRIVACY_REQUESTS),
    ("privacy.extend", lambda u, a: privacy.extend(_request(u), "many records", TODAY, uow=u, actor=a),
     Role.MANAGER, Permission.HANDLE_PRIVACY_REQUESTS),
    ("privacy.close_request", lambda u, a: privacy.close_request(_request(u), "refused", "no id", uow=u, actor=a),
     Role.APPRAISER, Permission.HANDLE_PRIVACY_REQUESTS),
    ("privacy.publish_policy", lambda u, a: privacy.publish_policy("Policy", TODAY, uow=u, actor=a),
     Role.MANAGER, Permission.HANDLE_PRIVACY_REQUESTS),
    ("checkout.park_cart", lambda u, a: checkout.park_cart(_cart(u), "Ruby", uow=u, actor=a),
     Role.APPRAISER, Permission.SELL),
    ("checkout.discount_order", lambda u, a: checkout.discount_order(
        _cart(u), Discount.of_percent(Decimal(5)), settings=COUNTER, actor=a, uow=u), Role.PRIVACY_OFFICER,
     Permission.SELL),
    ("checkout.start_checkout", lambda u, a: checkout.start_checkout(_cart(u), settings=COUNTER, uow=u, actor=a),
     Role.APPRAISER, Permission.SELL),
    ("checkout.recall_cart", lambda u, a: checkout.recall_cart("parked-1", uow=u, actor=a),
     Role.PRIVACY_OFFICER, Permission.SELL),
]


@pytest.mark.parametrize(("function", "call", "role", "permission"), CASES, ids=[c[0] for c in CASES])
def test_refuses_a_role_without_the_permission_and_writes_only_the_refusal(
        uow: FakeUnitOfWork, function: str, call: Call, role: Role, permission: Permission) -> None:
    who = actor(role)
    assert not who.can(permission)
    commits = uow.commits
    with pytest.raises(PermissionDenied):
        # Seeding (an item, a customer) happens before the call, outside any unit of work.
        call(uow, who)
    assert uow.committed[commits:] == [("permission.refused",)]
    refusal = uow.events[-1]
    assert (refusal.actor, refusal.summary) == (who, {"permission": permission.value, "function": function})
    assert uow.state.checkouts == {} and uow.state.parked == {} and uow.state.requests.keys() <= _seeded(uow)
    assert [e.action for e in uow.events] == ["permission.refused"]


def _seeded(uow: FakeUnitOfWork) -> set[str]:
    """Requests the test itself seeded (verify, extend, close): the refusal must not add one."""
    return {r.id for r in uow.state.requests.values() if r.status == "received" and r.verified_by is None}


def test_a_refused_privacy_request_action_names_the_request(uow: FakeUnitOfWork) -> None:
    request = _request(uow)
    with pytest.raises(PermissionDenied):
        privacy.extend(request, "many records", TODAY, uow=uow, actor=actor(Role.MANAGER))
    assert (uow.events[-1].entity_type, uow.events[-1].entity_id) == ("privacy_request", request)


def test_giving_consent_is_an_edit_that_an_appraiser_may_not_make(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow)
    with pytest.raises(PermissionDenied):
        customers.change_consent(customer, "marketing_email", True, channel="counter", uow=uow,
                                 actor=actor(Role.APPRAISER), today=TODAY)
    assert uow.actions() == ["permission.refused"] and uow.state.consents == []


def test_a_restricted_customer_is_changed_only_by_the_privacy_officer(uow: FakeUnitOfWork) -> None:
    customer = add_customer(uow, restricted=True)
    with pytest.raises(PermissionDenied, match="privacy officer"):
        customers.update_customer(customer, customers.CustomerEdit("Rubie", "Stone", "ruby@example.com", ""),
                                  uow=uow, actor=actor(Role.OWNER))
    assert uow.state.customers[customer]["first_name"] == "Ruby"
    assert uow.events[-1].summary["permission"] == Permission.EDIT_RESTRICTED_CUSTOMER.value
    assert customers.update_customer(customer, customers.CustomerEdit("Rubie", "Stone", "ruby@example.com", ""),
                                     uow=uow, actor=actor(Role.PRIVACY_OFFICER)) == ["first_name"]


def test_a_manager_resets_a_clerks_pin_but_not_an_owners_password(uow: FakeUnitOfWork) -> None:
    assert staff.reset_secret(staff_id(Role.CLERK), "2468", uow=uow, actor=actor(Role.MANAGER),
                              hasher=HASHER) == "PIN"
    with pytest.raises(PermissionDenied):
        staff.reset_secret(staff_id(Role.OWNER), "temporary-pass", uow=uow, actor=actor(Role.MANAGER), hasher=HASHER)
    assert uow.events[-1].action == "permission.refused"
    assert (uow.events[-1].entity_type, uow.events[-1].entity_id) == ("staff", staff_id(Role.OWNER))
    assert not uow.state.staff[staff_id(Role.OWNER)].record.must_change_secret
