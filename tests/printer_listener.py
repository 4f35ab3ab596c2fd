"""A loopback "receipt printer" for tests, and a decoder for the ESC/POS it receives.

`printer_listener` listens on 127.0.0.1 on a free port, like a network
printer's port 9100, and keeps the bytes of each connection. `decode_escpos`
turns those bytes back into what a person would read off the paper: text
lines with their style, the barcodes with their data, whether the paper was
cut and the drawer kicked.

The decoder is the printer's side of the contract, written from Epson's
ESC/POS reference rather than from python-escpos: code pages are decoded by
Epson's ESC t numbering (0 = PC437, 16 = WPC1252, ...), so a test that an
accented name prints checks what a TM printer would print. An unknown
command or control byte fails the test rather than being skipped silently.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

STATUS_REQUEST = b"\x10\x04\x04"  # DLE EOT 4: the roll paper sensor
# A TM printer's answers to DLE EOT n (n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor):
# fixed bits 1 and 4 set; each state below sets the bits Epson's reference gives for it.
STATUS_OK = {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}
PAPER_NEAR_END = {**STATUS_OK, 4: 0x1E}  # near-end sensor bits 2 and 3: still prints
PAPER_END_STATUS = {1: 0x1E, 2: 0x32, 3: 0x12, 4: 0x72}  # offline; stopped at paper end; paper-end bits 5, 6
COVER_OPEN = {1: 0x1E, 2: 0x16, 3: 0x12, 4: 0x12}  # offline; cover open (bit 2 of DLE EOT 2)
TINY_RECEIVE_BUFFER = 1  # the kernel rounds it up to its minimum (2304 bytes on Linux): ~1 KB of window

# How a listener behaves, like the printers (and the things that are not printers) found on port 9100.
READS = "reads"  # reads everything, answers status requests: a printer that works
CLOSES = "closes"  # accepts the connection and closes it at once
NEVER_READS = "never_reads"  # accepts and never reads, with a tiny receive buffer: the bytes cannot all go
STALLS = "stalls"  # answers status before the job, then stops reading mid-job and answers nothing more


def _status_requests_at_end(data: bytes) -> list[int]:
    """The n of each DLE EOT n that `data` ends with, in order (a printer answers them as it reads them)."""
    found: list[int] = []
    while len(data) >= 3 and data[-3:-1] == b"\x10\x04" and 1 <= data[-1] <= 4:
        found.insert(0, data[-1])
        data = data[:-3]
    return found


def strip_status_requests(data: bytes) -> bytes:
    """`data` without the status requests a sender put before and after its job."""
    while len(data) >= 3 and data[:2] == b"\x10\x04" and 1 <= data[2] <= 4:
        data = data[3:]
    return data[:len(data) - 3 * len(_status_requests_at_end(data))]


class PrinterListener:
    """A TCP listener that keeps the bytes of each connection it accepts.

    `status` answers each DLE EOT n request found at the end of what has arrived (a dict n -> byte such as
    `STATUS_OK`, `PAPER_END_STATUS`, `COVER_OPEN`; None stays silent, like a printer that does not do
    status). `status_after_job`, if given, answers instead once job bytes have arrived (paper ran out
    during the receipt). `behavior` is one of READS, CLOSES, NEVER_READS, STALLS (see above); `stall_after` is how many job bytes a
    stalling printer takes before it stops.
    """

    def __init__(self, *, status: dict[int, int] | None = STATUS_OK, status_after_job: dict[int, int] | None = None,
                 behavior: str = READS, stall_after: int = 100) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        if behavior in (NEVER_READS, STALLS):
            self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, TINY_RECEIVE_BUFFER)
        self._server.settimeout(0.2)
        self.port: int = self._server.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.status = status
        self.status_after_job = status if status_after_job is None else status_after_job
        self.behavior = behavior
        self.stall_after = stall_after
        self.connections: list[bytes] = []  # every connection's bytes as they arrived, status requests included
        self._held: list[socket.socket] = []  # connections a stalled or never-reading printer keeps open
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="printer-listener", daemon=True)
        self._thread.start()

    @property
    def received(self) -> list[bytes]:
        """The job bytes of each connection that carried more than status requests, in arrival order
        (the status requests a sender puts before and after its job left out)."""
        with self._lock:
            jobs = [strip_status_requests(data) for data in self.connections]
        return [job for job in jobs if job]

    def wait_for(self, n_connections: int, timeout: float = 10) -> list[bytes]:
        """`received` once it holds `n_connections` jobs; fails the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.received
            if len(received) >= n_connections:
                return received
            time.sleep(0.01)
        raise AssertionError(f"the printer received {len(self.received)} job(s), not {n_connections}, "
                             f"within {timeout} s")

    def wait_for_connections(self, n: int, timeout: float = 10) -> list[bytes]:
        """`connections` once `n` have closed, status requests included."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.connections) >= n:
                    return list(self.connections)
            time.sleep(0.01)
        raise AssertionError(f"the printer saw {len(self.connections)} connection(s), not {n}, within {timeout} s")

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        with self._lock:
            for conn in self._held:
                conn.close()
        self._thread.join(timeout=2)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.behavior == CLOSES:
                conn.close()
                with self._lock:
                    self.connections.append(b"")
            elif self.behavior == NEVER_READS:
                with self._lock:
                    self._held.append(conn)
            else:
                threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        data = b""
        answered = 0  # bytes of `data` whose status requests were answered
        conn.settimeout(5)
        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(1 if self.behavior == STALLS else 65536)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
                job = len(strip_status_requests(data)) > 0
                if self.behavior == STALLS and job and len(strip_status_requests(data)) >= self.stall_after:
                    with self._lock:
                        self._held.append(conn)
                        self.connections.append(data)
                    return  # keeps the connection open and never reads or answers again
                requests = _status_requests_at_end(data[answered:])
                answers = self.status_after_job if job else self.status
                if requests and answers is not None:
                    conn.sendall(bytes(answers[n] for n in requests))
                    answered = len(data)
        finally:
            if self.behavior != STALLS or conn not in self._held:
                conn.close()
        with self._lock:
            self.connections.append(data)


@pytest.fixture
def printer_listener() -> Iterator[PrinterListener]:
    listener = PrinterListener()
    yield listener
    listener.close()


# ---------------------------------------------------------------- decoding


@dataclass(frozen=True)
class PrintedLine:
    text: str
    columns: int  # print columns used: a double-width character takes two
    bold: bool
    double_width: bool
    double_height: bool
    align: str  # left | center | right


@dataclass
class DecodedReceipt:
    printed: list[PrintedLine] = field(default_factory=list)
    barcodes: list[tuple[str, str]] = field(default_factory=list)  # (symbology, data)
    cut: bool = False
    drawer_kicks: int = 0
    images: int = 0
    resets: int = 0  # ESC @

    @property
    def lines(self) -> list[str]:
        return [line.text for line in self.printed]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# ESC t n as Epson numbers its code pages (TM-T88V/TM-T20II), for the pages Python has a codec for.
EPSON_CODE_PAGES = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 13: "cp857", 14: "cp737", 15: "iso8859-7",
    16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858", 32: "cp720", 33: "cp775", 34: "cp855", 35: "cp861",
    36: "cp862", 37: "cp864", 38: "cp869", 39: "iso8859-2", 40: "iso8859-15", 44: "cp1125", 45: "cp1250",
    46: "cp1251", 47: "cp1253", 48: "cp1254", 49: "cp1255", 50: "cp1256", 51: "cp1257", 52: "cp1258",
}
_SYMBOLOGIES = {65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
                72: "CODE93", 73: "CODE128"}
_SYMBOLOGIES_A = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR"}
_ALIGN = {0: "left", 48: "left", 1: "center", 49: "center", 2: "right", 50: "right"}
# Commands with a fixed length (command bytes included) that change nothing the decoder tracks.
_ESC_SKIP = {ord("-"): 3, ord("G"): 3, ord("M"): 3, ord("{"): 3, ord("J"): 3, ord("2"): 2, ord("3"): 3,
             ord("r"): 3, ord("R"): 3, ord("V"): 3, ord("c"): 4}
_GS_SKIP = {ord("h"): 3, ord("w"): 3, ord("f"): 3, ord("H"): 3, ord("B"): 3, ord("L"): 4, ord("W"): 4,
            ord("P"): 4, ord("b"): 3}


class _State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.bold = False
        self.width = 1
        self.height = 1
        self.align = "left"
        self.codepage = 0


def _code128_text(raw: bytes) -> str:
    """The data of a Code 128 symbol as ESC/POS sends it ("{B" selects code set B, "{{" is a brace)."""
    out, code_set, i = [], "B", 0
    while i < len(raw):
        if raw[i] == ord("{") and i + 1 < len(raw):
            selector = chr(raw[i + 1])
            if selector in "ABC":
                code_set = selector
            elif selector == "{":
                out.append("{")
            i += 2
        elif code_set == "C":
            out.append(f"{raw[i]:02d}")
            i += 1
        else:
            out.append(chr(raw[i]))
            i += 1
    return "".join(out)


def decode_escpos(data: bytes) -> DecodedReceipt:
    """What a TM printer would put on paper for `data` (see the module docstring)."""
    out = DecodedReceipt()
    state = _State()
    text: list[str] = []
    columns = 0
    style: tuple[bool, bool, bool] | None = None  # bold, double width, double height of the line's first character
    i, n = 0, len(data)

    def end_line() -> None:
        nonlocal columns, style
        bold, wide, tall = style or (state.bold, state.width > 1, state.height > 1)
        out.printed.append(PrintedLine("".join(text), columns, bold, wide, tall, state.align))
        text.clear()
        columns, style = 0, None

    while i < n:
        b = data[i]
        if b == 0x0A:  # LF
            end_line()
            i += 1
        elif b == 0x0D:  # CR: ignored with the auto line feed off, as TM printers ship
            i += 1
        elif b == 0x1B:  # ESC
            cmd = data[i + 1]
            if cmd == ord("@"):
                state.reset()
                out.resets += 1
                i += 2
            elif cmd == ord("!"):
                mode = data[i + 2]
                state.bold = bool(mode & 0x08)
                state.height = 2 if mode & 0x10 else 1
                state.width = 2 if mode & 0x20 else 1
                i += 3
            elif cmd == ord("E"):
                state.bold = bool(data[i + 2] & 1)
                i += 3
            elif cmd == ord("a"):
                state.align = _ALIGN[data[i + 2]]
                i += 3
            elif cmd == ord("t"):
                if data[i + 2] not in EPSON_CODE_PAGES:
                    raise AssertionError(f"ESC t {data[i + 2]}: a code page the decoder cannot read, at byte {i}")
                state.codepage = data[i + 2]
                i += 3
            elif cmd == ord("d"):  # print and feed n lines
                if text:
                    end_line()
                i += 3
            elif cmd == ord("p"):  # ESC p m t1 t2: drawer kick pulse
                out.drawer_kicks += 1
                i += 5
            elif cmd == ord("*"):  # ESC * m nL nH: a column bit image
                dots = data[i + 3] + 256 * data[i + 4]
                out.images += 1
                i += 5 + dots * (1 if data[i + 2] in (0, 1) else 3)
            elif cmd in _ESC_SKIP:
                i += _ESC_SKIP[cmd]
            else:
                raise AssertionError(f"unknown ESC command 0x{cmd:02x} at byte {i}")
        elif b == 0x1D:  # GS
            cmd = data[i + 1]
            if cmd == ord("!"):
                size = data[i + 2]
                state.width, state.height = (size >> 4) + 1, (size & 0x0F) + 1
                i += 3
            elif cmd == ord("V"):
                out.cut = True
                i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
            elif cmd == ord("k"):
                system = data[i + 2]
                if system < 65:  # function A: data up to a NUL
                    end = data.index(b"\x00", i + 3)
                    raw, i = data[i + 3:end], end + 1
                    out.barcodes.append((_SYMBOLOGIES_A.get(system, str(system)), raw.decode("ascii")))
                else:
                    length = data[i + 3]
                    raw, i = data[i + 4:i + 4 + length], i + 4 + length
                    symbology = _SYMBOLOGIES.get(system, str(system))
                    out.barcodes.append((symbology, _code128_text(raw) if system == 73 else raw.decode("ascii")))
            elif cmd == ord("v") and data[i + 2] == ord("0"):  # GS v 0 m xL xH yL yH: a raster image
                width_bytes = data[i + 4] + 256 * data[i + 5]
                height = data[i + 6] + 256 * data[i + 7]
                out.images += 1
                i += 8 + width_bytes * height
            elif cmd in (ord("("), ord("8")) and data[i + 2] == ord("L"):  # graphics data
                if cmd == ord("("):
                    i += 5 + data[i + 3] + 256 * data[i + 4]
                else:
                    i += 7 + int.from_bytes(data[i + 3:i + 7], "little")
                out.images += 1
            elif cmd in _GS_SKIP:
                i += _GS_SKIP[cmd]
            else:
                raise AssertionError(f"unknown GS command 0x{cmd:02x} at byte {i}")
        elif b == 0x10 and i + 1 < n and data[i + 1] == 0x04:  # DLE EOT n: a status request
            i += 3
        elif b < 0x20 or b == 0x7F:
            raise AssertionError(f"control byte 0x{b:02x} in the text at byte {i}")
        else:
            char = chr(b) if b < 0x80 else bytes([b]).decode(EPSON_CODE_PAGES[state.codepage], errors="replace")
            if style is None:
                style = (state.bold, state.width > 1, state.height > 1)
            text.append(char)
            columns += state.width
            i += 1
    if text:
        end_line()
    return out
