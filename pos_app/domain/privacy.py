"""Privacy requests: what a customer may ask, how it reaches the store, and its clock.

Vocabulary
----------
- *Type*: the right the customer exercises. Know/access (what the store
  holds), portability (the same, as files another service can read),
  correction, deletion, opt-out of sale/sharing (CCPA's "Do Not Sell or
  Share"), restriction of processing, withdrawal of consent, objection (to
  direct marketing, GDPR art. 21).
- *Channel*: how the request arrived: at the counter, by email, phone, mail,
  or the website's form.
- *Verification*: how the store made sure the person asking is the customer
  (privacy policy 7.5): a detail of a recent order they could tell, a code
  sent to the email (or phone) already on file, or photo ID at the counter.
- *Status*: ``received`` -> ``verified`` -> ``completed``; a request is
  ``refused`` when identity cannot be verified or the law lets the store
  decline it. Completed and refused are final.

The clock
---------
A request is due 30 days after the day it was received (the policy: "We
will respond to verified requests within 30 days"). Facet counts from
receipt, not from verification: that is CCPA's rule and the stricter reading
of the policy, so a request answered on time by Facet's date is on time under
either.

One extension is allowed, of at most 45 days beyond the 30-day date (75 days
from receipt in all). It needs the reason, and the customer must have been
told of the delay and why (policy 7.4: "If additional time is needed, we
will notify you of the delay and the reasons for it") no later than the
original due date. This follows CCPA (Cal. Civ. Code 1798.130(a)(2): one
extension of 45 days, with notice within the first period) and stays within
GDPR art. 12(3) (one month, extendable by two, with notice within the first
month).
"""

from __future__ import annotations

import datetime as dt

from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.jewelry import LabeledEnum

RESPONSE_DAYS = 30
EXTENSION_DAYS = 45
RECORDED_LATE_DAYS = 366  # a request is recorded when it arrives; one found a year later is a typing slip
# Policy: transaction records are kept 7 years for tax; appraisal and
# certificate records up to 10 (see domain/appraisals.py, domain/certificates.py).
TRANSACTION_RETENTION_YEARS = 7
MAX_REASON = 500
MAX_OUTCOME = 2000


class RequestType(LabeledEnum):
    ACCESS = "access", "Know / access"
    PORTABILITY = "portability", "Portability"
    CORRECTION = "correction", "Correction"
    DELETION = "deletion", "Deletion"
    OPT_OUT_SALE = "opt_out_sale", "Opt out of sale/sharing"
    RESTRICTION = "restriction", "Restriction"
    WITHDRAW_CONSENT = "withdraw_consent", "Withdraw consent"
    OBJECTION = "objection", "Objection"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {
            "know": "access", "right to know": "access", "know access": "access", "copy": "access",
            "export": "portability", "port": "portability", "data portability": "portability",
            "correct": "correction", "rectify": "correction", "rectification": "correction", "update": "correction",
            "delete": "deletion", "erase": "deletion", "erasure": "deletion", "forget": "deletion",
            "opt out": "opt_out_sale", "optout": "opt_out_sale", "opt out sale": "opt_out_sale",
            "opt out of sale": "opt_out_sale", "opt out of sale/sharing": "opt_out_sale",
            "do not sell": "opt_out_sale", "do not sell or share": "opt_out_sale", "dns": "opt_out_sale",
            "restrict": "restriction", "restrict processing": "restriction",
            "withdraw": "withdraw_consent", "withdrawal": "withdraw_consent", "revoke consent": "withdraw_consent",
            "object": "objection", "objection to marketing": "objection",
        }


class Channel(LabeledEnum):
    COUNTER = "counter", "At the counter"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    MAIL = "mail", "Mail"
    WEB = "web", "Web form"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"in person": "counter", "store": "counter", "in store": "counter", "walk in": "counter",
                "e mail": "email", "telephone": "phone", "call": "phone", "post": "mail", "letter": "mail",
                "online": "web", "website": "web", "form": "web", "internet": "web"}


class VerificationMethod(LabeledEnum):
    MATCHED_ORDER_DETAIL = "matched_order_detail", "Matched a recent order detail"
    CODE_TO_EMAIL_ON_FILE = "code_to_email_on_file", "Code sent to the email on file"
    CODE_TO_PHONE_ON_FILE = "code_to_phone_on_file", "Code sent to the phone on file"
    IN_PERSON_ID = "in_person_id", "Photo ID seen in person"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"order": "matched_order_detail", "order detail": "matched_order_detail",
                "matched order": "matched_order_detail", "email code": "code_to_email_on_file",
                "email": "code_to_email_on_file", "code to email": "code_to_email_on_file",
                "sms": "code_to_phone_on_file", "text": "code_to_phone_on_file", "phone code": "code_to_phone_on_file",
                "code to phone": "code_to_phone_on_file", "id": "in_person_id", "photo id": "in_person_id",
                "in person": "in_person_id", "in person id": "in_person_id"}


class RequestStatus(LabeledEnum):
    RECEIVED = "received", "Received"
    VERIFIED = "verified", "Verified"
    COMPLETED = "completed", "Completed"
    REFUSED = "refused", "Refused"

    @property
    def is_open(self) -> bool:
        return self in (RequestStatus.RECEIVED, RequestStatus.VERIFIED)


S = RequestStatus
MOVES: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.RECEIVED: frozenset({S.VERIFIED, S.REFUSED}),
    S.VERIFIED: frozenset({S.COMPLETED, S.REFUSED}),
    S.COMPLETED: frozenset(),
    S.REFUSED: frozenset(),
}


def check_move(current: RequestStatus, new: RequestStatus) -> None:
    """Conflict unless a request may go from `current` to `new` (completing needs a verified identity)."""
    if new in MOVES[current]:
        return
    if not current.is_open:
        raise Conflict(f"This request is already {current.value}; a closed request cannot change.")
    if current is S.VERIFIED and new is S.VERIFIED:
        raise Conflict("This request was already verified.")
    raise Conflict(f"A {current.value} request cannot become {new.value}: verify the customer's identity first.")


def due_on(received_on: dt.date) -> dt.date:
    return received_on + dt.timedelta(days=RESPONSE_DAYS)


def check_received_on(received_on: dt.date, *, today: dt.date) -> dt.date:
    if received_on > today:
        raise ValidationError("received_on", f"{received_on.isoformat()} is in the future")
    if (today - received_on).days > RECORDED_LATE_DAYS:
        raise ValidationError("received_on", f"{received_on.isoformat()} is more than a year ago; record a request "
                                             "the day it arrives")
    return received_on


def extended_due_on(received_on: dt.date, *, already_extended: bool, days: int, reason: str, told_on: dt.date,
                    today: dt.date) -> dt.date:
    """The new due date after the one allowed extension (see the module docstring for the rule)."""
    if already_extended:
        raise Conflict("This request was already extended once; the law allows one extension.")
    if not 1 <= days <= EXTENSION_DAYS:
        raise ValidationError("days", f"an extension adds 1 to {EXTENSION_DAYS} days, not {days}")
    text = " ".join(reason.split())
    if not text:
        raise ValidationError("reason", "say why more time is needed; the customer is told the same")
    if len(text) > MAX_REASON:
        raise ValidationError("reason", f"is longer than {MAX_REASON} characters")
    original = due_on(received_on)
    if told_on < received_on:
        raise ValidationError("told_on", "is before the request was received")
    if told_on > today:
        raise ValidationError("told_on", f"{told_on.isoformat()} is in the future")
    if told_on > original:
        raise ValidationError("told_on", f"the customer must be told before the due date ({original.isoformat()}); "
                                         "it is too late to extend")
    return original + dt.timedelta(days=days)


def check_outcome(outcome: str) -> str:
    text = outcome.strip()
    if not text:
        raise ValidationError("outcome", "say what was done (or why the request is refused)")
    if len(text) > MAX_OUTCOME:
        raise ValidationError("outcome", f"is longer than {MAX_OUTCOME} characters")
    return text


def days_left(due: dt.date, today: dt.date) -> int:
    """Days until the due date; negative when overdue."""
    return (due - today).days


class ConsentPurpose(LabeledEnum):
    """What a customer may say yes or no to; each answer is a consent event, the latest one counts."""

    MARKETING_EMAIL = "marketing_email", "Marketing email"
    MARKETING_SMS = "marketing_sms", "Marketing texts"
    AD_SHARING = "ad_sharing", "Sharing for advertising"

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"email": "marketing_email", "sms": "marketing_sms", "text": "marketing_sms", "texts": "marketing_sms",
                "advertising": "ad_sharing", "sharing": "ad_sharing", "ads": "ad_sharing"}


def exportable(kind: RequestType) -> bool:
    """An export answers a request to know/access the data, or to receive it for portability."""
    return kind in (RequestType.ACCESS, RequestType.PORTABILITY)
