"""The permission check every service function makes, and manager approval for one action.

`@requires(Permission.X)` sits on each public service function that acts for
a person. It checks the actor's role *before* the function touches any of its
arguments, and a refusal is itself an audit event (`permission.refused`:
who, role, terminal, the permission and the function), committed in its own
unit of work even though the action is refused: the insurer's question
"who tried to void that sale?" has an answer. The refusal's message is
`Actor.require`'s, which names the roles that can help.

Some actions a clerk may not do alone are allowed once with a manager's PIN
(`staff.approve` checks the PIN and returns the approver): `approval` says
whether one is needed, `ApprovalNeeded` asks the counter for one, and the
action's own audit event names both people (`approved_by`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pos_app.domain.errors import PermissionDenied
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.ports.uow import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")

REFUSED = "permission.refused"


class ApprovalNeeded(PermissionDenied):
    """The clerk may not do this alone; a manager's PIN for this one action allows it."""

    def __init__(self, permission: Permission, message: str) -> None:
        self.permission = permission
        super().__init__(message)


def refuse(actor: Actor, permission: Permission, uow: UnitOfWork, *, function: str,
           entity: tuple[str, str | None] | None = None) -> None:
    """Record that `actor` was refused `permission` in `function`, commit it, and raise PermissionDenied."""
    with uow:
        check_open(actor, permission, uow, function=function, entity=entity)


def check_open(actor: Actor, permission: Permission, uow: UnitOfWork, *, function: str,
               entity: tuple[str, str | None] | None = None) -> None:
    """The same check as `@requires`, inside an open `with uow:`, for a permission that depends on
    the data (a restricted customer, a consent given rather than withdrawn).

    A refusal commits that unit of work, so call it before the function has
    changed anything in it.
    """
    if actor.can(permission):
        return
    entity_type, entity_id = entity or ("permission", permission.value)
    uow.audit.record(actor, REFUSED, entity_type=entity_type, entity_id=entity_id,
                     summary={"permission": permission.value, "function": function})
    uow.commit()
    actor.require(permission)  # raises, with the message that names who can help


def requires(permission: Permission, *, entity: tuple[str, str] | None = None,
             ) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Refuse (and audit the refusal) unless the keyword `actor` may `permission`.

    The decorated function must take `actor` and `uow` as keyword-only
    arguments; that is checked once, when the module is imported. `entity`
    (type, argument name) names what was attempted in the refusal's event,
    say ("privacy_request", "request_id"); otherwise the event names the
    permission.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        signature = _check_signature(fn, entity)
        # The service's area, as the audit trail has always named it: `checkout.pay_cash`, not the module inside
        # the `checkout` package that holds it.
        area = fn.__module__.removeprefix('pos_app.services.').split('.')[0]
        name = f"{area}.{fn.__qualname__}"

        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = kwargs["actor"]
            assert isinstance(actor, Actor)
            if not actor.can(permission):
                target = None
                if entity is not None:
                    value = signature.bind_partial(*args, **kwargs).arguments.get(entity[1])
                    target = (entity[0], str(value) if value else None)
                refuse(actor, permission, kwargs["uow"], function=name, entity=target)  # type: ignore[arg-type]
            return fn(*args, **kwargs)

        guarded.__requires__ = permission  # type: ignore[attr-defined]
        return guarded

    return decorate


def required_permission(fn: object) -> Permission | None:
    """The permission `@requires` put on `fn`, or None when it is not guarded."""
    found = getattr(fn, "__requires__", None)
    return found if isinstance(found, Permission) else None


def approval(actor: Actor, approver: Actor | None, permission: Permission, what: str) -> Actor | None:
    """None when the actor may act alone; the approver when one is needed and allowed.

    `approver` comes from `staff.approve`, which has already checked the PIN.
    """
    if actor.can(permission):
        return None
    if approver is None:
        raise ApprovalNeeded(permission, f"{what} needs a manager's approval.")
    if not approver.can(permission):
        raise PermissionDenied(f"{approver.name} ({approver.role.label.lower()}) cannot approve this.")
    return approver


def _check_signature(fn: Callable[..., object], entity: tuple[str, str] | None) -> inspect.Signature:
    signature = inspect.signature(fn)
    params = signature.parameters
    for needed in ("actor", "uow"):
        if needed not in params or params[needed].kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"@requires needs {fn.__qualname__} to take keyword-only {needed!r}")
    if entity is not None and entity[1] not in params:
        raise TypeError(f"@requires: {fn.__qualname__} has no argument {entity[1]!r}")
    return signature
