"""Where receipt bytes go: a network, USB, serial or file ESC/POS printer.

Role and contract
-----------------
`EscposPrinter` is the `ReceiptPrinter` port (`pos_app.services.ports`): it
sends bytes already laid out by `pos_app.documents.receipt_escpos` and knows
nothing of receipts. It runs on the caller's thread (the GUI's io lane) and
blocks for at most about `timeout_seconds` on a network printer. Every
failure (refused, timed out, unplugged, not found, no permission, out of
paper) becomes `DeviceUnavailable` with a message that names the printer and
says what to check; the receipts service adds that the receipt waits in the
reprint queue.

The printer is named by a URI in the settings (`receipt.printer`):

    tcp://192.168.1.50:9100          a network printer (port 9100 if none is given)
    usb://04b8:0202                  a USB printer by vendor and product id (hex; 04b8 is Epson)
    serial:///dev/ttyUSB0            a serial printer (?baudrate=19200; 9600 if not given)
    file:///dev/usb/lp0              a device node, or a file the bytes are appended to

Each `send` opens the connection through python-escpos's printer class for
that kind (Network, Usb, Serial), writes the bytes, and closes it: a failed
python-escpos printer object cannot be reused (a second write to a dead
Network printer raises a bare AssertionError), and a counter's printer is
switched off and on all day. A file is opened for appending by a small class
here, because python-escpos's File truncates what a test or a spool file
already holds.

Paper
-----
A network printer is first asked for its roll paper sensor (DLE EOT 4, on a
connection of its own). One that reports "paper end" is refused before
anything is sent, so the receipt is queued rather than lost in the printer's
buffer. A printer that does not answer status requests within a quarter of a
second is simply sent the receipt.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pos_app.domain.errors import ValidationError
from pos_app.services.ports import DeviceUnavailable

EXAMPLES = "tcp://192.168.1.50:9100, usb://04b8:0202, serial:///dev/ttyUSB0?baudrate=19200 or file:///dev/usb/lp0"
DEFAULT_PORT = 9100
DEFAULT_BAUDRATE = 9600
PAPER_STATUS = b"\x10\x04\x04"  # DLE EOT 4: transmit the roll paper sensor status
STATUS_WAIT = 0.25  # seconds a printer gets to answer it; a TM printer answers in milliseconds
_CHECK = "Check that it is on, has paper and is connected."
_USB_IDS = re.compile(r"([0-9a-f]{1,4}):([0-9a-f]{1,4})", re.IGNORECASE)


@dataclass(frozen=True)
class PrinterTarget:
    """A parsed printer address; only the fields of its `kind` mean anything."""

    kind: str  # tcp | usb | serial | file
    host: str = ""
    port: int = DEFAULT_PORT
    vendor: int = 0
    product: int = 0
    path: str = ""  # the serial port or the file
    baudrate: int = DEFAULT_BAUDRATE

    @property
    def uri(self) -> str:
        if self.kind == "tcp":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"tcp://{host}:{self.port}"
        if self.kind == "usb":
            return f"usb://{self.vendor:04x}:{self.product:04x}"
        if self.kind == "serial":
            return f"serial://{self.path}?baudrate={self.baudrate}"
        return f"file://{self.path}"

    def describe(self) -> str:
        """How a message names the printer: "The receipt printer at 192.168.1.50:9100"."""
        if self.kind == "tcp":
            return f"The receipt printer at {self.uri.removeprefix('tcp://')}"
        if self.kind == "usb":
            return f"The USB receipt printer {self.vendor:04x}:{self.product:04x}"
        return f"The receipt printer at {self.path}"


def parse_printer_uri(uri: str) -> PrinterTarget:
    """The printer `uri` names; raises ValidationError("printer", ...) saying what is wrong, with examples."""
    text = uri.strip()

    def bad(problem: str) -> ValidationError:
        return ValidationError("printer", f"{problem}. Use an address like {EXAMPLES}.")

    if not text:
        raise bad("no printer address is given")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if "://" not in text or scheme not in ("tcp", "usb", "serial", "file"):
        raise bad(f"{text!r} is not a printer address (it must start with tcp://, usb://, serial:// "
                  "or file://)")
    if scheme == "tcp":
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise bad(f"the port in {text!r} must be a number from 1 to 65535") from None
        if not parts.hostname:
            raise bad(f"{text!r} names no printer host")
        if parts.path not in ("", "/") or parts.query:
            raise bad(f"{text!r} has more than a host and a port")
        return PrinterTarget("tcp", host=parts.hostname, port=port)
    if scheme == "usb":
        ids = _USB_IDS.fullmatch(parts.netloc)
        if not ids or parts.path not in ("", "/") or not int(ids[1], 16) or not int(ids[2], 16):
            raise bad(f"{text!r} must give the USB vendor and product ids in hex, vendor:product")
        return PrinterTarget("usb", vendor=int(ids[1], 16), product=int(ids[2], 16))
    if scheme == "serial":
        path = parts.path or parts.netloc  # serial:///dev/ttyUSB0, or serial://COM3 on Windows
        query = parse_qs(parts.query, keep_blank_values=True)
        if not path or path == "/":
            raise bad(f"{text!r} names no serial port")
        if set(query) - {"baudrate"}:
            raise bad(f"{text!r}: a serial printer takes only ?baudrate=")
        rate = query.get("baudrate", [str(DEFAULT_BAUDRATE)])[-1]
        if not rate.isdigit() or not 300 <= int(rate) <= 921600:
            raise bad(f"the baud rate in {text!r} must be a number such as 9600 or 19200")
        return PrinterTarget("serial", path=path, baudrate=int(rate))
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/") or parts.path.endswith("/"):
        raise bad(f"{text!r} must name a file by its full path, file:///folder/name")
    return PrinterTarget("file", path=parts.path)


class EscposPrinter:
    """The `ReceiptPrinter` port over python-escpos: one connection per `send`."""

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
        """Write `data` to the printer; raises DeviceUnavailable (message for the clerk) if it cannot."""
        if self.target.kind == "tcp":
            self._check_paper()
        try:
            device = self._open()
        except Exception as error:  # noqa: BLE001 - every device failure is the same news for the clerk
            raise self._unavailable(error) from error
        try:
            device._raw(data)
        except Exception as error:  # noqa: BLE001
            raise self._unavailable(error) from error
        finally:
            with contextlib.suppress(Exception):  # the bytes are written or the error is already on its way
                device.close()

    def _open(self) -> Any:
        t = self.target
        if t.kind == "file":
            device: Any = _AppendingFile(t.path)
            device.open()
            return device
        _import_escpos()
        from escpos import printer as escpos_printer

        if t.kind == "tcp":
            device = escpos_printer.Network(t.host, port=t.port, timeout=self.timeout, profile=self.profile)
        elif t.kind == "usb":
            device = escpos_printer.Usb(t.vendor, t.product, timeout=int(self.timeout * 1000), profile=self.profile)
        else:
            device = escpos_printer.Serial(t.path, baudrate=t.baudrate, timeout=self.timeout, profile=self.profile)
        device.open()
        if t.kind == "serial":
            # With hardware flow control a printer that is off blocks a write forever unless told otherwise.
            device.device.write_timeout = self.timeout
        return device

    def _check_paper(self) -> None:
        """Ask a network printer for its paper sensor; silence means "cannot tell", not "no paper"."""
        t = self.target
        try:
            with socket.create_connection((t.host, t.port), timeout=self.timeout) as conn:
                conn.sendall(PAPER_STATUS)
                conn.settimeout(STATUS_WAIT)
                try:
                    answer = conn.recv(1)
                except TimeoutError:
                    return
        except OSError as error:
            raise self._unavailable(error) from error
        # A status byte has bits 1 and 4 set and bits 0 and 7 clear; bits 5 and 6 say "paper end".
        if len(answer) == 1 and answer[0] & 0x93 == 0x12 and answer[0] & 0x60 == 0x60:
            raise DeviceUnavailable(f"{t.describe()} is out of paper. Load a new roll and close the cover.")

    def _unavailable(self, error: BaseException) -> DeviceUnavailable:
        root = _root_cause(error)
        reason, advice = _reason(root, self.timeout), _CHECK
        if isinstance(root, PermissionError) or getattr(root, "errno", None) in (errno.EACCES, errno.EPERM):
            reason = "this computer's user has no permission to use it"
            advice = "Ask whoever set up this computer to give it access to the printer."
        elif type(root).__name__ == "NoBackendError":  # pyusb without libusb
            reason = "USB printing needs the libusb library, which is not installed on this computer"
            advice = "Install libusb, or connect the printer by network."
        elif self.target.kind == "file" and isinstance(root, (FileNotFoundError, NotADirectoryError)):
            reason = "there is no such device or file"
            advice = "Check the printer's address in the settings and that the printer is plugged in."
        return DeviceUnavailable(f"{self.target.describe()} does not answer ({reason}). {advice}")


class _AppendingFile:
    """A device node or a file, opened for appending (python-escpos's File truncates a regular file)."""

    def __init__(self, path: str) -> None:
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


_IMPORT = threading.Lock()


def _import_escpos() -> None:
    """Import python-escpos once, leaving no /tmp/tmpXXXX folder behind.

    The same as `receipt_escpos._import_escpos` (see there why); adapters do
    not import the documents package.
    """
    with _IMPORT:
        if "escpos.printer" in sys.modules:
            return
        if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
            from platformdirs import user_cache_dir

            os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = os.path.join(
                user_cache_dir("facet", appauthor=False), "escpos")
        folder = os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"]
        os.makedirs(folder, exist_ok=True)
        real_mkdtemp = tempfile.mkdtemp

        def mkdtemp(*args: Any, **kwargs: Any) -> Any:
            if sys._getframe(1).f_globals.get("__name__") == "escpos.capabilities":
                return folder
            return real_mkdtemp(*args, **kwargs)

        tempfile.mkdtemp = mkdtemp
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # its notices are print()s
                import escpos.printer  # noqa: F401 - imported for its side effect: loaded once, here
        finally:
            tempfile.mkdtemp = real_mkdtemp


def _root_cause(error: BaseException) -> BaseException:
    """The innermost error: python-escpos wraps the socket's or the OS's in DeviceNotFoundError."""
    seen = {id(error)}
    while True:
        inner = error.__cause__ or error.__context__
        if inner is None or id(inner) in seen:
            return error
        seen.add(id(inner))
        error = inner


def _reason(error: BaseException, timeout: float) -> str:
    """A few words on why, for the message; the clerk reads them, the log has the whole error."""
    if isinstance(error, ConnectionRefusedError):
        return "it refused the connection"
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return "its name is not known on this network"
    if isinstance(error, OSError) and error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN):
        return "the network cannot reach it"
    if isinstance(error, FileNotFoundError):
        return "the device is not there"
    if isinstance(error, AssertionError):  # python-escpos's "USB device not found"
        return "it is not plugged in or is switched off"
    lines = str(error).strip().splitlines()
    return (lines[-1] if lines else type(error).__name__)[:120]
