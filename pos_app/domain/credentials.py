"""Rules for the secrets staff sign in with: argon2id costs and recovery codes.

argon2id costs: `time_cost` (iterations), `memory_cost` (KiB) and
`parallelism` (lanes). OWASP's Password Storage Cheat Sheet lists five
configurations of equal strength; a store may choose stronger costs, never
weaker, since the staff table is what a thief with the file would attack.

Recovery codes are the way in when a phone is lost: ten per person, each
usable once in place of the 6-digit code, shown once and then kept only as
argon2 hashes. Their letters leave out look-alikes (0/o, 1/l/i).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from pos_app.domain.errors import ValidationError

ARGON2_DEFAULTS: dict[str, int] = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
# (memory KiB, iterations) pairs OWASP recommends for argon2id with one lane.
OWASP_ARGON2_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))
_ARGON2_LIMITS = {"time_cost": (1, 20), "memory_cost": (7168, 4 * 1024 * 1024), "parallelism": (1, 16)}
_ARGON2_SHORT = {"t": "time_cost", "m": "memory_cost", "p": "parallelism"}
SETTING = "security.argon2"

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10


def parse_argon2(text: str) -> dict[str, int]:
    """Read "time_cost=3 memory_cost=65536 parallelism=1" (or t=, m=, p=; commas allowed).

    A cost left out keeps its default. Refuses costs below OWASP's minimum,
    naming the field, so a typo cannot weaken every stored hash.
    """
    values = dict(ARGON2_DEFAULTS)
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        name, _, number = part.partition("=")
        key = _ARGON2_SHORT.get(name.strip().lower(), name.strip().lower())
        if key not in values:
            raise ValidationError(SETTING, f"{name!r} is not a cost; use time_cost=, memory_cost= (KiB), parallelism=")
        if not re.fullmatch(r"\d{1,8}", number.strip()):
            raise ValidationError(f"{SETTING}.{key}", "must be a whole number")
        values[key] = int(number)
    return check_argon2(values)


def check_argon2(values: Mapping[str, int]) -> dict[str, int]:
    checked = {**ARGON2_DEFAULTS, **values}
    for key, (low, high) in _ARGON2_LIMITS.items():
        if not low <= checked[key] <= high:
            raise ValidationError(f"{SETTING}.{key}", f"must be from {low} to {high}")
    memory, time = checked["memory_cost"], checked["time_cost"]
    if not any(memory >= m and time >= t for m, t in OWASP_ARGON2_MINIMUMS):
        needed = min((m for m, t in OWASP_ARGON2_MINIMUMS if time >= t), default=OWASP_ARGON2_MINIMUMS[-1][0])
        raise ValidationError(f"{SETTING}.memory_cost",
                              f"must be at least {needed} KiB with time_cost {time} (OWASP's minimum for argon2id)")
    return checked


def new_recovery_codes() -> list[str]:
    """Ten fresh codes, shown as "abcde-fghjk"."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalize_code(text: str) -> str:
    """What a person typed as a code, without spaces, dashes or capitals (hashed and compared so)."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def looks_like_recovery_code(text: str) -> bool:
    code = normalize_code(text)
    return len(code) == _RECOVERY_LENGTH and all(ch in _RECOVERY_ALPHABET for ch in code)
