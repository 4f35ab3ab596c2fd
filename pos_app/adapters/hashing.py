"""PIN and password hashing with argon2id (argon2-cffi).

The default costs are OWASP's recommended minimum for argon2id (19 MiB of
memory, 2 iterations, 1 lane; Password Storage Cheat Sheet): about 20 ms a
check here, so a clerk's sign-in is instant while an offline guess stays
expensive. (argon2-cffi's own default, 64 MiB x 3 x 4 lanes, costs ~100-140
ms and 64 MiB per sign-in on a counter PC.) A store can raise them in its
settings (`security.argon2`); a hash carries its own parameters, so each
secret is rehashed at its next successful sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pos_app.domain.credentials import ARGON2_DEFAULTS as DEFAULTS


@dataclass
class Argon2Hasher:
    time_cost: int = DEFAULTS["time_cost"]
    memory_cost: int = DEFAULTS["memory_cost"]
    parallelism: int = DEFAULTS["parallelism"]

    def __post_init__(self) -> None:
        from argon2 import PasswordHasher

        self._ph: Any = PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_cost, parallelism=self.parallelism
        )

    @classmethod
    def from_settings(cls, values: dict[str, int] | None) -> Argon2Hasher:
        return cls(**{**DEFAULTS, **(values or {})})

    def hash(self, secret: str) -> str:
        return str(self._ph.hash(secret))

    def verify(self, hashed: str, secret: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return bool(self._ph.verify(hashed, secret))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        return bool(self._ph.check_needs_rehash(hashed))
