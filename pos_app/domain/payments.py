"""Card payment rules that need no Stripe: what a usable secret key looks like."""

from __future__ import annotations

import re

from pos_app.domain.errors import ValidationError

_KEY = re.compile(r"(sk|rk)_(test|live)_[A-Za-z0-9]{10,250}")


def check_stripe_key(text: str) -> str:
    """A Stripe secret (sk_) or restricted (rk_) key; publishable keys (pk_) cannot charge."""
    key = text.strip()
    if key.startswith("pk_"):
        raise ValidationError("Stripe key", "that is a publishable key (pk_...); Facet needs the secret key (sk_...)")
    if not _KEY.fullmatch(key):
        raise ValidationError("Stripe key", "is not a Stripe secret key (sk_test_... or sk_live_...)")
    return key


def is_test_key(key: str) -> bool:
    return key.startswith(("sk_test_", "rk_test_"))
