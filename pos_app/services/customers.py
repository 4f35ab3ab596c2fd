"""Customers at the counter: adding one in a few keystrokes, with consent asked properly.

A new customer confirms they are 18 or older (Facet keeps no record of
anyone under 18 at the counter, and never of a child under 13), and is asked,
unticked, about marketing email and texts. Each answer is a consent event
naming the privacy-policy version the customer was shown, the channel and
the staff member, never an overwritten flag. The audit event holds no
personal value, only that a customer was created and which consents were
given.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain import store as store_rules
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.ports import CustomerHit, NewCustomer, SalesReader, UnitOfWork


@dataclass(frozen=True)
class QuickCustomer:
    """The counter's short form as typed; `adult_confirmed` is the customer's own answer, asked aloud."""

    first_name: str
    last_name: str
    email: str
    phone: str
    adult_confirmed: bool
    marketing_email: bool = False
    marketing_sms: bool = False


def _name(text: str, field: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise ValidationError(field, "is required")
    if len(value) > 80:
        raise ValidationError(field, "is longer than 80 characters")
    return value


def check_quick_customer(form: QuickCustomer) -> NewCustomer:
    """The form's values, normalized (email lower-cased domain, phone E.164); ValidationError names the field."""
    first, last = _name(form.first_name, "first name"), _name(form.last_name, "last name")
    email = store_rules.check_email(form.email) if form.email.strip() else None
    phone = store_rules.check_phone(form.phone) if form.phone.strip() else None
    if email is None and phone is None:
        raise ValidationError("email", "give an email address or a phone number (or both)")
    # Checked in the order the form asks, so the first problem named is the first field to fix.
    if not form.adult_confirmed:
        raise ValidationError("adult", "the customer must confirm they are 18 or older; Facet keeps no record "
                                       "of anyone under 18 at the counter")
    if form.marketing_email and email is None:
        raise ValidationError("marketing email", "needs an email address")
    if form.marketing_sms and phone is None:
        raise ValidationError("marketing texts", "need a phone number")
    return NewCustomer(first_name=first, last_name=last, email=email, phone=phone, adult_confirmed=True)


def quick_add_customer(form: QuickCustomer, *, uow: UnitOfWork, actor: Actor,
                       policy: tuple[str, int] | None) -> str:
    """Add a customer from the counter's short form; returns the new customer's id.

    `policy` is the (id, version) of the privacy policy the customer was shown
    (`SalesReader.current_policy_version`); every consent event names it. One
    unit of work: the customer, both consent answers and the audit event, or
    nothing at all.
    """
    actor.require(Permission.EDIT_CUSTOMERS)
    customer = check_quick_customer(form)
    policy_id = policy[0] if policy else None
    with uow:
        customer_id = uow.customers.add(customer)
        for purpose, granted in (("marketing_email", form.marketing_email), ("marketing_sms", form.marketing_sms)):
            uow.customers.add_consent(customer_id, purpose, granted, channel="counter", policy_version_id=policy_id,
                                      staff_id=actor.staff_id)
        uow.audit.record(actor, "customer.created", entity_type="customer", entity_id=customer_id,
                         summary={"channel": "counter", "policy_version": policy[1] if policy else None,
                                  "marketing_email": form.marketing_email, "marketing_sms": form.marketing_sms})
        uow.commit()
    return customer_id


def list_customers(*, reader: SalesReader, actor: Actor, search: str = "", limit: int = 500) -> list[CustomerHit]:
    """Customers by name, email or phone (every customer when `search` is empty); erased ones never.

    The rows hold personal data: show them, never log them.
    """
    actor.require(Permission.VIEW_CUSTOMERS)
    if not 1 <= limit <= 100_000:
        raise ValidationError("limit", "must be from 1 to 100,000")
    return reader.customers(search, limit)
