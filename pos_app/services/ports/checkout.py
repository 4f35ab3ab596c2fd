"""The checkout journal's storage: a cart being paid for, saved at every step (persistence/checkout_repo.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pos_app.domain.checkout import Checkout


@dataclass(frozen=True)
class JournalEntry:
    """A stored journal with who opened it where (recovery completes a sale in its clerk's name)."""

    checkout: Checkout
    terminal: str
    staff_id: str | None


class CheckoutJournal(Protocol):
    """Inside the unit of work's transaction: `save` writes the whole value (its status included)."""

    def save(self, checkout: Checkout, *, terminal: str, staff_id: str | None) -> None:
        """Write the journal as it stands; a journal already saved keeps its counter and clerk."""
        ...

    def get(self, checkout_id: str) -> JournalEntry | None: ...

    def open_on(self, terminal: str) -> list[JournalEntry]:
        """The journals still open at a counter, oldest first (what recovery settles)."""
        ...
