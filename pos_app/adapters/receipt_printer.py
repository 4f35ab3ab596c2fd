"""Where receipt bytes go: a network, USB, serial or file ESC/POS printer.

The printer is named by a URI in the settings:

    tcp://192.168.1.50:9100     a network printer (port 9100 if none is given)
    usb://04b8:0202             a USB printer by vendor and product id (hex)
    serial:///dev/ttyUSB0       a serial printer (?baudrate=19200, default 9600)
    file:///dev/usb/lp0         a device node or a file (bytes are appended)

Each `send` opens the connection through python-escpos's printer class for
that kind, writes the bytes, and closes it: a failed python-escpos printer
object cannot be reused, and a counter's printer is switched off and on all
day. Every failure becomes `DeviceUnavailable` with a message the clerk can
act on; the caller keeps the receipt in the reprint queue.

A network printer is first asked for its paper sensor (DLE EOT 4); one that
reports "paper end" is refused before anything is sent, so the receipt is
queued rather than lost. A printer that does not answer status requests is
simply sent the receipt.
"""

from __future__ import annotations

import contextlib
import io
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pos_app.domain.errors import ValidationError
from pos_app.services.ports import DeviceUnavailable

EXAMPLES = "tcp://192.168.1.50:9100, usb://04b8:0202, serial:///dev/ttyUSB0 or file:///dev/usb/lp0"
PAPER_STATUS = b"\x10\x04\x04"  # DLE EOT 4: roll paper sensor
PAPER_END_BITS = 0x60


@dataclass(frozen=True)
class PrinterTarget:
    kind: str  # tcp | usb | serial | file
    host: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0
    path: str = ""
    baudrate: int = 9600

    def describe(self) -> str:
        if self.kind == "tcp":
            return f"The receipt printer at {self.host}:{self.port}"
        if self.kind == "usb":
            return f"The USB receipt printer {self.vendor:04x}:{self.product:04x}"
        return f"The receipt printer at {self.path}"


def parse_printer_uri(uri: str) -> PrinterTarget:
    text = uri.strip()
    parts = urlsplit(text)
    try:
        if parts.scheme == "tcp" and parts.hostname:
            return PrinterTarget("tcp", host=parts.hostname, port=parts.port or 9100)
        if parts.scheme == "usb" and parts.netloc:
            vendor, _, product = parts.netloc.partition(":")
            return PrinterTarget("usb", vendor=int(vendor, 16), product=int(product, 16))
        if parts.scheme == "serial" and parts.path:
            baud = int(parse_qs(parts.query).get("baudrate", ["9600"])[0])
            return PrinterTarget("serial", path=parts.path, baudrate=baud)
        if parts.scheme == "file" and parts.path:
            return PrinterTarget("file", path=parts.path)
    except ValueError:
        pass
    raise ValidationError("printer", f"{text!r} is not a printer address; use {EXAMPLES}")


class EscposPrinter:
    """The `ReceiptPrinter` port over python-escpos."""

    def __init__(self, target: PrinterTarget, *, columns: int = 42, profile: str = "TM-T88V",
                 timeout_seconds: float = 4) -> None:
        self.target = target
        self._columns = columns
        self.profile = profile
        self.timeout = timeout_seconds

    @property
    def columns(self) -> int:
        return self._columns

    def send(self, data: bytes) -> None:
        where = self.target.describe()
        if self.target.kind == "tcp":
            self._check_paper()
        try:
            printer = self._open()
            try:
                printer._raw(data)
            finally:
                with contextlib.suppress(Exception):
                    printer.close()
        except DeviceUnavailable:
            raise
        except Exception as error:  # noqa: BLE001 - every device failure is the same news for the clerk
            raise DeviceUnavailable(
                f"{where} does not answer ({_reason(error)}). Check that it is on, has paper and is "
                "connected.") from error

    def _open(self) -> Any:
        from pos_app.documents.receipt_escpos import _escpos_dummy

        _escpos_dummy(self.profile)  # sets up python-escpos's capability cache before its printers import
        t = self.target
        with contextlib.redirect_stdout(io.StringIO()):
            from escpos import printer as escpos_printers

            if t.kind == "tcp":
                device = escpos_printers.Network(t.host, port=t.port, timeout=self.timeout, profile=self.profile)
            elif t.kind == "usb":
                device = escpos_printers.Usb(t.vendor, t.product, timeout=int(self.timeout * 1000),
                                             profile=self.profile)
            elif t.kind == "serial":
                device = escpos_printers.Serial(t.path, baudrate=t.baudrate, timeout=self.timeout,
                                                profile=self.profile)
            else:
                device = _AppendFile(t.path, self.profile)
            device.open()
        return device

    def _check_paper(self) -> None:
        """Ask a network printer for its paper sensor; silence means "cannot tell", not "no paper"."""
        t = self.target
        try:
            with socket.create_connection((t.host, t.port), timeout=self.timeout) as conn:
                conn.sendall(PAPER_STATUS)
                conn.settimeout(0.4)
                try:
                    answer = conn.recv(1)
                except TimeoutError:
                    return
        except OSError as error:
            raise DeviceUnavailable(
                f"{t.describe()} does not answer ({_reason(error)}). Check that it is on, has paper "
                "and is connected.") from error
        if answer and answer[0] & PAPER_END_BITS == PAPER_END_BITS:
            raise DeviceUnavailable(f"{t.describe()} is out of paper. Load a new roll.")


class _AppendFile:
    """A device node or a file, appended to (python-escpos's File printer truncates a regular file)."""

    def __init__(self, path: str, profile: str) -> None:
        self.path = path
        self._handle: Any = None

    def open(self) -> None:
        self._handle = open(self.path, "ab")  # noqa: SIM115 - closed in close()

    def _raw(self, data: bytes) -> None:
        self._handle.write(data)
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    reason = text[-1] if text else type(error).__name__
    return reason[:120]
