"""Where receipt bytes go: a network, USB, serial or file ESC/POS printer.

Role and contract
-----------------
`EscposPrinter` is the `ReceiptPrinter` port (`pos_app.services.ports`): it
sends bytes already laid out by `pos_app.documents.receipt_escpos` and knows
nothing of receipts. It runs on the caller's thread (the GUI's io lane) and
blocks for at most about twice `timeout_seconds` on a network printer.
`send` returns only when the printer has the bytes (see "Network printers");
every failure (refused, timed out, closed, not reading, unplugged, not found,
no permission, out of paper, cover open) becomes `DeviceUnavailable` with a
message that names the printer and says what to check; the receipts service
adds that the receipt waits in the reprint queue.

The printer is named by a URI in the settings (`receipt.printer`):

    tcp://192.168.1.50:9100          a network printer (port 9100 if none is given)
    usb://04b8:0202                  a USB printer by vendor and product id (hex; 04b8 is Epson)
    serial:///dev/ttyUSB0            a serial printer (?baudrate=19200; 9600 if not given)
    file:///dev/usb/lp0              a device node, or a file the bytes are appended to

Each `send` opens a connection, writes the bytes, and closes it: a counter's
printer is switched off and on all day. USB and serial printers go through
python-escpos's printer classes (a failed one cannot be reused: a second
write to a dead printer object raises a bare AssertionError, so each send
makes a new one); a file is opened for appending by a small class here,
because python-escpos's File truncates what a test or a spool file holds.

Network printers: when is a receipt delivered?
----------------------------------------------
`sendall` returning means only that the bytes reached this computer's
kernel: a printer that accepted the connection and closed it, or accepted
and never reads (jammed, hung, a wrong device on port 9100), loses them
silently. So a network send is a small protocol on one socket of its own
(python-escpos's Network writes the same bytes to a socket and can tell
nothing more):

1. Ask the printer's status before the data: DLE EOT 2 (offline cause:
   cover open, stopped at paper end, error) and DLE EOT 4 (roll paper
   sensor), and wait `status_wait` (a quarter of a second) for the two
   answer bytes. A printer that reports a problem is sent nothing, so the
   receipt is queued rather than stranded in the printer's buffer. A
   printer that closes or resets the connection here is unavailable.
2. Send the data; a printer that will not take it within `timeout_seconds`
   is unavailable.
3. Confirm delivery.
   - A printer that answered in step 1 is asked again after the data. DLE
     EOT is a real-time command: the printer answers it as it reads it, and
     TCP delivers it after every byte before it, so an answer proves the
     printer read the whole receipt; it must come within `timeout_seconds`
     (a printer still printing a logo answers in milliseconds), and it must
     report no error (out of paper, cover open): otherwise the receipt is
     queued. The receipt may then print once the paper is loaded: a
     duplicate the clerk can take off the queue beats a receipt lost.
   - A printer that never answers status (many clones, some print servers)
     is judged by this computer's send queue: on Linux the SIOCOUTQ ioctl
     gives the bytes the printer has not acknowledged yet; `send` waits for
     it to reach zero within `timeout_seconds`, and meanwhile watches for
     the printer closing or resetting the connection (a reset also empties
     the queue, so a drained queue alone would be a false success). Where
     the ioctl is missing (not Linux), it checks for a closed or reset
     connection only.
   A closed or reset connection, bytes left unacknowledged, or an
   unanswered status request after an answered one: `DeviceUnavailable`,
   and the receipt waits in the reprint queue.

An acknowledgement means the printer's network stack has the bytes, not
that they are on paper: a printer without status that stops reading still
acknowledges a receipt shorter than its receive window (a few kB), and one
that loses power after that loses the receipt; nothing on the wire can tell.
A printer that answers status is not judged by acknowledgements, so these
cases are caught for it. python-escpos's own `query_status` is not used:
it returns whatever one `recv` gives under the connection's single timeout,
so it cannot wait briefly before the data and long after it, and it cannot
see the send queue. USB and serial printers are written through
python-escpos and trusted once the write returns.
"""

from __future__ import annotations

import contextlib
import errno
import re
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pos_app.domain.errors import ValidationError
from pos_app.escpos_loader import load_escpos
from pos_app.services.ports.devices import DeviceUnavailable

EXAMPLES = "tcp://192.168.1.50:9100, usb://04b8:0202, serial:///dev/ttyUSB0?baudrate=19200 or file:///dev/usb/lp0"
DEFAULT_PORT = 9100
DEFAULT_BAUDRATE = 9600
# DLE EOT 2 (offline cause) then DLE EOT 4 (roll paper sensor): one status byte each, in that order.
STATUS_REQUESTS = b"\x10\x04\x02\x10\x04\x04"
STATUS_WAIT = 0.25  # seconds a printer gets to answer before the data; a TM printer answers in milliseconds
DRAIN_POLL = 0.005  # seconds between looks at the send queue
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
    """The `ReceiptPrinter` port over python-escpos and TCP: one connection per `send`."""

    def __init__(self, target: PrinterTarget, *, columns: int = 42, profile: str = "TM-T88V",
                 timeout_seconds: float = 4, status_wait: float = STATUS_WAIT) -> None:
        self.target = target
        self._columns = columns
        self.profile = profile
        self.timeout = timeout_seconds
        self.status_wait = status_wait

    @property
    def columns(self) -> int:
        return self._columns

    def send(self, data: bytes) -> None:
        """Write `data` to the printer; raises DeviceUnavailable (message for the clerk) unless it has them."""
        if self.target.kind == "tcp":
            self._send_tcp(data)
            return
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
        load_escpos()
        from escpos import printer as escpos_printer

        if t.kind == "usb":
            device = escpos_printer.Usb(t.vendor, t.product, timeout=int(self.timeout * 1000), profile=self.profile)
        else:
            device = escpos_printer.Serial(t.path, baudrate=t.baudrate, timeout=self.timeout, profile=self.profile)
        device.open()
        if t.kind == "serial":
            # With hardware flow control a printer that is off blocks a write forever unless told otherwise.
            device.device.write_timeout = self.timeout
        return device

    # ------------------------------------------------------------ network printers

    def _send_tcp(self, data: bytes) -> None:
        """Steps 1 to 3 of "Network printers" in the module docstring."""
        t = self.target
        try:
            conn = socket.create_connection((t.host, t.port), timeout=self.timeout)
        except OSError as error:
            raise self._unavailable(error) from error
        with conn:
            answers = self._ask_status(conn, self.status_wait, expected=None)
            if answers:
                self._refuse_on_error(answers, after_data=False)
            try:
                conn.settimeout(self.timeout)
                conn.sendall(data)
            except TimeoutError as error:
                raise DeviceUnavailable(f"{t.describe()} did not take the receipt within {self.timeout:g} s (it is "
                                        f"not reading what it is sent). {_CHECK}") from error
            except OSError as error:
                raise self._closed(error) from error
            if answers:
                after = self._ask_status(conn, self.timeout, expected=len(answers))
                if len(after) < len(answers):
                    raise DeviceUnavailable(f"{t.describe()} did not confirm it received the receipt within "
                                            f"{self.timeout:g} s. {_CHECK}")
                self._refuse_on_error(after, after_data=True)
            else:
                self._wait_until_taken(conn, len(data))

    def _ask_status(self, conn: socket.socket, wait: float, *, expected: int | None) -> bytes:
        """The printer's answers to STATUS_REQUESTS within `wait` seconds: b"" from one that does not do status.

        With `expected` None (before the data) only bytes that look like status answers count; after the
        data, `expected` answers are awaited.
        """
        want = expected or 2
        got = b""
        try:
            conn.settimeout(self.timeout)
            conn.sendall(STATUS_REQUESTS)
            deadline = time.monotonic() + wait
            while len(got) < want:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                conn.settimeout(left)
                try:
                    chunk = conn.recv(want - len(got))
                except TimeoutError:
                    break
                if not chunk:
                    raise ConnectionResetError(errno.ECONNRESET, "the printer closed the connection")
                got += chunk
        except OSError as error:
            raise self._closed(error) from error
        if expected is None and not all(_is_status(b) for b in got):
            return b""  # not an ESC/POS status answer: treat as a printer without status
        return got

    def _refuse_on_error(self, answers: bytes, *, after_data: bool) -> None:
        """DeviceUnavailable naming what the printer reported (answers: DLE EOT 2's byte, then DLE EOT 4's)."""
        offline = answers[0]
        paper = answers[1] if len(answers) > 1 else 0x12
        problem = ""
        if offline & 0x20 or (_is_status(paper) and paper & 0x60 == 0x60):
            problem, fix = "is out of paper", "Load a new roll and close the cover."
        elif offline & 0x04:
            problem, fix = "has its cover open", "Close the cover."
        elif offline & 0x40:
            problem, fix = "reports an error (a paper jam or the cutter)", ("Open the cover, clear the paper, close "
                                                                           "it, and switch the printer off and on.")
        if not problem:
            return
        if after_data:
            raise DeviceUnavailable(f"{self.target.describe()} {problem}. {fix} The receipt may print when it is "
                                    "ready again; if it does not, print it from the reprint queue.")
        raise DeviceUnavailable(f"{self.target.describe()} {problem}. {fix}")

    def _wait_until_taken(self, conn: socket.socket, size: int) -> None:
        """Until the printer has acknowledged every byte (Linux SIOCOUTQ), watching for a close or a reset."""
        deadline = time.monotonic() + self.timeout
        while True:
            self._check_open(conn)
            waiting = _unacknowledged(conn)
            if not waiting:
                self._check_open(conn)  # a reset empties the queue too
                return
            if time.monotonic() >= deadline:
                raise DeviceUnavailable(f"{self.target.describe()} did not take the receipt: {waiting} of its "
                                        f"{size} bytes were still not received after {self.timeout:g} s. {_CHECK}")
            time.sleep(DRAIN_POLL)

    def _check_open(self, conn: socket.socket) -> None:
        """DeviceUnavailable if the printer has closed or reset the connection."""
        conn.setblocking(False)
        try:
            peeked = conn.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return  # open, nothing to read: the normal case
        except OSError as error:
            raise self._closed(error) from error
        finally:
            conn.settimeout(self.timeout)
        if not peeked:
            raise self._closed(ConnectionResetError(errno.ECONNRESET, "closed by the printer"))

    def _closed(self, error: BaseException) -> DeviceUnavailable:
        if isinstance(error, TimeoutError):
            return self._unavailable(error)
        return DeviceUnavailable(f"{self.target.describe()} closed the connection before it received the receipt. "
                                 f"{_CHECK}")

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


class UnusablePrinter:
    """The `ReceiptPrinter` port for a `receipt.printer` setting that is not a printer address.

    Every send fails with the reason, so a receipt is queued with a message that says what to fix
    rather than failing before the printing starts.
    """

    def __init__(self, problem: str, *, columns: int = 42, profile: str = "TM-T88V") -> None:
        self.problem = problem
        self._columns = columns
        self.profile = profile

    @property
    def columns(self) -> int:
        return self._columns

    def send(self, data: bytes) -> None:
        raise DeviceUnavailable(f"The receipt printer's address in the settings (receipt.printer) is not usable: "
                                f"{self.problem}")


def _is_status(byte: int) -> bool:
    """An ESC/POS status byte: bits 1 and 4 set, bits 0 and 7 clear."""
    return byte & 0x93 == 0x12


def _unacknowledged(conn: socket.socket) -> int:
    """Bytes sent on `conn` that the other end has not acknowledged yet; 0 where the OS cannot tell."""
    try:
        import fcntl
        import termios
    except ImportError:  # Windows
        return 0
    request = getattr(termios, "TIOCOUTQ", None)  # SIOCOUTQ on a socket
    if request is None:
        return 0
    try:
        answer = fcntl.ioctl(conn.fileno(), request, b"\0\0\0\0")
    except OSError:  # not Linux: the ioctl is for terminals only there
        return 0
    return int(struct.unpack("i", answer)[0])


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
