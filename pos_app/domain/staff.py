"""Staff names and secrets: the rules a hire, a new role or a reset follows.

A name is what the sign-in list shows and how the command line finds a
person, in any script ("Zoë Ngô", "山田 花子"); two people may not share one
whatever its case or Unicode form (`name_key`). PINs (4 to 8 digits) are for
clerks and appraisers at the counter and for approvals; passwords (8
characters or more) for the roles that reach money, staff or personal data.
A secret someone else set (a hire, a reset, a new role that needs a password)
is temporary: its owner replaces it at the next sign-in.
"""

from __future__ import annotations

import secrets
import unicodedata

from pos_app.domain.errors import ValidationError

NAME_MAX = 80
CREDENTIALS_MAX = 120

_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

# What the database refuses (trigger `staff_keep_an_active_owner`, revision 0011).
LAST_OWNER = "the last active owner cannot be deactivated or given another role"


def clean_name(name: str, *, field: str = "name") -> str:
    """The name as shown: NFC, spaces trimmed and collapsed; refused if empty, too long or holding
    control characters."""
    cleaned = " ".join(unicodedata.normalize("NFC", name or "").split())
    if not cleaned:
        raise ValidationError(field, "is required")
    if len(cleaned) > NAME_MAX:
        raise ValidationError(field, f"must be at most {NAME_MAX} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise ValidationError(field, "must not hold control characters")
    return cleaned


def name_key(name: str) -> str:
    """The name as compared: NFKC, case folded (ß = ss, Ë = ë), spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def temporary_secret(uses_password: bool) -> str:
    """A one-time secret for the person who resets or hires to read out: a 6-digit PIN, or a
    10-character password without look-alike letters. Its owner replaces it at the next sign-in."""
    if not uses_password:
        return "".join(secrets.choice("0123456789") for _ in range(6))
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(10))


def clean_credentials(text: str, *, field: str = "credentials") -> str:
    cleaned = " ".join((text or "").split())
    if len(cleaned) > CREDENTIALS_MAX:
        raise ValidationError(field, f"must be at most {CREDENTIALS_MAX} characters")
    return cleaned
