"""`SqlCheckoutJournal`: the checkout journal (`domain/checkout.py`) in the `checkouts` table.

The `cart` column holds the cart alone (what an erasure blanks a customer's
name in) and the `tenders` column the rest of the journal: the tax rate and
totals it was priced at, tenders, the card attempt under way, the Form 8300
details until the sale is written, a stock conflict. `status` and `sale_id`
are columns too, so the sell screen and recovery find open journals by index.

Journals written before this layout keep everything but the cart under a
`"_checkout"` key of the cart (and, older still, no tax rate: those are
priced at the store's rate now, all that is known of them); they are read
as they are and written back in this layout.

Statements run on the unit of work's own DBAPI connection, inside its
transaction, as the counter's hot path does (`counter_repo.py`): a tender is
journaled in well under a millisecond.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from pos_app.domain.cart import parse_tax_rate
from pos_app.domain.checkout import Checkout
from pos_app.persistence.models import utcnow
from pos_app.persistence.models.base import UtcDateTime
from pos_app.services.ports.checkout import JournalEntry

_SAVE_SQL = (
    "INSERT INTO checkouts (id, terminal, staff_id, customer_id, cart, tenders, status, sale_id, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET customer_id = excluded.customer_id, cart = excluded.cart, "
    "tenders = excluded.tenders, status = excluded.status, sale_id = excluded.sale_id, "
    "updated_at = excluded.updated_at")
_COLUMNS = "id, terminal, staff_id, cart, tenders, status, sale_id"
_AT = UtcDateTime()


def stored_form(checkout: Checkout) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the `tenders` column's journal, the `cart` column's cart): what has a column of its own (id, status,
    sale id) is not repeated in the JSON, so the two can never disagree."""
    journal = checkout.to_dict()
    cart = journal.pop("cart")
    for column in ("id", "status", "sale_id"):
        journal.pop(column)
    return journal, cart


class SqlCheckoutJournal:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _dbapi(self) -> Any:
        """The unit of work's own DBAPI connection, inside its open transaction."""
        return self._s.connection().connection.driver_connection

    def save(self, checkout: Checkout, *, terminal: str, staff_id: str | None) -> None:
        journal, cart = stored_form(checkout)
        now = _AT.process_bind_param(utcnow(), None)  # type: ignore[arg-type]
        self._dbapi().execute(_SAVE_SQL, (
            checkout.id, terminal, staff_id, checkout.cart.customer_id, json.dumps(cart), json.dumps(journal),
            checkout.status.value, checkout.sale_id, now, now))

    def get(self, checkout_id: str) -> JournalEntry | None:
        row = self._dbapi().execute(f"SELECT {_COLUMNS} FROM checkouts WHERE id = ?", (checkout_id,)).fetchone()
        return None if row is None else self._entry(row)

    def open_on(self, terminal: str) -> list[JournalEntry]:
        rows = self._dbapi().execute(
            f"SELECT {_COLUMNS} FROM checkouts WHERE terminal = ? AND status = 'open' ORDER BY created_at",
            (terminal,)).fetchall()
        return [self._entry(row) for row in rows]

    def _entry(self, row: Sequence[Any]) -> JournalEntry:
        checkout_id, terminal, staff_id, cart_text, journal_text, status, sale_id = row
        cart = json.loads(cart_text)
        legacy = cart.pop("_checkout", None)
        if isinstance(legacy, dict):  # the layout before the journal had its own column
            journal = dict(legacy)
        else:
            stored = json.loads(journal_text) if journal_text else {}
            journal = stored if isinstance(stored, dict) else {"tenders": stored}
        data = {**journal, "id": checkout_id, "cart": cart, "status": status, "sale_id": sale_id}
        rate = None if data.get("tax_rate") is not None else self._store_rate()
        return JournalEntry(Checkout.from_dict(data, tax_rate=rate), terminal=terminal, staff_id=staff_id)

    def _store_rate(self) -> Decimal:
        row = self._dbapi().execute("SELECT tax_rate FROM stores LIMIT 1").fetchone()
        return parse_tax_rate(str(row[0])) if row is not None else Decimal(0)
