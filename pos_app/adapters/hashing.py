"""PIN and password hashing with argon2id (argon2-cffi).

Parameters come from the store's settings (`security.argon2`); a hash carries
its own parameters, so raising them later rehashes each secret at its next
successful sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULTS = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


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
