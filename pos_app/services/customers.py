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

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pos_app.domain import store as store_rules
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import check_open, requires
from pos_app.services.ports.customers import (
    ConsentRow,
    CustomerAppraisalRow,
    CustomerCertificateRow,
    CustomerFlags,
    CustomerHit,
    CustomerProfile,
    CustomerReader,
    NewCustomer,
    PurchaseRow,
)
from pos_app.services.ports.devices import FileOutput
from pos_app.services.ports.privacy import PrivacyRequestRow
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.uow import UnitOfWork


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
    value = store_rules.check_plain_text(" ".join(text.split()), field=field)
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


@requires(Permission.EDIT_CUSTOMERS)
def quick_add_customer(form: QuickCustomer, *, uow: UnitOfWork, actor: Actor,
                       policy: tuple[str, int] | None) -> str:
    """Add a customer from the counter's short form; returns the new customer's id.

    `policy` is the (id, version) of the privacy policy the customer was shown
    (`SalesReader.current_policy_version`); every consent event names it. One
    unit of work: the customer, both consent answers and the audit event, or
    nothing at all.
    """
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


@requires(Permission.VIEW_CUSTOMERS)
def list_customers(*, reader: SalesReader, actor: Actor, search: str = "", limit: int = 500,
                   uow: UnitOfWork) -> list[CustomerHit]:
    """Customers by name, email or phone (every customer when `search` is empty); erased ones never.

    The rows hold personal data: show them, never log them. The view is an
    audit event naming the customers shown by id (who saw what).
    """
    if not 1 <= limit <= 100_000:
        raise ValidationError("limit", "must be from 1 to 100,000")
    hits = reader.customers(search, limit)
    if hits:
        with uow:
            uow.audit.record(actor, "customers.viewed", entity_type="customer",
                             summary={"customers": [hit.id for hit in hits], "searched": bool(search.strip())})
            uow.commit()
    return hits


# ---------------------------------------------------------------- consents and privacy flags


@requires(Permission.VIEW_CUSTOMERS)
def change_consent(customer_id: str, purpose: str, granted: bool, *, channel: str, uow: UnitOfWork, actor: Actor,
                   today: dt.date) -> str:
    """Record a customer's yes or no for one purpose, as a new consent event (never an overwritten flag).

    It names the privacy-policy version in force, the channel and the staff
    member. Withdrawing is always allowed, by anyone who serves customers: it
    is the customer's right and one click. Giving consent is an edit: a
    restricted customer's record is changed only by the privacy officer, and
    marketing needs the contact detail it would use. Returns the event's id.
    """
    from pos_app.domain.privacy import Channel, ConsentPurpose

    what = ConsentPurpose.parse(purpose, field="purpose")
    how = Channel.parse(channel, field="channel")
    with uow:
        if granted:
            check_open(actor, Permission.EDIT_CUSTOMERS, uow, function="customers.change_consent")
        flags = uow.customers.privacy_flags(customer_id)
        if flags is None:
            raise ValidationError("customer_id", f"no customer has the id {customer_id!r} (or they were erased)")
        if granted:
            if flags.restricted:
                check_open(actor, Permission.EDIT_RESTRICTED_CUSTOMER, uow, function="customers.change_consent")
            if what is ConsentPurpose.MARKETING_EMAIL and not flags.has_email:
                raise ValidationError("purpose", "marketing email needs an email address on file")
            if what is ConsentPurpose.MARKETING_SMS and not flags.has_phone:
                raise ValidationError("purpose", "marketing texts need a phone number on file")
        event_id = uow.customers.add_consent(customer_id, what.value, granted, channel=how.value,
                                             policy_version_id=uow.customers.policy_in_force(today),
                                             staff_id=actor.staff_id)
        uow.audit.record(actor, "customer.consent_given" if granted else "customer.consent_withdrawn",
                         entity_type="customer", entity_id=customer_id,
                         summary={"purpose": what.value, "channel": how.value})
        uow.commit()
    return event_id


@requires(Permission.VIEW_CUSTOMERS)
def set_privacy_flags(customer_id: str, *, uow: UnitOfWork, actor: Actor, do_not_sell: bool | None = None,
                      restricted: bool | None = None, marketing_objection: bool | None = None) -> CustomerFlags:
    """Set the customer's do-not-sell/share, restricted-processing and objection-to-marketing flags.

    Turning a protection on (opting out, objecting) is honored by anyone who
    serves customers, at once. Restricting processing, and turning any
    protection off again, is the privacy officer's (or owner's) decision.
    Unchanged flags are left as they are. Returns the flags now.
    """
    with uow:
        before = uow.customers.privacy_flags(customer_id)
        if before is None:
            raise ValidationError("customer_id", f"no customer has the id {customer_id!r} (or they were erased)")
        after = CustomerFlags(
            do_not_sell=before.do_not_sell if do_not_sell is None else do_not_sell,
            restricted=before.restricted if restricted is None else restricted,
            marketing_objection=before.marketing_objection if marketing_objection is None else marketing_objection,
            has_email=before.has_email, has_phone=before.has_phone)
        loosened = (before.do_not_sell and not after.do_not_sell) or (before.restricted != after.restricted) or \
            (before.marketing_objection and not after.marketing_objection)
        check_open(actor, Permission.HANDLE_PRIVACY_REQUESTS if loosened else Permission.EDIT_CUSTOMERS, uow,
                   function="customers.set_privacy_flags")
        if after != before:
            uow.customers.set_privacy_flags(customer_id, after)
            uow.audit.record(actor, "customer.privacy_flags_changed", entity_type="customer", entity_id=customer_id,
                             summary={"do_not_sell": after.do_not_sell, "restricted": after.restricted,
                                      "marketing_objection": after.marketing_objection})
        uow.commit()
    return after


MARKETING_COLUMNS = ("email", "phone", "first_name", "last_name")


@requires(Permission.EXPORT_MARKETING_LIST)
def export_marketing_list(path: Path, *, purpose: str = "marketing_email", reader: CustomerReader,
                          uow: UnitOfWork, files: FileOutput, actor: Actor) -> int:
    """The CSV for the store's mailing tool: only customers whose latest answer for `purpose` is yes and
    who are neither restricted nor objecting to direct marketing. Written through `files`, whole or not at
    all; the audit event counts the rows and names no one. Returns how many customers it holds."""
    import csv
    import io

    from pos_app.documents.text import csv_cell, csv_phone
    from pos_app.domain.privacy import ConsentPurpose

    what = ConsentPurpose.parse(purpose, field="purpose")
    if what is ConsentPurpose.AD_SHARING:
        raise ValidationError("purpose", "the mailing list is for email or texts; advertising partners get no list")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MARKETING_COLUMNS)
    count = 0
    for email, phone, first, last in reader.marketing_list(what.value):
        if (what is ConsentPurpose.MARKETING_EMAIL and not email) or (what is ConsentPurpose.MARKETING_SMS
                                                                       and not phone):
            continue
        # The phone in E.164 for the texting tool, which refuses a leading apostrophe; names stay guarded.
        writer.writerow([csv_cell(email), csv_phone(phone), csv_cell(first), csv_cell(last)])
        count += 1
    files.write_atomically(path, buffer.getvalue().encode("utf-8"), field="--out")
    with uow:
        uow.audit.record(actor, "customers.marketing_list_exported", entity_type="customer",
                         summary={"purpose": what.value, "customers": count})
        uow.commit()
    return count


# ---------------------------------------------------------------- the customers screen


@dataclass(frozen=True)
class CustomerDetail:
    """A customer's record and history as the customers screen shows it."""

    profile: CustomerProfile
    consents: list[ConsentRow]  # every consent event, newest first
    purchases: list[PurchaseRow]  # the newest PURCHASES_SHOWN
    purchase_count: int
    appraisals: list[CustomerAppraisalRow]
    certificates: list[CustomerCertificateRow]
    requests: list[PrivacyRequestRow]  # only for those who handle privacy requests

    def current(self, purpose: str) -> ConsentRow | None:
        """The latest answer for `purpose` (the one that counts), or None when never asked."""
        return next((c for c in self.consents if c.purpose == purpose), None)


PURCHASES_SHOWN = 200


@requires(Permission.VIEW_CUSTOMERS)
def customer_detail(customer_id: str, *, reader: CustomerReader, actor: Actor, uow: UnitOfWork,
                    today: dt.date) -> CustomerDetail:
    """Everything the screen shows about one customer; the view is an audit event naming them (who saw what)."""
    profile = reader.profile(customer_id)
    if profile is None:
        raise ValidationError("customer_id", f"no customer has the id {customer_id!r} (or they were erased)")
    purchases, count = reader.purchases(customer_id, PURCHASES_SHOWN)
    detail = CustomerDetail(
        profile=profile, consents=reader.consents(customer_id), purchases=purchases, purchase_count=count,
        appraisals=reader.appraisals(customer_id), certificates=reader.certificates(customer_id),
        requests=reader.requests(customer_id, today) if actor.can(Permission.HANDLE_PRIVACY_REQUESTS) else [])
    with uow:
        uow.audit.record(actor, "customer.viewed", entity_type="customer", entity_id=customer_id)
        uow.commit()
    return detail


@dataclass(frozen=True)
class CustomerEdit:
    """The customer form as typed."""

    first_name: str
    last_name: str
    email: str
    phone: str
    billing_address: str = ""
    shipping_address: str = ""
    preferences: str = ""
    wishlist: str = ""
    notes: str = ""


_TEXT_LIMITS = {"billing_address": 500, "shipping_address": 500, "preferences": 1000, "wishlist": 1000,
                "notes": 2000}
FIELD_CAPTIONS = {"first_name": "first name", "last_name": "last name", "billing_address": "billing address",
                  "shipping_address": "shipping address"}


def check_customer_edit(form: CustomerEdit) -> dict[str, object]:
    """The form's values, normalized; ValidationError names the first field to fix."""
    values: dict[str, object] = {
        "first_name": _name(form.first_name, "first name"), "last_name": _name(form.last_name, "last name"),
        "email": store_rules.check_email(form.email) if form.email.strip() else None,
        "phone": store_rules.check_phone(form.phone) if form.phone.strip() else None,
    }
    for name, limit in _TEXT_LIMITS.items():
        text = store_rules.check_plain_text(getattr(form, name).strip(), field=FIELD_CAPTIONS.get(name, name),
                                            lines=True)
        if len(text) > limit:
            raise ValidationError(FIELD_CAPTIONS.get(name, name), f"is longer than {limit:,} characters")
        values[name] = text
    return values


@requires(Permission.EDIT_CUSTOMERS)
def update_customer(customer_id: str, form: CustomerEdit, *, uow: UnitOfWork, actor: Actor) -> list[str]:
    """Save a correction of the customer's record; returns the names of the fields that changed.

    A restricted customer's record is changed only by the privacy officer. The
    audit event names the fields, never their old or new values.
    """
    values = check_customer_edit(form)
    with uow:
        flags = uow.customers.privacy_flags(customer_id)
        if flags is None:
            raise ValidationError("customer_id", f"no customer has the id {customer_id!r} (or they were erased)")
        if flags.restricted:
            check_open(actor, Permission.EDIT_RESTRICTED_CUSTOMER, uow, function="customers.update_customer")
        current = uow.customers.current_values(customer_id, list(values))
        changes = {k: v for k, v in values.items() if current.get(k) != v}
        if changes:
            uow.customers.update(customer_id, changes)
            uow.audit.record(actor, "customer.changed", entity_type="customer", entity_id=customer_id,
                             summary={"fields": sorted(changes)})
            uow.commit()
    return sorted(changes)
