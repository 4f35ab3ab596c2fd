"""Devices outside the store file: the card terminal, its reader registry and keys, the receipt printer, and the
files a person asks Facet to write."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from pos_app.domain.errors import UserFacingError
from pos_app.domain.payments import EmvReceipt
from pos_app.services.ports.privacy import ErasureLog, ExportFiles
from pos_app.services.ports.settings import StoreFile
from pos_app.services.ports.staff import SecretHasher


@dataclass(frozen=True)
class RegisteredReader:
    reader_id: str
    label: str
    device_type: str


class ReaderRegistry(Protocol):
    """Stripe Terminal's reader registration: pairs a reader by the code its screen shows. Network: off the GUI
    thread."""

    def register_reader(self, registration_code: str, *, label: str, location: str | None) -> RegisteredReader: ...


class PaymentKeys(Protocol):
    """Where the card processor's secret key is kept (the keyring; never the store or a file)."""

    def store_stripe_key(self, key: str) -> None: ...
    def stripe_key(self) -> str | None: ...


class SecretsStatus(Protocol):
    """Where the keyring keeps secrets, and what a person should know about it (a plaintext file backend)."""

    @property
    def backend(self) -> str: ...
    @property
    def warning(self) -> str | None: ...


class DeviceUnavailable(UserFacingError):
    """A device or service outside Facet (receipt printer, Stripe, card reader) did not answer.

    Its message says what to check. For a card payment it also means "the
    outcome is not known yet": the payment stays pending and is reconciled
    with Stripe, never charged again.
    """


@dataclass(frozen=True)
class CardOutcome:
    """Where a card payment stands, as Stripe reports it.

    `state` is Facet's reading of Stripe's status: `pending` (the reader is
    waiting for a card, or Stripe is processing), `succeeded` (captured: the
    money is the store's), `failed` (declined or the reader gave up; the
    PaymentIntent can be tried again with another card) or `canceled`.
    Only the brand and last four digits of the card are ever kept.
    """

    payment_intent_id: str | None  # None: Stripe refused to make one (nothing can be charged)
    state: str  # pending | succeeded | failed | canceled
    stripe_status: str
    amount_cents: int
    card_brand: str | None = None
    card_last4: str | None = None
    message: str | None = None  # for the clerk: "Card declined: insufficient funds"
    receipt: EmvReceipt | None = None  # the chip receipt fields of a succeeded card-present payment


@dataclass(frozen=True)
class RefundOutcome:
    """A refund as Stripe reports it. `pending` is not done: the card network may still refuse it, so
    Facet asks again (`CardTerminal.refund_status`) until it is `succeeded` or `failed`/`canceled`."""

    refund_id: str
    status: str  # succeeded | pending | failed | canceled | requires_action
    amount_cents: int
    failure_reason: str | None = None  # Stripe's code when failed: expired_or_canceled_card, lost_or_stolen_card...


class PaymentRefused(UserFacingError):
    """Stripe refused the request itself (not the card's bank): too small or too large an amount, a
    parameter this API version does not take, a key reused. Nothing was charged or refunded by it,
    so the attempt can be dropped; the message says what the clerk can do instead."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class CardTerminal(Protocol):
    """A Stripe Terminal reader driven from the server side (adapters/card_terminal.py).

    Every call that creates or changes money at Stripe carries an idempotency
    key derived from `key`, so a retry after a timeout never charges twice.
    """

    @property
    def test_mode(self) -> bool: ...
    def begin(self, *, key: str, amount_cents: int, currency: str, description: str,
              metadata: dict[str, str]) -> CardOutcome: ...
    def status(self, payment_intent_id: str, *, key: str) -> CardOutcome: ...
    def cancel(self, payment_intent_id: str) -> CardOutcome: ...
    def simulate_tap(self, card_number: str = "4242424242424242") -> None: ...
    def refund(self, payment_intent_id: str, amount_cents: int, *, key: str) -> RefundOutcome: ...
    def refund_status(self, refund_id: str) -> RefundOutcome: ...


class ReceiptPrinter(Protocol):
    """An ESC/POS receipt printer (adapters/receipt_printer.py); raises DeviceUnavailable."""

    @property
    def columns(self) -> int: ...
    def send(self, data: bytes) -> None: ...


@dataclass(frozen=True)
class WrittenFile:
    """A file streamed into place (`FileOutput.stream_private`): where it is, its SHA-256 and its size."""

    path: Path
    sha256: str
    size: int


class FileOutput(Protocol):
    """Files a person chose to write (an export, a PDF): whole or not at all, readable by the store's OS account
    only (mode 0600, whatever the umask), since most hold customers' or the store's data (`adapters/files.py`).

    Each write goes beside the target first and is moved into place at the end, so a half-written file never
    takes the place of a good one. A problem writing (a full disk, a folder one may not write to) is a
    `ValidationError` naming `field` and the file; the file that was there is left as it was. Blocking: call
    it off the GUI thread.
    """

    def folder_exists(self, path: Path) -> bool:
        """Whether the folder `path` would be written into is there (to name a missing one before any work)."""
        ...

    def write_atomically(self, path: Path, data: bytes, *, field: str = "file") -> Path:
        """`data` as the file `path`; returns `path`."""
        ...

    def write_csv_atomically(self, path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], *,
                             field: str = "file", then: str = "") -> int:
        """A CSV file (UTF-8) streamed row by row, synced, then moved into place; returns how many rows (the
        header not counted). `then` ends a problem's message with what it means ("; nothing was imported").
        Whatever stops the rows (a cancel, a failed query) is raised as it is and leaves no partial file."""
        ...

    def stream_private(self, path: Path, write: Callable[[IO[bytes]], None], *, field: str = "file"
                       ) -> WrittenFile:
        """Call `write` with a new private binary file (seekable, as a zip needs) beside `path`, then move it
        into place. Whatever `write` raises (a cancel) removes the partial file and is raised as it is."""
        ...

    def remove(self, path: Path) -> None:
        """Delete a file written here whose record could not be kept (a commit that failed after it)."""
        ...


class Devices(Protocol):
    """What lives outside the store file, as an operation sees it: made by the composition root (`app.Facet`).

    Each call reads the settings as they are now, so a changed printer or reader is used at once.
    """

    @property
    def files(self) -> FileOutput:
        """Where documents and exports the person asked for are written (the paths they chose)."""
        ...

    def receipt_printer(self) -> ReceiptPrinter | None:
        """The receipt printer the settings name, or None when none is set."""
        ...

    def printer_for(self, uri: str) -> ReceiptPrinter:
        """A receipt printer at `uri` with the store's receipt layout."""
        ...

    def card_terminal(self) -> CardTerminal | None:
        """This counter's card reader, or None when its key or reader is not set up."""
        ...

    def reader_registry(self) -> ReaderRegistry:
        """The card processor's reader registration."""
        ...

    def hasher(self) -> SecretHasher:
        """The PIN and password hasher at the store's current costs."""
        ...

    def erasure_log(self) -> ErasureLog:
        """The log of erased customers kept beside the store."""
        ...

    def export_files(self) -> ExportFiles:
        """The privacy exports kept in the store's data folder."""
        ...

    def payment_keys(self) -> PaymentKeys:
        """Where the card processor's secret key is kept (the keyring)."""
        ...

    def secrets_status(self) -> SecretsStatus:
        """The keyring's backend and its warning, if it is not secure."""
        ...

    def store_file(self) -> StoreFile:
        """The store's file itself: scrubbed after an erasure or a retention run."""
        ...

    @property
    def data_dir(self) -> Path:
        """The store's data folder (its exports, backups and logs beside the store file)."""
        ...
