"""A loopback "receipt printer" for tests, and a decoder for the ESC/POS it receives.

`printer_listener` listens on 127.0.0.1 on a free port, like a printer's port
9100, and keeps the bytes of each connection. `decode_escpos` turns those
bytes back into what a person would read off the paper: text lines, the
barcodes with their data, whether the paper was cut and the drawer kicked.
It understands the commands python-escpos writes; an unknown command fails
the test rather than being skipped silently.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest


def _codepages(profile: str = "TM-T88V") -> dict[int, str]:
    """The printer profile's code page numbers (ESC t n) as Python codec names."""
    from pos_app.documents.receipt_escpos import _escpos_dummy

    pages = _escpos_dummy(profile).profile.get_code_pages()
    return {int(number): name.replace("_", "-").lower() for name, number in pages.items() if name != "Unknown"}


class PrinterListener:
    def __init__(self, *, answer_status: bytes | None = None) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.answer_status = answer_status  # the byte to answer DLE EOT 4 with (None: stay silent)
        self.connections: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def received(self) -> list[bytes]:
        """Bytes of each connection that carried more than a status request."""
        with self._lock:
            return [data for data in self.connections if data.replace(b"\x10\x04\x04", b"")]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        chunks = []
        conn.settimeout(5)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
                if chunk.endswith(b"\x10\x04\x04") and self.answer_status is not None:
                    conn.sendall(self.answer_status)
        with self._lock:
            self.connections.append(b"".join(chunks))

    def wait_for(self, n: int, timeout: float = 10) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= n:
                return self.received
            time.sleep(0.02)
        raise AssertionError(f"the printer received {len(self.received)} job(s), not {n}, within {timeout} s")

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=2)


@pytest.fixture
def printer_listener() -> Iterator[PrinterListener]:
    listener = PrinterListener()
    yield listener
    listener.close()


@dataclass
class DecodedReceipt:
    lines: list[str] = field(default_factory=list)
    barcodes: list[tuple[str, str]] = field(default_factory=list)  # (symbology, data)
    cut: bool = False
    drawer_kicks: int = 0
    images: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_BARCODE_SYSTEMS = {73: "CODE128", 69: "CODE39", 67: "EAN13", 65: "UPC-A"}


def decode_escpos(data: bytes, profile: str = "TM-T88V") -> DecodedReceipt:
    out = DecodedReceipt()
    codepages = _codepages(profile)
    pieces: list[str] = []  # the current line, decoded piece by piece as the code page changes
    seg = bytearray()
    codepage = "cp437"
    i, n = 0, len(data)

    def close_segment() -> None:
        pieces.append(seg.decode(codepage, errors="replace"))
        seg.clear()

    # ESC commands python-escpos writes, with their total length in bytes.
    esc_lengths = {ord("@"): 2, ord("!"): 3, ord("E"): 3, ord("a"): 3, ord("-"): 3, ord("G"): 3, ord("M"): 3,
                   ord("{"): 3, ord("d"): 3, ord("J"): 3, ord("2"): 2, ord("3"): 3, ord("r"): 3, ord("p"): 5}
    gs_lengths = {ord("h"): 3, ord("w"): 3, ord("f"): 3, ord("H"): 3, ord("!"): 3, ord("B"): 3, ord("L"): 4}
    while i < n:
        b = data[i]
        if b == 0x0A:
            close_segment()
            out.lines.append("".join(pieces))
            pieces.clear()
            i += 1
        elif b == 0x1B:  # ESC
            cmd = data[i + 1]
            if cmd == ord("t"):
                close_segment()
                codepage = codepages.get(data[i + 2], "cp437")
                i += 3
            elif cmd in esc_lengths:
                if cmd == ord("p"):
                    out.drawer_kicks += 1
                i += esc_lengths[cmd]
            else:
                raise AssertionError(f"unknown ESC command 0x{cmd:02x} at byte {i}")
        elif b == 0x1D:  # GS
            cmd = data[i + 1]
            if cmd == ord("V"):
                out.cut = True
                i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
            elif cmd == ord("k"):
                system, length = data[i + 2], data[i + 3]
                raw = data[i + 4:i + 4 + length].decode("ascii")
                if raw[:2] in ("{A", "{B", "{C"):
                    raw = raw[2:]
                out.barcodes.append((_BARCODE_SYSTEMS.get(system, str(system)), raw))
                i += 4 + length
            elif cmd == ord("v") and data[i + 2] == ord("0"):  # a raster image (the logo)
                width_bytes = data[i + 4] + 256 * data[i + 5]
                height = data[i + 6] + 256 * data[i + 7]
                out.images += 1
                i += 8 + width_bytes * height
            elif cmd in gs_lengths:
                i += gs_lengths[cmd]
            else:
                raise AssertionError(f"unknown GS command 0x{cmd:02x} at byte {i}")
        elif b == 0x10 and i + 1 < n and data[i + 1] == 0x04:  # DLE EOT n: a status request
            i += 3
        else:
            seg.append(b)
            i += 1
    close_segment()
    if any(pieces):
        out.lines.append("".join(pieces))
    return out
