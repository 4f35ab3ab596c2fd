"""Errors meant for a person at the counter or in the back office.

Every error Facet shows to a user subclasses `UserFacingError`; its `str()` is
the message, written so the person can act on it. Anything else that escapes
is a bug: the GUI logs it and shows a generic apology.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """A problem the user can understand and act on; `str(e)` is the message."""


class ValidationError(UserFacingError):
    """A value a person typed or imported is not acceptable.

    `field` names the field (or CSV column) and `problem` says what is wrong, so
    a form can highlight the field and an import report can name the column.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class PermissionDenied(UserFacingError):
    """The signed-in staff member's role does not allow this action."""


class NotFound(UserFacingError):
    """A record the user named does not exist."""


class Conflict(UserFacingError):
    """The change clashes with the current state (already sold, duplicate SKU, ...)."""


class SignInFailed(UserFacingError):
    """Wrong PIN or password, or the account cannot sign in now."""


class StockConflict(Conflict):
    """Stock moved since it was checked: the piece was sold meanwhile, or fewer units are left.

    Raised from inside the write transaction that found it (the database's own
    guards: a conditional UPDATE of the piece's status, a trigger on the stock
    ledger), so nothing of that transaction is kept. `sku` names the item.
    """

    def __init__(self, sku: str, message: str) -> None:
        self.sku = sku
        super().__init__(message)


class ItemAlreadySold(StockConflict):
    """A unique piece is no longer available: sold at another counter or window, or put on hold meanwhile."""

    def __init__(self, sku: str, status: str = "sold") -> None:
        self.status = status
        if status == "sold":
            message = f"{sku} has just been sold at another counter; it cannot be sold twice."
        else:
            message = f"{sku} is {status.replace('_', ' ')} now; only an available piece can be sold."
        super().__init__(sku, message)


class NotEnoughStock(StockConflict):
    """Taking `wanted` units of a counted item would leave less than zero on hand."""

    def __init__(self, sku: str, on_hand: int, wanted: int) -> None:
        self.on_hand = on_hand
        self.wanted = wanted
        super().__init__(sku, f"Only {on_hand} of {sku} on hand; {wanted} cannot be taken out.")


class CustomerErased(Conflict):
    """The customer a new sale names was erased meanwhile (at the privacy desk of this counter, of another
    window, or of another counter through a sync pull): the database refuses to link a sale to them.

    Raised from inside the sale's write transaction (its trigger, migration 0017), so nothing of that
    transaction is kept; the checkout then completes the sale without a customer."""

    def __init__(self) -> None:
        super().__init__("The customer was erased at their request while this sale was open: a sale can no "
                         "longer name them. Take it without a customer.")


class CentralProblem(UserFacingError):
    """A sync group's central PostgreSQL could not be reached, refused the login, or refused a call; the
    message says which and why (never a password)."""


class PullClash(CentralProblem):
    """A change pulled from central clashes with a row of this counter's own that central has not accepted (the
    same SKU, barcode or number): the counter is online; a person fixes the row here and the pull goes on."""
