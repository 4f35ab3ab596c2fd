"""Receipts leaving Facet: real ESC/POS bytes over TCP to a loopback printer, files,
the reprint queue, and PDF receipts read back with a PDF text extractor."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
import zxingcpp

from pos_app import app
from pos_app.adapters.receipt_printer import EscposPrinter, parse_printer_uri
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import receipts
from pos_app.services.ports import DeviceUnavailable
from tests.conftest import actor_for
from tests.printer_listener import PAPER_END_STATUS, PrinterListener, decode_escpos


def test_printer_addresses() -> None:
    assert parse_printer_uri("tcp://192.168.1.50").port == 9100
    assert parse_printer_uri("tcp://printer.local:9101").host == "printer.local"
    usb = parse_printer_uri("usb://04b8:0202")
    assert (usb.kind, usb.vendor, usb.product) == ("usb", 0x04B8, 0x0202)
    serial = parse_printer_uri("serial:///dev/ttyUSB0?baudrate=19200")
    assert (serial.path, serial.baudrate) == ("/dev/ttyUSB0", 19200)
    assert parse_printer_uri("file:///dev/usb/lp0").path == "/dev/usb/lp0"
    for bad in ("", "lpt1", "usb://epson", "http://printer", "tcp://", "serial://"):
        with pytest.raises(ValidationError, match="printer: .*tcp://"):
            parse_printer_uri(bad)


def test_bytes_reach_a_network_printer_unchanged(printer_listener: PrinterListener) -> None:
    data = b"\x1b@hello\n\x1dV\x00"
    EscposPrinter(parse_printer_uri(printer_listener.url)).send(data)
    assert printer_listener.wait_for(1) == [data]


def test_a_printer_that_does_not_answer_is_a_clear_message() -> None:
    with pytest.raises(DeviceUnavailable, match=r"127\.0\.0\.1:9 does not answer.*Check that it is on"):
        EscposPrinter(parse_printer_uri("tcp://127.0.0.1:9"), timeout_seconds=1).send(b"x")


def test_a_printer_out_of_paper_says_so_and_prints_nothing() -> None:
    listener = PrinterListener(status=PAPER_END_STATUS)
    try:
        with pytest.raises(DeviceUnavailable, match="out of paper"):
            EscposPrinter(parse_printer_uri(listener.url)).send(b"receipt")
        assert listener.received == []
    finally:
        listener.close()


def test_a_file_printer_appends(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    printer = EscposPrinter(parse_printer_uri(f"file://{target}"))
    printer.send(b"one")
    printer.send(b"two")
    assert target.read_bytes() == b"onetwo"
    with pytest.raises(DeviceUnavailable, match="does not answer"):
        EscposPrinter(parse_printer_uri(f"file://{tmp_path}/missing/lp0")).send(b"x")


def _sale_id(facet: app.Facet) -> str:
    return str(facet.sales_reader().sales(limit=1)[0].id)


def test_a_stored_sale_prints_over_tcp(demo_facet: app.Facet, printer_listener: PrinterListener) -> None:
    sale_id = _sale_id(demo_facet)
    sale = demo_facet.sales_reader().sale(sale_id)
    assert sale is not None
    outcome = receipts.print_receipt(
        sale_id, printer=demo_facet.printer_for(printer_listener.url), sales=demo_facet.sales_reader(),
        directory=demo_facet.directory(), uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK),
        open_drawer=True)
    assert outcome.printed
    paper = decode_escpos(printer_listener.wait_for(1)[0])
    assert sale.number in paper.text and all(line.sku in paper.text for line in sale.lines)
    assert "(800) 555-1234" in paper.text and "Jane Ellen" in paper.text
    assert paper.barcodes == [("CODE128", sale.number)] and paper.cut and paper.drawer_kicks == 1
    assert demo_facet.sales_reader().print_queue(demo_facet.terminal) == []


def test_a_failed_print_waits_in_the_queue_and_prints_later(demo_facet: app.Facet,
                                                           printer_listener: PrinterListener) -> None:
    sale_id, clerk = _sale_id(demo_facet), actor_for(demo_facet, Role.CLERK)
    sales, directory = demo_facet.sales_reader(), demo_facet.directory()
    off = demo_facet.printer_for("tcp://127.0.0.1:9")
    outcome = receipts.print_receipt(sale_id, printer=off, sales=sales, directory=directory, uow=demo_facet.uow(),
                                     actor=clerk)
    assert not outcome.printed and "reprint queue" in outcome.message and outcome.job_id
    waiting = sales.print_queue(demo_facet.terminal)
    assert [job.sale_id for job in waiting] == [sale_id]
    again = receipts.retry_job(waiting[0].id, printer=demo_facet.printer_for(printer_listener.url), sales=sales,
                               directory=directory, uow=demo_facet.uow(), actor=clerk)
    assert again.printed
    assert "REPRINT" in decode_escpos(printer_listener.wait_for(1)[0]).text
    assert sales.print_queue(demo_facet.terminal) == []


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_the_pdf_receipt_reads_back_with_every_field_and_a_scannable_barcode(demo_facet: app.Facet) -> None:
    sale_id = _sale_id(demo_facet)
    sale = demo_facet.sales_reader().sale(sale_id)
    assert sale is not None
    clerk = actor_for(demo_facet, Role.CLERK)
    data = receipts.receipt_pdf(sale_id, sales=demo_facet.sales_reader(), directory=demo_facet.directory(),
                                actor=clerk, uow=demo_facet.uow())
    text = _pdf_text(data)
    for expected in (sale.number, "Jane Ellen", "Subtotal", "Tax", "Total", "page 1 of 1",
                     "Returns and exchanges within 30 days", *[line.sku for line in sale.lines]):
        assert expected in text, expected
    assert f"${sale.total_cents // 100:,}.{sale.total_cents % 100:02d}" in text
    image = pypdfium2.PdfDocument(data)[0].render(scale=3).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [sale.number]

    gift = _pdf_text(receipts.receipt_pdf(sale_id, sales=demo_facet.sales_reader(),
                                          directory=demo_facet.directory(), actor=clerk, gift=True, uow=demo_facet.uow()))
    assert "Gift receipt" in gift and not re.search(r"\$\d", gift)


def test_usb_and_serial_printers_that_are_not_there_are_a_clear_message() -> None:
    """No USB or serial printer is plugged into the test machine: the message names the printer."""
    with pytest.raises(DeviceUnavailable, match="USB receipt printer 04b8:0202 does not answer"):
        EscposPrinter(parse_printer_uri("usb://04b8:0202")).send(b"x")
    with pytest.raises(DeviceUnavailable, match="/dev/ttyFACET0 does not answer"):
        EscposPrinter(parse_printer_uri("serial:///dev/ttyFACET0")).send(b"x")
