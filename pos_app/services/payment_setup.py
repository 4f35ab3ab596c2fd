"""Setting up card payments: the Stripe secret key is checked, kept in the keyring, and recorded.

The key itself is never written to the store, a file or the audit trail; the trail says who set a key
and whether it was a test key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pos_app.domain.errors import ValidationError
from pos_app.domain.payments import check_stripe_key, is_test_key
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.devices import PaymentKeys, ReaderRegistry, RegisteredReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork


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


def check_registration_code(text: str) -> str:
    """The pairing code a Stripe reader shows (three words such as "sepia-cerulean-aqua"; "simulated-wpe" for
    Stripe's simulated reader in test mode)."""
    code = text.strip().lower()
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+){1,5}", code):
        raise ValidationError("registration code", "is the code the reader shows, words joined by hyphens, such "
                                                    "as sepia-cerulean-aqua (on the reader: Settings, Generate "
                                                    "pairing code)")
    return code


@requires(Permission.MANAGE_SETTINGS)
def register_reader(text: str, *, registry: ReaderRegistry, terminal: str, location: str = "", uow: UnitOfWork,
                    actor: Actor) -> RegisteredReader:
    """Pair the reader showing the code `text` with the store's Stripe account and make it this counter's
    reader (`payments.reader_id`); audited. Stripe is asked first: a refused code changes nothing."""
    code = check_registration_code(text)
    reader = registry.register_reader(code, label=f"Facet counter {terminal}", location=location.strip() or None)
    with uow:
        before = uow.settings.get("payments.reader_id", "")
        uow.settings.set("payments.reader_id", reader.reader_id)
        uow.audit.record(actor, "payments.reader_registered", entity_type="setting", entity_id="payments.reader_id",
                         summary={"before": before, "after": reader.reader_id, "device_type": reader.device_type})
        uow.commit()
    return reader
