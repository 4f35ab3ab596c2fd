"""Erasing a customer: what goes, what the law makes the store keep, and the words the customer reads.

What erasure means in Facet
---------------------------
The customer's row keeps its id and loses everything that says who they
were: name, email, phone, addresses, preferences, wishlist, notes and flags.
Their consents, the photos of their appraised pieces and the scans of their
certificates are deleted; the personal details of a Form 8300 cash report are
blanked; free text that names them (a void reason, an appraisal's notes, a
request's outcome) has the name, email, phone and address cut out.

What stays, without the person
------------------------------
The id left on the row is a pseudonym: a random UUID that nothing in the
store links to a person any more. Sales and returns keep pointing at it, so
totals, tax reports and the cash drawer are exactly as they were; they are
kept until 7 years after the purchase (tax and accounting law), then the
retention job detaches them. Appraisal and certificate records stay until
their own date (10 years), without photos, scans or the owner's name. A
Form 8300's amounts stay 5 years after it was filed (26 U.S.C. 6050I, 26 CFR
1.6050I-1(e)(3)). The privacy requests stay 24 months (CCPA regulations,
11 CCR 7101), as proof they were answered.

`kept_records` turns those dates into the completion record's list and
`confirmation` into the plain words the customer is sent.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ERASED = "[erased]"
ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "customer"
FORM_8300_YEARS = 5
REQUEST_RECORD_MONTHS = 24
# Shorter than this, a word of a name cut out of free text would cut other words too ("Al", "Li").
MIN_NAME_WORD = 3


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` plus whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class ErasureEntry:
    """One line of the erasure log: whom (as a salted hash of their id), for which request, when."""

    customer_hash: str
    request_id: str | None
    erased_at: str  # ISO 8601, UTC


def customer_hash(salt: str, customer_id: str) -> str:
    """The salted SHA-256 of a customer's id: what the erasure log keeps instead of a name."""
    return hashlib.sha256(f"{salt}:{customer_id}".encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    """What identifies the customer, read just before it is erased; never stored or logged."""

    first_name: str
    last_name: str
    email: str | None
    phone: str | None  # E.164
    addresses: tuple[str, ...]


def needles(who: Identity) -> list[str]:
    """The strings cut out of free text: the full name both ways, each name word, email, phone, address lines.

    Longest first, so "Jane Doe" goes before "Doe" and leaves no "Jane [erased]".
    """
    found: set[str] = set()
    first, last = " ".join(who.first_name.split()), " ".join(who.last_name.split())
    for text in (f"{first} {last}", f"{last}, {first}", f"{last} {first}"):
        if text.strip(" ,"):
            found.add(text.strip(" ,"))
    for word in f"{first} {last}".replace(",", " ").split():
        if len(word) >= MIN_NAME_WORD:
            found.add(word)
    if who.email:
        found.add(who.email)
        local = who.email.split("@", 1)[0]
        if len(local) >= 5:
            found.add(local)
    if who.phone:
        found.add(who.phone)
        digits = "".join(ch for ch in who.phone if ch.isdigit())
        if len(digits) >= 7:
            found.add(digits)
            if who.phone.startswith("+1") and len(digits) == 11:
                national = digits[1:]
                found.update({national, f"({national[:3]}) {national[3:6]}-{national[6:]}",
                              f"{national[:3]}-{national[3:6]}-{national[6:]}",
                              f"{national[:3]}.{national[3:6]}.{national[6:]}",
                              f"{national[:3]} {national[3:6]} {national[6:]}"})
    for address in who.addresses:
        for line in address.replace(",", "\n").splitlines():
            line = " ".join(line.split())
            # The street line (and a zip code), not a lone city or state that many people share.
            if len(line) >= 5 and any(ch.isdigit() for ch in line):
                found.add(line)
    return sorted(found, key=lambda s: (-len(s), s))


def _pattern(words: Sequence[str]) -> re.Pattern[str]:
    return _compiled(tuple(words))


@functools.lru_cache(maxsize=64)
def _compiled(words: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for word in words:
        body = re.escape(word)
        # Whole words only where the needle starts or ends with a letter or digit: "Ann" is not cut out of "Annual".
        left = r"(?<![\w])" if word[:1].isalnum() else ""
        right = r"(?![\w])" if word[-1:].isalnum() else ""
        parts.append(f"{left}{body}{right}")
    return re.compile("|".join(parts), re.IGNORECASE)


def scrub(text: str | None, words: Sequence[str]) -> str | None:
    """`text` with every needle replaced by "[erased]" (None stays None)."""
    if not text or not words:
        return text
    return _pattern(words).sub(ERASED, text)


def mentions(text: str | None, words: Sequence[str]) -> bool:
    return bool(text) and bool(words) and _pattern(words).search(text or "") is not None


def scrub_value(value: object, words: Sequence[str]) -> object:
    """A JSON value (a cart, a journal) with every needle cut out of each string in it, at any depth;
    keys, numbers and the shape stay as they were."""
    if isinstance(value, str):
        return scrub(value, words)
    if isinstance(value, list):
        return [scrub_value(v, words) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v, words) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class KeptRecord:
    """A category kept after erasure, without the person: why, and until when."""

    category: str
    count: int
    basis: str
    until: dt.date

    def as_dict(self) -> dict[str, object]:
        return {"category": self.category, "count": self.count, "basis": self.basis, "until": self.until.isoformat()}


def kept_records(*, today: dt.date, transactions_years: int, last_sale_on: dt.date | None, sales: int,
                 appraisals_until: dt.date | None, appraisals: int, certificates_until: dt.date | None,
                 certificates: int, cash_reports_filed_on: Iterable[dt.date | None], requests: int
                 ) -> list[KeptRecord]:
    """What stays after the erasure, each category with its legal basis and the day it ends."""
    kept: list[KeptRecord] = []
    if sales and last_sale_on:
        kept.append(KeptRecord("Sales and returns (amounts, items, tax; no name)", sales,
                               "tax and accounting records the law requires (IRS, state sales tax)",
                               add_years(last_sale_on, transactions_years)))
    if appraisals and appraisals_until:
        kept.append(KeptRecord("Appraisals (the piece, stones and value; no owner, no photos)", appraisals,
                               "appraisal records, kept to stand behind insurance valuations", appraisals_until))
    if certificates and certificates_until:
        kept.append(KeptRecord("Diamond certificates (grades; no owner, no scan)", certificates,
                               "certificate records, kept to verify diamonds and prevent fraud",
                               certificates_until))
    filed = [d for d in cash_reports_filed_on]
    if filed:
        ends = [add_years(d or today, FORM_8300_YEARS) for d in filed]
        kept.append(KeptRecord("Cash reports, IRS Form 8300 (amounts and dates; personal details removed)",
                               len(filed), "federal law (26 U.S.C. 6050I): a copy is kept 5 years after filing",
                               max(ends)))
    if requests:
        kept.append(KeptRecord("Your privacy requests (type, dates, how they were answered)", requests,
                               "proof the request was answered (CCPA regulations, 11 CCR 7101)",
                               add_months(today, REQUEST_RECORD_MONTHS)))
    return kept


def confirmation(store_name: str, erased_on: dt.date, kept: Sequence[KeptRecord]) -> str:
    """The letter's words: what was deleted, what stays without the person, until when and why."""
    lines = [
        f"{store_name} has deleted your personal data on {erased_on:%B} {erased_on.day}, {erased_on.year}, "
        "as you asked.",
        "",
        "Deleted: your name, email address, phone number, billing and shipping addresses, preferences, "
        "wishlist, notes, your consent choices, the photos of your appraised pieces and the scans of your "
        "certificates. Nothing we keep can be connected to you any more, and our backups from before today "
        "expire on their own.",
    ]
    if kept:
        lines += ["", "The law requires us to keep some records, without your name or contact details:"]
        for record in kept:
            lines.append(f"- {record.category}: until {record.until:%B} {record.until.day}, {record.until.year} "
                         f"({record.basis}).")
        lines += ["", "When those dates pass, these records are deleted too."]
    else:
        lines += ["", "We keep no other records about you."]
    return "\n".join(lines)
