"""The checkout journal in memory (`services/ports/checkout.py`), as `persistence/checkout_repo.py` keeps it.

Each journal is kept in its stored form (`Checkout.to_dict`, through JSON), so a
value read back is a new one priced again at its kept rate, as from the real table;
a journal saved again keeps the counter and clerk it was opened with.
"""

from __future__ import annotations

import json

from pos_app.domain.checkout import Checkout
from pos_app.services.ports.checkout import JournalEntry
from tests.fakes.state import FakeState, utcnow


class FakeCheckoutJournal:
    """`CheckoutJournal` over the fake state (`state.checkouts`: id -> terminal, staff, created, journal)."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def save(self, checkout: Checkout, *, terminal: str, staff_id: str | None) -> None:
        before = self._state.checkouts.get(checkout.id)
        self._state.checkouts[checkout.id] = {
            "terminal": before["terminal"] if before else terminal,
            "staff_id": before["staff_id"] if before else staff_id,
            "created_at": before["created_at"] if before else utcnow(),
            "journal": json.dumps(checkout.to_dict())}

    def get(self, checkout_id: str) -> JournalEntry | None:
        row = self._state.checkouts.get(checkout_id)
        return None if row is None else self._entry(row)

    def open_on(self, terminal: str) -> list[JournalEntry]:
        rows = sorted((r for r in self._state.checkouts.values() if r["terminal"] == terminal),
                      key=lambda r: r["created_at"])
        return [entry for entry in map(self._entry, rows) if entry.checkout.is_open]

    @staticmethod
    def _entry(row: dict[str, object]) -> JournalEntry:
        return JournalEntry(Checkout.from_dict(json.loads(str(row["journal"]))), terminal=str(row["terminal"]),
                            staff_id=row["staff_id"] if isinstance(row["staff_id"], str) else None)
