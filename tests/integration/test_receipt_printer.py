"""The receipt printer adapter against real sockets and files: bytes over TCP to a loopback
"printer", a printer that is off or out of paper, printer addresses good and bad."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pos_app.adapters.receipt_printer import STATUS_REQUESTS, EscposPrinter, PrinterTarget, parse_printer_uri
from pos_app.documents.receipt import Receipt, ReceiptLine, ReceiptTender
from pos_app.documents.receipt_escpos import drawer_kick, render_receipt
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from pos_app.services.ports.devices import DeviceUnavailable, ReceiptPrinter
from tests.printer_listener import (
    CLOSES,
    COVER_OPEN,
    NEVER_READS,
    PAPER_END_STATUS,
    PAPER_NEAR_END,
    STALLS,
    STATUS_OK,
    PrinterListener,
    decode_escpos,
)


def receipt(number: str = "C1-000123") -> Receipt:
    total = Money(89900)
    return Receipt(
        kind="sale", number=number, store_name="Jane Ellen", store_address="410 Madison Avenue\nNew York, NY",
        store_phone="(800) 555-1234", at=dt.datetime(2026, 11, 25, 14, 5, tzinfo=ZoneInfo("America/New_York")),
        clerk="Lily", lines=(ReceiptLine("SOL-2002", "Solitaire Pendant", 1, total, Money(0), total),),
        subtotal=total, discount=Money(0), tax=Money(0), total=total,
        tenders=(ReceiptTender("card", total, "visa", "4242"),), change=Money(0),
    )


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(("uri", "target"), [
    ("tcp://192.168.1.50", PrinterTarget("tcp", host="192.168.1.50", port=9100)),
    ("tcp://printer.local:9101/", PrinterTarget("tcp", host="printer.local", port=9101)),
    ("  TCP://[fe80::1]:9100 ", PrinterTarget("tcp", host="fe80::1", port=9100)),
    ("usb://04b8:0202", PrinterTarget("usb", vendor=0x04B8, product=0x0202)),
    ("usb://04B8:E15", PrinterTarget("usb", vendor=0x04B8, product=0x0E15)),
    ("serial:///dev/ttyUSB0", PrinterTarget("serial", path="/dev/ttyUSB0", baudrate=9600)),
    ("serial:///dev/ttyUSB0?baudrate=19200", PrinterTarget("serial", path="/dev/ttyUSB0", baudrate=19200)),
    ("serial://COM3?baudrate=38400", PrinterTarget("serial", path="COM3", baudrate=38400)),
    ("file:///dev/usb/lp0", PrinterTarget("file", path="/dev/usb/lp0")),
])
def test_printer_addresses_that_parse(uri: str, target: PrinterTarget) -> None:
    assert parse_printer_uri(uri) == target
    assert parse_printer_uri(target.uri) == target  # the canonical form reads back the same


@pytest.mark.parametrize(("uri", "problem"), [
    ("", "no printer address"),
    ("lpt1", "not a printer address"),
    ("192.168.1.50:9100", "not a printer address"),
    ("http://printer", "not a printer address"),
    ("tcp://", "names no printer host"),
    ("tcp://printer:99999", "port .* must be a number from 1 to 65535"),
    ("tcp://printer:9100/queue", "more than a host and a port"),
    ("usb://epson", "vendor and product ids in hex"),
    ("usb://04b8", "vendor and product ids in hex"),
    ("usb://0000:0202", "vendor and product ids in hex"),
    ("serial://", "names no serial port"),
    ("serial:///dev/ttyUSB0?baudrate=fast", "baud rate"),
    ("serial:///dev/ttyUSB0?parity=even", "takes only \\?baudrate="),
    ("file://lp0", "full path"),
    ("file:///dev/usb/", "full path"),
])
def test_bad_printer_addresses_say_what_is_wrong_and_show_examples(uri: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=f"printer: .*{problem}.*tcp://192.168.1.50:9100") as raised:
        parse_printer_uri(uri)
    assert raised.value.field == "printer" and "usb://04b8:0202" in raised.value.problem


def test_a_receipt_reaches_a_network_printer_byte_for_byte(printer_listener: PrinterListener) -> None:
    printer: ReceiptPrinter = EscposPrinter(parse_printer_uri(printer_listener.url), columns=48)
    data = drawer_kick() + render_receipt(receipt(), columns=printer.columns)
    printer.send(data)
    assert printer_listener.wait_for(1) == [data]
    decoded = decode_escpos(printer_listener.received[0])
    assert decoded.drawer_kicks == 1 and decoded.barcodes == [("CODE128", "C1-000123")] and decoded.cut
    assert "VISA ****4242" in decoded.text and all(line.columns <= 48 for line in decoded.printed)


def test_each_send_is_its_own_connection(printer_listener: PrinterListener) -> None:
    printer = EscposPrinter(parse_printer_uri(printer_listener.url))
    printer.send(b"first\n")
    printer.send(b"second\n")
    assert printer_listener.wait_for(2) == [b"first\n", b"second\n"]


def test_a_printer_that_is_off_is_a_message_naming_it() -> None:
    port = free_port()
    printer = EscposPrinter(parse_printer_uri(f"tcp://127.0.0.1:{port}"), timeout_seconds=1)
    with pytest.raises(DeviceUnavailable) as raised:
        printer.send(render_receipt(receipt()))
    assert str(raised.value) == (f"The receipt printer at 127.0.0.1:{port} does not answer (it refused the "
                                 "connection). Check that it is on, has paper and is connected.")
    with pytest.raises(DeviceUnavailable, match="does not answer"):  # the same printer object tries again
        printer.send(b"x")


def test_a_printer_out_of_paper_says_so_and_is_sent_nothing() -> None:
    listener = PrinterListener(status=PAPER_END_STATUS)
    try:
        with pytest.raises(DeviceUnavailable, match=r"127\.0\.0\.1:\d+ is out of paper\. Load a new roll"):
            EscposPrinter(parse_printer_uri(listener.url)).send(b"receipt")
        assert listener.wait_for_connections(1) == [STATUS_REQUESTS] and listener.received == []
    finally:
        listener.close()


@pytest.mark.parametrize("status", [STATUS_OK, PAPER_NEAR_END, None], ids=["paper", "paper-near-end", "no-status"])
def test_a_printer_with_paper_or_without_status_is_sent_the_receipt(status: dict[int, int] | None) -> None:
    listener = PrinterListener(status=status)
    try:
        EscposPrinter(parse_printer_uri(listener.url), status_wait=0.1).send(b"receipt\n")
        assert listener.wait_for(1) == [b"receipt\n"]
        # One connection: asked its status, sent the receipt, and (a printer that answers) asked again.
        after = STATUS_REQUESTS if status is not None else b""
        assert listener.wait_for_connections(1) == [STATUS_REQUESTS + b"receipt\n" + after]
    finally:
        listener.close()


def test_a_file_printer_appends_each_receipt(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    target.write_bytes(b"earlier")
    printer = EscposPrinter(parse_printer_uri(f"file://{target}"))
    one, two = render_receipt(receipt()), render_receipt(receipt("C1-000124"))
    printer.send(one)
    printer.send(two)
    assert target.read_bytes() == b"earlier" + one + two


def test_a_file_printer_that_is_not_there_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "lp0"
    with pytest.raises(DeviceUnavailable, match=f"receipt printer at {missing} does not answer \\(there is no "
                                                 "such device or file\\)\\. Check the printer's address"):
        EscposPrinter(parse_printer_uri(f"file://{missing}")).send(b"x")


def test_a_serial_printer_that_is_not_plugged_in_says_so() -> None:
    with pytest.raises(DeviceUnavailable, match="receipt printer at /dev/ttyFACET0 does not answer"):
        EscposPrinter(parse_printer_uri("serial:///dev/ttyFACET0")).send(b"x")


# ---------------------------------------------------------------- delivered, or not printed


def _quick(listener: PrinterListener) -> EscposPrinter:
    """The listener's printer with short waits: a quarter of a second for the data to be taken."""
    return EscposPrinter(parse_printer_uri(listener.url), timeout_seconds=0.5, status_wait=0.1)


def test_a_printer_that_accepts_and_closes_at_once_did_not_print() -> None:
    listener = PrinterListener(behavior=CLOSES)
    try:
        with pytest.raises(DeviceUnavailable, match=r"127\.0\.0\.1:\d+ closed the connection before it received "
                                                     r"the receipt\. Check that it is on"):
            _quick(listener).send(render_receipt(receipt()))
        assert listener.received == []
    finally:
        listener.close()


def a_long_receipt() -> bytes:
    """A 40-line sale, about 3 KB: more than a printer with a tiny receive buffer can take."""
    one = receipt().lines[0]
    lines = tuple(dataclasses.replace(one, sku=f"SOL-{2000 + n}") for n in range(40))
    data = render_receipt(dataclasses.replace(receipt(), lines=lines))
    assert len(data) > 2_500
    return data


def test_a_printer_that_never_reads_did_not_print() -> None:
    listener = PrinterListener(behavior=NEVER_READS)
    data = a_long_receipt()
    try:
        with pytest.raises(DeviceUnavailable, match=rf"did not take the receipt: \d+ of its {len(data)} bytes were "
                                                     r"still not received after 0\.5 s"):
            _quick(listener).send(data)
    finally:
        listener.close()


def test_a_printer_that_stalls_in_the_middle_of_a_receipt_did_not_print() -> None:
    """It answered its status before the receipt, so its silence after the receipt is what tells."""
    listener = PrinterListener(behavior=STALLS)
    try:
        with pytest.raises(DeviceUnavailable, match=r"did not confirm it received the receipt within 0\.5 s"):
            _quick(listener).send(render_receipt(receipt()))
    finally:
        listener.close()


def test_a_printer_whose_cover_is_open_is_sent_nothing() -> None:
    listener = PrinterListener(status=COVER_OPEN)
    try:
        with pytest.raises(DeviceUnavailable, match=r"127\.0\.0\.1:\d+ has its cover open\. Close the cover\.$"):
            _quick(listener).send(render_receipt(receipt()))
        assert listener.wait_for_connections(1) == [STATUS_REQUESTS]
    finally:
        listener.close()


def test_a_printer_that_runs_out_of_paper_during_the_receipt_did_not_print() -> None:
    listener = PrinterListener(status=STATUS_OK, status_after_job=PAPER_END_STATUS)
    data = render_receipt(receipt())
    try:
        with pytest.raises(DeviceUnavailable, match=r"is out of paper\. Load a new roll and close the cover\. The "
                                                     r"receipt may print when it is ready again; if it does not, "
                                                     r"print it from the reprint queue\."):
            _quick(listener).send(data)
        assert listener.wait_for(1) == [data]  # it had the bytes; it said it could not print them
    finally:
        listener.close()


def test_a_printer_without_status_that_takes_every_byte_printed() -> None:
    """No status answers: the drained send queue is the proof, even for a receipt larger than the window."""
    listener = PrinterListener(status=None)
    data = render_receipt(receipt()) * 40  # ~100 KB: more than one TCP window
    try:
        _quick(listener).send(data)
        assert listener.wait_for(1) == [data]
    finally:
        listener.close()
