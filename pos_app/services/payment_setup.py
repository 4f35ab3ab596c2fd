"""Setting up card payments: the Stripe secret key is checked, kept in the keyring, and recorded.

The key itself is never written to the store, a file or the audit trail; the trail says who set a key
and whether it was a test key.
"""

from __future__ import annotations

from pos_app.domain.payments import check_stripe_key, is_test_key
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports import PaymentKeys, UnitOfWork


@requires(Permission.MANAGE_SETTINGS)
def set_stripe_key(text: str, *, keys: PaymentKeys, uow: UnitOfWork, actor: Actor) -> bool:
    """Keep the Stripe secret key `text` for this store; True when it is a test-mode key."""
    key = check_stripe_key(text)
    keys.store_stripe_key(key)
    with uow:
        uow.audit.record(actor, "payments.key_set", entity_type="store", summary={"test_mode": is_test_key(key)})
        uow.commit()
    return is_test_key(key)
