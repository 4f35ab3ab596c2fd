"""A sale's receipt at the counter: printed and off the queue, or waiting with the reason the clerk reads.

Set FACET_DIALOG_PNG to a folder to keep a picture of the sell screen as each test leaves it.
"""

from __future__ import annotations

from typing import Any

from pos_app.app import Facet
from pos_app.gui.main_window import MainWindow
from tests.gui.conftest import snap
from tests.gui.test_sell import _cash_sale, _set_up_counter
from tests.printer_listener import CLOSES, PrinterListener, decode_escpos


def test_a_printed_receipt_leaves_the_queue_and_the_drawer_opens(qtbot: Any, window: MainWindow, demo_facet: Facet,
                                                                  printer_listener: PrinterListener) -> None:
    _set_up_counter(demo_facet, printer_listener.url, None)
    sell = _cash_sale(qtbot, window, demo_facet)
    qtbot.waitUntil(lambda: "printed." in sell.form.message_label.text(), timeout=15_000)
    sale = demo_facet.store.sales.sales(limit=1)[0]
    paper = decode_escpos(printer_listener.wait_for(1)[0])
    assert sale.number in paper.text and paper.drawer_kicks == 1
    assert demo_facet.store.sales.print_queue(demo_facet.terminal) == []
    qtbot.waitUntil(lambda: sell.form.queue_button.text() == "Reprint queue  F11", timeout=5_000)


def test_a_printer_that_closes_the_connection_leaves_the_receipt_waiting_and_says_so(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    listener = PrinterListener(behavior=CLOSES)
    try:
        _set_up_counter(demo_facet, listener.url, None)
        sell = _cash_sale(qtbot, window, demo_facet)
        qtbot.waitUntil(lambda: "did not print" in sell.form.message_label.text(), timeout=15_000)
    finally:
        listener.close()
    qtbot.wait(100)  # the message label takes its second line
    snap(sell, "sell-receipt-waiting")
    sale = demo_facet.store.sales.sales(limit=1)[0]
    assert sell.form.message_label.text() == (
        f"Receipt {sale.number} did not print: The receipt printer at 127.0.0.1:{listener.port} closed the "
        "connection before it received the receipt. Check that it is on, has paper and is connected. It is in the "
        "reprint queue.")
    waiting = demo_facet.store.sales.print_queue(demo_facet.terminal)
    assert [(job.sale_number, job.error.split(" closed ")[1]) for job in waiting] == [
        (sale.number, "the connection before it received the receipt. Check that it is on, has paper and is "
                      "connected.")]
    assert "(1)" in sell.form.queue_button.text()
