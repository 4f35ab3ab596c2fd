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
