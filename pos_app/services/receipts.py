"""Receipts: what a sale's receipt says, printing it, and the reprint queue.

A receipt is built from the stored sale (never from the screen's cart), so a
reprint years later says exactly what the first print said, marked REPRINT.

Print or wait, always: `checkout.complete_sale` puts the sale's receipt in
the counter's print queue in the sale's own transaction, so a crash or a
kill after the commit leaves it waiting, never lost. Printing happens after
the commit (`print_receipt` with that queue entry): a printer that is off,
out of paper, unplugged, closes the connection or does not take the bytes
never stops a sale. The entry leaves the queue only when the printer adapter
says the printer has every byte (see `adapters/receipt_printer.py`);
otherwise the clerk is told why and the receipt waits until it is printed or
dismissed. A receipt that cannot even be laid out (a broken printer library,
a layout the profile cannot do) waits too, with the reason, and the cash
drawer still opens: its pulse does not depend on the receipt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import traceback
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pos_app.documents.receipt import Receipt, ReceiptLine, ReceiptTender, TextReport
from pos_app.domain.commission import sold_by
from pos_app.domain.errors import NotFound
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import display_phone
from pos_app.services.guard import requires
from pos_app.services.ports.devices import DeviceUnavailable, ReceiptPrinter
from pos_app.services.ports.sales import SaleDetail, SalesReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.settings import DEFAULT_RETURN_POLICY

log = logging.getLogger(__name__)

WAITING_FOR_FIRST_PRINT = "Not printed yet: queued with the sale."


@dataclass(frozen=True)
class ReceiptLayout:
    columns: int
    profile: str


def layout(directory: DirectoryReader) -> ReceiptLayout:
    return ReceiptLayout(columns=int(directory.setting("receipt.columns", 42)),
                         profile=str(directory.setting("receipt.profile", "TM-T88V")))


def _sale(sale_id: str, sales: SalesReader) -> SaleDetail:
    sale = sales.sale(sale_id)
    if sale is None:
        raise NotFound("That sale does not exist.")
    return sale


def find_sale_id(number: str, *, sales: SalesReader) -> str:
    """A sale by its number (what the receipt's barcode holds), any case."""
    sale_id = sales.sale_id_for_number(number.strip().upper())
    if sale_id is None:
        raise NotFound(f"No sale has the number {number.strip()!r}.")
    return sale_id


def build_receipt(sale_id: str, *, sales: SalesReader, directory: DirectoryReader, gift: bool = False,
                  reprint: bool = False) -> Receipt:
    sale = _sale(sale_id, sales)
    profile = directory.store()
    if profile is None:
        raise NotFound("The store has not been set up yet.")
    cur = sale.currency

    def m(cents: int) -> Money:
        return Money(cents, cur)

    lines = tuple(
        ReceiptLine(sku=line.sku, description=line.description, quantity=line.quantity,
                    unit_price=m(line.unit_price_cents), discount=m(line.discount_cents),
                    total=m(line.unit_price_cents * line.quantity - line.discount_cents),
                    note="Returned" if line.quantity < 0 else (
                        "Price changed" if line.unit_price_cents != line.list_price_cents else ""))
        for line in sale.lines
    )
    tenders = []
    change = 0
    for p in sale.payments:
        amount = p.amount_cents
        if p.tender == "cash" and p.tendered_cents is not None:
            change += p.tendered_cents - p.amount_cents
            amount = p.tendered_cents
        tenders.append(ReceiptTender(kind=p.tender, amount=m(amount), card_brand=p.card_brand,
                                     card_last4=p.card_last4, emv=p.card_receipt,
                                     pending=p.tender == "card" and p.status == "pending"))
    notice = str(directory.setting("receipt.privacy_notice", "")) or (
        f"Privacy questions or requests: {profile.privacy_contact}" if profile.privacy_contact else "")
    kind = "void" if sale.status == "voided" else sale.kind
    return Receipt(
        kind=kind, number=sale.number, store_name=profile.name, store_address=profile.address,
        store_phone=display_phone(profile.phone), at=sale.completed_at.astimezone(ZoneInfo(profile.timezone)),
        clerk=sale.clerk.split(" ")[0], lines=lines, subtotal=m(sale.subtotal_cents), discount=m(sale.discount_cents),
        tax=m(sale.tax_cents), total=m(sale.total_cents), tenders=tuple(tenders), change=m(change),
        locale=profile.locale, original_number=sale.original_number, tax_exempt_number=sale.tax_exempt_number,
        return_policy=str(directory.setting("receipt.return_policy", DEFAULT_RETURN_POLICY)),
        privacy_notice=notice, footer=profile.receipt_footer, gift=gift, reprint=reprint,
        logo_png=_logo(directory),
        sold_by=sold_by([dataclasses.replace(c, name=c.name.split(" ")[0]) for c in sale.credits]),
    )


def _logo(directory: DirectoryReader) -> bytes | None:
    import base64
    import binascii

    text = str(directory.setting("receipt.logo", "") or "")
    try:
        return base64.b64decode(text, validate=True) if text else None
    except (binascii.Error, ValueError):
        return None


def render_receipt(receipt: Receipt, look: ReceiptLayout) -> bytes:
    from pos_app.documents.receipt_escpos import render_receipt as render

    return render(receipt, columns=look.columns, profile=look.profile)


@dataclass(frozen=True)
class PrintOutcome:
    printed: bool
    message: str
    job_id: str | None = None


@requires(Permission.SELL)
def print_receipt(sale_id: str, *, printer: ReceiptPrinter | None, sales: SalesReader, directory: DirectoryReader,
                  uow: UnitOfWork, actor: Actor, gift: bool = False, reprint: bool = False,
                  open_drawer: bool = False, job_id: str | None = None) -> PrintOutcome:
    """Print a sale's receipt (after the drawer's pulse, if asked); if it cannot, it waits in the queue.

    `job_id` is the receipt's entry in the print queue (`complete_sale` makes one for every sale): it leaves
    the queue once the printer has the receipt, and otherwise keeps the latest reason. Without one (a
    reprint), a receipt that does not print gets a new entry. Never raises for the printer or the layout:
    the outcome says what happened, for the clerk. Raises NotFound for a sale that does not exist.
    """
    number = _sale(sale_id, sales).number
    document = "gift_receipt" if gift else "receipt"
    kick = b""
    if open_drawer:
        from pos_app.documents.receipt_escpos import drawer_kick

        kick = drawer_kick()
    try:
        receipt = build_receipt(sale_id, sales=sales, directory=directory, gift=gift, reprint=reprint)
        data = render_receipt(receipt, layout(directory))
    except NotFound:
        raise
    except Exception as error:  # noqa: BLE001 - a receipt that cannot be laid out waits; the sale is made
        _log_layout_failure(f"The receipt of sale {number}", error)
        drawer = _kick_alone(printer, kick)
        job_id = _keep_waiting(uow, actor, document, sale_id, job_id,
                               f"Could not be laid out for the printer: {_layout_reason(error)}")
        return PrintOutcome(False, f"Receipt {number} did not print: it could not be laid out for the printer "
                                   f"({_layout_reason(error)}).{drawer} It is in the reprint queue.", job_id)
    try:
        if printer is None:
            raise DeviceUnavailable("No receipt printer is set up (Settings, Receipts; or pos-app settings set "
                                    "receipt.printer).")
        printer.send(kick + data)
    except DeviceUnavailable as problem:
        job_id = _keep_waiting(uow, actor, document, sale_id, job_id, str(problem))
        return PrintOutcome(False, f"Receipt {number} did not print: {problem} It is in the reprint queue.", job_id)
    if job_id is not None:
        with uow:
            uow.counter.finish_print(job_id, "printed")
            uow.commit()
    return PrintOutcome(True, f"Receipt {number} printed.", job_id)


def _keep_waiting(uow: UnitOfWork, actor: Actor, document: str, sale_id: str, job_id: str | None,
                  problem: str) -> str:
    """The receipt's queue entry, made if it has none, holding `problem` as the reason it waits."""
    with uow:
        if job_id is None:
            job_id = uow.counter.enqueue_print(terminal=actor.terminal, document=document, sale_id=sale_id,
                                               shift_id=None, error=problem)
        else:
            uow.counter.note_print_problem(job_id, problem)
        uow.commit()
    return job_id


def _kick_alone(printer: ReceiptPrinter | None, kick: bytes) -> str:
    """Open the drawer without the receipt; a few words for the clerk's message."""
    if not kick:
        return ""
    if printer is None:
        return " The drawer could not be opened: no receipt printer is set up."
    try:
        printer.send(kick)
    except DeviceUnavailable as problem:
        return f" The drawer did not open either: {problem}"
    return " The drawer was opened."


def _layout_reason(error: BaseException) -> str:
    """A few words for the clerk: our own layout errors say what to fix; anything else is named."""
    if type(error) is ValueError:  # receipt_escpos's own checks (width, profile), worded for people
        return str(error).rstrip(".")
    return f"{type(error).__name__} in the printer library; the log has the details"


def _log_layout_failure(what: str, error: BaseException) -> None:
    """Where the layout failed, without the error's text: it may quote a customer's name or address."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    log.error("%s could not be laid out: %s at %s", what, type(error).__name__, where)


@requires(Permission.SELL)
def retry_job(job_id: str, *, printer: ReceiptPrinter | None, sales: SalesReader, directory: DirectoryReader,
              uow: UnitOfWork, actor: Actor) -> PrintOutcome:
    with uow:
        job = uow.counter.print_job(job_id)
    if job is None or job["status"] != "waiting":
        raise NotFound("That receipt is no longer waiting to print.")
    if job["sale_id"] is None:
        raise NotFound("That document can no longer be printed from the queue.")
    return print_receipt(job["sale_id"], printer=printer, sales=sales, directory=directory, uow=uow, actor=actor,
                         gift=job["document"] == "gift_receipt", reprint=True, job_id=job_id)


@requires(Permission.SELL)
def dismiss_job(job_id: str, *, uow: UnitOfWork, actor: Actor) -> None:
    """Take a receipt out of the queue (the customer left without it)."""
    with uow:
        uow.counter.finish_print(job_id, "dismissed")
        uow.audit.record(actor, "receipt.dismissed", entity_type="print_job", entity_id=job_id)
        uow.commit()


@requires(Permission.SELL)
def receipt_pdf(sale_id: str, *, sales: SalesReader, directory: DirectoryReader, actor: Actor, uow: UnitOfWork,
                gift: bool = False, reprint: bool = False) -> bytes:
    from pos_app.documents.receipt_pdf import render_receipt_pdf

    return render_receipt_pdf(build_receipt(sale_id, sales=sales, directory=directory, gift=gift, reprint=reprint))


def print_report(title: str, rows: list[tuple[str, str]], *, printer: ReceiptPrinter | None,
                 directory: DirectoryReader, at: dt.datetime) -> PrintOutcome:
    """An X or Z report on the receipt printer (the Z report is also kept with its shift)."""
    from pos_app.documents.receipt_escpos import render_report

    profile = directory.store()
    look = layout(directory)
    if profile is not None:  # printed in the store's time, whatever zone the counter's computer keeps
        at = at.astimezone(ZoneInfo(profile.timezone))
    report = TextReport(title=title, store_name=profile.name if profile else "", at=at, rows=tuple(rows))
    try:
        data = render_report(report, columns=look.columns, profile=look.profile)
    except Exception as error:  # noqa: BLE001 - the report is kept with its shift; the clerk is told
        _log_layout_failure(f"The {title}", error)
        return PrintOutcome(False, f"The {title} did not print: it could not be laid out for the printer "
                                   f"({_layout_reason(error)}).")
    try:
        if printer is None:
            raise DeviceUnavailable("No receipt printer is set up (Settings, Receipts; or pos-app settings set "
                                    "receipt.printer).")
        printer.send(data)
    except DeviceUnavailable as problem:
        return PrintOutcome(False, f"The {title} did not print: {problem}")
    return PrintOutcome(True, f"The {title} printed.")


def kick_drawer(*, printer: ReceiptPrinter | None) -> None:
    """The pulse that opens the cash drawer, through the receipt printer it hangs from (no layout needed)."""
    from pos_app.documents.receipt_escpos import drawer_kick

    if printer is None:
        raise DeviceUnavailable("No receipt printer is set up, so the drawer cannot be opened from Facet.")
    printer.send(drawer_kick())
