"""Receipts leaving Facet: real ESC/POS bytes over TCP to a loopback printer, files,
the reprint queue, and PDF receipts read back with a PDF text extractor."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2
import pytest
import zxingcpp

from pos_app import app, escpos_loader
from pos_app.adapters.receipt_printer import EscposPrinter, parse_printer_uri
from pos_app.documents.receipt_escpos import drawer_kick
from pos_app.domain.cart import Cart
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.services import cash, checkout, receipts, settings
from pos_app.services.ports.devices import DeviceUnavailable
from tests.conftest import actor_for
from tests.printer_listener import (
    CLOSES,
    COVER_OPEN,
    NEVER_READS,
    PAPER_END_STATUS,
    STALLS,
    PrinterListener,
    decode_escpos,
)


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
    return str(facet.store.sales.sales(limit=1)[0].id)


def test_a_stored_sale_prints_over_tcp(demo_facet: app.Facet, printer_listener: PrinterListener) -> None:
    sale_id = _sale_id(demo_facet)
    sale = demo_facet.store.sales.sale(sale_id)
    assert sale is not None
    outcome = receipts.print_receipt(
        sale_id, printer=demo_facet.printer_for(printer_listener.url), sales=demo_facet.store.sales,
        directory=demo_facet.store.directory, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK),
        open_drawer=True)
    assert outcome.printed
    paper = decode_escpos(printer_listener.wait_for(1)[0])
    assert sale.number in paper.text and all(line.sku in paper.text for line in sale.lines)
    assert "(800) 555-1234" in paper.text and "Jane Ellen" in paper.text
    assert paper.barcodes == [("CODE128", sale.number)] and paper.cut and paper.drawer_kicks == 1
    assert demo_facet.store.sales.print_queue(demo_facet.terminal) == []


def test_a_failed_print_waits_in_the_queue_and_prints_later(demo_facet: app.Facet,
                                                           printer_listener: PrinterListener) -> None:
    sale_id, clerk = _sale_id(demo_facet), actor_for(demo_facet, Role.CLERK)
    sales, directory = demo_facet.store.sales, demo_facet.store.directory
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
    sale = demo_facet.store.sales.sale(sale_id)
    assert sale is not None
    clerk = actor_for(demo_facet, Role.CLERK)
    data = receipts.receipt_pdf(sale_id, sales=demo_facet.store.sales, directory=demo_facet.store.directory,
                                actor=clerk, uow=demo_facet.uow())
    text = _pdf_text(data)
    for expected in (sale.number, "Jane Ellen", "Subtotal", "Tax", "Total", "page 1 of 1",
                     "Returns and exchanges within 30 days", *[line.sku for line in sale.lines]):
        assert expected in text, expected
    assert f"${sale.total_cents // 100:,}.{sale.total_cents % 100:02d}" in text
    image = pypdfium2.PdfDocument(data)[0].render(scale=3).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [sale.number]

    gift = _pdf_text(receipts.receipt_pdf(sale_id, sales=demo_facet.store.sales,
                                          directory=demo_facet.store.directory, actor=clerk, gift=True, uow=demo_facet.uow()))
    assert "Gift receipt" in gift and not re.search(r"\$\d", gift)


def test_usb_and_serial_printers_that_are_not_there_are_a_clear_message() -> None:
    """No USB or serial printer is plugged into the test machine: the message names the printer."""
    with pytest.raises(DeviceUnavailable, match="USB receipt printer 04b8:0202 does not answer"):
        EscposPrinter(parse_printer_uri("usb://04b8:0202")).send(b"x")
    with pytest.raises(DeviceUnavailable, match="/dev/ttyFACET0 does not answer"):
        EscposPrinter(parse_printer_uri("serial:///dev/ttyFACET0")).send(b"x")


# ---------------------------------------------------------------- print or wait, always


def _cash_sale(facet: app.Facet, clerk: Actor) -> checkout.CompletedSale:
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    row = next(r for r in facet.store.inventory.search("tennis", 50) if r.status == "available" and r.on_hand > 0)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings, uow=facet.uow(),
                                 actor=clerk)
    co = checkout.pay_cash(co, Money(co.due.cents + 2000), uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    return checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales)


def _waiting(facet: app.Facet) -> dict[str, str]:
    """Sale number -> why its receipt waits, for every receipt in this counter's queue."""
    return {str(job.sale_number): job.error for job in facet.store.sales.print_queue(facet.terminal)}


def test_a_sales_receipt_waits_in_the_queue_from_the_sales_own_commit_until_it_prints(
        demo_facet: app.Facet, clerk: Actor, printer_listener: PrinterListener) -> None:
    done = _cash_sale(demo_facet, clerk)
    assert _waiting(demo_facet) == {done.number: receipts.WAITING_FOR_FIRST_PRINT}
    outcome = receipts.print_receipt(done.sale_id, printer=demo_facet.printer_for(printer_listener.url),
                                     sales=demo_facet.store.sales, directory=demo_facet.store.directory,
                                     uow=demo_facet.uow(), actor=clerk, open_drawer=True, job_id=done.receipt_job_id)
    assert outcome == receipts.PrintOutcome(True, f"Receipt {done.number} printed.", done.receipt_job_id)
    paper = decode_escpos(printer_listener.wait_for(1)[0])
    assert done.number in paper.text and paper.drawer_kicks == 1 and "REPRINT" not in paper.text
    assert _waiting(demo_facet) == {}


KILLED_AFTER_THE_SALE = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from pos_app import app
    from pos_app.domain.cart import Cart
    from pos_app.domain.money import Money
    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import cash, checkout

    facet = app.open_facet(Path(sys.argv[1]))
    person = next(s for s in facet.store.directory.staff_list() if s.role is Role.CLERK)
    clerk = Actor(staff_id=person.id, name=person.name, role=person.role, terminal=facet.terminal)
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    row = next(r for r in facet.store.inventory.search("tennis", 50) if r.status == "available" and r.on_hand > 0)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings, uow=facet.uow(),
                                 actor=clerk)
    co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    done = checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    print(done.number, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # right after the sale's commit, before anything is printed
""")


def _python(script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "FACET_DATA_DIR"} | (env or {})
    return subprocess.run([sys.executable, "-c", script, *args], env=environment, capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_counter_killed_right_after_the_sale_still_has_its_receipt_waiting(demo_dir: Path) -> None:
    killed = _python(KILLED_AFTER_THE_SALE, str(demo_dir))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    number = killed.stdout.strip()
    facet = app.open_facet(demo_dir)
    try:
        assert facet.store.sales.sale_id_for_number(number) is not None, "the sale was committed"
        assert _waiting(facet) == {number: receipts.WAITING_FOR_FIRST_PRINT}
    finally:
        facet.close()


def _quick_printer(facet: app.Facet, url: str) -> EscposPrinter:
    directory = facet.store.directory
    return EscposPrinter(parse_printer_uri(url), columns=int(directory.setting("receipt.columns", 42)),
                         profile=str(directory.setting("receipt.profile", "TM-T88V")), timeout_seconds=0.5,
                         status_wait=0.1)


@pytest.mark.parametrize(("listener", "reason"), [
    (dict(behavior=CLOSES), "closed the connection before it received the receipt"),
    (dict(behavior=NEVER_READS), r"did not take the receipt: \d+ of its \d+ bytes were still not received"),
    (dict(behavior=STALLS), r"did not confirm it received the receipt within 0\.5 s"),
    (dict(status=COVER_OPEN), "has its cover open"),
    (dict(status_after_job=PAPER_END_STATUS), "is out of paper. Load a new roll"),
], ids=["closes-at-once", "never-reads", "stalls", "cover-open", "paper-runs-out"])
def test_a_receipt_the_printer_did_not_take_waits_in_the_queue_with_the_reason(
        demo_facet: app.Facet, clerk: Actor, tmp_path: Path, listener: dict[str, Any], reason: str) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"  # the store's letterhead: a receipt of a few kB, more than a tiny buffer takes
    Image.effect_noise((384, 120), 64).convert("1").save(logo)
    settings.change_setting("receipt.logo", str(logo), uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.OWNER))
    done = _cash_sale(demo_facet, clerk)
    printer = PrinterListener(**listener)
    try:
        outcome = receipts.print_receipt(
            done.sale_id, printer=_quick_printer(demo_facet, printer.url), sales=demo_facet.store.sales,
            directory=demo_facet.store.directory, uow=demo_facet.uow(), actor=clerk, job_id=done.receipt_job_id)
    finally:
        printer.close()
    assert not outcome.printed and outcome.job_id == done.receipt_job_id
    assert re.fullmatch(rf"Receipt {done.number} did not print: The receipt printer at 127\.0\.0\.1:\d+ .*{reason}.* "
                        r"It is in the reprint queue\.", outcome.message), outcome.message
    waiting = _waiting(demo_facet)
    assert list(waiting) == [done.number] and re.search(reason, waiting[done.number])


def test_a_receipt_that_cannot_be_laid_out_waits_and_the_drawer_still_opens(
        demo_facet: app.Facet, clerk: Actor, printer_listener: PrinterListener) -> None:
    done = _cash_sale(demo_facet, clerk)
    with demo_facet.uow() as uow:  # a profile saved before profiles were checked
        uow.settings.set("receipt.profile", "TM-T88X")
        uow.commit()
    outcome = receipts.print_receipt(done.sale_id, printer=demo_facet.printer_for(printer_listener.url),
                                     sales=demo_facet.store.sales, directory=demo_facet.store.directory,
                                     uow=demo_facet.uow(), actor=clerk, open_drawer=True, job_id=done.receipt_job_id)
    assert not outcome.printed
    assert outcome.message == (f"Receipt {done.number} did not print: it could not be laid out for the printer "
                               "('TM-T88X' is not a printer model python-escpos knows (for example TM-T88V or "
                               "TM-T20II)). The drawer was opened. It is in the reprint queue.")
    assert printer_listener.wait_for(1) == [drawer_kick()]
    assert decode_escpos(printer_listener.received[0]).drawer_kicks == 1
    assert _waiting(demo_facet) == {done.number: "Could not be laid out for the printer: 'TM-T88X' is not a printer "
                                                 "model python-escpos knows (for example TM-T88V or TM-T20II)"}


PRINT_THE_LAST_SALE = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pos_app import app
    from pos_app.domain.permissions import Actor, Role
    from pos_app.services import receipts

    facet = app.open_facet(Path(sys.argv[1]))
    person = next(s for s in facet.store.directory.staff_list() if s.role is Role.CLERK)
    clerk = Actor(staff_id=person.id, name=person.name, role=person.role, terminal=facet.terminal)
    sale_id = facet.store.sales.sales(limit=1)[0].id
    outcome = receipts.print_receipt(sale_id, printer=facet.printer_for(sys.argv[2]), sales=facet.store.sales,
                                     directory=facet.store.directory, uow=facet.uow(), actor=clerk, open_drawer=True)
    print(outcome.printed, outcome.message)
""")


@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_a_capability_cache_left_broken_by_a_kill_no_longer_stops_receipts(
        demo_dir: Path, tmp_path: Path, printer_listener: PrinterListener, damage: str) -> None:
    """As python-escpos leaves it when a process is killed while it writes the pickle in place."""
    good, folder = tmp_path / "good", tmp_path / "escpos"
    folder.mkdir()
    whole = escpos_loader.write_cache(good).read_bytes()
    broken = escpos_loader.cache_path(folder)
    broken.write_bytes(b"" if damage == "empty" else whole[:len(whole) // 2])
    assert escpos_loader.cache_problem(folder) is not None

    done = _python(PRINT_THE_LAST_SALE, str(demo_dir), printer_listener.url,
                   env={escpos_loader.PICKLE_DIR_VARIABLE: str(folder)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("True Receipt "), done.stdout
    paper = decode_escpos(printer_listener.wait_for(1)[0])
    assert paper.drawer_kicks == 1 and paper.cut and paper.barcodes
    assert escpos_loader.cache_problem(folder) is None and broken.read_bytes() == whole  # replaced whole
    assert not list(folder.glob(".facet-capabilities-*")), "no temp file left behind"


# ---------------------------------------------------------------- the printer's set-up


def test_receipt_columns_must_fit_the_printer_profile(demo_facet: app.Facet) -> None:
    owner, directory = actor_for(demo_facet, Role.OWNER), demo_facet.store.directory
    with pytest.raises(ValidationError, match=r"^receipt\.columns: is 48, but the TM-T88V profile prints 42 "
                                              r"characters a line \(font A\), so 48 do not fit: set 42$"):
        settings.change_setting("receipt.columns", "48", uow=demo_facet.uow(), actor=owner)
    assert directory.setting("receipt.columns", 42) == 42
    with pytest.raises(ValidationError, match=r"^receipt\.profile: 'TM-T88X' is not a printer model python-escpos "
                                              r"knows"):
        settings.change_setting("receipt.profile", "TM-T88X", uow=demo_facet.uow(), actor=owner)
    with pytest.raises(ValidationError, match=r"^receipt\.profile: POS-5890 prints 32 characters a line; Facet's "
                                              r"receipts need 42 or 48"):
        settings.change_setting("receipt.profile", "POS-5890", uow=demo_facet.uow(), actor=owner)

    settings.change_settings({"receipt.profile": "TM-T20II", "receipt.columns": "48"}, uow=demo_facet.uow(),
                             actor=owner)
    assert (directory.setting("receipt.profile", ""), directory.setting("receipt.columns", 42)) == ("TM-T20II", 48)
    with pytest.raises(ValidationError, match=r"^receipt\.profile: TM-T88V prints 42 characters a line \(font A\), "
                                              r"but receipt\.columns is 48: set receipt\.columns to 42 first$"):
        settings.change_setting("receipt.profile", "TM-T88V", uow=demo_facet.uow(), actor=owner)
    assert directory.setting("receipt.profile", "") == "TM-T20II"


def test_doctor_reports_a_broken_printer_set_up(demo_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from pos_app import doctor

    healthy = doctor.examine(demo_dir)
    assert healthy["printer"] == {"address": None, "profile": "TM-T88V", "columns": 42, "capability_cache": "ok",
                                  "ok": True}
    facet = app.open_facet(demo_dir)
    try:
        with facet.uow() as uow:  # as saved before these were checked (the port passes the settings' own check)
            uow.settings.set("receipt.printer", "tcp://192.168.1.50:99999")
            uow.settings.set("receipt.columns", 48)
            uow.commit()
    finally:
        facet.close()
    folder = tmp_path / "escpos"
    folder.mkdir()
    escpos_loader.cache_path(folder).write_bytes(b"")  # a process killed while python-escpos wrote it
    monkeypatch.setenv(escpos_loader.PICKLE_DIR_VARIABLE, str(folder))

    report = doctor.examine(demo_dir)
    assert not report["ok"] and report["printer"]["ok"] is False
    assert report["printer"]["capability_cache"] == "damaged"
    assert "The receipt printer's address (receipt.printer) cannot be used: the port in 'tcp://192.168.1.50:99999' " \
           "must be a number from 1 to 65535" in "\n".join(report["problems"])
    assert ("The receipt width (receipt.columns) is 48, but the TM-T88V profile prints 42 characters a line (font A), "
            "so 48 do not fit: set 42.") in report["problems"]
    assert any(w.startswith(f"python-escpos's capability cache {escpos_loader.cache_path(folder)} is empty. Facet "
                            "replaces it") for w in report["warnings"])
    assert escpos_loader.cache_path(folder).read_bytes() == b"", "doctor only reads"

    facet = app.open_facet(demo_dir)
    try:
        with facet.uow() as uow:
            uow.settings.set("receipt.profile", "TM-T88X")
            uow.commit()
    finally:
        facet.close()
    assert "The receipt printer's profile (receipt.profile): 'TM-T88X' is not a printer model python-escpos knows " \
           "(for example TM-T88V or TM-T20II)." in doctor.examine(demo_dir)["problems"]


def test_a_printer_address_that_cannot_be_used_is_why_the_receipt_waits(demo_facet: app.Facet, clerk: Actor) -> None:
    done = _cash_sale(demo_facet, clerk)
    with demo_facet.uow() as uow:
        uow.settings.set("receipt.printer", "tcp://192.168.1.50:99999")
        uow.commit()
    outcome = receipts.print_receipt(done.sale_id, printer=demo_facet.receipt_printer(),
                                     sales=demo_facet.store.sales, directory=demo_facet.store.directory,
                                     uow=demo_facet.uow(), actor=clerk, job_id=done.receipt_job_id)
    assert not outcome.printed and outcome.message.startswith(
        f"Receipt {done.number} did not print: The receipt printer's address in the settings (receipt.printer) is "
        "not usable: the port in 'tcp://192.168.1.50:99999' must be a number from 1 to 65535.")
    assert list(_waiting(demo_facet)) == [done.number]
