"""Setting up card payments: the Stripe secret key is checked, kept in the keyring, and recorded.

The key itself is never written to the store, a file or the audit trail; the trail says who set a key
and whether it was a test key.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain.payments import check_stripe_key, is_test_key
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports import DirectoryReader, PaymentKeys, UnitOfWork


@dataclass(frozen=True)
class PaymentStatus:
    """What Settings shows about card payments; never the key itself."""

    key_stored: bool
    test_mode: bool
    reader_id: str
    api_base: str

    @property
    def ready(self) -> bool:
        return self.key_stored and bool(self.reader_id)


@requires(Permission.VIEW_SETTINGS)
def payment_status(*, keys: PaymentKeys, reader: DirectoryReader, actor: Actor, uow: UnitOfWork) -> PaymentStatus:
    key = keys.stripe_key() or ""
    return PaymentStatus(key_stored=bool(key), test_mode=bool(key) and is_test_key(key),
                         reader_id=str(reader.setting("payments.reader_id", "") or ""),
                         api_base=str(reader.setting("payments.api_base", "") or ""))


@requires(Permission.MANAGE_SETTINGS)
def set_stripe_key(text: str, *, keys: PaymentKeys, uow: UnitOfWork, actor: Actor) -> bool:
    """Keep the Stripe secret key `text` for this store; True when it is a test-mode key."""
    key = check_stripe_key(text)
    keys.store_stripe_key(key)
    with uow:
        uow.audit.record(actor, "payments.key_set", entity_type="store", summary={"test_mode": is_test_key(key)})
        uow.commit()
    return is_test_key(key)
